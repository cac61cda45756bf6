#include <set>

#include "liteq/interpreter.h"
#include "passes/passes.h"
#include "runtime/interpreter_access.h"

namespace liteq::passes {

int fold_constants(ir::ModelData& model) {
  auto& m = *model.fb;
  // The interpreter folds constant operators while it allocates; take its results.
  const Model view(std::shared_ptr<ir::ModelData>(&model, [](ir::ModelData*) {}));
  InterpreterOptions opts;
  opts.fuse_activations = false;  // the operator list must stay the model's
  Interpreter it(view, opts);
  it.allocate_tensors();
  const rt::Graph& g = InterpreterAccess::graph(it);
  auto& sg = *m.subgraphs[0];
  std::set<int> removed;
  for (const auto& n : g.nodes) {
    if (!n.folded) continue;
    removed.insert(n.index);
    for (int idx : n.outputs) {
      if (idx < 0) continue;
      const rt::Tensor& t = g.tensors[idx];
      auto buffer = std::make_unique<tflite::BufferT>();
      buffer->data.assign(t.data, t.data + t.bytes);
      m.buffers.push_back(std::move(buffer));
      auto& dst = *sg.tensors[idx];
      dst.buffer = static_cast<uint32_t>(m.buffers.size() - 1);
      dst.shape = t.dims;
      dst.sparsity.reset();
    }
  }
  std::vector<std::unique_ptr<tflite::OperatorT>> kept;
  for (size_t i = 0; i < sg.operators.size(); ++i)
    if (!removed.count(static_cast<int>(i))) kept.push_back(std::move(sg.operators[i]));
  sg.operators = std::move(kept);
  prune(model);
  return static_cast<int>(removed.size());
}

}  // namespace liteq::passes
