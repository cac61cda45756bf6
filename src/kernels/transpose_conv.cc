// STUB: replace with the real kernels.
#include "kernels/registry.h"

namespace liteq::rt {
namespace {
void not_implemented(OpContext& ctx) { ctx.fail("not implemented yet"); }
}  // namespace

const KernelRegistration* Register_TRANSPOSE_CONV() {
  static const KernelRegistration r{"TRANSPOSE_CONV", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_Convolution2DTransposeBias() {
  static const KernelRegistration r{"Convolution2DTransposeBias", not_implemented, not_implemented};
  return &r;
}

}  // namespace liteq::rt
