// SPLIT.
#include <gtest/gtest.h>

#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

rt::SplitParams splits(int n) {
  rt::SplitParams p;
  p.num_splits = n;
  return p;
}

OpRunner& outputs(OpRunner& r, int n, DType t = DType::kFloat32) {
  for (int i = 0; i < n; ++i) r.output(t);
  return r;
}

TEST(SplitKernel, Axis1) {
  OpRunner r(Op::SPLIT, splits(2));
  r.input(i32({}, {1}), true).input(f32({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}));
  auto out = outputs(r, 2).run();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 2}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{1, 2, 5, 6}));
  EXPECT_EQ(out[1].values<float>(), (std::vector<float>{3, 4, 7, 8}));
}

TEST(SplitKernel, Axis0NegativeAndThreeWays) {
  OpRunner r(Op::SPLIT, splits(3));
  r.input(i32({1}, {-2}), true).input(i32({3, 2}, {1, 2, 3, 4, 5, 6}));
  auto out = outputs(r, 3, DType::kInt32).run();
  ASSERT_EQ(out.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(out[i].dims, (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(out[i].values<int32_t>(), (std::vector<int32_t>{2 * i + 1, 2 * i + 2}));
  }
}

TEST(SplitKernel, OneSplitIsCopy) {
  OpRunner r(Op::SPLIT, splits(1));
  r.input(i32({}, {0}), true).input(make_tensor<int8_t>({3}, {1, -2, 3}));
  auto out = outputs(r, 1, DType::kInt8).run();
  EXPECT_EQ(out[0].values<int8_t>(), (std::vector<int8_t>{1, -2, 3}));
}

TEST(SplitKernel, InnermostAxis3D) {
  OpRunner r(Op::SPLIT, splits(2));
  r.input(i32({}, {2}), true).input(make_tensor<int64_t>({2, 1, 2}, {10, 20, 30, 40}));
  auto out = outputs(r, 2, DType::kInt64).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 1, 1}));
  EXPECT_EQ(out[0].values<int64_t>(), (std::vector<int64_t>{10, 30}));
  EXPECT_EQ(out[1].values<int64_t>(), (std::vector<int64_t>{20, 40}));
}

TEST(SplitKernel, Errors) {
  const auto data = f32({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  {  // dim not divisible
    OpRunner r(Op::SPLIT, splits(3));
    r.input(i32({}, {1}), true).input(data);
    EXPECT_THROW(outputs(r, 3).run(), Error);
  }
  {  // axis out of range
    OpRunner r(Op::SPLIT, splits(2));
    r.input(i32({}, {2}), true).input(data);
    EXPECT_THROW(outputs(r, 2).run(), Error);
  }
  {  // non-constant axis
    OpRunner r(Op::SPLIT, splits(2));
    r.input(i32({}, {1})).input(data);
    EXPECT_THROW(outputs(r, 2).run(), Error);
  }
  {  // int64 / float axis
    OpRunner r(Op::SPLIT, splits(2));
    r.input(make_tensor<int64_t>({}, {1}), true).input(data);
    EXPECT_THROW(outputs(r, 2).run(), Error);
  }
  {  // output count differs from num_splits
    OpRunner r(Op::SPLIT, splits(2));
    r.input(i32({}, {1}), true).input(data);
    EXPECT_THROW(outputs(r, 4).run(), Error);
  }
  {  // num_splits 0
    OpRunner r(Op::SPLIT, splits(0));
    r.input(i32({}, {1}), true).input(data);
    EXPECT_THROW(outputs(r, 1).run(), Error);
  }
  {  // missing data input
    OpRunner r(Op::SPLIT, splits(2));
    r.input(i32({}, {1}), true);
    EXPECT_THROW(outputs(r, 2).run(), Error);
  }
  {  // output dtype mismatch
    OpRunner r(Op::SPLIT, splits(2));
    r.input(i32({}, {1}), true).input(data);
    EXPECT_THROW(r.output(DType::kFloat32).output(DType::kInt32).run(), Error);
  }
  {  // axis tensor with two elements
    OpRunner r(Op::SPLIT, splits(2));
    r.input(i32({2}, {1, 1}), true).input(data);
    EXPECT_THROW(outputs(r, 2).run(), Error);
  }
}

}  // namespace
}  // namespace liteq::test
