// AVX-512 float32 GEMM micro-kernels (8 x 32 register tile) and the depthwise
// convolution. Plain functions, see isa_f32.h; compiled with -mavx512f/bw/dq/vl.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/optimized/isa_f32.h"


namespace liteq::rt::opt::f32 {
namespace {

constexpr int kNr = kAvx512Nr, kVl = kAvx512Vl, kMr = 8, kKc = 256;

inline __mmask16 tail_mask(int valid) {
  return valid >= kVl ? __mmask16(0xffff) : valid <= 0 ? __mmask16(0) : __mmask16((1u << valid) - 1);
}

// One MR x (NV * 16) tile of C over kc steps of K. b: panel rows of width bw.
template <int MR, int NV>
__attribute__((always_inline)) inline void tile(int kc, const float* a, int64_t lda, const float* b, int bw,
                                                float* c, int64_t ldc, int ncols, bool load_c, bool finish,
                                                const float* bias, __m512 lo, __m512 hi) {
  __mmask16 mask[NV];
#pragma GCC unroll 2
  for (int v = 0; v < NV; ++v) mask[v] = tail_mask(ncols - v * kVl);
  __m512 acc[MR][NV];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v)
      acc[i][v] = load_c ? _mm512_maskz_loadu_ps(mask[v], c + i * ldc + v * kVl) : _mm512_setzero_ps();
  for (int k = 0; k < kc; ++k) {
    __m512 bv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_loadu_ps(b + int64_t{k} * bw + v * kVl);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m512 av = _mm512_set1_ps(a[i * lda + k]);
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(av, bv[v], acc[i][v]);
    }
  }
  if (finish) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      const __m512 bb = _mm512_loadu_ps(bias + v * kVl);
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i)
        acc[i][v] = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(acc[i][v], bb), lo), hi);
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) _mm512_mask_storeu_ps(c + i * ldc + v * kVl, mask[v], acc[i][v]);
}

template <int NV>
void tile_rows(int mr, int kc, const float* a, int64_t lda, const float* b, int bw, float* c, int64_t ldc,
               int ncols, bool load_c, bool finish, const float* bias, __m512 lo, __m512 hi) {
  switch (mr) {
    case 8: tile<8, NV>(kc, a, lda, b, bw, c, ldc, ncols, load_c, finish, bias, lo, hi); break;
    case 7: tile<7, NV>(kc, a, lda, b, bw, c, ldc, ncols, load_c, finish, bias, lo, hi); break;
    case 6: tile<6, NV>(kc, a, lda, b, bw, c, ldc, ncols, load_c, finish, bias, lo, hi); break;
    case 5: tile<5, NV>(kc, a, lda, b, bw, c, ldc, ncols, load_c, finish, bias, lo, hi); break;
    case 4: tile<4, NV>(kc, a, lda, b, bw, c, ldc, ncols, load_c, finish, bias, lo, hi); break;
    case 3: tile<3, NV>(kc, a, lda, b, bw, c, ldc, ncols, load_c, finish, bias, lo, hi); break;
    case 2: tile<2, NV>(kc, a, lda, b, bw, c, ldc, ncols, load_c, finish, bias, lo, hi); break;
    default: tile<1, NV>(kc, a, lda, b, bw, c, ldc, ncols, load_c, finish, bias, lo, hi); break;
  }
}

}  // namespace

void gemm_f32_avx512(const GemmArgs& g) {
  const __m512 lo = _mm512_set1_ps(g.lo), hi = _mm512_set1_ps(g.hi);
  for (int k0 = 0; k0 < g.k; k0 += kKc) {
    const int kc = g.k - k0 < kKc ? g.k - k0 : kKc;
    const bool load_c = k0 > 0, finish = k0 + kc == g.k;
    for (int n0 = 0; n0 < g.n; n0 += kNr) {
      const int ncols = g.n - n0 < kNr ? g.n - n0 : kNr;
      const int bw = ncols > kVl ? 2 * kVl : kVl;
      const float* b = g.b + int64_t{n0} * g.k_total + int64_t{k0} * bw;
      const float* bias = g.bias + n0;
      for (int i0 = 0; i0 < g.m; i0 += kMr) {
        const int mr = g.m - i0 < kMr ? g.m - i0 : kMr;
        const float* a = g.a + i0 * g.lda + k0;
        float* c = g.c + i0 * g.ldc + n0;
        if (bw == 2 * kVl) tile_rows<2>(mr, kc, a, g.lda, b, bw, c, g.ldc, ncols, load_c, finish, bias, lo, hi);
        else tile_rows<1>(mr, kc, a, g.lda, b, bw, c, g.ldc, ncols, load_c, finish, bias, lo, hi);
      }
    }
  }
}

namespace {

// NV vectors of channels starting at c0 for P output pixels (ox, ox + 1, ...) that share
// their tap ranges; taps in (ky, kx) order. P pixels give P * NV independent FMA chains.
template <int NV, int P, bool G>
__attribute__((always_inline)) inline void dw_pixels(const DepthwiseArgs& d, const float* in_b, int iy0, int ix0,
                                                     int ky0, int ky1, int kx0, int kx1, int c0, float* out,
                                                     __m512 lo, __m512 hi) {
  __mmask16 mask[NV];
  for (int v = 0; v < NV; ++v) mask[v] = tail_mask(d.c - c0 - v * kVl);
  const int64_t pix_step = int64_t{d.stride_w} * d.in_c;
  // G (multiplier > 1): lane j of vector v reads input channel (c0 + v * 16 + j) / multiplier.
  __m512i idx[NV];
  if (G) {
    for (int v = 0; v < NV; ++v) {
      int32_t lanes[kVl];
      for (int j = 0; j < kVl; ++j) lanes[j] = (c0 + v * kVl + j) / d.multiplier;
      idx[v] = _mm512_loadu_si512(lanes);
    }
  }
  __m512 acc[P][NV];
  for (int p = 0; p < P; ++p)
    for (int v = 0; v < NV; ++v) acc[p][v] = _mm512_setzero_ps();
  for (int ky = ky0; ky < ky1; ++ky) {
    const float* row = in_b + int64_t{iy0 + ky * d.dil_h} * d.in_w * d.in_c;
    const float* wrow = d.filter + int64_t{ky} * d.kw * d.c_pad + c0;
    for (int kx = kx0; kx < kx1; ++kx) {
      const float* ip = row + int64_t{ix0 + kx * d.dil_w} * d.in_c + (G ? 0 : c0);
      const float* wp = wrow + int64_t{kx} * d.c_pad;
      __m512 w[NV];
      for (int v = 0; v < NV; ++v) w[v] = _mm512_loadu_ps(wp + v * kVl);
      for (int p = 0; p < P; ++p)
        for (int v = 0; v < NV; ++v)
          acc[p][v] = _mm512_fmadd_ps(
              G ? _mm512_mask_i32gather_ps(_mm512_setzero_ps(), mask[v], idx[v], ip + p * pix_step, 4)
                : _mm512_maskz_loadu_ps(mask[v], ip + p * pix_step + v * kVl),
              w[v], acc[p][v]);
    }
  }
  for (int v = 0; v < NV; ++v) {
    const __m512 bias = _mm512_loadu_ps(d.bias + c0 + v * kVl);
    for (int p = 0; p < P; ++p) {
      const __m512 r = _mm512_add_ps(acc[p][v], bias);
      _mm512_mask_storeu_ps(out + int64_t{p} * d.c + c0 + v * kVl, mask[v], _mm512_min_ps(_mm512_max_ps(r, lo), hi));
    }
  }
}

// 8 channels, multiplier 1, stride 1 along x: two pixels per vector (lanes 0-7, 8-15),
// 16 pixels per call, all taps along x inside the input. Same sums in the same order as
// dw_pixels (from 0, FMA over ky, kx), so the same bits.
inline void dw_c8_pairs(const DepthwiseArgs& d, const float* in_b, int iy0, int ix0, int ky0, int ky1, float* out,
                        __m512 lo, __m512 hi) {
  constexpr int V = 8;  // vectors of 2 pixels
  __m512 acc[V];
  for (int v = 0; v < V; ++v) acc[v] = _mm512_setzero_ps();
  for (int ky = ky0; ky < ky1; ++ky) {
    const float* row = in_b + int64_t{iy0 + ky * d.dil_h} * d.in_w * 8;
    const float* wrow = d.filter + int64_t{ky} * d.kw * d.c_pad;
    for (int kx = 0; kx < d.kw; ++kx) {
      const __m512 w8 = _mm512_loadu_ps(wrow + int64_t{kx} * d.c_pad);
      const __m512 w = _mm512_shuffle_f32x4(w8, w8, 0x44);  // channels 0-7 twice
      const float* ip = row + int64_t{ix0 + kx * d.dil_w} * 8;
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) acc[v] = _mm512_fmadd_ps(_mm512_loadu_ps(ip + 16 * v), w, acc[v]);
    }
  }
  const __m512 b8 = _mm512_loadu_ps(d.bias);
  const __m512 bias = _mm512_shuffle_f32x4(b8, b8, 0x44);
  for (int v = 0; v < V; ++v)
    _mm512_storeu_ps(out + 16 * v, _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(acc[v], bias), lo), hi));
}

// Multiplier 1, no dilation along x, KW taps along x, stride S: P output pixels of one
// row (ox0 .. ox0 + P - 1, the first np stored) for the 16 channels from c0 (mask).
// Each input vector is loaded once and used for every (pixel, tap) that reads it: P + KW
// - 1 loads per filter row at stride 1, not P * KW. CHECK: some of the inputs lie left or
// right of the row; those taps are skipped. Same sums in the same order as dw_pixels
// (from 0, FMA over ky, then kx ascending), so the same bits.
//
// Q (hybrid, DepthwiseArgs::q): the inputs are int8 (q - q_zp) widened to float, in_b
// unused; the sums are exact integers, and the epilogue is the hybrid reference's.
template <int P, int KW, int S, bool CHECK, bool Q>
inline void dw_reuse(const DepthwiseArgs& d, const float* in_b, int iy0, int ky0, int ky1, int ix0, int c0,
                     __mmask16 mask, float* out, int np, __m512 lo, __m512 hi) {
  constexpr int NX = (P - 1) * S + KW;  // inputs along x
  __m512 acc[P];
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) acc[p] = _mm512_setzero_ps();
  const __m512i zp = _mm512_set1_epi32(d.q_zp);
  for (int ky = ky0; ky < ky1; ++ky) {
    const int64_t row_at = int64_t{iy0 + ky * d.dil_h} * d.in_w * d.in_c + c0;
    const float* row = Q ? nullptr : in_b + row_at;
    const int8_t* qrow = Q ? d.q + row_at : nullptr;
    const float* wp = d.filter + int64_t{ky} * KW * d.c_pad + c0;
    __m512 w[KW];
#pragma GCC unroll 8
    for (int kx = 0; kx < KW; ++kx) w[kx] = _mm512_loadu_ps(wp + int64_t{kx} * d.c_pad);
#pragma GCC unroll 32
    for (int x = 0; x < NX; ++x) {
      const int ix = ix0 + x;
      if (CHECK && (ix < 0 || ix >= d.in_w)) continue;
      __m512 v;
      if constexpr (Q)
        v = _mm512_cvtepi32_ps(
            _mm512_sub_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, qrow + int64_t{ix} * d.in_c)), zp));
      else
        v = _mm512_maskz_loadu_ps(mask, row + int64_t{ix} * d.in_c);
#pragma GCC unroll 16
      for (int p = 0; p < P; ++p) {
        const int kx = x - p * S;
        if (kx >= 0 && kx < KW) acc[p] = _mm512_fmadd_ps(v, w[kx], acc[p]);
      }
    }
  }
  if constexpr (Q) {
    const __m512 s_in = _mm512_set1_ps(d.q_scale), ws = _mm512_maskz_loadu_ps(mask, d.w_scale + c0);
    const __m512 bias = d.bias ? _mm512_maskz_loadu_ps(mask, d.bias + c0) : _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) {
      if (CHECK && p >= np) break;
      __m512 v = _mm512_mul_ps(_mm512_mul_ps(acc[p], s_in), ws);
      if (d.bias) v = _mm512_add_ps(v, bias);
      v = _mm512_min_ps(hi, _mm512_max_ps(lo, v));  // std::min(std::max(v, lo), hi), NaN kept
      _mm512_mask_storeu_ps(out + int64_t{p} * d.c + c0, mask, v);
    }
    return;
  }
  const __m512 bias = _mm512_loadu_ps(d.bias + c0);
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
    if (CHECK && p >= np) break;
    const __m512 r = _mm512_add_ps(acc[p], bias);
    _mm512_mask_storeu_ps(out + int64_t{p} * d.c + c0, mask, _mm512_min_ps(_mm512_max_ps(r, lo), hi));
  }
}

// One output row with dw_reuse: groups of P pixels, 16 channels at a time.
template <int KW, int S, bool Q>
void dw_reuse_row(const DepthwiseArgs& d, const float* in_b, int iy0, int ky0, int ky1, float* out_row, __m512 lo,
                  __m512 hi) {
  constexpr int P = 8;  // 12 measured the same, 16 slower
  for (int c0 = 0; c0 < d.c; c0 += kVl) {
    const __mmask16 mask = tail_mask(d.c - c0);
    for (int ox = 0; ox < d.out_w; ox += P) {
      const int ix0 = ox * S - d.pad_left;
      float* out = out_row + int64_t{ox} * d.c;
      if (ox + P <= d.out_w && ix0 >= 0 && ix0 + (P - 1) * S + KW <= d.in_w)
        dw_reuse<P, KW, S, false, Q>(d, in_b, iy0, ky0, ky1, ix0, c0, mask, out, P, lo, hi);
      else
        dw_reuse<P, KW, S, true, Q>(d, in_b, iy0, ky0, ky1, ix0, c0, mask, out, d.out_w - ox, lo, hi);
    }
  }
}

using DwRowFn = void (*)(const DepthwiseArgs&, const float*, int, int, int, float*, __m512, __m512);
template <bool Q>
DwRowFn dw_reuse_fn_q(const DepthwiseArgs& d) {
  if (d.multiplier != 1 || d.dil_w != 1) return nullptr;
  if (d.kw == 3 && d.stride_w == 1) return dw_reuse_row<3, 1, Q>;
  if (d.kw == 3 && d.stride_w == 2) return dw_reuse_row<3, 2, Q>;
  if (d.kw == 5 && d.stride_w == 1) return dw_reuse_row<5, 1, Q>;
  if (d.kw == 5 && d.stride_w == 2) return dw_reuse_row<5, 2, Q>;
  return nullptr;
}
DwRowFn dw_reuse_fn(const DepthwiseArgs& d) { return d.q ? dw_reuse_fn_q<true>(d) : dw_reuse_fn_q<false>(d); }

template <int P, bool G>
inline void dw_channels(const DepthwiseArgs& d, const float* in_b, int iy0, int ix0, int ky0, int ky1, int kx0,
                        int kx1, float* out, __m512 lo, __m512 hi) {
  int c0 = 0;
  for (; c0 + 2 * kVl <= d.c; c0 += 2 * kVl) dw_pixels<2, P, G>(d, in_b, iy0, ix0, ky0, ky1, kx0, kx1, c0, out, lo, hi);
  for (; c0 < d.c; c0 += kVl) dw_pixels<1, P, G>(d, in_b, iy0, ix0, ky0, ky1, kx0, kx1, c0, out, lo, hi);
}

// First tap index whose position p0 + t * dil lies in [0, size), and one past the last.
inline void tap_range(int p0, int dil, int taps, int size, int* t0, int* t1) {
  int a = 0;
  while (a < taps && p0 + a * dil < 0) ++a;
  int b = taps;
  while (b > a && p0 + (b - 1) * dil >= size) --b;
  *t0 = a;
  *t1 = b;
}

}  // namespace

bool depthwise_hybrid_avx512_fits(const DepthwiseArgs& d) {
  return dw_reuse_fn_q<true>(d) != nullptr && int64_t{d.kh} * d.kw <= 512;
}

void depthwise_f32_avx512(const DepthwiseArgs& d, int64_t row_begin, int64_t row_end) {
  const __m512 lo = _mm512_set1_ps(d.lo), hi = _mm512_set1_ps(d.hi);
  const bool gather = d.multiplier != 1;
  const bool pairs8 = d.c == 8 && !gather && d.stride_w == 1 && !d.q;
  const DwRowFn reuse = pairs8 ? nullptr : dw_reuse_fn(d);
  for (int64_t r = row_begin; r < row_end; ++r) {
    const int64_t b = r / d.out_h;
    const int oy = static_cast<int>(r % d.out_h);
    const float* in_b = d.input + b * d.in_h * d.in_w * d.in_c;
    const int iy0 = oy * d.stride_h - d.pad_top;
    int ky0, ky1;
    tap_range(iy0, d.dil_h, d.kh, d.in_h, &ky0, &ky1);
    float* out_row = d.output + r * d.out_w * d.c;
    if (reuse) {
      reuse(d, in_b, iy0, ky0, ky1, out_row, lo, hi);
      continue;
    }
    for (int ox = 0; ox < d.out_w;) {
      const int ix0 = ox * d.stride_w - d.pad_left;
      int kx0, kx1;
      tap_range(ix0, d.dil_w, d.kw, d.in_w, &kx0, &kx1);
      float* out = out_row + int64_t{ox} * d.c;
      if (pairs8 && kx0 == 0 && kx1 == d.kw && ox + 15 < d.out_w &&
          ox + 15 - d.pad_left + (d.kw - 1) * d.dil_w < d.in_w) {
        dw_c8_pairs(d, in_b, iy0, ix0, ky0, ky1, out, lo, hi);
        ox += 16;
        continue;
      }
      // Four pixels at once where all four see every kx (the interior is contiguous).
      if (kx0 == 0 && kx1 == d.kw && ox + 3 < d.out_w &&
          (ox + 3) * d.stride_w - d.pad_left + (d.kw - 1) * d.dil_w < d.in_w) {
        if (gather) dw_channels<4, true>(d, in_b, iy0, ix0, ky0, ky1, kx0, kx1, out, lo, hi);
        else dw_channels<4, false>(d, in_b, iy0, ix0, ky0, ky1, kx0, kx1, out, lo, hi);
        ox += 4;
      } else {
        if (gather) dw_channels<1, true>(d, in_b, iy0, ix0, ky0, ky1, kx0, kx1, out, lo, hi);
        else dw_channels<1, false>(d, in_b, iy0, ix0, ky0, ky1, kx0, kx1, out, lo, hi);
        ox += 1;
      }
    }
  }
}

}  // namespace liteq::rt::opt::f32
