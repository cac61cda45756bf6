// AVX2 QUANTIZE and int8 RESIZE_BILINEAR; see data_s8.h. Built with -mavx2 -mfma only.
#include <immintrin.h>

#include <cstring>

#include "kernels/x86/data_s8.h"

namespace liteq::rt::x86 {
namespace {

// round half away from zero, exactly: t = trunc(x); t + sign(x) where |x - t| >= 0.5.
inline __m256d round_half_away(__m256d x) {
  const __m256d t = _mm256_round_pd(x, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256d sign_bit = _mm256_set1_pd(-0.0);
  const __m256d frac = _mm256_andnot_pd(sign_bit, _mm256_sub_pd(x, t));  // |x - t|, exact
  const __m256d one = _mm256_or_pd(_mm256_and_pd(x, sign_bit), _mm256_set1_pd(1.0));  // +-1
  const __m256d up = _mm256_cmp_pd(frac, _mm256_set1_pd(0.5), _CMP_GE_OQ);
  return _mm256_add_pd(t, _mm256_and_pd(up, one));
}

// 4 floats -> 4 int32 quantized values.
inline __m128i quantize4(__m128 x, __m256d scale, __m256d zp, __m256d lo, __m256d hi) {
  const __m256d xd = _mm256_cvtps_pd(x);
  __m256d q = _mm256_add_pd(round_half_away(_mm256_div_pd(xd, scale)), zp);
  q = _mm256_blendv_pd(q, zp, _mm256_cmp_pd(q, q, _CMP_UNORD_Q));  // NaN -> zero point
  q = _mm256_min_pd(_mm256_max_pd(q, lo), hi);
  return _mm256_cvtpd_epi32(q);  // exact: q is an integer in range
}

// 8 values quantized from the float32 estimate x * (1 / scale), as the AVX-512 version
// (data_s8.h), with the lanes near a tie in *unsure.
struct QuantConst8 {
  __m256 inv, zp, lo, hi, sign_bit, half, one, window, limit;
};
inline __m256i quant8(const QuantConst8& k, __m256 x, int* unsure) {
  const __m256 y = _mm256_mul_ps(x, k.inv);
  const __m256 t = _mm256_round_ps(y, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256 frac = _mm256_andnot_ps(k.sign_bit, _mm256_sub_ps(y, t));  // |y - t|, exact
  const __m256 near = _mm256_andnot_ps(k.sign_bit, _mm256_sub_ps(frac, k.half));
  *unsure = _mm256_movemask_ps(_mm256_and_ps(_mm256_cmp_ps(near, k.window, _CMP_LT_OQ),
                                             _mm256_cmp_ps(_mm256_andnot_ps(k.sign_bit, y), k.limit, _CMP_LT_OQ)));
  const __m256 step = _mm256_or_ps(_mm256_and_ps(y, k.sign_bit), k.one);
  __m256 q = _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(frac, k.half, _CMP_GE_OQ), step));
  q = _mm256_add_ps(q, k.zp);
  q = _mm256_blendv_ps(q, k.zp, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));  // NaN -> zero point
  q = _mm256_min_ps(_mm256_max_ps(q, k.lo), k.hi);
  return _mm256_cvtps_epi32(q);  // exact: an integer in range
}

}  // namespace

void quantize_f32_8bit_avx2(const float* in, void* out, size_t n, double scale, double zero_point, int is_unsigned) {
  const double dlo = is_unsigned ? 0.0 : -128.0, dhi = is_unsigned ? 255.0 : 127.0;
  QuantConst8 k;
  k.inv = _mm256_set1_ps(static_cast<float>(1.0 / scale)), k.zp = _mm256_set1_ps(static_cast<float>(zero_point));
  k.lo = _mm256_set1_ps(static_cast<float>(dlo)), k.hi = _mm256_set1_ps(static_cast<float>(dhi));
  k.sign_bit = _mm256_set1_ps(-0.0f), k.half = _mm256_set1_ps(0.5f), k.one = _mm256_set1_ps(1.0f);
  k.window = _mm256_set1_ps(1.0f / 2048), k.limit = _mm256_set1_ps(2048.0f);
  auto* o = static_cast<uint8_t*>(out);
  auto fix = [&](size_t at, int lanes, size_t end) {  // the reference's result where unsure
    for (; lanes != 0; lanes &= lanes - 1) {
      const size_t j = at + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(lanes)));
      if (j < end) o[j] = static_cast<uint8_t>(quantize_8bit_reference(in[j], scale, zero_point, is_unsigned));
    }
  };
  // 32 values per store: the packs interleave the four vectors by 128-bit lane, a dword
  // permutation restores the order.
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    int u[4];
    __m256i q[4];
    for (int j = 0; j < 4; ++j) q[j] = quant8(k, _mm256_loadu_ps(in + i + 8 * j), &u[j]);
    const __m256i w01 = _mm256_packs_epi32(q[0], q[1]), w23 = _mm256_packs_epi32(q[2], q[3]);
    const __m256i b = is_unsigned ? _mm256_packus_epi16(w01, w23) : _mm256_packs_epi16(w01, w23);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + i), _mm256_permutevar8x32_epi32(b, order));
    if ((u[0] | u[1] | u[2] | u[3]) != 0) [[unlikely]] {
      for (int j = 0; j < 4; ++j) fix(i + 8 * j, u[j], n);
    }
  }
  for (; i < n; i += 8) {
    float tmp[8] = {};
    const size_t m = n - i < 8 ? n - i : 8;
    std::memcpy(tmp, in + i, m * sizeof(float));
    int u;
    const __m256i q = quant8(k, _mm256_loadu_ps(tmp), &u);
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    const __m128i p = is_unsigned ? _mm_packus_epi16(w, w) : _mm_packs_epi16(w, w);
    uint8_t res[8];
    _mm_storel_epi64(reinterpret_cast<__m128i*>(res), p);
    std::memcpy(o + i, res, m);
    fix(i, u, n);
  }
}

void dequantize_s8_avx2(const int8_t* in, float* out, size_t n, float scale, int32_t zero_point) {
  const __m256 s = _mm256_set1_ps(scale);
  const __m256i zp = _mm256_set1_epi32(zero_point);
  auto block = [&](const int8_t* src, float* dst) {
    int64_t v;
    std::memcpy(&v, src, 8);
    const __m256i q = _mm256_sub_epi32(_mm256_cvtepi8_epi32(_mm_cvtsi64_si128(v)), zp);
    _mm256_storeu_ps(dst, _mm256_mul_ps(_mm256_cvtepi32_ps(q), s));
  };
  size_t i = 0;
  for (; i + 8 <= n; i += 8) block(in + i, out + i);
  if (i < n) {
    int8_t tmp[8] = {};
    float res[8];
    std::memcpy(tmp, in + i, n - i);
    block(tmp, res);
    std::memcpy(out + i, res, (n - i) * sizeof(float));
  }
}

void quantize_f32_s16_avx2(const float* in, int16_t* out, size_t n, double scale, double zero_point) {
  const __m256d s = _mm256_set1_pd(scale), zp = _mm256_set1_pd(zero_point);
  const __m256d lo = _mm256_set1_pd(-32768.0), hi = _mm256_set1_pd(32767.0);
  auto block = [&](const float* src, int16_t* dst) {
    const __m128i a = quantize4(_mm_loadu_ps(src), s, zp, lo, hi);
    const __m128i b = quantize4(_mm_loadu_ps(src + 4), s, zp, lo, hi);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm_packs_epi32(a, b));  // already in range
  };
  size_t i = 0;
  for (; i + 8 <= n; i += 8) block(in + i, out + i);
  if (i < n) {
    float tmp[8] = {};
    int16_t res[8];
    std::memcpy(tmp, in + i, (n - i) * sizeof(float));
    block(tmp, res);
    std::memcpy(out + i, res, (n - i) * sizeof(int16_t));
  }
}

void resize_bilinear_px_s8_avx2(const int8_t* p00, const int8_t* p01, const int8_t* p10, const int8_t* p11,
                                int32_t w00, int32_t w01, int32_t w10, int32_t w11, int8_t* out, size_t channels) {
  const __m256i a = _mm256_set1_epi32(w00), b = _mm256_set1_epi32(w01), c = _mm256_set1_epi32(w10),
                d = _mm256_set1_epi32(w11);
  const __m256i zero = _mm256_setzero_si256();
  const __m256i half = _mm256_set1_epi32(1 << 19);
  auto load = [](const int8_t* p) { return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))); };
  auto px8 = [&](const int8_t* q00, const int8_t* q01, const int8_t* q10, const int8_t* q11, int8_t* dst) {
    // |v| <= 128 * 2^20: int32 is enough. Same order of terms as the reference (exact anyway).
    __m256i v = _mm256_mullo_epi32(load(q00), a);
    v = _mm256_add_epi32(v, _mm256_mullo_epi32(load(q10), c));
    v = _mm256_add_epi32(v, _mm256_mullo_epi32(load(q01), b));
    v = _mm256_add_epi32(v, _mm256_mullo_epi32(load(q11), d));
    const __m256i pos = _mm256_cmpgt_epi32(v, zero);
    const __m256i t = _mm256_add_epi32(v, _mm256_sub_epi32(_mm256_and_si256(pos, _mm256_add_epi32(half, half)), half));
    // t / 2^20 truncated toward zero
    const __m256i s = _mm256_cmpgt_epi32(zero, t);
    const __m256i mag = _mm256_srli_epi32(_mm256_sub_epi32(_mm256_xor_si256(t, s), s), 20);
    const __m256i r = _mm256_sub_epi32(_mm256_xor_si256(mag, s), s);
    const __m128i p16 = _mm_packs_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), _mm_packs_epi16(p16, p16));
  };
  size_t i = 0;
  for (; i + 8 <= channels; i += 8) px8(p00 + i, p01 + i, p10 + i, p11 + i, out + i);
  if (i < channels) {
    int8_t t00[8] = {}, t01[8] = {}, t10[8] = {}, t11[8] = {}, res[8];
    const size_t r = channels - i;
    std::memcpy(t00, p00 + i, r);
    std::memcpy(t01, p01 + i, r);
    std::memcpy(t10, p10 + i, r);
    std::memcpy(t11, p11 + i, r);
    px8(t00, t01, t10, t11, res);
    std::memcpy(out + i, res, r);
  }
}

}  // namespace liteq::rt::x86
