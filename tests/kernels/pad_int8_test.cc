// Quantized PAD / PADV2 (int8, int16): padding with the output zero point, and TFLite's
// rule that a PADV2 pad value shares the output's parameters.
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

TEST(QuantizedPadTest, PadsWithTheZeroPoint) {
  auto out = OpRunner(Op::PAD)
                 .input(qt<int8_t>({2}, {1, 2}, 0.5f, 5))
                 .input(i32({1, 2}, {1, 1}), true)
                 .output(DType::kInt8, qp(0.5f, 5))
                 .run();
  EXPECT_EQ(out[0].values<int8_t>(), (std::vector<int8_t>{5, 1, 2, 5}));
  out = OpRunner(Op::PAD)
            .input(qt<int16_t>({2}, {1, 2}, 0.5f, 7))
            .input(i32({1, 2}, {2, 0}), true)
            .output(DType::kInt16, qp(0.5f, 7))
            .run();
  EXPECT_EQ(out[0].values<int16_t>(), (std::vector<int16_t>{7, 7, 1, 2}));
}

TEST(QuantizedPadTest, PadV2ValueMustShareTheOutputParameters) {
  auto run = [](rt::QuantParams value_q) {
    TensorData v = make_tensor<int8_t>({}, {9});
    v.quant = std::move(value_q);
    return OpRunner(Op::PADV2)
        .input(qt<int8_t>({2}, {1, 2}, 0.5f, 5))
        .input(i32({1, 2}, {1, 1}), true)
        .input(v, true)
        .output(DType::kInt8, qp(0.5f, 5))
        .run();
  };
  EXPECT_EQ(run(qp(0.5f, 5))[0].values<int8_t>(), (std::vector<int8_t>{9, 1, 2, 9}));
  EXPECT_THROW(run(qp(0.25f, 5)), Error);
  EXPECT_THROW(run(qp(0.5f, 4)), Error);
}

TEST(QuantizedPadTest, RejectsZeroPointOutOfRange) {
  EXPECT_THROW(OpRunner(Op::PAD)
                   .input(qt<int8_t>({2}, {1, 2}, 0.5f, 0))
                   .input(i32({1, 2}, {1, 1}), true)
                   .output(DType::kInt8, qp(0.5f, 200))
                   .run(),
               Error);
}

}  // namespace
}  // namespace liteq::test
