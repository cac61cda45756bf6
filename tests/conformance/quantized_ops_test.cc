// Quantized CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV and BATCH_MATMUL
// against the official TFLite runtime (2.9): single-op cases over many random shapes
// and quantization parameters, built with ModelBuilder, run by our Interpreter and by
// run_official() on the same model. int8 and 16x8 outputs must be identical bytes;
// hybrid (float in/out, int8 weights) outputs must agree within a tight tolerance.
//
// Many independent ops go into one model (each with its own input and output) so that
// the official runner, a separate process, is started only a few times per test.
// LITEQ_QOPS_SINGLE=1 runs every case as its own model instead (slower; isolates a
// case that TFLite rejects), LITEQ_QOPS_VERBOSE=1 prints per-case statistics,
// LITEQ_QOPS_SCALE=N runs N times as many cases.
//
// TFLite's int8 CONV_2D / FULLY_CONNECTED go through ruy, whose rounding of ties
// depends on the CPU path it picks; ours reproduces its x86 AVX2 / AVX-512 kernels
// (see ref::Rounding in src/kernels/reference/requant_int8.h).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "io/data/npy.h"
#include "io/tflite/tflite_io.h"
#include "liteq/interpreter.h"
#include "liteq/model.h"
#include "model_builder.h"
#include "test_env.h"
#include "tflite_ref.h"

namespace liteq::test {
namespace {

using tflite::ActivationFunctionType;
using tflite::BuiltinOperator;
using tflite::TensorType;

bool env_flag(const char* name) { return env_or(name, "0") == "1"; }

enum class Mode { kInt8, k16x8, kHybrid };
const char* mode_name(Mode m) { return m == Mode::kInt8 ? "int8" : m == Mode::k16x8 ? "16x8" : "hybrid"; }

const ActivationFunctionType kActs[] = {ActivationFunctionType::NONE, ActivationFunctionType::RELU,
                                        ActivationFunctionType::RELU6, ActivationFunctionType::RELU_N1_TO_1};
const char* act_name(ActivationFunctionType a) {
  switch (a) {
    case ActivationFunctionType::RELU: return "relu";
    case ActivationFunctionType::RELU6: return "relu6";
    case ActivationFunctionType::RELU_N1_TO_1: return "relu1";
    default: return "none";
  }
}

template <typename T> Array make_array(DType type, std::vector<int32_t> shape, const std::vector<T>& v) {
  Array a;
  a.dtype = type;
  a.shape = std::move(shape);
  a.bytes.resize(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(a.bytes.data(), v.data(), a.bytes.size());
  return a;
}

// ---- random data ---------------------------------------------------------------------

struct Rng {
  std::mt19937 gen;
  explicit Rng(uint32_t seed) : gen(seed) {}
  int uniform_int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(gen); }
  double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(gen); }
  bool coin(double p = 0.5) { return uniform(0, 1) < p; }
  template <typename T> T pick(std::initializer_list<T> v) { return *(v.begin() + uniform_int(0, int(v.size()) - 1)); }
  // A scale spread over two decades around `base`.
  float log_scale(double base, double decades = 1.0) { return float(base * std::pow(10.0, uniform(-decades, decades))); }
  template <typename T> std::vector<T> ints(int64_t n, int lo, int hi) {
    std::vector<T> v(static_cast<size_t>(n));
    for (auto& x : v) x = static_cast<T>(uniform_int(lo, hi));
    return v;
  }
  std::vector<float> floats(int64_t n, double lo, double hi) {
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = float(uniform(lo, hi));
    return v;
  }
};

// Per-channel weight scales that differ a lot between channels (three decades).
std::vector<float> channel_scales(Rng& r, int n, double base) {
  std::vector<float> s(static_cast<size_t>(n));
  for (auto& x : s) x = r.log_scale(base, 1.5);
  return s;
}

// An activation zero point: often an extreme of the int8 range.
int64_t int8_zero_point(Rng& r) {
  const int k = r.uniform_int(0, 3);
  return k == 0 ? -128 : k == 1 ? 127 : r.uniform_int(-128, 127);
}

// ---- a model holding many independent single-op cases --------------------------------

class MultiOpModel {
 public:
  ModelBuilder b;
  std::vector<Array> inputs;
  std::vector<std::string> labels;  // one per model output
  int n = 0;

  std::string tag() { return fmt::format("c{}_", n); }
  int input(const std::string& name, TensorType type, std::vector<int32_t> shape, Array data) {
    const int t = b.add_input(name, type, shape);
    inputs.push_back(std::move(data));
    return t;
  }
  int output(const std::string& name, TensorType type, std::vector<int32_t> shape, const std::string& label) {
    const int t = b.add_tensor(name, type, std::move(shape));
    auto& outs = b.subgraph().outputs;
    outs.push_back(t);
    labels.push_back(label);
    return t;
  }
  bool empty() const { return labels.empty(); }
};

struct Compare {
  int cases = 0;
  int mismatching_cases = 0;
  int64_t mismatches = 0;
  double max_abs = 0;  // hybrid: max |ours - official|
  double max_rel = 0;  // hybrid: max |ours - official| / max(1, |official|)
};

// Runs the model on our interpreter and on official TFLite and compares each output.
void run_and_compare(MultiOpModel& m, bool exact, double tol, Compare* stats) {
  if (m.empty()) return;
  const auto bytes = m.b.bytes();
  SCOPED_TRACE(fmt::format("model with {} cases, first '{}'", m.labels.size(), m.labels.front()));
  const Model model = Model::from_bytes(bytes, "quantized_ops.tflite");
  Interpreter it(model);
  it.allocate_tensors();
  const auto in = it.input_details();
  ASSERT_EQ(in.size(), m.inputs.size());
  for (size_t i = 0; i < in.size(); ++i)
    it.set_tensor(in[i].index, m.inputs[i].dtype, m.inputs[i].shape, m.inputs[i].bytes);
  it.invoke();
  const auto ref = run_official(bytes, m.inputs);
  const auto out = it.output_details();
  ASSERT_EQ(ref.size(), out.size()) << "official TFLite failed or returned a different number of outputs";
  const bool verbose = env_flag("LITEQ_QOPS_VERBOSE");
  for (size_t o = 0; o < out.size(); ++o) {
    const auto ours = it.get_tensor(out[o].index);
    const Array& theirs = ref[o];
    ++stats->cases;
    ASSERT_EQ(ours.shape, theirs.shape) << m.labels[o];
    ASSERT_EQ(ours.dtype, theirs.dtype) << m.labels[o];
    ASSERT_EQ(ours.bytes.size(), theirs.bytes.size()) << m.labels[o];
    if (exact) {
      int64_t bad = 0, worst = 0, first = -1;
      const size_t es = dtype_size(ours.dtype);
      const size_t count = ours.bytes.size() / es;
      for (size_t i = 0; i < count; ++i) {
        int64_t a = 0, b = 0;
        if (es == 1) {
          a = int8_t(ours.bytes[i]);
          b = int8_t(theirs.bytes[i]);
        } else {
          int16_t x, y;
          std::memcpy(&x, &ours.bytes[2 * i], 2);
          std::memcpy(&y, &theirs.bytes[2 * i], 2);
          a = x;
          b = y;
        }
        if (a != b) {
          if (first < 0) first = static_cast<int64_t>(i);
          ++bad;
          worst = std::max<int64_t>(worst, std::abs(a - b));
        }
      }
      if (bad) ++stats->mismatching_cases;
      stats->mismatches += bad;
      if (verbose || bad)
        fmt::print("  {}: {} of {} differ (max |diff| {}, first at {})\n", m.labels[o], bad, count, worst, first);
      EXPECT_TRUE(std::equal(ours.bytes.begin(), ours.bytes.end(), theirs.bytes.begin()))
          << m.labels[o] << ": " << bad << " of " << count << " values differ, max |diff| " << worst;
    } else {
      const auto* a = reinterpret_cast<const float*>(ours.bytes.data());
      const auto* b = reinterpret_cast<const float*>(theirs.bytes.data());
      const size_t count = ours.bytes.size() / 4;
      double max_abs = 0, max_rel = 0;
      int64_t bad = 0;
      for (size_t i = 0; i < count; ++i) {
        const double d = std::fabs(double(a[i]) - double(b[i]));
        const double rel = d / std::max(1.0, std::fabs(double(b[i])));
        max_abs = std::max(max_abs, d);
        max_rel = std::max(max_rel, rel);
        if (!(rel <= tol)) ++bad;
      }
      stats->max_abs = std::max(stats->max_abs, max_abs);
      stats->max_rel = std::max(stats->max_rel, max_rel);
      if (bad) ++stats->mismatching_cases;
      stats->mismatches += bad;
      if (verbose || bad) fmt::print("  {}: max |diff| {:.3g}, max rel {:.3g}\n", m.labels[o], max_abs, max_rel);
      EXPECT_EQ(bad, 0) << m.labels[o] << ": " << bad << " of " << count << " values beyond " << tol
                        << " (max |diff| " << max_abs << ")";
    }
  }
}

// Adds cases with `add(model, case index)` and runs them `per_model` at a time.
template <typename AddFn>
Compare run_cases(int count, int per_model, bool exact, double tol, AddFn add) {
  Compare stats;
  if (env_flag("LITEQ_QOPS_SINGLE")) per_model = 1;
  count *= std::max(1, std::atoi(env_or("LITEQ_QOPS_SCALE", "1").c_str()));
  for (int first = 0; first < count; first += per_model) {
    MultiOpModel m;
    for (int c = first; c < std::min(count, first + per_model); ++c) {
      add(m, c);
      ++m.n;
    }
    run_and_compare(m, exact, tol, &stats);
  }
  return stats;
}

void report(const char* what, Mode mode, const Compare& s) {
  if (mode == Mode::kHybrid)
    fmt::print("[{} {}] {} cases, {} with values beyond tolerance; max |diff| {:.3g}, max relative {:.3g}\n", what,
               mode_name(mode), s.cases, s.mismatching_cases, s.max_abs, s.max_rel);
  else
    fmt::print("[{} {}] {} cases, {} mismatching ({} values)\n", what, mode_name(mode), s.cases,
               s.mismatching_cases, s.mismatches);
}

// ---- quantized tensors of a case --------------------------------------------------------

// The activation input of a case: int8 (asymmetric), int16 (zero point 0) or float.
// *scale > 0 on entry forces the scale.
int add_activation_input(MultiOpModel& m, Rng& r, Mode mode, const std::vector<int32_t>& shape, float* scale) {
  int64_t n = 1;
  for (int d : shape) n *= d;
  const std::string name = m.tag() + "input";
  const float forced = *scale;
  if (mode == Mode::kInt8) {
    *scale = forced > 0 ? forced : r.log_scale(0.02, 1);
    const int64_t zp = int8_zero_point(r);
    const int t = m.input(name, TensorType::INT8, shape, make_array(DType::kInt8, shape, r.ints<int8_t>(n, -128, 127)));
    m.b.set_quant(t, {*scale}, {zp});
    return t;
  }
  if (mode == Mode::k16x8) {
    *scale = forced > 0 ? forced : r.log_scale(1e-4, 1);
    const int t =
        m.input(name, TensorType::INT16, shape, make_array(DType::kInt16, shape, r.ints<int16_t>(n, -32768, 32767)));
    m.b.set_quant(t, {*scale}, {0});
    return t;
  }
  // hybrid: float values; some cases all positive or all negative, some with a zero batch
  std::vector<float> v;
  const int kind = r.uniform_int(0, 11);
  const double amp = r.log_scale(2.0, 1);
  if (kind == 11) v.assign(static_cast<size_t>(n), 0.0f);  // TFLite's FC has a shortcut for it
  else if (kind == 0) v = r.floats(n, 0, amp);
  else if (kind == 1) v = r.floats(n, -amp, 0);
  else if (kind == 2) v = r.floats(n, -amp * 0.2, amp);
  else v = r.floats(n, -amp, amp);
  if (shape[0] > 1 && r.coin(0.2)) std::fill(v.begin(), v.begin() + n / shape[0], 0.0f);
  *scale = 0;
  return m.input(name, TensorType::FLOAT32, shape, make_array(DType::kFloat32, shape, v));
}

// The output tensor; for quantized modes its scale puts the typical output value
// (`typical`, real units) a few dozen steps from zero, unless `forced` > 0. Sometimes
// (not forced) the scale is below `product` (input scale x largest weight scale), so
// that the requantization multiplier exceeds 1 (a left shift).
int add_output(MultiOpModel& m, Rng& r, Mode mode, const std::vector<int32_t>& shape, double typical,
               const std::string& label, float forced = 0, double product = 0) {
  const std::string name = m.tag() + "output";
  if (mode == Mode::kHybrid) return m.output(name, TensorType::FLOAT32, shape, label);
  if (forced == 0 && product > 0 && r.coin(0.08)) forced = float(product * r.uniform(0.3, 0.9));
  if (mode == Mode::kInt8) {
    const int t = m.output(name, TensorType::INT8, shape, label);
    m.b.set_quant(t, {forced > 0 ? forced : float(typical / r.uniform(20, 80))}, {int8_zero_point(r)});
    return t;
  }
  const int t = m.output(name, TensorType::INT16, shape, label);
  m.b.set_quant(t, {forced > 0 ? forced : float(typical / r.uniform(3000, 12000))}, {0});
  return t;
}

// Typical |accumulator| of `terms` products of random int inputs and int8 weights.
double typical_acc_units(Mode mode, int64_t terms) {
  const double in_amp = mode == Mode::k16x8 ? 18000 : mode == Mode::kInt8 ? 74 : 60;
  return std::sqrt(double(std::max<int64_t>(terms, 1))) * in_amp * 74;
}

// Scales that make the requantization multipliers exact powers of two, so that many
// results fall exactly halfway between two integers (the rounding of ties matters).
struct Pow2Scales {
  bool on = false;
  float in = 0, out = 0;
  std::vector<float> w;  // per channel
};
Pow2Scales pow2_scales(Rng& r, Mode mode, int channels, bool per_channel, int64_t terms) {
  Pow2Scales p;
  p.on = mode != Mode::kHybrid && r.coin(0.35);
  if (!p.on) return p;
  p.in = std::ldexp(1.0f, mode == Mode::k16x8 ? -r.uniform_int(12, 16) : -r.uniform_int(4, 8));
  const int wb = -r.uniform_int(6, 9);
  p.w.resize(per_channel ? channels : 1);
  for (auto& w : p.w) w = std::ldexp(1.0f, wb + (per_channel ? r.uniform_int(-2, 2) : 0));
  // output steps: typical accumulator / 2^k lands in a few dozen (int8) or thousands (int16)
  const double acc = typical_acc_units(mode, terms);
  const int k = int(std::round(std::log2(acc / (mode == Mode::k16x8 ? 6000.0 : 40.0))));
  p.out = std::ldexp(p.in * std::ldexp(1.0f, wb), std::max(k, 1));
  return p;
}

// int8 weights with per-channel (or one) scales along `axis`; `forced` non-empty gives
// the scales.
int add_weights(MultiOpModel& m, Rng& r, const std::vector<int32_t>& shape, int axis, bool per_channel,
                std::vector<float>* scales, const std::vector<float>& forced = {}) {
  int64_t n = 1;
  for (int d : shape) n *= d;
  const int channels = shape[axis];
  if (!forced.empty()) *scales = forced;
  else *scales = per_channel ? channel_scales(r, channels, 0.01) : std::vector<float>{r.log_scale(0.01, 1)};
  const int t = m.b.add_const<int8_t>(m.tag() + "weights", shape, r.ints<int8_t>(n, -127, 127));
  m.b.set_quant(t, *scales, std::vector<int64_t>(scales->size(), 0), axis);
  return t;
}

// Bias of `channels`: float (hybrid), int32 (int8) or int64 / int32 (16x8), scaled by
// in_scale * w_scale[c] with values around `typical_acc` accumulator units.
int add_bias(MultiOpModel& m, Rng& r, Mode mode, int channels, float in_scale, const std::vector<float>& w_scales,
             double typical_acc, bool bias32_in_16x8) {
  const std::string name = m.tag() + "bias";
  auto ws = [&](int c) { return w_scales.size() == 1 ? w_scales[0] : w_scales[c]; };
  std::vector<float> bias_scale(static_cast<size_t>(channels));
  for (int c = 0; c < channels; ++c) bias_scale[c] = in_scale * ws(c);
  const bool per_channel = w_scales.size() > 1;
  if (mode == Mode::kHybrid) {
    std::vector<float> v(static_cast<size_t>(channels));
    for (int c = 0; c < channels; ++c) v[c] = float(r.uniform(-1, 1) * typical_acc * ws(c) * 0.02);
    return m.b.add_const<float>(name, {channels}, v);
  }
  const double range = typical_acc;
  if (mode == Mode::kInt8 || bias32_in_16x8) {
    const int lim = int(std::min(range, 1e9));
    const int t = m.b.add_const<int32_t>(name, {channels}, r.ints<int32_t>(channels, -lim, lim));
    m.b.set_quant(t, per_channel ? bias_scale : std::vector<float>{bias_scale[0]},
                  std::vector<int64_t>(per_channel ? channels : 1, 0));
    return t;
  }
  std::vector<int64_t> v(static_cast<size_t>(channels));
  for (auto& x : v) x = static_cast<int64_t>(r.uniform(-range, range));
  const int t = m.b.add_const<int64_t>(name, {channels}, v);
  m.b.set_quant(t, per_channel ? bias_scale : std::vector<float>{bias_scale[0]},
                std::vector<int64_t>(per_channel ? channels : 1, 0));
  return t;
}



int conv_out(bool same, int in, int k, int stride, int dil) {
  const int eff = (k - 1) * dil + 1;
  return same ? (in + stride - 1) / stride : (in - eff + stride) / stride;
}

// ---- CONV_2D -------------------------------------------------------------------------

void add_conv_case(MultiOpModel& m, Rng& r, Mode mode, int index) {
  const int batch = r.pick({1, 1, 2, 3});
  const int k = r.pick({1, 1, 3, 3, 5});
  const int kh = r.coin(0.8) ? k : r.pick({1, 2, 3});
  const int kw = r.coin(0.8) ? k : r.pick({1, 2, 3});
  const int sh = r.uniform_int(1, 2), sw = r.coin(0.7) ? sh : r.uniform_int(1, 2);
  const int dh = r.coin(0.7) ? 1 : 2, dw = r.coin(0.7) ? dh : r.uniform_int(1, 2);
  const bool same = r.coin();
  const int ih = r.uniform_int((kh - 1) * dh + 1, 9), iw = r.uniform_int((kw - 1) * dw + 1, 9);
  // TFLite 2.9 rejects grouped convolutions (input channels != filter input channels)
  // and CONV_2D without a bias.
  const int cin = r.pick({1, 2, 3, 5, 8, 16, 32});
  const int cout = r.pick({1, 2, 3, 7, 8, 13, 16, 33});
  const bool bias32 = mode == Mode::k16x8 && r.coin(0.3);
  // Mostly per-channel weights (scales that differ: TFLite's asymmetric hybrid path),
  // some per-tensor (its symmetric hybrid path).
  const bool per_channel = cout > 1 && r.coin(0.85);
  const auto act = kActs[r.uniform_int(0, 3)];
  const int oh = conv_out(same, ih, kh, sh, dh), ow = conv_out(same, iw, kw, sw, dw);
  const auto p2 = pow2_scales(r, mode, cout, per_channel, int64_t{kh} * kw * cin);
  float in_scale = p2.in;
  const int x = add_activation_input(m, r, mode, {batch, ih, iw, cin}, &in_scale);
  std::vector<float> ws;
  const int w = add_weights(m, r, {cout, kh, kw, cin}, 0, per_channel, &ws, p2.w);
  const double acc = typical_acc_units(mode, int64_t{kh} * kw * cin);
  const std::vector<int32_t> ins = {x, w, add_bias(m, r, mode, cout, in_scale, ws, acc, bias32)};
  const std::string label =
      fmt::format("conv#{} {} n{} {}x{}x{} k{}x{} s{}x{} d{}x{} {} cout{} {}{}{} {}", index, mode_name(mode), batch, ih,
                  iw, cin, kh, kw, sh, sw, dh, dw, same ? "same" : "valid", cout, bias32 ? "bias32" : "bias",
                  per_channel ? " per-channel" : " per-tensor", p2.on ? " pow2" : "", act_name(act));
  const double product = in_scale * *std::max_element(ws.begin(), ws.end());
  const int y = add_output(m, r, mode, {batch, oh, ow, cout}, acc * product, label, p2.out, product);
  tflite::Conv2DOptionsT o;
  o.padding = same ? tflite::Padding::SAME : tflite::Padding::VALID;
  o.stride_h = sh;
  o.stride_w = sw;
  o.dilation_h_factor = dh;
  o.dilation_w_factor = dw;
  o.fused_activation_function = act;
  m.b.add_op(BuiltinOperator::CONV_2D, ins, {y}, o);
}

// ---- DEPTHWISE_CONV_2D -----------------------------------------------------------------

void add_depthwise_case(MultiOpModel& m, Rng& r, Mode mode, int index) {
  const int batch = r.pick({1, 1, 2, 3});
  const int k = r.pick({1, 3, 3, 5});
  const int kh = r.coin(0.8) ? k : r.pick({1, 2, 3});
  const int kw = r.coin(0.8) ? k : r.pick({1, 2, 3});
  const int sh = r.uniform_int(1, 2), sw = r.coin(0.7) ? sh : r.uniform_int(1, 2);
  const int dh = r.coin(0.7) ? 1 : 2, dw = r.coin(0.7) ? dh : r.uniform_int(1, 2);
  const bool same = r.coin();
  const int ih = r.uniform_int((kh - 1) * dh + 1, 10), iw = r.uniform_int((kw - 1) * dw + 1, 10);
  const int cin = r.pick({1, 2, 3, 5, 8, 16, 17});
  const int mult = r.pick({1, 1, 1, 2, 3});
  const int cout = cin * mult;
  // TFLite 2.9's optimized int8 and hybrid depthwise kernels read the bias without
  // checking for it (a model without one crashes the runtime): only 16x8 goes without.
  const bool bias = mode != Mode::k16x8 || r.coin(0.8);
  // Hybrid DEPTHWISE_CONV_2D needs per-channel weights in TFLite.
  const bool per_channel = cout > 1 && (mode == Mode::kHybrid || r.coin(0.85));
  const auto act = kActs[r.uniform_int(0, 3)];
  const int oh = conv_out(same, ih, kh, sh, dh), ow = conv_out(same, iw, kw, sw, dw);
  const auto p2 = pow2_scales(r, mode, cout, per_channel, int64_t{kh} * kw);
  float in_scale = p2.in;
  const int x = add_activation_input(m, r, mode, {batch, ih, iw, cin}, &in_scale);
  std::vector<float> ws;
  const int w = add_weights(m, r, {1, kh, kw, cout}, 3, per_channel, &ws, p2.w);
  const double acc = typical_acc_units(mode, int64_t{kh} * kw);
  std::vector<int32_t> ins = {x, w};
  if (bias) ins.push_back(add_bias(m, r, mode, cout, in_scale, ws, acc, false));
  const std::string label =
      fmt::format("depthwise#{} {} n{} {}x{}x{} k{}x{} s{}x{} d{}x{} {} x{} {}{}{} {}", index, mode_name(mode), batch,
                  ih, iw, cin, kh, kw, sh, sw, dh, dw, same ? "same" : "valid", mult, bias ? "bias" : "nobias",
                  per_channel ? " per-channel" : " per-tensor", p2.on ? " pow2" : "", act_name(act));
  const double product = in_scale * *std::max_element(ws.begin(), ws.end());
  const int y = add_output(m, r, mode, {batch, oh, ow, cout}, acc * product, label, p2.out, product);
  tflite::DepthwiseConv2DOptionsT o;
  o.padding = same ? tflite::Padding::SAME : tflite::Padding::VALID;
  o.stride_h = sh;
  o.stride_w = sw;
  o.dilation_h_factor = dh;
  o.dilation_w_factor = dw;
  o.depth_multiplier = mult;
  o.fused_activation_function = act;
  m.b.add_op(BuiltinOperator::DEPTHWISE_CONV_2D, ins, {y}, o);
}

// ---- FULLY_CONNECTED -------------------------------------------------------------------

void add_fc_case(MultiOpModel& m, Rng& r, Mode mode, int index) {
  const int depth = r.pick({1, 3, 8, 16, 17, 33, 64, 100, 640});
  const int units = r.pick({1, 2, 3, 4, 7, 8, 16, 31, 64});
  const int rows = r.pick({1, 1, 2, 3, 5});
  const bool keep = r.coin(0.4);
  // input shape: [rows, depth], [a, b, depth], [depth] or a flattened [rows * depth] form
  std::vector<int32_t> in_shape;
  const int form = r.uniform_int(0, 3);
  if (form == 0 || (keep && form == 3)) in_shape = {rows, depth};
  else if (form == 1) in_shape = {rows, 2, depth};
  else if (form == 2) in_shape = {depth};
  else in_shape = {rows * depth};
  int64_t n = 1;
  for (int d : in_shape) n *= d;
  const bool bias = r.coin(0.8);
  const bool bias32 = mode == Mode::k16x8 && r.coin(0.4);
  const bool asym = r.coin();
  const auto act = kActs[r.uniform_int(0, 3)];
  const auto p2 = pow2_scales(r, mode, units, false, depth);
  float in_scale = p2.in;
  const int x = add_activation_input(m, r, mode, in_shape, &in_scale);
  std::vector<float> ws;
  const int w = add_weights(m, r, {units, depth}, 0, false, &ws, p2.w);
  const double acc = typical_acc_units(mode, depth);
  std::vector<int32_t> ins = {x, w};
  if (bias) ins.push_back(add_bias(m, r, mode, units, in_scale, ws, acc, bias32));
  std::vector<int32_t> out_shape;
  if (keep) {
    out_shape = in_shape;
    out_shape.back() = units;
  } else {
    out_shape = {int32_t(n / depth), units};
  }
  std::string shape_s;
  for (int d : in_shape) shape_s += fmt::format("{}{}", shape_s.empty() ? "" : "x", d);
  const std::string label = fmt::format("fc#{} {} in {} depth{} units{}{} {}{}{} {}", index, mode_name(mode), shape_s,
                                        depth, units, keep ? " keep_dims" : "",
                                        bias ? (bias32 ? "bias32" : "bias") : "nobias",
                                        mode == Mode::kHybrid ? (asym ? " asymmetric" : " symmetric") : "",
                                        p2.on ? " pow2" : "", act_name(act));
  const int y = add_output(m, r, mode, out_shape, acc * in_scale * ws[0], label, p2.out, in_scale * ws[0]);
  tflite::FullyConnectedOptionsT o;
  o.fused_activation_function = act;
  o.keep_num_dims = keep;
  o.asymmetric_quantize_inputs = asym;
  m.b.add_op(BuiltinOperator::FULLY_CONNECTED, ins, {y}, o);
}

// ---- TRANSPOSE_CONV --------------------------------------------------------------------

void add_transpose_conv_case(MultiOpModel& m, Rng& r, Mode mode, int index) {
  const int batch = r.pick({1, 1, 2});
  const int k = r.pick({1, 2, 3, 3, 4, 5});
  const int kh = r.coin(0.8) ? k : r.pick({1, 2, 3}), kw = r.coin(0.8) ? k : r.pick({1, 2, 3});
  const int sh = r.pick({1, 2, 2, 3}), sw = r.coin(0.7) ? sh : r.uniform_int(1, 2);
  const bool same = r.coin();
  const int ih = r.uniform_int(1, 6), iw = r.uniform_int(1, 6);
  const int cin = r.pick({1, 2, 3, 5, 8, 16});
  const int cout = r.pick({1, 2, 3, 7, 8, 13});
  // An output size that maps back to the input size under TFLite's rule.
  auto out_size = [&](int in, int kk, int s) {
    return same ? in * s - r.uniform_int(0, s - 1) : (in - 1) * s + kk + r.uniform_int(0, s - 1);
  };
  const int oh = out_size(ih, kh, sh), ow = out_size(iw, kw, sw);
  const bool bias = r.coin(0.7);
  const bool bias32 = mode == Mode::k16x8 && r.coin(0.3);
  const bool per_channel = cout > 1 && r.coin(0.85);
  // TFLite 2.9 knows no fused activation on TRANSPOSE_CONV (the option came with op
  // version 4, which it does not load) and ignores the field: only NONE is comparable.
  const auto act = ActivationFunctionType::NONE;
  const auto p2 = pow2_scales(r, mode, cout, per_channel, int64_t{cin} * 2);
  float in_scale = p2.in;
  const int shape_t = m.b.add_const<int32_t>(m.tag() + "output_shape", {4}, {batch, oh, ow, cout});
  const int x = add_activation_input(m, r, mode, {batch, ih, iw, cin}, &in_scale);
  std::vector<float> ws;
  const int w = add_weights(m, r, {cout, kh, kw, cin}, 0, per_channel, &ws, p2.w);
  const double acc = typical_acc_units(mode, int64_t{cin} * std::max(1, kh * kw / (sh * sw)));
  std::vector<int32_t> ins = {shape_t, w, x};
  if (bias) ins.push_back(add_bias(m, r, mode, cout, in_scale, ws, acc, bias32));
  const std::string label =
      fmt::format("transpose_conv#{} {} n{} {}x{}x{} k{}x{} s{}x{} {} out{}x{}x{} {}{}{} {}", index, mode_name(mode),
                  batch, ih, iw, cin, kh, kw, sh, sw, same ? "same" : "valid", oh, ow, cout,
                  bias ? (bias32 ? "bias32" : "bias") : "nobias", per_channel ? " per-channel" : " per-tensor", p2.on ? " pow2" : "",
                  act_name(act));
  const double product = in_scale * *std::max_element(ws.begin(), ws.end());
  const int y = add_output(m, r, mode, {batch, oh, ow, cout}, acc * product, label, p2.out, product);
  tflite::TransposeConvOptionsT o;
  o.padding = same ? tflite::Padding::SAME : tflite::Padding::VALID;
  o.stride_h = sh;
  o.stride_w = sw;
  o.fused_activation_function = act;
  m.b.add_op(BuiltinOperator::TRANSPOSE_CONV, ins, {y}, o);
}

// ---- BATCH_MATMUL (hybrid) ---------------------------------------------------------------

void add_batch_matmul_case(MultiOpModel& m, Rng& r, int index) {
  // TFLite 2.9's hybrid BATCH_MATMUL sizes some of its temporary buffers with the
  // depth where it needs the lhs row count (per-row scales and zero points) and, with
  // adj_y, the rhs column count (weight sums): with more rows, or adj_y and more
  // columns, than depth it writes past them and returns zeros or NaN. Only the other
  // shapes are comparable.
  const int depth = r.pick({1, 4, 7, 16, 33});
  const int rows = std::min(depth, r.pick({1, 2, 3, 5}));
  const bool adj_x = r.coin(0.3), adj_y = r.coin(0.3), asym = r.coin();
  const int cols = adj_y ? std::min(depth, r.pick({1, 2, 3, 8, 9})) : r.pick({1, 2, 3, 8, 9});
  // batch dims: none, one, or two (with broadcasting on either side)
  std::vector<int32_t> lb, rb;
  const int form = r.uniform_int(0, 5);
  if (form == 1) lb = rb = {r.pick({2, 3})};
  else if (form == 2) lb = {r.pick({2, 3})};
  else if (form == 3) rb = {r.pick({2, 3})}, lb = {1};
  else if (form == 4) lb = {2, 3}, rb = {1, 3};
  else if (form == 5) lb = {2, 1}, rb = {2, 3};
  std::vector<int32_t> ls = lb, rs = rb;
  if (adj_x) ls.insert(ls.end(), {depth, rows});
  else ls.insert(ls.end(), {rows, depth});
  if (adj_y) rs.insert(rs.end(), {cols, depth});
  else rs.insert(rs.end(), {depth, cols});
  float unused = 0;
  const int x = add_activation_input(m, r, Mode::kHybrid, ls, &unused);
  std::vector<float> ws;
  int64_t rn = 1;
  for (int d : rs) rn *= d;
  ws = {r.log_scale(0.01, 1)};
  const int w = m.b.add_const<int8_t>(m.tag() + "rhs", rs, r.ints<int8_t>(rn, -127, 127));
  m.b.set_quant(w, ws, {0});
  std::vector<int32_t> ob = lb.size() >= rb.size() ? lb : rb;
  for (size_t i = 0; i < std::min(lb.size(), rb.size()); ++i) {
    const size_t oi = ob.size() - 1 - i;
    ob[oi] = std::max(lb[lb.size() - 1 - i], rb[rb.size() - 1 - i]);
  }
  std::vector<int32_t> os = ob;
  os.insert(os.end(), {rows, cols});
  auto str = [](const std::vector<int32_t>& v) {
    std::string s;
    for (int d : v) s += fmt::format("{}{}", s.empty() ? "" : "x", d);
    return s;
  };
  const std::string label = fmt::format("batch_matmul#{} hybrid lhs {} rhs {}{}{} {}", index, str(ls), str(rs),
                                        adj_x ? " adj_x" : "", adj_y ? " adj_y" : "",
                                        asym ? "asymmetric" : "symmetric");
  const int y = add_output(m, r, Mode::kHybrid, os, 1, label);
  tflite::BatchMatMulOptionsT o;
  o.adj_x = adj_x;
  o.adj_y = adj_y;
  o.asymmetric_quantize_inputs = asym;
  m.b.add_op(BuiltinOperator::BATCH_MATMUL, {x, w}, {y}, o);
}

// ---- models TFLite refuses --------------------------------------------------------------

// Runs the official runtime without recording a failure: whether it ran, and its log.
struct OfficialStatus {
  bool ok = false;
  std::string log;
};
OfficialStatus official_status(const std::vector<uint8_t>& bytes, const std::vector<Array>& inputs) {
  namespace fs = std::filesystem;
  static int counter = 0;
  const fs::path dir = fs::temp_directory_path() / fmt::format("liteq_qops_{}_{}", ::getpid(), counter++);
  fs::create_directories(dir / "out");
  io::write_file_atomic((dir / "model.tflite").string(), bytes);
  std::string cmd = fmt::format("'{}' '{}'", tflite_runner().string(), (dir / "model.tflite").string());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto f = dir / fmt::format("input_{}.npy", i);
    io::write_npy(f.string(), inputs[i]);
    cmd += fmt::format(" --in '{}'", f.string());
  }
  cmd += fmt::format(" --out-dir '{}' > '{}' 2>&1", (dir / "out").string(), (dir / "log.txt").string());
  OfficialStatus st;
  st.ok = std::system(cmd.c_str()) == 0;
  std::ifstream log(dir / "log.txt");
  st.log.assign(std::istreambuf_iterator<char>(log), {});
  fs::remove_all(dir);
  return st;
}

// Whether our interpreter accepts the model (allocate + invoke); the error otherwise.
OfficialStatus ours_status(const std::vector<uint8_t>& bytes, const std::vector<Array>& inputs) {
  OfficialStatus st;
  try {
    const Model model = Model::from_bytes(bytes, "bad.tflite");
    Interpreter it(model);
    it.allocate_tensors();
    const auto in = it.input_details();
    for (size_t i = 0; i < in.size(); ++i) it.set_tensor(in[i].index, inputs[i].dtype, inputs[i].shape, inputs[i].bytes);
    it.invoke();
    st.ok = true;
  } catch (const std::exception& e) {
    st.log = e.what();
  }
  return st;
}

// A small valid single-op model of `op` in `mode` (cases chosen with a fixed seed until
// one has the wanted properties), to be broken by the caller.
MultiOpModel valid_model(BuiltinOperator op, Mode mode) {
  for (uint32_t seed = 1;; ++seed) {
    MultiOpModel m;
    Rng r(seed);
    switch (op) {
      case BuiltinOperator::CONV_2D: add_conv_case(m, r, mode, 0); break;
      case BuiltinOperator::DEPTHWISE_CONV_2D: add_depthwise_case(m, r, mode, 0); break;
      case BuiltinOperator::FULLY_CONNECTED: add_fc_case(m, r, mode, 0); break;
      case BuiltinOperator::TRANSPOSE_CONV: add_transpose_conv_case(m, r, mode, 0); break;
      default: add_batch_matmul_case(m, r, 0); break;
    }
    const auto& o = m.b.op(0);
    const bool has_bias = op == BuiltinOperator::TRANSPOSE_CONV ? o.inputs.size() == 4
                          : op == BuiltinOperator::BATCH_MATMUL ? true
                                                                : o.inputs.size() == 3;
    const int w = op == BuiltinOperator::TRANSPOSE_CONV ? o.inputs[1] : o.inputs[1];
    const auto& wq = m.b.tensor(w).quantization;
    const bool per_channel = wq && wq->scale.size() > 1;
    const bool want_pc = op != BuiltinOperator::FULLY_CONNECTED && op != BuiltinOperator::BATCH_MATMUL;
    if (has_bias && per_channel == want_pc) return m;
  }
}

// Tensor accessors for the single op of a valid_model().
tflite::TensorT& op_input(MultiOpModel& m, size_t i) { return m.b.tensor(m.b.op(0).inputs.at(i)); }
tflite::TensorT& op_output(MultiOpModel& m) { return m.b.tensor(m.b.op(0).outputs.at(0)); }
tflite::TensorT& op_weights(MultiOpModel& m) { return op_input(m, 1); }
tflite::TensorT& op_bias(MultiOpModel& m) { return m.b.tensor(m.b.op(0).inputs.back()); }

// Changes the bias between int32 and int64 (values kept).
void retype_bias(MultiOpModel& m, TensorType to) {
  auto& b = op_bias(m);
  auto& buf = m.b.buffer(b.buffer).data;
  const size_t from_size = b.type == TensorType::INT64 ? 8 : 4, to_size = to == TensorType::INT64 ? 8 : 4;
  const size_t n = buf.size() / from_size;
  std::vector<uint8_t> nb(n * to_size);
  for (size_t i = 0; i < n; ++i) {
    int64_t v = 0;
    if (from_size == 8) {
      std::memcpy(&v, &buf[i * 8], 8);
    } else {
      int32_t x;
      std::memcpy(&x, &buf[i * 4], 4);
      v = x;
    }
    if (to_size == 8) {
      std::memcpy(&nb[i * 8], &v, 8);
    } else {
      const auto x = static_cast<int32_t>(v);
      std::memcpy(&nb[i * 4], &x, 4);
    }
  }
  buf = std::move(nb);
  b.type = to;
}

void per_channel_equal_scales(MultiOpModel& m) {
  auto& q = *op_weights(m).quantization;
  const int units = op_weights(m).shape[0];
  q.scale.assign(units, q.scale[0]);
  q.zero_point.assign(units, 0);
}

struct BadModel {
  const char* name;
  BuiltinOperator op;
  Mode mode;
  std::function<void(MultiOpModel&)> mutate;
  bool official_rejects;  // false: TFLite 2.9 runs it but computes garbage (see below)
};

// Models TFLite 2.9 refuses in its prepare (its log names the check; ours names the
// same thing), plus two it runs with meaningless results, which we refuse:
// FULLY_CONNECTED with int64 bias on int8 (TFLite reads the int64 data as int32) and
// with per-channel weights (TFLite 2.9 reads the per-tensor scale, 0 for per-axis
// tensors, so every output is the zero point / the bias).
TEST(QuantizedOpsRejectTest, RefusesWhatTFLiteRefuses) {
  const bool have_official = official_tflite_available();
  const std::vector<BadModel> bad = {
      {"conv int8 without bias", BuiltinOperator::CONV_2D, Mode::kInt8,
       [](MultiOpModel& m) { m.b.op(0).inputs.pop_back(); }, true},
      {"conv hybrid without bias", BuiltinOperator::CONV_2D, Mode::kHybrid,
       [](MultiOpModel& m) { m.b.op(0).inputs.pop_back(); }, true},
      {"conv int8 weights zero point 1", BuiltinOperator::CONV_2D, Mode::kInt8,
       [](MultiOpModel& m) { op_weights(m).quantization->zero_point[0] = 1; }, true},
      {"conv int8 int64 bias", BuiltinOperator::CONV_2D, Mode::kInt8,
       [](MultiOpModel& m) { retype_bias(m, TensorType::INT64); }, true},
      {"conv 16x8 input zero point 3", BuiltinOperator::CONV_2D, Mode::k16x8,
       [](MultiOpModel& m) { op_input(m, 0).quantization->zero_point[0] = 3; }, true},
      {"conv 16x8 output zero point -2", BuiltinOperator::CONV_2D, Mode::k16x8,
       [](MultiOpModel& m) { op_output(m).quantization->zero_point[0] = -2; }, true},
      {"conv int8 output int16", BuiltinOperator::CONV_2D, Mode::kInt8,
       [](MultiOpModel& m) { op_output(m).type = TensorType::INT16; }, true},
      {"depthwise 16x8 int32 bias", BuiltinOperator::DEPTHWISE_CONV_2D, Mode::k16x8,
       [](MultiOpModel& m) { retype_bias(m, TensorType::INT32); }, true},
      {"depthwise int8 int64 bias", BuiltinOperator::DEPTHWISE_CONV_2D, Mode::kInt8,
       [](MultiOpModel& m) { retype_bias(m, TensorType::INT64); }, true},
      {"depthwise int8 output float", BuiltinOperator::DEPTHWISE_CONV_2D, Mode::kInt8,
       [](MultiOpModel& m) { op_output(m).type = TensorType::FLOAT32; }, true},
      {"fc 16x8 output zero point 5", BuiltinOperator::FULLY_CONNECTED, Mode::k16x8,
       [](MultiOpModel& m) { op_output(m).quantization->zero_point[0] = 5; }, true},
      // TFLite checks |input x weight scale - bias scale| <= 2% of the output scale
      {"fc int8 bias scale off by 1000x", BuiltinOperator::FULLY_CONNECTED, Mode::kInt8,
       [](MultiOpModel& m) { op_bias(m).quantization->scale[0] *= 1000; }, true},
      {"fc int8 bias without quantization, fine output", BuiltinOperator::FULLY_CONNECTED, Mode::kInt8,
       [](MultiOpModel& m) {
         op_bias(m).quantization.reset();
         op_output(m).quantization->scale[0] =
             op_input(m, 0).quantization->scale[0] * op_weights(m).quantization->scale[0] * 10;
       },
       true},
      {"transpose_conv int8 int64 bias", BuiltinOperator::TRANSPOSE_CONV, Mode::kInt8,
       [](MultiOpModel& m) { retype_bias(m, TensorType::INT64); }, true},
      {"transpose_conv 16x8 input zero point 1", BuiltinOperator::TRANSPOSE_CONV, Mode::k16x8,
       [](MultiOpModel& m) { op_input(m, 2).quantization->zero_point[0] = 1; }, true},
      {"fc int8 int64 bias", BuiltinOperator::FULLY_CONNECTED, Mode::kInt8,
       [](MultiOpModel& m) { retype_bias(m, TensorType::INT64); }, false},
      {"fc int8 per-channel weights", BuiltinOperator::FULLY_CONNECTED, Mode::kInt8, per_channel_equal_scales, false},
      {"fc hybrid per-channel weights", BuiltinOperator::FULLY_CONNECTED, Mode::kHybrid, per_channel_equal_scales,
       false},
  };
  for (const auto& c : bad) {
    SCOPED_TRACE(c.name);
    MultiOpModel m = valid_model(c.op, c.mode);
    c.mutate(m);
    const auto bytes = m.b.bytes();
    const auto ours = ours_status(bytes, m.inputs);
    EXPECT_FALSE(ours.ok) << "we accept it";
    if (!ours.ok && env_flag("LITEQ_QOPS_VERBOSE")) fmt::print("{}: ours: {}\n", c.name, ours.log);
    if (!have_official) continue;
    const auto theirs = official_status(bytes, m.inputs);
    EXPECT_EQ(theirs.ok, !c.official_rejects) << "official TFLite log:\n" << theirs.log;
    if (!theirs.ok && env_flag("LITEQ_QOPS_VERBOSE")) fmt::print("   official: {}\n", theirs.log.substr(0, 200));
  }
}

// Variants TFLite 2.9 accepts that the random cases do not produce: no bias scale check
// on convolutions, int32 bias on 16x8 TRANSPOSE_CONV, per-axis hybrid CONV_2D weights
// with equal scales (its per-tensor path then reads a per-tensor scale of 0).
TEST(QuantizedOpsRejectTest, AcceptsWhatTFLiteAccepts) {
  LITEQ_REQUIRE_ASSET(official_tflite_available(), "official TFLite runtime");
  const std::vector<BadModel> odd = {
      {"conv int8 bias scale off by 10x", BuiltinOperator::CONV_2D, Mode::kInt8,
       [](MultiOpModel& m) {
         for (auto& x : op_bias(m).quantization->scale) x *= 10;
       },
       false},
      {"conv int8 bias without quantization", BuiltinOperator::CONV_2D, Mode::kInt8,
       [](MultiOpModel& m) { op_bias(m).quantization.reset(); }, false},
      {"transpose_conv 16x8 int32 bias", BuiltinOperator::TRANSPOSE_CONV, Mode::k16x8,
       [](MultiOpModel& m) { retype_bias(m, TensorType::INT32); }, false},
      {"conv hybrid per-axis equal scales", BuiltinOperator::CONV_2D, Mode::kHybrid, per_channel_equal_scales, false},
  };
  for (const auto& c : odd) {
    SCOPED_TRACE(c.name);
    MultiOpModel m = valid_model(c.op, c.mode);
    c.mutate(m);
    Compare stats;
    run_and_compare(m, c.mode != Mode::kHybrid, 0.0, &stats);
    EXPECT_EQ(stats.mismatching_cases, 0);
  }
}

class QuantizedOpsTest : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override { LITEQ_REQUIRE_ASSET(official_tflite_available(), "official TFLite runtime"); }
  bool exact() const { return GetParam() != Mode::kHybrid; }
};

// Hybrid outputs: max |ours - official| / max(1, |official|). We reproduce TFLite's float
// steps, so the measured difference is 0; the bound leaves room for nothing more than
// a last-bit difference.
constexpr double kHybridTol = 1e-6;

TEST_P(QuantizedOpsTest, Conv2D) {
  const Mode mode = GetParam();
  Rng r(1000 + int(mode));
  const auto s = run_cases(120, 30, exact(), kHybridTol, [&](MultiOpModel& m, int c) { add_conv_case(m, r, mode, c); });
  report("CONV_2D", mode, s);
}

TEST_P(QuantizedOpsTest, DepthwiseConv2D) {
  const Mode mode = GetParam();
  Rng r(2000 + int(mode));
  const auto s =
      run_cases(120, 30, exact(), kHybridTol, [&](MultiOpModel& m, int c) { add_depthwise_case(m, r, mode, c); });
  report("DEPTHWISE_CONV_2D", mode, s);
}

TEST_P(QuantizedOpsTest, FullyConnected) {
  const Mode mode = GetParam();
  Rng r(3000 + int(mode));
  const auto s = run_cases(120, 30, exact(), kHybridTol, [&](MultiOpModel& m, int c) { add_fc_case(m, r, mode, c); });
  report("FULLY_CONNECTED", mode, s);
}

TEST_P(QuantizedOpsTest, TransposeConv) {
  const Mode mode = GetParam();
  if (mode == Mode::kHybrid) GTEST_SKIP() << "TFLite 2.9 has no hybrid TRANSPOSE_CONV";
  Rng r(4000 + int(mode));
  const auto s =
      run_cases(120, 30, exact(), kHybridTol, [&](MultiOpModel& m, int c) { add_transpose_conv_case(m, r, mode, c); });
  report("TRANSPOSE_CONV", mode, s);
}

TEST(QuantizedOpsHybridTest, BatchMatMul) {
  LITEQ_REQUIRE_ASSET(official_tflite_available(), "official TFLite runtime");
  Rng r(5000);
  const auto s =
      run_cases(120, 30, false, kHybridTol, [&](MultiOpModel& m, int c) { add_batch_matmul_case(m, r, c); });
  report("BATCH_MATMUL", Mode::kHybrid, s);
}

INSTANTIATE_TEST_SUITE_P(Modes, QuantizedOpsTest, ::testing::Values(Mode::kInt8, Mode::k16x8, Mode::kHybrid),
                         [](const auto& info) { return std::string(info.param == Mode::kInt8   ? "Int8"
                                                                   : info.param == Mode::k16x8 ? "Int16x8"
                                                                                               : "Hybrid"); });

}  // namespace
}  // namespace liteq::test
