#include "kernels/exec.h"

#include <pthreadpool.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace liteq::rt {

bool cpu_has_avx512vbmi() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return detect_isa() >= Isa::kAvx512 && __builtin_cpu_supports("avx512vbmi");
#else
  return false;
#endif
}

bool cpu_has_avxvnni() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return detect_isa() >= Isa::kAvx2 && __builtin_cpu_supports("avxvnni");
#else
  return false;
#endif
}

bool cpu_supports(Isa isa) { return isa <= detect_isa() && (isa != Isa::kAvx2Vnni || cpu_has_avxvnni()); }

Isa detect_isa() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  // __builtin_cpu_supports checks the OS saves the wider register state (XCR0) too.
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (!avx2) return Isa::kReference;
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  if (!avx512) return __builtin_cpu_supports("avxvnni") ? Isa::kAvx2Vnni : Isa::kAvx2;
  if (__builtin_cpu_supports("avx512vnni")) return Isa::kAvx512Vnni;
  return Isa::kAvx512;
#else
  return Isa::kReference;
#endif
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kReference: return "reference";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx2Vnni: return "avx2vnni";
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx512Vnni: return "avx512vnni";
  }
  return "?";
}

bool parse_isa(const char* name, Isa* out) {
  if (std::strcmp(name, "auto") == 0) {
    *out = detect_isa();
    return true;
  }
  for (Isa i : {Isa::kReference, Isa::kAvx2, Isa::kAvx2Vnni, Isa::kAvx512, Isa::kAvx512Vnni}) {
    if (std::strcmp(name, isa_name(i)) == 0) {
      *out = i;
      return true;
    }
  }
  return false;
}

ThreadPool::ThreadPool(int threads) : threads_(std::max(threads, 1)) {
  if (threads_ > 1) {
    pool_ = pthreadpool_create(static_cast<size_t>(threads_));
    if (!pool_) throw std::bad_alloc();
    threads_ = static_cast<int>(pthreadpool_get_threads_count(pool_));
  }
}

ThreadPool::~ThreadPool() {
  if (pool_) pthreadpool_destroy(pool_);
}

namespace detail {
namespace {
struct Task {
  RangeFn fn;
  void* ctx;
  size_t n;
};
void run_tile(void* p, size_t begin, size_t tile) {
  auto* t = static_cast<Task*>(p);
  t->fn(t->ctx, begin, std::min(begin + tile, t->n));
}
}  // namespace

void parallel_for_impl(const ExecConfig& exec, size_t n, size_t grain, RangeFn fn, void* ctx) {
  const size_t threads = static_cast<size_t>(exec.threads());
  // A few tiles per thread balance uneven work; never below the grain.
  size_t tile = std::max<size_t>((n + threads * 4 - 1) / (threads * 4), std::max<size_t>(grain, 1));
  Task task{fn, ctx, n};
  pthreadpool_parallelize_1d_tile_1d(exec.pool->get(), run_tile, &task, n, tile, 0);
}
}  // namespace detail

}  // namespace liteq::rt
