// Reference integer matrix kernels, bit-exact with TFLite 2.9's builtin kernels:
//   fully_connected_quant: int8 / 16x8 FULLY_CONNECTED, per-tensor weights;
//   fully_connected_hybrid: float input quantized on the fly per batch row (symmetric,
//     or asymmetric with asymmetric_quantize_inputs), int8 weights, float output;
//   batch_matmul_hybrid: float lhs quantized per row, constant int8 rhs.
// Pure functions on raw buffers; shapes and parameters were checked by prepare.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/reference/matmul.h"
#include "kernels/reference/requant_int8.h"

namespace liteq::rt::ref {

// Integer sums are formed in int64 and converted to the accumulator type: int32
// accumulators wrap around as TFLite's do, without signed overflow.

// Sum of each row of an int8 matrix [rows, depth] (the weight sums of the asymmetric
// hybrid kernels and of the zero-point folding below).
inline void row_sums_int8(const int8_t* m, int64_t rows, int depth, int32_t* sums) {
  for (int64_t r = 0; r < rows; ++r) {
    int32_t s = 0;
    for (int d = 0; d < depth; ++d) s += m[r * depth + d];
    sums[r] = s;
  }
}

// The FULLY_CONNECTED accumulator start, TFLite Micro style: bias[u] plus the input
// zero point term input_offset * sum(w[u]) (input_offset = -input zero point), so that
// the inner loop is a plain dot product. bias may be null.
template <typename Acc, typename Bias>
inline void fully_connected_acc_init(const int8_t* weights, const Bias* bias, int32_t input_offset, int depth,
                                     int units, Acc* init) {
  for (int u = 0; u < units; ++u) {
    int32_t s = 0;
    for (int d = 0; d < depth; ++d) s += weights[int64_t{u} * depth + d];
    int64_t a = int64_t{input_offset} * s;
    if (bias) a += bias[u];
    init[u] = static_cast<Acc>(a);
  }
}

// FULLY_CONNECTED, quantized: out[b, u] = requant(init[u] + sum_d in[b, d] * w[u, d]),
// per-tensor requantization (channel 0 of q).
template <typename Acc, typename In, typename Out>
inline void fully_connected_quant(const In* input, const int8_t* weights, const Acc* init, const QuantOutput& q,
                                  Out* output, int64_t batch, int depth, int units) {
  for (int64_t b = 0; b < batch; ++b) {
    const In* in = input + b * depth;
    for (int u = 0; u < units; ++u) {
      const int8_t* w = weights + int64_t{u} * depth;
      int64_t sum = init[u];
      for (int d = 0; d < depth; ++d) sum += int32_t{in[d]} * int32_t{w[d]};
      output[b * units + u] = static_cast<Out>(requantize(static_cast<Acc>(sum), q, 0));
    }
  }
}

// FULLY_CONNECTED, hybrid (TFLite's EvalHybridDense): each batch row is quantized on
// the fly (into q_buf, batch * depth bytes); its scale times the weight scale (in
// float) rescales the integer dot product: out = bias + float(dot - row_sum * zp) * s,
// then the activation. row_sums (the weight sums) are needed when asymmetric. An
// all-zero input gives the activation of the bias, as TFLite's shortcut does.
inline void fully_connected_hybrid(const float* input, const int8_t* weights, float weight_scale,
                                   const int32_t* row_sums, const float* bias, bool asymmetric, int8_t* q_buf,
                                   float act_min, float act_max, float* output, int64_t batch, int depth,
                                   int units) {
  const int64_t total = batch * depth;
  const bool all_zero = std::all_of(input, input + total, [](float v) { return v == 0.0f; });
  for (int64_t b = 0; b < batch; ++b) {
    float* out = output + b * units;
    for (int u = 0; u < units; ++u) out[u] = bias ? bias[u] : 0.0f;
    if (all_zero) continue;
    int8_t* q = q_buf + b * depth;
    float scale = 1;
    int32_t zp = 0;
    if (asymmetric) asymmetric_quantize_floats(input + b * depth, depth, q, &scale, &zp);
    else symmetric_quantize_floats(input + b * depth, depth, q, &scale);
    scale *= weight_scale;
    for (int u = 0; u < units; ++u) {
      const int8_t* w = weights + int64_t{u} * depth;
      int64_t dot = 0;
      for (int d = 0; d < depth; ++d) dot += int32_t{w[d]} * int32_t{q[d]};
      if (asymmetric) dot -= int64_t{row_sums[u]} * zp;
      out[u] += static_cast<float>(static_cast<int32_t>(dot)) * scale;
    }
  }
  for (int64_t i = 0; i < batch * units; ++i) output[i] = std::min(std::max(output[i], act_min), act_max);
}

// Column sums (over depth) of each of `matrices` rhs matrices of a BATCH_MATMUL,
// [matrix, col]: the weight sums of the asymmetric hybrid kernel.
inline void batch_matmul_rhs_sums(const BatchMatMulGeometry& g, const int8_t* rhs, int64_t matrices, int32_t* sums) {
  const int64_t rhs_ld_col = g.adj_y ? g.depth : 1, rhs_ld_k = g.adj_y ? 1 : g.cols;
  for (int64_t m = 0; m < matrices; ++m) {
    const int8_t* r = rhs + m * g.depth * g.cols;
    for (int j = 0; j < g.cols; ++j) {
      int32_t s = 0;
      for (int k = 0; k < g.depth; ++k) s += r[j * rhs_ld_col + k * rhs_ld_k];
      sums[m * g.cols + j] = s;
    }
  }
}

// BATCH_MATMUL, hybrid (TFLite's EvalHybrid): float lhs times int8 rhs (per-tensor
// weight_scale), float output. Each lhs row (depth values, in the lhs's own batch
// order; depth >= 1) is quantized on the fly into q_buf (lhs_rows_total * depth bytes), its
// scale in scales (times weight_scale) and zero point in zps (0 when symmetric).
// rhs_sums: the rhs column sums (over depth), one block of g.cols per rhs matrix.
//
// TFLite 2.9 finds the scale, zero point and weight sums of a batch with
// sum_k b_k * (dim k not broadcast) * rows (resp. cols) over the three batch dims
// rather than with the row-major batch index; the two differ only when two or more
// batch dims of the same operand exceed 1. We index as TFLite does, so that rank-4/5
// models give its results.
inline void batch_matmul_hybrid(const BatchMatMulGeometry& g, const float* lhs, const int8_t* rhs, float weight_scale,
                                const int32_t* rhs_sums, bool asymmetric, int64_t lhs_rows_total, int8_t* q_buf,
                                float* scales, int32_t* zps, float* output) {
  // Quantize each lhs row, stored [row, depth] whatever adj_x says.
  const int64_t lhs_ld_row = g.adj_x ? 1 : g.depth, lhs_ld_k = g.adj_x ? g.rows : 1;
  const int64_t matrix = int64_t{g.rows} * g.depth;
  std::vector<float> row(static_cast<size_t>(g.depth));
  for (int64_t r = 0; r < lhs_rows_total; ++r) {
    const float* base = lhs + (r / g.rows) * matrix;
    const int64_t i = r % g.rows;
    for (int k = 0; k < g.depth; ++k) row[k] = base[i * lhs_ld_row + k * lhs_ld_k];
    int8_t* q = q_buf + r * g.depth;
    if (asymmetric) {
      asymmetric_quantize_floats(row.data(), g.depth, q, &scales[r], &zps[r]);
    } else {
      symmetric_quantize_floats(row.data(), g.depth, q, &scales[r]);
      zps[r] = 0;
    }
    scales[r] *= weight_scale;
  }
  const int64_t rhs_ld_col = g.adj_y ? g.depth : 1, rhs_ld_k = g.adj_y ? 1 : g.cols;
  float* out = output;
  for (int b0 = 0; b0 < g.batch[0]; ++b0) {
    for (int b1 = 0; b1 < g.batch[1]; ++b1) {
      for (int b2 = 0; b2 < g.batch[2]; ++b2) {
        const int bs[3] = {b0, b1, b2};
        int64_t lhs_off = 0, rhs_off = 0, lhs_sel = 0, rhs_sel = 0;
        for (int k = 0; k < 3; ++k) {
          lhs_off += bs[k] * g.lhs_stride[k];
          rhs_off += bs[k] * g.rhs_stride[k];
          if (g.lhs_stride[k]) lhs_sel += bs[k];  // TFLite's batch index (see above)
          if (g.rhs_stride[k]) rhs_sel += bs[k];
        }
        const int8_t* q = q_buf + (lhs_off / matrix) * matrix;
        const int8_t* r = rhs + rhs_off;
        const float* sc = scales + lhs_sel * g.rows;
        const int32_t* zp = zps + lhs_sel * g.rows;
        const int32_t* sums = rhs_sums + rhs_sel * g.cols;
        for (int i = 0; i < g.rows; ++i) {
          const int8_t* qi = q + int64_t{i} * g.depth;
          const float offset = static_cast<float>(zp[i]);
          for (int j = 0; j < g.cols; ++j) {
            int64_t dot = 0;
            for (int k = 0; k < g.depth; ++k) dot += int32_t{qi[k]} * int32_t{r[j * rhs_ld_col + k * rhs_ld_k]};
            int32_t total = static_cast<int32_t>(dot);
            // TFLite subtracts the zero point term in float: total -= row_sum * offset.
            total = static_cast<int32_t>(static_cast<float>(total) - static_cast<float>(sums[j]) * offset);
            out[int64_t{i} * g.cols + j] = 0.0f + sc[i] * static_cast<float>(total);
          }
        }
        out += int64_t{g.rows} * g.cols;
      }
    }
  }
}

}  // namespace liteq::rt::ref
