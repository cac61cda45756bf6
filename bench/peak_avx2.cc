// AVX2 peak probes (see peak_kernels.h).
#include <immintrin.h>

#include <cstdint>

#include "peak_kernels.h"

namespace liteq::bench {

int32_t peak_maddwd_avx2(int64_t iters) {
  __m256i acc[kChainsAvx2Int];
  const __m256i a = _mm256_set1_epi16(3), b = _mm256_set1_epi16(-5);
  for (int j = 0; j < kChainsAvx2Int; ++j) acc[j] = _mm256_set1_epi32(j);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kChainsAvx2Int; ++j) {
      __m256i x = a;
      __asm__ volatile("" : "+x"(x));  // an opaque operand: the multiply stays in the loop
      const __m256i p = _mm256_madd_epi16(x, b);
      acc[j] = _mm256_add_epi32(acc[j], p);
    }
  }
  __m256i s = acc[0];
  for (int j = 1; j < kChainsAvx2Int; ++j) s = _mm256_add_epi32(s, acc[j]);
  return _mm256_extract_epi32(s, 0);
}

float peak_fma_avx2(int64_t iters) {
  __m256 acc[kChains];
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(0.001f);
  for (int j = 0; j < kChains; ++j) acc[j] = _mm256_set1_ps(static_cast<float>(j));
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) acc[j] = _mm256_fmadd_ps(acc[j], a, b);
  }
  __m256 s = acc[0];
  for (int j = 1; j < kChains; ++j) s = _mm256_add_ps(s, acc[j]);
  return _mm256_cvtss_f32(s);
}

}  // namespace liteq::bench
