// Representative datasets for calibration, from files:
//   --calib DIR            images (jpg/png/...) or .npy files, one sample per file
//   --calib FILE.npy       stacked samples: shape [N, *input_shape] or [N, *input_shape[1:]]
//   --calib NAME=PATH      the same, for the model input called NAME (models with several inputs)
//   --calib random         random data, for smoke tests only (prints a warning)
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "io/data/image.h"
#include "liteq/converter.h"
#include "liteq/interpreter.h"

namespace liteq::io {

struct DatasetSpec {
  std::vector<std::string> calib;
  ImageNorm norm;
  int num_samples = 100;
  uint32_t seed = 0;
};

class Dataset {
 public:
  // Checks every path up front: missing or empty folders, unreadable .npy headers and
  // shapes or dtypes that do not fit the inputs are errors here, before calibration.
  Dataset(const DatasetSpec& spec, const std::vector<TensorDetails>& inputs);
  size_t size() const { return count_; }
  bool is_random() const { return random_; }
  // Sample i (0 <= i < size()); images are decoded on demand.
  Sample sample(size_t i) const;
  // A source for Converter::representative_dataset.
  std::function<std::optional<Sample>()> source();

 private:
  struct PerInput {
    std::vector<std::string> files;  // one sample per file (images or .npy)
    Array stacked;                   // or stacked samples in one .npy
    bool use_stacked = false;
  };
  Array load(size_t input, size_t i) const;

  DatasetSpec spec_;
  std::vector<TensorDetails> inputs_;
  std::vector<PerInput> per_input_;
  size_t count_ = 0;
  bool random_ = false;
};

}  // namespace liteq::io
