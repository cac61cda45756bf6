// Choosing scales and zero points, and quantizing constants, per TFLite's spec.
#pragma once
#include <cstdint>
#include <vector>

#include "quantize/observer.h"

namespace liteq::quant {

struct TensorQuant {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int axis = 0;
};

// Asymmetric per-tensor params for activations in [qmin, qmax]: the range is widened
// to include 0 (which must be exactly representable) and the zero point is nudged to
// an integer inside [qmin, qmax].
TensorQuant asymmetric_params(Range r, int qmin = -128, int qmax = 127);
// Symmetric per-tensor params, zero point 0: scale = max|x| / qmax (int16 activations).
TensorQuant symmetric_params(Range r, int qmax);

// Symmetric int8 weights in [-127, 127], per axis (axis >= 0) or per tensor (axis < 0).
// A slice of all zeros gets scale 1. mse_clip: each channel's scale is chosen in
// [0.5, 1] x max|w| / 127 to minimize the squared error (clipping + rounding) instead.
struct QuantizedWeights {
  std::vector<int8_t> values;
  TensorQuant quant;
};
// given_scales: use these scales (one per channel, or one) instead (weights a QDQ model
// quantized already: the same integers come back).
QuantizedWeights quantize_weights(const float* w, const std::vector<int32_t>& shape, int axis, bool mse_clip = false,
                                  const std::vector<float>* given_scales = nullptr);

// Bias of a weighted op: scale = input_scale * weight_scale[c], zero point 0, rounded
// and saturated to int32 (int8 models) or int64 (16x8 models).
std::vector<int32_t> quantize_bias32(const float* b, size_t n, float input_scale, const std::vector<float>& weight_scales,
                                     TensorQuant* quant);
std::vector<int64_t> quantize_bias64(const float* b, size_t n, float input_scale, const std::vector<float>& weight_scales,
                                     TensorQuant* quant);

// Per-tensor quantization of a constant with given params to int8/int16.
std::vector<int8_t> quantize_int8(const float* x, size_t n, float scale, int64_t zero_point);
std::vector<int16_t> quantize_int16(const float* x, size_t n, float scale, int64_t zero_point);

// Range of a constant's values.
Range range_of(const float* x, size_t n);

}  // namespace liteq::quant
