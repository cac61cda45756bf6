// AVX-512 int8 depthwise convolution on tap pairs; see dw_pairs_s8.h.
#include "kernels/optimized/gemm_s8_avx512_impl.inc"  // requant16, load_rq
#include "kernels/x86/dw_pairs_s8.h"

#include <algorithm>

namespace liteq::rt::x86 {
namespace {

using opt::s8::load_rq;
using opt::s8::requant16;
using opt::s8::RqVec;

struct Layout {
  int64_t width;  // pair columns per row: every column a tap of an output pixel starts at
  int64_t row;    // int16 values per cached input row: blocks * width * 32
  int slots;
  int64_t tags_at, total;
};

Layout layout(const DwPairsS8Args& a) {
  Layout l{};
  l.width = int64_t{a.out_w - 1} * a.stride_w + int64_t{a.kw - 1} * a.dil_w + 1;
  l.row = int64_t{a.blocks} * l.width * 32;
  l.slots = a.kh;
  l.tags_at = (l.slots + 1) * l.row * 2;
  l.total = l.tags_at + int64_t{l.slots} * 8;
  return l;
}

// Input row (b, iy) as pairs: dst[(block * width + e) * 32 + 2c + {0, 1}] =
// (x(e - pad_left), x(e - pad_left + dil_w)) of channel 16 block + c, x outside the row
// being the zero point.
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
    for (int64_t e = 0; e < l.width; ++e) {
      const int64_t ix = e - a.pad_left;
      const __m128i x0 = at(ix), x1 = at(ix + a.dil_w);
      const __m256i pairs = _mm256_set_m128i(_mm_unpackhi_epi8(x0, x1), _mm_unpacklo_epi8(x0, x1));
      _mm512_storeu_si512(d + e * 32, _mm512_cvtepi8_epi16(pairs));
    }
  }
}

template <int NP>  // output pixels per pass
inline void pixels(const DwPairsS8Args& a, const Layout& l, const int16_t* const* rows, int cb, int ox,
                   const __m512i init, const RqVec& p, __mmask16 m, int8_t* out_row) {
  __m512i acc[NP];
  for (int i = 0; i < NP; ++i) acc[i] = init;
  const int64_t step = int64_t{a.stride_w} * 32;
  for (int ky = 0; ky < a.kh; ++ky) {
    const int16_t* P = rows[ky] + (int64_t{cb} * l.width + int64_t{ox} * a.stride_w) * 32;
    const int16_t* w = a.w + (int64_t{ky} * a.pairs * a.blocks + cb) * 32;
    for (int j = 0; j < a.pairs; ++j) {
      const __m512i wv = _mm512_loadu_si512(w + int64_t{j} * a.blocks * 32);
      const int16_t* q = P + int64_t{2 * j} * a.dil_w * 32;
#pragma GCC unroll 4
      for (int i = 0; i < NP; ++i)
        acc[i] = _mm512_add_epi32(acc[i], _mm512_madd_epi16(_mm512_loadu_si512(q + i * step), wv));
    }
  }
  for (int i = 0; i < NP; ++i)
    _mm_mask_storeu_epi8(out_row + int64_t{ox + i} * a.c + cb * 16, m, _mm512_cvtepi32_epi8(requant16(acc[i], p)));
}

}  // namespace

size_t dw_pairs_scratch_s8(const DwPairsS8Args& a) { return static_cast<size_t>(layout(a).total); }

void dw_pairs_rows_s8_avx512(const DwPairsS8Args& a, int64_t r0, int64_t r1, uint8_t* scratch) {
  const Layout l = layout(a);
  auto* cache = reinterpret_cast<int16_t*>(scratch);
  auto* tags = reinterpret_cast<int64_t*>(scratch + l.tags_at);
  int16_t* pad_row = cache + int64_t{l.slots} * l.row;
  std::fill(pad_row, pad_row + l.row, static_cast<int16_t>(a.zero_point));
  std::fill(tags, tags + l.slots, int64_t{-1});
  const int16_t* rows[64];
  int64_t need[64];
  for (int64_t r = r0; r < r1; ++r) {
    const int b = static_cast<int>(r / a.out_h), oy = static_cast<int>(r % a.out_h);
    for (int ky = 0; ky < a.kh; ++ky) {
      const int iy = oy * a.stride_h - a.pad_top + ky * a.dil_h;
      need[ky] = iy < 0 || iy >= a.in_h ? -1 : int64_t{b} * a.in_h + iy;
    }
    // Cached rows stay; new ones replace rows this output row does not use.
    for (int ky = 0; ky < a.kh; ++ky) {
      if (need[ky] < 0) {
        rows[ky] = pad_row;
        continue;
      }
      int slot = -1;
      for (int s = 0; s < l.slots && slot < 0; ++s)
        if (tags[s] == need[ky]) slot = s;
      if (slot < 0) {
        for (int s = 0; s < l.slots && slot < 0; ++s)
          if (tags[s] < 0 || std::find(need, need + a.kh, tags[s]) == need + a.kh) slot = s;
        tags[slot] = need[ky];
        build_row(a, l, a.in + need[ky] * a.in_w * a.c, cache + int64_t{slot} * l.row);
      }
      rows[ky] = cache + int64_t{slot} * l.row;
    }
    int8_t* out_row = a.out + r * a.out_w * a.c;
    for (int cb = 0; cb < a.blocks; ++cb) {
      const int left = a.c - cb * 16;
      const __mmask16 m = left >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
      const __m512i init = _mm512_loadu_si512(a.init + cb * 16);
      const RqVec p = load_rq(a.rq, cb * 16);
      int ox = 0;
      for (; ox + 4 <= a.out_w; ox += 4) pixels<4>(a, l, rows, cb, ox, init, p, m, out_row);
      for (; ox < a.out_w; ++ox) pixels<1>(a, l, rows, cb, ox, init, p, m, out_row);
    }
  }
}

}  // namespace liteq::rt::x86
