// Reference DENSIFY: expands a TACO-format sparse constant into a dense buffer.
//
// The storage walks "levels" (one per expanded dim, in traversal order). A DENSE level
// visits every index 0..size-1 of its dim: child position = pos * size + i. A SPARSE_CSR
// level visits indices[segments[pos] .. segments[pos + 1]): child position = j. After the
// last level, the position is the index of the stored value. The dense offset is the sum
// over levels of index * mult (mult folds the block structure into the dense strides).
// Everything here was validated by DENSIFY's prepare: segments in range and monotonic,
// indices < size, final positions < the number of stored values.
#pragma once
#include <cstdint>
#include <cstring>
#include <vector>

namespace liteq::rt::ref {

struct DensifyLevel {
  bool sparse = false;
  int32_t size = 0;      // extent of the level's (expanded) dim
  int64_t mult = 0;      // dense offset of one step along this level
  const int32_t* segments = nullptr;  // sparse only: positions of the previous level + 1
  const int32_t* indices = nullptr;   // sparse only
};

struct DensifyPlan {
  std::vector<DensifyLevel> levels;
  int64_t num_dense = 0;  // elements of the output
  size_t elem_size = 0;   // bytes per element
};

namespace detail {
inline void densify_level(const DensifyPlan& p, size_t level, int64_t pos, int64_t offset,
                          const uint8_t* values, uint8_t* out) {
  const size_t es = p.elem_size;
  if (level == p.levels.size()) {
    std::memcpy(out + offset * es, values + pos * es, es);
    return;
  }
  const DensifyLevel& l = p.levels[level];
  if (!l.sparse) {
    for (int32_t i = 0; i < l.size; ++i)
      densify_level(p, level + 1, pos * l.size + i, offset + i * l.mult, values, out);
  } else {
    for (int64_t j = l.segments[pos]; j < l.segments[pos + 1]; ++j)
      densify_level(p, level + 1, j, offset + l.indices[j] * l.mult, values, out);
  }
}
}  // namespace detail

// Zero-fills `out` (num_dense elements) and scatters the stored values into it.
inline void densify(const DensifyPlan& p, const uint8_t* values, uint8_t* out) {
  if (p.num_dense == 0) return;
  std::memset(out, 0, static_cast<size_t>(p.num_dense) * p.elem_size);
  detail::densify_level(p, 0, 0, 0, values, out);
}

}  // namespace liteq::rt::ref
