#include "ir/model.h"

#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ir/op_codes.h"

namespace liteq {

std::string op_name(int32_t code) {
  if (code >= static_cast<int32_t>(tflite::BuiltinOperator::MIN) &&
      code <= static_cast<int32_t>(tflite::BuiltinOperator::MAX)) {
    const char* n = tflite::EnumNameBuiltinOperator(static_cast<tflite::BuiltinOperator>(code));
    if (n && *n) return n;
  }
  return fmt::format("BUILTIN_{}", code);
}

namespace ir {

int32_t builtin_code(const tflite::OperatorCodeT& code) {
  return std::max<int32_t>(static_cast<int32_t>(code.builtin_code), code.deprecated_builtin_code);
}

int32_t builtin_code(const tflite::ModelT& m, const tflite::OperatorT& op) {
  return builtin_code(*m.operator_codes.at(op.opcode_index));
}

std::string op_type_name(const tflite::ModelT& m, const tflite::OperatorT& op) {
  const auto& code = *m.operator_codes.at(op.opcode_index);
  const int32_t c = builtin_code(code);
  if (c == static_cast<int32_t>(tflite::BuiltinOperator::CUSTOM)) return code.custom_code;
  return op_name(c);
}

std::span<const uint8_t> tensor_data(const tflite::ModelT& m, const tflite::TensorT& t) {
  if (t.buffer == 0 || t.buffer >= m.buffers.size() || !m.buffers[t.buffer]) return {};
  const auto& d = m.buffers[t.buffer]->data;
  return {d.data(), d.size()};
}

int64_t num_elements(const std::vector<int32_t>& shape) {
  int64_t n = 1;
  for (int32_t d : shape) {
    if (d < 0) return -1;
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d) return -1;
    n *= d;
  }
  return n;
}

std::string shape_str(const std::vector<int32_t>& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

std::string without_equalized_suffix(const std::string& name) {
  const std::string suffix = kEqualizedSuffix;
  if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
    return name.substr(0, name.size() - suffix.size());
  return name;
}

}  // namespace ir
}  // namespace liteq
