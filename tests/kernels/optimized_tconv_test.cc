// Float32 TRANSPOSE_CONV (and MediaPipe's Convolution2DTransposeBias) fast kernel
// (optimized/conv_f32.cc: GEMM + col2im) and the float32 NHWC spatial MEAN fast path
// (reduce.cc), at every ISA level this CPU has, on 1, 2 and 3 threads, against the
// reference kernels.
//   TRANSPOSE_CONV: tolerance 1e-5 x the sum of |products| and |bias| (the reference run
//     on absolute values), as optimized_f32_test.cc; bit-identical across thread counts.
//   MEAN: the fast path sums each channel in the reference's order: bit-identical to it.
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
using test::i32;
using test::OpRunner;

using test::abs_of;
using test::Build;
using test::check_op;
using test::isa_levels;
using test::kActs;
using test::pool;
using test::random_values;

struct TconvCase {
  int n, h, w, c, oc, kh, kw, sh, sw;
  rt::Padding pad;
  bool bias;
  int out_h = -1, out_w = -1;  // output_shape; -1: TFLite's usual size for the padding
};

std::string tconv_name(const TconvCase& k, int oh, int ow, rt::Activation act) {
  return "in " + std::to_string(k.n) + "x" + std::to_string(k.h) + "x" + std::to_string(k.w) + "x" +
         std::to_string(k.c) + " out " + std::to_string(oh) + "x" + std::to_string(ow) + "x" + std::to_string(k.oc) +
         " k " + std::to_string(k.kh) + "x" + std::to_string(k.kw) + " s " + std::to_string(k.sh) + "," +
         std::to_string(k.sw) + (k.pad == rt::Padding::kSame ? " SAME" : " VALID") + (k.bias ? " bias" : "") +
         " act " + std::to_string(static_cast<int>(act));
}

class OptimizedTconvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (isa_levels().empty()) GTEST_SKIP() << "no AVX2/AVX-512 on this CPU";
  }
};

TEST_F(OptimizedTconvTest, TransposeConv) {
  std::mt19937 rng(11);
  std::vector<TconvCase> cases;
  // Strides 1..3 x kernels 1..4 x both paddings (stride == kernel, VALID: the direct path).
  int i = 0;
  for (int s : {1, 2, 3})
    for (int k = 1; k <= 4; ++k)
      for (auto pad : {rt::Padding::kSame, rt::Padding::kValid}) {
        const int c = (i * 7) % 19 + 1, oc = (i * 5) % 23 + 1;
        cases.push_back({1 + i % 2, 5 + i % 3, 4 + i % 4, c, oc, k, k, s, s, pad, i % 3 != 0});
        ++i;
      }
  // Odd channel counts and tails of both ISAs' panels (16, 32 columns; N = kw * oc).
  for (int c : {1, 3, 17, 33})
    for (int oc : {1, 5, 8, 16, 17, 33}) {
      cases.push_back({1, 4, 5, c, oc, 2, 2, 2, 2, rt::Padding::kValid, oc % 2 == 1});  // direct
      cases.push_back({1, 4, 5, c, oc, 3, 3, 2, 2, rt::Padding::kSame, oc % 2 == 0});   // col2im
    }
  cases.push_back({1, 6, 7, 5, 6, 3, 2, 2, 1, rt::Padding::kSame, true});     // mixed kernel / strides
  cases.push_back({1, 6, 7, 5, 6, 2, 3, 2, 3, rt::Padding::kValid, true});    // direct, non-square
  cases.push_back({1, 5, 5, 4, 3, 1, 1, 2, 2, rt::Padding::kValid, true});    // filter < stride: gaps
  cases.push_back({1, 5, 5, 4, 3, 2, 2, 3, 3, rt::Padding::kSame, true});     // filter < stride
  cases.push_back({2, 3, 4, 300, 20, 2, 2, 2, 2, rt::Padding::kValid, true}); // K > one K block, direct
  cases.push_back({1, 3, 4, 300, 20, 3, 3, 1, 1, rt::Padding::kSame, true});  // K > one K block, col2im
  cases.push_back({1, 2, 2, 3, 4, 5, 5, 1, 1, rt::Padding::kSame, true});     // filter > input
  // output_shape other than in * stride with stride == kernel: cropped / extended (col2im).
  cases.push_back({1, 5, 6, 7, 9, 2, 2, 2, 2, rt::Padding::kValid, true, 9, 11});
  cases.push_back({1, 5, 6, 7, 9, 2, 2, 2, 2, rt::Padding::kSame, true, 9, 12});
  cases.push_back({1, 4, 4, 7, 9, 2, 2, 2, 2, rt::Padding::kValid, true, 10, 9});
  // Large enough to split over threads (> 2^19 multiply-adds): both paths, and the det
  // model's layers at a quarter of their size.
  cases.push_back({1, 40, 40, 64, 24, 2, 2, 2, 2, rt::Padding::kValid, true});
  cases.push_back({1, 32, 32, 48, 20, 3, 3, 2, 2, rt::Padding::kSame, true});
  cases.push_back({1, 40, 40, 96, 24, 2, 2, 2, 2, rt::Padding::kValid, true});
  cases.push_back({1, 80, 80, 24, 1, 2, 2, 2, 2, rt::Padding::kValid, true});
  cases.push_back({2, 50, 30, 16, 7, 4, 4, 1, 1, rt::Padding::kSame, false});
  i = 0;
  for (const TconvCase& k : cases) {
    const rt::Activation act = kActs[i++ % 4];
    const bool same = k.pad == rt::Padding::kSame;
    const int oh = k.out_h >= 0 ? k.out_h : same ? k.h * k.sh : (k.h - 1) * k.sh + k.kh;
    const int ow = k.out_w >= 0 ? k.out_w : same ? k.w * k.sw : (k.w - 1) * k.sw + k.kw;
    const auto in = random_values(rng, int64_t{k.n} * k.h * k.w * k.c);
    const auto w = random_values(rng, int64_t{k.oc} * k.kh * k.kw * k.c);
    const auto b = random_values(rng, k.oc);
    check_op(
        [&](bool absolute) {
          rt::TransposeConvParams p;
          p.padding = k.pad;
          p.stride_h = k.sh;
          p.stride_w = k.sw;
          p.activation = absolute ? rt::Activation::kNone : act;
          OpRunner r(Op::TRANSPOSE_CONV, p);
          r.input(i32({4}, {k.n, oh, ow, k.oc}), true);
          r.input(f32({k.oc, k.kh, k.kw, k.c}, absolute ? abs_of(w) : w), true);
          r.input(f32({k.n, k.h, k.w, k.c}, absolute ? abs_of(in) : in));
          if (k.bias) r.input(f32({k.oc}, absolute ? abs_of(b) : b), true);
          r.output(DType::kFloat32);
          return r;
        },
        tconv_name(k, oh, ow, act));
  }
}

std::vector<uint8_t> mp_options(int32_t padding, int32_t stride_w, int32_t stride_h) {
  const int32_t v[3] = {padding, stride_w, stride_h};
  std::vector<uint8_t> bytes(sizeof v);
  std::memcpy(bytes.data(), v, sizeof v);
  return bytes;
}

// MediaPipe's op: the bias starts the output (bias_first), no activation.
TEST_F(OptimizedTconvTest, Convolution2DTransposeBias) {
  std::mt19937 rng(12);
  std::vector<TconvCase> cases;
  for (int s : {1, 2, 3})
    for (int k : {1, 2, 3, 4})
      for (auto pad : {rt::Padding::kSame, rt::Padding::kValid}) cases.push_back({1, 5, 6, 9, 13, k, k, s, s, pad, true});
  cases.push_back({2, 24, 24, 32, 16, 2, 2, 2, 2, rt::Padding::kSame, true});
  cases.push_back({1, 24, 24, 32, 16, 4, 4, 2, 2, rt::Padding::kSame, true});
  for (const TconvCase& k : cases) {
    const bool same = k.pad == rt::Padding::kSame;
    const auto in = random_values(rng, int64_t{k.n} * k.h * k.w * k.c);
    const auto w = random_values(rng, int64_t{k.oc} * k.kh * k.kw * k.c);
    const auto b = random_values(rng, k.oc);
    check_op(
        [&](bool absolute) {
          OpRunner r("Convolution2DTransposeBias", mp_options(same ? 1 : 2, k.sw, k.sh));
          r.input(f32({k.n, k.h, k.w, k.c}, absolute ? abs_of(in) : in));
          r.input(f32({k.oc, k.kh, k.kw, k.c}, absolute ? abs_of(w) : w), true);
          r.input(f32({k.oc}, absolute ? abs_of(b) : b), true);
          return r;
        },
        "mp " + tconv_name(k, 0, 0, rt::Activation::kNone));
  }
}

// Non-constant weights keep the reference (the fast kernel packs them at prepare).
TEST_F(OptimizedTconvTest, NonConstantWeightsFallBack) {
  const int64_t made = rt::opt::f32_fast_kernels_made();
  OpRunner r(Op::TRANSPOSE_CONV, rt::TransposeConvParams{rt::Padding::kValid, 2, 2});
  r.input(i32({4}, {1, 4, 4, 1}), true)
      .input(f32({1, 2, 2, 1}, {1, 2, 3, 4}))
      .input(f32({1, 2, 2, 1}, {1, 2, 3, 4}))
      .output(DType::kFloat32)
      .exec(rt::ExecConfig{isa_levels().back(), nullptr});
  const auto out = r.run();
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{1, 2, 2, 4, 3, 4, 6, 8, 3, 6, 4, 8, 9, 12, 12, 16}));
  EXPECT_EQ(rt::opt::f32_fast_kernels_made(), made);
  EXPECT_FALSE(r.ran_fast());
}

// ---- MEAN ----------------------------------------------------------------------------

struct MeanCase {
  int n, h, w, c;
  std::vector<int32_t> axes;
  bool keep_dims;
  bool fast;  // the NHWC spatial fast path applies
};

TEST_F(OptimizedTconvTest, MeanSpatial) {
  std::mt19937 rng(13);
  std::vector<MeanCase> cases;
  for (int c : {1, 3, 16, 17, 64, 65, 96, 200})
    for (bool keep : {true, false}) cases.push_back({1 + c % 3, 7, 9, c, {1, 2}, keep, true});
  cases.push_back({1, 1, 1, 5, {1, 2}, true, true});
  cases.push_back({2, 13, 1, 33, {2, 1}, true, true});
  cases.push_back({1, 3, 4, 7, {-3, -2}, false, true});
  cases.push_back({1, 3, 4, 7, {1, 2, 1}, true, true});
  cases.push_back({1, 160, 160, 96, {1, 2}, true, true});  // the det model's largest (threaded)
  cases.push_back({3, 40, 40, 24, {1, 2}, true, true});
  cases.push_back({1, 4, 5, 6, {1}, true, false});  // not H and W: reference
  cases.push_back({2, 4, 5, 6, {1, 2, 3}, false, false});
  for (const MeanCase& k : cases) {
    SCOPED_TRACE("mean " + std::to_string(k.n) + "x" + std::to_string(k.h) + "x" + std::to_string(k.w) + "x" +
                 std::to_string(k.c) + " axes " + std::to_string(k.axes.size()) + " keep " +
                 std::to_string(k.keep_dims));
    const auto in = random_values(rng, int64_t{k.n} * k.h * k.w * k.c);
    auto build = [&] {
      rt::ReducerParams p;
      p.keep_dims = k.keep_dims;
      OpRunner r(Op::MEAN, p);
      r.input(f32({k.n, k.h, k.w, k.c}, in));
      r.input(i32({static_cast<int32_t>(k.axes.size())}, k.axes), true);
      r.output(DType::kFloat32);
      return r;
    };
    const auto ref = build().run()[0];
    for (rt::Isa isa : isa_levels())
      for (int threads : {1, 2, 3}) {
        SCOPED_TRACE(std::string(rt::isa_name(isa)) + " threads " + std::to_string(threads));
        OpRunner r = build();
        r.exec(rt::ExecConfig{isa, pool(threads)});
        const auto out = r.run()[0];
        EXPECT_EQ(r.ran_fast(), k.fast);
        EXPECT_EQ(out.dims, ref.dims);
        const auto a = out.values<float>(), b = ref.values<float>();
        ASSERT_EQ(a.size(), b.size());
        EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float))) << "not bit-identical to the reference";
      }
  }
}

}  // namespace
}  // namespace liteq
