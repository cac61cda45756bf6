// The ONNX importer on small models built in memory: layouts (NHWC inside, ONNX order
// outside), folding (BatchNorm, bias adds, HardSwish), and errors on bad input. Expected
// values come from plain loops over the ONNX (NCHW) semantics.
#include <cmath>
#include <filesystem>
#include <random>

#include <fmt/ranges.h>

#include <gtest/gtest.h>

#include "ir/model.h"
#include "ir/op_codes.h"
#include "liteq/converter.h"
#include "liteq/error.h"
#include "liteq/interpreter.h"
#include "liteq/onnx.h"
#include "onnx_builder.h"

namespace liteq::test {
namespace {

// The model's inputs stay NCHW (a designated initializer leaving input_shapes out makes
// GCC 12 warn under -Wextra).
OnnxOptions nchw_inputs() {
  OnnxOptions o;
  o.keep_nchw_inputs = true;
  return o;
}

std::vector<float> randv(size_t n, uint32_t seed, float lo = -1, float hi = 1) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(g);
  return v;
}

// NCHW convolution, stride 1, symmetric pad p, no groups.
std::vector<float> conv_nchw(const std::vector<float>& x, int C, int H, int W, const std::vector<float>& w, int O, int k,
                             const std::vector<float>& b, int p) {
  std::vector<float> y(O * H * W);
  for (int o = 0; o < O; ++o)
    for (int h = 0; h < H; ++h)
      for (int ww = 0; ww < W; ++ww) {
        double s = b.empty() ? 0 : b[o];
        for (int c = 0; c < C; ++c)
          for (int i = 0; i < k; ++i)
            for (int j = 0; j < k; ++j) {
              const int hh = h + i - p, wc = ww + j - p;
              if (hh < 0 || hh >= H || wc < 0 || wc >= W) continue;
              s += double(x[(c * H + hh) * W + wc]) * w[((o * C + c) * k + i) * k + j];
            }
        y[(o * H + h) * W + ww] = static_cast<float>(s);
      }
  return y;
}

std::vector<float> nchw_to_nhwc(const std::vector<float>& x, int C, int H, int W) {
  std::vector<float> y(x.size());
  for (int c = 0; c < C; ++c)
    for (int h = 0; h < H; ++h)
      for (int w = 0; w < W; ++w) y[(h * W + w) * C + c] = x[(c * H + h) * W + w];
  return y;
}

std::vector<float> run(const Model& m, const std::vector<float>& in) {
  Interpreter it(m, {.kernels = "reference"});
  it.allocate_tensors();
  const auto d = it.input_details().at(0);
  it.set_tensor(d.index, DType::kFloat32, d.shape, {reinterpret_cast<const uint8_t*>(in.data()), in.size() * 4});
  it.invoke();
  auto v = it.get_tensor(it.output_details().at(0).index).as<float>();
  return {v.begin(), v.end()};
}

int count_ops(const Model& m, Op op) {
  int n = 0;
  const auto& fb = *m.ir().fb;
  for (const auto& o : fb.subgraphs[0]->operators) n += ir::builtin_code(fb, *o) == static_cast<int32_t>(op);
  return n;
}

void expect_near(const std::vector<float>& got, const std::vector<float>& want, float tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], tol * (1 + std::fabs(want[i]))) << "at " << i;
}

// Conv -> Relu -> Transpose(0,2,3,1) -> Reshape -> MatMul -> Softmax: the Transpose only
// relabels the NHWC tensor the Conv wrote, so the model has no TRANSPOSE at all.
TEST(OnnxImport, LayoutFollowsTransposeWithoutTransposeOps) {
  const int C = 2, H = 4, W = 5, O = 3, N = 4;
  const auto x = randv(C * H * W, 1), w = randv(O * C * 9, 2), b = randv(O, 3), mm = randv(O * N, 4);
  OnnxBuilder g(13);
  g.input("x", {1, C, H, W});
  g.init("w", {O, C, 3, 3}, w);
  g.init("b", {O}, b);
  g.init("m", {O, N}, mm);
  g.init_i64("shape", {3}, {1, H * W, O});
  g.node("Conv", {"x", "w", "b"}, {"c"}, {attr_ints("pads", {1, 1, 1, 1}), attr_ints("kernel_shape", {3, 3})});
  g.node("Relu", {"c"}, {"r"});
  g.node("Transpose", {"r"}, {"t"}, {attr_ints("perm", {0, 2, 3, 1})});
  g.node("Reshape", {"t", "shape"}, {"s"});
  g.node("MatMul", {"s", "m"}, {"p"});
  g.node("Softmax", {"p"}, {"y"}, {attr_int("axis", -1)});
  g.output("y");

  auto c = conv_nchw(x, C, H, W, w, O, 3, b, 1);
  for (auto& v : c) v = std::max(v, 0.0f);
  const auto t = nchw_to_nhwc(c, O, H, W);  // [H*W, O]
  std::vector<float> want(H * W * N);
  for (int r = 0; r < H * W; ++r) {
    double mx = -1e30, sum = 0;
    std::vector<double> row(N);
    for (int n = 0; n < N; ++n) {
      for (int o = 0; o < O; ++o) row[n] += double(t[r * O + o]) * mm[o * N + n];
      mx = std::max(mx, row[n]);
    }
    for (int n = 0; n < N; ++n) sum += std::exp(row[n] - mx);
    for (int n = 0; n < N; ++n) want[r * N + n] = static_cast<float>(std::exp(row[n] - mx) / sum);
  }
  const auto bytes = g.bytes();
  const Model nhwc = import_onnx(bytes, "layout.onnx");
  EXPECT_EQ(count_ops(nhwc, Op::TRANSPOSE), 0);
  EXPECT_EQ(count_ops(nhwc, Op::RELU), 0) << "the Relu is fused into the CONV_2D";
  Interpreter it(nhwc);
  EXPECT_EQ(it.input_details()[0].shape, (std::vector<int32_t>{1, H, W, C}));
  EXPECT_EQ(it.output_details()[0].shape, (std::vector<int32_t>{1, H * W, N}));
  expect_near(run(nhwc, nchw_to_nhwc(x, C, H, W)), want, 1e-5f);

  const Model nchw = import_onnx(bytes, "layout.onnx", nchw_inputs());
  Interpreter it2(nchw);
  EXPECT_EQ(it2.input_details()[0].shape, (std::vector<int32_t>{1, C, H, W}));
  expect_near(run(nchw, x), want, 1e-5f);
}

// Conv without bias -> Add(bias) -> BatchNormalization -> Mul(per-channel scale): one CONV_2D.
TEST(OnnxImport, BatchNormBiasAndScaleFoldIntoTheConvolution) {
  const int C = 3, H = 3, W = 4, O = 4;
  const auto x = randv(C * H * W, 5), w = randv(O * C, 6), bias = randv(O, 7), gamma = randv(O, 8, 0.5f, 2),
             beta = randv(O, 9), mean = randv(O, 10), var = randv(O, 11, 0.1f, 2), scale = randv(O, 12);
  OnnxBuilder g(13);
  g.input("x", {1, C, H, W});
  g.init("w", {O, C, 1, 1}, w);
  g.init("bias", {1, O, 1, 1}, bias);
  g.init("gamma", {O}, gamma);
  g.init("beta", {O}, beta);
  g.init("mean", {O}, mean);
  g.init("var", {O}, var);
  g.init("scale", {O, 1, 1}, scale);
  g.node("Conv", {"x", "w"}, {"c"});
  g.node("Add", {"c", "bias"}, {"a"});
  g.node("BatchNormalization", {"a", "gamma", "beta", "mean", "var"}, {"bn"}, {attr_float("epsilon", 1e-3f)});
  g.node("Mul", {"bn", "scale"}, {"y"});
  g.output("y");
  const Model m = import_onnx(g.bytes(), "bn.onnx", nchw_inputs());
  EXPECT_EQ(m.ir().fb->subgraphs[0]->operators.size(), 3u) << "TRANSPOSE in, CONV_2D, TRANSPOSE out";
  EXPECT_EQ(count_ops(m, Op::CONV_2D), 1);
  auto c = conv_nchw(x, C, H, W, w, O, 1, {}, 0);
  std::vector<float> want(c.size());
  for (int o = 0; o < O; ++o)
    for (int i = 0; i < H * W; ++i) {
      const double a = c[o * H * W + i] + bias[o];
      const double bn = (a - mean[o]) / std::sqrt(double(var[o]) + 1e-3) * gamma[o] + beta[o];
      want[o * H * W + i] = static_cast<float>(bn * scale[o]);
    }
  expect_near(run(m, x), want, 1e-5f);
}

// x * Clip(x + 3, 0, 6) / 6 is one HARD_SWISH.
TEST(OnnxImport, DecomposedHardSwishBecomesOneOperator) {
  OnnxBuilder g(13);
  g.input("x", {2, 7});
  g.init("three", {}, {3.0f});
  g.init("zero", {}, {0.0f});
  g.init("six", {}, {6.0f});
  g.node("Add", {"x", "three"}, {"a"});
  g.node("Clip", {"a", "zero", "six"}, {"c"});
  g.node("Mul", {"x", "c"}, {"m"});
  g.node("Div", {"m", "six"}, {"y"});
  g.output("y");
  const Model m = import_onnx(g.bytes(), "hs.onnx");
  EXPECT_EQ(m.ir().fb->subgraphs[0]->operators.size(), 1u);
  EXPECT_EQ(count_ops(m, Op::HARD_SWISH), 1);
  std::vector<float> x(14), want(14);
  for (int i = 0; i < 14; ++i) {
    x[i] = -5.0f + 0.75f * static_cast<float>(i);
    want[i] = x[i] * std::clamp(x[i] + 3.0f, 0.0f, 6.0f) / 6.0f;
  }
  expect_near(run(m, x), want, 1e-6f);
}

// Channel-axis ops on an NHWC tensor: Concat(axis 1), Softmax(axis 1) and
// ReduceMean(axis 1, keepdims 0) map their axis to the last physical dim.
TEST(OnnxImport, ChannelAxisOpsMapTheirAxes) {
  const int C = 2, H = 2, W = 3;
  const auto x = randv(C * H * W, 13), w = randv(C * C, 14);
  OnnxBuilder g(13);
  g.input("x", {1, C, H, W});
  g.init("w", {C, C, 1, 1}, w);
  g.node("Conv", {"x", "w"}, {"c"});
  g.node("Concat", {"c", "x"}, {"cat"}, {attr_int("axis", 1)});
  g.node("Softmax", {"cat"}, {"s"}, {attr_int("axis", 1)});
  g.node("ReduceMean", {"s"}, {"y"}, {attr_ints("axes", {2}), attr_int("keepdims", 0)});
  g.output("y");
  const Model m = import_onnx(g.bytes(), "axes.onnx");
  EXPECT_EQ(count_ops(m, Op::TRANSPOSE), 1) << "only the output goes back to ONNX order";
  const auto c = conv_nchw(x, C, H, W, w, C, 1, {}, 0);
  // cat [1, 2C, H, W]; softmax over channels; mean over H -> [1, 2C, W]
  std::vector<float> want(2 * C * W, 0);
  for (int h = 0; h < H; ++h)
    for (int ww = 0; ww < W; ++ww) {
      std::vector<double> v(2 * C);
      double mx = -1e30, sum = 0;
      for (int k = 0; k < 2 * C; ++k) {
        v[k] = k < C ? c[(k * H + h) * W + ww] : x[((k - C) * H + h) * W + ww];
        mx = std::max(mx, v[k]);
      }
      for (double& e : v) sum += std::exp(e - mx);
      for (int k = 0; k < 2 * C; ++k) want[k * W + ww] += static_cast<float>(std::exp(v[k] - mx) / sum / H);
    }
  expect_near(run(m, nchw_to_nhwc(x, C, H, W)), want, 1e-5f);
}

void expect_error(const std::function<void()>& f, ErrorKind kind, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what() << "\nlacks: " << p;
  }
}

TEST(OnnxImport, BadModelsGiveClearErrors) {
  {
    OnnxBuilder g(13);
    g.input("x", {1, 4});
    g.node("Erf", {"x"}, {"y"}).set_name("the_node");
    g.output("y");
    expect_error([&] { import_onnx(g.bytes(), "m.onnx"); }, ErrorKind::kUnsupported, {"m.onnx", "Erf", "the_node"});
  }
  {
    OnnxBuilder g(13);
    g.input("x", {-1, 4});
    g.node("Relu", {"x"}, {"y"});
    g.output("y");
    expect_error([&] { import_onnx(g.bytes(), "m.onnx"); }, ErrorKind::kInvalidArgument, {"'x'", "--input-shape"});
    expect_error([&] { import_onnx(g.bytes(), "m.onnx", {.input_shapes = {{"z", {1, 4}}}}); }, ErrorKind::kInvalidArgument,
                 {"'z'", "not an input"});
    expect_error([&] { import_onnx(g.bytes(), "m.onnx", {.input_shapes = {{"x", {2, 5}}}}); }, ErrorKind::kInvalidArgument,
                 {"dim 1 is 4"});
    const Model ok = import_onnx(g.bytes(), "m.onnx", {.input_shapes = {{"x", {3, 4}}}});
    EXPECT_EQ(Interpreter(ok).input_details()[0].shape, (std::vector<int32_t>{3, 4}));
  }
  {
    OnnxBuilder g(13);
    g.input("x", {1, 4});
    auto& t = g.init("w", {4}, {});
    t.set_data_location(onnx::TensorProto::EXTERNAL);
    auto* kv = t.add_external_data();
    kv->set_key("location");
    kv->set_value("../../etc/passwd");
    g.node("Add", {"x", "w"}, {"y"});
    g.output("y");
    expect_error([&] { import_onnx(g.bytes(), "m.onnx", {}, "/tmp"); }, ErrorKind::kInvalidModel, {"'w'", "leaves"});
  }
  {
    OnnxBuilder g(13);
    g.input("x", {1, 4});
    g.node("Relu", {"missing"}, {"y"});
    g.output("y");
    expect_error([&] { import_onnx(g.bytes(), "m.onnx"); }, ErrorKind::kInvalidModel, {"'missing'"});
  }
  {
    OnnxBuilder g(21);
    g.input("x", {1, 4});
    g.node("Relu", {"x"}, {"y"});
    g.output("y");
    expect_error([&] { import_onnx(g.bytes(), "m.onnx"); }, ErrorKind::kUnsupported, {"opset 21"});
  }
  const std::vector<uint8_t> junk{0xff, 0x13, 0x00, 0x42, 0x99, 0x01, 0x02};
  expect_error([&] { import_onnx(junk, "junk.onnx"); }, ErrorKind::kInvalidModel, {"junk.onnx"});
  // Every prefix of a valid model fails cleanly or imports; none crashes.
  OnnxBuilder g(13);
  g.input("x", {1, 2, 3, 3});
  g.init("w", {2, 2, 1, 1}, randv(4, 1));
  g.node("Conv", {"x", "w"}, {"y"});
  g.output("y");
  const auto bytes = g.bytes();
  for (size_t n = 0; n < bytes.size(); n += 3) {
    try {
      import_onnx(std::span(bytes.data(), n), "prefix.onnx");
    } catch (const Error&) {
    }
  }
}

}  // namespace
}  // namespace liteq::test

namespace liteq::test {
namespace {

onnx::TensorProto& init_typed(OnnxBuilder& g, const std::string& name, int type, const std::vector<int64_t>& dims,
                              const std::vector<int32_t>& v) {
  auto& t = g.init(name, dims, {});
  t.set_data_type(type);
  for (int32_t x : v) t.add_int32_data(x);
  return t;
}

// A QDQ convolution (what PyTorch QAT / ONNX Runtime's quantizer write): uint8 input,
// int8 per-channel weights, int32 bias, Relu, uint8 output. Imported without calibration,
// it gives the integers ONNX's definition gives: conv in exact arithmetic, then
// round-half-even to the output scale.
TEST(OnnxImport, QdqConvolutionKeepsItsScalesAndIntegers) {
  const int C = 3, H = 6, W = 5, O = 4;
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> w8(-127, 127), x8(0, 255), b32(-3000, 3000);
  std::vector<int32_t> wq(O * C * 9), bq(O);
  for (auto& v : wq) v = w8(rng);
  for (auto& v : bq) v = b32(rng);
  const float sx = 0.02f, sy = 0.05f;
  const int zx = 128, zy = 0;
  const std::vector<float> sw{0.004f, 0.007f, 0.003f, 0.01f};
  OnnxBuilder g(13);
  g.input("x", {1, C, H, W});
  g.init("sx", {}, {sx});
  init_typed(g, "zx", onnx::TensorProto::UINT8, {}, {zx});
  g.init("sy", {}, {sy});
  init_typed(g, "zy", onnx::TensorProto::UINT8, {}, {zy});
  init_typed(g, "wq", onnx::TensorProto::INT8, {O, C, 3, 3}, wq);
  g.init("sw", {O}, sw);
  init_typed(g, "bq", onnx::TensorProto::INT32, {O}, bq);
  std::vector<float> sb(O);
  for (int o = 0; o < O; ++o) sb[o] = sx * sw[o];
  g.init("sb", {O}, sb);
  g.node("QuantizeLinear", {"x", "sx", "zx"}, {"xq"});
  g.node("DequantizeLinear", {"xq", "sx", "zx"}, {"xd"});
  g.node("DequantizeLinear", {"wq", "sw"}, {"wd"}, {attr_int("axis", 0)});
  g.node("DequantizeLinear", {"bq", "sb"}, {"bd"}, {attr_int("axis", 0)});
  g.node("Conv", {"xd", "wd", "bd"}, {"c"}, {attr_ints("pads", {1, 1, 1, 1})});
  g.node("Relu", {"c"}, {"r"});
  g.node("QuantizeLinear", {"r", "sy", "zy"}, {"yq"});
  g.node("DequantizeLinear", {"yq", "sy", "zy"}, {"y"});
  g.output("y");
  const Model m0 = import_onnx(g.bytes(), "qdq.onnx", nchw_inputs());
  Converter c(m0);
  c.optimizations = {Optimize::kDefault};
  const Model m = c.convert();
  EXPECT_EQ(c.report().calibration_samples, 0);
  EXPECT_GE(c.report().recorded_ranges, 2);
  EXPECT_EQ(c.report().float_ops, 0) << fmt::format("{}", fmt::join(c.report().float_op_names, ", "));
  // Inputs on the input grid, so that quantizing them is exact.
  std::vector<int32_t> xq(C * H * W);
  std::vector<float> x(C * H * W);
  for (size_t i = 0; i < x.size(); ++i) {
    xq[i] = x8(rng);
    x[i] = (xq[i] - zx) * sx;
  }
  std::vector<float> want(O * H * W);
  for (int o = 0; o < O; ++o)
    for (int h = 0; h < H; ++h)
      for (int w = 0; w < W; ++w) {
        int64_t acc = bq[o];
        for (int ci = 0; ci < C; ++ci)
          for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j) {
              const int hh = h + i - 1, ww = w + j - 1;
              if (hh < 0 || hh >= H || ww < 0 || ww >= W) continue;
              acc += int64_t(xq[(ci * H + hh) * W + ww] - zx) * wq[((o * C + ci) * 3 + i) * 3 + j];
            }
        const double real = std::max(0.0, double(acc) * sx * sw[o]);
        const double q = std::clamp(std::nearbyint(real / sy) + zy, 0.0, 255.0);
        want[(o * H + h) * W + w] = static_cast<float>((q - zy) * sy);
      }
  const auto got = run(m, x);
  ASSERT_EQ(got.size(), want.size());
  int off = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double steps = std::fabs(got[i] - want[i]) / sy;
    EXPECT_LE(steps, 1.0 + 1e-3) << "at " << i;
    off += steps > 0.5;
  }
  // TFLite's fixed-point requantization may round a value that lies within ~2^-31 of a
  // half step the other way; anything more is a scale that was not kept.
  EXPECT_LE(off, static_cast<int>(got.size() / 100)) << off << " of " << got.size() << " values differ by one step";
}

}  // namespace
}  // namespace liteq::test

namespace liteq::test {
namespace {

// Inputs the fuzzer found crashing the importer (inside libonnx's shape inference, or
// ours): each must now be a clean liteq::Error.
TEST(OnnxImport, FuzzerRegressionsAreCleanErrors) {
  const std::filesystem::path dir = std::filesystem::path(LITEQ_SOURCE_DIR) / "fuzz/regressions/onnx";
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".onnx") continue;
    ++n;
    EXPECT_THROW(import_onnx(e.path().string()), Error) << e.path();
  }
  EXPECT_GE(n, 6);
}

}  // namespace
}  // namespace liteq::test

namespace liteq::test {
namespace {

// PyTorch's exact GELU export, x / sqrt2 -> Erf -> + 1 -> * x -> * 0.5, is one GELU; a
// lone Erf is a clear error.
TEST(OnnxImport, TorchGeluBecomesOneOperator) {
  OnnxBuilder g(13);
  g.input("x", {3, 5});
  g.init("sqrt2", {}, {1.41421356f});
  g.init("one", {}, {1.0f});
  g.init("half", {}, {0.5f});
  g.node("Div", {"x", "sqrt2"}, {"d"});
  g.node("Erf", {"d"}, {"e"});
  g.node("Add", {"e", "one"}, {"a"});
  g.node("Mul", {"x", "a"}, {"m"});
  g.node("Mul", {"m", "half"}, {"y"});
  g.output("y");
  const Model m = import_onnx(g.bytes(), "gelu.onnx");
  EXPECT_EQ(m.ir().fb->subgraphs[0]->operators.size(), 1u);
  EXPECT_EQ(count_ops(m, Op::GELU), 1);
  std::vector<float> x(15), want(15);
  for (int i = 0; i < 15; ++i) {
    x[i] = -4.0f + 0.6f * static_cast<float>(i);
    want[i] = static_cast<float>(0.5 * x[i] * (1.0 + std::erf(x[i] / std::sqrt(2.0))));
  }
  expect_near(run(m, x), want, 1e-5f);

  OnnxBuilder lone(13);
  lone.input("x", {3, 5});
  lone.node("Erf", {"x"}, {"y"});
  lone.output("y");
  expect_error([&] { import_onnx(lone.bytes(), "erf.onnx"); }, ErrorKind::kUnsupported, {"Erf", "GELU"});
}

}  // namespace
}  // namespace liteq::test
