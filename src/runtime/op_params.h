// Builtin options of a model operator -> the kernels' parameter structs.
#pragma once
#include "ir/model.h"
#include "kernels/params.h"

namespace liteq::rt {

// Translates the options of `op`, whose builtin code is `code`. Options absent from the
// file give the schema's defaults; an options table of the wrong type is an error.
OpParams parse_op_params(int32_t code, const tflite::OperatorT& op, const std::string& where);

}  // namespace liteq::rt
