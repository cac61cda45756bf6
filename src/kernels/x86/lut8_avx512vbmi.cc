// AVX-512 VBMI byte table lookup; see lut8.h.
#include <immintrin.h>

#include "kernels/x86/lut8.h"

namespace liteq::rt::x86 {

void lut8_avx512vbmi(int64_t n, const uint8_t* x, uint8_t* y, const uint8_t* table) {
  const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
  const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
  for (int64_t i = 0; i < n; i += 64) {
    const int64_t left = n - i;
    const __mmask64 m = left >= 64 ? ~__mmask64{0} : (__mmask64{1} << left) - 1;
    const __m512i v = _mm512_maskz_loadu_epi8(m, x + i);
    const __m512i lo = _mm512_permutex2var_epi8(t0, v, t1);  // entries 0-127 (bit 7 clear)
    const __m512i hi = _mm512_permutex2var_epi8(t2, v, t3);  // entries 128-255
    _mm512_mask_storeu_epi8(y + i, m, _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), lo, hi));
  }
}

}  // namespace liteq::rt::x86
