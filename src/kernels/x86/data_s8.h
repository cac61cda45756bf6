// Vectorized QUANTIZE (float32 -> int8/uint8) and int8 RESIZE_BILINEAR, bit-exact with
// the reference kernels (reference/quantize.h, reference/resize_int.h). Plain C
// interface; implemented in data_s8_avx2.cc (AVX2 flags only) and data_s8_avx512.cc.
#pragma once
#include <cstddef>
#include <cstdint>

namespace liteq::rt::x86 {

// q = clamp(round_half_away(double(x) / scale) + zero_point, lo, hi), NaN -> zero point;
// out is int8 (is_unsigned = 0) or uint8 (1). The quotient is estimated in float32 as
// x * (1 / scale), within |q| * 2^-23 of x / scale, and rounded from it wherever no
// half-integer can lie in between; the lanes within 2^-11 of a tie (|q| < 2048; beyond,
// the result is clamped whatever the rounding) take the reference's double division.
// 32 values per store.
void quantize_f32_8bit_avx2(const float* in, void* out, size_t n, double scale, double zero_point, int is_unsigned);
// The same with AVX-512 (same results), 64 values per store.
void quantize_f32_8bit_avx512(const float* in, void* out, size_t n, double scale, double zero_point, int is_unsigned);
// One value by the reference (ref::quantize; defined in kernels/quantize.cc, built
// without ISA flags): the two functions above call it for the lanes near a tie.
int32_t quantize_8bit_reference(float x, double scale, double zero_point, int is_unsigned);
// int16 (clamped to [-32768, 32767]), with the reference's double division.
void quantize_f32_s16_avx2(const float* in, int16_t* out, size_t n, double scale, double zero_point);

// One output pixel of int8 bilinear resize: for each of `channels`
//   v = p00*w00 + p10*w10 + p01*w01 + p11*w11 (weights in 1/2^20 units, summing to 2^20),
//   out = (v + (v > 0 ? 2^19 : -2^19)) / 2^20, truncated toward zero.
void resize_bilinear_px_s8_avx2(const int8_t* p00, const int8_t* p01, const int8_t* p10, const int8_t* p11,
                                int32_t w00, int32_t w01, int32_t w10, int32_t w11, int8_t* out, size_t channels);

// One output row of int8 bilinear resize with 8 channels or a multiple of 16, on
// AVX-512: the same sums as resize_bilinear_px_s8_avx2, taken as
// v = wy0 * (p00 * wx0 + p01 * wx1) + wy1 * (p10 * wx0 + p11 * wx1) (exact in int32: the
// inner pairs are one vpmaddwd). Per output column x: lo[x], hi[x] (input columns) and
// wx[x] = wx0 | wx1 << 16 (weights in 1/1024 units).
void resize_bilinear_row_s8_avx512(const int8_t* row0, const int8_t* row1, const int32_t* lo, const int32_t* hi,
                                   const int32_t* wx, int32_t wy0, int32_t wy1, int8_t* out, int out_w,
                                   int channels);

// The same for int16 (16x8 models), the sums in int64 as the reference's.
void resize_bilinear_row_s16_avx512(const int16_t* row0, const int16_t* row1, const int32_t* lo, const int32_t* hi,
                                    const int32_t* wx, int32_t wy0, int32_t wy1, int16_t* out, int out_w,
                                    int channels);

// DEQUANTIZE int8 -> float32, per tensor: out = scale * (q - zero_point) (the float
// product of an exact small integer is the reference's double product rounded once).
void dequantize_s8_avx512(const int8_t* in, float* out, size_t n, float scale, int32_t zero_point);
// The same on AVX2.
void dequantize_s8_avx2(const int8_t* in, float* out, size_t n, float scale, int32_t zero_point);

}  // namespace liteq::rt::x86
