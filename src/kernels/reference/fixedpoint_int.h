// 16-bit fixed-point math for the int16 activation kernels, with the rounding and
// saturation rules of the gemmlowp fixed-point library that TFLite's int16 LOGISTIC,
// TANH and SOFTMAX are defined by:
//   * Q-format values are plain int16 "raw" integers with a given number of integer bits
//     (F0 = 15 fractional bits, F3 = 12, ...); + and - wrap, * is a saturating rounding
//     doubling high multiply, rescaling between formats is a saturating rounding shift;
//   * exp on (-inf, 0] by a Taylor polynomial on [-1/4, 0) and a barrel shifter of
//     exp(-2^k) factors, 1/(1+x) and (1-x)/(1+x) on [0, 1] by Newton-Raphson;
//   * constants are the int32 Q0.31 (or Q2.29) values rounded to 16 bits.
// Also the table-driven int16 paths: TFLite's 256-entry sigmoid table (sigmoid(i/24) in
// 0.16) and its 513-entry interpolating LUTs (gen_lut / generic_int16_table_lookup).
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/fixed_point.h"

namespace liteq::rt::ref::fx16 {

constexpr int32_t kMin = std::numeric_limits<int16_t>::min();
constexpr int32_t kMax = std::numeric_limits<int16_t>::max();

inline int16_t wrap(int32_t v) { return static_cast<int16_t>(static_cast<uint16_t>(static_cast<uint32_t>(v))); }

// round(a * b / 2^15), ties toward +inf, saturating (-1)*(-1).
inline int16_t mul(int16_t a, int16_t b) {
  if (a == b && a == kMin) return static_cast<int16_t>(kMax);
  const int32_t ab = int32_t{a} * int32_t{b};
  const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return static_cast<int16_t>((ab + nudge) / (1 << 15));
}

// x / 2^e rounded to nearest, ties away from zero.
inline int16_t rdiv_pot(int16_t x, int e) { return static_cast<int16_t>(rounding_divide_by_pot(x, e)); }

// x * 2^e with saturation (e > 0) or rounding (e < 0).
inline int16_t mul_pot(int16_t x, int e) {
  if (e == 0) return x;
  if (e < 0) return rdiv_pot(x, -e);
  const int32_t threshold = (1 << (15 - e)) - 1;
  if (x > threshold) return static_cast<int16_t>(kMax);
  if (x < -threshold) return static_cast<int16_t>(kMin);
  return wrap(int32_t{x} * (1 << e));
}

inline int16_t sat_add(int16_t a, int16_t b) {
  return static_cast<int16_t>(std::clamp(int32_t{a} + int32_t{b}, kMin, kMax));
}

// (a + b) / 2 rounded away from zero.
inline int16_t rounding_half_sum(int16_t a, int16_t b) {
  const int32_t sum = int32_t{a} + int32_t{b};
  return static_cast<int16_t>((sum + (sum >= 0 ? 1 : -1)) / 2);
}

// An int32 constant in Q(31 - bits) rounded to the 16-bit format with the same integer bits.
inline int16_t constant(int32_t raw32) { return static_cast<int16_t>(rounding_divide_by_pot(raw32, 16)); }

// exp(x + 1/8)-Taylor evaluation of exp(a) for a in [-1/4, 0), a in F0.
inline int16_t exp_on_interval_neg_quarter(int16_t a) {
  const int16_t exp_neg_one_eighth = constant(1895147668);  // exp(-1/8) in Q0.31
  const int16_t one_third = constant(715827883);            // 1/3 in Q0.31
  const int16_t x = wrap(int32_t{a} + (1 << 12));           // a + 1/8
  const int16_t x2 = mul(x, x);
  const int16_t x3 = mul(x2, x);
  const int16_t x4 = mul(x2, x2);
  const int16_t x4_over_4 = rdiv_pot(x4, 2);
  const int16_t poly = rdiv_pot(wrap(int32_t{mul(wrap(int32_t{x4_over_4} + x3), one_third)} + x2), 1);
  return sat_add(exp_neg_one_eighth, mul(exp_neg_one_eighth, wrap(int32_t{x} + poly)));
}

// exp(a) for a <= 0 given with `int_bits` integer bits (0 < int_bits <= 5); result in F0.
inline int16_t exp_on_negative_values(int16_t a, int int_bits) {
  const int frac_bits = 15 - int_bits;
  const int32_t one_quarter = 1 << (frac_bits - 2);
  const int16_t a_mod_quarter_minus_quarter = wrap((int32_t{a} & (one_quarter - 1)) - one_quarter);
  int16_t result = exp_on_interval_neg_quarter(mul_pot(a_mod_quarter_minus_quarter, int_bits));
  const int16_t remainder = wrap(int32_t{a_mod_quarter_minus_quarter} - a);
  // exp(-2^k) in Q0.31 for k = -2 .. 4.
  static constexpr int32_t kExpNegPow2[] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  for (int k = -2; k <= 4; ++k) {
    if (int_bits <= k) break;
    const int shift = frac_bits + k;
    if (int32_t{remainder} & (1 << shift)) result = mul(result, constant(kExpNegPow2[k + 2]));
  }
  if (a == 0) result = static_cast<int16_t>(kMax);
  return result;
}

// Newton-Raphson reciprocal of (1 + a) / 2 for a in [0, 1] (F0); returns x in F2.
inline int16_t reciprocal_half_denominator(int16_t half_denominator) {
  const int16_t c48_17 = constant(1515870810);       // 48/17 in Q2.29
  const int16_t c_neg32_17 = constant(-1010580540);  // -32/17 in Q2.29
  const int32_t one_f2 = 1 << 13;
  int16_t x = wrap(int32_t{c48_17} + mul(half_denominator, c_neg32_17));
  for (int i = 0; i < 3; ++i) {
    const int16_t hd_x = mul(half_denominator, x);
    const int16_t one_minus = wrap(one_f2 - hd_x);
    x = wrap(int32_t{x} + mul_pot(mul(x, one_minus), 2));  // F4 -> F2
  }
  return x;
}

// 1 / (1 + a) for a in [0, 1], F0 in and out.
inline int16_t one_over_one_plus_x(int16_t a) {
  const int16_t x = reciprocal_half_denominator(rounding_half_sum(a, static_cast<int16_t>(kMax)));
  return mul_pot(x, 1);  // x/2 in F1, rescaled to F0
}

// (1 - a) / (1 + a) for a in [0, 1], F0 in and out.
inline int16_t one_minus_x_over_one_plus_x(int16_t a) {
  const int16_t x = reciprocal_half_denominator(rounding_half_sum(a, static_cast<int16_t>(kMax)));
  return mul_pot(wrap(int32_t{x} - (1 << 13)), 2);
}

// logistic(a) for a in F3 (3 integer bits), result in F0.
inline int16_t logistic_f3(int16_t a) {
  if (a == 0) return static_cast<int16_t>(constant(1 << 30));
  const int16_t neg_abs = a > 0 ? wrap(-int32_t{a}) : a;
  const int16_t r = one_over_one_plus_x(exp_on_negative_values(neg_abs, 3));
  return a > 0 ? r : wrap(kMax - r);
}

// tanh(a) for a in F3, result in F0.
inline int16_t tanh_f3(int16_t a) {
  if (a == 0) return 0;
  const int16_t n = a < 0 ? a : wrap(-int32_t{a});
  // 2 * n: the same raw value read with 4 integer bits.
  const int16_t y = one_minus_x_over_one_plus_x(exp_on_negative_values(n, 4));
  return a < 0 ? wrap(-int32_t{y}) : y;
}

// --- table-driven int16 sigmoid / tanh -------------------------------------------------

// sigmoid(i / 24) in unsigned 0.16 fixed point, i = 0..255, each entry lowered by half
// the error that linear interpolation makes at the middle of its interval; the last entry
// is the saturated 65535 (TFLite's sigmoid_table_uint16, which its int16 LOGISTIC and
// TANH interpolate).
inline const std::array<uint16_t, 256>& sigmoid_table() {
  static const std::array<uint16_t, 256> t = [] {
    auto f = [](double x) { return 65536.0 / (1.0 + std::exp(-x)); };
    std::array<uint16_t, 256> v{};
    for (int i = 0; i < 256; ++i) {
      const double x = i / 24.0;
      const double interp_mid = (f(x) + f(x + 1.0 / 24.0)) / 2.0;
      const double exact_mid = f(x + 1.0 / 48.0);
      v[i] = static_cast<uint16_t>(std::min(65535.0, std::round(f(x) - (interp_mid - exact_mid) / 2.0)));
    }
    v[255] = 65535;
    return v;
  }();
  return t;
}

// Input rescaling of the table paths: x * multiplier rounded down by 2^shift.
struct LutInputScale {
  int32_t multiplier = 0;
  int shift = 0;
};

// TFLite's int16 LOGISTIC/TANH table-path rescale of an input scale to 1/(3*4096): the
// multiplier is doubled until it exceeds 32767/2 (at most 31 times) and truncated.
inline LutInputScale lut_input_scale(float input_scale) {
  double m = static_cast<double>(input_scale) * 4096.0 * 3.0;
  LutInputScale r;
  while (m <= 32767.0 / 2.0 && r.shift <= 30) {
    ++r.shift;
    m *= 2.0;
  }
  r.multiplier = static_cast<int32_t>(m);
  return r;
}

inline int32_t lut_scaled_input(int16_t x, const LutInputScale& s) {
  const int32_t round = s.shift > 0 ? (1 << (s.shift - 1)) : 0;
  // Wrapping like the int32 arithmetic TFLite does (only absurd scales overflow).
  const int32_t prod = static_cast<int32_t>(static_cast<uint32_t>(int32_t{x}) * static_cast<uint32_t>(s.multiplier) +
                                            static_cast<uint32_t>(round));
  return prod >> s.shift;
}

inline int16_t logistic_lut(int16_t x, const LutInputScale& s) {
  const auto& t = sigmoid_table();
  const int32_t v = lut_scaled_input(x, s);
  const uint32_t abs_v = v < 0 ? 0u - static_cast<uint32_t>(v) : static_cast<uint32_t>(v);
  const uint32_t uh = abs_v >> 9;
  uint32_t result;
  if (uh >= 255) {
    result = 0x7FFFu << 10;
  } else {
    const uint32_t ua = t[uh], ub = t[uh + 1];
    result = (ua << 9) + (abs_v & 0x1FFu) * (ub - ua);
  }
  result = v >= 0 ? result + (1u << 9) : (1u << 25) - result + (1u << 9) - 1u;
  return static_cast<int16_t>(result >> 10);
}

inline int16_t tanh_lut(int16_t x, const LutInputScale& s) {
  const auto& t = sigmoid_table();
  const int32_t v = lut_scaled_input(x, s);
  const uint32_t abs_v = v < 0 ? 0u - static_cast<uint32_t>(v) : static_cast<uint32_t>(v);
  const uint32_t uh = abs_v >> 8;
  int32_t result;
  if (uh >= 255) {
    result = 0xFFFF << 8;
  } else {
    const uint32_t ua = t[uh], ub = t[uh + 1];
    result = static_cast<int32_t>((ua << 8) + (abs_v & 0xFFu) * (ub - ua));
  }
  result = v >= 0 ? result - (1 << 23) + (1 << 7) : -result + (1 << 23) + (1 << 7) - 1;
  return static_cast<int16_t>(result >> 8);
}

// --- 513-entry interpolating LUTs (int16 SOFTMAX) -------------------------------------

using Lut513 = std::array<int16_t, 513>;

// f sampled at 512 equal steps over [lo, hi] in Q0.15, each entry biased by half the
// error of linear interpolation at the midpoint of its interval; the last entry is f(hi).
template <typename F>
Lut513 make_lut513(F f, double lo, double hi) {
  Lut513 t{};
  const int n = 513;
  const double step = (hi - lo) / (n - 1);
  const double half_step = step / 2.0;
  auto q = [](double v) { return std::round(v * 32768.0); };
  for (int i = 0; i < n - 1; ++i) {
    const double sample = q(f(lo + i * step));
    const double interp_mid = std::round((f(lo + (i + 1) * step) * 32768.0 + sample) / 2.0);
    const double exact_mid = q(f(lo + i * step + half_step));
    const double bias = std::round((interp_mid - exact_mid) / 2.0);
    t[i] = static_cast<int16_t>(std::min(std::max(sample - bias, -32768.0), 32767.0));
  }
  t[n - 1] = static_cast<int16_t>(std::min(std::max(q(f(hi)), -32768.0), 32767.0));
  return t;
}

// Linear interpolation in a 513-entry table over the int16 input range.
inline int16_t lut513_lookup(int16_t value, const Lut513& t) {
  const int index = 256 + (value >> 7);
  const int32_t offset = value & 0x7f;
  const int16_t base = t[index];
  const int16_t slope = wrap(int32_t{t[index + 1]} - t[index]);
  const int32_t delta = (int32_t{slope} * offset + 64) >> 7;
  return wrap(int32_t{base} + delta);
}

}  // namespace liteq::rt::ref::fx16
