// Quantized MEAN (int8, int16) as TFLite computes it, by case:
//   kHwRounded  (4-D input, keep_dims, axes exactly {1, 2} as given): (sum - n*z_in) *
//               (s_in / s_out) with TFLite's integer multiplier, then divided
//               by n rounding half away from zero, plus z_out;
//   kSameParams (input and output share scale and zero point): sum / n truncated;
//   kFloat      (otherwise): round(float(sum) / n * (s_in / s_out) - z_in * s_in / s_out)
//               + z_out in float, clamped.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/fixed_point.h"

namespace liteq::rt::ref {

// Integer sums (wrapping int32) of `input` over the dims with reduced[i] set; one sum per
// kept-dims position (row-major), like mean_f32's traversal.
template <typename T>
void reduce_sum_int(const T* input, const std::vector<int32_t>& dims, const std::vector<bool>& reduced,
                    int32_t* sums) {
  const int rank = static_cast<int>(dims.size());
  std::vector<int64_t> out_stride(rank, 0);
  int64_t num_out = 1, num_in = 1;
  for (int i = rank - 1; i >= 0; --i) {
    num_in *= dims[i];
    if (!reduced[i]) {
      out_stride[i] = num_out;
      num_out *= dims[i];
    }
  }
  for (int64_t o = 0; o < num_out; ++o) sums[o] = 0;
  if (num_in == 0) return;
  std::vector<int32_t> idx(rank, 0);
  int64_t out = 0;
  for (int64_t n = 0; n < num_in; ++n) {
    sums[out] = static_cast<int32_t>(static_cast<uint32_t>(sums[out]) + static_cast<uint32_t>(int32_t{input[n]}));
    for (int i = rank - 1; i >= 0; --i) {
      out += out_stride[i];
      if (++idx[i] < dims[i]) break;
      out -= out_stride[i] * dims[i];
      idx[i] = 0;
    }
  }
}

enum class QuantMeanKind : uint8_t { kHwRounded, kSameParams, kFloat };

struct QuantMeanParams {
  QuantMeanKind kind = QuantMeanKind::kFloat;
  int64_t count = 1;  // reduced elements per output
  int32_t multiplier = 0;
  int shift = 0;
  int32_t input_zero_point = 0, output_zero_point = 0;
  float scale = 1.0f;       // kFloat: s_in / s_out
  float float_bias = 0.0f;  // kFloat: -z_in * scale
};

// round(mean * s_in/s_out - z_in * s_in/s_out) + z_out in float, clamped (kFloat).
template <typename T>
T quant_mean_float(float mean, const QuantMeanParams& p) {
  constexpr int32_t kLo = std::numeric_limits<T>::min(), kHi = std::numeric_limits<T>::max();
  float r = std::round(mean * p.scale + p.float_bias) + static_cast<float>(p.output_zero_point);
  r = std::min(r, static_cast<float>(kHi));
  r = std::max(r, static_cast<float>(kLo));
  return static_cast<T>(r);
}

template <typename T>
void quant_mean_finish(const int32_t* sums, int64_t num_out, const QuantMeanParams& p, T* out) {
  constexpr int32_t kLo = std::numeric_limits<T>::min(), kHi = std::numeric_limits<T>::max();
  const int32_t n = static_cast<int32_t>(p.count);
  for (int64_t i = 0; i < num_out; ++i) {
    const int32_t s = sums[i];
    switch (p.kind) {
      case QuantMeanKind::kHwRounded: {
        // Sum of (x - z_in) in wrapping int32, as TFLite accumulates it.
        const int32_t centred = static_cast<int32_t>(static_cast<uint32_t>(s) -
                                                     static_cast<uint32_t>(n) * static_cast<uint32_t>(p.input_zero_point));
        int32_t acc = multiply_by_quantized_multiplier(centred, p.multiplier, p.shift);
        acc = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
        out[i] = static_cast<T>(std::clamp(acc + p.output_zero_point, kLo, kHi));
        break;
      }
      case QuantMeanKind::kSameParams: out[i] = static_cast<T>(s / n); break;
      case QuantMeanKind::kFloat:
        out[i] = quant_mean_float<T>(static_cast<float>(s) / static_cast<float>(p.count), p);
        break;
    }
  }
}

}  // namespace liteq::rt::ref
