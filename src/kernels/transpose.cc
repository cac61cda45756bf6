// STUB: replace with the real kernels.
#include "kernels/registry.h"

namespace liteq::rt {
namespace {
void not_implemented(OpContext& ctx) { ctx.fail("not implemented yet"); }
}  // namespace

const KernelRegistration* Register_TRANSPOSE() {
  static const KernelRegistration r{"TRANSPOSE", not_implemented, not_implemented};
  return &r;
}

}  // namespace liteq::rt
