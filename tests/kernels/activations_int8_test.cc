// Quantized activations (int8, int16): hand-checked integer results, agreement with the
// float functions on sweeps, and the parameter checks of prepare.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

rt::QuantParams qp(float scale, int64_t zp) {
  rt::QuantParams q;
  q.scale = {scale};
  q.zero_point = {zp};
  return q;
}
template <typename T>
TensorData qt(std::vector<int32_t> dims, const std::vector<T>& v, float scale, int64_t zp) {
  TensorData t = make_tensor<T>(std::move(dims), v);
  t.quant = qp(scale, zp);
  return t;
}
template <typename T>
std::vector<T> unary(Op op, const TensorData& in, rt::QuantParams out, rt::OpParams params = std::monostate{}) {
  return OpRunner(op, std::move(params)).input(in).output(in.type, std::move(out)).run()[0].values<T>();
}
rt::LeakyReluParams alpha(float a) {
  rt::LeakyReluParams p;
  p.alpha = a;
  return p;
}

TEST(QuantizedActivationsTest, LogisticAndTanhInt8) {
  EXPECT_EQ(unary<int8_t>(Op::LOGISTIC, qt<int8_t>({5}, {0, 10, -10, 127, -128}, 0.1f, 0), qp(1.0f / 256, -128)),
            (std::vector<int8_t>{0, 59, -59, 127, -128}));
  EXPECT_EQ(unary<int8_t>(Op::TANH, qt<int8_t>({4}, {0, 20, -20, 127}, 0.05f, 0), qp(1.0f / 128, 0)),
            (std::vector<int8_t>{0, 97, -97, 127}));
  // Any input zero point: the table is built per value.
  EXPECT_EQ(unary<int8_t>(Op::TANH, qt<int8_t>({2}, {-30, -10}, 0.05f, -30), qp(1.0f / 128, 0)),
            (std::vector<int8_t>{0, 97}));
}

TEST(QuantizedActivationsTest, ReluFamilyRequantizesAndClamps) {
  // Input (0.5, 10): 0, 2, -4, 10, -5. Output (0.25, -20).
  const auto x = qt<int8_t>({5}, {10, 14, 2, 30, 0}, 0.5f, 10);
  EXPECT_EQ(unary<int8_t>(Op::RELU, x, qp(0.25f, -20)), (std::vector<int8_t>{-20, -12, -20, 20, -20}));
  EXPECT_EQ(unary<int8_t>(Op::RELU6, x, qp(0.25f, -20)), (std::vector<int8_t>{-20, -12, -20, 4, -20}));
  EXPECT_EQ(unary<int8_t>(Op::RELU_N1_TO_1, x, qp(0.25f, -20)), (std::vector<int8_t>{-20, -16, -24, -16, -24}));
  EXPECT_EQ(unary<int16_t>(Op::RELU6, qt<int16_t>({3}, {-5, 500, 30000}, 0.01f, 0), qp(0.002f, 0)),
            (std::vector<int16_t>{0, 2500, 3000}));
}

TEST(QuantizedActivationsTest, LeakyRelu) {
  // -1.5 rounds to -1: TFLite's rounding doubling high multiply rounds ties upward.
  EXPECT_EQ(unary<int8_t>(Op::LEAKY_RELU, qt<int8_t>({5}, {-10, 7, -3, -128, 127}, 1.0f, 0), qp(1.0f, 0), alpha(0.5f)),
            (std::vector<int8_t>{-5, 7, -1, -64, 127}));
  EXPECT_EQ(unary<int8_t>(Op::LEAKY_RELU, qt<int8_t>({2}, {-4, 4}, 1.0f, 0), qp(1.0f, 0), alpha(-0.5f)),
            (std::vector<int8_t>{2, 4}));
  EXPECT_EQ(unary<int16_t>(Op::LEAKY_RELU, qt<int16_t>({2}, {-1000, 1000}, 1e-3f, 0), qp(1e-3f, 0), alpha(0.25f)),
            (std::vector<int16_t>{-250, 1000}));
}

TEST(QuantizedActivationsTest, HardSwishFollowsTheFloatFunction) {
  std::vector<int8_t> x;
  for (int v = -128; v <= 127; ++v) x.push_back(static_cast<int8_t>(v));
  const float si = 0.05f, so = 0.04f;
  const auto y = unary<int8_t>(Op::HARD_SWISH, qt<int8_t>({256}, x, si, -3), qp(so, -100));
  for (size_t i = 0; i < x.size(); ++i) {
    const float r = si * (x[i] + 3);
    const float want = r * std::min(6.0f, std::max(0.0f, r + 3)) / 6 / so - 100;
    EXPECT_NEAR(y[i], std::min(127.0f, std::max(-128.0f, std::round(want))), 1.0) << "x " << int(x[i]);
  }
  EXPECT_EQ(unary<int8_t>(Op::HARD_SWISH, qt<int8_t>({3}, {0, -50, 50}, 0.1f, 0), qp(0.1f, 0)),
            (std::vector<int8_t>{0, 0, 50}));
}

TEST(QuantizedActivationsTest, Int16LogisticAndTanhTrackTheFloatFunctions) {
  // Scale 2^-12 takes the fixed-point path, 1e-3 the interpolated table; both stay within
  // 16 steps of 2^-15 (their worst case is near saturation).
  for (float scale : {1.0f / 4096, 1e-3f}) {
    std::vector<int16_t> x;
    for (int v = -32768; v <= 32767; v += 97) x.push_back(static_cast<int16_t>(v));
    x.push_back(0);
    const auto dims = std::vector<int32_t>{static_cast<int32_t>(x.size())};
    const auto sig = unary<int16_t>(Op::LOGISTIC, qt<int16_t>(dims, x, scale, 0), qp(1.0f / 32768, 0));
    const auto th = unary<int16_t>(Op::TANH, qt<int16_t>(dims, x, scale, 0), qp(1.0f / 32768, 0));
    for (size_t i = 0; i < x.size(); ++i) {
      const double r = scale * x[i];
      EXPECT_NEAR(sig[i], std::min(32767.0, 32768.0 / (1.0 + std::exp(-r))), 16) << "scale " << scale << " x " << x[i];
      EXPECT_NEAR(th[i], std::max(-32768.0, std::min(32767.0, 32768.0 * std::tanh(r))), 16)
          << "scale " << scale << " x " << x[i];
    }
    EXPECT_EQ(sig.back(), 16384);
    EXPECT_EQ(th.back(), 0);
  }
}

TEST(QuantizedActivationsTest, Prelu) {
  // alpha = (0.5, -1.0) along the last dim.
  auto out = OpRunner(Op::PRELU)
                 .input(qt<int8_t>({2, 2}, {4, -4, -6, 6}, 0.5f, 0))
                 .input(qt<int8_t>({2}, {2, -4}, 0.25f, 0), true)
                 .output(DType::kInt8, qp(0.5f, 0))
                 .run();
  EXPECT_EQ(out[0].values<int8_t>(), (std::vector<int8_t>{4, 4, -3, 6}));
}

TEST(QuantizedActivationsTest, RejectsBadParameters) {
  const auto x = qt<int8_t>({2}, {1, 2}, 0.1f, 0);
  EXPECT_THROW(unary<int8_t>(Op::LOGISTIC, x, qp(1.0f / 128, -128)), Error);  // output scale must be 1/256
  EXPECT_THROW(unary<int8_t>(Op::RELU, x, rt::QuantParams{}), Error);        // no output quantization
  EXPECT_THROW(unary<int8_t>(Op::RELU6, qt<int8_t>({2}, {1, 2}, 0.1f, 300), qp(0.1f, 0)), Error);
  EXPECT_THROW(unary<int8_t>(Op::TANH, qt<int8_t>({2}, {1, 2}, std::nanf(""), 0), qp(0.1f, 0)), Error);
  // HARD_SWISH: output scale below input scale / 128.
  EXPECT_THROW(unary<int8_t>(Op::HARD_SWISH, qt<int8_t>({2}, {1, 2}, 0.5f, 0), qp(0.001f, 0)), Error);
  // int16: zero points 0, LOGISTIC output 1/32768, TANH output 2^-15; no RELU_N1_TO_1 / HARD_SWISH.
  const auto h = qt<int16_t>({2}, {1, 2}, 1e-3f, 0);
  EXPECT_THROW(unary<int16_t>(Op::LOGISTIC, h, qp(1.0f / 16384, 0)), Error);
  EXPECT_THROW(unary<int16_t>(Op::TANH, h, qp(1e-4f, 0)), Error);
  EXPECT_THROW(unary<int16_t>(Op::TANH, qt<int16_t>({2}, {1, 2}, 1e-3f, 3), qp(1.0f / 32768, 0)), Error);
  EXPECT_THROW(unary<int16_t>(Op::RELU, h, qp(1e-3f, 2)), Error);
  EXPECT_THROW(unary<int16_t>(Op::RELU_N1_TO_1, h, qp(1e-3f, 0)), Error);
  EXPECT_THROW(unary<int16_t>(Op::HARD_SWISH, h, qp(1e-3f, 0)), Error);
  // PRELU: alpha of another type; int8 broadcasting above rank 4.
  EXPECT_THROW(OpRunner(Op::PRELU).input(x).input(f32({2}, {0.1f, 0.2f})).output(DType::kInt8, qp(0.1f, 0)).run(),
               Error);
  EXPECT_THROW(OpRunner(Op::PRELU)
                   .input(qt<int8_t>({1, 1, 1, 1, 2}, {1, 2}, 0.1f, 0))
                   .input(qt<int8_t>({2}, {1, 2}, 0.1f, 0))
                   .output(DType::kInt8, qp(0.1f, 0))
                   .run(),
               Error);
}

}  // namespace
}  // namespace liteq::test
