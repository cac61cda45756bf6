// AVX-VNNI int8 GEMM: the AVX2 tiles of gemm_s8_avx2_impl.inc with VEX vpdpbusd on 8
// lanes (uint8 x int8 quads, 4 products per lane where vpmaddwd makes 2), for CPUs with
// AVX-VNNI but no AVX-512 (Intel since Alder Lake; Isa::kAvx2Vnni). Weights and panels
// in the vnni layouts of kernels_s8.h.
#define LITEQ_S8_AVXVNNI 1
#include "kernels/optimized/gemm_s8_avx2_impl.inc"

namespace liteq::rt::opt::s8 {

void gemm_s8_avx2vnni(const GemmArgs& g, int n_begin, int n_end) { gemm_columns(g, n_begin, n_end); }

void pack_row_vnni_avx2vnni(uint8_t* dst, const int8_t* src, int k, int kp) {
  const __m256i bias = _mm256_set1_epi8(static_cast<char>(0x80));
  int i = 0;
  for (; i + 32 <= k; i += 32)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i),
                        _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i)), bias));
  for (; i < k; ++i) dst[i] = static_cast<uint8_t>(src[i] ^ 0x80);
  for (; i < kp; ++i) dst[i] = 0x80;
}

}  // namespace liteq::rt::opt::s8
