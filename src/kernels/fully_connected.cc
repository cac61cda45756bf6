// FULLY_CONNECTED: weights [units, input_size] (DEFAULT format only), optional bias
// [units]. The input is flattened to [batch, input_size]; the output is [batch, units],
// or the input's shape with the last dim replaced when keep_num_dims.
//   float32: float input, weights, bias and output.
//   int8:    int8 input/output (per-tensor, asymmetric), int8 weights (per tensor, zero
//            point 0), int32 bias whose scale TFLite requires to be within 2% of an
//            output step of input_scale * weight_scale.
//   16x8:    int16 input/output (zero point 0), int8 weights, int64 or int32 bias. As
//            TFLite 2.9: int64 bias accumulates in int64 (int64 requantization); int32
//            bias or none goes through its optimized int32 path (Q31 requantization).
//   hybrid:  float input/output, int8 weights (per tensor), float bias; each batch row
//            is quantized on the fly, symmetrically or (asymmetric_quantize_inputs)
//            asymmetrically. Reference kernels in reference/matmul_int8.h.
// The input zero point is folded into a per-unit accumulator start (bias + zp term,
// TFLite Micro style), precomputed in prepare when weights and bias are constant.
#include <cmath>

#include "kernels/kernel_util.h"
#include "kernels/optimized/fast_kernels.h"
#include "kernels/reference/matmul.h"
#include "kernels/reference/matmul_int8.h"
#include "kernels/reference/quant_checks_int8.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

constexpr int kInput = 0, kWeights = 1, kBias = 2;

enum class Kind : uint8_t { kFloat, kInt8, kInt16, kHybrid };

struct FcState {
  int64_t batch = 0;
  int depth = 0, units = 0;
  FloatRange act;
  Kind kind = Kind::kFloat;
  // int8 / 16x8
  int32_t input_offset = 0;
  qcheck::ChannelRequant rq;
  ref::QuantOutput q;  // points into rq
  bool acc64 = false;
  std::vector<int32_t> init32;  // accumulator start per unit, when precomputed
  std::vector<int64_t> init64;
  bool init_ready = false;
  // hybrid
  float w_scale = 0;
  bool asymmetric = false;
  std::vector<int32_t> row_sums;  // weight sums per unit, when precomputed
  size_t scratch_bytes = 0;
  int scratch = -1;
  std::unique_ptr<opt::FastKernel> fast;  // optimized kernel, if one covers the case
};

bool constant_or_absent(OpContext& ctx, int i) { return !ctx.has_input(i) || ctx.input(i).is_constant(); }

template <typename Acc>
void compute_init(OpContext& ctx, const FcState& s, Acc* init) {
  const int8_t* w = ctx.input(kWeights).data_as<int8_t>();
  if (!ctx.has_input(kBias)) {
    ref::fully_connected_acc_init<Acc>(w, static_cast<const int32_t*>(nullptr), s.input_offset, s.depth, s.units,
                                       init);
    return;
  }
  const Tensor& bias = ctx.input(kBias);
  if (bias.type == DType::kInt64)
    ref::fully_connected_acc_init<Acc>(w, bias.data_as<int64_t>(), s.input_offset, s.depth, s.units, init);
  else
    ref::fully_connected_acc_init<Acc>(w, bias.data_as<int32_t>(), s.input_offset, s.depth, s.units, init);
}

void prepare_types(OpContext& ctx, FcState& s, const FullyConnectedParams& p) {
  const Tensor& in = ctx.input(kInput);
  const Tensor& w = ctx.input(kWeights);
  Tensor& out = ctx.output(0);
  const int units = w.dim(0);
  const bool has_bias = ctx.has_input(kBias);
  ctx.check_type(in, {DType::kFloat32, DType::kInt8, DType::kInt16}, "input");
  if (in.type == DType::kFloat32) {
    ctx.check_type(w, {DType::kFloat32, DType::kInt8}, "weights");
    ctx.check_type(out, {DType::kFloat32}, "output");
    if (has_bias) {
      const Tensor& bias = ctx.input(kBias);
      ctx.check_type(bias, {DType::kFloat32}, "bias");
      ctx.check_dense(bias, "bias");
      ctx.check(bias.num_elements() == units, "bias has {} elements, expected {}", bias.num_elements(), units);
    }
    if (w.type == DType::kFloat32) {
      s.kind = Kind::kFloat;
      return;
    }
    s.kind = Kind::kHybrid;
    s.w_scale = qcheck::weight_scales(ctx, w, units, 0, false, true, "weights")[0];
    s.asymmetric = p.asymmetric_quantize_inputs;
    if (s.asymmetric && w.is_constant()) {
      s.row_sums.resize(static_cast<size_t>(units));
      ref::row_sums_int8(w.data_as<int8_t>(), units, s.depth, s.row_sums.data());
    }
    // the quantized input, then the weight sums if not precomputed
    size_t bytes = static_cast<size_t>(s.batch * s.depth);
    if (s.asymmetric && !w.is_constant()) bytes = (bytes + 3) / 4 * 4 + static_cast<size_t>(units) * 4;
    s.scratch_bytes = std::max<size_t>(bytes, 1);
    return;
  }
  const bool is16 = in.type == DType::kInt16;
  ctx.check_type(w, {DType::kInt8}, "weights");
  ctx.check(out.type == in.type, "output '{}' has type {}; it must be {} as the input", out.name,
            dtype_name(out.type), dtype_name(in.type));
  const auto iq = qcheck::activation_quant(ctx, in, "input");
  const auto oq = qcheck::activation_quant(ctx, out, "output");
  const float w_scale = qcheck::weight_scales(ctx, w, units, 0, false, true, "weights")[0];
  bool bias64 = false;
  if (has_bias) {
    const Tensor& bias = ctx.input(kBias);
    if (is16) qcheck::check_bias(ctx, bias, {DType::kInt64, DType::kInt32}, units, false);
    else qcheck::check_bias(ctx, bias, {DType::kInt32}, units, false);
    bias64 = bias.type == DType::kInt64;
    // TFLite's GetQuantizedConvolutionMultipler: |input x weight scale - bias scale|
    // must be at most 2% of the output scale (a bias without one scale counts as 0).
    const double product = static_cast<double>(iq.scale) * static_cast<double>(w_scale);
    const double bias_scale = bias.quant.scale.size() == 1 ? static_cast<double>(bias.quant.scale[0]) : 0.0;
    ctx.check(std::abs(product - bias_scale) / static_cast<double>(oq.scale) <= 0.02,
              "bias scale {} does not match input scale x weight scale {}", bias_scale, product);
  }
  s.kind = is16 ? Kind::kInt16 : Kind::kInt8;
  s.acc64 = is16 && bias64;
  s.input_offset = -iq.zero_point;
  // As TFLite: the scale product in float, then the division in double.
  const double real = static_cast<double>(iq.scale * w_scale) / static_cast<double>(oq.scale);
  s.rq = qcheck::requant_params(ctx, {real}, s.acc64);
  s.q.multiplier = s.rq.multiplier.data();
  s.q.shift = s.rq.shift.data();
  s.q.output_offset = oq.zero_point;
  // TFLite 2.9 runs these through cpu_backend_gemm (ruy): its x86 SIMD int8 kernels and
  // its portable int16 kernel round as described at ref::Rounding.
  s.q.rounding = is16 ? ref::Rounding::kSingle : ref::Rounding::kDoubleTiesUp;
  qcheck::activation_range(ctx, p.activation, oq, out.type, &s.q.act_min, &s.q.act_max);
  if (w.is_constant() && constant_or_absent(ctx, kBias)) {
    if (s.acc64) {
      s.init64.resize(static_cast<size_t>(units));
      compute_init(ctx, s, s.init64.data());
    } else {
      s.init32.resize(static_cast<size_t>(units));
      compute_init(ctx, s, s.init32.data());
    }
    s.init_ready = true;
  } else {
    s.scratch_bytes = static_cast<size_t>(std::max(units, 1)) * 8;  // the accumulator start
  }
}

std::unique_ptr<opt::FastKernel> make_fast(OpContext& ctx, const FcState& s) {
  if (ctx.exec().isa == Isa::kReference) return nullptr;
  switch (s.kind) {
    case Kind::kFloat: return opt::make_fully_connected_f32(ctx, s.batch, s.depth, s.units, s.act.lo, s.act.hi);
    case Kind::kInt8: return opt::make_fully_connected_s8(ctx, s.batch, s.depth, s.units, s.input_offset, s.q);
    case Kind::kInt16: return opt::make_fully_connected_s16(ctx, s.batch, s.depth, s.units, s.acc64, s.q);
    case Kind::kHybrid:
      return opt::make_fully_connected_hybrid_s8(ctx, s.batch, s.depth, s.units, s.w_scale, s.asymmetric, s.act.lo,
                                                 s.act.hi);
    default: return nullptr;
  }
}

void prepare(OpContext& ctx) {
  const auto& p = ctx.params<FullyConnectedParams>();
  ctx.check_io(2, 3, 1);
  ctx.check(p.weights_format == 0, "weights format {} is not supported (only DEFAULT)", p.weights_format);
  const Tensor& in = ctx.input(kInput);
  const Tensor& w = ctx.input(kWeights);
  ctx.check_dense(in, "input");
  ctx.check_dense(w, "weights");
  ctx.check(w.rank() == 2, "weights must be 2-D [units, input_size], got rank {}", w.rank());
  const int units = w.dim(0), depth = w.dim(1);
  ctx.check(depth >= 1, "weights have input size {}; must be >= 1", depth);
  check_fused_activation(ctx, p.activation);
  const int64_t n = in.num_elements();
  ctx.check(n % depth == 0, "input has {} elements, not a multiple of the input size {}", n, depth);
  auto& s = ctx.make_state<FcState>();
  s.batch = n / depth;
  s.depth = depth;
  s.units = units;
  s.act = activation_range(p.activation);
  prepare_types(ctx, s, p);
  if (p.keep_num_dims) {
    ctx.check(in.rank() >= 1 && in.dims.back() == depth,
              "keep_num_dims needs the input's last dimension to be the input size {}", depth);
    std::vector<int32_t> dims = in.dims;
    dims.back() = units;
    ctx.set_output_shape(0, std::move(dims));
  } else {
    ctx.check(s.batch <= 0x7fffffff, "batch size {} too large", s.batch);
    ctx.set_output_shape(0, {static_cast<int32_t>(s.batch), units});
  }
  // Last: adding a scratch buffer may move the tensors our references point to.
  if (s.scratch_bytes) s.scratch = ctx.request_scratch(s.scratch_bytes);
  s.fast = make_fast(ctx, s);
  ctx.set_fast(s.fast != nullptr);
}

template <typename Acc, typename T>
void eval_quant(OpContext& ctx, const FcState& s) {
  const Acc* init = nullptr;
  if (s.init_ready) {
    if constexpr (sizeof(Acc) == 8) init = s.init64.data();
    else init = s.init32.data();
  } else {
    Acc* buf = reinterpret_cast<Acc*>(ctx.scratch(s.scratch));
    compute_init(ctx, s, buf);
    init = buf;
  }
  ref::fully_connected_quant(ctx.input(kInput).data_as<T>(), ctx.input(kWeights).data_as<int8_t>(), init, s.q,
                             ctx.output(0).data_as<T>(), s.batch, s.depth, s.units);
}

void eval_hybrid(OpContext& ctx, const FcState& s) {
  uint8_t* scratch = ctx.scratch(s.scratch);
  const int8_t* w = ctx.input(kWeights).data_as<int8_t>();
  const int32_t* row_sums = s.row_sums.data();
  if (s.asymmetric && s.row_sums.empty()) {
    auto* sums = reinterpret_cast<int32_t*>(scratch + (s.batch * s.depth + 3) / 4 * 4);
    ref::row_sums_int8(w, s.units, s.depth, sums);
    row_sums = sums;
  }
  const float* bias = ctx.has_input(kBias) ? ctx.input(kBias).data_as<float>() : nullptr;
  ref::fully_connected_hybrid(ctx.input(kInput).data_as<float>(), w, s.w_scale, row_sums, bias, s.asymmetric,
                              reinterpret_cast<int8_t*>(scratch), s.act.lo, s.act.hi, ctx.output(0).data_as<float>(),
                              s.batch, s.depth, s.units);
}

void eval(OpContext& ctx) {
  auto& s = ctx.state<FcState>();
  if (s.fast) {
    s.fast->run(ctx);
    return;
  }
  switch (s.kind) {
    case Kind::kFloat: {
      const float* bias = ctx.has_input(kBias) ? ctx.input(kBias).data_as<float>() : nullptr;
      ref::fully_connected_f32(ctx.input(kInput).data_as<float>(), ctx.input(kWeights).data_as<float>(), bias,
                               ctx.output(0).data_as<float>(), s.batch, s.depth, s.units, s.act.lo, s.act.hi);
      break;
    }
    case Kind::kInt8:
      eval_quant<int32_t, int8_t>(ctx, s);
      break;
    case Kind::kInt16:
      if (s.acc64) eval_quant<int64_t, int16_t>(ctx, s);
      else eval_quant<int32_t, int16_t>(ctx, s);
      break;
    case Kind::kHybrid:
      eval_hybrid(ctx, s);
      break;
  }
}

}  // namespace

const KernelRegistration* Register_FULLY_CONNECTED() {
  static const KernelRegistration r{"FULLY_CONNECTED", prepare, eval};
  return &r;
}

}  // namespace liteq::rt
