// BATCH_MATMUL, hybrid (float lhs, int8 rhs): hand-checked cases and error cases.
// Bit-exactness against official TFLite: tests/conformance/quantized_ops_test.cc.
#include <gtest/gtest.h>

#include "kernels/op_runner.h"

namespace liteq {
namespace {

using test::f32;
using test::OpRunner;
using test::qp;
using test::qt;
using test::TensorData;

rt::BatchMatMulParams bmm(bool adj_x = false, bool adj_y = false, bool asym = false) {
  rt::BatchMatMulParams p;
  p.adj_x = adj_x;
  p.adj_y = adj_y;
  p.asymmetric_quantize_inputs = asym;
  return p;
}

TEST(BatchMatMulInt8Test, HybridSymmetric) {
  // lhs rows [1.27, 0] and [0, -2.54] (row scales 0.01 and 0.02, q = [127, 0], [0, -127]);
  // rhs [[10, 20, 30], [40, 50, 60]] at 0.1: row 0 = 1.27 * [1, 2, 3],
  // row 1 = -2.54 * [4, 5, 6].
  auto out = OpRunner(Op::BATCH_MATMUL, bmm())
                 .input(f32({2, 2}, {1.27f, 0, 0, -2.54f}))
                 .input(qt<int8_t>({2, 3}, {10, 20, 30, 40, 50, 60}, qp({0.1f}, {0})), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 3}));
  const std::vector<double> want = {1.27, 2.54, 3.81, -10.16, -12.7, -15.24};
  const auto got = out[0].values<float>();
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5) << i;
}

TEST(BatchMatMulInt8Test, HybridAsymmetricAdjointsAndBroadcast) {
  // lhs [2, 2, 1] stored with adj_x as [2, 1, 2] (one row [0, 2.55] per batch, batch 1
  // doubled); rhs [3, 2] with adj_y (N = 3, K = 2), broadcast over the batch.
  auto out = OpRunner(Op::BATCH_MATMUL, bmm(true, true, true))
                 .input(f32({2, 2, 1}, {0.0f, 2.55f, 0.0f, 5.1f}))
                 .input(qt<int8_t>({3, 2}, {1, 2, -3, 4, 5, 0}, qp({0.5f}, {0})), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 1, 3}));
  const std::vector<double> want = {2.55 * 1.0, 2.55 * 2.0, 0.0, 5.1 * 1.0, 5.1 * 2.0, 0.0};
  const auto got = out[0].values<float>();
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-4) << i;
}

TEST(BatchMatMulInt8Test, RuntimeRhs) {
  auto out = OpRunner(Op::BATCH_MATMUL, bmm(false, false, true))
                 .input(f32({1, 2}, {1.0f, -1.0f}))
                 .input(qt<int8_t>({2, 1}, {100, 50}, qp({0.01f}, {0})))
                 .run();
  EXPECT_NEAR(out[0].values<float>()[0], 0.5, 0.01);
}

TEST(BatchMatMulInt8Test, Rejects) {
  auto with_rhs = [](TensorData rhs) {
    return OpRunner(Op::BATCH_MATMUL, bmm()).input(f32({1, 2}, {1, 2})).input(std::move(rhs), true);
  };
  EXPECT_THROW(with_rhs(qt<int8_t>({2, 2}, {1, 2, 3, 4}, qp({0.1f, 0.2f}, {0, 0}, 1))).run(), Error);
  EXPECT_THROW(with_rhs(qt<int8_t>({2, 2}, {1, 2, 3, 4}, qp({0.1f}, {3}))).run(), Error);
  EXPECT_THROW(with_rhs(qt<int8_t>({2, 2}, {1, 2, 3, 4}, qp({}, {}))).run(), Error);
  EXPECT_THROW(with_rhs(qt<int8_t>({2, 2}, {1, 2, 3, 4}, qp({-0.1f}, {0}))).run(), Error);
  EXPECT_THROW(with_rhs(qt<int16_t>({2, 2}, {1, 2, 3, 4}, qp({0.1f}, {0}))).run(), Error);
  // int8 lhs: fully quantized BATCH_MATMUL is not supported
  EXPECT_THROW(OpRunner(Op::BATCH_MATMUL, bmm())
                   .input(qt<int8_t>({1, 2}, {1, 2}, qp({0.1f}, {0})))
                   .input(qt<int8_t>({2, 2}, {1, 2, 3, 4}, qp({0.1f}, {0})), true)
                   .output(DType::kInt8, qp({0.1f}, {0}))
                   .run(),
               Error);
}

}  // namespace
}  // namespace liteq
