// Element-wise ONNX ops: arithmetic with numpy broadcasting, activations, Clip,
// HardSigmoid, the decomposed HardSwish pattern, Cast, Identity. They keep the layout of
// their (first full-rank) input; constant operands are aligned and permuted to it.
#include <cmath>

#include "io/onnx/translator.h"

namespace liteq::onnx_io {

namespace {

using tflite::ActivationFunctionType;

// The layout of an element-wise op's output: that of its first non-constant input of the
// output's rank, else identity.
std::vector<int> pick_layout(Translator& t, int rank) {
  for (int i = 0; i < t.num_inputs(); ++i) {
    Value* v = t.maybe_input(i);
    if (v && !v->c && v->rank() == rank) return v->perm;
  }
  return identity_perm(rank);
}

// The tensor of input v as an operand of an element-wise op of rank `rank` in `perm`.
int operand(Translator& t, Value& v, int rank, const std::vector<int>& perm, DType dt) {
  if (v.c) return t.const_operand(*v.c, rank, perm, dt);
  if (v.rank() == rank) return t.as_layout(v, perm);
  // Lower rank: reshape to the broadcast-aligned rank (identity layout), then permute.
  Value padded;
  padded.name = t.fresh(v.name + "_rank" + std::to_string(rank));
  padded.type = v.type;
  padded.shape.assign(rank - v.rank(), 1);
  padded.shape.insert(padded.shape.end(), v.shape.begin(), v.shape.end());
  padded.perm = identity_perm(rank);
  const int src = t.as_layout(v, identity_perm(v.rank()));
  const auto shape = Translator::physical(padded.shape, padded.perm);
  padded.tensor = t.add_tensor(padded.name, dt, shape);
  const int s = t.add_const(t.fresh("shape"), DType::kInt32, {static_cast<int32_t>(shape.size())},
                            std::vector<double>(shape.begin(), shape.end()));
  t.emit(Op::RESHAPE, {src, s}, {padded.tensor}).builtin_options.Set(tflite::ReshapeOptionsT{});
  return t.as_layout(padded, perm);
}

bool is_scalar_const(const Value& v, double want) {
  if (!v.c || v.c->v.empty()) return false;
  for (double x : v.c->v)
    if (std::fabs(x - want) > 1e-6 * std::max(1.0, std::fabs(want))) return false;
  return true;
}

// Fuses an activation into the operator producing input 0, if nothing else reads it.
bool try_fuse(Translator& t, ActivationFunctionType act) {
  Value& x = t.input(0);
  if (x.c || x.tensor < 0 || t.readers(x.name) != 1 || !t.sole_reader(x.name)) return false;
  auto* p = t.producer(x.tensor);
  if (!p || p->outputs.size() != 1 || p->outputs[0] != x.tensor) return false;
  auto* fused = Translator::fused_activation(*p);
  if (!fused || *fused != ActivationFunctionType::NONE) return false;
  *fused = act;
  Value out = x;
  t.tensor(x.tensor).name = t.node().output(0);
  t.alias(0, out);
  return true;
}

void unary(Translator& t, Op op, const std::function<void(tflite::OperatorT&)>& opts = {}) {
  Value& x = t.input(0);
  const int in = t.as_layout(x, x.c ? identity_perm(x.rank()) : x.perm);
  const auto perm = x.c ? identity_perm(x.rank()) : x.perm;
  const int out = t.define(0, perm, t.out_dtype());
  auto& o = t.emit(op, {in}, {out});
  if (opts) opts(o);
}

void activation(Translator& t, Op op, ActivationFunctionType act) {
  if (act != ActivationFunctionType::NONE && try_fuse(t, act)) return;
  unary(t, op);
}

void set_binary_options(tflite::OperatorT& o, Op op) {
  switch (op) {
    case Op::ADD: o.builtin_options.Set(tflite::AddOptionsT{}); break;
    case Op::SUB: o.builtin_options.Set(tflite::SubOptionsT{}); break;
    case Op::MUL: o.builtin_options.Set(tflite::MulOptionsT{}); break;
    case Op::DIV: o.builtin_options.Set(tflite::DivOptionsT{}); break;
    case Op::MAXIMUM: case Op::MINIMUM: o.builtin_options.Set(tflite::MaximumMinimumOptionsT{}); break;
    default: break;
  }
}

// out = a OP b, with output name `out_name` (the node's output unless a pattern says).
int emit_binary(Translator& t, Op op, Value& a, Value& b, const std::string& out_name, int rank, DType dt) {
  const auto perm = pick_layout(t, rank);
  const int ta = operand(t, a, rank, perm, dt), tb = operand(t, b, rank, perm, dt);
  const int out = t.define_as(out_name, perm, dt);
  set_binary_options(t.emit(op, {ta, tb}, {out}), op);
  return out;
}

// The values of a constant operand of x that varies only along x's channel dim (the
// logical dim stored last), or empty if it varies along anything else.
std::vector<double> per_channel(const Value& x, const Value& c) {
  if (!c.c || c.rank() > x.rank() || x.perm.empty()) return {};
  const int chan = x.perm.back();
  const int off = x.rank() - c.rank();
  for (int d = 0; d < c.rank(); ++d)
    if (c.c->dims[d] != 1 && d + off != chan) return {};
  return c.c->v;
}

// A bias add or scale written as a separate Add / Sub / Mul after a convolution.
bool fold_into_conv(Translator& t, Op op, Value& x, const Value& c) {
  if (x.c) return false;
  auto v = per_channel(x, c);
  if (v.empty()) return false;
  if (op == Op::MUL) return t.fold_affine(x, v, {});
  if (op == Op::SUB) for (double& d : v) d = -d;
  return t.fold_affine(x, {}, v);
}

// PyTorch's exact GELU: x * 0.5 * (1 + Erf(x / sqrt(2))), written as Div(x, sqrt 2) (or
// Mul by 1/sqrt 2) -> Erf -> Add 1 -> Mul x -> Mul 0.5 (the 0.5 may also come first, on x).
// Becomes one GELU (approximate = false). TFLite has no Erf of its own.
bool gelu_pattern(Translator& t, Op op) {
  const auto& n = t.node();
  Value& x = t.input(0);
  Value& c = t.input(1);
  if (x.c || !c.c || c.c->size() != 1) return false;
  const double k = c.c->v[0];
  if (!((op == Op::DIV && std::fabs(k - std::sqrt(2.0)) < 1e-4) || (op == Op::MUL && std::fabs(k - std::sqrt(0.5)) < 1e-4)))
    return false;
  const auto* erf = t.sole_reader(n.output(0));
  if (!erf || erf->op_type() != "Erf") return false;
  const auto* add = t.sole_reader(erf->output(0));
  if (!add || add->op_type() != "Add" || add->input_size() != 2) return false;
  const std::string one = add->input(0) == erf->output(0) ? add->input(1) : add->input(0);
  if (Value* v = t.find_value(one); !v || !is_scalar_const(*v, 1.0)) return false;
  const auto* m1 = t.sole_reader(add->output(0));
  if (!m1 || m1->op_type() != "Mul" || m1->input_size() != 2) return false;
  const std::string other = m1->input(0) == add->output(0) ? m1->input(1) : m1->input(0);
  std::vector<const onnx::NodeProto*> skip{erf, add, m1};
  std::string out;
  if (other == x.name) {  // x * (1 + erf) -> * 0.5
    const auto* m2 = t.sole_reader(m1->output(0));
    if (!m2 || m2->op_type() != "Mul" || m2->input_size() != 2) return false;
    const std::string half = m2->input(0) == m1->output(0) ? m2->input(1) : m2->input(0);
    if (Value* v = t.find_value(half); !v || !is_scalar_const(*v, 0.5)) return false;
    skip.push_back(m2);
    out = m2->output(0);
  } else {  // (0.5 * x) * (1 + erf): the half-x Mul is a separate reader of x
    Value* hv = t.find_value(other);
    if (hv) return false;  // already translated: not the pattern's own Mul
    const onnx::NodeProto* hm = nullptr;
    for (const auto* r : t.readers_of(x.name))
      if (r && r->op_type() == "Mul" && r->output(0) == other) hm = r;
    if (!hm || t.readers(other) != 1) return false;
    const std::string half = hm->input(0) == x.name ? hm->input(1) : hm->input(0);
    if (Value* v = t.find_value(half); !v || !is_scalar_const(*v, 0.5)) return false;
    skip.push_back(hm);
    out = m1->output(0);
  }
  const int in = t.as_layout(x, x.perm);
  const int o = t.define_as(out, x.perm, DType::kFloat32);
  t.emit(Op::GELU, {in}, {o}).builtin_options.Set(tflite::GeluOptionsT{});
  for (const auto* s : skip) t.skip_node(s);
  t.alias(0, t.value(out));
  return true;
}

void binary(Translator& t, Op op) {
  Value& a = t.input(0);
  Value& b = t.input(1);
  if ((op == Op::DIV || op == Op::MUL) && t.out_dtype() == DType::kFloat32 && gelu_pattern(t, op)) return;
  if ((op == Op::ADD || op == Op::MUL || op == Op::SUB) && b.c && fold_into_conv(t, op, a, b)) return;
  if ((op == Op::ADD || op == Op::MUL) && a.c && fold_into_conv(t, op, b, a)) return;
  const int rank = static_cast<int>(t.out_shape(0).size());
  const DType dt = t.out_dtype();
  if (dt == DType::kFloat32 && op == Op::DIV && b.c) {
    // x / c -> x * (1/c): an int8 MUL exists, an int8 DIV does not.
    Value inv = b;
    for (double& v : inv.c->v) v = static_cast<float>(1.0f / static_cast<float>(v));
    emit_binary(t, Op::MUL, a, inv, t.node().output(0), rank, dt);
    return;
  }
  emit_binary(t, op, a, b, t.node().output(0), rank, dt);
}

// Max / Min / Sum of one or two inputs (a third would need the inferred shape of the
// first two's broadcast).
void variadic(Translator& t, Op op) {
  t.check(t.num_inputs() <= 2, "more than two inputs are not supported");
  if (t.num_inputs() == 1) return t.alias(0, t.input(0));
  emit_binary(t, op, t.input(0), t.input(1), t.node().output(0), static_cast<int>(t.out_shape(0).size()), t.out_dtype());
}

// Clip(x, lo, hi): RELU / RELU6 / RELU_N1_TO_1 where they match (fused when possible),
// otherwise MAXIMUM and MINIMUM.
void clip(Translator& t) {
  double lo = -INFINITY, hi = INFINITY;
  if (t.opset() < 11) {
    lo = t.attr_float("min", -3.4028234663852886e38f);
    hi = t.attr_float("max", 3.4028234663852886e38f);
  } else {
    if (t.maybe_input(1)) lo = t.const_input(1, "min").v.at(0);
    if (t.maybe_input(2)) hi = t.const_input(2, "max").v.at(0);
  }
  if (lo <= -3.4e38) lo = -INFINITY;
  if (hi >= 3.4e38) hi = INFINITY;
  Value& x = t.input(0);
  const DType dt = t.out_dtype();
  if (dt == DType::kFloat32) {
    if (lo == 0 && hi == INFINITY) return activation(t, Op::RELU, ActivationFunctionType::RELU);
    if (lo == 0 && hi == 6) return activation(t, Op::RELU6, ActivationFunctionType::RELU6);
    if (lo == -1 && hi == 1) return activation(t, Op::RELU_N1_TO_1, ActivationFunctionType::RELU_N1_TO_1);
  }
  const int rank = x.rank();
  Value cur = x;
  if (lo != -INFINITY) {
    Value c;
    c.name = "lo";
    c.type = x.type;
    c.c = Const::of(x.type, {}, {lo});
    const std::string name = hi != INFINITY ? t.fresh(t.node().output(0) + "_max") : t.node().output(0);
    if (hi != INFINITY) {
      const auto perm = x.c ? identity_perm(rank) : x.perm;
      const int out = t.add_tensor(name, dt, Translator::physical(x.shape, perm));
      const int a = operand(t, cur, rank, perm, dt), b = operand(t, c, rank, perm, dt);
      t.emit(Op::MAXIMUM, {a, b}, {out}).builtin_options.Set(tflite::MaximumMinimumOptionsT{});
      cur.name = name;
      cur.c.reset();
      cur.tensor = out;
      cur.perm = perm;
    } else {
      emit_binary(t, Op::MAXIMUM, cur, c, name, rank, dt);
      return;
    }
  }
  if (hi != INFINITY) {
    Value c;
    c.name = "hi";
    c.type = x.type;
    c.c = Const::of(x.type, {}, {hi});
    const auto perm = cur.c ? identity_perm(rank) : cur.perm;
    const int a = operand(t, cur, rank, perm, dt), b = operand(t, c, rank, perm, dt);
    const int out = t.define(0, perm, dt);
    t.emit(Op::MINIMUM, {a, b}, {out}).builtin_options.Set(tflite::MaximumMinimumOptionsT{});
    return;
  }
  t.alias(0, x);
}

// The HardSwish PyTorch/Paddle exporters write: Add(x, 3) -> Clip(0, 6) -> Mul(x, .) ->
// Div(., 6) (or Mul by 1/6). Returns true if node (an Add) starts it; emits HARD_SWISH.
bool hard_swish_pattern(Translator& t) {
  const auto& n = t.node();
  if (n.input_size() != 2) return false;
  Value& a = t.input(0);
  Value& b = t.input(1);
  if (a.c || !is_scalar_const(b, 3.0)) return false;
  const auto* clip = t.sole_reader(n.output(0));
  if (!clip || clip->op_type() != "Clip") return false;
  // Clip bounds 0 and 6, as attributes (opset < 11) or constant inputs.
  double lo = -1, hi = -1;
  for (const auto& at : clip->attribute()) {
    if (at.name() == "min") lo = at.f();
    if (at.name() == "max") hi = at.f();
  }
  auto const_of = [&](int i) -> const Value* {
    if (clip->input_size() <= i || clip->input(i).empty()) return nullptr;
    Value* v = t.find_value(clip->input(i));
    return v && v->c ? v : nullptr;
  };
  if (const Value* v = const_of(1)) lo = v->c->v.at(0);
  if (const Value* v = const_of(2)) hi = v->c->v.at(0);
  if (lo != 0 || hi != 6) return false;
  const auto* mul = t.sole_reader(clip->output(0));
  if (!mul || mul->op_type() != "Mul" || mul->input_size() != 2) return false;
  const std::string other = mul->input(0) == clip->output(0) ? mul->input(1) : mul->input(0);
  if (other != a.name) return false;
  const auto* div = t.sole_reader(mul->output(0));
  if (!div || div->input_size() != 2 || div->input(0) != mul->output(0)) return false;
  Value* dp = t.find_value(div->input(1));
  if (!dp) return false;
  Value& d = *dp;
  const bool ok = (div->op_type() == "Div" && is_scalar_const(d, 6.0)) || (div->op_type() == "Mul" && is_scalar_const(d, 1.0 / 6.0));
  if (!ok) return false;
  const int in = t.as_layout(a, a.perm);
  const int out = t.define_as(div->output(0), a.perm, DType::kFloat32);
  t.emit(Op::HARD_SWISH, {in}, {out});
  // The intermediate values are never read elsewhere (sole readers), so they stay undefined.
  t.skip_node(clip);
  t.skip_node(mul);
  t.skip_node(div);
  t.alias(0, t.value(div->output(0)));  // the Add's own output, for completeness
  return true;
}

void add(Translator& t) {
  if (t.out_dtype() == DType::kFloat32 && hard_swish_pattern(t)) return;
  binary(t, Op::ADD);
}

// HardSigmoid: max(0, min(1, alpha*x + beta)); Mul(x, HardSigmoid(x)) with alpha 1/6,
// beta 1/2 is HardSwish.
void hard_sigmoid(Translator& t) {
  const float alpha = t.attr_float("alpha", 0.2f), beta = t.attr_float("beta", 0.5f);
  Value& x = t.input(0);
  const auto& n = t.node();
  if (std::fabs(alpha - 1.0f / 6) < 1e-6 && beta == 0.5f) {
    const auto* mul = t.sole_reader(n.output(0));
    if (mul && mul->op_type() == "Mul" && mul->input_size() == 2 &&
        (mul->input(0) == x.name || mul->input(1) == x.name) && !x.c) {
      const int in = t.as_layout(x, x.perm);
      const int out = t.define_as(mul->output(0), x.perm, DType::kFloat32);
      t.emit(Op::HARD_SWISH, {in}, {out});
      t.skip_node(mul);
      t.alias(0, t.value(mul->output(0)));
      return;
    }
  }
  const int rank = x.rank();
  const auto perm = x.c ? identity_perm(rank) : x.perm;
  const DType dt = DType::kFloat32;
  const int in = t.as_layout(x, perm);
  const auto shape = Translator::physical(x.shape, perm);
  const int ca = t.add_const(t.fresh(n.output(0) + "_alpha"), dt, {}, {alpha});
  const int cb = t.add_const(t.fresh(n.output(0) + "_beta"), dt, {}, {beta});
  const int c1 = t.add_const(t.fresh(n.output(0) + "_one"), dt, {}, {1.0});
  const int m = t.add_tensor(t.fresh(n.output(0) + "_scaled"), dt, shape);
  t.emit(Op::MUL, {in, ca}, {m}).builtin_options.Set(tflite::MulOptionsT{});
  const int s = t.add_tensor(t.fresh(n.output(0) + "_shifted"), dt, shape);
  tflite::AddOptionsT ao;
  ao.fused_activation_function = ActivationFunctionType::RELU;
  t.emit(Op::ADD, {m, cb}, {s}).builtin_options.Set(std::move(ao));
  const int out = t.define(0, perm, dt);
  t.emit(Op::MINIMUM, {s, c1}, {out}).builtin_options.Set(tflite::MaximumMinimumOptionsT{});
}

void pow_op(Translator& t) {
  Value& x = t.input(0);
  Value& e = t.input(1);
  if (!x.c && t.out_dtype() == DType::kFloat32 && e.c && e.c->v.size() == 1) {
    const double p = e.c->v[0];
    if (p == 1.0) return t.alias(0, x);
    if (p == 2.0) {
      const int in = t.as_layout(x, x.perm);
      const int out = t.define(0, x.perm);
      t.emit(Op::MUL, {in, in}, {out}).builtin_options.Set(tflite::MulOptionsT{});
      return;
    }
    if (p == 0.5) return unary(t, Op::SQRT);
  }
  t.check(e.c || e.type == x.type, "an exponent of another element type than the base must be a constant");
  t.check(!x.c || x.type == e.type, "a constant base of another element type than the exponent is not supported");
  binary(t, Op::POW);
}

void cast(Translator& t) {
  Value& x = t.input(0);
  const int to = static_cast<int>(t.attr_int("to", 1));
  if (to == x.type) return t.alias(0, x);
  unary(t, Op::CAST, [&](tflite::OperatorT& o) {
    tflite::CastOptionsT co;
    co.in_data_type = static_cast<tflite::TensorType>(dtype_of(x.type, x.name));
    co.out_data_type = static_cast<tflite::TensorType>(dtype_of(to, t.node().output(0)));
    o.builtin_options.Set(std::move(co));
  });
}

void prelu(Translator& t) {
  Value& x = t.input(0);
  Value& s = t.input(1);
  t.check(!x.c, "a constant input is not supported");
  t.check(s.rank() <= x.rank(), fmt::format("the slope has rank {}, more than the input's {}", s.rank(), x.rank()));
  const int rank = x.rank();
  const DType dt = DType::kFloat32;
  const int in = t.as_layout(x, x.perm);
  // The slope broadcasts to x; TFLite's PRELU broadcasts alpha the same way.
  const int alpha = operand(t, s, rank, x.perm, dt);
  const int out = t.define(0, x.perm, dt);
  t.emit(Op::PRELU, {in, alpha}, {out});
}

}  // namespace

void register_elementwise_ops(std::map<std::string, OpHandler>& m) {
  m["Add"] = [](Translator& t, const onnx::NodeProto&) { add(t); };
  m["Sub"] = [](Translator& t, const onnx::NodeProto&) { binary(t, Op::SUB); };
  m["Mul"] = [](Translator& t, const onnx::NodeProto&) { binary(t, Op::MUL); };
  m["Div"] = [](Translator& t, const onnx::NodeProto&) { binary(t, Op::DIV); };
  m["Pow"] = [](Translator& t, const onnx::NodeProto&) { pow_op(t); };
  m["Max"] = [](Translator& t, const onnx::NodeProto&) { variadic(t, Op::MAXIMUM); };
  m["Min"] = [](Translator& t, const onnx::NodeProto&) { variadic(t, Op::MINIMUM); };
  m["Sum"] = [](Translator& t, const onnx::NodeProto&) { variadic(t, Op::ADD); };
  m["PRelu"] = [](Translator& t, const onnx::NodeProto&) { prelu(t); };
  m["Relu"] = [](Translator& t, const onnx::NodeProto&) { activation(t, Op::RELU, ActivationFunctionType::RELU); };
  m["Sigmoid"] = [](Translator& t, const onnx::NodeProto&) { unary(t, Op::LOGISTIC); };
  m["Tanh"] = [](Translator& t, const onnx::NodeProto&) { unary(t, Op::TANH); };
  m["HardSwish"] = [](Translator& t, const onnx::NodeProto&) { unary(t, Op::HARD_SWISH); };
  m["HardSigmoid"] = [](Translator& t, const onnx::NodeProto&) { hard_sigmoid(t); };
  m["LeakyRelu"] = [](Translator& t, const onnx::NodeProto&) {
    const float alpha = t.attr_float("alpha", 0.01f);
    unary(t, Op::LEAKY_RELU, [&](tflite::OperatorT& o) {
      tflite::LeakyReluOptionsT lo;
      lo.alpha = alpha;
      o.builtin_options.Set(std::move(lo));
    });
  };
  m["Clip"] = [](Translator& t, const onnx::NodeProto&) { clip(t); };
  m["Sqrt"] = [](Translator& t, const onnx::NodeProto&) { unary(t, Op::SQRT); };
  m["Exp"] = [](Translator& t, const onnx::NodeProto&) { unary(t, Op::EXP); };
  m["Log"] = [](Translator& t, const onnx::NodeProto&) { unary(t, Op::LOG); };
  m["Abs"] = [](Translator& t, const onnx::NodeProto&) { unary(t, Op::ABS); };
  m["Neg"] = [](Translator& t, const onnx::NodeProto&) { unary(t, Op::NEG); };
  m["Floor"] = [](Translator& t, const onnx::NodeProto&) { unary(t, Op::FLOOR); };
  m["Sin"] = [](Translator& t, const onnx::NodeProto&) { unary(t, Op::SIN); };
  m["Cos"] = [](Translator& t, const onnx::NodeProto&) { unary(t, Op::COS); };
  m["Ceil"] = [](Translator& t, const onnx::NodeProto&) { unary(t, Op::CEIL); };
  m["Reciprocal"] = [](Translator& t, const onnx::NodeProto&) {
    Value one;
    one.name = "one";
    one.type = onnx::TensorProto::FLOAT;
    one.c = Const::of(onnx::TensorProto::FLOAT, {}, {1.0});
    Value& x = t.input(0);
    emit_binary(t, Op::DIV, one, x, t.node().output(0), x.rank(), DType::kFloat32);
  };
  m["Cast"] = [](Translator& t, const onnx::NodeProto&) { cast(t); };
  m["Erf"] = [](Translator& t, const onnx::NodeProto&) {
    t.fail_node("Erf is supported inside PyTorch's GELU pattern (x * 0.5 * (1 + Erf(x / sqrt 2))) only; TFLite has no Erf");
  };
  m["Identity"] = [](Translator& t, const onnx::NodeProto&) { t.alias(0, t.input(0)); };
  m["Dropout"] = [](Translator& t, const onnx::NodeProto& n) {
    t.check(n.output_size() < 2 || n.output(1).empty(), "the mask output is not supported");
    if (t.maybe_input(2)) {
      const Const& train = t.const_input(2, "training_mode");
      t.check(train.v.empty() || train.v[0] == 0, "training_mode = true is not supported (inference only)");
    }
    t.alias(0, t.input(0));
  };
}

}  // namespace liteq::onnx_io
