// Reads an ONNX model (opsets 7 to 17) and translates it into a liteq Model: TFLite
// builtin operators, NHWC layouts, weights in TFLite's layouts, BatchNormalization
// folded, constant subgraphs (Shape-derived values included) folded, activations fused.
//   auto model = liteq::import_onnx("model.onnx", {.input_shapes = {{"x", {1, 3, 640, 640}}}});
//   model.save("model.tflite");
#pragma once
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "liteq/model.h"

namespace liteq {

struct OnnxOptions {
  // Sizes for the model's dynamic input dims, in ONNX order (NCHW for images):
  // {"x", {1, 3, 640, 640}}. Every dynamic dim must be fixed, here or by the model.
  std::map<std::string, std::vector<int64_t>> input_shapes;
  // A 4-D model input is NHWC in the TFLite model, as TFLite's convention and liteq's
  // image loader want. With keep_nchw_inputs it stays NCHW, in ONNX's order, and a
  // TRANSPOSE inside the model turns it to NHWC.
  bool keep_nchw_inputs = false;
  // Model outputs always keep ONNX's order and shape.
};

// Throws liteq::Error naming the file, the node (name, op type, index) or tensor and what
// is wrong: unreadable protobuf, unsupported opset or operator, a dynamic dim left open.
// External data files are read from the model's folder, and must stay inside it.
Model import_onnx(const std::string& path, const OnnxOptions& options = {});
// The same from memory; external data is read relative to base_dir (none if empty).
Model import_onnx(std::span<const uint8_t> bytes, const std::string& name, const OnnxOptions& options = {},
                  const std::string& base_dir = "");

// The ONNX operator types (default domain) the importer translates, sorted.
std::vector<std::string> onnx_supported_ops();

struct QdqReport {
  int weighted_ops = 0;      // Conv / ConvTranspose / Gemm / MatMul given liteq's int8 weights
  int quantized_values = 0;  // activations given QuantizeLinear -> DequantizeLinear
};
// QDQ ONNX out: `quantized` (liteq's int8 quantization of the ONNX model at onnx_path,
// imported with `options`) as the ONNX graph with QuantizeLinear/DequantizeLinear pairs
// carrying liteq's scales and zero points, int8 weights and int32 biases through
// DequantizeLinear (folded BatchNorm & co. removed), at opset 13 or later: the model ONNX
// Runtime runs as our .tflite.
std::vector<uint8_t> export_qdq_onnx(const std::string& onnx_path, const Model& quantized, const OnnxOptions& options = {},
                                     QdqReport* report = nullptr);

// True if the file looks like ONNX (by extension .onnx, else by content).
bool is_onnx_file(const std::string& path);

}  // namespace liteq
