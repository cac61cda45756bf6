// With optimized kernels the interpreter folds a PAD of height and width into the VALID
// CONV_2D / DEPTHWISE_CONV_2D that alone reads it (InterpreterOptions::fuse_pads): the
// PAD no longer runs, and the outputs equal the reference kernels' (which run the PAD)
// bit for bit in int8 and int16x8, to float32 rounding in float32 and dynamic range (whose
// hybrid ops quantize their input from a range that includes 0 anyway). PADs it must not
// fold stay: channel pads, a PAD whose output is also a graph output, a SAME consumer.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "kernels/exec.h"
#include "liteq/converter.h"
#include "liteq/interpreter.h"
#include "convert_modes.h"
#include "model_builder.h"

namespace liteq::test {
namespace {

using TT = tflite::TensorType;
using BO = tflite::BuiltinOperator;

constexpr int kH = 11, kW = 9, kC = 5;

std::vector<float> values(size_t n, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& f : v) f = u(rng);
  return v;
}

struct Variant {
  std::vector<int32_t> dw_pads = {0, 0, 1, 1, 1, 2, 0, 0};    // before the depthwise op
  std::vector<int32_t> conv_pads = {0, 0, 0, 1, 0, 1, 0, 0};  // before the stride-2 conv
  bool dw_valid = true;
  bool expose_pad = false;  // the first PAD's output is a graph output too
  int conv_out = 6;         // 48: weights large enough for dynamic-range quantization
};

// x -> PAD -> DEPTHWISE_CONV_2D 3x3 (RELU6) -> PAD -> CONV_2D 3x3 stride 2 -> y.
Model model(const Variant& v) {
  ModelBuilder b;
  const int x = b.add_input("x", TT::FLOAT32, {1, kH, kW, kC});
  auto padded = [&](int in, const std::vector<int32_t>& p, const std::string& name, std::vector<int32_t> in_dims) {
    const int pads = b.add_const<int32_t>(name + "/paddings", {4, 2}, p);
    std::vector<int32_t> d = in_dims;
    for (int k = 0; k < 4; ++k) d[k] += p[2 * k] + p[2 * k + 1];
    const int t = b.add_tensor(name, TT::FLOAT32, d);
    b.add_op(BO::PAD, {in, pads}, {t});
    return std::make_pair(t, d);
  };
  auto [p1, d1] = padded(x, v.dw_pads, "pad1", {1, kH, kW, kC});
  const int c1 = d1[3];
  const int w1 = b.add_const<float>("dw/w", {1, 3, 3, c1}, values(9 * c1, 1, -1, 1));
  const int b1 = b.add_const<float>("dw/b", {c1}, values(c1, 2, -0.2f, 0.2f));
  tflite::DepthwiseConv2DOptionsT dwo;
  dwo.padding = v.dw_valid ? tflite::Padding::VALID : tflite::Padding::SAME;
  dwo.stride_h = dwo.stride_w = 1;
  dwo.depth_multiplier = 1;
  dwo.fused_activation_function = tflite::ActivationFunctionType::RELU6;
  const std::vector<int32_t> dd = v.dw_valid ? std::vector<int32_t>{1, d1[1] - 2, d1[2] - 2, c1} : d1;
  const int t1 = b.add_tensor("dw", TT::FLOAT32, dd);
  b.add_op(BO::DEPTHWISE_CONV_2D, {p1, w1, b1}, {t1}, dwo);
  auto [p2, d2] = padded(t1, v.conv_pads, "pad2", dd);
  const int n = v.conv_out;
  const int w2 = b.add_const<float>("conv/w", {n, 3, 3, d2[3]}, values(n * 9 * d2[3], 3, -0.5f, 0.5f));
  const int b2 = b.add_const<float>("conv/b", {n}, values(n, 4, -0.2f, 0.2f));
  tflite::Conv2DOptionsT co;
  co.padding = tflite::Padding::VALID;
  co.stride_h = co.stride_w = 2;
  const int y = b.add_tensor("y", TT::FLOAT32, {1, (d2[1] - 3) / 2 + 1, (d2[2] - 3) / 2 + 1, n});
  b.add_op(BO::CONV_2D, {p2, w2, b2}, {y}, co);
  b.set_outputs(v.expose_pad ? std::vector<int32_t>{y, p1} : std::vector<int32_t>{y});
  return b.load();
}

Sample sample(uint32_t seed) { return float_sample({1, kH, kW, kC}, values(kH * kW * kC, seed, -1, 3)); }

Model convert(const Model& m, const std::string& mode) {
  std::vector<Sample> calib;
  for (uint32_t seed = 50; seed < 56; ++seed) calib.push_back(sample(seed));
  return convert_in_mode(m, mode, calib);
}

struct Outputs {
  std::vector<float> y;
  int pads_run = 0;
};

Outputs run(const Model& m, const std::string& kernels) {
  InterpreterOptions o;
  o.kernels = kernels;
  o.profile = true;
  Interpreter it(m, o);
  it.allocate_tensors();
  const auto s = sample(7);
  it.set_tensor(it.input_details()[0].index, s[0].dtype, s[0].shape, s[0].bytes);
  it.invoke();
  Outputs r;
  const auto v = it.get_tensor(it.output_details()[0].index).as<float>();
  r.y.assign(v.begin(), v.end());
  for (const auto& p : it.op_profile()) r.pads_run += p.op == "PAD";
  return r;
}

TEST(PadFusion, FoldedPadsGiveTheReferenceOutputs) {
  if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "no optimized kernels on this CPU";
  for (const std::string mode : {"float32", "int8", "int16x8"}) {
    SCOPED_TRACE(mode);
    const Model m = convert(model({}), mode);
    const Outputs ref = run(m, "reference"), opt = run(m, "auto");
    EXPECT_EQ(ref.pads_run, 2);
    EXPECT_EQ(opt.pads_run, 0);
    ASSERT_EQ(opt.y.size(), ref.y.size());
    ASSERT_EQ(opt.y.size(), 5u * 5u * 6u);
    for (size_t i = 0; i < ref.y.size(); ++i) {
      if (mode == "float32") EXPECT_NEAR(opt.y[i], ref.y[i], 1e-5f * (1 + std::fabs(ref.y[i]))) << i;
      else EXPECT_EQ(opt.y[i], ref.y[i]) << i;  // the dequantized int8 / int16 values
    }
  }
}

TEST(PadFusion, PadsThatMustStayRun) {
  if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "no optimized kernels on this CPU";
  Variant channels;  // pads channels: the depthwise op sees more channels
  channels.dw_pads = {0, 0, 1, 1, 1, 1, 0, 3};
  Variant exposed;
  exposed.expose_pad = true;
  Variant same;
  same.dw_valid = false;
  Variant too_wide;  // more padding than the 3x3 filter reaches
  too_wide.dw_pads = {0, 0, 3, 0, 0, 0, 0, 0};
  for (const auto& [name, v, want] : std::vector<std::tuple<std::string, Variant, int>>{
           {"channel pad", channels, 1}, {"exposed", exposed, 1}, {"SAME consumer", same, 1}, {"too wide", too_wide, 1}}) {
    const Model m = model(v);
    const Outputs ref = run(m, "reference"), opt = run(m, "auto");
    EXPECT_EQ(opt.pads_run, want) << name;
    ASSERT_EQ(opt.y.size(), ref.y.size()) << name;
    for (size_t i = 0; i < ref.y.size(); ++i)
      EXPECT_NEAR(opt.y[i], ref.y[i], 1e-5f * (1 + std::fabs(ref.y[i]))) << name << " " << i;
  }
  // Dynamic range: the hybrid convolution takes its PAD in too (the depthwise weights are
  // too few to quantize: that op stays float32), with the reference's outputs.
  Variant big;
  big.conv_out = 48;
  const Model dyn = convert(model(big), "dynamic");
  const Outputs dref = run(dyn, "reference"), dopt = run(dyn, "auto");
  EXPECT_EQ(dref.pads_run, 2);
  EXPECT_EQ(dopt.pads_run, 0);
  ASSERT_EQ(dopt.y.size(), dref.y.size());
  for (size_t i = 0; i < dref.y.size(); ++i) EXPECT_NEAR(dopt.y[i], dref.y[i], 1e-5f * (1 + std::fabs(dref.y[i]))) << i;
}

// A hybrid CONV_2D right after the PAD of a positive input: the padded tensor's minimum is
// 0, the input's is 1. The on-the-fly quantization's range includes 0 either way, so the
// folded PAD gives the reference's outputs.
TEST(PadFusion, HybridConvOfAPositiveInput) {
  if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "no optimized kernels on this CPU";
  ModelBuilder b;
  const int x = b.add_input("x", TT::FLOAT32, {1, 6, 6, 8});
  const int pads = b.add_const<int32_t>("paddings", {4, 2}, {0, 0, 1, 1, 1, 1, 0, 0});
  const int p = b.add_tensor("padded", TT::FLOAT32, {1, 8, 8, 8});
  b.add_op(BO::PAD, {x, pads}, {p});
  const int w = b.add_const<float>("w", {48, 3, 3, 8}, values(48 * 9 * 8, 9, -0.5f, 0.5f));
  const int bias = b.add_const<float>("b", {48}, values(48, 10, -0.2f, 0.2f));
  const int y = b.add_tensor("y", TT::FLOAT32, {1, 6, 6, 48});
  tflite::Conv2DOptionsT co;
  co.padding = tflite::Padding::VALID;
  co.stride_h = co.stride_w = 1;
  b.add_op(BO::CONV_2D, {p, w, bias}, {y}, co);
  b.set_outputs({y});  // (the converter may renumber tensors: x and y are looked up again)
  const Model dyn = convert(b.load(), "dynamic");
  auto outputs = [&](const std::string& kernels, int* pads_run) {
    InterpreterOptions o;
    o.kernels = kernels;
    o.profile = true;
    Interpreter it(dyn, o);
    const auto v = values(6 * 6 * 8, 11, 1.0f, 3.0f);
    it.set_tensor(it.input_details()[0].index, DType::kFloat32, {1, 6, 6, 8}, ModelBuilder::to_bytes(v));
    it.invoke();
    *pads_run = 0;
    for (const auto& op : it.op_profile()) *pads_run += op.op == "PAD";
    const auto out = it.get_tensor(it.output_details()[0].index).as<float>();
    return std::vector<float>(out.begin(), out.end());
  };
  int ref_pads = 0, opt_pads = 0;
  const auto want = outputs("reference", &ref_pads), got = outputs("auto", &opt_pads);
  EXPECT_EQ(ref_pads, 1);
  EXPECT_EQ(opt_pads, 0);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5f * (1 + std::fabs(want[i]))) << i;
}

}  // namespace
}  // namespace liteq::test
