// The int8 fast kernels (src/kernels/optimized/*_s8*) against the reference kernels:
// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED must agree bit for bit at every ISA
// level this CPU has and every thread count, over shapes with odd channel counts and
// tails, strides, dilations, paddings, batches, per-tensor and per-channel weights,
// extreme zero points, fused activations, and power-of-two scales (exact multipliers:
// many rounding ties).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "kernels/exec.h"
#include "kernels/fixed_point.h"
#include "kernels/op_runner.h"
#include "kernels/optimized_int_check.h"
#include "kernels/optimized/kernels_s8.h"

namespace liteq {
namespace {

using test::ConvShape;
using test::OpRunner;
using test::qp;
using test::qt;
using test::TensorData;

std::vector<int8_t> rand_i8(std::mt19937& rng, size_t n, int lo = -128, int hi = 127) {
  std::uniform_int_distribution<int> d(lo, hi), e(0, 15);
  std::vector<int8_t> v(n);
  for (auto& x : v) {
    const int r = e(rng);
    x = static_cast<int8_t>(r == 0 ? lo : r == 1 ? hi : d(rng));  // extremes often
  }
  return v;
}

// The ISA levels to test, above the reference.


int64_t g_made = 0;  // fast kernels the optimized runs created

// Runs `make()` with the reference and at every ISA level x thread count; compares.
template <typename Make>
void check_all(const std::string& what, Make make) {
  const auto ref = make().run();
  for (rt::Isa isa : test::int_isa_levels()) {
    for (int threads : {1, 2, 3}) {
      const int64_t before = rt::opt::s8::fast_kernels_made();
      const auto out = make().exec(rt::ExecConfig{isa, &test::int_pool(threads)}).run();
      g_made += rt::opt::s8::fast_kernels_made() - before;
      ASSERT_EQ(out[0].dims, ref[0].dims) << what;
      // Byte comparison: int8 outputs, and float outputs of the hybrid kernels bit for bit.
      const auto a = out[0].template values<int8_t>(), b = ref[0].template values<int8_t>();
      ASSERT_EQ(a.size(), b.size());
      size_t bad = 0, first = 0;
      for (size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i] && bad++ == 0) first = i;
      ASSERT_EQ(bad, 0u) << what << " isa " << rt::isa_name(isa) << " threads " << threads << ": " << bad
                         << " of " << a.size() << " differ, first at " << first << " got " << int{a[first]}
                         << " want " << int{b[first]};
    }
  }
}

struct Quant {
  int in_zp = 0, out_zp = 0;
  bool per_channel = true;
  bool pow2 = false;  // power-of-two scales: exact multipliers, many rounding ties
  double gain = 1;    // > 1: real multipliers above 1 (left shifts), saturation
  rt::Activation act = rt::Activation::kNone;
  bool bias = true;
};

std::string describe(const Quant& q) {
  return " zp " + std::to_string(q.in_zp) + "/" + std::to_string(q.out_zp) +
         (q.per_channel ? " per-channel" : " per-tensor") + (q.pow2 ? " pow2" : "") + " act " +
         std::to_string(static_cast<int>(q.act)) + " gain " + std::to_string(q.gain) + (q.bias ? "" : " no-bias");
}

// Scales that spread the outputs of a depth-k dot product over the int8 range.
struct Scales {
  float in = 0.5f, out = 1;
  std::vector<float> w;
};
Scales make_scales(std::mt19937& rng, const Quant& q, int channels, int64_t k) {
  Scales s;
  std::uniform_real_distribution<double> u(0.5, 2.0);
  const double real = 40.0 / (5476.0 * std::sqrt(static_cast<double>(k))) * q.gain;
  s.in = q.pow2 ? 0.5f : static_cast<float>(0.37 * u(rng));
  const int n = q.per_channel ? channels : 1;
  for (int c = 0; c < n; ++c) {
    const double w = q.pow2 ? std::ldexp(1.0, -7 - static_cast<int>(rng() % 3)) : 0.01 * u(rng);
    s.w.push_back(static_cast<float>(w));
  }
  double out = s.in * s.w[0] / real;
  if (q.pow2) out = std::ldexp(1.0, static_cast<int>(std::lround(std::log2(out))));
  s.out = static_cast<float>(out);
  return s;
}

std::vector<int32_t> rand_bias(std::mt19937& rng, int n, int range) {
  std::uniform_int_distribution<int> d(-range, range);
  std::vector<int32_t> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

std::vector<float> bias_scales(const Scales& s) {
  std::vector<float> b;
  for (float w : s.w) b.push_back(s.in * w);
  return b;
}


void check_conv(std::mt19937& rng, const ConvShape& s, const Quant& q, bool depthwise) {
  const int out_c = depthwise ? s.in_c : s.out_c;
  const int64_t k = int64_t{s.kh} * s.kw * (depthwise ? 1 : s.in_c);
  const Scales sc = make_scales(rng, q, out_c, k);
  const auto in = rand_i8(rng, static_cast<size_t>(s.batch) * s.h * s.w * s.in_c);
  const auto w = rand_i8(rng, static_cast<size_t>(out_c) * k, -127, 127);
  const auto bias = rand_bias(rng, out_c, rng() % 2 ? 1000 : 200000);
  auto make = [&]() {
    OpRunner r = test::conv_runner(s, q.act, depthwise);
    r.input(qt<int8_t>({s.batch, s.h, s.w, s.in_c}, in, qp({sc.in}, {q.in_zp})));
    std::vector<int64_t> zeros(sc.w.size(), 0);
    if (depthwise) r.input(qt<int8_t>({1, s.kh, s.kw, out_c}, w, qp(sc.w, zeros, 3)), true);
    else r.input(qt<int8_t>({out_c, s.kh, s.kw, s.in_c}, w, qp(sc.w, zeros, 0)), true);
    if (q.bias || !depthwise) r.input(qt<int32_t>({out_c}, bias, qp(bias_scales(sc), zeros)), true);  // CONV_2D needs one
    r.output(DType::kInt8, qp({sc.out}, {q.out_zp}));
    return r;
  };
  check_all((depthwise ? "depthwise " : "conv ") + s.str() + describe(q), make);
}

void check_fc(std::mt19937& rng, int batch, int depth, int units, const Quant& q) {
  Quant qq = q;
  qq.per_channel = false;
  const Scales sc = make_scales(rng, qq, units, depth);
  const auto in = rand_i8(rng, static_cast<size_t>(batch) * depth);
  const auto w = rand_i8(rng, static_cast<size_t>(units) * depth, -127, 127);
  const auto bias = rand_bias(rng, units, rng() % 2 ? 1000 : 200000);
  auto make = [&]() {
    rt::FullyConnectedParams p;
    p.activation = q.act;
    OpRunner r(Op::FULLY_CONNECTED, p);
    r.input(qt<int8_t>({batch, depth}, in, qp({sc.in}, {q.in_zp})));
    r.input(qt<int8_t>({units, depth}, w, qp(sc.w, {0})), true);
    if (q.bias) r.input(qt<int32_t>({units}, bias, qp({sc.in * sc.w[0]}, {0})), true);
    r.output(DType::kInt8, qp({sc.out}, {q.out_zp}));
    return r;
  };
  check_all("fc " + std::to_string(batch) + "x" + std::to_string(depth) + " -> " + std::to_string(units) +
                describe(q),
            make);
}

// A varied set of quantization settings, cycled through by the shape loops.
std::vector<Quant> quants() {
  std::vector<Quant> v;
  const int zps[] = {0, -128, 127, 5, -37};
  const rt::Activation acts[] = {rt::Activation::kNone, rt::Activation::kRelu, rt::Activation::kRelu6,
                                 rt::Activation::kReluN1To1};
  for (int i = 0; i < 10; ++i) {
    Quant q;
    q.in_zp = zps[i % 5];
    q.out_zp = zps[(i * 3 + 1) % 5];
    q.per_channel = i % 3 != 2;
    q.pow2 = i % 2 == 0;
    q.gain = i == 7 ? 300 : i == 4 ? 8 : 1;
    q.act = acts[i % 4];
    q.bias = i != 5;
    v.push_back(q);
  }
  return v;
}

class OptimizedS8Test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "no AVX2 on this CPU";
    g_made = 0;
  }
};

TEST_F(OptimizedS8Test, Conv1x1) {
  std::mt19937 rng(1);
  const auto qs = quants();
  int i = 0;
  // in_c a multiple of 4 at stride 1: the vnni GEMM reads the input rows in place.
  for (int in_c : {1, 3, 4, 5, 7, 16, 17, 31, 33, 64, 65})
    for (int out_c : {1, 7, 16, 33, 65, 130}) {
      const int sz = 3 + (i % 5) * 2;
      check_conv(rng, {1 + i % 2, sz, sz + 1, in_c, out_c, 1, 1, 1 + (i % 4 == 3), 1 + (i % 4 == 3), 1, 1,
                       i % 2 ? rt::Padding::kSame : rt::Padding::kValid},
                 qs[i % qs.size()], false);
      ++i;
    }
  EXPECT_GT(g_made, 0);
}

// 1..4 output channels take the narrow per-pixel kernel (kernels/x86/conv_narrow_s8.h).
TEST_F(OptimizedS8Test, ConvFewOutputChannels) {
  std::mt19937 rng(12);
  const auto qs = quants();
  int i = 0;
  for (int out_c : {1, 2, 3, 4}) {
    const ConvShape shapes[] = {
        {1, 17, 16, 8, out_c, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},    // segmentation head
        {2, 9, 11, 3, out_c, 3, 3, 2, 2, 1, 1, rt::Padding::kSame},
        {1, 12, 10, 17, out_c, 5, 5, 1, 2, 1, 1, rt::Padding::kValid},
        {1, 11, 9, 5, out_c, 3, 3, 1, 1, 2, 1, rt::Padding::kSame},     // dilation along h
        {1, 6, 7, 33, out_c, 1, 1, 1, 1, 1, 1, rt::Padding::kValid},
        {1, 7, 6, 2, out_c, 4, 3, 2, 1, 1, 1, rt::Padding::kSame},
        {1, 5, 21, 8, out_c, 1, 1, 1, 1, 1, 1, rt::Padding::kSame},      // 8 channels at stride 1 along x:
        {2, 6, 27, 8, out_c, 5, 5, 2, 1, 1, 1, rt::Padding::kSame},      // 8 pixels at a time, borders
        {1, 9, 30, 8, out_c, 3, 3, 1, 1, 2, 1, rt::Padding::kValid},     // and tails
        {1, 3, 7, 8, out_c, 1, 1, 1, 1, 1, 1, rt::Padding::kSame},
    };
    for (const auto& s : shapes) check_conv(rng, s, qs[i++ % qs.size()], false);
  }
  EXPECT_GT(g_made, 0);
}

// Few output channels, or few input channels: with AVX-512 VNNI the lanes kernel
// (kernels/x86/conv_lanes_s8.h), 16 output pixels per vector. Widths around multiples of
// 16 (tails), every input-channel count mod 4 (partial groups, and their last-pixel
// bytes), strides and dilations along x (phases), padding wider than the input, batches.
TEST_F(OptimizedS8Test, ConvPixelsInLanes) {
  std::mt19937 rng(13);
  const auto qs = quants();
  const ConvShape shapes[] = {
      {1, 9, 33, 8, 1, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},    // segmentation head
      {1, 5, 16, 8, 8, 1, 1, 1, 1, 1, 1, rt::Padding::kValid},   // 1x1, 8 -> 8
      {2, 7, 17, 3, 24, 3, 3, 2, 2, 1, 1, rt::Padding::kSame},   // first layer
      {1, 11, 15, 3, 32, 3, 3, 2, 2, 1, 1, rt::Padding::kValid},
      {1, 6, 31, 1, 5, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},
      {1, 5, 18, 2, 7, 5, 5, 1, 3, 1, 1, rt::Padding::kSame},    // stride 3 along x
      {2, 8, 20, 5, 6, 3, 3, 1, 1, 2, 2, rt::Padding::kSame},    // dilation
      {1, 7, 23, 12, 3, 3, 5, 2, 1, 1, 3, rt::Padding::kSame},
      {1, 4, 4, 16, 8, 5, 5, 1, 1, 1, 1, rt::Padding::kSame},    // more padding than input
      {1, 3, 1, 4, 2, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},     // one column
      {1, 12, 40, 17, 4, 3, 3, 2, 2, 1, 1, rt::Padding::kValid},
      {1, 6, 49, 7, 8, 2, 2, 2, 2, 1, 1, rt::Padding::kSame},
      {3, 5, 64, 8, 1, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},
      {1, 64, 64, 8, 8, 1, 1, 1, 1, 1, 1, rt::Padding::kValid},  // enough work for threads
      {1, 66, 66, 3, 24, 3, 3, 2, 2, 1, 1, rt::Padding::kValid},
      // several 16-pixel groups per pass for 1..4 channels (128, 64, 32, 32 pixels)
      {1, 3, 150, 8, 1, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},
      {2, 4, 70, 5, 2, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},
      {1, 3, 40, 4, 3, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},
      {1, 3, 37, 6, 4, 1, 3, 1, 1, 1, 1, rt::Padding::kSame},
      {1, 4, 45, 3, 11, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},  // 8 + 3 channels
      // input rows loaded, not gathered: 4 channels at stride 2, 8 at stride 1
      {1, 6, 37, 4, 5, 3, 3, 1, 2, 1, 1, rt::Padding::kSame},
      {1, 7, 35, 8, 2, 5, 5, 1, 1, 1, 1, rt::Padding::kValid},
      // blocks of 4 channels that are part of each pixel: 8 + 8 + 4 and 8 + 4 channels
      {1, 5, 21, 3, 20, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},
      {1, 6, 19, 4, 12, 1, 1, 1, 1, 1, 1, rt::Padding::kValid},
  };
  int i = 0;
  for (const auto& s : shapes)
    for (int j = 0; j < 3; ++j) check_conv(rng, s, qs[(i++ * 3 + j) % qs.size()], false);
  EXPECT_GT(g_made, 0);
}

TEST_F(OptimizedS8Test, ConvKxK) {
  std::mt19937 rng(2);
  const auto qs = quants();
  const ConvShape shapes[] = {
      {1, 9, 9, 3, 16, 3, 3, 2, 2, 1, 1, rt::Padding::kSame},     // first layer
      {1, 8, 7, 5, 7, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},
      {2, 7, 9, 17, 33, 3, 3, 1, 1, 1, 1, rt::Padding::kValid},
      {1, 11, 10, 7, 31, 3, 3, 1, 1, 2, 2, rt::Padding::kSame},   // dilation
      {1, 12, 12, 3, 65, 5, 5, 2, 2, 1, 1, rt::Padding::kSame},
      {1, 9, 13, 31, 17, 5, 5, 1, 1, 1, 1, rt::Padding::kValid},
      {1, 10, 10, 33, 5, 3, 2, 2, 1, 1, 2, rt::Padding::kSame},   // asymmetric
      {2, 6, 6, 65, 130, 3, 3, 2, 2, 1, 1, rt::Padding::kSame},
      {1, 5, 5, 1, 1, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},
      {1, 4, 4, 8, 3, 5, 5, 1, 1, 1, 1, rt::Padding::kSame},      // more padding than input
      {1, 16, 16, 16, 24, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},  // several row chunks
  };
  int i = 0;
  for (const auto& s : shapes)
    for (int j = 0; j < 2; ++j) check_conv(rng, s, qs[(i++ * 7 + j) % qs.size()], false);
  EXPECT_GT(g_made, 0);
}

TEST_F(OptimizedS8Test, Depthwise) {
  std::mt19937 rng(3);
  const auto qs = quants();
  int i = 0;
  for (int c : {1, 3, 5, 7, 17, 31, 33, 65})
    for (int f : {1, 3, 5}) {
      const int st = 1 + i % 2, dil = i % 5 == 4 ? 2 : 1;
      check_conv(rng, {1 + (i % 3 == 1), 7 + i % 4, 9 - i % 3, c, c, f, f, st, st, dil, dil,
                       i % 3 ? rt::Padding::kSame : rt::Padding::kValid},
                 qs[i % qs.size()], true);
      ++i;
    }
  EXPECT_GT(g_made, 0);
}

// 8 channels at stride 1 along x: two output pixels per vector on AVX-512
// (segmentation heads). Widths give interior runs of every length mod 8.
TEST_F(OptimizedS8Test, DepthwiseEightChannels) {
  std::mt19937 rng(14);
  const auto qs = quants();
  int i = 0;
  for (int w : {1, 2, 3, 9, 10, 11, 12, 13, 17, 34})
    for (int f : {3, 5}) {
      const int sh = 1 + i % 2, dil = i % 4 == 3 ? 2 : 1;
      const bool valid = i % 3 == 0 && w > (f - 1) * dil && 5 + i % 3 > (f - 1) * dil;
      check_conv(rng, {1 + (i % 5 == 1), 5 + i % 3, w, 8, 8, f, f, sh, 1, dil, dil,
                       valid ? rt::Padding::kValid : rt::Padding::kSame},
                 qs[i % qs.size()], true);
      ++i;
    }
  check_conv(rng, {1, 64, 64, 8, 8, 3, 3, 1, 1, 1, 1, rt::Padding::kSame}, qs[2], true);  // threads
  EXPECT_GT(g_made, 0);
}

// Square 3x3 and 5x5 filters at stride 1 and 2: four filter rows per int32 lane on
// AVX-512 VNNI + VBMI. Widths give full groups of 8 pixels, short last groups (1-4 and
// 5-7 pixels), groups reaching over either edge; channel counts give tails; dilation
// along y only (rows), as along x the kernel does not apply.
TEST_F(OptimizedS8Test, DepthwiseSquareFilters) {
  std::mt19937 rng(21);
  const auto qs = quants();
  int i = 0;
  for (int c : {1, 5, 16, 24, 33})
    for (int w : {3, 8, 13, 19, 30})
      for (int f : {3, 5}) {
        const int st = 1 + i % 2, dh = i % 7 == 3 ? 2 : 1;
        const bool valid = i % 3 == 0 && w > f && 6 + i % 4 > (f - 1) * dh;
        check_conv(rng, {1 + (i % 9 == 4), 6 + i % 4, w, c, c, f, f, st, st, dh, 1,
                         valid ? rt::Padding::kValid : rt::Padding::kSame},
                   qs[i % qs.size()], true);
        ++i;
      }
  check_conv(rng, {1, 40, 40, 32, 32, 3, 3, 1, 1, 1, 1, rt::Padding::kSame}, qs[3], true);  // threads
  check_conv(rng, {1, 3, 2, 16, 16, 5, 5, 2, 2, 1, 1, rt::Padding::kSame}, qs[1], true);   // all padding
  EXPECT_GT(g_made, 0);
}

TEST_F(OptimizedS8Test, FullyConnected) {
  std::mt19937 rng(4);
  const auto qs = quants();
  int i = 0;
  for (int batch : {1, 3, 50})
    for (int depth : {1, 3, 17, 64, 257})
      for (int units : {1, 5, 33, 130}) check_fc(rng, batch, depth, units, qs[i++ % qs.size()]);
  EXPECT_GT(g_made, 0);
}

// Shapes large enough to be split over threads (small ones run on one thread).
TEST_F(OptimizedS8Test, LargeShapesSplitOverThreads) {
  std::mt19937 rng(5);
  const auto qs = quants();
  check_conv(rng, {1, 24, 24, 32, 48, 3, 3, 1, 1, 1, 1, rt::Padding::kSame}, qs[1], false);    // 8M MACs, 12 chunks
  check_conv(rng, {2, 20, 20, 17, 200, 1, 1, 1, 1, 1, 1, rt::Padding::kValid}, qs[2], false);  // N split too
  check_conv(rng, {1, 7, 7, 96, 300, 1, 1, 1, 1, 1, 1, rt::Padding::kValid}, qs[3], false);    // few rows: N split
  check_conv(rng, {1, 40, 37, 67, 67, 3, 3, 1, 1, 1, 1, rt::Padding::kSame}, qs[4], true);
  check_conv(rng, {2, 30, 30, 33, 33, 5, 5, 2, 2, 1, 1, rt::Padding::kSame}, qs[5], true);
  check_fc(rng, 2, 1000, 700, qs[6]);
  EXPECT_GT(g_made, 0);
}

std::vector<float> rand_f32(std::mt19937& rng, size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Hybrid CONV_2D: float input quantized per batch (asymmetric when the per-channel
// scales differ, else symmetric), float output; compared bit for bit.
TEST_F(OptimizedS8Test, ConvHybrid) {
  std::mt19937 rng(6);
  const ConvShape shapes[] = {
      {1, 9, 9, 3, 16, 3, 3, 2, 2, 1, 1, rt::Padding::kSame},
      {2, 8, 7, 5, 33, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},
      {2, 7, 9, 17, 7, 1, 1, 1, 1, 1, 1, rt::Padding::kValid},
      {1, 11, 10, 7, 31, 3, 3, 1, 1, 2, 2, rt::Padding::kSame},
      {1, 12, 12, 33, 65, 5, 5, 2, 2, 1, 1, rt::Padding::kSame},
      {1, 24, 24, 32, 48, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},  // split over threads
      // 1x1, stride 1, K a multiple of 4: the quantized rows read in place (vnni)
      {2, 9, 7, 16, 33, 1, 1, 1, 1, 1, 1, rt::Padding::kValid},
      {1, 5, 6, 8, 7, 1, 1, 1, 1, 1, 1, rt::Padding::kSame},
      {1, 40, 40, 24, 72, 1, 1, 1, 1, 1, 1, rt::Padding::kValid},  // split over threads
      {1, 9, 9, 16, 20, 1, 1, 2, 2, 1, 1, rt::Padding::kValid},    // strided: packed
  };
  int i = 0;
  for (const auto& s : shapes) {
    for (int mode = 0; mode < 3; ++mode, ++i) {  // 0: per-channel scales differ, 1: all equal, 2: per tensor
      const int64_t k = int64_t{s.kh} * s.kw * s.in_c;
      // Inputs: shifted so that the asymmetric zero point is not 0; one all-zero batch.
      auto in = rand_f32(rng, static_cast<size_t>(s.batch) * s.h * s.w * s.in_c, -1.0f, i % 2 ? 3.0f : 0.5f);
      if (s.batch > 1) std::fill(in.begin(), in.begin() + in.size() / s.batch, 0.0f);
      const auto w = rand_i8(rng, static_cast<size_t>(s.out_c) * k, -127, 127);
      std::vector<float> scales;
      const int n_scales = mode == 2 ? 1 : s.out_c;
      for (int c = 0; c < n_scales; ++c) scales.push_back(mode == 0 ? 0.01f * (1 + c % 5) : 0.02f);
      const auto bias = rand_f32(rng, s.out_c, -2, 2);
      const rt::Activation act = i % 3 == 0 ? rt::Activation::kRelu6 : i % 3 == 1 ? rt::Activation::kNone : rt::Activation::kRelu;
      auto make = [&]() {
        OpRunner r = conv_runner(s, act, false);
        r.input(test::f32({s.batch, s.h, s.w, s.in_c}, in));
        r.input(qt<int8_t>({s.out_c, s.kh, s.kw, s.in_c}, w, qp(scales, std::vector<int64_t>(scales.size(), 0), 0)),
                true);
        r.input(test::f32({s.out_c}, bias), true);
        return r;
      };
      check_all("hybrid conv " + s.str() + " mode " + std::to_string(mode), make);
    }
  }
  EXPECT_GT(g_made, 0);
}

// Hybrid FULLY_CONNECTED, symmetric and asymmetric input quantization, with and
// without bias, and an all-zero input (the reference's shortcut).
TEST_F(OptimizedS8Test, FullyConnectedHybrid) {
  std::mt19937 rng(7);
  int i = 0;
  for (int batch : {1, 3, 50})
    for (int depth : {1, 17, 64, 257})
      for (int units : {5, 33, 130})
        for (bool asym : {false, true}) {
          auto in = rand_f32(rng, static_cast<size_t>(batch) * depth, -1.0f, i % 2 ? 2.5f : 0.3f);
          if (i % 11 == 0) std::fill(in.begin(), in.end(), 0.0f);
          const auto w = rand_i8(rng, static_cast<size_t>(units) * depth, -127, 127);
          const auto bias = rand_f32(rng, units, -2, 2);
          const bool has_bias = i % 4 != 3;
          rt::FullyConnectedParams p;
          p.asymmetric_quantize_inputs = asym;
          p.activation = i % 3 == 0 ? rt::Activation::kRelu : rt::Activation::kNone;
          auto make = [&]() {
            OpRunner r(Op::FULLY_CONNECTED, p);
            r.input(test::f32({batch, depth}, in));
            r.input(qt<int8_t>({units, depth}, w, qp({0.013f}, {0})), true);
            if (has_bias) r.input(test::f32({units}, bias), true);
            return r;
          };
          check_all("hybrid fc " + std::to_string(batch) + "x" + std::to_string(depth) + " -> " +
                        std::to_string(units) + (asym ? " asymmetric" : " symmetric"),
                    make);
          ++i;
        }
  check_all("hybrid fc large", [&]() {
    static const auto in = rand_f32(rng, 4 * 1000, -1, 2), bias = rand_f32(rng, 700, -1, 1);
    static const auto w = rand_i8(rng, 700 * 1000, -127, 127);
    rt::FullyConnectedParams p;
    p.asymmetric_quantize_inputs = true;
    OpRunner r(Op::FULLY_CONNECTED, p);
    r.input(test::f32({4, 1000}, in));
    r.input(qt<int8_t>({700, 1000}, w, qp({0.01f}, {0})), true);
    r.input(test::f32({700}, bias), true);
    return r;
  });
  EXPECT_GT(g_made, 0);
}

// Every accumulator from -255 * 3 to 255 * 3 through exact power-of-two multipliers
// (0.5, 0.25, 0.125 and 2): each rounding tie of both rounding modes (GEMM: ties up,
// depthwise: ties away from zero), positive and negative.
// Accumulators whose requantization the float32 estimate (kernels_s8.h) gets wrong
// without its window: the estimate emulated in scalar code (the same float32 operations:
// conversion, FMA, clamp, floor) against TFLite's integer steps, for the output scale
// out_scale (input and weight scales 1) and output zero point zp, over the accumulators
// that land inside the int8 range.
std::vector<int32_t> float_estimate_misses(float out_scale, int zp) {
  int32_t m = 0;
  int shift = 0;
  rt::quantize_multiplier(1.0 / static_cast<double>(out_scale), &m, &shift);
  const int right = -shift;
  const double d = std::ldexp(1.0, -1 - right);
  const float scale = static_cast<float>(std::ldexp(static_cast<double>(m), -31 - right));
  const float c_pos = static_cast<float>(0.5 + d + zp), c_neg = static_cast<float>(0.5 - d + zp);
  std::vector<int32_t> misses;
  const int32_t span = static_cast<int32_t>(130.0 * out_scale);
  for (int32_t acc = -span; acc <= span; ++acc) {
    const int32_t exact =
        std::clamp(rt::multiply_by_quantized_multiplier(acc, m, shift) + zp, int32_t{-128}, int32_t{127});
    float z = std::fma(static_cast<float>(acc), scale, acc < 0 ? c_neg : c_pos);
    z = std::min(std::max(z, -127.5f), 127.5f);
    if (static_cast<int32_t>(std::floor(z)) != exact) misses.push_back(acc);
  }
  return misses;
}

// The float32 requantization estimate's window: accumulators where the estimate alone is
// one off, as FULLY_CONNECTED, depthwise and CONV_2D biases (zero input), so every vector
// kernel requantizes exactly these sums.
TEST_F(OptimizedS8Test, RequantEstimateMisses) {
  int found = 0;
  for (float out_scale : {1234.567f, 3001.13f, 777.77f, 20011.3f}) {
    for (int zp : {0, -128, 37}) {
      std::vector<int32_t> bias = float_estimate_misses(out_scale, zp);
      found += static_cast<int>(bias.size());
      if (bias.empty()) continue;
      while (bias.size() % 24 != 0) bias.push_back(bias[bias.size() % bias.size()] + 1);
      const int units = static_cast<int>(bias.size());
      auto fc = [&]() {
        OpRunner r(Op::FULLY_CONNECTED, rt::FullyConnectedParams{});
        r.input(qt<int8_t>({3, 1}, {0, 0, 0}, qp({1.0f}, {0})));
        r.input(qt<int8_t>({units, 1}, std::vector<int8_t>(units, 1), qp({1.0f}, {0})), true);
        r.input(qt<int32_t>({units}, bias, qp({1.0f}, {0})), true);
        r.output(DType::kInt8, qp({out_scale}, {zp}));
        return r;
      };
      check_all("fc estimate misses", fc);
      for (int c : {8, 24}) {  // two pixels per vector, and 16 + 8 channels
        for (size_t at = 0; at + c <= bias.size(); at += c) {
          const std::vector<int32_t> b(bias.begin() + at, bias.begin() + at + c);
          auto dw = [&]() {
            OpRunner r(Op::DEPTHWISE_CONV_2D, rt::OpParams(rt::DepthwiseConvParams{}));
            r.input(qt<int8_t>({1, 5, 11, c}, std::vector<int8_t>(55 * c, 0), qp({1.0f}, {0})));
            r.input(qt<int8_t>({1, 3, 3, c}, std::vector<int8_t>(9 * c, 1), qp(std::vector<float>(c, 1.0f), std::vector<int64_t>(c, 0), 3)), true);
            r.input(qt<int32_t>({c}, b, qp(std::vector<float>(c, 1.0f), std::vector<int64_t>(c, 0))), true);
            r.output(DType::kInt8, qp({out_scale}, {zp}));
            return r;
          };
          check_all("depthwise estimate misses", dw);
          // CONV_2D with few output channels (the lanes kernel on VNNI, AVX2's narrow rows).
          for (int oc : {3, 8}) {
            if (oc > c) continue;
            const std::vector<int32_t> bc(b.begin(), b.begin() + oc);
            auto conv = [&]() {
              OpRunner r(Op::CONV_2D, rt::OpParams(rt::ConvParams{}));
              r.input(qt<int8_t>({1, 3, 37, 8}, std::vector<int8_t>(3 * 37 * 8, 0), qp({1.0f}, {0})));
              r.input(qt<int8_t>({oc, 1, 1, 8}, std::vector<int8_t>(oc * 8, 1),
                                 qp(std::vector<float>(oc, 1.0f), std::vector<int64_t>(oc, 0), 0)),
                      true);
              r.input(qt<int32_t>({oc}, bc, qp(std::vector<float>(oc, 1.0f), std::vector<int64_t>(oc, 0))), true);
              r.output(DType::kInt8, qp({out_scale}, {zp}));
              return r;
            };
            check_all("conv estimate misses", conv);
          }
        }
      }
    }
  }
  EXPECT_GT(found, 0);  // else the test shows nothing: the estimate never missed
  EXPECT_GT(g_made, 0);
}

// Real multipliers above 1 (a left shift): the float32 estimate applies only where
// x << left cannot wrap, as the reference's int32 shift does for these biases (2^24 << 7
// and beyond). Each layer: half its channels' biases wrap, half are small (near the
// estimate's clamp bounds), all on zero input; the other layers take small biases only,
// which keep the estimate on.
TEST_F(OptimizedS8Test, RequantLeftShiftWrap) {
  const float out_scale = 0.0123f;  // multiplier 81.3: left shift 7
  const std::vector<int32_t> wraps = {1 << 24, (1 << 24) + 3, -(1 << 24), -(1 << 24) - 5, 1 << 25, 3 << 23,
                                      (1 << 24) - 1, -(1 << 24) + 1, 123456789, -98765432, 1 << 30, -(1 << 30)};
  const std::vector<int32_t> small = {0, 1, -1, 2, -2, 3, -3, 1000, -1000, 1 << 20, -(1 << 20), 7};
  for (bool wrap : {true, false}) {
    std::vector<int32_t> bias(24);
    for (int c = 0; c < 24; ++c) bias[c] = wrap && c % 2 ? wraps[c / 2] : small[c / 2];
    for (int c : {8, 24}) {
      const std::vector<int32_t> b(bias.begin(), bias.begin() + c);
      const auto ones = [](int n) { return std::vector<int8_t>(static_cast<size_t>(n), 1); };
      const auto scales = [](int n) { return qp(std::vector<float>(n, 1.0f), std::vector<int64_t>(n, 0), 0); };
      check_all("conv left shift", [&]() {
        OpRunner r(Op::CONV_2D, rt::OpParams(rt::ConvParams{}));
        r.input(qt<int8_t>({1, 3, 37, 8}, std::vector<int8_t>(3 * 37 * 8, 0), qp({1.0f}, {0})));
        r.input(qt<int8_t>({c, 1, 1, 8}, ones(c * 8), scales(c)), true);
        r.input(qt<int32_t>({c}, b, scales(c)), true);
        r.output(DType::kInt8, qp({out_scale}, {3}));
        return r;
      });
      check_all("depthwise left shift", [&]() {
        OpRunner r(Op::DEPTHWISE_CONV_2D, rt::OpParams(rt::DepthwiseConvParams{}));
        r.input(qt<int8_t>({1, 5, 11, c}, std::vector<int8_t>(55 * c, 0), qp({1.0f}, {0})));
        r.input(qt<int8_t>({1, 3, 3, c}, ones(9 * c), qp(std::vector<float>(c, 1.0f), std::vector<int64_t>(c, 0), 3)),
                true);
        r.input(qt<int32_t>({c}, b, scales(c)), true);
        r.output(DType::kInt8, qp({out_scale}, {-3}));
        return r;
      });
      check_all("fc left shift", [&]() {
        OpRunner r(Op::FULLY_CONNECTED, rt::FullyConnectedParams{});
        r.input(qt<int8_t>({3, 4}, std::vector<int8_t>(12, 0), qp({1.0f}, {0})));
        r.input(qt<int8_t>({c, 4}, ones(c * 4), qp({1.0f}, {0})), true);
        r.input(qt<int32_t>({c}, b, qp({1.0f}, {0})), true);
        r.output(DType::kInt8, qp({out_scale}, {0}));
        return r;
      });
    }
  }
  EXPECT_GT(g_made, 0);
}

TEST_F(OptimizedS8Test, RoundingTies) {
  std::vector<int8_t> in(256);
  for (int i = 0; i < 256; ++i) in[i] = static_cast<int8_t>(i - 128);
  for (float out_scale : {2.0f, 4.0f, 8.0f, 0.5f}) {
    for (int zp : {0, 127, -128}) {
      auto fc = [&]() {
        OpRunner r(Op::FULLY_CONNECTED, rt::FullyConnectedParams{});
        r.input(qt<int8_t>({256, 1}, in, qp({1.0f}, {zp})));
        r.input(qt<int8_t>({16, 1}, {1, -1, 2, -2, 3, -3, 1, 1, -1, -1, 2, 3, -3, 1, 0, 1}, qp({1.0f}, {0})), true);
        r.input(qt<int32_t>({16}, {0, 0, 0, 1, -1, 0, 1, -1, 0, 2, -3, 0, 0, 5, 0, 0}, qp({1.0f}, {0})), true);
        r.output(DType::kInt8, qp({out_scale}, {0}));
        return r;
      };
      check_all("fc ties", fc);
      auto dw = [&]() {
        rt::DepthwiseConvParams p;
        p.padding = rt::Padding::kValid;
        OpRunner r(Op::DEPTHWISE_CONV_2D, p);
        r.input(qt<int8_t>({1, 16, 16, 1}, in, qp({1.0f}, {zp})));
        r.input(qt<int8_t>({1, 1, 1, 1}, {-3}, qp({1.0f}, {0}, 3)), true);
        r.output(DType::kInt8, qp({out_scale}, {0}));
        return r;
      };
      check_all("depthwise ties", dw);
    }
  }
  EXPECT_GT(g_made, 0);
}

}  // namespace
}  // namespace liteq
