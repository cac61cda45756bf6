// GATHER with axis and batch_dims; params of every fixed-size dtype, indices int32/int64.
// Indices may be a runtime tensor: each is checked at eval, out of range -> error.
#include <fmt/ranges.h>

#include "kernels/kernel_util.h"
#include "kernels/reference/gather.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

struct GatherState {
  ref::GatherShape shape;
};

void prepare_gather(OpContext& ctx) {
  ctx.check_io(2, 2, 1);
  const Tensor& params = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  const Tensor& out = ctx.output(0);
  ctx.check(dtype_size(params.type) > 0, "params '{}' has type {}, which has no fixed element size", params.name,
            dtype_name(params.type));
  ctx.check_type(indices, {DType::kInt32, DType::kInt64}, "indices");
  ctx.check(out.type == params.type, "output '{}' has type {}, params have {}", out.name, dtype_name(out.type),
            dtype_name(params.type));
  const GatherParams p =
      std::holds_alternative<std::monostate>(ctx.node().params) ? GatherParams{} : ctx.params<GatherParams>();
  const int rank = params.rank();
  ctx.check(rank >= 1, "params '{}' must have rank >= 1", params.name);
  const int axis = normalize_axis(p.axis, rank);
  ctx.check(axis >= 0, "axis {} is out of range for params of rank {}", p.axis, rank);
  int batch_dims = p.batch_dims;
  if (batch_dims < 0) batch_dims += indices.rank();
  ctx.check(batch_dims >= 0 && batch_dims <= indices.rank(), "batch_dims {} is out of range for indices of rank {}",
            p.batch_dims, indices.rank());
  ctx.check(batch_dims <= axis, "batch_dims {} must not exceed axis {}", batch_dims, axis);
  for (int d = 0; d < batch_dims; ++d)
    ctx.check(params.dim(d) == indices.dim(d), "params [{}] and indices [{}] differ in batch dim {}",
              fmt::join(params.dims, ","), fmt::join(indices.dims, ","), d);

  auto& s = ctx.make_state<GatherState>().shape;
  std::vector<int32_t> out_dims;
  for (int d = 0; d < axis; ++d) {
    out_dims.push_back(params.dim(d));
    (d < batch_dims ? s.batch : s.outer) *= params.dim(d);
  }
  s.axis_size = params.dim(axis);
  s.coords = 1;
  for (int d = batch_dims; d < indices.rank(); ++d) {
    out_dims.push_back(indices.dim(d));
    s.coords *= indices.dim(d);
  }
  for (int d = axis + 1; d < rank; ++d) {
    out_dims.push_back(params.dim(d));
    s.inner *= params.dim(d);
  }
  ctx.set_output_shape(0, std::move(out_dims));
}

template <typename Index>
void gather_typed(OpContext& ctx, const ref::GatherShape& s, const Tensor& params, const Tensor& indices,
                  Tensor& out) {
  const Index* idx = indices.data_as<Index>();
  const int64_t bad = ref::find_bad_index(idx, indices.num_elements(), s.axis_size);
  if (bad >= 0)
    ctx.fail("index {} (at position {} of '{}') is out of range [0, {})", static_cast<int64_t>(idx[bad]), bad,
             indices.name, s.axis_size);
  if (out.num_elements() == 0) return;
  ref::dispatch_elem_size(dtype_size(params.type),
                          [&]<size_t N>() { ref::gather<N>(s, params.data, idx, out.data); });
}

void eval_gather(OpContext& ctx) {
  const auto& s = ctx.state<GatherState>().shape;
  const Tensor& params = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  Tensor& out = ctx.output(0);
  if (indices.type == DType::kInt32)
    gather_typed<int32_t>(ctx, s, params, indices, out);
  else
    gather_typed<int64_t>(ctx, s, params, indices, out);
}

}  // namespace

const KernelRegistration* Register_GATHER() {
  static const KernelRegistration r{"GATHER", prepare_gather, eval_gather};
  return &r;
}

}  // namespace liteq::rt
