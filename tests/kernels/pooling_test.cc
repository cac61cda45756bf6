// AVERAGE_POOL_2D / MAX_POOL_2D: hand-checked cases, a float64 reference on random
// shapes, errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "kernels/op_runner.h"

namespace liteq {
namespace {

using test::f32;
using test::OpRunner;

rt::PoolParams pool_params(rt::Padding padding, int filter_h, int filter_w, int stride_h, int stride_w,
                           rt::Activation act = rt::Activation::kNone) {
  rt::PoolParams p;
  p.padding = padding;
  p.filter_h = filter_h;
  p.filter_w = filter_w;
  p.stride_h = stride_h;
  p.stride_w = stride_w;
  p.activation = act;
  return p;
}

std::vector<float> iota_f(int n, float start = 1) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = start + i;
  return v;
}

TEST(PoolingTest, AverageValid) {
  // 4x4 input 1..16, 2x2 windows, stride 2: (1+2+5+6)/4 = 3.5, (3+4+7+8)/4 = 5.5,
  // (9+10+13+14)/4 = 11.5, (11+12+15+16)/4 = 13.5.
  auto out = OpRunner(Op::AVERAGE_POOL_2D, pool_params(rt::Padding::kValid, 2, 2, 2, 2))
                 .input(f32({1, 4, 4, 1}, iota_f(16)))
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 2, 2, 1}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{3.5f, 5.5f, 11.5f, 13.5f}));
}

TEST(PoolingTest, AverageSameCountsOnlyInBoundsElements) {
  // 3x3 input 1..9, 3x3 window, stride 1, SAME (pad 1 each side).
  // Corner (0,0): in-bounds 1,2,4,5 -> 12/4 = 3. Edge (0,1): 1..6 -> 21/6 = 3.5.
  // Centre: 45/9 = 5. (Dividing by 9 everywhere would give 12/9 at the corner.)
  auto out = OpRunner(Op::AVERAGE_POOL_2D, pool_params(rt::Padding::kSame, 3, 3, 1, 1))
                 .input(f32({1, 3, 3, 1}, iota_f(9)))
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 3, 3, 1}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7}));
}

TEST(PoolingTest, MaxSameStride2WithChannels) {
  // 3x3 input, 2 channels: c0 = 1..9, c1 = -(1..9). 2x2 window, stride 2, SAME:
  // out 2x2, total pad (2-1)*2 + 2 - 3 = 1, 0 before (the extra row/col is at the end).
  // c0 maxima: {1,2,4,5} = 5, {3,6} = 6, {7,8} = 8, {9} = 9.
  // c1 maxima: -1, -3, -7, -9.
  std::vector<float> in;
  for (int i = 1; i <= 9; ++i) {
    in.push_back(float(i));
    in.push_back(-float(i));
  }
  auto out = OpRunner(Op::MAX_POOL_2D, pool_params(rt::Padding::kSame, 2, 2, 2, 2))
                 .input(f32({1, 3, 3, 2}, in))
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 2, 2, 2}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{5, -1, 6, -3, 8, -7, 9, -9}));
}

TEST(PoolingTest, Activations) {
  // 1x1 windows pass values through the clamp.
  auto run = [](Op op, rt::Activation a) {
    return OpRunner(op, pool_params(rt::Padding::kValid, 1, 1, 1, 1, a))
        .input(f32({1, 1, 4, 1}, {-3, -0.5f, 0.5f, 8}))
        .run()[0]
        .values<float>();
  };
  for (Op op : {Op::AVERAGE_POOL_2D, Op::MAX_POOL_2D}) {
    EXPECT_EQ(run(op, rt::Activation::kRelu), (std::vector<float>{0, 0, 0.5f, 8}));
    EXPECT_EQ(run(op, rt::Activation::kRelu6), (std::vector<float>{0, 0, 0.5f, 6}));
    EXPECT_EQ(run(op, rt::Activation::kReluN1To1), (std::vector<float>{-1, -0.5f, 0.5f, 1}));
  }
}

TEST(PoolingTest, MatchesFloat64ReferenceOnRandomShapes) {
  std::mt19937 rng(5);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::uniform_real_distribution<float> val(-4, 4);
  const rt::Activation acts[] = {rt::Activation::kNone, rt::Activation::kRelu, rt::Activation::kRelu6,
                                 rt::Activation::kReluN1To1};
  int tested = 0;
  for (int iter = 0; iter < 300; ++iter) {
    const bool is_max = pick(0, 1), same = pick(0, 1);
    const int N = pick(1, 2), H = pick(1, 9), W = pick(1, 9), C = pick(1, 4);
    const int FH = pick(1, 4), FW = pick(1, 4), SH = pick(1, 3), SW = pick(1, 3);
    if (!same && (H < FH || W < FW)) continue;
    const auto act = acts[pick(0, 3)];
    std::vector<float> in(size_t(N) * H * W * C);
    for (auto& x : in) x = val(rng);
    const auto out = OpRunner(is_max ? Op::MAX_POOL_2D : Op::AVERAGE_POOL_2D,
                              pool_params(same ? rt::Padding::kSame : rt::Padding::kValid, FH, FW, SH, SW, act))
                         .input(f32({N, H, W, C}, in))
                         .run();
    const int OH = same ? (H + SH - 1) / SH : (H - FH + SH) / SH;
    const int OW = same ? (W + SW - 1) / SW : (W - FW + SW) / SW;
    ASSERT_EQ(out[0].dims, (std::vector<int32_t>{N, OH, OW, C}));
    const int pt = same ? std::max(0, (OH - 1) * SH + FH - H) / 2 : 0;
    const int pl = same ? std::max(0, (OW - 1) * SW + FW - W) / 2 : 0;
    const auto got = out[0].values<float>();
    size_t i = 0;
    for (int b = 0; b < N; ++b)
      for (int oy = 0; oy < OH; ++oy)
        for (int ox = 0; ox < OW; ++ox)
          for (int c = 0; c < C; ++c, ++i) {
            double sum = 0, mx = -std::numeric_limits<double>::infinity();
            int count = 0;
            for (int ky = 0; ky < FH; ++ky)
              for (int kx = 0; kx < FW; ++kx) {
                const int y = oy * SH - pt + ky, x = ox * SW - pl + kx;
                if (y < 0 || y >= H || x < 0 || x >= W) continue;
                const double v = in[((b * H + y) * W + x) * C + c];
                sum += v;
                mx = std::max(mx, v);
                ++count;
              }
            ASSERT_GT(count, 0);
            double want = is_max ? mx : sum / count;
            if (act == rt::Activation::kRelu) want = std::max(want, 0.0);
            if (act == rt::Activation::kRelu6) want = std::min(std::max(want, 0.0), 6.0);
            if (act == rt::Activation::kReluN1To1) want = std::min(std::max(want, -1.0), 1.0);
            if (is_max) {
              ASSERT_EQ(got[i], float(want)) << "iteration " << iter;
            } else {
              ASSERT_NEAR(got[i], want, 1e-5 * 4 + 1e-6) << "iteration " << iter;
            }
          }
    ++tested;
  }
  EXPECT_GT(tested, 200);
}

TEST(PoolingTest, RejectsWrongInputCount) {
  EXPECT_THROW(OpRunner(Op::MAX_POOL_2D, pool_params(rt::Padding::kSame, 2, 2, 1, 1)).run(), Error);
  EXPECT_THROW(OpRunner(Op::AVERAGE_POOL_2D, pool_params(rt::Padding::kSame, 2, 2, 1, 1))
                   .input(f32({1, 2, 2, 1}, iota_f(4)))
                   .input(f32({1, 2, 2, 1}, iota_f(4)))
                   .run(),
               Error);
}

TEST(PoolingTest, RejectsWrongDtypeAndRank) {
  EXPECT_THROW(OpRunner(Op::MAX_POOL_2D, pool_params(rt::Padding::kSame, 2, 2, 1, 1))
                   .input(test::make_tensor<int8_t>({1, 2, 2, 1}, {1, 2, 3, 4}))
                   .run(),
               Error);
  EXPECT_THROW(OpRunner(Op::AVERAGE_POOL_2D, pool_params(rt::Padding::kSame, 2, 2, 1, 1))
                   .input(f32({1, 2, 2, 1}, iota_f(4)))
                   .output(DType::kInt32)
                   .run(),
               Error);
  EXPECT_THROW(OpRunner(Op::AVERAGE_POOL_2D, pool_params(rt::Padding::kSame, 2, 2, 1, 1))
                   .input(f32({2, 2, 1}, iota_f(4)))
                   .run(),
               Error);
}

TEST(PoolingTest, RejectsBadParameters) {
  auto run = [](rt::PoolParams p) {
    return OpRunner(Op::AVERAGE_POOL_2D, p).input(f32({1, 3, 3, 1}, iota_f(9))).run();
  };
  EXPECT_NO_THROW(run(pool_params(rt::Padding::kSame, 2, 2, 1, 1)));
  EXPECT_THROW(run(pool_params(rt::Padding::kSame, 2, 2, 0, 1)), Error);
  EXPECT_THROW(run(pool_params(rt::Padding::kSame, 2, 2, 1, -1)), Error);
  EXPECT_THROW(run(pool_params(rt::Padding::kSame, 0, 2, 1, 1)), Error);
  EXPECT_THROW(run(pool_params(rt::Padding::kSame, 2, -2, 1, 1)), Error);
  EXPECT_THROW(run(pool_params(rt::Padding::kSame, 2, 2, 0x7fffffff, 1)), Error);
  EXPECT_THROW(run(pool_params(rt::Padding::kValid, 5, 5, 1, 1)), Error);  // (3 - 5 + 1) < 0 outputs
  // A window one larger than the input gives an empty output, as in TFLite.
  EXPECT_EQ(run(pool_params(rt::Padding::kValid, 4, 4, 1, 1))[0].dims, (std::vector<int32_t>{1, 0, 0, 1}));
  EXPECT_THROW(run(pool_params(static_cast<rt::Padding>(9), 2, 2, 1, 1)), Error);
  EXPECT_THROW(run(pool_params(rt::Padding::kSame, 2, 2, 1, 1, rt::Activation::kTanh)), Error);
  EXPECT_THROW(OpRunner(Op::MAX_POOL_2D, rt::ConvParams{}).input(f32({1, 3, 3, 1}, iota_f(9))).run(), Error);
}

}  // namespace
}  // namespace liteq
