// AVX-512 VNNI 16x8 kernels: the vpdpwssd GEMM (see gemm_s16_avx512_impl.inc).
#define LITEQ_S16_VNNI 1
#include "kernels/optimized/gemm_s16_avx512_impl.inc"

namespace liteq::rt::opt::s16 {

void gemm_s16_avx512vnni(const GemmArgs& g, int n_begin, int n_end) { gemm_impl(g, n_begin, n_end); }

}  // namespace liteq::rt::opt::s16
