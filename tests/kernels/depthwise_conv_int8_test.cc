// DEPTHWISE_CONV_2D, quantized (int8, 16x8) and hybrid: hand-checked cases and error
// cases. Bit-exactness against official TFLite: tests/conformance/quantized_ops_test.cc.
#include <gtest/gtest.h>

#include "kernels/op_runner.h"

namespace liteq {
namespace {

using test::f32;
using test::OpRunner;
using test::qp;
using test::qt;
using test::TensorData;

rt::DepthwiseConvParams params(rt::Padding pad = rt::Padding::kValid, int multiplier = 1,
                               rt::Activation act = rt::Activation::kNone) {
  rt::DepthwiseConvParams p;
  p.padding = pad;
  p.depth_multiplier = multiplier;
  p.activation = act;
  return p;
}

TEST(DepthwiseConvInt8Test, MultiplierTwoPerChannel) {
  // One pixel, 2 input channels q = [4, -6] (scale 0.5, zero point -2 -> real [3, -2]),
  // 1x1 filter, multiplier 2: out channels (c0 m0, c0 m1, c1 m0, c1 m1) with weights
  // [1, 2, 3, -1] and scales [0.5, 0.25, 1, 0.5]; bias [0, 4, -8, 0] at input x weight scale.
  //   oc0: (4+2)*1 = 6 + 0 -> 6 * 0.25 = 1.5      oc1: 6*2 = 12 + 4 = 16 -> 16 * 0.125 = 2
  //   oc2: (-6+2)*3 = -12 - 8 = -20 -> -20 * 0.5 = -10   oc3: -4*-1 = 4 -> 4 * 0.25 = 1
  // Output scale 0.5, zero point 1: [4, 5, -19, 3].
  auto out = OpRunner(Op::DEPTHWISE_CONV_2D, params(rt::Padding::kValid, 2))
                 .input(qt<int8_t>({1, 1, 1, 2}, {4, -6}, qp({0.5f}, {-2})))
                 .input(qt<int8_t>({1, 1, 1, 4}, {1, 2, 3, -1}, qp({0.5f, 0.25f, 1.0f, 0.5f}, {0, 0, 0, 0}, 3)), true)
                 .input(qt<int32_t>({4}, {0, 4, -8, 0}, qp({0.25f, 0.125f, 0.5f, 0.25f}, {0, 0, 0, 0})), true)
                 .output(DType::kInt8, qp({0.5f}, {1}))
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 1, 1, 4}));
  EXPECT_EQ(out[0].values<int8_t>(), (std::vector<int8_t>{4, 5, -19, 3}));
}

TEST(DepthwiseConvInt8Test, NegativeTiesRoundAwayFromZero) {
  // acc = -10 times 0.25 = -2.5: TFLite's depthwise kernels round away from zero: -3
  // (unlike its gemm-based CONV_2D).
  auto out = OpRunner(Op::DEPTHWISE_CONV_2D, params())
                 .input(qt<int8_t>({1, 1, 1, 1}, {-10}, qp({1.0f}, {0})))
                 .input(qt<int8_t>({1, 1, 1, 1}, {1}, qp({0.25f}, {0}, 3)), true)
                 .input(qt<int32_t>({1}, {0}, qp({0.25f}, {0})), true)
                 .output(DType::kInt8, qp({1.0f}, {0}))
                 .run();
  EXPECT_EQ(out[0].values<int8_t>(), (std::vector<int8_t>{-3}));
}

TEST(DepthwiseConvInt8Test, SamePaddingAndRelu) {
  // 1x3 row q = [3, 13, 3], zero point 3 -> real [0, 10, 0]; filter [1 -1 1] scale 1,
  // SAME (one padded tap each side, real 0): [10, -10, 10]; relu takes -10 to 0, i.e.
  // the zero point 3.
  rt::DepthwiseConvParams p = params(rt::Padding::kSame, 1, rt::Activation::kRelu);
  auto out = OpRunner(Op::DEPTHWISE_CONV_2D, p)
                 .input(qt<int8_t>({1, 1, 3, 1}, {3, 13, 3}, qp({1.0f}, {3})))
                 .input(qt<int8_t>({1, 1, 3, 1}, {1, -1, 1}, qp({1.0f}, {0}, 3)), true)
                 .input(qt<int32_t>({1}, {0}, qp({1.0f}, {0})), true)
                 .output(DType::kInt8, qp({1.0f}, {3}))
                 .run();
  EXPECT_EQ(out[0].values<int8_t>(), (std::vector<int8_t>{13, 3, 13}));
}

TEST(DepthwiseConvInt8Test, Int16x8WithAndWithoutBias) {
  auto run = [](bool bias) {
    OpRunner r(Op::DEPTHWISE_CONV_2D, params());
    r.input(qt<int16_t>({1, 1, 1, 2}, {1000, -3000}, qp({1e-3f}, {0})))
        .input(qt<int8_t>({1, 1, 1, 2}, {10, 20}, qp({1e-2f, 2e-2f}, {0, 0}, 3)), true);
    if (bias) r.input(qt<int64_t>({2}, {5000, 0}, qp({1e-5f, 2e-5f}, {0, 0})), true);
    return r.output(DType::kInt16, qp({1e-3f}, {0})).run()[0].values<int16_t>();
  };
  // oc0: 1000*10 = 10000 (+5000) at 1e-5 -> 0.1 (0.15) -> 100 (150); oc1: -60000 at 2e-5 -> -1.2 -> -1200.
  EXPECT_EQ(run(false), (std::vector<int16_t>{100, -1200}));
  EXPECT_EQ(run(true), (std::vector<int16_t>{150, -1200}));
}

TEST(DepthwiseConvInt8Test, Hybrid) {
  // Two channels, 1x2 filter; float input quantized asymmetrically per batch.
  auto out = OpRunner(Op::DEPTHWISE_CONV_2D, params())
                 .input(f32({1, 1, 2, 2}, {1.0f, -0.5f, 0.25f, 2.0f}))
                 .input(qt<int8_t>({1, 1, 2, 2}, {100, 50, -100, 25}, qp({0.01f, 0.04f}, {0, 0}, 3)), true)
                 .input(f32({2}, {0.1f, -0.1f}), true)
                 .run();
  const auto v = out[0].values<float>();
  ASSERT_EQ(v.size(), 2u);
  EXPECT_NEAR(v[0], 1.0 * 1.0 + 0.25 * -1.0 + 0.1, 0.02);
  EXPECT_NEAR(v[1], -0.5 * 2.0 + 2.0 * 1.0 - 0.1, 0.03);
}

TEST(DepthwiseConvInt8Test, Rejects) {
  auto int16_bias32 = OpRunner(Op::DEPTHWISE_CONV_2D, params())
                          .input(qt<int16_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {0})))
                          .input(qt<int8_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {0}, 3)), true)
                          .input(qt<int32_t>({1}, {0}, qp({1.0f}, {0})), true)
                          .output(DType::kInt16, qp({1.0f}, {0}));
  EXPECT_THROW(int16_bias32.run(), Error);  // TFLite 2.9 wants int64 bias with int16
  // per-axis scales along dimension 0 (size 1) instead of 3
  EXPECT_THROW(OpRunner(Op::DEPTHWISE_CONV_2D, params())
                   .input(qt<int8_t>({1, 1, 1, 2}, {1, 2}, qp({1.0f}, {0})))
                   .input(qt<int8_t>({1, 1, 1, 2}, {1, 1}, qp({1.0f, 0.5f}, {0, 0}, 0)), true)
                   .input(qt<int32_t>({2}, {0, 0}, qp({1.0f}, {0})), true)
                   .output(DType::kInt8, qp({1.0f}, {0}))
                   .run(),
               Error);
  // hybrid with one weight scale for two channels: TFLite requires per-channel scales
  EXPECT_THROW(OpRunner(Op::DEPTHWISE_CONV_2D, params())
                   .input(f32({1, 1, 1, 2}, {1, 2}))
                   .input(qt<int8_t>({1, 1, 1, 2}, {1, 1}, qp({1.0f}, {0}, 3)), true)
                   .input(f32({2}, {0, 0}), true)
                   .run(),
               Error);
  // weights not symmetric
  EXPECT_THROW(OpRunner(Op::DEPTHWISE_CONV_2D, params())
                   .input(qt<int8_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {0})))
                   .input(qt<int8_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {2}, 3)), true)
                   .input(qt<int32_t>({1}, {0}, qp({1.0f}, {0})), true)
                   .output(DType::kInt8, qp({1.0f}, {0}))
                   .run(),
               Error);
  // output type differs from input type
  EXPECT_THROW(OpRunner(Op::DEPTHWISE_CONV_2D, params())
                   .input(qt<int8_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {0})))
                   .input(qt<int8_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {0}, 3)), true)
                   .input(qt<int32_t>({1}, {0}, qp({1.0f}, {0})), true)
                   .output(DType::kInt16, qp({1.0f}, {0}))
                   .run(),
               Error);
}

}  // namespace
}  // namespace liteq
