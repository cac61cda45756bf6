// AVX2 int8 kernels: GEMM on int16 pairs with vpmaddwd (exact: no saturation for int8
// values, unlike vpmaddubsw), depthwise, and the int16 panel packing (also used by the
// AVX-512 GEMM). See kernels_s8.h for the layouts. Internal linkage for all helpers.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/optimized/kernels_s8.h"

namespace liteq::rt::opt::s8 {
namespace {

// As requant16 in gemm_s8_avx512_impl.inc, on 8 lanes.
inline __m256i requant8(__m256i acc, const Requant& rq, int n) {
  const __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rq.mult + n));
  const __m256i ls = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rq.lshift + n));
  const __m256i rs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rq.rshift + n));
  const __m256i rm = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rq.rmask + n));
  const __m256i x = _mm256_sllv_epi32(acc, ls);
  const __m256i half = _mm256_set1_epi64x(int64_t{1} << 30);
  __m256i pe = _mm256_mul_epi32(x, m);
  __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(m, 32));
  pe = _mm256_srli_epi64(_mm256_add_epi64(pe, half), 31);
  po = _mm256_slli_epi64(_mm256_add_epi64(po, half), 1);
  const __m256i high = _mm256_blend_epi32(pe, po, 0xAA);
  __m256i r = _mm256_srav_epi32(high, rs);
  const __m256i rem = _mm256_and_si256(high, rm);
  __m256i up;  // -1 where rounding up
  if (rq.round_double) {
    const __m256i thr = _mm256_add_epi32(_mm256_srli_epi32(rm, 1), _mm256_srli_epi32(high, 31));
    up = _mm256_cmpgt_epi32(rem, thr);
  } else {
    up = _mm256_xor_si256(_mm256_cmpeq_epi32(rem, _mm256_setzero_si256()), _mm256_set1_epi32(-1));
  }
  r = _mm256_sub_epi32(r, up);
  r = _mm256_max_epi32(r, _mm256_set1_epi32(rq.lo));
  r = _mm256_min_epi32(r, _mm256_set1_epi32(rq.hi));
  return _mm256_add_epi32(r, _mm256_set1_epi32(rq.offset));
}

// 8 int32 (already in int8 range) -> 8 int8 at dst, `valid` of them.
inline void store8(int8_t* dst, __m256i v, int valid) {
  const __m128i p16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  const __m128i p8 = _mm_packs_epi16(p16, p16);
  if (valid >= 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), p8);
  } else {
    int8_t tmp[16];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(tmp), p8);
    std::memcpy(dst, tmp, static_cast<size_t>(valid));
  }
}

inline int32_t load4(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

template <int MR, int NB>
inline void tile(const GemmArgs& g, const uint8_t* a, const int8_t* w, int64_t wbs, int n0, int valid,
                 int8_t* out) {
  __m256i acc[MR][NB];
#pragma GCC unroll 4
  for (int j = 0; j < NB; ++j) {
    const __m256i i0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(g.init + n0 + 8 * j));
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) acc[i][j] = i0;
  }
  const int kq = g.kgroups;
  const int64_t as = g.a_stride;
  for (int k = 0; k < kq; ++k) {
    __m256i wv[NB];
#pragma GCC unroll 4
    for (int j = 0; j < NB; ++j)
      wv[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + j * wbs + int64_t{k} * 32));
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m256i av = _mm256_set1_epi32(load4(a + i * as + int64_t{k} * 4));
#pragma GCC unroll 4
      for (int j = 0; j < NB; ++j) acc[i][j] = _mm256_add_epi32(acc[i][j], _mm256_madd_epi16(av, wv[j]));
    }
  }
#pragma GCC unroll 4
  for (int j = 0; j < NB; ++j) {
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i)
      store8(out + i * g.out_stride + n0 + 8 * j, requant8(acc[i][j], g.rq, n0 + 8 * j), valid - 8 * j);
  }
}

constexpr int kMr = 4;

template <int NB>
inline void column(const GemmArgs& g, const int8_t* w, int64_t wbs, int n0, int valid) {
  int m = 0;
  for (; m + kMr <= g.rows; m += kMr)
    tile<kMr, NB>(g, g.a + m * g.a_stride, w, wbs, n0, valid, g.out + m * g.out_stride);
  for (; m < g.rows; ++m) tile<1, NB>(g, g.a + m * g.a_stride, w, wbs, n0, valid, g.out + m * g.out_stride);
}

}  // namespace

void gemm_s8_avx2(const GemmArgs& g, int n_begin, int n_end) {
  const int64_t wbs = int64_t{g.kgroups} * 32;  // bytes per block of 8 channels
  for (int n = n_begin; n < n_end; n += 16) {
    const int valid = n_end - n;
    const int8_t* w = g.w + (n / 8) * wbs;
    if (valid > 8) column<2>(g, w, wbs, n, valid);
    else column<1>(g, w, wbs, n, valid);
  }
}

void pack_row_w16_avx2(int16_t* dst, const int8_t* src, int k, int kp) {
  int i = 0;
  for (; i + 16 <= k; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i),
                        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
  for (; i < k; ++i) dst[i] = src[i];
  for (; i < kp; ++i) dst[i] = 0;
}

void dw_s8_avx2(const DwArgs& d, int64_t r0, int64_t r1) {
  const int C = d.c;
  const __m256i off = _mm256_set1_epi32(d.in_off);
  for (int64_t r = r0; r < r1; ++r) {
    const int b = static_cast<int>(r / d.out_h), oy = static_cast<int>(r % d.out_h);
    const int iy0 = oy * d.sh - d.pad_t;
    int ky0 = 0, ky1 = d.kh;
    while (ky0 < ky1 && iy0 + ky0 * d.dh < 0) ++ky0;
    while (ky1 > ky0 && iy0 + (ky1 - 1) * d.dh >= d.in_h) --ky1;
    const int8_t* in_b = d.in + int64_t{b} * d.in_h * d.in_w * C;
    for (int ox = 0; ox < d.out_w; ++ox) {
      const int ix0 = ox * d.sw - d.pad_l;
      int kx0 = 0, kx1 = d.kw;
      while (kx0 < kx1 && ix0 + kx0 * d.dw < 0) ++kx0;
      while (kx1 > kx0 && ix0 + (kx1 - 1) * d.dw >= d.in_w) --kx1;
      int8_t* out = d.out + ((int64_t{b} * d.out_h + oy) * d.out_w + ox) * C;
      for (int c = 0; c < C; c += 8) {
        const int valid = C - c;
        __m256i acc = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(d.bias + c));
        for (int ky = ky0; ky < ky1; ++ky) {
          const int iy = iy0 + ky * d.dh;
          const int8_t* row = in_b + int64_t{iy} * d.in_w * C + c;
          const int32_t* wrow = d.w32 + int64_t{ky} * d.kw * d.cpad + c;
          for (int kx = kx0; kx < kx1; ++kx) {
            const int8_t* p = row + int64_t{ix0 + kx * d.dw} * C;
            __m128i xb;
            if (valid >= 8) {
              xb = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
            } else {
              int8_t tmp[16] = {};
              std::memcpy(tmp, p, static_cast<size_t>(valid));
              xb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(tmp));
            }
            const __m256i x = _mm256_add_epi32(_mm256_cvtepi8_epi32(xb), off);
            const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wrow + int64_t{kx} * d.cpad));
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(x, wv));
          }
        }
        store8(out + c, requant8(acc, d.rq, c), valid);
      }
    }
  }
}

}  // namespace liteq::rt::opt::s8
