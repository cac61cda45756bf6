// Float32 activations: LOGISTIC, TANH, RELU, RELU6, RELU_N1_TO_1, LEAKY_RELU, PRELU,
// HARD_SWISH. (Quantized versions come later.)
#include <limits>

#include <fmt/ranges.h>

#include "kernels/kernel_util.h"
#include "kernels/reference/activations.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

template <typename P>
P params_or_default(const OpContext& ctx) {
  if (std::holds_alternative<std::monostate>(ctx.node().params)) return P{};
  return ctx.params<P>();
}

// One float input, one float output of the same shape.
void prepare_unary_float(OpContext& ctx) {
  ctx.check_io(1, 1, 1);
  const Tensor& in = ctx.input(0);
  ctx.check_type(in, {DType::kFloat32}, "input");
  ctx.check_type(ctx.output(0), {DType::kFloat32}, "output");
  ctx.set_output_shape(0, in.dims);
}

enum class Unary { kLogistic, kTanh, kRelu, kRelu6, kReluN1To1, kLeakyRelu, kHardSwish };

template <Unary kOp>
void eval_unary_float(OpContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const int64_t n = in.num_elements();
  const float* x = in.data_as<float>();
  float* y = out.data_as<float>();
  if (n == 0) return;
  switch (kOp) {
    case Unary::kLogistic: ref::logistic_float(n, x, y); break;
    case Unary::kTanh: ref::tanh_float(n, x, y); break;
    case Unary::kRelu: ref::clamp_float(n, x, y, 0.0f, std::numeric_limits<float>::infinity()); break;
    case Unary::kRelu6: ref::clamp_float(n, x, y, 0.0f, 6.0f); break;
    case Unary::kReluN1To1: ref::clamp_float(n, x, y, -1.0f, 1.0f); break;
    case Unary::kLeakyRelu:
      ref::leaky_relu_float(n, x, y, params_or_default<LeakyReluParams>(ctx).alpha);
      break;
    case Unary::kHardSwish: ref::hard_swish_float(n, x, y); break;
  }
}

void prepare_leaky_relu(OpContext& ctx) {
  params_or_default<LeakyReluParams>(ctx);  // fails early on options of the wrong type
  prepare_unary_float(ctx);
}

// PRELU: input 0 = x, input 1 = alpha (broadcast against x, usually a constant).
struct PreluState {
  ref::BinaryShape shape;
};

void prepare_prelu(OpContext& ctx) {
  ctx.check_io(2, 2, 1);
  const Tensor& x = ctx.input(0);
  const Tensor& alpha = ctx.input(1);
  ctx.check_type(x, {DType::kFloat32}, "input");
  ctx.check_type(alpha, {DType::kFloat32}, "alpha");
  ctx.check_type(ctx.output(0), {DType::kFloat32}, "output");
  ctx.check(x.rank() <= kMaxBroadcastRank && alpha.rank() <= kMaxBroadcastRank,
            "input and alpha of rank {} and {}: at most rank {} is supported", x.rank(), alpha.rank(),
            kMaxBroadcastRank);
  std::vector<int32_t> out_dims;
  ctx.check(broadcast_shape(x.dims, alpha.dims, &out_dims), "alpha of shape [{}] cannot be broadcast to input [{}]",
            fmt::join(alpha.dims, ","), fmt::join(x.dims, ","));
  ctx.make_state<PreluState>().shape = ref::make_binary_shape(x.dims, alpha.dims, out_dims);
  ctx.set_output_shape(0, std::move(out_dims));
}

void eval_prelu(OpContext& ctx) {
  const auto& st = ctx.state<PreluState>();
  if (st.shape.size == 0) return;
  ref::prelu_float(st.shape, ctx.input(0).data_as<float>(), ctx.input(1).data_as<float>(),
                   ctx.output(0).data_as<float>());
}

}  // namespace

const KernelRegistration* Register_LOGISTIC() {
  static const KernelRegistration r{"LOGISTIC", prepare_unary_float, eval_unary_float<Unary::kLogistic>};
  return &r;
}

const KernelRegistration* Register_TANH() {
  static const KernelRegistration r{"TANH", prepare_unary_float, eval_unary_float<Unary::kTanh>};
  return &r;
}

const KernelRegistration* Register_RELU() {
  static const KernelRegistration r{"RELU", prepare_unary_float, eval_unary_float<Unary::kRelu>};
  return &r;
}

const KernelRegistration* Register_RELU6() {
  static const KernelRegistration r{"RELU6", prepare_unary_float, eval_unary_float<Unary::kRelu6>};
  return &r;
}

const KernelRegistration* Register_RELU_N1_TO_1() {
  static const KernelRegistration r{"RELU_N1_TO_1", prepare_unary_float, eval_unary_float<Unary::kReluN1To1>};
  return &r;
}

const KernelRegistration* Register_LEAKY_RELU() {
  static const KernelRegistration r{"LEAKY_RELU", prepare_leaky_relu, eval_unary_float<Unary::kLeakyRelu>};
  return &r;
}

const KernelRegistration* Register_PRELU() {
  static const KernelRegistration r{"PRELU", prepare_prelu, eval_prelu};
  return &r;
}

const KernelRegistration* Register_HARD_SWISH() {
  static const KernelRegistration r{"HARD_SWISH", prepare_unary_float, eval_unary_float<Unary::kHardSwish>};
  return &r;
}

}  // namespace liteq::rt
