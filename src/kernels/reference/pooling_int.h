// Quantized AVERAGE_POOL_2D / MAX_POOL_2D (int8, int16) on NHWC buffers, as TFLite's
// integer kernels: the window is clipped to the input; the average is the int32 sum of
// the in-bounds values divided by their count, rounded half away from zero; both clamp
// to the fused activation's quantized range (of the output's parameters, which normally
// equal the input's: TFLite pools the raw integers either way).
#pragma once
#include <algorithm>
#include <cstdint>
#include <limits>

#include "kernels/reference/pooling.h"

namespace liteq::rt::ref {

template <bool kMax, typename T>
void pool_int(const PoolGeometry& g, const T* input, T* output) {
  for (int b = 0; b < g.batch; ++b) {
    for (int oy = 0; oy < g.out_h; ++oy) {
      const int iy0 = oy * g.stride_h - g.pad_top;
      const int ky_begin = std::max(0, -iy0), ky_end = std::min(g.filter_h, g.in_h - iy0);
      for (int ox = 0; ox < g.out_w; ++ox) {
        const int ix0 = ox * g.stride_w - g.pad_left;
        const int kx_begin = std::max(0, -ix0), kx_end = std::min(g.filter_w, g.in_w - ix0);
        T* out = output + ((int64_t{b} * g.out_h + oy) * g.out_w + ox) * g.channels;
        const int count = std::max(0, ky_end - ky_begin) * std::max(0, kx_end - kx_begin);
        for (int c = 0; c < g.channels; ++c) {
          int32_t acc = kMax ? std::numeric_limits<T>::lowest() : 0;
          for (int ky = ky_begin; ky < ky_end; ++ky) {
            const T* row = input + ((int64_t{b} * g.in_h + iy0 + ky) * g.in_w + ix0) * g.channels + c;
            for (int kx = kx_begin; kx < kx_end; ++kx) {
              const int32_t v = row[int64_t{kx} * g.channels];
              if constexpr (kMax) {
                acc = std::max(acc, v);
              } else {
                acc += v;
              }
            }
          }
          if constexpr (!kMax) {
            // An empty window cannot happen with TFLite's padding; give 0 rather than 0/0.
            if (count == 0)
              acc = 0;
            else
              acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          }
          out[c] = static_cast<T>(std::clamp(acc, g.q_act_min, g.q_act_max));
        }
      }
    }
  }
}

}  // namespace liteq::rt::ref
