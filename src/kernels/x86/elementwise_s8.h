// int8 ADD / SUB / MUL over contiguous arrays, vectorized, bit-exact with the reference
// (ref::quant_add_one / ref::quant_mul_one in reference/elementwise_int.h): the same
// TFLite fixed-point steps (saturating rounding doubling high multiply, rounding divide by
// a power of two) on 8 lanes at a time. Plain C interface: the *_avx2.cc file that
// implements it is built with AVX2 flags and must not share inline C++ with other files.
#pragma once
#include <cstddef>
#include <cstdint>

namespace liteq::rt::x86 {

struct QuantBinaryArgs {
  int32_t input1_offset, input2_offset, output_offset;
  int32_t left_shift;                          // ADD/SUB only
  int32_t input1_multiplier, input1_shift;     // ADD/SUB only
  int32_t input2_multiplier, input2_shift;     // ADD/SUB only
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
};

// out[i] = op(a[i * a_step], b[i * b_step]) for i < n; a_step, b_step are 0 (a scalar
// operand) or 1. op: 0 add, 1 sub, 2 mul.
void qs8_binary_avx2(const int8_t* a, int a_step, const int8_t* b, int b_step, int8_t* out, size_t n,
                     const QuantBinaryArgs& p, int op);
// The same on AVX-512 (F, BW, DQ, VL).
void qs8_binary_avx512(const int8_t* a, int a_step, const int8_t* b, int b_step, int8_t* out, size_t n,
                       const QuantBinaryArgs& p, int op);
// int16 (the 16x8 general path: left shift 15, zero points 0; (x + offset) << 15 and the
// products fit int32 as for int8) on AVX-512.
void qs16_binary_avx512(const int16_t* a, int a_step, const int16_t* b, int b_step, int16_t* out, size_t n,
                        const QuantBinaryArgs& p, int op);

// The 8-bit ADD/SUB input rescale qs8_binary_avx512 uses, on its own (for its test):
// out[i] = the reference's multiply_by_quantized_multiplier(v[i] << 20, m, -e), for
// |v[i]| <= 255, m in [0, 2^31), e >= 0, in 32-bit arithmetic.
void qs8_rescale_avx512(const int32_t* v, size_t n, int32_t m, int e, int32_t* out);

// The 8-bit MUL's: its product (|x + offset| <= 256 each) exact in float32, its rescale
// estimated there (AVX-512), the exact steps near a rounding tie.
inline bool qs8_mul_has_fast_path(const QuantBinaryArgs& p) {
  return p.input1_offset >= -128 && p.input1_offset <= 128 && p.input2_offset >= -128 && p.input2_offset <= 128;
}
// Whether qs8_binary_avx512's ADD/SUB takes its 32-bit steps for these parameters (the
// input rescales exact in 32 bits, the output rescale estimated in float32 and checked):
// TFLite's parameters for int8 always do. A header-only test of the parameters.
inline bool qs8_add_has_fast_path(const QuantBinaryArgs& p) {
  return p.left_shift == 20 && p.input1_shift <= 0 && p.input2_shift <= 0 && p.input1_offset >= -128 &&
         p.input1_offset <= 128 && p.input2_offset >= -128 && p.input2_offset <= 128 && p.input1_multiplier >= 0 &&
         p.input2_multiplier >= 0;
}

}  // namespace liteq::rt::x86
