// AVX2 min/max and float -> int8 quantization for the hybrid kernels; see quantize_floats.h.
#include <immintrin.h>

#include <cstring>

#include "kernels/x86/quantize_floats.h"

namespace liteq::rt::x86 {

bool minmax_f32_avx2(const float* x, size_t n, float* mn, float* mx) {
  __m256 lo = _mm256_set1_ps(x[0]), hi = lo;
  __m256 nan = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    lo = _mm256_min_ps(lo, v);
    hi = _mm256_max_ps(hi, v);
  }
  float l[8], h[8];
  _mm256_storeu_ps(l, lo);
  _mm256_storeu_ps(h, hi);
  if (_mm256_movemask_ps(nan)) return false;
  float a = l[0], b = h[0];
  for (int k = 1; k < 8; ++k) {
    a = l[k] < a ? l[k] : a;
    b = h[k] > b ? h[k] : b;
  }
  for (; i < n; ++i) {
    if (x[i] != x[i]) return false;
    a = x[i] < a ? x[i] : a;
    b = x[i] > b ? x[i] : b;
  }
  *mn = a;
  *mx = b;
  return true;
}

void quantize_floats_avx2(const float* x, size_t n, float inv, float zp, int32_t lo, int32_t hi, int8_t* q) {
  const __m256 vinv = _mm256_set1_ps(inv), vzp = _mm256_set1_ps(zp);
  const __m256 sign_bit = _mm256_set1_ps(-0.0f), half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
  const __m256 vlo = _mm256_set1_ps(static_cast<float>(lo)), vhi = _mm256_set1_ps(static_cast<float>(hi));
  auto block = [&](const float* src, int8_t* dst) {
    const __m256 v = _mm256_add_ps(vzp, _mm256_mul_ps(_mm256_loadu_ps(src), vinv));
    // round half away from zero: trunc, plus the sign where the dropped part is >= 0.5
    const __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 frac = _mm256_andnot_ps(sign_bit, _mm256_sub_ps(v, t));
    const __m256 step = _mm256_or_ps(_mm256_and_ps(v, sign_bit), one);
    __m256 r = _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(frac, half, _CMP_GE_OQ), step));
    r = _mm256_min_ps(_mm256_max_ps(r, vlo), vhi);
    const __m256i i32 = _mm256_cvtps_epi32(r);  // exact: r is an integer in range
    const __m128i p16 = _mm_packs_epi32(_mm256_castsi256_si128(i32), _mm256_extracti128_si256(i32, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), _mm_packs_epi16(p16, p16));
  };
  size_t i = 0;
  for (; i + 8 <= n; i += 8) block(x + i, q + i);
  if (i < n) {
    float tmp[8] = {};
    int8_t res[8];
    std::memcpy(tmp, x + i, (n - i) * sizeof(float));
    block(tmp, res);
    std::memcpy(q + i, res, n - i);
  }
}

}  // namespace liteq::rt::x86
