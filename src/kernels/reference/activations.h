// Reference float activation functions (LOGISTIC, TANH, RELU, RELU6, RELU_N1_TO_1,
// LEAKY_RELU, PRELU, HARD_SWISH).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/reference/elementwise.h"

namespace liteq::rt::ref {

template <typename F>
void unary_float(int64_t n, const float* in, float* out, F f) {
  for (int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
}

inline float logistic_one(float x) {
  // 1 / (1 + e^-x) loses all relative precision once e^-x overflows; for very negative x
  // the result is e^x to well within float precision.
  if (x < -20.0f) return std::exp(x);
  return 1.0f / (1.0f + std::exp(-x));
}

inline void logistic_float(int64_t n, const float* in, float* out) {
  unary_float(n, in, out, [](float x) { return logistic_one(x); });
}

inline void tanh_float(int64_t n, const float* in, float* out) {
  unary_float(n, in, out, [](float x) { return std::tanh(x); });
}

// Clamps to [lo, hi]: RELU (0, +inf), RELU6 (0, 6), RELU_N1_TO_1 (-1, 1).
inline void clamp_float(int64_t n, const float* in, float* out, float lo, float hi) {
  unary_float(n, in, out, [lo, hi](float x) { return std::min(std::max(x, lo), hi); });
}

inline void leaky_relu_float(int64_t n, const float* in, float* out, float alpha) {
  unary_float(n, in, out, [alpha](float x) { return x > 0.0f ? x : x * alpha; });
}

// x * relu6(x + 3) / 6, computed as (x * relu6(x + 3)) * (1/6), which rounds exactly like
// TFLite's float kernel.
inline void hard_swish_float(int64_t n, const float* in, float* out) {
  unary_float(n, in, out, [](float x) { return x * std::min(6.0f, std::max(0.0f, x + 3.0f)) * (1.0f / 6.0f); });
}

// out = x >= 0 ? x : alpha * x, alpha broadcast against x.
inline void prelu_float(const BinaryShape& s, const float* x, const float* alpha, float* out) {
  binary_op(s, x, alpha, out, [](float v, float a) { return v >= 0.0f ? v : v * a; });
}

}  // namespace liteq::rt::ref
