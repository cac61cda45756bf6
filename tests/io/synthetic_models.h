// Synthetic models shared by the io tests (and written out as a fuzzing corpus).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "model_builder.h"

namespace liteq::test {

// One model that uses as much of the schema as possible: description, metadata and
// metadata_buffer, signature_defs, shape_signature with -1, per-axis quantization,
// custom quantization details, min/max, sparsity, variables, has_rank, variant subtypes,
// a string constant, a custom op with custom_options, op codes above 127 (CUMSUM,
// STABLEHLO_PAD), BATCH_MATMUL (126), options tables of ops liteq does not run (LSTM,
// CALL_ONCE), builtin_options_2, intermediates, mutating_variable_inputs, op code
// versions and a second subgraph. It is a valid model (it loads), not a runnable one.
inline ModelBuilder kitchen_sink_model() {
  using TT = tflite::TensorType;
  using BO = tflite::BuiltinOperator;
  ModelBuilder b;
  auto& m = b.model();
  m.description = "liteq kitchen-sink test model";

  const int x = b.add_input("x", TT::FLOAT32, {1, 4}, {-1, 4});
  const int w = b.add_const<int8_t>("w", {3, 4}, {1, 2, 3, 4, -1, -2, -3, -4, 5, 6, 7, 8});
  b.set_quant(w, {0.5f, 0.25f, 0.125f}, {0, 0, 0}, 0);
  const int bias = b.add_const<int32_t>("bias", {3}, {10, 20, 30});
  b.set_quant(bias, {0.1f, 0.2f, 0.3f}, {0, 0, 0}, 0);
  const int fc = b.add_tensor("fc", TT::FLOAT32, {1, 3});
  tflite::FullyConnectedOptionsT fco;
  fco.fused_activation_function = tflite::ActivationFunctionType::RELU6;
  fco.keep_num_dims = true;
  fco.quantized_bias_type = TT::INT32;
  b.add_op(BO::FULLY_CONNECTED, {x, w, bias}, {fc}, fco);

  const int state = b.add_tensor("state", TT::FLOAT32, {1, 3});
  b.tensor(state).is_variable = true;
  const int lstm = b.add_tensor("lstm_out", TT::FLOAT32, {1, 3});
  const int inter = b.add_tensor("lstm_intermediate", TT::INT16, {1, 3});
  b.set_quant(inter, {0.0078125f}, {0});
  tflite::LSTMOptionsT lo;
  lo.fused_activation_function = tflite::ActivationFunctionType::TANH;
  lo.cell_clip = 3.0f;
  lo.proj_clip = 0.5f;
  lo.kernel_type = tflite::LSTMKernelType::BASIC;
  lo.asymmetric_quantize_inputs = true;
  auto& lstm_op = b.add_op(BO::LSTM, {fc, -1, state}, {lstm}, lo);
  lstm_op.mutating_variable_inputs = {false, false, true};
  lstm_op.intermediates = {inter};
  b.model().operator_codes[lstm_op.opcode_index]->version = 4;

  const int rhs = b.add_const<float>("rhs", {3, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1});
  const int bm = b.add_tensor("bm", TT::FLOAT32, {1, 3});
  tflite::BatchMatMulOptionsT bmo;
  bmo.adj_y = true;
  b.add_op(BO::BATCH_MATMUL, {lstm, rhs}, {bm}, bmo);

  const int axis = b.add_const<int32_t>("axis", {}, {1});
  const int cs = b.add_tensor("cumsum", TT::FLOAT32, {1, 3});
  tflite::CumsumOptionsT cso;
  cso.exclusive = true;
  cso.reverse = true;
  b.add_op(BO::CUMSUM, {bm, axis}, {cs}, cso);

  const int custom = b.add_tensor("custom_out", TT::FLOAT32, {1, 3});
  auto& cop = b.add_custom_op("LiteqTestOp", {cs}, {custom}, {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x14, 0x04, 0x01});
  cop.custom_options_format = tflite::CustomOptionsFormat::FLEXBUFFERS;

  const int padded = b.add_tensor("padded", TT::FLOAT32, {1, 5});
  tflite::StablehloPadOptionsT po;
  po.edge_padding_low = {0, 1};
  po.edge_padding_high = {0, 1};
  po.interior_padding = {0, 0};
  b.add_op2(BO::STABLEHLO_PAD, {custom}, {padded}, po);

  // A sparse constant (CSR rows) and the DENSIFY that expands it.
  const int sp = b.add_const<float>("sparse_w", {4, 4}, {1.5f, -2.0f, 3.25f});
  {
    auto s = std::make_unique<tflite::SparsityParametersT>();
    s->traversal_order = {0, 1};
    auto d0 = std::make_unique<tflite::DimensionMetadataT>();
    d0->format = tflite::DimensionType::DENSE;
    d0->dense_size = 4;
    auto d1 = std::make_unique<tflite::DimensionMetadataT>();
    d1->format = tflite::DimensionType::SPARSE_CSR;
    tflite::Int32VectorT seg;
    seg.values = {0, 1, 2, 2, 3};
    d1->array_segments.Set(std::move(seg));
    tflite::Uint8VectorT idx;
    idx.values = {0, 1, 3};
    d1->array_indices.Set(std::move(idx));
    s->dim_metadata.push_back(std::move(d0));
    s->dim_metadata.push_back(std::move(d1));
    b.tensor(sp).sparsity = std::move(s);
  }
  const int dense = b.add_tensor("dense_w", TT::FLOAT32, {4, 4});
  b.add_op(BO::DENSIFY, {sp}, {dense}, tflite::DensifyOptionsT{});

  // Odd tensors: a string constant, custom quantization with min/max, a variant.
  const int str = b.add_const_bytes("vocab", TT::STRING, {2}, {2, 0, 0, 0, 16, 0, 0, 0, 19, 0, 0, 0, 22, 0, 0, 0, 'a', 'b', 'c', 'd', 'e', 'f'});
  (void)str;
  const int cq = b.add_tensor("custom_quant", TT::UINT8, {2, 2});
  {
    auto q = std::make_unique<tflite::QuantizationParametersT>();
    q->min = {-1.0f};
    q->max = {1.0f};
    q->scale = {2.0f / 255};
    q->zero_point = {128};
    tflite::CustomQuantizationT c;
    c.custom = {9, 8, 7, 6, 5};
    q->details.Set(std::move(c));
    b.tensor(cq).quantization = std::move(q);
  }
  b.tensor(cq).has_rank = true;
  const int var = b.add_tensor("variant", TT::VARIANT, {});
  {
    auto vt = std::make_unique<tflite::VariantSubTypeT>();
    vt->shape = {-1, 3};
    vt->type = TT::FLOAT32;
    vt->has_rank = true;
    b.tensor(var).variant_tensors.push_back(std::move(vt));
  }

  // CALL_ONCE of a second subgraph (no inputs, no outputs).
  const int init = b.add_subgraph("init");
  const int k = b.add_const<float>("k", {1}, {42.0f}, tflite::TensorType::FLOAT32, init);
  b.set_outputs({k}, init);
  tflite::CallOnceOptionsT coo;
  coo.init_subgraph_index = init;
  b.add_op(BO::CALL_ONCE, {}, {}, coo);

  b.set_outputs({padded, dense});

  // Metadata (as TFLite stores min_runtime_version) and the legacy metadata_buffer list.
  const uint32_t meta = b.add_buffer({'1', '.', '1', '4', '.', '0', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  auto md = std::make_unique<tflite::MetadataT>();
  md->name = "min_runtime_version";
  md->buffer = meta;
  m.metadata.push_back(std::move(md));
  m.metadata_buffer = {static_cast<int32_t>(meta)};

  auto sig = std::make_unique<tflite::SignatureDefT>();
  sig->signature_key = "serving_default";
  sig->subgraph_index = 0;
  auto in = std::make_unique<tflite::TensorMapT>();
  in->name = "x";
  in->tensor_index = x;
  sig->inputs.push_back(std::move(in));
  for (auto [n, t] : {std::pair{"padded", padded}, std::pair{"dense", dense}}) {
    auto out = std::make_unique<tflite::TensorMapT>();
    out->name = n;
    out->tensor_index = t;
    sig->outputs.push_back(std::move(out));
  }
  m.signature_defs.push_back(std::move(sig));
  return b;
}

// y = x + c, float32 [1, 4] (signature [-1, 4]); the smallest runnable model.
inline ModelBuilder add_model() {
  ModelBuilder b;
  const int x = b.add_input("x", tflite::TensorType::FLOAT32, {1, 4}, {-1, 4});
  const int c = b.add_const<float>("c", {1, 4}, {1, 2, 3, 4});
  const int y = b.add_tensor("y", tflite::TensorType::FLOAT32, {1, 4});
  b.add_op(tflite::BuiltinOperator::ADD, {x, c}, {y}, tflite::AddOptionsT{});
  b.set_outputs({y});
  return b;
}

// A model with no operators: its input is its output.
inline ModelBuilder identity_model() {
  ModelBuilder b;
  const int x = b.add_input("x", tflite::TensorType::FLOAT32, {2, 3}, {-1, 3});
  b.set_outputs({x});
  return b;
}

// A small chain: CONV_2D -> RESHAPE -> FULLY_CONNECTED -> SOFTMAX, with float16
// weights through DEQUANTIZE (as the MediaPipe models store them).
inline ModelBuilder small_cnn_model() {
  using TT = tflite::TensorType;
  using BO = tflite::BuiltinOperator;
  ModelBuilder b;
  const int x = b.add_input("image", TT::FLOAT32, {1, 4, 4, 1});
  std::vector<uint16_t> fw;
  for (int i = 0; i < 2 * 3 * 3; ++i) fw.push_back(float_to_half(0.125f * (i % 5) - 0.25f));
  const int filt16 = b.add_const<uint16_t>("filter_f16", {2, 3, 3, 1}, fw);
  const int filt = b.add_tensor("filter", TT::FLOAT32, {2, 3, 3, 1});
  b.add_op(BO::DEQUANTIZE, {filt16}, {filt});
  const int cb = b.add_const<float>("conv_bias", {2}, {0.5f, -0.5f});
  const int conv = b.add_tensor("conv", TT::FLOAT32, {1, 4, 4, 2});
  tflite::Conv2DOptionsT co;
  co.padding = tflite::Padding::SAME;
  co.stride_w = co.stride_h = 1;
  co.fused_activation_function = tflite::ActivationFunctionType::RELU;
  b.add_op(BO::CONV_2D, {x, filt, cb}, {conv}, co);
  const int shape = b.add_const<int32_t>("shape", {2}, {1, 32});
  const int flat = b.add_tensor("flat", TT::FLOAT32, {1, 32});
  tflite::ReshapeOptionsT ro;
  ro.new_shape = {1, 32};
  b.add_op(BO::RESHAPE, {conv, shape}, {flat}, ro);
  std::vector<float> fcw;
  for (int i = 0; i < 3 * 32; ++i) fcw.push_back(0.01f * ((i * 7) % 11) - 0.05f);
  const int fw2 = b.add_const<float>("fc_w", {3, 32}, fcw);
  const int fcb = b.add_const<float>("fc_b", {3}, {0.1f, 0.2f, 0.3f});
  const int logits = b.add_tensor("logits", TT::FLOAT32, {1, 3});
  b.add_op(BO::FULLY_CONNECTED, {flat, fw2, fcb}, {logits}, tflite::FullyConnectedOptionsT{});
  const int prob = b.add_tensor("prob", TT::FLOAT32, {1, 3});
  tflite::SoftmaxOptionsT so;
  so.beta = 1.0f;
  b.add_op(BO::SOFTMAX, {logits}, {prob}, so);
  b.set_outputs({prob});
  return b;
}

}  // namespace liteq::test
