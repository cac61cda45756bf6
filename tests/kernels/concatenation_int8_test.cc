// Quantized CONCATENATION: TFLite's rules for int8 (equal parameters required) and int16
// (zero points 0, raw values copied whatever the scales).
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
rt::ConcatenationParams axis(int a, rt::Activation act = rt::Activation::kNone) {
  rt::ConcatenationParams p;
  p.axis = a;
  p.activation = act;
  return p;
}

TEST(QuantizedConcatenationTest, Int8SameParameters) {
  const auto out = OpRunner(Op::CONCATENATION, axis(-1))
                       .input(qt<int8_t>({2, 1}, {1, 2}, 0.5f, 3))
                       .input(qt<int8_t>({2, 2}, {3, 4, 5, 6}, 0.5f, 3))
                       .output(DType::kInt8, qp(0.5f, 3))
                       .run();
  EXPECT_EQ(out[0].values<int8_t>(), (std::vector<int8_t>{1, 3, 4, 2, 5, 6}));
}

TEST(QuantizedConcatenationTest, Int16CopiesRawValues) {
  const auto out = OpRunner(Op::CONCATENATION, axis(0))
                       .input(qt<int16_t>({2}, {1, 2}, 0.1f, 0))
                       .input(qt<int16_t>({1}, {3}, 0.2f, 0))
                       .output(DType::kInt16, qp(0.3f, 0))
                       .run();
  EXPECT_EQ(out[0].values<int16_t>(), (std::vector<int16_t>{1, 2, 3}));
}

TEST(QuantizedConcatenationTest, RejectsWhatTfliteRejects) {
  auto run = [](TensorData a, TensorData b, rt::QuantParams out, rt::Activation act = rt::Activation::kNone) {
    const DType type = a.type;
    return OpRunner(Op::CONCATENATION, axis(0, act)).input(std::move(a)).input(std::move(b)).output(type, out).run();
  };
  EXPECT_THROW(run(qt<int8_t>({1}, {1}, 0.5f, 3), qt<int8_t>({1}, {1}, 0.25f, 3), qp(0.5f, 3)), Error);
  EXPECT_THROW(run(qt<int8_t>({1}, {1}, 0.5f, 3), qt<int8_t>({1}, {1}, 0.5f, 4), qp(0.5f, 3)), Error);
  EXPECT_THROW(run(qt<int16_t>({1}, {1}, 0.5f, 1), qt<int16_t>({1}, {1}, 0.5f, 0), qp(0.5f, 0)), Error);
  EXPECT_THROW(run(qt<int16_t>({1}, {1}, 0.5f, 0), qt<int16_t>({1}, {1}, 0.5f, 0), qp(0.5f, 2)), Error);
  EXPECT_THROW(run(qt<int8_t>({1}, {1}, 0.5f, 3), qt<int8_t>({1}, {1}, 0.5f, 3), qp(0.5f, 3), rt::Activation::kRelu),
               Error);
}

}  // namespace
}  // namespace liteq::test
