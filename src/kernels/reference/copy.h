// Helpers for the data-movement kernels (reshape, pad, concat, split, slice, gather,
// transpose, resize-nearest, depth/space): they move whole elements without looking at
// them, so one implementation per element size serves every fixed-size dtype.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace liteq::rt::ref {

// Calls f.template operator()<N>() with N = elem_size as a compile-time constant, so that
// the per-element std::memcpy(dst, src, N) compiles to a single load/store. Returns false
// for an element size no dtype has (the caller checks dtype_size() > 0 in prepare).
template <typename F>
bool dispatch_elem_size(size_t elem_size, F&& f) {
  switch (elem_size) {
    case 1: f.template operator()<1>(); return true;
    case 2: f.template operator()<2>(); return true;
    case 4: f.template operator()<4>(); return true;
    case 8: f.template operator()<8>(); return true;
    case 16: f.template operator()<16>(); return true;
    default: return false;
  }
}

// Copies one element of N bytes.
template <size_t N>
inline void copy_elem(uint8_t* dst, const uint8_t* src) {
  std::memcpy(dst, src, N);
}

// Copies `count` consecutive elements of N bytes.
template <size_t N>
inline void copy_elems(uint8_t* dst, const uint8_t* src, int64_t count) {
  if (count > 0) std::memcpy(dst, src, static_cast<size_t>(count) * N);
}

// Fills `count` elements of N bytes with the element at `value`.
template <size_t N>
inline void fill_elems(uint8_t* dst, const uint8_t* value, int64_t count) {
  if (count <= 0) return;
  bool same_bytes = true;  // zero padding, the common case: one memset
  for (size_t k = 1; k < N; ++k) same_bytes &= value[k] == value[0];
  if (same_bytes) {
    std::memset(dst, value[0], static_cast<size_t>(count) * N);
    return;
  }
  for (int64_t i = 0; i < count; ++i) std::memcpy(dst + i * N, value, N);
}

}  // namespace liteq::rt::ref
