// Quantized AVERAGE_POOL_2D / MAX_POOL_2D (int8, int16): rounded integer averages,
// clipped windows, activation clamps in the output domain, errors.
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
rt::PoolParams pool(int f, int s, rt::Padding pad, rt::Activation act = rt::Activation::kNone) {
  rt::PoolParams p;
  p.filter_h = p.filter_w = f;
  p.stride_h = p.stride_w = s;
  p.padding = pad;
  p.activation = act;
  return p;
}
template <typename T>
std::vector<T> run(Op op, const TensorData& in, rt::PoolParams p, rt::QuantParams out) {
  return OpRunner(op, p).input(in).output(in.type, std::move(out)).run()[0].values<T>();
}

TEST(QuantizedPoolingTest, AverageRoundsHalfAwayFromZero) {
  const auto p = pool(2, 1, rt::Padding::kValid);
  EXPECT_EQ(run<int8_t>(Op::AVERAGE_POOL_2D, qt<int8_t>({1, 2, 2, 1}, {1, 2, 3, 5}, 0.1f, 0), p, qp(0.1f, 0)),
            (std::vector<int8_t>{3}));  // 2.75
  EXPECT_EQ(run<int8_t>(Op::AVERAGE_POOL_2D, qt<int8_t>({1, 2, 2, 1}, {1, 2, 3, 4}, 0.1f, 0), p, qp(0.1f, 0)),
            (std::vector<int8_t>{3}));  // 2.5
  EXPECT_EQ(run<int8_t>(Op::AVERAGE_POOL_2D, qt<int8_t>({1, 2, 2, 1}, {-1, -2, -3, -4}, 0.1f, 0), p, qp(0.1f, 0)),
            (std::vector<int8_t>{-3}));  // -2.5
  EXPECT_EQ(run<int16_t>(Op::AVERAGE_POOL_2D, qt<int16_t>({1, 2, 2, 1}, {-30000, -30000, -30000, -30001}, 1e-3f, 0), p,
                         qp(1e-3f, 0)),
            (std::vector<int16_t>{-30000}));
}

TEST(QuantizedPoolingTest, SamePaddingCountsOnlyInBoundsValues) {
  std::vector<int8_t> v{1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_EQ(run<int8_t>(Op::AVERAGE_POOL_2D, qt<int8_t>({1, 3, 3, 1}, v, 0.1f, 0), pool(2, 2, rt::Padding::kSame),
                        qp(0.1f, 0)),
            (std::vector<int8_t>{3, 5, 8, 9}));
  EXPECT_EQ(run<int8_t>(Op::MAX_POOL_2D, qt<int8_t>({1, 3, 3, 1}, v, 0.1f, 0), pool(2, 2, rt::Padding::kSame), qp(0.1f, 0)),
            (std::vector<int8_t>{5, 6, 8, 9}));
}

TEST(QuantizedPoolingTest, ActivationClampsWithTheOutputParameters) {
  const auto in = qt<int8_t>({1, 1, 4, 1}, {-100, 0, 50, 120}, 0.1f, 5);
  // RELU6 with (0.1, 5): [5, 65].
  EXPECT_EQ(run<int8_t>(Op::MAX_POOL_2D, in, pool(1, 1, rt::Padding::kValid, rt::Activation::kRelu6), qp(0.1f, 5)),
            (std::vector<int8_t>{5, 5, 50, 65}));
}

TEST(QuantizedPoolingTest, RejectsBadInputs) {
  const auto p = pool(1, 1, rt::Padding::kValid);
  EXPECT_THROW(run<int8_t>(Op::AVERAGE_POOL_2D, qt<int8_t>({2, 2, 1}, {1, 2, 3, 4}, 0.1f, 0), p, qp(0.1f, 0)), Error);
  EXPECT_THROW(run<int8_t>(Op::MAX_POOL_2D, qt<int8_t>({1, 2, 2, 1}, {1, 2, 3, 4}, 0.1f, 0), p, rt::QuantParams{}), Error);
  EXPECT_THROW(OpRunner(Op::MAX_POOL_2D, p)
                   .input(qt<int8_t>({1, 1, 1, 1}, {1}, 0.1f, 0))
                   .output(DType::kInt16, qp(0.1f, 0))
                   .run(),
               Error);
}

}  // namespace
}  // namespace liteq::test
