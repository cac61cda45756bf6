// Reference reductions: float32 MEAN sums in float (each output's inputs in row-major
// order), then divides by the number of reduced elements (TFLite's float mean);
// reduce_generic folds each output's inputs in row-major order into an initial value
// (TFLite's ReduceGeneric: SUM, REDUCE_PROD, REDUCE_MAX, REDUCE_MIN).
#pragma once
#include <cstdint>
#include <limits>
#include <vector>

namespace liteq::rt::ref {

// dims: the input's shape; reduced[i]: whether dim i is reduced. out has one element per
// combination of the kept dims (row-major), i.e. the keep_dims shape flattened.
inline void mean_f32(const float* input, const std::vector<int32_t>& dims,
                     const std::vector<bool>& reduced, float* output) {
  const int rank = static_cast<int>(dims.size());
  // Output stride of each input dim (0 if reduced), and the number of outputs.
  std::vector<int64_t> out_stride(rank, 0);
  int64_t num_out = 1, count = 1, num_in = 1;
  for (int i = rank - 1; i >= 0; --i) {
    num_in *= dims[i];
    if (reduced[i]) {
      count *= dims[i];
    } else {
      out_stride[i] = num_out;
      num_out *= dims[i];
    }
  }
  for (int64_t o = 0; o < num_out; ++o) output[o] = 0.0f;
  if (num_in > 0) {
    std::vector<int32_t> idx(rank, 0);
    int64_t out = 0;
    for (int64_t n = 0; n < num_in; ++n) {
      output[out] += input[n];
      // Advance the row-major counter, keeping `out` in step.
      for (int i = rank - 1; i >= 0; --i) {
        out += out_stride[i];
        if (++idx[i] < dims[i]) break;
        out -= out_stride[i] * dims[i];
        idx[i] = 0;
      }
    }
  }
  for (int64_t o = 0; o < num_out; ++o)
    output[o] = count > 0 ? output[o] / static_cast<float>(count) : std::numeric_limits<float>::quiet_NaN();
}

// out[o] = op(...op(op(init, x0), x1)..., xk) over the inputs x that reduce into o, in
// row-major order. Same layout as mean_f32.
template <typename T, typename Op>
void reduce_generic(const T* input, const std::vector<int32_t>& dims, const std::vector<bool>& reduced, T init,
                    T* output, Op op) {
  const int rank = static_cast<int>(dims.size());
  std::vector<int64_t> out_stride(rank, 0);
  int64_t num_out = 1, num_in = 1;
  for (int i = rank - 1; i >= 0; --i) {
    num_in *= dims[i];
    if (!reduced[i]) {
      out_stride[i] = num_out;
      num_out *= dims[i];
    }
  }
  for (int64_t o = 0; o < num_out; ++o) output[o] = init;
  if (num_in == 0) return;
  std::vector<int32_t> idx(rank, 0);
  int64_t out = 0;
  for (int64_t n = 0; n < num_in; ++n) {
    output[out] = op(output[out], input[n]);
    for (int i = rank - 1; i >= 0; --i) {
      out += out_stride[i];
      if (++idx[i] < dims[i]) break;
      out -= out_stride[i] * dims[i];
      idx[i] = 0;
    }
  }
}

}  // namespace liteq::rt::ref
