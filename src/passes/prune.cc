#include <vector>

#include "passes/passes.h"

namespace liteq::passes {

void prune(ir::ModelData& model) {
  auto& m = *model.fb;
  // Tensors, per subgraph.
  for (auto& sg : m.subgraphs) {
    std::vector<char> used(sg->tensors.size(), 0);
    auto mark = [&](int idx) {
      if (idx >= 0 && static_cast<size_t>(idx) < used.size()) used[idx] = 1;
    };
    for (int idx : sg->inputs) mark(idx);
    for (int idx : sg->outputs) mark(idx);
    for (const auto& op : sg->operators) {
      for (int idx : op->inputs) mark(idx);
      for (int idx : op->outputs) mark(idx);
      for (int idx : op->intermediates) mark(idx);
    }
    for (size_t i = 0; i < sg->tensors.size(); ++i)
      if (sg->tensors[i]->is_variable) used[i] = 1;
    // Signature defs name tensors of their subgraph.
    const size_t sg_index = &sg - &m.subgraphs[0];
    for (const auto& sd : m.signature_defs)
      if (sd->subgraph_index == sg_index) {
        for (const auto& tm : sd->inputs) mark(static_cast<int>(tm->tensor_index));
        for (const auto& tm : sd->outputs) mark(static_cast<int>(tm->tensor_index));
      }
    std::vector<int> remap(sg->tensors.size(), -1);
    std::vector<std::unique_ptr<tflite::TensorT>> kept;
    for (size_t i = 0; i < sg->tensors.size(); ++i)
      if (used[i]) {
        remap[i] = static_cast<int>(kept.size());
        kept.push_back(std::move(sg->tensors[i]));
      }
    sg->tensors = std::move(kept);
    auto fix = [&](std::vector<int32_t>& v) {
      for (auto& idx : v)
        if (idx >= 0) idx = remap[idx];
    };
    fix(sg->inputs);
    fix(sg->outputs);
    for (auto& op : sg->operators) {
      fix(op->inputs);
      fix(op->outputs);
      fix(op->intermediates);
    }
    for (auto& sd : m.signature_defs)
      if (sd->subgraph_index == sg_index) {
        for (auto& tm : sd->inputs) tm->tensor_index = remap[tm->tensor_index];
        for (auto& tm : sd->outputs) tm->tensor_index = remap[tm->tensor_index];
      }
  }
  // Buffers: 0 stays the empty sentinel.
  std::vector<char> used(m.buffers.size(), 0);
  if (!used.empty()) used[0] = 1;
  for (const auto& sg : m.subgraphs)
    for (const auto& t : sg->tensors) used[t->buffer] = 1;
  for (const auto& md : m.metadata) used[md->buffer] = 1;
  for (int b : m.metadata_buffer) used[b] = 1;
  std::vector<uint32_t> remap(m.buffers.size(), 0);
  std::vector<std::unique_ptr<tflite::BufferT>> kept;
  for (size_t i = 0; i < m.buffers.size(); ++i)
    if (used[i]) {
      remap[i] = static_cast<uint32_t>(kept.size());
      kept.push_back(std::move(m.buffers[i]));
    }
  m.buffers = std::move(kept);
  for (auto& sg : m.subgraphs)
    for (auto& t : sg->tensors) t->buffer = remap[t->buffer];
  for (auto& md : m.metadata) md->buffer = remap[md->buffer];
  for (auto& b : m.metadata_buffer) b = static_cast<int32_t>(remap[b]);
  // Operator codes.
  std::vector<char> code_used(m.operator_codes.size(), 0);
  for (const auto& sg : m.subgraphs)
    for (const auto& op : sg->operators) code_used[op->opcode_index] = 1;
  std::vector<uint32_t> code_remap(m.operator_codes.size(), 0);
  std::vector<std::unique_ptr<tflite::OperatorCodeT>> codes;
  for (size_t i = 0; i < m.operator_codes.size(); ++i)
    if (code_used[i]) {
      code_remap[i] = static_cast<uint32_t>(codes.size());
      codes.push_back(std::move(m.operator_codes[i]));
    }
  m.operator_codes = std::move(codes);
  for (auto& sg : m.subgraphs)
    for (auto& op : sg->operators) op->opcode_index = code_remap[op->opcode_index];
}

}  // namespace liteq::passes
