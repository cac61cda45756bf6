// A model converted in one of the converter's modes, for tests that run every mode.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "liteq/converter.h"
#include "liteq/model.h"

namespace liteq::test {

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
