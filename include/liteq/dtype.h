// Tensor element types. The numeric values are those of the TFLite schema's TensorType,
// so a DType converts to and from the file format by a plain cast.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace liteq {

enum class DType : int8_t {
  kFloat32 = 0,
  kFloat16 = 1,
  kInt32 = 2,
  kUInt8 = 3,
  kInt64 = 4,
  kString = 5,
  kBool = 6,
  kInt16 = 7,
  kComplex64 = 8,
  kInt8 = 9,
  kFloat64 = 10,
  kComplex128 = 11,
  kUInt64 = 12,
  kResource = 13,
  kVariant = 14,
  kUInt32 = 15,
  kUInt16 = 16,
  kInt4 = 17,
};

// Lower-case name as numpy spells it ("float32", "int8", ...).
std::string_view dtype_name(DType t);
// Bytes per element; 0 for types without a fixed size (string, resource, variant, int4).
size_t dtype_size(DType t);
// Parses a numpy-style name; nullopt if unknown.
std::optional<DType> dtype_from_name(std::string_view name);
bool dtype_is_valid(int value);

}  // namespace liteq
