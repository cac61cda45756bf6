// Quantization parameters as TFLite's integer kernels read them, and the checks and
// precomputations their Prepare functions share: per-tensor (scale, zero point), the
// quantized clamp range of a fused activation, requantization multipliers and the
// power-of-two test for scales. Used by the int8/int16 paths of the kernels in
// src/kernels/*.cc (prepare only; eval sees plain integers).
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/fixed_point.h"
#include "kernels/kernel_api.h"

namespace liteq::rt {

// TfLiteTensor::params: one scale and zero point (0, 0 for an unquantized tensor).
struct QParams {
  float scale = 0.0f;
  int32_t zero_point = 0;
};

inline bool is_quantized_int(DType t) { return t == DType::kInt8 || t == DType::kUInt8 || t == DType::kInt16; }

inline int32_t dtype_qmin(DType t) {
  switch (t) {
    case DType::kInt8: return -128;
    case DType::kUInt8: return 0;
    case DType::kInt16: return -32768;
    default: return 0;
  }
}
inline int32_t dtype_qmax(DType t) {
  switch (t) {
    case DType::kInt8: return 127;
    case DType::kUInt8: return 255;
    case DType::kInt16: return 32767;
    default: return 0;
  }
}

// The legacy per-tensor parameters TFLite fills for a tensor (0/0 when it has none or
// when they are per-axis); for comparisons that TFLite makes on raw params.
inline QParams raw_qparams(const Tensor& t) {
  QParams p;
  if (t.quant.scale.size() == 1 && t.quant.zero_point.size() == 1) {
    p.scale = t.quant.scale[0];
    p.zero_point = static_cast<int32_t>(t.quant.zero_point[0]);
  }
  return p;
}

// Per-tensor parameters of a quantized int8/uint8/int16 tensor, validated: exactly one
// scale, finite and > 0, and a zero point inside the dtype's range. `symmetric`
// additionally requires zero point 0 (TFLite's int16 kernels).
inline QParams per_tensor_qparams(const OpContext& ctx, const Tensor& t, const char* what, bool symmetric = false) {
  const QParams p = raw_qparams(t);
  ctx.check(!t.quant.empty(), "{} '{}' ({}) has no quantization parameters", what, t.name, dtype_name(t.type));
  ctx.check(t.quant.scale.size() == 1 && t.quant.zero_point.size() == 1,
            "{} '{}' must be quantized per tensor, got {} scales and {} zero points", what, t.name,
            t.quant.scale.size(), t.quant.zero_point.size());
  ctx.check(std::isfinite(p.scale) && p.scale > 0.0f, "{} '{}': scale {} must be positive and finite", what, t.name,
            p.scale);
  const int64_t zp = t.quant.zero_point[0];
  ctx.check(zp >= dtype_qmin(t.type) && zp <= dtype_qmax(t.type), "{} '{}': zero point {} out of range for {}", what,
            t.name, zp, dtype_name(t.type));
  if (symmetric) ctx.check(zp == 0, "{} '{}': {} needs zero point 0, got {}", what, t.name, dtype_name(t.type), zp);
  return p;
}

// A requantization multiplier as TFLite's QuantizeMultiplier splits it. Ratios so large
// that x * multiplier overflows for every input, or not finite, are refused.
struct Multiplier {
  int32_t multiplier = 0;
  int shift = 0;
};
inline Multiplier checked_multiplier(const OpContext& ctx, double m, const char* what) {
  ctx.check(std::isfinite(m), "{}: multiplier {} is not finite", what, m);
  Multiplier r;
  quantize_multiplier(m, &r.multiplier, &r.shift);
  ctx.check(r.shift <= 30, "{}: scale ratio {} is too large", what, m);
  return r;
}
// QuantizeMultiplierSmallerThanOneExp: TFLite requires 0 < m < 1 (it aborts otherwise).
inline Multiplier checked_multiplier_below_one(const OpContext& ctx, double m, const char* what) {
  ctx.check(m > 0.0 && m < 1.0, "{}: multiplier {} must be in (0, 1)", what, m);
  Multiplier r;
  quantize_multiplier(m, &r.multiplier, &r.shift);
  return r;
}

// TFLite's CalculateActivationRangeQuantized: the fused activation's bounds quantized
// with the output's (scale, zero point) in float, intersected with the dtype's range.
struct QRange {
  int32_t lo = 0, hi = 0;
};
inline int32_t quantize_bound(float f, QParams q, int32_t qmin, int32_t qmax) {
  // zero_point + (int)round(f / scale), saturated so that absurd scales cannot overflow.
  const double r = static_cast<double>(std::round(f / q.scale)) + q.zero_point;
  if (!(r > qmin)) return qmin;
  if (!(r < qmax)) return qmax;
  return static_cast<int32_t>(r);
}
inline QRange quantized_activation_range(Activation a, QParams out, DType type) {
  const int32_t qmin = dtype_qmin(type), qmax = dtype_qmax(type);
  QRange r{qmin, qmax};
  switch (a) {
    case Activation::kRelu: r.lo = quantize_bound(0.0f, out, qmin, qmax); break;
    case Activation::kRelu6:
      r.lo = quantize_bound(0.0f, out, qmin, qmax);
      r.hi = quantize_bound(6.0f, out, qmin, qmax);
      break;
    case Activation::kReluN1To1:
      r.lo = quantize_bound(-1.0f, out, qmin, qmax);
      r.hi = quantize_bound(1.0f, out, qmin, qmax);
      break;
    default: break;
  }
  return r;
}

// TFLite's CheckedLog2: whether x is a power of two (within 1e-3 in log2, in float), and
// the rounded log2.
inline bool checked_log2(float x, int* log2_result) {
  const float x_log2 = std::log(x) * (1.0f / std::log(2.0f));
  const float rounded = std::round(x_log2);
  *log2_result = static_cast<int>(rounded);
  return std::fabs(x_log2 - rounded) < 1e-3f;
}

}  // namespace liteq::rt
