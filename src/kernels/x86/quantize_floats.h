// The hybrid kernels' on-the-fly input quantization (reference/requant_int8.h:
// symmetric_quantize_floats, asymmetric_quantize_floats), vectorized, same results. Plain
// C interface: quantize_floats_avx2.cc is built with AVX2 flags; the wrappers below pick
// it when the exec level allows.
#pragma once
#include <cstddef>
#include <cstdint>

namespace liteq::rt::x86 {

// min and max of x[0..n), n >= 1; returns false (leaving mn/mx unset) if x holds a NaN.
bool minmax_f32_avx2(const float* x, size_t n, float* mn, float* mx);
// q[i] = clamp((int)round_half_away(zp + x[i] * inv), lo, hi), the multiply and the add
// rounded separately in float (no fused multiply-add), as the reference.
void quantize_floats_avx2(const float* x, size_t n, float inv, float zp, int32_t lo, int32_t hi, int8_t* q);
// The same with AVX-512 F/DQ (quantize_floats_avx512.cc).
bool minmax_f32_avx512(const float* x, size_t n, float* mn, float* mx);
void quantize_floats_avx512(const float* x, size_t n, float inv, float zp, int32_t lo, int32_t hi, int8_t* q);

// The best of the two for an exec level (>= AVX2).
inline bool minmax_f32(bool avx512, const float* x, size_t n, float* mn, float* mx) {
  return avx512 ? minmax_f32_avx512(x, n, mn, mx) : minmax_f32_avx2(x, n, mn, mx);
}
inline void quantize_floats(bool avx512, const float* x, size_t n, float inv, float zp, int32_t lo, int32_t hi,
                            int8_t* q) {
  if (avx512) quantize_floats_avx512(x, n, inv, zp, lo, hi, q);
  else quantize_floats_avx2(x, n, inv, zp, lo, hi, q);
}

}  // namespace liteq::rt::x86
