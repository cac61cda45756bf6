#include "kernels/registry.h"

namespace liteq::rt {

const KernelRegistration* find_kernel(int32_t builtin_code, const std::string& custom_code) {
  if (builtin_code == static_cast<int32_t>(Op::CUSTOM)) {
    if (custom_code == "Convolution2DTransposeBias") return Register_Convolution2DTransposeBias();
    return nullptr;
  }
  switch (builtin_code) {
#define LITEQ_OP(name, code) \
  case code:                 \
    return Register_##name();
#include "ir/ops.def"
#undef LITEQ_OP
    default:
      return nullptr;
  }
}

// CUSTOM is dispatched by custom code above.
const KernelRegistration* Register_CUSTOM() { return nullptr; }

}  // namespace liteq::rt
