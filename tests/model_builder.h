// Builds small .tflite models in tests, on TFLite's object model (tflite::ModelT):
//
//   ModelBuilder b;
//   int a = b.add_input("a", tflite::TensorType::FLOAT32, {1, 4});
//   int c = b.add_const<float>("c", {1, 4}, {1, 2, 3, 4});
//   int y = b.add_tensor("y", tflite::TensorType::FLOAT32, {1, 4});
//   b.add_op(tflite::BuiltinOperator::ADD, {a, c}, {y}, tflite::AddOptionsT{});
//   b.set_outputs({y});
//   liteq::Model m = b.load();            // or b.bytes() for the .tflite bytes
//
// Everything is public and mutable through model()/subgraph()/tensor()/op(), so tests can
// break a valid model in exactly the way they want before serializing it: the builder
// itself checks nothing (write_tflite writes whatever it is given).
#pragma once
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "io/tflite/tflite_io.h"
#include "ir/model.h"
#include "liteq/model.h"

namespace liteq::test {

class ModelBuilder {
 public:
  // A model of schema version 3 with the empty sentinel buffer 0 and one subgraph.
  explicit ModelBuilder(std::string subgraph_name = "main") : m_(std::make_unique<tflite::ModelT>()) {
    m_->version = 3;
    m_->buffers.push_back(std::make_unique<tflite::BufferT>());
    add_subgraph(std::move(subgraph_name));
  }

  tflite::ModelT& model() { return *m_; }
  const tflite::ModelT& model() const { return *m_; }
  tflite::SubGraphT& subgraph(int sg = 0) { return *m_->subgraphs.at(sg); }
  tflite::TensorT& tensor(int index, int sg = 0) { return *subgraph(sg).tensors.at(index); }
  tflite::OperatorT& op(int index, int sg = 0) { return *subgraph(sg).operators.at(index); }
  tflite::BufferT& buffer(uint32_t index) { return *m_->buffers.at(index); }

  int add_subgraph(std::string name) {
    auto g = std::make_unique<tflite::SubGraphT>();
    g->name = std::move(name);
    m_->subgraphs.push_back(std::move(g));
    return static_cast<int>(m_->subgraphs.size() - 1);
  }

  // --- buffers ---------------------------------------------------------------------
  uint32_t add_buffer(std::vector<uint8_t> data = {}) {
    auto b = std::make_unique<tflite::BufferT>();
    b->data = std::move(data);
    m_->buffers.push_back(std::move(b));
    return static_cast<uint32_t>(m_->buffers.size() - 1);
  }
  template <typename T> uint32_t add_buffer_of(const std::vector<T>& values) {
    return add_buffer(to_bytes(values));
  }
  template <typename T> static std::vector<uint8_t> to_bytes(const std::vector<T>& values) {
    std::vector<uint8_t> bytes(values.size() * sizeof(T));
    if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    return bytes;
  }

  // --- tensors ---------------------------------------------------------------------
  int add_tensor(std::string name, tflite::TensorType type, std::vector<int32_t> shape,
                 uint32_t buffer = 0, int sg = 0) {
    auto t = std::make_unique<tflite::TensorT>();
    t->name = std::move(name);
    t->type = type;
    t->shape = std::move(shape);
    t->buffer = buffer;
    auto& g = subgraph(sg);
    g.tensors.push_back(std::move(t));
    return static_cast<int>(g.tensors.size() - 1);
  }
  // A tensor that is also appended to the subgraph's inputs.
  int add_input(std::string name, tflite::TensorType type, std::vector<int32_t> shape,
                std::vector<int32_t> shape_signature = {}, int sg = 0) {
    const int i = add_tensor(std::move(name), type, std::move(shape), 0, sg);
    tensor(i, sg).shape_signature = std::move(shape_signature);
    subgraph(sg).inputs.push_back(i);
    return i;
  }
  // A constant: a tensor with its own buffer holding `values` (raw bytes of T).
  template <typename T>
  int add_const(std::string name, std::vector<int32_t> shape, const std::vector<T>& values,
                tflite::TensorType type = type_of<T>(), int sg = 0) {
    return add_tensor(std::move(name), type, std::move(shape), add_buffer_of(values), sg);
  }
  int add_const_bytes(std::string name, tflite::TensorType type, std::vector<int32_t> shape,
                      std::vector<uint8_t> bytes, int sg = 0) {
    return add_tensor(std::move(name), type, std::move(shape), add_buffer(std::move(bytes)), sg);
  }
  // Per-tensor (one scale) or per-axis (several) quantization.
  void set_quant(int index, std::vector<float> scales, std::vector<int64_t> zero_points,
                 int quantized_dimension = 0, int sg = 0) {
    auto q = std::make_unique<tflite::QuantizationParametersT>();
    q->scale = std::move(scales);
    q->zero_point = std::move(zero_points);
    q->quantized_dimension = quantized_dimension;
    tensor(index, sg).quantization = std::move(q);
  }

  void set_inputs(std::vector<int32_t> inputs, int sg = 0) { subgraph(sg).inputs = std::move(inputs); }
  void set_outputs(std::vector<int32_t> outputs, int sg = 0) { subgraph(sg).outputs = std::move(outputs); }

  // --- operator codes --------------------------------------------------------------
  // Index of the OperatorCode for a builtin op (added once per code and version). Codes
  // above 127 go to builtin_code with deprecated_builtin_code = 127, as TFLite writes them.
  uint32_t opcode(tflite::BuiltinOperator op, int version = 1) { return opcode(static_cast<int32_t>(op), version); }
  uint32_t opcode(int32_t code, int version = 1) {
    for (size_t i = 0; i < m_->operator_codes.size(); ++i) {
      const auto& c = *m_->operator_codes[i];
      if (static_cast<int32_t>(c.builtin_code) == code && c.custom_code.empty() && c.version == version)
        return static_cast<uint32_t>(i);
    }
    auto c = std::make_unique<tflite::OperatorCodeT>();
    c->builtin_code = static_cast<tflite::BuiltinOperator>(code);
    c->deprecated_builtin_code = static_cast<int8_t>(code < 127 ? code : 127);
    c->version = version;
    m_->operator_codes.push_back(std::move(c));
    return static_cast<uint32_t>(m_->operator_codes.size() - 1);
  }
  uint32_t custom_opcode(const std::string& custom_code, int version = 1) {
    for (size_t i = 0; i < m_->operator_codes.size(); ++i) {
      const auto& c = *m_->operator_codes[i];
      if (c.builtin_code == tflite::BuiltinOperator::CUSTOM && c.custom_code == custom_code && c.version == version)
        return static_cast<uint32_t>(i);
    }
    auto c = std::make_unique<tflite::OperatorCodeT>();
    c->builtin_code = tflite::BuiltinOperator::CUSTOM;
    c->deprecated_builtin_code = static_cast<int8_t>(tflite::BuiltinOperator::CUSTOM);
    c->custom_code = custom_code;
    c->version = version;
    m_->operator_codes.push_back(std::move(c));
    return static_cast<uint32_t>(m_->operator_codes.size() - 1);
  }

  // --- operators -------------------------------------------------------------------
  // An operator without options.
  tflite::OperatorT& add_op(tflite::BuiltinOperator code, std::vector<int32_t> inputs,
                            std::vector<int32_t> outputs, int sg = 0) {
    return add_op_with_index(opcode(code), std::move(inputs), std::move(outputs), sg);
  }
  // An operator with builtin options, e.g. tflite::AddOptionsT{} (sets the union's type).
  template <typename Options>
  tflite::OperatorT& add_op(tflite::BuiltinOperator code, std::vector<int32_t> inputs,
                            std::vector<int32_t> outputs, Options options, int sg = 0) {
    auto& o = add_op(code, std::move(inputs), std::move(outputs), sg);
    o.builtin_options.Set(std::move(options));
    return o;
  }
  // An operator with options of the second union (builtin_options_2, StableHLO ops).
  template <typename Options>
  tflite::OperatorT& add_op2(tflite::BuiltinOperator code, std::vector<int32_t> inputs,
                             std::vector<int32_t> outputs, Options options, int sg = 0) {
    auto& o = add_op(code, std::move(inputs), std::move(outputs), sg);
    o.builtin_options_2.Set(std::move(options));
    return o;
  }
  tflite::OperatorT& add_custom_op(const std::string& custom_code, std::vector<int32_t> inputs,
                                   std::vector<int32_t> outputs, std::vector<uint8_t> custom_options = {},
                                   int sg = 0) {
    auto& o = add_op_with_index(custom_opcode(custom_code), std::move(inputs), std::move(outputs), sg);
    o.custom_options = std::move(custom_options);
    return o;
  }
  tflite::OperatorT& add_op_with_index(uint32_t opcode_index, std::vector<int32_t> inputs,
                                       std::vector<int32_t> outputs, int sg = 0) {
    auto o = std::make_unique<tflite::OperatorT>();
    o->opcode_index = opcode_index;
    o->inputs = std::move(inputs);
    o->outputs = std::move(outputs);
    auto& g = subgraph(sg);
    g.operators.push_back(std::move(o));
    return *g.operators.back();
  }

  // --- output ----------------------------------------------------------------------
  std::vector<uint8_t> bytes(const io::WriteOptions& opts = {}) const { return io::write_tflite(*m_, opts); }
  // Serializes and reads back through the full reader (verification + validation).
  Model load(const std::string& name = "test.tflite") const {
    const auto b = bytes();
    return Model::from_bytes(b, name);
  }

  template <typename T> static constexpr tflite::TensorType type_of() {
    if constexpr (std::is_same_v<T, float>) return tflite::TensorType::FLOAT32;
    else if constexpr (std::is_same_v<T, double>) return tflite::TensorType::FLOAT64;
    else if constexpr (std::is_same_v<T, int32_t>) return tflite::TensorType::INT32;
    else if constexpr (std::is_same_v<T, int64_t>) return tflite::TensorType::INT64;
    else if constexpr (std::is_same_v<T, int16_t>) return tflite::TensorType::INT16;
    else if constexpr (std::is_same_v<T, uint16_t>) return tflite::TensorType::FLOAT16;  // raw half bits
    else if constexpr (std::is_same_v<T, int8_t>) return tflite::TensorType::INT8;
    else if constexpr (std::is_same_v<T, uint8_t>) return tflite::TensorType::UINT8;
    else if constexpr (std::is_same_v<T, bool>) return tflite::TensorType::BOOL;
    else static_assert(sizeof(T) == 0, "no TensorType for this C++ type");
  }

 private:
  std::unique_ptr<tflite::ModelT> m_;
};

// IEEE half-precision bits of a float (round to nearest even; for test data).
inline uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const int32_t exp = static_cast<int32_t>((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = x & 0x7fffffu;
  if (((x >> 23) & 0xff) == 0xff) return static_cast<uint16_t>(sign | 0x7c00u | (mant ? 0x200u : 0));
  if (exp >= 31) return static_cast<uint16_t>(sign | 0x7c00u);
  if (exp <= 0) {
    if (exp < -10) return static_cast<uint16_t>(sign);
    mant |= 0x800000u;
    const int shift = 14 - exp;
    uint32_t h = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1))) ++h;
    return static_cast<uint16_t>(sign | h);
  }
  uint32_t h = (static_cast<uint32_t>(exp) << 10) | (mant >> 13);
  const uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) ++h;
  return static_cast<uint16_t>(sign | h);
}

}  // namespace liteq::test
