#include "quantize/equalize.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "ir/op_codes.h"
#include "liteq/interpreter.h"
#include "quantize/calibrator.h"
#include "quantize/graph_editor.h"

namespace liteq::quant {

namespace {

using tflite::ActivationFunctionType;

struct Use {
  int op;
  int slot;
};

// One equalizable tensor: the producer's output, the channel-preserving ops it flows
// through (RELU, RELU6, PAD without channel padding, pooling) and the weighted ops that
// consume it. Chains may share ops (a consumer is often the next chain's producer): each
// rewrite keeps every tensor outside its own chain unchanged, so the peaks measured once
// on the original model stay valid for all of them.
struct Chain {
  int producer = -1;
  int tensor = -1;  // the producer's output
  int channels = 0;
  bool relu6 = false;
  std::vector<int> consumers;  // op indices (input 0 is the chain's tensor)
  std::vector<int> scaled;     // the tensors whose channels the rewrite scales
  bool conv_consumer = false;
};

class Equalizer {
 public:
  Equalizer(ir::ModelData& data, const EqualizeOptions& options)
      : m_(*data.fb), g_(*m_.subgraphs.at(0)), ed_(m_), options_(options) {
    for (int i = 0; i < static_cast<int>(g_.operators.size()); ++i) {
      const auto& op = *g_.operators[i];
      for (int s = 0; s < static_cast<int>(op.inputs.size()); ++s)
        if (op.inputs[s] >= 0) uses_[op.inputs[s]].push_back({i, s});
    }
  }

  std::vector<Chain> find_chains() const {
    std::vector<Chain> out;
    for (int i = 0; i < static_cast<int>(g_.operators.size()); ++i) {
      Chain c;
      if (make_chain(i, c)) out.push_back(std::move(c));
    }
    return out;
  }

  // Scales the producer's output channels by s and the consumers' input channels by 1/s.
  void apply(const Chain& c, const std::vector<double>& s) {
    const auto& p = *g_.operators[c.producer];
    scale_output_channels(p.inputs[1], code(p) == Op::CONV_2D, s);
    if (p.inputs.size() > 2 && p.inputs[2] >= 0) scale_bias(p.inputs[2], s);
    for (int ci : c.consumers) {
      const auto& op = *g_.operators[ci];
      std::vector<double> inv(s.size());
      for (size_t k = 0; k < s.size(); ++k) inv[k] = 1.0 / s[k];
      if (code(op) == Op::DEPTHWISE_CONV_2D)
        scale_depthwise_inputs(op.inputs[1], inv);
      else
        scale_conv_inputs(op.inputs[1], inv);
    }
  }

 private:
  Op code(const tflite::OperatorT& op) const { return static_cast<Op>(ir::builtin_code(m_, op)); }

  bool float_const(int idx) const {
    if (idx < 0 || idx >= static_cast<int>(g_.tensors.size())) return false;
    const auto& t = *g_.tensors[idx];
    const auto d = ir::tensor_data(m_, t);
    return t.type == tflite::TensorType::FLOAT32 && !d.empty() && ir::num_elements(t.shape) > 0 &&
           d.size() == static_cast<size_t>(ir::num_elements(t.shape)) * sizeof(float);
  }
  // A weight (or bias) tensor this rewrite may change: float constant, used by one op only.
  bool own_const(int idx) const {
    if (!float_const(idx)) return false;
    auto it = uses_.find(idx);
    return it != uses_.end() && it->second.size() == 1;
  }
  bool is_graph_output(int idx) const {
    return std::find(g_.outputs.begin(), g_.outputs.end(), idx) != g_.outputs.end();
  }
  static int last_dim(const tflite::TensorT& t) { return t.shape.empty() ? -1 : t.shape.back(); }

  bool make_chain(int pi, Chain& c) const {
    const auto& p = *g_.operators[pi];
    const Op pc = code(p);
    if ((pc != Op::CONV_2D && pc != Op::DEPTHWISE_CONV_2D) || p.inputs.size() < 2 || p.outputs.size() != 1) return false;
    ActivationFunctionType act;
    if (auto* o = p.builtin_options.AsConv2DOptions())
      act = o->fused_activation_function;
    else if (auto* o = p.builtin_options.AsDepthwiseConv2DOptions())
      act = o->fused_activation_function;
    else
      return false;
    if (act != ActivationFunctionType::NONE && act != ActivationFunctionType::RELU && act != ActivationFunctionType::RELU6)
      return false;
    if (!own_const(p.inputs[1])) return false;
    if (p.inputs.size() > 2 && p.inputs[2] >= 0 && !own_const(p.inputs[2])) return false;
    const int out = p.outputs[0];
    const auto& wt = *g_.tensors[p.inputs[1]];
    const auto& ot = *g_.tensors[out];
    if (ot.type != tflite::TensorType::FLOAT32 || wt.shape.size() != 4 || ot.shape.size() != 4) return false;
    const int C = last_dim(ot);
    const int wc = pc == Op::CONV_2D ? wt.shape[0] : wt.shape[3];
    if (C <= 1 || wc != C) return false;
    if (p.inputs.size() > 2 && p.inputs[2] >= 0 && ir::num_elements(g_.tensors[p.inputs[2]]->shape) != C) return false;
    c.producer = pi;
    c.tensor = out;
    c.channels = C;
    c.relu6 = act == ActivationFunctionType::RELU6;
    // Follow the tensor through channel-preserving ops to its weighted consumers.
    std::vector<int> frontier{out};
    while (!frontier.empty()) {
      const int t = frontier.back();
      frontier.pop_back();
      c.scaled.push_back(t);
      if (is_graph_output(t)) return false;
      auto it = uses_.find(t);
      if (it == uses_.end() || it->second.empty()) return false;
      for (const Use& u : it->second) {
        const auto& op = *g_.operators[u.op];
        const Op oc = code(op);
        if (u.slot != 0 || op.outputs.size() != 1) return false;
        if (oc == Op::RELU || oc == Op::RELU6) {
          c.relu6 |= oc == Op::RELU6;
          frontier.push_back(op.outputs[0]);
        } else if (oc == Op::PAD) {
          if (op.inputs.size() != 2 || !is_zero_channel_pad(op.inputs[1])) return false;
          frontier.push_back(op.outputs[0]);
        } else if (oc == Op::MAX_POOL_2D || oc == Op::AVERAGE_POOL_2D) {
          auto* o = op.builtin_options.AsPool2DOptions();
          if (!o || o->fused_activation_function != ActivationFunctionType::NONE) return false;
          frontier.push_back(op.outputs[0]);
        } else if (oc == Op::DEPTHWISE_CONV_2D) {
          if (op.inputs.size() < 2 || !own_const(op.inputs[1])) return false;
          const auto& w = *g_.tensors[op.inputs[1]];
          auto* o = op.builtin_options.AsDepthwiseConv2DOptions();
          if (!o || w.shape.size() != 4 || o->depth_multiplier < 1 || w.shape[3] != C * o->depth_multiplier) return false;
          c.consumers.push_back(u.op);
        } else if (oc == Op::CONV_2D && options_.conv_consumers) {
          if (op.inputs.size() < 2 || !own_const(op.inputs[1])) return false;
          const auto& w = *g_.tensors[op.inputs[1]];
          if (w.shape.size() != 4 || w.shape[3] != C) return false;
          c.consumers.push_back(u.op);
          c.conv_consumer = true;
        } else {
          return false;
        }
      }
    }
    return !c.consumers.empty();
  }

  // PAD's paddings: a constant int32 [4, 2] with no padding on the channel axis.
  bool is_zero_channel_pad(int idx) const {
    if (idx < 0 || idx >= static_cast<int>(g_.tensors.size())) return false;
    const auto& t = *g_.tensors[idx];
    const auto d = ir::tensor_data(m_, t);
    if (t.type != tflite::TensorType::INT32 || t.shape != std::vector<int32_t>{4, 2} || d.size() != 8 * sizeof(int32_t))
      return false;
    const auto* p = reinterpret_cast<const int32_t*>(d.data());
    return p[6] == 0 && p[7] == 0;
  }

  std::vector<float> read(int idx) {
    const auto d = ed_.data(idx);
    std::vector<float> v(d.size() / sizeof(float));
    std::copy(d.begin(), d.end(), reinterpret_cast<uint8_t*>(v.data()));
    return v;
  }
  // A fresh buffer: the old one may be shared with a tensor of the original model.
  void write(int idx, const std::vector<float>& v) { ed_.tensor(idx).buffer = ed_.add_buffer(v); }

  // The producer's output channel c: CONV_2D [O, H, W, I] row c; DEPTHWISE_CONV_2D
  // [1, H, W, C] last index c.
  void scale_output_channels(int idx, bool conv_rows, const std::vector<double>& s) {
    auto v = read(idx);
    const size_t C = s.size(), inner = v.size() / C;
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(v[i] * s[conv_rows ? i / inner : i % C]);
    write(idx, v);
  }
  void scale_bias(int idx, const std::vector<double>& s) {
    auto v = read(idx);
    for (size_t c = 0; c < v.size() && c < s.size(); ++c) v[c] = static_cast<float>(v[c] * s[c]);
    write(idx, v);
  }
  // DEPTHWISE_CONV_2D [1, H, W, C*M]: input channel c feeds outputs c*M .. c*M+M-1.
  void scale_depthwise_inputs(int idx, const std::vector<double>& s) {
    auto v = read(idx);
    const size_t CM = static_cast<size_t>(ed_.tensor(idx).shape[3]), M = CM / s.size();
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(v[i] * s[(i % CM) / M]);
    write(idx, v);
  }
  // CONV_2D [O, H, W, I]: the last dim is the input channel.
  void scale_conv_inputs(int idx, const std::vector<double>& s) {
    auto v = read(idx);
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(v[i] * s[i % s.size()]);
    write(idx, v);
  }

  tflite::ModelT& m_;
  tflite::SubGraphT& g_;
  GraphEditor ed_;
  EqualizeOptions options_;
  std::map<int, std::vector<Use>> uses_;
};

struct Peaks {
  std::vector<double> abs, hi;  // per channel: max |x|, max x
};
// Per channel (last dimension) of each chain's tensor, over the samples.
std::map<int, Peaks> channel_peaks(const Model& model, const std::vector<Sample>& samples,
                                                 const std::vector<Chain>& chains) {
  InterpreterOptions io;
  io.preserve_all_tensors = true;
  Interpreter it(model, io);
  it.allocate_tensors();
  const auto inputs = it.input_details();
  std::map<int, Peaks> peaks;
  for (const auto& c : chains) {
    peaks[c.tensor].abs.assign(static_cast<size_t>(c.channels), 0.0);
    peaks[c.tensor].hi.assign(static_cast<size_t>(c.channels), 0.0);
  }
  for (size_t s = 0; s < samples.size(); ++s) {
    feed_sample(it, inputs, samples[s], static_cast<int>(s));
    it.invoke();
    for (auto& [idx, pk] : peaks) {
      const auto t = it.get_tensor(idx);
      const auto x = t.as<float>();
      const size_t C = pk.abs.size();
      if (x.empty() || x.size() % C) continue;
      for (size_t i = 0; i < x.size(); ++i)
        if (std::isfinite(x[i])) {
          pk.abs[i % C] = std::max(pk.abs[i % C], static_cast<double>(std::fabs(x[i])));
          pk.hi[i % C] = std::max(pk.hi[i % C], static_cast<double>(x[i]));
        }
    }
  }
  return peaks;
}

}  // namespace

EqualizeReport equalize_channels(ir::ModelData& data, const std::vector<Sample>& samples, const EqualizeOptions& options) {
  EqualizeReport report;
  Equalizer eq(data, options);
  const std::vector<Chain> chains = eq.find_chains();
  if (chains.empty() || samples.empty()) return report;
  // The interpreter reads `data` in place (a non-owning handle, no copy of the weights);
  // it is gone before the rewrite below.
  auto peaks = channel_peaks(Model(std::shared_ptr<ir::ModelData>(&data, [](ir::ModelData*) {})), samples, chains);
  for (const auto& c : chains) {
    const auto& pk = peaks[c.tensor];
    const double R = *std::max_element(pk.abs.begin(), pk.abs.end());
    if (!(R > 0) || !std::isfinite(R)) continue;
    std::vector<double> s(pk.abs.size(), 1.0);
    int changed = 0;
    for (size_t k = 0; k < s.size(); ++k) {
      if (!(pk.abs[k] > 0)) continue;
      double target = R / (pk.abs[k] * options.margin);
      if (c.conv_consumer) target = std::sqrt(target);
      // RELU6 commutes with the scale only while the scaled channel stays below 6.
      if (c.relu6 && pk.hi[k] * target > 6.0) target = pk.hi[k] > 0 ? 6.0 / pk.hi[k] : 1.0;
      s[k] = std::clamp(target, 1.0, options.max_scale);
      if (s[k] != 1.0) ++changed;
    }
    if (changed == 0) continue;
    eq.apply(c, s);
    ++report.tensors;
    report.channels += changed;
    for (int t : c.scaled) report.scaled_names.push_back(data.fb->subgraphs[0]->tensors[t]->name);
  }
  return report;
}

}  // namespace liteq::quant
