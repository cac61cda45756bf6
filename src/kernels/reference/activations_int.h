// Quantized activations with TFLite's integer definitions:
//   LOGISTIC/TANH int8: a 256-entry table built in float (dequantize, f, requantize);
//   LOGISTIC/TANH int16: gemmlowp fixed point for inputs with scale 2^-12 (TANH also
//     2^-11), else TFLite's interpolated sigmoid table (reference/fixedpoint_int.h);
//   RELU, RELU6, RELU_N1_TO_1: requantize to the output scale, clamp to the quantized bounds;
//   LEAKY_RELU: requantize with the identity or alpha multiplier by sign;
//   PRELU: x >= 0 ? x*si/so : x*alpha*si*sa/so, in integers;
//   HARD_SWISH: TFLite's 16-bit fixed-point evaluation of x * relu6(x + 3) / 6.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/fixed_point.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/fixedpoint_int.h"

namespace liteq::rt::ref {

// out[i] = table[uint8(in[i])] for 8-bit data.
inline void lut8(int64_t n, const uint8_t* in, uint8_t* out, const std::array<uint8_t, 256>& table) {
  for (int64_t i = 0; i < n; ++i) out[i] = table[in[i]];
}

// TFLite's PopulateLookupTable for int8: every input value dequantized in float, mapped by
// f, multiplied by the inverse output scale, rounded, offset and clamped.
template <typename F>
std::array<uint8_t, 256> make_lut_int8(float in_scale, int32_t in_zp, float out_scale, int32_t out_zp, F f) {
  std::array<uint8_t, 256> t{};
  const float inverse_scale = 1 / out_scale;
  for (int32_t v = -128; v <= 127; ++v) {
    const float dequantized = in_scale * static_cast<float>(v - in_zp);
    const float transformed = f(dequantized);
    const float rescaled = std::round(transformed * inverse_scale);
    const float shifted = rescaled + static_cast<float>(out_zp);
    // float -> int32 as x86 converts it: NaN and out-of-range values become INT32_MIN.
    int32_t q = std::numeric_limits<int32_t>::min();
    if (shifted >= -2147483648.0f && shifted < 2147483648.0f) q = static_cast<int32_t>(shifted);
    t[static_cast<uint8_t>(static_cast<int8_t>(v))] = static_cast<uint8_t>(static_cast<int8_t>(std::clamp(q, -128, 127)));
  }
  return t;
}

// RELU family: requantize, clamp to [lo, hi].
struct ReluQuantParams {
  int32_t input_zero_point = 0, output_zero_point = 0;
  int32_t multiplier = 0;
  int shift = 0;
  int32_t lo = 0, hi = 0;
};
template <typename T>
void relu_quant(int64_t n, const T* in, T* out, const ReluQuantParams& p) {
  for (int64_t i = 0; i < n; ++i) {
    const int32_t v = p.output_zero_point +
                      multiply_by_quantized_multiplier(int32_t{in[i]} - p.input_zero_point, p.multiplier, p.shift);
    out[i] = static_cast<T>(std::clamp(v, p.lo, p.hi));
  }
}

struct LeakyReluQuantParams {
  int32_t input_zero_point = 0, output_zero_point = 0;
  int32_t identity_multiplier = 0, alpha_multiplier = 0;
  int identity_shift = 0, alpha_shift = 0;
};
template <typename T>
void leaky_relu_quant(int64_t n, const T* in, T* out, const LeakyReluQuantParams& p) {
  constexpr int32_t kLo = std::numeric_limits<T>::min(), kHi = std::numeric_limits<T>::max();
  for (int64_t i = 0; i < n; ++i) {
    const int32_t x = int32_t{in[i]} - p.input_zero_point;
    const int32_t v = p.output_zero_point +
                      (x >= 0 ? multiply_by_quantized_multiplier(x, p.identity_multiplier, p.identity_shift)
                              : multiply_by_quantized_multiplier(x, p.alpha_multiplier, p.alpha_shift));
    out[i] = static_cast<T>(std::clamp(v, kLo, kHi));
  }
}

struct PreluQuantParams {
  int32_t input_offset = 0, alpha_offset = 0, output_offset = 0;  // -zp_in, -zp_alpha, zp_out
  int32_t multiplier_pos = 0, multiplier_neg = 0;
  int shift_pos = 0, shift_neg = 0;
};
template <typename T>
void prelu_quant(const BinaryShape& s, const T* x, const T* alpha, T* out, const PreluQuantParams& p) {
  binary_op(s, x, alpha, out, [&p](T xv, T av) {
    constexpr int32_t kLo = std::numeric_limits<T>::min(), kHi = std::numeric_limits<T>::max();
    const int32_t in = p.input_offset + xv;
    const int32_t v = in >= 0 ? multiply_by_quantized_multiplier(in, p.multiplier_pos, p.shift_pos)
                              : multiply_by_quantized_multiplier(in * (p.alpha_offset + av), p.multiplier_neg,
                                                                 p.shift_neg);
    return static_cast<T>(std::clamp(v + p.output_offset, kLo, kHi));
  });
}

// HARD_SWISH: 16-bit multipliers (Q0.15 and a power-of-two exponent) for the output
// rescale and for the "relu-ish" rescale of x from [-3, 3] to [-1, 1].
struct HardSwishQuantParams {
  int32_t input_zero_point = 0, output_zero_point = 0;
  int16_t output_multiplier = 0;  // Q0.15
  int output_exponent = 0;        // <= 0
  int16_t reluish_multiplier = 0;
  int reluish_exponent = 0;
};

// Rounds a Q0.31 multiplier to Q0.15 (saturating near 1).
inline int16_t q31_to_q15(int32_t m) {
  constexpr int32_t kRound = 1 << 15;
  if (m >= std::numeric_limits<int32_t>::max() - kRound) return std::numeric_limits<int16_t>::max();
  return static_cast<int16_t>((m + kRound) >> 16);
}

inline int16_t saturating_left_shift16(int16_t v, int amount) {
  const int64_t r = static_cast<int64_t>(v) * (int64_t{1} << amount);
  return static_cast<int16_t>(std::clamp<int64_t>(r, fx16::kMin, fx16::kMax));
}

// a * b / 2^15 truncated toward zero, saturating (-1)*(-1).
inline int16_t saturating_doubling_high_mul16(int16_t a, int16_t b) {
  if (a == b && a == fx16::kMin) return static_cast<int16_t>(fx16::kMax);
  return static_cast<int16_t>((int32_t{a} * int32_t{b}) / (1 << 15));
}

template <typename T>
void hard_swish_quant(int64_t n, const T* in, T* out, const HardSwishQuantParams& p) {
  constexpr int32_t kLo = std::numeric_limits<T>::min(), kHi = std::numeric_limits<T>::max();
  for (int64_t i = 0; i < n; ++i) {
    const int16_t x = static_cast<int16_t>(int32_t{in[i]} - p.input_zero_point);
    const int16_t x_hires = static_cast<int16_t>(x * (1 << 7));
    const int16_t x_preshift = fx16::mul(x_hires, p.output_multiplier);
    int16_t reluish = x_hires;
    if (p.reluish_exponent > 0) reluish = saturating_left_shift16(reluish, p.reluish_exponent - 1);
    reluish = fx16::mul(reluish, p.reluish_multiplier);
    if (p.reluish_exponent > 0) reluish = saturating_left_shift16(reluish, 1);
    if (p.reluish_exponent < 0) reluish = fx16::rdiv_pot(reluish, -p.reluish_exponent);
    reluish = static_cast<int16_t>((int32_t{reluish} + (1 << 15)) >> 1);
    const int16_t preshift = saturating_doubling_high_mul16(reluish, x_preshift);
    // The zero point is added in int16 (wrapping), as TFLite does.
    const int16_t v = fx16::wrap(int32_t{fx16::rdiv_pot(preshift, -p.output_exponent)} + p.output_zero_point);
    out[i] = static_cast<T>(std::clamp<int32_t>(v, kLo, kHi));
  }
}

// int16 LOGISTIC / TANH.
inline void logistic_int16_fx(int64_t n, const int16_t* in, int16_t* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = fx16::logistic_f3(in[i]);
}
inline void tanh_int16_fx(int64_t n, const int16_t* in, int16_t* out, bool double_input) {
  for (int64_t i = 0; i < n; ++i) out[i] = fx16::tanh_f3(double_input ? fx16::mul_pot(in[i], 1) : in[i]);
}
inline void logistic_int16_lut(int64_t n, const int16_t* in, int16_t* out, const fx16::LutInputScale& s) {
  for (int64_t i = 0; i < n; ++i) out[i] = fx16::logistic_lut(in[i], s);
}
inline void tanh_int16_lut(int64_t n, const int16_t* in, int16_t* out, const fx16::LutInputScale& s) {
  for (int64_t i = 0; i < n; ++i) out[i] = fx16::tanh_lut(in[i], s);
}

}  // namespace liteq::rt::ref
