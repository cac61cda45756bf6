// Quantized SOFTMAX (int8 -> int8/int16, int16 -> int16): hand-checked cases and the
// output-parameter checks.
#include <gtest/gtest.h>

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
std::vector<T> softmax(const TensorData& in, DType out_type, rt::QuantParams out, float beta = 1.0f) {
  rt::SoftmaxParams p;
  p.beta = beta;
  return OpRunner(Op::SOFTMAX, p).input(in).output(out_type, std::move(out)).run()[0].values<T>();
}

TEST(QuantizedSoftmaxTest, Int8) {
  // Rows: two equal values (1/2 each), four equal (1/4), one value (1), and a row whose
  // second value is 25.5 below the first.
  const auto in = qt<int8_t>({4, 4}, {5, 5, -128, -128, 3, 3, 3, 3, 7, -128, -128, -128, 127, -128, -128, -128}, 0.1f, 5);
  const auto out = softmax<int8_t>(in, DType::kInt8, qp(1.0f / 256, -128), 1000.0f);
  // beta 1000 makes the -128 entries vanish against the maxima.
  EXPECT_EQ(out, (std::vector<int8_t>{0, 0, -128, -128, -64, -64, -64, -64, 127, -128, -128, -128, 127, -128, -128, -128}));
  const auto out16 = softmax<int16_t>(qt<int8_t>({2}, {5, 5}, 0.1f, 0), DType::kInt16, qp(1.0f / 32768, 0));
  EXPECT_EQ(out16, (std::vector<int16_t>{16384, 16384}));
}

TEST(QuantizedSoftmaxTest, Int16) {
  const auto out = softmax<int16_t>(qt<int16_t>({2, 2}, {0, 0, 1000, -32768}, 1e-3f, 0), DType::kInt16, qp(1.0f / 32768, 0));
  // Equal values split evenly; a 33.8 gap leaves everything on the maximum (up to the
  // exp table's floor: exp(-10) is ~1.5 steps of 2^-15).
  EXPECT_NEAR(out[0], 16384, 2);
  EXPECT_NEAR(out[1], 16384, 2);
  EXPECT_NEAR(out[2], 32767, 2);
  EXPECT_LE(out[3], 2);
}

TEST(QuantizedSoftmaxTest, RejectsBadParameters) {
  const auto x = qt<int8_t>({2}, {1, 2}, 0.1f, 0);
  EXPECT_THROW(softmax<int8_t>(x, DType::kInt8, qp(1.0f / 256, -127)), Error);
  EXPECT_THROW(softmax<int8_t>(x, DType::kInt8, qp(1.01f / 256, -128)), Error);
  EXPECT_THROW(softmax<int16_t>(x, DType::kInt16, qp(1.0f / 16384, 0)), Error);
  EXPECT_THROW(softmax<int32_t>(x, DType::kInt32, qp(1.0f / 256, -128)), Error);
  EXPECT_THROW(softmax<int8_t>(x, DType::kInt8, qp(1.0f / 256, -128), std::nanf("")), Error);
  const auto h = qt<int16_t>({1, 1, 1, 2, 2}, {1, 2, 3, 4}, 1e-3f, 0);
  EXPECT_THROW(softmax<int16_t>(h, DType::kInt16, qp(1.0f / 32768, 0)), Error);  // rank 5
  EXPECT_THROW(softmax<int16_t>(qt<int16_t>({2}, {1, 2}, 1e-3f, 1), DType::kInt16, qp(1.0f / 32768, 0)), Error);
}

}  // namespace
}  // namespace liteq::test
