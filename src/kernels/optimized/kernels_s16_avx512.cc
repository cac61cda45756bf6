// AVX-512 (F/BW/DQ/VL) 16x8 kernels: the vpmaddwd GEMM (gemm_s16_avx512_impl.inc) and the
// depthwise row kernel (also used at the VNNI level).
#include "kernels/optimized/gemm_s16_avx512_impl.inc"

namespace liteq::rt::opt::s16 {

void gemm_s16_avx512(const GemmArgs& g, int n_begin, int n_end) { gemm_impl(g, n_begin, n_end); }

// As dw_s16_row_avx2, on 16 channels; the channel tail is a masked load.
void dw_s16_row_avx512(const DwArgs& d, int64_t r, int32_t* acc) {
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
    for (int c = 0; c < C && ox_hi > ox_lo; c += 16) {
      const int valid = C - c;
      const __mmask16 mask = valid >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << valid) - 1);
      for (int ox = ox_lo; ox < ox_hi; ++ox) {
        const int64_t x0 = int64_t{ox * d.sw - d.pad_l} * C + c;
        __m512i s = _mm512_setzero_si512();
        const int32_t* wt = d.w32 + c;
        for (int ky = 0; ky < d.kh; ++ky) {
          const int16_t* p = rows[ky] + x0;
          for (int kx = 0; kx < d.kw; ++kx, p += dx, wt += d.cpad)
            s = _mm512_add_epi32(
                s, _mm512_madd_epi16(_mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16(mask, p)), _mm512_loadu_si512(wt)));
        }
        _mm512_storeu_si512(acc + int64_t{ox} * d.cpad + c, s);
      }
    }
  } else {
    for (int c = 0; c < C && ox_hi > ox_lo; c += 16) {
      const int valid = C - c;
      const __mmask16 mask = valid >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << valid) - 1);
      __m512i w[9];
      for (int t = 0; t < 9; ++t) w[t] = _mm512_loadu_si512(d.w32 + int64_t{t} * d.cpad + c);
      auto ld = [&](const int16_t* p) { return _mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16(mask, p)); };
      for (int ox = ox_lo; ox < ox_hi; ++ox) {
        const int64_t x0 = int64_t{ox * d.sw - d.pad_l} * C + c;
        __m512i s = _mm512_setzero_si512();
        for (int ky = 0; ky < 3; ++ky) {
          const int16_t* p = rows[ky] + x0;
          s = _mm512_add_epi32(s, _mm512_madd_epi16(ld(p), w[3 * ky]));
          s = _mm512_add_epi32(s, _mm512_madd_epi16(ld(p + dx), w[3 * ky + 1]));
          s = _mm512_add_epi32(s, _mm512_madd_epi16(ld(p + 2 * dx), w[3 * ky + 2]));
        }
        _mm512_storeu_si512(acc + int64_t{ox} * d.cpad + c, s);
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
    for (int c = 0; c < C; c += 16) {
      const int valid = C - c;
      const __mmask16 mask = valid >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << valid) - 1);
      __m512i s = _mm512_setzero_si512();
      for (int ky = ky0; ky < ky1; ++ky) {
        const int16_t* row = in_b + int64_t{iy0 + ky * d.dh} * in_row + c;
        const int32_t* wr = d.w32 + int64_t{ky} * d.kw * d.cpad + c;
        for (int kx = kx0; kx < kx1; ++kx) {
          const __m512i x = _mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16(mask, row + int64_t{ix0 + kx * d.dw} * C));
          s = _mm512_add_epi32(s, _mm512_madd_epi16(x, _mm512_loadu_si512(wr + int64_t{kx} * d.cpad)));
        }
      }
      _mm512_storeu_si512(o + c, s);
    }
  }
}

}  // namespace liteq::rt::opt::s16

namespace liteq::rt::opt::s16 {
namespace {

// Channel n's parameter (uniform: channel 0's) for 8 channels from n.
inline __m512i param8(const Requant& q, const int64_t* p, int n) {
  return q.uniform ? _mm512_set1_epi64(p[0]) : _mm512_loadu_si512(p + n);
}

// As requant_impl in kernels_s16_avx2.cc, 8 channels per vector.
template <bool kWrap, bool k64>
void requant_impl(const Requant& q, const int64_t* acc64, const int32_t* acc32, int64_t acc_stride, int rows, int nb,
                  int ne, int16_t* out, int64_t out_stride) {
  const __m512i lo64 = _mm512_set1_epi64(q.lo), hi64 = _mm512_set1_epi64(q.hi);
  const __m256i lo32 = _mm256_set1_epi32(q.lo), hi32 = _mm256_set1_epi32(q.hi);
  for (int n = nb; n < ne; n += 8) {
    const __m512i b = param8(q, q.bias, n), m = param8(q, q.mult, n), rd = param8(q, q.round, n),
                  sh = param8(q, q.shift, n);
    const int valid = ne - n;
    const __mmask8 mask = valid >= 8 ? __mmask8(0xFF) : __mmask8((1u << valid) - 1);
    for (int r = 0; r < rows; ++r) {
      const int64_t i = r * acc_stride + (n - nb);
      const __m512i sum = k64 ? _mm512_loadu_si512(acc64 + i)
                              : _mm512_cvtepi32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc32 + i)));
      const __m512i x = _mm512_add_epi64(sum, b);
      __m256i t;
      if (kWrap) {
        // vpmuldq reads the low 32 bits as signed: int32(x) * m; [lo, hi] inside int32.
        __m512i v = _mm512_srav_epi64(_mm512_add_epi64(_mm512_mul_epi32(x, m), rd), sh);
        v = _mm512_min_epi64(_mm512_max_epi64(v, lo64), hi64);
        t = _mm512_cvtepi64_epi32(v);
      } else {
        const __m512i v = _mm512_srav_epi64(_mm512_add_epi64(_mm512_mullo_epi64(x, m), rd), sh);
        t = _mm512_cvtepi64_epi32(v);  // truncation: the reference's int32 conversion
        t = _mm256_min_epi32(_mm256_max_epi32(t, lo32), hi32);
      }
      _mm_mask_storeu_epi16(out + r * out_stride + n, mask, _mm256_cvtepi32_epi16(t));  // in int16 range: exact
    }
  }
}

}  // namespace

void requant_s16_avx512(const Requant& q, const int64_t* acc64, const int32_t* acc32, int64_t acc_stride, int rows,
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
inline __m128i hsum4(__m512i a, __m512i b, __m512i c, __m512i d) {
  auto quarter = [](__m512i v) {
    return _mm_add_epi32(_mm_add_epi32(_mm512_castsi512_si128(v), _mm512_extracti32x4_epi32(v, 1)),
                         _mm_add_epi32(_mm512_extracti32x4_epi32(v, 2), _mm512_extracti32x4_epi32(v, 3)));
  };
  return _mm_hadd_epi32(_mm_hadd_epi32(quarter(a), quarter(b)), _mm_hadd_epi32(quarter(c), quarter(d)));
}
}  // namespace

// As dot_s16_avx2, 32 values per vpmaddwd.
void dot_s16_avx512(const GemmArgs& g, int n) {
  const int64_t kp = int64_t{g.kpairs} * 2;
  for (int r = 0; r < g.rows; r += 4) {
    const int nr = g.rows - r < 4 ? g.rows - r : 4;
    const int16_t* a[4];
    for (int i = 0; i < 4; ++i) a[i] = g.a + (r + (i < nr ? i : nr - 1)) * g.a_stride;
    for (int c = 0; c < n; ++c) {
      const int16_t* w = g.w + c * kp;
      int64_t t[4] = {0, 0, 0, 0};
      for (int64_t k0 = 0; k0 < kp; k0 += kDotChunk) {
        const int64_t k1 = kp - k0 < kDotChunk ? kp : k0 + kDotChunk;
        __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0;
        for (int64_t k = k0; k < k1; k += 32) {
          const __m512i wv = _mm512_loadu_si512(w + k);
          s0 = _mm512_add_epi32(s0, _mm512_madd_epi16(_mm512_loadu_si512(a[0] + k), wv));
          s1 = _mm512_add_epi32(s1, _mm512_madd_epi16(_mm512_loadu_si512(a[1] + k), wv));
          s2 = _mm512_add_epi32(s2, _mm512_madd_epi16(_mm512_loadu_si512(a[2] + k), wv));
          s3 = _mm512_add_epi32(s3, _mm512_madd_epi16(_mm512_loadu_si512(a[3] + k), wv));
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

// As narrow_s16_avx2, 32 values per vpmaddwd, the tail a masked load.
void narrow_s16_avx512(const NarrowArgs& a) {
  for (int ox = a.ox_lo; ox < a.ox_hi; ox += 4) {
    const int np = a.ox_hi - ox < 4 ? a.ox_hi - ox : 4;
    for (int c = 0; c < a.n; ++c) {
      __m512i s[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
      for (int i = 0; i < a.nrows; ++i) {
        const int16_t* w = a.w[i] + c * a.w_cstride;
        const int16_t* x[4];
        for (int j = 0; j < 4; ++j) x[j] = a.rows[i] + (a.x0 + int64_t{ox + (j < np ? j : np - 1)} * a.step);
        for (int k = 0; k < a.len; k += 32) {
          const int left = a.len - k;
          const __mmask32 m = left >= 32 ? ~__mmask32(0) : (__mmask32(1) << left) - 1;
          const __m512i wv = _mm512_loadu_si512(w + k);
          for (int j = 0; j < 4; ++j)
            s[j] = _mm512_add_epi32(s[j], _mm512_madd_epi16(_mm512_maskz_loadu_epi16(m, x[j] + k), wv));
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
