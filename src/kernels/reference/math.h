// Reference elementwise math (SQRT, RSQRT, EXP, LOG, ABS, NEG, SQUARE, FLOOR, CEIL, SIN,
// COS, GELU, POW, SQUARED_DIFFERENCE) and CAST, one scalar function per op, as TFLite
// 2.9's builtin kernels compute them (std:: math in float; integer ops wrap instead of
// the undefined behaviour of TFLite's plain C++ arithmetic on overflow).
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace liteq::rt::ref {

template <typename T, typename U, typename F>
void unary_map(int64_t n, const T* in, U* out, F f) {
  for (int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
}

// Two's-complement wrapping arithmetic on signed integers.
template <typename T> T wrap_neg(T x) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(U{0} - static_cast<U>(x));
}
template <typename T> T wrap_mul(T x, T y) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(x) * static_cast<U>(y));
}
template <typename T> T wrap_sub(T x, T y) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(x) - static_cast<U>(y));
}
template <typename T> T abs_value(T x) {
  if constexpr (std::is_floating_point_v<T>) return std::fabs(x);
  else return x < 0 ? wrap_neg(x) : x;
}

inline float rsqrt(float x) { return 1.0f / std::sqrt(x); }

// TFLite's GELU: 0.5 x erfc(-x / sqrt 2), or with `approximate` the tanh form.
inline float gelu(float x) { return 0.5f * x * std::erfc(x * -0.70710678118654752440f); }
inline float gelu_tanh(float x) {
  constexpr float kSqrt2OverPi = 0.79788456080286535588f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
}

// Integer POW by squaring (TFLite's IntegerPow; the exponent is checked >= 0 first).
inline int32_t int_pow(int32_t base, int32_t exponent) {
  int32_t result = 1;
  while (exponent) {
    if (exponent & 1) result = wrap_mul(result, base);
    exponent >>= 1;
    base = wrap_mul(base, base);
  }
  return result;
}

// CAST of one value: static_cast, as TFLite 2.9's cast.cc; a floating value to an integer
// truncates toward zero. Out of range (and NaN) that cast is undefined in C++; here it
// gives what the x86 conversion instructions give, the integer "indefinite" value
// (INT32_MIN, or INT64_MIN for 64-bit and uint32 targets) truncated to the target's width.
// Any value to bool: != 0.
template <typename To, typename From>
To cast_value(From x) {
  if constexpr (std::is_same_v<To, bool>) {
    return x != From{0};
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    if constexpr (sizeof(To) == 8 || std::is_same_v<To, uint32_t>) {
      // [-2^63, 2^63): every float there converts; outside (and NaN) -> INT64_MIN.
      if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0))
        return static_cast<To>(std::numeric_limits<int64_t>::min());
      return static_cast<To>(static_cast<int64_t>(x));
    } else {
      if (!(x >= -2147483648.0 && x < 2147483648.0)) return static_cast<To>(std::numeric_limits<int32_t>::min());
      return static_cast<To>(static_cast<int32_t>(x));  // narrower targets keep the low bits
    }
  } else {
    return static_cast<To>(x);
  }
}

}  // namespace liteq::rt::ref
