// Quantized MEAN (int8, int16): TFLite's three integer paths (the H,W case, equal
// parameters, rescaled) on hand-checked values, and errors.
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
std::vector<T> mean(const TensorData& in, std::vector<int32_t> axes, bool keep, rt::QuantParams out,
                    std::vector<int32_t>* dims = nullptr) {
  rt::ReducerParams p;
  p.keep_dims = keep;
  const int32_t n = static_cast<int32_t>(axes.size());
  auto r = OpRunner(Op::MEAN, p).input(in).input(i32({n}, axes), true).output(in.type, std::move(out)).run();
  if (dims) *dims = r[0].dims;
  return r[0].values<T>();
}

TEST(QuantizedMeanTest, HeightWidthWithKeepDimsRoundsTheAverage) {
  std::vector<int32_t> dims;
  EXPECT_EQ(mean<int8_t>(qt<int8_t>({1, 2, 2, 2}, {1, -1, 2, -2, 3, -3, 4, -4}, 0.5f, 0), {1, 2}, true, qp(0.5f, 0), &dims),
            (std::vector<int8_t>{3, -3}));  // +-2.5
  EXPECT_EQ(dims, (std::vector<int32_t>{1, 1, 1, 2}));
  // int16: (100 + 200 + 300 + 401) / 4 * (1e-3 / 2e-3) = 125.125.
  EXPECT_EQ(mean<int16_t>(qt<int16_t>({1, 2, 2, 1}, {100, 200, 300, 401}, 1e-3f, 0), {2, 1}, true, qp(2e-3f, 0)),
            (std::vector<int16_t>{125}));
}

TEST(QuantizedMeanTest, EqualParametersTruncate) {
  // TFLite divides the integer sum: 3 / 2 = 1, -3 / 2 = -1.
  EXPECT_EQ(mean<int8_t>(qt<int8_t>({2, 2}, {1, 2, -1, -2}, 0.5f, 7), {1}, false, qp(0.5f, 7)),
            (std::vector<int8_t>{1, -1}));
}

TEST(QuantizedMeanTest, OtherParametersRescaleInFloat) {
  // Means 1.5 and -2.5 at scale 0.5 -> 3 and -5 steps of 0.25, + 1.
  EXPECT_EQ(mean<int8_t>(qt<int8_t>({2, 2}, {1, 2, -1, -4}, 0.5f, 0), {-1}, false, qp(0.25f, 1)),
            (std::vector<int8_t>{4, -4}));
}

TEST(QuantizedMeanTest, RejectsBadParameters) {
  EXPECT_THROW(mean<int16_t>(qt<int16_t>({2, 2}, {1, 2, 3, 4}, 1e-3f, 2), {1}, false, qp(1e-3f, 0)), Error);
  EXPECT_THROW(mean<int8_t>(qt<int8_t>({2, 2}, {1, 2, 3, 4}, 0.5f, 0), {1}, false, rt::QuantParams{}), Error);
  EXPECT_THROW(mean<int8_t>(qt<int8_t>({2, 2}, {1, 2, 3, 4}, 0.5f, 0), {2}, false, qp(0.5f, 0)), Error);
}

}  // namespace
}  // namespace liteq::test
