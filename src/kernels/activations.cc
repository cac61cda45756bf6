// Activations: LOGISTIC, TANH, RELU, RELU6, RELU_N1_TO_1, LEAKY_RELU, PRELU, HARD_SWISH.
//   float32: all.
//   int8 (per-tensor quantized; input and output may have different parameters):
//     LOGISTIC, TANH (lookup table; LOGISTIC needs output scale 1/256), RELU, RELU6,
//     RELU_N1_TO_1, LEAKY_RELU, PRELU (alpha int8 too), HARD_SWISH.
//   int16 (symmetric, zero point 0): LOGISTIC (output scale 1/32768), TANH (output scale
//     2^-15), RELU, RELU6, LEAKY_RELU.
// The integer arithmetic is TFLite's (see reference/activations_int.h); prepare mirrors
// the parameter checks of TFLite's Prepare functions.
#include <limits>

#include <fmt/ranges.h>

#include "kernels/kernel_util.h"
#include "kernels/reference/activations.h"
#include "kernels/reference/activations_int.h"
#include "kernels/reference/quant_params_int.h"
#include "kernels/registry.h"
#include "kernels/x86/act_f32.h"
#include "kernels/x86/lut8.h"

namespace liteq::rt {
namespace {

template <typename P>
P params_or_default(const OpContext& ctx) {
  if (std::holds_alternative<std::monostate>(ctx.node().params)) return P{};
  return ctx.params<P>();
}

enum class Unary { kLogistic, kTanh, kRelu, kRelu6, kReluN1To1, kLeakyRelu, kHardSwish };

// How a quantized unary activation computes (chosen in prepare).
enum class QuantKind : uint8_t { kNone, kLut8, kRelu, kLeakyRelu, kHardSwish, kSigmoid16Fx, kSigmoid16Lut, kTanh16Fx, kTanh16Lut };

struct UnaryState {
  QuantKind kind = QuantKind::kNone;
  std::array<uint8_t, 256> lut{};
  // kLut8 through AVX-512 VBMI byte permutes or AVX2 byte shuffles (kernels/x86/lut8.h)
  decltype(&x86::lut8_avx2) lut_fast = nullptr;
  ref::ReluQuantParams relu;
  ref::LeakyReluQuantParams leaky;
  ref::HardSwishQuantParams hard_swish;
  ref::fx16::LutInputScale lut16;
  bool tanh_double_input = false;
  // float32 HARD_SWISH / LOGISTIC vectorized (kernels/x86/act_f32.h), when the ISA allows.
  void (*fast_f32)(const float*, float*, size_t) = nullptr;
};

void check_same_type(const OpContext& ctx, const Tensor& in, const Tensor& out) {
  ctx.check(out.type == in.type, "output '{}' has type {}, the input has {}", out.name, dtype_name(out.type),
            dtype_name(in.type));
}

// LOGISTIC / TANH on int16 (TFLite's SigmoidPrepare / TanhPrepare): zero points 0, the
// output scale 2^-15; inputs of scale 2^-12 (TANH also 2^-11) use fixed point, any other
// scale the interpolated table.
void prepare_sigmoid_tanh16(OpContext& ctx, UnaryState& st, bool tanh) {
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  const QParams qi = per_tensor_qparams(ctx, in, "input", true);
  const QParams qo = per_tensor_qparams(ctx, out, "output", true);
  if (!tanh)
    ctx.check(static_cast<double>(qo.scale) == 1.0 / 32768, "int16 output scale must be 1/32768, got {}", qo.scale);
  int out_log2 = 0;
  ctx.check(checked_log2(qo.scale, &out_log2) && out_log2 == -15, "int16 output scale must be 2^-15, got {}",
            qo.scale);
  int in_log2 = 0;
  const bool pot = checked_log2(qi.scale, &in_log2);
  const int left_shift = 12 + in_log2;
  if (pot && (left_shift == 0 || (tanh && left_shift == 1))) {
    st.kind = tanh ? QuantKind::kTanh16Fx : QuantKind::kSigmoid16Fx;
    st.tanh_double_input = left_shift == 1;
  } else {
    st.kind = tanh ? QuantKind::kTanh16Lut : QuantKind::kSigmoid16Lut;
    st.lut16 = ref::fx16::lut_input_scale(qi.scale);
  }
}

template <typename T>
void eval_quant_unary(const UnaryState& st, int64_t n, const T* x, T* y) {
  switch (st.kind) {
    case QuantKind::kLut8:
      if constexpr (sizeof(T) == 1) {
        if (st.lut_fast)
          st.lut_fast(n, reinterpret_cast<const uint8_t*>(x), reinterpret_cast<uint8_t*>(y), st.lut.data());
        else
          ref::lut8(n, reinterpret_cast<const uint8_t*>(x), reinterpret_cast<uint8_t*>(y), st.lut);
      }
      break;
    case QuantKind::kRelu: ref::relu_quant(n, x, y, st.relu); break;
    case QuantKind::kLeakyRelu: ref::leaky_relu_quant(n, x, y, st.leaky); break;
    case QuantKind::kHardSwish: ref::hard_swish_quant(n, x, y, st.hard_swish); break;
    case QuantKind::kSigmoid16Fx:
      if constexpr (std::is_same_v<T, int16_t>) ref::logistic_int16_fx(n, x, y);
      break;
    case QuantKind::kSigmoid16Lut:
      if constexpr (std::is_same_v<T, int16_t>) ref::logistic_int16_lut(n, x, y, st.lut16);
      break;
    case QuantKind::kTanh16Fx:
      if constexpr (std::is_same_v<T, int16_t>) ref::tanh_int16_fx(n, x, y, st.tanh_double_input);
      break;
    case QuantKind::kTanh16Lut:
      if constexpr (std::is_same_v<T, int16_t>) ref::tanh_int16_lut(n, x, y, st.lut16);
      break;
    case QuantKind::kNone: break;
  }
}

template <Unary kOp>
void prepare_unary(OpContext& ctx) {
  ctx.check_io(1, 1, 1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  switch (kOp) {
    case Unary::kLogistic:
    case Unary::kTanh:
    case Unary::kRelu:
    case Unary::kRelu6:
    case Unary::kLeakyRelu:
      ctx.check_type(in, {DType::kFloat32, DType::kInt8, DType::kInt16}, "input");
      break;
    case Unary::kReluN1To1:
    case Unary::kHardSwish: ctx.check_type(in, {DType::kFloat32, DType::kInt8}, "input"); break;
  }
  check_same_type(ctx, in, out);
  auto& st = ctx.make_state<UnaryState>();
  const LeakyReluParams leaky = kOp == Unary::kLeakyRelu ? params_or_default<LeakyReluParams>(ctx) : LeakyReluParams{};
  if (in.type != DType::kFloat32) {
    const bool is16 = in.type == DType::kInt16;
    switch (kOp) {
      case Unary::kLogistic:
      case Unary::kTanh: {
        const bool tanh = kOp == Unary::kTanh;
        if (is16) {
          prepare_sigmoid_tanh16(ctx, st, tanh);
          break;
        }
        const QParams qi = per_tensor_qparams(ctx, in, "input");
        const QParams qo = per_tensor_qparams(ctx, out, "output");
        if (!tanh)
          ctx.check(static_cast<double>(qo.scale) == 1.0 / 256, "int8 output scale must be 1/256, got {}", qo.scale);
        st.kind = QuantKind::kLut8;
        if (tanh)
          st.lut = ref::make_lut_int8(qi.scale, qi.zero_point, qo.scale, qo.zero_point,
                                      [](float v) { return std::tanh(v); });
        else
          st.lut = ref::make_lut_int8(qi.scale, qi.zero_point, qo.scale, qo.zero_point,
                                      [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
        break;
      }
      case Unary::kRelu:
      case Unary::kRelu6:
      case Unary::kReluN1To1: {
        const QParams qi = per_tensor_qparams(ctx, in, "input", is16);
        const QParams qo = per_tensor_qparams(ctx, out, "output", is16);
        const Multiplier m = checked_multiplier(ctx, qi.scale / qo.scale, "input to output rescale");
        st.kind = QuantKind::kRelu;
        auto& r = st.relu;
        r.input_zero_point = qi.zero_point;
        r.output_zero_point = qo.zero_point;
        r.multiplier = m.multiplier;
        r.shift = m.shift;
        const int32_t qmin = dtype_qmin(in.type), qmax = dtype_qmax(in.type);
        const float lo = kOp == Unary::kReluN1To1 ? -1.0f : 0.0f;
        r.lo = quantize_bound(lo, qo, qmin, qmax);
        r.hi = kOp == Unary::kRelu ? qmax : quantize_bound(kOp == Unary::kRelu6 ? 6.0f : 1.0f, qo, qmin, qmax);
        break;
      }
      case Unary::kLeakyRelu: {
        const QParams qi = per_tensor_qparams(ctx, in, "input", is16);
        const QParams qo = per_tensor_qparams(ctx, out, "output", is16);
        ctx.check(std::isfinite(leaky.alpha), "alpha {} is not finite", leaky.alpha);
        const Multiplier ma = checked_multiplier(ctx, qi.scale * leaky.alpha / qo.scale, "alpha rescale");
        const Multiplier mi = checked_multiplier(ctx, qi.scale / qo.scale, "input to output rescale");
        st.kind = QuantKind::kLeakyRelu;
        auto& l = st.leaky;
        l.input_zero_point = qi.zero_point;
        l.output_zero_point = qo.zero_point;
        l.alpha_multiplier = ma.multiplier;
        l.alpha_shift = ma.shift;
        l.identity_multiplier = mi.multiplier;
        l.identity_shift = mi.shift;
        break;
      }
      case Unary::kHardSwish: {
        const QParams qi = per_tensor_qparams(ctx, in, "input");
        const QParams qo = per_tensor_qparams(ctx, out, "output");
        auto& h = st.hard_swish;
        h.input_zero_point = qi.zero_point;
        h.output_zero_point = qo.zero_point;
        const float hires_input_scale = (1.0f / 128.0f) * qi.scale;
        const float reluish_scale = 3.0f / 32768.0f;
        const float output_multiplier = hires_input_scale / qo.scale;
        const Multiplier mo = checked_multiplier(ctx, output_multiplier, "output rescale");
        ctx.check(mo.shift <= 0, "output scale {} is too small for input scale {}", qo.scale, qi.scale);
        h.output_multiplier = ref::q31_to_q15(mo.multiplier);
        h.output_exponent = mo.shift;
        const float reluish_multiplier = hires_input_scale / reluish_scale;
        const Multiplier mr = checked_multiplier(ctx, reluish_multiplier, "relu-ish rescale");
        h.reluish_multiplier = ref::q31_to_q15(mr.multiplier);
        h.reluish_exponent = mr.shift;
        st.kind = QuantKind::kHardSwish;
        break;
      }
    }
    // Optimized kernels: an int8 -> int8 op maps each of the 256 input values to one
    // output value, so the reference computation, run once here on every input value,
    // becomes a table: bit-exact by construction, a byte load per element.
    if (in.type == DType::kInt8 && ctx.exec().isa != Isa::kReference &&
        (st.kind == QuantKind::kRelu || st.kind == QuantKind::kLeakyRelu || st.kind == QuantKind::kHardSwish)) {
      std::array<int8_t, 256> all{}, mapped{};
      for (int v = 0; v < 256; ++v) all[v] = static_cast<int8_t>(v);  // index = the byte's bits
      eval_quant_unary(st, 256, all.data(), mapped.data());
      for (int v = 0; v < 256; ++v) st.lut[v] = static_cast<uint8_t>(mapped[v]);
      st.kind = QuantKind::kLut8;
      ctx.set_fast(true);
    }
  } else if (ctx.exec().isa >= Isa::kAvx2 && (kOp == Unary::kHardSwish || kOp == Unary::kLogistic)) {
    // HARD_SWISH: the reference's operations in its order, bit-identical; LOGISTIC: a
    // vector exp, within a few ulp.
    const bool avx512 = ctx.exec().isa >= Isa::kAvx512;
    if (kOp == Unary::kHardSwish)
      st.fast_f32 = avx512 ? x86::hard_swish_f32_avx512 : x86::hard_swish_f32_avx2;
    else
      st.fast_f32 = avx512 ? x86::logistic_f32_avx512 : x86::logistic_f32_avx2;
    ctx.set_fast(true);
  }
  if (st.kind == QuantKind::kLut8 && ctx.exec().isa >= Isa::kAvx2) {
    st.lut_fast = ctx.exec().isa >= Isa::kAvx512 && cpu_has_avx512vbmi() ? x86::lut8_avx512vbmi : x86::lut8_avx2;
    ctx.set_fast(true);
  }
  ctx.set_output_shape(0, in.dims);
}


template <Unary kOp>
void eval_unary(OpContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const int64_t n = in.num_elements();
  if (n == 0) return;
  const auto& st = ctx.state<UnaryState>();
  switch (in.type) {
    case DType::kInt8:
      if (st.kind == QuantKind::kLut8 && ctx.exec().threads() > 1) {
        const int8_t* x = in.data_as<int8_t>();
        int8_t* y = out.data_as<int8_t>();
        parallel_for(ctx.exec(), static_cast<size_t>(n), 65536, [&](size_t b, size_t e) {
          eval_quant_unary(st, static_cast<int64_t>(e - b), x + b, y + b);
        });
      } else {
        eval_quant_unary(st, n, in.data_as<int8_t>(), out.data_as<int8_t>());
      }
      return;
    case DType::kInt16: eval_quant_unary(st, n, in.data_as<int16_t>(), out.data_as<int16_t>()); return;
    case DType::kFloat32: break;
    default: ctx.fail("unsupported type {}", dtype_name(in.type));
  }
  const float* x = in.data_as<float>();
  float* y = out.data_as<float>();
  if (st.fast_f32) {
    // Elementwise: any split gives the same values; small tensors stay on one thread.
    if (n >= 65536) {
      parallel_for(ctx.exec(), static_cast<size_t>(n), 16384,
                   [&](size_t b, size_t e) { st.fast_f32(x + b, y + b, e - b); });
    } else {
      st.fast_f32(x, y, static_cast<size_t>(n));
    }
    return;
  }
  switch (kOp) {
    case Unary::kLogistic: ref::logistic_float(n, x, y); break;
    case Unary::kTanh: ref::tanh_float(n, x, y); break;
    case Unary::kRelu: ref::clamp_float(n, x, y, 0.0f, std::numeric_limits<float>::infinity()); break;
    case Unary::kRelu6: ref::clamp_float(n, x, y, 0.0f, 6.0f); break;
    case Unary::kReluN1To1: ref::clamp_float(n, x, y, -1.0f, 1.0f); break;
    case Unary::kLeakyRelu:
      ref::leaky_relu_float(n, x, y, params_or_default<LeakyReluParams>(ctx).alpha);
      break;
    case Unary::kHardSwish: ref::hard_swish_float(n, x, y); break;
  }
}

// PRELU: input 0 = x, input 1 = alpha (broadcast against x, usually a constant).
struct PreluState {
  ref::BinaryShape shape;
  ref::PreluQuantParams quant;
};

void prepare_prelu(OpContext& ctx) {
  ctx.check_io(2, 2, 1);
  const Tensor& x = ctx.input(0);
  const Tensor& alpha = ctx.input(1);
  const Tensor& out = ctx.output(0);
  ctx.check_type(x, {DType::kFloat32, DType::kInt8}, "input");
  ctx.check(alpha.type == x.type, "alpha '{}' has type {}, the input has {}", alpha.name, dtype_name(alpha.type),
            dtype_name(x.type));
  check_same_type(ctx, x, out);
  ctx.check(x.rank() <= kMaxBroadcastRank && alpha.rank() <= kMaxBroadcastRank,
            "input and alpha of rank {} and {}: at most rank {} is supported", x.rank(), alpha.rank(),
            kMaxBroadcastRank);
  std::vector<int32_t> out_dims;
  ctx.check(broadcast_shape(x.dims, alpha.dims, &out_dims), "alpha of shape [{}] cannot be broadcast to input [{}]",
            fmt::join(alpha.dims, ","), fmt::join(x.dims, ","));
  auto& st = ctx.make_state<PreluState>();
  if (x.type == DType::kInt8) {
    // TFLite: the output keeps the input's shape; broadcasting goes through its 4-D kernel.
    ctx.check(out_dims == x.dims, "alpha of shape [{}] would change the input's shape [{}]", fmt::join(alpha.dims, ","),
              fmt::join(x.dims, ","));
    ctx.check(x.dims == alpha.dims || (x.rank() <= 4 && alpha.rank() <= 4),
              "broadcasting int8 PRELU supports at most rank 4, got {} and {}", x.rank(), alpha.rank());
    const QParams qx = per_tensor_qparams(ctx, x, "input");
    const QParams qa = per_tensor_qparams(ctx, alpha, "alpha");
    const QParams qo = per_tensor_qparams(ctx, out, "output");
    const Multiplier m1 = checked_multiplier(ctx, qx.scale / qo.scale, "input to output rescale");
    const Multiplier m2 = checked_multiplier(ctx, qx.scale * qa.scale / qo.scale, "alpha product rescale");
    auto& q = st.quant;
    q.input_offset = -qx.zero_point;
    q.alpha_offset = -qa.zero_point;
    q.output_offset = qo.zero_point;
    q.multiplier_pos = m1.multiplier;
    q.shift_pos = m1.shift;
    q.multiplier_neg = m2.multiplier;
    q.shift_neg = m2.shift;
  }
  st.shape = ref::make_binary_shape(x.dims, alpha.dims, out_dims);
  ctx.set_output_shape(0, std::move(out_dims));
}

void eval_prelu(OpContext& ctx) {
  const auto& st = ctx.state<PreluState>();
  if (st.shape.size == 0) return;
  const Tensor& x = ctx.input(0);
  if (x.type == DType::kInt8) {
    ref::prelu_quant(st.shape, x.data_as<int8_t>(), ctx.input(1).data_as<int8_t>(), ctx.output(0).data_as<int8_t>(),
                     st.quant);
    return;
  }
  ref::prelu_float(st.shape, x.data_as<float>(), ctx.input(1).data_as<float>(), ctx.output(0).data_as<float>());
}

}  // namespace

const KernelRegistration* Register_LOGISTIC() {
  static const KernelRegistration r{"LOGISTIC", prepare_unary<Unary::kLogistic>, eval_unary<Unary::kLogistic>};
  return &r;
}

const KernelRegistration* Register_TANH() {
  static const KernelRegistration r{"TANH", prepare_unary<Unary::kTanh>, eval_unary<Unary::kTanh>};
  return &r;
}

const KernelRegistration* Register_RELU() {
  static const KernelRegistration r{"RELU", prepare_unary<Unary::kRelu>, eval_unary<Unary::kRelu>};
  return &r;
}

const KernelRegistration* Register_RELU6() {
  static const KernelRegistration r{"RELU6", prepare_unary<Unary::kRelu6>, eval_unary<Unary::kRelu6>};
  return &r;
}

const KernelRegistration* Register_RELU_N1_TO_1() {
  static const KernelRegistration r{"RELU_N1_TO_1", prepare_unary<Unary::kReluN1To1>,
                                    eval_unary<Unary::kReluN1To1>};
  return &r;
}

const KernelRegistration* Register_LEAKY_RELU() {
  static const KernelRegistration r{"LEAKY_RELU", prepare_unary<Unary::kLeakyRelu>, eval_unary<Unary::kLeakyRelu>};
  return &r;
}

const KernelRegistration* Register_PRELU() {
  static const KernelRegistration r{"PRELU", prepare_prelu, eval_prelu};
  return &r;
}

const KernelRegistration* Register_HARD_SWISH() {
  static const KernelRegistration r{"HARD_SWISH", prepare_unary<Unary::kHardSwish>, eval_unary<Unary::kHardSwish>};
  return &r;
}

}  // namespace liteq::rt
