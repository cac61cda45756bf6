// SOFTMAX (float32) over the last dim, with beta.
#include "kernels/kernel_util.h"
#include "kernels/reference/softmax.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

float softmax_beta(const OpContext& ctx) {
  if (std::holds_alternative<std::monostate>(ctx.node().params)) return SoftmaxParams{}.beta;
  return ctx.params<SoftmaxParams>().beta;
}

void prepare_softmax(OpContext& ctx) {
  ctx.check_io(1, 1, 1);
  const Tensor& in = ctx.input(0);
  ctx.check_type(in, {DType::kFloat32}, "input");
  ctx.check_type(ctx.output(0), {DType::kFloat32}, "output");
  ctx.check(in.rank() >= 1, "input '{}' must have rank >= 1", in.name);
  softmax_beta(ctx);
  ctx.set_output_shape(0, in.dims);
}

void eval_softmax(OpContext& ctx) {
  const Tensor& in = ctx.input(0);
  const int64_t n = in.num_elements();
  if (n == 0) return;
  const int64_t depth = in.dims.back();
  ref::softmax_float(n / depth, depth, in.data_as<float>(), ctx.output(0).data_as<float>(), softmax_beta(ctx));
}

}  // namespace

const KernelRegistration* Register_SOFTMAX() {
  static const KernelRegistration r{"SOFTMAX", prepare_softmax, eval_softmax};
  return &r;
}

}  // namespace liteq::rt
