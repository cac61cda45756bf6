// TRANSPOSE_CONV and MediaPipe's Convolution2DTransposeBias: hand-checked cases, a
// float64 scatter reference on random shapes, errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "kernels/op_runner.h"

namespace liteq {
namespace {

using test::f32;
using test::i32;
using test::OpRunner;

rt::TransposeConvParams tc_params(rt::Padding padding, int stride_h, int stride_w,
                                  rt::Activation act = rt::Activation::kNone) {
  rt::TransposeConvParams p;
  p.padding = padding;
  p.stride_h = stride_h;
  p.stride_w = stride_w;
  p.activation = act;
  return p;
}

std::vector<uint8_t> mp_options(int32_t padding, int32_t stride_w, int32_t stride_h) {
  const int32_t v[3] = {padding, stride_w, stride_h};
  std::vector<uint8_t> bytes(sizeof v);
  std::memcpy(bytes.data(), v, sizeof v);
  return bytes;
}

TEST(TransposeConvTest, ValidStride2) {
  // Each input pixel v scatters v * [1 2; 3 4] into its own 2x2 block (stride 2, k 2):
  // input [1 2; 3 4] -> [1 2 2 4; 3 4 6 8; 3 6 4 8; 9 12 12 16], then bias 1.
  auto out = OpRunner(Op::TRANSPOSE_CONV, tc_params(rt::Padding::kValid, 2, 2))
                 .input(i32({4}, {1, 4, 4, 1}), true)
                 .input(f32({1, 2, 2, 1}, {1, 2, 3, 4}), true)
                 .input(f32({1, 2, 2, 1}, {1, 2, 3, 4}))
                 .input(f32({1}, {1}), true)
                 .output(DType::kFloat32)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 4, 4, 1}));
  EXPECT_EQ(out[0].values<float>(),
            (std::vector<float>{2, 3, 3, 5, 4, 5, 7, 9, 4, 7, 5, 9, 10, 13, 13, 17}));
}

// SAME, stride 2, 3x3 ones, input [1 2; 3 4], output 4x4: the forward conv 4 -> 2 pads
// (2-1)*2 + 3 - 4 = 1 in total, 0 before. Input row iy covers output rows 2iy..2iy+2:
// row 0 <- iy 0: [1 1 1+2 2] = [1 1 3 2]; row 1 the same; row 2 <- iy 0 and 1:
// [1+3 1+3 1+2+3+4 2+4] = [4 4 10 6]; row 3 <- iy 1: [3 3 7 4].
const std::vector<float> kSame4x4 = {1, 1, 3, 2, 1, 1, 3, 2, 4, 4, 10, 6, 3, 3, 7, 4};

TEST(TransposeConvTest, SameStride2) {
  auto out = OpRunner(Op::TRANSPOSE_CONV, tc_params(rt::Padding::kSame, 2, 2))
                 .input(i32({4}, {1, 4, 4, 1}), true)
                 .input(f32({1, 3, 3, 1}, std::vector<float>(9, 1)), true)
                 .input(f32({1, 2, 2, 1}, {1, 2, 3, 4}))
                 .output(DType::kFloat32)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 4, 4, 1}));
  EXPECT_EQ(out[0].values<float>(), kSame4x4);
}

TEST(TransposeConvTest, ChannelsBiasActivation) {
  // One pixel [1, 2]; weights oc0 [1 1], oc1 [1 -1], oc2 [0 2] -> [3, -1, 4]; bias 1 each
  // -> [4, 0, 5]; RELU6 -> [4, 0, 5].
  auto out = OpRunner(Op::TRANSPOSE_CONV, tc_params(rt::Padding::kValid, 1, 1, rt::Activation::kRelu6))
                 .input(i32({4}, {1, 1, 1, 3}), true)
                 .input(f32({3, 1, 1, 2}, {1, 1, 1, -1, 0, 2}), true)
                 .input(f32({1, 1, 1, 2}, {1, 2}))
                 .input(f32({3}, {1, 1, 1}), true)
                 .output(DType::kFloat32)
                 .run();
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{4, 0, 5}));
}

TEST(Conv2DTransposeBiasTest, SameStride2) {
  // MediaPipe: total pad = max(0, 3 - (2-1) % 2 - 1) = 1, out = (2-1)*2 + 3 - 1 = 4,
  // 0 before: the same as TRANSPOSE_CONV above, plus the bias 0.5.
  auto out = OpRunner("Convolution2DTransposeBias", mp_options(1, 2, 2))
                 .input(f32({1, 2, 2, 1}, {1, 2, 3, 4}))
                 .input(f32({1, 3, 3, 1}, std::vector<float>(9, 1)), true)
                 .input(f32({1}, {0.5f}), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 4, 4, 1}));
  std::vector<float> want = kSame4x4;
  for (auto& v : want) v += 0.5f;
  EXPECT_EQ(out[0].values<float>(), want);
}

TEST(Conv2DTransposeBiasTest, OutputSizes) {
  auto dims = [](int in_h, int in_w, int k, int padding, int stride_w, int stride_h) {
    return OpRunner("Convolution2DTransposeBias", mp_options(padding, stride_w, stride_h))
        .input(f32({1, in_h, in_w, 1}, std::vector<float>(in_h * in_w, 1)))
        .input(f32({2, k, k, 1}, std::vector<float>(2 * k * k, 1)), true)
        .input(f32({2}, {0, 0}), true)
        .run()[0]
        .dims;
  };
  // SAME, stride 2, even input, k 4 (the usual upsampling): in * stride.
  EXPECT_EQ(dims(32, 42, 4, 1, 2, 2), (std::vector<int32_t>{1, 64, 84, 2}));
  // SAME, stride 1: in.
  EXPECT_EQ(dims(5, 6, 3, 1, 1, 1), (std::vector<int32_t>{1, 5, 6, 2}));
  // SAME, stride 2, odd input 3, k 3: pad = 3 - 0 - 1 = 2, out = 4 + 3 - 2 = 5 (MediaPipe's
  // rule, not 3 * 2).
  EXPECT_EQ(dims(3, 3, 3, 1, 2, 2), (std::vector<int32_t>{1, 5, 5, 2}));
  // VALID: (in - 1) * stride + k; strides apply per axis (stride_w 3, stride_h 2).
  EXPECT_EQ(dims(3, 4, 2, 2, 3, 2), (std::vector<int32_t>{1, 6, 11, 2}));
}

// ---- float64 reference ---------------------------------------------------------------

struct TcCase {
  int N, H, W, C, O, KH, KW, OH, OW, sh, sw, pt, pl;
};

// out[b, iy*sh - pt + ky, ix*sw - pl + kx, o] += in[b, iy, ix, c] * w[o, ky, kx, c].
void check_against_reference(const TcCase& t, const std::vector<float>& in, const std::vector<float>& w,
                             const std::vector<float>* bias, rt::Activation act, const std::vector<float>& got,
                             int iter) {
  const size_t n = size_t(t.N) * t.OH * t.OW * t.O;
  ASSERT_EQ(got.size(), n);
  std::vector<double> sum(n, 0), mag(n, 0);
  for (int b = 0; b < t.N; ++b)
    for (int iy = 0; iy < t.H; ++iy)
      for (int ix = 0; ix < t.W; ++ix)
        for (int ky = 0; ky < t.KH; ++ky)
          for (int kx = 0; kx < t.KW; ++kx) {
            const int oy = iy * t.sh - t.pt + ky, ox = ix * t.sw - t.pl + kx;
            if (oy < 0 || oy >= t.OH || ox < 0 || ox >= t.OW) continue;
            for (int o = 0; o < t.O; ++o)
              for (int c = 0; c < t.C; ++c) {
                const double v = double(in[((b * t.H + iy) * t.W + ix) * t.C + c]) *
                                 double(w[((o * t.KH + ky) * t.KW + kx) * t.C + c]);
                const size_t i = ((size_t(b) * t.OH + oy) * t.OW + ox) * t.O + o;
                sum[i] += v;
                mag[i] += std::abs(v);
              }
          }
  for (size_t i = 0; i < n; ++i) {
    double s = sum[i];
    if (bias) {
      s += (*bias)[i % t.O];
      mag[i] += std::abs((*bias)[i % t.O]);
    }
    if (act == rt::Activation::kRelu) s = std::max(s, 0.0);
    if (act == rt::Activation::kRelu6) s = std::min(std::max(s, 0.0), 6.0);
    if (act == rt::Activation::kReluN1To1) s = std::min(std::max(s, -1.0), 1.0);
    ASSERT_NEAR(got[i], s, 1e-5 * mag[i] + 1e-6) << "iteration " << iter << " element " << i;
  }
}

TEST(TransposeConvTest, MatchesFloat64ReferenceOnRandomShapes) {
  std::mt19937 rng(2024);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::uniform_real_distribution<float> val(-2, 2);
  auto rand_vec = [&](size_t n) {
    std::vector<float> v(n);
    for (auto& x : v) x = val(rng);
    return v;
  };
  const rt::Activation acts[] = {rt::Activation::kNone, rt::Activation::kRelu, rt::Activation::kRelu6,
                                 rt::Activation::kReluN1To1};
  for (int iter = 0; iter < 200; ++iter) {
    TcCase t{};
    const bool same = pick(0, 1);
    t.N = pick(1, 2), t.H = pick(1, 6), t.W = pick(1, 6), t.C = pick(1, 4), t.O = pick(1, 4);
    t.KH = pick(1, 4), t.KW = pick(1, 4), t.sh = pick(1, 3), t.sw = pick(1, 3);
    // Output sizes consistent with the padding (as a converter would write them).
    t.OH = same ? t.H * t.sh - pick(0, t.sh - 1) : (t.H - 1) * t.sh + t.KH + pick(0, t.sh - 1);
    t.OW = same ? t.W * t.sw - pick(0, t.sw - 1) : (t.W - 1) * t.sw + t.KW + pick(0, t.sw - 1);
    // SAME: the forward conv maps OH -> ceil(OH / s) = H, total pad (H-1)*s + k - OH.
    t.pt = same ? std::max(0, (t.H - 1) * t.sh + t.KH - t.OH) / 2 : 0;
    t.pl = same ? std::max(0, (t.W - 1) * t.sw + t.KW - t.OW) / 2 : 0;
    const auto act = acts[pick(0, 3)];
    const bool with_bias = pick(0, 1);
    const auto in = rand_vec(size_t(t.N) * t.H * t.W * t.C), w = rand_vec(size_t(t.O) * t.KH * t.KW * t.C),
               bias = rand_vec(t.O);
    OpRunner runner(Op::TRANSPOSE_CONV,
                    tc_params(same ? rt::Padding::kSame : rt::Padding::kValid, t.sh, t.sw, act));
    runner.input(i32({4}, {t.N, t.OH, t.OW, t.O}), true)
        .input(f32({t.O, t.KH, t.KW, t.C}, w), true)
        .input(f32({t.N, t.H, t.W, t.C}, in));
    if (with_bias) runner.input(f32({t.O}, bias), true);
    const auto out = runner.output(DType::kFloat32).run();
    ASSERT_EQ(out[0].dims, (std::vector<int32_t>{t.N, t.OH, t.OW, t.O}));
    check_against_reference(t, in, w, with_bias ? &bias : nullptr, act, out[0].values<float>(), iter);
  }
}

TEST(Conv2DTransposeBiasTest, MatchesFloat64ReferenceOnRandomShapes) {
  std::mt19937 rng(77);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::uniform_real_distribution<float> val(-2, 2);
  auto rand_vec = [&](size_t n) {
    std::vector<float> v(n);
    for (auto& x : v) x = val(rng);
    return v;
  };
  for (int iter = 0; iter < 200; ++iter) {
    TcCase t{};
    const bool same = pick(0, 1);
    t.N = pick(1, 2), t.H = pick(1, 6), t.W = pick(1, 6), t.C = pick(1, 4), t.O = pick(1, 4);
    t.KH = pick(1, 4), t.KW = pick(1, 4), t.sh = pick(1, 3), t.sw = pick(1, 3);
    const int th = same ? std::max(0, t.KH - (t.H - 1) % t.sh - 1) : 0;
    const int tw = same ? std::max(0, t.KW - (t.W - 1) % t.sw - 1) : 0;
    t.OH = (t.H - 1) * t.sh + t.KH - th;
    t.OW = (t.W - 1) * t.sw + t.KW - tw;
    t.pt = th / 2;
    t.pl = tw / 2;
    const auto in = rand_vec(size_t(t.N) * t.H * t.W * t.C), w = rand_vec(size_t(t.O) * t.KH * t.KW * t.C),
               bias = rand_vec(t.O);
    const auto out = OpRunner("Convolution2DTransposeBias", mp_options(same ? 1 : 2, t.sw, t.sh))
                         .input(f32({t.N, t.H, t.W, t.C}, in))
                         .input(f32({t.O, t.KH, t.KW, t.C}, w), true)
                         .input(f32({t.O}, bias), true)
                         .run();
    ASSERT_EQ(out[0].dims, (std::vector<int32_t>{t.N, t.OH, t.OW, t.O})) << "iteration " << iter;
    check_against_reference(t, in, w, &bias, rt::Activation::kNone, out[0].values<float>(), iter);
  }
}

// ---- errors ---------------------------------------------------------------------------

OpRunner good_tc(rt::TransposeConvParams p = tc_params(rt::Padding::kSame, 2, 2),
                 test::TensorData shape = i32({4}, {1, 4, 4, 3}), bool shape_const = true,
                 DType out = DType::kFloat32) {
  OpRunner r(Op::TRANSPOSE_CONV, p);
  r.output(out);  // the first input is int32: declare the float32 output
  r.input(std::move(shape), shape_const)
      .input(f32({3, 3, 3, 2}, std::vector<float>(54, 1)), true)
      .input(f32({1, 2, 2, 2}, std::vector<float>(8, 1)));
  return r;
}

TEST(TransposeConvTest, GoodConfigurationRuns) {
  EXPECT_NO_THROW(good_tc().run());
  EXPECT_NO_THROW(good_tc().input(f32({3}, {1, 2, 3}), true).run());
  EXPECT_NO_THROW(good_tc().absent_input().run());
}

TEST(TransposeConvTest, RejectsWrongInputCount) {
  EXPECT_THROW(OpRunner(Op::TRANSPOSE_CONV, tc_params(rt::Padding::kSame, 2, 2))
                   .input(i32({4}, {1, 4, 4, 3}), true)
                   .input(f32({3, 3, 3, 2}, std::vector<float>(54, 1)), true)
                   .output(DType::kFloat32)
                   .run(),
               Error);
  EXPECT_THROW(good_tc().input(f32({3}, {1, 2, 3}), true).input(f32({3}, {1, 2, 3}), true).run(), Error);
}

TEST(TransposeConvTest, RejectsBadOutputShape) {
  EXPECT_THROW(good_tc(tc_params(rt::Padding::kSame, 2, 2), i32({4}, {1, 4, 4, 3}), false).run(), Error);
  EXPECT_THROW(good_tc(tc_params(rt::Padding::kSame, 2, 2), i32({3}, {1, 4, 4})).run(), Error);
  EXPECT_THROW(good_tc(tc_params(rt::Padding::kSame, 2, 2), i32({4}, {2, 4, 4, 3})).run(), Error);  // batch
  EXPECT_THROW(good_tc(tc_params(rt::Padding::kSame, 2, 2), i32({4}, {1, 4, 4, 5})).run(), Error);  // channels
  EXPECT_THROW(good_tc(tc_params(rt::Padding::kSame, 2, 2), i32({4}, {1, -4, 4, 3})).run(), Error);
  EXPECT_THROW(good_tc(tc_params(rt::Padding::kSame, 2, 2),
                       test::make_tensor<int64_t>({4}, {1, 4, 4, 3}))
                   .run(),
               Error);  // TFLite requires int32
  EXPECT_THROW(good_tc(tc_params(rt::Padding::kSame, 2, 2), f32({4}, {1, 4, 4, 3})).run(), Error);
}

TEST(TransposeConvTest, RejectsMismatchedChannelsAndTypes) {
  EXPECT_THROW(OpRunner(Op::TRANSPOSE_CONV, tc_params(rt::Padding::kSame, 2, 2))
                   .input(i32({4}, {1, 4, 4, 3}), true)
                   .input(f32({3, 3, 3, 2}, std::vector<float>(54, 1)), true)
                   .input(f32({1, 2, 2, 3}, std::vector<float>(12, 1)))
                   .output(DType::kFloat32)
                   .run(),
               Error);  // input has 3 channels, weights 2
  EXPECT_THROW(good_tc().input(f32({2}, {1, 2}), true).run(), Error);             // bias size
  EXPECT_THROW(good_tc().input(i32({3}, {1, 2, 3}), true).run(), Error);          // bias type
  EXPECT_THROW(good_tc(tc_params(rt::Padding::kSame, 2, 2), i32({4}, {1, 4, 4, 3}), true, DType::kInt8).run(),
               Error);  // output type
}

TEST(TransposeConvTest, RejectsBadParameters) {
  EXPECT_THROW(good_tc(tc_params(rt::Padding::kSame, 0, 2)).run(), Error);
  EXPECT_THROW(good_tc(tc_params(rt::Padding::kSame, 2, -1)).run(), Error);
  EXPECT_THROW(good_tc(tc_params(rt::Padding::kSame, 0x7fffffff, 2)).run(), Error);
  EXPECT_THROW(good_tc(tc_params(static_cast<rt::Padding>(5), 2, 2)).run(), Error);
  EXPECT_THROW(good_tc(tc_params(rt::Padding::kSame, 2, 2, rt::Activation::kTanh)).run(), Error);
}

OpRunner good_mp(std::vector<uint8_t> options = mp_options(1, 2, 2)) {
  OpRunner r("Convolution2DTransposeBias", std::move(options));
  r.input(f32({1, 2, 2, 2}, std::vector<float>(8, 1)))
      .input(f32({3, 3, 3, 2}, std::vector<float>(54, 1)), true)
      .input(f32({3}, {1, 2, 3}), true);
  return r;
}

TEST(Conv2DTransposeBiasTest, GoodConfigurationRuns) { EXPECT_NO_THROW(good_mp().run()); }

TEST(Conv2DTransposeBiasTest, RejectsBadCustomOptions) {
  EXPECT_THROW(good_mp({}).run(), Error);
  auto short_opts = mp_options(1, 2, 2);
  short_opts.pop_back();
  EXPECT_THROW(good_mp(short_opts).run(), Error);
  auto long_opts = mp_options(1, 2, 2);
  long_opts.push_back(0);
  EXPECT_THROW(good_mp(long_opts).run(), Error);
  EXPECT_THROW(good_mp(mp_options(0, 2, 2)).run(), Error);  // padding unknown
  EXPECT_THROW(good_mp(mp_options(3, 2, 2)).run(), Error);
  EXPECT_THROW(good_mp(mp_options(1, 0, 2)).run(), Error);
  EXPECT_THROW(good_mp(mp_options(1, 2, -2)).run(), Error);
  EXPECT_THROW(good_mp(mp_options(2, 0x7fffffff, 2)).run(), Error);
}

TEST(Conv2DTransposeBiasTest, RejectsWrongInputs) {
  EXPECT_THROW(OpRunner("Convolution2DTransposeBias", mp_options(1, 2, 2))
                   .input(f32({1, 2, 2, 2}, std::vector<float>(8, 1)))
                   .input(f32({3, 3, 3, 2}, std::vector<float>(54, 1)), true)
                   .run(),
               Error);  // bias missing
  EXPECT_THROW(OpRunner("Convolution2DTransposeBias", mp_options(1, 2, 2))
                   .input(f32({1, 2, 2, 2}, std::vector<float>(8, 1)))
                   .input(f32({3, 3, 3, 2}, std::vector<float>(54, 1)), true)
                   .absent_input()
                   .run(),
               Error);  // bias absent
  EXPECT_THROW(good_mp().input(f32({3}, {1, 2, 3}), true).run(), Error);  // 4 inputs
  EXPECT_THROW(OpRunner("Convolution2DTransposeBias", mp_options(1, 2, 2))
                   .input(f32({1, 2, 2, 3}, std::vector<float>(12, 1)))
                   .input(f32({3, 3, 3, 2}, std::vector<float>(54, 1)), true)
                   .input(f32({3}, {1, 2, 3}), true)
                   .run(),
               Error);  // channels
  EXPECT_THROW(OpRunner("Convolution2DTransposeBias", mp_options(1, 2, 2))
                   .input(f32({1, 2, 2, 2}, std::vector<float>(8, 1)))
                   .input(f32({3, 3, 3, 2}, std::vector<float>(54, 1)), true)
                   .input(f32({2}, {1, 2}), true)
                   .run(),
               Error);  // bias size
  EXPECT_THROW(OpRunner("Convolution2DTransposeBias", mp_options(1, 2, 2))
                   .input(f32({1, 0, 2, 2}, {}))
                   .input(f32({3, 3, 3, 2}, std::vector<float>(54, 1)), true)
                   .input(f32({3}, {1, 2, 3}), true)
                   .run(),
               Error);  // empty input height
  EXPECT_THROW(OpRunner("Convolution2DTransposeBias", mp_options(1, 2, 2))
                   .input(test::make_tensor<uint16_t>({1, 2, 2, 2}, std::vector<uint16_t>(8, 0)))
                   .input(f32({3, 3, 3, 2}, std::vector<float>(54, 1)), true)
                   .input(f32({3}, {1, 2, 3}), true)
                   .output(DType::kFloat32)
                   .run(),
               Error);  // float16 input
}

}  // namespace
}  // namespace liteq
