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
//
// Every optimized variant and the instruction set it needs (chosen at run time from
// exec().isa; files named *_avx2.cc / *_avx512.cc / *_avx512vnni.cc / *_avx512vbmi.cc /
// *_avx512vnnivbmi.cc get those flags only):
//   float32 CONV_2D (GEMM, im2col), DEPTHWISE_CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV
//       (GEMM + col2im)
//       optimized/gemm_f32_avx2.cc (AVX2+FMA, 6x16 tiles), gemm_f32_avx512.cc (8x32)
//   int8 CONV_2D / FULLY_CONNECTED / TRANSPOSE_CONV GEMM, DEPTHWISE_CONV_2D, hybrid CONV_2D / FC
//       optimized/kernels_s8_avx2.cc (vpmaddwd), kernels_s8_avx512.cc (vpmaddwd, and the
//       depthwise kernel for both AVX-512 levels), kernels_s8_avx512vnni.cc (vpdpbusd);
//       the requantization from a float32 estimate where every channel has at most a
//       right shift (kernels_s8.h), TFLite's integer steps near a rounding boundary
//   16x8 (int16 x int8) CONV_2D / FULLY_CONNECTED GEMM (exact int64 sums; 1..4 output
//       channels: dot products along K, for CONV_2D read in place from the input when
//       K <= 480), DEPTHWISE_CONV_2D (multiplier 1), and their
//       requantization (the reference's arithmetic, vectorized)
//       optimized/kernels_s16_avx2.cc (vpmaddwd), kernels_s16_avx512.cc (vpmaddwd; its
//       depthwise, dot and requantization kernels serve both AVX-512 levels),
//       kernels_s16_avx512vnni.cc (vpdpwssd GEMM); dispatcher optimized/conv_s16.cc
//   int8 CONV_2D with 1..4 output channels (8 input channels at stride 1: 8 pixels at a
//       time)                                x86/conv_narrow_s8_avx2.cc
//   int8 CONV_2D with <= 8 output channels, or <= 4 input and <= 32 output channels,
//       16 output pixels per vector          x86/conv_lanes_s8_avx512vnni.cc
//   int8 DEPTHWISE_CONV_2D, square 3x3 / 5x5 filters with AVX-512 VNNI + VBMI: four
//       filter rows per vpdpbusd lane        optimized/kernels_s8_avx512vnnivbmi.cc;
//       else on AVX-512 rows of exact float32 sums (kernels_s8_avx512.cc) or tap pairs,
//       vpmaddwd (x86/dw_pairs_s8_avx512.cc); 8 channels at stride 1: two pixels per vector
//   hybrid DEPTHWISE_CONV_2D                 x86/dw_hybrid_avx2.cc, x86/dw_hybrid_avx512.cc
//   hybrid input quantization                x86/quantize_floats_avx2.cc, quantize_floats_avx512.cc
//   int8 ADD / SUB / MUL                     x86/elementwise_s8_avx2.cc, elementwise_s8_avx512.cc
//       (a float32 estimate with TFLite's steps near a rounding tie); int16 ADD / SUB /
//       MUL (16x8 general path) on AVX-512; a per-channel vector operand runs against the
//       vector repeated (also float32)
//   QUANTIZE float32 -> int8/uint8/int16, int8 RESIZE_BILINEAR   x86/data_s8_avx2.cc
//   int8 and int16 RESIZE_BILINEAR rows of 8 or 16k channels, int8 DEQUANTIZE
//                                            x86/data_s8_avx512.cc
//   float32 RESIZE_BILINEAR rows of >= 8 channels (bit-identical)   x86/resize_f32_avx512.cc
//   float32 CONV_2D with <= 8 output channels, or <= 4 input and <= 32 output channels
//       (not unpadded 1x1), 16 output pixels per vector   x86/conv_lanes_f32_avx512.cc;
//       8 per vector, <= 8 output channels   x86/conv_lanes_f32_avx2.cc
//   float32 HARD_SWISH (bit-exact), LOGISTIC, SOFTMAX (vector exp, within a few ulp),
//       ADD / SUB / MUL / DIV (same shape, scalar operand or rows of the innermost dim;
//       bit-exact)                           x86/act_f32_avx2.cc, act_f32_avx512.cc
// ISA-independent optimized paths (any level but reference): int8 RELU/RELU6/RELU_N1_TO_1/
// LEAKY_RELU/HARD_SWISH as 256-entry tables (activations.cc; looked up with AVX-512 VBMI
// byte permutes where the CPU has them, x86/lut8_avx512vbmi.cc), pooling with channels
// innermost (pooling.cc), float RESIZE_BILINEAR rows over threads, and
// float RELU fused into its producer (runtime/interpreter.cc).
#pragma once
#include <memory>

#include "kernels/kernel_api.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/requant_int8.h"
#include "kernels/x86/dw_pairs_s8.h"

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
// TRANSPOSE_CONV / Convolution2DTransposeBias: input NHWC, OHWI weights (constant),
// optional bias (constant; bias_input < 0 or absent: none) at the given input indices;
// bias_first: the output starts from the bias (MediaPipe) instead of adding it last.
std::unique_ptr<FastKernel> make_transpose_conv_f32(OpContext& ctx, const ref::ConvGeometry& g, int input,
                                                    int weights, int bias_input, bool bias_first);

// --- int8 (src/kernels/optimized/*_s8*.cc) --------------------------------------------
// q.multiplier / q.shift point into the op's state and stay valid while it lives.
std::unique_ptr<FastKernel> make_conv_s8(OpContext& ctx, const ref::ConvGeometry& g, int32_t input_offset,
                                         const ref::QuantOutput& q);
std::unique_ptr<FastKernel> make_depthwise_s8(OpContext& ctx, const ref::ConvGeometry& g, int multiplier,
                                              int32_t input_offset, const ref::QuantOutput& q);
// The AVX-512 tap-pair depthwise kernel (x86/dw_pairs_s8.h), shared by the int8 op and the
// hybrid one (depthwise_conv.cc), for geometry g with multiplier 1:
//   its arguments but the data, init and requantization or float epilogue;
x86::DwPairsS8Args dw_pairs_args(const ref::ConvGeometry& g);
//   the filter [1, kh, kw, c] as int16 pairs [kh][pairs][blocks][16][2], 0 past kw or c;
std::vector<int16_t> dw_pair_weights(const ref::ConvGeometry& g, const int8_t* filter);
//   its scratch per thread, a 64-byte multiple;
size_t dw_pairs_per_thread(const x86::DwPairsS8Args& a);
//   the output rows in contiguous ranges, one per thread (each keeps its cached input
//   rows), on at most max_threads threads, one for small layers; scratch holds
//   max_threads * dw_pairs_per_thread(a) bytes.
void run_dw_pairs(const ExecConfig& exec, const x86::DwPairsS8Args& a, int max_threads, uint8_t* scratch);
std::unique_ptr<FastKernel> make_fully_connected_s8(OpContext& ctx, int64_t batch, int depth, int units,
                                                    int32_t input_offset, const ref::QuantOutput& q);
// TRANSPOSE_CONV: input NHWC [input], OHWI weights [weights] (constant, per-channel
// scales folded into q), optional constant int32 bias [bias_input] (< 0 or absent: none).
std::unique_ptr<FastKernel> make_transpose_conv_s8(OpContext& ctx, const ref::ConvGeometry& g, int input,
                                                   int weights, int bias_input, int32_t input_offset,
                                                   const ref::QuantOutput& q);

// --- 16x8: int16 activations (zero point 0), int8 weights (src/kernels/optimized/conv_s16.cc) ---
// The bias (input 2: int64, int32 or absent) is read at run time. acc64: the reference
// accumulates in int64 (else in int32, wrapping around); the fast kernels form the exact
// sums and finish each output with the reference's requantization. q as for int8.
std::unique_ptr<FastKernel> make_conv_s16(OpContext& ctx, const ref::ConvGeometry& g, bool acc64,
                                          const ref::QuantOutput& q);
std::unique_ptr<FastKernel> make_fully_connected_s16(OpContext& ctx, int64_t batch, int depth, int units, bool acc64,
                                                     const ref::QuantOutput& q);
// int64 accumulation (TFLite 2.9's only 16x8 depthwise path); multiplier 1.
std::unique_ptr<FastKernel> make_depthwise_s16(OpContext& ctx, const ref::ConvGeometry& g, int multiplier,
                                               const ref::QuantOutput& q);

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
