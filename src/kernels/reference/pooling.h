// Reference float32 pooling kernels (AVERAGE_POOL_2D, MAX_POOL_2D) on NHWC buffers.
// The window is clipped to the input; the average divides by the number of in-bounds
// elements (TFLite's rule), summed in float in (ky, kx) order.
#pragma once
#include <algorithm>
#include <cstdint>
#include <limits>

namespace liteq::rt::ref {

struct PoolGeometry {
  int batch = 0, in_h = 0, in_w = 0, channels = 0;
  int out_h = 0, out_w = 0;
  int filter_h = 1, filter_w = 1;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0;
  float act_min = 0, act_max = 0;
  int32_t q_act_min = 0, q_act_max = 0;  // quantized kernels: the clamp in the output's integers
};

template <bool kMax>
inline void pool_f32(const PoolGeometry& g, const float* input, float* output) {
  for (int b = 0; b < g.batch; ++b) {
    for (int oy = 0; oy < g.out_h; ++oy) {
      const int iy0 = oy * g.stride_h - g.pad_top;
      const int ky_begin = std::max(0, -iy0), ky_end = std::min(g.filter_h, g.in_h - iy0);
      for (int ox = 0; ox < g.out_w; ++ox) {
        const int ix0 = ox * g.stride_w - g.pad_left;
        const int kx_begin = std::max(0, -ix0), kx_end = std::min(g.filter_w, g.in_w - ix0);
        float* out = output + ((int64_t{b} * g.out_h + oy) * g.out_w + ox) * g.channels;
        for (int c = 0; c < g.channels; ++c) {
          float acc = kMax ? std::numeric_limits<float>::lowest() : 0.0f;
          int count = 0;
          for (int ky = ky_begin; ky < ky_end; ++ky) {
            for (int kx = kx_begin; kx < kx_end; ++kx) {
              const float v =
                  input[((int64_t{b} * g.in_h + iy0 + ky) * g.in_w + ix0 + kx) * g.channels + c];
              if constexpr (kMax) {
                acc = std::max(acc, v);
              } else {
                acc += v;
              }
              ++count;
            }
          }
          // An empty window cannot happen with TFLite's padding; give 0 rather than 0/0.
          if (!kMax) acc = count > 0 ? acc / static_cast<float>(count) : 0.0f;
          out[c] = std::min(std::max(acc, g.act_min), g.act_max);
        }
      }
    }
  }
}

inline void average_pool_f32(const PoolGeometry& g, const float* input, float* output) {
  pool_f32<false>(g, input, output);
}
inline void max_pool_f32(const PoolGeometry& g, const float* input, float* output) {
  pool_f32<true>(g, input, output);
}

}  // namespace liteq::rt::ref
