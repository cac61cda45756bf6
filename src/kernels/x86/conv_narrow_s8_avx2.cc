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

// 8 input channels, stride 1 along x: 8 output pixels at a time, whose filter windows lie
// inside the input along x. Two neighbouring pixels per vector (16 contiguous input
// bytes, widened to int16): vpmaddwd sums each pixel's products in pairs into 4 lanes,
// over all taps of rows [ky0, ky1); three horizontal adds then gather each pixel's 4
// lanes. Every 16-byte load serves each tap that reads it (up to two per row). Same int32
// sums as the general loop. Pixels [ox, ox_hi) in steps of 8; returns the first left.
template <int KW>
int groups_c8(const ConvNarrowS8Args& a, const int8_t* in_b, int iy0, int ky0, int ky1, int ox, int ox_hi,
              int32_t* acc) {
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  const int64_t in_row = int64_t{a.in_w} * 8;
  for (; ox + 8 <= ox_hi; ox += 8) {
    const int ix0 = ox - a.pad_left;
    for (int oc = 0; oc < a.out_c; ++oc) {
      __m256i s[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
      uint32_t wsum = 0;
      for (int ky = ky0; ky < ky1; ++ky) {
        const int8_t* x = in_b + int64_t{iy0 + ky * a.dil_h} * in_row + int64_t{ix0} * 8;
        const int8_t* wr = a.filter + (int64_t{oc} * a.kh + ky) * KW * 8;
        wsum += static_cast<uint32_t>(a.row_sum[oc * a.kh + ky]);
        __m256i w[KW];
#pragma GCC unroll 8
        for (int kx = 0; kx < KW; ++kx) {
          const __m128i w8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(wr + kx * 8));
          w[kx] = _mm256_cvtepi8_epi16(_mm_unpacklo_epi64(w8, w8));
        }
        // Input position q (pixels q, q + 1 from ix0) meets pair j at tap kx = q - 2j.
#pragma GCC unroll 16
        for (int q = 0; q < 6 + KW; ++q) {
          const __m256i v = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + q * 8)));
#pragma GCC unroll 4
          for (int j = 0; j < 4; ++j) {
            const int kx = q - 2 * j;
            if (kx >= 0 && kx < KW) s[j] = _mm256_add_epi32(s[j], _mm256_madd_epi16(v, w[kx]));
          }
        }
      }
      // lanes: pixels 0 2 4 6 | 1 3 5 7, into order
      const __m256i h0 = _mm256_hadd_epi32(s[0], s[1]), h1 = _mm256_hadd_epi32(s[2], s[3]);
      __m256i sum = _mm256_permutevar8x32_epi32(_mm256_hadd_epi32(h0, h1), order);
      // + bias + in_off * sum(w) over the rows used, as the general loop (int32, wrapping alike)
      const auto init = static_cast<int32_t>(static_cast<uint32_t>(a.bias ? a.bias[oc] : 0) +
                                             static_cast<uint32_t>(a.in_off) * wsum);
      sum = _mm256_add_epi32(sum, _mm256_set1_epi32(init));
      if (a.out_c == 1) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + ox), sum);
      } else {
        alignas(32) int32_t t[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(t), sum);
        for (int p = 0; p < 8; ++p) acc[int64_t{ox + p} * a.out_c + oc] = t[p];
      }
    }
  }
  return ox;
}

}  // namespace

void conv_narrow_row_s8_avx2(const ConvNarrowS8Args& a, int64_t r, int32_t* acc) {
  const int b = static_cast<int>(r / a.out_h), oy = static_cast<int>(r % a.out_h);
  const int C = a.in_c;
  const int iy0 = oy * a.stride_h - a.pad_top;
  const int64_t row_len = int64_t{a.kw} * C;
  auto pixel = [&](int ox) {
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
  };
  int ox = 0;
  if (C == 8 && a.stride_w == 1 && (a.kw == 1 || a.kw == 3 || a.kw == 5)) {
    // Pixels whose window lies inside along x: [ox_lo, ox_hi); rows inside: [ky0, ky1).
    const int ox_lo = a.pad_left < a.out_w ? a.pad_left : a.out_w;
    int ox_hi = a.in_w - a.kw + 1 + a.pad_left;
    ox_hi = ox_hi > a.out_w ? a.out_w : ox_hi < ox_lo ? ox_lo : ox_hi;
    int ky0 = 0, ky1 = a.kh;
    while (ky0 < ky1 && iy0 + ky0 * a.dil_h < 0) ++ky0;
    while (ky1 > ky0 && iy0 + (ky1 - 1) * a.dil_h >= a.in_h) --ky1;
    for (; ox < ox_lo; ++ox) pixel(ox);
    const int8_t* in_b = a.in + int64_t{b} * a.in_h * a.in_w * C;
    if (a.kw == 1) ox = groups_c8<1>(a, in_b, iy0, ky0, ky1, ox, ox_hi, acc);
    else if (a.kw == 3) ox = groups_c8<3>(a, in_b, iy0, ky0, ky1, ox, ox_hi, acc);
    else ox = groups_c8<5>(a, in_b, iy0, ky0, ky1, ox, ox_hi, acc);
  }
  for (; ox < a.out_w; ++ox) pixel(ox);
}

}  // namespace liteq::rt::x86
