// How close a quantized model's outputs are to the float model's.
#pragma once
#include <string>
#include <vector>

#include "liteq/array.h"

namespace liteq::quant {

// Output values as float: float32 as is; int8/uint8/int16 dequantized with (scale, zp).
std::vector<float> output_as_float(const Array& a, float scale = 1.0f, int64_t zero_point = 0);

struct Fidelity {
  double sqnr_db = 0;      // 10 log10(sum ref^2 / sum (test - ref)^2); +inf when identical
  double max_abs_err = 0;
};
Fidelity compare_outputs(const std::vector<float>& ref, const std::vector<float>& test);

}  // namespace liteq::quant
