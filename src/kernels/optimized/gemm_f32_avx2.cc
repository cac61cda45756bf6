// AVX2 + FMA float32 GEMM micro-kernels (6 x 16 register tile) and the depthwise
// convolution. Plain functions, see isa_f32.h; compiled with -mavx2 -mfma.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/optimized/isa_f32.h"

namespace liteq::rt::opt::f32 {
namespace {

constexpr int kNr = kAvx2Nr, kVl = kAvx2Vl, kMr = 6, kKc = 256;

// Lanes [0, valid) set.
inline __m256i tail_mask(int valid) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(valid), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

template <int MR, int NV>
__attribute__((always_inline)) inline void tile(int kc, const float* a, int64_t lda, const float* b, int bw,
                                                float* c, int64_t ldc, int ncols, bool load_c, bool finish,
                                                const float* bias, __m256 lo, __m256 hi) {
  const bool full = ncols == NV * kVl;
  __m256i mask[NV];
#pragma GCC unroll 2
  for (int v = 0; v < NV; ++v) mask[v] = tail_mask(ncols - v * kVl);
  __m256 acc[MR][NV];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v)
      acc[i][v] = !load_c ? _mm256_setzero_ps()
                  : full  ? _mm256_loadu_ps(c + i * ldc + v * kVl)
                          : _mm256_maskload_ps(c + i * ldc + v * kVl, mask[v]);
  for (int k = 0; k < kc; ++k) {
    __m256 bv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) bv[v] = _mm256_loadu_ps(b + int64_t{k} * bw + v * kVl);
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      const __m256 av = _mm256_broadcast_ss(a + i * lda + k);
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_fmadd_ps(av, bv[v], acc[i][v]);
    }
  }
  if (finish) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      const __m256 bb = _mm256_loadu_ps(bias + v * kVl);
#pragma GCC unroll 6
      for (int i = 0; i < MR; ++i)
        acc[i][v] = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(acc[i][v], bb), lo), hi);
    }
  }
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      if (full) _mm256_storeu_ps(c + i * ldc + v * kVl, acc[i][v]);
      else _mm256_maskstore_ps(c + i * ldc + v * kVl, mask[v], acc[i][v]);
    }
}

template <int NV>
void tile_rows(int mr, int kc, const float* a, int64_t lda, const float* b, int bw, float* c, int64_t ldc,
               int ncols, bool load_c, bool finish, const float* bias, __m256 lo, __m256 hi) {
  switch (mr) {
    case 6: tile<6, NV>(kc, a, lda, b, bw, c, ldc, ncols, load_c, finish, bias, lo, hi); break;
    case 5: tile<5, NV>(kc, a, lda, b, bw, c, ldc, ncols, load_c, finish, bias, lo, hi); break;
    case 4: tile<4, NV>(kc, a, lda, b, bw, c, ldc, ncols, load_c, finish, bias, lo, hi); break;
    case 3: tile<3, NV>(kc, a, lda, b, bw, c, ldc, ncols, load_c, finish, bias, lo, hi); break;
    case 2: tile<2, NV>(kc, a, lda, b, bw, c, ldc, ncols, load_c, finish, bias, lo, hi); break;
    default: tile<1, NV>(kc, a, lda, b, bw, c, ldc, ncols, load_c, finish, bias, lo, hi); break;
  }
}

}  // namespace

void gemm_f32_avx2(const GemmArgs& g) {
  const __m256 lo = _mm256_set1_ps(g.lo), hi = _mm256_set1_ps(g.hi);
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
// their tap ranges; kTail: one vector, partial (masked loads and stores).
template <int NV, int P, bool kTail, bool G>
__attribute__((always_inline)) inline void dw_pixels(const DepthwiseArgs& d, const float* in_b, int iy0, int ix0,
                                                     int ky0, int ky1, int kx0, int kx1, int c0, float* out,
                                                     __m256 lo, __m256 hi) {
  const __m256i mask = tail_mask(d.c - c0);
  const int64_t pix_step = int64_t{d.stride_w} * d.in_c;
  // G (multiplier > 1): lane j of vector v reads input channel (c0 + v * 8 + j) / multiplier.
  __m256i idx[NV];
  const __m256 gmask = kTail ? _mm256_castsi256_ps(mask) : _mm256_castsi256_ps(_mm256_set1_epi32(-1));
  if (G) {
    for (int v = 0; v < NV; ++v) {
      int32_t lanes[kVl];
      for (int j = 0; j < kVl; ++j) lanes[j] = (c0 + v * kVl + j) / d.multiplier;
      idx[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lanes));
    }
  }
  __m256 acc[P][NV];
  for (int p = 0; p < P; ++p)
    for (int v = 0; v < NV; ++v) acc[p][v] = _mm256_setzero_ps();
  for (int ky = ky0; ky < ky1; ++ky) {
    const float* row = in_b + int64_t{iy0 + ky * d.dil_h} * d.in_w * d.in_c;
    const float* wrow = d.filter + int64_t{ky} * d.kw * d.c_pad + c0;
    for (int kx = kx0; kx < kx1; ++kx) {
      const float* ip = row + int64_t{ix0 + kx * d.dil_w} * d.in_c + (G ? 0 : c0);
      const float* wp = wrow + int64_t{kx} * d.c_pad;
      __m256 w[NV];
      for (int v = 0; v < NV; ++v) w[v] = _mm256_loadu_ps(wp + v * kVl);
      for (int p = 0; p < P; ++p)
        for (int v = 0; v < NV; ++v) {
          const float* x = ip + p * pix_step + v * kVl;
          const __m256 xv = G       ? _mm256_mask_i32gather_ps(_mm256_setzero_ps(), ip + p * pix_step, idx[v], gmask, 4)
                            : kTail ? _mm256_maskload_ps(x, mask)
                                    : _mm256_loadu_ps(x);
          acc[p][v] = _mm256_fmadd_ps(xv, w[v], acc[p][v]);
        }
    }
  }
  for (int v = 0; v < NV; ++v) {
    const __m256 bias = _mm256_loadu_ps(d.bias + c0 + v * kVl);
    for (int p = 0; p < P; ++p) {
      const __m256 y = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(acc[p][v], bias), lo), hi);
      float* o = out + int64_t{p} * d.c + c0 + v * kVl;
      if (kTail) _mm256_maskstore_ps(o, mask, y);
      else _mm256_storeu_ps(o, y);
    }
  }
}

template <int P, bool G>
inline void dw_channels(const DepthwiseArgs& d, const float* in_b, int iy0, int ix0, int ky0, int ky1, int kx0,
                        int kx1, float* out, __m256 lo, __m256 hi) {
  int c0 = 0;
  for (; c0 + 2 * kVl <= d.c; c0 += 2 * kVl)
    dw_pixels<2, P, false, G>(d, in_b, iy0, ix0, ky0, ky1, kx0, kx1, c0, out, lo, hi);
  for (; c0 + kVl <= d.c; c0 += kVl) dw_pixels<1, P, false, G>(d, in_b, iy0, ix0, ky0, ky1, kx0, kx1, c0, out, lo, hi);
  if (c0 < d.c) dw_pixels<1, P, true, G>(d, in_b, iy0, ix0, ky0, ky1, kx0, kx1, c0, out, lo, hi);
}

// As gemm_f32_avx512.cc's dw_reuse, 8 channels (TAIL: fewer, masked): P output pixels
// of one row, each input vector loaded once for every (pixel, tap) that reads it; CHECK:
// taps left or right of the row skipped. Same sums in the same order as dw_pixels.
// Q (hybrid, DepthwiseArgs::q; c >= 8): int8 (q - q_zp) widened to float, exact integer
// sums, the hybrid reference's epilogue; a short last block loads the 8 bytes ending at
// its last channel, shuffled down by `shuf`.
template <int P, int KW, int S, bool CHECK, bool TAIL, bool Q>
inline void dw_reuse(const DepthwiseArgs& d, const float* in_b, int iy0, int ky0, int ky1, int ix0, int c0,
                     __m256i mask, __m128i shuf, float* out, int np, __m256 lo, __m256 hi) {
  constexpr int NX = (P - 1) * S + KW;  // inputs along x
  __m256 acc[P];
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) acc[p] = _mm256_setzero_ps();
  const __m256i zp = _mm256_set1_epi32(d.q_zp);
  const int valid = d.c - c0;
  for (int ky = ky0; ky < ky1; ++ky) {
    const int64_t row_at = int64_t{iy0 + ky * d.dil_h} * d.in_w * d.in_c + c0;
    const float* row = Q ? nullptr : in_b + row_at;
    const int8_t* qrow = Q ? d.q + row_at : nullptr;
    const float* wp = d.filter + int64_t{ky} * KW * d.c_pad + c0;
    __m256 w[KW];
#pragma GCC unroll 8
    for (int kx = 0; kx < KW; ++kx) w[kx] = _mm256_loadu_ps(wp + int64_t{kx} * d.c_pad);
#pragma GCC unroll 32
    for (int x = 0; x < NX; ++x) {
      const int ix = ix0 + x;
      if (CHECK && (ix < 0 || ix >= d.in_w)) continue;
      __m256 v;
      if constexpr (Q) {
        const int8_t* px = qrow + int64_t{ix} * d.in_c;
        const __m128i b8 = TAIL ? _mm_shuffle_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(px + valid - 8)), shuf)
                                : _mm_loadl_epi64(reinterpret_cast<const __m128i*>(px));
        v = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_cvtepi8_epi32(b8), zp));
      } else {
        const float* ip = row + int64_t{ix} * d.in_c;
        v = TAIL ? _mm256_maskload_ps(ip, mask) : _mm256_loadu_ps(ip);
      }
#pragma GCC unroll 16
      for (int p = 0; p < P; ++p) {
        const int kx = x - p * S;
        if (kx >= 0 && kx < KW) acc[p] = _mm256_fmadd_ps(v, w[kx], acc[p]);
      }
    }
  }
  if constexpr (Q) {
    const __m256 s_in = _mm256_set1_ps(d.q_scale), ws = _mm256_maskload_ps(d.w_scale + c0, mask);
    const __m256 bias = d.bias ? _mm256_maskload_ps(d.bias + c0, mask) : _mm256_setzero_ps();
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) {
      if (CHECK && p >= np) break;
      __m256 y = _mm256_mul_ps(_mm256_mul_ps(acc[p], s_in), ws);
      if (d.bias) y = _mm256_add_ps(y, bias);
      y = _mm256_min_ps(hi, _mm256_max_ps(lo, y));  // std::min(std::max(y, lo), hi), NaN kept
      float* o = out + int64_t{p} * d.c + c0;
      if (TAIL) _mm256_maskstore_ps(o, mask, y);
      else _mm256_storeu_ps(o, y);
    }
    return;
  }
  const __m256 bias = _mm256_loadu_ps(d.bias + c0);
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
    if (CHECK && p >= np) break;
    const __m256 y = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(acc[p], bias), lo), hi);
    float* o = out + int64_t{p} * d.c + c0;
    if (TAIL) _mm256_maskstore_ps(o, mask, y);
    else _mm256_storeu_ps(o, y);
  }
}

template <int KW, int S, bool TAIL, bool Q>
inline void dw_reuse_block(const DepthwiseArgs& d, const float* in_b, int iy0, int ky0, int ky1, int c0,
                           float* out_row, __m256 lo, __m256 hi) {
  constexpr int P = 8;
  const int valid = d.c - c0 < kVl ? d.c - c0 : kVl;
  const __m256i mask = tail_mask(valid);
  alignas(16) int8_t lanes[16];
  for (int i = 0; i < 16; ++i) lanes[i] = static_cast<int8_t>(i < valid ? i + 8 - valid : -128);
  const __m128i shuf = _mm_load_si128(reinterpret_cast<const __m128i*>(lanes));
  for (int ox = 0; ox < d.out_w; ox += P) {
    const int ix0 = ox * S - d.pad_left;
    float* out = out_row + int64_t{ox} * d.c;
    if (ox + P <= d.out_w && ix0 >= 0 && ix0 + (P - 1) * S + KW <= d.in_w)
      dw_reuse<P, KW, S, false, TAIL, Q>(d, in_b, iy0, ky0, ky1, ix0, c0, mask, shuf, out, P, lo, hi);
    else
      dw_reuse<P, KW, S, true, TAIL, Q>(d, in_b, iy0, ky0, ky1, ix0, c0, mask, shuf, out, d.out_w - ox, lo, hi);
  }
}

// One output row with dw_reuse: groups of 8 pixels, 8 channels at a time.
template <int KW, int S, bool Q>
void dw_reuse_row(const DepthwiseArgs& d, const float* in_b, int iy0, int ky0, int ky1, float* out_row, __m256 lo,
                  __m256 hi) {
  int c0 = 0;
  for (; c0 + kVl <= d.c; c0 += kVl) dw_reuse_block<KW, S, false, Q>(d, in_b, iy0, ky0, ky1, c0, out_row, lo, hi);
  if (c0 < d.c) dw_reuse_block<KW, S, true, Q>(d, in_b, iy0, ky0, ky1, c0, out_row, lo, hi);
}

using DwRowFn = void (*)(const DepthwiseArgs&, const float*, int, int, int, float*, __m256, __m256);
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

inline void tap_range(int p0, int dil, int taps, int size, int* t0, int* t1) {
  int a = 0;
  while (a < taps && p0 + a * dil < 0) ++a;
  int b = taps;
  while (b > a && p0 + (b - 1) * dil >= size) --b;
  *t0 = a;
  *t1 = b;
}

}  // namespace

bool depthwise_hybrid_avx2_fits(const DepthwiseArgs& d) {
  return dw_reuse_fn_q<true>(d) != nullptr && d.c >= 8 && int64_t{d.kh} * d.kw <= 512;
}

void depthwise_f32_avx2(const DepthwiseArgs& d, int64_t row_begin, int64_t row_end) {
  const __m256 lo = _mm256_set1_ps(d.lo), hi = _mm256_set1_ps(d.hi);
  const bool gather = d.multiplier != 1;
  const DwRowFn reuse = dw_reuse_fn(d);
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
