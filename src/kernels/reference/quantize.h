// Reference DEQUANTIZE / QUANTIZE kernels.
//
// Per-axis parameters are laid out as [outer, channels, inner]: element i uses channel
// (i / inner) % channels. Per-tensor is channels = 1, inner = the element count.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/kernel_util.h"  // half_to_float

namespace liteq::rt::ref {

// float16 (raw IEEE binary16 bits) -> float32; exact.
inline void dequantize_f16(const uint16_t* input, float* output, int64_t n) {
  for (int64_t i = 0; i < n; ++i) output[i] = half_to_float(input[i]);
}

struct AxisLayout {
  int64_t outer = 1, channels = 1, inner = 1;
};

// real = scale * (q - zero_point), computed in double and rounded once to float (the
// product of a float and an integer difference below 2^29 is exact in double, so this is
// also bit-identical to the float computation TFLite's per-channel path does).
template <typename T>
inline void dequantize(const T* input, float* output, const AxisLayout& l, const float* scale,
                       const int64_t* zero_point) {
  int64_t i = 0;
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t c = 0; c < l.channels; ++c) {
      const double s = scale[c];
      const int64_t zp = zero_point[c];
      for (int64_t k = 0; k < l.inner; ++k, ++i)
        output[i] = static_cast<float>(s * static_cast<double>(static_cast<int64_t>(input[i]) - zp));
    }
  }
}

// q = clamp(round_half_away(x / scale) + zero_point) with the division in double, as
// TFLite's AffineQuantize (its float value divided by the scale widened to double).
// NaN maps to the zero point (TFLite leaves it undefined).
template <typename T>
inline void quantize(const float* input, T* output, const AxisLayout& l, const float* scale,
                     const int64_t* zero_point) {
  constexpr double kMin = std::numeric_limits<T>::min(), kMax = std::numeric_limits<T>::max();
  int64_t i = 0;
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t c = 0; c < l.channels; ++c) {
      const double s = scale[c];
      const double zp = static_cast<double>(zero_point[c]);
      for (int64_t k = 0; k < l.inner; ++k, ++i) {
        const double r = std::round(static_cast<double>(input[i]) / s);
        double q = r + zp;
        if (std::isnan(q)) q = zp;
        q = q < kMin ? kMin : (q > kMax ? kMax : q);
        output[i] = static_cast<T>(q);
      }
    }
  }
}

}  // namespace liteq::rt::ref
