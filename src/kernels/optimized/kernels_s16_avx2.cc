// AVX2 16x8 kernels (int16 activations, int8 weights): the exact GEMM on int16 pairs
// (vpmaddwd, int32 partial sums widened to int64 every kChunkPairs pairs) and the
// depthwise row kernel. See kernels_s16.h for the layouts and the overflow bounds.
// Internal linkage for all helpers.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/optimized/kernels_s16.h"

namespace liteq::rt::opt::s16 {
namespace {

inline int32_t load4(const int16_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Adds (first: stores) the 8 int32 lanes of v, widened, to p[0..7].
inline void widen_to(int64_t* p, __m256i v, bool first) {
  __m256i lo = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(v));
  __m256i hi = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(v, 1));
  if (!first) {
    lo = _mm256_add_epi64(lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    hi = _mm256_add_epi64(hi, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 4)));
  }
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), lo);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p + 4), hi);
}

// MR rows x NB blocks of 8 channels; w: the first block, wbs int16 per block.
template <int MR, int NB>
inline void tile(const GemmArgs& g, const int16_t* a, const int16_t* w, int64_t wbs, int64_t* out) {
  const int64_t as = g.a_stride;
  for (int k0 = 0; k0 < g.kpairs; k0 += kChunkPairs) {
    const int k1 = g.kpairs - k0 < kChunkPairs ? g.kpairs : k0 + kChunkPairs;
    __m256i acc[MR][NB];
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < NB; ++j) acc[i][j] = _mm256_setzero_si256();
    for (int k = k0; k < k1; ++k) {
      __m256i wv[NB];
#pragma GCC unroll 4
      for (int j = 0; j < NB; ++j)
        wv[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + j * wbs + int64_t{k} * 16));
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i) {
        const __m256i av = _mm256_set1_epi32(load4(a + i * as + int64_t{k} * 2));
#pragma GCC unroll 4
        for (int j = 0; j < NB; ++j) acc[i][j] = _mm256_add_epi32(acc[i][j], _mm256_madd_epi16(av, wv[j]));
      }
    }
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < NB; ++j) widen_to(out + i * g.out_stride + 8 * j, acc[i][j], k0 == 0);
  }
}

constexpr int kMr = 4;

template <int NB>
inline void column(const GemmArgs& g, const int16_t* w, int64_t wbs, int64_t* out) {
  int m = 0;
  for (; m + kMr <= g.rows; m += kMr) tile<kMr, NB>(g, g.a + m * g.a_stride, w, wbs, out + m * g.out_stride);
  for (; m < g.rows; ++m) tile<1, NB>(g, g.a + m * g.a_stride, w, wbs, out + m * g.out_stride);
}

// 8 int16 at p (only `valid` of them read when fewer) as 8 int32.
inline __m256i load8_i16(const int16_t* p, int valid) {
  if (valid >= 8) return _mm256_cvtepi16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  int16_t tmp[8] = {};
  std::memcpy(tmp, p, static_cast<size_t>(valid) * 2);
  return _mm256_cvtepi16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(tmp)));
}

}  // namespace

// Output columns whose taps all lie inside the input horizontally: [*lo, *hi).
void interior_columns(const DwArgs& d, int* lo, int* hi) {
  const int ox_lo = d.out_w < (d.pad_l + d.sw - 1) / d.sw ? d.out_w : (d.pad_l + d.sw - 1) / d.sw;
  const int last = d.in_w - 1 - (d.kw - 1) * d.dw + d.pad_l;  // ix0 + (kw - 1) * dw <= in_w - 1
  int ox_hi = last < 0 ? 0 : last / d.sw + 1;
  if (ox_hi > d.out_w) ox_hi = d.out_w;
  if (ox_hi < ox_lo) ox_hi = ox_lo;
  *lo = ox_lo;
  *hi = ox_hi;
}

void gemm_s16_avx2(const GemmArgs& g, int n_begin, int n_end) {
  const int64_t wbs = int64_t{g.kpairs} * 16;  // int16 per block of 8 channels
  for (int n = n_begin; n < n_end; n += 16) {
    const int16_t* w = g.w + (n / 8) * wbs;
    int64_t* out = g.out + (n - n_begin);
    if (n_end - n > 8) column<2>(g, w, wbs, out);
    else column<1>(g, w, wbs, out);
  }
}

// 8 channels per vector; the weights' high halves are 0, so vpmaddwd on the
// sign-extended input gives x * w per lane.
void dw_s16_row_avx2(const DwArgs& d, int64_t r, int32_t* acc) {
  const int C = d.c;
  const int64_t in_row = int64_t{d.in_w} * C;
  const int b = static_cast<int>(r / d.out_h), oy = static_cast<int>(r % d.out_h);
  const int iy0 = oy * d.sh - d.pad_t;
  int ky0 = 0, ky1 = d.kh;
  while (ky0 < ky1 && iy0 + ky0 * d.dh < 0) ++ky0;
  while (ky1 > ky0 && iy0 + (ky1 - 1) * d.dh >= d.in_h) --ky1;
  const int16_t* in_b = d.in + int64_t{b} * d.in_h * in_row;
  int ox_lo = 0, ox_hi = 0;  // the columns done without bounds checks
  const int16_t* rows[kDwMaxRows];
  if (d.kh <= kDwMaxRows) {
    interior_columns(d, &ox_lo, &ox_hi);
    for (int ky = 0; ky < d.kh; ++ky) {
      const int iy = iy0 + ky * d.dh;
      rows[ky] = iy >= 0 && iy < d.in_h ? in_b + int64_t{iy} * in_row : d.zero;
    }
  }
  const int64_t dx = int64_t{d.dw} * C;
  if (d.kh != 3 || d.kw != 3) {
    for (int c = 0; c < C && ox_hi > ox_lo; c += 8) {
      const int valid = C - c;
      for (int ox = ox_lo; ox < ox_hi; ++ox) {
        const int64_t x0 = int64_t{ox * d.sw - d.pad_l} * C + c;
        __m256i s = _mm256_setzero_si256();
        const int32_t* wt = d.w32 + c;
        for (int ky = 0; ky < d.kh; ++ky) {
          const int16_t* p = rows[ky] + x0;
          for (int kx = 0; kx < d.kw; ++kx, p += dx, wt += d.cpad)
            s = _mm256_add_epi32(s, _mm256_madd_epi16(load8_i16(p, valid),
                                                      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wt))));
        }
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + int64_t{ox} * d.cpad + c), s);
      }
    }
  } else {
    for (int c = 0; c < C && ox_hi > ox_lo; c += 8) {
      const int valid = C - c;
      __m256i w[9];
      for (int t = 0; t < 9; ++t)
        w[t] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(d.w32 + int64_t{t} * d.cpad + c));
      for (int ox = ox_lo; ox < ox_hi; ++ox) {
        const int64_t x0 = int64_t{ox * d.sw - d.pad_l} * C + c;
        __m256i s = _mm256_setzero_si256();
        for (int ky = 0; ky < 3; ++ky) {
          const int16_t* p = rows[ky] + x0;
          s = _mm256_add_epi32(s, _mm256_madd_epi16(load8_i16(p, valid), w[3 * ky]));
          s = _mm256_add_epi32(s, _mm256_madd_epi16(load8_i16(p + dx, valid), w[3 * ky + 1]));
          s = _mm256_add_epi32(s, _mm256_madd_epi16(load8_i16(p + 2 * dx, valid), w[3 * ky + 2]));
        }
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + int64_t{ox} * d.cpad + c), s);
      }
    }
  }
  for (int ox = 0; ox < d.out_w; ++ox) {
    if (ox == ox_lo && ox_hi > ox_lo) ox = ox_hi;
    if (ox >= d.out_w) break;
    const int ix0 = ox * d.sw - d.pad_l;
    int kx0 = 0, kx1 = d.kw;
    while (kx0 < kx1 && ix0 + kx0 * d.dw < 0) ++kx0;
    while (kx1 > kx0 && ix0 + (kx1 - 1) * d.dw >= d.in_w) --kx1;
    int32_t* o = acc + int64_t{ox} * d.cpad;
    for (int c = 0; c < C; c += 8) {
      const int valid = C - c;
      __m256i s = _mm256_setzero_si256();
      for (int ky = ky0; ky < ky1; ++ky) {
        const int16_t* row = in_b + int64_t{iy0 + ky * d.dh} * in_row + c;
        const int32_t* wr = d.w32 + int64_t{ky} * d.kw * d.cpad + c;
        for (int kx = kx0; kx < kx1; ++kx) {
          const __m256i x = load8_i16(row + int64_t{ix0 + kx * d.dw} * C, valid);
          const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wr + int64_t{kx} * d.cpad));
          s = _mm256_add_epi32(s, _mm256_madd_epi16(x, wv));
        }
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + c), s);
    }
  }
}

}  // namespace liteq::rt::opt::s16

namespace liteq::rt::opt::s16 {
namespace {

// Arithmetic right shift of int64 lanes by per-lane counts (AVX2 has only the logical one).
inline __m256i sra64(__m256i x, __m256i s) {
  const __m256i m = _mm256_cmpgt_epi64(_mm256_setzero_si256(), x);
  return _mm256_xor_si256(_mm256_srlv_epi64(_mm256_xor_si256(x, m), s), m);
}

// Channel n's parameter (uniform: channel 0's) for 4 channels from n.
inline __m256i param4(const Requant& q, const int64_t* p, int n) {
  return q.uniform ? _mm256_set1_epi64x(p[0]) : _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + n));
}

// The parameters of 4 channels from n.
struct Params4 {
  __m256i b, m, rd, sh;
};
inline Params4 params4(const Requant& q, int n) {
  return {param4(q, q.bias, n), param4(q, q.mult, n), param4(q, q.round, n), param4(q, q.shift, n)};
}

// 4 sums (int64) requantized; the int32 results in the low halves of the lanes (the
// int32 path clamped here, the int64 path after its truncation to int32).
template <bool kWrap>
inline __m256i requant4(const Params4& p, __m256i sum, __m256i lo64, __m256i hi64) {
  const __m256i x = _mm256_add_epi64(sum, p.b);
  if (kWrap) {
    // vpmuldq reads the low 32 bits as signed: int32(x) * m, exact.
    __m256i v = sra64(_mm256_add_epi64(_mm256_mul_epi32(x, p.m), p.rd), p.sh);
    // [lo, hi] lies inside int32: one clamp does both of the reference's.
    v = _mm256_blendv_epi8(v, lo64, _mm256_cmpgt_epi64(lo64, v));
    return _mm256_blendv_epi8(v, hi64, _mm256_cmpgt_epi64(v, hi64));
  }
  // x * m mod 2^64 (0 <= m < 2^15): low half unsigned, high half signed.
  const __m256i prod = _mm256_add_epi64(_mm256_mul_epu32(x, p.m),
                                        _mm256_slli_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), p.m), 32));
  return sra64(_mm256_add_epi64(prod, p.rd), p.sh);
}

// The low halves of a and b's lanes as 8 int32, clamped, as int16.
inline __m128i finish8(__m256i a, __m256i b, __m256i lo32, __m256i hi32) {
  const __m256i idx = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  const __m256i v32 = _mm256_permute2x128_si256(_mm256_permutevar8x32_epi32(a, idx),
                                                _mm256_permutevar8x32_epi32(b, idx), 0x20);
  const __m256i v = _mm256_min_epi32(_mm256_max_epi32(v32, lo32), hi32);
  // In int16 range: the saturating pack is exact.
  return _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
}

// Channel blocks of 8 outer (their parameters in registers), rows inner.
template <bool kWrap, bool k64>
void requant_impl(const Requant& q, const int64_t* acc64, const int32_t* acc32, int64_t acc_stride, int rows, int nb,
                  int ne, int16_t* out, int64_t out_stride) {
  const __m256i lo64 = _mm256_set1_epi64x(q.lo), hi64 = _mm256_set1_epi64x(q.hi);
  const __m256i lo32 = _mm256_set1_epi32(q.lo), hi32 = _mm256_set1_epi32(q.hi);
  for (int n = nb; n < ne; n += 8) {
    const Params4 p0 = params4(q, n), p1 = params4(q, n + 4);
    const int valid = ne - n;
    for (int r = 0; r < rows; ++r) {
      const int64_t i = r * acc_stride + (n - nb);
      __m256i s0, s1;
      if (k64) {
        s0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc64 + i));
        s1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc64 + i + 4));
      } else {
        s0 = _mm256_cvtepi32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(acc32 + i)));
        s1 = _mm256_cvtepi32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(acc32 + i + 4)));
      }
      const __m128i v = finish8(requant4<kWrap>(p0, s0, lo64, hi64), requant4<kWrap>(p1, s1, lo64, hi64), lo32, hi32);
      int16_t* o = out + r * out_stride + n;
      if (valid >= 8) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o), v);
      } else {
        int16_t tmp[8];
        _mm_storeu_si128(reinterpret_cast<__m128i*>(tmp), v);
        std::memcpy(o, tmp, static_cast<size_t>(valid) * 2);
      }
    }
  }
}

}  // namespace

void requant_s16_avx2(const Requant& q, const int64_t* acc64, const int32_t* acc32, int64_t acc_stride, int rows,
                      int nb, int ne, int16_t* out, int64_t out_stride) {
  if (q.wrap32) {
    if (acc64) requant_impl<true, true>(q, acc64, acc32, acc_stride, rows, nb, ne, out, out_stride);
    else requant_impl<true, false>(q, acc64, acc32, acc_stride, rows, nb, ne, out, out_stride);
  } else {
    if (acc64) requant_impl<false, true>(q, acc64, acc32, acc_stride, rows, nb, ne, out, out_stride);
    else requant_impl<false, false>(q, acc64, acc32, acc_stride, rows, nb, ne, out, out_stride);
  }
}

}  // namespace liteq::rt::opt::s16

namespace liteq::rt::opt::s16 {

namespace {
// The four int32 sums of the lanes of a, b, c, d (each exact: see kDotChunk).
inline __m128i hsum4(__m256i a, __m256i b, __m256i c, __m256i d) {
  auto half = [](__m256i v) { return _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1)); };
  return _mm_hadd_epi32(_mm_hadd_epi32(half(a), half(b)), _mm_hadd_epi32(half(c), half(d)));
}
inline __m256i dot16(const int16_t* a, const int16_t* w) {
  return _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a)),
                           _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w)));
}
}  // namespace

void dot_s16_avx2(const GemmArgs& g, int n) {
  const int64_t kp = int64_t{g.kpairs} * 2;
  for (int r = 0; r < g.rows; r += 4) {
    const int nr = g.rows - r < 4 ? g.rows - r : 4;
    // Rows past the end repeat the last one (their sums are not stored).
    const int16_t* a[4];
    for (int i = 0; i < 4; ++i) a[i] = g.a + (r + (i < nr ? i : nr - 1)) * g.a_stride;
    for (int c = 0; c < n; ++c) {
      const int16_t* w = g.w + c * kp;
      int64_t t[4] = {0, 0, 0, 0};
      for (int64_t k0 = 0; k0 < kp; k0 += kDotChunk) {
        const int64_t k1 = kp - k0 < kDotChunk ? kp : k0 + kDotChunk;
        __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
        for (int64_t k = k0; k < k1; k += 16) {
          s0 = _mm256_add_epi32(s0, dot16(a[0] + k, w + k));
          s1 = _mm256_add_epi32(s1, dot16(a[1] + k, w + k));
          s2 = _mm256_add_epi32(s2, dot16(a[2] + k, w + k));
          s3 = _mm256_add_epi32(s3, dot16(a[3] + k, w + k));
        }
        const __m128i h = hsum4(s0, s1, s2, s3);
        t[0] += _mm_cvtsi128_si32(h);
        t[1] += _mm_extract_epi32(h, 1);
        t[2] += _mm_extract_epi32(h, 2);
        t[3] += _mm_extract_epi32(h, 3);
      }
      for (int i = 0; i < nr; ++i) g.out[(r + i) * g.out_stride + c] = t[i];
    }
  }
}

}  // namespace liteq::rt::opt::s16

namespace liteq::rt::opt::s16 {

void narrow_s16_avx2(const NarrowArgs& a) {
  const int full = a.len / 16 * 16, rem = a.len - full;
  // An even tail: a masked load of whole int16 pairs (masked lanes are not read).
  const __m256i pairs = _mm256_cmpgt_epi32(_mm256_set1_epi32(rem / 2), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  for (int ox = a.ox_lo; ox < a.ox_hi; ox += 4) {
    const int np = a.ox_hi - ox < 4 ? a.ox_hi - ox : 4;
    for (int c = 0; c < a.n; ++c) {
      __m256i s[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
      for (int i = 0; i < a.nrows; ++i) {
        const int16_t* w = a.w[i] + c * a.w_cstride;
        for (int j = 0; j < 4; ++j) {
          // Pixels past the end repeat the last one (not stored).
          const int16_t* x = a.rows[i] + (a.x0 + int64_t{ox + (j < np ? j : np - 1)} * a.step);
          for (int k = 0; k < full; k += 16) s[j] = _mm256_add_epi32(s[j], dot16(x + k, w + k));
          if (rem % 2 == 0 && rem) {
            const __m256i xv = _mm256_maskload_epi32(reinterpret_cast<const int*>(x + full), pairs);
            s[j] = _mm256_add_epi32(s[j], _mm256_madd_epi16(xv, _mm256_loadu_si256(
                                                                    reinterpret_cast<const __m256i*>(w + full))));
          } else if (rem) {
            int16_t tmp[16] = {};
            std::memcpy(tmp, x + full, static_cast<size_t>(rem) * 2);
            s[j] = _mm256_add_epi32(s[j], dot16(tmp, w + full));
          }
        }
      }
      const __m128i h = hsum4(s[0], s[1], s[2], s[3]);
      int32_t t[4];
      _mm_storeu_si128(reinterpret_cast<__m128i*>(t), h);
      for (int j = 0; j < np; ++j) a.out[int64_t{ox + j} * a.out_stride + c] = t[j];
    }
  }
}

}  // namespace liteq::rt::opt::s16
