// Untrusted input: every malformed model (and every misuse of the interpreter API) must
// end in a liteq::Error whose message says what is wrong; never a crash, hang or abort.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <random>

#include "assets.h"
#include "io/tflite/tflite_io.h"
#include "liteq/error.h"
#include "liteq/interpreter.h"
#include "model_builder.h"
#include "synthetic_models.h"

namespace liteq::test {
namespace {

using Bytes = std::vector<uint8_t>;
using TT = tflite::TensorType;
using BO = tflite::BuiltinOperator;

const char* kind_name(ErrorKind k) {
  switch (k) {
    case ErrorKind::kInvalidModel: return "kInvalidModel";
    case ErrorKind::kUnsupported: return "kUnsupported";
    case ErrorKind::kInvalidArgument: return "kInvalidArgument";
    case ErrorKind::kIo: return "kIo";
    case ErrorKind::kInternal: return "kInternal";
  }
  return "?";
}

// Runs f, which must throw liteq::Error of `kind` whose message contains `needle`.
::testing::AssertionResult throws_error(const std::function<void()>& f, const std::string& needle,
                                        ErrorKind kind = ErrorKind::kInvalidModel) {
  try {
    f();
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (e.kind() != kind)
      return ::testing::AssertionFailure() << "error kind " << kind_name(e.kind()) << ", expected " << kind_name(kind)
                                           << ": " << msg;
    if (msg.find(needle) == std::string::npos)
      return ::testing::AssertionFailure() << "message does not mention \"" << needle << "\": " << msg;
    return ::testing::AssertionSuccess();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw a non-liteq exception: " << e.what();
  }
  return ::testing::AssertionFailure() << "no error (expected one mentioning \"" << needle << "\")";
}

::testing::AssertionResult load_fails(const Bytes& bytes, const std::string& needle,
                                      ErrorKind kind = ErrorKind::kInvalidModel) {
  return throws_error([&] { Model::from_bytes(bytes, "bad.tflite"); }, needle, kind);
}
::testing::AssertionResult load_fails(const ModelBuilder& b, const std::string& needle) {
  return load_fails(b.bytes(), needle);
}

// Bytes of the non-constant tensors of the main subgraph at their declared shapes.
uint64_t declared_tensor_bytes(const Model& m) {
  uint64_t total = 0;
  const auto& fb = *m.ir().fb;
  for (const auto& t : fb.subgraphs[0]->tensors) {
    if (!ir::tensor_data(fb, *t).empty()) continue;
    total += static_cast<uint64_t>(std::max<int64_t>(ir::num_elements(t->shape), 0)) *
             std::max<size_t>(dtype_size(ir::dtype(*t)), 1);
  }
  return total;
}
constexpr uint64_t kAllocateBudget = uint64_t{256} << 20;
constexpr uint64_t kRunBudget = uint64_t{16} << 20;

// For inputs that may or may not be valid: loading and, if it loads, running must only
// ever throw liteq::Error, and a model that loads must write back to one that loads.
// Returns true if the model loaded.
bool must_not_crash(std::span<const uint8_t> bytes, const std::string& name, bool run = true) {
  std::optional<Model> m;
  try {
    m.emplace(Model::from_bytes(bytes, name));
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << "message does not name the file: " << e.what();
    return false;
  } catch (const std::exception& e) {
    ADD_FAILURE() << name << ": non-liteq exception while loading: " << e.what();
    return false;
  }
  try {
    const Bytes again = m->serialize();
    Model::from_bytes(again, name + " (rewritten)");
  } catch (const std::exception& e) {
    ADD_FAILURE() << name << ": loaded, but its rewrite does not load: " << e.what();
  }
  try {
    Interpreter it(*m);
    (void)it.input_details();
    (void)it.output_details();
    // A flipped bit in a dimension makes a valid model with huge tensors, which would
    // take seconds (and gigabytes) to run: load and prepare those, but do not run them.
    if (declared_tensor_bytes(*m) > kAllocateBudget) return true;
    it.allocate_tensors();
    if (!run || it.arena_bytes() > kRunBudget) return true;
    it.invoke();
    for (const auto& d : it.output_details()) (void)it.get_tensor(d.index);
  } catch (const Error&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << name << ": non-liteq exception while running: " << e.what();
  }
  return true;
}

// --- bytes that are not a model ----------------------------------------------------------

TEST(Malformed, EmptyFile) { EXPECT_TRUE(load_fails(Bytes{}, "empty")); }

TEST(Malformed, ThreeByteFile) { EXPECT_TRUE(load_fails(Bytes{'T', 'F', 'L'}, "too small")); }

TEST(Malformed, WrongFileIdentifier) {
  Bytes b = add_model().bytes();
  std::memcpy(b.data() + 4, "TFL2", 4);
  EXPECT_TRUE(load_fails(b, "TFL3"));
  std::memcpy(b.data() + 4, "\0\0\0\0", 4);
  EXPECT_TRUE(load_fails(b, "not a .tflite model"));
}

TEST(Malformed, MissingFileIsAnIoError) {
  EXPECT_TRUE(throws_error([] { Model::load("/nonexistent/liteq/model.tflite"); }, "cannot open", ErrorKind::kIo));
}

TEST(Malformed, RandomBytes) {
  for (size_t size : {8, 9, 16, 31, 64, 200, 1024, 4096}) {
    for (uint32_t seed = 0; seed < 60; ++seed) {
      std::mt19937 rng(seed * 7919 + static_cast<uint32_t>(size));
      Bytes b(size);
      for (auto& x : b) x = static_cast<uint8_t>(rng());
      const std::string name = fmt::format("random_{}_{}", size, seed);
      EXPECT_TRUE(throws_error([&] { Model::from_bytes(b, name); }, name)) << name;
      // With the right identifier and a root offset inside the file, the verifier has
      // to do the work.
      if (size >= 16) {
        std::memcpy(b.data() + 4, "TFL3", 4);
        const uint32_t root = 8 + 4 * (rng() % ((size - 8) / 4));
        std::memcpy(b.data(), &root, 4);
        EXPECT_TRUE(throws_error([&] { Model::from_bytes(b, name); }, name)) << name << " with identifier";
      }
    }
  }
}

// --- truncation and bit flips -----------------------------------------------------------

void check_truncations(const Bytes& full, const std::string& what, bool strict) {
  std::vector<size_t> lengths;
  for (size_t n = 0; n < std::min<size_t>(64, full.size()); ++n) lengths.push_back(n);
  for (int k = 1; k < 50; ++k) lengths.push_back(full.size() * k / 50);
  lengths.push_back(full.size() - 1);
  for (size_t n : lengths) {
    // A copy of exactly n bytes, so that reading past it is an ASan error.
    const Bytes cut(full.begin(), full.begin() + n);
    const std::string name = fmt::format("{}[0:{}]", what, n);
    if (strict) {
      EXPECT_TRUE(throws_error([&] { Model::from_bytes(cut, name); }, name)) << name;
    } else {
      must_not_crash(cut, name);
    }
  }
}

TEST(Malformed, TruncatedSyntheticModels) {
  check_truncations(kitchen_sink_model().bytes(), "kitchen_sink", true);
  check_truncations(small_cnn_model().bytes(), "small_cnn", true);
  io::WriteOptions large;
  large.external_buffers_threshold = 16;
  check_truncations(small_cnn_model().bytes(large), "small_cnn_large", true);
}

TEST(Malformed, TruncatedRealModel) {
  LITEQ_MODEL_OR_SKIP(path, "face_detection_short_range");
  const Bytes full = io::read_file(path);
  // TFLite's own files may end in padding no field refers to; every cut must fail or
  // (for such padding only) load, never crash.
  check_truncations(full, "face_detection_short_range", false);
  EXPECT_TRUE(throws_error([&] { Model::from_bytes(Bytes(full.begin(), full.begin() + full.size() / 2), "half"); }, "half"));
}

void check_bit_flips(const Bytes& good, const std::string& what, size_t max_flips, uint32_t seed) {
  std::vector<size_t> bits;
  if (good.size() * 8 <= max_flips) {
    for (size_t i = 0; i < good.size() * 8; ++i) bits.push_back(i);
  } else {
    std::mt19937 rng(seed);
    for (size_t i = 0; i < max_flips; ++i) bits.push_back(rng() % (good.size() * 8));
  }
  size_t loaded = 0;
  Bytes b = good;
  for (size_t bit : bits) {
    b[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    loaded += must_not_crash(b, fmt::format("{} bit {}", what, bit));
    b[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    if (::testing::Test::HasFailure()) break;
  }
  // Flips in weights and in some scalar fields leave a valid model.
  EXPECT_GT(loaded, 0u) << what;
  EXPECT_LT(loaded, bits.size()) << what;
}

TEST(Malformed, BitFlipsEveryBitOfSmallModels) {
  check_bit_flips(add_model().bytes(), "add", 100000, 0);
  check_bit_flips(small_cnn_model().bytes(), "small_cnn", 100000, 0);
}

TEST(Malformed, BitFlipsKitchenSink) { check_bit_flips(kitchen_sink_model().bytes(), "kitchen_sink", 6000, 1); }

TEST(Malformed, BitFlipsLargeForm) {
  io::WriteOptions large;
  large.external_buffers_threshold = 16;
  check_bit_flips(small_cnn_model().bytes(large), "small_cnn_large", 4000, 2);
}

class RealModelBitFlips : public ::testing::TestWithParam<std::string> {};

TEST_P(RealModelBitFlips, LoadOrFailCleanly) {
  LITEQ_MODEL_OR_SKIP(path, GetParam());
  const Bytes good = io::read_file(path);
  // Most flips go to the first fifth of the file, where TFLite's converter puts the
  // tables (the weights come last); some go anywhere.
  std::mt19937 rng(3);
  Bytes b = good;
  size_t loaded = 0;
  for (int i = 0; i < 400; ++i) {
    const size_t span = (i % 4 == 0) ? good.size() : std::max<size_t>(good.size() / 5, 64);
    const size_t bit = rng() % (span * 8);
    b[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    // Running a real model takes ~100 ms: run one in eight, prepare all.
    loaded += must_not_crash(b, fmt::format("{} bit {}", GetParam(), bit), i % 8 == 0);
    b[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    if (::testing::Test::HasFailure()) break;
  }
  EXPECT_GT(loaded, 0u);
}

// A custom op (Convolution2DTransposeBias) and a sparse model (DENSIFY).
INSTANTIATE_TEST_SUITE_P(Assets, RealModelBitFlips,
                         ::testing::Values("selfie_segmentation", "face_detection_full_range_sparse"),
                         [](const auto& info) { return info.param; });

// --- structurally valid flatbuffers with wrong contents ---------------------------------

TEST(Malformed, SchemaVersion) {
  auto b = add_model();
  b.model().version = 2;
  EXPECT_TRUE(load_fails(b, "schema version 2"));
  b.model().version = 4;
  EXPECT_TRUE(load_fails(b, "schema version 4"));
}

TEST(Malformed, NoSubgraphs) {
  auto b = add_model();
  b.model().subgraphs.clear();
  EXPECT_TRUE(load_fails(b, "no subgraphs"));
}

TEST(Malformed, TensorBufferIndexOutOfRange) {
  auto b = add_model();
  b.tensor(1).buffer = 99;
  EXPECT_TRUE(load_fails(b, "buffer index 99 out of range"));
}

TEST(Malformed, OperatorTensorIndexOutOfRange) {
  {
    auto b = add_model();
    b.op(0).inputs[1] = 42;
    EXPECT_TRUE(load_fails(b, "input 1 refers to tensor 42"));
  }
  {
    auto b = add_model();
    b.op(0).inputs[0] = -7;
    EXPECT_TRUE(load_fails(b, "refers to tensor -7"));
  }
  {
    auto b = add_model();
    b.op(0).outputs[0] = 3;
    EXPECT_TRUE(load_fails(b, "output 0 refers to tensor 3"));
  }
  {
    auto b = add_model();
    b.op(0).intermediates = {1000};
    EXPECT_TRUE(load_fails(b, "intermediate 0 refers to tensor 1000"));
  }
}

TEST(Malformed, SubgraphInputOutputIndexOutOfRange) {
  {
    auto b = add_model();
    b.set_inputs({0, 17});
    EXPECT_TRUE(load_fails(b, "an input refers to tensor 17"));
  }
  {
    auto b = add_model();
    b.set_outputs({-1});
    EXPECT_TRUE(load_fails(b, "an output refers to tensor -1"));
  }
  {
    auto b = add_model();
    b.set_outputs({3});
    EXPECT_TRUE(load_fails(b, "an output refers to tensor 3"));
  }
}

TEST(Malformed, OpcodeIndexOutOfRange) {
  auto b = add_model();
  b.op(0).opcode_index = 7;
  EXPECT_TRUE(load_fails(b, "opcode_index 7 out of range"));
}

TEST(Malformed, NegativeDimension) {
  auto b = add_model();
  b.tensor(2).shape = {1, -4};
  EXPECT_TRUE(load_fails(b, "negative dimension"));
}

TEST(Malformed, AbsurdDimensions) {
  auto b = add_model();
  b.tensor(2).shape = {1 << 30, 1 << 30, 1 << 30};  // the product overflows int64
  EXPECT_TRUE(load_fails(b, "too many elements"));
  b.tensor(2).shape = {1 << 30, 1 << 30};  // 2^60: fits, but absurd
  EXPECT_TRUE(load_fails(b, "too many elements"));
  b.tensor(2).shape = std::vector<int32_t>(40, 1);
  EXPECT_TRUE(load_fails(b, "rank 40"));
}

TEST(Malformed, ShapeSignatureDisagrees) {
  auto b = add_model();
  b.tensor(0).shape_signature = {-1, 5};
  EXPECT_TRUE(load_fails(b, "shape_signature"));
  b.tensor(0).shape_signature = {-1};
  EXPECT_TRUE(load_fails(b, "differ in rank"));
}

TEST(Malformed, ConstantSizeDisagreesWithShape) {
  {
    auto b = add_model();
    b.buffer(b.tensor(1).buffer).data.resize(12);  // [1, 4] float32 needs 16
    EXPECT_TRUE(load_fails(b, "constant data is 12 bytes"));
  }
  {
    auto b = add_model();
    b.tensor(1).type = TT::INT64;  // 16 bytes of data for 4 int64
    EXPECT_TRUE(load_fails(b, "needs 32"));
  }
}

TEST(Malformed, UnknownTensorType) {
  auto b = add_model();
  b.tensor(2).type = static_cast<TT>(99);
  EXPECT_TRUE(load_fails(b, "unknown tensor type 99"));
}

TEST(Malformed, PerAxisQuantization) {
  {
    auto b = kitchen_sink_model();  // tensor 1: int8 [3, 4], 3 scales on dimension 0
    b.tensor(1).quantization->scale = {0.5f, 0.25f};
    b.tensor(1).quantization->zero_point = {0, 0};
    EXPECT_TRUE(load_fails(b, "2 per-axis scales, but dimension 0 has size 3"));
  }
  {
    auto b = kitchen_sink_model();
    b.tensor(1).quantization->quantized_dimension = 2;
    EXPECT_TRUE(load_fails(b, "quantized_dimension 2 out of range"));
  }
  {
    auto b = kitchen_sink_model();
    b.tensor(1).quantization->quantized_dimension = -1;
    EXPECT_TRUE(load_fails(b, "quantized_dimension -1 out of range"));
  }
  {
    auto b = kitchen_sink_model();
    b.tensor(1).quantization->quantized_dimension = 1;  // size 4, 3 scales
    EXPECT_TRUE(load_fails(b, "3 per-axis scales, but dimension 1 has size 4"));
  }
  {
    auto b = kitchen_sink_model();
    b.tensor(1).quantization->zero_point = {0, 0};
    EXPECT_TRUE(load_fails(b, "3 scales but 2 zero points"));
  }
  {
    auto b = kitchen_sink_model();
    b.tensor(1).quantization->scale[1] = std::numeric_limits<float>::quiet_NaN();
    EXPECT_TRUE(load_fails(b, "not a finite number"));
  }
  {
    auto b = kitchen_sink_model();
    b.tensor(1).quantization->zero_point[0] = int64_t{1} << 40;
    EXPECT_TRUE(load_fails(b, "zero point 1099511627776 is out of range"));
  }
}

TEST(Malformed, Sparsity) {
  auto sparse_index = [](ModelBuilder& b) {
    for (size_t i = 0; i < b.subgraph().tensors.size(); ++i)
      if (b.tensor(static_cast<int>(i)).sparsity) return static_cast<int>(i);
    return -1;
  };
  {
    auto b = kitchen_sink_model();
    b.tensor(sparse_index(b)).sparsity->traversal_order = {0, 0};
    EXPECT_TRUE(load_fails(b, "not a permutation"));
  }
  {
    auto b = kitchen_sink_model();
    b.tensor(sparse_index(b)).sparsity->traversal_order = {0, 1, 2};
    EXPECT_TRUE(load_fails(b, "traversal_order has 3 entries"));
  }
  {
    auto b = kitchen_sink_model();
    b.tensor(sparse_index(b)).sparsity->dim_metadata[1]->array_indices.Reset();
    EXPECT_TRUE(load_fails(b, "SPARSE_CSR without array_segments/array_indices"));
  }
  {
    auto b = kitchen_sink_model();
    b.tensor(sparse_index(b)).sparsity->block_map = {5};
    b.tensor(sparse_index(b)).sparsity->traversal_order = {0, 1, 2};
    b.tensor(sparse_index(b)).sparsity->dim_metadata.push_back(std::make_unique<tflite::DimensionMetadataT>());
    EXPECT_TRUE(load_fails(b, "block_map refers to dimension 5"));
  }
}

TEST(Malformed, ReadBeforeProduced) {
  {
    // The operators of small_cnn in the wrong order.
    auto b = small_cnn_model();
    std::swap(b.subgraph().operators[1], b.subgraph().operators[2]);
    EXPECT_TRUE(load_fails(b, "before any operator produces it"));
  }
  {
    // A cycle: t1 = ADD(x, t2); t2 = ADD(t1, x).
    ModelBuilder b;
    const int x = b.add_input("x", TT::FLOAT32, {2});
    const int t1 = b.add_tensor("t1", TT::FLOAT32, {2});
    const int t2 = b.add_tensor("t2", TT::FLOAT32, {2});
    b.add_op(BO::ADD, {x, t2}, {t1});
    b.add_op(BO::ADD, {t1, x}, {t2});
    b.set_outputs({t2});
    EXPECT_TRUE(load_fails(b, "reads tensor 2 't2' before any operator produces it"));
  }
  {
    // An output nothing produces.
    auto b = add_model();
    const int orphan = b.add_tensor("orphan", TT::FLOAT32, {1});
    b.set_outputs({orphan});
    EXPECT_TRUE(load_fails(b, "'orphan' is never produced"));
  }
}

TEST(Malformed, TwoProducersOfOneTensor) {
  auto b = add_model();
  b.add_op(BO::ADD, {0, 1}, {2}, tflite::AddOptionsT{});
  EXPECT_TRUE(load_fails(b, "which another operator also produces"));
}

TEST(Malformed, OperatorWritesAConstantOrAnInput) {
  {
    auto b = add_model();
    b.op(0).outputs = {1};
    b.set_outputs({1});
    EXPECT_TRUE(load_fails(b, "which is a constant"));
  }
  {
    auto b = add_model();
    b.op(0).outputs = {0};
    b.set_outputs({0});
    EXPECT_TRUE(load_fails(b, "which is an input of the subgraph"));
  }
}

TEST(Malformed, CustomOpWithoutCustomCode) {
  auto b = add_model();
  b.add_custom_op("", {2}, {b.add_tensor("z", TT::FLOAT32, {1, 4})});
  EXPECT_TRUE(load_fails(b, "CUSTOM without a custom_code"));
}

TEST(Malformed, NegativeBuiltinCode) {
  auto b = add_model();
  b.model().operator_codes[0]->builtin_code = static_cast<BO>(-3);
  b.model().operator_codes[0]->deprecated_builtin_code = -3;
  EXPECT_TRUE(load_fails(b, "invalid builtin code -3"));
}

TEST(Malformed, MetadataAndSignatureIndices) {
  {
    auto b = kitchen_sink_model();
    b.model().metadata[0]->buffer = 500;
    EXPECT_TRUE(load_fails(b, "metadata 0 refers to a buffer out of range"));
  }
  {
    auto b = kitchen_sink_model();
    b.model().metadata_buffer = {-2};
    EXPECT_TRUE(load_fails(b, "metadata_buffer 0 refers to buffer -2"));
  }
  {
    auto b = kitchen_sink_model();
    b.model().signature_defs[0]->subgraph_index = 9;
    EXPECT_TRUE(load_fails(b, "signature_def 0 refers to a subgraph out of range"));
  }
  {
    auto b = kitchen_sink_model();
    b.model().signature_defs[0]->outputs[0]->tensor_index = 1000;
    EXPECT_TRUE(load_fails(b, "maps a name to a tensor out of range"));
  }
}

TEST(Malformed, MutatingVariableInputsLength) {
  auto b = kitchen_sink_model();
  b.op(1).mutating_variable_inputs = {true};
  EXPECT_TRUE(load_fails(b, "mutating_variable_inputs has 1 entries for 3 inputs"));
}

// --- the large-model form: offsets into the file -----------------------------------------

Bytes large_form(const ModelBuilder& b) {
  io::WriteOptions opts;
  opts.external_buffers_threshold = 0;
  return b.bytes(opts);
}

// Rewrites the offset and size fields of buffer `index` of a large-form file in place
// (both fields are present there, so the flatbuffer keeps its layout).
Bytes patch_buffer(const Bytes& file, size_t index, uint64_t offset, uint64_t size) {
  Bytes out = file;
  const auto* buf = tflite::GetModel(out.data())->buffers()->Get(static_cast<flatbuffers::uoffset_t>(index));
  auto* table = reinterpret_cast<flatbuffers::Table*>(const_cast<tflite::Buffer*>(buf));
  EXPECT_TRUE(table->SetField<uint64_t>(tflite::Buffer::VT_OFFSET, offset, 0));
  EXPECT_TRUE(table->SetField<uint64_t>(tflite::Buffer::VT_SIZE, size, 0));
  return out;
}

TEST(Malformed, ExternalBufferPastTheEnd) {
  const auto b = small_cnn_model();
  const Bytes file = large_form(b);
  const auto* raw = tflite::GetModel(file.data());
  const auto* b1 = raw->buffers()->Get(1);
  ASSERT_GT(b1->offset(), 1u);
  EXPECT_TRUE(load_fails(patch_buffer(file, 1, b1->offset(), file.size()), "points past the end of the file"));
  EXPECT_TRUE(load_fails(patch_buffer(file, 1, file.size() + 16, 4), "points past the end of the file"));
  EXPECT_TRUE(load_fails(patch_buffer(file, 1, UINT64_MAX - 3, 8), "points past the end of the file"));
  // The data of a buffer cut short by truncation.
  EXPECT_TRUE(load_fails(Bytes(file.begin(), file.end() - 1), "points past the end of the file"));
}

TEST(Malformed, ExternalBuffersOverlapping) {
  // Every buffer pointing at the same bytes: each alone is in range, together they
  // would copy more than the file holds (an expansion attack).
  ModelBuilder b;
  const int x = b.add_input("x", TT::FLOAT32, {256});
  std::vector<int> consts;
  for (int i = 0; i < 8; ++i) consts.push_back(b.add_const<float>(fmt::format("c{}", i), {256}, std::vector<float>(256, 1.0f)));
  b.set_outputs({x});
  Bytes file = large_form(b);
  const auto* raw = tflite::GetModel(file.data());
  const uint64_t off = raw->buffers()->Get(1)->offset();
  ASSERT_EQ(file.size(), off + 8 * 1024);
  for (size_t i = 1; i <= 8; ++i) file = patch_buffer(file, i, off, 8 * 1024);
  EXPECT_TRUE(load_fails(file, "overlap"));
}

TEST(Malformed, InlineAndExternalData) {
  auto b = add_model();
  b.buffer(1).offset = 64;
  b.buffer(1).size = 16;
  EXPECT_TRUE(load_fails(b, "has both inline data and an offset"));
}

// --- hostile flatbuffers that share tables and vectors -----------------------------------

TEST(Malformed, SharedVectorExpansion) {
  // 1000 tensors whose names point at the same 64 KB string: 64 MB once unpacked.
  flatbuffers::FlatBufferBuilder fbb;
  const auto name = fbb.CreateString(std::string(64 * 1024, 'n'));
  std::vector<int32_t> shape = {1};
  const auto shape_off = fbb.CreateVector(shape);
  std::vector<flatbuffers::Offset<tflite::Tensor>> tensors;
  for (int i = 0; i < 1000; ++i) tensors.push_back(tflite::CreateTensor(fbb, shape_off, TT::FLOAT32, 0, name));
  std::vector<int32_t> io = {0};
  std::vector<flatbuffers::Offset<tflite::SubGraph>> sgs = {
      tflite::CreateSubGraph(fbb, fbb.CreateVector(tensors), fbb.CreateVector(io), fbb.CreateVector(io))};
  std::vector<flatbuffers::Offset<tflite::Buffer>> buffers = {tflite::CreateBuffer(fbb)};
  fbb.Finish(tflite::CreateModel(fbb, 3, 0, fbb.CreateVector(sgs), 0, fbb.CreateVector(buffers)), tflite::ModelIdentifier());
  const Bytes bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  EXPECT_LT(bytes.size(), 100'000u);
  EXPECT_TRUE(load_fails(bytes, "referenced many times over"));
}

TEST(Malformed, SharedTableExpansion) {
  // 1000 references to one subgraph whose 1000 tensors are one table: a million tables
  // to verify and unpack, from a file of a few kilobytes.
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<int32_t> shape = {1, 2, 3, 4};
  const auto t = tflite::CreateTensor(fbb, fbb.CreateVector(shape), TT::FLOAT32, 0, fbb.CreateString("t"));
  std::vector<flatbuffers::Offset<tflite::Tensor>> tensors(1000, t);
  std::vector<int32_t> io = {0};
  const auto sg = tflite::CreateSubGraph(fbb, fbb.CreateVector(tensors), fbb.CreateVector(io), fbb.CreateVector(io));
  std::vector<flatbuffers::Offset<tflite::SubGraph>> sgs(1000, sg);
  std::vector<flatbuffers::Offset<tflite::Buffer>> buffers = {tflite::CreateBuffer(fbb)};
  fbb.Finish(tflite::CreateModel(fbb, 3, 0, fbb.CreateVector(sgs), 0, fbb.CreateVector(buffers)), tflite::ModelIdentifier());
  const Bytes bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  EXPECT_LT(bytes.size(), 10'000u);
  EXPECT_TRUE(load_fails(bytes, "corrupt"));
}

TEST(Malformed, MisalignedInt64Vector) {
  // The verifier checks a vector's 4-byte length field only; point zero_point (int64)
  // at a length field whose elements then sit at 4 mod 8.
  flatbuffers::FlatBufferBuilder fbb;
  fbb.CreateVector(std::vector<int64_t>{0});  // makes the buffer 8-byte aligned overall
  const auto words = fbb.CreateVector(std::vector<uint32_t>{5, 1, 1, 7, 0, 0}).o;
  // Builder offsets count from the end of the buffer: o - 4 and o - 8 are the 2nd and 3rd
  // words, both "length 1"; elements of one of them are misaligned.
  const flatbuffers::uoffset_t inner = (words - 4) % 8 != 4 ? words - 4 : words - 8;
  const auto scale = fbb.CreateVector(std::vector<float>{0.5f});
  tflite::QuantizationParametersBuilder qb(fbb);
  qb.add_scale(scale);
  qb.add_zero_point(flatbuffers::Offset<flatbuffers::Vector<int64_t>>(inner));
  const auto q = qb.Finish();
  std::vector<int32_t> shape = {1}, io = {0};
  std::vector<flatbuffers::Offset<tflite::Tensor>> tensors = {
      tflite::CreateTensor(fbb, fbb.CreateVector(shape), TT::INT8, 0, fbb.CreateString("x"), q)};
  std::vector<flatbuffers::Offset<tflite::SubGraph>> sgs = {
      tflite::CreateSubGraph(fbb, fbb.CreateVector(tensors), fbb.CreateVector(io), fbb.CreateVector(io))};
  std::vector<flatbuffers::Offset<tflite::Buffer>> buffers = {tflite::CreateBuffer(fbb)};
  fbb.Finish(tflite::CreateModel(fbb, 3, 0, fbb.CreateVector(sgs), 0, fbb.CreateVector(buffers)), tflite::ModelIdentifier());
  const Bytes bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  ASSERT_EQ(bytes.size() % 8, 0u);
  flatbuffers::Verifier v(bytes.data(), bytes.size());
  ASSERT_TRUE(tflite::VerifyModelBuffer(v)) << "the flatbuffer verifier accepts it";
  EXPECT_TRUE(load_fails(bytes, "not 8-byte aligned"));
}

// --- valid models the interpreter cannot or must not run ---------------------------------

TEST(Malformed, UnknownBuiltinCodeIsUnsupported) {
  auto b = add_model();
  b.op(0).builtin_options.Reset();
  b.model().operator_codes[0]->builtin_code = static_cast<BO>(250);
  b.model().operator_codes[0]->deprecated_builtin_code = 127;
  const Model m = b.load();
  EXPECT_TRUE(throws_error([&] { Interpreter it(m); }, "BUILTIN_250 (operator 0)", ErrorKind::kUnsupported));
}

TEST(Malformed, KnownOpWithoutKernelIsUnsupported) {
  ModelBuilder b;
  const int x = b.add_input("x", TT::FLOAT32, {1, 2, 4});
  const int y = b.add_tensor("y", TT::FLOAT32, {1, 2, 3});
  const int z = b.add_tensor("z", TT::FLOAT32, {1, 3});
  b.add_op(BO::UNIDIRECTIONAL_SEQUENCE_LSTM, {x}, {y});
  b.add_op(BO::LSTM, {x}, {z}, tflite::LSTMOptionsT{});
  b.set_outputs({y, z});
  const Model m = b.load();
  try {
    Interpreter it(m);
    FAIL() << "expected kUnsupported";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    const std::string msg = e.what();
    // Every unsupported op is listed, not just the first.
    EXPECT_NE(msg.find("UNIDIRECTIONAL_SEQUENCE_LSTM (operator 0)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("LSTM (operator 1)"), std::string::npos) << msg;
  }
}

TEST(Malformed, CustomOpWithoutKernelIsUnsupported) {
  auto b = add_model();
  b.add_custom_op("NoSuchCustomOp", {2}, {b.add_tensor("z", TT::FLOAT32, {1, 4})});
  b.set_outputs({3});
  const Model m = b.load();
  EXPECT_TRUE(throws_error([&] { Interpreter it(m); }, "NoSuchCustomOp (operator 1)", ErrorKind::kUnsupported));
}

TEST(Malformed, WrongInputCountFailsAtAllocateNamingTheOp) {
  auto b = add_model();
  b.op(0).inputs = {0};  // ADD with one input
  const Model m = b.load();
  Interpreter it(m);
  try {
    it.allocate_tensors();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("ADD (operator 0)"), std::string::npos) << msg;
    if (msg.find("not implemented yet") == std::string::npos) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel) << msg;
      EXPECT_NE(msg.find("input"), std::string::npos) << msg;
    }
  }
  // invoke() allocates too and must fail the same way, not run a half-prepared graph.
  EXPECT_TRUE(throws_error([&] { it.invoke(); }, "ADD (operator 0)"));
}

TEST(Malformed, OptionsOfTheWrongType) {
  auto b = add_model();
  b.op(0).builtin_options.Set(tflite::Conv2DOptionsT{});
  const Model m = b.load();
  EXPECT_TRUE(throws_error([&] { Interpreter it(m); }, "builtin options are Conv2DOptions, expected AddOptions"));
}

TEST(Malformed, AbsentOutputIsRejected) {
  auto b = add_model();
  b.op(0).outputs = {2, -1};
  const Model m = b.load();
  EXPECT_TRUE(throws_error([&] { Interpreter it(m); }, "ADD (operator 0): output 1 is absent"));
}

TEST(Malformed, SparseConstantOnlyThroughDensify) {
  auto b = kitchen_sink_model();
  // Feed the sparse constant straight into an ADD.
  int sp = -1;
  for (size_t i = 0; i < b.subgraph().tensors.size(); ++i)
    if (b.tensor(static_cast<int>(i)).sparsity) sp = static_cast<int>(i);
  ModelBuilder a;
  const int x = a.add_input("x", TT::FLOAT32, {4, 4});
  const int s = a.add_const<float>("s", {4, 4}, {1.5f, -2.0f, 3.25f});
  a.tensor(s).sparsity = std::make_unique<tflite::SparsityParametersT>(*b.tensor(sp).sparsity);
  const int y = a.add_tensor("y", TT::FLOAT32, {4, 4});
  a.add_op(BO::ADD, {x, s}, {y}, tflite::AddOptionsT{});
  a.set_outputs({y});
  const Model m = a.load();
  EXPECT_TRUE(throws_error([&] { Interpreter it(m); }, "input 1 's' is a sparse constant", ErrorKind::kUnsupported));
}

// --- interpreter API misuse ---------------------------------------------------------------

TEST(ApiMisuse, SetTensor) {
  const Model m = identity_model().load();  // x: float32 [2, 3], no operators
  Interpreter it(m);
  it.allocate_tensors();
  const Bytes data(24, 0);
  auto bad = [&](DType t, std::vector<int32_t> shape, size_t n, const std::string& needle, int index = 0) {
    return throws_error([&] { it.set_tensor(index, t, shape, std::span<const uint8_t>(data.data(), n)); }, needle,
                        ErrorKind::kInvalidArgument);
  };
  EXPECT_TRUE(bad(DType::kInt32, {2, 3}, 24, "expects float32, got int32"));
  EXPECT_TRUE(bad(DType::kFloat32, {3, 2}, 24, "expects shape [2, 3], got [3, 2]"));
  EXPECT_TRUE(bad(DType::kFloat32, {2, 3, 1}, 24, "expects shape [2, 3], got [2, 3, 1]"));
  EXPECT_TRUE(bad(DType::kFloat32, {2, 3}, 20, "expects 24 bytes, got 20"));
  EXPECT_TRUE(bad(DType::kFloat32, {2, 3}, 0, "expects 24 bytes, got 0"));
  EXPECT_TRUE(bad(DType::kFloat32, {2, 3}, 24, "tensor index 1 out of range", 1));
  EXPECT_TRUE(bad(DType::kFloat32, {2, 3}, 24, "tensor index -1 out of range", -1));
  EXPECT_TRUE(bad(DType::kFloat32, {2, 3}, 24, "out of range", 1 << 30));

  // The right call works, and the output (the same tensor) holds the data.
  std::vector<float> v = {1, 2, 3, 4, 5, 6};
  it.set_tensor(0, DType::kFloat32, {2, 3}, ModelBuilder::to_bytes(v));
  it.invoke();
  const auto out = it.get_tensor(it.output_details()[0].index);
  EXPECT_EQ(std::vector<float>(out.as<float>().begin(), out.as<float>().end()), v);
}

TEST(ApiMisuse, SetTensorOnNonInputs) {
  const Model m = add_model().load();  // x (input), c (constant), y (output)
  Interpreter it(m);
  const Bytes data(16, 0);
  EXPECT_TRUE(throws_error([&] { it.set_tensor(1, DType::kFloat32, {1, 4}, data); }, "tensor 1 'c' is not a model input",
                           ErrorKind::kInvalidArgument));
  EXPECT_TRUE(throws_error([&] { it.set_tensor(2, DType::kFloat32, {1, 4}, data); }, "tensor 2 'y' is not a model input",
                           ErrorKind::kInvalidArgument));
}

TEST(ApiMisuse, SetTensorOnAConstantInput) {
  auto b = add_model();
  b.set_inputs({0, 1});  // the constant c listed as an input too
  const Model m = b.load();
  Interpreter it(m);
  const Bytes data(16, 0);
  EXPECT_TRUE(throws_error([&] { it.set_tensor(1, DType::kFloat32, {1, 4}, data); }, "holds constant data",
                           ErrorKind::kInvalidArgument));
}

TEST(ApiMisuse, ResizeInput) {
  const Model m = identity_model().load();  // x: [2, 3], signature [-1, 3]
  Interpreter it(m);
  auto bad = [&](int index, std::vector<int32_t> shape, const std::string& needle, bool strict = false) {
    return throws_error([&] { it.resize_input(index, shape, strict); }, needle, ErrorKind::kInvalidArgument);
  };
  EXPECT_TRUE(bad(0, {2, 3, 1}, "cannot resize from rank 2 to rank 3"));
  EXPECT_TRUE(bad(0, {6}, "cannot resize from rank 2 to rank 1"));
  EXPECT_TRUE(bad(0, {0, 3}, "dimension 0 = 0 is not valid"));
  EXPECT_TRUE(bad(0, {2, -3}, "dimension 1 = -3 is not valid"));
  EXPECT_TRUE(bad(0, {1 << 24, 1 << 24}, "too many elements"));
  EXPECT_TRUE(bad(0, {2, 4}, "dimension 1 is fixed at 3", true));
  EXPECT_TRUE(bad(5, {2, 3}, "tensor 5 is not a model input"));
  EXPECT_TRUE(bad(-1, {2, 3}, "tensor -1 is not a model input"));
  // A failed resize leaves the interpreter usable.
  it.resize_input(0, {4, 3}, true);
  it.allocate_tensors();
  EXPECT_EQ(it.input_details()[0].shape, (std::vector<int32_t>{4, 3}));
  std::vector<float> v(12, 2.5f);
  it.set_tensor(0, DType::kFloat32, {4, 3}, ModelBuilder::to_bytes(v));
  it.invoke();
  EXPECT_EQ(it.get_tensor(0).bytes.size(), 48u);
}

TEST(ApiMisuse, GetTensorAndDetailsOutOfRange) {
  const Model m = add_model().load();
  Interpreter it(m);
  EXPECT_TRUE(throws_error([&] { it.get_tensor(3); }, "tensor index 3 out of range", ErrorKind::kInvalidArgument));
  EXPECT_TRUE(throws_error([&] { it.get_tensor(-1); }, "tensor index -1 out of range", ErrorKind::kInvalidArgument));
  EXPECT_TRUE(throws_error([&] { it.tensor_details(99); }, "tensor index 99 out of range", ErrorKind::kInvalidArgument));
  // Before allocation, a non-constant tensor has no data yet.
  EXPECT_TRUE(throws_error([&] { it.get_tensor(2); }, "has no data", ErrorKind::kInvalidArgument));
  // Constants are readable at once.
  EXPECT_EQ(it.get_tensor(1).bytes.size(), 16u);
}

}  // namespace
}  // namespace liteq::test
