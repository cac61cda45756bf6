// The hybrid kernels' per-batch input quantization with the fastest code the exec level
// allows (kernels/x86/quantize_floats.h), the reference's results
// (ref::symmetric_quantize_floats / ref::asymmetric_quantize_floats).
#pragma once
#include <cstdint>

#include "kernels/exec.h"

namespace liteq::rt::opt {

void symmetric_quantize_floats(Isa isa, const float* x, int64_t n, int8_t* q, float* scale);
void asymmetric_quantize_floats(Isa isa, const float* x, int64_t n, int8_t* q, float* scale, int32_t* zero_point);

// The hybrid CONV_2D's float epilogue over n outputs of one row (x86::hybrid_epilogue_*;
// isa >= kAvx2, where the hybrid kernels exist):
// out[i] = clamp(float(acc[i] - off * sums[i]) * (scale * w_scales[i]) [+ bias[i]], lo, hi).
void hybrid_epilogue(Isa isa, const int32_t* acc, const int32_t* sums, uint32_t off, float scale, const float* w_scales,
                     const float* bias, float lo, float hi, int64_t n, float* out);

}  // namespace liteq::rt::opt
