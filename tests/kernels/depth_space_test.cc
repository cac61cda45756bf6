// DEPTH_TO_SPACE, SPACE_TO_DEPTH.
#include <gtest/gtest.h>

#include <random>

#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

rt::BlockParams block(int b) {
  rt::BlockParams p;
  p.block_size = b;
  return p;
}

TEST(DepthSpaceKernel, DepthToSpaceHandChecked) {
  // [1,1,1,4] with block 2 -> [1,2,2,1]: depth (by*2+bx) goes to pixel (by, bx).
  auto out = OpRunner(Op::DEPTH_TO_SPACE, block(2)).input(f32({1, 1, 1, 4}, {1, 2, 3, 4})).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 2, 2, 1}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{1, 2, 3, 4}));
  // [1,1,2,4] block 2 -> [1,2,4,1]
  out = OpRunner(Op::DEPTH_TO_SPACE, block(2)).input(f32({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8})).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 2, 4, 1}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{1, 2, 5, 6, 3, 4, 7, 8}));
  // Two output channels: [1,1,1,8] -> [1,2,2,2]
  out = OpRunner(Op::DEPTH_TO_SPACE, block(2)).input(i32({1, 1, 1, 8}, {1, 2, 3, 4, 5, 6, 7, 8})).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 2, 2, 2}));
  EXPECT_EQ(out[0].values<int32_t>(), (std::vector<int32_t>{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(DepthSpaceKernel, SpaceToDepthHandChecked) {
  auto out = OpRunner(Op::SPACE_TO_DEPTH, block(2)).input(f32({1, 2, 4, 1}, {1, 2, 5, 6, 3, 4, 7, 8})).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 1, 2, 4}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(DepthSpaceKernel, BlockOneIsIdentity) {
  auto out = OpRunner(Op::SPACE_TO_DEPTH, block(1)).input(make_tensor<int8_t>({1, 1, 2, 1}, {3, -3})).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 1, 2, 1}));
  EXPECT_EQ(out[0].values<int8_t>(), (std::vector<int8_t>{3, -3}));
}

TEST(DepthSpaceKernel, RoundTripRandom) {
  std::mt19937 rng(4);
  std::uniform_int_distribution<int> d(1, 3), bs_d(1, 3);
  for (int iter = 0; iter < 40; ++iter) {
    const int bs = bs_d(rng);
    const std::vector<int32_t> dims = {d(rng), d(rng) * bs, d(rng) * bs, d(rng)};
    const int n = dims[0] * dims[1] * dims[2] * dims[3];
    std::vector<int16_t> v(n);
    for (int i = 0; i < n; ++i) v[i] = static_cast<int16_t>(i);
    auto deep = OpRunner(Op::SPACE_TO_DEPTH, block(bs)).input(make_tensor<int16_t>(dims, v)).run()[0];
    ASSERT_EQ(deep.dims, (std::vector<int32_t>{dims[0], dims[1] / bs, dims[2] / bs, dims[3] * bs * bs}));
    // Naive check of one mapping: deep[b][h][w][(by*bs+bx)*C+c] = space[b][h*bs+by][w*bs+bx][c].
    const auto dv = deep.values<int16_t>();
    const int H = dims[1], W = dims[2], C = dims[3];
    for (int b = 0; b < dims[0]; ++b)
      for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x)
          for (int c = 0; c < C; ++c) {
            const int h = y / bs, by = y % bs, w = x / bs, bx = x % bs;
            const int deep_idx = ((b * (H / bs) + h) * (W / bs) + w) * C * bs * bs + (by * bs + bx) * C + c;
            ASSERT_EQ(dv[deep_idx], v[((b * H + y) * W + x) * C + c]);
          }
    auto back = OpRunner(Op::DEPTH_TO_SPACE, block(bs)).input(deep).run()[0];
    ASSERT_EQ(back.dims, dims);
    ASSERT_EQ(back.values<int16_t>(), v);
  }
}

TEST(DepthSpaceKernel, Errors) {
  EXPECT_THROW(OpRunner(Op::DEPTH_TO_SPACE, block(2)).input(f32({1, 1, 1, 3}, {1, 2, 3})).run(), Error);  // 3 % 4
  EXPECT_THROW(OpRunner(Op::SPACE_TO_DEPTH, block(2)).input(f32({1, 3, 2, 1}, {1, 2, 3, 4, 5, 6})).run(), Error);
  EXPECT_THROW(OpRunner(Op::SPACE_TO_DEPTH, block(0)).input(f32({1, 1, 1, 1}, {1})).run(), Error);
  EXPECT_THROW(OpRunner(Op::DEPTH_TO_SPACE, block(-1)).input(f32({1, 1, 1, 1}, {1})).run(), Error);
  EXPECT_THROW(OpRunner(Op::DEPTH_TO_SPACE, block(1)).input(f32({1, 1, 1}, {1})).run(), Error);  // not 4-D
  EXPECT_THROW(OpRunner(Op::DEPTH_TO_SPACE).input(f32({1, 1, 1, 1}, {1})).run(), Error);  // no options
  EXPECT_THROW(OpRunner(Op::SPACE_TO_DEPTH, block(1)).input(f32({1, 1, 1, 1}, {1})).output(DType::kInt8).run(), Error);
  EXPECT_THROW(OpRunner(Op::SPACE_TO_DEPTH, block(1)).run(), Error);
  EXPECT_THROW(
      OpRunner(Op::SPACE_TO_DEPTH, block(1)).input(make_tensor<uint8_t>({1, 1, 1, 1}, {1}, DType::kString)).run(),
      Error);
}

}  // namespace
}  // namespace liteq::test
