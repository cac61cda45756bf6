// Unary elementwise math, TFLite 2.9 semantics (std:: functions on each value):
//   float32:       SQRT, RSQRT, EXP, LOG, SIN, COS, SQUARE, FLOOR, CEIL, GELU
//                  (NaN and infinities as the C library gives them: SQRT(-1) = NaN,
//                  LOG(0) = -inf, RSQRT(0) = inf).
//   float32, int32: ABS;  float32, int32, int64: NEG (integers wrap: -INT32_MIN = INT32_MIN).
// The output has the input's shape and type.
#include "kernels/kernel_util.h"
#include "kernels/reference/math.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

enum class U { kSqrt, kRsqrt, kExp, kLog, kSin, kCos, kSquare, kFloor, kCeil, kAbs, kNeg, kGelu };

template <U kOp>
void prepare_unary(OpContext& ctx) {
  ctx.check_io(1, 1, 1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  if constexpr (kOp == U::kAbs)
    ctx.check_type(in, {DType::kFloat32, DType::kInt32}, "input");
  else if constexpr (kOp == U::kNeg)
    ctx.check_type(in, {DType::kFloat32, DType::kInt32, DType::kInt64}, "input");
  else
    ctx.check_type(in, {DType::kFloat32}, "input");
  ctx.check(out.type == in.type, "output '{}' has type {}, the input has {}", out.name, dtype_name(out.type),
            dtype_name(in.type));
  ctx.check_dense(in, "input");
  if constexpr (kOp == U::kGelu)
    if (!std::holds_alternative<std::monostate>(ctx.node().params)) (void)ctx.params<GeluParams>();
  ctx.set_output_shape(0, in.dims);
}

template <U kOp>
void eval_float(OpContext& ctx, int64_t n, const float* x, float* y) {
  switch (kOp) {
    case U::kSqrt: ref::unary_map(n, x, y, [](float v) { return std::sqrt(v); }); break;
    case U::kRsqrt: ref::unary_map(n, x, y, [](float v) { return ref::rsqrt(v); }); break;
    case U::kExp: ref::unary_map(n, x, y, [](float v) { return std::exp(v); }); break;
    case U::kLog: ref::unary_map(n, x, y, [](float v) { return std::log(v); }); break;
    case U::kSin: ref::unary_map(n, x, y, [](float v) { return std::sin(v); }); break;
    case U::kCos: ref::unary_map(n, x, y, [](float v) { return std::cos(v); }); break;
    case U::kSquare: ref::unary_map(n, x, y, [](float v) { return v * v; }); break;
    case U::kFloor: ref::unary_map(n, x, y, [](float v) { return std::floor(v); }); break;
    case U::kCeil: ref::unary_map(n, x, y, [](float v) { return std::ceil(v); }); break;
    case U::kAbs: ref::unary_map(n, x, y, [](float v) { return std::fabs(v); }); break;
    case U::kNeg: ref::unary_map(n, x, y, [](float v) { return -v; }); break;
    case U::kGelu: {
      const bool approximate = !std::holds_alternative<std::monostate>(ctx.node().params) &&
                               ctx.params<GeluParams>().approximate;
      if (approximate)
        ref::unary_map(n, x, y, [](float v) { return ref::gelu_tanh(v); });
      else
        ref::unary_map(n, x, y, [](float v) { return ref::gelu(v); });
      break;
    }
  }
}

template <U kOp, typename T>
void eval_int(int64_t n, const T* x, T* y) {
  if constexpr (kOp == U::kAbs) ref::unary_map(n, x, y, [](T v) { return ref::abs_value(v); });
  else if constexpr (kOp == U::kNeg) ref::unary_map(n, x, y, [](T v) { return ref::wrap_neg(v); });
}

template <U kOp>
void eval_unary(OpContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const int64_t n = in.num_elements();
  switch (in.type) {
    case DType::kFloat32: eval_float<kOp>(ctx, n, in.data_as<float>(), out.data_as<float>()); return;
    case DType::kInt32: eval_int<kOp>(n, in.data_as<int32_t>(), out.data_as<int32_t>()); return;
    case DType::kInt64: eval_int<kOp>(n, in.data_as<int64_t>(), out.data_as<int64_t>()); return;
    default: ctx.fail("unsupported type {}", dtype_name(in.type));
  }
}

template <U kOp>
const KernelRegistration* reg(const char* name) {
  static const KernelRegistration r{name, prepare_unary<kOp>, eval_unary<kOp>};
  return &r;
}

}  // namespace

const KernelRegistration* Register_SQRT() { return reg<U::kSqrt>("SQRT"); }
const KernelRegistration* Register_RSQRT() { return reg<U::kRsqrt>("RSQRT"); }
const KernelRegistration* Register_EXP() { return reg<U::kExp>("EXP"); }
const KernelRegistration* Register_LOG() { return reg<U::kLog>("LOG"); }
const KernelRegistration* Register_SIN() { return reg<U::kSin>("SIN"); }
const KernelRegistration* Register_COS() { return reg<U::kCos>("COS"); }
const KernelRegistration* Register_SQUARE() { return reg<U::kSquare>("SQUARE"); }
const KernelRegistration* Register_FLOOR() { return reg<U::kFloor>("FLOOR"); }
const KernelRegistration* Register_CEIL() { return reg<U::kCeil>("CEIL"); }
const KernelRegistration* Register_ABS() { return reg<U::kAbs>("ABS"); }
const KernelRegistration* Register_NEG() { return reg<U::kNeg>("NEG"); }
const KernelRegistration* Register_GELU() { return reg<U::kGelu>("GELU"); }

}  // namespace liteq::rt
