#include "runtime/planner.h"

#include <gtest/gtest.h>

#include <random>

namespace liteq::rt {
namespace {

bool overlap(const BufferRequest& a, size_t oa, const BufferRequest& b, size_t ob) {
  const bool time = a.first_use <= b.last_use && b.first_use <= a.last_use;
  const bool space = oa < ob + b.bytes && ob < oa + a.bytes;
  return time && space && a.bytes && b.bytes;
}

TEST(Planner, ChainReusesMemory) {
  // a -> b -> c -> d: only two neighbours are ever alive together.
  std::vector<BufferRequest> req = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 4}};
  auto plan = plan_arena(req);
  EXPECT_EQ(plan.arena_bytes, 2 * 1024u);  // 1000 rounded up to 64-byte alignment, twice
  EXPECT_EQ(peak_live_bytes(req), 2 * 1024u);
}

TEST(Planner, RandomLifetimesNeverOverlapAndStayNearPeak) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<BufferRequest> req;
    const int n = 1 + rng() % 60;
    for (int i = 0; i < n; ++i) {
      int a = rng() % 40, b = rng() % 40;
      req.push_back({static_cast<size_t>(rng() % 5000), std::min(a, b), std::max(a, b)});
    }
    auto plan = plan_arena(req);
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(plan.offsets[i] % kArenaAlignment, 0u);
      EXPECT_LE(plan.offsets[i] + req[i].bytes, plan.arena_bytes);
      for (int j = i + 1; j < n; ++j)
        ASSERT_FALSE(overlap(req[i], plan.offsets[i], req[j], plan.offsets[j])) << "trial " << trial;
    }
    const size_t peak = peak_live_bytes(req);
    EXPECT_GE(plan.arena_bytes, peak);
    EXPECT_LE(plan.arena_bytes, peak * 2 + kArenaAlignment);  // greedy stays close
  }
}

}  // namespace
}  // namespace liteq::rt
