#include "ir/op_codes.h"
#include "kernels/kernel_util.h"
#include "quantize/graph_editor.h"
#include "quantize/modes.h"

namespace liteq::quant {

void quantize_float16(ir::ModelData& model) {
  GraphEditor ed(*model.fb);
  auto& g = ed.graph();
  std::vector<std::unique_ptr<tflite::OperatorT>> dequant;
  std::vector<char> done(g.tensors.size(), 0);
  for (const auto& op : g.operators)
    for (int idx : op->inputs) {
      if (idx < 0 || done[idx] || !ed.is_constant(idx)) continue;
      auto& t = ed.tensor(idx);
      if (t.type != tflite::TensorType::FLOAT32) continue;
      done[idx] = 1;
      const auto src = ed.data(idx);
      const size_t n = src.size() / 4;
      std::vector<uint16_t> half(n);
      for (size_t i = 0; i < n; ++i) {
        float f;
        std::memcpy(&f, src.data() + 4 * i, 4);
        half[i] = rt::float_to_half(f);
      }
      const std::string name = t.name;
      const auto shape = t.shape;
      const int h = ed.add_tensor(name + "_fp16", DType::kFloat16, shape, nullptr, ed.add_buffer(half));
      ed.tensor(idx).buffer = 0;  // now computed by the DEQUANTIZE below
      dequant.push_back(ed.make_op(static_cast<int32_t>(Op::DEQUANTIZE), 3, {h}, {idx}));
    }
  // The DEQUANTIZE ops go first: their inputs are constants, their outputs are read later.
  for (auto& op : g.operators) dequant.push_back(std::move(op));
  g.operators = std::move(dequant);
}

}  // namespace liteq::quant
