// CONV_2D: hand-checked cases, a float64 reference on random shapes, and error cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "kernels/op_runner.h"

namespace liteq {
namespace {

using test::f32;
using test::OpRunner;

rt::ConvParams conv_params(rt::Padding padding, int stride_h = 1, int stride_w = 1, int dil_h = 1,
                           int dil_w = 1, rt::Activation act = rt::Activation::kNone) {
  rt::ConvParams p;
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

TEST(ConvTest, ValidStride1) {
  // Input 3x3 = [1 2 3; 4 5 6; 7 8 9], 2x2 filter of ones, bias 1:
  // 1+2+4+5+1 = 13, 2+3+5+6+1 = 17, 4+5+7+8+1 = 25, 5+6+8+9+1 = 29.
  auto out = OpRunner(Op::CONV_2D, conv_params(rt::Padding::kValid))
                 .input(f32({1, 3, 3, 1}, iota_f(9)))
                 .input(f32({1, 2, 2, 1}, {1, 1, 1, 1}), true)
                 .input(f32({1}, {1}), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 2, 2, 1}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{13, 17, 25, 29}));
}

TEST(ConvTest, SameStride2PadsBothSides) {
  // 3x3 input, 3x3 filter with weight 10^(ky*3+kx) would be big; use ky*3+kx+1 (1..9).
  // SAME, stride 2: out 2x2, total pad (2-1)*2+3-3 = 2, 1 before.
  // out(0,0): window rows -1..1, cols -1..1; in-bounds input (0..1,0..1) = 1,2,4,5 meet
  //   filter taps (1..2,1..2) = 5,6,8,9: 1*5+2*6+4*8+5*9 = 94.
  // out(0,1): cols 1..3 -> input cols 1,2 with taps kx 0,1; rows 0,1 with ky 1,2:
  //   2*4+3*5+5*7+6*8 = 106.
  // out(1,0): rows 1..3 -> input rows 1,2 with ky 0,1; cols 0,1 with kx 1,2:
  //   4*2+5*3+7*5+8*6 = 106.
  // out(1,1): input rows 1,2 / cols 1,2 with ky,kx 0,1: 5*1+6*2+8*4+9*5 = 94.
  auto out = OpRunner(Op::CONV_2D, conv_params(rt::Padding::kSame, 2, 2))
                 .input(f32({1, 3, 3, 1}, iota_f(9)))
                 .input(f32({1, 3, 3, 1}, iota_f(9)), true)
                 .absent_input()
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 2, 2, 1}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{94, 106, 106, 94}));
}

TEST(ConvTest, ChannelsAndNoBiasInput) {
  // 1x1 conv on one pixel [1, 2]: filter rows [1, 2] and [3, 4] -> [1+4, 3+8] = [5, 11].
  auto out = OpRunner(Op::CONV_2D, conv_params(rt::Padding::kValid))
                 .input(f32({1, 1, 1, 2}, {1, 2}))
                 .input(f32({2, 1, 1, 2}, {1, 2, 3, 4}), true)
                 .run();
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{5, 11}));
}

TEST(ConvTest, Grouped) {
  // Input channels [1, 2, 3, 4], filter [2, 1, 1, 2] -> 2 groups of 2 channels.
  // oc0 (group 0, channels 0,1) weights [1, 1]: 3; oc1 (group 1, channels 2,3) [1, -1]: -1.
  auto out = OpRunner(Op::CONV_2D, conv_params(rt::Padding::kValid))
                 .input(f32({1, 1, 1, 4}, {1, 2, 3, 4}))
                 .input(f32({2, 1, 1, 2}, {1, 1, 1, -1}), true)
                 .input(f32({2}, {0.5f, 0}), true)
                 .run();
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{3.5f, -1}));
}

TEST(ConvTest, Dilation) {
  // Row [1 2 3 4 5], taps [1, 10] at dilation 2 (span 3), VALID: 3 outputs
  // 1+30 = 31, 2+40 = 42, 3+50 = 53.
  auto out = OpRunner(Op::CONV_2D, conv_params(rt::Padding::kValid, 1, 1, 1, 2))
                 .input(f32({1, 1, 5, 1}, iota_f(5)))
                 .input(f32({1, 1, 2, 1}, {1, 10}), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 1, 3, 1}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{31, 42, 53}));
}

TEST(ConvTest, Activations) {
  // 1x1 identity conv of [-3, -0.5, 0.5, 8] with each activation.
  auto run = [](rt::Activation a) {
    return OpRunner(Op::CONV_2D, conv_params(rt::Padding::kValid, 1, 1, 1, 1, a))
        .input(f32({1, 1, 4, 1}, {-3, -0.5f, 0.5f, 8}))
        .input(f32({1, 1, 1, 1}, {1}), true)
        .run()[0]
        .values<float>();
  };
  EXPECT_EQ(run(rt::Activation::kNone), (std::vector<float>{-3, -0.5f, 0.5f, 8}));
  EXPECT_EQ(run(rt::Activation::kRelu), (std::vector<float>{0, 0, 0.5f, 8}));
  EXPECT_EQ(run(rt::Activation::kRelu6), (std::vector<float>{0, 0, 0.5f, 6}));
  EXPECT_EQ(run(rt::Activation::kReluN1To1), (std::vector<float>{-1, -0.5f, 0.5f, 1}));
}

// ---- float64 reference ---------------------------------------------------------------

struct Ref {
  std::vector<double> out;
  std::vector<double> mag;  // sum of |terms|, for the tolerance
  std::vector<int32_t> dims;
};

int out_size(rt::Padding pad, int in, int k, int s, int d) {
  const int eff = (k - 1) * d + 1;
  return pad == rt::Padding::kSame ? (in + s - 1) / s : (in - eff + s) / s;
}

Ref naive_conv(const std::vector<float>& in, const std::vector<int32_t>& id, const std::vector<float>& w,
               const std::vector<int32_t>& wd, const std::vector<float>* bias, const rt::ConvParams& p) {
  const int N = id[0], H = id[1], W = id[2], C = id[3];
  const int O = wd[0], KH = wd[1], KW = wd[2], FC = wd[3];
  const int groups = C / FC, per_group = O / groups;
  const int OH = out_size(p.padding, H, KH, p.stride_h, p.dilation_h);
  const int OW = out_size(p.padding, W, KW, p.stride_w, p.dilation_w);
  int pt = 0, pl = 0;
  if (p.padding == rt::Padding::kSame) {
    pt = std::max(0, (OH - 1) * p.stride_h + (KH - 1) * p.dilation_h + 1 - H) / 2;
    pl = std::max(0, (OW - 1) * p.stride_w + (KW - 1) * p.dilation_w + 1 - W) / 2;
  }
  Ref r;
  r.dims = {N, OH, OW, O};
  for (int b = 0; b < N; ++b)
    for (int oy = 0; oy < OH; ++oy)
      for (int ox = 0; ox < OW; ++ox)
        for (int o = 0; o < O; ++o) {
          double s = 0, m = 0;
          const int g = o / per_group;
          for (int ky = 0; ky < KH; ++ky)
            for (int kx = 0; kx < KW; ++kx)
              for (int c = 0; c < FC; ++c) {
                const int y = oy * p.stride_h - pt + ky * p.dilation_h;
                const int x = ox * p.stride_w - pl + kx * p.dilation_w;
                if (y < 0 || y >= H || x < 0 || x >= W) continue;
                const double t = double(in[((b * H + y) * W + x) * C + g * FC + c]) *
                                 double(w[((o * KH + ky) * KW + kx) * FC + c]);
                s += t;
                m += std::abs(t);
              }
          if (bias) {
            s += (*bias)[o];
            m += std::abs((*bias)[o]);
          }
          r.out.push_back(s);
          r.mag.push_back(m);
        }
  return r;
}

double clamp_act(double x, rt::Activation a) {
  switch (a) {
    case rt::Activation::kRelu: return std::max(x, 0.0);
    case rt::Activation::kRelu6: return std::min(std::max(x, 0.0), 6.0);
    case rt::Activation::kReluN1To1: return std::min(std::max(x, -1.0), 1.0);
    default: return x;
  }
}

std::vector<float> random_vec(std::mt19937& rng, size_t n) {
  std::uniform_real_distribution<float> d(-2, 2);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

TEST(ConvTest, MatchesFloat64ReferenceOnRandomShapes) {
  std::mt19937 rng(1234);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const rt::Activation acts[] = {rt::Activation::kNone, rt::Activation::kRelu, rt::Activation::kRelu6,
                                 rt::Activation::kReluN1To1};
  int tested = 0;
  for (int iter = 0; iter < 300; ++iter) {
    rt::ConvParams p = conv_params(pick(0, 1) ? rt::Padding::kSame : rt::Padding::kValid, pick(1, 3),
                                   pick(1, 3), pick(1, 2), pick(1, 2), acts[pick(0, 3)]);
    const int N = pick(1, 2), H = pick(1, 9), W = pick(1, 9), groups = pick(1, 3), FC = pick(1, 4);
    const int O = groups * pick(1, 3), KH = pick(1, 4), KW = pick(1, 4);
    const int C = groups * FC;
    if (p.padding == rt::Padding::kValid &&
        (H < (KH - 1) * p.dilation_h + 1 || W < (KW - 1) * p.dilation_w + 1))
      continue;
    const std::vector<int32_t> id{N, H, W, C}, wd{O, KH, KW, FC};
    const auto in = random_vec(rng, size_t(N) * H * W * C);
    const auto w = random_vec(rng, size_t(O) * KH * KW * FC);
    const auto bias = random_vec(rng, O);
    const bool with_bias = pick(0, 1);
    OpRunner runner(Op::CONV_2D, p);
    runner.input(f32(id, in)).input(f32(wd, w), true);
    if (with_bias) runner.input(f32({O}, bias), true);
    const auto out = runner.run();
    const Ref r = naive_conv(in, id, w, wd, with_bias ? &bias : nullptr, p);
    ASSERT_EQ(out[0].dims, r.dims) << "iteration " << iter;
    const auto got = out[0].values<float>();
    ASSERT_EQ(got.size(), r.out.size());
    for (size_t i = 0; i < got.size(); ++i)
      ASSERT_NEAR(got[i], clamp_act(r.out[i], p.activation), 1e-5 * r.mag[i] + 1e-6)
          << "iteration " << iter << " element " << i;
    ++tested;
  }
  EXPECT_GT(tested, 200);
}

// ---- errors ---------------------------------------------------------------------------

OpRunner good_conv(rt::ConvParams p = conv_params(rt::Padding::kSame)) {
  OpRunner r(Op::CONV_2D, p);
  r.input(f32({1, 3, 3, 2}, iota_f(18))).input(f32({4, 2, 2, 2}, iota_f(32)), true);
  return r;
}

TEST(ConvTest, GoodConfigurationRuns) { EXPECT_NO_THROW(good_conv().run()); }

TEST(ConvTest, RejectsWrongInputCount) {
  EXPECT_THROW(OpRunner(Op::CONV_2D, conv_params(rt::Padding::kSame)).input(f32({1, 3, 3, 2}, iota_f(18))).run(),
               Error);
  EXPECT_THROW(good_conv().input(f32({4}, iota_f(4)), true).input(f32({4}, iota_f(4)), true).run(), Error);
}

TEST(ConvTest, RejectsWrongDtype) {
  EXPECT_THROW(OpRunner(Op::CONV_2D, conv_params(rt::Padding::kSame))
                   .input(test::i32({1, 3, 3, 2}, std::vector<int32_t>(18, 1)))
                   .input(f32({4, 2, 2, 2}, iota_f(32)), true)
                   .output(DType::kFloat32)
                   .run(),
               Error);
  EXPECT_THROW(good_conv().input(test::i32({4}, {1, 2, 3, 4}), true).run(), Error);
  EXPECT_THROW(good_conv().output(DType::kInt8).run(), Error);
}

TEST(ConvTest, RejectsMismatchedChannels) {
  // 3 input channels, filter expects 2 (3 is not a multiple of 2).
  EXPECT_THROW(OpRunner(Op::CONV_2D, conv_params(rt::Padding::kSame))
                   .input(f32({1, 3, 3, 3}, iota_f(27)))
                   .input(f32({4, 2, 2, 2}, iota_f(32)), true)
                   .run(),
               Error);
  // 4 input channels = 2 groups of 2, but 3 output channels do not split into 2 groups.
  EXPECT_THROW(OpRunner(Op::CONV_2D, conv_params(rt::Padding::kSame))
                   .input(f32({1, 3, 3, 4}, iota_f(36)))
                   .input(f32({3, 2, 2, 2}, iota_f(24)), true)
                   .run(),
               Error);
  // Bias of the wrong size.
  EXPECT_THROW(good_conv().input(f32({3}, iota_f(3)), true).run(), Error);
}

TEST(ConvTest, RejectsBadShapes) {
  EXPECT_THROW(OpRunner(Op::CONV_2D, conv_params(rt::Padding::kSame))
                   .input(f32({3, 3, 2}, iota_f(18)))
                   .input(f32({4, 2, 2, 2}, iota_f(32)), true)
                   .run(),
               Error);
  EXPECT_THROW(OpRunner(Op::CONV_2D, conv_params(rt::Padding::kSame))
                   .input(f32({1, 3, 3, 2}, iota_f(18)))
                   .input(f32({4, 0, 2, 2}, {}), true)
                   .run(),
               Error);
  // Filter larger than the input with VALID padding.
  EXPECT_THROW(OpRunner(Op::CONV_2D, conv_params(rt::Padding::kValid))
                   .input(f32({1, 1, 1, 2}, iota_f(2)))
                   .input(f32({1, 4, 4, 2}, iota_f(32)), true)
                   .run(),
               Error);
  // Constant filter whose data is shorter than its shape.
  EXPECT_THROW(OpRunner(Op::CONV_2D, conv_params(rt::Padding::kSame))
                   .input(f32({1, 3, 3, 2}, iota_f(18)))
                   .input(f32({4, 2, 2, 2}, iota_f(31)), true)
                   .run(),
               Error);
}

TEST(ConvTest, RejectsBadParameters) {
  EXPECT_THROW(good_conv(conv_params(rt::Padding::kSame, 0, 1)).run(), Error);
  EXPECT_THROW(good_conv(conv_params(rt::Padding::kSame, 1, -2)).run(), Error);
  EXPECT_THROW(good_conv(conv_params(rt::Padding::kSame, 1, 1, 0, 1)).run(), Error);
  EXPECT_THROW(good_conv(conv_params(rt::Padding::kSame, 1, 1, 1, -1)).run(), Error);
  EXPECT_THROW(good_conv(conv_params(rt::Padding::kSame, 0x7fffffff, 1)).run(), Error);
  EXPECT_THROW(good_conv(conv_params(rt::Padding::kSame, 1, 1, 0x7fffffff, 1)).run(), Error);
  EXPECT_THROW(good_conv(conv_params(static_cast<rt::Padding>(7))).run(), Error);
  EXPECT_THROW(good_conv(conv_params(rt::Padding::kSame, 1, 1, 1, 1, rt::Activation::kTanh)).run(), Error);
  EXPECT_THROW(good_conv(conv_params(rt::Padding::kSame, 1, 1, 1, 1, rt::Activation::kSignBit)).run(), Error);
  // Options of another op.
  EXPECT_THROW(OpRunner(Op::CONV_2D, rt::PoolParams{})
                   .input(f32({1, 3, 3, 2}, iota_f(18)))
                   .input(f32({4, 2, 2, 2}, iota_f(32)), true)
                   .run(),
               Error);
}

}  // namespace
}  // namespace liteq
