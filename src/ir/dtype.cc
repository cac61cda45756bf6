#include "liteq/dtype.h"

#include <array>

namespace liteq {
namespace {
struct Info {
  DType type;
  std::string_view name;
  size_t size;
};
constexpr std::array<Info, 18> kInfo = {{
    {DType::kFloat32, "float32", 4},     {DType::kFloat16, "float16", 2},
    {DType::kInt32, "int32", 4},         {DType::kUInt8, "uint8", 1},
    {DType::kInt64, "int64", 8},         {DType::kString, "string", 0},
    {DType::kBool, "bool", 1},           {DType::kInt16, "int16", 2},
    {DType::kComplex64, "complex64", 8}, {DType::kInt8, "int8", 1},
    {DType::kFloat64, "float64", 8},     {DType::kComplex128, "complex128", 16},
    {DType::kUInt64, "uint64", 8},       {DType::kResource, "resource", 0},
    {DType::kVariant, "variant", 0},     {DType::kUInt32, "uint32", 4},
    {DType::kUInt16, "uint16", 2},       {DType::kInt4, "int4", 0},
}};
}  // namespace

bool dtype_is_valid(int value) { return value >= 0 && value < static_cast<int>(kInfo.size()); }

std::string_view dtype_name(DType t) {
  int v = static_cast<int>(t);
  return dtype_is_valid(v) ? kInfo[v].name : std::string_view("invalid");
}

size_t dtype_size(DType t) {
  int v = static_cast<int>(t);
  return dtype_is_valid(v) ? kInfo[v].size : 0;
}

std::optional<DType> dtype_from_name(std::string_view name) {
  for (const auto& i : kInfo)
    if (i.name == name) return i.type;
  return std::nullopt;
}

}  // namespace liteq
