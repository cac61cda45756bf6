// Reference RESIZE_BILINEAR (float) and RESIZE_NEAREST_NEIGHBOR (any element size), NHWC,
// with TFLite's align_corners / half_pixel_centers conventions.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/reference/copy.h"

namespace liteq::rt::ref {

struct ResizeShape {
  int32_t batch = 1, in_h = 1, in_w = 1, channels = 1;
  int32_t out_h = 1, out_w = 1;
  bool align_corners = false;
  bool half_pixel_centers = false;
};

// Input-per-output scale along one dim.
inline float resize_scale(int32_t in, int32_t out, bool align_corners) {
  if (align_corners && out > 1) return static_cast<float>(in - 1) / static_cast<float>(out - 1);
  return static_cast<float>(in) / static_cast<float>(out);
}

// Bilinear source position of output index `o`: the real coordinate `pos`, its lower
// neighbour lo = max(floor(pos), 0) (kept <= in - 1) and upper neighbour hi = min(ceil(pos), in - 1).
struct LinearTap {
  float pos;
  int32_t lo, hi;
};
inline LinearTap linear_tap(int32_t o, float scale, int32_t in, bool half_pixel_centers) {
  LinearTap t;
  t.pos = half_pixel_centers ? (static_cast<float>(o) + 0.5f) * scale - 0.5f : static_cast<float>(o) * scale;
  t.lo = std::min(std::max(static_cast<int32_t>(std::floor(t.pos)), 0), in - 1);
  t.hi = std::min(static_cast<int32_t>(std::ceil(t.pos)), in - 1);
  return t;
}

// Exact 2x upsampling without align_corners / half_pixel_centers: every output pixel is
// an input pixel, the mean of two neighbours, or the mean of those means, rounded the way
// TFLite's float kernel rounds them (it special-cases this size ratio). This function does
// rows [row_begin, row_end), counted over batch * in_h input rows (input row y writes
// output rows 2y and 2y + 1).
inline void resize_bilinear_2x_float_rows(const ResizeShape& s, const float* in, float* out, int64_t row_begin,
                                          int64_t row_end) {
  const int64_t C = s.channels;
  const int64_t in_row = int64_t{s.in_w} * C, out_row = int64_t{s.out_w} * C;
  for (int64_t r = row_begin; r < row_end; ++r) {
    const int64_t b = r / s.in_h;
    const int32_t y = static_cast<int32_t>(r % s.in_h);
    const float* img = in + b * s.in_h * in_row;
    float* dst = out + b * s.out_h * out_row;
    const float* r0 = img + y * in_row;
    const float* r1 = img + std::min(y + 1, s.in_h - 1) * in_row;  // row below (clamped)
    float* o0 = dst + int64_t{2 * y} * out_row;
    float* o1 = o0 + out_row;
    for (int32_t x = 0; x < s.in_w; ++x) {
      const int64_t x0 = x * C, x1 = std::min(x + 1, s.in_w - 1) * C;  // column right (clamped)
      for (int64_t c = 0; c < C; ++c) {
        const float a = r0[x0 + c], b = r0[x1 + c];  // top-left, top-right
        const float d = r1[x0 + c], e = r1[x1 + c];  // bottom-left, bottom-right
        const float left = (a + d) / 2;
        o0[2 * x * C + c] = a;
        o0[(2 * x + 1) * C + c] = (a + b) / 2;
        o1[2 * x * C + c] = left;
        o1[(2 * x + 1) * C + c] = (left + (b + e) / 2) / 2;
      }
    }
  }
}

inline bool resize_is_exact_2x(const ResizeShape& s) {
  return !s.align_corners && !s.half_pixel_centers && s.out_h == 2 * s.in_h && s.out_w == 2 * s.in_w;
}

// Output rows [row_begin, row_end), counted over batch * out_h, of the general case; xs
// holds linear_tap(x) for every output column.
inline void resize_bilinear_float_rows(const ResizeShape& s, const LinearTap* xs, const float* in, float* out,
                                       int64_t row_begin, int64_t row_end) {
  const float sy = resize_scale(s.in_h, s.out_h, s.align_corners);
  const int64_t C = s.channels;
  for (int64_t r = row_begin; r < row_end; ++r) {
    const int64_t b = r / s.out_h;
    const int32_t y = static_cast<int32_t>(r % s.out_h);
    const float* img = in + b * s.in_h * s.in_w * C;
    float* o = out + r * s.out_w * C;
    const LinearTap ty = linear_tap(y, sy, s.in_h, s.half_pixel_centers);
    const float dy = ty.pos - static_cast<float>(ty.lo);
    const float* row0 = img + int64_t{ty.lo} * s.in_w * C;
    const float* row1 = img + int64_t{ty.hi} * s.in_w * C;
    for (int32_t x = 0; x < s.out_w; ++x) {
      const LinearTap& tx = xs[x];
      const float dx = tx.pos - static_cast<float>(tx.lo);
      const float* p00 = row0 + tx.lo * C;
      const float* p01 = row0 + tx.hi * C;
      const float* p10 = row1 + tx.lo * C;
      const float* p11 = row1 + tx.hi * C;
      // Corner weights first, then the corners accumulated in the order (y0,x0), (y0,x1),
      // (y1,x0), (y1,x1): this rounds exactly like TFLite's float kernel.
      const float w00 = (1 - dy) * (1 - dx), w01 = (1 - dy) * dx;
      const float w10 = dy * (1 - dx), w11 = dy * dx;
      for (int64_t c = 0; c < C; ++c) {
        float v = w00 * p00[c];
        v += w01 * p01[c];
        v += w10 * p10[c];
        v += w11 * p11[c];
        *o++ = v;
      }
    }
  }
}

inline std::vector<LinearTap> resize_column_taps(const ResizeShape& s) {
  const float sx = resize_scale(s.in_w, s.out_w, s.align_corners);
  std::vector<LinearTap> xs(s.out_w);
  for (int32_t x = 0; x < s.out_w; ++x) xs[x] = linear_tap(x, sx, s.in_w, s.half_pixel_centers);
  return xs;
}

inline void resize_bilinear_float(const ResizeShape& s, const float* in, float* out) {
  if (resize_is_exact_2x(s)) {
    resize_bilinear_2x_float_rows(s, in, out, 0, int64_t{s.batch} * s.in_h);
    return;
  }
  const auto xs = resize_column_taps(s);
  resize_bilinear_float_rows(s, xs.data(), in, out, 0, int64_t{s.batch} * s.out_h);
}

// Nearest-neighbour source index of output index `o`.
inline int32_t nearest_index(int32_t o, float scale, int32_t in, bool align_corners, bool half_pixel_centers) {
  const float pos = (static_cast<float>(o) + (half_pixel_centers ? 0.5f : 0.0f)) * scale;
  int32_t i = align_corners ? static_cast<int32_t>(std::round(pos)) : static_cast<int32_t>(std::floor(pos));
  i = std::min(i, in - 1);
  if (half_pixel_centers) i = std::max(i, 0);
  return i;
}

template <size_t N>
void resize_nearest(const ResizeShape& s, const uint8_t* in, uint8_t* out) {
  const float sy = resize_scale(s.in_h, s.out_h, s.align_corners);
  const float sx = resize_scale(s.in_w, s.out_w, s.align_corners);
  std::vector<int32_t> xs(s.out_w);
  for (int32_t x = 0; x < s.out_w; ++x)
    xs[x] = nearest_index(x, sx, s.in_w, s.align_corners, s.half_pixel_centers);
  const int64_t C = s.channels;
  for (int32_t b = 0; b < s.batch; ++b) {
    const uint8_t* img = in + int64_t{b} * s.in_h * s.in_w * C * N;
    for (int32_t y = 0; y < s.out_h; ++y) {
      const int32_t iy = nearest_index(y, sy, s.in_h, s.align_corners, s.half_pixel_centers);
      const uint8_t* row = img + int64_t{iy} * s.in_w * C * N;
      for (int32_t x = 0; x < s.out_w; ++x) {
        copy_elems<N>(out, row + xs[x] * C * N, C);
        out += C * N;
      }
    }
  }
}

}  // namespace liteq::rt::ref
