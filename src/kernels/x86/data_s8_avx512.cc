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

// The constants of quantize_f32_8bit_avx512.
struct QuantConst {
  __m512 inv, zp, lo, hi, sign_bit, half, one, window, limit;
};

// 16 values (lanes past m zero) quantized as int32, and the lanes within the window of a
// tie, where the estimate may round the other way (then the reference's steps run).
inline __m512i quant16(const QuantConst& k, const float* in, __mmask16 m, __mmask16* unsure) {
  const __m512 x = _mm512_maskz_loadu_ps(m, in);
  const __m512 y = _mm512_mul_ps(x, k.inv);
  const __m512 t = _mm512_roundscale_ps(y, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m512 frac = _mm512_andnot_ps(k.sign_bit, _mm512_sub_ps(y, t));  // |y - t|, exact
  const __m512 near = _mm512_andnot_ps(k.sign_bit, _mm512_sub_ps(frac, k.half));
  *unsure = _mm512_cmp_ps_mask(near, k.window, _CMP_LT_OQ) &
            _mm512_cmp_ps_mask(_mm512_andnot_ps(k.sign_bit, y), k.limit, _CMP_LT_OQ) & m;
  const __m512 step = _mm512_or_ps(_mm512_and_ps(y, k.sign_bit), k.one);
  __m512 q = _mm512_mask_add_ps(t, _mm512_cmp_ps_mask(frac, k.half, _CMP_GE_OQ), t, step);
  q = _mm512_add_ps(q, k.zp);
  q = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), q, k.zp);  // NaN -> zero point
  q = _mm512_min_ps(_mm512_max_ps(q, k.lo), k.hi);
  return _mm512_cvtps_epi32(q);  // exact: an integer in range
}

}  // namespace

void quantize_f32_8bit_avx512(const float* in, void* out, size_t n, double scale, double zero_point, int is_unsigned) {
  const double dlo = is_unsigned ? 0.0 : -128.0, dhi = is_unsigned ? 255.0 : 127.0;
  QuantConst k;
  k.inv = _mm512_set1_ps(static_cast<float>(1.0 / scale)), k.zp = _mm512_set1_ps(static_cast<float>(zero_point));
  k.lo = _mm512_set1_ps(static_cast<float>(dlo)), k.hi = _mm512_set1_ps(static_cast<float>(dhi));
  k.sign_bit = _mm512_set1_ps(-0.0f), k.half = _mm512_set1_ps(0.5f), k.one = _mm512_set1_ps(1.0f);
  k.window = _mm512_set1_ps(1.0f / 2048), k.limit = _mm512_set1_ps(2048.0f);
  auto* o = static_cast<int8_t*>(out);
  auto fix = [&](size_t at, uint32_t lanes) {  // the reference's result where the estimate is unsure
    for (; lanes != 0; lanes &= lanes - 1) {
      const size_t j = at + static_cast<size_t>(__builtin_ctz(lanes));
      o[j] = static_cast<int8_t>(quantize_8bit_reference(in[j], scale, zero_point, is_unsigned));
    }
  };
  // 64 values per store: the saturating packs (exact: the values are in range) interleave
  // the four vectors by 128-bit lane, a dword permutation restores their order.
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    __mmask16 u0, u1, u2, u3;
    const __m512i q0 = quant16(k, in + i, 0xFFFF, &u0), q1 = quant16(k, in + i + 16, 0xFFFF, &u1);
    const __m512i q2 = quant16(k, in + i + 32, 0xFFFF, &u2), q3 = quant16(k, in + i + 48, 0xFFFF, &u3);
    const __m512i w01 = _mm512_packs_epi32(q0, q1), w23 = _mm512_packs_epi32(q2, q3);
    const __m512i b = is_unsigned ? _mm512_packus_epi16(w01, w23) : _mm512_packs_epi16(w01, w23);
    _mm512_storeu_si512(o + i, _mm512_permutexvar_epi32(order, b));
    if ((u0 | u1 | u2 | u3) != 0) [[unlikely]] {
      fix(i, u0), fix(i + 16, u1), fix(i + 32, u2), fix(i + 48, u3);
    }
  }
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << (n - i)) - 1);
    __mmask16 unsure;
    const __m512i q = quant16(k, in + i, m, &unsure);
    _mm512_mask_cvtepi32_storeu_epi8(o + i, m, q);
    fix(i, unsure);
  }
}

void resize_bilinear_row_s8_avx512(const int8_t* row0, const int8_t* row1, const int32_t* lo, const int32_t* hi,
                                   const int32_t* wx, int32_t wy0, int32_t wy1, int8_t* out, int out_w,
                                   int channels) {
  const __m512i y0 = _mm512_set1_epi32(wy0), y1 = _mm512_set1_epi32(wy1);
  const int C = channels;
  int x = 0;
  if (C == 8) {  // two output pixels per vector
    for (; x + 2 <= out_w; x += 2) {
      const __m512i w = _mm512_mask_blend_epi32(0xFF00, _mm512_set1_epi32(wx[x]), _mm512_set1_epi32(wx[x + 1]));
      if (lo[x + 1] == lo[x] + 1 && hi[x + 1] == hi[x] + 1) {  // neighbouring input pixels (upscaling by 2)
        auto ld = [](const int8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); };
        const __m128i r = lanes(ld(row0 + lo[x] * 8), ld(row0 + hi[x] * 8), ld(row1 + lo[x] * 8),
                                ld(row1 + hi[x] * 8), w, y0, y1);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + x * 8), r);
        continue;
      }
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

namespace {

// 16 int16 lanes of (p[i], q[i]) pairs from two vectors of 16 int16 (lanes come out in the
// order c0-3, c8-11, c4-7, c12-15; kUnpermute restores them).
inline __m512i pairs16(__m256i p, __m256i q) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_unpacklo_epi16(p, q)), _mm256_unpackhi_epi16(p, q), 1);
}

// v = wy0 * top + wy1 * bot in int64 (|v| < 2^37), rounded as the reference:
// (v + (v > 0 ? 2^19 : -2^19)) / 2^20 truncated toward zero, for the even int32 lanes.
inline __m512i round64(__m512i top, __m512i bot, __m512i wy0, __m512i wy1) {
  const __m512i v = _mm512_add_epi64(_mm512_mul_epi32(top, wy0), _mm512_mul_epi32(bot, wy1));
  const __mmask8 pos = _mm512_cmpgt_epi64_mask(v, _mm512_setzero_si512());
  const __m512i t = _mm512_mask_blend_epi64(pos, _mm512_sub_epi64(v, _mm512_set1_epi64(1 << 19)),
                                            _mm512_add_epi64(v, _mm512_set1_epi64(1 << 19)));
  const __m512i adj = _mm512_srli_epi64(_mm512_srai_epi64(t, 63), 44);  // 2^20 - 1 where t < 0
  return _mm512_srai_epi64(_mm512_add_epi64(t, adj), 20);
}

// 16 outputs from the pair vectors of the top and bottom rows.
inline __m256i lanes16(__m512i top_pairs, __m512i bot_pairs, __m512i wx, __m512i wy0, __m512i wy1) {
  const __m512i top = _mm512_madd_epi16(top_pairs, wx), bot = _mm512_madd_epi16(bot_pairs, wx);
  const __m512i even = round64(top, bot, wy0, wy1);
  const __m512i odd = round64(_mm512_srli_epi64(top, 32), _mm512_srli_epi64(bot, 32), wy0, wy1);
  const __m512i r = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
  const __m512i unpermute = _mm512_setr_epi32(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15);
  return _mm512_cvtepi32_epi16(_mm512_permutexvar_epi32(unpermute, r));
}

inline __m256i load8x2_16(const int16_t* a, const int16_t* b) {
  return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a))),
                                 _mm_loadu_si128(reinterpret_cast<const __m128i*>(b)), 1);
}

}  // namespace

void resize_bilinear_row_s16_avx512(const int16_t* row0, const int16_t* row1, const int32_t* lo, const int32_t* hi,
                                    const int32_t* wx, int32_t wy0, int32_t wy1, int16_t* out, int out_w,
                                    int channels) {
  const __m512i y0 = _mm512_set1_epi64(wy0), y1 = _mm512_set1_epi64(wy1);
  const int64_t C = channels;
  int x = 0;
  if (C == 8) {  // two output pixels per vector; pair lanes 4-7 and 12-15 belong to the second
    for (; x < out_w; x += 2) {
      const int x1 = x + 1 < out_w ? x + 1 : x;  // the last pixel alone: computed twice
      const __m512i w = _mm512_mask_blend_epi32(0xF0F0, _mm512_set1_epi32(wx[x]), _mm512_set1_epi32(wx[x1]));
      const __m512i t = pairs16(load8x2_16(row0 + lo[x] * 8, row0 + lo[x1] * 8), load8x2_16(row0 + hi[x] * 8, row0 + hi[x1] * 8));
      const __m512i b = pairs16(load8x2_16(row1 + lo[x] * 8, row1 + lo[x1] * 8), load8x2_16(row1 + hi[x] * 8, row1 + hi[x1] * 8));
      const __m256i r = lanes16(t, b, w, y0, y1);
      if (x1 > x) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + int64_t{x} * 8), r);
      else _mm_storeu_si128(reinterpret_cast<__m128i*>(out + int64_t{x} * 8), _mm256_castsi256_si128(r));
    }
    return;
  }
  for (; x < out_w; ++x) {  // C a multiple of 16
    const __m512i w = _mm512_set1_epi32(wx[x]);
    const int16_t *a0 = row0 + lo[x] * C, *a1 = row0 + hi[x] * C, *b0 = row1 + lo[x] * C, *b1 = row1 + hi[x] * C;
    for (int64_t c = 0; c < C; c += 16) {
      auto ld = [c](const int16_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + c)); };
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + int64_t{x} * C + c),
                          lanes16(pairs16(ld(a0), ld(a1)), pairs16(ld(b0), ld(b1)), w, y0, y1));
    }
  }
}

}  // namespace liteq::rt::x86
