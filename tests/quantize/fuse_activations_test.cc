// passes::fuse_activations: RELUs folded into the op that produces their input, as
// TFLite's converter does, only where that is the same function; and the converter's
// int8 models without them.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "ir/model.h"
#include "liteq/converter.h"
#include "model_builder.h"
#include "model_run.h"
#include "passes/passes.h"

namespace liteq {
namespace {

using test::ModelBuilder;
using TT = tflite::TensorType;
using BO = tflite::BuiltinOperator;
using AF = tflite::ActivationFunctionType;

// x [1, 6, 6, 4] -> CONV_2D 1x1 -> c -> RELU -> r          (fused)
// r -> DEPTHWISE 3x3 -> d; d -> RELU6 -> r6 and d -> ADD   (d has two readers: kept)
// ADD(r6, d) -> a -> RELU_N1_TO_1 -> out                   (fused)
// x -> RELU -> rx (a graph input: no producer, kept); CONV_2D with RELU6 already -> e -> RELU (kept)
ModelBuilder relu_model() {
  ModelBuilder b;
  const int x = b.add_input("x", TT::FLOAT32, {1, 6, 6, 4});
  std::vector<float> cw(8 * 4), dw(9 * 8);
  for (size_t i = 0; i < cw.size(); ++i) cw[i] = 0.3f * static_cast<float>((i * 7) % 5) - 0.6f;
  for (size_t i = 0; i < dw.size(); ++i) dw[i] = 0.2f * static_cast<float>((i * 3) % 7) - 0.6f;
  const int w = b.add_const<float>("conv_w", {8, 1, 1, 4}, cw);
  const int bias = b.add_const<float>("conv_b", {8}, {0.1f, -0.2f, 0.3f, -0.4f, 0.5f, -0.6f, 0.0f, 0.2f});
  tflite::Conv2DOptionsT co;
  co.padding = tflite::Padding::SAME;
  co.stride_w = co.stride_h = 1;
  const int c = b.add_tensor("c", TT::FLOAT32, {1, 6, 6, 8});
  b.add_op(BO::CONV_2D, {x, w, bias}, {c}, co);
  const int r = b.add_tensor("r", TT::FLOAT32, {1, 6, 6, 8});
  b.add_op(BO::RELU, {c}, {r});
  const int dwt = b.add_const<float>("dw_w", {1, 3, 3, 8}, dw);
  const int db = b.add_const<float>("dw_b", {8}, std::vector<float>(8, -0.1f));
  tflite::DepthwiseConv2DOptionsT dwo;
  dwo.padding = tflite::Padding::SAME;
  dwo.stride_w = dwo.stride_h = 1;
  dwo.depth_multiplier = 1;
  const int d = b.add_tensor("d", TT::FLOAT32, {1, 6, 6, 8});
  b.add_op(BO::DEPTHWISE_CONV_2D, {r, dwt, db}, {d}, dwo);
  const int r6 = b.add_tensor("r6", TT::FLOAT32, {1, 6, 6, 8});
  b.add_op(BO::RELU6, {d}, {r6});
  const int a = b.add_tensor("a", TT::FLOAT32, {1, 6, 6, 8});
  b.add_op(BO::ADD, {r6, d}, {a}, tflite::AddOptionsT{});
  const int out = b.add_tensor("out", TT::FLOAT32, {1, 6, 6, 8});
  b.add_op(BO::RELU_N1_TO_1, {a}, {out});
  const int rx = b.add_tensor("rx", TT::FLOAT32, {1, 6, 6, 4});
  b.add_op(BO::RELU, {x}, {rx});
  tflite::Conv2DOptionsT co6 = co;
  co6.fused_activation_function = AF::RELU6;
  const int e = b.add_tensor("e", TT::FLOAT32, {1, 6, 6, 8});
  b.add_op(BO::CONV_2D, {x, w, bias}, {e}, co6);
  const int re = b.add_tensor("re", TT::FLOAT32, {1, 6, 6, 8});
  b.add_op(BO::RELU, {e}, {re});
  b.set_outputs({out, rx, re});
  return b;
}

std::map<std::string, int> op_counts(const tflite::ModelT& m) {
  std::map<std::string, int> n;
  for (const auto& op : m.subgraphs[0]->operators) ++n[ir::op_type_name(m, *op)];
  return n;
}

Array random_input(uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.5f, 1.5f);
  std::vector<float> v(6 * 6 * 4);
  for (auto& f : v) f = u(rng);
  Array x{DType::kFloat32, {1, 6, 6, 4}, {}};
  x.bytes.assign(reinterpret_cast<const uint8_t*>(v.data()), reinterpret_cast<const uint8_t*>(v.data() + v.size()));
  return x;
}

TEST(FuseActivations, FoldsOnlyWhereTheFunctionIsTheSame) {
  const auto bytes = relu_model().bytes();
  auto data = std::make_shared<ir::ModelData>();
  data->fb.reset(tflite::GetModel(bytes.data())->UnPack());
  EXPECT_EQ(passes::fuse_activations(*data), 2);
  const auto& m = *data->fb;
  const auto n = op_counts(m);
  EXPECT_EQ(n.at("RELU"), 2);  // on the graph input, and after the CONV_2D that has RELU6
  EXPECT_EQ(n.at("RELU6"), 1);  // its input has two readers
  EXPECT_EQ(n.count("RELU_N1_TO_1"), 0u);
  const auto& sg = *m.subgraphs[0];
  bool conv_relu = false, add_n1 = false;
  for (const auto& op : sg.operators) {
    const std::string type = ir::op_type_name(m, *op);
    const std::string out = sg.tensors[op->outputs[0]]->name;
    if (type == "CONV_2D" && out == "r") conv_relu = op->builtin_options.AsConv2DOptions()->fused_activation_function == AF::RELU;
    if (type == "ADD") add_n1 = out == "out" && op->builtin_options.AsAddOptions()->fused_activation_function == AF::RELU_N1_TO_1;
  }
  EXPECT_TRUE(conv_relu);
  EXPECT_TRUE(add_n1);
  for (const auto& t : sg.tensors) EXPECT_TRUE(t->name != "c" && t->name != "a") << t->name << " was not pruned";

  // The same function: the same float32 outputs, bit for bit, as the original model's.
  const Model original = Model::from_bytes(bytes), fused(data);
  for (uint32_t seed : {1u, 2u, 3u}) {
    const auto x = random_input(seed);
    const auto want = test::run_ours(original, {x}).outputs, got = test::run_ours(fused, {x}).outputs;
    ASSERT_EQ(want.size(), got.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(want[i].bytes, got[i].bytes) << "output " << i;
  }
}

TEST(FuseActivations, Int8ModelsHaveTheFusedOps) {
  const Model model = Model::from_bytes(relu_model().bytes());
  Converter c(model);
  c.optimizations = {Optimize::kDefault};
  uint32_t seed = 0;
  c.representative_dataset = [&]() -> std::optional<Sample> {
    if (seed >= 8) return std::nullopt;
    return Sample{random_input(100 + seed++)};
  };
  const Model q = c.convert();
  auto data = std::make_shared<ir::ModelData>();
  const auto bytes = q.serialize();
  data->fb.reset(tflite::GetModel(bytes.data())->UnPack());
  const auto n = op_counts(*data->fb);
  EXPECT_EQ(n.at("RELU"), 2);
  EXPECT_EQ(n.at("RELU6"), 1);
  EXPECT_EQ(n.count("RELU_N1_TO_1"), 0u);
  EXPECT_EQ(n.at("CONV_2D"), 2);
}

}  // namespace
}  // namespace liteq
