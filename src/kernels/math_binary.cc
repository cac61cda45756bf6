// Binary elementwise math with numpy broadcasting (rank <= 6), TFLite 2.9 semantics:
//   POW:                float32 (std::pow), int32 (by squaring, wrapping on overflow; a
//                       negative exponent is an error, as in TFLite, checked at eval).
//   SQUARED_DIFFERENCE: float32, int32 ((x - y)^2, int32 wraps).
// Both inputs and the output have the same type.
#include <fmt/ranges.h>

#include "kernels/kernel_util.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/math.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

enum class B { kPow, kSquaredDifference };

struct BinState {
  ref::BinaryShape shape;
};

template <B kOp>
void prepare_binary(OpContext& ctx) {
  ctx.check_io(2, 2, 1);
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const Tensor& out = ctx.output(0);
  ctx.check_type(a, {DType::kFloat32, DType::kInt32}, "input 0");
  ctx.check(b.type == a.type, "input 1 '{}' has type {}, input 0 has {}", b.name, dtype_name(b.type),
            dtype_name(a.type));
  ctx.check(out.type == a.type, "output '{}' has type {}, the inputs have {}", out.name, dtype_name(out.type),
            dtype_name(a.type));
  ctx.check_dense(a, "input 0");
  ctx.check_dense(b, "input 1");
  ctx.check(a.rank() <= kMaxBroadcastRank && b.rank() <= kMaxBroadcastRank,
            "inputs of rank {} and {}: at most rank {} is supported", a.rank(), b.rank(), kMaxBroadcastRank);
  std::vector<int32_t> out_dims;
  ctx.check(broadcast_shape(a.dims, b.dims, &out_dims), "input shapes [{}] and [{}] cannot be broadcast",
            fmt::join(a.dims, ","), fmt::join(b.dims, ","));
  auto& st = ctx.make_state<BinState>();
  st.shape = ref::make_binary_shape(a.dims, b.dims, out_dims);
  ctx.set_output_shape(0, std::move(out_dims));
}

template <B kOp>
void eval_binary(OpContext& ctx) {
  const auto& st = ctx.state<BinState>();
  if (st.shape.size == 0) return;
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  Tensor& out = ctx.output(0);
  if (a.type == DType::kFloat32) {
    const float* x = a.data_as<float>();
    const float* y = b.data_as<float>();
    float* o = out.data_as<float>();
    if constexpr (kOp == B::kPow)
      ref::binary_op(st.shape, x, y, o, [](float p, float q) { return std::pow(p, q); });
    else
      ref::binary_op(st.shape, x, y, o, [](float p, float q) { return (p - q) * (p - q); });
    return;
  }
  if (a.type != DType::kInt32) ctx.fail("unsupported type {}", dtype_name(a.type));
  const int32_t* x = a.data_as<int32_t>();
  const int32_t* y = b.data_as<int32_t>();
  int32_t* o = out.data_as<int32_t>();
  if constexpr (kOp == B::kPow) {
    const int64_t nb = b.num_elements();
    for (int64_t i = 0; i < nb; ++i)
      ctx.check(y[i] >= 0, "int32 POW with a negative exponent ({} at index {})", y[i], i);
    ref::binary_op(st.shape, x, y, o, [](int32_t p, int32_t q) { return ref::int_pow(p, q); });
  } else {
    ref::binary_op(st.shape, x, y, o, [](int32_t p, int32_t q) {
      const int32_t d = ref::wrap_sub(p, q);
      return ref::wrap_mul(d, d);
    });
  }
}

}  // namespace

const KernelRegistration* Register_POW() {
  static const KernelRegistration r{"POW", prepare_binary<B::kPow>, eval_binary<B::kPow>};
  return &r;
}

const KernelRegistration* Register_SQUARED_DIFFERENCE() {
  static const KernelRegistration r{"SQUARED_DIFFERENCE", prepare_binary<B::kSquaredDifference>,
                                    eval_binary<B::kSquaredDifference>};
  return &r;
}

}  // namespace liteq::rt
