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
  if (t.maybe_input(2)) {
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

// A QuantizeLinear read only by DequantizeLinears with the same parameters is a QDQ pair
// (quantization-aware training, ONNX Runtime's quantizer): the pair disappears and the
// float tensor records the range it implies (TFLite's quantization min/max on a float
// tensor, as its converter records fake-quant ranges). liteq's quantizer then uses those
// ranges instead of calibration, so the integer model gets the QDQ model's own scales.
bool qdq_pair(Translator& t, Value& x, const QParams& q) {
  const auto& n = t.node();
  if (x.tensor < 0 || q.scale.size() != 1 || t.readers(n.output(0)) == 0) return false;
  std::vector<const onnx::NodeProto*> dqs;
  for (const auto* r : t.readers_of(n.output(0))) {
    if (!r || r->op_type() != "DequantizeLinear" || r->input(0) != n.output(0)) return false;
    for (int i = 1; i < 3; ++i) {
      const std::string a = i < n.input_size() ? n.input(i) : "", b = i < r->input_size() ? r->input(i) : "";
      if (a == b) continue;
      Value* va = a.empty() ? nullptr : t.find_value(a);
      Value* vb = b.empty() ? nullptr : t.find_value(b);
      if (!va || !vb || !va->c || !vb->c || va->c->v != vb->c->v) return false;
    }
    dqs.push_back(r);
  }
  double qmin = 0, qmax = 255;
  if (q.type == onnx::TensorProto::INT8) qmin = -128, qmax = 127;
  else if (q.type == onnx::TensorProto::INT16) qmin = -32768, qmax = 32767;
  else if (q.type != onnx::TensorProto::UINT8) return false;
  auto& tt = t.tensor(x.tensor);
  if (tt.type != tflite::TensorType::FLOAT32) return false;
  const float lo = static_cast<float>((qmin - static_cast<double>(q.zero_point[0])) * q.scale[0]);
  const float hi = static_cast<float>((qmax - static_cast<double>(q.zero_point[0])) * q.scale[0]);
  if (!tt.quantization) tt.quantization = std::make_unique<tflite::QuantizationParametersT>();
  if (tt.quantization->min.empty()) {
    tt.quantization->min = {lo};
    tt.quantization->max = {hi};
  }
  t.alias(0, x);
  for (const auto* r : dqs) {
    t.alias_as(r->output(0), x);
    t.skip_node(r);
  }
  return true;
}

void quantize_linear(Translator& t) {
  Value& x = t.input(0);
  t.check(!x.c, "internal: constant QuantizeLinear not folded");
  const QParams q = params(t, x.rank());
  if (qdq_pair(t, x, q)) return;
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
