// An Interpreter that takes its model (Interpreter(Model&&)) frees the constants its
// optimized kernels packed: same outputs as one that keeps them, in every mode the
// converter writes (float32, float16, dynamic range, int8, int16x8), at 1 and 2 threads; what
// it freed is exactly what get_tensor() can no longer read (float16 weights and their
// float32 copies folded at allocate time included); no second plan.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "ir/model.h"
#include "kernels/exec.h"
#include "liteq/converter.h"
#include "liteq/error.h"
#include "liteq/interpreter.h"
#include "convert_modes.h"
#include "model_builder.h"

namespace liteq::test {
namespace {

using TT = tflite::TensorType;
using BO = tflite::BuiltinOperator;

constexpr int kH = 9, kW = 9, kC = 8;

std::vector<float> values(size_t n, uint32_t seed, float scale) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (auto& f : v) f = u(rng);
  return v;
}

// CONV_2D 3x3 (16 channels) -> DEPTHWISE_CONV_2D 3x3 -> CONV_2D 1x1 (4 channels) ->
// RESHAPE -> FULLY_CONNECTED (10 units) -> ADD of a constant that is also the fully
// connected op's bias (read at every invoke by the ADD: it must stay).
Model float_model(std::vector<int32_t> input_signature = {}) {
  ModelBuilder b;
  const int x = b.add_input("x", TT::FLOAT32, {1, kH, kW, kC}, std::move(input_signature));
  const int w1 = b.add_const<float>("conv1/w", {16, 3, 3, kC}, values(16 * 9 * kC, 1, 0.3f));
  const int b1 = b.add_const<float>("conv1/b", {16}, values(16, 2, 0.1f));
  const int t1 = b.add_tensor("conv1", TT::FLOAT32, {1, kH, kW, 16});
  tflite::Conv2DOptionsT co;
  co.padding = tflite::Padding::SAME;
  co.stride_h = co.stride_w = 1;
  co.fused_activation_function = tflite::ActivationFunctionType::RELU;
  b.add_op(BO::CONV_2D, {x, w1, b1}, {t1}, co);
  const int w2 = b.add_const<float>("dw/w", {1, 3, 3, 16}, values(9 * 16, 3, 0.5f));
  const int b2 = b.add_const<float>("dw/b", {16}, values(16, 4, 0.1f));
  const int t2 = b.add_tensor("dw", TT::FLOAT32, {1, kH, kW, 16});
  tflite::DepthwiseConv2DOptionsT dwo;
  dwo.padding = tflite::Padding::SAME;
  dwo.stride_h = dwo.stride_w = 1;
  dwo.depth_multiplier = 1;
  b.add_op(BO::DEPTHWISE_CONV_2D, {t1, w2, b2}, {t2}, dwo);
  const int w3 = b.add_const<float>("conv2/w", {4, 1, 1, 16}, values(4 * 16, 5, 0.4f));
  const int b3 = b.add_const<float>("conv2/b", {4}, values(4, 6, 0.1f));
  const int t3 = b.add_tensor("conv2", TT::FLOAT32, {1, kH, kW, 4});
  tflite::Conv2DOptionsT co2;
  co2.padding = tflite::Padding::VALID;
  co2.stride_h = co2.stride_w = 1;
  b.add_op(BO::CONV_2D, {t2, w3, b3}, {t3}, co2);
  const int shape = b.add_const<int32_t>("shape", {2}, {1, kH * kW * 4});
  const int flat = b.add_tensor("flat", TT::FLOAT32, {1, kH * kW * 4});
  tflite::ReshapeOptionsT ro;
  ro.new_shape = {1, kH * kW * 4};
  b.add_op(BO::RESHAPE, {t3, shape}, {flat}, ro);
  const int w4 = b.add_const<float>("fc/w", {10, kH * kW * 4}, values(10 * kH * kW * 4, 7, 0.1f));
  const int b4 = b.add_const<float>("fc/b", {10}, values(10, 8, 0.2f));
  const int t4 = b.add_tensor("fc", TT::FLOAT32, {1, 10});
  b.add_op(BO::FULLY_CONNECTED, {flat, w4, b4}, {t4}, tflite::FullyConnectedOptionsT{});
  const int y = b.add_tensor("y", TT::FLOAT32, {1, 10});
  b.add_op(BO::ADD, {t4, b4}, {y}, tflite::AddOptionsT{});
  b.set_outputs({y});
  return b.load();
}

Sample sample(uint32_t seed) { return float_sample({1, kH, kW, kC}, values(kH * kW * kC, seed, 1.0f)); }

Model convert(const Model& m, const std::string& mode) {
  std::vector<Sample> calib;
  for (uint32_t seed = 100; seed < 108; ++seed) calib.push_back(sample(seed));
  return convert_in_mode(m, mode, calib);
}

std::vector<uint8_t> run(Interpreter& it, const Sample& s) {
  const auto in = it.input_details()[0];
  it.set_tensor(in.index, s[0].dtype, s[0].shape, s[0].bytes);
  it.invoke();
  const auto out = it.get_tensor(it.output_details()[0].index);
  return {out.bytes.begin(), out.bytes.end()};
}

bool optimized_kernels() { return rt::detect_isa() >= rt::Isa::kAvx2; }

TEST(PackedWeights, OwnedModelFreesPackedConstantsWithTheSameOutputs) {
  const Model fm = float_model();
  for (const std::string mode : {"float32", "float16", "dynamic", "int8", "int16x8"}) {
    const std::vector<uint8_t> bytes = convert(fm, mode).serialize();
    const Model kept = Model::from_bytes(bytes);
    const auto& tensors = kept.ir().fb->subgraphs[0]->tensors;
    for (int threads : {1, 2}) {
      SCOPED_TRACE(mode + ", " + std::to_string(threads) + " thread(s)");
      InterpreterOptions o;
      o.num_threads = threads;
      Interpreter keeps(kept, o);
      Interpreter takes(Model::from_bytes(bytes), o);
      keeps.allocate_tensors();
      takes.allocate_tensors();
      for (uint32_t seed : {11u, 12u, 13u}) EXPECT_EQ(run(takes, sample(seed)), run(keeps, sample(seed)));
      // What get_tensor() refuses is what was freed, byte for byte: model constants and,
      // in float16, the float32 weights DEQUANTIZE folded from them at allocate time (the
      // float16 originals go too: the folded op never runs again). The rest reads as in
      // the model.
      size_t refused = 0, refused_folded = 0;
      bool fc_bias_kept = false;
      for (size_t i = 0; i < tensors.size(); ++i) {
        const auto data = ir::tensor_data(*kept.ir().fb, *tensors[i]);
        try {
          const auto v = takes.get_tensor(static_cast<int>(i));
          if (data.empty()) continue;
          EXPECT_TRUE(std::equal(v.bytes.begin(), v.bytes.end(), data.begin(), data.end())) << tensors[i]->name;
          if (tensors[i]->name == "fc/b") fc_bias_kept = true;
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("const Model&"), std::string::npos) << e.what();
          if (!data.empty()) {
            refused += data.size();
          } else {  // a folded tensor
            const auto d = takes.tensor_details(static_cast<int>(i));
            size_t n = dtype_size(d.dtype);
            for (int32_t x : d.shape) n *= static_cast<size_t>(x);
            refused_folded += n;
          }
        }
      }
      EXPECT_EQ(refused + refused_folded, takes.released_constant_bytes());
      if (mode == "float16" && optimized_kernels()) {
        EXPECT_GT(refused_folded, 0u);
        // Every float32 copy is freed with its float16 original, but the fc bias's (10
        // values): the ADD reads that one at every invoke.
        EXPECT_EQ(refused_folded + 10 * 4, 2 * refused);
      } else {
        EXPECT_EQ(refused_folded, 0u);
      }
      EXPECT_EQ(keeps.released_constant_bytes(), 0u);
      // In float32 the ADD reads fc/b at every invoke: shared with a reader that packs
      // nothing, it stays (the quantized modes give the two readers their own tensors).
      if (mode == "float32") {
        EXPECT_TRUE(fc_bias_kept);
      }
      if (optimized_kernels()) {
        // The 3x3 convolution's weights at least: 16 x 3 x 3 x 8 values.
        const size_t min_bytes = 16 * 9 * kC * (mode == "float32" ? 4 : mode == "float16" ? 6 : 1);
        EXPECT_GE(takes.released_constant_bytes(), min_bytes);
      } else {
        EXPECT_EQ(takes.released_constant_bytes(), 0u);  // the reference kernels pack nothing
      }
      // Planning again for the same shapes is a no-op; the outputs stay.
      takes.allocate_tensors();
      EXPECT_EQ(run(takes, sample(14)), run(keeps, sample(14)));
    }
  }
}

TEST(PackedWeights, SharedOrDynamicModelsKeepTheirConstants) {
  if (!optimized_kernels()) GTEST_SKIP() << "the reference kernels pack nothing";
  // Another Model shares the data: the caller can still read it, so nothing goes.
  const Model a = float_model();
  auto buffer_bytes = [](const Model& m) {
    size_t n = 0;
    for (const auto& buf : m.ir().fb->buffers) n += buf ? buf->data.size() : 0;
    return n;
  };
  const size_t before = buffer_bytes(a);
  Model b = a;
  Interpreter shared(std::move(b));
  shared.allocate_tensors();
  EXPECT_EQ(shared.released_constant_bytes(), 0u);
  EXPECT_EQ(buffer_bytes(a), before);
  // A dynamic input dimension may need a second plan, which needs the weights.
  Interpreter dynamic(float_model({-1, kH, kW, kC}));
  dynamic.allocate_tensors();
  EXPECT_EQ(dynamic.released_constant_bytes(), 0u);
  // The sole owner frees them, and then cannot plan for another input shape.
  Interpreter owner(float_model());
  owner.allocate_tensors();
  EXPECT_GT(owner.released_constant_bytes(), 0u);
  owner.resize_input(owner.input_details()[0].index, {2, kH, kW, kC}, /*strict=*/false);
  try {
    owner.allocate_tensors();
    ADD_FAILURE() << "a second plan after freeing the weights should fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("const Model&"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace liteq::test
