// ARG_MAX / ARG_MIN along one constant axis (a 1-element int32/int64 tensor, negative
// counts from the end); the output drops that axis. TFLite 2.9 semantics: strict
// comparison, so ties give the first index and a NaN is never picked unless it comes
// first. Input float32, int32, int8, uint8 (raw values), bool; output int32 or int64,
// the type ArgMaxOptions/ArgMinOptions name (the output tensor's type without options).
#include <fmt/ranges.h>

#include "kernels/kernel_util.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

struct ArgState {
  int64_t outer = 1, axis = 1, inner = 1;
};

void prepare(OpContext& ctx) {
  ctx.check_io(2, 2, 1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  ctx.check_type(in, {DType::kFloat32, DType::kInt32, DType::kInt8, DType::kUInt8, DType::kBool}, "input");
  ctx.check_dense(in, "input");
  ctx.check_type(out, {DType::kInt32, DType::kInt64}, "output");
  const ArgMinMaxParams p = std::holds_alternative<std::monostate>(ctx.node().params)
                                ? ArgMinMaxParams{}
                                : ctx.params<ArgMinMaxParams>();
  if (p.has_output_type)
    ctx.check(static_cast<int>(out.type) == p.output_type, "output '{}' has type {}, the options ask for type {}",
              out.name, dtype_name(out.type), p.output_type);
  const Tensor& axis_t = ctx.input(1);
  ctx.check(axis_t.num_elements() == 1, "axis must hold one value, it has shape [{}]", fmt::join(axis_t.dims, ","));
  ctx.check(axis_t.is_constant() && axis_t.data != nullptr, "axis (input 1) must be a constant tensor");
  ctx.check_type(axis_t, {DType::kInt32, DType::kInt64}, "axis");
  ctx.check_dense(axis_t, "axis");
  const int64_t a = axis_t.type == DType::kInt32 ? axis_t.data_as<int32_t>()[0] : axis_t.data_as<int64_t>()[0];
  const int rank = in.rank();
  ctx.check(a >= -rank && a < rank, "axis {} out of range for rank {}", a, rank);
  const int axis = normalize_axis(static_cast<int>(a), rank);
  auto& st = ctx.make_state<ArgState>();
  std::vector<int32_t> out_dims;
  for (int i = 0; i < rank; ++i) {
    if (i < axis) st.outer *= in.dim(i);
    if (i > axis) st.inner *= in.dim(i);
    if (i != axis) out_dims.push_back(in.dim(i));
  }
  st.axis = in.dim(axis);
  ctx.check(st.axis > 0 || st.outer * st.inner == 0, "axis {} has size 0: no index to return", a);
  ctx.set_output_shape(0, std::move(out_dims));
}

template <bool kMax, typename T, typename I>
void arg_minmax(const ArgState& s, const T* in, I* out) {
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t j = 0; j < s.inner; ++j) {
      const T* p = in + o * s.axis * s.inner + j;
      T best = p[0];
      I best_i = 0;
      for (int64_t k = 1; k < s.axis; ++k) {
        const T v = p[k * s.inner];
        if (kMax ? v > best : v < best) {
          best = v;
          best_i = static_cast<I>(k);
        }
      }
      out[o * s.inner + j] = best_i;
    }
  }
}

template <bool kMax, typename T>
void eval_typed(OpContext& ctx, const ArgState& s, const T* in) {
  Tensor& out = ctx.output(0);
  if (out.type == DType::kInt32)
    arg_minmax<kMax>(s, in, out.data_as<int32_t>());
  else
    arg_minmax<kMax>(s, in, out.data_as<int64_t>());
}

template <bool kMax>
void eval(OpContext& ctx) {
  const auto& s = ctx.state<ArgState>();
  if (s.outer * s.inner == 0) return;
  const Tensor& in = ctx.input(0);
  switch (in.type) {
    case DType::kFloat32: eval_typed<kMax>(ctx, s, in.data_as<float>()); return;
    case DType::kInt32: eval_typed<kMax>(ctx, s, in.data_as<int32_t>()); return;
    case DType::kInt8: eval_typed<kMax>(ctx, s, in.data_as<int8_t>()); return;
    case DType::kUInt8:
    case DType::kBool: eval_typed<kMax>(ctx, s, in.data_as<uint8_t>()); return;  // bools are 0/1 bytes
    default: ctx.fail("unsupported type {}", dtype_name(in.type));
  }
}

}  // namespace

const KernelRegistration* Register_ARG_MAX() {
  static const KernelRegistration r{"ARG_MAX", prepare, eval<true>};
  return &r;
}

const KernelRegistration* Register_ARG_MIN() {
  static const KernelRegistration r{"ARG_MIN", prepare, eval<false>};
  return &r;
}

}  // namespace liteq::rt
