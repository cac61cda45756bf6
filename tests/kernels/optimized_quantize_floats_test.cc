// The hybrid kernels' input quantization, vectorized (kernels/optimized/quantize_floats_fast.h)
// against the reference (ref::symmetric_/asymmetric_quantize_floats) at every ISA level this
// CPU has: every length up to 70
// (all tails), all-zero, one-signed, tie-heavy and NaN inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "kernels/optimized/quantize_floats_fast.h"
#include "kernels/reference/requant_int8.h"

namespace liteq::test {
namespace {

TEST(OptimizedQuantizeFloats, MatchesTheReference) {
  if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "CPU lacks AVX2";
  std::mt19937 rng(29);
  int cases = 0;
  for (int n = 1; n <= 70; ++n) {
    for (int kind = 0; kind < 5; ++kind) {
      std::vector<float> x(n);
      for (auto& v : x) {
        switch (kind) {
          case 0: v = std::uniform_real_distribution<float>(-3, 5)(rng); break;
          case 1: v = 0.0f; break;                                                       // all zero
          case 2: v = std::uniform_real_distribution<float>(0.1f, 2)(rng); break;       // positive only
          case 3: v = static_cast<float>(static_cast<int>(rng() % 255) - 127) / 2; break;  // ties
          default: v = std::uniform_real_distribution<float>(-1e-3f, 1e-3f)(rng); break;
        }
      }
      for (int isa = int(rt::Isa::kAvx2); isa <= int(rt::detect_isa()); ++isa)
      for (bool asym : {false, true}) {
        std::vector<int8_t> q_ref(n), q_opt(n);
        float s_ref = 0, s_opt = 0;
        int32_t z_ref = 0, z_opt = 0;
        if (asym) {
          rt::ref::asymmetric_quantize_floats(x.data(), n, q_ref.data(), &s_ref, &z_ref);
          rt::opt::asymmetric_quantize_floats(rt::Isa(isa), x.data(), n, q_opt.data(), &s_opt, &z_opt);
        } else {
          rt::ref::symmetric_quantize_floats(x.data(), n, q_ref.data(), &s_ref);
          rt::opt::symmetric_quantize_floats(rt::Isa(isa), x.data(), n, q_opt.data(), &s_opt);
        }
        ASSERT_EQ(q_opt, q_ref) << "n=" << n << " kind=" << kind << " asym=" << asym << " isa=" << isa;
        ASSERT_EQ(s_opt, s_ref);
        ASSERT_EQ(z_opt, z_ref);
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 70 * 5 * 2 * (int(rt::detect_isa()) - int(rt::Isa::kAvx2) + 1));
  // A NaN falls back to the reference (same results, whatever they are).
  std::vector<float> x(20, 1.0f);
  x[7] = std::numeric_limits<float>::quiet_NaN();
  std::vector<int8_t> a(20), b(20);
  float sa, sb;
  int32_t za, zb;
  rt::ref::asymmetric_quantize_floats(x.data(), 20, a.data(), &sa, &za);
  for (int isa = int(rt::Isa::kAvx2); isa <= int(rt::detect_isa()); ++isa) {
    rt::opt::asymmetric_quantize_floats(rt::Isa(isa), x.data(), 20, b.data(), &sb, &zb);
    EXPECT_EQ(a, b) << "isa=" << isa;
  }
}

}  // namespace
}  // namespace liteq::test
