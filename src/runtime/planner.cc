#include "runtime/planner.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace liteq::rt {
namespace {
size_t align_up(size_t n) { return (n + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; }
bool overlaps(const BufferRequest& a, const BufferRequest& b) {
  return a.first_use <= b.last_use && b.first_use <= a.last_use;
}
}  // namespace

ArenaPlan plan_arena(const std::vector<BufferRequest>& req) {
  ArenaPlan plan;
  plan.offsets.assign(req.size(), 0);
  std::vector<size_t> order(req.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (req[a].bytes != req[b].bytes) return req[a].bytes > req[b].bytes;
    return req[a].first_use < req[b].first_use;
  });
  std::vector<size_t> placed;  // indices placed so far
  for (size_t i : order) {
    const size_t need = align_up(req[i].bytes);
    if (need == 0) continue;
    // Intervals [offset, offset + size) taken by buffers whose lifetime overlaps.
    std::vector<std::pair<size_t, size_t>> busy;
    for (size_t j : placed)
      if (overlaps(req[i], req[j])) busy.emplace_back(plan.offsets[j], plan.offsets[j] + align_up(req[j].bytes));
    std::sort(busy.begin(), busy.end());
    size_t candidate = 0;
    for (const auto& [lo, hi] : busy) {
      if (lo >= candidate + need) break;  // fits in the gap before this one
      candidate = std::max(candidate, hi);
    }
    plan.offsets[i] = candidate;
    plan.arena_bytes = std::max(plan.arena_bytes, candidate + need);
    placed.push_back(i);
  }
  return plan;
}

size_t peak_live_bytes(const std::vector<BufferRequest>& req) {
  std::map<int, long long> delta;
  for (const auto& r : req) {
    delta[r.first_use] += static_cast<long long>(align_up(r.bytes));
    delta[r.last_use + 1] -= static_cast<long long>(align_up(r.bytes));
  }
  long long cur = 0, peak = 0;
  for (const auto& [step, d] : delta) {
    cur += d;
    peak = std::max(peak, cur);
  }
  return static_cast<size_t>(peak);
}

}  // namespace liteq::rt
