// AVX-512 int8 depthwise convolution on tap pairs; see dw_pairs_s8.h.
#include "kernels/optimized/gemm_s8_avx512_impl.inc"  // requant16, load_rq
#include "kernels/x86/dw_pairs_s8.h"
#include "kernels/x86/row_cache.h"

namespace liteq::rt::x86 {
namespace {

using opt::s8::load_rq;
using opt::s8::requant16;
using opt::s8::RqVec;

// Pair columns q hold the pair starting at padded column e = q * e_step. When stride_w
// divides 2 * dil_w, every pair an output pixel reads starts at a multiple of stride_w,
// so only those columns are built (e_step = stride_w; at stride 2 half the work);
// otherwise every column (e_step = 1).
struct Layout {
  int e_step, pixel_step, pair_step;  // in columns q: per output pixel, per tap pair
  int64_t width;  // pair columns per row
  int64_t row;    // int16 values per cached input row: blocks * width * 32
  int slots;
  int64_t tags_at, total;
};

Layout layout(const DwPairsS8Args& a) {
  Layout l{};
  const bool compact = (2 * a.dil_w) % a.stride_w == 0;
  l.e_step = compact ? a.stride_w : 1;
  l.pixel_step = compact ? 1 : a.stride_w;
  l.pair_step = compact ? 2 * a.dil_w / a.stride_w : 2 * a.dil_w;
  l.width = int64_t{a.out_w - 1} * l.pixel_step + int64_t{a.pairs - 1} * l.pair_step + 1;
  l.row = int64_t{a.blocks} * l.width * 32;
  l.slots = a.kh;
  l.tags_at = (l.slots + 1) * l.row * 2;
  l.total = l.tags_at + int64_t{l.slots} * 8;
  return l;
}

// Input row (b, iy) as pairs: dst[(block * width + q) * 32 + 2c + {0, 1}] =
// (x(ix), x(ix + dil_w)) with ix = q * e_step - pad_left, of channel 16 block + c, x
// outside the row being the zero point.
void build_row(const DwPairsS8Args& a, const Layout& l, const int8_t* row, int16_t* dst) {
  const int C = a.c;
  const __m128i zp = _mm_set1_epi8(a.zero_point);
  for (int cb = 0; cb < a.blocks; ++cb) {
    const int left = C - cb * 16;
    const __mmask16 m = left >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
    auto at = [&](int64_t ix) {
      return ix < 0 || ix >= a.in_w ? zp : _mm_maskz_loadu_epi8(m, row + ix * C + cb * 16);
    };
    int16_t* d = dst + int64_t{cb} * l.width * 32;
    for (int64_t q = 0; q < l.width; ++q) {
      const int64_t ix = q * l.e_step - a.pad_left;
      const __m128i x0 = at(ix), x1 = at(ix + a.dil_w);
      const __m256i pairs = _mm256_set_m128i(_mm_unpackhi_epi8(x0, x1), _mm_unpacklo_epi8(x0, x1));
      _mm512_storeu_si512(d + q * 32, _mm512_cvtepi8_epi16(pairs));
    }
  }
}

template <int NP>  // output pixels per pass
inline void pixels(const DwPairsS8Args& a, const Layout& l, const int16_t* const* rows, int cb, int ox,
                   const __m512i init, const RqVec& p, __mmask16 m, int64_t row_off) {
  __m512i acc[NP];
  for (int i = 0; i < NP; ++i) acc[i] = init;
  const int64_t step = int64_t{l.pixel_step} * 32;
  for (int ky = 0; ky < a.kh; ++ky) {
    const int16_t* P = rows[ky] + (int64_t{cb} * l.width + int64_t{ox} * l.pixel_step) * 32;
    const int16_t* w = a.w + (int64_t{ky} * a.pairs * a.blocks + cb) * 32;
    for (int j = 0; j < a.pairs; ++j) {
      const __m512i wv = _mm512_loadu_si512(w + int64_t{j} * a.blocks * 32);
      const int16_t* q = P + int64_t{j} * l.pair_step * 32;
#pragma GCC unroll 4
      for (int i = 0; i < NP; ++i)
        acc[i] = _mm512_add_epi32(acc[i], _mm512_madd_epi16(_mm512_loadu_si512(q + i * step), wv));
    }
  }
  if (a.out_f) {  // hybrid: the float epilogue
    const __m512 s_in = _mm512_set1_ps(a.in_scale), ws = _mm512_loadu_ps(a.w_scale + cb * 16);
    const __m512 lo = _mm512_set1_ps(a.f_lo), hi = _mm512_set1_ps(a.f_hi);
    const __m512 bias = a.f_bias ? _mm512_maskz_loadu_ps(m, a.f_bias + cb * 16) : _mm512_setzero_ps();
    float* out = a.out_f + row_off + cb * 16;
    for (int i = 0; i < NP; ++i) {
      __m512 v = _mm512_mul_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(acc[i]), s_in), ws);
      if (a.f_bias) v = _mm512_add_ps(v, bias);
      v = _mm512_min_ps(hi, _mm512_max_ps(lo, v));  // the reference's two comparisons, NaN kept
      _mm512_mask_storeu_ps(out + int64_t{ox + i} * a.c, m, v);
    }
    return;
  }
  int8_t* out_row = a.out + row_off;
  for (int i = 0; i < NP; ++i)
    _mm_mask_storeu_epi8(out_row + int64_t{ox + i} * a.c + cb * 16, m, _mm512_cvtepi32_epi8(requant16(acc[i], p)));
}

}  // namespace

size_t dw_pairs_scratch_s8(const DwPairsS8Args& a) { return static_cast<size_t>(layout(a).total); }

void dw_pairs_rows_s8_avx512(const DwPairsS8Args& a, int64_t r0, int64_t r1, uint8_t* scratch) {
  const Layout l = layout(a);
  RowCache<int16_t> cache{reinterpret_cast<int16_t*>(scratch), reinterpret_cast<int64_t*>(scratch + l.tags_at),
                          l.slots, l.row};
  cache.reset(static_cast<int16_t>(a.zero_point));
  const int16_t* rows[64];
  for (int64_t r = r0; r < r1; ++r) {
    const int b = static_cast<int>(r / a.out_h), oy = static_cast<int>(r % a.out_h);
    cache.lookup(b, a.in_h, oy * a.stride_h - a.pad_top, a.dil_h, a.kh, rows,
                 [&](int16_t* dst, int64_t row) { build_row(a, l, a.in + row * a.in_w * a.c, dst); });
    const int64_t row_off = r * a.out_w * a.c;
    for (int cb = 0; cb < a.blocks; ++cb) {
      const int left = a.c - cb * 16;
      const __mmask16 m = left >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
      const __m512i init = _mm512_loadu_si512(a.init + cb * 16);
      const RqVec p = a.out_f ? RqVec{} : load_rq(a.rq, cb * 16);
      int ox = 0;
      for (; ox + 4 <= a.out_w; ox += 4) pixels<4>(a, l, rows, cb, ox, init, p, m, row_off);
      for (; ox < a.out_w; ++ox) pixels<1>(a, l, rows, cb, ox, init, p, m, row_off);
    }
  }
}

}  // namespace liteq::rt::x86
