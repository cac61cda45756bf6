// STUB: replace with the real kernels.
#include "kernels/registry.h"

namespace liteq::rt {
namespace {
void not_implemented(OpContext& ctx) { ctx.fail("not implemented yet"); }
}  // namespace

const KernelRegistration* Register_RESIZE_BILINEAR() {
  static const KernelRegistration r{"RESIZE_BILINEAR", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_RESIZE_NEAREST_NEIGHBOR() {
  static const KernelRegistration r{"RESIZE_NEAREST_NEIGHBOR", not_implemented, not_implemented};
  return &r;
}

}  // namespace liteq::rt
