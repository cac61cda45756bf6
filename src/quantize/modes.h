// The quantization passes, one per TFLite mode. Each takes a float model whose constant
// operators are folded (passes::fold_constants) and rewrites it in place.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "ir/model.h"
#include "liteq/converter.h"
#include "quantize/gptq.h"
#include "quantize/observer.h"

namespace liteq::quant {

// float16: float32 constants stored as float16, each behind a DEQUANTIZE.
void quantize_float16(ir::ModelData& model);

struct DynamicOptions {
  bool per_channel = true;
  int64_t min_elements = 1024;  // smaller weights stay float, as in TFLite
  bool weight_mse = false;      // per-channel MSE-optimal weight scales (quantize_weights)
  std::vector<std::string> denylisted_ops, denylisted_nodes;
};
// Dynamic range: int8 weights for CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED and
// BATCH_MATMUL; activations stay float (hybrid kernels). Returns ops changed.
int quantize_dynamic(ir::ModelData& model, const DynamicOptions& options);

struct IntegerOptions {
  bool int16_activations = false;  // 16x8 mode
  bool allow_float_fallback = true;
  DType input_type = DType::kFloat32;
  DType output_type = DType::kFloat32;
  bool per_channel = true;
  bool weight_mse = false;  // per-channel MSE-optimal weight scales (quantize_weights)
  // Bias correction: weighted ops' biases absorb the expected output shift caused by
  // weight rounding, sum_k (w_q - w)[c, k] * E[x_k], from the float input's per-channel
  // means over the calibration data (tensor index -> means over its last dimension).
  const std::map<int, std::vector<double>>* channel_means = nullptr;
  // GPTQ weight rounding (gptq.h) for the ops whose input moments were collected.
  const SecondMoments* moments = nullptr;
  std::vector<std::string> denylisted_ops, denylisted_nodes;
};
// The input moments GPTQ needs for a weighted op (tensor -1: the op is not handled:
// TRANSPOSE_CONV, or a patch larger than kMaxGptqDim).
PatchSpec gptq_patch(int32_t code, int input_tensor, const std::vector<int32_t>& weight_shape);

// Full integer: every op with an integer kernel runs on int8 (or int16) activations with
// calibrated scales; the rest stays float between DEQUANTIZE and QUANTIZE.
void quantize_integer(ir::ModelData& model, const std::map<int, Range>& ranges, const IntegerOptions& options,
                      ConversionReport* report);

}  // namespace liteq::quant
