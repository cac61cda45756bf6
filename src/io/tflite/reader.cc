#include <cstring>
#include <fstream>
#include <limits>

#include "io/tflite/tflite_io.h"
#include "liteq/error.h"

namespace liteq::io {

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) fail(ErrorKind::kIo, "{}: cannot open file ({})", path, std::strerror(errno));
  const std::streamoff size = f.tellg();
  if (size < 0) fail(ErrorKind::kIo, "{}: cannot read file size", path);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  f.seekg(0);
  if (size > 0 && !f.read(reinterpret_cast<char*>(bytes.data()), size))
    fail(ErrorKind::kIo, "{}: read failed", path);
  return bytes;
}

std::shared_ptr<ir::ModelData> read_tflite(std::span<const uint8_t> bytes, const std::string& name) {
  if (bytes.empty()) fail(ErrorKind::kInvalidModel, "{}: file is empty, not a .tflite model", name);
  if (bytes.size() < 8)
    fail(ErrorKind::kInvalidModel, "{}: file is {} bytes, too small for a .tflite model", name,
         bytes.size());
  if (!tflite::ModelBufferHasIdentifier(bytes.data()))
    fail(ErrorKind::kInvalidModel,
         "{}: not a .tflite model (the file identifier at byte 4 is not \"TFL3\")", name);
  // The flatbuffer itself is at most 2 GB; buffers of larger models follow it.
  const size_t fb_size = std::min<size_t>(bytes.size(), FLATBUFFERS_MAX_BUFFER_SIZE - 1);
  flatbuffers::Verifier::Options vopts;
  vopts.max_depth = 128;
  vopts.max_tables = 100'000'000;
  vopts.check_alignment = true;
  flatbuffers::Verifier verifier(bytes.data(), fb_size, vopts);
  if (!tflite::VerifyModelBuffer(verifier))
    fail(ErrorKind::kInvalidModel,
         "{}: the flatbuffer is corrupt (verification failed: truncated file, or an offset or "
         "vector length points outside the file)",
         name);

  auto data = std::make_shared<ir::ModelData>();
  data->source = name;
  data->fb.reset(tflite::GetModel(bytes.data())->UnPack());
  auto& m = *data->fb;

  // Buffers stored past the flatbuffer: offset is from the start of the file, valid if > 1.
  for (size_t i = 0; i < m.buffers.size(); ++i) {
    auto& b = m.buffers[i];
    if (!b || b->offset <= 1) continue;
    if (!b->data.empty())
      fail(ErrorKind::kInvalidModel, "{}: buffer {} has both inline data and an offset", name, i);
    if (b->offset > bytes.size() || b->size > bytes.size() - b->offset)
      fail(ErrorKind::kInvalidModel,
           "{}: buffer {} points past the end of the file (offset {}, size {}, file {} bytes)",
           name, i, b->offset, b->size, bytes.size());
    b->data.assign(bytes.begin() + b->offset, bytes.begin() + b->offset + b->size);
    b->offset = 0;
    b->size = 0;
  }
  for (size_t s = 0; s < m.subgraphs.size(); ++s) {
    if (!m.subgraphs[s]) continue;
    for (auto& op : m.subgraphs[s]->operators) {
      if (!op || op->large_custom_options_offset <= 1) continue;
      if (op->large_custom_options_offset > bytes.size() ||
          op->large_custom_options_size > bytes.size() - op->large_custom_options_offset)
        fail(ErrorKind::kInvalidModel, "{}: custom options of an operator in subgraph {} point past the end of the file", name, s);
      auto begin = bytes.begin() + op->large_custom_options_offset;
      op->custom_options.assign(begin, begin + op->large_custom_options_size);
      op->large_custom_options_offset = 0;
      op->large_custom_options_size = 0;
    }
  }
  validate_model(m, name);
  return data;
}

std::shared_ptr<ir::ModelData> read_tflite_file(const std::string& path) {
  auto bytes = read_file(path);
  return read_tflite(bytes, path);
}

}  // namespace liteq::io

namespace liteq {

Model Model::load(const std::string& path) { return Model(io::read_tflite_file(path)); }

Model Model::from_bytes(std::span<const uint8_t> bytes, const std::string& name) {
  return Model(io::read_tflite(bytes, name));
}

const std::string& Model::source() const { return d_->source; }

std::vector<uint8_t> Model::serialize() const { return io::write_tflite(*d_->fb); }

void Model::save(const std::string& path) const {
  io::write_file_atomic(path, serialize(), d_->source);
}

}  // namespace liteq
