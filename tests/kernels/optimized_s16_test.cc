// The 16x8 fast kernels (int16 activations, int8 weights; src/kernels/optimized/*_s16*)
// against the reference kernels: CONV_2D, FULLY_CONNECTED and DEPTHWISE_CONV_2D must
// agree bit for bit at every ISA level this CPU has and every thread count, over shapes
// with odd channel counts and tails, strides, dilations, paddings, batches, 1x1 / 3x3 /
// 5x5 filters, depths above one int32 chunk of the GEMM (kChunkPairs), per-tensor and
// per-channel weights, int64 / int32 / no bias (the reference's int64 and wrapping
// int32 accumulators), fused activations, multipliers above 1 (saturation),
// power-of-two scales (rounding ties) and extreme values (inputs -32768 / 32767,
// weights -128 / 127) that bound the int32 partial sums.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <random>

#include "kernels/exec.h"
#include "kernels/op_runner.h"
#include "kernels/optimized_int_check.h"
#include "kernels/optimized/kernels_s16.h"

namespace liteq {
namespace {

using test::ConvShape;
using test::OpRunner;
using test::qp;
using test::qt;

// Values in [lo, hi], the extremes often; all_extreme: only lo and hi.
template <typename T>
std::vector<T> rand_int(std::mt19937& rng, size_t n, int lo, int hi, bool all_extreme = false) {
  std::uniform_int_distribution<int> d(lo, hi), e(0, 15);
  std::vector<T> v(n);
  for (auto& x : v) {
    const int r = all_extreme ? static_cast<int>(rng() % 2) : e(rng);
    x = static_cast<T>(r == 0 ? lo : r == 1 ? hi : d(rng));
  }
  return v;
}



int64_t g_made = 0;  // fast kernels the optimized runs created
int64_t g_cases = 0;  // shapes checked
int64_t g_outputs = 0, g_inner = 0;  // outputs compared; those strictly inside (-32768, 32767), not 0

// Runs `make()` with the reference and at every ISA level x thread count; compares the
// int16 outputs exactly, and that a fast kernel ran when `expect_fast`.
template <typename Make>
void check_all(const std::string& what, Make make, bool expect_fast = true) {
  const auto ref = make().run();
  ++g_cases;
  for (int16_t v : ref[0].template values<int16_t>()) {
    ++g_outputs;
    g_inner += v != 0 && v != -32768 && v != 32767;
  }
  for (rt::Isa isa : test::int_isa_levels()) {
    for (int threads : {1, 2, 3}) {
      const int64_t before = rt::opt::s16::fast_kernels_made();
      OpRunner runner = make();
      const auto out = runner.exec(rt::ExecConfig{isa, &test::int_pool(threads)}).run();
      const int64_t made = rt::opt::s16::fast_kernels_made() - before;
      g_made += made;
      if (expect_fast) {
        ASSERT_EQ(made, 1) << what << ": no fast kernel";
      }
      ASSERT_EQ(out[0].dims, ref[0].dims) << what;
      const auto a = out[0].template values<int16_t>(), b = ref[0].template values<int16_t>();
      ASSERT_EQ(a.size(), b.size());
      size_t bad = 0, first = 0;
      for (size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i] && bad++ == 0) first = i;
      ASSERT_EQ(bad, 0u) << what << " isa " << rt::isa_name(isa) << " threads " << threads << ": " << bad << " of "
                         << a.size() << " differ, first at " << first << " got " << a[first] << " want " << b[first];
    }
  }
}

enum class Bias { kNone, kInt32, kInt64 };

struct Quant {
  bool per_channel = true;
  bool pow2 = false;  // power-of-two scales: exact multipliers, many rounding ties
  double gain = 1;    // > 1: outputs saturate; large: multipliers above 1 (left shifts)
  rt::Activation act = rt::Activation::kNone;
  Bias bias = Bias::kInt64;
  int64_t bias_range = 1000000;
  bool extreme = false;  // inputs and weights only at their extremes
};

std::string describe(const Quant& q) {
  const char* b = q.bias == Bias::kNone ? "none" : q.bias == Bias::kInt32 ? "int32" : "int64";
  return std::string(q.per_channel ? " per-channel" : " per-tensor") + (q.pow2 ? " pow2" : "") + " act " +
         std::to_string(static_cast<int>(q.act)) + " gain " + std::to_string(q.gain) + " bias " + b + " range " +
         std::to_string(q.bias_range) + (q.extreme ? " extreme" : "");
}

struct Scales {
  float in = 0.5f, out = 1;
  std::vector<float> w;
};
// Scales that spread depth-k dot products of random int16 x int8 values over int16.
Scales make_scales(std::mt19937& rng, const Quant& q, int channels, int64_t k) {
  Scales s;
  std::uniform_real_distribution<double> u(0.5, 2.0);
  const double real = 10000.0 / (18900.0 * 73.0 * std::sqrt(static_cast<double>(k))) * q.gain;
  s.in = q.pow2 ? 0.5f : static_cast<float>(0.0003 * u(rng));
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

// The bias input (if any), scale input x weight scale per channel.
void add_bias(OpRunner& r, std::mt19937& rng, const Quant& q, const Scales& sc, int n) {
  std::vector<float> scales;
  for (float w : sc.w) scales.push_back(sc.in * w);
  const std::vector<int64_t> zeros(scales.size(), 0);
  std::uniform_int_distribution<int64_t> d(-q.bias_range, q.bias_range);
  if (q.bias == Bias::kInt64) {
    std::vector<int64_t> b(n);
    for (auto& x : b) x = d(rng);
    r.input(qt<int64_t>({n}, b, qp(scales, zeros)), true);
  } else if (q.bias == Bias::kInt32) {
    std::vector<int32_t> b(n);
    for (auto& x : b) x = static_cast<int32_t>(std::clamp<int64_t>(d(rng), INT32_MIN, INT32_MAX));
    r.input(qt<int32_t>({n}, b, qp(scales, zeros)), true);
  }
}


void check_conv(std::mt19937& rng, const ConvShape& s, const Quant& q, bool depthwise) {
  const int out_c = depthwise ? s.in_c : s.out_c;
  const int64_t k = int64_t{s.kh} * s.kw * (depthwise ? 1 : s.in_c);
  const Scales sc = make_scales(rng, q, out_c, k);
  const auto in = rand_int<int16_t>(rng, static_cast<size_t>(s.batch) * s.h * s.w * s.in_c, -32768, 32767, q.extreme);
  const auto w = rand_int<int8_t>(rng, static_cast<size_t>(out_c) * k, -128, 127, q.extreme);
  const uint32_t seed = rng();
  auto make = [&]() {
    std::mt19937 brng(seed);  // the same bias every run
    OpRunner r = test::conv_runner(s, q.act, depthwise);
    r.input(qt<int16_t>({s.batch, s.h, s.w, s.in_c}, in, qp({sc.in}, {0})));
    const std::vector<int64_t> zeros(sc.w.size(), 0);
    if (depthwise) r.input(qt<int8_t>({1, s.kh, s.kw, out_c}, w, qp(sc.w, zeros, 3)), true);
    else r.input(qt<int8_t>({out_c, s.kh, s.kw, s.in_c}, w, qp(sc.w, zeros, 0)), true);
    add_bias(r, brng, q, sc, out_c);
    r.output(DType::kInt16, qp({sc.out}, {0}));
    return r;
  };
  check_all((depthwise ? "depthwise " : "conv ") + s.str() + describe(q), make);
}

void check_fc(std::mt19937& rng, int batch, int depth, int units, const Quant& q) {
  Quant qq = q;
  qq.per_channel = false;
  const Scales sc = make_scales(rng, qq, units, depth);
  const auto in = rand_int<int16_t>(rng, static_cast<size_t>(batch) * depth, -32768, 32767, q.extreme);
  const auto w = rand_int<int8_t>(rng, static_cast<size_t>(units) * depth, -128, 127, q.extreme);
  const uint32_t seed = rng();
  auto make = [&]() {
    std::mt19937 brng(seed);
    rt::FullyConnectedParams p;
    p.activation = q.act;
    OpRunner r(Op::FULLY_CONNECTED, p);
    r.input(qt<int16_t>({batch, depth}, in, qp({sc.in}, {0})));
    r.input(qt<int8_t>({units, depth}, w, qp(sc.w, {0})), true);
    Scales one = sc;
    one.w.resize(1);
    add_bias(r, brng, qq, one, units);
    r.output(DType::kInt16, qp({sc.out}, {0}));
    return r;
  };
  check_all("fc " + std::to_string(batch) + "x" + std::to_string(depth) + " -> " + std::to_string(units) +
                describe(q),
            make);
}

// A varied set of quantization settings, cycled through by the shape loops. Conv and
// depthwise need a bias kind they accept: conv any but none, depthwise int64 or none.
std::vector<Quant> quants(bool conv, bool depthwise) {
  std::vector<Quant> v;
  const rt::Activation acts[] = {rt::Activation::kNone, rt::Activation::kRelu, rt::Activation::kRelu6,
                                 rt::Activation::kReluN1To1};
  for (int i = 0; i < 12; ++i) {
    Quant q;
    q.per_channel = i % 3 != 2;
    q.pow2 = i % 2 == 0;
    q.gain = i == 7 ? 3000 : i == 4 ? 8 : i == 9 ? 0.01 : 1;
    q.act = acts[i % 4];
    const Bias kinds[] = {Bias::kInt64, Bias::kInt32, Bias::kNone};
    q.bias = kinds[i % 3];
    if (conv && q.bias == Bias::kNone) q.bias = Bias::kInt64;
    if (depthwise && q.bias == Bias::kInt32) q.bias = Bias::kNone;
    // Large biases: int64 sums beyond int32, and (int32 path) wrapping accumulators.
    q.bias_range = i % 4 == 1 ? (q.bias == Bias::kInt64 ? int64_t{1} << 40 : int64_t{1} << 31) : 1000000;
    q.extreme = i == 10;
    v.push_back(q);
  }
  return v;
}

class OptimizedS16Test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "no AVX2 on this CPU";
    g_made = 0;
    g_cases = 0;
    g_outputs = g_inner = 0;
  }
  void TearDown() override {
    std::cout << "  " << g_cases << " shapes checked, " << g_inner << " of " << g_outputs
              << " outputs inside the range and not 0\n";
    // The scales spread many outputs over the int16 range (fused activations and gains
    // above 1 clamp the others): not a comparison of clamped values only.
    if (check_spread) {
      EXPECT_GT(g_inner * 4, g_outputs);
    }
  }
  bool check_spread = true;
};

TEST_F(OptimizedS16Test, Conv1x1) {
  std::mt19937 rng(1);
  const auto qs = quants(true, false);
  int i = 0;
  for (int in_c : {1, 2, 3, 5, 7, 16, 17, 33, 64, 65})
    for (int out_c : {1, 3, 7, 16, 33, 65, 130}) {
      const int sz = 3 + (i % 5) * 2;
      const int st = i % 4 == 3 ? 2 : 1;
      check_conv(rng, {1 + i % 2, sz, sz + 1, in_c, out_c, 1, 1, st, st, 1, 1,
                       i % 2 ? rt::Padding::kSame : rt::Padding::kValid},
                 qs[i % qs.size()], false);
      ++i;
    }
  EXPECT_GT(g_made, 0);
}

TEST_F(OptimizedS16Test, ConvKxK) {
  std::mt19937 rng(2);
  const auto qs = quants(true, false);
  const ConvShape shapes[] = {
      {1, 9, 9, 3, 16, 3, 3, 2, 2, 1, 1, rt::Padding::kSame},     // first layer
      {1, 8, 7, 5, 7, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},
      {2, 7, 9, 17, 33, 3, 3, 1, 1, 1, 1, rt::Padding::kValid},
      {1, 11, 10, 7, 31, 3, 3, 1, 1, 2, 2, rt::Padding::kSame},   // dilation
      {1, 11, 10, 4, 9, 3, 3, 2, 1, 1, 3, rt::Padding::kSame},    // dilation along w, stride along h
      {1, 12, 12, 3, 65, 5, 5, 2, 2, 1, 1, rt::Padding::kSame},
      {1, 9, 13, 31, 17, 5, 5, 1, 1, 1, 1, rt::Padding::kValid},
      {1, 10, 10, 33, 5, 3, 2, 2, 1, 1, 2, rt::Padding::kSame},   // asymmetric
      {2, 6, 6, 65, 130, 3, 3, 2, 2, 1, 1, rt::Padding::kSame},   // K = 585: several int32 chunks
      {1, 5, 5, 1, 1, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},
      {1, 4, 4, 8, 3, 5, 5, 1, 1, 1, 1, rt::Padding::kSame},      // more padding than input
      {1, 16, 16, 16, 24, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},  // several row chunks
      {1, 6, 5, 300, 20, 1, 1, 1, 1, 1, 1, rt::Padding::kValid},  // 1x1, K = 300: two chunks, direct
      {1, 6, 5, 257, 20, 1, 1, 1, 1, 1, 1, rt::Padding::kValid},  // odd K = 257: packed, 129 pairs
  };
  int i = 0;
  for (const auto& s : shapes)
    for (int j = 0; j < 3; ++j) check_conv(rng, s, qs[(i++ * 5 + j) % qs.size()], false);
  EXPECT_GT(g_made, 0);
}

TEST_F(OptimizedS16Test, Depthwise) {
  std::mt19937 rng(3);
  const auto qs = quants(false, true);
  int i = 0;
  for (int c : {1, 3, 5, 7, 8, 16, 17, 31, 33, 65})
    for (int f : {1, 3, 5}) {
      const int st = 1 + i % 2, dil = i % 5 == 4 ? 2 : 1;
      check_conv(rng, {1 + (i % 3 == 1), 7 + i % 4, 9 - i % 3, c, c, f, f, st, st, dil, dil,
                       i % 3 ? rt::Padding::kSame : rt::Padding::kValid},
                 qs[i % qs.size()], true);
      ++i;
    }
  // Asymmetric filters, strides and dilations.
  check_conv(rng, {1, 9, 12, 19, 19, 3, 5, 2, 1, 1, 2, rt::Padding::kSame}, qs[1], true);
  check_conv(rng, {2, 8, 6, 24, 24, 7, 1, 1, 3, 1, 1, rt::Padding::kSame}, qs[2], true);
  EXPECT_GT(g_made, 0);
}

TEST_F(OptimizedS16Test, FullyConnected) {
  std::mt19937 rng(4);
  const auto qs = quants(false, false);
  int i = 0;
  for (int batch : {1, 3, 50})
    for (int depth : {1, 2, 3, 17, 64, 257, 600})
      for (int units : {1, 5, 33, 130}) check_fc(rng, batch, depth, units, qs[i++ % qs.size()]);
  EXPECT_GT(g_made, 0);
}

// Inputs and weights only at their extremes (-32768 / 32767, -128 / 127), and all at
// the one product of largest magnitude (-32768 x -128 = 2^22) over long sums: the
// int32 partial sums of the GEMM reach their bound.
TEST_F(OptimizedS16Test, ExtremeValues) {
  std::mt19937 rng(5);
  for (Bias b : {Bias::kInt64, Bias::kInt32}) {
    Quant q;
    q.extreme = true;
    q.bias = b;
    q.gain = 0.001;
    check_conv(rng, {1, 5, 6, 300, 17, 1, 1, 1, 1, 1, 1, rt::Padding::kValid}, q, false);
    check_conv(rng, {1, 7, 6, 129, 9, 3, 3, 1, 1, 1, 1, rt::Padding::kSame}, q, false);
    check_fc(rng, 3, 2000, 19, q);
  }
  Quant q;
  q.extreme = true;
  q.bias = Bias::kInt64;
  check_conv(rng, {1, 9, 8, 21, 21, 3, 3, 1, 1, 1, 1, rt::Padding::kSame}, q, true);
  // All products +2^22: 2^22 * K for K = 1024 (int64 sums 2^32: beyond int32).
  for (Bias b : {Bias::kInt64, Bias::kInt32}) {
    const int depth = 1024, units = 20;
    const std::vector<int16_t> in(static_cast<size_t>(2) * depth, -32768);
    const std::vector<int8_t> w(static_cast<size_t>(units) * depth, -128);
    for (float out_scale : {1.0f, 30.0f, 1000.0f}) {
      auto make = [&]() {
        OpRunner r(Op::FULLY_CONNECTED, rt::FullyConnectedParams{});
        r.input(qt<int16_t>({2, depth}, in, qp({0.001f}, {0})));
        r.input(qt<int8_t>({units, depth}, w, qp({0.01f}, {0})), true);
        if (b == Bias::kInt64) r.input(qt<int64_t>({units}, std::vector<int64_t>(units, 5), qp({0.00001f}, {0})), true);
        else r.input(qt<int32_t>({units}, std::vector<int32_t>(units, 5), qp({0.00001f}, {0})), true);
        r.output(DType::kInt16, qp({out_scale}, {0}));
        return r;
      };
      check_all("fc all 2^22 products, output scale " + std::to_string(out_scale), make);
      auto conv = [&]() {
        rt::ConvParams p;
        p.padding = rt::Padding::kSame;
        OpRunner r(Op::CONV_2D, p);
        r.input(qt<int16_t>({1, 4, 4, 128}, std::vector<int16_t>(4 * 4 * 128, -32768), qp({0.001f}, {0})));
        r.input(qt<int8_t>({units, 3, 3, 128}, std::vector<int8_t>(static_cast<size_t>(units) * 9 * 128, -128),
                           qp({0.01f}, {0})),
                true);
        if (b == Bias::kInt64) r.input(qt<int64_t>({units}, std::vector<int64_t>(units, -7), qp({0.00001f}, {0})), true);
        else r.input(qt<int32_t>({units}, std::vector<int32_t>(units, -7), qp({0.00001f}, {0})), true);
        r.output(DType::kInt16, qp({out_scale}, {0}));
        return r;
      };
      check_all("conv all 2^22 products, output scale " + std::to_string(out_scale), conv);
    }
  }
  EXPECT_GT(g_made, 0);
}

// Shapes large enough to be split over threads (small ones run on one thread).
TEST_F(OptimizedS16Test, LargeShapesSplitOverThreads) {
  std::mt19937 rng(6);
  const auto qc = quants(true, false), qd = quants(false, true), qf = quants(false, false);
  check_conv(rng, {1, 24, 24, 32, 48, 3, 3, 1, 1, 1, 1, rt::Padding::kSame}, qc[1], false);    // 12 row chunks
  check_conv(rng, {2, 20, 20, 17, 200, 1, 1, 1, 1, 1, 1, rt::Padding::kValid}, qc[2], false);  // N split too
  check_conv(rng, {1, 7, 7, 96, 300, 1, 1, 1, 1, 1, 1, rt::Padding::kValid}, qc[3], false);    // few rows: N split
  check_conv(rng, {1, 40, 37, 67, 67, 3, 3, 1, 1, 1, 1, rt::Padding::kSame}, qd[4], true);
  check_conv(rng, {2, 30, 30, 33, 33, 5, 5, 2, 2, 1, 1, rt::Padding::kSame}, qd[5], true);
  check_fc(rng, 2, 1000, 700, qf[6]);
  check_fc(rng, 1, 1151, 1000, qf[7]);
  EXPECT_GT(g_made, 0);
}

// Power-of-two multipliers over every accumulator in a range: the rounding ties of
// both requantizations (int64: reduced multiplier, int32: single rounding).
TEST_F(OptimizedS16Test, RoundingTies) {
  std::vector<int16_t> in(512);
  for (int i = 0; i < 512; ++i) in[i] = static_cast<int16_t>(i - 256);
  for (float out_scale : {2.0f, 4.0f, 8.0f, 0.5f}) {
    for (Bias b : {Bias::kInt64, Bias::kInt32, Bias::kNone}) {
      auto fc = [&]() {
        OpRunner r(Op::FULLY_CONNECTED, rt::FullyConnectedParams{});
        r.input(qt<int16_t>({256, 2}, in, qp({1.0f}, {0})));
        r.input(qt<int8_t>({16, 2}, {1, -1, 2, -2, 3, -3, 1, 1, -1, -1, 2, 3, -3, 1, 0, 1,
                                     1, 0, 0, 1, -1, 2, 2, -1, 5, 7, -128, 127, 0, 0, 3, 3},
                           qp({1.0f}, {0})),
                true);
        const std::vector<int64_t> bias{0, 0, 0, 1, -1, 0, 1, -1, 0, 2, -3, 0, 0, 5, 0, 0};
        if (b == Bias::kInt64) r.input(qt<int64_t>({16}, bias, qp({1.0f}, {0})), true);
        if (b == Bias::kInt32)
          r.input(qt<int32_t>({16}, std::vector<int32_t>(bias.begin(), bias.end()), qp({1.0f}, {0})), true);
        r.output(DType::kInt16, qp({out_scale}, {0}));
        return r;
      };
      check_all("fc ties", fc);
    }
    auto dw = [&]() {
      rt::DepthwiseConvParams p;
      p.padding = rt::Padding::kValid;
      OpRunner r(Op::DEPTHWISE_CONV_2D, p);
      r.input(qt<int16_t>({1, 16, 32, 1}, in, qp({1.0f}, {0})));
      r.input(qt<int8_t>({1, 1, 1, 1}, {-3}, qp({1.0f}, {0}, 3)), true);
      r.output(DType::kInt16, qp({out_scale}, {0}));
      return r;
    };
    check_all("depthwise ties", dw);
  }
  EXPECT_GT(g_made, 0);
}

// Requantization edge cases over many accumulators: multipliers whose Q31 mantissa is
// just below 1 (the int64 path's reduced multiplier saturates at 0x7FFF) or just above
// 0.5, exact powers of two (ties), tiny ones (large right shifts, and below 2^-31: 0)
// and large ones (left shifts); biases so large that the int64 path's result wraps
// around in int32 before the clamp, and that the int32 path's accumulator wraps.
TEST_F(OptimizedS16Test, RequantEdgeCases) {
  check_spread = false;  // saturation is the point here
  std::mt19937 rng(8);
  const int batch = 97, depth = 3, units = 37;
  const auto in = rand_int<int16_t>(rng, static_cast<size_t>(batch) * depth, -32768, 32767);
  const auto w = rand_int<int8_t>(rng, static_cast<size_t>(units) * depth, -128, 127);
  const double reals[] = {0.9999999, 0.99999, 0.9999695, 0.500001, 0.5, 0.25, std::ldexp(1.0, -20),
                          std::ldexp(1.5, -31), 1e-12, 1.9999999, 3.0, 1000.0, 16000.0, 1e6};
  for (double real : reals)
    for (Bias b : {Bias::kInt64, Bias::kInt32, Bias::kNone})
      for (int64_t range : {int64_t{1000}, int64_t{1} << 31, int64_t{1} << 46}) {
        if (b != Bias::kInt32 && real >= 16384) continue;  // prepare's shift limit (int64 path)
        std::vector<int64_t> bias(units);
        std::uniform_int_distribution<int64_t> d(-range, range);
        for (auto& x : bias) x = d(rng);
        const float out_scale = static_cast<float>(1.0 / real);
        for (bool dw : {false, true}) {
          if (dw && (b == Bias::kInt32 || real >= 16384)) continue;
          auto make = [&]() {
            if (dw) {
              rt::DepthwiseConvParams p;
              p.padding = rt::Padding::kSame;
              OpRunner r(Op::DEPTHWISE_CONV_2D, p);
              r.input(qt<int16_t>({1, 1, batch, depth}, in, qp({1.0f}, {0})));
              r.input(qt<int8_t>({1, 1, 3, depth}, std::vector<int8_t>(w.begin(), w.begin() + 3 * depth),
                                 qp({1.0f, 1.0f, 1.0f}, {0, 0, 0}, 3)),
                      true);
              if (b == Bias::kInt64)
                r.input(qt<int64_t>({depth}, std::vector<int64_t>(bias.begin(), bias.begin() + depth),
                                    qp({1.0f, 1.0f, 1.0f}, {0, 0, 0})),
                        true);
              r.output(DType::kInt16, qp({out_scale}, {0}));
              return r;
            }
            OpRunner r(Op::FULLY_CONNECTED, rt::FullyConnectedParams{});
            r.input(qt<int16_t>({batch, depth}, in, qp({1.0f}, {0})));
            r.input(qt<int8_t>({units, depth}, w, qp({1.0f}, {0})), true);
            if (b == Bias::kInt64) r.input(qt<int64_t>({units}, bias, qp({1.0f}, {0})), true);
            if (b == Bias::kInt32) {
              std::vector<int32_t> b32(units);
              for (int u = 0; u < units; ++u) b32[u] = static_cast<int32_t>(std::clamp<int64_t>(bias[u], INT32_MIN, INT32_MAX));
              r.input(qt<int32_t>({units}, b32, qp({1.0f}, {0})), true);
            }
            r.output(DType::kInt16, qp({out_scale}, {0}));
            return r;
          };
          check_all(std::string(dw ? "depthwise" : "fc") + " real " + std::to_string(real) + " bias range " +
                        std::to_string(range),
                    make);
        }
      }
  EXPECT_GT(g_made, 0);
}

// 1..4 output channels take dot products along K (dot_s16_*): shapes like the
// segmentation heads, K around multiples of 32, and K beyond one int32 chunk, also
// with only the largest product (all -32768 x -128).
TEST_F(OptimizedS16Test, FewOutputChannels) {
  std::mt19937 rng(9);
  const auto qc = quants(true, false), qf = quants(false, false);
  int i = 0;
  for (int out_c : {1, 2, 3, 4}) {
    const ConvShape shapes[] = {
        {1, 17, 16, 8, out_c, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},  // segmentation head
        {2, 9, 11, 3, out_c, 3, 3, 2, 2, 1, 1, rt::Padding::kSame},
        {1, 12, 10, 17, out_c, 5, 5, 1, 2, 1, 1, rt::Padding::kValid},
        {1, 11, 9, 5, out_c, 3, 3, 1, 1, 2, 1, rt::Padding::kSame},
        {1, 6, 7, 32, out_c, 1, 1, 1, 1, 1, 1, rt::Padding::kValid},  // direct: K = 32
        {1, 6, 7, 33, out_c, 1, 1, 1, 1, 1, 1, rt::Padding::kValid},
        {1, 40, 40, 16, out_c, 3, 3, 1, 1, 1, 1, rt::Padding::kSame},  // split over threads
        {2, 9, 12, 6, out_c, 3, 4, 1, 3, 1, 1, rt::Padding::kSame},    // stride along w
        {1, 10, 11, 7, out_c, 3, 3, 1, 1, 1, 2, rt::Padding::kSame},   // dilation along w: GEMM path
        {1, 8, 9, 33, out_c, 5, 5, 1, 1, 1, 1, rt::Padding::kSame},    // K = 825 > 480: GEMM path
        {1, 3, 2, 5, out_c, 5, 5, 1, 1, 1, 1, rt::Padding::kSame},     // wider filter than input
    };
    for (const auto& s : shapes) check_conv(rng, s, qc[i++ % qc.size()], false);
    for (int depth : {1, 31, 32, 33, 5000}) check_fc(rng, 7, depth, out_c, qf[i++ % qf.size()]);
  }
  for (Bias b : {Bias::kInt64, Bias::kInt32}) {
    Quant q;
    q.extreme = true;
    q.bias = b;
    q.gain = 0.001;
    check_fc(rng, 5, 9000, 1, q);
    check_fc(rng, 5, 9000, 3, q);
    const int depth = 9000;
    const std::vector<int16_t> in(static_cast<size_t>(3) * depth, -32768);
    const std::vector<int8_t> w(static_cast<size_t>(2) * depth, -128);
    auto make = [&]() {
      OpRunner r(Op::FULLY_CONNECTED, rt::FullyConnectedParams{});
      r.input(qt<int16_t>({3, depth}, in, qp({0.001f}, {0})));
      r.input(qt<int8_t>({2, depth}, w, qp({0.01f}, {0})), true);
      if (b == Bias::kInt64) r.input(qt<int64_t>({2}, {3, -3}, qp({0.00001f}, {0})), true);
      else r.input(qt<int32_t>({2}, {3, -3}, qp({0.00001f}, {0})), true);
      r.output(DType::kInt16, qp({300.0f}, {0}));
      return r;
    };
    check_all("fc 2 units, all 2^22 products", make);
    // CONV_2D with K = 480 (the in-place path's largest) and 481 (the GEMM's dot path).
    for (int in_c : {160, 481}) {
      auto conv = [&]() {
        rt::ConvParams p;
        p.padding = rt::Padding::kSame;
        const int kw = in_c == 160 ? 3 : 1;
        OpRunner r(Op::CONV_2D, p);
        r.input(qt<int16_t>({1, 3, 5, in_c}, std::vector<int16_t>(15 * in_c, -32768), qp({0.001f}, {0})));
        r.input(qt<int8_t>({2, 1, kw, in_c}, std::vector<int8_t>(static_cast<size_t>(2) * kw * in_c, -128),
                           qp({0.01f}, {0})),
                true);
        if (b == Bias::kInt64) r.input(qt<int64_t>({2}, {3, -3}, qp({0.00001f}, {0})), true);
        else r.input(qt<int32_t>({2}, {3, -3}, qp({0.00001f}, {0})), true);
        r.output(DType::kInt16, qp({300.0f}, {0}));
        return r;
      };
      check_all("conv 2 channels, all 2^22 products, in_c " + std::to_string(in_c), conv);
    }
  }
  EXPECT_GT(g_made, 0);
}

// A bias that is not a constant (read at run time, as the reference does).
TEST_F(OptimizedS16Test, NonConstantBias) {
  std::mt19937 rng(10);
  const int out_c = 13, in_c = 6;
  const auto in = rand_int<int16_t>(rng, 2 * 7 * 5 * in_c, -32768, 32767);
  const auto w = rand_int<int8_t>(rng, static_cast<size_t>(out_c) * 9 * in_c, -127, 127);
  std::vector<int64_t> b64(out_c);
  for (auto& x : b64) x = static_cast<int64_t>(rng() % 2000001) - 1000000;
  const std::vector<int32_t> b32(b64.begin(), b64.end());
  for (int kind = 0; kind < 3; ++kind) {
    auto make = [&]() {
      rt::ConvParams p;
      p.padding = rt::Padding::kSame;
      p.activation = rt::Activation::kRelu;
      OpRunner r(Op::CONV_2D, p);
      r.input(qt<int16_t>({2, 7, 5, in_c}, in, qp({0.0003f}, {0})));
      r.input(qt<int8_t>({out_c, 3, 3, in_c}, w, qp({0.01f}, {0})), true);
      if (kind == 0) r.input(qt<int64_t>({out_c}, b64, qp({0.000003f}, {0})));
      else r.input(qt<int32_t>({out_c}, b32, qp({0.000003f}, {0})));
      r.output(DType::kInt16, qp({0.05f}, {0}));
      return r;
    };
    check_all("conv, bias not constant", make);
    auto fc = [&]() {
      OpRunner r(Op::FULLY_CONNECTED, rt::FullyConnectedParams{});
      r.input(qt<int16_t>({7, 5 * in_c}, std::vector<int16_t>(in.begin(), in.begin() + 7 * 5 * in_c), qp({0.0003f}, {0})));
      r.input(qt<int8_t>({out_c, 5 * in_c}, std::vector<int8_t>(w.begin(), w.begin() + out_c * 5 * in_c), qp({0.01f}, {0})),
              true);
      if (kind == 0) r.input(qt<int64_t>({out_c}, b64, qp({0.000003f}, {0})));
      if (kind == 1) r.input(qt<int32_t>({out_c}, b32, qp({0.000003f}, {0})));
      r.output(DType::kInt16, qp({0.05f}, {0}));
      return r;
    };
    check_all("fc, bias not constant", fc);
  }
  EXPECT_GT(g_made, 0);
}

}  // namespace
}  // namespace liteq
