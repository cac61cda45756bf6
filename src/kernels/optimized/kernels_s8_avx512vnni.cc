// AVX-512 VNNI int8 kernels: vpdpbusd GEMM (see gemm_s8_avx512_impl.inc).
#define LITEQ_S8_VNNI 1
#include "kernels/optimized/gemm_s8_avx512_impl.inc"

namespace liteq::rt::opt::s8 {

void gemm_s8_avx512vnni(const GemmArgs& g, int n_begin, int n_end) { gemm_impl(g, n_begin, n_end); }

void pack_row_vnni_avx512(uint8_t* dst, const int8_t* src, int k, int kp) {
  const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
  int i = 0;
  for (; i + 64 <= k; i += 64)
    _mm512_storeu_si512(dst + i, _mm512_xor_si512(_mm512_loadu_si512(src + i), bias));
  if (i < k) {
    const __mmask64 m = (~uint64_t{0}) >> (64 - (k - i));
    _mm512_mask_storeu_epi8(dst + i, m, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, src + i), bias));
  }
  for (i = k; i < kp; ++i) dst[i] = 0x80;
}

}  // namespace liteq::rt::opt::s8
