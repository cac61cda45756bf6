// AVX2 build of the hybrid depthwise rows; see dw_hybrid.h. Plain loops the compiler
// vectorizes; -ffp-contract=off keeps the float epilogue's multiplies and add apart.
#include "kernels/x86/dw_hybrid.h"

namespace liteq::rt::x86 {

void dw_hybrid_rows_avx2(const DwHybridArgs& a, int64_t r0, int64_t r1) {
  constexpr int kBlock = 64;
  int32_t acc[kBlock];
  const int C = a.channels;
  for (int64_t r = r0; r < r1; ++r) {
    const int b = static_cast<int>(r / a.out_h), oy = static_cast<int>(r % a.out_h);
    const int32_t off = a.offsets[b];
    const float s_in = a.in_scales[b];
    const int iy0 = oy * a.stride_h - a.pad_top;
    for (int ox = 0; ox < a.out_w; ++ox) {
      const int ix0 = ox * a.stride_w - a.pad_left;
      float* out = a.out + ((int64_t{b} * a.out_h + oy) * a.out_w + ox) * C;
      for (int c0 = 0; c0 < C; c0 += kBlock) {
        const int n = C - c0 < kBlock ? C - c0 : kBlock;
        for (int j = 0; j < n; ++j) acc[j] = 0;
        for (int ky = 0; ky < a.kh; ++ky) {
          const int iy = iy0 + ky * a.dil_h;
          if (iy < 0 || iy >= a.in_h) continue;
          for (int kx = 0; kx < a.kw; ++kx) {
            const int ix = ix0 + kx * a.dil_w;
            if (ix < 0 || ix >= a.in_w) continue;
            const int8_t* x = a.q + ((int64_t{b} * a.in_h + iy) * a.in_w + ix) * C + c0;
            const int8_t* w = a.filter + (int64_t{ky} * a.kw + kx) * C + c0;
            for (int j = 0; j < n; ++j) acc[j] += (int32_t{x[j]} - off) * int32_t{w[j]};
          }
        }
        for (int j = 0; j < n; ++j) {
          float v = static_cast<float>(acc[j]) * s_in * a.w_scales[c0 + j];
          if (a.bias) v += a.bias[c0 + j];
          v = v < a.act_min ? a.act_min : v;  // std::min(std::max(v, lo), hi)
          out[c0 + j] = a.act_max < v ? a.act_max : v;
        }
      }
    }
  }
}

}  // namespace liteq::rt::x86
