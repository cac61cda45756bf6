// A model in memory: what the readers produce and the writers, passes and the
// interpreter consume.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace liteq {

namespace ir {
struct ModelData;
}

class Model {
 public:
  // Reads a .tflite file: flatbuffer verification, then semantic validation (indices,
  // sizes, data flow). Throws liteq::Error naming the file and what is wrong.
  static Model load(const std::string& path);
  static Model from_bytes(std::span<const uint8_t> bytes, const std::string& name = "<memory>");

  // The .tflite bytes of this model. The same model always gives the same bytes.
  std::vector<uint8_t> serialize() const;
  // Writes atomically (temporary file + rename); never overwrites the file it was read from.
  void save(const std::string& path) const;

  const std::string& source() const;  // file it was read from, or the name given
  ir::ModelData& ir() { return *d_; }
  const ir::ModelData& ir() const { return *d_; }
  std::shared_ptr<const ir::ModelData> shared() const { return d_; }

  explicit Model(std::shared_ptr<ir::ModelData> d) : d_(std::move(d)) {}

 private:
  std::shared_ptr<ir::ModelData> d_;
};

}  // namespace liteq
