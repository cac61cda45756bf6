// Quantized ADD, SUB, MUL (int8, int16): hand-checked integer results and the parameter
// checks of prepare. (Bit-exactness against official TFLite on random cases is in
// tests/conformance/quantized_elementwise_test.cc.)
#include <gtest/gtest.h>

#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

using rt::Activation;

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
rt::ActivationParams act(Activation a, bool pot_scale_int16 = false) {
  rt::ActivationParams p;
  p.activation = a;
  p.pot_scale_int16 = pot_scale_int16;
  return p;
}
template <typename T>
std::vector<T> run(Op op, const TensorData& a, const TensorData& b, DType type, rt::QuantParams out,
                   rt::ActivationParams p = act(Activation::kNone)) {
  return OpRunner(op, p).input(a).input(b).output(type, std::move(out)).run()[0].values<T>();
}

TEST(QuantizedAddTest, SameScalesAddIntegers) {
  const auto out = run<int8_t>(Op::ADD, qt<int8_t>({4}, {1, 2, -3, 100}, 0.5f, 0), qt<int8_t>({4}, {3, -4, 5, 100}, 0.5f, 0),
                               DType::kInt8, qp(0.5f, 0));
  EXPECT_EQ(out, (std::vector<int8_t>{4, -2, 2, 127}));  // 200 saturates
}

TEST(QuantizedAddTest, ZeroPointsAndScales) {
  // (20 - 10) * 1 + (5 + 5) * 0.25 = 12.5 -> 25 steps of 0.5, + zero point 3.
  EXPECT_EQ(run<int8_t>(Op::ADD, qt<int8_t>({2}, {10, 20}, 1.0f, 10), qt<int8_t>({2}, {-5, 5}, 0.25f, -5), DType::kInt8,
                        qp(0.5f, 3)),
            (std::vector<int8_t>{3, 28}));
}

TEST(QuantizedAddTest, HalfwayRoundsAwayFromZero) {
  // 1 + 0 = 1 and -1 + 0 = -1 on an output step of 2: +-0.5 steps.
  EXPECT_EQ(run<int8_t>(Op::ADD, qt<int8_t>({3}, {1, -1, 3}, 1.0f, 0), qt<int8_t>({3}, {0, 0, 0}, 1.0f, 0), DType::kInt8,
                        qp(2.0f, 0)),
            (std::vector<int8_t>{1, -1, 2}));
}

TEST(QuantizedAddTest, FusedActivationClampsInTheOutputDomain) {
  const auto a = qt<int8_t>({4}, {-10, -1, 3, 40}, 0.25f, 0), b = qt<int8_t>({4}, {0, 0, 0, 0}, 0.25f, 0);
  // Output (0.25, -20): RELU clamps below at the zero point -20, RELU6 above at -20 + 24.
  EXPECT_EQ(run<int8_t>(Op::ADD, a, b, DType::kInt8, qp(0.25f, -20), act(Activation::kRelu)),
            (std::vector<int8_t>{-20, -20, -17, 20}));
  EXPECT_EQ(run<int8_t>(Op::ADD, a, b, DType::kInt8, qp(0.25f, -20), act(Activation::kRelu6)),
            (std::vector<int8_t>{-20, -20, -17, 4}));
  EXPECT_EQ(run<int8_t>(Op::ADD, a, b, DType::kInt8, qp(0.25f, -20), act(Activation::kReluN1To1)),
            (std::vector<int8_t>{-24, -21, -17, -16}));
}

TEST(QuantizedAddTest, Broadcasts) {
  const auto out = run<int8_t>(Op::ADD, qt<int8_t>({2, 1}, {10, 20}, 1.0f, 0), qt<int8_t>({3}, {1, 2, 3}, 1.0f, 0),
                               DType::kInt8, qp(1.0f, 0));
  EXPECT_EQ(out, (std::vector<int8_t>{11, 12, 13, 21, 22, 23}));
}

TEST(QuantizedSubTest, Int8) {
  // (7 - 1) * 0.5 - (2 + 2) * 0.25 = 2 -> 8 steps of 0.25, - 4.
  EXPECT_EQ(run<int8_t>(Op::SUB, qt<int8_t>({2}, {7, 1}, 0.5f, 1), qt<int8_t>({2}, {2, 127}, 0.25f, -2), DType::kInt8,
                        qp(0.25f, -4)),
            (std::vector<int8_t>{4, -128}));
}

TEST(QuantizedAddTest, Int16GeneralAndPowerOfTwoPaths) {
  const auto a = qt<int16_t>({3}, {1000, -32768, 32767}, 1e-3f, 0), b = qt<int16_t>({3}, {500, -32768, 32767}, 1e-3f, 0);
  EXPECT_EQ(run<int16_t>(Op::ADD, a, b, DType::kInt16, qp(2e-3f, 0)), (std::vector<int16_t>{750, -32768, 32767}));
  // Power-of-two scales with pot_scale_int16: input 1 is shifted right by 2 and added
  // saturating.
  const auto x = qt<int16_t>({3}, {100, 30000, -7}, 1.0f / 4096, 0), y = qt<int16_t>({3}, {400, 30000, -6}, 1.0f / 16384, 0);
  EXPECT_EQ(run<int16_t>(Op::ADD, x, y, DType::kInt16, qp(1.0f / 4096, 0), act(Activation::kNone, true)),
            (std::vector<int16_t>{200, 32767, -9}));
  EXPECT_EQ(run<int16_t>(Op::SUB, x, y, DType::kInt16, qp(1.0f / 4096, 0), act(Activation::kNone, true)),
            (std::vector<int16_t>{0, 22500, -5}));
}

TEST(QuantizedMulTest, Int8AndInt16) {
  EXPECT_EQ(run<int8_t>(Op::MUL, qt<int8_t>({3}, {2, -3, 100}, 0.5f, 0), qt<int8_t>({3}, {4, 4, 100}, 0.25f, 0),
                        DType::kInt8, qp(0.125f, 0)),
            (std::vector<int8_t>{8, -12, 127}));
  // Zero points: (12 - 10) * (1 + 1) = 4 -> scale 1 * 1 / 0.5 = 2x -> 8, + 5.
  EXPECT_EQ(run<int8_t>(Op::MUL, qt<int8_t>({1}, {12}, 1.0f, 10), qt<int8_t>({1}, {1}, 1.0f, -1), DType::kInt8, qp(0.5f, 5)),
            (std::vector<int8_t>{13}));
  EXPECT_EQ(run<int16_t>(Op::MUL, qt<int16_t>({2}, {300, -32768}, 0.01f, 0), qt<int16_t>({2}, {200, -32768}, 0.01f, 0),
                         DType::kInt16, qp(0.1f, 0)),
            (std::vector<int16_t>{60, 32767}));
}

TEST(QuantizedBinaryTest, RejectsBadParameters) {
  const auto a = qt<int8_t>({2}, {1, 2}, 0.5f, 0);
  // No quantization on the output.
  EXPECT_THROW(run<int8_t>(Op::ADD, a, a, DType::kInt8, rt::QuantParams{}), Error);
  // Per-axis parameters on an activation.
  rt::QuantParams per_axis;
  per_axis.scale = {0.5f, 0.5f};
  per_axis.zero_point = {0, 0};
  EXPECT_THROW(run<int8_t>(Op::MUL, a, a, DType::kInt8, per_axis), Error);
  // Zero point out of range, scale not positive.
  EXPECT_THROW(run<int8_t>(Op::ADD, a, a, DType::kInt8, qp(0.5f, 128)), Error);
  EXPECT_THROW(run<int8_t>(Op::SUB, a, a, DType::kInt8, qp(0.0f, 0)), Error);
  EXPECT_THROW(run<int8_t>(Op::SUB, a, a, DType::kInt8, qp(-1.0f, 0)), Error);
  // Output scale so small that TFLite's rescale multiplier would exceed 1.
  EXPECT_THROW(run<int8_t>(Op::ADD, a, a, DType::kInt8, qp(1e-7f, 0)), Error);
  // int16 is symmetric.
  const auto h = qt<int16_t>({2}, {1, 2}, 0.5f, 3);
  EXPECT_THROW(run<int16_t>(Op::ADD, h, h, DType::kInt16, qp(0.5f, 0)), Error);
  EXPECT_THROW(run<int16_t>(Op::MUL, h, h, DType::kInt16, qp(0.5f, 0)), Error);
  // Power-of-two int16 path: an input coarser than the output.
  const auto x = qt<int16_t>({1}, {1}, 1.0f / 1024, 0), y = qt<int16_t>({1}, {1}, 1.0f / 4096, 0);
  EXPECT_THROW(run<int16_t>(Op::ADD, x, y, DType::kInt16, qp(1.0f / 4096, 0), act(Activation::kNone, true)), Error);
  // Mixed types.
  EXPECT_THROW(run<int8_t>(Op::ADD, a, qt<int16_t>({2}, {1, 2}, 0.5f, 0), DType::kInt8, qp(0.5f, 0)), Error);
  EXPECT_THROW(run<int8_t>(Op::ADD, a, a, DType::kInt16, qp(0.5f, 0)), Error);
}

}  // namespace
}  // namespace liteq::test
