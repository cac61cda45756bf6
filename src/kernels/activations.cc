// STUB: replace with the real kernels.
#include "kernels/registry.h"

namespace liteq::rt {
namespace {
void not_implemented(OpContext& ctx) { ctx.fail("not implemented yet"); }
}  // namespace

const KernelRegistration* Register_LOGISTIC() {
  static const KernelRegistration r{"LOGISTIC", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_TANH() {
  static const KernelRegistration r{"TANH", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_RELU() {
  static const KernelRegistration r{"RELU", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_RELU6() {
  static const KernelRegistration r{"RELU6", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_RELU_N1_TO_1() {
  static const KernelRegistration r{"RELU_N1_TO_1", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_LEAKY_RELU() {
  static const KernelRegistration r{"LEAKY_RELU", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_PRELU() {
  static const KernelRegistration r{"PRELU", not_implemented, not_implemented};
  return &r;
}

const KernelRegistration* Register_HARD_SWISH() {
  static const KernelRegistration r{"HARD_SWISH", not_implemented, not_implemented};
  return &r;
}

}  // namespace liteq::rt
