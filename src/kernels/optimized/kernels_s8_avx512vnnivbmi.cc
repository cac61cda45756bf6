// AVX-512 VNNI + VBMI int8 depthwise: four filter rows per int32 lane, summed by vpdpbusd.
//
// For one input column and 16 channels, a "column vector" holds in lane i the bytes of
// channel i at filter rows 4g .. 4g+3 (one vpermt2b gathers them from the rows' 16-byte
// loads), flipped to uint8 (x ^ 0x80 = x + 128). The weights are packed the same way, per
// filter column kx: lane i = w[4g .. 4g+3][kx][channel i], 0 past the filter's last row.
// One vpdpbusd then adds four taps of one pixel, and each column vector serves every
// output pixel whose filter covers that column (3 or 5 at stride 1).
//
// Padding needs no case of its own: a padded tap reads the input zero point (its flipped
// value 128 - in_off lies in [0, 255] for every int8 zero point), and every pixel's
// accumulator starts at
//   init = bias + (in_off - 128) * (sum of w over all taps),
// so that sum (u * w) + init = bias + sum over the taps inside of (x + in_off) * w, with
// u = x + 128 inside and 128 - in_off outside: the reference's int32 sum (mod 2^32, as
// both wrap alike). Then the requantization (its float32 estimate where rq.fast, else the
// integer steps of requant16), bit-exact with the reference's.
#include "kernels/optimized/gemm_s8_avx512_impl.inc"

namespace liteq::rt::opt::s8 {
namespace {

constexpr int kMaxRows = 8;

// Byte 4i + j of a column vector: row j's channel i, rows 0-1 in a's 128-bit lanes 0-1,
// rows 2-3 in b's (index bit 6 selects b).
inline __m512i quad_index() {
  alignas(64) int8_t idx[64];
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 4; ++j) idx[4 * i + j] = static_cast<int8_t>(j < 2 ? 16 * j + i : 64 + 16 * (j - 2) + i);
  return _mm512_load_si512(idx);
}

// The column vector of NR (1-4) filter rows at input column ix; rows' bytes past NR meet
// zero weights, so what they hold does not matter.
template <int NR>
inline __m512i column(const int8_t* const* p, const int64_t* step, int ix, __mmask16 m, __m512i idx, __m512i flip) {
  auto ld = [&](int j) { return _mm_maskz_loadu_epi8(m, p[j] + ix * step[j]); };
  __m512i v;
  if constexpr (NR == 1) {
    v = _mm512_cvtepu8_epi32(ld(0));
  } else {
    const __m512i a = _mm512_inserti32x4(_mm512_castsi128_si512(ld(0)), ld(1), 1);
    if constexpr (NR == 2) {
      v = _mm512_permutexvar_epi8(idx, a);
    } else {
      __m512i b = _mm512_zextsi128_si512(ld(2));
      if constexpr (NR == 4) b = _mm512_inserti32x4(b, ld(3), 1);
      v = _mm512_permutex2var_epi8(a, idx, b);
    }
  }
  return _mm512_xor_si512(v, flip);
}

// The requantization of 16 channels from channel n: the float32 estimate (FAST, rq.fast
// set) or the integer steps.
template <bool FAST>
struct Rq16 {
  Rq16(const Requant& rq, int n) : rq(rq), n(n) {
    if constexpr (FAST) f = load_rqf(rq, n);
    else p = load_rq(rq, n);
  }
  // The 8 channels from n repeated in lanes 8-15 (two pixels per vector).
  void twice() {
    pairs = true;
    if constexpr (FAST) f = {twice8(f.scale), twice8(f.c_pos), twice8(f.c_neg), f.lo, f.hi, f.sym};
    else p = twice8(p);
  }
  __m512i operator()(__m512i acc) const {
    if constexpr (FAST) {
      __m512i v;
      if (requant16f(acc, f, &v)) [[likely]]
        return v;
      const RqVec e = load_rq(rq, n);
      return requant16(acc, pairs ? twice8(e) : e);
    } else {
      return requant16(acc, p);
    }
  }
  const Requant& rq;
  int n;
  bool pairs = false;
  RqFloat f;
  RqVec p;
};

inline void dpbusd(__m512i& acc, __m512i u, __m512i w) {
  // Inline asm: with the intrinsic GCC 12 copies the accumulators (as in the GEMM tile).
  __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u), "v"(w));
}

// P output pixels of one row from input column ix0 on (stride S); K x K taps. CHECK: some
// input columns lie outside (they read the zero point) or fewer than P pixels are stored.
template <int P, int K, int S, bool CHECK, typename RQ>
inline void quad_pixels(const DwArgs& d, const int8_t* const* rp, const int64_t* rs, int ix0, __mmask16 m,
                        const __m512i* w, __m512i init, const RQ& rq, __m512i idx, __m512i padv, int8_t* out,
                        int np) {
  constexpr int G = (K + 3) / 4, NX = (P - 1) * S + K;
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i acc[P];
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) acc[p] = init;
#pragma GCC unroll 32
  for (int x = 0; x < NX; ++x) {
    const int ix = ix0 + x;
    __m512i v[G];
    if (CHECK && (ix < 0 || ix >= d.in_w)) {
#pragma GCC unroll 2
      for (int g = 0; g < G; ++g) v[g] = padv;
    } else {
      v[0] = column<(K < 4 ? K : 4)>(rp, rs, ix, m, idx, flip);
      if constexpr (G > 1) v[1] = column<K - 4>(rp + 4, rs + 4, ix, m, idx, flip);
    }
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) {
      const int kx = x - p * S;
      if (kx < 0 || kx >= K) continue;
#pragma GCC unroll 2
      for (int g = 0; g < G; ++g) dpbusd(acc[p], v[g], w[kx * G + g]);
    }
  }
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
    if (CHECK && p >= np) break;
    _mm_mask_storeu_epi8(out + int64_t{p} * d.c, m, _mm512_cvtepi32_epi8(rq(acc[p])));
  }
}

// The input rows under a K-row filter for output row r (of batch * out_h), into row[ky]
// with step[ky] bytes per column: rows outside the input read `pad` (the zero point) with
// step 0, the same bytes for every column. Returns output row r.
inline int8_t* filter_rows(const DwArgs& d, int K, int64_t r, const int8_t* pad, const int8_t** row,
                           int64_t* step) {
  const int b = static_cast<int>(r / d.out_h), oy = static_cast<int>(r % d.out_h);
  const int iy0 = oy * d.sh - d.pad_t;
  const int64_t in_row = int64_t{d.in_w} * d.c;
  const int8_t* in_b = d.in + int64_t{b} * d.in_h * in_row;
  for (int ky = 0; ky < K; ++ky) {
    const int iy = iy0 + ky * d.dh;
    const bool inside = iy >= 0 && iy < d.in_h;
    row[ky] = inside ? in_b + int64_t{iy} * in_row : pad;
    step[ky] = inside ? d.c : 0;
  }
  return d.out + (int64_t{b} * d.out_h + oy) * d.out_w * d.c;
}

// 8 channels at stride 1: two neighbouring pixels per vector (lanes 0-7, 8-15), so a
// column vector of 16 bytes per row holds input columns ix and ix + 1, and pair p (pixels
// 2p, 2p + 1) meets tap kx in the column vector of ix0 + 2p + kx. P pairs; CHECK: some
// columns lie outside (their lanes take padv) or fewer than 2P pixels are stored.
template <int P, int K, bool CHECK, typename RQ>
inline void quad_pairs_c8(const DwArgs& d, const int8_t* const* rp, const int64_t* rs, int ix0, const __m512i* w,
                          __m512i init, const RQ& rq, __m512i idx, __m512i padv, int8_t* out, int np) {
  constexpr int G = (K + 3) / 4, NX = 2 * (P - 1) + K;
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i acc[P];
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) acc[p] = init;
#pragma GCC unroll 32
  for (int x = 0; x < NX; ++x) {
    const int ix = ix0 + x;
    __mmask16 m = 0xFFFF;  // bytes of the loads, and dword lanes of the column vector
    if (CHECK) m = (ix >= 0 && ix < d.in_w ? 0x00FF : 0) | (ix + 1 >= 0 && ix + 1 < d.in_w ? 0xFF00 : 0);
    __m512i v[G];
    v[0] = column<(K < 4 ? K : 4)>(rp, rs, ix, m, idx, flip);
    if constexpr (G > 1) v[1] = column<K - 4>(rp + 4, rs + 4, ix, m, idx, flip);
    if (CHECK && m != 0xFFFF) {
#pragma GCC unroll 2
      for (int g = 0; g < G; ++g) v[g] = _mm512_mask_mov_epi32(padv, m, v[g]);
    }
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) {
      const int kx = x - 2 * p;
      if (kx < 0 || kx >= K) continue;
#pragma GCC unroll 2
      for (int g = 0; g < G; ++g) dpbusd(acc[p], v[g], w[kx * G + g]);
    }
  }
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
    if (CHECK && 2 * p >= np) break;
    const __mmask16 sm = CHECK && 2 * p + 1 >= np ? 0x00FF : 0xFFFF;
    _mm_mask_storeu_epi8(out + int64_t{p} * 16, sm, _mm512_cvtepi32_epi8(rq(acc[p])));
  }
}

template <int K, bool FAST>
void quad_rows_c8(const DwArgs& d, int64_t r0, int64_t r1) {
  constexpr int G = (K + 3) / 4, C = 8;
  const auto zp = static_cast<int8_t>(-d.in_off);
  alignas(64) int8_t pad[64];
  for (auto& b : pad) b = zp;
  const __m512i idx = quad_index();
  const __m512i padv = _mm512_set1_epi8(static_cast<char>(zp ^ 0x80));
  Rq16<FAST> rq(d.rq, 0);
  rq.twice();
  const __m512i init = twice8(_mm512_loadu_si512(d.quad_init));
  __m512i w[K * G];
#pragma GCC unroll 16
  for (int i = 0; i < K * G; ++i) w[i] = twice8(_mm512_loadu_si512(d.wq + int64_t{i} * 64));
  for (int64_t r = r0; r < r1; ++r) {
    const int8_t* rp[kMaxRows];
    int64_t step[kMaxRows];
    int8_t* out_row = filter_rows(d, K, r, pad, rp, step);
    for (int ox = 0; ox < d.out_w; ox += 8) {
      const int ix0 = ox - d.pad_l, np = d.out_w - ox < 8 ? d.out_w - ox : 8;
      int8_t* out = out_row + int64_t{ox} * C;
      if (np == 8 && ix0 >= 0 && ix0 + 7 + K <= d.in_w)
        quad_pairs_c8<4, K, false>(d, rp, step, ix0, w, init, rq, idx, padv, out, 8);
      else
        quad_pairs_c8<4, K, true>(d, rp, step, ix0, w, init, rq, idx, padv, out, np);
    }
  }
}

template <int K, int S, bool FAST>
void quad_rows(const DwArgs& d, int64_t r0, int64_t r1) {
  constexpr int G = (K + 3) / 4;
  const int C = d.c;
  const auto zp = static_cast<int8_t>(-d.in_off);
  alignas(64) int8_t pad[64];
  for (auto& b : pad) b = zp;
  const __m512i idx = quad_index();
  const __m512i padv = _mm512_set1_epi8(static_cast<char>(zp ^ 0x80));
  for (int64_t r = r0; r < r1; ++r) {
    const int8_t* row[kMaxRows];
    int64_t step[kMaxRows];
    int8_t* out_row = filter_rows(d, K, r, pad, row, step);
    for (int c = 0; c < C; c += 16) {
      const __mmask16 m = tail_mask(C - c);
      const Rq16<FAST> rq(d.rq, c);
      const __m512i init = _mm512_loadu_si512(d.quad_init + c);
      __m512i w[K * G];
      const int8_t* wb = d.wq + int64_t{c / 16} * K * G * 64;
#pragma GCC unroll 16
      for (int i = 0; i < K * G; ++i) w[i] = _mm512_loadu_si512(wb + int64_t{i} * 64);
      const int8_t* rp[kMaxRows];
      for (int ky = 0; ky < K; ++ky) rp[ky] = row[ky] + (step[ky] ? c : 0);
      for (int ox = 0; ox < d.out_w; ox += 8) {
        const int ix0 = ox * S - d.pad_l, np = d.out_w - ox < 8 ? d.out_w - ox : 8;
        int8_t* out = out_row + int64_t{ox} * C + c;
        if (np == 8 && ix0 >= 0 && ix0 + 7 * S + K <= d.in_w)
          quad_pixels<8, K, S, false>(d, rp, step, ix0, m, w, init, rq, idx, padv, out, 8);
        else if (np <= 4)
          quad_pixels<4, K, S, true>(d, rp, step, ix0, m, w, init, rq, idx, padv, out, np);
        else
          quad_pixels<8, K, S, true>(d, rp, step, ix0, m, w, init, rq, idx, padv, out, np);
      }
    }
  }
}

template <bool FAST>
void quads(const DwArgs& d, int64_t r0, int64_t r1) {
  if (d.c == 8 && d.sw == 1) {
    if (d.kw == 3) quad_rows_c8<3, FAST>(d, r0, r1);
    else quad_rows_c8<5, FAST>(d, r0, r1);
  } else if (d.kw == 3) {
    if (d.sw == 1) quad_rows<3, 1, FAST>(d, r0, r1);
    else quad_rows<3, 2, FAST>(d, r0, r1);
  } else {
    if (d.sw == 1) quad_rows<5, 1, FAST>(d, r0, r1);
    else quad_rows<5, 2, FAST>(d, r0, r1);
  }
}

}  // namespace

void dw_s8_quads_avx512vnnivbmi(const DwArgs& d, int64_t r0, int64_t r1) {
  if (d.rq.fast) quads<true>(d, r0, r1);
  else quads<false>(d, r0, r1);
}

}  // namespace liteq::rt::opt::s8
