// int8 ADD / SUB / MUL over contiguous arrays, vectorized, bit-exact with the reference
// (ref::quant_add_one / ref::quant_mul_one in reference/elementwise_int.h): a float32
// estimate of the result where it provably rounds as the reference does (the windows
// below), else the same TFLite fixed-point steps (saturating rounding doubling high
// multiply, rounding divide by a power of two), 8 or 16 lanes at a time. Plain C
// interface: the files that implement it are built with ISA flags and must not share
// inline C++ with other files (the helpers below are static: each file its own copy).
#pragma once
#include <cmath>
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

// The real multipliers of the float32 estimates: out = m_out 2^-(31 + E) (E = -output
// shift where it is negative), a and b the ADD/SUB inputs' 2^20 m_i 2^-(31 + e_i) times
// out (b negated for SUB, op 1).
static inline void qs8_estimate_scales(const QuantBinaryArgs& p, int op, double* a, double* b, double* out) {
  *out = std::ldexp(static_cast<double>(p.output_multiplier), -31 + (p.output_shift < 0 ? p.output_shift : 0));
  *a = std::ldexp(static_cast<double>(p.input1_multiplier), -11 + (p.input1_shift < 0 ? p.input1_shift : 0)) * *out;
  *b = std::ldexp(static_cast<double>(p.input2_multiplier), -11 + (p.input2_shift < 0 ? p.input2_shift : 0)) * *out *
       (op == 1 ? -1 : 1);
}

// The 8-bit ADD/SUB in one float32 estimate, y = v1 * A + v2 * B + offset (v = x + its
// input offset, |v| <= 256; A, B the real products of each input's rescale and the
// output's: A = m1 2^(20 - 31 - e1) * m_out 2^-(31 + E)), against the reference's
// clamp(round(round(s * m_out / 2^31) / 2^E) + offset) with s = s1 + s2 (or s1 - s2),
// s_i = round(round(v_i 2^20 m_i / 2^31) / 2^e_i):
// - |s_i - v_i * 2^20 m_i / 2^(31 + e_i)| <= 1/2 + 2^-(e_i + 1) <= 1, so the inputs' roundings
//   move the output value by at most 2 m_out / 2^(31 + E) <= 2^(1 - E);
// - the output's first rounding moves it by at most 2^-(E + 1) (out_rescale);
// - float32: A and B rounded, v1 * A + offset and + v2 * B each rounded once (fma), every
//   term below 2^16: under 2^-23 (256 (|A| + |B|) + 600) where the result is near the
//   range (elsewhere it is clamped whatever the rounding).
// Where y is farther than the sum of these (and 2^-14 to spare) from every half-integer,
// round(y) is the reference's result. Returns that distance limit, or -1 where it does not
// apply (E <= 1, input shifts not right, terms too large, or a window below 1/4).
static inline double all_float_window(const QuantBinaryArgs& p, double a, double b) {
  if (p.output_shift > -2 || p.input1_shift > 0 || p.input2_shift > 0) return -1;
  const double terms = 256 * (std::fabs(a) + std::fabs(b));
  if (terms > 65536) return -1;
  const double mo = std::ldexp(static_cast<double>(p.output_multiplier), -31 + p.output_shift);
  const double err = std::ldexp(terms + 600, -23) + std::ldexp(1.0, p.output_shift - 1) + 2 * mo + std::ldexp(1.0, -14);
  const double window = 0.5 - err;
  return window >= 0.25 ? window : -1;
}

// The output rescale's (the ADD's out_rescale, the MUL's product rescale) float32
// estimate y = s * (m / 2^(31 + E)) + offset: round(y) is the reference's result where
// |y - round(y)| < 1/2 - (2^-(E + 1) + 2^-12) (the first rounding moves it by at most
// 2^-(E + 1); float32's roundings of an in-range output by less than 2^-12); -1 where
// it does not apply (E <= 1).
static inline double out_rescale_window(const QuantBinaryArgs& p) {
  return p.output_shift < -1 ? 0.5 - std::ldexp(1.0, p.output_shift - 1) - std::ldexp(1.0, -12) : -1;
}

// The 8-bit MUL's: its product (|x + offset| <= 256 each) exact in float32, its rescale
// estimated there (AVX-512), the exact steps near a rounding tie.
static inline bool qs8_mul_has_fast_path(const QuantBinaryArgs& p) {
  return p.input1_offset >= -128 && p.input1_offset <= 128 && p.input2_offset >= -128 && p.input2_offset <= 128;
}
// Whether qs8_binary_avx512's ADD/SUB takes its 32-bit steps for these parameters (the
// input rescales exact in 32 bits, the output rescale estimated in float32 and checked):
// TFLite's parameters for int8 always do. A header-only test of the parameters.
static inline bool qs8_add_has_fast_path(const QuantBinaryArgs& p) {
  return p.left_shift == 20 && p.input1_shift <= 0 && p.input2_shift <= 0 && p.input1_offset >= -128 &&
         p.input1_offset <= 128 && p.input2_offset >= -128 && p.input2_offset <= 128 && p.input1_multiplier >= 0 &&
         p.input2_multiplier >= 0;
}

}  // namespace liteq::rt::x86
