// DENSIFY: turns a sparse constant (TFLite SparsityParameters, TACO format) into a dense
// tensor of the same dtype and shape. The sparsity metadata comes from an untrusted
// model, so prepare validates all of it before eval touches memory:
//   - traversal_order is a permutation of the n original dims + k block dims;
//   - block_map names k distinct original dims; each block dim's level is DENSE and its
//     dense_size (the block size) divides the original dim;
//   - a DENSE level's dense_size equals the size of the dim it traverses;
//   - a SPARSE_CSR level has one segment per position of the previous level (+1),
//     starting at 0, non-decreasing, ending within indices, and every used index is
//     inside its dim;
//   - the stored values are exactly the positions of the last level.
#include "kernels/kernel_util.h"
#include "kernels/reference/densify.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

struct DensifyState {
  std::shared_ptr<const SparsityInfo> info;  // keeps the level pointers alive
  ref::DensifyPlan plan;
};

constexpr int64_t kMaxPositions = int64_t{1} << 40;

void prepare(OpContext& ctx) {
  ctx.check_io(1, 1, 1);
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const size_t es = dtype_size(in.type);
  ctx.check(es > 0, "input '{}' has type {}, which cannot be densified", in.name, dtype_name(in.type));
  ctx.check(out.type == in.type, "output type {} differs from the input's {}", dtype_name(out.type),
            dtype_name(in.type));
  ctx.check(in.is_constant(), "input '{}' must be a constant", in.name);
  ctx.check(in.sparsity != nullptr, "input '{}' has no sparsity parameters", in.name);
  const SparsityInfo& sp = *in.sparsity;
  const int n = in.rank();
  const int k = static_cast<int>(sp.block_map.size());
  const int levels = n + k;

  // traversal_order: a permutation of 0..levels-1 (empty means the identity when unblocked).
  std::vector<int32_t> order = sp.traversal_order;
  if (order.empty() && k == 0)
    for (int i = 0; i < n; ++i) order.push_back(i);
  ctx.check(static_cast<int>(order.size()) == levels,
            "traversal_order has {} entries; rank {} with {} block dims needs {}", order.size(), n, k, levels);
  std::vector<int> level_of(levels, -1);
  for (int l = 0; l < levels; ++l) {
    const int32_t e = order[l];
    ctx.check(e >= 0 && e < levels && level_of[e] < 0, "traversal_order is not a permutation of 0..{}",
              levels - 1);
    level_of[e] = l;
  }
  ctx.check(static_cast<int>(sp.dims.size()) == levels, "sparsity has {} dim_metadata entries, expected {}",
            sp.dims.size(), levels);

  // Block sizes, and the size of every expanded dim.
  std::vector<int32_t> block_size(n, 1);
  std::vector<bool> blocked(n, false);
  std::vector<int32_t> size(levels, 0);
  for (int j = 0; j < k; ++j) {
    const int32_t d = sp.block_map[j];
    ctx.check(d >= 0 && d < n && !blocked[d], "block_map entry {} ({}) is out of range or repeated", j, d);
    const SparsityInfo::Dim& md = sp.dims[level_of[n + j]];
    ctx.check(!md.sparse, "block dimension {} must be DENSE", j);
    ctx.check(md.dense_size >= 1 && in.dim(d) % md.dense_size == 0,
              "block size {} does not divide dimension {} of size {}", md.dense_size, d, in.dim(d));
    blocked[d] = true;
    block_size[d] = md.dense_size;
    size[n + j] = md.dense_size;
  }
  for (int d = 0; d < n; ++d) size[d] = in.dim(d) / block_size[d];

  // Dense strides -> multiplier of each expanded dim.
  std::vector<int64_t> stride(n, 1);
  for (int d = n - 2; d >= 0; --d) stride[d] = stride[d + 1] * in.dim(d + 1);
  std::vector<int64_t> mult(levels, 0);
  for (int d = 0; d < n; ++d) mult[d] = stride[d] * block_size[d];
  for (int j = 0; j < k; ++j) mult[n + j] = stride[sp.block_map[j]];

  auto& s = ctx.make_state<DensifyState>();
  s.info = in.sparsity;
  s.plan.elem_size = es;
  s.plan.num_dense = in.num_elements();
  int64_t positions = 1;  // positions of the previous level
  for (int l = 0; l < levels; ++l) {
    const int e = order[l];
    const SparsityInfo::Dim& md = sp.dims[l];
    ref::DensifyLevel lv;
    lv.sparse = md.sparse;
    lv.size = size[e];
    lv.mult = mult[e];
    if (!md.sparse) {
      ctx.check(md.dense_size == size[e], "level {} is DENSE with size {}, but its dimension has size {}", l,
                md.dense_size, size[e]);
      ctx.check(size[e] == 0 || positions <= kMaxPositions / size[e], "sparse layout has too many positions");
      positions *= size[e];
    } else {
      const auto& seg = md.segments;
      const auto& idx = md.indices;
      ctx.check(static_cast<int64_t>(seg.size()) == positions + 1,
                "level {}: {} array_segments, expected {}", l, seg.size(), positions + 1);
      ctx.check(seg[0] == 0, "level {}: array_segments must start at 0", l);
      for (size_t i = 1; i < seg.size(); ++i)
        ctx.check(seg[i] >= seg[i - 1], "level {}: array_segments decrease at {}", l, i);
      ctx.check(static_cast<size_t>(seg.back()) <= idx.size(),
                "level {}: array_segments end at {}, past the {} array_indices", l, seg.back(), idx.size());
      for (int32_t i = 0; i < seg.back(); ++i)
        ctx.check(idx[i] >= 0 && idx[i] < size[e], "level {}: index {} out of range [0, {})", l, idx[i],
                  size[e]);
      lv.segments = seg.data();
      lv.indices = idx.data();
      positions = seg.back();
    }
    ctx.check(positions <= kMaxPositions, "sparse layout has too many positions");
    s.plan.levels.push_back(lv);
  }
  ctx.check(in.data != nullptr || positions == 0, "input '{}' has no data", in.name);
  ctx.check(static_cast<uint64_t>(in.bytes) == static_cast<uint64_t>(positions) * es,
            "input '{}' stores {} bytes, its sparsity describes {} values of {} bytes", in.name, in.bytes,
            positions, es);
  ctx.set_output_shape(0, in.dims);
}

void eval(OpContext& ctx) {
  const auto& s = ctx.state<DensifyState>();
  ref::densify(s.plan, ctx.input(0).data, ctx.output(0).data);
}

}  // namespace

const KernelRegistration* Register_DENSIFY() {
  static const KernelRegistration r{"DENSIFY", prepare, eval};
  return &r;
}

}  // namespace liteq::rt
