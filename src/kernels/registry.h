// Every kernel liteq has, one declaration per op (defined in src/kernels/<group>.cc).
#pragma once
#include "ir/op_codes.h"
#include "kernels/kernel_api.h"

namespace liteq::rt {

#define LITEQ_OP(name, code) const KernelRegistration* Register_##name();
#include "ir/ops.def"
#undef LITEQ_OP

// Custom ops, by custom code.
const KernelRegistration* Register_Convolution2DTransposeBias();

}  // namespace liteq::rt
