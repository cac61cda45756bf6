// Optimized kernels: the hook between an op's reference implementation (conv.cc,
// depthwise_conv.cc, fully_connected.cc, ...) and its fast variants.
//
// At the end of prepare, an op asks make_*() for a fast kernel for its case. The
// function returns null when no optimized kernel covers the case (or exec().isa is
// kReference), and the reference runs. Otherwise it has checked what it needs, packed
// constant weights into its own state (ctx.add_state_bytes() counts them) and possibly
// requested scratch memory; eval then calls run() instead of the reference.
//
// Integer fast kernels are bit-exact with the reference; float ones agree within
// rounding (they sum in float32, in a different order). Each is tested against the
// reference over many shapes in tests/kernels/optimized_*_test.cc.
#pragma once
#include <memory>

#include "kernels/kernel_api.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/requant_int8.h"

namespace liteq::rt::opt {

class FastKernel {
 public:
  virtual ~FastKernel() = default;
  // Reads the op's inputs and writes its outputs through ctx, like a kernel's eval.
  virtual void run(OpContext& ctx) = 0;
};

// --- float32 (src/kernels/optimized/*_f32*.cc) ---------------------------------------
// CONV_2D: input [kInput=0], OHWI filter [1] (constant), optional bias [2].
std::unique_ptr<FastKernel> make_conv_f32(OpContext& ctx, const ref::ConvGeometry& g, int filter_in_c);
// DEPTHWISE_CONV_2D: filter [1, kh, kw, out_c].
std::unique_ptr<FastKernel> make_depthwise_f32(OpContext& ctx, const ref::ConvGeometry& g, int multiplier);
// FULLY_CONNECTED: weights [units, depth].
std::unique_ptr<FastKernel> make_fully_connected_f32(OpContext& ctx, int64_t batch, int depth, int units,
                                                     float act_min, float act_max);

// --- int8 (src/kernels/optimized/*_s8*.cc) --------------------------------------------
// q.multiplier / q.shift point into the op's state and stay valid while it lives.
std::unique_ptr<FastKernel> make_conv_s8(OpContext& ctx, const ref::ConvGeometry& g, int32_t input_offset,
                                         const ref::QuantOutput& q);
std::unique_ptr<FastKernel> make_depthwise_s8(OpContext& ctx, const ref::ConvGeometry& g, int multiplier,
                                              int32_t input_offset, const ref::QuantOutput& q);
std::unique_ptr<FastKernel> make_fully_connected_s8(OpContext& ctx, int64_t batch, int depth, int units,
                                                    int32_t input_offset, const ref::QuantOutput& q);

// --- hybrid: float input quantized on the fly, int8 weights (src/kernels/optimized/*_s8*.cc) ---
// CONV_2D: w_scales per output channel (in the op's state, valid while it lives);
// asymmetric: per-batch asymmetric input quantization (else symmetric).
std::unique_ptr<FastKernel> make_conv_hybrid_s8(OpContext& ctx, const ref::ConvGeometry& g, const float* w_scales,
                                                bool asymmetric);
// FULLY_CONNECTED: per-tensor weight scale; asymmetric: asymmetric_quantize_inputs.
std::unique_ptr<FastKernel> make_fully_connected_hybrid_s8(OpContext& ctx, int64_t batch, int depth, int units,
                                                           float w_scale, bool asymmetric, float act_min,
                                                           float act_max);

}  // namespace liteq::rt::opt
