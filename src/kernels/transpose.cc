// TRANSPOSE with a constant permutation (int32/int64), rank <= 6, every fixed-size dtype.
#include <fmt/ranges.h>

#include "kernels/kernel_util.h"
#include "kernels/reference/transpose.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

// read_int_tensor, also accepting an empty constant (whose data pointer may be null).
std::vector<int64_t> read_ints(OpContext& ctx, int input, const char* what) {
  const Tensor& t = ctx.input(input);
  if (t.rank() == 1 && t.num_elements() == 0 && t.is_constant()) {
    ctx.check_type(t, {DType::kInt32, DType::kInt64}, what);
    return {};
  }
  return read_int_tensor(ctx, input, what);
}

struct TransposeState {
  ref::TransposeShape shape;
};

void prepare_transpose(OpContext& ctx) {
  ctx.check_io(2, 2, 1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  ctx.check(dtype_size(in.type) > 0, "input '{}' has type {}, which has no fixed element size", in.name,
            dtype_name(in.type));
  ctx.check(out.type == in.type, "output '{}' has type {}, the input has {}", out.name, dtype_name(out.type),
            dtype_name(in.type));
  const int rank = in.rank();
  ctx.check(rank <= ref::kTransposeMaxRank, "input of rank {}: at most rank {} is supported", rank,
            ref::kTransposeMaxRank);
  const auto perm = read_ints(ctx, 1, "perm");
  ctx.check(static_cast<int>(perm.size()) == rank, "perm [{}] has {} entries, the input has rank {}",
            fmt::join(perm, ","), perm.size(), rank);
  std::vector<bool> seen(rank, false);
  for (int64_t p : perm) {
    ctx.check(p >= 0 && p < rank && !seen[p], "perm [{}] is not a permutation of 0..{}", fmt::join(perm, ","),
              rank - 1);
    seen[p] = true;
  }
  // Element strides of the input.
  std::vector<int64_t> in_strides(rank, 1);
  for (int d = rank - 2; d >= 0; --d) in_strides[d] = in_strides[d + 1] * in.dim(d + 1);
  auto& s = ctx.make_state<TransposeState>().shape;
  std::vector<int32_t> out_dims(rank);
  const int off = ref::kTransposeMaxRank - rank;
  for (int d = 0; d < rank; ++d) {
    out_dims[d] = in.dim(static_cast<int>(perm[d]));
    s.out_dims[off + d] = out_dims[d];
    s.in_strides[off + d] = in_strides[perm[d]];
  }
  ctx.set_output_shape(0, std::move(out_dims));
}

void eval_transpose(OpContext& ctx) {
  const auto& s = ctx.state<TransposeState>().shape;
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  if (out.num_elements() == 0) return;
  ref::dispatch_elem_size(dtype_size(in.type), [&]<size_t N>() { ref::transpose<N>(s, in.data, out.data); });
}

}  // namespace

const KernelRegistration* Register_TRANSPOSE() {
  static const KernelRegistration r{"TRANSPOSE", prepare_transpose, eval_transpose};
  return &r;
}

}  // namespace liteq::rt
