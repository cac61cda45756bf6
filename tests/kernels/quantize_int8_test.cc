// QUANTIZE between integer types (requantization) and float -> int16: hand-checked
// values with TFLite's rounding, and the supported type pairs.
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
std::vector<T> quantize(const TensorData& in, DType type, rt::QuantParams out) {
  return OpRunner(Op::QUANTIZE).input(in).output(type, std::move(out)).run()[0].values<T>();
}

TEST(RequantizeTest, Int8AndUint8) {
  EXPECT_EQ(quantize<int8_t>(qt<int8_t>({3}, {1, -3, 100}, 0.5f, 0), DType::kInt8, qp(0.25f, 10)),
            (std::vector<int8_t>{12, 4, 127}));
  EXPECT_EQ(quantize<uint8_t>(qt<int8_t>({3}, {-128, 0, 127}, 0.5f, 0), DType::kUInt8, qp(0.5f, 128)),
            (std::vector<uint8_t>{0, 128, 255}));
  EXPECT_EQ(quantize<int8_t>(qt<uint8_t>({3}, {0, 128, 255}, 0.5f, 128), DType::kInt8, qp(0.5f, 0)),
            (std::vector<int8_t>{-128, 0, 127}));
}

TEST(RequantizeTest, Int16) {
  EXPECT_EQ(quantize<int8_t>(qt<int16_t>({4}, {1000, 60, -60, 32767}, 1e-3f, 0), DType::kInt8, qp(0.1f, 0)),
            (std::vector<int8_t>{10, 1, -1, 127}));
  // x / 2: TFLite's multiplier rounds the ties 1.5 -> 2 and -1.5 -> -1.
  EXPECT_EQ(quantize<int16_t>(qt<int16_t>({3}, {3, -3, 32767}, 1e-3f, 0), DType::kInt16, qp(2e-3f, 0)),
            (std::vector<int16_t>{2, -1, 16384}));
}

TEST(QuantizeFloatTest, Int16RoundsHalfAwayAndSaturates) {
  EXPECT_EQ(quantize<int16_t>(f32({4}, {1.25f, -1.25f, 20000.0f, -0.2f}), DType::kInt16, qp(0.5f, 0)),
            (std::vector<int16_t>{3, -3, 32767, 0}));
}

TEST(RequantizeTest, RejectsWhatTfliteDoesNotSupport) {
  const auto x = qt<int8_t>({2}, {1, 2}, 0.5f, 0);
  EXPECT_THROW(quantize<int16_t>(x, DType::kInt16, qp(0.5f, 0)), Error);  // int8 -> int16
  EXPECT_THROW(quantize<uint8_t>(qt<int16_t>({2}, {1, 2}, 0.5f, 0), DType::kUInt8, qp(0.5f, 0)), Error);
  EXPECT_THROW(quantize<int16_t>(qt<int16_t>({2}, {1, 2}, 0.5f, 1), DType::kInt16, qp(0.5f, 0)), Error);
  EXPECT_THROW(quantize<int8_t>(make_tensor<int8_t>({2}, {1, 2}), DType::kInt8, qp(0.5f, 0)), Error);
  rt::QuantParams per_axis;
  per_axis.scale = {0.5f, 0.25f};
  per_axis.zero_point = {0, 0};
  EXPECT_THROW(quantize<int8_t>(x, DType::kInt8, per_axis), Error);
}

}  // namespace
}  // namespace liteq::test
