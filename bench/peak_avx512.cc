// AVX-512 peak probes (see peak_kernels.h).
#include <immintrin.h>

#include <cstdint>

#include "peak_kernels.h"

namespace liteq::bench {

int32_t peak_maddwd_avx512(int64_t iters) {
  __m512i acc[kChains];
  const __m512i a = _mm512_set1_epi16(3), b = _mm512_set1_epi16(-5);
  for (int j = 0; j < kChains; ++j) acc[j] = _mm512_set1_epi32(j);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) {
      __m512i x = a;
      __asm__ volatile("" : "+v"(x));  // an opaque operand: the multiply stays in the loop
      const __m512i p = _mm512_madd_epi16(x, b);
      acc[j] = _mm512_add_epi32(acc[j], p);
    }
  }
  __m512i s = acc[0];
  for (int j = 1; j < kChains; ++j) s = _mm512_add_epi32(s, acc[j]);
  return _mm512_reduce_add_epi32(s);
}

float peak_fma_avx512(int64_t iters) {
  __m512 acc[kChains];
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.001f);
  for (int j = 0; j < kChains; ++j) acc[j] = _mm512_set1_ps(static_cast<float>(j));
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) acc[j] = _mm512_fmadd_ps(acc[j], a, b);
  }
  __m512 s = acc[0];
  for (int j = 1; j < kChains; ++j) s = _mm512_add_ps(s, acc[j]);
  return _mm512_reduce_add_ps(s);
}

}  // namespace liteq::bench
