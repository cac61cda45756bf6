// TRANSPOSE_CONV, quantized (int8, 16x8): hand-checked cases and error cases.
// Bit-exactness against official TFLite: tests/conformance/quantized_ops_test.cc.
#include <gtest/gtest.h>

#include <optional>

#include "kernels/op_runner.h"

namespace liteq {
namespace {

using test::f32;
using test::i32;
using test::OpRunner;
using test::qp;
using test::qt;
using test::TensorData;

rt::TransposeConvParams params(int stride, rt::Padding pad = rt::Padding::kValid) {
  rt::TransposeConvParams p;
  p.padding = pad;
  p.stride_h = p.stride_w = stride;
  return p;
}

TEST(TransposeConvInt8Test, Stride2PerChannel) {
  // Input 1x2 q = [3, 5] (scale 1, zero point 1 -> [2, 4]); 1x2 filters, 2 output
  // channels: oc0 [1, 1] scale 0.5, oc1 [1, -1] scale 1; stride 2, VALID, output 1x4:
  //   oc0: [2, 2, 4, 4] (x 0.5 -> [1, 1, 2, 2]), oc1: [2, -2, 4, -4] (x 1);
  // bias oc1 = 1 (scale 1). Output scale 0.5, zero point 0:
  //   oc0 [2, 2, 4, 4], oc1 [6, -2, 10, -6].
  auto out = OpRunner(Op::TRANSPOSE_CONV, params(2))
                 .input(i32({4}, {1, 1, 4, 2}), true)
                 .input(qt<int8_t>({2, 1, 2, 1}, {1, 1, 1, -1}, qp({0.5f, 1.0f}, {0, 0})), true)
                 .input(qt<int8_t>({1, 1, 2, 1}, {3, 5}, qp({1.0f}, {1})))
                 .input(qt<int32_t>({2}, {0, 1}, qp({0.5f, 1.0f}, {0, 0})), true)
                 .output(DType::kInt8, qp({0.5f}, {0}))
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 1, 4, 2}));
  EXPECT_EQ(out[0].values<int8_t>(), (std::vector<int8_t>{2, 6, 2, -2, 4, 10, 4, -6}));
}

TEST(TransposeConvInt8Test, OverlapsAccumulate) {
  // Stride 1, filter [1, 1] over [1, 2, 3] (zero point 0): [1, 3, 5, 3].
  auto out = OpRunner(Op::TRANSPOSE_CONV, params(1))
                 .input(i32({4}, {1, 1, 4, 1}), true)
                 .input(qt<int8_t>({1, 1, 2, 1}, {1, 1}, qp({1.0f}, {0})), true)
                 .input(qt<int8_t>({1, 1, 3, 1}, {1, 2, 3}, qp({1.0f}, {0})))
                 .output(DType::kInt8, qp({1.0f}, {-5}))
                 .run();
  EXPECT_EQ(out[0].values<int8_t>(), (std::vector<int8_t>{-4, -2, 0, -2}));
}

TEST(TransposeConvInt8Test, Int16x8) {
  // [1000, -1000] (1e-3) with filter [7] (1e-2), stride 1: 7000 / -7000 at 1e-5;
  // int64 bias 500 -> 7500 / -6500 -> output (1e-4) 750 / -650.
  auto run = [](bool bias, bool bias32) {
    OpRunner r(Op::TRANSPOSE_CONV, params(1));
    r.input(i32({4}, {1, 1, 2, 1}), true)
        .input(qt<int8_t>({1, 1, 1, 1}, {7}, qp({1e-2f}, {0})), true)
        .input(qt<int16_t>({1, 1, 2, 1}, {1000, -1000}, qp({1e-3f}, {0})));
    if (bias && bias32) r.input(qt<int32_t>({1}, {500}, qp({1e-5f}, {0})), true);
    if (bias && !bias32) r.input(qt<int64_t>({1}, {500}, qp({1e-5f}, {0})), true);
    return r.output(DType::kInt16, qp({1e-4f}, {0})).run()[0].values<int16_t>();
  };
  EXPECT_EQ(run(false, false), (std::vector<int16_t>{700, -700}));
  EXPECT_EQ(run(true, false), (std::vector<int16_t>{750, -650}));
  EXPECT_EQ(run(true, true), (std::vector<int16_t>{750, -650}));
}

TEST(TransposeConvInt8Test, Rejects) {
  auto make = [](TensorData w, TensorData in, std::optional<TensorData> bias, DType out_type) {
    OpRunner r(Op::TRANSPOSE_CONV, params(1));
    r.input(i32({4}, {1, 1, 1, 1}), true).input(std::move(w), true).input(std::move(in));
    if (bias) r.input(std::move(*bias), true);
    r.output(out_type, qp({1.0f}, {0}));
    return r;
  };
  const auto w8 = qt<int8_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {0}));
  const auto in8 = qt<int8_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {0}));
  const auto in16 = qt<int16_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {0}));
  EXPECT_NO_THROW(make(w8, in8, qt<int32_t>({1}, {0}, qp({1.0f}, {0})), DType::kInt8).run());
  EXPECT_THROW(make(w8, in8, qt<int64_t>({1}, {0}, qp({1.0f}, {0})), DType::kInt8).run(), Error);
  EXPECT_THROW(make(w8, in8, std::nullopt, DType::kInt16).run(), Error);
  EXPECT_THROW(make(w8, in16, std::nullopt, DType::kInt8).run(), Error);
  EXPECT_THROW(make(w8, qt<int16_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {2})), std::nullopt, DType::kInt16).run(), Error);
  EXPECT_THROW(make(qt<int8_t>({1, 1, 1, 1}, {1}, qp({1.0f}, {1})), in8, std::nullopt, DType::kInt8).run(), Error);
  EXPECT_THROW(make(w8, f32({1, 1, 1, 1}, {1}), std::nullopt, DType::kFloat32).run(), Error);  // no hybrid
  EXPECT_THROW(make(qt<int8_t>({1, 1, 1, 1}, {1}, qp({1.0f, 2.0f}, {0, 0})), in8, std::nullopt, DType::kInt8).run(),
               Error);
}

}  // namespace
}  // namespace liteq
