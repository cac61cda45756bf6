#include <algorithm>

#include "ir/op_codes.h"
#include "quantize/graph_editor.h"
#include "quantize/modes.h"

namespace liteq::quant {

int quantize_dynamic(ir::ModelData& model, const DynamicOptions& o) {
  GraphEditor ed(*model.fb);
  auto& m = ed.model();
  auto& g = ed.graph();
  int changed = 0;
  for (size_t i = 0; i < g.operators.size(); ++i) {
    auto& op = *g.operators[i];
    const int32_t code = ir::builtin_code(m, op);
    int axis;  // per-axis dimension of the weights, -1 = per tensor
    switch (static_cast<Op>(code)) {
      case Op::CONV_2D: axis = 0; break;
      case Op::DEPTHWISE_CONV_2D: axis = 3; break;
      case Op::FULLY_CONNECTED:
      case Op::BATCH_MATMUL: axis = -1; break;
      default: continue;
    }
    if (!o.per_channel) axis = -1;
    const std::string type = ir::op_type_name(m, op);
    if (std::find(o.denylisted_ops.begin(), o.denylisted_ops.end(), type) != o.denylisted_ops.end()) continue;
    bool deny_node = false;
    for (int out : op.outputs)
      if (out >= 0 && std::find(o.denylisted_nodes.begin(), o.denylisted_nodes.end(), ed.tensor(out).name) != o.denylisted_nodes.end())
        deny_node = true;
    if (deny_node || op.inputs.size() < 2) continue;
    const int w = op.inputs[1];
    if (!ed.is_constant(w) || ed.tensor(w).type != tflite::TensorType::FLOAT32) continue;
    if (ir::num_elements(ed.tensor(w).shape) < o.min_elements) continue;
    if (static_cast<Op>(code) == Op::BATCH_MATMUL) {
      auto* opts = op.builtin_options.AsBatchMatMulOptions();
      if (opts && opts->adj_y) continue;  // the hybrid kernel takes [.., K, N] weights only
    }
    const auto shape = ed.tensor(w).shape;
    const auto qw = quantize_weights(ed.float_data(w), shape, axis, o.weight_mse);
    const int qidx = ed.add_tensor(ed.tensor(w).name, DType::kInt8, shape, &qw.quant, ed.add_buffer(qw.values));
    g.operators[i]->inputs[1] = qidx;
    // TFLite's hybrid kernels quantize inputs asymmetrically per batch row when asked.
    if (auto* fc = op.builtin_options.AsFullyConnectedOptions()) fc->asymmetric_quantize_inputs = true;
    if (auto* bmm = op.builtin_options.AsBatchMatMulOptions()) bmm->asymmetric_quantize_inputs = true;
    const int version = static_cast<Op>(code) == Op::CONV_2D ? 2 : static_cast<Op>(code) == Op::FULLY_CONNECTED ? 3 : 1;
    auto& oc = *m.operator_codes[op.opcode_index];
    oc.version = std::max(oc.version, version);
    ++changed;
  }
  return changed;
}

}  // namespace liteq::quant
