// AVX2 int8 ADD / SUB / MUL; see elementwise_s8.h. Built with -mavx2 -mfma only.
#include <immintrin.h>

#include <cstring>

#include "kernels/x86/elementwise_s8.h"

namespace liteq::rt::x86 {
namespace {

// round(a * m / 2^31), ties away from zero (TFLite's SaturatingRoundingDoublingHighMul;
// m > 0, so its one overflow case, a == m == INT32_MIN, cannot occur), on 8 lanes.
inline __m256i srdhm(__m256i a, __m256i m) {
  const __m256i zero = _mm256_setzero_si256();
  const __m256i pos_nudge = _mm256_set1_epi64x(int64_t{1} << 30);
  const __m256i neg_nudge = _mm256_set1_epi64x(1 - (int64_t{1} << 30));
  auto half = [&](__m256i x) {  // the even 32-bit lanes of x, as int64 results
    const __m256i ab = _mm256_mul_epi32(x, m);
    const __m256i neg = _mm256_cmpgt_epi64(zero, ab);
    const __m256i v = _mm256_add_epi64(ab, _mm256_blendv_epi8(pos_nudge, neg_nudge, neg));
    // v / 2^31 truncated toward zero: shift the magnitude.
    const __m256i s = _mm256_cmpgt_epi64(zero, v);
    const __m256i mag = _mm256_sub_epi64(_mm256_xor_si256(v, s), s);
    const __m256i q = _mm256_srli_epi64(mag, 31);
    return _mm256_sub_epi64(_mm256_xor_si256(q, s), s);
  };
  const __m256i even = half(a);
  const __m256i odd = half(_mm256_srli_epi64(a, 32));
  return _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
}

// x / 2^e rounded to nearest, ties away from zero (RoundingDivideByPOT), e >= 0.
inline __m256i rdbpot(__m256i x, int e) {
  if (e == 0) return x;
  const __m256i mask = _mm256_set1_epi32(static_cast<int32_t>((int64_t{1} << e) - 1));
  const __m256i rem = _mm256_and_si256(x, mask);
  // threshold = mask/2 + (x < 0): subtracting the all-ones compare result adds 1.
  const __m256i thr = _mm256_sub_epi32(_mm256_srli_epi32(mask, 1), _mm256_cmpgt_epi32(_mm256_setzero_si256(), x));
  const __m256i shifted = _mm256_sra_epi32(x, _mm_cvtsi32_si128(e));
  return _mm256_sub_epi32(shifted, _mm256_cmpgt_epi32(rem, thr));
}

// MultiplyByQuantizedMultiplier(x, m, shift).
inline __m256i mbqm(__m256i x, __m256i m, int shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  if (left) x = _mm256_sll_epi32(x, _mm_cvtsi32_si128(left));
  return rdbpot(srdhm(x, m), right);
}

struct Consts {
  __m256i off1, off2, off_out, m1, m2, m_out, lo, hi;
  // The float32 estimates (elementwise_s8.h): ADD/SUB whole, MUL's product rescale.
  __m256 in1_scale, in2_scale, out_scale, out_zp, near;
};

inline __m256i load8(const int8_t* p, int step) {
  if (step == 0) return _mm256_set1_epi32(*p);
  return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}

inline void store8(int8_t* out, __m256i v) {
  const __m128i p16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm_packs_epi16(p16, p16));
}

// kEst: the float32 estimate first (all_float_window for ADD/SUB, out_rescale_window for
// MUL; 8-bit operands), the exact steps below for vectors with a lane too near a half.
template <int kOp, bool kEst>
inline __m256i compute(__m256i a, __m256i b, const Consts& c, const QuantBinaryArgs& p) {
  if constexpr (kEst) {
    const __m256i v1 = _mm256_add_epi32(a, c.off1), v2 = _mm256_add_epi32(b, c.off2);
    __m256 y;
    if constexpr (kOp == 2)  // the product, |v1 v2| <= 2^16, exact in float32
      y = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_mullo_epi32(v1, v2)), c.out_scale, c.out_zp);
    else
      y = _mm256_fmadd_ps(_mm256_cvtepi32_ps(v2), c.in2_scale,
                          _mm256_fmadd_ps(_mm256_cvtepi32_ps(v1), c.in1_scale, c.out_zp));
    const __m256 r = _mm256_round_ps(y, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m256 dist = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_sub_ps(y, r));
    if (_mm256_movemask_ps(_mm256_cmp_ps(dist, c.near, _CMP_GT_OQ)) == 0) [[likely]]
      return _mm256_min_epi32(_mm256_max_epi32(_mm256_cvtps_epi32(r), c.lo), c.hi);
  }
  __m256i raw;
  if constexpr (kOp == 2) {
    const __m256i prod = _mm256_mullo_epi32(_mm256_add_epi32(a, c.off1), _mm256_add_epi32(b, c.off2));
    raw = mbqm(prod, c.m_out, p.output_shift);
  } else {
    const __m128i ls = _mm_cvtsi32_si128(p.left_shift);
    const __m256i s1 = mbqm(_mm256_sll_epi32(_mm256_add_epi32(a, c.off1), ls), c.m1, p.input1_shift);
    const __m256i s2 = mbqm(_mm256_sll_epi32(_mm256_add_epi32(b, c.off2), ls), c.m2, p.input2_shift);
    raw = mbqm(kOp == 1 ? _mm256_sub_epi32(s1, s2) : _mm256_add_epi32(s1, s2), c.m_out, p.output_shift);
  }
  const __m256i o = _mm256_add_epi32(raw, c.off_out);
  return _mm256_min_epi32(_mm256_max_epi32(o, c.lo), c.hi);
}

template <int kOp, bool kEst>
void loop(const int8_t* a, int a_step, const int8_t* b, int b_step, int8_t* out, size_t n, const Consts& c,
          const QuantBinaryArgs& p) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    store8(out + i, compute<kOp, kEst>(load8(a + i * a_step, a_step), load8(b + i * b_step, b_step), c, p));
  if (i < n) {  // tail: through an 8-byte buffer
    int8_t ta[8] = {}, tb[8] = {}, to[8];
    const size_t r = n - i;
    if (a_step) std::memcpy(ta, a + i, r); else ta[0] = a[0];
    if (b_step) std::memcpy(tb, b + i, r); else tb[0] = b[0];
    store8(to, compute<kOp, kEst>(load8(ta, a_step), load8(tb, b_step), c, p));
    std::memcpy(out + i, to, r);
  }
}

template <int kOp>
void run(const int8_t* a, int a_step, const int8_t* b, int b_step, int8_t* out, size_t n, const QuantBinaryArgs& p) {
  double sa, sb, so;
  qs8_estimate_scales(p, kOp, &sa, &sb, &so);
  double window = -1;
  if (kOp == 2 && qs8_mul_has_fast_path(p)) window = out_rescale_window(p);
  if (kOp != 2 && qs8_add_has_fast_path(p)) window = all_float_window(p, sa, sb);
  const Consts c{_mm256_set1_epi32(p.input1_offset),
                 _mm256_set1_epi32(p.input2_offset),
                 _mm256_set1_epi32(p.output_offset),
                 _mm256_set1_epi32(p.input1_multiplier),
                 _mm256_set1_epi32(p.input2_multiplier),
                 _mm256_set1_epi32(p.output_multiplier),
                 _mm256_set1_epi32(p.act_min),
                 _mm256_set1_epi32(p.act_max),
                 _mm256_set1_ps(static_cast<float>(sa)),
                 _mm256_set1_ps(static_cast<float>(sb)),
                 _mm256_set1_ps(static_cast<float>(so)),
                 _mm256_set1_ps(static_cast<float>(p.output_offset)),
                 _mm256_set1_ps(static_cast<float>(window))};
  if (window > 0) loop<kOp, true>(a, a_step, b, b_step, out, n, c, p);
  else loop<kOp, false>(a, a_step, b, b_step, out, n, c, p);
}

}  // namespace

void qs8_binary_avx2(const int8_t* a, int a_step, const int8_t* b, int b_step, int8_t* out, size_t n,
                     const QuantBinaryArgs& p, int op) {
  switch (op) {
    case 0: run<0>(a, a_step, b, b_step, out, n, p); break;
    case 1: run<1>(a, a_step, b, b_step, out, n, p); break;
    default: run<2>(a, a_step, b, b_step, out, n, p); break;
  }
}

}  // namespace liteq::rt::x86
