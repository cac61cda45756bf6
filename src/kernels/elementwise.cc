// STUB: replace with the real kernels.
#include "kernels/registry.h"

namespace liteq::rt {
namespace {
void not_implemented(OpContext& ctx) { ctx.fail("not implemented yet"); }
}  // namespace

const KernelRegistration* Register_ADD() {
  static const KernelRegistration r{"ADD", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_SUB() {
  static const KernelRegistration r{"SUB", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_MUL() {
  static const KernelRegistration r{"MUL", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_DIV() {
  static const KernelRegistration r{"DIV", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_MAXIMUM() {
  static const KernelRegistration r{"MAXIMUM", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_MINIMUM() {
  static const KernelRegistration r{"MINIMUM", not_implemented, not_implemented};
  return &r;
}

}  // namespace liteq::rt
