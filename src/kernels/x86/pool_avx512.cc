// MAX_POOL_2D on AVX-512 F/BW; see pool.h.
#include <immintrin.h>

#include "kernels/x86/pool.h"

namespace liteq::rt::x86 {
namespace {

// The lane operations per element type: kLanes elements per vector, masked load/store,
// max, and the final clamp.
struct F32 {
  using T = float;
  using V = __m512;
  using M = __mmask16;
  static constexpr int kLanes = 16;
  static M mask(int n) { return n >= 16 ? static_cast<M>(0xFFFF) : static_cast<M>((1u << n) - 1); }
  static V lowest() { return _mm512_set1_ps(-3.402823466e+38f); }
  static V load(M m, const T* p) { return _mm512_maskz_loadu_ps(m, p); }
  // std::max(acc, v): v where acc < v, else acc (NaN in v keeps acc).
  static V max(V acc, V v) { return _mm512_max_ps(v, acc); }
  static V clamp(V a, const MaxPoolArgs& g) {
    // std::min(std::max(a, lo), hi)
    return _mm512_min_ps(_mm512_set1_ps(g.act_max), _mm512_max_ps(_mm512_set1_ps(g.act_min), a));
  }
  static void store(M m, T* p, V v) { _mm512_mask_storeu_ps(p, m, v); }
};

struct S8 {
  using T = int8_t;
  using V = __m512i;
  using M = __mmask64;
  static constexpr int kLanes = 64;
  static M mask(int n) { return n >= 64 ? ~M{0} : (M{1} << n) - 1; }
  static V lowest() { return _mm512_set1_epi8(-128); }
  static V load(M m, const T* p) { return _mm512_maskz_loadu_epi8(m, p); }
  static V max(V acc, V v) { return _mm512_max_epi8(acc, v); }
  static V clamp(V a, const MaxPoolArgs& g) {
    return _mm512_min_epi8(_mm512_max_epi8(a, _mm512_set1_epi8(static_cast<char>(g.q_act_min))),
                           _mm512_set1_epi8(static_cast<char>(g.q_act_max)));
  }
  static void store(M m, T* p, V v) { _mm512_mask_storeu_epi8(p, m, v); }
};

struct S16 {
  using T = int16_t;
  using V = __m512i;
  using M = __mmask32;
  static constexpr int kLanes = 32;
  static M mask(int n) { return n >= 32 ? ~M{0} : (M{1} << n) - 1; }
  static V lowest() { return _mm512_set1_epi16(-32768); }
  static V load(M m, const T* p) { return _mm512_maskz_loadu_epi16(m, p); }
  static V max(V acc, V v) { return _mm512_max_epi16(acc, v); }
  static V clamp(V a, const MaxPoolArgs& g) {
    return _mm512_min_epi16(_mm512_max_epi16(a, _mm512_set1_epi16(static_cast<short>(g.q_act_min))),
                            _mm512_set1_epi16(static_cast<short>(g.q_act_max)));
  }
  static void store(M m, T* p, V v) { _mm512_mask_storeu_epi16(p, m, v); }
};

inline int max_int(int a, int b) { return a > b ? a : b; }
inline int min_int(int a, int b) { return a < b ? a : b; }

// The int8 / int16 clamp bounds must lie in the type's range (they are the output's
// quantized activation bounds, so they do).
template <typename L>
void rows(const MaxPoolArgs& g, const typename L::T* in, typename L::T* out, int64_t r0, int64_t r1) {
  const int C = g.channels;
  for (int64_t r = r0; r < r1; ++r) {
    const int b = static_cast<int>(r / g.out_h), oy = static_cast<int>(r % g.out_h);
    const int iy0 = oy * g.stride_h - g.pad_top;
    const int ky_begin = max_int(0, -iy0), ky_end = min_int(g.filter_h, g.in_h - iy0);
    for (int ox = 0; ox < g.out_w; ++ox) {
      const int ix0 = ox * g.stride_w - g.pad_left;
      const int kx_begin = max_int(0, -ix0), kx_end = min_int(g.filter_w, g.in_w - ix0);
      typename L::T* o = out + ((int64_t{b} * g.out_h + oy) * g.out_w + ox) * C;
      for (int c0 = 0; c0 < C; c0 += L::kLanes) {
        const auto m = L::mask(C - c0);
        auto acc = L::lowest();
        for (int ky = ky_begin; ky < ky_end; ++ky)
          for (int kx = kx_begin; kx < kx_end; ++kx)
            acc = L::max(acc, L::load(m, in + ((int64_t{b} * g.in_h + iy0 + ky) * g.in_w + ix0 + kx) * C + c0));
        L::store(m, o + c0, L::clamp(acc, g));
      }
    }
  }
}

}  // namespace

void max_pool_rows_f32_avx512(const MaxPoolArgs& a, const float* in, float* out, int64_t r0, int64_t r1) {
  rows<F32>(a, in, out, r0, r1);
}
void max_pool_rows_s8_avx512(const MaxPoolArgs& a, const int8_t* in, int8_t* out, int64_t r0, int64_t r1) {
  rows<S8>(a, in, out, r0, r1);
}
void max_pool_rows_s16_avx512(const MaxPoolArgs& a, const int16_t* in, int16_t* out, int64_t r0, int64_t r1) {
  rows<S16>(a, in, out, r0, r1);
}

}  // namespace liteq::rt::x86
