#include "ir/summary.h"

#include <set>

#include <fmt/format.h>

#include "ir/op_codes.h"

namespace liteq::ir {
namespace {

bool is_quantized_act(DType t) { return t == DType::kInt8 || t == DType::kUInt8 || t == DType::kInt16; }

IoInfo io_info(const tflite::SubGraphT& g, int idx) {
  const auto& t = *g.tensors[idx];
  IoInfo io;
  io.index = idx;
  io.name = t.name;
  io.shape = t.shape;
  io.dtype = dtype(t);
  if (t.quantization) {
    io.scales = t.quantization->scale;
    io.zero_points = t.quantization->zero_point;
    io.quantized_dimension = t.quantization->quantized_dimension;
  }
  return io;
}

}  // namespace

const char* model_kind_id(ModelKind k) {
  switch (k) {
    case ModelKind::kFloat32: return "float32";
    case ModelKind::kFloat16Weights: return "float16";
    case ModelKind::kDynamicRange: return "dynamic";
    case ModelKind::kFullIntegerFloatIo: return "int8";
    case ModelKind::kIntegerOnlyInt8Io: return "int8-only-int8-io";
    case ModelKind::kIntegerOnlyUint8Io: return "int8-only-uint8-io";
    case ModelKind::kInt16x8: return "int16x8";
    default: return "other";
  }
}

ModelSummary summarize(const ModelData& model) {
  const auto& m = *model.fb;
  ModelSummary s;
  s.version = m.version;
  s.description = m.description;
  s.subgraphs = m.subgraphs.size();
  for (const auto& sd : m.signature_defs) s.signatures.push_back(sd->signature_key);
  const auto& g = *m.subgraphs.at(0);
  s.operators = g.operators.size();
  s.tensors = g.tensors.size();
  for (int idx : g.inputs) s.inputs.push_back(io_info(g, idx));
  for (int idx : g.outputs) s.outputs.push_back(io_info(g, idx));

  std::set<size_t> seen_buffers;
  bool int8_weights = false, f16_weights = false, int16_acts = false, q_acts = false;
  for (const auto& sg : m.subgraphs)
    for (const auto& t : sg->tensors) {
      const auto data = tensor_data(m, *t);
      if (data.empty()) continue;
      auto& c = s.const_by_dtype[std::string(dtype_name(dtype(*t)))];
      c.tensors++;
      if (seen_buffers.insert(t->buffer).second) c.bytes += data.size();
    }
  std::set<int> consts;
  for (size_t i = 0; i < g.tensors.size(); ++i)
    if (!tensor_data(m, *g.tensors[i]).empty()) consts.insert(static_cast<int>(i));
  for (const auto& op : g.operators) {
    const std::string name = op_type_name(m, *op);
    s.op_counts[name]++;
    const int32_t code = builtin_code(m, *op);
    // What the op computes on: the dtype of its first non-constant input (or output).
    DType act = DType::kFloat32;
    bool found = false;
    for (int idx : op->inputs)
      if (idx >= 0 && !consts.count(idx)) {
        act = dtype(*g.tensors[idx]);
        found = true;
        break;
      }
    if (!found && !op->outputs.empty() && op->outputs[0] >= 0) act = dtype(*g.tensors[op->outputs[0]]);
    for (int idx : op->inputs) {
      if (idx < 0 || !consts.count(idx)) continue;
      const DType w = dtype(*g.tensors[idx]);
      if (w == DType::kFloat16) f16_weights = true;
      if (w == DType::kInt8 && act == DType::kFloat32) int8_weights = true;
    }
    if (code == static_cast<int32_t>(Op::QUANTIZE) || code == static_cast<int32_t>(Op::DEQUANTIZE)) continue;
    if (act == DType::kFloat32) s.float_ops++;
    if (is_quantized_act(act)) {
      s.integer_ops++;
      q_acts = true;
      if (act == DType::kInt16) int16_acts = true;
    }
  }
  auto io_types = [&](const std::vector<IoInfo>& v, DType t) {
    for (const auto& io : v)
      if (io.dtype != t) return false;
    return !v.empty();
  };
  const bool float_io = io_types(s.inputs, DType::kFloat32) && io_types(s.outputs, DType::kFloat32);
  if (int16_acts) {
    s.kind = ModelKind::kInt16x8;
    s.verdict = fmt::format("16x8 quantized: int16 activations, int8 weights ({} integer ops, {} float ops)",
                            s.integer_ops, s.float_ops);
  } else if (q_acts && s.float_ops == 0 && io_types(s.inputs, DType::kInt8) && io_types(s.outputs, DType::kInt8)) {
    s.kind = ModelKind::kIntegerOnlyInt8Io;
    s.verdict = fmt::format("integer-only int8, int8 inputs/outputs ({} integer ops)", s.integer_ops);
  } else if (q_acts && s.float_ops == 0 && io_types(s.inputs, DType::kUInt8) && io_types(s.outputs, DType::kUInt8)) {
    s.kind = ModelKind::kIntegerOnlyUint8Io;
    s.verdict = fmt::format("integer-only int8, uint8 inputs/outputs ({} integer ops)", s.integer_ops);
  } else if (q_acts) {
    s.kind = ModelKind::kFullIntegerFloatIo;
    s.verdict = s.float_ops == 0
                    ? fmt::format("full integer int8 with {} I/O ({} integer ops)", float_io ? "float32" : "mixed",
                                  s.integer_ops)
                    : fmt::format("int8 with float fallback: {} integer ops, {} float ops, {} I/O", s.integer_ops,
                                  s.float_ops, float_io ? "float32" : "mixed");
  } else if (int8_weights) {
    s.kind = ModelKind::kDynamicRange;
    s.verdict = "dynamic range quantized: int8 weights, float32 activations (hybrid kernels)";
  } else if (f16_weights) {
    s.kind = ModelKind::kFloat16Weights;
    s.verdict = "float32 model with float16 weights (dequantized to float32 at load)";
  } else {
    s.kind = ModelKind::kFloat32;
    s.verdict = "float32 model (not quantized)";
  }
  return s;
}

}  // namespace liteq::ir
