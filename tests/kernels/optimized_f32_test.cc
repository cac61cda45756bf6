// Float32 fast kernels (src/kernels/optimized/*_f32*): CONV_2D, DEPTHWISE_CONV_2D and
// FULLY_CONNECTED at every ISA level this CPU has, on 1, 2 and 3 threads, against the
// reference kernels (which sum in double). Tolerance: 1e-5 x the sum of |products| and
// |bias| (computed by running the reference on absolute values). Outputs must also be
// bit-identical across thread counts for a given ISA.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "kernels/op_runner.h"
#include "kernels/optimized_f32_check.h"
#include "kernels/optimized/fast_f32.h"

namespace liteq {
namespace {

using test::f32;
using test::OpRunner;
using test::TensorData;

using test::abs_of;
using test::Build;
using test::check_op;
using test::isa_levels;
using test::kActs;
using test::pool;
using test::random_values;

struct ConvCase {
  int n, h, w, c, oc, kh, kw, sh, sw, dh, dw;
  rt::Padding pad;
  bool bias;
};

std::string conv_name(const ConvCase& k, rt::Activation act) {
  return "in " + std::to_string(k.n) + "x" + std::to_string(k.h) + "x" + std::to_string(k.w) + "x" +
         std::to_string(k.c) + " oc " + std::to_string(k.oc) + " k " + std::to_string(k.kh) + "x" +
         std::to_string(k.kw) + " s " + std::to_string(k.sh) + "," + std::to_string(k.sw) + " d " +
         std::to_string(k.dh) + "," + std::to_string(k.dw) + (k.pad == rt::Padding::kSame ? " SAME" : " VALID") +
         (k.bias ? " bias" : "") + " act " + std::to_string(static_cast<int>(act));
}

// The runner of CONV_2D case k with activation act and the given data (|x| everywhere and
// no activation when `absolute`, for the tolerance); keeps references to the vectors.
Build conv_build(const ConvCase& k, rt::Activation act, const std::vector<float>& in, const std::vector<float>& w,
                 const std::vector<float>& b) {
  return [&k, act, &in, &w, &b](bool absolute) {
      OpRunner r(Op::CONV_2D, test::conv_params<rt::ConvParams>(k, absolute ? rt::Activation::kNone : act));
      r.input(f32({k.n, k.h, k.w, k.c}, absolute ? abs_of(in) : in));
      r.input(f32({k.oc, k.kh, k.kw, k.c}, absolute ? abs_of(w) : w), true);
      if (k.bias) r.input(f32({k.oc}, absolute ? abs_of(b) : b), true);
      return r;
  };
}

class OptimizedF32Test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (isa_levels().empty()) GTEST_SKIP() << "no AVX2/AVX-512 on this CPU";
  }
};

TEST_F(OptimizedF32Test, Conv2D) {
  std::mt19937 rng(1);
  std::vector<ConvCase> cases;
  // 1x1 stride 1 (direct GEMM), odd channel counts and tails.
  for (int c : {1, 3, 5, 7, 17, 31, 33})
    for (int oc : {1, 7, 16, 17, 33, 64}) cases.push_back({1, 5, 7, c, oc, 1, 1, 1, 1, 1, 1, rt::Padding::kValid, oc % 2 == 1});
  cases.push_back({2, 9, 11, 40, 70, 1, 1, 1, 1, 1, 1, rt::Padding::kSame, true});     // batch, > 1 row tile
  cases.push_back({1, 3, 4, 300, 48, 1, 1, 1, 1, 1, 1, rt::Padding::kValid, true});    // K > one K block
  cases.push_back({1, 6, 6, 16, 24, 1, 1, 2, 2, 1, 1, rt::Padding::kSame, true});      // 1x1 stride 2
  // General (im2col).
  for (int c : {1, 3, 5, 17, 33})
    for (int oc : {3, 17, 32})
      for (auto pad : {rt::Padding::kSame, rt::Padding::kValid})
        for (int s : {1, 2}) cases.push_back({1, 7, 9, c, oc, 3, 3, s, s, 1, 1, pad, true});
  cases.push_back({2, 10, 8, 7, 19, 5, 5, 1, 1, 1, 1, rt::Padding::kSame, true});
  cases.push_back({1, 11, 12, 6, 9, 3, 3, 1, 1, 2, 2, rt::Padding::kSame, true});      // dilation
  cases.push_back({1, 11, 12, 6, 9, 3, 2, 2, 1, 1, 3, rt::Padding::kValid, false});    // mixed
  cases.push_back({1, 16, 16, 40, 33, 3, 3, 2, 2, 1, 1, rt::Padding::kSame, true});    // K = 360
  cases.push_back({1, 4, 3, 3, 5, 5, 5, 1, 1, 1, 1, rt::Padding::kSame, true});        // filter > input
  int i = 0;
  for (const ConvCase& k : cases) {
    const rt::Activation act = kActs[i++ % 4];
    const auto in = random_values(rng, int64_t{k.n} * k.h * k.w * k.c);
    const auto w = random_values(rng, int64_t{k.oc} * k.kh * k.kw * k.c);
    const auto b = random_values(rng, k.oc);
    check_op(conv_build(k, act, in, w, b), conv_name(k, act));
  }
}

// Few output channels, or few input channels: on AVX-512 the lanes kernel
// (kernels/x86/conv_lanes_f32.h). Same summation order as the GEMM, so its results must
// equal the AVX2 GEMM's bit for bit, besides the reference within tolerance.
TEST_F(OptimizedF32Test, Conv2DPixelsInLanes) {
  std::mt19937 rng(5);
  const std::vector<ConvCase> cases = {
      {1, 9, 33, 8, 1, 3, 3, 1, 1, 1, 1, rt::Padding::kSame, true},    // segmentation head
      {1, 5, 16, 8, 8, 1, 1, 1, 1, 1, 1, rt::Padding::kValid, true},   // 1x1, 8 -> 8
      {2, 7, 17, 3, 24, 3, 3, 2, 2, 1, 1, rt::Padding::kSame, true},   // first layer
      {1, 11, 15, 3, 32, 3, 3, 2, 2, 1, 1, rt::Padding::kValid, false},
      {1, 6, 31, 1, 5, 3, 3, 1, 1, 1, 1, rt::Padding::kSame, true},
      {1, 5, 18, 2, 7, 5, 5, 1, 3, 1, 1, rt::Padding::kSame, true},    // stride 3 along x
      {2, 8, 20, 5, 6, 3, 3, 1, 1, 2, 2, rt::Padding::kSame, false},   // dilation
      {1, 7, 23, 12, 3, 3, 5, 2, 1, 1, 3, rt::Padding::kSame, true},
      {1, 4, 4, 16, 8, 5, 5, 1, 1, 1, 1, rt::Padding::kSame, true},    // more padding than input
      {1, 3, 1, 4, 2, 3, 3, 1, 1, 1, 1, rt::Padding::kSame, true},     // one column
      {1, 6, 49, 7, 8, 2, 2, 2, 2, 1, 1, rt::Padding::kSame, true},
      {1, 5, 21, 4, 20, 3, 3, 1, 1, 1, 1, rt::Padding::kSame, true},   // 8 + 8 + 4 channels
      {1, 64, 64, 8, 8, 1, 1, 1, 1, 1, 1, rt::Padding::kValid, true},  // enough work for threads
      {1, 64, 64, 8, 1, 3, 3, 1, 1, 1, 1, rt::Padding::kSame, true},   // threads, one channel
      // several 16-pixel groups per pass for 1..4 channels (128, 64, 32, 32 pixels)
      {1, 3, 150, 8, 1, 3, 3, 1, 1, 1, 1, rt::Padding::kSame, true},
      {2, 4, 70, 5, 2, 3, 3, 1, 1, 1, 1, rt::Padding::kSame, false},
      {1, 3, 40, 4, 3, 3, 3, 1, 1, 1, 1, rt::Padding::kSame, true},
      {1, 3, 37, 6, 4, 1, 3, 1, 1, 1, 1, rt::Padding::kSame, true},
      {1, 4, 45, 3, 11, 3, 3, 1, 1, 1, 1, rt::Padding::kSame, true},  // 8 + 3 channels
  };
  int i = 0;
  for (const ConvCase& k : cases) {
    const rt::Activation act = kActs[i++ % 4];
    const auto in = random_values(rng, int64_t{k.n} * k.h * k.w * k.c);
    const auto w = random_values(rng, int64_t{k.oc} * k.kh * k.kw * k.c);
    const auto b = random_values(rng, k.oc);
    const Build build = conv_build(k, act, in, w, b);
    check_op(build, conv_name(k, act));
    // The same summation order in the AVX-512 lanes kernel as in AVX2's (the lanes kernel
    // for up to 8 output channels, the GEMM above that).
    if (rt::detect_isa() >= rt::Isa::kAvx512) {
      const auto avx2 = build(false).exec(rt::ExecConfig{rt::Isa::kAvx2, nullptr}).run()[0].values<float>();
      const auto avx512 = build(false).exec(rt::ExecConfig{rt::Isa::kAvx512, nullptr}).run()[0].values<float>();
      EXPECT_EQ(0, std::memcmp(avx2.data(), avx512.data(), avx2.size() * sizeof(float)))
          << conv_name(k, act) << ": the AVX-512 lanes kernel differs from AVX2's kernel";
    }
  }
}

TEST_F(OptimizedF32Test, DepthwiseConv2D) {
  std::mt19937 rng(2);
  std::vector<ConvCase> cases;  // oc = c * multiplier
  for (int c : {1, 3, 5, 7, 8, 16, 17, 31, 33, 64, 67})
    for (auto pad : {rt::Padding::kSame, rt::Padding::kValid})
      for (int s : {1, 2}) cases.push_back({1, 9, 8, c, c, 3, 3, s, s, 1, 1, pad, c % 2 == 1});
  // 8 channels at stride 1 along x: two pixels per vector on AVX-512, 16 per pass.
  for (int w : {17, 20, 40, 51})
    cases.push_back({1 + w % 2, 5, w, 8, 8, w > 30 ? 5 : 3, 3, 1 + w % 3 % 2, 1, 1, w == 40 ? 2 : 1,
                     w == 20 ? rt::Padding::kValid : rt::Padding::kSame, w != 51});
  // Rows in groups of 8 pixels (AVX-512 dw_reuse): full groups, a short last group,
  // groups that reach over the left or right edge, both strides, 3 and 5 taps.
  cases.push_back({1, 6, 29, 24, 24, 3, 3, 1, 1, 1, 1, rt::Padding::kSame, true});
  cases.push_back({1, 7, 30, 20, 20, 5, 5, 2, 2, 1, 1, rt::Padding::kSame, false});
  cases.push_back({1, 5, 23, 40, 40, 5, 5, 1, 1, 1, 1, rt::Padding::kValid, true});
  cases.push_back({2, 7, 7, 48, 48, 5, 5, 1, 1, 1, 1, rt::Padding::kSame, true});
  cases.push_back({1, 9, 37, 17, 17, 3, 3, 2, 2, 1, 1, rt::Padding::kValid, true});
  cases.push_back({2, 12, 10, 24, 24, 5, 5, 1, 1, 1, 1, rt::Padding::kSame, true});
  cases.push_back({1, 12, 10, 19, 19, 3, 3, 1, 1, 2, 3, rt::Padding::kSame, true});
  cases.push_back({1, 13, 10, 35, 35, 3, 5, 2, 1, 1, 1, rt::Padding::kValid, true});
  cases.push_back({1, 3, 2, 9, 9, 5, 5, 1, 1, 1, 1, rt::Padding::kSame, true});
  // multiplier > 1
  cases.push_back({1, 9, 10, 1, 8, 3, 3, 2, 2, 1, 1, rt::Padding::kSame, true});
  cases.push_back({2, 8, 11, 5, 10, 3, 3, 1, 1, 1, 1, rt::Padding::kSame, true});
  cases.push_back({1, 8, 11, 7, 21, 3, 3, 1, 2, 2, 1, rt::Padding::kValid, false});
  cases.push_back({1, 12, 12, 17, 68, 5, 5, 1, 1, 1, 1, rt::Padding::kSame, true});
  int i = 0;
  for (const ConvCase& k : cases) {
    const rt::Activation act = kActs[i++ % 4];
    const auto in = random_values(rng, int64_t{k.n} * k.h * k.w * k.c);
    const auto w = random_values(rng, int64_t{k.kh} * k.kw * k.oc);
    const auto b = random_values(rng, k.oc);
    const Build build = [&](bool absolute) {
      OpRunner r(Op::DEPTHWISE_CONV_2D, test::conv_params<rt::DepthwiseConvParams>(k, absolute ? rt::Activation::kNone : act));
      r.input(f32({k.n, k.h, k.w, k.c}, absolute ? abs_of(in) : in));
      r.input(f32({1, k.kh, k.kw, k.oc}, absolute ? abs_of(w) : w), true);
      if (k.bias) r.input(f32({k.oc}, absolute ? abs_of(b) : b), true);
      return r;
    };
    check_op(build, "depthwise " + conv_name(k, act));
    // Every variant sums in the same order: AVX2 and AVX-512 give the same bits.
    if (rt::detect_isa() >= rt::Isa::kAvx512) {
      const auto a2 = build(false).exec(rt::ExecConfig{rt::Isa::kAvx2, nullptr}).run()[0].values<float>();
      const auto a5 = build(false).exec(rt::ExecConfig{rt::Isa::kAvx512, nullptr}).run()[0].values<float>();
      EXPECT_EQ(0, std::memcmp(a2.data(), a5.data(), a2.size() * sizeof(float))) << "depthwise " << conv_name(k, act);
    }
  }
}

TEST_F(OptimizedF32Test, FullyConnected) {
  std::mt19937 rng(3);
  struct FcCase {
    int batch, depth, units;
    bool bias;
  };
  std::vector<FcCase> cases;
  for (int depth : {1, 3, 17, 33, 300})
    for (int units : {1, 5, 16, 31, 33, 100}) cases.push_back({1, depth, units, units % 2 == 1});
  cases.push_back({3, 64, 40, true});
  cases.push_back({50, 20, 70, true});
  cases.push_back({7, 1280, 10, false});
  int i = 0;
  for (const FcCase& k : cases) {
    const rt::Activation act = kActs[i++ % 4];
    const auto in = random_values(rng, int64_t{k.batch} * k.depth);
    const auto w = random_values(rng, int64_t{k.units} * k.depth);
    const auto b = random_values(rng, k.units);
    check_op(
        [&](bool absolute) {
          rt::FullyConnectedParams p;
          p.activation = absolute ? rt::Activation::kNone : act;
          OpRunner r(Op::FULLY_CONNECTED, p);
          r.input(f32({k.batch, k.depth}, absolute ? abs_of(in) : in));
          r.input(f32({k.units, k.depth}, absolute ? abs_of(w) : w), true);
          if (k.bias) r.input(f32({k.units}, absolute ? abs_of(b) : b), true);
          return r;
        },
        "fc batch " + std::to_string(k.batch) + " depth " + std::to_string(k.depth) + " units " +
            std::to_string(k.units) + " act " + std::to_string(static_cast<int>(act)));
  }
}

// A non-constant filter keeps the reference (the fast kernel packs weights at prepare).
TEST_F(OptimizedF32Test, NonConstantWeightsFallBack) {
  const int64_t made = rt::opt::f32_fast_kernels_made();
  auto out = OpRunner(Op::FULLY_CONNECTED, rt::FullyConnectedParams{})
                 .input(f32({1, 2}, {1, 2}))
                 .input(f32({1, 2}, {3, 4}))
                 .exec(rt::ExecConfig{isa_levels().back(), nullptr})
                 .run();
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{11}));
  EXPECT_EQ(rt::opt::f32_fast_kernels_made(), made);
}

}  // namespace
}  // namespace liteq
