// STUB: replace with the real kernels.
#include "kernels/registry.h"

namespace liteq::rt {
namespace {
void not_implemented(OpContext& ctx) { ctx.fail("not implemented yet"); }
}  // namespace

const KernelRegistration* Register_PAD() {
  static const KernelRegistration r{"PAD", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_PADV2() {
  static const KernelRegistration r{"PADV2", not_implemented, not_implemented};
  return &r;
}

}  // namespace liteq::rt
