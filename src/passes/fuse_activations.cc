#include <vector>

#include "ir/op_codes.h"
#include "passes/passes.h"

namespace liteq::passes {
namespace {

using tflite::ActivationFunctionType;

// The fused-activation field of op's options, where its operator type has one.
ActivationFunctionType* activation_slot(const tflite::ModelT& m, tflite::OperatorT& op) {
  auto& o = op.builtin_options;
  switch (static_cast<Op>(ir::builtin_code(m, op))) {
    case Op::CONV_2D:
      if (auto* p = o.AsConv2DOptions()) return &p->fused_activation_function;
      break;
    case Op::DEPTHWISE_CONV_2D:
      if (auto* p = o.AsDepthwiseConv2DOptions()) return &p->fused_activation_function;
      break;
    case Op::FULLY_CONNECTED:
      if (auto* p = o.AsFullyConnectedOptions()) return &p->fused_activation_function;
      break;
    case Op::ADD:
      if (auto* p = o.AsAddOptions()) return &p->fused_activation_function;
      break;
    case Op::SUB:
      if (auto* p = o.AsSubOptions()) return &p->fused_activation_function;
      break;
    case Op::MUL:
      if (auto* p = o.AsMulOptions()) return &p->fused_activation_function;
      break;
    default: break;
  }
  return nullptr;
}

}  // namespace

int fuse_activations(ir::ModelData& model) {
  auto& m = *model.fb;
  if (m.subgraphs.empty()) return 0;
  auto& sg = *m.subgraphs[0];
  const size_t n_tensors = sg.tensors.size();
  std::vector<int> readers(n_tensors, 0), producer(n_tensors, -1);
  auto in_range = [&](int t) { return t >= 0 && static_cast<size_t>(t) < n_tensors; };
  for (size_t i = 0; i < sg.operators.size(); ++i) {
    for (int t : sg.operators[i]->inputs)
      if (in_range(t)) ++readers[t];
    for (int t : sg.operators[i]->intermediates)
      if (in_range(t)) ++readers[t];
    for (int t : sg.operators[i]->outputs)
      if (in_range(t)) producer[t] = static_cast<int>(i);
  }
  // Tensors the outside world sees keep their values: graph inputs and outputs, and the
  // tensors signatures name.
  auto keep = [&](int t) {
    if (in_range(t)) readers[t] += 1000;
  };
  for (int t : sg.inputs) keep(t);
  for (int t : sg.outputs) keep(t);
  for (const auto& sd : m.signature_defs)
    if (sd->subgraph_index == 0) {
      for (const auto& tm : sd->inputs) keep(static_cast<int>(tm->tensor_index));
      for (const auto& tm : sd->outputs) keep(static_cast<int>(tm->tensor_index));
    }

  std::vector<bool> drop(sg.operators.size(), false);
  int fused = 0;
  for (size_t i = 0; i < sg.operators.size(); ++i) {
    auto& relu = *sg.operators[i];
    ActivationFunctionType act;
    switch (static_cast<Op>(ir::builtin_code(m, relu))) {
      case Op::RELU: act = ActivationFunctionType::RELU; break;
      case Op::RELU6: act = ActivationFunctionType::RELU6; break;
      case Op::RELU_N1_TO_1: act = ActivationFunctionType::RELU_N1_TO_1; break;
      default: continue;
    }
    if (relu.inputs.size() != 1 || relu.outputs.size() != 1) continue;
    const int t = relu.inputs[0], out = relu.outputs[0];
    if (!in_range(t) || !in_range(out) || readers[t] != 1 || producer[t] < 0 || drop[producer[t]]) continue;
    const auto& tensor = *sg.tensors[t];
    if (ir::dtype(tensor) != DType::kFloat32 || ir::dtype(*sg.tensors[out]) != DType::kFloat32 ||
        !ir::tensor_data(m, tensor).empty())
      continue;
    auto& p = *sg.operators[producer[t]];
    if (p.outputs.size() != 1) continue;
    ActivationFunctionType* slot = activation_slot(m, p);
    if (!slot || *slot != ActivationFunctionType::NONE) continue;
    *slot = act;
    p.outputs[0] = out;
    producer[out] = producer[t];
    producer[t] = -1;
    drop[i] = true;
    ++fused;
  }
  if (fused == 0) return 0;
  std::vector<std::unique_ptr<tflite::OperatorT>> kept;
  for (size_t i = 0; i < sg.operators.size(); ++i)
    if (!drop[i]) kept.push_back(std::move(sg.operators[i]));
  sg.operators = std::move(kept);
  prune(model);
  return fused;
}

}  // namespace liteq::passes
