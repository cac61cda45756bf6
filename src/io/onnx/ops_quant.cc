// QuantizeLinear / DequantizeLinear on activations: TFLite QUANTIZE and DEQUANTIZE with
// the node's scale and zero point on the integer tensor (per tensor, or per axis). On
// constants both are folded (const_eval.cc), so QDQ weights arrive as float.
#include <algorithm>
#include <cmath>

#include "io/onnx/translator.h"

namespace liteq::onnx_io {

namespace {

struct QParams {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int axis = 0;  // logical
  int type = onnx::TensorProto::UINT8;
};

QParams params(Translator& t, int rank) {
  QParams q;
  const Const& s = t.const_input(1, "the scale");
  for (double v : s.v) {
    t.check(v > 0 && std::isfinite(v), "scales must be positive and finite");
    q.scale.push_back(static_cast<float>(v));
  }
  if (Value* z = t.maybe_input(2)) {
    const Const& zc = t.const_input(2, "the zero point");
    t.check(zc.size() == s.size(), "the zero point and the scale differ in size");
    q.type = zc.type;
    for (double v : zc.v) q.zero_point.push_back(static_cast<int64_t>(v));
  } else {
    q.zero_point.assign(q.scale.size(), 0);
  }
  int64_t axis = t.attr_int("axis", 1);
  if (axis < 0) axis += rank;
  q.axis = static_cast<int>(axis);
  if (q.scale.size() > 1) t.check(axis >= 0 && axis < rank, "axis out of range");
  t.check(q.type == onnx::TensorProto::UINT8 || q.type == onnx::TensorProto::INT8 || q.type == onnx::TensorProto::INT16 ||
              q.type == onnx::TensorProto::INT32,
          "only int8, uint8, int16 and int32 quantization is supported");
  return q;
}

void set_quant(Translator& t, int tensor, const QParams& q, const std::vector<int>& perm) {
  auto qp = std::make_unique<tflite::QuantizationParametersT>();
  qp->scale = q.scale;
  qp->zero_point = q.zero_point;
  qp->quantized_dimension = q.scale.size() > 1 ? static_cast<int32_t>(std::find(perm.begin(), perm.end(), q.axis) - perm.begin()) : 0;
  t.tensor(tensor).quantization = std::move(qp);
}

bool same_quant(const tflite::TensorT& tt, const QParams& q) {
  if (!tt.quantization || tt.quantization->scale.empty()) return false;
  return tt.quantization->scale == q.scale && tt.quantization->zero_point == q.zero_point;
}

void quantize_linear(Translator& t) {
  Value& x = t.input(0);
  t.check(!x.c, "internal: constant QuantizeLinear not folded");
  const QParams q = params(t, x.rank());
  t.check(q.scale.size() == 1, "per-axis quantization of activations is not supported");
  const int in = t.as_layout(x, x.perm);
  const int out = t.define(0, x.perm, dtype_of(q.type, t.node().output(0)));
  set_quant(t, out, q, x.perm);
  t.emit(Op::QUANTIZE, {in}, {out});
}

void dequantize_linear(Translator& t) {
  Value& x = t.input(0);
  t.check(!x.c, "internal: constant DequantizeLinear not folded");
  const QParams q = params(t, x.rank());
  const int in = t.as_layout(x, x.perm);
  auto& tt = t.tensor(in);
  if (!tt.quantization || tt.quantization->scale.empty()) {
    set_quant(t, in, q, x.perm);  // a model input, or an integer tensor from a Cast
  } else if (!same_quant(tt, q)) {
    t.fail_node("the integer input carries another scale or zero point than this DequantizeLinear's; liteq needs one "
                "quantization per tensor");
  }
  const int out = t.define(0, x.perm, DType::kFloat32);
  t.emit(Op::DEQUANTIZE, {in}, {out});
}

}  // namespace

void register_quant_ops(std::map<std::string, OpHandler>& m) {
  m["QuantizeLinear"] = [](Translator& t, const onnx::NodeProto&) { quantize_linear(t); };
  m["DequantizeLinear"] = [](Translator& t, const onnx::NodeProto&) { dequantize_linear(t); };
}

}  // namespace liteq::onnx_io
