// AVX-512 (F, DQ) min/max and float -> int8 quantization for the hybrid kernels; the
// arithmetic of quantize_floats_avx2.cc, 16 lanes, masked tails. See quantize_floats.h.
#include <immintrin.h>

#include "kernels/x86/quantize_floats.h"

namespace liteq::rt::x86 {

bool minmax_f32_avx512(const float* x, size_t n, float* mn, float* mx) {
  const __m512 first = _mm512_set1_ps(x[0]);
  __m512 lo = first, hi = first;
  __mmask16 nan = 0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    lo = _mm512_min_ps(lo, v);
    hi = _mm512_max_ps(hi, v);
  }
  if (i < n) {  // masked-off lanes hold x[0]
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    const __m512 v = _mm512_mask_loadu_ps(first, m, x + i);
    nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    lo = _mm512_min_ps(lo, v);
    hi = _mm512_max_ps(hi, v);
  }
  if (nan) return false;
  float l[16], h[16];
  _mm512_storeu_ps(l, lo);
  _mm512_storeu_ps(h, hi);
  float a = l[0], b = h[0];
  for (int k = 1; k < 16; ++k) {
    a = l[k] < a ? l[k] : a;
    b = h[k] > b ? h[k] : b;
  }
  *mn = a;
  *mx = b;
  return true;
}

void quantize_floats_avx512(const float* x, size_t n, float inv, float zp, int32_t lo, int32_t hi, int8_t* q) {
  const __m512 vinv = _mm512_set1_ps(inv), vzp = _mm512_set1_ps(zp);
  const __m512 sign_bit = _mm512_set1_ps(-0.0f), half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f);
  const __m512 vlo = _mm512_set1_ps(static_cast<float>(lo)), vhi = _mm512_set1_ps(static_cast<float>(hi));
  auto block = [&](__m512 xv) {
    const __m512 v = _mm512_add_ps(vzp, _mm512_mul_ps(xv, vinv));
    // round half away from zero: trunc, plus the sign where the dropped part is >= 0.5
    const __m512 t = _mm512_roundscale_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m512 frac = _mm512_andnot_ps(sign_bit, _mm512_sub_ps(v, t));
    const __m512 step = _mm512_or_ps(_mm512_and_ps(v, sign_bit), one);
    __m512 r = _mm512_mask_add_ps(t, _mm512_cmp_ps_mask(frac, half, _CMP_GE_OQ), t, step);
    r = _mm512_min_ps(_mm512_max_ps(r, vlo), vhi);
    return _mm512_cvtps_epi32(r);  // exact: r is an integer in range
  };
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), _mm512_cvtepi32_epi8(block(_mm512_loadu_ps(x + i))));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_cvtepi32_storeu_epi8(q + i, m, block(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

}  // namespace liteq::rt::x86
