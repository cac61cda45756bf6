// AVX-512 VNNI int8 convolution with output pixels across the lanes; see conv_lanes_s8.h.
#define LITEQ_S8_VNNI 1
#include "kernels/optimized/gemm_s8_avx512_impl.inc"  // requant16, requant16f, channel_rq(f)
#include "kernels/x86/conv_lanes_s8.h"
#include "kernels/x86/row_cache.h"

namespace liteq::rt::x86 {
namespace {

using opt::s8::channel_rq;
using opt::s8::channel_rqf;
using opt::s8::requant16;
using opt::s8::requant16f;

constexpr int kBlock = 8;  // output channels per pass over the taps

// Geometry of one plane row: dwords per (group, phase) plane and per input row.
struct Layout {
  int64_t len;      // dwords per plane: out_w rounded up to 16, plus the furthest tap
  int64_t row;      // dwords per input row: groups * stride_w * len, rounded to 16
  int slots;        // cached input rows
  int64_t tags_at;  // byte offset of the cache tags in the scratch
  int64_t tmp_at;   // byte offset of the output transpose buffer
  int64_t taps_at;  // byte offset of the tap table
  const int64_t* taps = nullptr;  // per (kx, channel group): its plane's offset in a row
  int64_t total;
};

Layout layout(const ConvLanesS8Args& a) {
  Layout l{};
  const int64_t reach = (int64_t{a.kw - 1} * a.dil_w) / a.stride_w;
  l.len = (int64_t{a.out_w} + 15) / 16 * 16 + reach;
  l.row = (int64_t{a.groups} * a.stride_w * l.len + 15) / 16 * 16;
  l.slots = a.kh;
  const int64_t planes = (l.slots + 1) * l.row * 4;  // + one plane row of padding
  l.tags_at = planes;
  l.tmp_at = (l.tags_at + int64_t{l.slots} * 8 + 63) / 64 * 64;
  l.taps_at = l.tmp_at + kBlock * 16;
  l.total = l.taps_at + int64_t{a.kw} * a.groups * 8;
  return l;
}

// Input row (b, iy) as planes: dst[(g * stride_w + phase) * len + i] holds the 4 bytes
// (+128) of channel group g at column x = i * stride_w + phase - pad_left, or the padding.
void build_row(const ConvLanesS8Args& a, const Layout& l, int b, int iy, uint32_t* dst) {
  const int C = a.in_c, W = a.in_w;
  const int8_t* row = a.in + (int64_t{b} * a.in_h + iy) * W * C;
  const uint32_t pad4 = 0x01010101u * a.pad;
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  // Channels a multiple of 4 and lanes at most 2 dwords apart (8 channels at stride 1, 4
  // at stride 1 or 2): the row's dwords, loaded and permuted.
  const int step = a.stride_w * a.groups;
  const int64_t dwords = C % 4 == 0 && step <= 2 ? int64_t{W} * a.groups : 0;
  for (int ph = 0; ph < a.stride_w; ++ph) {
    // Columns i with x = i * stride_w + ph - pad_left >= 0 whose 4 bytes lie inside the
    // row (x * C + 4g + 4 <= W * C; past in_c they are the next pixel's, times weight 0)
    // are loaded or gathered; the row's last groups and the padding are written one by one.
    const int64_t first = max64(0, (int64_t{a.pad_left} - ph + a.stride_w - 1) / a.stride_w);
    for (int g = 0; g < a.groups; ++g) {
      const int64_t room = int64_t{W} * C - 4 * g - 4;
      const int64_t xlim = room < 0 ? 0 : room / C + 1;  // gathered columns: x < xlim
      const int64_t end = clamp64((xlim + a.pad_left - ph + a.stride_w - 1) / a.stride_w, first, l.len);
      uint32_t* p = dst + (int64_t{g} * a.stride_w + ph) * l.len;
      for (int64_t i = 0; i < first; ++i) p[i] = pad4;
      if (dwords > 0) {  // whole 4-byte groups, lanes 1 or 2 dwords apart: loads, not gathers
        const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        auto load = [&](int64_t from) {  // dwords [from, from + 16) of the row; zero past its end
          const int64_t left = dwords - from;
          if (left <= 0) return _mm512_setzero_si512();
          const __mmask16 m = left >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
          return _mm512_maskz_loadu_epi32(m, row + from * 4);
        };
        for (int64_t i = first; i < end; i += 16) {
          const int n = static_cast<int>(min64(16, end - i));
          const int64_t base = (i * a.stride_w + ph - a.pad_left) * a.groups + g;  // lane 0's dword
          const __m512i v = step == 1 ? load(base) : _mm512_permutex2var_epi32(load(base), even, load(base + 16));
          _mm512_mask_storeu_epi32(p + i, static_cast<__mmask16>((1u << n) - 1), _mm512_xor_si512(v, flip));
        }
      } else {
        for (int64_t i = first; i < end; i += 16) {
          const int n = static_cast<int>(min64(16, end - i));
          const __mmask16 m = static_cast<__mmask16>((1u << n) - 1);
          const int32_t x0 = static_cast<int32_t>(i * a.stride_w + ph - a.pad_left);
          // byte offset of (x, g) = x * C + 4g, x = x0 + lane * stride_w
          const __m512i off = _mm512_add_epi32(_mm512_set1_epi32(x0 * C + 4 * g),
                                               _mm512_mullo_epi32(lane, _mm512_set1_epi32(a.stride_w * C)));
          const __m512i v = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m, off, row, 1);
          _mm512_mask_storeu_epi32(p + i, m, _mm512_xor_si512(v, flip));
        }
      }
      for (int64_t i = end; i < l.len; ++i) {
        const int64_t x = i * a.stride_w + ph - a.pad_left;
        if (x < 0 || x >= W) {
          p[i] = pad4;
          continue;
        }
        uint8_t q[4];
        for (int j = 0; j < 4; ++j) {
          const int c = 4 * g + j;
          q[j] = c < C ? static_cast<uint8_t>(row[x * C + c] ^ 0x80) : a.pad;
        }
        std::memcpy(p + i, q, 4);
      }
    }
  }
}

// TFLite's integer steps for output channel c in every lane. Out of line: the blocks
// keep their accumulators in registers.
[[gnu::noinline]] __m512i requant_channel(const ConvLanesS8Args& a, int c, __m512i acc) {
  return requant16(acc, channel_rq(a.rq, c));
}

// tmp holds 2 channels x 16 pixels; out gets the first `valid` pixels x 2 channels
// (blocks of 4 and 8 channels transpose in registers, in block below).
inline void store_pairs(const int8_t* tmp, int8_t* out, int valid) {
  const __m128i q0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(tmp));
  const __m128i q1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(tmp + 16));
  const __m128i r[2] = {_mm_unpacklo_epi8(q0, q1), _mm_unpackhi_epi8(q0, q1)};  // pixels 0-7, 8-15
  const int bytes = valid * 2;
  for (int i = 0; i < 2; ++i) {
    const int left = bytes - 16 * i;
    if (left <= 0) break;
    const __mmask16 m = left >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
    _mm_mask_storeu_epi8(out + 16 * i, m, r[i]);
  }
}

// Output channels [c0, c0 + NB) of G groups of 16 pixels from ox0 (the last group's
// first `valid`); G > 1 only for whole groups. NB * G accumulators hide vpdpbusd's
// latency where few channels would leave one dependency chain.
template <int NB, int G>
void block(const ConvLanesS8Args& a, const Layout& l, const uint32_t* const* rows, int ox0, int c0, int valid,
           int8_t* out_row, int8_t* tmp) {
  __m512i acc[G][NB];
  for (int g = 0; g < G; ++g)
#pragma GCC unroll 8
    for (int j = 0; j < NB; ++j) acc[g][j] = _mm512_set1_epi32(a.init[c0 + j]);
  const int64_t wstride = int64_t{a.kh} * a.kw * a.groups;  // per output channel
  for (int ky = 0; ky < a.kh; ++ky) {
    const uint32_t* P = rows[ky];
    // The (kx, channel group) pairs in weight order: w[t] and its plane at taps[t].
    const int32_t* w = a.w + (int64_t{c0} * a.kh + ky) * a.kw * a.groups;
    for (int t = 0; t < a.kw * a.groups; ++t) {
      const uint32_t* src = P + l.taps[t] + ox0;
#pragma GCC unroll 8
      for (int g = 0; g < G; ++g) {
        const __m512i v = _mm512_loadu_si512(src + 16 * g);
#pragma GCC unroll 8
        for (int j = 0; j < NB; ++j) {
          // Inline asm with a broadcast memory operand: the weights need no register.
          __asm__("vpdpbusd %2%{1to16%}, %1, %0" : "+v"(acc[g][j]) : "v"(v), "m"(w[j * wstride + t]));
        }
      }
    }
  }
  const int n = a.out_c;
  for (int g = 0; g < G; ++g) {
    const int valid_g = g == G - 1 ? valid : 16;
    const __mmask16 m = static_cast<__mmask16>((1u << valid_g) - 1);
    int8_t* o = out_row + int64_t{ox0 + 16 * g} * n + c0;
    // Channel c0 + j of the group's 16 pixels, requantized: int32 in the output range.
    // (The accumulator goes by value: a lambda holding acc by reference would keep it in memory.)
    auto requant = [&a, c0](int j, __m512i acc_j) [[gnu::always_inline]] {
      const int c = c0 + j;
      __m512i v;
      // The float32 estimate where it is sure (gemm_s8_avx512_impl.inc), else the integer steps.
      if (!a.rq.fast || !requant16f(acc_j, channel_rqf(a.rq, c), &v)) v = requant_channel(a, c, acc_j);
      return v;
    };
    if constexpr (NB == 4 || NB == 8) {
      // Pixel-major bytes in registers: 4 channels' vectors pack (saturating, exact: they
      // are in range) into 16 bytes per 128-bit lane, channel-major for the lane's 4
      // pixels, and one byte shuffle makes them pixel-major. px[h]: pixels 8h..8h+7 (NB 8)
      // or all 16 (NB 4), NB bytes each.
      const __m512i to_pixels = _mm512_set4_epi32(0x0F0B0703, 0x0E0A0602, 0x0D090501, 0x0C080400);
      auto pack4 = [&](__m512i v0, __m512i v1, __m512i v2, __m512i v3) {  // lane l: pixels 4l..4l+3
        const __m512i b = _mm512_packs_epi16(_mm512_packs_epi32(v0, v1), _mm512_packs_epi32(v2, v3));
        return _mm512_shuffle_epi8(b, to_pixels);
      };
      __m512i px[NB / 4];
      const __m512i q0 = pack4(requant(0, acc[g][0]), requant(1, acc[g][1]), requant(2, acc[g][2]), requant(3, acc[g][3]));
      if constexpr (NB == 4) {
        px[0] = q0;
      } else {
        const __m512i q1 = pack4(requant(4, acc[g][4]), requant(5, acc[g][5]), requant(6, acc[g][6]), requant(7, acc[g][7]));
        const __m512i lo = _mm512_unpacklo_epi32(q0, q1);  // lane l: pixels 4l, 4l+1
        const __m512i hi = _mm512_unpackhi_epi32(q0, q1);  // 4l+2, 4l+3
        px[0] = _mm512_permutex2var_epi64(lo, _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11), hi);
        px[1] = _mm512_permutex2var_epi64(lo, _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15), hi);
      }
      if (n == NB) {  // whole pixels: contiguous
        const int bytes = valid_g * NB;
#pragma GCC unroll 2
        for (int h = 0; h < NB / 4; ++h) {
          const int left = bytes - 64 * h;
          if (left <= 0) break;
          const __mmask64 mb = left >= 64 ? ~__mmask64{0} : (__mmask64{1} << left) - 1;
          _mm512_mask_storeu_epi8(o + 64 * h, mb, px[h]);
        }
      } else {  // part of each pixel (a first layer's 24 channels in blocks of 8): NB bytes each
        for (int p = 0; p < valid_g; ++p, o += n) {
          if constexpr (NB == 8) {
            const __m512i x = _mm512_permutexvar_epi64(_mm512_set1_epi64(p % 8), p < 8 ? px[0] : px[1]);
            _mm_storel_epi64(reinterpret_cast<__m128i*>(o), _mm512_castsi512_si128(x));
          } else {
            _mm_storeu_si32(o, _mm512_castsi512_si128(_mm512_permutexvar_epi32(_mm512_set1_epi32(p), px[0])));
          }
        }
      }
      continue;
    }
    auto store_channel = [&](__m128i q, int j) {  // one channel's 16 pixels
      if (n == 1) _mm_mask_storeu_epi8(o, m, q);
      else _mm_storeu_si128(reinterpret_cast<__m128i*>(tmp + j * 16), q);
    };
#pragma GCC unroll 8
    for (int j = 0; j < NB; ++j) store_channel(_mm512_cvtepi32_epi8(requant(j, acc[g][j])), j);
    if (n == 1) continue;
    if constexpr (NB == 2) {
      if (n == NB) {  // the block is whole pixels: transpose [channel][pixel] in registers
        store_pairs(tmp, o, valid_g);
        continue;
      }
      alignas(16) int8_t px_major[16 * NB];
      store_pairs(tmp, px_major, 16);
      for (int px = 0; px < valid_g; ++px, o += n) std::memcpy(o, px_major + px * NB, NB);
      continue;
    }
    for (int px = 0; px < valid_g; ++px, o += n)
      for (int j = 0; j < NB; ++j) o[j] = tmp[j * 16 + px];
  }
}

using BlockFn = void (*)(const ConvLanesS8Args&, const Layout&, const uint32_t* const*, int, int, int, int8_t*,
                         int8_t*);
constexpr BlockFn kBlocks[kBlock + 1] = {nullptr,  &block<1, 1>, &block<2, 1>, &block<3, 1>, &block<4, 1>,
                                         &block<5, 1>, &block<6, 1>, &block<7, 1>, &block<8, 1>};
constexpr BlockFn kWide[kBlock + 1] = {nullptr,
                                       &block<1, groups_for(1)>,
                                       &block<2, groups_for(2)>,
                                       &block<3, groups_for(3)>,
                                       &block<4, groups_for(4)>,
                                       nullptr, nullptr, nullptr, nullptr};

}  // namespace

size_t conv_lanes_scratch_s8(const ConvLanesS8Args& a) { return static_cast<size_t>(layout(a).total); }

void conv_lanes_rows_s8_avx512vnni(const ConvLanesS8Args& a, int64_t r0, int64_t r1, uint8_t* scratch) {
  Layout l = layout(a);
  auto* taps = reinterpret_cast<int64_t*>(scratch + l.taps_at);
  for (int kx = 0; kx < a.kw; ++kx) {
    const int t = kx * a.dil_w, ph = t % a.stride_w, off = t / a.stride_w;
    for (int cg = 0; cg < a.groups; ++cg) taps[kx * a.groups + cg] = (int64_t{cg} * a.stride_w + ph) * l.len + off;
  }
  l.taps = taps;
  RowCache<uint32_t> cache{reinterpret_cast<uint32_t*>(scratch), reinterpret_cast<int64_t*>(scratch + l.tags_at),
                           l.slots, l.row};
  cache.reset(0x01010101u * a.pad);
  auto* tmp = reinterpret_cast<int8_t*>(scratch + l.tmp_at);
  const uint32_t* rows[64];
  for (int64_t r = r0; r < r1; ++r) {
    const int b = static_cast<int>(r / a.out_h), oy = static_cast<int>(r % a.out_h);
    cache.lookup(b, a.in_h, oy * a.stride_h - a.pad_top, a.dil_h, a.kh, rows, [&](uint32_t* dst, int64_t row) {
      build_row(a, l, b, static_cast<int>(row - int64_t{b} * a.in_h), dst);
    });
    int8_t* out_row = a.out + r * a.out_w * a.out_c;
    sweep_row(
        a.out_c, a.out_w, kBlock, [](int nb) { return kWide[nb] != nullptr; },
        [&](int ox0, int c0, int nb) { kWide[nb](a, l, rows, ox0, c0, 16, out_row, tmp); },
        [&](int ox0, int c0, int nb, int valid) { kBlocks[nb](a, l, rows, ox0, c0, valid, out_row, tmp); });
  }
}

}  // namespace liteq::rt::x86
