// AVX-512 float32 HARD_SWISH, LOGISTIC, SOFTMAX and ADD/SUB/MUL/DIV (see act_f32.h). The
// same operations as act_f32_avx2.cc on 16 lanes; exp scales by 2^n with vscalefps.
#include <immintrin.h>

#include "kernels/x86/act_f32.h"

namespace liteq::rt::x86 {
namespace {

constexpr int kVl = 16;

inline __mmask16 tail_mask(size_t rem) { return static_cast<__mmask16>((1u << rem) - 1); }

// exp(x): clamp to [-104, 89] (NaN stays NaN), x = n ln2 + r (Cody-Waite), Cephes'
// degree-6 polynomial, then p * 2^n by vscalefps (one rounding for subnormal results,
// inf past the float range).
inline __m512 exp_ps(__m512 x) {
  x = _mm512_max_ps(_mm512_set1_ps(-104.0f), _mm512_min_ps(_mm512_set1_ps(89.0f), x));
  const __m512 t = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(t, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(t, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r);
  p = _mm512_add_ps(p, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, t);
}

inline __m512 hard_swish_ps(__m512 x) {
  // std::max(0, v) = max_ps(v, 0); std::min(6, m) = min_ps(m, 6) (see act_f32_avx2.cc).
  const __m512 c = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(x, _mm512_set1_ps(3.0f)), _mm512_setzero_ps()),
                                 _mm512_set1_ps(6.0f));
  return _mm512_mul_ps(_mm512_mul_ps(x, c), _mm512_set1_ps(1.0f / 6.0f));
}

inline __m512 logistic_ps(__m512 x) {
  const __mmask16 small = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-20.0f), _CMP_LT_OQ);
  const __m512 e = exp_ps(_mm512_mask_blend_ps(small, _mm512_sub_ps(_mm512_setzero_ps(), x), x));
  const __m512 one = _mm512_set1_ps(1.0f);
  return _mm512_mask_blend_ps(small, _mm512_div_ps(one, _mm512_add_ps(one, e)), e);
}

template <typename F>
inline void unary(const float* x, float* y, size_t n, F f) {
  size_t i = 0;
  for (; i + 2 * kVl <= n; i += 2 * kVl) {
    const __m512 v0 = f(_mm512_loadu_ps(x + i)), v1 = f(_mm512_loadu_ps(x + i + kVl));
    _mm512_storeu_ps(y + i, v0);
    _mm512_storeu_ps(y + i + kVl, v1);
  }
  for (; i + kVl <= n; i += kVl) _mm512_storeu_ps(y + i, f(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(y + i, m, f(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

inline void add_to(__m512d* acc, __m512 v) {
  acc[0] = _mm512_add_pd(acc[0], _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
  acc[1] = _mm512_add_pd(acc[1], _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
}

void softmax_row(const float* x, float* y, size_t d, float beta) {
  float max = x[0];
  size_t i = 0;
  if (d >= kVl) {
    __m512 m = _mm512_loadu_ps(x);
    for (i = kVl; i + kVl <= d; i += kVl) m = _mm512_max_ps(m, _mm512_loadu_ps(x + i));
    alignas(64) float lanes[kVl];
    _mm512_store_ps(lanes, m);
    max = lanes[0];
    for (int l = 1; l < kVl; ++l) max = max < lanes[l] ? lanes[l] : max;
  }
  for (; i < d; ++i) max = max < x[i] ? x[i] : max;
  const __m512 vmax = _mm512_set1_ps(max), vbeta = _mm512_set1_ps(beta);
  __m512d acc[2] = {_mm512_setzero_pd(), _mm512_setzero_pd()};
  for (i = 0; i + kVl <= d; i += kVl) {
    const __m512 e = exp_ps(_mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), vmax), vbeta));
    _mm512_storeu_ps(y + i, e);
    add_to(acc, e);
  }
  if (i < d) {
    const __mmask16 m = tail_mask(d - i);
    const __m512 e =
        _mm512_maskz_mov_ps(m, exp_ps(_mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), vmax), vbeta)));
    _mm512_mask_storeu_ps(y + i, m, e);
    add_to(acc, e);
  }
  alignas(64) double s[8];
  _mm512_store_pd(s, _mm512_add_pd(acc[0], acc[1]));
  const float sum = static_cast<float>(((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])));
  const __m512 scale = _mm512_set1_ps(1.0f / sum);
  for (i = 0; i + kVl <= d; i += kVl) _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_loadu_ps(y + i), scale));
  if (i < d) {
    const __mmask16 m = tail_mask(d - i);
    _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, y + i), scale));
  }
}

template <int kOp>
inline __m512 binop(__m512 a, __m512 b) {
  if constexpr (kOp == 0) return _mm512_add_ps(a, b);
  if constexpr (kOp == 1) return _mm512_sub_ps(a, b);
  if constexpr (kOp == 2) return _mm512_mul_ps(a, b);
  return _mm512_div_ps(a, b);
}

template <int kOp>
void binary(const float* a, int a_step, const float* b, int b_step, float* out, size_t n, float lo, float hi) {
  const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
  auto f = [&](__m512 x, __m512 y) { return _mm512_min_ps(vhi, _mm512_max_ps(vlo, binop<kOp>(x, y))); };
  if (a_step == 1 && b_step == 1) {
    size_t i = 0;
    for (; i + kVl <= n; i += kVl) _mm512_storeu_ps(out + i, f(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i)));
    if (i < n) {
      const __mmask16 m = tail_mask(n - i);
      _mm512_mask_storeu_ps(out + i, m, f(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i)));
    }
  } else if (a_step == 0 && b_step == 1) {
    const __m512 va = _mm512_set1_ps(a[0]);
    unary(b, out, n, [&](__m512 y) { return f(va, y); });
  } else if (a_step == 1 && b_step == 0) {
    const __m512 vb = _mm512_set1_ps(b[0]);
    unary(a, out, n, [&](__m512 x) { return f(x, vb); });
  } else {
    const __m512 v = f(_mm512_set1_ps(a[0]), _mm512_set1_ps(b[0]));
    alignas(64) float lanes[kVl];
    _mm512_store_ps(lanes, v);
    for (size_t i = 0; i < n; ++i) out[i] = lanes[0];
  }
}

}  // namespace

void hard_swish_f32_avx512(const float* x, float* y, size_t n) { unary(x, y, n, hard_swish_ps); }

void logistic_f32_avx512(const float* x, float* y, size_t n) { unary(x, y, n, logistic_ps); }

void softmax_f32_avx512(const float* in, float* out, size_t rows, size_t depth, float beta) {
  for (size_t r = 0; r < rows; ++r) softmax_row(in + r * depth, out + r * depth, depth, beta);
}

void binary_f32_avx512(const float* a, int a_step, const float* b, int b_step, float* out, size_t n, int op, float lo,
                       float hi) {
  switch (op) {
    case 0: binary<0>(a, a_step, b, b_step, out, n, lo, hi); break;
    case 1: binary<1>(a, a_step, b, b_step, out, n, lo, hi); break;
    case 2: binary<2>(a, a_step, b, b_step, out, n, lo, hi); break;
    default: binary<3>(a, a_step, b, b_step, out, n, lo, hi); break;
  }
}

}  // namespace liteq::rt::x86
