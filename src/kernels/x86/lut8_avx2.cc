// AVX2 byte table lookup; see lut8.h.
#include <immintrin.h>

#include <cstring>

#include "kernels/x86/lut8.h"

namespace liteq::rt::x86 {
namespace {

// 32 bytes through the table held as 16 rows of 16 (each in both 128-bit lanes): row k
// looked up by the low nibble (vpshufb) where the high nibble is k.
inline __m256i lookup32(__m256i v, const __m256i* rows) {
  const __m256i nib = _mm256_set1_epi8(0x0F);
  const __m256i lo = _mm256_and_si256(v, nib);
  const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
  __m256i r = _mm256_setzero_si256();
  for (int k = 0; k < 16; ++k) {
    const __m256i hit = _mm256_cmpeq_epi8(hi, _mm256_set1_epi8(static_cast<char>(k)));
    r = _mm256_or_si256(r, _mm256_and_si256(hit, _mm256_shuffle_epi8(rows[k], lo)));
  }
  return r;
}

}  // namespace

void lut8_avx2(int64_t n, const uint8_t* x, uint8_t* y, const uint8_t* table) {
  __m256i rows[16];
  for (int k = 0; k < 16; ++k)
    rows[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(table + 16 * k)));
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i),
                        lookup32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)), rows));
  if (i < n) {  // tail: through a 32-byte buffer
    uint8_t in[32] = {}, out[32];
    std::memcpy(in, x + i, static_cast<size_t>(n - i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out),
                        lookup32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in)), rows));
    std::memcpy(y + i, out, static_cast<size_t>(n - i));
  }
}

}  // namespace liteq::rt::x86
