// Reference CONCATENATION and SPLIT for any element size.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/reference/copy.h"

namespace liteq::rt::ref {

// Viewing every tensor as [outer, chunk] (chunk = dim(axis) * inner), the output row r is
// input 0's row r, then input 1's row r, ... `chunks[i]` is input i's chunk in elements.
template <size_t N>
void concatenate(int num_inputs, const uint8_t* const* inputs, const int64_t* chunks, int64_t outer, uint8_t* out) {
  for (int64_t r = 0; r < outer; ++r) {
    for (int i = 0; i < num_inputs; ++i) {
      copy_elems<N>(out, inputs[i] + r * chunks[i] * N, chunks[i]);
      out += chunks[i] * N;
    }
  }
}

// The inverse: splits each row of `in` into consecutive pieces of chunks[i] elements.
template <size_t N>
void split(const uint8_t* in, int64_t outer, int num_outputs, const int64_t* chunks, uint8_t* const* outputs) {
  for (int64_t r = 0; r < outer; ++r) {
    for (int i = 0; i < num_outputs; ++i) {
      copy_elems<N>(outputs[i] + r * chunks[i] * N, in, chunks[i]);
      in += chunks[i] * N;
    }
  }
}

// Clamps float data to [lo, hi] in place (a fused activation).
inline void clamp_in_place(float* data, int64_t n, float lo, float hi) {
  for (int64_t i = 0; i < n; ++i) data[i] = std::min(std::max(data[i], lo), hi);
}

}  // namespace liteq::rt::ref
