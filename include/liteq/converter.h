// Post-training quantization with the shape of tf.lite.TFLiteConverter:
//
//   liteq::Converter c(model);
//   c.optimizations = {liteq::Optimize::kDefault};
//   c.representative_dataset = [&]() -> std::optional<liteq::Sample> { ... };
//   c.target_spec.supported_ops = {liteq::OpsSet::kTfliteBuiltinsInt8};
//   c.inference_input_type = liteq::DType::kUInt8;
//   liteq::Model q = c.convert();
//
// The mode follows from the settings exactly as in TFLite:
//   no optimizations                                  -> unchanged float model
//   kDefault + supported_types {float16}              -> float16 weights
//   kDefault, no representative_dataset               -> dynamic range (int8 weights)
//   kDefault + dataset                                -> int8, float fallback, float I/O
//   kDefault + dataset + ops {kTfliteBuiltinsInt8}    -> integer only (error if an op cannot be)
//   kDefault + dataset + ops {kInt16x8 [+ kTfliteBuiltins]} -> 16x8 [with float fallback]
#pragma once
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "liteq/array.h"
#include "liteq/dtype.h"
#include "liteq/model.h"

namespace liteq {

// One calibration sample: one array per model input, in input order.
using Sample = std::vector<Array>;

enum class Optimize { kDefault, kOptimizeForSize /* alias of kDefault, as in TFLite */ };
enum class OpsSet {
  kTfliteBuiltins,      // TFLITE_BUILTINS
  kTfliteBuiltinsInt8,  // TFLITE_BUILTINS_INT8
  kInt16x8,             // EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
};

struct TargetSpec {
  std::set<OpsSet> supported_ops = {OpsSet::kTfliteBuiltins};
  std::vector<DType> supported_types;  // {kFloat16} selects float16 quantization
};

struct ConversionReport {
  std::string mode;  // "float16", "dynamic", "int8", "int8-only", "int16x8"
  int quantized_ops = 0;
  int float_ops = 0;
  std::vector<std::string> float_op_names;  // ops left in float, "TYPE (operator i)"
  int calibration_samples = 0;
  int recorded_ranges = 0;  // activation ranges taken from the model itself (QDQ, fake quant)
  double calibration_seconds = 0;
  int equalized_tensors = 0;   // channel equalization: tensors rescaled
  int equalized_channels = 0;  // ... and their channels with a scale other than 1
};

// True if the model records activation ranges on its float tensors (quantization
// min/max, e.g. a QDQ ONNX model's): the integer modes then need no representative data.
bool has_recorded_ranges(const Model& model);

class Converter {
 public:
  explicit Converter(const Model& float_model);

  std::vector<Optimize> optimizations;
  std::function<std::optional<Sample>()> representative_dataset;
  TargetSpec target_spec;
  DType inference_input_type = DType::kFloat32;   // int8-only: kInt8, kUInt8 or kFloat32
  DType inference_output_type = DType::kFloat32;
  std::vector<std::string> denylisted_ops;    // op types kept in float ("CONV_2D", custom codes)
  std::vector<std::string> denylisted_nodes;  // output tensor names of ops kept in float
  bool per_channel = true;                    // false: per-tensor weights everywhere
  int max_calibration_samples = 100;
  // The integer modes' calibration. The defaults are the combination that measured best
  // on the MediaPipe models (README "Calibration": int8 +3 to +12 dB output SQNR on 8 of
  // 10 models against TFLite's recipe). TFLite's own recipe is calibration_method =
  // "minmax", bias_correction = false, channel_equalization = "off",
  // activation_headroom = 1.
  //
  // How activation ranges are chosen from the calibration data (int8, int8-only, 16x8):
  //   "minmax"      exact min/max, as TFLite
  //   "percentile"  each tail clipped at calibration_percentile (99.99: 0.01% per tail)
  //   "mse"         the range whose quantization grid minimizes squared error
  //   "auto"        (default) mse for int8; minmax for 16x8, where clipping never pays
  // Model inputs always keep their min/max range; fixed-scale outputs keep their fixed
  // parameters; weights are never clipped by these.
  std::string calibration_method = "auto";
  double calibration_percentile = 99.99;
  // Weights: "minmax" (max|w| per channel, nearest rounding: TFLite), "mse" (per-channel
  // scale in [0.5, 1] x max|w|/127 minimizing squared error) or "gptq" (TFLite's scales;
  // each weight rounded up or down to minimize the output error E[(dw . x)^2] over the
  // calibration inputs; integer modes, CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED).
  // All stay symmetric int8 in [-127, 127] with zero point 0.
  std::string weight_calibration = "minmax";
  // Bias correction (integer modes): each CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED /
  // TRANSPOSE_CONV bias absorbs the mean output shift its weight rounding causes, from the
  // per-channel means of the op's float input over the calibration data. Unset: on.
  std::optional<bool> bias_correction;
  // Activation headroom (integer modes): every calibrated activation range (not the model
  // inputs') is widened by this factor around zero, so that data beyond what calibration
  // saw is not clipped. Unset: 2 for 16x8, where the int16 grid has resolution to spare
  // and clipping on held-out photographs was the largest error (+1 to +13 dB output SQNR
  // on 9 of the 10 MediaPipe models, README "Calibration"); 1 (TFLite's exact ranges)
  // for int8, where the lost resolution costs more than clipping.
  std::optional<double> activation_headroom;
  // Activation channel equalization (integer modes, src/quantize/equalize.h): before
  // calibration, rescale the output channels of each convolution whose output feeds
  // depthwise convolutions ("depthwise") or also convolutions ("all") so that every
  // channel spans the tensor's range, with the inverse scale folded into the consumer.
  // The float function is unchanged; int8 activation rounding is spread evenly. "auto"
  // (default): "all" for int8, "off" for 16x8 (16-bit activations have resolution to
  // spare). Not applied to models with recorded ranges (QDQ), whose tensors it would
  // rescale.
  std::string channel_equalization = "auto";

  std::function<void(int, int)> progress;     // calibration progress (done, total)
  // Use the activation ranges a model records on its float tensors (quantization min/max,
  // e.g. from the QuantizeLinear/DequantizeLinear pairs of a QDQ ONNX model) instead of
  // calibrating those tensors. With such ranges and kDefault, the integer modes need no
  // representative_dataset (TFLite's behaviour for quantization-aware-trained models).
  bool use_recorded_ranges = true;

  Model convert();
  const ConversionReport& report() const { return report_; }

 private:
  Model model_;
  ConversionReport report_;
};

}  // namespace liteq
