// Shared pieces of the quantized (int8, 16x8) and hybrid kernels of CONV_2D,
// DEPTHWISE_CONV_2D, TRANSPOSE_CONV, FULLY_CONNECTED and BATCH_MATMUL:
//   - the requantization of accumulators to the output (the three roundings TFLite
//     2.9's kernels use, see Rounding),
//   - the quantized activation range (TFLite's CalculateActivationRangeQuantized),
//   - the on-the-fly quantization of float inputs of the hybrid kernels (TFLite's
//     tensor_utils::SymmetricQuantizeFloats / AsymmetricQuantizeFloats),
// each computed with the same integer and float steps as TFLite 2.9 so that the results
// are bit-identical (the multipliers themselves are computed in quant_checks_int8.h).
// Which kernel rounds how was established against the official runtime on x86-64 with
// AVX2 / AVX-512 (tests/conformance/quantized_ops_test.cc). Pure functions; callers
// validate their arguments first.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "kernels/fixed_point.h"

namespace liteq::rt::ref {

// TFLite 2.9 requantizes int32 accumulators in three ways, depending on the kernel
// that runs (all three round x * multiplier * 2^(shift - 31) to nearest; they differ
// only on values within one rounding step of a tie):
enum class Rounding : uint8_t {
  // TFLite's MultiplyByQuantizedMultiplier (its reference and hand-written optimized
  // kernels): a rounding doubling high multiply, then a rounding right shift with ties
  // away from zero ("double rounding").
  kDouble,
  // ruy's x86 SIMD kernels (AVX2 / AVX-512, behind cpu_backend_gemm for int8): the same
  // high multiply, but the right shift rounds ties up (toward +infinity).
  kDoubleTiesUp,
  // ruy's portable kernel (cpu_backend_gemm for int16 x int8): one rounding of the
  // exact 64-bit product, ties up.
  kSingle,
};

inline int32_t multiply_by_quantized_multiplier_ties_up(int32_t x, int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  const int32_t high =
      saturating_rounding_doubling_high_mul(static_cast<int32_t>(static_cast<uint32_t>(x) << left), multiplier);
  if (right == 0) return high;
  return static_cast<int32_t>((int64_t{high} + (int64_t{1} << (right - 1))) >> right);
}

inline int32_t multiply_by_quantized_multiplier_single(int32_t x, int32_t multiplier, int shift) {
  const int total = 31 - shift;  // >= 1: prepare keeps shift <= 30
  const int64_t v = (int64_t{x} * multiplier + (int64_t{1} << (total - 1))) >> total;
  return static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(v, std::numeric_limits<int32_t>::min()),
                                                std::numeric_limits<int32_t>::max()));
}

// Requantization of an accumulator to the output, per output channel.
struct QuantOutput {
  const int32_t* multiplier = nullptr;  // Q31, per output channel
  const int32_t* shift = nullptr;       // per output channel
  int32_t output_offset = 0;            // the output zero point
  int32_t act_min = 0, act_max = 0;     // clamp, in the output's integer domain
  Rounding rounding = Rounding::kDouble;  // for int32 accumulators
};

// acc * M_c + zero point, clamped. The accumulator type picks the requantization:
// int32 accumulators use q.rounding, int64 ones (16x8 kernels with int64 bias)
// TFLite's int64 MultiplyByQuantizedMultiplier.
template <typename Acc>
inline int32_t requantize(Acc acc, const QuantOutput& q, int channel) {
  int64_t v;
  if constexpr (sizeof(Acc) == 4) {
    const int32_t m = q.multiplier[channel], s = q.shift[channel];
    switch (q.rounding) {
      case Rounding::kDoubleTiesUp: v = multiply_by_quantized_multiplier_ties_up(acc, m, s); break;
      case Rounding::kSingle: v = multiply_by_quantized_multiplier_single(acc, m, s); break;
      default: v = multiply_by_quantized_multiplier(acc, m, s); break;
    }
  } else {
    v = multiply_by_quantized_multiplier(acc, q.multiplier[channel], q.shift[channel]);
  }
  v += q.output_offset;
  return static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(v, q.act_min), q.act_max));
}

// TFLite's Quantize() used for activation bounds: zp + round(f / scale) with the
// division and rounding in float. False if the rounded value does not fit int32
// (TFLite's prepare fails then too).
inline bool quantize_bound(float scale, int32_t zero_point, float f, int64_t* q) {
  const float tmp = std::round(f / scale);
  if (!(tmp >= static_cast<float>(std::numeric_limits<int32_t>::min()) &&
        tmp <= static_cast<float>(std::numeric_limits<int32_t>::max())))
    return false;
  *q = int64_t{zero_point} + static_cast<int64_t>(tmp);
  return true;
}

// Fused activation (0 none, 1 relu, 2 relu_n1_to_1, 3 relu6) as an integer range of
// the output, TFLite's CalculateActivationRangeQuantized. False on overflow.
inline bool quantized_activation_range(int activation, float scale, int32_t zero_point, int32_t qmin,
                                       int32_t qmax, int32_t* act_min, int32_t* act_max) {
  int64_t lo = qmin, hi = qmax, q = 0;
  switch (activation) {
    case 1:  // relu
      if (!quantize_bound(scale, zero_point, 0.0f, &q)) return false;
      lo = std::max<int64_t>(qmin, q);
      break;
    case 3:  // relu6
      if (!quantize_bound(scale, zero_point, 0.0f, &q)) return false;
      lo = std::max<int64_t>(qmin, q);
      if (!quantize_bound(scale, zero_point, 6.0f, &q)) return false;
      hi = std::min<int64_t>(qmax, q);
      break;
    case 2:  // relu_n1_to_1
      if (!quantize_bound(scale, zero_point, -1.0f, &q)) return false;
      lo = std::max<int64_t>(qmin, q);
      if (!quantize_bound(scale, zero_point, 1.0f, &q)) return false;
      hi = std::min<int64_t>(qmax, q);
      break;
    default:
      break;
  }
  // lo/hi stay inside [qmin, qmax] only on the side they were clamped; TFLite keeps
  // them as computed (a range that is empty or outside the type clamps everything
  // to one value), which the min/max order of requantize() reproduces.
  *act_min = static_cast<int32_t>(std::clamp<int64_t>(lo, std::numeric_limits<int32_t>::min(),
                                                      std::numeric_limits<int32_t>::max()));
  *act_max = static_cast<int32_t>(std::clamp<int64_t>(hi, std::numeric_limits<int32_t>::min(),
                                                      std::numeric_limits<int32_t>::max()));
  return true;
}

// ---- on-the-fly input quantization of the hybrid kernels --------------------------

// TFLite's SymmetricQuantizeFloats: scale = max|x| / 127, q = round(x * 127 / max|x|)
// in float, clamped to [-127, 127]; an all-zero input gets scale 1. n >= 1.
inline void symmetric_quantize_floats(const float* x, int64_t n, int8_t* q, float* scale) {
  const auto mm = std::minmax_element(x, x + n);
  const float range = std::max(std::fabs(*mm.first), std::fabs(*mm.second));
  if (range == 0) {
    std::memset(q, 0, static_cast<size_t>(n));
    *scale = 1;
    return;
  }
  constexpr int32_t kScale = 127;
  *scale = range / kScale;
  const float inv = kScale / range;
  for (int64_t i = 0; i < n; ++i) {
    const auto v = static_cast<int32_t>(std::round(x[i] * inv));
    q[i] = static_cast<int8_t>(std::min(kScale, std::max(-kScale, v)));
  }
}

// TFLite's AsymmetricQuantizeFloats: the range [min(0, min x), max(0, max x)] maps to
// [-128, 127] (scale and zero point computed in double, the zero point nudged to an
// integer, the scale stored as float); q = round(zp + x / scale) in float. An all-zero
// input gets scale 1, zero point 0. n >= 1.
// The scale and zero point of AsymmetricQuantizeFloats for data in [min x, max x];
// false when both are 0 (the caller then writes zeros, scale 1, zero point 0).
inline bool asymmetric_quant_params(float min_x, float max_x, float* scale, int32_t* zero_point) {
  constexpr int32_t kMin = -128, kMax = 127;
  const double qmin = kMin, qmax = kMax;
  const double rmin = static_cast<double>(std::min(0.0f, min_x));
  const double rmax = static_cast<double>(std::max(0.0f, max_x));
  if (rmin == rmax) return false;
  const double s = (rmax - rmin) / (qmax - qmin);
  const double zp_from_min = qmin - rmin / s;
  const double zp_from_max = qmax - rmax / s;
  const double zp_from_min_error = std::abs(qmin) + std::abs(rmin / s);
  const double zp_from_max_error = std::abs(qmax) + std::abs(rmax / s);
  const double zp_double = zp_from_min_error < zp_from_max_error ? zp_from_min : zp_from_max;
  int32_t zp = 0;
  if (zp_double <= qmin) zp = kMin;
  else if (zp_double >= qmax) zp = kMax;
  else zp = static_cast<int8_t>(std::round(zp_double));
  *scale = static_cast<float>(s);
  *zero_point = zp;
  return true;
}

inline void asymmetric_quantize_floats(const float* x, int64_t n, int8_t* q, float* scale,
                                       int32_t* zero_point) {
  constexpr int32_t kMin = -128, kMax = 127;
  const auto mm = std::minmax_element(x, x + n);
  if (!asymmetric_quant_params(*mm.first, *mm.second, scale, zero_point)) {
    std::memset(q, 0, static_cast<size_t>(n));
    *scale = 1;
    *zero_point = 0;
    return;
  }
  const int32_t zp = *zero_point;
  const float inv = 1.0f / *scale;
  for (int64_t i = 0; i < n; ++i) {
    const auto v = static_cast<int32_t>(std::round(static_cast<float>(zp) + x[i] * inv));
    q[i] = static_cast<int8_t>(std::min(kMax, std::max(kMin, v)));
  }
}

}  // namespace liteq::rt::ref
