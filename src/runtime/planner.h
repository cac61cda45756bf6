// Arena memory planner: places buffers with known lifetimes in one block so that
// buffers alive at the same time never overlap, greedily, largest first (the
// strategy of TFLite's greedy planner). The result is close to the largest total size of
// buffers alive at once.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace liteq::rt {

struct BufferRequest {
  size_t bytes = 0;
  int first_use = 0;  // index of the first step that uses it
  int last_use = 0;   // index of the last step (inclusive)
};

struct ArenaPlan {
  std::vector<size_t> offsets;  // one per request
  size_t arena_bytes = 0;
};

constexpr size_t kArenaAlignment = 64;

ArenaPlan plan_arena(const std::vector<BufferRequest>& requests);

// The largest sum of sizes alive at any single step: a lower bound for any plan.
size_t peak_live_bytes(const std::vector<BufferRequest>& requests);

}  // namespace liteq::rt
