// The integer GEMM variant an instruction-set level selects (conv_s8.cc, conv_s16.cc),
// and the rounding both dispatchers pack with.
#pragma once
#include <cstdint>

#include "kernels/exec.h"

namespace liteq::rt::opt {

enum class GemmPath : uint8_t { kAvx2, kAvx512, kVnni };

inline GemmPath gemm_path(Isa isa) {
  if (isa >= Isa::kAvx512Vnni) return GemmPath::kVnni;
  if (isa >= Isa::kAvx512) return GemmPath::kAvx512;
  return GemmPath::kAvx2;
}

// x rounded up to a multiple of m.
template <typename T>
constexpr T round_up(T x, T m) {
  return (x + m - 1) / m * m;
}

}  // namespace liteq::rt::opt
