// Constant folding at translation time: the ops that compute shapes and small constants
// (Shape -> Gather -> Concat -> Reshape chains, weight Transposes, DequantizeLinear of
// weights), evaluated in double.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "io/onnx/translator.h"

namespace liteq::onnx_io {

namespace {

using Dims = std::vector<int64_t>;

int64_t count(const Dims& d) {
  int64_t n = 1;
  for (int64_t x : d) n *= x;
  return n;
}

const onnx::AttributeProto* find_attr(const onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}
int64_t attr_i(const onnx::NodeProto& n, const std::string& name, int64_t def) {
  const auto* a = find_attr(n, name);
  return a ? a->i() : def;
}
std::vector<int64_t> attr_is(const onnx::NodeProto& n, const std::string& name) {
  const auto* a = find_attr(n, name);
  if (!a) return {};
  return {a->ints().begin(), a->ints().end()};
}

bool broadcast_shape(const Dims& a, const Dims& b, Dims& out) {
  const size_t r = std::max(a.size(), b.size());
  out.assign(r, 1);
  for (size_t i = 0; i < r; ++i) {
    const int64_t x = i < r - a.size() ? 1 : a[i - (r - a.size())];
    const int64_t y = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (x != y && x != 1 && y != 1) return false;
    out[i] = x == 1 ? y : x;
  }
  return true;
}

// Element index of `a` (broadcast to out) for flat output index o.
int64_t bindex(const Dims& a, const Dims& out, int64_t o) {
  int64_t idx = 0, stride = 1;
  const size_t off = out.size() - a.size();
  for (int i = static_cast<int>(out.size()) - 1; i >= 0; --i) {
    const int64_t c = o % out[i];
    o /= out[i];
    if (i >= static_cast<int>(off)) {
      const int64_t d = a[i - off];
      if (d != 1) idx += c * stride;
      stride *= d;
    }
  }
  return idx;
}

bool is_int(int t) {
  return t != onnx::TensorProto::FLOAT && t != onnx::TensorProto::DOUBLE && t != onnx::TensorProto::FLOAT16 &&
         t != onnx::TensorProto::BFLOAT16;
}

double cast_to(double v, int t) {
  switch (t) {
    case onnx::TensorProto::FLOAT: case onnx::TensorProto::FLOAT16: return static_cast<float>(v);
    case onnx::TensorProto::BOOL: return v != 0 ? 1 : 0;
    case onnx::TensorProto::INT8: return static_cast<int8_t>(std::trunc(v));
    case onnx::TensorProto::UINT8: return static_cast<uint8_t>(std::trunc(v));
    case onnx::TensorProto::INT16: return static_cast<int16_t>(std::trunc(v));
    case onnx::TensorProto::INT32: return static_cast<int32_t>(std::trunc(v));
    case onnx::TensorProto::INT64: return std::trunc(v);
    default: return v;
  }
}

int64_t norm_axis(int64_t a, int64_t r) { return a < 0 ? a + r : a; }

}  // namespace

bool eval_const(const onnx::NodeProto& n, int opset, const std::vector<const Const*>& in,
                const std::vector<std::vector<int64_t>>& out_shapes, const std::vector<int>& out_types,
                std::vector<Const>& out) {
  const std::string& op = n.op_type();
  auto arg = [&](size_t i) -> const Const* { return i < in.size() ? in[i] : nullptr; };
  constexpr int64_t kMaxFold = int64_t{1} << 26;  // never materialize more than 64 Mi values
  out.assign(n.output_size(), Const{});
  Const& r = out[0];

  if (op == "Constant") {
    if (const auto* a = find_attr(n, "value")) { r = const_from_proto(a->t(), "", "Constant"); return true; }
    if (const auto* a = find_attr(n, "value_float")) { r.type = 1; r.v = {a->f()}; return true; }
    if (const auto* a = find_attr(n, "value_int")) { r.type = 7; r.v = {static_cast<double>(a->i())}; return true; }
    if (const auto* a = find_attr(n, "value_floats")) { r.type = 1; r.dims = {a->floats_size()}; r.v.assign(a->floats().begin(), a->floats().end()); return true; }
    if (const auto* a = find_attr(n, "value_ints")) { r.type = 7; r.dims = {a->ints_size()}; for (auto x : a->ints()) r.v.push_back(static_cast<double>(x)); return true; }
    return false;
  }
  if (op == "Identity" || op == "Dropout") {
    if (!arg(0)) return false;
    if (op == "Dropout" && arg(2) && !arg(2)->v.empty() && arg(2)->v[0] != 0) return false;  // training mode
    r = *arg(0);
    if (n.output_size() > 1) { out[1].type = onnx::TensorProto::BOOL; out[1].dims = r.dims; out[1].v.assign(r.v.size(), 1); }
    return true;
  }
  if (op == "ConstantOfShape") {
    Dims d;
    if (arg(0)) for (double x : arg(0)->v) d.push_back(static_cast<int64_t>(x));
    if (count(d) > kMaxFold) return false;
    r.type = 1;
    double fill = 0;
    if (const auto* a = find_attr(n, "value")) { Const c = const_from_proto(a->t(), "", "ConstantOfShape"); r.type = c.type; if (!c.v.empty()) fill = c.v[0]; }
    r.dims = d;
    r.v.assign(static_cast<size_t>(count(d)), fill);
    return true;
  }
  if (op == "Cast") {
    if (!arg(0)) return false;
    r = *arg(0);
    r.type = static_cast<int>(attr_i(n, "to", 1));
    for (double& x : r.v) x = cast_to(x, r.type);
    return true;
  }
  if (op == "Unsqueeze" || op == "Squeeze" || op == "Reshape" || op == "Flatten") {
    if (!arg(0)) return false;
    r = *arg(0);
    if (!out_shapes.empty()) {
      bool known = true;
      for (int64_t d : out_shapes[0]) known = known && d >= 0;
      if (known && count(out_shapes[0]) == r.size()) { r.dims = out_shapes[0]; return true; }
    }
    return false;
  }
  if (op == "Concat") {
    const int64_t rank = arg(0) ? static_cast<int64_t>(arg(0)->dims.size()) : 0;
    const int64_t axis = norm_axis(attr_i(n, "axis", 0), rank);
    Dims d;
    for (const Const* c : in) {
      if (!c || static_cast<int64_t>(c->dims.size()) != rank) return false;
      if (d.empty()) { d = c->dims; d[axis] = 0; }
      d[axis] += c->dims[axis];
    }
    r.type = arg(0)->type;
    r.dims = d;
    const int64_t outer = count(Dims(d.begin(), d.begin() + axis));
    for (int64_t o = 0; o < outer; ++o)
      for (const Const* c : in) {
        const int64_t chunk = count(Dims(c->dims.begin() + axis, c->dims.end()));
        r.v.insert(r.v.end(), c->v.begin() + o * chunk, c->v.begin() + (o + 1) * chunk);
      }
    return true;
  }
  if (op == "Gather") {
    const Const *data = arg(0), *idx = arg(1);
    if (!data || !idx || data->dims.empty()) return false;
    const int64_t rank = static_cast<int64_t>(data->dims.size());
    const int64_t axis = norm_axis(attr_i(n, "axis", 0), rank);
    const int64_t outer = count(Dims(data->dims.begin(), data->dims.begin() + axis));
    const int64_t inner = count(Dims(data->dims.begin() + axis + 1, data->dims.end()));
    const int64_t dim = data->dims[axis];
    r.type = data->type;
    r.dims.assign(data->dims.begin(), data->dims.begin() + axis);
    r.dims.insert(r.dims.end(), idx->dims.begin(), idx->dims.end());
    r.dims.insert(r.dims.end(), data->dims.begin() + axis + 1, data->dims.end());
    for (int64_t o = 0; o < outer; ++o)
      for (double fi : idx->v) {
        int64_t i = static_cast<int64_t>(fi);
        if (i < 0) i += dim;
        if (i < 0 || i >= dim) fail(ErrorKind::kInvalidModel, "Gather '{}': index {} out of range [0, {})", n.name(), fi, dim);
        r.v.insert(r.v.end(), data->v.begin() + (o * dim + i) * inner, data->v.begin() + (o * dim + i + 1) * inner);
      }
    return true;
  }
  if (op == "Slice") {
    const Const* data = arg(0);
    if (!data) return false;
    const int64_t rank = static_cast<int64_t>(data->dims.size());
    std::vector<int64_t> starts, ends, axes, steps;
    auto ints = [](const Const* c) { std::vector<int64_t> v; if (c) for (double x : c->v) v.push_back(static_cast<int64_t>(x)); return v; };
    if (opset < 10) { starts = attr_is(n, "starts"); ends = attr_is(n, "ends"); axes = attr_is(n, "axes"); }
    else { starts = ints(arg(1)); ends = ints(arg(2)); axes = ints(arg(3)); steps = ints(arg(4)); }
    if (axes.empty()) for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (starts.size() != ends.size() || axes.size() != starts.size() || steps.size() != starts.size()) return false;
    std::vector<int64_t> b(rank, 0), e = data->dims, s(rank, 1);
    for (size_t k = 0; k < axes.size(); ++k) {
      const int64_t ax = norm_axis(axes[k], rank), dim = data->dims[ax];
      if (ax < 0 || ax >= rank || steps[k] == 0) return false;
      int64_t st = starts[k] < 0 ? starts[k] + dim : starts[k], en = ends[k] < 0 ? ends[k] + dim : ends[k];
      if (steps[k] > 0) { st = std::clamp<int64_t>(st, 0, dim); en = std::clamp<int64_t>(en, 0, dim); }
      else { st = std::clamp<int64_t>(st, 0, dim - 1); en = std::clamp<int64_t>(en, -1, dim - 1); }
      b[ax] = st; e[ax] = en; s[ax] = steps[k];
    }
    r.type = data->type;
    r.dims.resize(rank);
    for (int64_t i = 0; i < rank; ++i) {
      const int64_t len = s[i] > 0 ? (e[i] - b[i] + s[i] - 1) / s[i] : (b[i] - e[i] - s[i] - 1) / -s[i];
      r.dims[i] = std::max<int64_t>(len, 0);
    }
    const int64_t total = count(r.dims);
    Dims strides(rank, 1);
    for (int64_t i = rank - 2; i >= 0; --i) strides[i] = strides[i + 1] * data->dims[i + 1];
    for (int64_t o = 0; o < total; ++o) {
      int64_t rem = o, src = 0;
      for (int64_t i = rank - 1; i >= 0; --i) {
        const int64_t c = rem % r.dims[i];
        rem /= r.dims[i];
        src += (b[i] + c * s[i]) * strides[i];
      }
      r.v.push_back(data->v[src]);
    }
    return true;
  }
  if (op == "Transpose") {
    const Const* data = arg(0);
    if (!data) return false;
    const int rank = static_cast<int>(data->dims.size());
    auto p = attr_is(n, "perm");
    if (p.empty()) for (int i = rank - 1; i >= 0; --i) p.push_back(i);
    if (static_cast<int>(p.size()) != rank) return false;
    Dims strides(rank, 1);
    for (int i = rank - 2; i >= 0; --i) strides[i] = strides[i + 1] * data->dims[i + 1];
    r.type = data->type;
    for (int i = 0; i < rank; ++i) r.dims.push_back(data->dims[p[i]]);
    const int64_t total = count(r.dims);
    r.v.resize(total);
    for (int64_t o = 0; o < total; ++o) {
      int64_t rem = o, src = 0;
      for (int i = rank - 1; i >= 0; --i) {
        const int64_t c = rem % r.dims[i];
        rem /= r.dims[i];
        src += c * strides[p[i]];
      }
      r.v[o] = data->v[src];
    }
    return true;
  }
  if (op == "Range") {
    if (!arg(0) || !arg(1) || !arg(2)) return false;
    const double start = arg(0)->v.at(0), limit = arg(1)->v.at(0), delta = arg(2)->v.at(0);
    if (delta == 0) return false;
    const int64_t len = std::max<int64_t>(static_cast<int64_t>(std::ceil((limit - start) / delta)), 0);
    if (len > kMaxFold) return false;
    r.type = arg(0)->type;
    r.dims = {len};
    for (int64_t i = 0; i < len; ++i) r.v.push_back(start + static_cast<double>(i) * delta);
    return true;
  }
  if (op == "DequantizeLinear" || op == "QuantizeLinear") {
    const Const *x = arg(0), *scale = arg(1), *zp = arg(2);
    if (!x || !scale) return false;
    const bool quantize = op == "QuantizeLinear";
    r.type = quantize ? (zp ? zp->type : onnx::TensorProto::UINT8) : onnx::TensorProto::FLOAT;
    double lo = 0, hi = 255;
    if (r.type == onnx::TensorProto::INT8) lo = -128, hi = 127;
    else if (r.type == onnx::TensorProto::INT16) lo = -32768, hi = 32767;
    else if (quantize && r.type != onnx::TensorProto::UINT8) return false;
    r.dims = x->dims;
    r.v.resize(x->v.size());
    // Scale and zero point: one, or one per slice along `axis`.
    const int64_t rank = static_cast<int64_t>(x->dims.size());
    const int64_t axis = norm_axis(attr_i(n, "axis", 1), rank);
    const bool per_axis = scale->v.size() > 1;
    const int64_t inner = per_axis ? count(Dims(x->dims.begin() + axis + 1, x->dims.end())) : 1;
    const int64_t dim = per_axis ? x->dims[axis] : 1;
    for (size_t i = 0; i < x->v.size(); ++i) {
      const size_t c = per_axis ? static_cast<size_t>((static_cast<int64_t>(i) / inner) % dim) : 0;
      const double z = zp ? zp->v.at(c) : 0;
      const float s = static_cast<float>(scale->v.at(c));
      if (quantize) {
        const float q = static_cast<float>(x->v[i]) / s;
        r.v[i] = std::clamp(std::nearbyint(static_cast<double>(q)) + z, lo, hi);  // ties to even, as ONNX
      } else {
        r.v[i] = static_cast<float>((x->v[i] - z) * s);
      }
    }
    const bool symmetric = !zp || std::all_of(zp->v.begin(), zp->v.end(), [](double v) { return v == 0; });
    if (!quantize && x->type == onnx::TensorProto::INT8 && symmetric) {
      for (double v : scale->v) r.scales.push_back(static_cast<float>(v));
      r.scale_axis = per_axis ? static_cast<int>(axis) : -1;
    }
    return true;
  }
  // Element-wise math on constants.
  static const std::map<std::string, double (*)(double, double)> kBinary = {
      {"Add", [](double a, double b) { return a + b; }},   {"Sub", [](double a, double b) { return a - b; }},
      {"Mul", [](double a, double b) { return a * b; }},   {"Div", [](double a, double b) { return a / b; }},
      {"Pow", [](double a, double b) { return std::pow(a, b); }},
      {"Max", [](double a, double b) { return std::max(a, b); }}, {"Min", [](double a, double b) { return std::min(a, b); }},
      {"Equal", [](double a, double b) { return a == b ? 1.0 : 0.0; }},
      {"Less", [](double a, double b) { return a < b ? 1.0 : 0.0; }},
      {"Greater", [](double a, double b) { return a > b ? 1.0 : 0.0; }},
  };
  static const std::map<std::string, double (*)(double)> kUnary = {
      {"Neg", [](double a) { return -a; }},          {"Sqrt", [](double a) { return std::sqrt(a); }},
      {"Abs", [](double a) { return std::fabs(a); }}, {"Floor", [](double a) { return std::floor(a); }},
      {"Ceil", [](double a) { return std::ceil(a); }}, {"Reciprocal", [](double a) { return 1.0 / a; }},
      {"Relu", [](double a) { return std::max(a, 0.0); }}, {"Exp", [](double a) { return std::exp(a); }},
      {"Not", [](double a) { return a == 0 ? 1.0 : 0.0; }},
  };
  if (auto it = kBinary.find(op); it != kBinary.end() && in.size() == 2 && arg(0) && arg(1)) {
    Dims d;
    if (!broadcast_shape(arg(0)->dims, arg(1)->dims, d) || count(d) > kMaxFold) return false;
    const bool cmp = op == "Equal" || op == "Less" || op == "Greater";
    r.type = cmp ? onnx::TensorProto::BOOL : arg(0)->type;
    r.dims = d;
    const int64_t total = count(d);
    r.v.resize(total);
    const bool int_div = op == "Div" && is_int(r.type);
    for (int64_t o = 0; o < total; ++o) {
      const double a = arg(0)->v[bindex(arg(0)->dims, d, o)], b = arg(1)->v[bindex(arg(1)->dims, d, o)];
      if (int_div && b == 0) return false;
      double v = int_div ? std::trunc(a / b) : it->second(a, b);
      r.v[o] = cmp ? v : cast_to(v, r.type);
    }
    return true;
  }
  if (auto it = kUnary.find(op); it != kUnary.end() && in.size() == 1 && arg(0)) {
    r = *arg(0);
    for (double& x : r.v) x = cast_to(it->second(x), r.type);
    if (op == "Not") r.type = onnx::TensorProto::BOOL;
    return true;
  }
  if (op == "Expand" && arg(0) && arg(1)) {
    Dims target;
    for (double x : arg(1)->v) target.push_back(static_cast<int64_t>(x));
    Dims d;
    if (!broadcast_shape(arg(0)->dims, target, d) || count(d) > kMaxFold) return false;
    r.type = arg(0)->type;
    r.dims = d;
    for (int64_t o = 0; o < count(d); ++o) r.v.push_back(arg(0)->v[bindex(arg(0)->dims, d, o)]);
    return true;
  }
  (void)out_types;
  return false;
}

}  // namespace liteq::onnx_io
