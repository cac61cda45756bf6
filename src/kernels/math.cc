// Element-wise math in float32 (and int32 where TFLite has it): SQRT, RSQRT, EXP, LOG,
// ABS, NEG, FLOOR, CEIL, SQUARE, POW (numpy broadcasting), CAST. TFLite's semantics:
// std:: functions per element (SQRT of a negative number is NaN), CAST from float to an
// integer type truncates toward zero, to bool tests != 0.
#include <cmath>

#include <fmt/ranges.h>

#include "kernels/kernel_util.h"
#include "kernels/reference/elementwise.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

enum class Fn { kSqrt, kRsqrt, kExp, kLog, kAbs, kNeg, kFloor, kCeil, kSquare };

template <Fn kFn>
float apply(float x) {
  switch (kFn) {
    case Fn::kSqrt: return std::sqrt(x);
    case Fn::kRsqrt: return 1.0f / std::sqrt(x);
    case Fn::kExp: return std::exp(x);
    case Fn::kLog: return std::log(x);
    case Fn::kAbs: return std::fabs(x);
    case Fn::kNeg: return -x;
    case Fn::kFloor: return std::floor(x);
    case Fn::kCeil: return std::ceil(x);
    case Fn::kSquare: return x * x;
  }
  return x;
}

template <Fn kFn>
void prepare_math(OpContext& ctx) {
  ctx.check_io(1, 1, 1);
  const Tensor& in = ctx.input(0);
  if (kFn == Fn::kAbs || kFn == Fn::kNeg || kFn == Fn::kSquare)
    ctx.check_type(in, {DType::kFloat32, DType::kInt32}, "input");
  else
    ctx.check_type(in, {DType::kFloat32}, "input");
  const Tensor& out = ctx.output(0);
  ctx.check(out.type == in.type, "output '{}' has type {}, the input has {}", out.name, dtype_name(out.type), dtype_name(in.type));
  ctx.set_output_shape(0, in.dims);
}

template <Fn kFn>
void eval_math(OpContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const int64_t n = in.num_elements();
  if (in.type == DType::kInt32) {
    const int32_t* x = in.data_as<int32_t>();
    int32_t* y = out.data_as<int32_t>();
    for (int64_t i = 0; i < n; ++i) {
      // Two's-complement wrap, as TFLite's int32 kernels (no undefined behaviour).
      const uint32_t u = static_cast<uint32_t>(x[i]);
      if (kFn == Fn::kNeg) y[i] = static_cast<int32_t>(0u - u);
      else if (kFn == Fn::kAbs) y[i] = static_cast<int32_t>(x[i] < 0 ? 0u - u : u);
      else y[i] = static_cast<int32_t>(u * u);
    }
    return;
  }
  const float* x = in.data_as<float>();
  float* y = out.data_as<float>();
  for (int64_t i = 0; i < n; ++i) y[i] = apply<kFn>(x[i]);
}

struct PowState {
  ref::BinaryShape shape;
};

void prepare_pow(OpContext& ctx) {
  ctx.check_io(2, 2, 1);
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  ctx.check_type(a, {DType::kFloat32, DType::kInt32}, "input 0");
  ctx.check(b.type == a.type && ctx.output(0).type == a.type, "inputs and output must have one type");
  ctx.check(a.rank() <= kMaxBroadcastRank && b.rank() <= kMaxBroadcastRank, "inputs of rank {} and {}: at most rank {} is supported",
            a.rank(), b.rank(), kMaxBroadcastRank);
  std::vector<int32_t> out_dims;
  ctx.check(broadcast_shape(a.dims, b.dims, &out_dims), "input shapes [{}] and [{}] cannot be broadcast", fmt::join(a.dims, ","),
            fmt::join(b.dims, ","));
  ctx.make_state<PowState>().shape = ref::make_binary_shape(a.dims, b.dims, out_dims);
  ctx.set_output_shape(0, std::move(out_dims));
}

int32_t int_pow(int32_t base, int32_t e) {
  if (e < 0) return 0;  // TFLite requires non-negative exponents for int32
  uint32_t r = 1, b = static_cast<uint32_t>(base);
  while (e) {
    if (e & 1) r *= b;
    b *= b;
    e >>= 1;
  }
  return static_cast<int32_t>(r);
}

void eval_pow(OpContext& ctx) {
  const auto& st = ctx.state<PowState>();
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  Tensor& out = ctx.output(0);
  if (a.type == DType::kInt32) {
    ref::binary_op(st.shape, a.data_as<int32_t>(), b.data_as<int32_t>(), out.data_as<int32_t>(), int_pow);
    return;
  }
  ref::binary_op(st.shape, a.data_as<float>(), b.data_as<float>(), out.data_as<float>(),
                 [](float x, float y) { return std::pow(x, y); });
}

bool castable(DType t) {
  switch (t) {
    case DType::kFloat32: case DType::kInt32: case DType::kInt64: case DType::kInt16: case DType::kInt8:
    case DType::kUInt8: case DType::kBool: return true;
    default: return false;
  }
}

void prepare_cast(OpContext& ctx) {
  ctx.check_io(1, 1, 1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  ctx.check(castable(in.type) && castable(out.type), "CAST from {} to {} is not supported", dtype_name(in.type),
            dtype_name(out.type));
  ctx.set_output_shape(0, in.dims);
}

template <typename From>
void cast_from(const From* x, Tensor& out, int64_t n) {
  auto to = [&](auto* y) {
    using To = std::remove_pointer_t<decltype(y)>;
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_same_v<To, bool>) {
        y[i] = x[i] != From{};
      } else if constexpr (std::is_floating_point_v<From> && !std::is_floating_point_v<To>) {
        // Truncation toward zero; out-of-range and NaN values saturate instead of being UB.
        const double v = static_cast<double>(x[i]);
        const double lo = static_cast<double>(std::numeric_limits<To>::min()), hi = static_cast<double>(std::numeric_limits<To>::max());
        y[i] = std::isnan(v) ? To{} : v <= lo ? std::numeric_limits<To>::min() : v >= hi ? std::numeric_limits<To>::max() : static_cast<To>(v);
      } else {
        y[i] = static_cast<To>(x[i]);
      }
    }
  };
  switch (out.type) {
    case DType::kFloat32: to(out.data_as<float>()); break;
    case DType::kInt32: to(out.data_as<int32_t>()); break;
    case DType::kInt64: to(out.data_as<int64_t>()); break;
    case DType::kInt16: to(out.data_as<int16_t>()); break;
    case DType::kInt8: to(out.data_as<int8_t>()); break;
    case DType::kUInt8: to(out.data_as<uint8_t>()); break;
    case DType::kBool: to(out.data_as<bool>()); break;
    default: break;
  }
}

void eval_cast(OpContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const int64_t n = in.num_elements();
  switch (in.type) {
    case DType::kFloat32: cast_from(in.data_as<float>(), out, n); break;
    case DType::kInt32: cast_from(in.data_as<int32_t>(), out, n); break;
    case DType::kInt64: cast_from(in.data_as<int64_t>(), out, n); break;
    case DType::kInt16: cast_from(in.data_as<int16_t>(), out, n); break;
    case DType::kInt8: cast_from(in.data_as<int8_t>(), out, n); break;
    case DType::kUInt8: cast_from(in.data_as<uint8_t>(), out, n); break;
    case DType::kBool: cast_from(in.data_as<bool>(), out, n); break;
    default: ctx.fail("unsupported input type {}", dtype_name(in.type));
  }
}

}  // namespace

#define LITEQ_MATH(NAME, FN)                                                           \
  const KernelRegistration* Register_##NAME() {                                        \
    static const KernelRegistration r{#NAME, prepare_math<Fn::FN>, eval_math<Fn::FN>}; \
    return &r;                                                                         \
  }
LITEQ_MATH(SQRT, kSqrt)
LITEQ_MATH(RSQRT, kRsqrt)
LITEQ_MATH(EXP, kExp)
LITEQ_MATH(LOG, kLog)
LITEQ_MATH(ABS, kAbs)
LITEQ_MATH(NEG, kNeg)
LITEQ_MATH(FLOOR, kFloor)
LITEQ_MATH(CEIL, kCeil)
LITEQ_MATH(SQUARE, kSquare)
#undef LITEQ_MATH

const KernelRegistration* Register_POW() {
  static const KernelRegistration r{"POW", prepare_pow, eval_pow};
  return &r;
}

const KernelRegistration* Register_CAST() {
  static const KernelRegistration r{"CAST", prepare_cast, eval_cast};
  return &r;
}

}  // namespace liteq::rt
