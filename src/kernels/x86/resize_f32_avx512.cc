// AVX-512 float32 bilinear resize rows; see resize_f32.h.
#include <immintrin.h>

#include "kernels/x86/resize_f32.h"

namespace liteq::rt::x86 {
namespace {

struct Weights {
  __m512 w00, w01, w10, w11;
};

// The reference's weights for a pixel with fractions dy, dx (lanes may hold different dx).
inline Weights weights(__m512 dy, __m512 dx) {
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 ny = _mm512_sub_ps(one, dy), nx = _mm512_sub_ps(one, dx);
  return {_mm512_mul_ps(ny, nx), _mm512_mul_ps(ny, dx), _mm512_mul_ps(dy, nx), _mm512_mul_ps(dy, dx)};
}

inline __m512 blend4(const Weights& w, __m512 a, __m512 b, __m512 c, __m512 d) {
  __m512 v = _mm512_mul_ps(w.w00, a);
  v = _mm512_add_ps(v, _mm512_mul_ps(w.w01, b));
  v = _mm512_add_ps(v, _mm512_mul_ps(w.w10, c));
  return _mm512_add_ps(v, _mm512_mul_ps(w.w11, d));
}

inline __m512 two(const float* a, const float* b) {  // 8 floats at a, 8 at b
  return _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(a)), _mm256_loadu_ps(b), 1);
}

}  // namespace

void resize_bilinear_row_f32_avx512(const float* row0, const float* row1, float dy, const int32_t* lo,
                                    const int32_t* hi, const float* dx, float* out, int out_w, int channels) {
  const __m512 vdy = _mm512_set1_ps(dy);
  const int64_t C = channels;
  int x = 0;
  if (C == 8) {  // two output pixels per vector
    for (; x + 2 <= out_w; x += 2) {
      const __m512 vdx = _mm512_mask_blend_ps(0xFF00, _mm512_set1_ps(dx[x]), _mm512_set1_ps(dx[x + 1]));
      const Weights w = weights(vdy, vdx);
      const int64_t l0 = lo[x] * 8, l1 = lo[x + 1] * 8, h0 = hi[x] * 8, h1 = hi[x + 1] * 8;
      _mm512_storeu_ps(out + x * 8, blend4(w, two(row0 + l0, row0 + l1), two(row0 + h0, row0 + h1),
                                           two(row1 + l0, row1 + l1), two(row1 + h0, row1 + h1)));
    }
    if (x == out_w) return;
  }
  for (; x < out_w; ++x) {
    const Weights w = weights(vdy, _mm512_set1_ps(dx[x]));
    const float *a = row0 + lo[x] * C, *b = row0 + hi[x] * C, *c = row1 + lo[x] * C, *d = row1 + hi[x] * C;
    float* o = out + int64_t{x} * C;
    for (int64_t ch = 0; ch < C; ch += 16) {
      const int left = static_cast<int>(C - ch);
      const __mmask16 m = left >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
      _mm512_mask_storeu_ps(o + ch, m,
                            blend4(w, _mm512_maskz_loadu_ps(m, a + ch), _mm512_maskz_loadu_ps(m, b + ch),
                                   _mm512_maskz_loadu_ps(m, c + ch), _mm512_maskz_loadu_ps(m, d + ch)));
    }
  }
}

}  // namespace liteq::rt::x86
