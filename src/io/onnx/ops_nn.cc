// Image and linear-algebra ONNX ops: Conv (plain, depthwise, grouped), ConvTranspose,
// BatchNormalization (folded into the convolution before it when possible), pooling,
// Resize / Upsample, MatMul, Gemm, Softmax, LayerNormalization, DepthToSpace,
// SpaceToDepth. Images are NHWC inside the model.
#include <cmath>

#include "io/onnx/translator.h"

namespace liteq::onnx_io {

namespace {

using tflite::Padding;
const std::vector<int> kNHWC{0, 2, 3, 1};

std::vector<double> permute4(const Const& w, const std::vector<int>& perm) {
  // w: 4-D, output dim i = w dim perm[i].
  const auto& d = w.dims;
  std::vector<int64_t> od(4), st(4, 1);
  for (int i = 2; i >= 0; --i) st[i] = st[i + 1] * d[i + 1];
  for (int i = 0; i < 4; ++i) od[i] = d[perm[i]];
  std::vector<double> out;
  out.reserve(w.v.size());
  for (int64_t a = 0; a < od[0]; ++a)
    for (int64_t b = 0; b < od[1]; ++b)
      for (int64_t c = 0; c < od[2]; ++c)
        for (int64_t e = 0; e < od[3]; ++e)
          out.push_back(w.v[a * st[perm[0]] + b * st[perm[1]] + c * st[perm[2]] + e * st[perm[3]]]);
  return out;
}

struct Pads {
  Padding padding = Padding::VALID;
  int64_t top = 0, bottom = 0, left = 0, right = 0;  // explicit (PAD op) when any is non-zero
};

// How TFLite can express ONNX's padding for one spatial dim: bit 1 = VALID, bit 2 = SAME.
int fits(int64_t n, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe, int64_t out) {
  int r = 0;
  const int64_t eff = (k - 1) * d + 1;
  if (pb == 0 && pe == 0 && n >= eff && out == (n - eff) / s + 1) r |= 1;
  const int64_t tf_out = (n + s - 1) / s;
  const int64_t total = std::max<int64_t>((tf_out - 1) * s + eff - n, 0);
  if (out == tf_out && pb == total / 2 && pe == total - total / 2) r |= 2;
  return r;
}

// The explicit pads of an ONNX conv/pool node (pads / auto_pad), and the choice of
// TFLite padding. `out_h/out_w` are the inferred output dims.
Pads resolve_pads(Translator& t, int64_t in_h, int64_t in_w, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh,
                  int64_t dw, int64_t out_h, int64_t out_w) {
  std::vector<int64_t> p = t.attr_ints("pads", {0, 0, 0, 0});
  t.check(p.size() == 4, "pads must have 4 values for a 2-D op");
  const std::string ap = t.attr_string("auto_pad", "NOTSET");
  auto same = [](int64_t n, int64_t k, int64_t s, int64_t d, bool lower, int64_t& b, int64_t& e) {
    const int64_t out = (n + s - 1) / s, total = std::max<int64_t>((out - 1) * s + (k - 1) * d + 1 - n, 0);
    b = lower ? total - total / 2 : total / 2;
    e = total - b;
  };
  if (ap == "SAME_UPPER" || ap == "SAME_LOWER") {
    same(in_h, kh, sh, dh, ap == "SAME_LOWER", p[0], p[2]);
    same(in_w, kw, sw, dw, ap == "SAME_LOWER", p[1], p[3]);
  } else if (ap == "VALID") {
    p = {0, 0, 0, 0};
  } else {
    t.check(ap == "NOTSET", "auto_pad '" + ap + "' is not supported");
  }
  Pads r;
  const int fh = fits(in_h, kh, sh, dh, p[0], p[2], out_h), fw = fits(in_w, kw, sw, dw, p[1], p[3], out_w);
  if (fh & fw & 1) return r;
  if (fh & fw & 2) {
    r.padding = Padding::SAME;
    return r;
  }
  // Explicit: PAD, then VALID. The end pads grow if ONNX's output is larger (ceil_mode).
  r.top = p[0];
  r.left = p[1];
  r.bottom = std::max<int64_t>(p[2], (out_h - 1) * sh + (kh - 1) * dh + 1 - in_h - p[0]);
  r.right = std::max<int64_t>(p[3], (out_w - 1) * sw + (kw - 1) * dw + 1 - in_w - p[1]);
  return r;
}

bool explicit_pad(const Pads& p) { return p.top || p.bottom || p.left || p.right; }

// PAD (or PADV2 with `value`) of an NHWC tensor.
int pad_nhwc(Translator& t, int in, const Pads& p, float value, const std::string& name) {
  auto shape = t.tensor(in).shape;
  shape[1] += static_cast<int32_t>(p.top + p.bottom);
  shape[2] += static_cast<int32_t>(p.left + p.right);
  const int out = t.add_tensor(t.fresh(name + "_padded"), static_cast<DType>(t.tensor(in).type), shape);
  const int pads = t.add_const(t.fresh(name + "_pads"), DType::kInt32, {4, 2},
                               {0, 0, double(p.top), double(p.bottom), double(p.left), double(p.right), 0, 0});
  if (value == 0.0f) {
    t.emit(Op::PAD, {in, pads}, {out}).builtin_options.Set(tflite::PadOptionsT{});
  } else {
    const int v = t.add_const(t.fresh(name + "_pad_value"), DType::kFloat32, {}, {value});
    t.emit(Op::PADV2, {in, pads, v}, {out}).builtin_options.Set(tflite::PadV2OptionsT{});
  }
  return out;
}

std::vector<int64_t> two(Translator& t, const std::string& name, int64_t def) {
  auto v = t.attr_ints(name, {def, def});
  t.check(v.size() == 2, name + " must have 2 values (only 2-D ops are supported)");
  return v;
}

void conv(Translator& t) {
  Value& x = t.input(0);
  t.check(x.rank() == 4, fmt::format("input of rank {}: only 2-D convolutions (4-D inputs) are supported", x.rank()));
  t.check(!x.c, "a constant input is not supported");
  const Const& w = t.const_input(1, "the weights");
  t.check(w.dims.size() == 4, "the weights must be 4-D");
  const int64_t group = t.attr_int("group", 1), C = x.shape[1], O = w.dims[0], Ig = w.dims[1], kh = w.dims[2], kw = w.dims[3];
  t.check(group >= 1 && C % group == 0 && O % group == 0 && Ig * group == C,
          fmt::format("weights [{}] do not fit {} input channels in {} groups", fmt::join(w.dims, ","), C, group));
  const auto s = two(t, "strides", 1), d = two(t, "dilations", 1);
  const auto& os = t.out_shape(0);
  const Pads p = resolve_pads(t, x.shape[2], x.shape[3], kh, kw, s[0], s[1], d[0], d[1], os[2], os[3]);
  std::vector<double> bias(O, 0.0);
  if (t.maybe_input(2)) {
    const Const& b = t.const_input(2, "the bias");
    t.check(b.size() == O, "the bias must have one value per output channel");
    bias = b.v;
  }
  int in = t.as_layout(x, kNHWC);
  const std::string& name = t.node().output(0);
  if (explicit_pad(p)) in = pad_nhwc(t, in, p, 0.0f, name);
  const int out = t.define(0, kNHWC);
  auto conv2d = [&](int input, const std::vector<double>& wd, const std::vector<double>& bd, int64_t o, int64_t i, int output) {
    const int wt = t.add_const(t.fresh(name + "_weights"), DType::kFloat32,
                               {static_cast<int32_t>(o), static_cast<int32_t>(kh), static_cast<int32_t>(kw), static_cast<int32_t>(i)}, wd);
    const int bt = t.add_const(t.fresh(name + "_bias"), DType::kFloat32, {static_cast<int32_t>(o)}, bd);
    tflite::Conv2DOptionsT co;
    co.padding = p.padding;
    co.stride_h = static_cast<int32_t>(s[0]);
    co.stride_w = static_cast<int32_t>(s[1]);
    co.dilation_h_factor = static_cast<int32_t>(d[0]);
    co.dilation_w_factor = static_cast<int32_t>(d[1]);
    t.emit(Op::CONV_2D, {input, wt, bt}, {output}, 1).builtin_options.Set(std::move(co));
  };
  // Scales of int8 weights from a QDQ model: per output channel (ONNX axis 0) or one.
  const bool wq = !w.scales.empty() && (w.scales.size() == 1 || (w.scale_axis == 0 && static_cast<int64_t>(w.scales.size()) == O));
  auto chan_scales = [&](int64_t from, int64_t n) {
    std::vector<float> r;
    for (int64_t i = 0; i < n; ++i) r.push_back(w.scales[w.scales.size() == 1 ? 0 : from + i]);
    return r;
  };
  if (group == 1) {
    conv2d(in, permute4(w, {0, 2, 3, 1}), bias, O, C, out);
    if (wq) t.record_weight_scales(t.producer(out)->inputs[1], chan_scales(0, O), 0);
  } else if (Ig == 1) {
    // Depthwise: filter [1, kh, kw, O], O = C x multiplier.
    const int wt = t.add_const(t.fresh(name + "_weights"), DType::kFloat32,
                               {1, static_cast<int32_t>(kh), static_cast<int32_t>(kw), static_cast<int32_t>(O)},
                               permute4(w, {1, 2, 3, 0}));
    const int bt = t.add_const(t.fresh(name + "_bias"), DType::kFloat32, {static_cast<int32_t>(O)}, bias);
    tflite::DepthwiseConv2DOptionsT co;
    co.padding = p.padding;
    co.stride_h = static_cast<int32_t>(s[0]);
    co.stride_w = static_cast<int32_t>(s[1]);
    co.dilation_h_factor = static_cast<int32_t>(d[0]);
    co.dilation_w_factor = static_cast<int32_t>(d[1]);
    co.depth_multiplier = static_cast<int32_t>(O / C);
    t.emit(Op::DEPTHWISE_CONV_2D, {in, wt, bt}, {out}, 1).builtin_options.Set(std::move(co));
    if (wq) t.record_weight_scales(wt, chan_scales(0, O), 3);
  } else {
    // Grouped: SPLIT on channels, one CONV_2D per group, CONCATENATION.
    auto ishape = t.tensor(in).shape;
    ishape[3] = static_cast<int32_t>(Ig);
    std::vector<int32_t> parts;
    for (int64_t g = 0; g < group; ++g) parts.push_back(t.add_tensor(t.fresh(name + "_group_in"), DType::kFloat32, ishape));
    const int axis = t.add_const(t.fresh(name + "_axis"), DType::kInt32, {}, {3});
    tflite::SplitOptionsT so;
    so.num_splits = static_cast<int32_t>(group);
    t.emit(Op::SPLIT, {axis, in}, parts).builtin_options.Set(std::move(so));
    const auto all = permute4(w, {0, 2, 3, 1});
    const int64_t per = O / group, wsize = per * kh * kw * Ig;
    auto oshape = t.tensor(out).shape;
    oshape[3] = static_cast<int32_t>(per);
    std::vector<int32_t> outs;
    for (int64_t g = 0; g < group; ++g) {
      const int o = t.add_tensor(t.fresh(name + "_group_out"), DType::kFloat32, oshape);
      conv2d(parts[g], std::vector<double>(all.begin() + g * wsize, all.begin() + (g + 1) * wsize),
             std::vector<double>(bias.begin() + g * per, bias.begin() + (g + 1) * per), per, Ig, o);
      outs.push_back(o);
    }
    tflite::ConcatenationOptionsT cc;
    cc.axis = 3;
    t.emit(Op::CONCATENATION, outs, {out}).builtin_options.Set(std::move(cc));
  }
}

void conv_transpose(Translator& t) {
  Value& x = t.input(0);
  t.check(x.rank() == 4 && !x.c, "only 2-D transposed convolutions of a non-constant input are supported");
  const Const& w = t.const_input(1, "the weights");  // [C, O/group, kh, kw]
  t.check(w.dims.size() == 4 && t.attr_int("group", 1) == 1, "only group = 1 is supported");
  const int64_t C = w.dims[0], O = w.dims[1], kh = w.dims[2], kw = w.dims[3];
  t.check(C == x.shape[1], "the weights do not match the input channels");
  const auto s = two(t, "strides", 1), d = two(t, "dilations", 1);
  t.check(d[0] == 1 && d[1] == 1, "dilations are not supported");
  const auto& os = t.out_shape(0);
  std::vector<double> bias(O, 0.0);
  if (t.maybe_input(2)) bias = t.const_input(2, "the bias").v;
  const std::string& name = t.node().output(0);
  // TFLite derives the padding from the output size: VALID when ONNX's output is the full
  // (in-1)*s+k; SAME when the cut matches TFLite's split of it. Otherwise: full VALID
  // output, then a SLICE.
  const int64_t full_h = (x.shape[2] - 1) * s[0] + kh, full_w = (x.shape[3] - 1) * s[1] + kw;
  auto pads = t.attr_ints("pads", {0, 0, 0, 0});
  const auto outpad = t.attr_ints("output_padding", {0, 0});
  t.check(t.attr_string("auto_pad", "NOTSET") == "NOTSET" || t.attr_string("auto_pad", "") == "VALID",
          "auto_pad SAME is not supported for ConvTranspose");
  t.check(outpad[0] == 0 && outpad[1] == 0, "output_padding is not supported");
  const int in = t.as_layout(x, kNHWC);
  const int wt = t.add_const(t.fresh(name + "_weights"), DType::kFloat32,
                             {static_cast<int32_t>(O), static_cast<int32_t>(kh), static_cast<int32_t>(kw), static_cast<int32_t>(C)},
                             permute4(w, {1, 2, 3, 0}));
  const int bt = t.add_const(t.fresh(name + "_bias"), DType::kFloat32, {static_cast<int32_t>(O)}, bias);
  const bool full = pads == std::vector<int64_t>{0, 0, 0, 0} && os[2] == full_h && os[3] == full_w;
  tflite::TransposeConvOptionsT co;
  co.stride_h = static_cast<int32_t>(s[0]);
  co.stride_w = static_cast<int32_t>(s[1]);
  auto same_ok = [&](int64_t full_n, int64_t out, int64_t pb, int64_t pe) {
    const int64_t total = full_n - out;
    return total >= 0 && pb == total / 2 && pe == total - total / 2;
  };
  int out;
  if (full) {
    co.padding = Padding::VALID;
    out = t.define(0, kNHWC);
  } else if (same_ok(full_h, os[2], pads[0], pads[2]) && same_ok(full_w, os[3], pads[1], pads[3]) &&
             os[2] == x.shape[2] * s[0] && os[3] == x.shape[3] * s[1]) {
    co.padding = Padding::SAME;
    out = t.define(0, kNHWC);
  } else {
    fail(ErrorKind::kUnsupported, "node '{}' (ConvTranspose): pads [{}] are not supported", t.node().name(), fmt::join(pads, ","));
  }
  const auto oshape = t.tensor(out).shape;
  const int shape = t.add_const(t.fresh(name + "_output_shape"), DType::kInt32, {4},
                                std::vector<double>(oshape.begin(), oshape.end()));
  t.emit(Op::TRANSPOSE_CONV, {shape, wt, in, bt}, {out}, 3).builtin_options.Set(std::move(co));
}

void batch_norm(Translator& t) {
  Value& x = t.input(0);
  const Const& scale = t.const_input(1, "scale");
  const Const& bias = t.const_input(2, "B");
  const Const& mean = t.const_input(3, "mean");
  const Const& var = t.const_input(4, "var");
  const double eps = t.attr_float("epsilon", 1e-5f);
  t.check(x.rank() >= 2, "input of rank < 2");
  const int64_t C = x.shape[1];
  t.check(scale.size() == C && bias.size() == C && mean.size() == C && var.size() == C, "parameters must have one value per channel");
  std::vector<double> mul(C), add(C);
  for (int64_t c = 0; c < C; ++c) {
    mul[c] = static_cast<float>(scale.v[c] / std::sqrt(static_cast<float>(var.v[c]) + eps));
    add[c] = static_cast<float>(bias.v[c] - mean.v[c] * mul[c]);
  }
  // Folded into the convolution that produced x.
  if (!x.c && x.perm.back() == 1 && t.fold_affine(x, mul, add)) return;
  // Standalone: x * mul + add, per channel (dim 1).
  const int r = x.rank();
  std::vector<int64_t> cd(r - 1, 1);
  cd[0] = C;
  const auto perm = x.c ? identity_perm(r) : x.perm;
  const int in = t.as_layout(x, perm);
  const int tm = t.const_operand(Const::of(1, cd, mul), r, perm, DType::kFloat32);
  const int ta = t.const_operand(Const::of(1, cd, add), r, perm, DType::kFloat32);
  const int mid = t.add_tensor(t.fresh(t.node().output(0) + "_scaled"), DType::kFloat32, Translator::physical(x.shape, perm));
  t.emit(Op::MUL, {in, tm}, {mid}).builtin_options.Set(tflite::MulOptionsT{});
  const int out = t.define(0, perm);
  t.emit(Op::ADD, {mid, ta}, {out}).builtin_options.Set(tflite::AddOptionsT{});
}

void pool(Translator& t, bool max) {
  Value& x = t.input(0);
  t.check(x.rank() == 4 && !x.c, "only 2-D pooling (4-D input) is supported");
  t.check(t.node().output_size() == 1 || t.node().output(1).empty(), "the Indices output is not supported");
  const auto k = two(t, "kernel_shape", 1), s = two(t, "strides", 1), d = two(t, "dilations", 1);
  t.check(d[0] == 1 && d[1] == 1, "dilations are not supported");
  const auto& os = t.out_shape(0);
  const Pads p = resolve_pads(t, x.shape[2], x.shape[3], k[0], k[1], s[0], s[1], 1, 1, os[2], os[3]);
  int in = t.as_layout(x, kNHWC);
  tflite::Pool2DOptionsT po;
  po.padding = p.padding;
  po.stride_h = static_cast<int32_t>(s[0]);
  po.stride_w = static_cast<int32_t>(s[1]);
  po.filter_height = static_cast<int32_t>(k[0]);
  po.filter_width = static_cast<int32_t>(k[1]);
  const bool include_pad = t.attr_int("count_include_pad", 0) != 0;
  if (explicit_pad(p)) {
    t.check(max || include_pad, "AveragePool with pads that are not TFLite's SAME and count_include_pad = 0 is not supported");
    in = pad_nhwc(t, in, p, max ? -3.4028234663852886e38f : 0.0f, t.node().output(0));
  } else if (!max && include_pad && p.padding == Padding::SAME) {
    // TFLite's SAME average excludes the padding; ONNX counts it here.
    bool any = false;
    for (auto v : t.attr_ints("pads", {0, 0, 0, 0})) any = any || v != 0;
    t.check(!any, "AveragePool with count_include_pad = 1 and SAME padding is not supported");
  }
  const int out = t.define(0, kNHWC);
  t.emit(max ? Op::MAX_POOL_2D : Op::AVERAGE_POOL_2D, {in}, {out}).builtin_options.Set(std::move(po));
}

void global_pool(Translator& t, bool max) {
  Value& x = t.input(0);
  t.check(x.rank() >= 3 && !x.c, "input of rank < 3");
  const auto perm = nhwc_perm(x.rank());
  const int in = t.as_layout(x, perm);
  std::vector<double> axes;
  for (int i = 1; i + 1 < x.rank(); ++i) axes.push_back(i);
  const int at = t.add_const(t.fresh(t.node().output(0) + "_axes"), DType::kInt32, {static_cast<int32_t>(axes.size())}, axes);
  const int out = t.define(0, perm);
  tflite::ReducerOptionsT ro;
  ro.keep_dims = true;
  t.emit(max ? Op::REDUCE_MAX : Op::MEAN, {in, at}, {out}).builtin_options.Set(std::move(ro));
}

void resize(Translator& t, bool upsample) {
  Value& x = t.input(0);
  t.check(x.rank() == 4 && !x.c, "only 4-D inputs are supported");
  const auto& os = t.out_shape(0);
  t.check(os[0] == x.shape[0] && os[1] == x.shape[1], "only the spatial dims (2 and 3) may be resized");
  std::string mode = t.attr_string("mode", "nearest");
  std::string coord = t.attr_string("coordinate_transformation_mode", t.opset() >= 11 && !upsample ? "half_pixel" : "asymmetric");
  const std::string nearest = t.attr_string("nearest_mode", "round_prefer_floor");
  bool align = false, half = false;
  Op op;
  if (mode == "nearest") {
    op = Op::RESIZE_NEAREST_NEIGHBOR;
    if (coord == "asymmetric" && (nearest == "floor" || t.opset() < 11)) {
    } else if (coord == "align_corners" && nearest == "round_prefer_ceil") {
      align = true;
    } else if ((coord == "half_pixel" || coord == "tf_half_pixel_for_nn") && nearest == "round_prefer_ceil") {
      half = true;
    } else if (coord == "tf_half_pixel_for_nn" && nearest == "floor") {
      half = true;
    } else {
      t.fail_node("nearest resize with coordinate_transformation_mode '" + coord + "' and nearest_mode '" + nearest +
                  "' has no TFLite equivalent");
    }
  } else if (mode == "linear" || mode == "bilinear") {
    op = Op::RESIZE_BILINEAR;
    if (coord == "asymmetric") {
    } else if (coord == "align_corners") {
      align = true;
    } else if (coord == "half_pixel" || coord == "pytorch_half_pixel") {
      half = true;
      t.check(coord == "half_pixel" || (os[2] > 1 && os[3] > 1), "pytorch_half_pixel to size 1 differs from TFLite");
    } else {
      t.fail_node("linear resize with coordinate_transformation_mode '" + coord + "' has no TFLite equivalent");
    }
  } else {
    t.fail_node("mode '" + mode + "' is not supported (nearest and linear are)");
  }
  // With scales, ONNX maps coordinates with the given scale; TFLite with in/out: the same
  // only when the scale gives the output size exactly.
  {
    const Const* scales = nullptr;
    const int si = upsample ? 1 : (t.opset() >= 11 ? 2 : 1);
    if (Value* sv = t.maybe_input(si); sv && sv->c && sv->c->size() == 4) scales = &*sv->c;
    if (upsample && t.opset() < 9) {
      const auto sc = t.attr("scales");
      if (sc && sc->floats_size() == 4)
        for (int d = 2; d < 4; ++d)
          t.check(static_cast<double>(sc->floats(d)) * x.shape[d] == static_cast<double>(os[d]),
                  "scales that do not give a whole output size have no TFLite equivalent");
    }
    if (scales)
      for (int d = 2; d < 4; ++d)
        t.check(static_cast<double>(static_cast<float>(scales->v[d])) * x.shape[d] == static_cast<double>(os[d]),
                fmt::format("scale {} on a dim of {} does not give a whole output size ({}); TFLite resizes by the size ratio",
                            scales->v[d], x.shape[d], os[d]));
  }
  const int in = t.as_layout(x, kNHWC);
  const int size = t.add_const(t.fresh(t.node().output(0) + "_size"), DType::kInt32, {2}, {double(os[2]), double(os[3])});
  const int out = t.define(0, kNHWC);
  auto& o = t.emit(op, {in, size}, {out}, half ? 3 : 1);
  if (op == Op::RESIZE_BILINEAR) {
    tflite::ResizeBilinearOptionsT ro;
    ro.align_corners = align;
    ro.half_pixel_centers = half;
    o.builtin_options.Set(std::move(ro));
  } else {
    tflite::ResizeNearestNeighborOptionsT ro;
    ro.align_corners = align;
    ro.half_pixel_centers = half;
    o.builtin_options.Set(std::move(ro));
  }
}

// FULLY_CONNECTED with constant weights w [N, K] (TFLite layout) and bias [N].
void fully_connected(Translator& t, int in, const std::vector<double>& w, int64_t N, int64_t K, const std::vector<double>& bias,
                     bool keep_dims, int out) {
  const std::string& name = t.node().output(0);
  const int wt = t.add_const(t.fresh(name + "_weights"), DType::kFloat32, {static_cast<int32_t>(N), static_cast<int32_t>(K)}, w);
  const int bt = t.add_const(t.fresh(name + "_bias"), DType::kFloat32, {static_cast<int32_t>(N)}, bias);
  tflite::FullyConnectedOptionsT fo;
  fo.keep_num_dims = keep_dims;
  t.emit(Op::FULLY_CONNECTED, {in, wt, bt}, {out}, keep_dims ? 5 : 1).builtin_options.Set(std::move(fo));
}

void matmul(Translator& t) {
  Value& a = t.input(0);
  Value& b = t.input(1);
  t.check(a.rank() >= 2 && b.rank() >= 2, "1-D operands are not supported");
  const int r = static_cast<int>(t.out_shape(0).size());
  if (!a.c && b.c && b.rank() == 2 && t.out_dtype() == DType::kFloat32) {
    const int64_t K = b.shape[0], N = b.shape[1];
    std::vector<double> w(N * K);
    for (int64_t k = 0; k < K; ++k)
      for (int64_t n = 0; n < N; ++n) w[n * K + k] = b.c->v[k * N + n];
    const int in = t.as_layout(a, identity_perm(a.rank()));
    const int out = t.define(0, identity_perm(r));
    fully_connected(t, in, w, N, K, std::vector<double>(N, 0.0), a.rank() > 2, out);
    const auto& sc = b.c->scales;
    if (sc.size() == 1 || (b.c->scale_axis == 1 && static_cast<int64_t>(sc.size()) == N))
      t.record_weight_scales(t.producer(out)->inputs[1], sc.size() == 1 ? std::vector<float>(N, sc[0]) : sc, 0);
    return;
  }
  // BATCH_MATMUL: both operands in ONNX order, batch dims broadcast.
  const int ta = t.as_layout(a, identity_perm(a.rank()));
  const int tb = t.as_layout(b, identity_perm(b.rank()));
  const int out = t.define(0, identity_perm(r), t.out_dtype());
  t.emit(Op::BATCH_MATMUL, {ta, tb}, {out}).builtin_options.Set(tflite::BatchMatMulOptionsT{});
}

void gemm(Translator& t) {
  Value& a = t.input(0);
  t.check(!a.c && a.rank() == 2, "A must be a 2-D non-constant input");
  const Const& b = t.const_input(1, "B");
  const bool ta = t.attr_int("transA", 0) != 0, tb = t.attr_int("transB", 0) != 0;
  const double alpha = t.attr_float("alpha", 1.0f), beta = t.attr_float("beta", 1.0f);
  t.check(!ta, "transA = 1 is not supported");
  const int64_t K = tb ? b.dims[1] : b.dims[0], N = tb ? b.dims[0] : b.dims[1];
  std::vector<double> w(N * K);
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n) w[n * K + k] = static_cast<float>(alpha * (tb ? b.v[n * K + k] : b.v[k * N + n]));
  std::vector<double> bias(N, 0.0);
  if (t.maybe_input(2)) {
    const Const& c = t.const_input(2, "C");
    t.check(c.size() == 1 || (c.size() == N && (c.dims.size() == 1 || c.dims[0] == 1)),
            "C must broadcast along the rows (shape [N], [1, N] or a scalar)");
    for (int64_t n = 0; n < N; ++n) bias[n] = static_cast<float>(beta * c.v[c.size() == 1 ? 0 : n]);
  }
  const int in = t.as_layout(a, identity_perm(2));
  const int out = t.define(0, identity_perm(2));
  fully_connected(t, in, w, N, K, bias, false, out);
  const int n_axis = tb ? 0 : 1;
  if (alpha == 1.0 && (b.scales.size() == 1 || (b.scale_axis == n_axis && static_cast<int64_t>(b.scales.size()) == N)))
    t.record_weight_scales(t.producer(out)->inputs[1], b.scales.size() == 1 ? std::vector<float>(N, b.scales[0]) : b.scales, 0);
}

void softmax(Translator& t) {
  Value& x = t.input(0);
  t.check(!x.c, "a constant input is not supported");
  const int r = x.rank();
  int64_t axis = t.attr_int("axis", t.opset() >= 13 ? -1 : 1);
  if (axis < 0) axis += r;
  t.check(axis >= 0 && axis < r, "axis out of range");
  if (t.opset() < 13 && axis != r - 1) {
    // Softmax over the flattened dims [axis, r): equal to a last-axis softmax only if the
    // dims after axis are all 1.
    for (int i = static_cast<int>(axis) + 1; i < r; ++i)
      t.check(x.shape[i] == 1, "opset < 13 softmax over several dims is not supported");
  }
  // Put the softmax axis last in the physical layout (no transpose if it already is).
  std::vector<int> perm = x.perm;
  if (perm.back() != axis) {
    perm.erase(std::find(perm.begin(), perm.end(), static_cast<int>(axis)));
    perm.push_back(static_cast<int>(axis));
  }
  const int in = t.as_layout(x, perm);
  const int out = t.define(0, perm);
  tflite::SoftmaxOptionsT so;
  so.beta = 1.0f;
  t.emit(Op::SOFTMAX, {in}, {out}).builtin_options.Set(std::move(so));
}

void depth_space(Translator& t, bool to_space) {
  Value& x = t.input(0);
  t.check(x.rank() == 4 && !x.c, "only 4-D inputs are supported");
  if (to_space) t.check(t.attr_string("mode", "DCR") == "DCR", "DepthToSpace mode CRD is not supported");
  const int in = t.as_layout(x, kNHWC);
  const int out = t.define(0, kNHWC);
  const int bs = static_cast<int>(t.attr_int("blocksize", 0));
  if (to_space) {
    tflite::DepthToSpaceOptionsT o;
    o.block_size = bs;
    t.emit(Op::DEPTH_TO_SPACE, {in}, {out}).builtin_options.Set(std::move(o));
  } else {
    tflite::SpaceToDepthOptionsT o;
    o.block_size = bs;
    t.emit(Op::SPACE_TO_DEPTH, {in}, {out}).builtin_options.Set(std::move(o));
  }
}

}  // namespace

void register_nn_ops(std::map<std::string, OpHandler>& m) {
  m["Conv"] = [](Translator& t, const onnx::NodeProto&) { conv(t); };
  m["ConvTranspose"] = [](Translator& t, const onnx::NodeProto&) { conv_transpose(t); };
  m["BatchNormalization"] = [](Translator& t, const onnx::NodeProto&) { batch_norm(t); };
  m["MaxPool"] = [](Translator& t, const onnx::NodeProto&) { pool(t, true); };
  m["AveragePool"] = [](Translator& t, const onnx::NodeProto&) { pool(t, false); };
  m["GlobalAveragePool"] = [](Translator& t, const onnx::NodeProto&) { global_pool(t, false); };
  m["GlobalMaxPool"] = [](Translator& t, const onnx::NodeProto&) { global_pool(t, true); };
  m["Resize"] = [](Translator& t, const onnx::NodeProto&) { resize(t, false); };
  m["Upsample"] = [](Translator& t, const onnx::NodeProto&) { resize(t, true); };
  m["MatMul"] = [](Translator& t, const onnx::NodeProto&) { matmul(t); };
  m["Gemm"] = [](Translator& t, const onnx::NodeProto&) { gemm(t); };
  m["Softmax"] = [](Translator& t, const onnx::NodeProto&) { softmax(t); };
  m["DepthToSpace"] = [](Translator& t, const onnx::NodeProto&) { depth_space(t, true); };
  m["SpaceToDepth"] = [](Translator& t, const onnx::NodeProto&) { depth_space(t, false); };
}

}  // namespace liteq::onnx_io
