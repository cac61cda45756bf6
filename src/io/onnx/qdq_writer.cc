// QDQ ONNX out: liteq's int8 model written back as the original ONNX graph annotated with
// QuantizeLinear / DequantizeLinear pairs that carry liteq's scales, so that ONNX Runtime
// (or any QDQ consumer) computes what our .tflite computes:
//   - every activation liteq quantized gets Q -> DQ with the int8 tensor's scale and zero
//     point (matched by name: the importer names TFLite tensors after ONNX values);
//   - every Conv / ConvTranspose / Gemm / MatMul whose TFLite op is integer takes liteq's
//     int8 weights and int32 bias (with their per-channel scales) through DequantizeLinear;
//     the BatchNormalization / Add / Sub / Mul / Div nodes liteq folded into it are removed
//     (their effect is in those weights), fused Relu / Clip stay;
//   - the graph is converted to opset 13 first when older (per-axis DequantizeLinear).
#include <algorithm>
#include <filesystem>
#include <set>

#include <optional>

#include "io/onnx/translator.h"
#include "io/tflite/tflite_io.h"

namespace liteq::onnx_io {
namespace {

struct TensorRef {
  const tflite::TensorT* t = nullptr;
  std::span<const uint8_t> data;
};

onnx::TensorProto make_tensor(const std::string& name, int type, const std::vector<int64_t>& dims, const void* data, size_t bytes) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(type);
  for (int64_t d : dims) t.add_dims(d);
  t.set_raw_data(data, bytes);
  return t;
}

onnx::TensorProto scalar_or_vector(const std::string& name, const std::vector<float>& v) {
  return make_tensor(name, onnx::TensorProto::FLOAT, v.size() == 1 ? std::vector<int64_t>{} : std::vector<int64_t>{static_cast<int64_t>(v.size())},
                     v.data(), v.size() * 4);
}

class QdqWriter {
 public:
  QdqWriter(onnx::ModelProto& m, const tflite::ModelT& q, const std::string& name) : m_(m), q_(q), name_(name) {
    const auto& g = *q.subgraphs.at(0);
    // Names as the importer gave them (channel equalization renames the tensors it
    // rescales; the ONNX graph gets their scales and weights all the same).
    for (const auto& t : g.tensors) by_name_[ir::without_equalized_suffix(t->name)] = t.get();
    for (const auto& op : g.operators) {
      for (int32_t o : op->outputs)
        if (o >= 0) producer_[ir::without_equalized_suffix(g.tensors[o]->name)] = op.get();
    }
  }

  void run() {
    auto& g = *m_.mutable_graph();
    for (const auto& init : g.initializer()) initializers_.insert(init.name());
    index_nodes();
    int weighted = 0;
    const int n = g.node_size();
    for (int i = 0; i < n; ++i) {
      const auto& node = g.node(i);
      if (deleted_.count(i)) continue;
      if (node.op_type() == "Conv" || node.op_type() == "ConvTranspose" || node.op_type() == "Gemm" || node.op_type() == "MatMul")
        weighted += rewrite_weighted(i);
    }
    // Drop the folded nodes.
    google::protobuf::RepeatedPtrField<onnx::NodeProto> kept;
    for (int i = 0; i < g.node_size(); ++i)
      if (!deleted_.count(i)) *kept.Add() = g.node(i);
    g.mutable_node()->Swap(&kept);
    index_nodes();
    const int acts = annotate_activations();
    // Nodes (Constant nodes holding the replaced float weights) and initializers nothing
    // reads any more go.
    std::set<std::string> used;
    for (bool changed = true; changed;) {
      changed = false;
      used.clear();
      for (const auto& nd : g.node())
        for (const auto& in : nd.input()) used.insert(in);
      for (const auto& nd : new_nodes_)
        for (const auto& in : nd.input()) used.insert(in);
      for (const auto& o : g.output()) used.insert(o.name());
      google::protobuf::RepeatedPtrField<onnx::NodeProto> live;
      for (const auto& nd : g.node()) {
        const bool dead = std::none_of(nd.output().begin(), nd.output().end(), [&](const std::string& o) { return used.count(o) > 0; });
        if (dead) changed = true;
        else *live.Add() = nd;
      }
      g.mutable_node()->Swap(&live);
    }
    google::protobuf::RepeatedPtrField<onnx::TensorProto> inits;
    for (const auto& t : g.initializer())
      if (used.count(t.name())) *inits.Add() = t;
    g.mutable_initializer()->Swap(&inits);
    for (const auto& t : new_inits_) *g.add_initializer() = t;
    // Topological order: new DQ nodes feed nodes that come before them in the list.
    sort_nodes();
    weighted_ = weighted;
    activations_ = acts;
  }
  int weighted_ = 0, activations_ = 0;

 private:
  onnx::ModelProto& m_;
  const tflite::ModelT& q_;
  std::string name_;
  std::map<std::string, const tflite::TensorT*> by_name_;
  std::map<std::string, const tflite::OperatorT*> producer_;
  std::map<std::string, int> onnx_producer_;
  std::map<std::string, std::vector<int>> onnx_readers_;
  std::set<std::string> initializers_;
  std::set<int> deleted_;
  std::vector<onnx::TensorProto> new_inits_;
  std::vector<onnx::NodeProto> new_nodes_;
  int counter_ = 0;

  void index_nodes() {
    onnx_producer_.clear();
    onnx_readers_.clear();
    const auto& g = m_.graph();
    for (int i = 0; i < g.node_size(); ++i) {
      for (const auto& o : g.node(i).output()) onnx_producer_[o] = i;
      for (const auto& in : g.node(i).input()) onnx_readers_[in].push_back(i);
    }
  }

  std::string fresh(const std::string& base) { return fmt::format("{}__qdq{}", base, counter_++); }

  // The integer TFLite tensor holding ONNX value `v` (int8 per tensor), if liteq made one.
  const tflite::TensorT* int_tensor(const std::string& v) const {
    for (const std::string& n : {v, v + "_int8"}) {
      auto it = by_name_.find(n);
      if (it == by_name_.end()) continue;
      const auto* t = it->second;
      if (t->type == tflite::TensorType::INT8 && t->quantization && t->quantization->scale.size() == 1) return t;
    }
    return nullptr;
  }

  std::span<const uint8_t> data_of(const tflite::TensorT& t) const {
    if (t.buffer == 0 || t.buffer >= q_.buffers.size()) return {};
    return q_.buffers[t.buffer]->data;
  }

  bool is_const_input(const std::string& v) const {
    if (initializers_.count(v)) return true;
    auto it = onnx_producer_.find(v);
    return it != onnx_producer_.end() && m_.graph().node(it->second).op_type() == "Constant";
  }

  // Adds DequantizeLinear(int tensor) -> returns the float value's name.
  std::string dequantized(const std::string& base, int type, const std::vector<int64_t>& dims, const void* data, size_t bytes,
                          const std::vector<float>& scales, int axis) {
    const std::string qn = fresh(base + "_quantized"), sn = fresh(base + "_scale"), out = fresh(base + "_dequantized");
    new_inits_.push_back(make_tensor(qn, type, dims, data, bytes));
    new_inits_.push_back(scalar_or_vector(sn, scales));
    onnx::NodeProto dq;
    dq.set_op_type("DequantizeLinear");
    dq.set_name(fresh(base + "_DequantizeLinear"));
    dq.add_input(qn);
    dq.add_input(sn);
    dq.add_output(out);
    if (scales.size() > 1) {
      auto* a = dq.add_attribute();
      a->set_name("axis");
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(axis);
    }
    new_nodes_.push_back(dq);
    return out;
  }

  // Conv / ConvTranspose / Gemm / MatMul at node index ci: if liteq's integer op for it is
  // found (by walking forward through the nodes liteq folded into it), take its weights.
  int rewrite_weighted(int ci) {
    auto& g = *m_.mutable_graph();
    const onnx::NodeProto& c = g.node(ci);
    if (c.input_size() < 2 || !is_const_input(c.input(1))) return 0;
    // Forward chain of single-reader nodes liteq folds or fuses.
    std::vector<int> chain;
    std::string cur = c.output(0);
    const tflite::OperatorT* op = nullptr;
    std::string final_name;
    for (int steps = 0; steps < 8; ++steps) {
      // The integer op writing this value: its int8 tensor is named `cur` or `cur_int8`.
      // (A model output in ONNX order is a TRANSPOSE of the op's "<name>_nhwc" tensor.)
      for (const std::string& nm : {cur + "_int8", cur, cur + "_nhwc_int8", cur + "_nhwc", cur + "_internal_int8", cur + "_internal"}) {
        auto it = producer_.find(nm);
        if (it == producer_.end()) continue;
        const int32_t code = ir::builtin_code(q_, *it->second);
        if (code == static_cast<int32_t>(Op::CONV_2D) || code == static_cast<int32_t>(Op::DEPTHWISE_CONV_2D) ||
            code == static_cast<int32_t>(Op::TRANSPOSE_CONV) || code == static_cast<int32_t>(Op::FULLY_CONNECTED)) {
          op = it->second;
          final_name = cur;
          break;
        }
      }
      auto rd = onnx_readers_.find(cur);
      if (rd == onnx_readers_.end() || rd->second.size() != 1) break;
      const auto& nx = g.node(rd->second[0]);
      const std::string& t = nx.op_type();
      const bool foldable = t == "BatchNormalization" || ((t == "Add" || t == "Sub" || t == "Mul" || t == "Div") && nx.input_size() == 2 &&
                                                           nx.input(0) == cur && is_const_input(nx.input(1))) ||
                            ((t == "Add" || t == "Mul") && nx.input_size() == 2 && nx.input(1) == cur && is_const_input(nx.input(0)));
      const bool act = t == "Relu" || t == "Clip";
      if (!foldable && !act) break;
      if (t == "BatchNormalization" && nx.input(0) != cur) break;
      chain.push_back(rd->second[0]);
      cur = nx.output(0);
    }
    // Only the nodes up to the value the integer op writes were folded into it.
    while (!chain.empty() && g.node(chain.back()).output(0) != final_name) chain.pop_back();
    if (!op) return 0;
    const int32_t code = ir::builtin_code(q_, *op);
    const auto& tensors = q_.subgraphs[0]->tensors;
    if (op->inputs.size() < 2 || op->inputs[1] < 0) return 0;
    const auto& w = *tensors[op->inputs[1]];
    if (w.type != tflite::TensorType::INT8 || !w.quantization) return 0;
    const auto wd = data_of(w);
    if (wd.empty()) return 0;
    const std::string& ot = c.op_type();
    const bool conv = code == static_cast<int32_t>(Op::CONV_2D) && ot == "Conv";
    const bool dw = code == static_cast<int32_t>(Op::DEPTHWISE_CONV_2D) && ot == "Conv";
    const bool tconv = code == static_cast<int32_t>(Op::TRANSPOSE_CONV) && ot == "ConvTranspose";
    const bool fc = code == static_cast<int32_t>(Op::FULLY_CONNECTED) && (ot == "Gemm" || ot == "MatMul");
    if (!conv && !dw && !tconv && !fc) return 0;
    const auto& s = w.shape;
    std::vector<float> wscale = w.quantization->scale;
    const auto* wv = reinterpret_cast<const int8_t*>(wd.data());
    std::vector<int8_t> ow(wd.size());
    std::vector<int64_t> odims;
    int axis = 0;
    if (conv || dw || tconv) {
      // TFLite: CONV [O,kh,kw,I], DEPTHWISE [1,kh,kw,O], TRANSPOSE_CONV [O,kh,kw,I].
      const int64_t kh = s[1], kw = s[2];
      const int64_t O = dw ? s[3] : s[0], I = dw ? 1 : s[3];
      if (tconv) odims = {I, O, kh, kw}, axis = 1;  // ONNX ConvTranspose [C_in, C_out, kh, kw]
      else odims = {O, I, kh, kw};
      for (int64_t o = 0; o < O; ++o)
        for (int64_t i = 0; i < I; ++i)
          for (int64_t y = 0; y < kh; ++y)
            for (int64_t x = 0; x < kw; ++x) {
              const int64_t src = dw ? (y * kw + x) * O + o : ((o * kh + y) * kw + x) * I + i;
              const int64_t dst = tconv ? ((i * O + o) * kh + y) * kw + x : ((o * I + i) * kh + y) * kw + x;
              ow[dst] = wv[src];
            }
    } else {
      // FULLY_CONNECTED [N, K]: Gemm takes it as is with transB = 1; MatMul wants [K, N].
      const int64_t N = s[0], K = s[1];
      if (ot == "Gemm") {
        odims = {N, K};
        std::copy(wv, wv + N * K, ow.begin());
      } else {
        odims = {K, N};
        axis = 1;
        for (int64_t nn = 0; nn < N; ++nn)
          for (int64_t k = 0; k < K; ++k) ow[k * N + nn] = wv[nn * K + k];
      }
    }
    auto& cn = *g.mutable_node(ci);
    const std::string wname = dequantized(c.name().empty() ? c.output(0) : c.name(), onnx::TensorProto::INT8, odims, ow.data(), ow.size(),
                                          wscale, axis);
    cn.set_input(1, wname);
    // Bias: int32 with its own per-channel scales.
    std::string bname;
    const int bi = tconv ? 3 : 2;
    if (static_cast<int>(op->inputs.size()) > bi && op->inputs[bi] >= 0) {
      const auto& b = *tensors[op->inputs[bi]];
      const auto bd = data_of(b);
      if (b.type == tflite::TensorType::INT32 && b.quantization && !bd.empty())
        bname = dequantized(c.name().empty() ? c.output(0) : c.name() + "_bias", onnx::TensorProto::INT32,
                            {static_cast<int64_t>(bd.size() / 4)}, bd.data(), bd.size(), b.quantization->scale, 0);
    }
    if (!bname.empty()) {
      if (ot == "MatMul") {
        // MatMul has no bias input: an Add after it.
        onnx::NodeProto add;
        add.set_op_type("Add");
        add.set_name(fresh(c.name() + "_bias_add"));
        const std::string mm_out = fresh(c.output(0) + "_matmul");
        add.add_input(mm_out);
        add.add_input(bname);
        add.add_output(c.output(0));
        cn.set_output(0, mm_out);
        new_nodes_.push_back(add);
      } else if (cn.input_size() > 2) {
        cn.set_input(2, bname);
      } else {
        cn.add_input(bname);
      }
    }
    if (ot == "Gemm") {
      for (auto& a : *cn.mutable_attribute()) {
        if (a.name() == "transB") a.set_i(1);
        if (a.name() == "alpha" || a.name() == "beta") a.set_f(1.0f);
      }
      if (std::none_of(cn.attribute().begin(), cn.attribute().end(), [](const auto& a) { return a.name() == "transB"; })) {
        auto* a = cn.add_attribute();
        a->set_name("transB");
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(1);
      }
    }
    // The folded nodes go; activations stay, chained after the op.
    std::string out = c.output(0);
    std::vector<int> acts;
    for (int k : chain) {
      if (g.node(k).op_type() == "Relu" || g.node(k).op_type() == "Clip") acts.push_back(k);
      else deleted_.insert(k);
    }
    const std::string last = chain.empty() ? c.output(0) : g.node(chain.back()).output(0);
    for (int k : acts) {
      g.mutable_node(k)->set_input(0, out);
      out = g.node(k).output(0);
    }
    if (out != last) {
      // The last kept node must produce the chain's final value.
      if (acts.empty()) {
        if (ot == "MatMul" && !bname.empty()) new_nodes_.back().set_output(0, last);
        else cn.set_output(0, last);
      } else {
        g.mutable_node(acts.back())->set_output(0, last);
      }
    }
    return 1;
  }

  // Q -> DQ on every value liteq holds as int8.
  int annotate_activations() {
    auto& g = *m_.mutable_graph();
    std::vector<std::string> values;
    for (const auto& in : g.input())
      if (!initializers_.count(in.name())) values.push_back(in.name());
    for (const auto& nd : g.node())
      for (const auto& o : nd.output()) values.push_back(o);
    std::set<std::string> graph_inputs;
    for (const auto& in : g.input()) graph_inputs.insert(in.name());
    int count = 0;
    for (const auto& v : values) {
      const auto* t = int_tensor(v);
      if (!t) continue;
      const float scale = t->quantization->scale[0];
      const int8_t zp = static_cast<int8_t>(t->quantization->zero_point.empty() ? 0 : t->quantization->zero_point[0]);
      const std::string sn = fresh(v + "_scale"), zn = fresh(v + "_zero_point"), qv = fresh(v + "_quantized");
      new_inits_.push_back(make_tensor(sn, onnx::TensorProto::FLOAT, {}, &scale, 4));
      new_inits_.push_back(make_tensor(zn, onnx::TensorProto::INT8, {}, &zp, 1));
      std::string src = v, dst = v;
      if (graph_inputs.count(v)) {
        dst = fresh(v + "_dequantized");
        for (auto& nd : *g.mutable_node())
          for (auto& in : *nd.mutable_input())
            if (in == v) in = dst;
      } else {
        src = fresh(v + "_float");
        for (auto& nd : *g.mutable_node())
          for (auto& o : *nd.mutable_output())
            if (o == v) o = src;
      }
      onnx::NodeProto q, dq;
      q.set_op_type("QuantizeLinear");
      q.set_name(fresh(v + "_QuantizeLinear"));
      q.add_input(src);
      q.add_input(sn);
      q.add_input(zn);
      q.add_output(qv);
      dq.set_op_type("DequantizeLinear");
      dq.set_name(fresh(v + "_DequantizeLinear"));
      dq.add_input(qv);
      dq.add_input(sn);
      dq.add_input(zn);
      dq.add_output(dst);
      new_nodes_.push_back(q);
      new_nodes_.push_back(dq);
      ++count;
    }
    return count;
  }

  void sort_nodes() {
    auto& g = *m_.mutable_graph();
    std::vector<const onnx::NodeProto*> all;
    for (const auto& nd : g.node()) all.push_back(&nd);
    for (const auto& nd : new_nodes_) all.push_back(&nd);
    std::set<std::string> avail;
    for (const auto& t : g.initializer()) avail.insert(t.name());
    for (const auto& in : g.input()) avail.insert(in.name());
    const auto order = topological_order(all, avail);
    if (order.size() < all.size()) fail(ErrorKind::kInternal, "{}: the QDQ graph is not acyclic (a bug in liteq's QDQ writer)", name_);
    google::protobuf::RepeatedPtrField<onnx::NodeProto> sorted;
    for (int i : order) *sorted.Add() = *all[i];
    g.mutable_node()->Swap(&sorted);
  }
};

// Raises a graph of the ops liteq translates to opset 13 (per-axis DequantizeLinear needs
// it), rewriting the nodes whose signature changed on the way: attributes that became
// inputs (Clip 11, Pad 11, Slice 10, Split / Squeeze / Unsqueeze 13), Upsample -> Resize,
// Resize 10 -> 11 (roi input, asymmetric coordinates). Softmax changed meaning at 13; the
// importer accepted only softmaxes where both meanings agree.
void upgrade_to_opset13(onnx::ModelProto& m, int from) {
  auto& g = *m.mutable_graph();
  int k = 0;
  auto add_i64 = [&](const std::string& base, const std::vector<int64_t>& v, bool scalar = false) {
    onnx::TensorProto t;
    t.set_name(fmt::format("{}__opset13_{}", base, k++));
    t.set_data_type(onnx::TensorProto::INT64);
    if (!scalar) t.add_dims(static_cast<int64_t>(v.size()));
    for (int64_t x : v) t.add_int64_data(x);
    *g.add_initializer() = t;
    return t.name();
  };
  auto add_f32 = [&](const std::string& base, const std::vector<float>& v, bool scalar) {
    onnx::TensorProto t;
    t.set_name(fmt::format("{}__opset13_{}", base, k++));
    t.set_data_type(onnx::TensorProto::FLOAT);
    if (!scalar) t.add_dims(static_cast<int64_t>(v.size()));
    for (float x : v) t.add_float_data(x);
    *g.add_initializer() = t;
    return t.name();
  };
  auto take_attr = [](onnx::NodeProto& n, const std::string& name) -> std::optional<onnx::AttributeProto> {
    auto* attrs = n.mutable_attribute();
    for (int i = 0; i < attrs->size(); ++i)
      if (attrs->Get(i).name() == name) {
        onnx::AttributeProto a = attrs->Get(i);
        attrs->DeleteSubrange(i, 1);
        return a;
      }
    return std::nullopt;
  };
  auto ints = [](const onnx::AttributeProto& a) { return std::vector<int64_t>(a.ints().begin(), a.ints().end()); };
  for (auto& n : *g.mutable_node()) {
    const std::string op = n.op_type();
    const std::string base = n.name().empty() ? n.output(0) : n.name();
    if (op == "Clip" && from < 11) {
      const auto lo = take_attr(n, "min"), hi = take_attr(n, "max");
      n.add_input(lo ? add_f32(base + "_min", {lo->f()}, true) : "");
      n.add_input(hi ? add_f32(base + "_max", {hi->f()}, true) : "");
    } else if (op == "Pad" && from < 11) {
      const auto pads = take_attr(n, "pads");
      const auto value = take_attr(n, "value");
      n.add_input(add_i64(base + "_pads", pads ? ints(*pads) : std::vector<int64_t>{}));
      if (value) n.add_input(add_f32(base + "_value", {value->f()}, true));
    } else if (op == "Slice" && from < 10) {
      const auto st = take_attr(n, "starts"), en = take_attr(n, "ends"), ax = take_attr(n, "axes");
      n.add_input(add_i64(base + "_starts", ints(*st)));
      n.add_input(add_i64(base + "_ends", ints(*en)));
      if (ax) n.add_input(add_i64(base + "_axes", ints(*ax)));
    } else if ((op == "Squeeze" || op == "Unsqueeze") && from < 13) {
      if (const auto ax = take_attr(n, "axes")) n.add_input(add_i64(base + "_axes", ints(*ax)));
    } else if (op == "Split" && from < 13) {
      if (const auto sp = take_attr(n, "split")) n.add_input(add_i64(base + "_split", ints(*sp)));
    } else if (op == "Upsample" || (op == "Resize" && from < 11)) {
      // Opset 13 Resize: X, roi, scales; the old coordinate rule made explicit.
      n.set_op_type("Resize");
      std::string scales = n.input_size() > 1 ? n.input(1) : "";
      if (const auto sc = take_attr(n, "scales")) scales = add_f32(base + "_scales", {sc->floats().begin(), sc->floats().end()}, false);
      while (n.input_size() > 1) n.mutable_input()->RemoveLast();
      n.add_input("");  // roi
      n.add_input(scales);
      for (const auto& [name, value] : {std::pair<const char*, const char*>{"coordinate_transformation_mode", "asymmetric"},
                                        {"nearest_mode", "floor"}}) {
        auto* a = n.add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::STRING);
        a->set_s(value);
      }
    }
  }
  for (auto& os : *m.mutable_opset_import())
    if (os.domain().empty() || os.domain() == "ai.onnx") os.set_version(13);
  if (m.ir_version() < 7) m.set_ir_version(7);
}

}  // namespace
}  // namespace liteq::onnx_io

namespace liteq {

std::vector<uint8_t> export_qdq_onnx(const std::string& onnx_path, const Model& quantized, const OnnxOptions& options,
                                     QdqReport* report) {
  const auto bytes = io::read_file(onnx_path);
  auto dir = std::filesystem::path(onnx_path).parent_path().string();
  if (dir.empty()) dir = ".";
  auto parsed = onnx_io::parse_onnx(bytes, onnx_path, options, dir);
  onnx::ModelProto m = parsed.model;
  if (parsed.opset < 13) onnx_io::upgrade_to_opset13(m, parsed.opset);
  // External data was read into memory by parse_onnx; write every initializer inline.
  for (auto& t : *m.mutable_graph()->mutable_initializer()) {
    if (t.data_location() != onnx::TensorProto::EXTERNAL) continue;
    const onnx_io::Const c = parsed.initializers.at(t.name());
    t.clear_external_data();
    t.set_data_location(onnx::TensorProto::DEFAULT);
    const DType dt = onnx_io::dtype_of(c.type, t.name());
    std::vector<uint8_t> raw(c.v.size() * dtype_size(dt));
    for (size_t i = 0; i < c.v.size(); ++i) {
      switch (dt) {
        case DType::kFloat32: { float f = static_cast<float>(c.v[i]); std::memcpy(raw.data() + 4 * i, &f, 4); break; }
        case DType::kInt64: { int64_t x = static_cast<int64_t>(c.v[i]); std::memcpy(raw.data() + 8 * i, &x, 8); break; }
        case DType::kInt32: { int32_t x = static_cast<int32_t>(c.v[i]); std::memcpy(raw.data() + 4 * i, &x, 4); break; }
        default: fail(ErrorKind::kUnsupported, "{}: external initializer '{}' of type {} cannot be inlined", onnx_path, t.name(), dtype_name(dt));
      }
    }
    t.set_raw_data(raw.data(), raw.size());
  }
  onnx_io::QdqWriter w(m, *quantized.ir().fb, onnx_path);
  w.run();
  if (report) {
    report->weighted_ops = w.weighted_;
    report->quantized_values = w.activations_;
  }
  m.set_producer_name("liteq");
  std::string out;
  if (!m.SerializeToString(&out)) fail(ErrorKind::kInternal, "{}: serializing the QDQ model failed", onnx_path);
  return {out.begin(), out.end()};
}

}  // namespace liteq
