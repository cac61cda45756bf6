// AVX-512 (F/BW/DQ/VL, no VNNI) int8 kernels: vpmaddwd GEMM on int16 pairs (see
// gemm_s8_avx512_impl.inc) and the depthwise kernel (also used at the VNNI level).
#include "kernels/optimized/gemm_s8_avx512_impl.inc"

namespace {
inline int imin(int a, int b) { return a < b ? a : b; }
inline int imax(int a, int b) { return a > b ? a : b; }
}  // namespace

namespace liteq::rt::opt::s8 {

void gemm_s8_avx512(const GemmArgs& g, int n_begin, int n_end) { gemm_impl(g, n_begin, n_end); }

// 8 channels, stride 1 along x: two neighbouring output pixels per vector (lanes 0-7 and
// 8-15), so no lane idles. Interior columns [ox, ox_hi) in steps of 2; returns the first
// column left for the caller. Same sums as the 16-channel loop below.
int dw_pairs_c8(const DwArgs& d, int ky0, int ky1, const int8_t* in_b, int iy0, int8_t* out_row, int ox, int ox_hi,
                __m512i init, const RqVec& p) {
  constexpr int C = 8;
  const int64_t in_row = int64_t{d.in_w} * C;
  const RqVec p2 = twice8(p);
  const __m512i init2 = twice8(init);
  for (; ox + 8 <= ox_hi; ox += 8) {
    __m512i a0 = init2, a1 = init2, a2 = init2, a3 = init2;
    for (int ky = ky0; ky < ky1; ++ky) {
      const int8_t* x0 = in_b + int64_t{iy0 + ky * d.dh} * in_row + int64_t{ox - d.pad_l} * C;
      const int32_t* wrow = d.w32 + int64_t{ky} * d.kw * d.cpad;
      for (int kx = 0; kx < d.kw; ++kx) {
        const __m512i w = twice8(_mm512_loadu_si512(wrow + int64_t{kx} * d.cpad));
        const int8_t* x = x0 + int64_t{kx} * d.dw * C;
        auto in16 = [](const int8_t* q) { return _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q))); };
        a0 = _mm512_add_epi32(a0, _mm512_mullo_epi32(in16(x), w));
        a1 = _mm512_add_epi32(a1, _mm512_mullo_epi32(in16(x + 16), w));
        a2 = _mm512_add_epi32(a2, _mm512_mullo_epi32(in16(x + 32), w));
        a3 = _mm512_add_epi32(a3, _mm512_mullo_epi32(in16(x + 48), w));
      }
    }
    auto* o = reinterpret_cast<__m128i*>(out_row + int64_t{ox} * C);
    _mm_storeu_si128(o, _mm512_cvtepi32_epi8(requant16(a0, p2)));
    _mm_storeu_si128(o + 1, _mm512_cvtepi32_epi8(requant16(a1, p2)));
    _mm_storeu_si128(o + 2, _mm512_cvtepi32_epi8(requant16(a2, p2)));
    _mm_storeu_si128(o + 3, _mm512_cvtepi32_epi8(requant16(a3, p2)));
  }
  return ox;
}

namespace {

// As kernels_s8_avx2.cc's dw_reuse_s8 on 16 channels (masked loads and stores for fewer):
// P output pixels of one row, each input vector loaded once for every (pixel, tap) that
// reads it, the products summed exactly in float32 FMA, then bias and requant16.
template <int P, int KW, int S, bool CHECK>
inline void dw_reuse_s8(const DwArgs& d, const int8_t* in_b, int iy0, int ky0, int ky1, int ix0, int c,
                        __mmask16 mask, const RqVec& rq, int8_t* out, int np) {
  constexpr int NX = (P - 1) * S + KW;
  const int C = d.c;
  const __m512i off = _mm512_set1_epi32(d.in_off);
  __m512 acc[P];
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) acc[p] = _mm512_setzero_ps();
  for (int ky = ky0; ky < ky1; ++ky) {
    const int8_t* row = in_b + int64_t{iy0 + ky * d.dh} * d.in_w * C + c;
    const int32_t* wrow = d.w32 + int64_t{ky} * KW * d.cpad + c;
    __m512 w[KW];
#pragma GCC unroll 8
    for (int kx = 0; kx < KW; ++kx) w[kx] = _mm512_cvtepi32_ps(_mm512_loadu_si512(wrow + int64_t{kx} * d.cpad));
#pragma GCC unroll 32
    for (int x = 0; x < NX; ++x) {
      const int ix = ix0 + x;
      if (CHECK && (ix < 0 || ix >= d.in_w)) continue;
      const __m128i b16 = _mm_maskz_loadu_epi8(mask, row + int64_t{ix} * C);
      const __m512 v = _mm512_cvtepi32_ps(_mm512_add_epi32(_mm512_cvtepi8_epi32(b16), off));
#pragma GCC unroll 16
      for (int p = 0; p < P; ++p) {
        const int kx = x - p * S;
        if (kx >= 0 && kx < KW) acc[p] = _mm512_fmadd_ps(v, w[kx], acc[p]);
      }
    }
  }
  const __m512i bias = _mm512_loadu_si512(d.bias + c);
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
    if (CHECK && p >= np) break;
    const __m512i sum = _mm512_add_epi32(bias, _mm512_cvtps_epi32(acc[p]));  // exact: an integer
    _mm_mask_storeu_epi8(out + int64_t{p} * C + c, mask, _mm512_cvtepi32_epi8(requant16(sum, rq)));
  }
}

template <int KW, int S>
void dw_reuse_row_s8(const DwArgs& d, const int8_t* in_b, int iy0, int ky0, int ky1, int8_t* out_row) {
  constexpr int P = 8;
  for (int c = 0; c < d.c; c += 16) {
    const __mmask16 mask = tail_mask(d.c - c);
    const RqVec rq = load_rq(d.rq, c);
    for (int ox = 0; ox < d.out_w; ox += P) {
      const int ix0 = ox * S - d.pad_l;
      int8_t* out = out_row + int64_t{ox} * d.c;
      if (ox + P <= d.out_w && ix0 >= 0 && ix0 + (P - 1) * S + KW <= d.in_w)
        dw_reuse_s8<P, KW, S, false>(d, in_b, iy0, ky0, ky1, ix0, c, mask, rq, out, P);
      else
        dw_reuse_s8<P, KW, S, true>(d, in_b, iy0, ky0, ky1, ix0, c, mask, rq, out, d.out_w - ox);
    }
  }
}

using DwRowS8 = void (*)(const DwArgs&, const int8_t*, int, int, int, int8_t*);
DwRowS8 dw_reuse_s8_fn(const DwArgs& d) {
  if (d.dw != 1 || int64_t{d.kh} * d.kw > 512 || (d.c == 8 && d.sw == 1)) return nullptr;
  if (d.kw == 3 && d.sw == 1) return dw_reuse_row_s8<3, 1>;
  if (d.kw == 3 && d.sw == 2) return dw_reuse_row_s8<3, 2>;
  if (d.kw == 5 && d.sw == 1) return dw_reuse_row_s8<5, 1>;
  if (d.kw == 5 && d.sw == 2) return dw_reuse_row_s8<5, 2>;
  return nullptr;
}

}  // namespace

bool dw_s8_avx512_reuses(const DwArgs& d) { return dw_reuse_s8_fn(d) != nullptr; }

// Vectorized over 16 channels. acc = bias + sum over the taps inside the input of
// (x + in_off) * w, in int32 with wrap-around as the reference's int32 accumulator
// (padded taps contribute nothing). Where a whole filter row is inside the input, the
// offset term is folded: sum (x + in_off) * w = sum x * w + in_off * sum w (mod 2^32),
// with the sums of w per filter row precomputed; four output pixels share each weight
// load there.
// Rows that dw_reuse_s8_fn covers take dw_reuse_s8 instead.
void dw_s8_avx512(const DwArgs& d, int64_t r0, int64_t r1) {
  const int C = d.c;
  const int64_t in_row = int64_t{d.in_w} * C;
  const __m512i off = _mm512_set1_epi32(d.in_off);
  // Output columns whose taps all lie inside the input: [ox_lo, ox_hi).
  const int ox_lo = imin(d.out_w, (d.pad_l + d.sw - 1) / d.sw);
  const int last = d.in_w - 1 - (d.kw - 1) * d.dw + d.pad_l;  // ix0 + (kw-1)*dw <= in_w-1
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
    for (int c = 0; c < C; c += 16) {
      const __mmask16 mask = tail_mask(C - c);
      const RqVec p = load_rq(d.rq, c);
      const __m512i bias = _mm512_loadu_si512(d.bias + c);
      // The accumulator start of interior pixels: bias + in_off * (sum of w over the rows used).
      __m512i wsum = _mm512_setzero_si512();
      for (int ky = ky0; ky < ky1; ++ky) wsum = _mm512_add_epi32(wsum, _mm512_loadu_si512(d.wrow_sum + int64_t{ky} * d.cpad + c));
      const __m512i init = _mm512_add_epi32(bias, _mm512_mullo_epi32(wsum, off));
      auto border = [&](int ox) {
        const int ix0 = ox * d.sw - d.pad_l;
        __m512i acc = bias;
        for (int ky = ky0; ky < ky1; ++ky) {
          const int8_t* row = in_b + int64_t{iy0 + ky * d.dh} * in_row + c;
          const int32_t* wrow = d.w32 + int64_t{ky} * d.kw * d.cpad + c;
          for (int kx = 0; kx < d.kw; ++kx) {
            const int ix = ix0 + kx * d.dw;
            if (ix < 0 || ix >= d.in_w) continue;
            const __m512i x = _mm512_add_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, row + int64_t{ix} * C)), off);
            acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(x, _mm512_loadu_si512(wrow + int64_t{kx} * d.cpad)));
          }
        }
        _mm_mask_storeu_epi8(out_row + int64_t{ox} * C + c, mask, _mm512_cvtepi32_epi8(requant16(acc, p)));
      };
      int ox = 0;
      for (; ox < ox_lo; ++ox) border(ox);
      if (C == 8 && d.sw == 1 && ky1 > ky0) ox = dw_pairs_c8(d, ky0, ky1, in_b, iy0, out_row, ox, ox_hi, init, p);
      for (; ox + 4 <= ox_hi; ox += 4) {
        __m512i a0 = init, a1 = init, a2 = init, a3 = init;
        const int64_t step = int64_t{d.sw} * C;
        for (int ky = ky0; ky < ky1; ++ky) {
          const int8_t* x0 = in_b + int64_t{iy0 + ky * d.dh} * in_row + int64_t{ox * d.sw - d.pad_l} * C + c;
          const int32_t* wrow = d.w32 + int64_t{ky} * d.kw * d.cpad + c;
          for (int kx = 0; kx < d.kw; ++kx) {
            const __m512i w = _mm512_loadu_si512(wrow + int64_t{kx} * d.cpad);
            const int8_t* x = x0 + int64_t{kx} * d.dw * C;
            a0 = _mm512_add_epi32(a0, _mm512_mullo_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, x)), w));
            a1 = _mm512_add_epi32(a1, _mm512_mullo_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, x + step)), w));
            a2 = _mm512_add_epi32(a2, _mm512_mullo_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, x + 2 * step)), w));
            a3 = _mm512_add_epi32(a3, _mm512_mullo_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, x + 3 * step)), w));
          }
        }
        int8_t* o = out_row + int64_t{ox} * C + c;
        _mm_mask_storeu_epi8(o, mask, _mm512_cvtepi32_epi8(requant16(a0, p)));
        _mm_mask_storeu_epi8(o + C, mask, _mm512_cvtepi32_epi8(requant16(a1, p)));
        _mm_mask_storeu_epi8(o + 2 * C, mask, _mm512_cvtepi32_epi8(requant16(a2, p)));
        _mm_mask_storeu_epi8(o + 3 * C, mask, _mm512_cvtepi32_epi8(requant16(a3, p)));
      }
      for (; ox < d.out_w; ++ox) border(ox);
    }
  }
}

}  // namespace liteq::rt::opt::s8
