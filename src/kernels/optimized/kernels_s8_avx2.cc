// AVX2 int8 kernels: GEMM on int16 pairs with vpmaddwd (exact: no saturation for int8
// values, unlike vpmaddubsw), depthwise, and the int16 panel packing (also used by the
// AVX-512 GEMM). See kernels_s8.h for the layouts. Internal linkage for all helpers.
#include "kernels/optimized/gemm_s8_avx2_impl.inc"  // requant8, store8, the GEMM tiles

namespace liteq::rt::opt::s8 {

void gemm_s8_avx2(const GemmArgs& g, int n_begin, int n_end) { gemm_columns(g, n_begin, n_end); }

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
