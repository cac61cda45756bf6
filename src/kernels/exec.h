// How kernels run: which instruction set the optimized kernels may use, and the thread
// pool that splits their work. The interpreter owns one ExecConfig per model; kernels
// read it through OpContext::exec().
//
// Rules every optimized kernel follows:
//   * exec.isa == Isa::kReference means the scalar reference kernels only (the spec);
//   * a kernel never uses an ISA above exec.isa (tests force lower levels);
//   * work is split over outputs, never over a reduction, so every thread count gives
//     bit-identical results.
#pragma once
#include <cstddef>
#include <cstdint>
#include <type_traits>

struct pthreadpool;

namespace liteq::rt {

// Ordered: each level includes the ones below it.
enum class Isa : uint8_t {
  kReference = 0,   // scalar reference kernels only
  kAvx2 = 1,        // AVX2 + FMA
  kAvx2Vnni = 2,    // AVX2 + AVX-VNNI (VEX vpdpbusd; CPUs without AVX-512, e.g. Intel since Alder Lake)
  kAvx512 = 3,      // AVX-512 F, BW, DQ, VL
  kAvx512Vnni = 4,  // AVX-512 + VNNI (vpdpbusd)
};
// Each level has what the levels below it have, but for AVX-VNNI: kAvx512 and kAvx512Vnni
// do not imply it. So code picks AVX-VNNI kernels for isa == kAvx2Vnni only, and only where
// cpu_has_avxvnni() (a test or a user may ask for kAvx2Vnni on an AVX-512 CPU without it).

// The best level this CPU (and OS, for the AVX-512 register state) supports.
Isa detect_isa();
// AVX-512 VBMI (byte permutes), on top of kAvx512: not implied by any Isa level.
bool cpu_has_avx512vbmi();
// AVX2 + AVX-VNNI (the VEX-encoded vpdpbusd), whatever detect_isa() says.
bool cpu_has_avxvnni();
// Whether this CPU runs level isa's kernels: at most detect_isa(), and AVX-VNNI for kAvx2Vnni.
bool cpu_supports(Isa isa);
const char* isa_name(Isa isa);
// "reference", "avx2", "avx512", "avx512vnni" or "auto" (detect_isa()); false if unknown.
bool parse_isa(const char* name, Isa* out);

// A pool of worker threads (Debian's pthreadpool); threads() == 1 runs inline.
class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  int threads() const { return threads_; }
  pthreadpool* get() const { return pool_; }

 private:
  int threads_ = 1;
  pthreadpool* pool_ = nullptr;
};

struct ExecConfig {
  Isa isa = Isa::kReference;
  ThreadPool* pool = nullptr;  // null: one thread
  int threads() const { return pool ? pool->threads() : 1; }
};

namespace detail {
using RangeFn = void (*)(void* ctx, size_t begin, size_t end);
void parallel_for_impl(const ExecConfig& exec, size_t n, size_t grain, RangeFn fn, void* ctx);
}  // namespace detail

// Calls fn(begin, end) over disjoint chunks covering [0, n), each at least `grain` long
// (but the last), on the pool's threads. Chunking depends only on n, grain and the
// thread count.
template <typename F>
void parallel_for(const ExecConfig& exec, size_t n, size_t grain, F&& fn) {
  if (n == 0) return;
  if (exec.threads() <= 1 || n <= grain) {
    fn(size_t{0}, n);
    return;
  }
  using Fn = std::remove_reference_t<F>;
  detail::parallel_for_impl(
      exec, n, grain, [](void* c, size_t b, size_t e) { (*static_cast<Fn*>(c))(b, e); },
      const_cast<void*>(static_cast<const void*>(&fn)));
}

}  // namespace liteq::rt
