// RESIZE_BILINEAR for int8/int16 as TFLite's integer kernel computes it: source positions
// in 1/1024 units (scale = round(1024 * in / out), or (in - 1) / (out - 1) with
// align_corners; half_pixel_centers shifts by half a step), the four neighbours weighted in
// 1/2^20 units, and the sum rounded half away from zero. Output keeps the input's
// quantization.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/reference/resize.h"

namespace liteq::rt::ref {

struct IntTap {
  int32_t pos;  // source position * 1024
  int32_t lo, hi;
};

inline int32_t resize_scale_10(int32_t in, int32_t out, bool align_corners) {
  if (align_corners && out > 1) return ((1 << 10) * (in - 1) + (out - 1) / 2) / (out - 1);
  return ((1 << 10) * in + out / 2) / out;
}

inline IntTap int_tap(int32_t o, int32_t scale_10, bool half_pixel_centers, int32_t in) {
  IntTap t;
  t.pos = half_pixel_centers ? o * scale_10 + scale_10 / 2 - (1 << 9) : o * scale_10;
  t.lo = std::max(t.pos / (1 << 10), 0);
  t.hi = std::min((t.pos + (1 << 10) - 1) / (1 << 10), in - 1);
  return t;
}

template <typename T>
void resize_bilinear_int(const ResizeShape& s, const T* in, T* out) {
  const int32_t sy = resize_scale_10(s.in_h, s.out_h, s.align_corners);
  const int32_t sx = resize_scale_10(s.in_w, s.out_w, s.align_corners);
  const int64_t C = s.channels;
  for (int32_t b = 0; b < s.batch; ++b) {
    const T* img = in + int64_t{b} * s.in_h * s.in_w * C;
    for (int32_t y = 0; y < s.out_h; ++y) {
      const IntTap ty = int_tap(y, sy, s.half_pixel_centers, s.in_h);
      const int64_t wy1 = ty.pos - (1 << 10) * ty.lo, wy0 = (1 << 10) - wy1;
      const T* row0 = img + int64_t{ty.lo} * s.in_w * C;
      const T* row1 = img + int64_t{ty.hi} * s.in_w * C;
      for (int32_t x = 0; x < s.out_w; ++x) {
        const IntTap tx = int_tap(x, sx, s.half_pixel_centers, s.in_w);
        const int64_t wx1 = tx.pos - (1 << 10) * tx.lo, wx0 = (1 << 10) - wx1;
        const T* p00 = row0 + tx.lo * C;
        const T* p01 = row0 + tx.hi * C;
        const T* p10 = row1 + tx.lo * C;
        const T* p11 = row1 + tx.hi * C;
        for (int64_t c = 0; c < C; ++c) {
          const int64_t v = p00[c] * wy0 * wx0 + p10[c] * wy1 * wx0 + p01[c] * wy0 * wx1 + p11[c] * wy1 * wx1;
          const int64_t round = v > 0 ? (1 << 19) : -(1 << 19);
          *out++ = static_cast<T>((v + round) / (1 << 20));
        }
      }
    }
  }
}

}  // namespace liteq::rt::ref
