// The vectorized int8 ADD / SUB / MUL (kernels/x86/elementwise_s8_avx{2,512}.cc) against the
// reference, bit for bit: random scales and zero points (ties included by small
// power-of-two scale ratios), every length 1..67 (all tails), scalar operands, fused
// activations, 1..3 threads. Skips where the CPU lacks AVX2.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "kernels/exec.h"
#include "kernels/fixed_point.h"
#include "kernels/op_runner.h"
#include "kernels/reference/elementwise_int.h"
#include "kernels/x86/elementwise_s8.h"
#include "liteq/error.h"

namespace liteq::test {
namespace {

TensorData random_s8(std::vector<int32_t> dims, std::mt19937& rng, float scale, int64_t zp) {
  int64_t n = 1;
  for (int32_t d : dims) n *= d;
  std::vector<int8_t> v(n);
  std::uniform_int_distribution<int> dist(-128, 127);
  for (auto& x : v) x = static_cast<int8_t>(dist(rng));
  TensorData t = make_tensor<int8_t>(std::move(dims), v);
  t.quant = per_tensor(scale, zp);
  return t;
}

TEST(OptimizedElementwiseS8, BitExactWithReference) {
  if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "CPU lacks AVX2";
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> zp(-128, 127);
  std::uniform_real_distribution<float> log_scale(-7.f, 1.f);
  const rt::Activation acts[] = {rt::Activation::kNone, rt::Activation::kRelu, rt::Activation::kRelu6,
                                 rt::Activation::kReluN1To1};
  rt::ThreadPool pool2(2), pool3(3);
  int cases = 0;
  for (Op op : {Op::ADD, Op::SUB, Op::MUL}) {
    for (int n = 1; n <= 67; ++n) {
      for (int shape = 0; shape < 3; ++shape) {  // same shape, scalar a, scalar b
        // Scales: random, or power-of-two ratios that make rounding ties common.
        const bool pot = rng() % 2;
        const float s1 = pot ? std::ldexp(1.f, static_cast<int>(rng() % 6) - 6) : std::exp2(log_scale(rng));
        const float s2 = pot ? std::ldexp(1.f, static_cast<int>(rng() % 6) - 6) : std::exp2(log_scale(rng));
        const float so = pot ? std::ldexp(1.f, static_cast<int>(rng() % 6) - 5) : std::exp2(log_scale(rng) + 1);
        const auto a = random_s8(shape == 1 ? std::vector<int32_t>{1} : std::vector<int32_t>{1, n}, rng, s1, zp(rng));
        const auto b = random_s8(shape == 2 ? std::vector<int32_t>{1} : std::vector<int32_t>{1, n}, rng, s2, zp(rng));
        rt::ActivationParams p;
        p.activation = acts[rng() % 4];
        const auto out_q = per_tensor(so, zp(rng));
        auto run = [&](rt::ExecConfig e) {
          return OpRunner(op, p).input(a).input(b).output(DType::kInt8, out_q).exec(e).run()[0].values<int8_t>();
        };
        const auto want = run({});
        for (rt::Isa isa : {rt::Isa::kAvx2, rt::Isa::kAvx512}) {
          if (isa > rt::detect_isa()) continue;
          for (rt::ThreadPool* pool : {static_cast<rt::ThreadPool*>(nullptr), &pool2, &pool3}) {
            const auto got = run({isa, pool});
            ASSERT_EQ(got, want) << op_name(static_cast<int32_t>(op)) << " " << rt::isa_name(isa) << " n=" << n
                                 << " shape=" << shape << " scales " << s1 << " " << s2 << " " << so;
          }
        }
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 3 * 67 * 3);
}

// Long arrays split over threads (the grain is 16384 elements).
TEST(OptimizedElementwiseS8, LongArraysAcrossThreads) {
  if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "CPU lacks AVX2";
  std::mt19937 rng(11);
  const auto a = random_s8({1, 100003}, rng, 0.05f, 3), b = random_s8({1, 100003}, rng, 0.02f, -7);
  rt::ThreadPool pool(3);
  for (Op op : {Op::ADD, Op::MUL}) {
    auto run = [&](rt::ExecConfig e) {
      return OpRunner(op, rt::ActivationParams{}).input(a).input(b).output(DType::kInt8, per_tensor(0.06f, -2)).exec(e).run()[0]
          .values<int8_t>();
    };
    EXPECT_EQ(run({rt::Isa::kAvx2, &pool}), run({}));
    if (rt::detect_isa() >= rt::Isa::kAvx512) {
      EXPECT_EQ(run({rt::Isa::kAvx512, &pool}), run({}));
    }
  }
}

// Same-shape operands of 65536 elements or more, split over threads: ADD and SUB take the
// 32-bit vector steps with their float estimate, MUL its float estimate of the product's
// rescale; random operands over 262,157 elements meet nearly every pair a few times.
TEST(OptimizedElementwiseS8, LargeSameShapeOperands) {
  if (rt::detect_isa() < rt::Isa::kAvx512) GTEST_SKIP() << "CPU lacks AVX-512";
  std::mt19937 rng(23);
  std::uniform_int_distribution<int> zp(-128, 127);
  std::uniform_real_distribution<float> log_scale(-7.f, 1.f);
  const rt::Activation acts[] = {rt::Activation::kNone, rt::Activation::kRelu, rt::Activation::kRelu6,
                                 rt::Activation::kReluN1To1};
  rt::ThreadPool pool(3);
  for (Op op : {Op::ADD, Op::SUB, Op::MUL}) {
    for (int i = 0; i < 4; ++i) {
      const auto a = random_s8({1, 4 * 65536 + 13}, rng, std::exp2(log_scale(rng)), zp(rng));
      const auto b = random_s8({1, 4 * 65536 + 13}, rng, std::exp2(log_scale(rng)), zp(rng));
      rt::ActivationParams p;
      p.activation = acts[i];
      const auto out_q = per_tensor(std::exp2(log_scale(rng) + 1), zp(rng));
      auto run = [&](rt::ExecConfig e) {
        return OpRunner(op, p).input(a).input(b).output(DType::kInt8, out_q).exec(e).run()[0].values<int8_t>();
      };
      const auto want = run({});
      EXPECT_EQ(run({rt::Isa::kAvx512, nullptr}), want) << op_name(static_cast<int32_t>(op)) << " case " << i;
      EXPECT_EQ(run({rt::Isa::kAvx512, &pool}), want) << op_name(static_cast<int32_t>(op)) << " case " << i;
    }
  }
}

// Every (a, b) pair of int8 values once: a[i] = (i >> 8) - 128, b[i] = (i & 255) - 128.
struct EveryPair {
  std::vector<int8_t> a, b;
  EveryPair() : a(65536), b(65536) {
    for (int i = 0; i < 65536; ++i) {
      a[i] = static_cast<int8_t>((i >> 8) - 128);
      b[i] = static_cast<int8_t>((i & 255) - 128);
    }
  }
};

// The int8 binary kernels this CPU runs: the AVX2 one, and the AVX-512 one where present.
using BinaryKernel = void (*)(const int8_t*, int, const int8_t*, int, int8_t*, size_t, const rt::x86::QuantBinaryArgs&,
                              int);
std::vector<std::pair<const char*, BinaryKernel>> binary_kernels() {
  std::vector<std::pair<const char*, BinaryKernel>> k{{"avx2", rt::x86::qs8_binary_avx2}};
  if (rt::detect_isa() >= rt::Isa::kAvx512) k.emplace_back("avx512", rt::x86::qs8_binary_avx512);
  return k;
}

// Each kernel's ADD and SUB on every pair against the reference with parameters r
// (`round` names the case in failures); adds the (kernel, op) runs checked to *checked.
void expect_every_pair(const EveryPair& pairs, const rt::ref::QuantAddParams& r, int round, int* checked) {
  const auto& a = pairs.a;
  const auto& b = pairs.b;
  std::vector<int8_t> out(a.size());
  const rt::x86::QuantBinaryArgs p{r.input1_offset, r.input2_offset, r.output_offset, r.left_shift,
                                   r.input1_multiplier, r.input1_shift, r.input2_multiplier, r.input2_shift,
                                   r.output_multiplier, r.output_shift, r.act_min, r.act_max};
  for (const auto& [name, kernel] : binary_kernels()) {
    for (int op = 0; op < 2; ++op) {
      kernel(a.data(), 1, b.data(), 1, out.data(), out.size(), p, op);
      int bad = 0;
      for (size_t i = 0; i < a.size(); ++i) {
        const int32_t want =
            op ? rt::ref::quant_add_one<true>(r, a[i], b[i]) : rt::ref::quant_add_one<false>(r, a[i], b[i]);
        if (out[i] != want && bad++ < 3)
          ADD_FAILURE() << name << " round " << round << (op ? " SUB" : " ADD") << " a=" << int(a[i])
                        << " b=" << int(b[i]) << ": " << int(out[i]) << " want " << want;
      }
      EXPECT_EQ(bad, 0) << name << " round " << round;
      ++*checked;
    }
  }
}

// The AVX-512 ADD/SUB computes each 8-bit input's rescale in 32-bit arithmetic (rescale8):
// every (a, b) pair, for many random multipliers, shifts and zero points, so that the rare
// roundings (a negative product landing exactly on a tie) are reached.
TEST(OptimizedElementwiseS8, AddRescaleEveryPairBitExact) {
  if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "CPU lacks AVX2";
  std::mt19937 rng(31);
  const EveryPair pairs;
  std::uniform_int_distribution<int32_t> mult(1 << 30, INT32_MAX), offset(-127, 128), in_shift(-16, 0),
      out_shift(-8, 0), small(0, 2047);  // (1 << 30) + (small << 19) stays below 2^31
  int checked = 0;
  for (int round = 0; round < 160; ++round) {
    rt::ref::QuantAddParams r;
    r.input1_offset = offset(rng);
    r.input2_offset = offset(rng);
    r.output_offset = offset(rng) - 1;
    r.left_shift = 20;
    // Multipliers with few significant bits make exact ties (remainders of 0) common.
    r.input1_multiplier = round % 3 == 0 ? (1 << 30) + (small(rng) << 19) : mult(rng);
    r.input2_multiplier = round % 3 == 1 ? (1 << 30) + (small(rng) << 19) : mult(rng);
    r.output_multiplier = mult(rng);
    r.input1_shift = in_shift(rng);
    r.input2_shift = in_shift(rng);
    r.output_shift = out_shift(rng);
    // TFLite gives the input of the larger scale the multiplier 2^30, shift 0 (0.5).
    if (round % 4 == 3) r.input1_multiplier = 1 << 30, r.input1_shift = 0;
    if (round % 8 == 7 || round % 8 == 2) r.input2_multiplier = 1 << 30, r.input2_shift = 0;
    r.act_min = -128;
    r.act_max = 127;
    expect_every_pair(pairs, r, round, &checked);
  }
  EXPECT_EQ(checked, 320 * static_cast<int>(binary_kernels().size()));
}

// Parameters as TFLite derives them from real scales (output shifts of -15 to -22, where
// the output rescale's float estimate decides most vectors and the exact steps the
// ones near a rounding tie): every input pair, ADD and SUB, against the reference.
TEST(OptimizedElementwiseS8, AddFromScalesEveryPairBitExact) {
  if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "CPU lacks AVX2";
  std::mt19937 rng(41);
  const EveryPair pairs;
  std::uniform_real_distribution<double> log2_scale(-10, 0), log2_ratio(-4, 2);
  std::uniform_int_distribution<int32_t> zp(-128, 127);
  int checked = 0, min_shift = 0, max_shift = -100;
  for (int round = 0; round < 120; ++round) {
    // Equal input scales now and then (both multipliers exactly 1/2).
    const double s1 = std::exp2(log2_scale(rng)), s2 = round % 5 == 0 ? s1 : std::exp2(log2_scale(rng));
    const double twice_max = 2 * std::max(s1, s2);
    const double so = std::max(s1, s2) * std::exp2(log2_ratio(rng));
    rt::ref::QuantAddParams r;
    r.left_shift = 20;
    r.input1_offset = -zp(rng);
    r.input2_offset = -zp(rng);
    r.output_offset = zp(rng);
    rt::quantize_multiplier(s1 / twice_max, &r.input1_multiplier, &r.input1_shift);
    rt::quantize_multiplier(s2 / twice_max, &r.input2_multiplier, &r.input2_shift);
    rt::quantize_multiplier(twice_max / ((1 << 20) * so), &r.output_multiplier, &r.output_shift);
    r.act_min = round % 3 == 0 ? r.output_offset : -128;  // RELU now and then
    r.act_max = 127;
    min_shift = std::min(min_shift, r.output_shift);
    max_shift = std::max(max_shift, r.output_shift);
    expect_every_pair(pairs, r, round, &checked);
  }
  EXPECT_EQ(checked, 240 * static_cast<int>(binary_kernels().size()));
  EXPECT_LE(min_shift, -20);
  EXPECT_GE(max_shift, -16);
}

// MUL, parameters as TFLite derives them from real scales (output multiplier s1 s2 / so):
// the product's rescale is estimated in float32 and takes the exact steps near a rounding
// tie; every input pair against the reference, also with power-of-two scales (exact ties).
TEST(OptimizedElementwiseS8, MulFromScalesEveryPairBitExact) {
  if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "CPU lacks AVX2";
  std::mt19937 rng(43);
  const EveryPair pairs;
  std::uniform_real_distribution<double> log2_scale(-10, 0), log2_ratio(-12, -2);
  std::uniform_int_distribution<int32_t> zp(-128, 127);
  std::vector<int8_t> out(pairs.a.size());
  int checked = 0;
  for (int round = 0; round < 100; ++round) {
    const bool pow2 = round % 4 == 0;
    const double s1 = std::exp2(pow2 ? std::floor(log2_scale(rng)) : log2_scale(rng));
    const double s2 = std::exp2(pow2 ? std::floor(log2_scale(rng)) : log2_scale(rng));
    const double so = s1 * s2 / std::exp2(pow2 ? std::floor(log2_ratio(rng)) : log2_ratio(rng));
    rt::ref::QuantMulParams r;
    r.input1_offset = -zp(rng);
    r.input2_offset = -zp(rng);
    r.output_offset = zp(rng);
    rt::quantize_multiplier(s1 * s2 / so, &r.output_multiplier, &r.output_shift);
    r.act_min = round % 3 == 0 ? r.output_offset : -128;
    r.act_max = 127;
    const rt::x86::QuantBinaryArgs p{r.input1_offset, r.input2_offset, r.output_offset, 0, 0, 0, 0, 0,
                                     r.output_multiplier, r.output_shift, r.act_min, r.act_max};
    for (const auto& [name, kernel] : binary_kernels()) {
      kernel(pairs.a.data(), 1, pairs.b.data(), 1, out.data(), out.size(), p, 2);
      int bad = 0;
      for (size_t i = 0; i < out.size(); ++i) {
        const int32_t want = rt::ref::quant_mul_one(r, pairs.a[i], pairs.b[i]);
        if (out[i] != want && bad++ < 3)
          ADD_FAILURE() << name << " round " << round << " a=" << int(pairs.a[i]) << " b=" << int(pairs.b[i])
                        << ": " << int(out[i]) << " want " << want;
      }
      EXPECT_EQ(bad, 0) << name << " round " << round;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 100 * static_cast<int>(binary_kernels().size()));
}

// rescale8 itself: every 9-bit input against the reference's fixed-point steps, for
// multipliers of every low-bit pattern (the split at bit 11 and the negative-tie rounding).
TEST(OptimizedElementwiseS8, AddInputRescaleIsTheReferences) {
  if (rt::detect_isa() < rt::Isa::kAvx512) GTEST_SKIP() << "CPU lacks AVX-512";
  std::vector<int32_t> v(511), out(511);
  for (int i = 0; i < 511; ++i) v[i] = i - 255;
  std::mt19937 rng(37);
  std::uniform_int_distribution<int32_t> high(0, (1 << 20) - 1);
  int bad = 0;
  for (int32_t low = 0; low < 2048; ++low) {
    const int32_t m = (high(rng) << 11) | low;
    for (int e : {0, 1, 5, 12}) {
      rt::x86::qs8_rescale_avx512(v.data(), v.size(), m, e, out.data());
      for (int i = 0; i < 511; ++i) {
        const int32_t want = rt::multiply_by_quantized_multiplier(v[i] * (1 << 20), m, -e);
        if (out[i] != want && bad++ < 3)
          ADD_FAILURE() << "v=" << v[i] << " m=" << m << " e=" << e << ": " << out[i] << " want " << want;
      }
    }
  }
  EXPECT_EQ(bad, 0);
}

// int16 ADD / SUB / MUL (16x8 models: zero points 0, the general path with left shift
// 15) on AVX-512: every tail, scalar and per-channel operands, activations, threads,
// extreme values.
TEST(OptimizedElementwiseS8, Int16GeneralPathBitExact) {
  if (rt::detect_isa() < rt::Isa::kAvx512) GTEST_SKIP() << "CPU lacks AVX-512";
  std::mt19937 rng(29);
  std::uniform_real_distribution<float> log_scale(-14.f, -4.f);
  std::uniform_int_distribution<int> value(-32768, 32767), pick(0, 9);
  const rt::Activation acts[] = {rt::Activation::kNone, rt::Activation::kRelu, rt::Activation::kRelu6,
                                 rt::Activation::kReluN1To1};
  auto random_s16 = [&](std::vector<int32_t> dims, float scale) {
    int64_t n = 1;
    for (int32_t d : dims) n *= d;
    std::vector<int16_t> v(static_cast<size_t>(n));
    for (auto& x : v) {
      const int k = pick(rng);
      x = static_cast<int16_t>(k == 0 ? -32768 : k == 1 ? 32767 : value(rng));
    }
    TensorData t = make_tensor<int16_t>(std::move(dims), v);
    t.quant = per_tensor(scale, 0);
    return t;
  };
  rt::ThreadPool pool(3);
  int cases = 0;
  for (Op op : {Op::ADD, Op::SUB, Op::MUL}) {
    std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>> shapes;
    for (int n = 1; n <= 40; n += 3) shapes.push_back({{1, n}, {1, n}});
    shapes.push_back({{1, 100003}, {1, 100003}});
    shapes.push_back({{1}, {2, 33}});
    shapes.push_back({{2, 33}, {1}});
    shapes.push_back({{1, 20, 30, 24}, {24}});  // per-channel vector
    for (const auto& [da, db] : shapes) {
      const auto a = random_s16(da, std::exp2(log_scale(rng))), b = random_s16(db, std::exp2(log_scale(rng)));
      rt::ActivationParams p;
      p.activation = acts[cases % 4];
      p.pot_scale_int16 = false;
      const auto out_q = per_tensor(std::exp2(log_scale(rng) + (op == Op::MUL ? -2.f : 1.f)), 0);
      auto run = [&](rt::ExecConfig e) {
        return OpRunner(op, p).input(a).input(b).output(DType::kInt16, out_q).exec(e).run()[0].bytes;
      };
      std::vector<uint8_t> want;
      try {
        want = run({});
      } catch (const Error&) {
        continue;  // scales the op rejects
      }
      EXPECT_EQ(run({rt::Isa::kAvx512, nullptr}), want) << op_name(static_cast<int32_t>(op)) << " case " << cases;
      EXPECT_EQ(run({rt::Isa::kAvx512, &pool}), want) << op_name(static_cast<int32_t>(op)) << " case " << cases;
      ++cases;
    }
  }
  EXPECT_GT(cases, 40);
}

// Broadcasting shapes run row by row over the innermost dim.
TEST(OptimizedElementwiseS8, BroadcastRowsMatchTheReference) {
  if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "CPU lacks AVX2";
  std::mt19937 rng(17);
  rt::ThreadPool pool(3);
  struct Case {
    std::vector<int32_t> a, b;
  };
  const Case cases[] = {{{1, 64, 64, 16}, {1, 1, 1, 16}},  // squeeze-excite channel scaling
                        {{1, 1, 1, 24}, {2, 9, 7, 24}},
                        {{2, 5, 1, 33}, {2, 1, 7, 33}},
                        {{3, 1, 8}, {1, 4, 8}},
                        {{1, 9, 17}, {9, 1}},   // innermost broadcast of b: stride 0 in the row
                        {{4, 1}, {1, 40}},
                        // a per-channel vector against its repetition (runs of ~4096)
                        {{1, 40, 50, 3}, {3}},
                        {{5}, {2, 7, 9, 5}},
                        {{1, 9, 1000}, {1, 1, 1000}},  // 9000: runs of 4000 and a tail
                        {{1, 3, 4100}, {4100}}};       // longer than a run: row by row
  for (Op op : {Op::ADD, Op::SUB, Op::MUL}) {
    for (const auto& c : cases) {
      const auto a = random_s8(c.a, rng, 0.03f, 5), b = random_s8(c.b, rng, 0.05f, -9);
      auto run = [&](rt::ExecConfig e) {
        return OpRunner(op, rt::ActivationParams{}).input(a).input(b).output(DType::kInt8, per_tensor(0.04f, 3)).exec(e).run()[0]
            .values<int8_t>();
      };
      const auto want = run({});
      for (rt::Isa isa : {rt::Isa::kAvx2, rt::Isa::kAvx512}) {
        if (isa > rt::detect_isa()) continue;
        EXPECT_EQ(run({isa, nullptr}), want) << op_name(static_cast<int32_t>(op)) << " " << rt::isa_name(isa);
        EXPECT_EQ(run({isa, &pool}), want) << op_name(static_cast<int32_t>(op)) << " " << rt::isa_name(isa);
      }
    }
  }
}

// int8 RELU / RELU6 / RELU_N1_TO_1 / LEAKY_RELU / HARD_SWISH become a 256-entry table made
// from the reference at prepare: every input value, random scales and zero points, long
// inputs split over threads.
TEST(OptimizedElementwiseS8, UnaryTablesMatchTheReference) {
  if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "CPU lacks AVX2";
  std::mt19937 rng(13);
  std::vector<int8_t> every(256 * 300 + 37);  // + a tail shorter than any vector
  for (size_t i = 0; i < every.size(); ++i) every[i] = static_cast<int8_t>(i * 7 + i / 256);
  rt::ThreadPool pool(3);
  std::uniform_real_distribution<float> log_scale(-6.f, 0.f);
  for (Op op : {Op::RELU, Op::RELU6, Op::RELU_N1_TO_1, Op::LEAKY_RELU, Op::HARD_SWISH}) {
    for (int trial = 0; trial < 20; ++trial) {
      const float si = std::exp2(log_scale(rng)), so = std::exp2(log_scale(rng) + (op == Op::HARD_SWISH ? 1.f : 0.f));
      TensorData in = make_tensor<int8_t>({1, static_cast<int32_t>(every.size())}, every);
      in.quant = per_tensor(si, static_cast<int>(rng() % 256) - 128);
      rt::OpParams params = std::monostate{};
      if (op == Op::LEAKY_RELU) {
        rt::LeakyReluParams lp;
        lp.alpha = std::uniform_real_distribution<float>(0.01f, 0.9f)(rng);
        params = lp;
      }
      const auto out_q = per_tensor(so, static_cast<int>(rng() % 256) - 128);
      auto run = [&](rt::ExecConfig e) {
        return OpRunner(op, params).input(in).output(DType::kInt8, out_q).exec(e).run()[0].bytes;
      };
      std::vector<uint8_t> want;
      try {
        want = run({});
      } catch (const Error&) {
        continue;  // parameters the op rejects (e.g. HARD_SWISH output scale too small)
      }
      // AVX2 byte shuffles, and AVX-512 VBMI permutes where the CPU has them.
      for (rt::Isa isa : {rt::Isa::kAvx2, rt::detect_isa()}) {
        EXPECT_EQ(run({isa, nullptr}), want) << op_name(static_cast<int32_t>(op)) << " trial " << trial << " "
                                             << rt::isa_name(isa);
        EXPECT_EQ(run({isa, &pool}), want) << op_name(static_cast<int32_t>(op)) << " trial " << trial << " "
                                           << rt::isa_name(isa);
      }
    }
  }
}

}  // namespace
}  // namespace liteq::test
