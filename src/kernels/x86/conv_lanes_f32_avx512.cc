// AVX-512 float32 convolution with output pixels across the lanes; see conv_lanes_f32.h.
#include "kernels/x86/conv_lanes_f32.h"

#include <immintrin.h>

#include "kernels/x86/row_cache.h"

namespace liteq::rt::x86 {
namespace {

constexpr int kBlock = 8;  // output channels per pass over the taps

struct Layout {
  int64_t len;  // floats per plane: out_w rounded up to 16, plus the furthest tap
  int64_t row;  // floats per input row: in_c * stride_w * len, rounded to 16
  int slots;
  int64_t tags_at, tmp_at, total;
};

Layout layout(const ConvLanesF32Args& a) {
  Layout l{};
  const int64_t reach = (int64_t{a.kw - 1} * a.dil_w) / a.stride_w;
  l.len = (int64_t{a.out_w} + 15) / 16 * 16 + reach;
  l.row = (int64_t{a.in_c} * a.stride_w * l.len + 15) / 16 * 16;
  l.slots = a.kh;
  l.tags_at = (l.slots + 1) * l.row * 4;
  l.tmp_at = (l.tags_at + int64_t{l.slots} * 8 + 63) / 64 * 64;
  l.total = l.tmp_at + kBlock * 16 * 4;
  return l;
}

// Input row (b, iy) as planes: dst[(c * stride_w + ph) * len + i] = x(i * stride_w + ph -
// pad_left, c), 0 outside the row.
void build_row(const ConvLanesF32Args& a, const Layout& l, const float* row, float* dst) {
  const int C = a.in_c, W = a.in_w;
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int ph = 0; ph < a.stride_w; ++ph) {
    const int64_t first = max64(0, (int64_t{a.pad_left} - ph + a.stride_w - 1) / a.stride_w);
    const int64_t end = clamp64((int64_t{W} + a.pad_left - ph + a.stride_w - 1) / a.stride_w, first, l.len);
    for (int c = 0; c < C; ++c) {
      float* p = dst + (int64_t{c} * a.stride_w + ph) * l.len;
      fill(p, first, 0.0f);
      for (int64_t i = first; i < end; i += 16) {
        const int n = static_cast<int>(min64(16, end - i));
        const __mmask16 m = static_cast<__mmask16>((1u << n) - 1);
        const int32_t x0 = static_cast<int32_t>(i * a.stride_w + ph - a.pad_left);
        const __m512i off = _mm512_add_epi32(_mm512_set1_epi32(x0 * C + c),
                                             _mm512_mullo_epi32(lane, _mm512_set1_epi32(a.stride_w * C)));
        _mm512_mask_storeu_ps(p + i, m, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, off, row, 4));
      }
      fill(p + end, l.len - end, 0.0f);
    }
  }
}

// out[p * n + j] for 16 pixels p (the first `valid`) and 8 channels j from r[j][p].
inline void store_8x16(const __m512 r[8], float* out, int64_t n, int valid) {
  // Level 1: interleave channel pairs; level 2: quads; level 3: 8 channels of 2 pixels.
  const __m512i lo1 = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i hi1 = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  __m512 a[8];  // a[2k]: pixels 0-7 of channels 2k, 2k+1 interleaved; a[2k+1]: pixels 8-15
  for (int k = 0; k < 4; ++k) {
    a[2 * k] = _mm512_permutex2var_ps(r[2 * k], lo1, r[2 * k + 1]);
    a[2 * k + 1] = _mm512_permutex2var_ps(r[2 * k], hi1, r[2 * k + 1]);
  }
  const __m512i lo2 = _mm512_setr_epi32(0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
  const __m512i hi2 = _mm512_setr_epi32(8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
  __m512 b[8];  // b[4h + 2q + s]: channels 4q..4q+3 of pixels 8h + 4s .. 8h + 4s + 3
  for (int h = 0; h < 2; ++h)
    for (int q = 0; q < 2; ++q) {
      b[4 * h + 2 * q] = _mm512_permutex2var_ps(a[4 * q + h], lo2, a[4 * q + 2 + h]);
      b[4 * h + 2 * q + 1] = _mm512_permutex2var_ps(a[4 * q + h], hi2, a[4 * q + 2 + h]);
    }
  const __m512i lo3 = _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const __m512i hi3 = _mm512_setr_epi32(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  for (int h = 0; h < 2; ++h)
    for (int s = 0; s < 2; ++s) {
      // pixels 8h + 4s .. +3, 8 channels each: two per vector
      const __m512 x = b[4 * h + s], y = b[4 * h + 2 + s];
      const __m512 v[2] = {_mm512_permutex2var_ps(x, lo3, y), _mm512_permutex2var_ps(x, hi3, y)};
      for (int t = 0; t < 2; ++t)
        for (int u = 0; u < 2; ++u) {
          const int p = 8 * h + 4 * s + 2 * t + u;
          if (p < valid)
            _mm256_storeu_ps(out + p * n, u ? _mm512_extractf32x8_ps(v[t], 1) : _mm512_castps512_ps256(v[t]));
        }
    }
}

// Output channels [c0, c0 + NB) of G groups of 16 pixels from ox0 (the last group's
// first `valid`); G > 1 only for whole groups. NB * G accumulators keep the FMA units busy
// where few channels would leave one dependency chain.
template <int NB, int G>
void block(const ConvLanesF32Args& a, const Layout& l, const float* const* rows, int ox0, int c0, int valid,
           float* out_row, float* tmp) {
  __m512 acc[G][NB];
  for (int g = 0; g < G; ++g)
    for (int j = 0; j < NB; ++j) acc[g][j] = _mm512_setzero_ps();
  const int C = a.in_c;
  const int64_t wstride = int64_t{a.kh} * a.kw * C;
  for (int ky = 0; ky < a.kh; ++ky) {
    const float* P = rows[ky];
    for (int kx = 0; kx < a.kw; ++kx) {
      const int t = kx * a.dil_w, ph = t % a.stride_w, off = t / a.stride_w;
      const float* w = a.w + (int64_t{c0} * a.kh + ky) * a.kw * C + int64_t{kx} * C;
      for (int c = 0; c < C; ++c) {
        const float* src = P + (int64_t{c} * a.stride_w + ph) * l.len + ox0 + off;
#pragma GCC unroll 8
        for (int g = 0; g < G; ++g) {
          const __m512 v = _mm512_loadu_ps(src + 16 * g);
#pragma GCC unroll 8
          for (int j = 0; j < NB; ++j) acc[g][j] = _mm512_fmadd_ps(v, _mm512_set1_ps(w[j * wstride + c]), acc[g][j]);
        }
      }
    }
  }
  const __m512 lo = _mm512_set1_ps(a.lo), hi = _mm512_set1_ps(a.hi);
  const int n = a.out_c;
  for (int g = 0; g < G; ++g) {
    for (int j = 0; j < NB; ++j)
      acc[g][j] = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(acc[g][j], _mm512_set1_ps(a.bias[c0 + j])), lo), hi);
    const int v = g == G - 1 ? valid : 16;
    float* o = out_row + int64_t{ox0 + 16 * g} * n + c0;
    if constexpr (NB == 1) {
      if (n == 1) {
        _mm512_mask_storeu_ps(o, static_cast<__mmask16>((1u << v) - 1), acc[g][0]);
        continue;
      }
    }
    if constexpr (NB == 8) {
      store_8x16(acc[g], o, n, v);
      continue;
    }
    for (int j = 0; j < NB; ++j) _mm512_storeu_ps(tmp + j * 16, acc[g][j]);
    for (int px = 0; px < v; ++px, o += n)
      for (int j = 0; j < NB; ++j) o[j] = tmp[j * 16 + px];
  }
}

using BlockFn = void (*)(const ConvLanesF32Args&, const Layout&, const float* const*, int, int, int, float*, float*);
constexpr BlockFn kBlocks[kBlock + 1] = {nullptr,  &block<1, 1>, &block<2, 1>, &block<3, 1>, &block<4, 1>,
                                         &block<5, 1>, &block<6, 1>, &block<7, 1>, &block<8, 1>};
constexpr BlockFn kWide[kBlock + 1] = {nullptr,
                                       &block<1, groups_for(1)>,
                                       &block<2, groups_for(2)>,
                                       &block<3, groups_for(3)>,
                                       &block<4, groups_for(4)>,
                                       nullptr, nullptr, nullptr, nullptr};

}  // namespace

size_t conv_lanes_scratch_f32(const ConvLanesF32Args& a) { return static_cast<size_t>(layout(a).total); }

void conv_lanes_rows_f32_avx512(const ConvLanesF32Args& a, int64_t r0, int64_t r1, uint8_t* scratch) {
  const Layout l = layout(a);
  RowCache<float> cache{reinterpret_cast<float*>(scratch), reinterpret_cast<int64_t*>(scratch + l.tags_at), l.slots,
                        l.row};
  cache.reset(0.0f);
  auto* tmp = reinterpret_cast<float*>(scratch + l.tmp_at);
  const float* rows[64];
  for (int64_t r = r0; r < r1; ++r) {
    const int b = static_cast<int>(r / a.out_h), oy = static_cast<int>(r % a.out_h);
    cache.lookup(b, a.in_h, oy * a.stride_h - a.pad_top, a.dil_h, a.kh, rows,
                 [&](float* dst, int64_t row) { build_row(a, l, a.in + row * a.in_w * a.in_c, dst); });
    float* out_row = a.out + r * a.out_w * a.out_c;
    sweep_row(
        a.out_c, a.out_w, kBlock, [](int nb) { return kWide[nb] != nullptr; },
        [&](int ox0, int c0, int nb) { kWide[nb](a, l, rows, ox0, c0, 16, out_row, tmp); },
        [&](int ox0, int c0, int nb, int valid) { kBlocks[nb](a, l, rows, ox0, c0, valid, out_row, tmp); });
  }
}

}  // namespace liteq::rt::x86
