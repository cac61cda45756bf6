// Small helpers to add tensors, buffers, operator codes and operators to a model.
#pragma once
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "ir/model.h"
#include "quantize/quant_math.h"

namespace liteq::quant {

class GraphEditor {
 public:
  explicit GraphEditor(tflite::ModelT& m) : m_(m), g_(*m.subgraphs.at(0)) {}

  tflite::ModelT& model() { return m_; }
  tflite::SubGraphT& graph() { return g_; }
  tflite::TensorT& tensor(int idx) { return *g_.tensors.at(idx); }
  bool is_constant(int idx) { return idx >= 0 && !ir::tensor_data(m_, tensor(idx)).empty(); }
  std::span<const uint8_t> data(int idx) { return ir::tensor_data(m_, tensor(idx)); }
  const float* float_data(int idx) { return reinterpret_cast<const float*>(data(idx).data()); }

  uint32_t add_buffer(std::span<const uint8_t> bytes) {
    auto b = std::make_unique<tflite::BufferT>();
    b->data.assign(bytes.begin(), bytes.end());
    m_.buffers.push_back(std::move(b));
    return static_cast<uint32_t>(m_.buffers.size() - 1);
  }
  template <typename T> uint32_t add_buffer(const std::vector<T>& v) {
    return add_buffer({reinterpret_cast<const uint8_t*>(v.data()), v.size() * sizeof(T)});
  }

  // A new tensor; buffer 0 means no data.
  int add_tensor(const std::string& name, DType type, const std::vector<int32_t>& shape, const TensorQuant* q = nullptr,
                 uint32_t buffer = 0) {
    auto t = std::make_unique<tflite::TensorT>();
    t->name = name;
    t->type = static_cast<tflite::TensorType>(type);
    t->shape = shape;
    t->buffer = buffer;
    if (q) set_quant(*t, *q);
    g_.tensors.push_back(std::move(t));
    return static_cast<int>(g_.tensors.size() - 1);
  }

  static void set_quant(tflite::TensorT& t, const TensorQuant& q) {
    t.quantization = std::make_unique<tflite::QuantizationParametersT>();
    t.quantization->scale = q.scale;
    t.quantization->zero_point = q.zero_point;
    t.quantization->quantized_dimension = q.axis;
  }

  // Index of the operator code for `code` at `version` (added if missing; an existing
  // entry is raised to `version`).
  uint32_t opcode(int32_t code, int version) {
    for (size_t i = 0; i < m_.operator_codes.size(); ++i) {
      auto& oc = *m_.operator_codes[i];
      if (ir::builtin_code(oc) == code && oc.custom_code.empty()) {
        oc.version = std::max(oc.version, version);
        return static_cast<uint32_t>(i);
      }
    }
    auto oc = std::make_unique<tflite::OperatorCodeT>();
    oc->builtin_code = static_cast<tflite::BuiltinOperator>(code);
    oc->deprecated_builtin_code = static_cast<int8_t>(std::min(code, 127));
    oc->version = version;
    m_.operator_codes.push_back(std::move(oc));
    return static_cast<uint32_t>(m_.operator_codes.size() - 1);
  }

  std::unique_ptr<tflite::OperatorT> make_op(int32_t code, int version, std::vector<int32_t> inputs,
                                             std::vector<int32_t> outputs) {
    auto op = std::make_unique<tflite::OperatorT>();
    op->opcode_index = opcode(code, version);
    op->inputs = std::move(inputs);
    op->outputs = std::move(outputs);
    return op;
  }

 private:
  tflite::ModelT& m_;
  tflite::SubGraphT& g_;
};

}  // namespace liteq::quant
