// Shared by the float32 fast-kernel tests (optimized_f32_test.cc, optimized_tconv_test.cc,
// optimized_act_f32_test.cc): the ISA levels to run, thread pools, and the check of a
// fast kernel against the reference at every ISA level and 1, 2 and 3 threads.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "kernels/exec.h"
#include "kernels/op_runner.h"
#include "kernels/optimized/fast_f32.h"

namespace liteq::test {

// The float32 fast-kernel levels this CPU has (AVX-512 VNNI adds nothing for float).
inline std::vector<rt::Isa> isa_levels() {
  std::vector<rt::Isa> v;
  for (rt::Isa i : {rt::Isa::kAvx2, rt::Isa::kAvx512})
    if (i <= rt::detect_isa()) v.push_back(i);
  return v;
}

// A pool of 2 or 3 threads; nullptr (the caller's thread) for 1.
inline rt::ThreadPool* pool(int threads) {
  static rt::ThreadPool p2(2), p3(3);
  return threads == 2 ? &p2 : threads == 3 ? &p3 : nullptr;
}

inline std::vector<float> random_values(std::mt19937& rng, int64_t n, float scale = 1.0f) {
  std::uniform_real_distribution<float> d(-scale, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

inline std::vector<float> abs_of(std::vector<float> v) {
  for (auto& x : v) x = std::fabs(x);
  return v;
}

inline constexpr rt::Activation kActs[] = {rt::Activation::kNone, rt::Activation::kRelu, rt::Activation::kRelu6,
                                           rt::Activation::kReluN1To1};

// Builds the runner for one op; `absolute`: |x| everywhere and no activation (for the
// tolerance).
using Build = std::function<OpRunner(bool absolute)>;

// Runs the reference, the tolerance (1e-5 x the reference on absolute values) and every
// ISA x thread count; the fast kernel must run, agree within the tolerance, and give the
// same bits on every thread count.
inline void check_op(const Build& build, const std::string& what) {
  SCOPED_TRACE(what);
  const std::vector<float> ref = build(false).run()[0].values<float>();
  const std::vector<float> mag = build(true).run()[0].values<float>();
  ASSERT_EQ(ref.size(), mag.size());
  for (rt::Isa isa : isa_levels()) {
    SCOPED_TRACE(rt::isa_name(isa));
    std::vector<float> first;
    for (int threads : {1, 2, 3}) {
      SCOPED_TRACE("threads " + std::to_string(threads));
      const int64_t made = rt::opt::f32_fast_kernels_made();
      const std::vector<float> out = build(false).exec(rt::ExecConfig{isa, pool(threads)}).run()[0].values<float>();
      ASSERT_EQ(rt::opt::f32_fast_kernels_made(), made + 1) << "the fast kernel did not run";
      ASSERT_EQ(out.size(), ref.size());
      int bad = 0;
      for (size_t i = 0; i < out.size() && bad < 5; ++i) {
        const double tol = 1e-5 * mag[i] + 1e-30;
        if (!(std::fabs(double(out[i]) - ref[i]) <= tol)) {
          ADD_FAILURE() << "element " << i << ": " << out[i] << " vs reference " << ref[i] << " (tol " << tol << ")";
          ++bad;
        }
      }
      if (threads == 1) first = out;
      else EXPECT_EQ(0, std::memcmp(out.data(), first.data(), out.size() * sizeof(float)))
          << "not bit-identical to 1 thread";
    }
  }
}

}  // namespace liteq::test
