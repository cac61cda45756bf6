// A dense n-d array: what model inputs, outputs and calibration samples are made of.
#pragma once
#include <cstdint>
#include <vector>

#include "liteq/dtype.h"

namespace liteq {

struct Array {
  DType dtype = DType::kFloat32;
  std::vector<int32_t> shape;
  std::vector<uint8_t> bytes;  // C order, little-endian
  int64_t num_elements() const {
    int64_t n = 1;
    for (int32_t d : shape) n *= d;
    return n;
  }
};

}  // namespace liteq
