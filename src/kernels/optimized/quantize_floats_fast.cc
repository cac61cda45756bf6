#include "kernels/optimized/quantize_floats_fast.h"

#include <cmath>
#include <cstring>

#include "kernels/reference/requant_int8.h"
#include "kernels/x86/quantize_floats.h"

namespace liteq::rt::opt {

void symmetric_quantize_floats(Isa isa, const float* x, int64_t n, int8_t* q, float* scale) {
  float mn, mx;
  if (isa < Isa::kAvx2 || n < 1 || !x86::minmax_f32(isa >= Isa::kAvx512, x, static_cast<size_t>(n), &mn, &mx)) {
    ref::symmetric_quantize_floats(x, n, q, scale);
    return;
  }
  const float range = std::max(std::fabs(mn), std::fabs(mx));
  if (range == 0) {
    std::memset(q, 0, static_cast<size_t>(n));
    *scale = 1;
    return;
  }
  constexpr int32_t kScale = 127;
  *scale = range / kScale;
  x86::quantize_floats(isa >= Isa::kAvx512, x, static_cast<size_t>(n), kScale / range, 0.0f, -kScale, kScale, q);
}

void asymmetric_quantize_floats(Isa isa, const float* x, int64_t n, int8_t* q, float* scale, int32_t* zero_point) {
  float mn, mx;
  if (isa < Isa::kAvx2 || n < 1 || !x86::minmax_f32(isa >= Isa::kAvx512, x, static_cast<size_t>(n), &mn, &mx)) {
    ref::asymmetric_quantize_floats(x, n, q, scale, zero_point);
    return;
  }
  if (!ref::asymmetric_quant_params(mn, mx, scale, zero_point)) {
    std::memset(q, 0, static_cast<size_t>(n));
    *scale = 1;
    *zero_point = 0;
    return;
  }
  x86::quantize_floats(isa >= Isa::kAvx512, x, static_cast<size_t>(n), 1.0f / *scale, static_cast<float>(*zero_point), -128, 127, q);
}

}  // namespace liteq::rt::opt
