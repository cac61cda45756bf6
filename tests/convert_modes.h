// A model converted in one of the converter's modes, for tests that run every mode, and
// the float32 samples they calibrate and run on.
#pragma once
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "liteq/converter.h"
#include "liteq/model.h"

namespace liteq::test {

// One calibration / input sample: a float32 tensor of `dims` holding v.
inline Sample float_sample(std::vector<int32_t> dims, const std::vector<float>& v) {
  Array a{DType::kFloat32, std::move(dims), {}};
  a.bytes.resize(v.size() * sizeof(float));
  std::memcpy(a.bytes.data(), v.data(), a.bytes.size());
  return {a};
}

// "float32": the model itself (through a serialize / load round trip); "float16",
// "dynamic"; "int8" and "int16x8", calibrated on `calib`.
inline Model convert_in_mode(const Model& m, const std::string& mode, const std::vector<Sample>& calib) {
  if (mode == "float32") return Model::from_bytes(m.serialize());
  Converter c(m);
  c.optimizations = {Optimize::kDefault};
  size_t next = 0;  // outlives convert(), which calls the dataset
  if (mode != "dynamic" && mode != "float16") {
    c.representative_dataset = [&]() -> std::optional<Sample> {
      if (next >= calib.size()) return std::nullopt;
      return calib[next++];
    };
  }
  if (mode == "int16x8") c.target_spec.supported_ops = {OpsSet::kInt16x8};
  if (mode == "float16") c.target_spec.supported_types = {DType::kFloat16};
  return c.convert();
}

}  // namespace liteq::test
