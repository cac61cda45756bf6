// Quantized ADD, SUB and MUL (int8, and int16 with symmetric quantization), with TFLite's
// integer arithmetic:
//   ADD/SUB (general path): both inputs are shifted left by `left_shift` (20 for 8-bit,
//     15 for 16-bit) after removing their zero points, scaled by multipliers below 1 to a
//     common scale of twice the larger input scale, added (subtracted), rescaled to the
//     output scale, offset by the output zero point and clamped to the activation range.
//   ADD/SUB (16-bit power-of-two path, pot_scale_int16): one input is shifted right to
//     the other's scale and the two are added with int16 saturation.
//   MUL: (a - za) * (b - zb) rescaled by sa*sb/so, offset and clamped.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/fixed_point.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/fixedpoint_int.h"

namespace liteq::rt::ref {

struct QuantAddParams {
  int32_t input1_offset = 0, input2_offset = 0;  // minus the zero points
  int32_t output_offset = 0;                     // output zero point
  int left_shift = 20;
  int32_t input1_multiplier = 0, input2_multiplier = 0, output_multiplier = 0;
  int input1_shift = 0, input2_shift = 0, output_shift = 0;  // <= 0: right shifts
  int32_t act_min = 0, act_max = 0;
};

template <bool kSub>
inline int32_t quant_add_one(const QuantAddParams& p, int32_t a, int32_t b) {
  const int32_t shifted1 = (p.input1_offset + a) * (1 << p.left_shift);
  const int32_t shifted2 = (p.input2_offset + b) * (1 << p.left_shift);
  const int32_t scaled1 = multiply_by_quantized_multiplier(shifted1, p.input1_multiplier, p.input1_shift);
  const int32_t scaled2 = multiply_by_quantized_multiplier(shifted2, p.input2_multiplier, p.input2_shift);
  const int32_t raw = kSub ? scaled1 - scaled2 : scaled1 + scaled2;
  const int32_t out = multiply_by_quantized_multiplier(raw, p.output_multiplier, p.output_shift) + p.output_offset;
  return std::clamp(out, p.act_min, p.act_max);
}

template <bool kSub, typename T>
void quant_add(const BinaryShape& s, const QuantAddParams& p, const T* a, const T* b, T* out) {
  binary_op(s, a, b, out, [&p](T x, T y) { return static_cast<T>(quant_add_one<kSub>(p, x, y)); });
}

// int16 ADD/SUB with power-of-two scales and zero points 0: the input whose scale is
// finer than the output's (shift < 0) is rounded down to it; the other matches the output.
struct Pot16AddParams {
  int input1_shift = 0, input2_shift = 0;  // <= 0, at most one nonzero
  int32_t act_min = -32768, act_max = 32767;
};

template <bool kSub>
inline int16_t pot16_add_one(const Pot16AddParams& p, int16_t a, int16_t b) {
  const int16_t x = fx16::rdiv_pot(a, -p.input1_shift);
  const int16_t y = fx16::rdiv_pot(b, -p.input2_shift);
  const int32_t sum = std::clamp(kSub ? int32_t{x} - y : int32_t{x} + y, fx16::kMin, fx16::kMax);
  return static_cast<int16_t>(std::clamp(sum, p.act_min, p.act_max));
}

template <bool kSub>
void pot16_add(const BinaryShape& s, const Pot16AddParams& p, const int16_t* a, const int16_t* b, int16_t* out) {
  binary_op(s, a, b, out, [&p](int16_t x, int16_t y) { return pot16_add_one<kSub>(p, x, y); });
}

struct QuantMulParams {
  int32_t input1_offset = 0, input2_offset = 0, output_offset = 0;
  int32_t output_multiplier = 0;
  int output_shift = 0;
  int32_t act_min = 0, act_max = 0;
};

inline int32_t quant_mul_one(const QuantMulParams& p, int32_t a, int32_t b) {
  const int32_t prod = (p.input1_offset + a) * (p.input2_offset + b);
  const int32_t out = multiply_by_quantized_multiplier(prod, p.output_multiplier, p.output_shift) + p.output_offset;
  return std::clamp(out, p.act_min, p.act_max);
}

template <typename T>
void quant_mul(const BinaryShape& s, const QuantMulParams& p, const T* a, const T* b, T* out) {
  binary_op(s, a, b, out, [&p](T x, T y) { return static_cast<T>(quant_mul_one(p, x, y)); });
}

}  // namespace liteq::rt::ref
