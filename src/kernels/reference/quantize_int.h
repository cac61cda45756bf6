// QUANTIZE between integer types (requantization), as TFLite's Requantize:
// q_out = clamp(z_out + (q_in - z_in) * (s_in / s_out)), the ratio applied as an integer
// multiplier with TFLite's rounding.
#pragma once
#include <algorithm>
#include <cstdint>
#include <limits>

#include "kernels/fixed_point.h"

namespace liteq::rt::ref {

struct RequantParams {
  int32_t input_zero_point = 0, output_zero_point = 0;
  int32_t multiplier = 0;
  int shift = 0;
};

template <typename In, typename Out>
void requantize(const In* in, Out* out, int64_t n, const RequantParams& p) {
  constexpr int32_t kLo = std::numeric_limits<Out>::min(), kHi = std::numeric_limits<Out>::max();
  for (int64_t i = 0; i < n; ++i) {
    const int32_t v =
        multiply_by_quantized_multiplier(int32_t{in[i]} - p.input_zero_point, p.multiplier, p.shift) +
        p.output_zero_point;
    out[i] = static_cast<Out>(std::clamp(v, kLo, kHi));
  }
}

}  // namespace liteq::rt::ref
