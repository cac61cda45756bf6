// AVX2 narrow int8 convolution rows; see conv_narrow_s8.h.
#include <immintrin.h>

#include "kernels/x86/conv_narrow_s8.h"

namespace liteq::rt::x86 {
namespace {

// sum a[i] * b[i] over n int8 pairs, exact in int32.
inline int32_t dot_s8(const int8_t* a, const int8_t* b, int n) {
  __m256i acc = _mm256_setzero_si256();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i x = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i)));
    const __m256i y = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i)));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(x, y));
  }
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
  if (i + 8 <= n) {
    const __m128i x = _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(a + i)));
    const __m128i y = _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b + i)));
    s = _mm_add_epi32(s, _mm_madd_epi16(x, y));
    i += 8;
  }
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  int32_t r = _mm_cvtsi128_si32(s);
  for (; i < n; ++i) r += int32_t{a[i]} * int32_t{b[i]};
  return r;
}

}  // namespace

void conv_narrow_row_s8_avx2(const ConvNarrowS8Args& a, int64_t r, int32_t* acc) {
  const int b = static_cast<int>(r / a.out_h), oy = static_cast<int>(r % a.out_h);
  const int C = a.in_c;
  const int iy0 = oy * a.stride_h - a.pad_top;
  const int64_t row_len = int64_t{a.kw} * C;
  for (int ox = 0; ox < a.out_w; ++ox) {
    const int ix0 = ox * a.stride_w - a.pad_left;
    // In-bounds taps of this pixel's window along x: [kx0, kx1).
    int kx0 = ix0 < 0 ? -ix0 : 0;
    int kx1 = a.in_w - ix0 < a.kw ? a.in_w - ix0 : a.kw;
    if (kx1 < kx0) kx1 = kx0;
    int32_t* o = acc + int64_t{ox} * a.out_c;
    for (int oc = 0; oc < a.out_c; ++oc) o[oc] = a.bias ? a.bias[oc] : 0;
    for (int ky = 0; ky < a.kh; ++ky) {
      const int iy = iy0 + ky * a.dil_h;
      if (iy < 0 || iy >= a.in_h || kx0 >= kx1) continue;
      const int8_t* x = a.in + ((int64_t{b} * a.in_h + iy) * a.in_w + ix0 + kx0) * C;
      const int n = (kx1 - kx0) * C;
      for (int oc = 0; oc < a.out_c; ++oc) {
        const int8_t* w = a.filter + (int64_t{oc} * a.kh + ky) * row_len + int64_t{kx0} * C;
        // sum (x + off) * w = sum x * w + off * sum w (all in int32, as the reference)
        int32_t wsum;
        if (kx0 == 0 && kx1 == a.kw) {
          wsum = a.row_sum[oc * a.kh + ky];
        } else {
          wsum = 0;
          for (int i = 0; i < n; ++i) wsum += w[i];
        }
        o[oc] += dot_s8(x, w, n) + a.in_off * wsum;
      }
    }
  }
}

}  // namespace liteq::rt::x86
