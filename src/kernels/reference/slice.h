// Reference SLICE / STRIDED_SLICE for any element size: a strided box of the input,
// rank <= 6.
#pragma once
#include <array>
#include <cstdint>

#include "kernels/reference/copy.h"

namespace liteq::rt::ref {

constexpr int kSliceMaxRank = 6;

// All arrays right-aligned to rank 6 (leading dims: size 1, start 0, stride 1, count 1).
// Along dim d the output takes count[d] elements at start[d], start[d] + stride[d], ...
// (stride may be negative); the caller guarantees that they are all inside in_dims[d].
struct StridedBox {
  std::array<int32_t, kSliceMaxRank> in_dims{1, 1, 1, 1, 1, 1};
  std::array<int32_t, kSliceMaxRank> start{};
  std::array<int32_t, kSliceMaxRank> stride{1, 1, 1, 1, 1, 1};
  std::array<int32_t, kSliceMaxRank> count{1, 1, 1, 1, 1, 1};
};

template <size_t N>
void strided_slice(const StridedBox& b, const uint8_t* in, uint8_t* out) {
  // Element strides of the input.
  std::array<int64_t, kSliceMaxRank> is{};
  is[kSliceMaxRank - 1] = 1;
  for (int d = kSliceMaxRank - 2; d >= 0; --d) is[d] = is[d + 1] * b.in_dims[d + 1];
  auto at = [&](int d, int32_t i) { return (b.start[d] + int64_t{i} * b.stride[d]) * is[d]; };
  const auto& c = b.count;
  const bool contiguous = b.stride[5] == 1;
  for (int32_t i0 = 0; i0 < c[0]; ++i0) {
    for (int32_t i1 = 0; i1 < c[1]; ++i1) {
      for (int32_t i2 = 0; i2 < c[2]; ++i2) {
        for (int32_t i3 = 0; i3 < c[3]; ++i3) {
          for (int32_t i4 = 0; i4 < c[4]; ++i4) {
            const int64_t row = at(0, i0) + at(1, i1) + at(2, i2) + at(3, i3) + at(4, i4);
            if (contiguous) {
              copy_elems<N>(out, in + (row + b.start[5]) * N, c[5]);
              out += int64_t{c[5]} * N;
            } else {
              for (int32_t i5 = 0; i5 < c[5]; ++i5, out += N) copy_elem<N>(out, in + (row + at(5, i5)) * N);
            }
          }
        }
      }
    }
  }
}

}  // namespace liteq::rt::ref
