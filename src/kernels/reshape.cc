// STUB: replace with the real kernels.
#include "kernels/registry.h"

namespace liteq::rt {
namespace {
void not_implemented(OpContext& ctx) { ctx.fail("not implemented yet"); }
}  // namespace

const KernelRegistration* Register_RESHAPE() {
  static const KernelRegistration r{"RESHAPE", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_SQUEEZE() {
  static const KernelRegistration r{"SQUEEZE", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_EXPAND_DIMS() {
  static const KernelRegistration r{"EXPAND_DIMS", not_implemented, not_implemented};
  return &r;
}

}  // namespace liteq::rt
