// AVX-512 int8 and int16 ADD / SUB / MUL; see elementwise_s8.h. Built with AVX-512 F/BW/DQ/VL flags.
// Same arithmetic as the AVX2 version, 16 lanes, with native 64-bit arithmetic shifts.
#include <immintrin.h>

#include <type_traits>

#include "kernels/x86/elementwise_s8.h"

namespace liteq::rt::x86 {
namespace {

// round(a * m / 2^31), ties away from zero (SaturatingRoundingDoublingHighMul, m > 0).
inline __m512i srdhm(__m512i a, __m512i m) {
  const __m512i pos_nudge = _mm512_set1_epi64(int64_t{1} << 30);
  const __m512i neg_nudge = _mm512_set1_epi64(1 - (int64_t{1} << 30));
  const __m512i bias = _mm512_set1_epi64((int64_t{1} << 31) - 1);
  auto half = [&](__m512i x) {
    const __m512i ab = _mm512_mul_epi32(x, m);
    const __mmask8 neg = _mm512_movepi64_mask(ab);
    const __m512i v = _mm512_add_epi64(ab, _mm512_mask_blend_epi64(neg, pos_nudge, neg_nudge));
    // v / 2^31 truncated toward zero: add 2^31 - 1 to negative values, then shift.
    const __m512i adj = _mm512_and_si512(_mm512_srai_epi64(v, 63), bias);
    return _mm512_srai_epi64(_mm512_add_epi64(v, adj), 31);
  };
  const __m512i even = half(a);
  const __m512i odd = half(_mm512_srli_epi64(a, 32));
  return _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
}

inline __m512i rdbpot(__m512i x, int e) {
  if (e == 0) return x;
  const __m512i mask = _mm512_set1_epi32(static_cast<int32_t>((int64_t{1} << e) - 1));
  const __m512i rem = _mm512_and_si512(x, mask);
  const __m512i thr = _mm512_add_epi32(_mm512_srli_epi32(mask, 1), _mm512_srli_epi32(x, 31));  // + (x < 0)
  const __m512i shifted = _mm512_sra_epi32(x, _mm_cvtsi32_si128(e));
  return _mm512_mask_add_epi32(shifted, _mm512_cmpgt_epi32_mask(rem, thr), shifted, _mm512_set1_epi32(1));
}

inline __m512i mbqm(__m512i x, __m512i m, int shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  if (left) x = _mm512_sll_epi32(x, _mm_cvtsi32_si128(left));
  return rdbpot(srdhm(x, m), right);
}

// The per-input rescale of the 8-bit ADD in 32-bit arithmetic:
// rdbpot(srdhm((v << 20), m), e) for |v| <= 255 (v = x + offset), m = mh * 2^11 + ml.
// srdhm's product is v * m * 2^20, so its division by 2^31 is one of v * m by 2^11:
//   v >= 0:  v * mh + ((v * ml + 2^10) >> 11)
//   v < 0: -(u * mh + ((u * ml + 2^10 - 1) >> 11)), u = -v
// (the reference's nudge 1 - 2^30 and truncation toward zero for negative products);
// u * mh < 2^28 and u * ml < 2^19, so nothing leaves 32 bits. Exact, not approximate.
inline __m512i rescale8(__m512i v, __m512i mh, __m512i ml, int e) {
  const __m512i u = _mm512_abs_epi32(v);
  const __m512i neg = _mm512_srli_epi32(v, 31);  // 1 where v < 0
  const __m512i t = _mm512_sub_epi32(_mm512_add_epi32(_mm512_mullo_epi32(u, ml), _mm512_set1_epi32(1 << 10)), neg);
  const __m512i mag = _mm512_add_epi32(_mm512_mullo_epi32(u, mh), _mm512_srli_epi32(t, 11));
  const __m512i h = _mm512_mask_sub_epi32(mag, _mm512_test_epi32_mask(neg, neg), _mm512_setzero_si512(), mag);
  return rdbpot(h, e);
}

struct Consts {
  __m512i off1, off2, off_out, m1, m2, m_out, lo, hi;
  __m512i m1h, m1l, m2h, m2l;  // rescale8's halves of m1, m2
  __m512 out_scale, out_zp, near_half;  // out_rescale's float estimate
  __m512 in1_scale, in2_scale, all_near;  // the whole op's float estimate (kAll)
  __m512 y_lo, y_hi;  // act_min - 3/4, act_max + 3/4: the estimate clamped (estimate_all)
};

// The output rescale of the 8-bit ADD, clamp(round(round(s * m / 2^31) / 2^E) + offset),
// E = -output_shift > 0, estimated in float32: y = s * (m / 2^(31 + E)) + offset.
//
// Exact where y is far enough from a half-integer. The first rounding moves s * m / 2^31
// by at most 1/2, so the value the second rounds by at most 2^-(E+1); where an output is
// in range, |s * m / 2^(31+E)| < 2^9 and float32's three roundings (s, the scale, the
// product) and the offset's add err by less than 2^-12 together. So when |y - round(y)| <
// 1/2 - (2^-(E+1) + 2^-12) in every lane, round(y) is the reference's result; a vector
// with a lane nearer a half takes the exact 64-bit steps (about 1 vector in 16 for the
// typical E of 18-20, every vector where E is small). Lanes out of range are clamped
// either way: where |s * m / 2^(31+E)| >= 2^9 the float error stays far below the
// distance to the range.
inline __m512i out_rescale(__m512i sum, const Consts& c, const QuantBinaryArgs& p) {
  const __m512 y = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), c.out_scale, c.out_zp);
  const __m512 r = _mm512_roundscale_ps(y, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 dist = _mm512_abs_ps(_mm512_sub_ps(y, r));
  if (_mm512_cmp_ps_mask(dist, c.near_half, _CMP_GT_OQ) != 0) [[unlikely]]
    return _mm512_add_epi32(mbqm(sum, c.m_out, p.output_shift), c.off_out);
  return _mm512_cvtps_epi32(r);
}

// The whole ADD/SUB's float32 estimate (kAll) on 16 lanes: y = v1 * A + v2 * B + offset
// rounded to the nearest integer, and in *near the lanes within the window's complement
// of a half, where the exact steps must run. Beyond the activation bounds by more than
// 1/2 (and the estimate's error) the result is the bound whatever the rounding: y is
// clamped 3/4 past them first, so that such lanes are never near a half (with a fused
// ReLU half the outputs lie below the range); the caller clamps to the bounds.
inline __m512i estimate_all(__m512i a, __m512i b, const Consts& c, __mmask16* near) {
  const __m512 v1 = _mm512_cvtepi32_ps(_mm512_add_epi32(a, c.off1));
  const __m512 v2 = _mm512_cvtepi32_ps(_mm512_add_epi32(b, c.off2));
  __m512 y = _mm512_fmadd_ps(v2, c.in2_scale, _mm512_fmadd_ps(v1, c.in1_scale, c.out_zp));
  y = _mm512_min_ps(_mm512_max_ps(y, c.y_lo), c.y_hi);
  const __m512 d = _mm512_reduce_ps(y, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);  // y - round(y)
  *near = _mm512_cmp_ps_mask(_mm512_abs_ps(d), c.all_near, _CMP_GT_OQ);
  return _mm512_cvt_roundps_epi32(y, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

// kFast8: an int8 ADD/SUB whose input rescales rescale8 computes, or an 8-bit MUL. kExact1 / kExact2: that
// input's multiplier is 2^30 with shift 0, as TFLite gives the input of the larger scale:
// its rescale is exactly v * 2^19. kAll (with kFast8): the whole op estimated in float32
// first (all_float_window); vectors with a lane too near a half take the exact steps.
template <int kOp, bool kFast8, bool kExact1, bool kExact2, bool kAll = false>
inline __m512i compute(__m512i a, __m512i b, const Consts& c, const QuantBinaryArgs& p) {
  if constexpr (kAll) {
    __mmask16 near;
    const __m512i q = estimate_all(a, b, c, &near);
    if (near != 0) [[unlikely]]
      return compute<kOp, true, kExact1, kExact2>(a, b, c, p);
    return _mm512_min_epi32(_mm512_max_epi32(q, c.lo), c.hi);
  }
  __m512i raw;
  if constexpr (kOp == 2) {
    const __m512i prod = _mm512_mullo_epi32(_mm512_add_epi32(a, c.off1), _mm512_add_epi32(b, c.off2));
    // 8-bit (kFast8): |prod| <= 256 * 256 is exact in float32, and the product's rescale is
    // the ADD's output rescale (out_rescale), with the same bound.
    if constexpr (kFast8) return _mm512_min_epi32(_mm512_max_epi32(out_rescale(prod, c, p), c.lo), c.hi);
    raw = mbqm(prod, c.m_out, p.output_shift);
  } else if constexpr (kFast8) {
    const __m512i v1 = _mm512_add_epi32(a, c.off1), v2 = _mm512_add_epi32(b, c.off2);
    const __m512i s1 = kExact1 ? _mm512_slli_epi32(v1, 19) : rescale8(v1, c.m1h, c.m1l, -p.input1_shift);
    const __m512i s2 = kExact2 ? _mm512_slli_epi32(v2, 19) : rescale8(v2, c.m2h, c.m2l, -p.input2_shift);
    const __m512i o = out_rescale(kOp == 1 ? _mm512_sub_epi32(s1, s2) : _mm512_add_epi32(s1, s2), c, p);
    return _mm512_min_epi32(_mm512_max_epi32(o, c.lo), c.hi);
  } else {
    const __m128i ls = _mm_cvtsi32_si128(p.left_shift);
    const __m512i s1 = mbqm(_mm512_sll_epi32(_mm512_add_epi32(a, c.off1), ls), c.m1, p.input1_shift);
    const __m512i s2 = mbqm(_mm512_sll_epi32(_mm512_add_epi32(b, c.off2), ls), c.m2, p.input2_shift);
    raw = mbqm(kOp == 1 ? _mm512_sub_epi32(s1, s2) : _mm512_add_epi32(s1, s2), c.m_out, p.output_shift);
  }
  const __m512i o = _mm512_add_epi32(raw, c.off_out);
  return _mm512_min_epi32(_mm512_max_epi32(o, c.lo), c.hi);
}

// 16 int8 or int16 values, widened to int32 lanes; and back (saturating: the clamp
// already keeps the values in range).
inline __m512i load16(const int8_t* p, __mmask16 k) { return _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(k, p)); }
inline __m512i load16(const int16_t* p, __mmask16 k) { return _mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16(k, p)); }
inline void store16(int8_t* p, __mmask16 k, __m512i v) { _mm_mask_storeu_epi8(p, k, _mm512_cvtsepi32_epi8(v)); }
inline void store16(int16_t* p, __mmask16 k, __m512i v) { _mm256_mask_storeu_epi16(p, k, _mm512_cvtsepi32_epi16(v)); }

template <int kOp, bool kFast8, bool kExact1, bool kExact2, bool kAll, typename T>
void loop(const T* a, int a_step, const T* b, int b_step, T* out, size_t n, const Consts& c,
          const QuantBinaryArgs& p) {
  const __m512i sa = _mm512_set1_epi32(a[0]), sb = _mm512_set1_epi32(b[0]);
  for (size_t i = 0; i < n; i += 16) {
    const size_t r = n - i < 16 ? n - i : 16;
    const __mmask16 k = static_cast<__mmask16>((1u << r) - 1);
    const __m512i va = a_step ? load16(a + i, k) : sa;
    const __m512i vb = b_step ? load16(b + i, k) : sb;
    store16(out + i, k, compute<kOp, kFast8, kExact1, kExact2, kAll>(va, vb, c, p));
  }
}

// The whole-op estimate (kAll) over two int8 arrays, 64 outputs per 64-byte store:
// estimate_all on 16 lanes at a time, then two saturating packs (exact: the clamp below
// keeps act_min..act_max, inside int8), a dword permutation back to order, and the clamp
// on bytes. A vector with a lane too near a half takes compute's exact steps.
template <int kOp, bool kExact1, bool kExact2>
size_t loop_all64(const int8_t* a, const int8_t* b, int8_t* out, size_t n, const Consts& c,
                  const QuantBinaryArgs& p) {
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  const __m512i lo = _mm512_set1_epi8(static_cast<char>(p.act_min)), hi = _mm512_set1_epi8(static_cast<char>(p.act_max));
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    __m512i q[4];
    __mmask16 near[4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j)
      q[j] = estimate_all(load16(a + i + 16 * j, 0xFFFF), load16(b + i + 16 * j, 0xFFFF), c, &near[j]);
    if ((near[0] | near[1] | near[2] | near[3]) != 0) [[unlikely]] {
      for (int j = 0; j < 4; ++j)
        if (near[j] != 0)
          q[j] = compute<kOp, true, kExact1, kExact2>(load16(a + i + 16 * j, 0xFFFF), load16(b + i + 16 * j, 0xFFFF), c, p);
    }
    const __m512i bytes = _mm512_packs_epi16(_mm512_packs_epi32(q[0], q[1]), _mm512_packs_epi32(q[2], q[3]));
    const __m512i v = _mm512_permutexvar_epi32(order, bytes);
    _mm512_storeu_si512(out + i, _mm512_min_epi8(_mm512_max_epi8(v, lo), hi));
  }
  return i;
}

template <int kOp, typename T>
void run(const T* a, int a_step, const T* b, int b_step, T* out, size_t n, const QuantBinaryArgs& p) {
  // rescale8 holds for 8-bit inputs (|x + offset| <= 255), the left shift 20 and right
  // input shifts; anything else takes the general steps.
  const bool fast8 = sizeof(T) == 1 && qs8_add_has_fast_path(p);
  double sa, sb, mo;
  qs8_estimate_scales(p, kOp, &sa, &sb, &mo);
  // The whole ADD/SUB's estimate (kAll) where its window allows.
  const double window = kOp != 2 && fast8 ? all_float_window(p, sa, sb) : -1;
  const Consts c{_mm512_set1_epi32(p.input1_offset),    _mm512_set1_epi32(p.input2_offset),
                 _mm512_set1_epi32(p.output_offset),    _mm512_set1_epi32(p.input1_multiplier),
                 _mm512_set1_epi32(p.input2_multiplier), _mm512_set1_epi32(p.output_multiplier),
                 _mm512_set1_epi32(p.act_min),          _mm512_set1_epi32(p.act_max),
                 _mm512_set1_epi32(p.input1_multiplier >> 11), _mm512_set1_epi32(p.input1_multiplier & 2047),
                 _mm512_set1_epi32(p.input2_multiplier >> 11), _mm512_set1_epi32(p.input2_multiplier & 2047),
                 _mm512_set1_ps(static_cast<float>(mo)),
                 _mm512_set1_ps(static_cast<float>(p.output_offset)),
                 _mm512_set1_ps(static_cast<float>(out_rescale_window(p))),
                 _mm512_set1_ps(static_cast<float>(sa)),
                 _mm512_set1_ps(static_cast<float>(sb)),
                 _mm512_set1_ps(static_cast<float>(window)),
                 _mm512_set1_ps(static_cast<float>(p.act_min) - 0.75f),
                 _mm512_set1_ps(static_cast<float>(p.act_max) + 0.75f)};
  if (kOp == 2) {
    if (sizeof(T) == 1 && qs8_mul_has_fast_path(p)) return loop<kOp, true, false, false, false>(a, a_step, b, b_step, out, n, c, p);
    return loop<kOp, false, false, false, false>(a, a_step, b, b_step, out, n, c, p);
  }
  if (!fast8) return loop<kOp, false, false, false, false>(a, a_step, b, b_step, out, n, c, p);
  const bool e1 = p.input1_multiplier == (1 << 30) && p.input1_shift == 0;
  const bool e2 = p.input2_multiplier == (1 << 30) && p.input2_shift == 0;
  auto fast = [&](auto all) {
    constexpr bool kAll = decltype(all)::value;
    if constexpr (kAll && sizeof(T) == 1) {
      if (a_step && b_step && n >= 64) {  // 64 at a time, then the rest 16 at a time
        const size_t done = e1 && e2 ? loop_all64<kOp, true, true>(a, b, out, n, c, p)
                            : e1     ? loop_all64<kOp, true, false>(a, b, out, n, c, p)
                            : e2     ? loop_all64<kOp, false, true>(a, b, out, n, c, p)
                                     : loop_all64<kOp, false, false>(a, b, out, n, c, p);
        a += done, b += done, out += done, n -= done;
        if (n == 0) return;
      }
    }
    if (e1 && e2) return loop<kOp, true, true, true, kAll>(a, a_step, b, b_step, out, n, c, p);
    if (e1) return loop<kOp, true, true, false, kAll>(a, a_step, b, b_step, out, n, c, p);
    if (e2) return loop<kOp, true, false, true, kAll>(a, a_step, b, b_step, out, n, c, p);
    loop<kOp, true, false, false, kAll>(a, a_step, b, b_step, out, n, c, p);
  };
  if (window > 0) fast(std::true_type{});
  else fast(std::false_type{});
}

}  // namespace

void qs8_binary_avx512(const int8_t* a, int a_step, const int8_t* b, int b_step, int8_t* out, size_t n,
                       const QuantBinaryArgs& p, int op) {
  switch (op) {
    case 0: run<0>(a, a_step, b, b_step, out, n, p); break;
    case 1: run<1>(a, a_step, b, b_step, out, n, p); break;
    default: run<2>(a, a_step, b, b_step, out, n, p); break;
  }
}

void qs16_binary_avx512(const int16_t* a, int a_step, const int16_t* b, int b_step, int16_t* out, size_t n,
                        const QuantBinaryArgs& p, int op) {
  switch (op) {
    case 0: run<0>(a, a_step, b, b_step, out, n, p); break;
    case 1: run<1>(a, a_step, b, b_step, out, n, p); break;
    default: run<2>(a, a_step, b, b_step, out, n, p); break;
  }
}

void qs8_rescale_avx512(const int32_t* v, size_t n, int32_t m, int e, int32_t* out) {
  const __m512i mh = _mm512_set1_epi32(m >> 11), ml = _mm512_set1_epi32(m & 2047);
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 k = n - i >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_epi32(out + i, k, rescale8(_mm512_maskz_loadu_epi32(k, v + i), mh, ml, e));
  }
}

}  // namespace liteq::rt::x86
