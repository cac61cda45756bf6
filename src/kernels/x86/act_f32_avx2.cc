// AVX2 + FMA float32 HARD_SWISH, LOGISTIC, SOFTMAX and ADD/SUB/MUL/DIV (see act_f32.h).
#include <immintrin.h>

#include "kernels/x86/act_f32.h"

namespace liteq::rt::x86 {
namespace {

constexpr int kVl = 8;

// Lane mask for the first `rem` (0..8) lanes.
inline __m256i tail_mask(size_t rem) {
  alignas(32) static const int32_t kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + kVl - rem));
}

// 2^k for integer k in [-126, 127], as a float.
inline __m256 pow2i(__m256i k) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(127)), 23));
}

// exp(x): clamp to [-104, 89] (NaN stays NaN: min/max return their second operand then),
// x = n ln2 + r with |r| <= ln2/2 (Cody-Waite, two constants), Cephes' degree-6
// polynomial for e^r, then 2^n as two factors so that subnormal results round once and
// large n overflow to inf.
inline __m256 exp_ps(__m256 x) {
  x = _mm256_max_ps(_mm256_set1_ps(-104.0f), _mm256_min_ps(_mm256_set1_ps(89.0f), x));
  const __m256 t = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(t, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(t, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r);
  p = _mm256_add_ps(p, _mm256_set1_ps(1.0f));
  const __m256i n = _mm256_cvtps_epi32(t);
  const __m256i n1 = _mm256_srai_epi32(n, 1);
  const __m256i n2 = _mm256_sub_epi32(n, n1);
  return _mm256_mul_ps(_mm256_mul_ps(p, pow2i(n1)), pow2i(n2));
}

inline __m256 hard_swish_ps(__m256 x) {
  // std::max(0, v) is v > 0 ? v : 0 = max_ps(v, 0); std::min(6, m) is m < 6 ? m : 6 = min_ps(m, 6).
  const __m256 c = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(x, _mm256_set1_ps(3.0f)), _mm256_setzero_ps()),
                                 _mm256_set1_ps(6.0f));
  return _mm256_mul_ps(_mm256_mul_ps(x, c), _mm256_set1_ps(1.0f / 6.0f));
}

inline __m256 logistic_ps(__m256 x) {
  const __m256 small = _mm256_cmp_ps(x, _mm256_set1_ps(-20.0f), _CMP_LT_OQ);
  const __m256 e = exp_ps(_mm256_blendv_ps(_mm256_sub_ps(_mm256_setzero_ps(), x), x, small));
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_blendv_ps(_mm256_div_ps(one, _mm256_add_ps(one, e)), e, small);
}

template <typename F>
inline void unary(const float* x, float* y, size_t n, F f) {
  size_t i = 0;
  for (; i + 2 * kVl <= n; i += 2 * kVl) {
    const __m256 v0 = f(_mm256_loadu_ps(x + i)), v1 = f(_mm256_loadu_ps(x + i + kVl));
    _mm256_storeu_ps(y + i, v0);
    _mm256_storeu_ps(y + i + kVl, v1);
  }
  for (; i + kVl <= n; i += kVl) _mm256_storeu_ps(y + i, f(_mm256_loadu_ps(x + i)));
  if (i < n) {
    const __m256i m = tail_mask(n - i);
    _mm256_maskstore_ps(y + i, m, f(_mm256_maskload_ps(x + i, m)));
  }
}

inline void add_to(__m256d* acc, __m256 v) {
  acc[0] = _mm256_add_pd(acc[0], _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
  acc[1] = _mm256_add_pd(acc[1], _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
}

void softmax_row(const float* x, float* y, size_t d, float beta) {
  // Max: vector lanes, then the tail (the order does not matter for a max).
  float max = x[0];
  size_t i = 0;
  if (d >= kVl) {
    __m256 m = _mm256_loadu_ps(x);
    for (i = kVl; i + kVl <= d; i += kVl) m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
    alignas(32) float lanes[kVl];
    _mm256_store_ps(lanes, m);
    max = lanes[0];
    for (int l = 1; l < kVl; ++l) max = max < lanes[l] ? lanes[l] : max;
  }
  for (; i < d; ++i) max = max < x[i] ? x[i] : max;
  // exp((x - max) * beta), stored and summed in double.
  const __m256 vmax = _mm256_set1_ps(max), vbeta = _mm256_set1_ps(beta);
  __m256d acc[2] = {_mm256_setzero_pd(), _mm256_setzero_pd()};
  for (i = 0; i + kVl <= d; i += kVl) {
    const __m256 e = exp_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmax), vbeta));
    _mm256_storeu_ps(y + i, e);
    add_to(acc, e);
  }
  if (i < d) {
    const __m256i m = tail_mask(d - i);
    __m256 e = exp_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(x + i, m), vmax), vbeta));
    e = _mm256_and_ps(e, _mm256_castsi256_ps(m));
    _mm256_maskstore_ps(y + i, m, e);
    add_to(acc, e);
  }
  alignas(32) double s[4];
  _mm256_store_pd(s, _mm256_add_pd(acc[0], acc[1]));
  const float sum = static_cast<float>((s[0] + s[1]) + (s[2] + s[3]));
  const __m256 scale = _mm256_set1_ps(1.0f / sum);
  for (i = 0; i + kVl <= d; i += kVl) _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), scale));
  if (i < d) {
    const __m256i m = tail_mask(d - i);
    _mm256_maskstore_ps(y + i, m, _mm256_mul_ps(_mm256_maskload_ps(y + i, m), scale));
  }
}

template <int kOp>
inline __m256 binop(__m256 a, __m256 b) {
  if constexpr (kOp == 0) return _mm256_add_ps(a, b);
  if constexpr (kOp == 1) return _mm256_sub_ps(a, b);
  if constexpr (kOp == 2) return _mm256_mul_ps(a, b);
  return _mm256_div_ps(a, b);
}

// apply_activation: std::min(std::max(v, lo), hi) = min_ps(hi, max_ps(lo, v)) (NaN and
// signed zeros included: the second operand wins ties and unordered compares).
template <int kOp>
void binary(const float* a, int a_step, const float* b, int b_step, float* out, size_t n, float lo, float hi) {
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  auto f = [&](__m256 x, __m256 y) { return _mm256_min_ps(vhi, _mm256_max_ps(vlo, binop<kOp>(x, y))); };
  if (a_step == 1 && b_step == 1) {
    size_t i = 0;
    for (; i + kVl <= n; i += kVl) _mm256_storeu_ps(out + i, f(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
    if (i < n) {
      const __m256i m = tail_mask(n - i);
      _mm256_maskstore_ps(out + i, m, f(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m)));
    }
  } else if (a_step == 0 && b_step == 1) {
    const __m256 va = _mm256_set1_ps(a[0]);
    unary(b, out, n, [&](__m256 y) { return f(va, y); });
  } else if (a_step == 1 && b_step == 0) {
    const __m256 vb = _mm256_set1_ps(b[0]);
    unary(a, out, n, [&](__m256 x) { return f(x, vb); });
  } else {
    const __m256 v = f(_mm256_set1_ps(a[0]), _mm256_set1_ps(b[0]));
    alignas(32) float lanes[kVl];
    _mm256_store_ps(lanes, v);
    for (size_t i = 0; i < n; ++i) out[i] = lanes[0];
  }
}

}  // namespace

void hard_swish_f32_avx2(const float* x, float* y, size_t n) { unary(x, y, n, hard_swish_ps); }

void logistic_f32_avx2(const float* x, float* y, size_t n) { unary(x, y, n, logistic_ps); }

void softmax_f32_avx2(const float* in, float* out, size_t rows, size_t depth, float beta) {
  for (size_t r = 0; r < rows; ++r) softmax_row(in + r * depth, out + r * depth, depth, beta);
}

void binary_f32_avx2(const float* a, int a_step, const float* b, int b_step, float* out, size_t n, int op, float lo,
                     float hi) {
  switch (op) {
    case 0: binary<0>(a, a_step, b, b_step, out, n, lo, hi); break;
    case 1: binary<1>(a, a_step, b, b_step, out, n, lo, hi); break;
    case 2: binary<2>(a, a_step, b, b_step, out, n, lo, hi); break;
    default: binary<3>(a, a_step, b, b_step, out, n, lo, hi); break;
  }
}

}  // namespace liteq::rt::x86
