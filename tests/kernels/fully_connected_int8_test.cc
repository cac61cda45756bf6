// FULLY_CONNECTED, quantized (int8, 16x8) and hybrid: hand-checked cases and error
// cases. Bit-exactness against official TFLite: tests/conformance/quantized_ops_test.cc.
#include <gtest/gtest.h>

#include <optional>

#include "kernels/op_runner.h"

namespace liteq {
namespace {

using test::f32;
using test::OpRunner;
using test::qp;
using test::qt;
using test::TensorData;

rt::FullyConnectedParams fc(rt::Activation act = rt::Activation::kNone, bool keep = false, bool asym = false) {
  rt::FullyConnectedParams p;
  p.activation = act;
  p.keep_num_dims = keep;
  p.asymmetric_quantize_inputs = asym;
  return p;
}

// Input q = [1, 2, 3] (scale 0.5, zero point -1 -> [2, 3, 4] steps); weights
// [[1, 0, -1], [2, 2, 2]] (scale 0.5); bias [0, 4] (scale 0.25):
//   unit 0: 2 - 4 = -2 -> -0.5 real; unit 1: 2 * 9 + 4 = 22 -> 5.5 real.
// Output scale 0.25, zero point 3: [1, 25].
OpRunner int8_fc(std::vector<int32_t> in_dims, std::vector<int8_t> in, rt::FullyConnectedParams p = fc()) {
  OpRunner r(Op::FULLY_CONNECTED, p);
  r.input(qt<int8_t>(std::move(in_dims), in, qp({0.5f}, {-1})))
      .input(qt<int8_t>({2, 3}, {1, 0, -1, 2, 2, 2}, qp({0.5f}, {0})), true)
      .input(qt<int32_t>({2}, {0, 4}, qp({0.25f}, {0})), true)
      .output(DType::kInt8, qp({0.25f}, {3}));
  return r;
}

TEST(FullyConnectedInt8Test, Basic) {
  auto out = int8_fc({1, 3}, {1, 2, 3}).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(out[0].values<int8_t>(), (std::vector<int8_t>{1, 25}));
}

TEST(FullyConnectedInt8Test, KeepNumDimsAndBatches) {
  // Second row q = [-1, -1, -1] (real 0): bias only -> [3, 4 * 0.25 / 0.25 + 3] = [3, 7].
  auto out = int8_fc({2, 1, 3}, {1, 2, 3, -1, -1, -1}, fc(rt::Activation::kNone, true)).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 1, 2}));
  EXPECT_EQ(out[0].values<int8_t>(), (std::vector<int8_t>{1, 25, 3, 7}));
  auto flat = int8_fc({2, 1, 3}, {1, 2, 3, -1, -1, -1}).run();
  EXPECT_EQ(flat[0].dims, (std::vector<int32_t>{2, 2}));
}

TEST(FullyConnectedInt8Test, Relu) {
  EXPECT_EQ(int8_fc({1, 3}, {1, 2, 3}, fc(rt::Activation::kRelu)).run()[0].values<int8_t>(),
            (std::vector<int8_t>{3, 25}));
}

TEST(FullyConnectedInt8Test, RuntimeWeights) {
  // Weights that are not constant: the zero-point term is computed at eval.
  auto out = OpRunner(Op::FULLY_CONNECTED, fc())
                 .input(qt<int8_t>({1, 3}, {1, 2, 3}, qp({0.5f}, {-1})))
                 .input(qt<int8_t>({2, 3}, {1, 0, -1, 2, 2, 2}, qp({0.5f}, {0})))
                 .input(qt<int32_t>({2}, {0, 4}, qp({0.25f}, {0})))
                 .output(DType::kInt8, qp({0.25f}, {3}))
                 .run();
  EXPECT_EQ(out[0].values<int8_t>(), (std::vector<int8_t>{1, 25}));
}

TEST(FullyConnectedInt8Test, Int16x8) {
  // [1000, 2000] (1e-3) x [[3, -4]] (1e-2) = 3000 - 8000 = -5000 at 1e-5 -> -0.05
  // (+ bias 1500 -> -0.035); output scale 1e-4: -500 / -350.
  auto run = [](std::optional<TensorData> bias) {
    OpRunner r(Op::FULLY_CONNECTED, fc());
    r.input(qt<int16_t>({1, 2}, {1000, 2000}, qp({1e-3f}, {0})))
        .input(qt<int8_t>({1, 2}, {3, -4}, qp({1e-2f}, {0})), true);
    if (bias) r.input(std::move(*bias), true);
    return r.output(DType::kInt16, qp({1e-4f}, {0})).run()[0].values<int16_t>();
  };
  EXPECT_EQ(run(std::nullopt), (std::vector<int16_t>{-500}));
  EXPECT_EQ(run(qt<int64_t>({1}, {1500}, qp({1e-5f}, {0}))), (std::vector<int16_t>{-350}));
  EXPECT_EQ(run(qt<int32_t>({1}, {1500}, qp({1e-5f}, {0}))), (std::vector<int16_t>{-350}));
}

TEST(FullyConnectedInt8Test, HybridSymmetric) {
  // [1.27, -0.25]: scale 1.27 / 127 = 0.01, q = [127, -25]; weights [[100, 50]] at
  // 0.01: dot 12700 - 1250 = 11450 -> 11450 * 1e-4 = 1.145; bias 0.5.
  auto out = OpRunner(Op::FULLY_CONNECTED, fc())
                 .input(f32({1, 2}, {1.27f, -0.25f}))
                 .input(qt<int8_t>({1, 2}, {100, 50}, qp({0.01f}, {0})), true)
                 .input(f32({1}, {0.5f}), true)
                 .run();
  EXPECT_NEAR(out[0].values<float>()[0], 1.645, 1e-5);
}

TEST(FullyConnectedInt8Test, HybridAsymmetric) {
  // [0, 2.55]: range [0, 2.55] -> scale 0.01, zero point -128, q = [-128, 127];
  // weights [[2, 1]] at 0.1: (2 * -128 + 127) - 3 * -128 = 255 -> 255 * 1e-3 = 0.255.
  auto out = OpRunner(Op::FULLY_CONNECTED, fc(rt::Activation::kNone, false, true))
                 .input(f32({1, 2}, {0.0f, 2.55f}))
                 .input(qt<int8_t>({1, 2}, {2, 1}, qp({0.1f}, {0})), true)
                 .run();
  EXPECT_NEAR(out[0].values<float>()[0], 0.255, 1e-5);
}

TEST(FullyConnectedInt8Test, HybridRuntimeWeightsMatchConstantOnes) {
  // Asymmetric: the weight sums are computed at eval when the weights are not constant.
  auto run = [](bool constant) {
    return OpRunner(Op::FULLY_CONNECTED, fc(rt::Activation::kNone, false, true))
        .input(f32({2, 3}, {0.5f, -1.5f, 2.0f, 0.1f, 0.2f, 0.3f}))
        .input(qt<int8_t>({2, 3}, {10, -20, 30, 127, -127, 5}, qp({0.05f}, {0})), constant)
        .input(f32({2}, {0.25f, -0.25f}), constant)
        .run()[0]
        .values<float>();
  };
  const auto a = run(true), b = run(false);
  EXPECT_EQ(a, b);
  EXPECT_NEAR(a[0], 0.5 * 0.5 + -1.5 * -1.0 + 2.0 * 1.5 + 0.25, 0.02);
}

TEST(FullyConnectedInt8Test, HybridZeroInputGivesActivatedBias) {
  auto out = OpRunner(Op::FULLY_CONNECTED, fc(rt::Activation::kRelu6))
                 .input(f32({2, 2}, {0, 0, 0, 0}))
                 .input(qt<int8_t>({2, 2}, {1, 2, 3, 4}, qp({0.1f}, {0})), true)
                 .input(f32({2}, {-1.0f, 7.0f}), true)
                 .run();
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{0, 6, 0, 6}));
}

TEST(FullyConnectedInt8Test, Rejects) {
  // per-channel weights (TFLite 2.9 reads a per-tensor scale, 0 for them)
  EXPECT_THROW(OpRunner(Op::FULLY_CONNECTED, fc())
                   .input(qt<int8_t>({1, 2}, {1, 2}, qp({1.0f}, {0})))
                   .input(qt<int8_t>({2, 2}, {1, 2, 3, 4}, qp({1.0f, 0.5f}, {0, 0})), true)
                   .output(DType::kInt8, qp({1.0f}, {0}))
                   .run(),
               Error);
  EXPECT_THROW(OpRunner(Op::FULLY_CONNECTED, fc())
                   .input(f32({1, 2}, {1, 2}))
                   .input(qt<int8_t>({2, 2}, {1, 2, 3, 4}, qp({1.0f, 0.5f}, {0, 0})), true)
                   .run(),
               Error);
  // bias scale far from input x weight scale (TFLite: within 2% of the output scale)
  auto with_bias = [](TensorData bias) {
    return OpRunner(Op::FULLY_CONNECTED, fc())
        .input(qt<int8_t>({1, 2}, {1, 2}, qp({0.5f}, {0})))
        .input(qt<int8_t>({1, 2}, {1, 2}, qp({0.5f}, {0})), true)
        .input(std::move(bias), true)
        .output(DType::kInt8, qp({1.0f}, {0}));
  };
  EXPECT_NO_THROW(with_bias(qt<int32_t>({1}, {1}, qp({0.25f}, {0}))).run());
  EXPECT_NO_THROW(with_bias(qt<int32_t>({1}, {1}, qp({0.26f}, {0}))).run());   // 1% off
  EXPECT_THROW(with_bias(qt<int32_t>({1}, {1}, qp({0.5f}, {0}))).run(), Error);
  EXPECT_THROW(with_bias(qt<int32_t>({1}, {1}, qp({}, {}))).run(), Error);     // scale 0
  EXPECT_THROW(with_bias(qt<int64_t>({1}, {1}, qp({0.25f}, {0}))).run(), Error);  // int64 with int8
  EXPECT_THROW(with_bias(qt<int32_t>({2}, {1, 1}, qp({0.25f}, {0}))).run(), Error);
  // weights zero point, int16 zero points, mixed types
  EXPECT_THROW(OpRunner(Op::FULLY_CONNECTED, fc())
                   .input(qt<int8_t>({1, 2}, {1, 2}, qp({0.5f}, {0})))
                   .input(qt<int8_t>({1, 2}, {1, 2}, qp({0.5f}, {1})), true)
                   .output(DType::kInt8, qp({1.0f}, {0}))
                   .run(),
               Error);
  EXPECT_THROW(OpRunner(Op::FULLY_CONNECTED, fc())
                   .input(qt<int16_t>({1, 2}, {1, 2}, qp({0.5f}, {0})))
                   .input(qt<int8_t>({1, 2}, {1, 2}, qp({0.5f}, {0})), true)
                   .output(DType::kInt16, qp({1.0f}, {4}))
                   .run(),
               Error);
  EXPECT_THROW(OpRunner(Op::FULLY_CONNECTED, fc())
                   .input(qt<int8_t>({1, 2}, {1, 2}, qp({0.5f}, {0})))
                   .input(qt<int8_t>({1, 2}, {1, 2}, qp({0.5f}, {0})), true)
                   .output(DType::kInt16, qp({1.0f}, {0}))
                   .run(),
               Error);
  // hybrid with int32 bias
  EXPECT_THROW(OpRunner(Op::FULLY_CONNECTED, fc())
                   .input(f32({1, 2}, {1, 2}))
                   .input(qt<int8_t>({1, 2}, {1, 2}, qp({0.5f}, {0})), true)
                   .input(qt<int32_t>({1}, {1}, qp({0.5f}, {0})), true)
                   .run(),
               Error);
}

}  // namespace
}  // namespace liteq
