// The input-row cache shared by the ISA kernels that rewrite each input row once into
// a vector-friendly form (conv_lanes_s8/f32, dw_pairs_s8) and reuse it for every output
// row whose filter covers it; the sweep of the lanes kernels over an output row; and the
// small integer helpers those files need.
//
// For ISA files only, and C headers only: everything here has internal linkage, so each
// file compiles its own copy with its own flags (a shared inline or std:: function could
// be taken by the linker from a file built for a wider instruction set).
#pragma once
#include <cstdint>

namespace liteq::rt::x86 {
namespace {

inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
inline int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

template <typename T>
inline void fill(T* p, int64_t n, T v) {
  for (int64_t i = 0; i < n; ++i) p[i] = v;
}

// Output pixel groups per pass of a lanes kernel for nb output channels: about 8
// accumulators, so few channels do not leave one dependency chain.
constexpr int groups_for(int nb) { return nb == 1 ? 8 : nb == 2 ? 4 : nb <= 4 ? 2 : 1; }

// One output row of a lanes kernel (LANES pixels per vector): for each block of up to
// `block` channels c0, wide(ox0, c0, nb) over whole runs of LANES * groups_for(nb) pixels
// where `has_wide(nb)`, then narrow(ox0, c0, nb, valid) over single groups of LANES.
template <int LANES = 16, typename HasWide, typename Wide, typename Narrow>
inline void sweep_row(int out_c, int out_w, int block, HasWide&& has_wide, Wide&& wide, Narrow&& narrow) {
  for (int c0 = 0; c0 < out_c; c0 += block) {
    const int nb = static_cast<int>(min64(block, out_c - c0)), run = LANES * groups_for(nb);
    int ox0 = 0;
    if (has_wide(nb))
      for (; ox0 + run <= out_w; ox0 += run) wide(ox0, c0, nb);
    for (; ox0 < out_w; ox0 += LANES) narrow(ox0, c0, nb, static_cast<int>(min64(LANES, out_w - ox0)));
  }
}

// kh slots of `row` elements each, tagged with the input row (batch * in_h + iy) they
// hold (-1: empty), then one row of padding.
template <typename T>
struct RowCache {
  T* rows;
  int64_t* tags;
  int slots;
  int64_t row;

  void reset(T pad) {
    fill(tags, slots, int64_t{-1});
    fill(rows + slots * row, row, pad);
  }
  // out[ky] = the rewritten input row iy0 + ky * dil (of batch b) for ky < kh (kh <= 64):
  // a cached one, or one build(dst, row_index) rewrites into a slot no ky here needs; the
  // padding row where iy lies outside [0, in_h).
  template <typename Build>
  void lookup(int b, int in_h, int iy0, int dil, int kh, const T** out, Build&& build) {
    int64_t need[64];
    for (int ky = 0; ky < kh; ++ky) {
      const int iy = iy0 + ky * dil;
      need[ky] = iy < 0 || iy >= in_h ? -1 : int64_t{b} * in_h + iy;
    }
    for (int ky = 0; ky < kh; ++ky) {
      if (need[ky] < 0) {
        out[ky] = rows + slots * row;
        continue;
      }
      int slot = -1;
      for (int s = 0; s < slots && slot < 0; ++s)
        if (tags[s] == need[ky]) slot = s;
      for (int s = 0; s < slots && slot < 0; ++s) {
        bool needed = false;
        for (int k = 0; k < kh; ++k) needed |= tags[s] >= 0 && tags[s] == need[k];
        if (!needed) {
          slot = s;
          tags[s] = need[ky];
          build(rows + s * row, need[ky]);
        }
      }
      out[ky] = rows + slot * row;
    }
  }
};

}  // namespace
}  // namespace liteq::rt::x86
