// MEAN: hand-checked cases, a float64 reference on random shapes and axes, errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "kernels/op_runner.h"

namespace liteq {
namespace {

using test::f32;
using test::i32;
using test::OpRunner;

rt::ReducerParams keep(bool k) {
  rt::ReducerParams p;
  p.keep_dims = k;
  return p;
}

std::vector<float> iota_f(int n, float start = 1) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = start + i;
  return v;
}

TEST(MeanTest, SpatialMeanOfNhwc) {
  // [1, 2, 2, 2]: channel 0 = 1, 3, 5, 7 (mean 4); channel 1 = 2, 4, 6, 8 (mean 5).
  auto out = OpRunner(Op::MEAN, keep(true))
                 .input(f32({1, 2, 2, 2}, iota_f(8)))
                 .input(i32({2}, {1, 2}), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 1, 1, 2}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{4, 5}));
  auto flat = OpRunner(Op::MEAN, keep(false))
                  .input(f32({1, 2, 2, 2}, iota_f(8)))
                  .input(i32({2}, {1, 2}), true)
                  .run();
  EXPECT_EQ(flat[0].dims, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(flat[0].values<float>(), (std::vector<float>{4, 5}));
}

TEST(MeanTest, NegativeAndDuplicateAxes) {
  // [2, 3] = [1 2 3; 4 5 6]; axes {-1, 1} both mean axis 1: row means [2, 5].
  auto out = OpRunner(Op::MEAN, keep(false))
                 .input(f32({2, 3}, iota_f(6)))
                 .input(i32({2}, {-1, 1}), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{2, 5}));
  // Axis 0 as a scalar: column means [2.5, 3.5, 4.5].
  auto col = OpRunner(Op::MEAN, keep(true)).input(f32({2, 3}, iota_f(6))).input(i32({}, {0}), true).run();
  EXPECT_EQ(col[0].dims, (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(col[0].values<float>(), (std::vector<float>{2.5f, 3.5f, 4.5f}));
  // All axes: 21 / 6 = 3.5, a scalar when keep_dims is false.
  auto all = OpRunner(Op::MEAN, keep(false)).input(f32({2, 3}, iota_f(6))).input(i32({2}, {0, 1}), true).run();
  EXPECT_EQ(all[0].dims, (std::vector<int32_t>{}));
  EXPECT_EQ(all[0].values<float>(), (std::vector<float>{3.5f}));
  // No axes: a copy.
  auto none = OpRunner(Op::MEAN, keep(false)).input(f32({2, 3}, iota_f(6))).input(i32({0}, {}), true).run();
  EXPECT_EQ(none[0].dims, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(none[0].values<float>(), iota_f(6));
}

TEST(MeanTest, SumsInFloat) {
  // 2^24 + 1 + 1 - 2^24 ... in float: 16777216 + 1 = 16777216 (rounds), so summing
  // [16777216, 1, 1, -16777216] in order gives 0, and the mean 0 (float64 would give 0.5).
  auto out = OpRunner(Op::MEAN, keep(false))
                 .input(f32({4}, {16777216.0f, 1, 1, -16777216.0f}))
                 .input(i32({1}, {0}), true)
                 .run();
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{0}));
}

TEST(MeanTest, MatchesFloat64ReferenceOnRandomShapes) {
  std::mt19937 rng(11);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::uniform_real_distribution<float> val(-3, 3);
  for (int iter = 0; iter < 200; ++iter) {
    const int rank = pick(1, 5);
    std::vector<int32_t> dims(rank);
    for (auto& d : dims) d = pick(1, 5);
    std::vector<int32_t> axes;
    std::vector<bool> reduced(rank, false);
    const int naxes = pick(0, rank + 1);
    for (int i = 0; i < naxes; ++i) {
      const int a = pick(0, rank - 1);
      axes.push_back(pick(0, 1) ? a : a - rank);
      reduced[a] = true;
    }
    const bool keep_dims = pick(0, 1);
    size_t n = 1;
    for (auto d : dims) n *= d;
    std::vector<float> in(n);
    for (auto& x : in) x = val(rng);
    const auto out = OpRunner(Op::MEAN, keep(keep_dims))
                         .input(f32(dims, in))
                         .input(i32({static_cast<int32_t>(axes.size())}, axes), true)
                         .run();
    std::vector<int32_t> want_dims;
    for (int i = 0; i < rank; ++i) {
      if (!reduced[i]) want_dims.push_back(dims[i]);
      else if (keep_dims) want_dims.push_back(1);
    }
    ASSERT_EQ(out[0].dims, want_dims) << "iteration " << iter;
    // Reference: accumulate each input element into its output slot in float64.
    std::vector<int32_t> kdims(rank);
    for (int i = 0; i < rank; ++i) kdims[i] = reduced[i] ? 1 : dims[i];
    size_t nout = 1, count = 1;
    for (int i = 0; i < rank; ++i) {
      nout *= kdims[i];
      if (reduced[i]) count *= dims[i];
    }
    std::vector<double> sum(nout, 0);
    std::vector<int32_t> idx(rank, 0);
    for (size_t e = 0; e < n; ++e) {
      size_t o = 0;
      for (int i = 0; i < rank; ++i) o = o * kdims[i] + (reduced[i] ? 0 : idx[i]);
      sum[o] += in[e];
      for (int i = rank - 1; i >= 0; --i) {
        if (++idx[i] < dims[i]) break;
        idx[i] = 0;
      }
    }
    const auto got = out[0].values<float>();
    ASSERT_EQ(got.size(), nout);
    for (size_t o = 0; o < nout; ++o)
      ASSERT_NEAR(got[o], sum[o] / count, 1e-5 * 3 + 1e-6) << "iteration " << iter;
  }
}

TEST(MeanTest, RejectsBadInputs) {
  auto base = [] { return OpRunner(Op::MEAN, keep(false)).input(f32({2, 3}, iota_f(6))); };
  EXPECT_THROW(base().run(), Error);                                               // no axis input
  EXPECT_THROW(base().input(i32({1}, {1}), true).input(i32({1}, {1}), true).run(), Error);  // 3 inputs
  EXPECT_THROW(base().input(i32({1}, {1}), false).run(), Error);                   // axis not constant
  EXPECT_THROW(base().input(i32({1}, {2}), true).run(), Error);                    // axis out of range
  EXPECT_THROW(base().input(i32({1}, {-3}), true).run(), Error);
  EXPECT_THROW(base().input(f32({1}, {1}), true).run(), Error);                    // axis dtype
  EXPECT_THROW(base().input(i32({1, 1}, {1}), true).run(), Error);                 // axis rank 2
  EXPECT_THROW(base().input(i32({1}, {1}), true).output(DType::kInt32).run(), Error);
  EXPECT_THROW(OpRunner(Op::MEAN, keep(false))
                   .input(test::make_tensor<int8_t>({2}, {1, 2}))
                   .input(i32({1}, {0}), true)
                   .output(DType::kFloat32)
                   .run(),
               Error);
  EXPECT_THROW(OpRunner(Op::MEAN, rt::ConvParams{}).input(f32({2, 3}, iota_f(6))).input(i32({1}, {1}), true).run(),
               Error);
}

}  // namespace
}  // namespace liteq
