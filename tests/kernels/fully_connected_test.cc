// FULLY_CONNECTED: hand-checked cases, a float64 reference on random shapes, errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "kernels/op_runner.h"

namespace liteq {
namespace {

using test::f32;
using test::OpRunner;

rt::FullyConnectedParams fc_params(rt::Activation act = rt::Activation::kNone, bool keep_num_dims = false) {
  rt::FullyConnectedParams p;
  p.activation = act;
  p.keep_num_dims = keep_num_dims;
  return p;
}

TEST(FullyConnectedTest, HandChecked) {
  // input [[1, 2, 3], [-1, 0, 1]], weights [[1, 0, -1], [2, 2, 2]], bias [10, 0]:
  // row 0: 1 - 3 + 10 = 8, 2 + 4 + 6 = 12; row 1: -1 - 1 + 10 = 8, -2 + 0 + 2 = 0.
  auto out = OpRunner(Op::FULLY_CONNECTED, fc_params())
                 .input(f32({2, 3}, {1, 2, 3, -1, 0, 1}))
                 .input(f32({2, 3}, {1, 0, -1, 2, 2, 2}), true)
                 .input(f32({2}, {10, 0}), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 2}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{8, 12, 8, 0}));
}

TEST(FullyConnectedTest, FlattensInputAndActivation) {
  // [1, 2, 2] input of 4 elements with input_size 2 -> batch 2: rows [1, -2], [3, 4].
  // weights [[1, 1]] -> [-1, 7]; RELU -> [0, 7].
  auto out = OpRunner(Op::FULLY_CONNECTED, fc_params(rt::Activation::kRelu))
                 .input(f32({1, 2, 2}, {1, -2, 3, 4}))
                 .input(f32({1, 2}, {1, 1}), true)
                 .absent_input()
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 1}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{0, 7}));
}

TEST(FullyConnectedTest, KeepNumDims) {
  // [1, 2, 2] input, weights [[1, 1], [1, -1], [0, 2]] -> shape [1, 2, 3]:
  // [1, -2] -> [-1, 3, -4]; [3, 4] -> [7, -1, 8]. RELU_N1_TO_1 clamps.
  auto out = OpRunner(Op::FULLY_CONNECTED, fc_params(rt::Activation::kReluN1To1, true))
                 .input(f32({1, 2, 2}, {1, -2, 3, 4}))
                 .input(f32({3, 2}, {1, 1, 1, -1, 0, 2}), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{-1, 1, -1, 1, -1, 1}));
}

double clamp_act(double x, rt::Activation a) {
  switch (a) {
    case rt::Activation::kRelu: return std::max(x, 0.0);
    case rt::Activation::kRelu6: return std::min(std::max(x, 0.0), 6.0);
    case rt::Activation::kReluN1To1: return std::min(std::max(x, -1.0), 1.0);
    default: return x;
  }
}

TEST(FullyConnectedTest, MatchesFloat64ReferenceOnRandomShapes) {
  std::mt19937 rng(7);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::uniform_real_distribution<float> val(-2, 2);
  auto rand_vec = [&](size_t n) {
    std::vector<float> v(n);
    for (auto& x : v) x = val(rng);
    return v;
  };
  const rt::Activation acts[] = {rt::Activation::kNone, rt::Activation::kRelu, rt::Activation::kRelu6,
                                 rt::Activation::kReluN1To1};
  for (int iter = 0; iter < 200; ++iter) {
    const int batch = pick(1, 7), depth = pick(1, 37), units = pick(1, 11);
    const bool keep = pick(0, 1), with_bias = pick(0, 1);
    const auto p = fc_params(acts[pick(0, 3)], keep);
    // Input shape: [a, b, depth] with a * b = batch, or [batch * depth] flattened.
    std::vector<int32_t> in_dims;
    if (keep || pick(0, 1)) {
      in_dims = {batch, 1, depth};
    } else {
      in_dims = {batch * depth};
    }
    const auto in = rand_vec(size_t(batch) * depth), w = rand_vec(size_t(units) * depth), bias = rand_vec(units);
    OpRunner runner(Op::FULLY_CONNECTED, p);
    runner.input(f32(in_dims, in)).input(f32({units, depth}, w), true);
    if (with_bias) runner.input(f32({units}, bias), true);
    const auto out = runner.run();
    const std::vector<int32_t> want_dims =
        keep ? std::vector<int32_t>{batch, 1, units} : std::vector<int32_t>{batch, units};
    ASSERT_EQ(out[0].dims, want_dims);
    const auto got = out[0].values<float>();
    for (int b = 0; b < batch; ++b)
      for (int u = 0; u < units; ++u) {
        double s = with_bias ? bias[u] : 0, mag = with_bias ? std::abs(bias[u]) : 0;
        for (int d = 0; d < depth; ++d) {
          const double t = double(in[b * depth + d]) * double(w[u * depth + d]);
          s += t;
          mag += std::abs(t);
        }
        ASSERT_NEAR(got[b * units + u], clamp_act(s, p.activation), 1e-5 * mag + 1e-6) << "iteration " << iter;
      }
  }
}

OpRunner good_fc(rt::FullyConnectedParams p = fc_params()) {
  OpRunner r(Op::FULLY_CONNECTED, p);
  r.input(f32({2, 3}, {1, 2, 3, 4, 5, 6})).input(f32({4, 3}, std::vector<float>(12, 1)), true);
  return r;
}

TEST(FullyConnectedTest, GoodConfigurationRuns) { EXPECT_NO_THROW(good_fc().run()); }

TEST(FullyConnectedTest, RejectsWrongInputCount) {
  EXPECT_THROW(OpRunner(Op::FULLY_CONNECTED, fc_params()).input(f32({2, 3}, {1, 2, 3, 4, 5, 6})).run(), Error);
  EXPECT_THROW(good_fc().input(f32({4}, {1, 2, 3, 4}), true).input(f32({4}, {1, 2, 3, 4}), true).run(), Error);
}

TEST(FullyConnectedTest, RejectsWrongDtype) {
  EXPECT_THROW(good_fc().output(DType::kInt8).run(), Error);
  EXPECT_THROW(good_fc().input(test::i32({4}, {1, 2, 3, 4}), true).run(), Error);
  EXPECT_THROW(OpRunner(Op::FULLY_CONNECTED, fc_params())
                   .input(f32({2, 3}, {1, 2, 3, 4, 5, 6}))
                   .input(test::make_tensor<int8_t>({4, 3}, std::vector<int8_t>(12, 1)), true)
                   .output(DType::kFloat32)
                   .run(),
               Error);
}

TEST(FullyConnectedTest, RejectsMismatchedShapes) {
  // 7 elements do not split into rows of 3.
  EXPECT_THROW(OpRunner(Op::FULLY_CONNECTED, fc_params())
                   .input(f32({7}, std::vector<float>(7, 1)))
                   .input(f32({4, 3}, std::vector<float>(12, 1)), true)
                   .run(),
               Error);
  // keep_num_dims needs the last dim to be the input size.
  EXPECT_THROW(OpRunner(Op::FULLY_CONNECTED, fc_params(rt::Activation::kNone, true))
                   .input(f32({3, 2}, std::vector<float>(6, 1)))
                   .input(f32({4, 3}, std::vector<float>(12, 1)), true)
                   .run(),
               Error);
  EXPECT_THROW(good_fc().input(f32({3}, {1, 2, 3}), true).run(), Error);  // bias size
  EXPECT_THROW(OpRunner(Op::FULLY_CONNECTED, fc_params())
                   .input(f32({2, 3}, {1, 2, 3, 4, 5, 6}))
                   .input(f32({12}, std::vector<float>(12, 1)), true)
                   .run(),
               Error);  // weights not 2-D
  EXPECT_THROW(OpRunner(Op::FULLY_CONNECTED, fc_params())
                   .input(f32({2, 0}, {}))
                   .input(f32({4, 0}, {}), true)
                   .run(),
               Error);  // input size 0
}

TEST(FullyConnectedTest, RejectsBadParameters) {
  auto p = fc_params();
  p.weights_format = 1;  // SHUFFLED4x16INT8
  EXPECT_THROW(good_fc(p).run(), Error);
  EXPECT_THROW(good_fc(fc_params(rt::Activation::kTanh)).run(), Error);
  EXPECT_THROW(OpRunner(Op::FULLY_CONNECTED, rt::ConvParams{})
                   .input(f32({2, 3}, {1, 2, 3, 4, 5, 6}))
                   .input(f32({4, 3}, std::vector<float>(12, 1)), true)
                   .run(),
               Error);
}

}  // namespace
}  // namespace liteq
