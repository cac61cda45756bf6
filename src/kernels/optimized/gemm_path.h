// The integer GEMM variant an instruction-set level selects (conv_s8.cc, conv_s16.cc),
// the rounding both dispatchers pack with, and how both split a GEMM over threads.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/exec.h"

namespace liteq::rt::opt {

// kAvxVnni: the vnni layouts on 8 lanes (gemm_s8_avx2vnni; int8 only).
enum class GemmPath : uint8_t { kAvx2, kAvxVnni, kAvx512, kVnni };

// avxvnni: whether the caller has an AVX-VNNI variant (the int8 GEMM; not the 16x8 one).
inline GemmPath gemm_path(Isa isa, bool avxvnni) {
  if (isa >= Isa::kAvx512Vnni) return GemmPath::kVnni;
  if (isa >= Isa::kAvx512) return GemmPath::kAvx512;
  if (isa == Isa::kAvx2Vnni && avxvnni && cpu_has_avxvnni()) return GemmPath::kAvxVnni;
  return GemmPath::kAvx2;
}

// x rounded up to a multiple of m.
template <typename T>
constexpr T round_up(T x, T m) {
  return (x + m - 1) / m * m;
}

// The work of a GEMM of m_total rows: chunks of rows_per_chunk rows; when there are fewer
// than two chunks per thread, the n_units column units are split into groups as well.
// Each task (chunk, group) is dealt to one of `slots` threads in contiguous runs, so a
// thread packs each chunk's rows once for its consecutive groups.
struct GemmTasks {
  int64_t m_total;
  int rows_per_chunk, n_units, n_groups = 1;
  int64_t tasks, slots;

  GemmTasks(int64_t m, int rows, int units, int threads) : m_total(m), rows_per_chunk(rows), n_units(units) {
    const int64_t chunks = (m + rows - 1) / rows;
    if (threads > 1 && chunks < 2 * threads)
      n_groups = static_cast<int>(std::min<int64_t>(units, (2 * threads + chunks - 1) / chunks));
    tasks = chunks * n_groups;
    slots = std::min<int64_t>(threads, tasks);
  }

  // f(chunk, m0, rows, u0, u1) for the tasks of thread `slot`, in order: rows m0 .. m0 +
  // rows - 1 (chunk `chunk`) and column units [u0, u1).
  template <typename F>
  void for_slot(size_t slot, F&& f) const {
    const int64_t t0 = static_cast<int64_t>(slot) * tasks / slots;
    const int64_t t1 = static_cast<int64_t>(slot + 1) * tasks / slots;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t chunk = t / n_groups;
      const int ng = static_cast<int>(t % n_groups);
      const int64_t m0 = chunk * rows_per_chunk;
      const int rows = static_cast<int>(std::min<int64_t>(rows_per_chunk, m_total - m0));
      f(chunk, m0, rows, static_cast<int>(int64_t{ng} * n_units / n_groups),
        static_cast<int>(int64_t{ng + 1} * n_units / n_groups));
    }
  }
};

}  // namespace liteq::rt::opt
