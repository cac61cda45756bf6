// AVX-512 int8 bilinear resize rows and int8 DEQUANTIZE; see data_s8.h.
#include <immintrin.h>

#include <cstring>

#include "kernels/x86/data_s8.h"

namespace liteq::rt::x86 {
namespace {

inline __m128i load8x2(const int8_t* a, const int8_t* b) {
  int64_t x, y;
  std::memcpy(&x, a, 8);
  std::memcpy(&y, b, 8);
  return _mm_set_epi64x(y, x);
}

// 16 lanes: v = wy0 * (a0 * wx0 + a1 * wx1) + wy1 * (b0 * wx0 + b1 * wx1), rounded as
// the reference: (v + (v > 0 ? 2^19 : -2^19)) / 2^20 truncated toward zero.
inline __m128i lanes(__m128i a0, __m128i a1, __m128i b0, __m128i b1, __m512i wx, __m512i wy0, __m512i wy1) {
  auto pairs = [](__m128i p, __m128i q) {  // (p[i], q[i]) as int16 pairs, lane i
    return _mm512_cvtepi8_epi16(_mm256_set_m128i(_mm_unpackhi_epi8(p, q), _mm_unpacklo_epi8(p, q)));
  };
  const __m512i top = _mm512_madd_epi16(pairs(a0, a1), wx);
  const __m512i bot = _mm512_madd_epi16(pairs(b0, b1), wx);
  const __m512i v = _mm512_add_epi32(_mm512_mullo_epi32(top, wy0), _mm512_mullo_epi32(bot, wy1));
  const __mmask16 pos = _mm512_cmpgt_epi32_mask(v, _mm512_setzero_si512());
  const __m512i t = _mm512_mask_blend_epi32(pos, _mm512_sub_epi32(v, _mm512_set1_epi32(1 << 19)),
                                            _mm512_add_epi32(v, _mm512_set1_epi32(1 << 19)));
  // t / 2^20 toward zero: negative values get 2^20 - 1 added before the arithmetic shift.
  const __m512i adj = _mm512_srli_epi32(_mm512_srai_epi32(t, 31), 12);
  return _mm512_cvtepi32_epi8(_mm512_srai_epi32(_mm512_add_epi32(t, adj), 20));
}

}  // namespace

void resize_bilinear_row_s8_avx512(const int8_t* row0, const int8_t* row1, const int32_t* lo, const int32_t* hi,
                                   const int32_t* wx, int32_t wy0, int32_t wy1, int8_t* out, int out_w,
                                   int channels) {
  const __m512i y0 = _mm512_set1_epi32(wy0), y1 = _mm512_set1_epi32(wy1);
  const int C = channels;
  int x = 0;
  if (C == 8) {  // two output pixels per vector
    for (; x + 2 <= out_w; x += 2) {
      const __m512i w = _mm512_mask_blend_epi32(0xFF00, _mm512_set1_epi32(wx[x]), _mm512_set1_epi32(wx[x + 1]));
      const __m128i r = lanes(load8x2(row0 + lo[x] * 8, row0 + lo[x + 1] * 8),
                              load8x2(row0 + hi[x] * 8, row0 + hi[x + 1] * 8),
                              load8x2(row1 + lo[x] * 8, row1 + lo[x + 1] * 8),
                              load8x2(row1 + hi[x] * 8, row1 + hi[x + 1] * 8), w, y0, y1);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + x * 8), r);
    }
    if (x < out_w) {  // the last pixel alone: both halves of the vector compute it
      const __m512i w = _mm512_set1_epi32(wx[x]);
      const __m128i r = lanes(load8x2(row0 + lo[x] * 8, row0 + lo[x] * 8), load8x2(row0 + hi[x] * 8, row0 + hi[x] * 8),
                              load8x2(row1 + lo[x] * 8, row1 + lo[x] * 8), load8x2(row1 + hi[x] * 8, row1 + hi[x] * 8),
                              w, y0, y1);
      _mm_storel_epi64(reinterpret_cast<__m128i*>(out + x * 8), r);
    }
    return;
  }
  for (; x < out_w; ++x) {  // C a multiple of 16
    const __m512i w = _mm512_set1_epi32(wx[x]);
    const int8_t *a0 = row0 + int64_t{lo[x]} * C, *a1 = row0 + int64_t{hi[x]} * C;
    const int8_t *b0 = row1 + int64_t{lo[x]} * C, *b1 = row1 + int64_t{hi[x]} * C;
    for (int c = 0; c < C; c += 16) {
      auto ld = [c](const int8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + c)); };
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + int64_t{x} * C + c), lanes(ld(a0), ld(a1), ld(b0), ld(b1), w, y0, y1));
    }
  }
}

void dequantize_s8_avx512(const int8_t* in, float* out, size_t n, float scale, int32_t zero_point) {
  const __m512 s = _mm512_set1_ps(scale);
  const __m512i zp = _mm512_set1_epi32(zero_point);
  for (size_t i = 0; i < n; i += 16) {
    const size_t left = n - i;
    const __mmask16 m = left >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
    const __m512i q = _mm512_sub_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, in + i)), zp);
    _mm512_mask_storeu_ps(out + i, m, _mm512_mul_ps(_mm512_cvtepi32_ps(q), s));
  }
}

}  // namespace liteq::rt::x86
