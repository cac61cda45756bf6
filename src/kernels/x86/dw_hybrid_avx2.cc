// AVX2 build of the hybrid depthwise rows; see dw_hybrid.h. -ffp-contract=off keeps the
// float epilogue's multiplies and add apart.
//
// dw_hybrid_rows_avx2: 16 channels at a time. (x - zero point) is in [-255, 255] and a
// weight in [-128, 127], so each product is exact in int16 (|p| <= 32640); the products
// are widened to int32 and summed. int32 sums wrap modulo 2^32 as the reference's
// int64 sum cast to int32 does. Taps outside the input read a row of the zero point
// (a.pad), which contributes exactly 0. Epilogue as the reference:
// ((float(acc) * s_in) * w_scale) + bias, then max(lo, v), min(hi, v) in that order.
#include "kernels/x86/dw_hybrid.h"

#include <immintrin.h>

namespace liteq::rt::x86 {
namespace {

constexpr int kMaxTaps = 64;

// The former compiler-vectorized loops: any filter size, no pad row needed.
void dw_hybrid_rows_generic(const DwHybridArgs& a, int64_t r0, int64_t r1) {
  constexpr int kBlock = 64;
  uint32_t acc[kBlock];  // wraps modulo 2^32, as the reference's cast to int32
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
            for (int j = 0; j < n; ++j) acc[j] += static_cast<uint32_t>((int32_t{x[j]} - off) * int32_t{w[j]});
          }
        }
        for (int j = 0; j < n; ++j) {
          float v = static_cast<float>(static_cast<int32_t>(acc[j])) * s_in * a.w_scales[c0 + j];
          if (a.bias) v += a.bias[c0 + j];
          v = v < a.act_min ? a.act_min : v;  // std::min(std::max(v, lo), hi)
          out[c0 + j] = a.act_max < v ? a.act_max : v;
        }
      }
    }
  }
}

inline void epilogue8(__m256i acc, __m256 s_in, const float* w_scales, const float* bias, __m256 lo, __m256 hi,
                      float* out) {
  __m256 v = _mm256_mul_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(acc), s_in), _mm256_loadu_ps(w_scales));
  if (bias) v = _mm256_add_ps(v, _mm256_loadu_ps(bias));
  v = _mm256_max_ps(lo, v);  // lo > v ? lo : v, i.e. v < lo ? lo : v
  v = _mm256_min_ps(hi, v);  // hi < v ? hi : v
  _mm256_storeu_ps(out, v);
}

}  // namespace

void dw_hybrid_rows_avx2(const DwHybridArgs& a, int64_t r0, int64_t r1) {
  const int C = a.channels, taps = a.kh * a.kw;
  if (taps > kMaxTaps || a.pad == nullptr) {
    dw_hybrid_rows_generic(a, r0, r1);
    return;
  }
  const int C16 = C & ~15;
  const __m256 lo = _mm256_set1_ps(a.act_min), hi = _mm256_set1_ps(a.act_max);
  const int8_t* src[kMaxTaps];
  for (int64_t r = r0; r < r1; ++r) {
    const int b = static_cast<int>(r / a.out_h), oy = static_cast<int>(r % a.out_h);
    const int32_t off = a.offsets[b];
    const float s_in = a.in_scales[b];
    const __m256i voff = _mm256_set1_epi16(static_cast<int16_t>(off));
    const __m256 vs_in = _mm256_set1_ps(s_in);
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
      for (int c0 = 0; c0 < C16; c0 += 16) {
        __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
        const int8_t* w = a.filter + c0;
        for (int t = 0; t < taps; ++t, w += C) {
          const __m256i x = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src[t] + c0)));
          const __m256i wv = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
          const __m256i p = _mm256_mullo_epi16(_mm256_sub_epi16(x, voff), wv);
          acc0 = _mm256_add_epi32(acc0, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(p)));
          acc1 = _mm256_add_epi32(acc1, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(p, 1)));
        }
        const float* bias = a.bias ? a.bias + c0 : nullptr;
        epilogue8(acc0, vs_in, a.w_scales + c0, bias, lo, hi, out + c0);
        epilogue8(acc1, vs_in, a.w_scales + c0 + 8, bias ? bias + 8 : nullptr, lo, hi, out + c0 + 8);
      }
      for (int c = C16; c < C; ++c) {
        uint32_t acc = 0;
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
