// numpy .npy files (format versions 1.0, 2.0 and 3.0; little-endian, C order).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "liteq/array.h"
#include "liteq/dtype.h"

namespace liteq::io {

using liteq::Array;

// Parses .npy bytes; `name` is used in error messages. Rejects big-endian data,
// Fortran order, object arrays, and data shorter than the header promises.
Array parse_npy(std::span<const uint8_t> bytes, const std::string& name);
Array read_npy(const std::string& path);
std::vector<uint8_t> npy_bytes(const Array& a);
// Written atomically (temporary file + rename).
void write_npy(const std::string& path, const Array& a);

// Converts the elements of `a` to dtype `to` (numeric types only, C casts; float→int
// rounds half away from zero and saturates).
Array cast_array(const Array& a, DType to);

}  // namespace liteq::io
