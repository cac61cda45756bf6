// Reference float32 matrix kernels: FULLY_CONNECTED and BATCH_MATMUL. Dot products are
// accumulated in float32 over the depth in order; FULLY_CONNECTED adds the bias after
// the sum, then clamps to the activation range (TFLite's order).
#pragma once
#include <algorithm>
#include <cstdint>

namespace liteq::rt::ref {

// input [batch, depth], weights [units, depth], bias [units] or null, output [batch, units].
inline void fully_connected_f32(const float* input, const float* weights, const float* bias,
                                float* output, int64_t batch, int depth, int units, float act_min,
                                float act_max) {
  for (int64_t b = 0; b < batch; ++b) {
    const float* in = input + b * depth;
    for (int u = 0; u < units; ++u) {
      const float* w = weights + int64_t{u} * depth;
      double sum = 0.0;  // in double, as the convolutions (see conv.h)
      for (int d = 0; d < depth; ++d) sum += double(in[d]) * w[d];
      if (bias) sum += bias[u];
      output[b * units + u] = std::min(std::max(static_cast<float>(sum), act_min), act_max);
    }
  }
}

// Batch dims are padded to kBatchRank (leading 1s); a stride of 0 broadcasts.
struct BatchMatMulGeometry {
  static constexpr int kBatchRank = 3;
  int batch[kBatchRank] = {1, 1, 1};           // output batch dims
  int64_t lhs_stride[kBatchRank] = {0, 0, 0};  // in elements, per batch dim
  int64_t rhs_stride[kBatchRank] = {0, 0, 0};
  int rows = 0, cols = 0, depth = 0;  // output [.., rows, cols]; sums over depth
  bool adj_x = false;                 // lhs is stored [depth, rows] instead of [rows, depth]
  bool adj_y = false;                 // rhs is stored [cols, depth] instead of [depth, cols]
};

inline void batch_matmul_f32(const BatchMatMulGeometry& g, const float* lhs, const float* rhs,
                             float* output) {
  const int64_t lhs_ld_row = g.adj_x ? 1 : g.depth, lhs_ld_k = g.adj_x ? g.rows : 1;
  const int64_t rhs_ld_col = g.adj_y ? g.depth : 1, rhs_ld_k = g.adj_y ? 1 : g.cols;
  float* out = output;
  for (int b0 = 0; b0 < g.batch[0]; ++b0) {
    for (int b1 = 0; b1 < g.batch[1]; ++b1) {
      for (int b2 = 0; b2 < g.batch[2]; ++b2) {
        const float* l = lhs + b0 * g.lhs_stride[0] + b1 * g.lhs_stride[1] + b2 * g.lhs_stride[2];
        const float* r = rhs + b0 * g.rhs_stride[0] + b1 * g.rhs_stride[1] + b2 * g.rhs_stride[2];
        for (int i = 0; i < g.rows; ++i) {
          for (int j = 0; j < g.cols; ++j) {
            double sum = 0.0;
            for (int k = 0; k < g.depth; ++k)
              sum += double(l[i * lhs_ld_row + k * lhs_ld_k]) * r[j * rhs_ld_col + k * rhs_ld_k];
            out[int64_t{i} * g.cols + j] = static_cast<float>(sum);
          }
        }
        out += int64_t{g.rows} * g.cols;
      }
    }
  }
}

}  // namespace liteq::rt::ref
