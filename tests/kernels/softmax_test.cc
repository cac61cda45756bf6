// SOFTMAX (float32).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

rt::SoftmaxParams beta(float b) {
  rt::SoftmaxParams p;
  p.beta = b;
  return p;
}

// Naive softmax in double over the last dim.
std::vector<double> naive_softmax(const std::vector<float>& x, int depth, double b) {
  std::vector<double> out(x.size());
  for (size_t r = 0; r < x.size() / depth; ++r) {
    double mx = -INFINITY, sum = 0;
    for (int i = 0; i < depth; ++i) mx = std::max(mx, static_cast<double>(x[r * depth + i]));
    for (int i = 0; i < depth; ++i) sum += std::exp(b * (x[r * depth + i] - mx));
    for (int i = 0; i < depth; ++i) out[r * depth + i] = std::exp(b * (x[r * depth + i] - mx)) / sum;
  }
  return out;
}

TEST(SoftmaxKernel, HandChecked) {
  // Two equal values -> 0.5 each; one row of a single value -> 1.
  auto out = OpRunner(Op::SOFTMAX, beta(1)).input(f32({2, 2}, {3, 3, -1, -1})).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 2}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{0.5f, 0.5f, 0.5f, 0.5f}));
  auto one = OpRunner(Op::SOFTMAX, beta(1)).input(f32({3, 1}, {5, -7, 0})).run();
  EXPECT_EQ(one[0].values<float>(), (std::vector<float>{1, 1, 1}));
  // [0, ln 3]: exp -> [1, 3] / 4.
  auto q = OpRunner(Op::SOFTMAX, beta(1)).input(f32({2}, {0, std::log(3.0f)})).run()[0].values<float>();
  EXPECT_NEAR(q[0], 0.25f, 1e-7);
  EXPECT_NEAR(q[1], 0.75f, 1e-7);
}

TEST(SoftmaxKernel, BetaScalesLogits) {
  // beta 0.5 on [0, 2 ln 3] is softmax of [0, ln 3].
  auto q = OpRunner(Op::SOFTMAX, beta(0.5f)).input(f32({1, 2}, {0, 2 * std::log(3.0f)})).run()[0].values<float>();
  EXPECT_NEAR(q[0], 0.25f, 1e-7);
  EXPECT_NEAR(q[1], 0.75f, 1e-7);
}

TEST(SoftmaxKernel, LargeLogitsAreStable) {
  auto q = OpRunner(Op::SOFTMAX, beta(1)).input(f32({3}, {1000, 1000, -1000})).run()[0].values<float>();
  EXPECT_EQ(q, (std::vector<float>{0.5f, 0.5f, 0}));
}

TEST(SoftmaxKernel, DefaultOptions) {
  auto q = OpRunner(Op::SOFTMAX).input(f32({2}, {1, 1})).run()[0].values<float>();
  EXPECT_EQ(q, (std::vector<float>{0.5f, 0.5f}));
}

TEST(SoftmaxKernel, RandomMatchesNaive) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-8, 8);
  std::uniform_int_distribution<int> dim(1, 7);
  for (int iter = 0; iter < 50; ++iter) {
    std::vector<int32_t> dims(1 + iter % 4);
    int64_t n = 1;
    for (auto& d : dims) n *= (d = dim(rng));
    std::vector<float> x(n);
    for (auto& v : x) v = u(rng);
    const float b = iter % 2 ? 1.0f : 0.3f;
    auto got = OpRunner(Op::SOFTMAX, beta(b)).input(f32(dims, x)).run()[0].values<float>();
    const auto want = naive_softmax(x, dims.back(), b);
    for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-6 * want[i] + 1e-12) << iter;
  }
}

TEST(SoftmaxKernel, EmptyInput) {
  auto out = OpRunner(Op::SOFTMAX, beta(1)).input(f32({0, 3}, {})).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{0, 3}));
  out = OpRunner(Op::SOFTMAX, beta(1)).input(f32({2, 0}, {})).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 0}));
}

TEST(SoftmaxKernel, Errors) {
  EXPECT_THROW(OpRunner(Op::SOFTMAX, beta(1)).input(f32({}, {1})).run(), Error);  // rank 0
  EXPECT_THROW(OpRunner(Op::SOFTMAX, beta(1)).input(i32({2}, {1, 2})).run(), Error);
  EXPECT_THROW(OpRunner(Op::SOFTMAX, beta(1)).input(f32({2}, {1, 2})).output(DType::kInt8).run(), Error);
  EXPECT_THROW(OpRunner(Op::SOFTMAX, beta(1)).input(f32({2}, {1, 2})).input(f32({2}, {1, 2})).run(), Error);
  EXPECT_THROW(OpRunner(Op::SOFTMAX, beta(1)).run(), Error);
  EXPECT_THROW(OpRunner(Op::SOFTMAX, rt::GatherParams{}).input(f32({2}, {1, 2})).run(), Error);
}

}  // namespace
}  // namespace liteq::test
