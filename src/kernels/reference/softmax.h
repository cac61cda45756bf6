// Reference float SOFTMAX.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace liteq::rt::ref {

// Softmax over the innermost dim of size `depth`, for `outer` rows:
// out = exp(beta * (x - max)) * (1 / sum(exp(beta * (x - max)))), normalizing by the
// reciprocal of the sum like TFLite's float kernel.
inline void softmax_float(int64_t outer, int64_t depth, const float* in, float* out, float beta) {
  for (int64_t r = 0; r < outer; ++r) {
    const float* x = in + r * depth;
    float* y = out + r * depth;
    float max = x[0];
    for (int64_t i = 1; i < depth; ++i) max = std::max(max, x[i]);
    float sum = 0.0f;
    for (int64_t i = 0; i < depth; ++i) {
      y[i] = std::exp((x[i] - max) * beta);
      sum += y[i];
    }
    const float scale = 1.0f / sum;
    for (int64_t i = 0; i < depth; ++i) y[i] *= scale;
  }
}

}  // namespace liteq::rt::ref
