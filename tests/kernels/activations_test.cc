// LOGISTIC, TANH, RELU, RELU6, RELU_N1_TO_1, LEAKY_RELU, PRELU, HARD_SWISH.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

std::vector<float> run_unary(Op op, const TensorData& in, rt::OpParams params = std::monostate{}) {
  auto out = OpRunner(op, std::move(params)).input(in).run();
  EXPECT_EQ(out[0].dims, in.dims);
  return out[0].values<float>();
}

void expect_near_rel(const std::vector<float>& got, const std::vector<double>& want, double rel) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], rel * std::abs(want[i]) + 1e-30) << "at " << i;
}

TEST(ActivationKernel, Relu) {
  EXPECT_EQ(run_unary(Op::RELU, f32({5}, {-3, -0.5f, 0, 0.5f, 9})), (std::vector<float>{0, 0, 0, 0.5f, 9}));
}

TEST(ActivationKernel, Relu6) {
  EXPECT_EQ(run_unary(Op::RELU6, f32({2, 3}, {-3, -0.5f, 0, 0.5f, 6, 9})), (std::vector<float>{0, 0, 0, 0.5f, 6, 6}));
}

TEST(ActivationKernel, ReluN1To1) {
  EXPECT_EQ(run_unary(Op::RELU_N1_TO_1, f32({5}, {-3, -0.5f, 0, 0.5f, 9})),
            (std::vector<float>{-1, -0.5f, 0, 0.5f, 1}));
}

TEST(ActivationKernel, LeakyRelu) {
  rt::LeakyReluParams p;
  p.alpha = 0.25f;
  EXPECT_EQ(run_unary(Op::LEAKY_RELU, f32({4}, {-4, -1, 0, 3}), p), (std::vector<float>{-1, -0.25f, 0, 3}));
}

TEST(ActivationKernel, HardSwish) {
  // x * relu6(x + 3) / 6
  const auto got = run_unary(Op::HARD_SWISH, f32({7}, {-4, -3, -1, 0, 1, 3, 5}));
  expect_near_rel(got, {0, 0, -1.0 / 3, 0, 2.0 / 3, 3, 5}, 1e-6);
}

TEST(ActivationKernel, Logistic) {
  const std::vector<float> x = {0, 1, -1, 5, -5, 20, -20, 40, -40, -80, -100};
  std::vector<double> want;
  for (float v : x) want.push_back(1.0 / (1.0 + std::exp(-static_cast<double>(v))));
  const auto got = run_unary(Op::LOGISTIC, f32({static_cast<int32_t>(x.size())}, x));
  EXPECT_EQ(got[0], 0.5f);
  // Relative accuracy holds also far in the negative tail (-100 gives a denormal).
  for (size_t i = 0; i < x.size(); ++i) {
    const double tol = want[i] < 1e-37 ? 5e-2 : 1e-6;  // denormals carry fewer bits
    EXPECT_NEAR(got[i], want[i], tol * want[i]) << "x = " << x[i];
  }
}

TEST(ActivationKernel, Tanh) {
  const std::vector<float> x = {0, 0.5f, -0.5f, 2, -2, 10, -10};
  std::vector<double> want;
  for (float v : x) want.push_back(std::tanh(static_cast<double>(v)));
  expect_near_rel(run_unary(Op::TANH, f32({7}, x)), want, 1e-6);
}

TEST(ActivationKernel, RandomUnaryMatchesFormula) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-10, 10);
  std::vector<float> x(1000);
  for (auto& v : x) v = u(rng);
  const auto in = f32({10, 100}, x);
  const auto sig = run_unary(Op::LOGISTIC, in);
  const auto th = run_unary(Op::TANH, in);
  const auto hs = run_unary(Op::HARD_SWISH, in);
  for (size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    EXPECT_NEAR(sig[i], 1 / (1 + std::exp(-v)), 1e-6 / (1 + std::exp(-v)));
    EXPECT_NEAR(th[i], std::tanh(v), 1e-6 * std::abs(std::tanh(v)) + 1e-7);
    EXPECT_NEAR(hs[i], v * std::min(6.0, std::max(0.0, v + 3)) / 6, 1e-5);
  }
}

TEST(ActivationKernel, EmptyInput) {
  EXPECT_TRUE(run_unary(Op::TANH, f32({0, 4}, {})).empty());
  EXPECT_TRUE(run_unary(Op::RELU, f32({3, 0}, {})).empty());
}

TEST(ActivationKernel, PreluPerChannel) {
  // x [1,2,2,2], alpha [2] (per channel): out = x >= 0 ? x : alpha * x
  auto out = OpRunner(Op::PRELU)
                 .input(f32({1, 2, 2, 2}, {-1, -1, 2, 2, -4, 4, 0, -8}))
                 .input(f32({2}, {0.5f, 0.25f}), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 2, 2, 2}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{-0.5f, -0.25f, 2, 2, -2, 4, 0, -2}));
}

TEST(ActivationKernel, PreluBroadcastShapes) {
  // alpha [1,1,2] against x [2,2]: output [1,2,2].
  auto out = OpRunner(Op::PRELU).input(f32({2, 2}, {-1, -2, 3, -4})).input(f32({1, 1, 2}, {2, 3}), true).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 2, 2}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{-2, -6, 3, -12}));
  // Scalar alpha, non-constant.
  auto s = OpRunner(Op::PRELU).input(f32({3}, {-1, 0, 1})).input(f32({}, {0.1f})).run();
  EXPECT_EQ(s[0].values<float>(), (std::vector<float>{-0.1f, 0, 1}));
}

TEST(ActivationKernel, ErrorWrongInputCount) {
  EXPECT_THROW(OpRunner(Op::RELU).input(f32({1}, {1})).input(f32({1}, {1})).run(), Error);
  EXPECT_THROW(OpRunner(Op::LOGISTIC).run(), Error);
  EXPECT_THROW(OpRunner(Op::PRELU).input(f32({1}, {1})).run(), Error);
}

TEST(ActivationKernel, ErrorWrongType) {
  for (Op op : {Op::LOGISTIC, Op::TANH, Op::RELU, Op::RELU6, Op::RELU_N1_TO_1, Op::HARD_SWISH}) {
    EXPECT_THROW(OpRunner(op).input(make_tensor<int8_t>({2}, {1, 2})).run(), Error);
    EXPECT_THROW(OpRunner(op).input(f32({2}, {1, 2})).output(DType::kInt32).run(), Error);
  }
  EXPECT_THROW(OpRunner(Op::LEAKY_RELU, rt::LeakyReluParams{}).input(i32({1}, {1})).run(), Error);
  EXPECT_THROW(OpRunner(Op::PRELU).input(f32({2}, {1, 2})).input(i32({1}, {1})).run(), Error);
}

TEST(ActivationKernel, ErrorPreluAlphaShape) {
  EXPECT_THROW(OpRunner(Op::PRELU).input(f32({2, 3}, {1, 2, 3, 4, 5, 6})).input(f32({2}, {1, 2})).run(), Error);
}

TEST(ActivationKernel, ErrorLeakyReluWrongOptions) {
  EXPECT_THROW(OpRunner(Op::LEAKY_RELU, rt::SoftmaxParams{}).input(f32({1}, {1})).run(), Error);
}

}  // namespace
}  // namespace liteq::test
