// SLICE, STRIDED_SLICE.
#include <gtest/gtest.h>

#include <random>

#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

std::vector<float> iota(int n, float start = 1) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = start + i;
  return v;
}

// --- SLICE -------------------------------------------------------------------------------

TEST(SliceKernel, HandChecked) {
  // [[1,2,3],[4,5,6]], begin [0,1], size [2,2] -> [[2,3],[5,6]]
  auto out = OpRunner(Op::SLICE).input(f32({2, 3}, iota(6))).input(i32({2}, {0, 1}), true).input(i32({2}, {2, 2}), true).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 2}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{2, 3, 5, 6}));
}

TEST(SliceKernel, SizeMinusOneAndInt64) {
  auto out = OpRunner(Op::SLICE)
                 .input(f32({3, 2}, iota(6)))
                 .input(make_tensor<int64_t>({2}, {1, 0}), true)
                 .input(make_tensor<int64_t>({2}, {-1, 1}), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 1}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{3, 5}));
}

TEST(SliceKernel, EmptyAndFull) {
  auto out = OpRunner(Op::SLICE).input(i32({4}, {1, 2, 3, 4})).input(i32({1}, {4}), true).input(i32({1}, {0}), true).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{0}));
  out = OpRunner(Op::SLICE).input(i32({4}, {1, 2, 3, 4})).input(i32({1}, {0}), true).input(i32({1}, {4}), true).run();
  EXPECT_EQ(out[0].values<int32_t>(), (std::vector<int32_t>{1, 2, 3, 4}));
}

TEST(SliceKernel, Rank4Uint8) {
  std::vector<uint8_t> in(2 * 3 * 2 * 2);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<uint8_t>(i);
  auto out = OpRunner(Op::SLICE)
                 .input(make_tensor<uint8_t>({2, 3, 2, 2}, in))
                 .input(i32({4}, {1, 1, 0, 1}), true)
                 .input(i32({4}, {1, 2, -1, 1}), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 2, 2, 1}));
  // Element [n,h,w,c] is at ((n*3+h)*2+w)*2+c.
  EXPECT_EQ(out[0].values<uint8_t>(), (std::vector<uint8_t>{17, 19, 21, 23}));
}

TEST(SliceKernel, Errors) {
  const auto in = f32({2, 3}, iota(6));
  auto run = [&](std::vector<int32_t> b, std::vector<int32_t> s, bool constant = true) {
    const int32_t nb = static_cast<int32_t>(b.size()), ns = static_cast<int32_t>(s.size());
    return OpRunner(Op::SLICE).input(in).input(i32({nb}, b), constant).input(i32({ns}, s), constant).run();
  };
  EXPECT_THROW(run({0, 2}, {2, 2}), Error);   // beyond the end
  EXPECT_THROW(run({-1, 0}, {1, 1}), Error);  // negative begin
  EXPECT_THROW(run({0, 0}, {3, 1}), Error);   // too large
  EXPECT_THROW(run({0, 0}, {-2, 1}), Error);  // negative size other than -1
  EXPECT_THROW(run({0}, {1}), Error);         // wrong length
  EXPECT_THROW(run({0, 0}, {1, 1}, false), Error);  // not constant
  EXPECT_THROW(OpRunner(Op::SLICE).input(in).input(i32({2}, {0, 0}), true).run(), Error);
  EXPECT_THROW(OpRunner(Op::SLICE).input(in).input(f32({2}, {0, 0}), true).input(i32({2}, {1, 1}), true).run(),
               Error);
}

// --- STRIDED_SLICE -------------------------------------------------------------------------

struct SS {
  std::vector<int32_t> begin, end, strides;
  int begin_mask = 0, end_mask = 0, ellipsis_mask = 0, new_axis_mask = 0, shrink_axis_mask = 0;
  bool offset = false;
};

TensorData strided(const TensorData& in, const SS& s) {
  rt::StridedSliceParams p;
  p.begin_mask = s.begin_mask;
  p.end_mask = s.end_mask;
  p.ellipsis_mask = s.ellipsis_mask;
  p.new_axis_mask = s.new_axis_mask;
  p.shrink_axis_mask = s.shrink_axis_mask;
  p.offset = s.offset;
  const int32_t n = static_cast<int32_t>(s.begin.size());
  return OpRunner(Op::STRIDED_SLICE, p)
      .input(in)
      .input(i32({n}, s.begin), true)
      .input(i32({static_cast<int32_t>(s.end.size())}, s.end), true)
      .input(i32({static_cast<int32_t>(s.strides.size())}, s.strides), true)
      .run()[0];
}

TEST(StridedSliceKernel, OneDim) {
  const auto in = f32({4}, {1, 2, 3, 4});
  auto check = [&](SS s, std::vector<float> want) {
    auto out = strided(in, s);
    EXPECT_EQ(out.dims, (std::vector<int32_t>{static_cast<int32_t>(want.size())}));
    EXPECT_EQ(out.values<float>(), want);
  };
  check({{1}, {3}, {1}}, {2, 3});
  check({{-3}, {3}, {1}}, {2, 3});          // negative begin
  check({{-5}, {3}, {1}}, {1, 2, 3});       // begin clamped
  check({{1}, {-2}, {1}}, {2});             // negative end
  check({{-3}, {5}, {1}}, {2, 3, 4});       // end clamped
  check({{1}, {3}, {1}, 1}, {1, 2, 3});     // begin_mask
  check({{1}, {3}, {1}, 0, 1}, {2, 3, 4});  // end_mask
  check({{-1}, {-5}, {-1}}, {4, 3, 2, 1});  // reverse all
  check({{5}, {2}, {-1}}, {4});             // begin clamped backwards
  check({{2}, {-4}, {-1}}, {3, 2});
  check({{0}, {4}, {3}}, {1, 4});           // stride 3
  check({{10}, {3}, {1}}, {});              // empty
  check({{3}, {0}, {1}, 0, 0}, {});         // end before begin
  check({{0}, {4}, {-1}, 1, 1}, {4, 3, 2, 1});  // masks with negative stride
}

TEST(StridedSliceKernel, ShrinkAxis) {
  const auto in = f32({2, 3}, iota(6));
  auto out = strided(in, {{1, 0}, {2, 3}, {1, 1}, 0, 0, 0, 0, 1});
  EXPECT_EQ(out.dims, (std::vector<int32_t>{3}));
  EXPECT_EQ(out.values<float>(), (std::vector<float>{4, 5, 6}));
  out = strided(in, {{0, -1}, {0, 0}, {1, 1}, 0, 0, 0, 0, 3});  // both shrunk, negative index
  EXPECT_TRUE(out.dims.empty());
  EXPECT_EQ(out.values<float>(), (std::vector<float>{3}));
  // Shrink with begin_mask takes the first element.
  out = strided(f32({4}, {1, 2, 3, 4}), {{2}, {3}, {1}, 1, 0, 0, 0, 1});
  EXPECT_EQ(out.values<float>(), (std::vector<float>{1}));
  // Shrink ignores end and a negative stride picks the element at begin.
  out = strided(f32({2, 2}, {0, 1, 2, 3}), {{0, -1}, {0, 0}, {1, -1}, 1, 1, 0, 0, 1});
  EXPECT_EQ(out.dims, (std::vector<int32_t>{1}));
  EXPECT_EQ(out.values<float>(), (std::vector<float>{1}));
}

TEST(StridedSliceKernel, FewerIndicesThanDims) {
  // Trailing dims are taken whole.
  auto out = strided(f32({2, 3, 2}, iota(12)), {{1}, {2}, {1}});
  EXPECT_EQ(out.dims, (std::vector<int32_t>{1, 3, 2}));
  EXPECT_EQ(out.values<float>(), iota(6, 7));
}

TEST(StridedSliceKernel, EllipsisAndNewAxis) {
  const auto in = f32({2, 3, 2}, iota(12));
  // x[..., 1] : ellipsis then a shrunk index -> [2, 3]
  auto out = strided(in, {{0, 1}, {0, 2}, {1, 1}, 0, 0, 1, 0, 2});
  EXPECT_EQ(out.dims, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(out.values<float>(), (std::vector<float>{2, 4, 6, 8, 10, 12}));
  // x[1, ...] -> [3, 2]
  out = strided(in, {{1, 0}, {2, 0}, {1, 1}, 0, 0, 2, 0, 1});
  EXPECT_EQ(out.dims, (std::vector<int32_t>{3, 2}));
  EXPECT_EQ(out.values<float>(), iota(6, 7));
  // x[tf.newaxis, :, 1:3] -> [1, 2, 2, 2]
  out = strided(in, {{0, 0, 1}, {0, 0, 3}, {1, 1, 1}, 2, 2, 0, 1, 0});
  EXPECT_EQ(out.dims, (std::vector<int32_t>{1, 2, 2, 2}));
  EXPECT_EQ(out.values<float>(), (std::vector<float>{3, 4, 5, 6, 9, 10, 11, 12}));
  // x[..., tf.newaxis] -> [2, 3, 2, 1]
  out = strided(in, {{0, 0}, {0, 0}, {1, 1}, 0, 0, 1, 2, 0});
  EXPECT_EQ(out.dims, (std::vector<int32_t>{2, 3, 2, 1}));
  EXPECT_EQ(out.values<float>(), iota(12));
  // x[:, ..., ::-1] with the ellipsis covering the middle dim.
  out = strided(in, {{0, 0, 0}, {0, 0, 0}, {1, 1, -1}, 5, 5, 2, 0, 0});
  EXPECT_EQ(out.dims, (std::vector<int32_t>{2, 3, 2}));
  EXPECT_EQ(out.values<float>(), (std::vector<float>{2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11}));
}

TEST(StridedSliceKernel, Offset) {
  // With offset, end is relative to begin: begin 1, end 2 -> [1, 3).
  SS s{{1}, {2}, {1}};
  s.offset = true;
  auto out = strided(f32({5}, iota(5)), s);
  EXPECT_EQ(out.values<float>(), (std::vector<float>{2, 3}));
  SS s2{{0, 1}, {2, 2}, {1, 1}};
  s2.offset = true;
  out = strided(f32({2, 3}, iota(6)), s2);
  EXPECT_EQ(out.dims, (std::vector<int32_t>{2, 2}));
  EXPECT_EQ(out.values<float>(), (std::vector<float>{2, 3, 5, 6}));
}

TEST(StridedSliceKernel, OtherDtypesAndEmptyDims) {
  std::vector<int16_t> v = {1, 2, 3, 4, 5, 6};
  rt::StridedSliceParams p;
  auto out = OpRunner(Op::STRIDED_SLICE, p)
                 .input(make_tensor<int16_t>({6}, v))
                 .input(make_tensor<int64_t>({1}, {1}), true)
                 .input(make_tensor<int64_t>({1}, {6}), true)
                 .input(make_tensor<int64_t>({1}, {2}), true)
                 .run();
  EXPECT_EQ(out[0].values<int16_t>(), (std::vector<int16_t>{2, 4, 6}));
  // Input with a zero dim.
  auto e = strided(f32({0, 2}, {}), {{0, 0}, {1, 2}, {1, 1}});
  EXPECT_EQ(e.dims, (std::vector<int32_t>{0, 2}));
  e = strided(f32({0, 2}, {}), {{0, 0}, {1, 2}, {-1, 1}});
  EXPECT_EQ(e.dims, (std::vector<int32_t>{0, 2}));
}

// Naive strided slice (begin/end masks and shrink only), Python slice semantics.
struct NaiveResult {
  std::vector<int32_t> dims;
  std::vector<float> values;
};
NaiveResult naive_strided(const std::vector<int32_t>& dims, const std::vector<float>& in, const SS& s) {
  const int r = static_cast<int>(dims.size());
  std::vector<std::vector<int64_t>> picks(r);
  NaiveResult res;
  for (int d = 0; d < r; ++d) {
    const int64_t n = dims[d];
    if (d >= static_cast<int>(s.begin.size())) {
      for (int64_t i = 0; i < n; ++i) picks[d].push_back(i);
      res.dims.push_back(dims[d]);
      continue;
    }
    const int64_t st = s.strides[d];
    if (s.shrink_axis_mask >> d & 1) {
      int64_t b = (s.begin_mask >> d & 1) ? (st > 0 ? 0 : n - 1) : s.begin[d];
      if (b < 0) b += n;
      picks[d].push_back(b);
      continue;
    }
    // Python's slice.indices().
    auto norm = [&](int64_t v, bool masked, bool is_begin) -> int64_t {
      if (masked) return is_begin ? (st > 0 ? 0 : n - 1) : (st > 0 ? n : -1);
      if (v < 0) {
        v += n;
        if (v < 0) v = st > 0 ? 0 : -1;
      } else if (v >= n) {
        v = st > 0 ? n : n - 1;
      }
      return v;
    };
    const int64_t b = norm(s.begin[d], s.begin_mask >> d & 1, true);
    const int64_t e = norm(s.end[d], s.end_mask >> d & 1, false);
    for (int64_t i = b; st > 0 ? i < e : i > e; i += st) picks[d].push_back(i);
    res.dims.push_back(static_cast<int32_t>(picks[d].size()));
  }
  // Cartesian product in row-major order.
  std::vector<size_t> idx(r, 0);
  bool empty = false;
  for (auto& p : picks) empty |= p.empty();
  if (empty) return res;
  while (true) {
    int64_t off = 0;
    for (int d = 0; d < r; ++d) off = off * dims[d] + picks[d][idx[d]];
    res.values.push_back(in[off]);
    int d = r - 1;
    for (; d >= 0; --d) {
      if (++idx[d] < picks[d].size()) break;
      idx[d] = 0;
    }
    if (d < 0) break;
  }
  return res;
}

TEST(StridedSliceKernel, RandomMatchesNaive) {
  std::mt19937 rng(21);
  std::uniform_int_distribution<int> rank_d(1, 6), dim_d(1, 4), idx_d(-6, 6), stride_d(-3, 3), bit(0, 3);
  for (int iter = 0; iter < 500; ++iter) {
    const int r = rank_d(rng);
    std::vector<int32_t> dims(r);
    int n = 1;
    for (auto& d : dims) n *= (d = dim_d(rng));
    SS s;
    const int k = std::uniform_int_distribution<int>(1, r)(rng);  // indices given for the first k dims
    for (int d = 0; d < k; ++d) {
      int st = 0;
      while (st == 0) st = stride_d(rng);
      s.strides.push_back(st);
      s.begin.push_back(idx_d(rng));
      s.end.push_back(idx_d(rng));
      if (bit(rng) == 0) s.begin_mask |= 1 << d;
      if (bit(rng) == 0) s.end_mask |= 1 << d;
      if (bit(rng) == 0) {
        // A valid shrink index.
        s.begin[d] = std::uniform_int_distribution<int>(-dims[d], dims[d] - 1)(rng);
        s.shrink_axis_mask |= 1 << d;
      }
    }
    const auto in = iota(n);
    const auto want = naive_strided(dims, in, s);
    const auto got = strided(f32(dims, in), s);
    ASSERT_EQ(got.dims, want.dims) << "iter " << iter;
    ASSERT_EQ(got.values<float>(), want.values) << "iter " << iter;
  }
}

TEST(StridedSliceKernel, Errors) {
  const auto in = f32({2, 3}, iota(6));
  EXPECT_THROW(strided(in, {{0, 0}, {1, 1}, {1, 0}}), Error);                 // zero stride
  EXPECT_THROW(strided(in, {{0, 0}, {1, 1}, {1}}), Error);                    // length mismatch
  EXPECT_THROW(strided(in, {{0, 0, 0}, {1, 1, 1}, {1, 1, 1}}), Error);        // too many indices
  EXPECT_THROW(strided(in, {{2, 0}, {3, 1}, {1, 1}, 0, 0, 0, 0, 1}), Error);  // shrink index out of range
  EXPECT_THROW(strided(in, {{-3, 0}, {3, 1}, {1, 1}, 0, 0, 0, 0, 1}), Error);
  EXPECT_THROW(strided(in, {{0, 0}, {1, 1}, {1, 1}, 0, 0, 3}), Error);        // two ellipses
  EXPECT_THROW(strided(f32({0}, {}), {{0}, {1}, {1}, 0, 0, 0, 0, 1}), Error);  // shrink of an empty dim
  // Non-constant index tensors.
  EXPECT_THROW(OpRunner(Op::STRIDED_SLICE, rt::StridedSliceParams{})
                   .input(in)
                   .input(i32({1}, {0}))
                   .input(i32({1}, {1}), true)
                   .input(i32({1}, {1}), true)
                   .run(),
               Error);
  // Wrong input count.
  EXPECT_THROW(
      OpRunner(Op::STRIDED_SLICE, rt::StridedSliceParams{}).input(in).input(i32({1}, {0}), true).input(i32({1}, {1}), true).run(),
      Error);
  // Output dtype mismatch.
  EXPECT_THROW(OpRunner(Op::STRIDED_SLICE, rt::StridedSliceParams{})
                   .input(in)
                   .input(i32({1}, {0}), true)
                   .input(i32({1}, {1}), true)
                   .input(i32({1}, {1}), true)
                   .output(DType::kInt32)
                   .run(),
               Error);
  // Rank 7 input.
  EXPECT_THROW(strided(f32({1, 1, 1, 1, 1, 1, 1}, {1}), {{0}, {1}, {1}}), Error);
}

}  // namespace
}  // namespace liteq::test
