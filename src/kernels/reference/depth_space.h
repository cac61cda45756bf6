// Reference DEPTH_TO_SPACE and SPACE_TO_DEPTH for any element size, NHWC.
#pragma once
#include <cstdint>

#include "kernels/reference/copy.h"

namespace liteq::rt::ref {

// Shape of the "space" side: [batch, height, width, depth] with height and width
// multiples of block; the "depth" side is [batch, height / block, width / block,
// depth * block * block].
struct BlockShape {
  int32_t batch = 1, height = 1, width = 1, depth = 1;
  int32_t block = 1;
};

// space[b][h * bs + by][w * bs + bx][c] <-> deep[b][h][w][(by * bs + bx) * depth + c]
template <size_t N, bool kToSpace>
void depth_space(const BlockShape& s, const uint8_t* in, uint8_t* out) {
  const int32_t bs = s.block;
  const int32_t dh = s.height / bs, dw = s.width / bs;
  const int64_t depth = s.depth;
  const int64_t deep_depth = depth * bs * bs;
  for (int32_t b = 0; b < s.batch; ++b) {
    for (int32_t h = 0; h < dh; ++h) {
      for (int32_t by = 0; by < bs; ++by) {
        for (int32_t w = 0; w < dw; ++w) {
          for (int32_t bx = 0; bx < bs; ++bx) {
            const int64_t space = ((int64_t{b} * s.height + h * bs + by) * s.width + w * bs + bx) * depth;
            const int64_t deep = ((int64_t{b} * dh + h) * dw + w) * deep_depth + (int64_t{by} * bs + bx) * depth;
            if (kToSpace)
              copy_elems<N>(out + space * N, in + deep * N, depth);
            else
              copy_elems<N>(out + deep * N, in + space * N, depth);
          }
        }
      }
    }
  }
}

}  // namespace liteq::rt::ref
