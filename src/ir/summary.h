// What a model is: its op histogram, inputs/outputs, constant bytes by dtype, and a
// verdict of which kind of (quantized) model it is. Behind `liteq inspect`.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ir/model.h"

namespace liteq::ir {

enum class ModelKind {
  kFloat32,           // float32 weights and activations
  kFloat16Weights,    // float16 weights dequantized to float32 at load
  kDynamicRange,      // int8 weights, float activations (hybrid kernels)
  kFullIntegerFloatIo,  // int8 activations, float32 model inputs/outputs (maybe float fallback ops)
  kIntegerOnlyInt8Io,
  kIntegerOnlyUint8Io,
  kInt16x8,           // int16 activations, int8 weights
  kOther,
};

struct IoInfo {
  int index = 0;
  std::string name;
  std::vector<int32_t> shape;
  DType dtype = DType::kFloat32;
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int quantized_dimension = 0;
};

struct ConstBytes {
  size_t tensors = 0;
  size_t bytes = 0;
};

struct ModelSummary {
  uint32_t version = 0;
  std::string description;
  size_t subgraphs = 0, operators = 0, tensors = 0;
  std::vector<IoInfo> inputs, outputs;
  std::map<std::string, int> op_counts;             // op type -> count (main subgraph)
  std::map<std::string, ConstBytes> const_by_dtype;  // dtype name -> constant data
  int float_ops = 0;    // ops computing on float32 activations (excl. QUANTIZE/DEQUANTIZE)
  int integer_ops = 0;  // ops computing on int8/uint8/int16 activations
  ModelKind kind = ModelKind::kOther;
  std::string verdict;  // one line for people
  std::vector<std::string> signatures;
};

ModelSummary summarize(const ModelData& model);
const char* model_kind_id(ModelKind k);  // "float32", "float16", "dynamic", "int8", ...

}  // namespace liteq::ir
