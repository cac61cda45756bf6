// AVX-512 (F/BW/DQ/VL, no VNNI) int8 kernels: vpmaddwd GEMM on int16 pairs (see
// gemm_s8_avx512_impl.inc) and the depthwise kernel (also used at the VNNI level).
#include "kernels/optimized/gemm_s8_avx512_impl.inc"

namespace liteq::rt::opt::s8 {

void gemm_s8_avx512(const GemmArgs& g, int n_begin, int n_end) { gemm_impl(g, n_begin, n_end); }

// Vectorized over 16 channels; per output pixel, only the taps inside the input (as the
// reference, padded taps contribute nothing); acc = bias + sum (x + in_off) * w in
// int32 (wrapping, as the reference's int32 accumulator).
void dw_s8_avx512(const DwArgs& d, int64_t r0, int64_t r1) {
  const int C = d.c;
  const __m512i off = _mm512_set1_epi32(d.in_off);
  for (int64_t r = r0; r < r1; ++r) {
    const int b = static_cast<int>(r / d.out_h), oy = static_cast<int>(r % d.out_h);
    const int iy0 = oy * d.sh - d.pad_t;
    int ky0 = 0, ky1 = d.kh;
    while (ky0 < ky1 && iy0 + ky0 * d.dh < 0) ++ky0;
    while (ky1 > ky0 && iy0 + (ky1 - 1) * d.dh >= d.in_h) --ky1;
    const int8_t* in_b = d.in + int64_t{b} * d.in_h * d.in_w * C;
    for (int ox = 0; ox < d.out_w; ++ox) {
      const int ix0 = ox * d.sw - d.pad_l;
      int kx0 = 0, kx1 = d.kw;
      while (kx0 < kx1 && ix0 + kx0 * d.dw < 0) ++kx0;
      while (kx1 > kx0 && ix0 + (kx1 - 1) * d.dw >= d.in_w) --kx1;
      int8_t* out = d.out + ((int64_t{b} * d.out_h + oy) * d.out_w + ox) * C;
      for (int c = 0; c < C; c += 16) {
        const __mmask16 mask = tail_mask(C - c);
        __m512i acc = _mm512_loadu_si512(d.bias + c);
        for (int ky = ky0; ky < ky1; ++ky) {
          const int iy = iy0 + ky * d.dh;
          const int8_t* row = in_b + int64_t{iy} * d.in_w * C + c;
          const int32_t* wrow = d.w32 + int64_t{ky} * d.kw * d.cpad + c;
          for (int kx = kx0; kx < kx1; ++kx) {
            const int ix = ix0 + kx * d.dw;
            const __m512i x =
                _mm512_add_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, row + int64_t{ix} * C)), off);
            acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(x, _mm512_loadu_si512(wrow + int64_t{kx} * d.cpad)));
          }
        }
        _mm_mask_storeu_epi8(out + c, mask, _mm512_cvtepi32_epi8(requant16(acc, d.rq, c)));
      }
    }
  }
}

}  // namespace liteq::rt::opt::s8
