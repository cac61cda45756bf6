#include <cmath>
#include <limits>
#include <vector>

#include "io/tflite/tflite_io.h"
#include "liteq/error.h"

namespace liteq::io {
namespace {

constexpr int kMaxRank = 16;
constexpr int64_t kMaxElements = int64_t{1} << 40;

struct Checker {
  const tflite::ModelT& m;
  const std::string& name;

  template <typename... Args>
  [[noreturn]] void bad(fmt::format_string<Args...> f, Args&&... args) const {
    throw Error(ErrorKind::kInvalidModel, name + ": " + fmt::format(f, std::forward<Args>(args)...));
  }

  void tensor(size_t s, size_t i, const tflite::TensorT& t) const {
    const std::string what = fmt::format("subgraph {} tensor {} '{}'", s, i, t.name);
    if (!dtype_is_valid(static_cast<int>(t.type)))
      bad("{}: unknown tensor type {}", what, static_cast<int>(t.type));
    if (t.shape.size() > kMaxRank) bad("{}: rank {} exceeds {}", what, t.shape.size(), kMaxRank);
    for (int32_t d : t.shape)
      if (d < 0) bad("{}: negative dimension in shape {}", what, ir::shape_str(t.shape));
    const int64_t n = ir::num_elements(t.shape);
    if (n < 0 || n > kMaxElements)
      bad("{}: shape {} has too many elements", what, ir::shape_str(t.shape));
    if (!t.shape_signature.empty()) {
      if (t.shape_signature.size() != t.shape.size())
        bad("{}: shape_signature {} and shape {} differ in rank", what,
            ir::shape_str(t.shape_signature), ir::shape_str(t.shape));
      for (size_t k = 0; k < t.shape.size(); ++k)
        if (t.shape_signature[k] != -1 && t.shape_signature[k] != t.shape[k])
          bad("{}: shape_signature {} disagrees with shape {}", what,
              ir::shape_str(t.shape_signature), ir::shape_str(t.shape));
    }
    if (t.buffer >= m.buffers.size())
      bad("{}: buffer index {} out of range (model has {} buffers)", what, t.buffer, m.buffers.size());
    const auto data = ir::tensor_data(m, t);
    const size_t esize = dtype_size(ir::dtype(t));
    if (!data.empty() && !t.sparsity && esize != 0 &&
        static_cast<uint64_t>(data.size()) != static_cast<uint64_t>(n) * esize)
      bad("{}: constant data is {} bytes, but shape {} of {} needs {}", what, data.size(),
          ir::shape_str(t.shape), dtype_name(ir::dtype(t)), n * esize);
    if (const auto& q = t.quantization) {
      for (float sc : q->scale)
        if (!std::isfinite(sc)) bad("{}: quantization scale {} is not a finite number", what, sc);
      for (int64_t zp : q->zero_point)
        if (zp < std::numeric_limits<int32_t>::min() || zp > std::numeric_limits<int32_t>::max())
          bad("{}: quantization zero point {} is out of range", what, zp);
      if (!q->zero_point.empty() && q->zero_point.size() != q->scale.size())
        bad("{}: quantization has {} scales but {} zero points", what, q->scale.size(),
            q->zero_point.size());
      if (q->scale.size() > 1) {
        if (q->quantized_dimension < 0 || q->quantized_dimension >= static_cast<int>(t.shape.size()))
          bad("{}: quantized_dimension {} out of range for rank {}", what, q->quantized_dimension,
              t.shape.size());
        if (static_cast<int64_t>(q->scale.size()) != t.shape[q->quantized_dimension])
          bad("{}: {} per-axis scales, but dimension {} has size {}", what, q->scale.size(),
              q->quantized_dimension, t.shape[q->quantized_dimension]);
      }
    }
    if (t.sparsity) sparsity(what, t, *t.sparsity);
  }

  // The structure of TFLite's sparse format (the contents of the index arrays are
  // checked by the DENSIFY kernel, which walks them).
  void sparsity(const std::string& what, const tflite::TensorT& t, const tflite::SparsityParametersT& sp) const {
    const size_t rank = t.shape.size();
    const size_t levels = rank + sp.block_map.size();
    // An empty traversal_order means the identity (for a tensor without blocks).
    const bool identity = sp.traversal_order.empty() && sp.block_map.empty();
    if (!identity && sp.traversal_order.size() != levels)
      bad("{}: sparsity traversal_order has {} entries, expected {} (rank {} + {} block dims)", what,
          sp.traversal_order.size(), levels, rank, sp.block_map.size());
    if (sp.dim_metadata.size() != levels)
      bad("{}: sparsity has {} dim_metadata entries, expected {}", what, sp.dim_metadata.size(), levels);
    std::vector<char> seen(levels, 0);
    for (int32_t d : sp.traversal_order) {
      if (d < 0 || static_cast<size_t>(d) >= levels || seen[d])
        bad("{}: sparsity traversal_order is not a permutation of 0..{}", what, levels - 1);
      seen[d] = 1;
    }
    for (int32_t d : sp.block_map)
      if (d < 0 || static_cast<size_t>(d) >= rank)
        bad("{}: sparsity block_map refers to dimension {} of a rank-{} tensor", what, d, rank);
    for (size_t k = 0; k < sp.dim_metadata.size(); ++k) {
      const auto& dm = sp.dim_metadata[k];
      if (!dm) bad("{}: sparsity dim_metadata {} is null", what, k);
      if (dm->format == tflite::DimensionType::DENSE) {
        if (dm->dense_size < 0) bad("{}: sparsity dim_metadata {} has dense_size {}", what, k, dm->dense_size);
      } else if (dm->format == tflite::DimensionType::SPARSE_CSR) {
        if (dm->array_segments.type == tflite::SparseIndexVector::NONE ||
            dm->array_indices.type == tflite::SparseIndexVector::NONE ||
            !dm->array_segments.value || !dm->array_indices.value)
          bad("{}: sparsity dim_metadata {} is SPARSE_CSR without array_segments/array_indices", what, k);
      } else {
        bad("{}: sparsity dim_metadata {} has unknown format {}", what, k, static_cast<int>(dm->format));
      }
    }
  }

  void subgraph(size_t s, const tflite::SubGraphT& g) const {
    const int nt = static_cast<int>(g.tensors.size());
    for (size_t i = 0; i < g.tensors.size(); ++i) {
      if (!g.tensors[i]) bad("subgraph {}: tensor {} is null", s, i);
      tensor(s, i, *g.tensors[i]);
    }
    auto check_index = [&](int idx, const std::string& what, bool optional) {
      if (idx == -1 && optional) return;
      if (idx < 0 || idx >= nt)
        bad("subgraph {}: {} refers to tensor {}, but the subgraph has {} tensors", s, what, idx, nt);
    };
    // Which tensors hold a value before the first operator runs.
    std::vector<char> ready(nt, 0);
    for (int i = 0; i < nt; ++i) {
      const auto& t = *g.tensors[i];
      if (!ir::tensor_data(m, t).empty() || t.is_variable) ready[i] = 1;
    }
    std::vector<char> is_input(nt, 0);
    for (int idx : g.inputs) {
      check_index(idx, "an input", false);
      ready[idx] = 1;
      is_input[idx] = 1;
    }
    for (int idx : g.outputs) check_index(idx, "an output", false);
    std::vector<char> produced(nt, 0);
    for (size_t o = 0; o < g.operators.size(); ++o) {
      if (!g.operators[o]) bad("subgraph {}: operator {} is null", s, o);
      const auto& op = *g.operators[o];
      if (op.opcode_index >= m.operator_codes.size())
        bad("subgraph {} operator {}: opcode_index {} out of range ({} operator codes)", s, o,
            op.opcode_index, m.operator_codes.size());
      const std::string what = fmt::format("subgraph {} operator {} ({})", s, o, ir::op_type_name(m, op));
      for (size_t k = 0; k < op.inputs.size(); ++k) {
        const int idx = op.inputs[k];
        check_index(idx, fmt::format("{} input {}", what, k), true);
        if (idx >= 0 && !ready[idx])
          bad("{}: input {} reads tensor {} '{}' before any operator produces it (operators out "
              "of order, or a cycle)",
              what, k, idx, g.tensors[idx]->name);
      }
      for (size_t k = 0; k < op.intermediates.size(); ++k)
        check_index(op.intermediates[k], fmt::format("{} intermediate {}", what, k), false);
      for (size_t k = 0; k < op.outputs.size(); ++k) {
        const int idx = op.outputs[k];
        check_index(idx, fmt::format("{} output {}", what, k), true);
        if (idx < 0) continue;
        if (produced[idx])
          bad("{}: output {} writes tensor {} '{}', which another operator also produces", what, k,
              idx, g.tensors[idx]->name);
        if (!ir::tensor_data(m, *g.tensors[idx]).empty())
          bad("{}: output {} writes tensor {} '{}', which is a constant", what, k, idx,
              g.tensors[idx]->name);
        if (is_input[idx])
          bad("{}: output {} writes tensor {} '{}', which is an input of the subgraph", what, k, idx,
              g.tensors[idx]->name);
        produced[idx] = 1;
        ready[idx] = 1;
      }
      if (!op.mutating_variable_inputs.empty() && op.mutating_variable_inputs.size() != op.inputs.size())
        bad("{}: mutating_variable_inputs has {} entries for {} inputs", what,
            op.mutating_variable_inputs.size(), op.inputs.size());
    }
    for (int idx : g.outputs)
      if (!ready[idx])
        bad("subgraph {}: output tensor {} '{}' is never produced", s, idx, g.tensors[idx]->name);
  }
};

}  // namespace

void validate_model(const tflite::ModelT& m, const std::string& name) {
  Checker c{m, name};
  if (m.version != 3) c.bad("schema version {} is not supported (expected 3)", m.version);
  if (m.subgraphs.empty()) c.bad("the model has no subgraphs");
  for (size_t i = 0; i < m.operator_codes.size(); ++i) {
    if (!m.operator_codes[i]) c.bad("operator code {} is null", i);
    const auto& oc = *m.operator_codes[i];
    const int32_t code = ir::builtin_code(oc);
    // Codes above the last one this schema knows are ops of a newer TFLite: the model
    // loads and round-trips, and the interpreter reports them as unsupported.
    if (code < 0) c.bad("operator code {}: invalid builtin code {}", i, code);
    if (code == static_cast<int32_t>(tflite::BuiltinOperator::CUSTOM) && oc.custom_code.empty())
      c.bad("operator code {}: CUSTOM without a custom_code name", i);
  }
  for (size_t i = 0; i < m.buffers.size(); ++i)
    if (!m.buffers[i]) c.bad("buffer {} is null", i);
  for (size_t s = 0; s < m.subgraphs.size(); ++s) {
    if (!m.subgraphs[s]) c.bad("subgraph {} is null", s);
    c.subgraph(s, *m.subgraphs[s]);
  }
  for (size_t i = 0; i < m.metadata_buffer.size(); ++i)
    if (m.metadata_buffer[i] < 0 || static_cast<size_t>(m.metadata_buffer[i]) >= m.buffers.size())
      c.bad("metadata_buffer {} refers to buffer {} (model has {})", i, m.metadata_buffer[i],
            m.buffers.size());
  for (size_t i = 0; i < m.metadata.size(); ++i)
    if (!m.metadata[i] || m.metadata[i]->buffer >= m.buffers.size())
      c.bad("metadata {} refers to a buffer out of range", i);
  for (size_t i = 0; i < m.signature_defs.size(); ++i) {
    const auto& sd = m.signature_defs[i];
    if (!sd || sd->subgraph_index >= m.subgraphs.size())
      c.bad("signature_def {} refers to a subgraph out of range", i);
    const size_t nt = m.subgraphs[sd->subgraph_index]->tensors.size();
    for (const auto* list : {&sd->inputs, &sd->outputs})
      for (const auto& tm : *list)
        if (!tm || tm->tensor_index >= nt)
          c.bad("signature_def {} ('{}') maps a name to a tensor out of range", i, sd->signature_key);
  }
}

}  // namespace liteq::io
