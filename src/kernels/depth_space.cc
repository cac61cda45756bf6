// STUB: replace with the real kernels.
#include "kernels/registry.h"

namespace liteq::rt {
namespace {
void not_implemented(OpContext& ctx) { ctx.fail("not implemented yet"); }
}  // namespace

const KernelRegistration* Register_DEPTH_TO_SPACE() {
  static const KernelRegistration r{"DEPTH_TO_SPACE", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_SPACE_TO_DEPTH() {
  static const KernelRegistration r{"SPACE_TO_DEPTH", not_implemented, not_implemented};
  return &r;
}

}  // namespace liteq::rt
