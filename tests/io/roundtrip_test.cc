// read -> write -> read -> write: identical bytes and an identical model, for synthetic
// models that use most of the schema, for the large-model (external buffers) form, and
// for the real MediaPipe models.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "assets.h"
#include "io/tflite/tflite_io.h"
#include "liteq/error.h"
#include "model_builder.h"
#include "model_compare.h"
#include "synthetic_models.h"

namespace liteq::test {
namespace {

using Bytes = std::vector<uint8_t>;

// write(m) -> read -> write: the same bytes, and the re-read model equals m.
void expect_stable_roundtrip(const tflite::ModelT& m, const std::string& what) {
  const Bytes w1 = io::write_tflite(m);
  EXPECT_EQ(io::write_tflite(m), w1) << what << ": writing the same model twice gave different bytes";
  auto r1 = io::read_tflite(w1, what);
  EXPECT_EQ(model_diff(m, *r1->fb), "") << what << ": the re-read model differs";
  const Bytes w2 = io::write_tflite(*r1->fb);
  EXPECT_TRUE(w1 == w2) << what << ": write -> read -> write changed the bytes (" << w1.size() << " vs " << w2.size()
                        << ")";
}

TEST(RoundTrip, KitchenSinkModelIsStable) {
  auto b = kitchen_sink_model();
  expect_stable_roundtrip(b.model(), "kitchen_sink");
}

TEST(RoundTrip, KitchenSinkFieldsSurvive) {
  auto b = kitchen_sink_model();
  const Bytes bytes = b.bytes();
  // In the file: CUMSUM (128) sits in builtin_code with the placeholder 127 in the
  // deprecated field; BATCH_MATMUL (126) in both.
  const auto* raw = tflite::GetModel(bytes.data());
  bool saw_cumsum = false, saw_bmm = false;
  for (const auto* oc : *raw->operator_codes()) {
    if (oc->builtin_code() == tflite::BuiltinOperator::CUMSUM) {
      saw_cumsum = true;
      EXPECT_EQ(oc->deprecated_builtin_code(), 127);
    }
    if (oc->builtin_code() == tflite::BuiltinOperator::BATCH_MATMUL) {
      saw_bmm = true;
      EXPECT_EQ(oc->deprecated_builtin_code(), 126);
    }
  }
  EXPECT_TRUE(saw_cumsum && saw_bmm);

  const Model model = Model::from_bytes(bytes, "kitchen_sink");
  const auto& m = *model.ir().fb;
  EXPECT_EQ(m.description, "liteq kitchen-sink test model");
  ASSERT_EQ(m.metadata.size(), 1u);
  EXPECT_EQ(m.metadata[0]->name, "min_runtime_version");
  EXPECT_EQ(m.metadata_buffer, std::vector<int32_t>{static_cast<int32_t>(m.metadata[0]->buffer)});
  ASSERT_EQ(m.signature_defs.size(), 1u);
  EXPECT_EQ(m.signature_defs[0]->signature_key, "serving_default");
  ASSERT_EQ(m.signature_defs[0]->outputs.size(), 2u);
  EXPECT_EQ(m.signature_defs[0]->outputs[1]->name, "dense");
  ASSERT_EQ(m.subgraphs.size(), 2u);
  const auto& g = *m.subgraphs[0];
  EXPECT_EQ(g.tensors[0]->shape_signature, (std::vector<int32_t>{-1, 4}));
  ASSERT_TRUE(g.tensors[1]->quantization);
  EXPECT_EQ(g.tensors[1]->quantization->scale, (std::vector<float>{0.5f, 0.25f, 0.125f}));

  std::vector<std::string> names;
  for (const auto& op : g.operators) names.push_back(ir::op_type_name(m, *op));
  EXPECT_EQ(names, (std::vector<std::string>{"FULLY_CONNECTED", "LSTM", "BATCH_MATMUL", "CUMSUM", "LiteqTestOp",
                                             "STABLEHLO_PAD", "DENSIFY", "CALL_ONCE"}));
  EXPECT_EQ(ir::builtin_code(m, *g.operators[3]), 128);
  const auto* lstm = g.operators[1]->builtin_options.AsLSTMOptions();
  ASSERT_NE(lstm, nullptr);
  EXPECT_EQ(lstm->cell_clip, 3.0f);
  EXPECT_EQ(lstm->kernel_type, tflite::LSTMKernelType::BASIC);
  EXPECT_EQ(g.operators[1]->mutating_variable_inputs, (std::vector<bool>{false, false, true}));
  EXPECT_EQ(g.operators[4]->custom_options.size(), 12u);
  const auto* pad = g.operators[5]->builtin_options_2.AsStablehloPadOptions();
  ASSERT_NE(pad, nullptr);
  EXPECT_EQ(pad->edge_padding_low, (std::vector<int64_t>{0, 1}));
  bool saw_sparse = false;
  for (const auto& t : g.tensors)
    if (t->sparsity) {
      saw_sparse = true;
      ASSERT_EQ(t->sparsity->dim_metadata.size(), 2u);
      const auto* seg = t->sparsity->dim_metadata[1]->array_segments.AsInt32Vector();
      ASSERT_NE(seg, nullptr);
      EXPECT_EQ(seg->values, (std::vector<int32_t>{0, 1, 2, 2, 3}));
    }
  EXPECT_TRUE(saw_sparse);
}

TEST(RoundTrip, SmallModelsAreStable) {
  expect_stable_roundtrip(add_model().model(), "add");
  expect_stable_roundtrip(identity_model().model(), "identity");
  expect_stable_roundtrip(small_cnn_model().model(), "small_cnn");
}

TEST(RoundTrip, LegacyOpCodeOnlyInDeprecatedField) {
  // Files written before builtin_code existed carry the code only in the deprecated
  // field (builtin_code reads as its default, ADD = 0).
  auto b = add_model();
  auto& oc = *b.model().operator_codes[0];
  oc.builtin_code = tflite::BuiltinOperator::ADD;
  oc.deprecated_builtin_code = static_cast<int8_t>(tflite::BuiltinOperator::MUL);
  const Model m = Model::from_bytes(b.bytes());
  EXPECT_EQ(ir::op_type_name(*m.ir().fb, *m.ir().fb->subgraphs[0]->operators[0]), "MUL");
}

TEST(RoundTrip, OpCodesFromANewerSchemaRoundTrip) {
  // A builtin code and an options type this schema does not know: the model still loads
  // and writes back identically (only the interpreter refuses it).
  auto b = add_model();
  b.model().operator_codes[0]->builtin_code = static_cast<tflite::BuiltinOperator>(250);
  b.model().operator_codes[0]->deprecated_builtin_code = 127;
  b.op(0).builtin_options.Reset();
  b.op(0).builtin_options.type = static_cast<tflite::BuiltinOptions>(240);
  const Bytes w1 = b.bytes();
  const Model m = Model::from_bytes(w1);
  EXPECT_EQ(ir::op_type_name(*m.ir().fb, *m.ir().fb->subgraphs[0]->operators[0]), "BUILTIN_250");
  EXPECT_EQ(static_cast<int>(m.ir().fb->subgraphs[0]->operators[0]->builtin_options.type), 240);
  EXPECT_EQ(m.serialize(), w1);
}

TEST(RoundTrip, KnownOptionsTypeWithoutTableLoadsAsNoOptions) {
  // Hand-built flatbuffer: ADD's builtin_options_type says AddOptions, but the table is
  // absent. TFLite reads that as "no options"; so does liteq, and it must still write.
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<tflite::Buffer>> buffers = {tflite::CreateBuffer(fbb)};
  std::vector<int32_t> shape = {2};
  std::vector<flatbuffers::Offset<tflite::Tensor>> tensors;
  for (const char* n : {"a", "b", "y"})
    tensors.push_back(tflite::CreateTensor(fbb, fbb.CreateVector(shape), tflite::TensorType::FLOAT32, 0, fbb.CreateString(n)));
  std::vector<int32_t> in = {0, 1}, out = {2};
  std::vector<flatbuffers::Offset<tflite::Operator>> ops = {tflite::CreateOperator(
      fbb, 0, fbb.CreateVector(in), fbb.CreateVector(out), tflite::BuiltinOptions::AddOptions, 0)};
  std::vector<flatbuffers::Offset<tflite::SubGraph>> sgs = {tflite::CreateSubGraph(
      fbb, fbb.CreateVector(tensors), fbb.CreateVector(in), fbb.CreateVector(out), fbb.CreateVector(ops))};
  std::vector<flatbuffers::Offset<tflite::OperatorCode>> codes = {tflite::CreateOperatorCode(fbb, 0, 0, 1, tflite::BuiltinOperator::ADD)};
  fbb.Finish(tflite::CreateModel(fbb, 3, fbb.CreateVector(codes), fbb.CreateVector(sgs), 0, fbb.CreateVector(buffers)),
             tflite::ModelIdentifier());
  const Bytes bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  const Model m = Model::from_bytes(bytes, "no_options_table");
  EXPECT_EQ(m.ir().fb->subgraphs[0]->operators[0]->builtin_options.type, tflite::BuiltinOptions::NONE);
  const Bytes w = m.serialize();
  EXPECT_EQ(Model::from_bytes(w).serialize(), w);
}

// Per-channel tensors with equal zero points (and equal scales) share one vector in the
// file; reading gives every tensor its own values back.
TEST(RoundTrip, EqualQuantizationVectorsAreWrittenOnce) {
  ModelBuilder b;
  const int x = b.add_input("x", tflite::TensorType::FLOAT32, {1, 8});
  const std::vector<int64_t> zeros(8, 0);
  std::vector<int> ts;
  for (int i = 0; i < 3; ++i) {
    ts.push_back(b.add_const<int8_t>("w" + std::to_string(i), {8, 1}, std::vector<int8_t>(8, static_cast<int8_t>(i))));
    std::vector<float> scales(8);
    for (int c = 0; c < 8; ++c) scales[c] = 0.01f * (c + 1) * (i == 2 ? 2.0f : 1.0f);  // w0 and w1 share scales
    b.set_quant(ts.back(), scales, zeros, 0);
  }
  b.set_outputs({x});
  const tflite::ModelT& m = b.model();
  const Bytes bytes = io::write_tflite(m);
  const auto* g = tflite::GetModel(bytes.data())->subgraphs()->Get(0);
  auto q = [&](int t) { return g->tensors()->Get(static_cast<flatbuffers::uoffset_t>(t))->quantization(); };
  EXPECT_EQ(q(ts[0])->zero_point(), q(ts[1])->zero_point());
  EXPECT_EQ(q(ts[0])->zero_point(), q(ts[2])->zero_point());
  EXPECT_EQ(q(ts[0])->scale(), q(ts[1])->scale());
  EXPECT_NE(q(ts[0])->scale(), q(ts[2])->scale());
  // Against the generated packer, which writes every vector: 2 zero-point vectors
  // (64 bytes of values each) and 1 scale vector (32) fewer, give or take alignment.
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(tflite::Model::Pack(fbb, &m), tflite::ModelIdentifier());
  EXPECT_GE(fbb.GetSize(), bytes.size() + 2 * 64 + 32);
  expect_stable_roundtrip(m, "shared quantization vectors");
  auto back = io::read_tflite(bytes, "shared");
  EXPECT_EQ(model_diff(m, *back->fb), "");
}

TEST(RoundTrip, ReadsFromUnalignedMemory) {
  const Bytes bytes = kitchen_sink_model().bytes();
  Bytes shifted(bytes.size() + 1);
  std::copy(bytes.begin(), bytes.end(), shifted.begin() + 1);
  const Model m = Model::from_bytes(std::span<const uint8_t>(shifted.data() + 1, bytes.size()), "unaligned");
  EXPECT_EQ(m.serialize(), bytes);
}

TEST(RoundTrip, WriterRefusesNullTablesAndEmptyUnions) {
  {
    auto b = add_model();
    b.model().buffers.push_back(nullptr);
    try {
      io::write_tflite(b.model());
      FAIL() << "expected liteq::Error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("buffer 2 is null"), std::string::npos) << e.what();
    }
  }
  {
    auto b = add_model();
    b.op(0).builtin_options.Reset();
    b.op(0).builtin_options.type = tflite::BuiltinOptions::AddOptions;  // and no value
    try {
      io::write_tflite(b.model(), io::WriteOptions{0});
      FAIL() << "expected liteq::Error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("builtin_options"), std::string::npos) << e.what();
    }
  }
}

// --- large-model form: buffers after the flatbuffer ------------------------------------

void check_large_form(const tflite::ModelT& m, const std::string& what) {
  SCOPED_TRACE(what);
  io::WriteOptions opts;
  opts.external_buffers_threshold = 16;
  const Bytes large = io::write_tflite(m, opts);
  const Bytes inline_form = io::write_tflite(m);

  // The flatbuffer holds offsets and sizes only; the data follows, 16-byte aligned.
  const auto* raw = tflite::GetModel(large.data());
  ASSERT_EQ(raw->buffers()->size(), m.buffers.size());
  uint64_t end = 0, first = UINT64_MAX;
  size_t external = 0;
  for (size_t i = 0; i < m.buffers.size(); ++i) {
    const auto* b = raw->buffers()->Get(i);
    const auto& want = m.buffers[i]->data;
    EXPECT_TRUE(!b->data() || b->data()->size() == 0) << "buffer " << i << " still inline";
    if (want.empty()) {
      EXPECT_EQ(b->offset(), 0u);
      EXPECT_EQ(b->size(), 0u);
      continue;
    }
    ++external;
    EXPECT_GT(b->offset(), 1u);
    EXPECT_EQ(b->offset() % 16, 0u) << "buffer " << i << " offset " << b->offset();
    ASSERT_EQ(b->size(), want.size());
    ASSERT_LE(b->offset() + b->size(), large.size());
    EXPECT_TRUE(std::equal(want.begin(), want.end(), large.begin() + b->offset())) << "buffer " << i;
    EXPECT_GE(b->offset(), end) << "buffers overlap";
    end = b->offset() + b->size();
    first = std::min<uint64_t>(first, b->offset());
  }
  ASSERT_GT(external, 0u);
  EXPECT_EQ(end, large.size()) << "the file ends with the last buffer";
  // The flatbuffer alone (before the first buffer) is a complete, verifiable flatbuffer.
  flatbuffers::Verifier v(large.data(), first);
  EXPECT_TRUE(tflite::VerifyModelBuffer(v));

  // Reading it gives the same model; writing that in either form gives the same bytes.
  auto back = io::read_tflite(large, what + " (large form)");
  EXPECT_EQ(model_diff(m, *back->fb), "");
  EXPECT_TRUE(io::write_tflite(*back->fb) == inline_form);
  EXPECT_TRUE(io::write_tflite(*back->fb, opts) == large);
  EXPECT_TRUE(io::write_tflite(m, opts) == large) << "the large form is not deterministic";
  // The writer restores the model it temporarily rearranged.
  EXPECT_TRUE(io::write_tflite(m) == inline_form);
}

TEST(RoundTrip, LargeModelFormKitchenSink) { check_large_form(kitchen_sink_model().model(), "kitchen_sink"); }
TEST(RoundTrip, LargeModelFormSmallCnn) { check_large_form(small_cnn_model().model(), "small_cnn"); }

TEST(RoundTrip, LargeModelFormThresholdIsRespected) {
  auto b = small_cnn_model();
  uint64_t total = 0;
  for (const auto& buf : b.model().buffers) total += buf->data.size();
  io::WriteOptions opts;
  opts.external_buffers_threshold = total;  // not exceeded: stays inline
  EXPECT_EQ(io::write_tflite(b.model(), opts), io::write_tflite(b.model()));
  opts.external_buffers_threshold = total - 1;
  const Bytes large = io::write_tflite(b.model(), opts);
  EXPECT_NE(large, io::write_tflite(b.model()));
  EXPECT_EQ(model_diff(b.model(), *io::read_tflite(large, "large")->fb), "");
}

// --- the real models ---------------------------------------------------------------------

class RealModelRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(RealModelRoundTrip, WriteReadWriteIsStable) {
  LITEQ_MODEL_OR_SKIP(path, GetParam());
  const Model m1 = Model::load(path);
  const Bytes w1 = m1.serialize();
  const Model m2 = Model::from_bytes(w1, path + " (rewritten)");
  EXPECT_EQ(model_diff(*m1.ir().fb, *m2.ir().fb), "");
  const Bytes w2 = m2.serialize();
  EXPECT_TRUE(w1 == w2) << "rewrite changed the bytes: " << w1.size() << " vs " << w2.size();

  // Nothing was lost against the file itself: same counts and same weights.
  const Bytes orig = io::read_file(path);
  const auto* raw = tflite::GetModel(orig.data());
  const auto& m = *m2.ir().fb;
  ASSERT_EQ(raw->subgraphs()->size(), m.subgraphs.size());
  ASSERT_EQ(raw->buffers()->size(), m.buffers.size());
  for (size_t i = 0; i < m.buffers.size(); ++i) {
    const auto* d = raw->buffers()->Get(i)->data();
    ASSERT_EQ(d ? d->size() : 0, m.buffers[i]->data.size()) << "buffer " << i;
    if (d) {
      EXPECT_TRUE(std::equal(d->begin(), d->end(), m.buffers[i]->data.begin())) << "buffer " << i;
    }
  }
  for (size_t s = 0; s < m.subgraphs.size(); ++s) {
    EXPECT_EQ(raw->subgraphs()->Get(s)->tensors()->size(), m.subgraphs[s]->tensors.size());
    EXPECT_EQ(raw->subgraphs()->Get(s)->operators()->size(), m.subgraphs[s]->operators.size());
  }

  // The large-model form of a real model reads back to the same model.
  io::WriteOptions opts;
  opts.external_buffers_threshold = 0;
  const Bytes large = io::write_tflite(*m1.ir().fb, opts);
  const Model m3 = Model::from_bytes(large, path + " (large form)");
  EXPECT_EQ(model_diff(*m1.ir().fb, *m3.ir().fb), "");
  EXPECT_TRUE(m3.serialize() == w1);
}

INSTANTIATE_TEST_SUITE_P(Assets, RealModelRoundTrip, ::testing::ValuesIn(real_model_names()),
                         [](const auto& info) { return info.param; });

// Writes the synthetic models as seeds for fuzz/fuzz_tflite_reader when
// LITEQ_FUZZ_CORPUS_DIR is set (a no-op otherwise).
TEST(RoundTrip, WriteFuzzCorpus) {
  const char* dir = std::getenv("LITEQ_FUZZ_CORPUS_DIR");
  if (!dir || !*dir) GTEST_SKIP() << "set LITEQ_FUZZ_CORPUS_DIR to write the synthetic models as a fuzzing corpus";
  std::filesystem::create_directories(dir);
  io::WriteOptions large;
  large.external_buffers_threshold = 16;
  const std::vector<std::pair<std::string, Bytes>> seeds = {
      {"kitchen_sink", kitchen_sink_model().bytes()},
      {"kitchen_sink_large", kitchen_sink_model().bytes(large)},
      {"add", add_model().bytes()},
      {"identity", identity_model().bytes()},
      {"small_cnn", small_cnn_model().bytes()},
      {"small_cnn_large", small_cnn_model().bytes(large)},
  };
  for (const auto& [name, bytes] : seeds) {
    std::ofstream f(std::filesystem::path(dir) / ("synthetic_" + name + ".tflite"), std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    ASSERT_TRUE(f.good());
  }
}

}  // namespace
}  // namespace liteq::test
