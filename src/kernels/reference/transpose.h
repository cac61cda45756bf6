// Reference TRANSPOSE for any element size, rank <= 6.
#pragma once
#include <array>
#include <cstdint>

#include "kernels/reference/copy.h"

namespace liteq::rt::ref {

constexpr int kTransposeMaxRank = 6;

// Right-aligned to rank 6: out_dims[d] = in_dims[perm[d]], and in_strides[d] is the input
// element stride of output dim d (the stride of input dim perm[d]). Leading dims: 1, 0.
struct TransposeShape {
  std::array<int32_t, kTransposeMaxRank> out_dims{1, 1, 1, 1, 1, 1};
  std::array<int64_t, kTransposeMaxRank> in_strides{};
};

// Walks the output in order and reads the input through the permuted strides.
template <size_t N>
void transpose(const TransposeShape& s, const uint8_t* in, uint8_t* out) {
  const auto& d = s.out_dims;
  const auto& st = s.in_strides;
  for (int32_t i0 = 0; i0 < d[0]; ++i0) {
    for (int32_t i1 = 0; i1 < d[1]; ++i1) {
      for (int32_t i2 = 0; i2 < d[2]; ++i2) {
        for (int32_t i3 = 0; i3 < d[3]; ++i3) {
          for (int32_t i4 = 0; i4 < d[4]; ++i4) {
            const int64_t row = i0 * st[0] + i1 * st[1] + i2 * st[2] + i3 * st[3] + i4 * st[4];
            for (int32_t i5 = 0; i5 < d[5]; ++i5, out += N) copy_elem<N>(out, in + (row + i5 * st[5]) * N);
          }
        }
      }
    }
  }
}

}  // namespace liteq::rt::ref
