// .tflite reader and writer.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ir/model.h"

namespace liteq::io {

// Verifies the flatbuffer, unpacks it, loads buffers stored past the flatbuffer (the
// offset/size form of models over 2 GB), then validates (validate_model).
std::shared_ptr<ir::ModelData> read_tflite(std::span<const uint8_t> bytes, const std::string& name);
std::shared_ptr<ir::ModelData> read_tflite_file(const std::string& path);

// Semantic checks the flatbuffer verifier cannot make: every index in range, constant
// buffer sizes equal to shape x dtype, quantization parameters consistent with the
// shape, and every tensor an operator reads produced before it (so no cycles).
void validate_model(const tflite::ModelT& m, const std::string& name);

struct WriteOptions {
  // Buffers go past the flatbuffer (offset/size form) when their total exceeds this.
  uint64_t external_buffers_threshold = (uint64_t{1} << 31) - (uint64_t{64} << 20);
};
std::vector<uint8_t> write_tflite(const tflite::ModelT& m, const WriteOptions& opts = {});

// Writes bytes to path via a temporary file in the same folder and a rename, so that a
// failure never leaves a half-written file. Refuses to write over `forbidden` (the input).
void write_file_atomic(const std::string& path, std::span<const uint8_t> bytes,
                       const std::string& forbidden = {});
std::vector<uint8_t> read_file(const std::string& path);

}  // namespace liteq::io
