// STUB: replace with the real kernels.
#include "kernels/registry.h"

namespace liteq::rt {
namespace {
void not_implemented(OpContext& ctx) { ctx.fail("not implemented yet"); }
}  // namespace

const KernelRegistration* Register_SLICE() {
  static const KernelRegistration r{"SLICE", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_STRIDED_SLICE() {
  static const KernelRegistration r{"STRIDED_SLICE", not_implemented, not_implemented};
  return &r;
}

}  // namespace liteq::rt
