// The hybrid kernels' per-batch input quantization with the fastest code the exec level
// allows (kernels/x86/quantize_floats.h), the reference's results
// (ref::symmetric_quantize_floats / ref::asymmetric_quantize_floats).
#pragma once
#include <cstdint>

#include "kernels/exec.h"

namespace liteq::rt::opt {

void symmetric_quantize_floats(Isa isa, const float* x, int64_t n, int8_t* q, float* scale);
void asymmetric_quantize_floats(Isa isa, const float* x, int64_t n, int8_t* q, float* scale, int32_t* zero_point);

}  // namespace liteq::rt::opt
