// SPLIT: input 0 is the axis (a constant int32 scalar), input 1 the data; num_splits
// outputs of equal size along the axis. Every fixed-size dtype.
#include "kernels/kernel_util.h"
#include "kernels/reference/concatenation.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

struct SplitState {
  int64_t outer = 1;
  std::vector<int64_t> chunks;  // per output, in elements
};

void prepare_split(OpContext& ctx) {
  const int num_splits = std::holds_alternative<std::monostate>(ctx.node().params)
                             ? ctx.num_outputs()
                             : ctx.params<SplitParams>().num_splits;
  ctx.check(num_splits >= 1, "num_splits must be >= 1, got {}", num_splits);
  ctx.check_io(2, 2, num_splits);
  const Tensor& axis_t = ctx.input(0);
  ctx.check_type(axis_t, {DType::kInt32}, "axis");
  const auto axis_v = read_int_tensor(ctx, 0, "axis");
  ctx.check(axis_v.size() == 1, "axis (input 0) must have one element, got {}", axis_v.size());
  const Tensor& in = ctx.input(1);
  ctx.check(dtype_size(in.type) > 0, "input '{}' has type {}, which has no fixed element size", in.name,
            dtype_name(in.type));
  const int axis = normalize_axis(static_cast<int>(axis_v[0]), in.rank());
  ctx.check(axis >= 0 && axis_v[0] == static_cast<int>(axis_v[0]), "axis {} is out of range for input of rank {}",
            axis_v[0], in.rank());
  ctx.check(in.dim(axis) % num_splits == 0, "dim {} of size {} cannot be split into {} equal parts", axis,
            in.dim(axis), num_splits);
  auto& st = ctx.make_state<SplitState>();
  int64_t inner = 1;
  for (int d = 0; d < axis; ++d) st.outer *= in.dim(d);
  for (int d = axis + 1; d < in.rank(); ++d) inner *= in.dim(d);
  std::vector<int32_t> dims = in.dims;
  dims[axis] = in.dim(axis) / num_splits;
  for (int i = 0; i < num_splits; ++i) {
    const Tensor& out = ctx.output(i);
    ctx.check(out.type == in.type, "output {} '{}' has type {}, the input has {}", i, out.name,
              dtype_name(out.type), dtype_name(in.type));
    st.chunks.push_back(dims[axis] * inner);
    ctx.set_output_shape(i, dims);
  }
}

void eval_split(OpContext& ctx) {
  const auto& st = ctx.state<SplitState>();
  const Tensor& in = ctx.input(1);
  if (in.num_elements() == 0) return;
  std::vector<uint8_t*> outputs(ctx.num_outputs());
  for (int i = 0; i < ctx.num_outputs(); ++i) outputs[i] = ctx.output(i).data;
  const int n = static_cast<int>(outputs.size());
  ref::dispatch_elem_size(dtype_size(in.type), [&]<size_t N>() {
    ref::split<N>(in.data, st.outer, n, st.chunks.data(), outputs.data());
  });
}

}  // namespace

const KernelRegistration* Register_SPLIT() {
  static const KernelRegistration r{"SPLIT", prepare_split, eval_split};
  return &r;
}

}  // namespace liteq::rt
