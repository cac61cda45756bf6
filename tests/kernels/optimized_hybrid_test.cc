// Hybrid DEPTHWISE_CONV_2D with optimized kernels (vectorized input quantization,
// kernels/x86/dw_hybrid_avx2.cc over threads) against the reference, bit for bit: every
// ISA this CPU has, 1..3 threads, channel counts around the 16-wide blocks, strides,
// dilation, SAME/VALID, 3x3 and 5x5, batch 2, every fused activation, per-channel scales
// differing and all equal, with and without bias; filters above 64 taps (the generic
// loops) and depth multiplier 2 (the reference, also under an optimized exec); inputs
// large enough for the quantization to be split over threads, also holding a NaN or all
// zeros. TFLite
// quantizes a hybrid depthwise input asymmetrically always (no symmetric variant).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "kernels/exec.h"
#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

struct HybridDwCase {
  int batch, h, w, in_c, multiplier, kh, kw;
  rt::DepthwiseConvParams p;
  bool equal_scales, bias;
};

// The optimized run for every ISA level from AVX2 up to this CPU's and 1..3 threads must
// give the reference's bytes. Returns the number of optimized runs compared.
int expect_bit_exact(const HybridDwCase& t, std::mt19937& rng, float lo, float hi,
                     const std::function<void(std::vector<float>&)>& tweak = {}) {
  const int out_c = t.in_c * t.multiplier;
  std::vector<float> x(size_t(t.batch) * t.h * t.w * t.in_c), bias(out_c);
  for (auto& v : x) v = std::uniform_real_distribution<float>(lo, hi)(rng);
  if (tweak) tweak(x);
  for (auto& v : bias) v = std::uniform_real_distribution<float>(-1, 1)(rng);
  std::vector<int8_t> filt(size_t(t.kh) * t.kw * out_c);
  for (auto& v : filt) v = static_cast<int8_t>(static_cast<int>(rng() % 256) - 128);
  TensorData f = make_tensor<int8_t>({1, t.kh, t.kw, out_c}, filt);
  f.quant.axis = 3;
  const float same = std::uniform_real_distribution<float>(0.001f, 0.05f)(rng);
  for (int c = 0; c < out_c; ++c) {
    f.quant.scale.push_back(t.equal_scales ? same : std::uniform_real_distribution<float>(0.001f, 0.05f)(rng));
    f.quant.zero_point.push_back(0);
  }
  auto run = [&](rt::ExecConfig e) {
    OpRunner r(Op::DEPTHWISE_CONV_2D, t.p);
    r.input(f32({t.batch, t.h, t.w, t.in_c}, x)).input(f, true);
    if (t.bias) r.input(f32({out_c}, bias), true);
    return r.exec(e).run()[0].bytes;
  };
  const auto want = run({});
  rt::ThreadPool p2(2), p3(3);
  int runs = 0;
  for (int isa = int(rt::Isa::kAvx2); isa <= int(rt::detect_isa()); ++isa) {
    for (rt::ThreadPool* pool : {static_cast<rt::ThreadPool*>(nullptr), &p2, &p3}) {
      EXPECT_EQ(run({rt::Isa(isa), pool}), want)
          << "isa " << isa << " threads " << (pool ? pool->threads() : 1) << " batch " << t.batch << " " << t.h << "x"
          << t.w << "x" << t.in_c << " m" << t.multiplier << " k" << t.kh << "x" << t.kw << " s" << t.p.stride_h
          << " d" << t.p.dilation_h << " pad " << int(t.p.padding) << " act " << int(t.p.activation) << " eq "
          << t.equal_scales << " bias " << t.bias;
      ++runs;
    }
  }
  return runs;
}

TEST(OptimizedHybrid, DepthwiseBitExactWithReference) {
  if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "CPU lacks AVX2";
  std::mt19937 rng(31);
  const rt::Activation acts[] = {rt::Activation::kNone, rt::Activation::kRelu, rt::Activation::kRelu6,
                                 rt::Activation::kReluN1To1};
  int cases = 0;
  for (int channels : {1, 3, 8, 15, 16, 17, 33, 64, 70, 144}) {
    for (int trial = 0; trial < 8; ++trial) {
      HybridDwCase t;
      t.batch = 1 + trial % 2;
      t.h = 4 + rng() % 9;
      t.w = 4 + rng() % 9;
      t.in_c = channels;
      t.multiplier = 1;
      t.kh = t.kw = trial % 4 < 2 ? 3 : 5;
      t.p.padding = trial % 3 ? rt::Padding::kSame : rt::Padding::kValid;
      t.p.stride_h = t.p.stride_w = 1 + (trial / 2) % 2;
      t.p.dilation_h = t.p.dilation_w = trial % 4 == 3 ? 2 : 1;
      t.p.activation = acts[trial % 4];
      t.equal_scales = trial % 2 == 1;
      t.bias = trial != 5;
      if (t.p.padding == rt::Padding::kValid &&
          (t.h < (t.kh - 1) * t.p.dilation_h + 1 || t.w < (t.kw - 1) * t.p.dilation_w + 1))
        t.p.padding = rt::Padding::kSame;
      // inputs all positive, all negative, or both: zero points at -128, 127 and between
      const float lo = trial % 3 == 0 ? 0.5f : -2.0f, hi = trial % 3 == 1 ? -0.25f : 3.0f;
      cases += expect_bit_exact(t, rng, lo, hi) > 0;
    }
  }
  EXPECT_EQ(cases, 80);
}

TEST(OptimizedHybrid, DepthwiseOddShapes) {
  if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "CPU lacks AVX2";
  std::mt19937 rng(7);
  auto make = [](int batch, int h, int w, int c, int m, int kh, int kw, int sh, int sw, int dh, int dw,
                 rt::Padding pad, rt::Activation act) {
    HybridDwCase t{batch, h, w, c, m, kh, kw, {}, false, true};
    t.p.padding = pad;
    t.p.stride_h = sh;
    t.p.stride_w = sw;
    t.p.dilation_h = dh;
    t.p.dilation_w = dw;
    t.p.activation = act;
    return t;
  };
  const auto kSame = rt::Padding::kSame, kValid = rt::Padding::kValid;
  const auto kNone = rt::Activation::kNone, kRelu6 = rt::Activation::kRelu6;
  const HybridDwCase cases[] = {
      make(2, 9, 7, 17, 1, 3, 5, 2, 1, 1, 2, kSame, kRelu6),   // non-square filter, strides, dilation
      make(1, 11, 11, 33, 1, 9, 9, 1, 1, 1, 1, kSame, kNone),  // 81 taps: the generic loops
      make(2, 6, 6, 5, 2, 3, 3, 1, 1, 1, 1, kSame, kNone),     // multiplier 2: the reference
      make(1, 3, 3, 48, 1, 5, 5, 1, 1, 1, 1, kSame, kRelu6),   // filter larger than the input
      make(2, 1, 1, 20, 1, 1, 1, 1, 1, 1, 1, kValid, kNone),   // 1x1
      make(1, 40, 33, 32, 1, 3, 3, 2, 2, 1, 1, kSame, kNone),  // more rows than threads many times
  };
  for (const auto& t : cases) EXPECT_GT(expect_bit_exact(t, rng, -1.5f, 2.5f), 0);
}

// Inputs above 2 x 16384 elements per batch: min/max and quantization in chunks over the
// threads (depthwise_conv.cc quantize_input_threads), chunk ends off the 64-element grid.
TEST(OptimizedHybrid, DepthwiseLargeInputQuantizedOverThreads) {
  if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "CPU lacks AVX2";
  std::mt19937 rng(11);
  HybridDwCase t{2, 41, 37, 35, 1, 3, 3, {}, false, true};
  t.p.padding = rt::Padding::kSame;
  t.p.stride_h = t.p.stride_w = 1;
  t.p.dilation_h = t.p.dilation_w = 1;
  t.p.activation = rt::Activation::kNone;
  const size_t per_batch = size_t(t.h) * t.w * t.in_c;
  // the extremes in the last chunk of batch 0 and the first of batch 1
  EXPECT_GT(expect_bit_exact(t, rng, -1.0f, 1.0f,
                             [&](std::vector<float>& x) {
                               x[per_batch - 3] = -7.5f;
                               x[per_batch + 5] = 9.25f;
                             }),
            0);
  t.p.activation = rt::Activation::kRelu6;
  EXPECT_GT(expect_bit_exact(t, rng, 0.0f, 4.0f), 0);  // all >= 0: zero point -128
  // a NaN in batch 0's second chunk (the reference's handling for that batch), zeros in batch 1
  EXPECT_GT(expect_bit_exact(t, rng, -1.0f, 1.0f,
                             [&](std::vector<float>& x) {
                               x[per_batch / 2 + 100] = std::numeric_limits<float>::quiet_NaN();
                               std::fill(x.begin() + per_batch, x.end(), 0.0f);
                             }),
            0);
}

}  // namespace
}  // namespace liteq::test
