// DEPTHWISE_CONV_2D: hand-checked cases, a float64 reference on random shapes, errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "kernels/op_runner.h"

namespace liteq {
namespace {

using test::f32;
using test::OpRunner;

rt::DepthwiseConvParams dw_params(rt::Padding padding, int stride_h = 1, int stride_w = 1, int dil_h = 1,
                                  int dil_w = 1, rt::Activation act = rt::Activation::kNone) {
  rt::DepthwiseConvParams p;
  p.padding = padding;
  p.stride_h = stride_h;
  p.stride_w = stride_w;
  p.dilation_h = dil_h;
  p.dilation_w = dil_w;
  p.activation = act;
  return p;
}

std::vector<float> iota_f(int n, float start = 1) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = start + i;
  return v;
}

TEST(DepthwiseConvTest, PerChannelFilters) {
  // 2x2 input with channels (a, b): a = [1 2; 3 4], b = [10 20; 30 40].
  // Filter 2x2 per channel: a taps [1 0; 0 1] (diagonal), b taps [1 1; 1 1] (sum).
  // VALID: one pixel: a = 1 + 4 = 5, b = 100; bias [0.5, -1] -> [5.5, 99].
  auto out = OpRunner(Op::DEPTHWISE_CONV_2D, dw_params(rt::Padding::kValid))
                 .input(f32({1, 2, 2, 2}, {1, 10, 2, 20, 3, 30, 4, 40}))
                 .input(f32({1, 2, 2, 2}, {1, 1, 0, 1, 0, 1, 1, 1}), true)
                 .input(f32({2}, {0.5f, -1}), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 1, 1, 2}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{5.5f, 99}));
}

TEST(DepthwiseConvTest, DepthMultiplierDerivedFromShapes) {
  // 2 input channels [1, 2], 1x1 filter with 6 outputs (multiplier 3):
  // output channel ic*3+m = input[ic] * w[ic*3+m], w = [1 2 3 4 5 6] -> [1 2 3 8 10 12].
  // The options' depth_multiplier (here a wrong 7) is ignored, as TFLite does.
  auto p = dw_params(rt::Padding::kSame);
  p.depth_multiplier = 7;
  auto out = OpRunner(Op::DEPTHWISE_CONV_2D, p)
                 .input(f32({1, 1, 1, 2}, {1, 2}))
                 .input(f32({1, 1, 1, 6}, iota_f(6)), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 1, 1, 6}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{1, 2, 3, 8, 10, 12}));
}

TEST(DepthwiseConvTest, SamePaddingStrideDilation) {
  // One channel, row [1 2 3 4 5], taps [1, 10] dilation 2 (span 3), SAME stride 2:
  // out = ceil(5/2) = 3, total pad = (3-1)*2 + 3 - 5 = 2, 1 before.
  // ox=0: x = -1 (pad), 1 -> 10*2 = 20; ox=1: x = 1, 3 -> 2 + 40 = 42; ox=2: x = 3, 5(pad) -> 4.
  auto out = OpRunner(Op::DEPTHWISE_CONV_2D, dw_params(rt::Padding::kSame, 1, 2, 1, 2, rt::Activation::kRelu6))
                 .input(f32({1, 1, 5, 1}, iota_f(5)))
                 .input(f32({1, 1, 2, 1}, {1, 10}), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 1, 3, 1}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{6, 6, 4}));  // RELU6 clamps 20, 42
}

// ---- float64 reference ---------------------------------------------------------------

int out_size(rt::Padding pad, int in, int k, int s, int d) {
  const int eff = (k - 1) * d + 1;
  return pad == rt::Padding::kSame ? (in + s - 1) / s : (in - eff + s) / s;
}

double clamp_act(double x, rt::Activation a) {
  switch (a) {
    case rt::Activation::kRelu: return std::max(x, 0.0);
    case rt::Activation::kRelu6: return std::min(std::max(x, 0.0), 6.0);
    case rt::Activation::kReluN1To1: return std::min(std::max(x, -1.0), 1.0);
    default: return x;
  }
}

TEST(DepthwiseConvTest, MatchesFloat64ReferenceOnRandomShapes) {
  std::mt19937 rng(99);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::uniform_real_distribution<float> val(-2, 2);
  auto rand_vec = [&](size_t n) {
    std::vector<float> v(n);
    for (auto& x : v) x = val(rng);
    return v;
  };
  const rt::Activation acts[] = {rt::Activation::kNone, rt::Activation::kRelu, rt::Activation::kRelu6,
                                 rt::Activation::kReluN1To1};
  int tested = 0;
  for (int iter = 0; iter < 300; ++iter) {
    const auto p = dw_params(pick(0, 1) ? rt::Padding::kSame : rt::Padding::kValid, pick(1, 3), pick(1, 3),
                             pick(1, 2), pick(1, 2), acts[pick(0, 3)]);
    const int N = pick(1, 2), H = pick(1, 9), W = pick(1, 9), C = pick(1, 5), M = pick(1, 3);
    const int KH = pick(1, 4), KW = pick(1, 4), O = C * M;
    if (p.padding == rt::Padding::kValid &&
        (H < (KH - 1) * p.dilation_h + 1 || W < (KW - 1) * p.dilation_w + 1))
      continue;
    const auto in = rand_vec(size_t(N) * H * W * C);
    const auto w = rand_vec(size_t(KH) * KW * O);
    const auto bias = rand_vec(O);
    const bool with_bias = pick(0, 1);
    OpRunner runner(Op::DEPTHWISE_CONV_2D, p);
    runner.input(f32({N, H, W, C}, in)).input(f32({1, KH, KW, O}, w), true);
    if (with_bias) {
      runner.input(f32({O}, bias), true);
    } else if (pick(0, 1)) {
      runner.absent_input();
    }
    const auto out = runner.run();
    const int OH = out_size(p.padding, H, KH, p.stride_h, p.dilation_h);
    const int OW = out_size(p.padding, W, KW, p.stride_w, p.dilation_w);
    ASSERT_EQ(out[0].dims, (std::vector<int32_t>{N, OH, OW, O})) << "iteration " << iter;
    const int pt = p.padding == rt::Padding::kSame
                       ? std::max(0, (OH - 1) * p.stride_h + (KH - 1) * p.dilation_h + 1 - H) / 2
                       : 0;
    const int pl = p.padding == rt::Padding::kSame
                       ? std::max(0, (OW - 1) * p.stride_w + (KW - 1) * p.dilation_w + 1 - W) / 2
                       : 0;
    const auto got = out[0].values<float>();
    size_t i = 0;
    for (int b = 0; b < N; ++b)
      for (int oy = 0; oy < OH; ++oy)
        for (int ox = 0; ox < OW; ++ox)
          for (int o = 0; o < O; ++o, ++i) {
            const int c = o / M;
            double s = 0, mag = 0;
            for (int ky = 0; ky < KH; ++ky)
              for (int kx = 0; kx < KW; ++kx) {
                const int y = oy * p.stride_h - pt + ky * p.dilation_h;
                const int x = ox * p.stride_w - pl + kx * p.dilation_w;
                if (y < 0 || y >= H || x < 0 || x >= W) continue;
                const double t = double(in[((b * H + y) * W + x) * C + c]) * double(w[(ky * KW + kx) * O + o]);
                s += t;
                mag += std::abs(t);
              }
            if (with_bias) {
              s += bias[o];
              mag += std::abs(bias[o]);
            }
            ASSERT_NEAR(got[i], clamp_act(s, p.activation), 1e-5 * mag + 1e-6)
                << "iteration " << iter << " element " << i;
          }
    ++tested;
  }
  EXPECT_GT(tested, 200);
}

// ---- errors ---------------------------------------------------------------------------

OpRunner good_dw(rt::DepthwiseConvParams p = dw_params(rt::Padding::kSame)) {
  OpRunner r(Op::DEPTHWISE_CONV_2D, p);
  r.input(f32({1, 3, 3, 2}, iota_f(18))).input(f32({1, 2, 2, 4}, iota_f(16)), true);
  return r;
}

TEST(DepthwiseConvTest, GoodConfigurationRuns) {
  EXPECT_NO_THROW(good_dw().run());
  EXPECT_NO_THROW(good_dw().input(f32({4}, iota_f(4)), true).run());
}

TEST(DepthwiseConvTest, RejectsWrongInputCount) {
  EXPECT_THROW(OpRunner(Op::DEPTHWISE_CONV_2D, dw_params(rt::Padding::kSame))
                   .input(f32({1, 3, 3, 2}, iota_f(18)))
                   .run(),
               Error);
  EXPECT_THROW(good_dw().input(f32({4}, iota_f(4)), true).input(f32({4}, iota_f(4)), true).run(), Error);
}

TEST(DepthwiseConvTest, RejectsWrongDtype) {
  EXPECT_THROW(good_dw().output(DType::kInt32).run(), Error);
  EXPECT_THROW(good_dw().input(test::i32({4}, {1, 2, 3, 4}), true).run(), Error);
  EXPECT_THROW(OpRunner(Op::DEPTHWISE_CONV_2D, dw_params(rt::Padding::kSame))
                   .input(f32({1, 3, 3, 2}, iota_f(18)))
                   .input(test::make_tensor<int8_t>({1, 2, 2, 4}, std::vector<int8_t>(16, 1)), true)
                   .output(DType::kFloat32)
                   .run(),
               Error);
}

TEST(DepthwiseConvTest, RejectsMismatchedChannels) {
  // 3 input channels, 4 filter channels: 4 is not a multiple of 3.
  EXPECT_THROW(OpRunner(Op::DEPTHWISE_CONV_2D, dw_params(rt::Padding::kSame))
                   .input(f32({1, 3, 3, 3}, iota_f(27)))
                   .input(f32({1, 2, 2, 4}, iota_f(16)), true)
                   .run(),
               Error);
  // Filter dim 0 must be 1.
  EXPECT_THROW(OpRunner(Op::DEPTHWISE_CONV_2D, dw_params(rt::Padding::kSame))
                   .input(f32({1, 3, 3, 2}, iota_f(18)))
                   .input(f32({2, 2, 2, 2}, iota_f(16)), true)
                   .run(),
               Error);
  // Zero input channels.
  EXPECT_THROW(OpRunner(Op::DEPTHWISE_CONV_2D, dw_params(rt::Padding::kSame))
                   .input(f32({1, 3, 3, 0}, {}))
                   .input(f32({1, 2, 2, 4}, iota_f(16)), true)
                   .run(),
               Error);
  EXPECT_THROW(good_dw().input(f32({2}, iota_f(2)), true).run(), Error);  // bias size
}

TEST(DepthwiseConvTest, RejectsBadParameters) {
  EXPECT_THROW(good_dw(dw_params(rt::Padding::kSame, 0, 1)).run(), Error);
  EXPECT_THROW(good_dw(dw_params(rt::Padding::kSame, 1, -1)).run(), Error);
  EXPECT_THROW(good_dw(dw_params(rt::Padding::kSame, 1, 1, 0, 1)).run(), Error);
  EXPECT_THROW(good_dw(dw_params(rt::Padding::kSame, 1, 1, 1, 0)).run(), Error);
  EXPECT_THROW(good_dw(dw_params(rt::Padding::kSame, 1, 1, 0x7fffffff, 1)).run(), Error);
  EXPECT_THROW(good_dw(dw_params(static_cast<rt::Padding>(2))).run(), Error);
  EXPECT_THROW(good_dw(dw_params(rt::Padding::kSame, 1, 1, 1, 1, rt::Activation::kTanh)).run(), Error);
  EXPECT_THROW(OpRunner(Op::DEPTHWISE_CONV_2D, rt::ConvParams{})
                   .input(f32({1, 3, 3, 2}, iota_f(18)))
                   .input(f32({1, 2, 2, 4}, iota_f(16)), true)
                   .run(),
               Error);
  EXPECT_THROW(OpRunner(Op::DEPTHWISE_CONV_2D, dw_params(rt::Padding::kValid))
                   .input(f32({1, 1, 1, 2}, iota_f(2)))
                   .input(f32({1, 3, 3, 2}, iota_f(18)), true)
                   .run(),
               Error);
}

}  // namespace
}  // namespace liteq
