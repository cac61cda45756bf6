// Field-by-field comparison of two tflite::ModelT (flatc's object API has no operator==
// without --gen-compare). Returns "" if equal, else the path of the first difference,
// e.g. "subgraphs[0].tensors[3].shape". Union values are compared by packing them.
#pragma once
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <memory>
#include <string>
#include <vector>

#include "ir/model.h"

namespace liteq::test {
namespace compare_detail {

struct Cmp {
  std::string diff;

  bool fail(const std::string& path, const std::string& what = "") {
    if (diff.empty()) diff = what.empty() ? path : path + ": " + what;
    return false;
  }
  template <typename T> bool eq(const std::string& path, const T& a, const T& b) {
    if (a == b) return true;
    if constexpr (std::is_arithmetic_v<T>) return fail(path, fmt::format("{} != {}", a, b));
    else if constexpr (std::is_enum_v<T>)
      return fail(path, fmt::format("{} != {}", static_cast<int64_t>(a), static_cast<int64_t>(b)));
    else return fail(path, "differ");
  }
  template <typename T, typename F>
  bool list(const std::string& path, const std::vector<std::unique_ptr<T>>& a,
            const std::vector<std::unique_ptr<T>>& b, F each) {
    if (a.size() != b.size()) return fail(path, fmt::format("{} entries != {}", a.size(), b.size()));
    for (size_t i = 0; i < a.size(); ++i) {
      const std::string p = fmt::format("{}[{}]", path, i);
      if (!a[i] || !b[i]) {
        if (a[i] || b[i]) return fail(p, "null in one model only");
        continue;
      }
      if (!each(p, *a[i], *b[i])) return false;
    }
    return true;
  }
  template <typename T, typename F>
  bool opt(const std::string& path, const std::unique_ptr<T>& a, const std::unique_ptr<T>& b, F each) {
    if (!a || !b) return (!a && !b) || fail(path, "present in one model only");
    return each(path, *a, *b);
  }
  template <typename U> static std::vector<uint8_t> packed(const U& u) {
    flatbuffers::FlatBufferBuilder fbb;
    auto off = u.Pack(fbb);
    if (off.IsNull()) return {};
    fbb.Finish(off);
    return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
  }
  template <typename U> bool uni(const std::string& path, const U& a, const U& b) {
    return eq(path + ".type", a.type, b.type) && eq(path + ".value", packed(a), packed(b));
  }

  bool quant(const std::string& p, const tflite::QuantizationParametersT& a, const tflite::QuantizationParametersT& b) {
    return eq(p + ".min", a.min, b.min) && eq(p + ".max", a.max, b.max) && eq(p + ".scale", a.scale, b.scale) &&
           eq(p + ".zero_point", a.zero_point, b.zero_point) && uni(p + ".details", a.details, b.details) &&
           eq(p + ".quantized_dimension", a.quantized_dimension, b.quantized_dimension);
  }
  bool sparsity(const std::string& p, const tflite::SparsityParametersT& a, const tflite::SparsityParametersT& b) {
    return eq(p + ".traversal_order", a.traversal_order, b.traversal_order) &&
           eq(p + ".block_map", a.block_map, b.block_map) &&
           list(p + ".dim_metadata", a.dim_metadata, b.dim_metadata,
                [&](const std::string& q, const tflite::DimensionMetadataT& x, const tflite::DimensionMetadataT& y) {
                  return eq(q + ".format", x.format, y.format) && eq(q + ".dense_size", x.dense_size, y.dense_size) &&
                         uni(q + ".array_segments", x.array_segments, y.array_segments) &&
                         uni(q + ".array_indices", x.array_indices, y.array_indices);
                });
  }
  bool tensor(const std::string& p, const tflite::TensorT& a, const tflite::TensorT& b) {
    return eq(p + ".name", a.name, b.name) && eq(p + ".shape", a.shape, b.shape) && eq(p + ".type", a.type, b.type) &&
           eq(p + ".buffer", a.buffer, b.buffer) &&
           opt(p + ".quantization", a.quantization, b.quantization,
               [&](const std::string& q, const auto& x, const auto& y) { return quant(q, x, y); }) &&
           eq(p + ".is_variable", a.is_variable, b.is_variable) &&
           opt(p + ".sparsity", a.sparsity, b.sparsity,
               [&](const std::string& q, const auto& x, const auto& y) { return sparsity(q, x, y); }) &&
           eq(p + ".shape_signature", a.shape_signature, b.shape_signature) &&
           eq(p + ".has_rank", a.has_rank, b.has_rank) &&
           list(p + ".variant_tensors", a.variant_tensors, b.variant_tensors,
                [&](const std::string& q, const tflite::VariantSubTypeT& x, const tflite::VariantSubTypeT& y) {
                  return eq(q + ".shape", x.shape, y.shape) && eq(q + ".type", x.type, y.type) &&
                         eq(q + ".has_rank", x.has_rank, y.has_rank);
                });
  }
  bool op(const std::string& p, const tflite::OperatorT& a, const tflite::OperatorT& b) {
    return eq(p + ".opcode_index", a.opcode_index, b.opcode_index) && eq(p + ".inputs", a.inputs, b.inputs) &&
           eq(p + ".outputs", a.outputs, b.outputs) && uni(p + ".builtin_options", a.builtin_options, b.builtin_options) &&
           eq(p + ".custom_options", a.custom_options, b.custom_options) &&
           eq(p + ".custom_options_format", a.custom_options_format, b.custom_options_format) &&
           eq(p + ".mutating_variable_inputs", a.mutating_variable_inputs, b.mutating_variable_inputs) &&
           eq(p + ".intermediates", a.intermediates, b.intermediates) &&
           eq(p + ".large_custom_options_offset", a.large_custom_options_offset, b.large_custom_options_offset) &&
           eq(p + ".large_custom_options_size", a.large_custom_options_size, b.large_custom_options_size) &&
           uni(p + ".builtin_options_2", a.builtin_options_2, b.builtin_options_2);
  }
  bool model(const tflite::ModelT& a, const tflite::ModelT& b) {
    auto tmap = [&](const std::string& q, const tflite::TensorMapT& x, const tflite::TensorMapT& y) {
      return eq(q + ".name", x.name, y.name) && eq(q + ".tensor_index", x.tensor_index, y.tensor_index);
    };
    return eq("version", a.version, b.version) && eq("description", a.description, b.description) &&
           list("operator_codes", a.operator_codes, b.operator_codes,
                [&](const std::string& q, const tflite::OperatorCodeT& x, const tflite::OperatorCodeT& y) {
                  return eq(q + ".deprecated_builtin_code", x.deprecated_builtin_code, y.deprecated_builtin_code) &&
                         eq(q + ".custom_code", x.custom_code, y.custom_code) && eq(q + ".version", x.version, y.version) &&
                         eq(q + ".builtin_code", x.builtin_code, y.builtin_code);
                }) &&
           list("buffers", a.buffers, b.buffers,
                [&](const std::string& q, const tflite::BufferT& x, const tflite::BufferT& y) {
                  return eq(q + ".data", x.data, y.data) && eq(q + ".offset", x.offset, y.offset) &&
                         eq(q + ".size", x.size, y.size);
                }) &&
           eq("metadata_buffer", a.metadata_buffer, b.metadata_buffer) &&
           list("metadata", a.metadata, b.metadata,
                [&](const std::string& q, const tflite::MetadataT& x, const tflite::MetadataT& y) {
                  return eq(q + ".name", x.name, y.name) && eq(q + ".buffer", x.buffer, y.buffer);
                }) &&
           list("signature_defs", a.signature_defs, b.signature_defs,
                [&](const std::string& q, const tflite::SignatureDefT& x, const tflite::SignatureDefT& y) {
                  return eq(q + ".signature_key", x.signature_key, y.signature_key) &&
                         eq(q + ".subgraph_index", x.subgraph_index, y.subgraph_index) &&
                         list(q + ".inputs", x.inputs, y.inputs, tmap) && list(q + ".outputs", x.outputs, y.outputs, tmap);
                }) &&
           list("subgraphs", a.subgraphs, b.subgraphs,
                [&](const std::string& q, const tflite::SubGraphT& x, const tflite::SubGraphT& y) {
                  return eq(q + ".name", x.name, y.name) && eq(q + ".inputs", x.inputs, y.inputs) &&
                         eq(q + ".outputs", x.outputs, y.outputs) &&
                         list(q + ".tensors", x.tensors, y.tensors,
                              [&](const std::string& r, const auto& s, const auto& t) { return tensor(r, s, t); }) &&
                         list(q + ".operators", x.operators, y.operators,
                              [&](const std::string& r, const auto& s, const auto& t) { return op(r, s, t); });
                });
  }
};

}  // namespace compare_detail

inline std::string model_diff(const tflite::ModelT& a, const tflite::ModelT& b) {
  compare_detail::Cmp c;
  c.model(a, b);
  return c.diff;
}

}  // namespace liteq::test
