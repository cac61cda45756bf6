// SOFTMAX over the last dim, with beta:
//   float32 -> float32;
//   int8 -> int8 or int16 (per-tensor quantized; TFLite's float-table kernel, see
//     reference/softmax_int.h);
//   int16 -> int16 (symmetric, rank 1 to 4, TFLite's table-interpolation kernel);
// quantized outputs are fixed at (1/256, -128) for int8 and (1/32768, 0) for int16.
#include "kernels/kernel_util.h"
#include "kernels/reference/quant_params_int.h"
#include "kernels/reference/softmax.h"
#include "kernels/reference/softmax_int.h"
#include "kernels/registry.h"
#include "kernels/x86/act_f32.h"

namespace liteq::rt {
namespace {

float softmax_beta(const OpContext& ctx) {
  if (std::holds_alternative<std::monostate>(ctx.node().params)) return SoftmaxParams{}.beta;
  return ctx.params<SoftmaxParams>().beta;
}

// TFLite's fixed output parameters: int8 (1/256, -128), int16 (1/32768, 0), the scale
// within 0.1% of its nominal value.
void check_softmax_output(const OpContext& ctx, DType type, QParams q) {
  const bool is16 = type == DType::kInt16;
  const float nominal = is16 ? 1.0f / 32768 : 1.0f / 256;
  const int32_t zp = is16 ? 0 : -128;
  ctx.check(q.zero_point == zp, "{} output zero point must be {}, got {}", dtype_name(type), zp, q.zero_point);
  ctx.check(std::fabs(q.scale - nominal) <= 0.001f * nominal, "{} output scale must be {}, got {}", dtype_name(type),
            nominal, q.scale);
}

struct SoftmaxState {
  ref::SoftmaxInt8Params int8;
  std::unique_ptr<ref::SoftmaxInt16Params> int16;
  // float32 vectorized (kernels/x86/act_f32.h), when the ISA allows.
  void (*fast_f32)(const float*, float*, size_t, size_t, float) = nullptr;
};

void prepare_softmax(OpContext& ctx) {
  ctx.check_io(1, 1, 1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  ctx.check_type(in, {DType::kFloat32, DType::kInt8, DType::kInt16}, "input");
  if (in.type == DType::kInt8)
    ctx.check_type(out, {DType::kInt8, DType::kInt16}, "output");
  else
    ctx.check(out.type == in.type, "output '{}' has type {}, the input has {}", out.name, dtype_name(out.type),
              dtype_name(in.type));
  ctx.check(in.rank() >= 1, "input '{}' must have rank >= 1", in.name);
  const float beta = softmax_beta(ctx);
  auto& st = ctx.make_state<SoftmaxState>();
  if (in.type == DType::kInt8) {
    ctx.check(std::isfinite(beta), "beta {} is not finite", beta);
    const QParams qi = per_tensor_qparams(ctx, in, "input");
    const QParams qo = per_tensor_qparams(ctx, out, "output", out.type == DType::kInt16);
    check_softmax_output(ctx, out.type, qo);
    ref::make_softmax_int8_table(&st.int8, qi.scale, beta);
    st.int8.output_scale = qo.scale;
    st.int8.output_zero_point = qo.zero_point;
  } else if (in.type == DType::kInt16) {
    ctx.check(in.rank() <= 4, "int16 SOFTMAX supports rank 1 to 4, got {}", in.rank());
    // The row's sum of Q0.15 exps must fit in int32.
    ctx.check(in.dims.back() <= 65536, "int16 SOFTMAX rows are limited to 65536 values, got {}", in.dims.back());
    ctx.check(std::isfinite(beta), "beta {} is not finite", beta);
    const QParams qi = per_tensor_qparams(ctx, in, "input", true);
    check_softmax_output(ctx, out.type, per_tensor_qparams(ctx, out, "output", true));
    st.int16 = std::make_unique<ref::SoftmaxInt16Params>();
    ref::make_softmax_int16_tables(st.int16.get());
    // Rescale the input difference so that [-65535, 0] covers [-10, 0].
    const Multiplier m = checked_multiplier(ctx, qi.scale * beta / (10.0 / 65535.0), "input rescale");
    st.int16->input_multiplier = m.multiplier;
    st.int16->input_shift = m.shift;
  } else if (ctx.exec().isa >= Isa::kAvx2) {
    st.fast_f32 = ctx.exec().isa >= Isa::kAvx512 ? x86::softmax_f32_avx512 : x86::softmax_f32_avx2;
    ctx.set_fast(true);
  }
  ctx.set_output_shape(0, in.dims);
}

void eval_softmax(OpContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const int64_t n = in.num_elements();
  if (n == 0) return;
  const int64_t depth = in.dims.back();
  const auto& st = ctx.state<SoftmaxState>();
  switch (in.type) {
    case DType::kFloat32:
      if (st.fast_f32) {
        // Split over rows only (each row's sum stays in one call); small ops on one thread.
        const float* x = in.data_as<float>();
        float* y = out.data_as<float>();
        const size_t rows = static_cast<size_t>(n / depth), d = static_cast<size_t>(depth);
        const auto fn = st.fast_f32;
        const float beta = softmax_beta(ctx);
        if (n >= 65536 && rows > 1) {
          const size_t grain = std::max<size_t>(1, 16384 / d);
          parallel_for(ctx.exec(), rows, grain,
                       [&](size_t b, size_t e) { fn(x + b * d, y + b * d, e - b, d, beta); });
        } else {
          fn(x, y, rows, d, beta);
        }
        return;
      }
      ref::softmax_float(n / depth, depth, in.data_as<float>(), out.data_as<float>(), softmax_beta(ctx));
      return;
    case DType::kInt8:
      if (out.type == DType::kInt8)
        ref::softmax_int8(n / depth, depth, in.data_as<int8_t>(), out.data_as<int8_t>(), st.int8);
      else
        ref::softmax_int8(n / depth, depth, in.data_as<int8_t>(), out.data_as<int16_t>(), st.int8);
      return;
    case DType::kInt16:
      ref::softmax_int16(n / depth, depth, in.data_as<int16_t>(), out.data_as<int16_t>(), *st.int16);
      return;
    default: ctx.fail("unsupported input type {}", dtype_name(in.type));
  }
}

}  // namespace

const KernelRegistration* Register_SOFTMAX() {
  static const KernelRegistration r{"SOFTMAX", prepare_softmax, eval_softmax};
  return &r;
}

}  // namespace liteq::rt
