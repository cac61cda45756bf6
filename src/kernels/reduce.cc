// MEAN (float32) over a constant list of axes (int32 or int64, negative values count from the
// end, duplicates allowed); keep_dims keeps the reduced dims as 1.
#include "kernels/kernel_util.h"
#include "kernels/reference/reduce.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

struct MeanState {
  std::vector<bool> reduced;
};

void prepare(OpContext& ctx) {
  const auto& p = ctx.params<ReducerParams>();
  ctx.check_io(2, 2, 1);
  const Tensor& in = ctx.input(0);
  ctx.check_type(in, {DType::kFloat32}, "input");
  ctx.check_type(ctx.input(1), {DType::kInt32, DType::kInt64}, "axis");
  ctx.check_type(ctx.output(0), {DType::kFloat32}, "output");
  ctx.check(!in.sparsity, "input '{}' is sparse (it needs a DENSIFY first)", in.name);
  ctx.check(in.data == nullptr || in.bytes >= static_cast<size_t>(in.num_elements()) * sizeof(float),
            "input '{}' holds {} bytes, its shape needs more", in.name, in.bytes);
  // An empty axis list (a plain copy) may come without data, which read_int_tensor refuses.
  const Tensor& axis = ctx.input(1);
  ctx.check(axis.is_constant(), "axis (input 1) must be a constant tensor");
  const std::vector<int64_t> axes =
      axis.num_elements() == 0 && axis.rank() == 1 ? std::vector<int64_t>{} : read_int_tensor(ctx, 1, "axis");
  const int rank = in.rank();
  auto& s = ctx.make_state<MeanState>();
  s.reduced.assign(rank, false);
  for (int64_t a : axes) {
    ctx.check(a >= -rank && a < rank, "axis {} out of range for rank {}", a, rank);
    s.reduced[normalize_axis(static_cast<int>(a), rank)] = true;
  }
  std::vector<int32_t> out;
  for (int i = 0; i < rank; ++i) {
    if (!s.reduced[i]) {
      out.push_back(in.dim(i));
    } else if (p.keep_dims) {
      out.push_back(1);
    }
  }
  ctx.set_output_shape(0, std::move(out));
}

void eval(OpContext& ctx) {
  const auto& s = ctx.state<MeanState>();
  Tensor& out = ctx.output(0);
  const Tensor& in = ctx.input(0);
  switch (out.type) {
    case DType::kFloat32:
      ref::mean_f32(in.data_as<float>(), in.dims, s.reduced, out.data_as<float>());
      break;
    default:
      ctx.fail("unsupported output type {}", dtype_name(out.type));
  }
}

}  // namespace

const KernelRegistration* Register_MEAN() {
  static const KernelRegistration r{"MEAN", prepare, eval};
  return &r;
}

}  // namespace liteq::rt
