// The vectorized float32 HARD_SWISH, LOGISTIC, SOFTMAX and ADD / SUB / MUL / DIV
// (kernels/x86/act_f32_avx{2,512}.cc) at every ISA level this CPU has, on 1, 2 and 3
// threads, against the reference kernels:
//   HARD_SWISH and ADD/SUB/MUL/DIV bit for bit (the same float operations per element),
//     infinities, signed zeros and the fused activations included (NaN matches any NaN);
//   LOGISTIC and SOFTMAX (a vector exp) within 1e-6 relative of the exact result
//     (computed in double here from the same float exp arguments) and of the reference; NaN where the reference has NaN;
//     very large inputs must not overflow into NaN.
// Every ISA's output must also be bit-identical across thread counts. Sizes cover every
// tail (1..67) and large tensors that take the threaded path.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/exec.h"
#include "kernels/op_runner.h"
#include "kernels/optimized_f32_check.h"

namespace liteq::test {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kMax = std::numeric_limits<float>::max();

std::vector<int> sizes() {
  std::vector<int> v;
  for (int n = 1; n <= 67; ++n) v.push_back(n);
  for (int n : {127, 128, 129, 255, 1000, 4095, 4096, 4097, 65535, 65536 + 7, 200003}) v.push_back(n);
  return v;
}

// Uniform in [-scale, scale], with special values sprinkled in when `specials`.
std::vector<float> random_values(std::mt19937& rng, int64_t n, float scale, bool specials) {
  std::uniform_real_distribution<float> d(-scale, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  if (specials) {
    const float sp[] = {kNaN, -kNaN, kInf, -kInf, 0.0f, -0.0f, -3.0f, 3.0f, -6.0f, 6.0f, kMax, -kMax, 1e-40f, -1e-40f};
    for (float s : sp) v[rng() % n] = s;
  }
  return v;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Bit for bit, except that any NaN matches any NaN: C++ leaves the sign and payload of
// a NaN result open (x86 returns the first operand's NaN, and the compiler may swap the
// operands of a commutative operation).
bool same_values(float a, float b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof(float)) == 0;
}
bool same_values(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!same_values(a[i], b[i])) return false;
  return true;
}

std::string first_difference(const std::vector<float>& got, const std::vector<float>& want) {
  for (size_t i = 0; i < got.size(); ++i)
    if (!same_values(got[i], want[i]))
      return "element " + std::to_string(i) + ": " + std::to_string(got[i]) + " vs reference " + std::to_string(want[i]);
  return "sizes differ";
}

// Runs `make()` on the reference and at every ISA x thread count; `check(got, ref)`
// compares one run with the reference; all thread counts of one ISA must agree bit for bit.
template <typename Make, typename Check>
void for_each_fast_run(Make make, Check check) {
  const std::vector<float> ref = make().run()[0].template values<float>();
  for (rt::Isa isa : isa_levels()) {
    SCOPED_TRACE(rt::isa_name(isa));
    std::vector<float> first;
    for (int threads : {1, 2, 3}) {
      SCOPED_TRACE("threads " + std::to_string(threads));
      OpRunner r = make();
      r.exec(rt::ExecConfig{isa, pool(threads)});
      const std::vector<float> got = r.run()[0].template values<float>();
      ASSERT_TRUE(r.ran_fast()) << "the fast kernel did not run";
      ASSERT_EQ(got.size(), ref.size());
      check(got, ref);
      if (threads == 1)
        first = got;
      else
        ASSERT_TRUE(same_bits(got, first)) << "differs from the 1-thread result";
    }
  }
}

// |got - want| within 1e-6 relative (plus a subnormal-sized absolute slack); NaN only
// where `want` is NaN.
::testing::AssertionResult close(double got, double want, double rel = 1e-6) {
  if (std::isnan(want) || std::isnan(got)) {
    if (std::isnan(want) && std::isnan(got)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << got << " vs " << want;
  }
  if (std::fabs(got - want) <= rel * std::fabs(want) + 1e-37) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << got << " vs " << want << " (rel error " << std::fabs(got - want) / std::fabs(want)
                                       << ")";
}

TEST(OptimizedActF32, HardSwishBitExact) {
  if (isa_levels().empty()) GTEST_SKIP() << "CPU lacks AVX2";
  std::mt19937 rng(1);
  for (int n : sizes()) {
    SCOPED_TRACE("n=" + std::to_string(n));
    const auto x = random_values(rng, n, 8.0f, n >= 16);
    for_each_fast_run([&] { return OpRunner(Op::HARD_SWISH).input(f32({n}, x)); },
                      [&](const std::vector<float>& got, const std::vector<float>& ref) {
                        ASSERT_TRUE(same_values(got, ref)) << first_difference(got, ref);
                      });
  }
}

TEST(OptimizedActF32, LogisticWithinUlps) {
  if (isa_levels().empty()) GTEST_SKIP() << "CPU lacks AVX2";
  std::mt19937 rng(2);
  for (int n : sizes()) {
    SCOPED_TRACE("n=" + std::to_string(n));
    auto x = random_values(rng, n, n % 2 ? 30.0f : 120.0f, n >= 16);
    if (n >= 8) x[n / 2] = -20.0f, x[n / 2 + 1] = std::nextafter(-20.0f, 0.0f), x[n / 2 + 2] = -103.0f;
    for_each_fast_run([&] { return OpRunner(Op::LOGISTIC).input(f32({n}, x)); },
                      [&](const std::vector<float>& got, const std::vector<float>& ref) {
                        for (int i = 0; i < n; ++i) {
                          const double v = x[i];
                          const double exact = v < -20 ? std::exp(v) : 1.0 / (1.0 + std::exp(-v));
                          ASSERT_TRUE(close(got[i], exact)) << "x = " << x[i];
                          ASSERT_TRUE(close(got[i], ref[i], 2e-6)) << "x = " << x[i];
                        }
                      });
  }
}

// softmax of one row: the exp's argument (x - max) * beta in float as TFLite computes
// it (its rounding alone is ~1e-6 relative in the result for arguments near -20), the
// exps, sum and division in double.
std::vector<double> exact_softmax(const float* x, int d, float beta) {
  float max = x[0];
  for (int i = 1; i < d; ++i) max = std::max(max, x[i]);
  std::vector<double> y(d);
  double sum = 0;
  for (int i = 0; i < d; ++i) {
    const float arg = (x[i] - max) * beta;
    sum += y[i] = std::exp(double(arg));
  }
  for (auto& v : y) v /= sum;
  return y;
}

void check_softmax(const std::vector<int32_t>& dims, const std::vector<float>& x, float beta, bool exact_check) {
  const int d = dims.back();
  const int rows = static_cast<int>(x.size()) / d;
  rt::SoftmaxParams p;
  p.beta = beta;
  for_each_fast_run([&] { return OpRunner(Op::SOFTMAX, p).input(f32(dims, x)); },
                    [&](const std::vector<float>& got, const std::vector<float>& ref) {
                      for (int r = 0; r < rows; ++r) {
                        const std::vector<double> want = exact_softmax(&x[r * d], d, beta);
                        double sum = 0;
                        for (int i = 0; i < d; ++i) {
                          const int k = r * d + i;
                          // The reference sums in float: its own error grows with the row.
                          ASSERT_TRUE(close(got[k], ref[k], 1e-6 + 1e-7 * std::sqrt(d))) << "row " << r << " i " << i;
                          if (exact_check) {
                            ASSERT_TRUE(close(got[k], want[i])) << "row " << r << " i " << i;
                          }
                          sum += got[k];
                        }
                        if (!std::isnan(ref[r * d])) {
                          ASSERT_NEAR(sum, 1.0, 1e-5) << "row " << r;
                        }
                      }
                    });
}

TEST(OptimizedActF32, SoftmaxWithinUlps) {
  if (isa_levels().empty()) GTEST_SKIP() << "CPU lacks AVX2";
  std::mt19937 rng(3);
  std::vector<int> depths;
  for (int d = 1; d <= 40; ++d) depths.push_back(d);
  for (int d : {63, 64, 65, 127, 1000, 4095, 4096, 4097, 6625}) depths.push_back(d);
  for (int d : depths) {
    for (int rows : {1, 3, 40}) {
      for (float beta : {1.0f, 0.37f, 3.0f}) {
        SCOPED_TRACE("depth " + std::to_string(d) + " rows " + std::to_string(rows) + " beta " + std::to_string(beta));
        // Values up to 40 / beta apart: exps down to e^-80 (far below the largest).
        check_softmax({1, rows, d}, random_values(rng, int64_t{rows} * d, 20.0f / beta, false), beta, true);
        if (d > 100 && rows > 1) break;  // the long rows once per beta are enough
      }
    }
  }
}

TEST(OptimizedActF32, SoftmaxSpecialValues) {
  if (isa_levels().empty()) GTEST_SKIP() << "CPU lacks AVX2";
  for (int d : {5, 8, 16, 19, 100}) {
    SCOPED_TRACE("depth " + std::to_string(d));
    std::vector<std::vector<float>> rows;
    std::vector<float> r(d, 0.5f);
    auto with = [&](std::initializer_list<std::pair<int, float>> set) {
      std::vector<float> v = r;
      for (auto [i, x] : set) v[i % d] = x;
      rows.push_back(v);
    };
    with({{d - 1, kNaN}});                       // NaN: the row is NaN (as the reference)
    with({{0, kNaN}});
    with({{d / 2, kInf}});                       // +inf: inf - inf, NaN
    with({{1, -kInf}});                          // -inf: exp 0
    with({{0, kMax}, {d - 1, -kMax}});           // x - max overflows to -inf: 0, no NaN
    with({{0, 1e30f}, {1, -1e30f}, {2, 1e30f}});  // huge but finite
    with({{0, -1e30f}});
    with({{d - 1, 1e4f}});
    std::vector<float> big(d, kMax);             // all equal at the float limit: 1/d each
    rows.push_back(big);
    std::vector<float> ramp(d);                  // subnormal exps at the end of the row
    for (int i = 0; i < d; ++i) ramp[i] = -105.0f * i / std::max(1, d - 1);
    rows.push_back(ramp);
    std::vector<float> x;
    for (auto& v : rows) x.insert(x.end(), v.begin(), v.end());
    check_softmax({static_cast<int32_t>(rows.size()), d}, x, 1.0f, true);
    // With overflowing inputs but no NaN / +inf in a row, no output may be NaN.
    const std::vector<float> out =
        OpRunner(Op::SOFTMAX).input(f32({static_cast<int32_t>(rows.size()), d}, x)).exec({rt::detect_isa()}).run()[0]
            .values<float>();
    for (size_t k = 4 * d; k < out.size(); ++k) EXPECT_FALSE(std::isnan(out[k])) << "element " << k;
  }
}

TEST(OptimizedActF32, BinaryBitExact) {
  if (isa_levels().empty()) GTEST_SKIP() << "CPU lacks AVX2";
  std::mt19937 rng(4);
  const rt::Activation acts[] = {rt::Activation::kNone, rt::Activation::kRelu, rt::Activation::kRelu6,
                                 rt::Activation::kReluN1To1};
  std::vector<int> ns;
  for (int n = 1; n <= 67; n += 3) ns.push_back(n);
  for (int n : {4096, 70001}) ns.push_back(n);
  int cases = 0;
  for (Op op : {Op::ADD, Op::SUB, Op::MUL, Op::DIV}) {
    for (int n : ns) {
      // same shape, scalar a, scalar b, broadcast rows ([3,n] with [n] / [3,1] with [3,n])
      for (int shape = 0; shape < 5; ++shape) {
        std::vector<int32_t> da = {3, n}, db = {3, n};
        if (shape == 1) da = {1};
        if (shape == 2) db = {1};
        if (shape == 3) db = {n};
        if (shape == 4) da = {3, 1};
        int64_t na = 1, nb = 1;
        for (int32_t v : da) na *= v;
        for (int32_t v : db) nb *= v;
        const auto a = random_values(rng, na, 10.0f, na >= 16);
        const auto b = random_values(rng, nb, 10.0f, nb >= 16);
        rt::ActivationParams p;
        p.activation = acts[rng() % 4];
        SCOPED_TRACE(std::string(op_name(static_cast<int32_t>(op))) + " n=" + std::to_string(n) +
                     " shape=" + std::to_string(shape) + " act=" + std::to_string(static_cast<int>(p.activation)));
        // Broadcast rows of < 8 elements stay on the reference; a per-channel vector
        // ([3, n] with [n], n <= 4096) runs against its repetition, whatever n.
        if (shape == 4 && n < 8) continue;
        for_each_fast_run([&] { return OpRunner(op, p).input(f32(da, a)).input(f32(db, b)); },
                          [&](const std::vector<float>& got, const std::vector<float>& ref) {
                            ASSERT_TRUE(same_values(got, ref)) << first_difference(got, ref);
                          });
        ++cases;
      }
    }
  }
  EXPECT_GT(cases, 400);
}

// RESIZE_BILINEAR float32 rows on AVX-512 (kernels/x86/resize_f32.h): the reference's
// float operations, so the same bits; 8 channels two pixels per vector, others 16 at a
// time with a masked tail; every mode; 1 and 3 threads.
TEST(OptimizedActF32, ResizeBilinearRowsBitExact) {
  if (rt::detect_isa() < rt::Isa::kAvx512) GTEST_SKIP() << "CPU lacks AVX-512";
  std::mt19937 rng(9);
  int cases = 0;
  for (int channels : {8, 9, 16, 24, 33, 3}) {
    for (int mode = 0; mode < 3; ++mode) {  // plain, align_corners, half_pixel_centers
      const int in_h = 1 + rng() % 9, in_w = 1 + rng() % 9, out_h = 1 + rng() % 19, out_w = 1 + rng() % 19;
      const int batch = 1 + rng() % 2;
      const auto v = random_values(rng, int64_t{batch} * in_h * in_w * channels, 50.0f, false);
      rt::ResizeParams p;
      p.align_corners = mode == 1;
      p.half_pixel_centers = mode == 2;
      auto run = [&](rt::ExecConfig e) {
        return OpRunner(Op::RESIZE_BILINEAR, p)
            .input(f32({batch, in_h, in_w, channels}, v))
            .input(i32({2}, {out_h, out_w}), true)
            .exec(e)
            .run()[0]
            .values<float>();
      };
      const auto want = run({});
      for (int threads : {1, 3}) {
        const auto got = run({rt::Isa::kAvx512, pool(threads)});
        ASSERT_TRUE(same_values(got, want)) << channels << "ch " << in_h << "x" << in_w << " -> " << out_h << "x"
                                            << out_w << " mode " << mode << ": " << first_difference(got, want);
      }
      ++cases;
    }
  }
  EXPECT_EQ(cases, 18);
}

}  // namespace
}  // namespace liteq::test
