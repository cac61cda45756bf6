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
inline __m256i requant8_steps(__m256i acc, const Requant& rq, int n) {
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

// The same from the float32 estimate where rq.fast (kernels_s8.h, and requant16f in
// gemm_s8_avx512_impl.inc); the integer steps for a vector with a lane near an integer.
inline __m256i requant8(__m256i acc, const Requant& rq, int n) {
  if (!rq.fast) return requant8_steps(acc, rq, n);
  // fc_neg where acc < 0 (its sign bit)
  const __m256 c = _mm256_blendv_ps(_mm256_loadu_ps(rq.fc_pos + n), _mm256_loadu_ps(rq.fc_neg + n),
                                    _mm256_castsi256_ps(acc));
  __m256 z = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc), _mm256_loadu_ps(rq.fscale + n), c);
  z = _mm256_min_ps(_mm256_max_ps(z, _mm256_set1_ps(rq.flo)), _mm256_set1_ps(rq.fhi));
  const __m256 fl = _mm256_floor_ps(z);
  const __m256 fr = _mm256_sub_ps(z, fl);  // exact, in [0, 1)
  // fr - fr^2 < 2^-11: fr within about 2^-11 of 0 or 1.
  const __m256 near = _mm256_fnmadd_ps(fr, fr, fr);
  if (_mm256_movemask_ps(_mm256_cmp_ps(near, _mm256_set1_ps(0x1p-11f), _CMP_LT_OQ)) != 0) [[unlikely]]
    return requant8_steps(acc, rq, n);
  return _mm256_cvtps_epi32(fl);  // an integer: exact
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
                 int8_t* out, int32_t* out32, float* out_f) {
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
  if (out_f) {
    const __m256 lo = _mm256_set1_ps(g.f_lo), hi = _mm256_set1_ps(g.f_hi);
#pragma GCC unroll 4
    for (int j = 0; j < NB; ++j) {
      const int v = valid - 8 * j;
      const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(v), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
      const __m256 mul = _mm256_maskload_ps(g.f_mul + n0 + 8 * j, mask);
      const __m256 bias = g.f_bias ? _mm256_maskload_ps(g.f_bias + n0 + 8 * j, mask) : _mm256_setzero_ps();
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i) {
        __m256 r = _mm256_mul_ps(_mm256_cvtepi32_ps(acc[i][j]), mul);
        if (g.f_bias) r = _mm256_add_ps(r, bias);
        r = _mm256_min_ps(hi, _mm256_max_ps(lo, r));  // std::min(std::max(r, lo), hi)
        _mm256_maskstore_ps(out_f + i * g.out_f_stride + n0 + 8 * j, mask, r);
      }
    }
    return;
  }
  if (out32) {
    for (int j = 0; j < NB; ++j) {
      const int v = valid - 8 * j;
      const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(v), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i) _mm256_maskstore_epi32(out32 + i * g.out32_stride + n0 + 8 * j, mask, acc[i][j]);
    }
    return;
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
    tile<kMr, NB>(g, g.a + m * g.a_stride, w, wbs, n0, valid, g.out + m * g.out_stride,
                  g.out32 ? g.out32 + m * g.out32_stride : nullptr, g.out_f ? g.out_f + m * g.out_f_stride : nullptr);
  for (; m < g.rows; ++m)
    tile<1, NB>(g, g.a + m * g.a_stride, w, wbs, n0, valid, g.out + m * g.out_stride,
                g.out32 ? g.out32 + m * g.out32_stride : nullptr, g.out_f ? g.out_f + m * g.out_f_stride : nullptr);
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

void requant_row_s8_avx2(const Requant& rq, int period, const int32_t* acc, int64_t n, int8_t* out) {
  int at = 0;  // parameter index of acc[i]: i % period
  for (int64_t i = 0; i < n; i += 8) {
    const int valid = n - i >= 8 ? 8 : static_cast<int>(n - i);
    __m256i v;
    if (valid == 8) {
      v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + i));
    } else {
      alignas(32) int32_t t[8] = {};
      std::memcpy(t, acc + i, sizeof(int32_t) * static_cast<size_t>(valid));
      v = _mm256_load_si256(reinterpret_cast<const __m256i*>(t));
    }
    store8(out + i, requant8(v, rq, at), valid);
    at = at + 8 == period ? 0 : at + 8;
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

namespace {
// 8 int8 -> 8 int32; reads only `valid` bytes when fewer than 8.
inline __m256i load8_i32(const int8_t* p, int valid) {
  if (valid >= 8) return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  int8_t tmp[16] = {};
  std::memcpy(tmp, p, static_cast<size_t>(valid));
  return _mm256_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(tmp)));
}
inline __m256i load_i32(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// Multiplier 1, no dilation along x, KW taps along x at stride S: P output pixels of one
// row (the first np stored) for the 8 channels from c, each input vector loaded once for
// every (pixel, tap) that reads it (as gemm_f32_avx2.cc's dw_reuse). The products
// (x + input_offset) * w, |.| <= 255 * 128, and every partial sum of at most 512 taps are
// integers below 2^24, so float32 FMA sums them exactly; bias + sum is then the
// reference's int32 accumulator. CHECK: taps left or right of the row skipped. TAIL:
// fewer than 8 channels from c (c >= 8): the 8 bytes ending at the last one, shuffled
// down by `shuf`.
template <int P, int KW, int S, bool CHECK, bool TAIL>
inline void dw_reuse_s8(const DwArgs& d, const int8_t* in_b, int iy0, int ky0, int ky1, int ix0, int c, int valid,
                        __m128i shuf, int8_t* out, int np) {
  constexpr int NX = (P - 1) * S + KW;
  const int C = d.c;
  const __m256i off = _mm256_set1_epi32(d.in_off);
  __m256 acc[P];
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) acc[p] = _mm256_setzero_ps();
  for (int ky = ky0; ky < ky1; ++ky) {
    const int8_t* row = in_b + int64_t{iy0 + ky * d.dh} * d.in_w * C + c;
    const int32_t* wrow = d.w32 + int64_t{ky} * KW * d.cpad + c;
    __m256 w[KW];
#pragma GCC unroll 8
    for (int kx = 0; kx < KW; ++kx) w[kx] = _mm256_cvtepi32_ps(load_i32(wrow + int64_t{kx} * d.cpad));
#pragma GCC unroll 32
    for (int x = 0; x < NX; ++x) {
      const int ix = ix0 + x;
      if (CHECK && (ix < 0 || ix >= d.in_w)) continue;
      const int8_t* px = row + int64_t{ix} * C;
      const __m128i b8 = TAIL ? _mm_shuffle_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(px + valid - 8)), shuf)
                              : _mm_loadl_epi64(reinterpret_cast<const __m128i*>(px));
      const __m256 v = _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_cvtepi8_epi32(b8), off));
#pragma GCC unroll 16
      for (int p = 0; p < P; ++p) {
        const int kx = x - p * S;
        if (kx >= 0 && kx < KW) acc[p] = _mm256_fmadd_ps(v, w[kx], acc[p]);
      }
    }
  }
  const __m256i bias = load_i32(d.bias + c);
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
    if (CHECK && p >= np) break;
    const __m256i sum = _mm256_add_epi32(bias, _mm256_cvtps_epi32(acc[p]));  // exact: an integer
    store8(out + int64_t{p} * C + c, requant8(sum, d.rq, c), valid);
  }
}

// One output row with dw_reuse_s8: groups of 8 pixels, 8 channels at a time.
template <int KW, int S>
void dw_reuse_row_s8(const DwArgs& d, const int8_t* in_b, int iy0, int ky0, int ky1, int8_t* out_row) {
  constexpr int P = 8;
  for (int c = 0; c < d.c; c += 8) {
    const int valid = d.c - c < 8 ? d.c - c : 8;
    alignas(16) int8_t lanes[16];
    for (int i = 0; i < 16; ++i) lanes[i] = static_cast<int8_t>(i < valid ? i + 8 - valid : -128);
    const __m128i shuf = _mm_load_si128(reinterpret_cast<const __m128i*>(lanes));
    for (int ox = 0; ox < d.out_w; ox += P) {
      const int ix0 = ox * S - d.pad_l;
      const bool inside = ox + P <= d.out_w && ix0 >= 0 && ix0 + (P - 1) * S + KW <= d.in_w;
      if (valid == 8) {
        if (inside) dw_reuse_s8<P, KW, S, false, false>(d, in_b, iy0, ky0, ky1, ix0, c, 8, shuf, out_row + int64_t{ox} * d.c, P);
        else dw_reuse_s8<P, KW, S, true, false>(d, in_b, iy0, ky0, ky1, ix0, c, 8, shuf, out_row + int64_t{ox} * d.c, d.out_w - ox);
      } else {
        if (inside) dw_reuse_s8<P, KW, S, false, true>(d, in_b, iy0, ky0, ky1, ix0, c, valid, shuf, out_row + int64_t{ox} * d.c, P);
        else dw_reuse_s8<P, KW, S, true, true>(d, in_b, iy0, ky0, ky1, ix0, c, valid, shuf, out_row + int64_t{ox} * d.c, d.out_w - ox);
      }
    }
  }
}

using DwRowS8 = void (*)(const DwArgs&, const int8_t*, int, int, int, int8_t*);
DwRowS8 dw_reuse_s8_fn(const DwArgs& d) {
  if (d.dw != 1 || d.c < 8 || int64_t{d.kh} * d.kw > 512) return nullptr;
  if (d.kw == 3 && d.sw == 1) return dw_reuse_row_s8<3, 1>;
  if (d.kw == 3 && d.sw == 2) return dw_reuse_row_s8<3, 2>;
  if (d.kw == 5 && d.sw == 1) return dw_reuse_row_s8<5, 1>;
  if (d.kw == 5 && d.sw == 2) return dw_reuse_row_s8<5, 2>;
  return nullptr;
}
}  // namespace

// As dw_s8_avx512 (kernels_s8_avx512.cc), on 8 channels.
void dw_s8_avx2(const DwArgs& d, int64_t r0, int64_t r1) {
  const int C = d.c;
  const int64_t in_row = int64_t{d.in_w} * C;
  const __m256i off = _mm256_set1_epi32(d.in_off);
  auto imin = [](int a, int b) { return a < b ? a : b; };
  auto imax = [](int a, int b) { return a > b ? a : b; };
  const int ox_lo = imin(d.out_w, (d.pad_l + d.sw - 1) / d.sw);
  const int last = d.in_w - 1 - (d.kw - 1) * d.dw + d.pad_l;
  const int ox_hi = imax(ox_lo, imin(d.out_w, last < 0 ? 0 : last / d.sw + 1));
  const DwRowS8 reuse = dw_reuse_s8_fn(d);
  for (int64_t r = r0; r < r1; ++r) {
    const int b = static_cast<int>(r / d.out_h), oy = static_cast<int>(r % d.out_h);
    const int iy0 = oy * d.sh - d.pad_t;
    int ky0 = 0, ky1 = d.kh;
    while (ky0 < ky1 && iy0 + ky0 * d.dh < 0) ++ky0;
    while (ky1 > ky0 && iy0 + (ky1 - 1) * d.dh >= d.in_h) --ky1;
    const int8_t* in_b = d.in + int64_t{b} * d.in_h * in_row;
    int8_t* out_row = d.out + (int64_t{b} * d.out_h + oy) * d.out_w * C;
    if (reuse) {
      reuse(d, in_b, iy0, ky0, ky1, out_row);
      continue;
    }
    for (int c = 0; c < C; c += 8) {
      const int valid = C - c;
      const __m256i bias = load_i32(d.bias + c);
      __m256i wsum = _mm256_setzero_si256();
      for (int ky = ky0; ky < ky1; ++ky) wsum = _mm256_add_epi32(wsum, load_i32(d.wrow_sum + int64_t{ky} * d.cpad + c));
      const __m256i init = _mm256_add_epi32(bias, _mm256_mullo_epi32(wsum, off));
      auto border = [&](int ox) {
        const int ix0 = ox * d.sw - d.pad_l;
        __m256i acc = bias;
        for (int ky = ky0; ky < ky1; ++ky) {
          const int8_t* row = in_b + int64_t{iy0 + ky * d.dh} * in_row + c;
          const int32_t* wrow = d.w32 + int64_t{ky} * d.kw * d.cpad + c;
          for (int kx = 0; kx < d.kw; ++kx) {
            const int ix = ix0 + kx * d.dw;
            if (ix < 0 || ix >= d.in_w) continue;
            const __m256i x = _mm256_add_epi32(load8_i32(row + int64_t{ix} * C, valid), off);
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(x, load_i32(wrow + int64_t{kx} * d.cpad)));
          }
        }
        store8(out_row + int64_t{ox} * C + c, requant8(acc, d.rq, c), valid);
      };
      int ox = 0;
      for (; ox < ox_lo; ++ox) border(ox);
      for (; ox + 4 <= ox_hi; ox += 4) {
        __m256i a0 = init, a1 = init, a2 = init, a3 = init;
        const int64_t step = int64_t{d.sw} * C;
        for (int ky = ky0; ky < ky1; ++ky) {
          const int8_t* x0 = in_b + int64_t{iy0 + ky * d.dh} * in_row + int64_t{ox * d.sw - d.pad_l} * C + c;
          const int32_t* wrow = d.w32 + int64_t{ky} * d.kw * d.cpad + c;
          for (int kx = 0; kx < d.kw; ++kx) {
            const __m256i w = load_i32(wrow + int64_t{kx} * d.cpad);
            const int8_t* x = x0 + int64_t{kx} * d.dw * C;
            a0 = _mm256_add_epi32(a0, _mm256_mullo_epi32(load8_i32(x, valid), w));
            a1 = _mm256_add_epi32(a1, _mm256_mullo_epi32(load8_i32(x + step, valid), w));
            a2 = _mm256_add_epi32(a2, _mm256_mullo_epi32(load8_i32(x + 2 * step, valid), w));
            a3 = _mm256_add_epi32(a3, _mm256_mullo_epi32(load8_i32(x + 3 * step, valid), w));
          }
        }
        int8_t* o = out_row + int64_t{ox} * C + c;
        store8(o, requant8(a0, d.rq, c), valid);
        store8(o + C, requant8(a1, d.rq, c), valid);
        store8(o + 2 * C, requant8(a2, d.rq, c), valid);
        store8(o + 3 * C, requant8(a3, d.rq, c), valid);
      }
      for (; ox < d.out_w; ++ox) border(ox);
    }
  }
}

}  // namespace liteq::rt::opt::s8
