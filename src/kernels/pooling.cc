// AVERAGE_POOL_2D and MAX_POOL_2D (float32, NHWC).
#include "kernels/kernel_util.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/pooling.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

void prepare(OpContext& ctx) {
  const auto& p = ctx.params<PoolParams>();
  ctx.check_io(1, 1, 1);
  const Tensor& in = ctx.input(0);
  ctx.check_type(in, {DType::kFloat32}, "input");
  ctx.check_type(ctx.output(0), {DType::kFloat32}, "output");
  ctx.check(!in.sparsity, "input '{}' is sparse (it needs a DENSIFY first)", in.name);
  ctx.check(in.data == nullptr || in.bytes >= static_cast<size_t>(in.num_elements()) * sizeof(float),
            "input '{}' holds {} bytes, its shape needs more", in.name, in.bytes);
  ctx.check(in.rank() == 4, "input must be 4-D (NHWC), got rank {}", in.rank());
  ctx.check(p.padding == Padding::kSame || p.padding == Padding::kValid, "unknown padding {}",
            static_cast<int>(p.padding));
  ctx.check(p.stride_h >= 1 && p.stride_w >= 1, "strides must be >= 1, got {}x{}", p.stride_h, p.stride_w);
  ctx.check(p.filter_h >= 1 && p.filter_w >= 1, "filter size must be >= 1, got {}x{}", p.filter_h,
            p.filter_w);
  check_fused_activation(ctx, p.activation);
  ctx.check(ref::window_fits_int(in.dim(1), p.filter_h, p.stride_h, 1) &&
                ref::window_fits_int(in.dim(2), p.filter_w, p.stride_w, 1),
            "stride or filter size too large");

  auto& g = ctx.make_state<ref::PoolGeometry>();
  g.batch = in.dim(0);
  g.in_h = in.dim(1);
  g.in_w = in.dim(2);
  g.channels = in.dim(3);
  g.filter_h = p.filter_h;
  g.filter_w = p.filter_w;
  g.stride_h = p.stride_h;
  g.stride_w = p.stride_w;
  g.out_h = conv_output_size(p.padding, g.in_h, g.filter_h, g.stride_h, 1);
  g.out_w = conv_output_size(p.padding, g.in_w, g.filter_w, g.stride_w, 1);
  ctx.check(g.out_h >= 0 && g.out_w >= 0, "filter {}x{} does not fit the {}x{} input", g.filter_h,
            g.filter_w, g.in_h, g.in_w);
  g.pad_top = compute_padding(p.padding, g.in_h, g.filter_h, g.stride_h, 1, g.out_h).before;
  g.pad_left = compute_padding(p.padding, g.in_w, g.filter_w, g.stride_w, 1, g.out_w).before;
  const FloatRange r = activation_range(p.activation);
  g.act_min = r.lo;
  g.act_max = r.hi;
  ctx.set_output_shape(0, {g.batch, g.out_h, g.out_w, g.channels});
}

template <bool kMax>
void eval(OpContext& ctx) {
  const auto& g = ctx.state<ref::PoolGeometry>();
  Tensor& out = ctx.output(0);
  switch (out.type) {
    case DType::kFloat32:
      ref::pool_f32<kMax>(g, ctx.input(0).data_as<float>(), out.data_as<float>());
      break;
    default:
      ctx.fail("unsupported output type {}", dtype_name(out.type));
  }
}

}  // namespace

const KernelRegistration* Register_AVERAGE_POOL_2D() {
  static const KernelRegistration r{"AVERAGE_POOL_2D", prepare, eval<false>};
  return &r;
}

const KernelRegistration* Register_MAX_POOL_2D() {
  static const KernelRegistration r{"MAX_POOL_2D", prepare, eval<true>};
  return &r;
}

}  // namespace liteq::rt
