// The translation driver and the layout machinery (see translator.h).
#include "io/onnx/translator.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace liteq::onnx_io {

namespace {

std::vector<uint8_t> encode(const std::vector<double>& v, DType t) {
  std::vector<uint8_t> out(v.size() * dtype_size(t));
  auto put = [&](auto x, size_t i) { std::memcpy(out.data() + i * sizeof(x), &x, sizeof(x)); };
  for (size_t i = 0; i < v.size(); ++i) {
    switch (t) {
      case DType::kFloat32: put(static_cast<float>(v[i]), i); break;
      case DType::kFloat64: put(v[i], i); break;
      case DType::kInt32: put(static_cast<int32_t>(v[i]), i); break;
      case DType::kInt64: put(static_cast<int64_t>(v[i]), i); break;
      case DType::kInt16: put(static_cast<int16_t>(v[i]), i); break;
      case DType::kInt8: put(static_cast<int8_t>(v[i]), i); break;
      case DType::kUInt8: put(static_cast<uint8_t>(v[i]), i); break;
      case DType::kBool: put(static_cast<uint8_t>(v[i] != 0), i); break;
      default: fail(ErrorKind::kUnsupported, "constant of dtype {} cannot be written", dtype_name(t));
    }
  }
  return out;
}

// data permuted so that output dim i is input dim perm[i].
std::vector<double> permute(const std::vector<double>& v, const std::vector<int64_t>& dims, const std::vector<int>& perm) {
  const int r = static_cast<int>(dims.size());
  if (r <= 1) return v;
  bool ident = true;
  for (int i = 0; i < r; ++i) ident = ident && perm[i] == i;
  if (ident) return v;
  std::vector<int64_t> in_strides(r, 1), out_dims(r);
  for (int i = r - 2; i >= 0; --i) in_strides[i] = in_strides[i + 1] * dims[i + 1];
  for (int i = 0; i < r; ++i) out_dims[i] = dims[perm[i]];
  std::vector<double> out(v.size());
  std::vector<int64_t> idx(r, 0);
  for (size_t o = 0; o < out.size(); ++o) {
    int64_t src = 0;
    for (int i = 0; i < r; ++i) src += idx[i] * in_strides[perm[i]];
    out[o] = v[src];
    for (int i = r - 1; i >= 0; --i) {
      if (++idx[i] < out_dims[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

}  // namespace

Translator::Translator(Parsed& parsed, const OnnxOptions& options, std::string name)
    : parsed_(parsed), options_(options), name_(std::move(name)) {}

void Translator::fail_node(const std::string& what) const {
  fail(ErrorKind::kUnsupported, "{}: node {} '{}' ({}): {}", name_, node_index_, node_->name(), node_->op_type(), what);
}

Value& Translator::value(const std::string& name) {
  auto it = values_.find(name);
  if (it == values_.end()) {
    if (node_) fail(ErrorKind::kInvalidModel, "{}: node {} '{}' ({}) reads '{}', which no earlier node, input or initializer defines",
                    name_, node_index_, node_->name(), node_->op_type(), name);
    fail(ErrorKind::kInvalidModel, "{}: '{}' is not defined by any node, input or initializer", name_, name);
  }
  return it->second;
}

Value& Translator::input(int i) {
  if (i >= node_->input_size() || node_->input(i).empty()) fail_node(fmt::format("input {} is missing", i));
  return value(node_->input(i));
}

Value* Translator::maybe_input(int i) {
  if (i >= node_->input_size() || node_->input(i).empty()) return nullptr;
  return &value(node_->input(i));
}

const Const& Translator::const_input(int i, const std::string& what) {
  Value& v = input(i);
  if (!v.c) fail_node(fmt::format("{} (input {}) must be a constant", what, i));
  return *v.c;
}

const onnx::AttributeProto* Translator::attr(const std::string& name) const {
  for (const auto& a : node_->attribute())
    if (a.name() == name) return &a;
  return nullptr;
}
int64_t Translator::attr_int(const std::string& name, int64_t def) const {
  const auto* a = attr(name);
  return a ? a->i() : def;
}
float Translator::attr_float(const std::string& name, float def) const {
  const auto* a = attr(name);
  return a ? a->f() : def;
}
std::string Translator::attr_string(const std::string& name, const std::string& def) const {
  const auto* a = attr(name);
  return a ? a->s() : def;
}
std::vector<int64_t> Translator::attr_ints(const std::string& name, std::vector<int64_t> def) const {
  const auto* a = attr(name);
  if (!a) return def;
  return {a->ints().begin(), a->ints().end()};
}

const std::vector<int64_t>& Translator::out_shape(int i) { return shape_of(node_->output(i)); }

int Translator::out_type(int i) {
  auto it = parsed_.value_info.find(node_->output(i));
  if (it != parsed_.value_info.end() && it->second.first != 0) return it->second.first;
  return node_->input_size() > 0 && !node_->input(0).empty() ? value(node_->input(0)).type : onnx::TensorProto::FLOAT;
}

std::vector<int32_t> Translator::to_i32(const std::vector<int64_t>& v) {
  std::vector<int32_t> r;
  for (int64_t x : v) {
    if (x > INT32_MAX || x < INT32_MIN) fail(ErrorKind::kUnsupported, "dimension {} does not fit in int32", x);
    r.push_back(static_cast<int32_t>(x));
  }
  return r;
}

std::vector<int32_t> Translator::physical(const std::vector<int64_t>& shape, const std::vector<int>& perm) {
  std::vector<int64_t> p(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) p[i] = shape[perm[i]];
  return to_i32(p);
}

int Translator::phys_axis(int64_t axis, const std::vector<int>& perm) const {
  const int r = static_cast<int>(perm.size());
  if (axis < 0) axis += r;
  if (axis < 0 || axis >= r) fail_node(fmt::format("axis {} is out of range for rank {}", axis, r));
  for (int i = 0; i < r; ++i)
    if (perm[i] == axis) return i;
  fail_node("internal: bad layout");
}

std::string Translator::fresh(const std::string& base) { return fmt::format("{}__{}", base, counter_++); }

int Translator::add_tensor(const std::string& name, DType dtype, const std::vector<int32_t>& shape) {
  auto t = std::make_unique<tflite::TensorT>();
  t->name = name;
  t->type = static_cast<tflite::TensorType>(dtype);
  t->shape = shape;
  t->buffer = 0;
  graph().tensors.push_back(std::move(t));
  return static_cast<int>(graph().tensors.size() - 1);
}

int Translator::add_const(const std::string& name, DType dtype, const std::vector<int32_t>& shape, const std::vector<double>& v) {
  const int idx = add_tensor(name, dtype, shape);
  auto b = std::make_unique<tflite::BufferT>();
  b->data = encode(v, dtype);
  model_->buffers.push_back(std::move(b));
  tensor(idx).buffer = static_cast<uint32_t>(model_->buffers.size() - 1);
  return idx;
}

void Translator::record_weight_scales(int t, const std::vector<float>& scales, int axis) {
  if (scales.empty()) return;
  auto q = std::make_unique<tflite::QuantizationParametersT>();
  for (float sc : scales) {
    q->min.push_back(-127.0f * sc);
    q->max.push_back(127.0f * sc);
  }
  q->quantized_dimension = axis;
  tensor(t).quantization = std::move(q);
}

tflite::OperatorT& Translator::emit(Op op, std::vector<int32_t> inputs, std::vector<int32_t> outputs, int version) {
  const auto code = static_cast<int32_t>(op);
  uint32_t opcode = UINT32_MAX;
  for (size_t i = 0; i < model_->operator_codes.size(); ++i) {
    auto& oc = *model_->operator_codes[i];
    if (ir::builtin_code(oc) == code) {
      oc.version = std::max(oc.version, version);
      opcode = static_cast<uint32_t>(i);
    }
  }
  if (opcode == UINT32_MAX) {
    auto oc = std::make_unique<tflite::OperatorCodeT>();
    oc->builtin_code = static_cast<tflite::BuiltinOperator>(code);
    oc->deprecated_builtin_code = static_cast<int8_t>(std::min(code, 127));
    oc->version = version;
    model_->operator_codes.push_back(std::move(oc));
    opcode = static_cast<uint32_t>(model_->operator_codes.size() - 1);
  }
  auto o = std::make_unique<tflite::OperatorT>();
  o->opcode_index = opcode;
  o->inputs = std::move(inputs);
  o->outputs = std::move(outputs);
  auto* raw = o.get();
  for (int32_t t : raw->outputs) producers_[t] = raw;
  graph().operators.push_back(std::move(o));
  return *raw;
}

tflite::OperatorT* Translator::producer(int t) {
  auto it = producers_.find(t);
  return it == producers_.end() ? nullptr : it->second;
}

int Translator::readers(const std::string& v) const {
  auto it = readers_.find(v);
  return it == readers_.end() ? 0 : static_cast<int>(it->second.size());
}

const onnx::NodeProto* Translator::sole_reader(const std::string& v) const {
  auto it = readers_.find(v);
  if (it == readers_.end() || it->second.size() != 1) return nullptr;
  return it->second[0];  // nullptr if the reader is a graph output
}

void Translator::set_const(int i, Const c) {
  Value v;
  v.name = node_->output(i);
  v.type = c.type;
  v.shape = c.dims;
  v.c = std::move(c);
  values_[v.name] = std::move(v);
}

void Translator::alias(int i, const Value& src) {
  Value v = src;
  v.name = node_->output(i);
  values_[v.name] = std::move(v);
}

const std::vector<int64_t>& Translator::shape_of(const std::string& nm) {
  auto it = parsed_.value_info.find(nm);
  if (it == parsed_.value_info.end()) fail_node(fmt::format("the shape of value '{}' is unknown after shape inference", nm));
  for (int64_t d : it->second.second)
    if (d < 0) fail_node(fmt::format("value '{}' has a dynamic shape after shape inference; fix the inputs' dims with --input-shape", nm));
  return it->second.second;
}

float* Translator::float_data(int t) {
  auto& buf = model_->buffers.at(tensor(t).buffer)->data;
  if (tensor(t).buffer == 0 || tensor(t).type != tflite::TensorType::FLOAT32) fail_node("internal: not a float32 constant");
  return reinterpret_cast<float*>(buf.data());
}

int64_t Translator::num_elements(int t) { return ir::num_elements(tensor(t).shape); }

void Translator::alias_as(const std::string& name, const Value& src) {
  Value v = src;
  v.name = name;
  values_[name] = std::move(v);
}

int Translator::define_as(const std::string& name, const std::vector<int>& perm, DType dtype) {
  Value v;
  v.name = name;
  v.shape = shape_of(name);
  auto it = parsed_.value_info.find(name);
  v.type = it->second.first ? it->second.first : onnx::TensorProto::FLOAT;
  v.perm = perm;
  if (static_cast<int>(perm.size()) != v.rank()) fail_node(fmt::format("internal: layout of rank {} for '{}' of rank {}", perm.size(), name, v.rank()));
  v.tensor = add_tensor(v.name, dtype, physical(v.shape, perm));
  const int t = v.tensor;
  values_[v.name] = std::move(v);
  return t;
}

int Translator::define(int i, const std::vector<int>& perm, DType dtype) {
  const int t = define_as(node_->output(i), perm, dtype);
  values_[node_->output(i)].type = out_type(i);
  return t;
}

int Translator::const_operand(const Const& c, int rank, const std::vector<int>& perm, DType dtype) {
  std::vector<int64_t> dims(rank, 1);
  const int off = rank - static_cast<int>(c.dims.size());
  if (off < 0) fail_node("internal: constant of higher rank than the output");
  for (size_t i = 0; i < c.dims.size(); ++i) dims[off + i] = c.dims[i];
  const auto data = permute(c.v, dims, perm);
  std::vector<int64_t> pdims(rank);
  for (int i = 0; i < rank; ++i) pdims[i] = dims[perm[i]];
  return add_const(fresh(node_ ? node_->name() + "_const" : "const"), dtype, to_i32(pdims), data);
}

int Translator::as_layout(Value& v, const std::vector<int>& perm) {
  const auto key = std::make_pair(v.name, perm);
  if (auto it = layout_cache_.find(key); it != layout_cache_.end()) return it->second;
  int t;
  if (v.c) {
    t = const_operand(*v.c, v.rank(), perm, dtype_of(v.type, v.name));
    tensor(t).name = fresh(v.name);
  } else if (v.perm == perm) {
    t = v.tensor;
  } else {
    const DType dt = static_cast<DType>(tensor(v.tensor).type);
    const auto shape = physical(v.shape, perm);
    // Only size-1 dims move: the bytes are already in order, a RESHAPE suffices.
    std::vector<int> a, b;
    for (int i = 0; i < v.rank(); ++i) {
      if (v.shape[v.perm[i]] != 1) a.push_back(v.perm[i]);
      if (v.shape[perm[i]] != 1) b.push_back(perm[i]);
    }
    t = add_tensor(fresh(v.name), dt, shape);
    if (const auto& q = tensor(v.tensor).quantization) {  // a recorded range moves along (same-scale op)
      tensor(t).quantization = std::make_unique<tflite::QuantizationParametersT>(*q);
    }
    if (a == b) {
      const int s = add_const(fresh(v.name + "_shape"), DType::kInt32, {static_cast<int32_t>(shape.size())},
                              std::vector<double>(shape.begin(), shape.end()));
      auto& op = emit(Op::RESHAPE, {v.tensor, s}, {t});
      tflite::ReshapeOptionsT o;
      o.new_shape = shape;
      op.builtin_options.Set(std::move(o));
    } else {
      std::vector<double> rel(perm.size());  // output physical i = source physical rel[i]
      for (size_t i = 0; i < perm.size(); ++i)
        rel[i] = static_cast<double>(std::find(v.perm.begin(), v.perm.end(), perm[i]) - v.perm.begin());
      const int p = add_const(fresh(v.name + "_perm"), DType::kInt32, {static_cast<int32_t>(rel.size())}, rel);
      auto& op = emit(Op::TRANSPOSE, {v.tensor, p}, {t});
      op.builtin_options.Set(tflite::TransposeOptionsT{});
    }
  }
  layout_cache_[key] = t;
  return t;
}

bool Translator::shape_known(const std::string& name) const {
  auto it = parsed_.value_info.find(name);
  return it != parsed_.value_info.end() && !it->second.second.empty() &&
         std::all_of(it->second.second.begin(), it->second.second.end(), [](int64_t d) { return d >= 0; });
}

// A Reshape whose target shape ONNX's inference could not follow (it was computed by
// nodes we folded): compute its output shape and let inference propagate it.
void Translator::reshape_shape() {
  const auto& out = node_->output(0);
  if (shape_known(out)) return;
  Value& x = input(0);
  Value& sv = input(1);
  if (!sv.c) return;
  const bool allowzero = attr_int("allowzero", 0) != 0;
  std::vector<int64_t> shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < sv.c->v.size(); ++i) {
    int64_t d = static_cast<int64_t>(sv.c->v[i]);
    if (d == 0 && !allowzero) {
      check(i < x.shape.size(), "shape copies a dim the input does not have");
      d = x.shape[i];
    }
    if (d == -1) {
      check(infer < 0, "shape has two -1 dims");
      infer = static_cast<int64_t>(i);
    } else {
      check(d >= 0, "shape has a negative dim");
      known *= d;
    }
    shape.push_back(d);
  }
  int64_t total = 1;
  for (int64_t d : x.shape) total *= d;
  if (infer >= 0) {
    check(known > 0 && total % known == 0, "shape does not divide the input's element count");
    shape[infer] = total / known;
  }
  int64_t got = 1;
  for (int64_t d : shape) got *= d;
  check(got == total, fmt::format("shape [{}] has {} elements, the input {}", fmt::join(shape, ","), got, total));
  learn_shape(parsed_, out, x.type, shape, name_);
}

tflite::ActivationFunctionType* Translator::fused_activation(tflite::OperatorT& op) {
  auto& o = op.builtin_options;
  switch (o.type) {
    case tflite::BuiltinOptions::Conv2DOptions: return &o.AsConv2DOptions()->fused_activation_function;
    case tflite::BuiltinOptions::DepthwiseConv2DOptions: return &o.AsDepthwiseConv2DOptions()->fused_activation_function;
    case tflite::BuiltinOptions::FullyConnectedOptions: return &o.AsFullyConnectedOptions()->fused_activation_function;
    case tflite::BuiltinOptions::AddOptions: return &o.AsAddOptions()->fused_activation_function;
    case tflite::BuiltinOptions::SubOptions: return &o.AsSubOptions()->fused_activation_function;
    case tflite::BuiltinOptions::MulOptions: return &o.AsMulOptions()->fused_activation_function;
    default: return nullptr;
  }
}

bool Translator::fold_affine(Value& x, const std::vector<double>& mul, const std::vector<double>& add) {
  if (x.c || x.tensor < 0 || readers(x.name) != 1 || !sole_reader(x.name)) return false;
  if (tensor(x.tensor).type != tflite::TensorType::FLOAT32) return false;
  auto* p = producer(x.tensor);
  if (!p || p->outputs.size() != 1 || p->outputs[0] != x.tensor) return false;
  const int32_t code = code_of(*p);
  const int wi = 1;
  int bi = 2;
  if (code == static_cast<int32_t>(Op::TRANSPOSE_CONV)) bi = 3;
  else if (code != static_cast<int32_t>(Op::CONV_2D) && code != static_cast<int32_t>(Op::DEPTHWISE_CONV_2D) &&
           code != static_cast<int32_t>(Op::FULLY_CONNECTED))
    return false;
  const auto* act = fused_activation(*p);
  if ((act && *act != tflite::ActivationFunctionType::NONE) || static_cast<int>(p->inputs.size()) <= bi || p->inputs[bi] < 0)
    return false;
  const int64_t C = tensor(x.tensor).shape.back();
  if (x.perm.back() != x.rank() - 1 && x.perm.back() != 1) return false;
  if (num_elements(p->inputs[bi]) != C) return false;
  auto at = [&](const std::vector<double>& v, int64_t c) { return v.empty() ? -1.0 : v[v.size() == 1 ? 0 : c]; };
  if (!mul.empty() && static_cast<int64_t>(mul.size()) != 1 && static_cast<int64_t>(mul.size()) != C) return false;
  if (!add.empty() && static_cast<int64_t>(add.size()) != 1 && static_cast<int64_t>(add.size()) != C) return false;
  if (!mul.empty()) {
    const int wt = p->inputs[wi];
    if (tensor(wt).buffer == 0) return false;
    tensor(wt).quantization.reset();  // recorded int8 scales no longer apply
    float* wd = float_data(wt);
    const int64_t n = num_elements(wt);
    const bool dw = code == static_cast<int32_t>(Op::DEPTHWISE_CONV_2D);
    const int64_t per = n / C;  // CONV_2D / TRANSPOSE_CONV [C,kh,kw,I], FC [C,K]; depthwise [1,kh,kw,C]
    for (int64_t i = 0; i < n; ++i) wd[i] = static_cast<float>(wd[i] * at(mul, dw ? i % C : i / per));
  }
  float* bd = float_data(p->inputs[bi]);
  for (int64_t c = 0; c < C; ++c) {
    double b = bd[c];
    if (!mul.empty()) b = static_cast<float>(b * at(mul, c));
    if (!add.empty()) b = static_cast<float>(b + at(add, c));
    bd[c] = static_cast<float>(b);
  }
  tensor(x.tensor).name = node_->output(0);
  alias(0, x);
  return true;
}

// A Resize whose scales or sizes were computed by folded nodes (or are inputs made
// constant): its output shape, for shape inference to propagate.
void Translator::resize_shape() {
  const auto& out = node_->output(0);
  if (shape_known(out)) return;
  Value& x = input(0);
  const bool upsample = node_->op_type() == "Upsample";
  const int si = upsample ? 1 : (opset() >= 11 ? 2 : 1);
  std::vector<int64_t> shape;
  if (Value* sz = upsample || opset() < 11 ? nullptr : maybe_input(3); sz && sz->c && sz->c->size() == x.rank()) {
    for (double d : sz->c->v) shape.push_back(static_cast<int64_t>(d));
  } else if (Value* sc = maybe_input(si); sc && sc->c && sc->c->size() == x.rank()) {
    for (int i = 0; i < x.rank(); ++i)
      shape.push_back(static_cast<int64_t>(std::floor(static_cast<double>(x.shape[i]) * static_cast<float>(sc->c->v[i]))));
  } else {
    fail_node("the output size is unknown: its scales or sizes must be constants (initializers, or computed from shapes)");
  }
  for (int64_t d : shape) check(d > 0, "the resized shape has a dim that is not positive");
  learn_shape(parsed_, out, x.type, shape, name_);
}

bool Translator::try_fold(const onnx::NodeProto& n) {
  std::vector<const Const*> in;
  for (const auto& name : n.input()) {
    if (name.empty()) {
      in.push_back(nullptr);
      continue;
    }
    Value& v = value(name);
    if (!v.c) return false;
    in.push_back(&*v.c);
  }
  if (n.op_type() != "Shape" && n.op_type() != "Size" && in.empty() && n.op_type() != "Constant" &&
      n.op_type() != "ConstantOfShape")
    return false;
  std::vector<std::vector<int64_t>> shapes;
  std::vector<int> types;
  for (int i = 0; i < n.output_size(); ++i) {
    auto it = parsed_.value_info.find(n.output(i));
    shapes.push_back(it != parsed_.value_info.end() ? it->second.second : std::vector<int64_t>{});
    types.push_back(it != parsed_.value_info.end() ? it->second.first : 0);
  }
  std::vector<Const> out;
  if (!eval_const(n, parsed_.opset, in, shapes, types, out)) return false;
  for (int i = 0; i < n.output_size() && i < static_cast<int>(out.size()); ++i) set_const(i, std::move(out[i]));
  return true;
}

void Translator::translate_node(const onnx::NodeProto& n, int index) {
  node_ = &n;
  node_index_ = index;
  for (int i = 0; i < n.output_size(); ++i)
    if (values_.count(n.output(i)) && !n.output(i).empty())
      fail(ErrorKind::kInvalidModel, "{}: node {} '{}' ({}) writes '{}', which is already defined", name_, index, n.name(), n.op_type(),
           n.output(i));
  // Shape and Size read only the shape of their input: a constant.
  if (n.op_type() == "Shape" || n.op_type() == "Size") {
    Value& in = input(0);
    Const c;
    c.type = onnx::TensorProto::INT64;
    if (n.op_type() == "Shape") {
      int64_t r = in.rank(), start = attr_int("start", 0), end = attr_int("end", r);
      if (start < 0) start += r;
      if (end < 0) end += r;
      start = std::clamp<int64_t>(start, 0, r);
      end = std::clamp<int64_t>(end, start, r);
      for (int64_t i = start; i < end; ++i) c.v.push_back(static_cast<double>(in.shape[i]));
      c.dims = {end - start};
    } else {
      double s = 1;
      for (int64_t d : in.shape) s *= static_cast<double>(d);
      c.v = {s};
    }
    set_const(0, std::move(c));
    return;
  }
  if (n.op_type() == "Reshape" && n.input_size() == 2) reshape_shape();
  if (n.op_type() == "Resize" || n.op_type() == "Upsample") resize_shape();
  if (try_fold(n)) return;
  const auto& handlers = op_handlers();
  auto it = handlers.find(n.op_type());
  if (it == handlers.end())
    fail(ErrorKind::kUnsupported, "{}: node {} '{}': operator {} is not supported (liteq translates: {})", name_, index, n.name(),
         n.op_type(), fmt::join(onnx_supported_ops(), " "));
  it->second(*this, n);
  for (int i = 0; i < n.output_size(); ++i)
    if (!n.output(i).empty() && !values_.count(n.output(i))) fail_node(fmt::format("internal: output '{}' not defined", n.output(i)));
}

std::unique_ptr<tflite::ModelT> Translator::run() {
  model_ = std::make_unique<tflite::ModelT>();
  model_->version = 3;
  model_->description = "liteq: translated from ONNX (" + parsed_.model.producer_name() + ")";
  model_->buffers.push_back(std::make_unique<tflite::BufferT>());
  model_->subgraphs.push_back(std::make_unique<tflite::SubGraphT>());
  graph().name = parsed_.model.graph().name();
  const auto& g = parsed_.model.graph();

  for (const auto& n : g.node())
    for (const auto& in : n.input()) readers_[in].push_back(&n);
  for (const auto& o : g.output()) readers_[o.name()].push_back(nullptr);

  for (auto& [name, c] : parsed_.initializers) {
    Value v;
    v.name = name;
    v.type = c.type;
    v.shape = c.dims;
    v.c = c;
    values_[name] = std::move(v);
  }
  for (const auto& in : g.input()) {
    if (parsed_.initializers.count(in.name())) continue;
    Value v;
    v.name = in.name();
    v.type = in.type().tensor_type().elem_type();
    for (const auto& d : in.type().tensor_type().shape().dim()) v.shape.push_back(d.dim_value());
    const bool image = v.rank() == 4 && v.type == onnx::TensorProto::FLOAT && !options_.keep_nchw_inputs;
    v.perm = image ? nhwc_perm(4) : identity_perm(v.rank());
    v.tensor = add_tensor(v.name, dtype_of(v.type, "input '" + v.name + "'"), physical(v.shape, v.perm));
    graph().inputs.push_back(v.tensor);
    values_[v.name] = std::move(v);
  }
  for (int i = 0; i < g.node_size(); ++i) {
    if (skipped_.count(&g.node(i))) continue;
    translate_node(g.node(i), i);
  }
  node_ = nullptr;
  for (const auto& o : g.output()) {
    Value& v = value(o.name());
    int t = as_layout(v, identity_perm(v.rank()));
    if (v.c || t == v.tensor) {
      if (v.c) tensor(t).name = o.name();
    } else {
      // The tensor in ONNX order is the output; the internal one gets another name.
      tensor(v.tensor).name = o.name() + "_" + std::string(v.rank() == 4 ? "nhwc" : "internal");
      tensor(t).name = o.name();
    }
    if (std::find(graph().inputs.begin(), graph().inputs.end(), t) != graph().inputs.end() ||
        std::find(graph().outputs.begin(), graph().outputs.end(), t) != graph().outputs.end()) {
      // An output that is also an input (or twice an output) needs its own tensor.
      const int copy = add_tensor(fresh(o.name()), static_cast<DType>(tensor(t).type), tensor(t).shape);
      const int s = add_const(fresh(o.name() + "_shape"), DType::kInt32, {static_cast<int32_t>(tensor(t).shape.size())},
                              std::vector<double>(tensor(t).shape.begin(), tensor(t).shape.end()));
      emit(Op::RESHAPE, {t, s}, {copy}).builtin_options.Set(tflite::ReshapeOptionsT{});
      t = copy;
    }
    graph().outputs.push_back(t);
  }
  return std::move(model_);
}

const std::map<std::string, OpHandler>& op_handlers() {
  static const std::map<std::string, OpHandler> m = [] {
    std::map<std::string, OpHandler> r;
    register_elementwise_ops(r);
    register_nn_ops(r);
    register_tensor_ops(r);
    register_quant_ops(r);
    return r;
  }();
  return m;
}

}  // namespace liteq::onnx_io
