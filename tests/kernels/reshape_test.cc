// RESHAPE, SQUEEZE, EXPAND_DIMS.
#include <gtest/gtest.h>

#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

rt::ReshapeParams new_shape(std::vector<int32_t> s) {
  rt::ReshapeParams p;
  p.has_new_shape = true;
  p.new_shape = std::move(s);
  return p;
}

rt::SqueezeParams squeeze(std::vector<int32_t> dims) {
  rt::SqueezeParams p;
  p.squeeze_dims = std::move(dims);
  return p;
}

const std::vector<float> k6 = {1, 2, 3, 4, 5, 6};

TEST(ReshapeKernel, FromShapeInput) {
  auto out = OpRunner(Op::RESHAPE, rt::ReshapeParams{}).input(f32({2, 3}, k6)).input(i32({2}, {3, 2}), true).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{3, 2}));
  EXPECT_EQ(out[0].values<float>(), k6);
}

TEST(ReshapeKernel, ShapeInputWinsOverOptions) {
  auto out = OpRunner(Op::RESHAPE, new_shape({6})).input(f32({2, 3}, k6)).input(i32({3}, {1, 3, 2}), true).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 3, 2}));
}

TEST(ReshapeKernel, Int64ShapeInput) {
  auto out = OpRunner(Op::RESHAPE)
                 .input(f32({2, 3}, k6))
                 .input(make_tensor<int64_t>({2}, {-1, 2}), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{3, 2}));
}

TEST(ReshapeKernel, FromOptionsWithoutShapeInput) {
  auto out = OpRunner(Op::RESHAPE, new_shape({3, -1})).input(f32({6}, k6)).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{3, 2}));
  EXPECT_EQ(out[0].values<float>(), k6);
  // Absent optional shape input.
  out = OpRunner(Op::RESHAPE, new_shape({-1})).input(f32({2, 3}, k6)).absent_input().run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{6}));
}

TEST(ReshapeKernel, EmptyShapeInputFallsBackToOptions) {
  auto out = OpRunner(Op::RESHAPE, new_shape({2, 3})).input(f32({6}, k6)).input(i32({0}, {}), true).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 3}));
}

TEST(ReshapeKernel, ScalarOutputs) {
  // An empty shape tensor (and no new_shape): scalar.
  auto out = OpRunner(Op::RESHAPE, rt::ReshapeParams{}).input(f32({1, 1}, {7})).input(i32({0}, {}), true).run();
  EXPECT_TRUE(out[0].dims.empty());
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{7}));
  // Legacy new_shape [0] means scalar.
  out = OpRunner(Op::RESHAPE, new_shape({0})).input(f32({1}, {7})).run();
  EXPECT_TRUE(out[0].dims.empty());
  // Empty new_shape in the options: scalar.
  out = OpRunner(Op::RESHAPE, new_shape({})).input(f32({1, 1, 1}, {7})).run();
  EXPECT_TRUE(out[0].dims.empty());
}

TEST(ReshapeKernel, ZeroSizedTensors) {
  auto out = OpRunner(Op::RESHAPE).input(f32({0, 3}, {})).input(i32({3}, {3, 0, 5}), true).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{3, 0, 5}));
}

TEST(ReshapeKernel, AllDtypesCopyBytes) {
  auto i8 = OpRunner(Op::RESHAPE).input(make_tensor<int8_t>({2, 2}, {-1, 2, -3, 4})).input(i32({1}, {4}), true).run();
  EXPECT_EQ(i8[0].type, DType::kInt8);
  EXPECT_EQ(i8[0].values<int8_t>(), (std::vector<int8_t>{-1, 2, -3, 4}));
  auto i64 = OpRunner(Op::RESHAPE).input(make_tensor<int64_t>({2}, {1LL << 40, -5})).input(i32({2}, {1, 2}), true).run();
  EXPECT_EQ(i64[0].values<int64_t>(), (std::vector<int64_t>{1LL << 40, -5}));
  auto b = OpRunner(Op::RESHAPE)
               .input(make_tensor<uint8_t>({2}, {1, 0}, DType::kBool))
               .input(i32({2}, {2, 1}), true)
               .run();
  EXPECT_EQ(b[0].type, DType::kBool);
  EXPECT_EQ(b[0].values<uint8_t>(), (std::vector<uint8_t>{1, 0}));
  auto h = OpRunner(Op::RESHAPE).input(make_tensor<uint16_t>({2}, {0x3c00, 0x4000})).input(i32({1}, {2}), true).run();
  EXPECT_EQ(h[0].type, DType::kFloat16);
  EXPECT_EQ(h[0].values<uint16_t>(), (std::vector<uint16_t>{0x3c00, 0x4000}));
}

TEST(ReshapeKernel, Errors) {
  // Element count mismatch.
  EXPECT_THROW(OpRunner(Op::RESHAPE).input(f32({2, 3}, k6)).input(i32({2}, {4, 2}), true).run(), Error);
  // Two -1.
  EXPECT_THROW(OpRunner(Op::RESHAPE).input(f32({2, 3}, k6)).input(i32({2}, {-1, -1}), true).run(), Error);
  // -1 that cannot be inferred.
  EXPECT_THROW(OpRunner(Op::RESHAPE).input(f32({2, 3}, k6)).input(i32({2}, {-1, 4}), true).run(), Error);
  EXPECT_THROW(OpRunner(Op::RESHAPE).input(f32({0}, {})).input(i32({2}, {-1, 0}), true).run(), Error);
  // Other negative values.
  EXPECT_THROW(OpRunner(Op::RESHAPE).input(f32({2, 3}, k6)).input(i32({2}, {-2, -3}), true).run(), Error);
  // Non-constant shape input.
  EXPECT_THROW(OpRunner(Op::RESHAPE).input(f32({2, 3}, k6)).input(i32({2}, {3, 2})).run(), Error);
  // Shape input of the wrong dtype or rank.
  EXPECT_THROW(OpRunner(Op::RESHAPE).input(f32({2, 3}, k6)).input(f32({2}, {3, 2}), true).run(), Error);
  EXPECT_THROW(OpRunner(Op::RESHAPE).input(f32({2, 3}, k6)).input(i32({1, 2}, {3, 2}), true).run(), Error);
  // No shape at all.
  EXPECT_THROW(OpRunner(Op::RESHAPE).input(f32({1}, {1})).run(), Error);
  // Scalar requested for more than one element.
  EXPECT_THROW(OpRunner(Op::RESHAPE).input(f32({2}, {1, 2})).input(i32({0}, {}), true).run(), Error);
  // Output dtype differs; wrong counts; string input.
  EXPECT_THROW(OpRunner(Op::RESHAPE).input(f32({2}, {1, 2})).input(i32({1}, {2}), true).output(DType::kInt32).run(),
               Error);
  EXPECT_THROW(OpRunner(Op::RESHAPE).run(), Error);
  EXPECT_THROW(OpRunner(Op::RESHAPE)
                   .input(f32({2}, {1, 2}))
                   .input(i32({1}, {2}), true)
                   .input(i32({1}, {2}), true)
                   .run(),
               Error);
  EXPECT_THROW(OpRunner(Op::RESHAPE).input(make_tensor<uint8_t>({2}, {1, 2}, DType::kString)).input(i32({1}, {2}), true).run(),
               Error);
}

TEST(SqueezeKernel, ListedDims) {
  auto out = OpRunner(Op::SQUEEZE, squeeze({0, 2})).input(f32({1, 2, 1, 3, 1}, k6)).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 3, 1}));
  EXPECT_EQ(out[0].values<float>(), k6);
  out = OpRunner(Op::SQUEEZE, squeeze({-1})).input(f32({1, 2, 1, 3, 1}, k6)).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 2, 1, 3}));
  // Duplicates (one negative, one positive) name the same dim.
  out = OpRunner(Op::SQUEEZE, squeeze({2, -3})).input(f32({1, 2, 1, 3, 1}, k6)).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 2, 3, 1}));
}

TEST(SqueezeKernel, AllSizeOneDims) {
  auto out = OpRunner(Op::SQUEEZE, squeeze({})).input(f32({1, 2, 1, 3, 1}, k6)).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 3}));
  out = OpRunner(Op::SQUEEZE).input(make_tensor<int16_t>({1, 1}, {-9})).run();
  EXPECT_TRUE(out[0].dims.empty());
  EXPECT_EQ(out[0].values<int16_t>(), (std::vector<int16_t>{-9}));
}

TEST(SqueezeKernel, Errors) {
  EXPECT_THROW(OpRunner(Op::SQUEEZE, squeeze({1})).input(f32({1, 2, 3}, k6)).run(), Error);  // dim is 2
  EXPECT_THROW(OpRunner(Op::SQUEEZE, squeeze({3})).input(f32({1, 2, 3}, k6)).run(), Error);  // out of range
  EXPECT_THROW(OpRunner(Op::SQUEEZE, squeeze({-4})).input(f32({1, 2, 3}, k6)).run(), Error);
  EXPECT_THROW(OpRunner(Op::SQUEEZE, squeeze({})).input(f32({1}, {1})).input(f32({1}, {1})).run(), Error);
  EXPECT_THROW(OpRunner(Op::SQUEEZE, squeeze({})).input(f32({1}, {1})).output(DType::kInt8).run(), Error);
}

TEST(ExpandDimsKernel, Axes) {
  const auto in = f32({2, 3}, k6);
  struct Case {
    int32_t axis;
    std::vector<int32_t> dims;
  };
  for (const auto& c : std::vector<Case>{{0, {1, 2, 3}},
                                         {1, {2, 1, 3}},
                                         {2, {2, 3, 1}},
                                         {-1, {2, 3, 1}},
                                         {-2, {2, 1, 3}},
                                         {-3, {1, 2, 3}}}) {
    auto out = OpRunner(Op::EXPAND_DIMS).input(in).input(i32({1}, {c.axis}), true).run();
    EXPECT_EQ(out[0].dims, c.dims) << "axis " << c.axis;
    EXPECT_EQ(out[0].values<float>(), k6);
  }
  // Scalar int64 axis, scalar input.
  auto out = OpRunner(Op::EXPAND_DIMS).input(make_tensor<uint8_t>({}, {42})).input(make_tensor<int64_t>({}, {0}), true).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1}));
  EXPECT_EQ(out[0].values<uint8_t>(), (std::vector<uint8_t>{42}));
}

TEST(ExpandDimsKernel, Errors) {
  const auto in = f32({2, 3}, k6);
  EXPECT_THROW(OpRunner(Op::EXPAND_DIMS).input(in).input(i32({1}, {3}), true).run(), Error);
  EXPECT_THROW(OpRunner(Op::EXPAND_DIMS).input(in).input(i32({1}, {-4}), true).run(), Error);
  EXPECT_THROW(OpRunner(Op::EXPAND_DIMS).input(in).input(i32({1}, {0})).run(), Error);  // not constant
  EXPECT_THROW(OpRunner(Op::EXPAND_DIMS).input(in).input(i32({2}, {0, 1}), true).run(), Error);
  EXPECT_THROW(OpRunner(Op::EXPAND_DIMS).input(in).input(f32({1}, {0}), true).run(), Error);
  EXPECT_THROW(OpRunner(Op::EXPAND_DIMS).input(in).run(), Error);
}

}  // namespace
}  // namespace liteq::test
