// Shape and indexing ONNX ops: Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Concat,
// Split, Slice, Gather (constant indices), Pad, the Reduce* ops, LayerNormalization.
// Transpose only relabels the layout; axis ops map their axes through it; ops that
// reinterpret the memory order (Reshape & co.) need ONNX's order.
#include <cmath>
#include <numeric>

#include "io/onnx/translator.h"

namespace liteq::onnx_io {

namespace {

std::vector<int64_t> ints_of(const Const& c) {
  std::vector<int64_t> v;
  for (double x : c.v) v.push_back(static_cast<int64_t>(x));
  return v;
}

// True if moving from layout `from` to identity only moves size-1 dims.
bool trivially_identity(const Value& v) {
  std::vector<int> a, b;
  for (int i = 0; i < v.rank(); ++i) {
    if (v.shape[v.perm[i]] != 1) a.push_back(v.perm[i]);
    if (v.shape[i] != 1) b.push_back(i);
  }
  return a == b;
}

// RESHAPE of x to the node's output shape (ONNX order).
void reshape_to_output(Translator& t) {
  Value& x = t.input(0);
  t.check(!x.c, "internal: constant reshape not folded");
  const std::string& op = t.node().op_type();
  if (op == "Reshape") t.const_input(1, "the shape");
  if ((op == "Squeeze" || op == "Unsqueeze") && t.maybe_input(1)) t.const_input(1, "axes");
  const auto& shape = t.out_shape(0);
  const int src = trivially_identity(x) ? x.tensor : t.as_layout(x, identity_perm(x.rank()));
  const auto s32 = Translator::to_i32(shape);
  const int st = t.add_const(t.fresh(t.node().output(0) + "_shape"), DType::kInt32, {static_cast<int32_t>(s32.size())},
                             std::vector<double>(s32.begin(), s32.end()));
  const int out = t.define(0, identity_perm(static_cast<int>(shape.size())), static_cast<DType>(t.tensor(src).type));
  tflite::ReshapeOptionsT ro;
  ro.new_shape = s32;
  t.emit(Op::RESHAPE, {src, st}, {out}).builtin_options.Set(std::move(ro));
}

void transpose(Translator& t) {
  Value& x = t.input(0);
  const int r = x.rank();
  auto p = t.attr_ints("perm");
  if (p.empty())
    for (int i = r - 1; i >= 0; --i) p.push_back(i);
  t.check(static_cast<int>(p.size()) == r, "perm does not match the input's rank");
  std::vector<int> inv(r, -1);
  for (int j = 0; j < r; ++j) {
    t.check(p[j] >= 0 && p[j] < r && inv[p[j]] < 0, "perm is not a permutation");
    inv[p[j]] = j;
  }
  // Output logical j = input logical p[j]: the same tensor, relabelled.
  Value out = x;
  out.shape = t.out_shape(0);
  for (int i = 0; i < r; ++i) out.perm[i] = inv[x.perm[i]];
  t.alias(0, out);
}

void concat(Translator& t) {
  const int r = static_cast<int>(t.out_shape(0).size());
  std::vector<int> perm = identity_perm(r);
  for (int i = 0; i < t.num_inputs(); ++i)
    if (Value* v = t.maybe_input(i); v && !v->c) {
      perm = v->perm;
      break;
    }
  std::vector<int32_t> ins;
  for (int i = 0; i < t.num_inputs(); ++i) {
    Value& v = t.input(i);
    if (v.c && v.c->size() == 0) continue;  // empty inputs add nothing
    ins.push_back(t.as_layout(v, perm));
  }
  const int axis = t.phys_axis(t.attr_int("axis", 0), perm);
  const int out = t.define(0, perm, t.out_dtype());
  tflite::ConcatenationOptionsT co;
  co.axis = axis;
  t.emit(Op::CONCATENATION, ins, {out}).builtin_options.Set(std::move(co));
}

void split(Translator& t) {
  Value& x = t.input(0);
  t.check(!x.c, "a constant input is not supported");
  const int r = x.rank();
  int64_t axis = t.attr_int("axis", 0);
  if (axis < 0) axis += r;
  t.check(axis >= 0 && axis < r, "axis out of range");
  std::vector<int64_t> sizes;
  if (t.opset() < 13) sizes = t.attr_ints("split");
  else if (t.maybe_input(1)) sizes = ints_of(t.const_input(1, "split"));
  const int n = t.node().output_size();
  if (sizes.empty()) {
    t.check(x.shape[axis] % n == 0, "the axis does not divide evenly into the outputs");
    sizes.assign(n, x.shape[axis] / n);
  }
  t.check(static_cast<int>(sizes.size()) == n, "split sizes do not match the outputs");
  const int pa = t.phys_axis(axis, x.perm);
  const int in = t.as_layout(x, x.perm);
  const bool equal = std::all_of(sizes.begin(), sizes.end(), [&](int64_t s) { return s == sizes[0]; });
  if (equal) {
    std::vector<int32_t> outs;
    for (int i = 0; i < n; ++i) outs.push_back(t.define(i, x.perm, t.out_dtype(i)));
    const int at = t.add_const(t.fresh(t.node().output(0) + "_axis"), DType::kInt32, {}, {double(pa)});
    tflite::SplitOptionsT so;
    so.num_splits = n;
    t.emit(Op::SPLIT, {at, in}, outs).builtin_options.Set(std::move(so));
    return;
  }
  int64_t start = 0;
  const auto pshape = Translator::physical(x.shape, x.perm);
  for (int i = 0; i < n; ++i) {
    std::vector<double> begin(r, 0), size(pshape.begin(), pshape.end());
    begin[pa] = static_cast<double>(start);
    size[pa] = static_cast<double>(sizes[i]);
    start += sizes[i];
    const int bt = t.add_const(t.fresh(t.node().output(i) + "_begin"), DType::kInt32, {r}, begin);
    const int st = t.add_const(t.fresh(t.node().output(i) + "_size"), DType::kInt32, {r}, size);
    const int out = t.define(i, x.perm, t.out_dtype(i));
    t.emit(Op::SLICE, {in, bt, st}, {out}).builtin_options.Set(tflite::SliceOptionsT{});
  }
}

void slice(Translator& t) {
  Value& x = t.input(0);
  t.check(!x.c, "internal: constant slice not folded");
  const int r = x.rank();
  std::vector<int64_t> starts, ends, axes, steps;
  if (t.opset() < 10) {
    starts = t.attr_ints("starts");
    ends = t.attr_ints("ends");
    axes = t.attr_ints("axes");
  } else {
    starts = ints_of(t.const_input(1, "starts"));
    ends = ints_of(t.const_input(2, "ends"));
    if (t.maybe_input(3)) axes = ints_of(t.const_input(3, "axes"));
    if (t.maybe_input(4)) steps = ints_of(t.const_input(4, "steps"));
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  t.check(starts.size() == ends.size() && axes.size() == starts.size() && steps.size() == starts.size(),
          "starts, ends, axes and steps differ in length");
  // Logical begin / end / step per dim, clamped as ONNX does.
  std::vector<int64_t> b(r, 0), e(x.shape), s(r, 1);
  std::vector<bool> end_open(r, false);
  for (size_t k = 0; k < axes.size(); ++k) {
    int64_t ax = axes[k] < 0 ? axes[k] + r : axes[k];
    t.check(ax >= 0 && ax < r && steps[k] != 0, "bad axis or zero step");
    const int64_t dim = x.shape[ax];
    int64_t st = starts[k] < 0 ? starts[k] + dim : starts[k], en = ends[k] < 0 ? ends[k] + dim : ends[k];
    if (steps[k] > 0) {
      st = std::clamp<int64_t>(st, 0, dim);
      en = std::clamp<int64_t>(en, 0, dim);
    } else {
      st = std::clamp<int64_t>(st, 0, dim - 1);
      en = std::clamp<int64_t>(en, -1, dim - 1);
      end_open[ax] = en < 0;
    }
    b[ax] = st;
    e[ax] = en;
    s[ax] = steps[k];
  }
  const int in = t.as_layout(x, x.perm);
  const int out = t.define(0, x.perm, t.out_dtype());
  const bool unit = std::all_of(s.begin(), s.end(), [](int64_t v) { return v == 1; });
  std::vector<double> pb(r), pe(r), ps(r);
  int end_mask = 0;
  for (int i = 0; i < r; ++i) {
    const int l = x.perm[i];
    pb[i] = static_cast<double>(b[l]);
    pe[i] = static_cast<double>(unit ? std::max<int64_t>(e[l] - b[l], 0) : e[l]);
    ps[i] = static_cast<double>(s[l]);
    if (end_open[l]) end_mask |= 1 << i;
  }
  const std::string& nm = t.node().output(0);
  const int bt = t.add_const(t.fresh(nm + "_begin"), DType::kInt32, {r}, pb);
  const int et = t.add_const(t.fresh(nm + (unit ? "_size" : "_end")), DType::kInt32, {r}, pe);
  if (unit) {
    t.emit(Op::SLICE, {in, bt, et}, {out}).builtin_options.Set(tflite::SliceOptionsT{});
  } else {
    const int stt = t.add_const(t.fresh(nm + "_strides"), DType::kInt32, {r}, ps);
    tflite::StridedSliceOptionsT so;
    so.end_mask = end_mask;
    t.emit(Op::STRIDED_SLICE, {in, bt, et, stt}, {out}).builtin_options.Set(std::move(so));
  }
}

void gather(Translator& t) {
  Value& x = t.input(0);
  const Const& idx = t.const_input(1, "indices");
  t.check(!x.c, "internal: constant gather not folded");
  const int r = x.rank();
  int64_t axis = t.attr_int("axis", 0);
  if (axis < 0) axis += r;
  t.check(axis >= 0 && axis < r, "axis out of range");
  std::vector<double> iv;
  for (double v : idx.v) {
    int64_t i = static_cast<int64_t>(v);
    if (i < 0) i += x.shape[axis];
    t.check(i >= 0 && i < x.shape[axis], fmt::format("index {} is out of range for a dim of {}", v, x.shape[axis]));
    iv.push_back(static_cast<double>(i));
  }
  std::vector<int> in_perm = idx.dims.size() <= 1 ? x.perm : identity_perm(r);
  std::vector<int> out_perm;
  if (idx.dims.empty()) {  // scalar index: the axis disappears
    for (int p : in_perm)
      if (p != axis) out_perm.push_back(p > axis ? p - 1 : p);
  } else if (idx.dims.size() == 1) {
    out_perm = in_perm;
  } else {
    out_perm = identity_perm(static_cast<int>(t.out_shape(0).size()));
  }
  const int in = t.as_layout(x, in_perm);
  std::vector<int32_t> idims = Translator::to_i32(idx.dims);
  const int it = t.add_const(t.fresh(t.node().output(0) + "_indices"), DType::kInt32, idims, iv);
  const int out = t.define(0, out_perm, t.out_dtype());
  tflite::GatherOptionsT go;
  go.axis = t.phys_axis(axis, in_perm);
  t.emit(Op::GATHER, {in, it}, {out}).builtin_options.Set(std::move(go));
}

void pad(Translator& t) {
  Value& x = t.input(0);
  t.check(!x.c, "a constant input is not supported");
  const std::string mode = t.attr_string("mode", "constant");
  t.check(mode == "constant", "mode '" + mode + "' is not supported (constant is)");
  const int r = x.rank();
  std::vector<int64_t> pads;
  double value = 0;
  if (t.opset() < 11) {
    pads = t.attr_ints("pads");
    value = t.attr_float("value", 0.0f);
  } else {
    pads = ints_of(t.const_input(1, "pads"));
    if (t.maybe_input(2)) value = t.const_input(2, "constant_value").v.at(0);
    t.check(!t.maybe_input(3), "the axes input is not supported");
  }
  t.check(static_cast<int>(pads.size()) == 2 * r, "pads must have 2 x rank values");
  for (int64_t p : pads) t.check(p >= 0, "negative pads are not supported");
  std::vector<double> pp;
  for (int i = 0; i < r; ++i) {
    pp.push_back(static_cast<double>(pads[x.perm[i]]));
    pp.push_back(static_cast<double>(pads[x.perm[i] + r]));
  }
  const int in = t.as_layout(x, x.perm);
  const int pt = t.add_const(t.fresh(t.node().output(0) + "_pads"), DType::kInt32, {r, 2}, pp);
  const int out = t.define(0, x.perm, t.out_dtype());
  if (value == 0) {
    t.emit(Op::PAD, {in, pt}, {out}).builtin_options.Set(tflite::PadOptionsT{});
  } else {
    const int vt = t.add_const(t.fresh(t.node().output(0) + "_value"), t.out_dtype(), {}, {value});
    t.emit(Op::PADV2, {in, pt, vt}, {out}).builtin_options.Set(tflite::PadV2OptionsT{});
  }
}

// The logical axes of a Reduce* node (attribute or input by opset), sorted, all if none.
std::vector<int64_t> reduce_axes(Translator& t, int r, bool axes_input) {
  std::vector<int64_t> axes;
  if (axes_input) {
    if (t.maybe_input(1)) axes = ints_of(t.const_input(1, "axes"));
  } else {
    axes = t.attr_ints("axes");
  }
  if (axes.empty()) {
    if (t.attr_int("noop_with_empty_axes", 0)) return {};
    for (int i = 0; i < r; ++i) axes.push_back(i);
  }
  for (auto& a : axes) {
    if (a < 0) a += r;
    t.check(a >= 0 && a < r, "axis out of range");
  }
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

// A reduction in x's layout; returns the output tensor. keep: keepdims.
int emit_reduce(Translator& t, Op op, Value& x, const std::vector<int64_t>& axes, bool keep, const std::string& out_name,
                std::vector<int>* out_perm_ret = nullptr) {
  const int in = t.as_layout(x, x.perm);
  std::vector<double> pa;
  for (int64_t a : axes) pa.push_back(t.phys_axis(a, x.perm));
  std::sort(pa.begin(), pa.end());
  std::vector<int> out_perm;
  if (keep) {
    out_perm = x.perm;
  } else {
    for (int p : x.perm) {
      if (std::find(axes.begin(), axes.end(), p) != axes.end()) continue;
      int shift = 0;
      for (int64_t a : axes) shift += a < p;
      out_perm.push_back(p - shift);
    }
  }
  const int at = t.add_const(t.fresh(out_name + "_axes"), DType::kInt32, {static_cast<int32_t>(pa.size())}, pa);
  const int out = t.define_as(out_name, out_perm, static_cast<DType>(t.tensor(in).type));
  tflite::ReducerOptionsT ro;
  ro.keep_dims = keep;
  t.emit(op, {in, at}, {out}).builtin_options.Set(std::move(ro));
  if (out_perm_ret) *out_perm_ret = out_perm;
  return out;
}

void reduce(Translator& t, Op op, int axes_input_opset) {
  Value& x = t.input(0);
  t.check(!x.c, "internal: constant reduction not folded");
  const auto axes = reduce_axes(t, x.rank(), t.opset() >= axes_input_opset);
  if (axes.empty()) return t.alias(0, x);
  emit_reduce(t, op, x, axes, t.attr_int("keepdims", 1) != 0, t.node().output(0));
}

// ArgMax / ArgMin: ARG_MAX / ARG_MIN (int64 output) over the mapped axis, a RESHAPE back
// for keepdims.
void arg_minmax(Translator& t, Op op) {
  Value& x = t.input(0);
  t.check(!x.c, "a constant input is not supported");
  t.check(t.attr_int("select_last_index", 0) == 0, "select_last_index = 1 is not supported (TFLite returns the first index)");
  const int r = x.rank();
  int64_t axis = t.attr_int("axis", 0);
  if (axis < 0) axis += r;
  t.check(axis >= 0 && axis < r, "axis out of range");
  const bool keep = t.attr_int("keepdims", 1) != 0;
  const int in = t.as_layout(x, x.perm);
  const int pa = t.phys_axis(axis, x.perm);
  std::vector<int> out_perm;
  for (int p : x.perm)
    if (p != axis) out_perm.push_back(p > axis ? p - 1 : p);
  auto shape = Translator::physical(x.shape, x.perm);
  shape.erase(shape.begin() + pa);
  const std::string nm = t.node().output(0);
  const int at = t.add_const(t.fresh(nm + "_axis"), DType::kInt32, {1}, {double(pa)});
  tflite::ArgMaxOptionsT amax;
  tflite::ArgMinOptionsT amin;
  amax.output_type = amin.output_type = tflite::TensorType::INT64;
  auto set_opts = [&](tflite::OperatorT& o) {
    if (op == Op::ARG_MAX) o.builtin_options.Set(std::move(amax));
    else o.builtin_options.Set(std::move(amin));
  };
  if (!keep) {
    const int out = t.define(0, out_perm, DType::kInt64);
    set_opts(t.emit(op, {in, at}, {out}));
    return;
  }
  const int mid = t.add_tensor(t.fresh(nm + "_reduced"), DType::kInt64, shape);
  set_opts(t.emit(op, {in, at}, {mid}));
  const int out = t.define(0, x.perm, DType::kInt64);
  const auto oshape = t.tensor(out).shape;
  const int st = t.add_const(t.fresh(nm + "_shape"), DType::kInt32, {static_cast<int32_t>(oshape.size())},
                             std::vector<double>(oshape.begin(), oshape.end()));
  t.emit(Op::RESHAPE, {mid, st}, {out}).builtin_options.Set(tflite::ReshapeOptionsT{});
}

// LayerNormalization (opset 17): mean and variance over dims [axis, r), then scale/bias.
void layer_norm(Translator& t) {
  Value& x = t.input(0);
  t.check(!x.c, "a constant input is not supported");
  auto wants = [&](int i) { return t.node().output_size() > i && !t.node().output(i).empty(); };
  const int r = x.rank();
  int64_t axis = t.attr_int("axis", -1);
  if (axis < 0) axis += r;
  const float eps = t.attr_float("epsilon", 1e-5f);
  std::vector<int64_t> axes;
  for (int64_t a = axis; a < r; ++a) axes.push_back(a);
  const std::string nm = t.node().output(0);
  const auto shape = Translator::physical(x.shape, x.perm);
  const int in = t.as_layout(x, x.perm);
  auto tmp = [&](const std::string& what, const std::vector<int32_t>& s) { return t.add_tensor(t.fresh(nm + what), DType::kFloat32, s); };
  std::vector<double> pa;
  for (int64_t a : axes) pa.push_back(t.phys_axis(a, x.perm));
  std::sort(pa.begin(), pa.end());
  auto rshape = shape;
  for (double a : pa) rshape[static_cast<int>(a)] = 1;
  const int at = t.add_const(t.fresh(nm + "_axes"), DType::kInt32, {static_cast<int32_t>(pa.size())}, pa);
  tflite::ReducerOptionsT keep;
  keep.keep_dims = true;
  const int mean = wants(1) ? t.define(1, x.perm) : tmp("_mean", rshape);
  t.emit(Op::MEAN, {in, at}, {mean}).builtin_options.Set(tflite::ReducerOptionsT(keep));
  const int d = tmp("_centered", shape);
  t.emit(Op::SUB, {in, mean}, {d}).builtin_options.Set(tflite::SubOptionsT{});
  const int sq = tmp("_squared", shape);
  t.emit(Op::MUL, {d, d}, {sq}).builtin_options.Set(tflite::MulOptionsT{});
  const int var = tmp("_var", rshape);
  t.emit(Op::MEAN, {sq, at}, {var}).builtin_options.Set(tflite::ReducerOptionsT(keep));
  const int et = t.add_const(t.fresh(nm + "_eps"), DType::kFloat32, {}, {eps});
  const int ve = tmp("_var_eps", rshape);
  t.emit(Op::ADD, {var, et}, {ve}).builtin_options.Set(tflite::AddOptionsT{});
  const int rs = wants(2) ? t.define(2, x.perm) : tmp("_rstd", rshape);
  t.emit(Op::RSQRT, {ve}, {rs});
  const int norm = tmp("_normalized", shape);
  t.emit(Op::MUL, {d, rs}, {norm}).builtin_options.Set(tflite::MulOptionsT{});
  const Const& gamma = t.const_input(1, "Scale");
  const int g = t.const_operand(gamma, r, x.perm, DType::kFloat32);
  const bool has_bias = t.maybe_input(2) != nullptr;
  const int scaled = has_bias ? tmp("_scaled", shape) : t.define(0, x.perm);
  t.emit(Op::MUL, {norm, g}, {scaled}).builtin_options.Set(tflite::MulOptionsT{});
  if (has_bias) {
    const int b = t.const_operand(t.const_input(2, "B"), r, x.perm, DType::kFloat32);
    const int out = t.define(0, x.perm);
    t.emit(Op::ADD, {scaled, b}, {out}).builtin_options.Set(tflite::AddOptionsT{});
  }
}

}  // namespace

void register_tensor_ops(std::map<std::string, OpHandler>& m) {
  for (const char* op : {"Reshape", "Flatten", "Squeeze", "Unsqueeze"})
    m[op] = [](Translator& t, const onnx::NodeProto&) { reshape_to_output(t); };
  m["Transpose"] = [](Translator& t, const onnx::NodeProto&) { transpose(t); };
  m["Concat"] = [](Translator& t, const onnx::NodeProto&) { concat(t); };
  m["Split"] = [](Translator& t, const onnx::NodeProto&) { split(t); };
  m["Slice"] = [](Translator& t, const onnx::NodeProto&) { slice(t); };
  m["Gather"] = [](Translator& t, const onnx::NodeProto&) { gather(t); };
  m["Pad"] = [](Translator& t, const onnx::NodeProto&) { pad(t); };
  m["ReduceMean"] = [](Translator& t, const onnx::NodeProto&) { reduce(t, Op::MEAN, 18); };
  m["ReduceSum"] = [](Translator& t, const onnx::NodeProto&) { reduce(t, Op::SUM, 13); };
  m["ReduceMax"] = [](Translator& t, const onnx::NodeProto&) { reduce(t, Op::REDUCE_MAX, 18); };
  m["ReduceMin"] = [](Translator& t, const onnx::NodeProto&) { reduce(t, Op::REDUCE_MIN, 18); };
  m["ReduceProd"] = [](Translator& t, const onnx::NodeProto&) { reduce(t, Op::REDUCE_PROD, 18); };
  m["ArgMax"] = [](Translator& t, const onnx::NodeProto&) { arg_minmax(t, Op::ARG_MAX); };
  m["ArgMin"] = [](Translator& t, const onnx::NodeProto&) { arg_minmax(t, Op::ARG_MIN); };
  m["LayerNormalization"] = [](Translator& t, const onnx::NodeProto&) { layer_norm(t); };
  // Shape, Size: constants (translator.cc); Constant, ConstantOfShape, Range: folded.
  for (const char* op : {"Shape", "Size", "Constant", "ConstantOfShape", "Range"})
    m[op] = [](Translator& t, const onnx::NodeProto& n) {
      t.fail_node("its inputs must be constant (" + n.op_type() + " is evaluated while translating)");
    };
}

}  // namespace liteq::onnx_io
