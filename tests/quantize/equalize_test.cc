// Activation channel equalization (src/quantize/equalize.h) and activation headroom
// (Converter::activation_headroom) on a small convolution -> depthwise model whose
// intermediate tensor has one near-silent channel read through large depthwise weights:
// the situation of MediaPipe pose models' first layers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "liteq/converter.h"
#include "liteq/error.h"
#include "model_builder.h"
#include "model_run.h"
#include "quantize/equalize.h"
#include "quantize/fidelity.h"

namespace liteq::quant {
namespace {

using test::ModelBuilder;
using TT = tflite::TensorType;
using BO = tflite::BuiltinOperator;

constexpr int kIn = 4, kMid = 6, kSilent = 2;

// image [1, 8, 8, 4] -> CONV_2D 1x1 (RELU6) -> [1, 8, 8, 6] -> DEPTHWISE 3x3 -> output.
// Channel 2 of the middle tensor stays below ~0.03 while the others reach 6; the
// depthwise reads it with taps of +-150.
Model conv_depthwise_model() {
  ModelBuilder b;
  const int x = b.add_input("image", TT::FLOAT32, {1, 8, 8, kIn});
  std::vector<float> cw(kMid * kIn);
  for (int o = 0; o < kMid; ++o)
    for (int i = 0; i < kIn; ++i) cw[o * kIn + i] = (o == kSilent ? 0.008f : 1.6f) * (((o + i) % 3) - 0.6f);
  const int w = b.add_const<float>("conv_w", {kMid, 1, 1, kIn}, cw);
  const int bias = b.add_const<float>("conv_b", {kMid}, {0.1f, 0.2f, 0.004f, 0.3f, 0.0f, 0.5f});
  const int mid = b.add_tensor("mid", TT::FLOAT32, {1, 8, 8, kMid});
  tflite::Conv2DOptionsT co;
  co.padding = tflite::Padding::SAME;
  co.stride_w = co.stride_h = 1;
  co.fused_activation_function = tflite::ActivationFunctionType::RELU6;
  b.add_op(BO::CONV_2D, {x, w, bias}, {mid}, co);
  std::vector<float> dw(9 * kMid);
  for (int k = 0; k < 9; ++k)
    for (int c = 0; c < kMid; ++c) dw[k * kMid + c] = c == kSilent ? (k % 2 ? 150.0f : -140.0f) : 0.1f * ((k + c) % 5) - 0.2f;
  const int dwt = b.add_const<float>("dw_w", {1, 3, 3, kMid}, dw);
  const int db = b.add_const<float>("dw_b", {kMid}, std::vector<float>(kMid, 0.0f));
  const int out = b.add_tensor("out", TT::FLOAT32, {1, 8, 8, kMid});
  tflite::DepthwiseConv2DOptionsT dwo;
  dwo.padding = tflite::Padding::SAME;
  dwo.stride_w = dwo.stride_h = 1;
  dwo.depth_multiplier = 1;
  b.add_op(BO::DEPTHWISE_CONV_2D, {mid, dwt, db}, {out}, dwo);
  b.set_outputs({out});
  return Model::from_bytes(b.bytes());
}

std::vector<Sample> samples(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<Sample> out;
  for (int s = 0; s < n; ++s) {
    std::vector<float> v(8 * 8 * kIn);
    for (auto& f : v) f = u(rng);
    Array a{DType::kFloat32, {1, 8, 8, kIn}, {}};
    a.bytes.assign(reinterpret_cast<const uint8_t*>(v.data()), reinterpret_cast<const uint8_t*>(v.data() + v.size()));
    out.push_back({a});
  }
  return out;
}

std::vector<float> output(const Model& m, const Sample& s) {
  return output_as_float(test::run_ours(m, s).outputs.at(0));
}

Model quantize(const Model& m, const std::vector<Sample>& calib, const std::string& equalize, bool int16 = false,
               std::optional<double> headroom = std::nullopt) {
  Converter c(m);
  c.optimizations = {Optimize::kDefault};
  size_t i = 0;
  c.representative_dataset = [&]() -> std::optional<Sample> {
    if (i >= calib.size()) return std::nullopt;
    return calib[i++];
  };
  c.channel_equalization = equalize;
  c.activation_headroom = headroom;
  if (int16) c.target_spec.supported_ops = {OpsSet::kInt16x8};
  Model q = c.convert();
  if (equalize != "off") {
    EXPECT_EQ(c.report().equalized_tensors, 1);
  }
  return q;
}

// SQNR of the quantized model's output against the float model, over all samples.
double sqnr(const Model& ref, const Model& q, const std::vector<Sample>& eval) {
  std::vector<float> a, b;
  for (const auto& s : eval) {
    const auto r = output(ref, s), t = output(q, s);
    a.insert(a.end(), r.begin(), r.end());
    b.insert(b.end(), t.begin(), t.end());
  }
  return compare_outputs(a, b).sqnr_db;
}

TEST(ChannelEqualization, KeepsTheFloatFunctionAndEvensTheChannels) {
  const Model m = conv_depthwise_model();
  const auto calib = samples(16, 1), eval = samples(8, 2);
  Model eq = Model::from_bytes(m.serialize());
  const auto report = equalize_channels(eq.ir(), calib, {});
  EXPECT_EQ(report.tensors, 1);
  EXPECT_GE(report.channels, 1);
  // The float model computes the same function.
  for (const auto& s : eval) EXPECT_LT(test::relative_error(output(eq, s), output(m, s)), 1e-5);
  // The silent channel's producer weights grew by the scale, its depthwise taps shrank by it.
  const auto& g = *eq.ir().fb->subgraphs[0];
  auto weights = [&](const Model& mm, int op) {
    const auto& gg = *mm.ir().fb->subgraphs[0];
    const auto d = ir::tensor_data(*mm.ir().fb, *gg.tensors[gg.operators[op]->inputs[1]]);
    return std::vector<float>(reinterpret_cast<const float*>(d.data()), reinterpret_cast<const float*>(d.data() + d.size()));
  };
  ASSERT_EQ(g.operators.size(), 2u);
  const double s = weights(eq, 0)[kSilent * kIn] / weights(m, 0)[kSilent * kIn];
  EXPECT_GT(s, 10.0);
  EXPECT_NEAR(weights(eq, 1)[kSilent] * s, weights(m, 1)[kSilent], 1e-3);
}

TEST(ChannelEqualization, RaisesInt8FidelityWhereOneChannelIsSilent) {
  const Model m = conv_depthwise_model();
  const auto calib = samples(16, 1), eval = samples(8, 2);
  const Model q_off = quantize(m, calib, "off"), q_on = quantize(m, calib, "depthwise");
  const double off = sqnr(m, q_off, eval);
  const double on = sqnr(m, q_on, eval);
  // The rescaled tensor is renamed, so that comparisons by name (compare --layers) skip it.
  auto has_tensor = [](const Model& q, const std::string& name) {
    for (const auto& t : q.ir().fb->subgraphs[0]->tensors)
      if (t->name == name) return true;
    return false;
  };
  EXPECT_TRUE(has_tensor(q_off, "mid"));
  EXPECT_FALSE(has_tensor(q_on, "mid"));
  EXPECT_TRUE(has_tensor(q_on, std::string("mid") + ir::kEqualizedSuffix));
  std::printf("off %.1f dB, depthwise %.1f dB\n", off, on);
  EXPECT_GT(on, off + 10.0) << "off " << off << " dB, depthwise " << on << " dB";
  EXPECT_THROW(quantize(m, calib, "sideways"), Error);
}

TEST(ActivationHeadroom, WidensCalibratedRangesBy2For16x8ByDefault) {
  const Model m = conv_depthwise_model();
  const auto calib = samples(16, 1);
  auto out_scale = [](const Model& q) {
    // The quantized tensor feeding the float output's DEQUANTIZE.
    const auto& g = *q.ir().fb->subgraphs[0];
    for (const auto& op : g.operators)
      if (op->outputs[0] == g.outputs[0]) return g.tensors[op->inputs[0]]->quantization->scale.at(0);
    return 0.0f;
  };
  const float exact16 = out_scale(quantize(m, calib, "off", true, 1.0));
  EXPECT_NEAR(out_scale(quantize(m, calib, "off", true)) / exact16, 2.0, 1e-5);
  const float exact8 = out_scale(quantize(m, calib, "off"));
  EXPECT_NEAR(out_scale(quantize(m, calib, "off", false, 4.0)) / exact8, 4.0, 1e-2);
  EXPECT_THROW(quantize(m, calib, "off", false, 0.5), Error);
}

}  // namespace
}  // namespace liteq::quant
