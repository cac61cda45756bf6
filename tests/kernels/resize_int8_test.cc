// Quantized RESIZE_BILINEAR (int8, int16): TFLite's 1/1024 source positions with
// align_corners / half_pixel_centers, rounding half away from zero.
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
std::vector<T> resize(const TensorData& in, int32_t h, int32_t w, bool align = false, bool half = false) {
  rt::ResizeParams p;
  p.align_corners = align;
  p.half_pixel_centers = half;
  return OpRunner(Op::RESIZE_BILINEAR, p)
      .input(in)
      .input(i32({2}, {h, w}), true)
      .output(in.type, in.quant)
      .run()[0]
      .values<T>();
}

TEST(QuantizedResizeBilinearTest, Int8Modes) {
  const auto in = qt<int8_t>({1, 1, 2, 1}, {0, 100}, 0.1f, 3);
  EXPECT_EQ(resize<int8_t>(in, 1, 4), (std::vector<int8_t>{0, 50, 100, 100}));
  EXPECT_EQ(resize<int8_t>(in, 1, 3, true), (std::vector<int8_t>{0, 50, 100}));
  EXPECT_EQ(resize<int8_t>(in, 1, 4, false, true), (std::vector<int8_t>{0, 25, 75, 100}));
  // Halves round away from zero.
  EXPECT_EQ(resize<int8_t>(qt<int8_t>({1, 1, 2, 1}, {0, 1}, 0.1f, 0), 1, 4), (std::vector<int8_t>{0, 1, 1, 1}));
  EXPECT_EQ(resize<int8_t>(qt<int8_t>({1, 1, 2, 1}, {0, -1}, 0.1f, 0), 1, 4), (std::vector<int8_t>{0, -1, -1, -1}));
}

TEST(QuantizedResizeBilinearTest, Int16TwoByTwo) {
  // 2x2 -> 3x3 with align_corners: the centre is the mean of the four corners.
  const auto out = resize<int16_t>(qt<int16_t>({1, 2, 2, 1}, {0, 1000, 2000, 30000}, 1e-3f, 0), 3, 3, true);
  EXPECT_EQ(out, (std::vector<int16_t>{0, 500, 1000, 1000, 8250, 15500, 2000, 16000, 30000}));
}

TEST(QuantizedResizeBilinearTest, RejectsBadInputs) {
  EXPECT_THROW(resize<int8_t>(make_tensor<int8_t>({1, 1, 2, 1}, {0, 1}), 2, 2), Error);  // no quantization
  EXPECT_THROW(resize<int8_t>(qt<int8_t>({1, 1, 2, 1}, {0, 1}, 0.1f, 0), 2, 2, true, true), Error);
}

}  // namespace
}  // namespace liteq::test
