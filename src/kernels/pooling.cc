// STUB: replace with the real kernels.
#include "kernels/registry.h"

namespace liteq::rt {
namespace {
void not_implemented(OpContext& ctx) { ctx.fail("not implemented yet"); }
}  // namespace

const KernelRegistration* Register_AVERAGE_POOL_2D() {
  static const KernelRegistration r{"AVERAGE_POOL_2D", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_MAX_POOL_2D() {
  static const KernelRegistration r{"MAX_POOL_2D", not_implemented, not_implemented};
  return &r;
}

}  // namespace liteq::rt
