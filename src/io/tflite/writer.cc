#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "io/tflite/tflite_io.h"
#include "liteq/error.h"

namespace liteq::io {
namespace {

// Pack dereferences every table pointer, and the value of every union whose type it
// knows: a model edited in memory (or built by hand) with a null there would crash the
// writer, so refuse it with a message instead.
template <typename Union, typename Enum>
void check_union(const Union& u, const std::string& what) {
  if (u.value == nullptr && u.type != Enum::NONE && static_cast<int>(u.type) <= static_cast<int>(Enum::MAX))
    fail(ErrorKind::kInvalidArgument, "cannot write the model: {} has a union type but no value", what);
}

void check_packable(const tflite::ModelT& m) {
  auto null = [](const std::string& what) {
    fail(ErrorKind::kInvalidArgument, "cannot write the model: {} is null", what);
  };
  for (size_t i = 0; i < m.operator_codes.size(); ++i)
    if (!m.operator_codes[i]) null(fmt::format("operator code {}", i));
  for (size_t i = 0; i < m.buffers.size(); ++i)
    if (!m.buffers[i]) null(fmt::format("buffer {}", i));
  for (size_t i = 0; i < m.metadata.size(); ++i)
    if (!m.metadata[i]) null(fmt::format("metadata {}", i));
  for (size_t i = 0; i < m.signature_defs.size(); ++i) {
    const auto& sd = m.signature_defs[i];
    if (!sd) null(fmt::format("signature_def {}", i));
    for (const auto* list : {&sd->inputs, &sd->outputs})
      for (const auto& tm : *list)
        if (!tm) null(fmt::format("a tensor map of signature_def {}", i));
  }
  for (size_t s = 0; s < m.subgraphs.size(); ++s) {
    const auto& g = m.subgraphs[s];
    if (!g) null(fmt::format("subgraph {}", s));
    for (size_t i = 0; i < g->tensors.size(); ++i) {
      const auto& t = g->tensors[i];
      const std::string what = fmt::format("subgraph {} tensor {}", s, i);
      if (!t) null(what);
      if (t->quantization)
        check_union<tflite::QuantizationDetailsUnion, tflite::QuantizationDetails>(t->quantization->details,
                                                                                    what + " quantization details");
      if (t->sparsity)
        for (const auto& d : t->sparsity->dim_metadata) {
          if (!d) null(what + " sparsity dim_metadata");
          check_union<tflite::SparseIndexVectorUnion, tflite::SparseIndexVector>(d->array_segments, what + " array_segments");
          check_union<tflite::SparseIndexVectorUnion, tflite::SparseIndexVector>(d->array_indices, what + " array_indices");
        }
      for (const auto& v : t->variant_tensors)
        if (!v) null(what + " variant_tensors entry");
    }
    for (size_t i = 0; i < g->operators.size(); ++i) {
      const auto& op = g->operators[i];
      const std::string what = fmt::format("subgraph {} operator {}", s, i);
      if (!op) null(what);
      check_union<tflite::BuiltinOptionsUnion, tflite::BuiltinOptions>(op->builtin_options, what + " builtin_options");
      check_union<tflite::BuiltinOptions2Union, tflite::BuiltinOptions2>(op->builtin_options_2, what + " builtin_options_2");
    }
  }
}

// tflite::Model::Pack, except that equal quantization vectors (scale, zero_point, min,
// max) are written once and shared by every tensor that has them. A flatbuffer may point
// many tables at one vector; readers (TFLite, the verifier, Netron) follow offsets and
// cannot tell. Per-channel int8 models carry an int64 zero point per channel of every
// weight and bias tensor, all zero (TFLite's loader wants as many zero points as
// scales): shared, they cost one vector per channel count instead of 16 bytes per
// channel (about 9 % of a MediaPipe model's int8 file).
class DedupPacker {
 public:
  explicit DedupPacker(flatbuffers::FlatBufferBuilder& fbb) : fbb_(fbb) {}

  flatbuffers::Offset<tflite::Model> model(const tflite::ModelT& m) {
    const auto* rh = static_cast<const flatbuffers::rehasher_function_t*>(nullptr);
    std::vector<flatbuffers::Offset<tflite::OperatorCode>> codes;
    for (const auto& c : m.operator_codes) codes.push_back(tflite::CreateOperatorCode(fbb_, c.get(), rh));
    std::vector<flatbuffers::Offset<tflite::SubGraph>> graphs;
    for (const auto& g : m.subgraphs) graphs.push_back(subgraph(*g));
    auto description = m.description.empty() ? 0 : fbb_.CreateString(m.description);
    std::vector<flatbuffers::Offset<tflite::Buffer>> buffers;
    for (const auto& b : m.buffers) buffers.push_back(tflite::CreateBuffer(fbb_, b.get(), rh));
    std::vector<flatbuffers::Offset<tflite::Metadata>> metadata;
    for (const auto& md : m.metadata) metadata.push_back(tflite::CreateMetadata(fbb_, md.get(), rh));
    std::vector<flatbuffers::Offset<tflite::SignatureDef>> sigs;
    for (const auto& sd : m.signature_defs) sigs.push_back(tflite::CreateSignatureDef(fbb_, sd.get(), rh));
    return tflite::CreateModel(fbb_, m.version, vec(codes), vec(graphs), description, vec(buffers), vec(m.metadata_buffer),
                               vec(metadata), vec(sigs));
  }

 private:
  template <typename T> flatbuffers::Offset<flatbuffers::Vector<T>> vec(const std::vector<T>& v) {
    return v.empty() ? 0 : fbb_.CreateVector(v);
  }
  template <typename T, typename Cache>
  flatbuffers::Offset<flatbuffers::Vector<T>> shared(const std::vector<T>& v, Cache& cache) {
    if (v.empty()) return 0;
    auto [it, added] = cache.try_emplace(v);
    if (added) it->second = fbb_.CreateVector(v);
    return it->second;
  }

  flatbuffers::Offset<tflite::SubGraph> subgraph(const tflite::SubGraphT& g) {
    const auto* rh = static_cast<const flatbuffers::rehasher_function_t*>(nullptr);
    std::vector<flatbuffers::Offset<tflite::Tensor>> tensors;
    for (const auto& t : g.tensors) tensors.push_back(tensor(*t));
    std::vector<flatbuffers::Offset<tflite::Operator>> ops;
    for (const auto& op : g.operators) ops.push_back(tflite::CreateOperator(fbb_, op.get(), rh));
    auto name = g.name.empty() ? 0 : fbb_.CreateString(g.name);
    return tflite::CreateSubGraph(fbb_, vec(tensors), vec(g.inputs), vec(g.outputs), vec(ops), name);
  }

  // Field for field tflite::CreateTensor(fbb, const TensorT*), with quantization() below.
  flatbuffers::Offset<tflite::Tensor> tensor(const tflite::TensorT& t) {
    const auto* rh = static_cast<const flatbuffers::rehasher_function_t*>(nullptr);
    auto shape = vec(t.shape);
    auto name = t.name.empty() ? 0 : fbb_.CreateString(t.name);
    auto quant = t.quantization ? quantization(*t.quantization) : 0;
    auto sparsity = t.sparsity ? tflite::CreateSparsityParameters(fbb_, t.sparsity.get(), rh) : 0;
    auto signature = vec(t.shape_signature);
    std::vector<flatbuffers::Offset<tflite::VariantSubType>> variants;
    for (const auto& v : t.variant_tensors) variants.push_back(tflite::CreateVariantSubType(fbb_, v.get(), rh));
    return tflite::CreateTensor(fbb_, shape, t.type, t.buffer, name, quant, t.is_variable, sparsity, signature, t.has_rank,
                                vec(variants));
  }

  // Field for field tflite::CreateQuantizationParameters, the four vectors shared.
  flatbuffers::Offset<tflite::QuantizationParameters> quantization(const tflite::QuantizationParametersT& q) {
    auto min = shared(q.min, floats_);
    auto max = shared(q.max, floats_);
    auto scale = shared(q.scale, floats_);
    auto zero_point = shared(q.zero_point, int64s_);
    auto details = q.details.Pack(fbb_);
    return tflite::CreateQuantizationParameters(fbb_, min, max, scale, zero_point, q.details.type, details,
                                                q.quantized_dimension);
  }

  flatbuffers::FlatBufferBuilder& fbb_;
  // Keyed by the values' bits (std::map compares floats by value: -0 == 0, NaN breaks it).
  struct BitsLess {
    bool operator()(const std::vector<float>& a, const std::vector<float>& b) const {
      if (a.size() != b.size()) return a.size() < b.size();
      return std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) < 0;
    }
  };
  std::map<std::vector<float>, flatbuffers::Offset<flatbuffers::Vector<float>>, BitsLess> floats_;
  std::map<std::vector<int64_t>, flatbuffers::Offset<flatbuffers::Vector<int64_t>>> int64s_;
};

std::vector<uint8_t> pack_model(const tflite::ModelT& m) {
  flatbuffers::FlatBufferBuilder fbb(1 << 20);
  fbb.Finish(DedupPacker(fbb).model(m), tflite::ModelIdentifier());
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

}  // namespace

std::vector<uint8_t> write_tflite(const tflite::ModelT& m, const WriteOptions& opts) {
  check_packable(m);
  uint64_t total = 0;
  for (const auto& b : m.buffers) total += b ? b->data.size() : 0;
  if (total <= opts.external_buffers_threshold) {
    return pack_model(m);
  }
  // Large model: buffer data goes after the flatbuffer, 16-byte aligned, referenced by
  // offset/size from the start of the file. The data is moved out of the model while the
  // flatbuffer is packed and moved back afterwards (the model is unchanged on return).
  auto& mm = const_cast<tflite::ModelT&>(m);
  std::vector<std::vector<uint8_t>> data(mm.buffers.size());
  struct Restore {
    tflite::ModelT& m;
    std::vector<std::vector<uint8_t>>& data;
    ~Restore() {
      for (size_t i = 0; i < m.buffers.size(); ++i) {
        m.buffers[i]->data.swap(data[i]);
        m.buffers[i]->offset = 0;
        m.buffers[i]->size = 0;
      }
    }
  } restore{mm, data};
  for (size_t i = 0; i < mm.buffers.size(); ++i) data[i].swap(mm.buffers[i]->data);
  auto layout = [&](uint64_t pos) {
    for (size_t i = 0; i < mm.buffers.size(); ++i) {
      auto& b = *mm.buffers[i];
      b.offset = b.size = 0;
      if (data[i].empty()) continue;
      pos = (pos + 15) / 16 * 16;
      b.offset = pos;
      b.size = data[i].size();
      pos += data[i].size();
    }
  };
  auto pack = [&] { return pack_model(mm); };
  // Pass 1 with placeholder offsets: the same fields are present, so the size is final.
  layout(uint64_t{1} << 32);
  const uint64_t start = (pack().size() + 15) / 16 * 16;
  layout(start);
  std::vector<uint8_t> out = pack();
  if (out.size() > start) fail(ErrorKind::kInternal, "large-model layout changed size between passes");
  for (size_t i = 0; i < mm.buffers.size(); ++i) {
    if (data[i].empty()) continue;
    out.resize(mm.buffers[i]->offset, 0);
    out.insert(out.end(), data[i].begin(), data[i].end());
  }
  return out;
}

void write_file_atomic(const std::string& path, std::span<const uint8_t> bytes,
                       const std::string& forbidden) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!forbidden.empty() && fs::exists(path, ec) && fs::exists(forbidden, ec) &&
      fs::equivalent(path, forbidden, ec))
    fail(ErrorKind::kInvalidArgument, "{}: refusing to overwrite the input file; choose another output path", path);
  const fs::path p(path);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec))
    fail(ErrorKind::kIo, "{}: folder {} does not exist", path, dir.string());
  std::string tmpl = (dir / fmt::format(".{}.tmpXXXXXX", p.filename().string())).string();
  const int fd = mkstemp(tmpl.data());
  if (fd < 0) fail(ErrorKind::kIo, "{}: cannot create a temporary file in {} ({})", path, dir.string(), std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmpl.c_str());
      fail(ErrorKind::kIo, "{}: write failed ({})", path, std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmpl.c_str());
    fail(ErrorKind::kIo, "{}: write failed ({})", path, std::strerror(errno));
  }
  ::chmod(tmpl.c_str(), 0644);
  if (std::rename(tmpl.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmpl.c_str());
    fail(ErrorKind::kIo, "{}: cannot rename the temporary file into place ({})", path, std::strerror(err));
  }
}

}  // namespace liteq::io
