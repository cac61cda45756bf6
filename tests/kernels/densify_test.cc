// DENSIFY: hand-checked TACO layouts (CSR, block-sparse, column-major traversal, several
// dtypes), a round trip through a test encoder on random tensors, and malformed sparsity.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <numeric>
#include <random>

#include "kernels/op_runner.h"

namespace liteq {
namespace {

using Info = rt::SparsityInfo;
using test::TensorData;

// OpRunner has no way to attach sparsity to an input, so this builds the one-node graph
// itself (same steps as OpRunner::run).
struct SparseInput {
  DType type = DType::kFloat32;
  std::vector<int32_t> dims;
  std::vector<uint8_t> bytes;
  std::shared_ptr<Info> sparsity;
  bool constant = true;
};

TensorData run_densify(const SparseInput& s, DType out_type, int num_inputs = 1) {
  rt::Graph g;
  rt::Node n;
  n.builtin_code = static_cast<int32_t>(Op::DENSIFY);
  n.kernel = rt::find_kernel(n.builtin_code, "");
  std::vector<uint8_t> bytes = s.bytes;
  for (int i = 0; i < num_inputs; ++i) {
    rt::Tensor t;
    t.name = "sparse";
    t.type = s.type;
    t.dims = s.dims;
    t.data = bytes.empty() ? nullptr : bytes.data();
    t.bytes = bytes.size();
    t.storage = s.constant ? rt::Storage::kConstant : rt::Storage::kArena;
    t.sparsity = s.sparsity;
    n.inputs.push_back(static_cast<int>(g.tensors.size()));
    g.tensors.push_back(std::move(t));
  }
  rt::Tensor o;
  o.name = "dense";
  o.type = out_type;
  n.outputs.push_back(static_cast<int>(g.tensors.size()));
  g.tensors.push_back(std::move(o));
  g.num_model_tensors = g.tensors.size();
  g.nodes.push_back(n);
  rt::Node& node = g.nodes.back();
  {
    rt::OpContext ctx(g, node, true);
    node.kernel->prepare(ctx);
  }
  rt::Tensor& out = g.tensors[node.outputs[0]];
  out.bytes = static_cast<size_t>(out.num_elements()) * dtype_size(out.type);
  std::vector<uint8_t> storage(out.bytes + 1, 0xCD);
  out.data = storage.data();
  {
    rt::OpContext ctx(g, node, false);
    node.kernel->eval(ctx);
  }
  EXPECT_EQ(storage.back(), 0xCD) << "DENSIFY wrote past its output";
  TensorData d;
  d.type = out.type;
  d.dims = out.dims;
  d.bytes.assign(out.data, out.data + out.bytes);
  return d;
}

Info::Dim dense(int32_t size) {
  Info::Dim d;
  d.dense_size = size;
  return d;
}
Info::Dim csr(std::vector<int32_t> segments, std::vector<int32_t> indices) {
  Info::Dim d;
  d.sparse = true;
  d.segments = std::move(segments);
  d.indices = std::move(indices);
  return d;
}

template <typename T>
std::vector<uint8_t> raw(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

template <typename T>
SparseInput sparse(std::vector<int32_t> dims, const std::vector<T>& values, std::vector<int32_t> order,
                   std::vector<Info::Dim> levels, std::vector<int32_t> block_map = {}) {
  SparseInput s;
  s.type = test::dtype_of<T>();
  s.dims = std::move(dims);
  s.bytes = raw(values);
  s.sparsity = std::make_shared<Info>();
  s.sparsity->traversal_order = std::move(order);
  s.sparsity->dims = std::move(levels);
  s.sparsity->block_map = std::move(block_map);
  return s;
}

// [3, 4] CSR: row 0 has columns 0 and 3, row 1 nothing, row 2 column 1.
SparseInput csr_3x4() {
  return sparse<float>({3, 4}, {1, 2, 3}, {0, 1}, {dense(3), csr({0, 2, 2, 3}, {0, 3, 1})});
}

TEST(DensifyTest, Csr) {
  const auto out = run_densify(csr_3x4(), DType::kFloat32);
  EXPECT_EQ(out.dims, (std::vector<int32_t>{3, 4}));
  EXPECT_EQ(out.values<float>(), (std::vector<float>{1, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0}));
}

TEST(DensifyTest, BlockSparse) {
  // [4, 4] in 2x2 blocks: block row 0 holds block column 0, block row 1 block column 1;
  // each block stored row-major: [[1 2] [3 4]] at (0,0), [[5 6] [7 8]] at (1,1).
  const auto s = sparse<float>({4, 4}, {1, 2, 3, 4, 5, 6, 7, 8}, {0, 1, 2, 3},
                               {dense(2), csr({0, 1, 2}, {0, 1}), dense(2), dense(2)}, {0, 1});
  const auto out = run_densify(s, DType::kFloat32);
  EXPECT_EQ(out.values<float>(), (std::vector<float>{1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 5, 6, 0, 0, 7, 8}));
}

TEST(DensifyTest, BlockOnOneDimWithPermutedBlockOrder) {
  // [2, 4] with column blocks of 2 (block_map {1}): expanded dims (row, col block, col in
  // block) of sizes (2, 2, 2). Traversal {1, 0, 2}: column block outermost (DENSE 2), then
  // rows (SPARSE), then the 2 columns of the block (DENSE).
  // Column block 0 holds row 1 = [10 11]; column block 1 holds rows 0 and 1 = [20 21], [30 31].
  // Dense: row 0 = [0 0 20 21], row 1 = [10 11 30 31].
  const auto s = sparse<float>({2, 4}, {10, 11, 20, 21, 30, 31}, {1, 0, 2},
                               {dense(2), csr({0, 1, 3}, {1, 0, 1}), dense(2)}, {1});
  const auto out = run_densify(s, DType::kFloat32);
  EXPECT_EQ(out.values<float>(), (std::vector<float>{0, 0, 20, 21, 10, 11, 30, 31}));
}

TEST(DensifyTest, ColumnMajorTraversal) {
  // [2, 3] traversed column first: column 0 has row 1 (10); column 1 nothing; column 2 rows
  // 0 and 1 (20, 30). Dense: [0 0 20; 10 0 30].
  const auto s = sparse<float>({2, 3}, {10, 20, 30}, {1, 0}, {dense(3), csr({0, 1, 1, 3}, {1, 0, 1})});
  const auto out = run_densify(s, DType::kFloat32);
  EXPECT_EQ(out.values<float>(), (std::vector<float>{0, 0, 20, 10, 0, 30}));
}

TEST(DensifyTest, OtherDtypesAndAllDense) {
  auto s8 = csr_3x4();
  s8.type = DType::kInt8;
  s8.bytes = raw<int8_t>({-1, 2, -3});
  EXPECT_EQ(run_densify(s8, DType::kInt8).values<int8_t>(),
            (std::vector<int8_t>{-1, 0, 0, 2, 0, 0, 0, 0, 0, -3, 0, 0}));
  auto s16 = csr_3x4();
  s16.type = DType::kFloat16;
  s16.bytes = raw<uint16_t>({0x3C00, 0x4000, 0xC200});  // 1, 2, -3 as halves
  EXPECT_EQ(run_densify(s16, DType::kFloat16).values<uint16_t>(),
            (std::vector<uint16_t>{0x3C00, 0, 0, 0x4000, 0, 0, 0, 0, 0, 0xC200, 0, 0}));
  // Every level dense: a plain copy (also with an empty traversal order).
  const auto d = sparse<float>({2, 2}, {1, 2, 3, 4}, {}, {dense(2), dense(2)});
  EXPECT_EQ(run_densify(d, DType::kFloat32).values<float>(), (std::vector<float>{1, 2, 3, 4}));
  // A scalar.
  const auto sc = sparse<float>({}, {7}, {}, {});
  EXPECT_EQ(run_densify(sc, DType::kFloat32).values<float>(), (std::vector<float>{7}));
}

// ---- round trip through a test encoder --------------------------------------------------

// Encodes `dense_values` (shape `shape`) into TACO format: expanded dims = the original
// dims (divided by block sizes) then the block dims; levels in `order`; `sparse_level[l]`
// picks SPARSE_CSR for level l (which keeps a child only if its subtree has a non-zero).
SparseInput encode(const std::vector<int32_t>& shape, const std::vector<float>& dense_values,
                   const std::vector<int32_t>& block_map, const std::vector<int32_t>& block_sizes,
                   const std::vector<int32_t>& order, const std::vector<bool>& sparse_level) {
  const int n = static_cast<int>(shape.size()), k = static_cast<int>(block_map.size()), L = n + k;
  std::vector<int32_t> size(L), bsize(n, 1);
  for (int j = 0; j < k; ++j) bsize[block_map[j]] = block_sizes[j];
  for (int d = 0; d < n; ++d) size[d] = shape[d] / bsize[d];
  for (int j = 0; j < k; ++j) size[n + j] = block_sizes[j];
  // Dense offset of an expanded index.
  auto offset = [&](const std::vector<int32_t>& e) {
    int64_t off = 0;
    for (int d = 0; d < n; ++d) {
      int32_t idx = e[d] * bsize[d];
      for (int j = 0; j < k; ++j)
        if (block_map[j] == d) idx += e[n + j];
      off = off * shape[d] + idx;
    }
    return off;
  };
  // Does any completion of the first `level` traversed indices hit a non-zero?
  std::function<bool(std::vector<int32_t>&, int)> any_nonzero = [&](std::vector<int32_t>& e, int level) {
    if (level == L) return dense_values[offset(e)] != 0.0f;
    for (int32_t i = 0; i < size[order[level]]; ++i) {
      e[order[level]] = i;
      if (any_nonzero(e, level + 1)) return true;
    }
    return false;
  };
  auto info = std::make_shared<Info>();
  info->traversal_order = order;
  info->block_map = block_map;
  info->dims.resize(L);
  std::vector<std::vector<int32_t>> nodes = {std::vector<int32_t>(L, 0)};
  for (int l = 0; l < L; ++l) {
    const int e = order[l];
    Info::Dim& md = info->dims[l];
    md.sparse = sparse_level[l];
    md.dense_size = md.sparse ? 0 : size[e];
    if (md.sparse) md.segments.push_back(0);
    std::vector<std::vector<int32_t>> next;
    for (auto& node : nodes) {
      for (int32_t i = 0; i < size[e]; ++i) {
        std::vector<int32_t> child = node;
        child[e] = i;
        if (md.sparse) {
          if (!any_nonzero(child, l + 1)) continue;
          md.indices.push_back(i);
        }
        next.push_back(child);
      }
      if (md.sparse) md.segments.push_back(static_cast<int32_t>(md.indices.size()));
    }
    nodes = std::move(next);
  }
  std::vector<float> values;
  for (auto& node : nodes) values.push_back(dense_values[offset(node)]);
  SparseInput s;
  s.type = DType::kFloat32;
  s.dims = shape;
  s.bytes = raw(values);
  s.sparsity = info;
  return s;
}

TEST(DensifyTest, RoundTripsRandomTensors) {
  std::mt19937 rng(8);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int iter = 0; iter < 200; ++iter) {
    const int n = pick(1, 3);
    std::vector<int32_t> shape(n);
    std::vector<int32_t> block_map, block_sizes;
    for (int d = 0; d < n; ++d) {
      const bool block = pick(0, 2) == 0;
      const int bs = block ? pick(1, 3) : 1;
      shape[d] = bs * pick(1, 4);
      if (block) {
        block_map.push_back(d);
        block_sizes.push_back(bs);
      }
    }
    const int L = n + static_cast<int>(block_map.size());
    std::vector<int32_t> order(L);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<bool> sparse_level(L);
    for (int l = 0; l < L; ++l) sparse_level[l] = order[l] < n && pick(0, 1);  // block dims are DENSE
    size_t total = 1;
    for (auto d : shape) total *= d;
    std::vector<float> values(total, 0.0f);
    for (auto& v : values)
      if (pick(0, 2) == 0) v = static_cast<float>(pick(1, 99));
    const auto s = encode(shape, values, block_map, block_sizes, order, sparse_level);
    const auto out = run_densify(s, DType::kFloat32);
    ASSERT_EQ(out.dims, shape) << "iteration " << iter;
    ASSERT_EQ(out.values<float>(), values) << "iteration " << iter;
  }
}

// ---- malformed sparsity ---------------------------------------------------------------

TEST(DensifyTest, RejectsWrongIo) {
  EXPECT_NO_THROW(run_densify(csr_3x4(), DType::kFloat32));
  EXPECT_THROW(run_densify(csr_3x4(), DType::kInt8), Error);            // output dtype
  EXPECT_THROW(run_densify(csr_3x4(), DType::kFloat32, 2), Error);      // two inputs
  EXPECT_THROW(run_densify(csr_3x4(), DType::kFloat32, 0), Error);      // no input
  auto s = csr_3x4();
  s.constant = false;
  EXPECT_THROW(run_densify(s, DType::kFloat32), Error);
  s = csr_3x4();
  s.sparsity = nullptr;
  EXPECT_THROW(run_densify(s, DType::kFloat32), Error);
  s = csr_3x4();
  s.type = DType::kString;
  EXPECT_THROW(run_densify(s, DType::kString), Error);
}

TEST(DensifyTest, RejectsBadTraversalAndMetadata) {
  auto mutate = [](std::function<void(SparseInput&)> f) {
    auto s = csr_3x4();
    f(s);
    return run_densify(s, DType::kFloat32);
  };
  EXPECT_THROW(mutate([](SparseInput& s) { s.sparsity->traversal_order = {0}; }), Error);
  EXPECT_THROW(mutate([](SparseInput& s) { s.sparsity->traversal_order = {0, 0}; }), Error);
  EXPECT_THROW(mutate([](SparseInput& s) { s.sparsity->traversal_order = {0, 2}; }), Error);
  EXPECT_THROW(mutate([](SparseInput& s) { s.sparsity->traversal_order = {-1, 1}; }), Error);
  EXPECT_THROW(mutate([](SparseInput& s) { s.sparsity->dims.pop_back(); }), Error);
  EXPECT_THROW(mutate([](SparseInput& s) { s.sparsity->dims[0].dense_size = 4; }), Error);
  EXPECT_THROW(mutate([](SparseInput& s) { s.sparsity->dims[0].dense_size = -1; }), Error);
}

TEST(DensifyTest, RejectsBadSegmentsAndIndices) {
  auto with = [](std::vector<int32_t> seg, std::vector<int32_t> idx, size_t values = 3) {
    auto s = csr_3x4();
    s.sparsity->dims[1] = csr(std::move(seg), std::move(idx));
    s.bytes.resize(values * sizeof(float));
    return run_densify(s, DType::kFloat32);
  };
  EXPECT_NO_THROW(with({0, 2, 2, 3}, {0, 3, 1}));
  EXPECT_THROW(with({0, 2, 3}, {0, 3, 1}), Error);           // too few segments
  EXPECT_THROW(with({0, 2, 2, 3, 3}, {0, 3, 1}), Error);     // too many
  EXPECT_THROW(with({1, 2, 2, 3}, {0, 3, 1}), Error);        // does not start at 0
  EXPECT_THROW(with({0, 2, 1, 3}, {0, 3, 1}), Error);        // decreasing
  EXPECT_THROW(with({0, 2, 2, 4}, {0, 3, 1}, 4), Error);     // past the indices
  EXPECT_THROW(with({0, 2, 2, 3}, {0, 4, 1}), Error);        // index == dim size
  EXPECT_THROW(with({0, 2, 2, 3}, {0, -1, 1}), Error);       // negative index
  EXPECT_THROW(with({0, -2, 2, 3}, {0, 3, 1}), Error);       // negative segment
  EXPECT_THROW(with({0, 2, 2, 3}, {0, 3, 1}, 2), Error);     // too few values
  EXPECT_THROW(with({0, 2, 2, 3}, {0, 3, 1}, 4), Error);     // too many values
  EXPECT_THROW(with({}, {}), Error);                         // no segments at all
}

TEST(DensifyTest, RejectsBadBlocks) {
  auto block = [](std::vector<int32_t> block_map, std::vector<Info::Dim> levels, std::vector<int32_t> order,
                  std::vector<int32_t> dims = {4, 4}) {
    const auto s = sparse<float>(std::move(dims), std::vector<float>(16, 1), std::move(order), std::move(levels),
                                 std::move(block_map));
    return run_densify(s, DType::kFloat32);
  };
  // A valid all-dense 2x2 blocking of [4, 4] (16 values).
  EXPECT_NO_THROW(block({0, 1}, {dense(2), dense(2), dense(2), dense(2)}, {0, 1, 2, 3}));
  EXPECT_THROW(block({0, 2}, {dense(2), dense(2), dense(2), dense(2)}, {0, 1, 2, 3}), Error);  // dim 2
  EXPECT_THROW(block({0, 0}, {dense(2), dense(2), dense(2), dense(2)}, {0, 1, 2, 3}), Error);  // repeated
  EXPECT_THROW(block({-1, 1}, {dense(2), dense(2), dense(2), dense(2)}, {0, 1, 2, 3}), Error);
  // Block size 3 does not divide 4; block size 0.
  EXPECT_THROW(block({0, 1}, {dense(2), dense(2), dense(3), dense(2)}, {0, 1, 2, 3}), Error);
  EXPECT_THROW(block({0, 1}, {dense(2), dense(2), dense(0), dense(2)}, {0, 1, 2, 3}), Error);
  // A sparse block dimension.
  EXPECT_THROW(block({0, 1}, {dense(2), dense(2), csr({0, 1, 2, 3, 4}, {0, 0, 0, 0}), dense(2)}, {0, 1, 2, 3}),
               Error);
  // Blocked dims need n + k traversal entries and metadata.
  EXPECT_THROW(block({0, 1}, {dense(2), dense(2), dense(2)}, {0, 1, 2}), Error);
  // Outer dense size disagreeing with 4 / block size.
  EXPECT_THROW(block({0, 1}, {dense(4), dense(2), dense(2), dense(2)}, {0, 1, 2, 3}), Error);
}

}  // namespace
}  // namespace liteq
