// AVX-512 (F, BW) build of the hybrid depthwise rows; see dw_hybrid.h and
// dw_hybrid_avx2.cc (same arithmetic, 32 channels at a time, then 16, then one by one).
// -ffp-contract=off keeps the float epilogue's multiplies and add apart.
#include <immintrin.h>

#include "kernels/x86/dw_hybrid.h"

namespace liteq::rt::x86 {
namespace {

constexpr int kMaxTaps = 64;

inline void epilogue16(__m512i acc, __m512 s_in, const float* w_scales, const float* bias, __m512 lo, __m512 hi,
                       float* out) {
  __m512 v = _mm512_mul_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(acc), s_in), _mm512_loadu_ps(w_scales));
  if (bias) v = _mm512_add_ps(v, _mm512_loadu_ps(bias));
  v = _mm512_max_ps(lo, v);  // lo > v ? lo : v, i.e. v < lo ? lo : v
  v = _mm512_min_ps(hi, v);  // hi < v ? hi : v
  _mm512_storeu_ps(out, v);
}

}  // namespace

void dw_hybrid_rows_avx512(const DwHybridArgs& a, int64_t r0, int64_t r1) {
  const int C = a.channels, taps = a.kh * a.kw;
  if (taps > kMaxTaps || a.pad == nullptr) {
    dw_hybrid_rows_avx2(a, r0, r1);  // the generic loops
    return;
  }
  const int C32 = C & ~31, C16 = C & ~15;
  const __m512 lo = _mm512_set1_ps(a.act_min), hi = _mm512_set1_ps(a.act_max);
  const int8_t* src[kMaxTaps];
  for (int64_t r = r0; r < r1; ++r) {
    const int b = static_cast<int>(r / a.out_h), oy = static_cast<int>(r % a.out_h);
    const int32_t off = a.offsets[b];
    const float s_in = a.in_scales[b];
    const __m512i voff = _mm512_set1_epi16(static_cast<int16_t>(off));
    const __m512 vs_in = _mm512_set1_ps(s_in);
    const int8_t* pad = a.pad + int64_t{b} * C;
    const int iy0 = oy * a.stride_h - a.pad_top;
    for (int ox = 0; ox < a.out_w; ++ox) {
      const int ix0 = ox * a.stride_w - a.pad_left;
      for (int ky = 0, t = 0; ky < a.kh; ++ky) {
        const int iy = iy0 + ky * a.dil_h;
        const bool row_in = iy >= 0 && iy < a.in_h;
        for (int kx = 0; kx < a.kw; ++kx, ++t) {
          const int ix = ix0 + kx * a.dil_w;
          src[t] = row_in && ix >= 0 && ix < a.in_w ? a.q + ((int64_t{b} * a.in_h + iy) * a.in_w + ix) * C : pad;
        }
      }
      float* out = a.out + ((int64_t{b} * a.out_h + oy) * a.out_w + ox) * C;
      for (int c0 = 0; c0 < C32; c0 += 32) {
        __m512i acc0 = _mm512_setzero_si512(), acc1 = _mm512_setzero_si512();
        const int8_t* w = a.filter + c0;
        for (int t = 0; t < taps; ++t, w += C) {
          const __m512i x = _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src[t] + c0)));
          const __m512i wv = _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w)));
          const __m512i p = _mm512_mullo_epi16(_mm512_sub_epi16(x, voff), wv);
          acc0 = _mm512_add_epi32(acc0, _mm512_cvtepi16_epi32(_mm512_castsi512_si256(p)));
          acc1 = _mm512_add_epi32(acc1, _mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(p, 1)));
        }
        const float* bias = a.bias ? a.bias + c0 : nullptr;
        epilogue16(acc0, vs_in, a.w_scales + c0, bias, lo, hi, out + c0);
        epilogue16(acc1, vs_in, a.w_scales + c0 + 16, bias ? bias + 16 : nullptr, lo, hi, out + c0 + 16);
      }
      if (C16 > C32) {  // 16 more channels
        const int c0 = C32;
        const __m256i voff16 = _mm512_castsi512_si256(voff);
        __m512i acc = _mm512_setzero_si512();
        const int8_t* w = a.filter + c0;
        for (int t = 0; t < taps; ++t, w += C) {
          const __m256i x = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src[t] + c0)));
          const __m256i wv = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
          const __m256i p = _mm256_mullo_epi16(_mm256_sub_epi16(x, voff16), wv);
          acc = _mm512_add_epi32(acc, _mm512_cvtepi16_epi32(p));
        }
        epilogue16(acc, vs_in, a.w_scales + c0, a.bias ? a.bias + c0 : nullptr, lo, hi, out + c0);
      }
      for (int c = C16; c < C; ++c) {
        uint32_t acc = 0;  // wraps modulo 2^32, as the reference's cast to int32
        for (int t = 0; t < taps; ++t)
          acc += static_cast<uint32_t>((int32_t{src[t][c]} - off) * int32_t{a.filter[int64_t{t} * C + c]});
        float v = static_cast<float>(static_cast<int32_t>(acc)) * s_in * a.w_scales[c];
        if (a.bias) v += a.bias[c];
        v = v < a.act_min ? a.act_min : v;
        out[c] = a.act_max < v ? a.act_max : v;
      }
    }
  }
}

}  // namespace liteq::rt::x86
