// AVX2 float32 convolution with output pixels across the lanes; see conv_lanes_f32.h.
// conv_lanes_f32_avx512.cc on 8 lanes: the same planes, blocks and summation order.
#include <immintrin.h>

#include "kernels/x86/conv_lanes_f32.h"
#include "kernels/x86/row_cache.h"

namespace liteq::rt::x86 {
namespace {

constexpr int kBlock = 8;  // output channels per pass over the taps

struct Layout {
  int64_t len;  // floats per plane: out_w rounded up to 8, plus the furthest tap
  int64_t row;  // floats per input row: in_c * stride_w * len, rounded to 8
  int slots;
  int64_t tags_at, tmp_at, total;
};

Layout layout(const ConvLanesF32Args& a) {
  Layout l{};
  const int64_t reach = (int64_t{a.kw - 1} * a.dil_w) / a.stride_w;
  l.len = (int64_t{a.out_w} + 7) / 8 * 8 + reach;
  l.row = (int64_t{a.in_c} * a.stride_w * l.len + 7) / 8 * 8;
  l.slots = a.kh;
  l.tags_at = (l.slots + 1) * l.row * 4;
  l.tmp_at = (l.tags_at + int64_t{l.slots} * 8 + 63) / 64 * 64;
  l.total = l.tmp_at + kBlock * 8 * 4;
  return l;
}

// Input row (b, iy) as planes: dst[(c * stride_w + ph) * len + i] = x(i * stride_w + ph -
// pad_left, c), 0 outside the row.
void build_row(const ConvLanesF32Args& a, const Layout& l, const float* row, float* dst) {
  const int C = a.in_c, W = a.in_w;
  for (int ph = 0; ph < a.stride_w; ++ph) {
    const int64_t first = max64(0, (int64_t{a.pad_left} - ph + a.stride_w - 1) / a.stride_w);
    const int64_t end = clamp64((int64_t{W} + a.pad_left - ph + a.stride_w - 1) / a.stride_w, first, l.len);
    for (int c = 0; c < C; ++c) {
      float* p = dst + (int64_t{c} * a.stride_w + ph) * l.len;
      fill(p, first, 0.0f);
      const float* src = row + (first * a.stride_w + ph - a.pad_left) * C + c;
      const int64_t step = int64_t{a.stride_w} * C;
      for (int64_t i = first; i < end; ++i, src += step) p[i] = *src;
      fill(p + end, l.len - end, 0.0f);
    }
  }
}

// out[p * n + j] for 8 pixels p (the first `valid`) and 8 channels j from r[j][p].
inline void store_8x8(const __m256 r[8], float* out, int64_t n, int valid) {
  __m256 t[8], u[8];
  for (int k = 0; k < 4; ++k) {  // channel pairs interleaved
    t[2 * k] = _mm256_unpacklo_ps(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm256_unpackhi_ps(r[2 * k], r[2 * k + 1]);
  }
  for (int k = 0; k < 2; ++k) {  // 4 channels of one pixel per 128-bit half
    u[4 * k] = _mm256_shuffle_ps(t[4 * k], t[4 * k + 2], 0x44);
    u[4 * k + 1] = _mm256_shuffle_ps(t[4 * k], t[4 * k + 2], 0xEE);
    u[4 * k + 2] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0x44);
    u[4 * k + 3] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0xEE);
  }
  // u[i] (channels 0-3) and u[4 + i] (channels 4-7): pixels i (low halves) and 4 + i (high)
  for (int i = 0; i < 4; ++i) {
    if (i < valid) _mm256_storeu_ps(out + i * n, _mm256_permute2f128_ps(u[i], u[4 + i], 0x20));
    if (4 + i < valid) _mm256_storeu_ps(out + (4 + i) * n, _mm256_permute2f128_ps(u[i], u[4 + i], 0x31));
  }
}

// Output channels [c0, c0 + NB) of G groups of 8 pixels from ox0 (the last group's first
// `valid`); G > 1 only for whole groups.
template <int NB, int G>
void block(const ConvLanesF32Args& a, const Layout& l, const float* const* rows, int ox0, int c0, int valid,
           float* out_row, float* tmp) {
  __m256 acc[G][NB];
  for (int g = 0; g < G; ++g)
    for (int j = 0; j < NB; ++j) acc[g][j] = _mm256_setzero_ps();
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
          const __m256 v = _mm256_loadu_ps(src + 8 * g);
#pragma GCC unroll 8
          for (int j = 0; j < NB; ++j) acc[g][j] = _mm256_fmadd_ps(v, _mm256_set1_ps(w[j * wstride + c]), acc[g][j]);
        }
      }
    }
  }
  const __m256 lo = _mm256_set1_ps(a.lo), hi = _mm256_set1_ps(a.hi);
  const int n = a.out_c;
  for (int g = 0; g < G; ++g) {
    for (int j = 0; j < NB; ++j)
      acc[g][j] = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(acc[g][j], _mm256_set1_ps(a.bias[c0 + j])), lo), hi);
    const int v = g == G - 1 ? valid : 8;
    float* o = out_row + int64_t{ox0 + 8 * g} * n + c0;
    if constexpr (NB == 1) {
      if (n == 1) {
        const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(v), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        _mm256_maskstore_ps(o, m, acc[g][0]);
        continue;
      }
    }
    if constexpr (NB == 8) {
      store_8x8(acc[g], o, n, v);
      continue;
    }
    for (int j = 0; j < NB; ++j) _mm256_storeu_ps(tmp + j * 8, acc[g][j]);
    for (int px = 0; px < v; ++px, o += n)
      for (int j = 0; j < NB; ++j) o[j] = tmp[j * 8 + px];
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

size_t conv_lanes_scratch_f32_avx2(const ConvLanesF32Args& a) { return static_cast<size_t>(layout(a).total); }

void conv_lanes_rows_f32_avx2(const ConvLanesF32Args& a, int64_t r0, int64_t r1, uint8_t* scratch) {
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
    sweep_row<8>(
        a.out_c, a.out_w, kBlock, [](int nb) { return kWide[nb] != nullptr; },
        [&](int ox0, int c0, int nb) { kWide[nb](a, l, rows, ox0, c0, 8, out_row, tmp); },
        [&](int ox0, int c0, int nb, int valid) { kBlocks[nb](a, l, rows, ox0, c0, valid, out_row, tmp); });
  }
}

}  // namespace liteq::rt::x86
