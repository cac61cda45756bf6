// int8 TRANSPOSE_CONV fast kernel (optimized/conv_s8.cc: int8 GEMM, direct per-ky GEMMs
// with requantization when stride == filter, else raw GEMM + col2im) and the quantized
// NHWC spatial MEAN fast path (reduce.cc: int32 channel sums), against the reference
// kernels at every ISA level this CPU has and on 1, 2 and 3 threads: bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/exec.h"
#include "kernels/op_runner.h"
#include "kernels/optimized/kernels_s8.h"

namespace liteq {
namespace {

using test::i32;
using test::OpRunner;
using test::qp;
using test::qt;
using test::TensorData;

template <typename T>
std::vector<T> rand_int(std::mt19937& rng, size_t n, int lo, int hi) {
  std::uniform_int_distribution<int> d(lo, hi), e(0, 15);
  std::vector<T> v(n);
  for (auto& x : v) {
    const int r = e(rng);
    x = static_cast<T>(r == 0 ? lo : r == 1 ? hi : d(rng));  // extremes often
  }
  return v;
}

std::vector<rt::Isa> isas() {
  std::vector<rt::Isa> v;
  for (int i = static_cast<int>(rt::Isa::kAvx2); i <= static_cast<int>(rt::detect_isa()); ++i)
    v.push_back(static_cast<rt::Isa>(i));
  return v;
}

rt::ThreadPool* pool(int threads) {
  static rt::ThreadPool p2(2), p3(3);
  return threads == 2 ? &p2 : threads == 3 ? &p3 : nullptr;
}

// Runs make() with the reference, then at every ISA level x 1..3 threads: the same
// bytes, and the fast path ran (`fast`) or not.
template <typename T, typename Make>
void check_all(const std::string& what, Make make, bool fast) {
  SCOPED_TRACE(what);
  const auto ref = make().run();
  const auto want = ref[0].template values<T>();
  for (rt::Isa isa : isas())
    for (int threads : {1, 2, 3}) {
      SCOPED_TRACE(std::string(rt::isa_name(isa)) + " threads " + std::to_string(threads));
      OpRunner r = make();
      r.exec(rt::ExecConfig{isa, pool(threads)});
      const auto out = r.run();
      ASSERT_EQ(r.ran_fast(), fast);
      ASSERT_EQ(out[0].dims, ref[0].dims);
      const auto got = out[0].template values<T>();
      ASSERT_EQ(got.size(), want.size());
      size_t bad = 0, first = 0;
      for (size_t i = 0; i < got.size(); ++i)
        if (got[i] != want[i] && bad++ == 0) first = i;
      ASSERT_EQ(bad, 0u) << bad << " of " << got.size() << " differ, first at " << first << ": got "
                         << int{got[first]} << " want " << int{want[first]};
    }
}

// ---- TRANSPOSE_CONV ------------------------------------------------------------------

struct Quant {
  int in_zp = 0, out_zp = 0;
  bool per_channel = true;
  bool pow2 = false;  // power-of-two scales: exact multipliers, many rounding ties
  double gain = 1;    // > 1: saturation
  rt::Activation act = rt::Activation::kNone;
  bool bias = true;
};

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

struct TconvCase {
  int n, h, w, c, oc, kh, kw, sh, sw;
  rt::Padding pad;
  int out_h = -1, out_w = -1;  // output_shape; -1: TFLite's usual size for the padding
};

void check_tconv(std::mt19937& rng, const TconvCase& k, const Quant& q, bool direct_expected) {
  const bool same = k.pad == rt::Padding::kSame;
  const int oh = k.out_h >= 0 ? k.out_h : same ? k.h * k.sh : (k.h - 1) * k.sh + k.kh;
  const int ow = k.out_w >= 0 ? k.out_w : same ? k.w * k.sw : (k.w - 1) * k.sw + k.kw;
  // Scales spreading the outputs (sums of about `taps` products) over the int8 range.
  const double taps = std::max(1.0, double(k.kh) * k.kw / (double(k.sh) * k.sw)) * k.c;
  std::uniform_real_distribution<double> u(0.5, 2.0);
  const double real = 40.0 / (5476.0 * std::sqrt(taps)) * q.gain;
  const float s_in = q.pow2 ? 0.5f : static_cast<float>(0.37 * u(rng));
  std::vector<float> s_w;
  for (int c = 0; c < (q.per_channel ? k.oc : 1); ++c)
    s_w.push_back(static_cast<float>(q.pow2 ? std::ldexp(1.0, -7 - static_cast<int>(rng() % 3)) : 0.01 * u(rng)));
  double s_out = s_in * s_w[0] / real;
  if (q.pow2) s_out = std::ldexp(1.0, static_cast<int>(std::lround(std::log2(s_out))));
  const auto in = rand_int<int8_t>(rng, static_cast<size_t>(k.n) * k.h * k.w * k.c, -128, 127);
  const auto w = rand_int<int8_t>(rng, static_cast<size_t>(k.oc) * k.kh * k.kw * k.c, -127, 127);
  const auto bias = rand_int<int32_t>(rng, static_cast<size_t>(k.oc), -200000, 200000);
  std::vector<float> s_b;
  for (float x : s_w) s_b.push_back(s_in * x);
  const std::vector<int64_t> zeros(s_w.size(), 0);
  auto make = [&] {
    rt::TransposeConvParams p;
    p.padding = k.pad;
    p.stride_h = k.sh;
    p.stride_w = k.sw;
    p.activation = q.act;
    OpRunner r(Op::TRANSPOSE_CONV, p);
    r.input(i32({4}, {k.n, oh, ow, k.oc}), true);
    r.input(qt<int8_t>({k.oc, k.kh, k.kw, k.c}, w, qp(s_w, zeros, 0)), true);
    r.input(qt<int8_t>({k.n, k.h, k.w, k.c}, in, qp({s_in}, {q.in_zp})));
    if (q.bias) r.input(qt<int32_t>({k.oc}, bias, qp(s_b, zeros)), true);
    r.output(DType::kInt8, qp({static_cast<float>(s_out)}, {q.out_zp}));
    return r;
  };
  const std::string what = "in " + std::to_string(k.n) + "x" + std::to_string(k.h) + "x" + std::to_string(k.w) +
                           "x" + std::to_string(k.c) + " out " + std::to_string(oh) + "x" + std::to_string(ow) + "x" +
                           std::to_string(k.oc) + " k " + std::to_string(k.kh) + "x" + std::to_string(k.kw) + " s " +
                           std::to_string(k.sh) + "," + std::to_string(k.sw) + (same ? " SAME" : " VALID") + " zp " +
                           std::to_string(q.in_zp) + "/" + std::to_string(q.out_zp) +
                           (q.per_channel ? " per-channel" : " per-tensor") + (q.pow2 ? " pow2" : "") + " gain " +
                           std::to_string(q.gain) + " act " + std::to_string(static_cast<int>(q.act)) +
                           (q.bias ? "" : " no-bias") + (direct_expected ? " (direct)" : "");
  const int64_t made = rt::opt::s8::fast_kernels_made();
  check_all<int8_t>(what, make, true);
  EXPECT_EQ(rt::opt::s8::fast_kernels_made(), made + 3 * static_cast<int64_t>(isas().size())) << what;
}

class OptimizedTconvS8Test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "no AVX2 on this CPU";
  }
};

TEST_F(OptimizedTconvS8Test, StridesKernelsPaddings) {
  std::mt19937 rng(21);
  const auto qs = quants();
  int i = 0;
  // Strides 1..3 x kernels 1..4 x both paddings (stride == kernel, VALID: the direct path).
  for (int s : {1, 2, 3})
    for (int k = 1; k <= 4; ++k)
      for (auto pad : {rt::Padding::kSame, rt::Padding::kValid}) {
        const int c = (i * 7) % 19 + 1, oc = (i * 5) % 23 + 1;
        check_tconv(rng, {1 + i % 2, 5 + i % 3, 4 + i % 4, c, oc, k, k, s, s, pad}, qs[i % qs.size()],
                    s == k && pad == rt::Padding::kValid);
        ++i;
      }
}

TEST_F(OptimizedTconvS8Test, ChannelTails) {
  std::mt19937 rng(22);
  const auto qs = quants();
  int i = 0;
  // Odd channel counts and the tails of 8/16-channel blocks and 64-channel columns
  // (direct N = kw * oc; col2im N = kh * kw * oc), K tails of the 2- and 4-byte groups.
  for (int c : {1, 2, 3, 17, 33, 70})
    for (int oc : {1, 3, 5, 8, 16, 17, 33}) {
      check_tconv(rng, {1, 4, 5, c, oc, 2, 2, 2, 2, rt::Padding::kValid}, qs[i++ % qs.size()], true);
      check_tconv(rng, {1, 4, 5, c, oc, 3, 3, 2, 2, rt::Padding::kSame}, qs[i++ % qs.size()], false);
    }
}

TEST_F(OptimizedTconvS8Test, OddGeometries) {
  std::mt19937 rng(23);
  const auto qs = quants();
  const TconvCase cases[] = {
      {1, 6, 7, 5, 6, 3, 2, 2, 1, rt::Padding::kSame},          // mixed kernel / strides
      {1, 6, 7, 5, 6, 2, 3, 2, 3, rt::Padding::kValid},         // direct, non-square
      {2, 3, 50, 9, 4, 1, 2, 1, 2, rt::Padding::kValid},        // direct, kh = 1; rows > one panel
      {1, 5, 5, 4, 3, 1, 1, 2, 2, rt::Padding::kValid},         // filter < stride: gaps
      {1, 5, 5, 4, 3, 2, 2, 3, 3, rt::Padding::kSame},          // filter < stride
      {2, 3, 4, 300, 20, 2, 2, 2, 2, rt::Padding::kValid},      // long K, direct
      {1, 3, 4, 300, 20, 3, 3, 1, 1, rt::Padding::kSame},       // long K, col2im
      {1, 2, 2, 3, 4, 5, 5, 1, 1, rt::Padding::kSame},          // filter > input
      {1, 5, 6, 7, 9, 2, 2, 2, 2, rt::Padding::kValid, 9, 11},  // output_shape cropped / extended
      {1, 5, 6, 7, 9, 2, 2, 2, 2, rt::Padding::kSame, 9, 12},
      {1, 4, 4, 7, 9, 2, 2, 2, 2, rt::Padding::kValid, 10, 9},
      {1, 1, 1, 1, 1, 1, 1, 1, 1, rt::Padding::kValid},
      {1, 1, 100, 3, 2, 2, 2, 2, 2, rt::Padding::kValid},       // one row, 3 panels
  };
  int i = 0;
  for (const TconvCase& k : cases) {
    const bool direct = k.sh == k.kh && k.sw == k.kw && k.pad == rt::Padding::kValid && k.out_h < 0;
    for (int j = 0; j < 2; ++j) check_tconv(rng, k, qs[i++ % qs.size()], direct);
  }
}

// Above the threading threshold (2^19 multiply-adds), both paths, and the det model's
// layers at a quarter of their size.
TEST_F(OptimizedTconvS8Test, Threaded) {
  std::mt19937 rng(24);
  const auto qs = quants();
  const TconvCase cases[] = {
      {1, 40, 40, 96, 24, 2, 2, 2, 2, rt::Padding::kValid},
      {1, 80, 80, 24, 1, 2, 2, 2, 2, rt::Padding::kValid},
      {1, 24, 24, 48, 20, 3, 3, 2, 2, rt::Padding::kSame},
      {2, 30, 20, 16, 7, 4, 4, 1, 1, rt::Padding::kSame},
      {1, 7, 200, 40, 33, 3, 3, 3, 3, rt::Padding::kValid},
  };
  int i = 3;
  for (const TconvCase& k : cases) check_tconv(rng, k, qs[i++ % qs.size()], k.sh == k.kh);
}

// Non-constant weights keep the reference (the fast kernel packs them at prepare).
TEST_F(OptimizedTconvS8Test, NonConstantWeightsFallBack) {
  auto make = [] {
    OpRunner r(Op::TRANSPOSE_CONV, rt::TransposeConvParams{rt::Padding::kValid, 2, 2});
    r.input(i32({4}, {1, 4, 4, 1}), true)
        .input(qt<int8_t>({1, 2, 2, 1}, {1, 2, 3, 4}, qp({1.0f}, {0})))
        .input(qt<int8_t>({1, 2, 2, 1}, {1, 2, 3, 4}, qp({1.0f}, {0})))
        .output(DType::kInt8, qp({1.0f}, {0}));
    return r;
  };
  check_all<int8_t>("non-constant weights", make, false);
  EXPECT_EQ(make().run()[0].values<int8_t>(), (std::vector<int8_t>{1, 2, 2, 4, 3, 4, 6, 8, 3, 6, 4, 8, 9, 12, 12, 16}));
}

// ---- MEAN ----------------------------------------------------------------------------

struct MeanCase {
  int n, h, w, c;
  std::vector<int32_t> axes;
  bool keep_dims;
  bool fast;  // the NHWC spatial fast path applies
};

template <typename T>
void check_mean(std::mt19937& rng, const MeanCase& k, float s_in, int z_in, float s_out, int z_out, int lo, int hi) {
  const auto in = rand_int<T>(rng, static_cast<size_t>(k.n) * k.h * k.w * k.c, lo, hi);
  auto make = [&] {
    rt::ReducerParams p;
    p.keep_dims = k.keep_dims;
    OpRunner r(Op::MEAN, p);
    r.input(qt<T>({k.n, k.h, k.w, k.c}, in, qp({s_in}, {z_in})));
    r.input(i32({static_cast<int32_t>(k.axes.size())}, k.axes), true);
    r.output(sizeof(T) == 1 ? DType::kInt8 : DType::kInt16, qp({s_out}, {z_out}));
    return r;
  };
  std::string axes;
  for (int a : k.axes) axes += std::to_string(a) + ",";
  check_all<T>(std::string(sizeof(T) == 1 ? "int8" : "int16") + " mean " + std::to_string(k.n) + "x" +
                   std::to_string(k.h) + "x" + std::to_string(k.w) + "x" + std::to_string(k.c) + " axes " + axes +
                   " keep " + std::to_string(k.keep_dims) + " range " + std::to_string(lo) + ".." +
                   std::to_string(hi) + " scales " + std::to_string(s_in) + "/" + std::to_string(s_out) + " zp " +
                   std::to_string(z_in) + "/" + std::to_string(z_out),
               make, k.fast);
}

TEST_F(OptimizedTconvS8Test, MeanSpatial) {
  std::mt19937 rng(25);
  std::vector<MeanCase> cases;
  for (int c : {1, 3, 16, 17, 64, 65, 96, 200})
    for (bool keep : {true, false}) cases.push_back({1 + c % 3, 7, 9, c, {1, 2}, keep, true});
  cases.push_back({1, 1, 1, 5, {1, 2}, true, true});
  cases.push_back({2, 13, 1, 33, {2, 1}, true, true});
  cases.push_back({1, 3, 4, 7, {-3, -2}, false, true});
  cases.push_back({1, 3, 4, 7, {1, 2, 1}, true, true});
  cases.push_back({1, 16, 16, 20, {1, 2}, true, true});   // 256 pixels: one full int16 run
  cases.push_back({2, 17, 31, 70, {1, 2}, true, true});   // several runs and a partial one
  cases.push_back({1, 160, 160, 96, {1, 2}, true, true});  // the det model's largest (threaded)
  cases.push_back({3, 40, 40, 24, {1, 2}, true, true});
  cases.push_back({1, 4, 5, 6, {1}, true, false});  // not H and W: reference
  cases.push_back({2, 4, 5, 6, {1, 2, 3}, false, false});
  int i = 0;
  for (const MeanCase& k : cases) {
    // kHwRounded (keep_dims, axes {1, 2}) / kFloat: other scales; kSameParams: the same.
    const int zi = (i * 37) % 255 - 128, zo = (i * 11) % 255 - 128;
    check_mean<int8_t>(rng, k, 0.02f, zi, 0.013f, zo, -128, 127);
    check_mean<int8_t>(rng, k, 0.05f, 3, 0.05f, 3, -128, 127);
    // All at one extreme: the int16 partial sums at their limits.
    check_mean<int8_t>(rng, k, 0.02f, zi, 0.5f, zo, -128, -128);
    check_mean<int8_t>(rng, k, 0.02f, zi, 0.5f, zo, 127, 127);
    check_mean<int16_t>(rng, k, 1e-3f, 0, 7e-4f, 0, -32768, 32767);
    check_mean<int16_t>(rng, k, 1e-3f, 0, 1e-3f, 0, -32768, 32767);
    ++i;
  }
}

}  // namespace
}  // namespace liteq
