#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

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

}  // namespace

std::vector<uint8_t> write_tflite(const tflite::ModelT& m, const WriteOptions& opts) {
  check_packable(m);
  uint64_t total = 0;
  for (const auto& b : m.buffers) total += b ? b->data.size() : 0;
  if (total <= opts.external_buffers_threshold) {
    flatbuffers::FlatBufferBuilder fbb(1 << 20);
    fbb.Finish(tflite::Model::Pack(fbb, &m), tflite::ModelIdentifier());
    return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
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
  auto pack = [&] {
    flatbuffers::FlatBufferBuilder fbb(1 << 20);
    fbb.Finish(tflite::Model::Pack(fbb, &mm), tflite::ModelIdentifier());
    return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  };
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
