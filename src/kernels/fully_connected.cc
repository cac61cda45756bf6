// FULLY_CONNECTED (float32): weights [units, input_size] (DEFAULT format only), optional
// bias [units]. The input is flattened to [batch, input_size]; the output is
// [batch, units], or the input's shape with the last dim replaced when keep_num_dims.
#include "kernels/kernel_util.h"
#include "kernels/reference/matmul.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

constexpr int kInput = 0, kWeights = 1, kBias = 2;

struct FcState {
  int64_t batch = 0;
  int depth = 0, units = 0;
  FloatRange act;
};

void check_dense(const OpContext& ctx, const Tensor& t, const char* what) {
  ctx.check(!t.sparsity, "{} '{}' is sparse (it needs a DENSIFY first)", what, t.name);
  ctx.check(t.data == nullptr ||
                t.bytes >= static_cast<size_t>(t.num_elements()) * dtype_size(t.type),
            "{} '{}' holds {} bytes, its shape needs more", what, t.name, t.bytes);
}

void prepare(OpContext& ctx) {
  const auto& p = ctx.params<FullyConnectedParams>();
  ctx.check_io(2, 3, 1);
  ctx.check(p.weights_format == 0, "weights format {} is not supported (only DEFAULT)", p.weights_format);
  const Tensor& in = ctx.input(kInput);
  const Tensor& w = ctx.input(kWeights);
  ctx.check_type(in, {DType::kFloat32}, "input");
  ctx.check_type(w, {DType::kFloat32}, "weights");
  ctx.check_type(ctx.output(0), {DType::kFloat32}, "output");
  check_dense(ctx, in, "input");
  check_dense(ctx, w, "weights");
  ctx.check(w.rank() == 2, "weights must be 2-D [units, input_size], got rank {}", w.rank());
  const int units = w.dim(0), depth = w.dim(1);
  ctx.check(depth >= 1, "weights have input size {}; must be >= 1", depth);
  if (ctx.has_input(kBias)) {
    const Tensor& bias = ctx.input(kBias);
    ctx.check_type(bias, {DType::kFloat32}, "bias");
    check_dense(ctx, bias, "bias");
    ctx.check(bias.num_elements() == units, "bias has {} elements, expected {}", bias.num_elements(), units);
  }
  check_fused_activation(ctx, p.activation);
  const int64_t n = in.num_elements();
  ctx.check(n % depth == 0, "input has {} elements, not a multiple of the input size {}", n, depth);
  auto& s = ctx.make_state<FcState>();
  s.batch = n / depth;
  s.depth = depth;
  s.units = units;
  s.act = activation_range(p.activation);
  if (p.keep_num_dims) {
    ctx.check(in.rank() >= 1 && in.dims.back() == depth,
              "keep_num_dims needs the input's last dimension to be the input size {}", depth);
    std::vector<int32_t> dims = in.dims;
    dims.back() = units;
    ctx.set_output_shape(0, std::move(dims));
  } else {
    ctx.check(s.batch <= 0x7fffffff, "batch size {} too large", s.batch);
    ctx.set_output_shape(0, {static_cast<int32_t>(s.batch), units});
  }
}

void eval(OpContext& ctx) {
  const auto& s = ctx.state<FcState>();
  Tensor& out = ctx.output(0);
  switch (out.type) {
    case DType::kFloat32: {
      const float* bias = ctx.has_input(kBias) ? ctx.input(kBias).data_as<float>() : nullptr;
      ref::fully_connected_f32(ctx.input(kInput).data_as<float>(), ctx.input(kWeights).data_as<float>(),
                               bias, out.data_as<float>(), s.batch, s.depth, s.units, s.act.lo, s.act.hi);
      break;
    }
    default:
      ctx.fail("unsupported output type {}", dtype_name(out.type));
  }
}

}  // namespace

const KernelRegistration* Register_FULLY_CONNECTED() {
  static const KernelRegistration r{"FULLY_CONNECTED", prepare, eval};
  return &r;
}

}  // namespace liteq::rt
