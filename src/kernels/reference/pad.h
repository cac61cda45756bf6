// Reference PAD / PADV2 for any element size, rank <= 6.
#pragma once
#include <array>
#include <cstdint>

#include "kernels/reference/copy.h"

namespace liteq::rt::ref {

constexpr int kPadMaxRank = 6;

// Shapes right-aligned to rank 6 (leading dims 1, no padding).
struct PadParams {
  std::array<int32_t, kPadMaxRank> in_dims{1, 1, 1, 1, 1, 1};
  std::array<int32_t, kPadMaxRank> before{};  // padding before each dim
  std::array<int32_t, kPadMaxRank> out_dims{1, 1, 1, 1, 1, 1};  // before + in + after
};

// out = in surrounded by copies of the element at `pad_value`.
template <size_t N>
void pad(const PadParams& p, const uint8_t* in, const uint8_t* pad_value, uint8_t* out) {
  const auto& od = p.out_dims;
  const auto& id = p.in_dims;
  const auto& b = p.before;
  const int64_t row = od[5];
  const int64_t after5 = row - b[5] - id[5];
  auto inside = [&](int d, int32_t o) { return o >= b[d] && o < b[d] + id[d]; };
  uint8_t* o = out;
  for (int32_t o0 = 0; o0 < od[0]; ++o0) {
    for (int32_t o1 = 0; o1 < od[1]; ++o1) {
      for (int32_t o2 = 0; o2 < od[2]; ++o2) {
        for (int32_t o3 = 0; o3 < od[3]; ++o3) {
          for (int32_t o4 = 0; o4 < od[4]; ++o4, o += row * N) {
            if (!(inside(0, o0) && inside(1, o1) && inside(2, o2) && inside(3, o3) && inside(4, o4))) {
              fill_elems<N>(o, pad_value, row);
              continue;
            }
            // Index of the input row this output row copies.
            const int64_t i_row =
                ((((int64_t{o0 - b[0]} * id[1] + (o1 - b[1])) * id[2] + (o2 - b[2])) * id[3] + (o3 - b[3])) * id[4] +
                 (o4 - b[4]));
            fill_elems<N>(o, pad_value, b[5]);
            copy_elems<N>(o + int64_t{b[5]} * N, in + i_row * id[5] * N, id[5]);
            fill_elems<N>(o + (int64_t{b[5]} + id[5]) * N, pad_value, after5);
          }
        }
      }
    }
  }
}

}  // namespace liteq::rt::ref
