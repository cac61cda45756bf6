// Full integer quantization (int8 and 16x8), with or without float fallback.
//
// 1. Decide which ops become integer: they have a rule (op_rules.cc), an integer kernel
//    for the activation type, are not denylisted, and every float tensor they touch was
//    calibrated (or is a constant).
// 2. Give every float activation tensor touched by an integer op its parameters.
//    Tensors that must share parameters (inputs and outputs of same-scale ops) are merged
//    into one class whose range is the union of the members'; fixed-output ops impose
//    their fixed parameters on their class.
// 3. Rewrite: integer ops read and write the integer version of each tensor; float ops
//    the float version; where both are needed, a QUANTIZE or DEQUANTIZE right after the
//    producer makes the other one. Model inputs/outputs keep their float tensors unless
//    the input/output type says int8 or uint8 (uint8 = int8 with zero point + 128, through
//    a QUANTIZE op, as TFLite does).
#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include "ir/op_codes.h"
#include "liteq/error.h"
#include "quantize/graph_editor.h"
#include "quantize/modes.h"
#include "quantize/op_rules.h"

namespace liteq::quant {
namespace {

struct UnionFind {
  std::vector<int> parent;
  explicit UnionFind(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  int find(int x) { return parent[x] == x ? x : parent[x] = find(parent[x]); }
  void unite(int a, int b) { parent[find(a)] = find(b); }
};

// Op versions for integer kernels. TFLite's runtime registers each op for versions up
// to a maximum and never checks a minimum, so what matters is not exceeding TFLite 2.9's
// maxima: the int8 versions below are within them (RESHAPE, SQUEEZE, EXPAND_DIMS,
// HARD_SWISH and PRELU have only version 1 there), and 16x8 models use the same numbers.
int integer_version(int32_t code, bool /*int16*/) {
  switch (static_cast<Op>(code)) {
    case Op::CONV_2D: case Op::DEPTHWISE_CONV_2D: return 3;
    case Op::FULLY_CONNECTED: return 4;
    case Op::RESHAPE: case Op::SQUEEZE: case Op::EXPAND_DIMS: case Op::HARD_SWISH: case Op::PRELU: return 1;
    default: return 2;
  }
}

// Expected output shift per output channel from weight rounding: sum over the kernel of
// (dequantized - float weight) * mean of the input channel it multiplies. Layouts: CONV_2D,
// TRANSPOSE_CONV [O, ..., I] and FULLY_CONNECTED [O, I] (input channel = last index);
// DEPTHWISE_CONV_2D [1, H, W, I*M] (input channel = c / M). Empty when the input's
// channel count does not match the weights (e.g. a flattened FULLY_CONNECTED input).
std::vector<double> weight_rounding_shift(const float* w, const QuantizedWeights& qw, const std::vector<int32_t>& shape,
                                          bool depthwise, const std::vector<double>& mean) {
  if (shape.size() < 2) return {};
  size_t n = 1;
  for (int32_t d : shape) n *= static_cast<size_t>(d);
  const size_t last = static_cast<size_t>(shape.back());
  const auto& sc = qw.quant.scale;
  const int axis = qw.quant.axis;
  if (depthwise) {
    if (mean.empty() || last % mean.size()) return {};
    const size_t mult = last / mean.size();
    std::vector<double> shift(last, 0.0);
    for (size_t k = 0; k < n; ++k) {
      const size_t c = k % last;
      const float s = sc.size() == 1 ? sc[0] : sc[c];
      shift[c] += (double(qw.values[k]) * s - w[k]) * mean[c / mult];
    }
    return shift;
  }
  if (mean.size() != last) return {};
  const size_t outs = static_cast<size_t>(shape[0]), per_out = n / outs;
  if (sc.size() != 1 && (axis != 0 || sc.size() != outs)) return {};
  std::vector<double> shift(outs, 0.0);
  for (size_t o = 0; o < outs; ++o) {
    const float s = sc.size() == 1 ? sc[0] : sc[o];
    double acc = 0;
    for (size_t j = 0; j < per_out; ++j) {
      const size_t k = o * per_out + j;
      acc += (double(qw.values[k]) * s - w[k]) * mean[j % last];
    }
    shift[o] = acc;
  }
  return shift;
}

}  // namespace

PatchSpec gptq_patch(int32_t code, int input_tensor, const std::vector<int32_t>& wshape) {
  PatchSpec ps;
  const auto op = static_cast<Op>(code);
  if (op == Op::CONV_2D && wshape.size() == 4) {
    ps.kh = wshape[1], ps.kw = wshape[2];
    if (int64_t(wshape[1]) * wshape[2] * wshape[3] > kMaxGptqDim) return ps;
  } else if (op == Op::DEPTHWISE_CONV_2D && wshape.size() == 4) {
    ps.kh = wshape[1], ps.kw = wshape[2], ps.per_channel = true;
  } else if (op == Op::FULLY_CONNECTED && wshape.size() == 2) {
    if (wshape[1] > kMaxGptqDim) return ps;
  } else {
    return ps;
  }
  ps.tensor = input_tensor;
  return ps;
}

void quantize_integer(ir::ModelData& model, const std::map<int, Range>& ranges, const IntegerOptions& o,
                      ConversionReport* report) {
  GraphEditor ed(*model.fb);
  auto& m = ed.model();
  auto& g = ed.graph();
  const bool i16 = o.int16_activations;
  const DType act = i16 ? DType::kInt16 : DType::kInt8;
  const size_t n_orig = g.tensors.size();
  // Which tensors are float activations, decided once: the rewrite below changes types.
  std::vector<char> float_act(n_orig, 0);
  for (size_t i = 0; i < n_orig; ++i)
    float_act[i] = ed.tensor(static_cast<int>(i)).type == tflite::TensorType::FLOAT32 && !ed.is_constant(static_cast<int>(i));
  auto is_float_act = [&](int idx) { return idx >= 0 && static_cast<size_t>(idx) < n_orig && float_act[idx]; };
  auto is_float_const = [&](int idx) {
    return idx >= 0 && ed.tensor(idx).type == tflite::TensorType::FLOAT32 && ed.is_constant(idx);
  };

  // --- 1. which ops become integer ------------------------------------------------------
  const size_t n_ops = g.operators.size();
  std::vector<char> qop(n_ops, 0);
  std::vector<const OpRule*> rule(n_ops, nullptr);
  std::vector<std::string> not_integer;
  for (size_t i = 0; i < n_ops; ++i) {
    const auto& op = *g.operators[i];
    const int32_t code = ir::builtin_code(m, op);
    const std::string type = ir::op_type_name(m, op);
    const std::string where = fmt::format("{} (operator {}, output '{}')", type, i,
                                          op.outputs.empty() || op.outputs[0] < 0 ? "" : ed.tensor(op.outputs[0]).name);
    bool touches_float = false;
    for (int idx : op.inputs) touches_float |= is_float_act(idx) || is_float_const(idx);
    for (int idx : op.outputs) touches_float |= is_float_act(idx);
    if (!touches_float) continue;  // shape arithmetic on int32 etc.: unchanged
    const OpRule* r = find_rule(code);
    std::string why;
    if (!r || !(i16 ? r->int16 : r->int8)) why = fmt::format("no {} kernel", i16 ? "16x8" : "int8");
    if (why.empty() && std::find(o.denylisted_ops.begin(), o.denylisted_ops.end(), type) != o.denylisted_ops.end())
      why = "kept float (--keep-float)";
    for (int out : op.outputs)
      if (why.empty() && out >= 0 &&
          std::find(o.denylisted_nodes.begin(), o.denylisted_nodes.end(), ed.tensor(out).name) != o.denylisted_nodes.end())
        why = "kept float (--keep-float)";
    if (why.empty()) {
      for (int idx : op.inputs)
        if (is_float_act(idx) && !ranges.count(idx)) why = "an input was not calibrated";
      for (int idx : op.outputs)
        if (is_float_act(idx) && !ranges.count(idx)) why = "an output was not calibrated";
    }
    if (why.empty() && r->kind == QKind::kWeighted) {
      if (static_cast<int>(op.inputs.size()) <= r->weight_input || !is_float_const(op.inputs[r->weight_input]))
        why = "weights are not float constants";
      else if (r->bias_input >= 0 && static_cast<int>(op.inputs.size()) > r->bias_input &&
               op.inputs[r->bias_input] >= 0 && !is_float_const(op.inputs[r->bias_input]))
        why = "bias is not a float constant";
    }
    if (why.empty()) {
      qop[i] = 1;
      rule[i] = r;
    } else if (why.rfind("kept float", 0) != 0) {
      // Ops the user keeps in float on purpose are allowed even in integer-only mode.
      not_integer.push_back(where + ": " + why);
    }
  }
  if (!o.allow_float_fallback && !not_integer.empty()) {
    std::string list;
    for (const auto& s : not_integer) list += "\n  " + s;
    throw Error(ErrorKind::kUnsupported,
                fmt::format("{} operator(s) cannot be {} (integer-only mode); keep them in float with --keep-float TYPE "
                            "(or drop --mode {}):{}",
                            not_integer.size(), i16 ? "16x8" : "int8", i16 ? "int16x8" : "int8-only", list));
  }

  // --- 2. parameters ----------------------------------------------------------------------
  UnionFind uf(n_orig);
  std::map<int, std::pair<float, int64_t>> fixed;  // tensor -> fixed (scale, zero point)
  for (size_t i = 0; i < n_ops; ++i) {
    if (!qop[i]) continue;
    const auto& op = *g.operators[i];
    if (rule[i]->kind == QKind::kSameScale) {
      int first = -1;
      for (int idx : op.inputs)
        if (is_float_act(idx)) {
          if (first < 0) first = idx;
          else uf.unite(idx, first);
        }
      for (int idx : op.outputs)
        if (is_float_act(idx)) {
          if (first < 0) first = idx;
          else uf.unite(idx, first);
        }
    }
    if (rule[i]->kind == QKind::kFixed)
      for (int idx : op.outputs)
        if (is_float_act(idx))
          fixed[idx] = i16 ? std::make_pair(rule[i]->fixed_scale_int16, int64_t{0})
                           : std::make_pair(rule[i]->fixed_scale_int8, int64_t{rule[i]->fixed_zero_point_int8});
  }
  std::map<int, Range> class_range;
  std::map<int, std::pair<float, int64_t>> class_fixed;
  for (const auto& [idx, r] : ranges) {
    if (static_cast<size_t>(idx) >= n_orig) continue;
    auto& cr = class_range[uf.find(idx)];
    cr.min = std::min(cr.min, r.min);
    cr.max = std::max(cr.max, r.max);
  }
  for (const auto& [idx, f] : fixed) class_fixed.emplace(uf.find(idx), f);
  auto params_of = [&](int idx) -> TensorQuant {
    if (idx < 0 || static_cast<size_t>(idx) >= n_orig) throw Error(ErrorKind::kInternal, "quantizer: no params for a tensor");
    const int c = uf.find(idx);
    if (auto it = class_fixed.find(c); it != class_fixed.end()) return TensorQuant{{it->second.first}, {it->second.second}, 0};
    const Range r = class_range.count(c) ? class_range[c] : Range{0, 0};
    return i16 ? symmetric_params(r, 32767) : asymmetric_params(r);
  };

  // --- 3. rewrite ---------------------------------------------------------------------------
  // Producer and consumers of each original tensor.
  std::vector<int> producer(n_orig, -1);
  std::vector<char> float_consumer(n_orig, 0), int_consumer(n_orig, 0), int_producer(n_orig, 0);
  for (size_t i = 0; i < n_ops; ++i) {
    const auto& op = *g.operators[i];
    for (int idx : op.outputs)
      if (idx >= 0) {
        producer[idx] = static_cast<int>(i);
        int_producer[idx] = qop[i];
      }
    for (int idx : op.inputs)
      if (is_float_act(idx)) (qop[i] ? int_consumer : float_consumer)[idx] = 1;
  }
  std::set<int> graph_in(g.inputs.begin(), g.inputs.end()), graph_out(g.outputs.begin(), g.outputs.end());
  std::vector<int> qidx(n_orig, -1), fidx(n_orig, -1);
  // Conversions to emit at the start, or right after a producer.
  std::vector<std::unique_ptr<tflite::OperatorT>> at_start;
  std::map<int, std::vector<std::unique_ptr<tflite::OperatorT>>> after;  // producer op -> ops
  auto quantize_op = [&](int from, int to) {
    const bool requant = ed.tensor(from).type != tflite::TensorType::FLOAT32;
    return ed.make_op(static_cast<int32_t>(Op::QUANTIZE), requant ? 2 : 1, {from}, {to});
  };
  auto dequantize_op = [&](int from, int to) {
    return ed.make_op(static_cast<int32_t>(Op::DEQUANTIZE), 2, {from}, {to});
  };
  auto new_int_tensor = [&](int idx, const std::string& suffix) {
    const auto q = params_of(idx);
    return ed.add_tensor(ed.tensor(idx).name + suffix, act, ed.tensor(idx).shape, &q);
  };
  auto new_float_tensor = [&](int idx, const std::string& suffix) {
    return ed.add_tensor(ed.tensor(idx).name + suffix, DType::kFloat32, ed.tensor(idx).shape);
  };
  auto make_int_in_place = [&](int idx) {
    auto& t = ed.tensor(idx);
    t.type = static_cast<tflite::TensorType>(act);
    GraphEditor::set_quant(t, params_of(idx));
  };
  for (size_t idx = 0; idx < n_orig; ++idx) {
    const int t = static_cast<int>(idx);
    if (!is_float_act(t)) continue;
    const bool need_int = int_consumer[t] || int_producer[t];
    const bool need_float = float_consumer[t] || (producer[t] >= 0 && !int_producer[t]);
    if (!need_int) {
      fidx[t] = t;
      continue;
    }
    std::vector<std::unique_ptr<tflite::OperatorT>>& sink = producer[t] >= 0 ? after[producer[t]] : at_start;
    if (graph_in.count(t)) {
      if (o.input_type == DType::kFloat32) {
        fidx[t] = t;
        qidx[t] = new_int_tensor(t, i16 ? "_int16" : "_int8");
        at_start.push_back(quantize_op(t, qidx[t]));
      } else if (o.input_type == act) {
        make_int_in_place(t);
        qidx[t] = t;
        if (float_consumer[t]) {
          fidx[t] = new_float_tensor(t, "_float");
          at_start.push_back(dequantize_op(t, fidx[t]));
        }
      } else if (o.input_type == DType::kUInt8 && !i16) {
        qidx[t] = new_int_tensor(t, "_int8");
        auto q = params_of(t);
        q.zero_point[0] += 128;
        auto& tt = ed.tensor(t);
        tt.type = tflite::TensorType::UINT8;
        GraphEditor::set_quant(tt, q);
        at_start.push_back(quantize_op(t, qidx[t]));
        if (float_consumer[t]) {
          fidx[t] = new_float_tensor(t, "_float");
          at_start.push_back(dequantize_op(qidx[t], fidx[t]));
        }
      } else {
        throw Error(ErrorKind::kInvalidArgument, fmt::format("input type {} is not possible with {} activations",
                                                             dtype_name(o.input_type), dtype_name(act)));
      }
      continue;
    }
    if (graph_out.count(t)) {
      if (!int_producer[t]) {  // float producer: the float tensor stays the output
        fidx[t] = t;
        if (o.output_type != DType::kFloat32)
          throw Error(ErrorKind::kUnsupported,
                      fmt::format("model output '{}' is computed in float; it cannot be {}", ed.tensor(t).name,
                                  dtype_name(o.output_type)));
        qidx[t] = new_int_tensor(t, i16 ? "_int16" : "_int8");
        sink.push_back(quantize_op(t, qidx[t]));
        continue;
      }
      if (o.output_type == DType::kFloat32) {
        fidx[t] = t;
        qidx[t] = new_int_tensor(t, i16 ? "_int16" : "_int8");
        sink.push_back(dequantize_op(qidx[t], t));
      } else if (o.output_type == act) {
        make_int_in_place(t);
        qidx[t] = t;
        if (float_consumer[t]) {
          fidx[t] = new_float_tensor(t, "_float");
          sink.push_back(dequantize_op(t, fidx[t]));
        }
      } else if (o.output_type == DType::kUInt8 && !i16) {
        qidx[t] = new_int_tensor(t, "_int8");
        auto q = params_of(t);
        q.zero_point[0] += 128;
        auto& tt = ed.tensor(t);
        tt.type = tflite::TensorType::UINT8;
        GraphEditor::set_quant(tt, q);
        sink.push_back(quantize_op(qidx[t], t));
        if (float_consumer[t]) {
          fidx[t] = new_float_tensor(t, "_float");
          sink.push_back(dequantize_op(qidx[t], fidx[t]));
        }
      } else {
        throw Error(ErrorKind::kInvalidArgument, fmt::format("output type {} is not possible with {} activations",
                                                             dtype_name(o.output_type), dtype_name(act)));
      }
      continue;
    }
    if (int_producer[t]) {
      make_int_in_place(t);
      qidx[t] = t;
      if (need_float) {
        fidx[t] = new_float_tensor(t, "_float");
        sink.push_back(dequantize_op(t, fidx[t]));
      }
    } else {
      fidx[t] = t;
      qidx[t] = new_int_tensor(t, i16 ? "_int16" : "_int8");
      sink.push_back(quantize_op(t, qidx[t]));
    }
  }

  // Constants read by integer ops.
  std::map<std::pair<int, std::string>, int> const_cache;
  auto quantized_const = [&](int idx, const TensorQuant& q, const std::string& key) {
    const auto k = std::make_pair(idx, key);
    if (auto it = const_cache.find(k); it != const_cache.end()) return it->second;
    const float* x = ed.float_data(idx);
    const size_t n = ed.data(idx).size() / 4;
    const auto shape = ed.tensor(idx).shape;
    const std::string name = ed.tensor(idx).name;
    int out;
    if (i16) out = ed.add_tensor(name, act, shape, &q, ed.add_buffer(quantize_int16(x, n, q.scale[0], q.zero_point[0])));
    else out = ed.add_tensor(name, act, shape, &q, ed.add_buffer(quantize_int8(x, n, q.scale[0], q.zero_point[0])));
    return const_cache[k] = out;
  };

  int quantized_ops = 0;
  std::vector<std::unique_ptr<tflite::OperatorT>> ops = std::move(at_start);
  for (size_t i = 0; i < n_ops; ++i) {
    auto op = std::move(g.operators[i]);
    const int32_t code = ir::builtin_code(m, *op);
    if (!qop[i]) {
      for (auto& idx : op->inputs)
        if (is_float_act(idx)) idx = fidx[idx];
      for (auto& idx : op->outputs)
        if (is_float_act(idx)) idx = fidx[idx];
      if (report) report->float_op_names.push_back(fmt::format("{} (operator {})", ir::op_type_name(m, *op), i));
    } else {
      ++quantized_ops;
      const OpRule& r = *rule[i];
      // The op's activation input params: for weighted ops, the bias scale uses them.
      int act_in = -1;
      for (int idx : op->inputs)
        if (is_float_act(idx)) {
          act_in = idx;
          break;
        }
      std::vector<float> weight_scales;
      std::vector<double> bias_shift;  // bias correction, per output channel (empty: none)
      for (size_t k = 0; k < op->inputs.size(); ++k) {
        const int idx = op->inputs[k];
        if (idx < 0) continue;
        if (is_float_act(idx)) {
          op->inputs[k] = qidx[idx];
          continue;
        }
        if (!is_float_const(idx)) continue;
        if (r.kind == QKind::kWeighted && static_cast<int>(k) == r.weight_input) {
          const int axis = (o.per_channel && r.weight_per_axis) ? r.weight_axis : -1;
          const auto shape = ed.tensor(idx).shape;
          // Scales a QDQ model gave its weights (quantization min/max on the float tensor).
          std::vector<float> given;
          if (const auto& wq = ed.tensor(idx).quantization; wq && wq->scale.empty() && !wq->max.empty())
            for (float m : wq->max) given.push_back(m / 127.0f);
          auto qw = quantize_weights(ed.float_data(idx), shape, axis, o.weight_mse, given.empty() ? nullptr : &given);
          if (o.moments && act_in >= 0) {
            const bool dw = code == static_cast<int32_t>(Op::DEPTHWISE_CONV_2D);
            const PatchSpec ps = gptq_patch(code, act_in, shape);
            if (auto mi = o.moments->find(ps.key()); ps.tensor >= 0 && mi != o.moments->end())
              gptq_round(ed.float_data(idx), shape, dw, mi->second, qw);
          }
          weight_scales = qw.quant.scale;
          if (o.channel_means && act_in >= 0)
            if (auto mi = o.channel_means->find(act_in); mi != o.channel_means->end())
              bias_shift = weight_rounding_shift(ed.float_data(idx), qw, shape, code == static_cast<int32_t>(Op::DEPTHWISE_CONV_2D),
                                                 mi->second);
          op->inputs[k] = ed.add_tensor(ed.tensor(idx).name, DType::kInt8, shape, &qw.quant, ed.add_buffer(qw.values));
          continue;
        }
        if (r.kind == QKind::kWeighted && static_cast<int>(k) == r.bias_input) continue;  // below
        // Other constants: same-scale ops use the class params; the others their own range.
        TensorQuant q;
        std::string key;
        if (r.kind == QKind::kSameScale || r.kind == QKind::kFixed) {
          int ref = -1;
          for (int out : op->outputs)
            if (out >= 0) ref = out;
          q = params_of(ref);
          key = fmt::format("class{}", uf.find(ref));
        } else {
          const Range cr = range_of(ed.float_data(idx), ed.data(idx).size() / 4);
          q = i16 ? symmetric_params(cr, 32767) : asymmetric_params(cr);
          key = "own";
        }
        op->inputs[k] = quantized_const(idx, q, key);
      }
      if (r.kind == QKind::kWeighted && r.bias_input >= 0 && static_cast<int>(op->inputs.size()) > r.bias_input &&
          op->inputs[r.bias_input] >= 0) {
        const int b = op->inputs[r.bias_input];
        const float in_scale = params_of(act_in).scale[0];
        const size_t n = ed.data(b).size() / 4;
        const auto shape = ed.tensor(b).shape;
        std::vector<float> corrected;
        const float* bias_values = ed.float_data(b);
        if (bias_shift.size() == n) {
          corrected.assign(bias_values, bias_values + n);
          for (size_t c = 0; c < n; ++c) corrected[c] = static_cast<float>(corrected[c] - bias_shift[c]);
          bias_values = corrected.data();
        }
        TensorQuant bq;
        if (i16) {
          const auto v = quantize_bias64(bias_values, n, in_scale, weight_scales, &bq);
          op->inputs[r.bias_input] = ed.add_tensor(ed.tensor(b).name, DType::kInt64, shape, &bq, ed.add_buffer(v));
        } else {
          const auto v = quantize_bias32(bias_values, n, in_scale, weight_scales, &bq);
          op->inputs[r.bias_input] = ed.add_tensor(ed.tensor(b).name, DType::kInt32, shape, &bq, ed.add_buffer(v));
        }
      }
      for (auto& idx : op->outputs)
        if (is_float_act(idx)) idx = qidx[idx];
      if (i16) {
        if (auto* a = op->builtin_options.AsAddOptions()) a->pot_scale_int16 = false;
        if (auto* s = op->builtin_options.AsSubOptions()) s->pot_scale_int16 = false;
      }
      auto& oc = *m.operator_codes[op->opcode_index];
      // An op code shared by integer and float ops keeps the higher version: fine for both.
      oc.version = std::max(oc.version, integer_version(code, i16));
    }
    ops.push_back(std::move(op));
    if (auto it = after.find(static_cast<int>(i)); it != after.end())
      for (auto& c : it->second) ops.push_back(std::move(c));
  }
  g.operators = std::move(ops);
  if (report) {
    report->quantized_ops = quantized_ops;
    report->float_ops = static_cast<int>(report->float_op_names.size());
  }
}

}  // namespace liteq::quant
