// Reference GATHER for any element size.
#pragma once
#include <cstdint>

#include "kernels/reference/copy.h"

namespace liteq::rt::ref {

// params viewed as [batch, outer, axis_size, inner], indices as [batch, coords]:
// out[b][o][c][:] = params[b][o][indices[b][c]][:].
struct GatherShape {
  int64_t batch = 1;
  int64_t outer = 1;
  int64_t axis_size = 0;
  int64_t inner = 1;
  int64_t coords = 0;
};

// Position of the first of the n indices outside [0, axis_size), or -1 if all are valid.
template <typename Index>
int64_t find_bad_index(const Index* indices, int64_t n, int64_t axis_size) {
  for (int64_t i = 0; i < n; ++i)
    if (indices[i] < 0 || static_cast<int64_t>(indices[i]) >= axis_size) return i;
  return -1;
}

// Every index must be valid (see find_bad_index).
template <size_t N, typename Index>
void gather(const GatherShape& s, const uint8_t* params, const Index* indices, uint8_t* out) {
  for (int64_t b = 0; b < s.batch; ++b) {
    for (int64_t o = 0; o < s.outer; ++o) {
      const uint8_t* src = params + (b * s.outer + o) * s.axis_size * s.inner * N;
      const Index* idx = indices + b * s.coords;
      for (int64_t c = 0; c < s.coords; ++c) {
        copy_elems<N>(out, src + static_cast<int64_t>(idx[c]) * s.inner * N, s.inner);
        out += s.inner * N;
      }
    }
  }
}

}  // namespace liteq::rt::ref
