// STUB: replace with the real kernels.
#include "kernels/registry.h"

namespace liteq::rt {
namespace {
void not_implemented(OpContext& ctx) { ctx.fail("not implemented yet"); }
}  // namespace

const KernelRegistration* Register_DEQUANTIZE() {
  static const KernelRegistration r{"DEQUANTIZE", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_QUANTIZE() {
  static const KernelRegistration r{"QUANTIZE", not_implemented, not_implemented};
  return &r;
}

}  // namespace liteq::rt
