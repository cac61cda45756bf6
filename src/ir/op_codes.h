// Builtin operator codes liteq knows by name (see ops.def), usable without the
// flatbuffer headers.
#pragma once
#include <cstdint>
#include <string>

namespace liteq {

enum class Op : int32_t {
#define LITEQ_OP(name, code) name = code,
#include "ir/ops.def"
#undef LITEQ_OP
};

// The TFLite name of any builtin code ("CONV_2D"), or "BUILTIN_<n>" if unknown.
std::string op_name(int32_t builtin_code);

}  // namespace liteq
