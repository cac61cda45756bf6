// CONV_2D, quantized (int8, 16x8) and hybrid: hand-checked cases and error cases.
// Bit-exactness against official TFLite over random shapes is in
// tests/conformance/quantized_ops_test.cc.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "kernels/op_runner.h"

namespace liteq {
namespace {

using test::f32;
using test::OpRunner;
using test::qp;
using test::qt;
using test::TensorData;

rt::ConvParams valid(rt::Activation act = rt::Activation::kNone) {
  rt::ConvParams p;
  p.padding = rt::Padding::kValid;
  p.activation = act;
  return p;
}

// Input 2x2x1 q = [10 20; 30 40] (scale 0.5, zero point 2); two 2x2 filters:
//   oc0 [1 2; 3 4] scale 0.25, bias 8 (scale 0.125):
//       acc = 8*1 + 18*2 + 28*3 + 38*4 + 8 = 288 -> 36.0 real -> 72 steps of 0.5 -> 62 with zp -10
//   oc1 [1 1; 1 1] scale 0.5,  bias 4 (scale 0.25):
//       acc = 8 + 18 + 28 + 38 + 4 = 96 -> 24.0 real -> 48 steps -> 38 with zp -10
OpRunner int8_conv(rt::Activation act = rt::Activation::kNone) {
  OpRunner r(Op::CONV_2D, valid(act));
  r.input(qt<int8_t>({1, 2, 2, 1}, {10, 20, 30, 40}, qp({0.5f}, {2})))
      .input(qt<int8_t>({2, 2, 2, 1}, {1, 2, 3, 4, 1, 1, 1, 1}, qp({0.25f, 0.5f}, {0, 0})), true)
      .input(qt<int32_t>({2}, {8, 4}, qp({0.125f, 0.25f}, {0, 0})), true)
      .output(DType::kInt8, qp({0.5f}, {-10}));
  return r;
}

TEST(ConvInt8Test, PerChannel) {
  auto out = int8_conv().run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 1, 1, 2}));
  EXPECT_EQ(out[0].values<int8_t>(), (std::vector<int8_t>{62, 38}));
}

TEST(ConvInt8Test, ActivationsClampInTheQuantizedDomain) {
  // relu6 at scale 0.5, zero point -10: [-10, -10 + 12] = [-10, 2].
  EXPECT_EQ(int8_conv(rt::Activation::kRelu6).run()[0].values<int8_t>(), (std::vector<int8_t>{2, 2}));
  // relu_n1_to_1: [-12, -8].
  EXPECT_EQ(int8_conv(rt::Activation::kReluN1To1).run()[0].values<int8_t>(), (std::vector<int8_t>{-8, -8}));
  EXPECT_EQ(int8_conv(rt::Activation::kRelu).run()[0].values<int8_t>(), (std::vector<int8_t>{62, 38}));
}

TEST(ConvInt8Test, SamePaddingUsesTheZeroPoint) {
  // 1x3 input [5 5 5] with zero point 5 (all real 0) plus a pixel of 7 in the middle;
  // 1x3 filter of ones, SAME: the padded taps are real 0, not q = 0.
  rt::ConvParams p;
  p.padding = rt::Padding::kSame;
  auto out = OpRunner(Op::CONV_2D, p)
                 .input(qt<int8_t>({1, 1, 3, 1}, {5, 7, 5}, qp({1.0f}, {5})))
                 .input(qt<int8_t>({1, 1, 3, 1}, {1, 1, 1}, qp({1.0f}, {0})), true)
                 .input(qt<int32_t>({1}, {0}, qp({1.0f}, {0})), true)
                 .output(DType::kInt8, qp({1.0f}, {0}))
                 .run();
  EXPECT_EQ(out[0].values<int8_t>(), (std::vector<int8_t>{2, 2, 2}));
}

TEST(ConvInt8Test, NegativeTiesRoundUpAsTFLitesGemm) {
  // acc = -10 times 0.25 = -2.5. TFLite 2.9 runs int8 CONV_2D through ruy, whose x86
  // kernels round the final shift's ties up: -2 (its reference kernel would give -3).
  auto out = OpRunner(Op::CONV_2D, valid())
                 .input(qt<int8_t>({1, 1, 1, 1}, {-10}, qp({1.0f}, {0})))
                 .input(qt<int8_t>({1, 1, 1, 1}, {1}, qp({0.25f}, {0})), true)
                 .input(qt<int32_t>({1}, {0}, qp({0.25f}, {0})), true)
                 .output(DType::kInt8, qp({1.0f}, {0}))
                 .run();
  EXPECT_EQ(out[0].values<int8_t>(), (std::vector<int8_t>{-2}));
}

TEST(ConvInt8Test, Int16x8) {
  // 1x1 conv of [1000, -2000] (scale 1e-3) with [3, 5] (scale 1e-2), int64 bias 100000
  // (scale 1e-5): acc = 3000 - 10000 + 100000 = 93000 -> 0.93 real -> 9300 at 1e-4.
  auto run = [](TensorData bias) {
    return OpRunner(Op::CONV_2D, valid())
        .input(qt<int16_t>({1, 1, 1, 2}, {1000, -2000}, qp({1e-3f}, {0})))
        .input(qt<int8_t>({1, 1, 1, 2}, {3, 5}, qp({1e-2f}, {0})), true)
        .input(std::move(bias), true)
        .output(DType::kInt16, qp({1e-4f}, {0}))
        .run()[0]
        .values<int16_t>();
  };
  EXPECT_EQ(run(qt<int64_t>({1}, {100000}, qp({1e-5f}, {0}))), (std::vector<int16_t>{9300}));
  EXPECT_EQ(run(qt<int32_t>({1}, {100000}, qp({1e-5f}, {0}))), (std::vector<int16_t>{9300}));
}

TEST(ConvInt8Test, HybridPerChannel) {
  // Float input, int8 weights with two different scales: the input is quantized
  // asymmetrically (range [-1, 2]); results close to the float convolution.
  const std::vector<float> x = {-1.0f, 0.5f, 2.0f, 0.25f};
  auto out = OpRunner(Op::CONV_2D, valid())
                 .input(f32({1, 2, 2, 1}, x))
                 .input(qt<int8_t>({2, 2, 2, 1}, {127, -64, 32, 0, 10, 20, 30, 40}, qp({0.01f, 0.1f}, {0, 0})), true)
                 .input(f32({2}, {0.5f, -1.0f}), true)
                 .run();
  const double ref0 = (-1.0 * 1.27 + 0.5 * -0.64 + 2.0 * 0.32 + 0.25 * 0) + 0.5;
  const double ref1 = (-1.0 * 1 + 0.5 * 2 + 2.0 * 3 + 0.25 * 4) - 1.0;
  const auto v = out[0].values<float>();
  ASSERT_EQ(v.size(), 2u);
  EXPECT_NEAR(v[0], ref0, 0.02);
  EXPECT_NEAR(v[1], ref1, 0.06);
}

TEST(ConvInt8Test, HybridZeroInputGivesTheBias) {
  auto out = OpRunner(Op::CONV_2D, valid(rt::Activation::kRelu))
                 .input(f32({1, 1, 1, 2}, {0, 0}))
                 .input(qt<int8_t>({2, 1, 1, 2}, {1, 2, 3, 4}, qp({0.5f, 0.25f}, {0, 0})), true)
                 .input(f32({2}, {0.75f, -2.0f}), true)
                 .run();
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{0.75f, 0.0f}));
}

// ---- errors ----------------------------------------------------------------------------

TEST(ConvInt8Test, RejectsBadQuantization) {
  auto with_input = [](rt::QuantParams q) {
    OpRunner o(Op::CONV_2D, valid());
    o.input(qt<int8_t>({1, 2, 2, 1}, {10, 20, 30, 40}, std::move(q)))
        .input(qt<int8_t>({2, 2, 2, 1}, {1, 2, 3, 4, 1, 1, 1, 1}, qp({0.25f, 0.5f}, {0, 0})), true)
        .input(qt<int32_t>({2}, {8, 4}, qp({0.125f, 0.25f}, {0, 0})), true)
        .output(DType::kInt8, qp({0.5f}, {-10}));
    return o;
  };
  EXPECT_THROW(with_input(qp({0.0f}, {0})).run(), Error);
  EXPECT_THROW(with_input(qp({-1.0f}, {0})).run(), Error);
  EXPECT_THROW(with_input(qp({std::numeric_limits<float>::infinity()}, {0})).run(), Error);
  EXPECT_THROW(with_input(qp({std::nanf("")}, {0})).run(), Error);
  EXPECT_THROW(with_input(qp({0.5f}, {200})).run(), Error);     // zero point outside int8
  EXPECT_THROW(with_input(qp({0.5f, 0.5f}, {0, 0})).run(), Error);  // per-axis activation
  EXPECT_THROW(with_input(qp({}, {})).run(), Error);             // not quantized

  auto with_filter = [](rt::QuantParams q) {
    return OpRunner(Op::CONV_2D, valid())
        .input(qt<int8_t>({1, 2, 2, 1}, {10, 20, 30, 40}, qp({0.5f}, {2})))
        .input(qt<int8_t>({3, 2, 2, 1}, std::vector<int8_t>(12, 1), std::move(q)), true)
        .input(qt<int32_t>({3}, {0, 0, 0}, qp({0.125f}, {0})), true)
        .output(DType::kInt8, qp({0.5f}, {0}));
  };
  EXPECT_NO_THROW(with_filter(qp({0.25f, 0.5f, 1.0f}, {0, 0, 0})).run());
  EXPECT_NO_THROW(with_filter(qp({0.25f}, {0})).run());
  EXPECT_THROW(with_filter(qp({0.25f, 0.5f}, {0, 0})).run(), Error);             // 2 scales, 3 channels
  EXPECT_THROW(with_filter(qp({0.25f, 0.5f, 1.0f}, {0, 0, 0}, 3)).run(), Error);  // wrong axis
  EXPECT_THROW(with_filter(qp({0.25f, 0.5f, 1.0f}, {0, 1, 0})).run(), Error);     // asymmetric weights
  EXPECT_THROW(with_filter(qp({0.25f, 0.0f, 1.0f}, {0, 0, 0})).run(), Error);     // zero scale
  EXPECT_THROW(with_filter(qp({0.25f, 0.5f, 1.0f}, {0, 0})).run(), Error);        // zero point count
  EXPECT_THROW(with_filter(qp({}, {})).run(), Error);

  // Output scale far below input x weight scale: a multiplier of 2^40.
  EXPECT_THROW(OpRunner(Op::CONV_2D, valid())
                   .input(qt<int8_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {0})))
                   .input(qt<int8_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {0})), true)
                   .input(qt<int32_t>({1}, {0}, qp({1.0f}, {0})), true)
                   .output(DType::kInt8, qp({std::ldexp(1.0f, -40)}, {0}))
                   .run(),
               Error);
  // relu6 at a tiny output scale: 6 / scale does not fit int32 (TFLite fails too).
  EXPECT_THROW(OpRunner(Op::CONV_2D, valid(rt::Activation::kRelu6))
                   .input(qt<int8_t>({1, 1, 1, 1}, {1}, qp({1e-20f}, {0})))
                   .input(qt<int8_t>({1, 1, 1, 1}, {1}, qp({1e-20f}, {0})), true)
                   .input(qt<int32_t>({1}, {0}, qp({1e-40f}, {0})), true)
                   .output(DType::kInt8, qp({1e-30f}, {0}))
                   .run(),
               Error);
}

TEST(ConvInt8Test, RejectsWhatTFLiteRejects) {
  // No bias: TFLite 2.9's CONV_2D requires one.
  EXPECT_THROW(OpRunner(Op::CONV_2D, valid())
                   .input(qt<int8_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {0})))
                   .input(qt<int8_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {0})), true)
                   .output(DType::kInt8, qp({1.0f}, {0}))
                   .run(),
               Error);
  EXPECT_THROW(OpRunner(Op::CONV_2D, valid())
                   .input(qt<int8_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {0})))
                   .input(qt<int8_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {0})), true)
                   .absent_input()
                   .output(DType::kInt8, qp({1.0f}, {0}))
                   .run(),
               Error);
  // Grouped (input 2 channels, filter 1).
  EXPECT_THROW(OpRunner(Op::CONV_2D, valid())
                   .input(qt<int8_t>({1, 1, 1, 2}, {1, 2}, qp({1.0f}, {0})))
                   .input(qt<int8_t>({2, 1, 1, 1}, {1, 1}, qp({1.0f}, {0})), true)
                   .input(qt<int32_t>({2}, {0, 0}, qp({1.0f}, {0})), true)
                   .output(DType::kInt8, qp({1.0f}, {0}))
                   .run(),
               Error);
  // int8 with int64 bias, output of another type, int16 with a zero point.
  auto base = [](DType in_type, TensorData bias, DType out_type, int64_t zp) {
    TensorData in = in_type == DType::kInt8 ? qt<int8_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {zp}))
                                            : qt<int16_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {zp}));
    return OpRunner(Op::CONV_2D, valid())
        .input(std::move(in))
        .input(qt<int8_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {0})), true)
        .input(std::move(bias), true)
        .output(out_type, qp({1.0f}, {0}));
  };
  const auto b32 = qt<int32_t>({1}, {0}, qp({1.0f}, {0}));
  const auto b64 = qt<int64_t>({1}, {0}, qp({1.0f}, {0}));
  EXPECT_NO_THROW(base(DType::kInt8, b32, DType::kInt8, 0).run());
  EXPECT_THROW(base(DType::kInt8, b64, DType::kInt8, 0).run(), Error);
  EXPECT_THROW(base(DType::kInt8, b32, DType::kInt16, 0).run(), Error);
  EXPECT_THROW(base(DType::kInt8, b32, DType::kFloat32, 0).run(), Error);
  EXPECT_NO_THROW(base(DType::kInt16, b64, DType::kInt16, 0).run());
  EXPECT_THROW(base(DType::kInt16, b64, DType::kInt16, 3).run(), Error);
  EXPECT_THROW(base(DType::kInt16, b64, DType::kInt8, 0).run(), Error);
  EXPECT_THROW(base(DType::kInt8, qt<int32_t>({1}, {0}, qp({1.0f}, {5})), DType::kInt8, 0).run(), Error);
  EXPECT_THROW(base(DType::kInt8, f32({1}, {0}), DType::kInt8, 0).run(), Error);
}

TEST(ConvInt8Test, HybridRejects) {
  auto hybrid = [](TensorData filter, TensorData bias) {
    return OpRunner(Op::CONV_2D, valid())
        .input(f32({1, 1, 1, 1}, {1}))
        .input(std::move(filter), true)
        .input(std::move(bias), true);
  };
  const auto w = qt<int8_t>({1, 1, 1, 1}, {1}, qp({0.5f}, {0}));
  EXPECT_NO_THROW(hybrid(w, f32({1}, {0})).run());
  EXPECT_THROW(hybrid(w, qt<int32_t>({1}, {0}, qp({1.0f}, {0}))).run(), Error);  // bias must be float
  EXPECT_THROW(hybrid(qt<int8_t>({1, 1, 1, 1}, {1}, qp({}, {})), f32({1}, {0})).run(), Error);
  EXPECT_THROW(hybrid(qt<int8_t>({1, 1, 1, 1}, {1}, qp({0.5f}, {3})), f32({1}, {0})).run(), Error);
  EXPECT_THROW(hybrid(test::make_tensor<int16_t>({1, 1, 1, 1}, {1}), f32({1}, {0})).run(), Error);
}

}  // namespace
}  // namespace liteq
