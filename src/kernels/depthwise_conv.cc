// DEPTHWISE_CONV_2D (float32): NHWC input, filter [1, KH, KW, Cout] with
// Cout = Cin * depth_multiplier, optional bias [Cout]. As TFLite (>= 2.5) does, the
// multiplier is derived from the shapes; the options' depth_multiplier is ignored.
#include "kernels/kernel_util.h"
#include "kernels/reference/conv.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

constexpr int kInput = 0, kFilter = 1, kBias = 2;

struct DepthwiseState {
  ref::ConvGeometry geo;
  int multiplier = 1;
};

void check_dense(const OpContext& ctx, const Tensor& t, const char* what) {
  ctx.check(!t.sparsity, "{} '{}' is sparse (it needs a DENSIFY first)", what, t.name);
  ctx.check(t.data == nullptr ||
                t.bytes >= static_cast<size_t>(t.num_elements()) * dtype_size(t.type),
            "{} '{}' holds {} bytes, its shape needs more", what, t.name, t.bytes);
}

void prepare(OpContext& ctx) {
  const auto& p = ctx.params<DepthwiseConvParams>();
  ctx.check_io(2, 3, 1);
  const Tensor& in = ctx.input(kInput);
  const Tensor& filter = ctx.input(kFilter);
  ctx.check_type(in, {DType::kFloat32}, "input");
  ctx.check_type(filter, {DType::kFloat32}, "filter");
  ctx.check_type(ctx.output(0), {DType::kFloat32}, "output");
  check_dense(ctx, in, "input");
  check_dense(ctx, filter, "filter");
  ctx.check(in.rank() == 4, "input must be 4-D (NHWC), got rank {}", in.rank());
  ctx.check(filter.rank() == 4, "filter must be 4-D [1, KH, KW, Cout], got rank {}", filter.rank());
  ctx.check(filter.dim(0) == 1, "filter dimension 0 must be 1, got {}", filter.dim(0));
  ctx.check(filter.dim(1) >= 1 && filter.dim(2) >= 1, "filter size {}x{} must be at least 1x1",
            filter.dim(1), filter.dim(2));
  const int in_c = in.dim(3), out_c = filter.dim(3);
  ctx.check(in_c >= 1, "input must have at least one channel");
  ctx.check(out_c % in_c == 0, "filter has {} channels, not a multiple of the input's {} channels",
            out_c, in_c);
  if (ctx.has_input(kBias)) {
    const Tensor& bias = ctx.input(kBias);
    ctx.check_type(bias, {DType::kFloat32}, "bias");
    check_dense(ctx, bias, "bias");
    ctx.check(bias.rank() == 1 && bias.dim(0) == out_c, "bias must have shape [{}]", out_c);
  }
  ctx.check(p.padding == Padding::kSame || p.padding == Padding::kValid, "unknown padding {}",
            static_cast<int>(p.padding));
  ctx.check(p.stride_h >= 1 && p.stride_w >= 1, "strides must be >= 1, got {}x{}", p.stride_h, p.stride_w);
  ctx.check(p.dilation_h >= 1 && p.dilation_w >= 1, "dilations must be >= 1, got {}x{}", p.dilation_h,
            p.dilation_w);
  check_fused_activation(ctx, p.activation);
  ctx.check(ref::window_fits_int(in.dim(1), filter.dim(1), p.stride_h, p.dilation_h) &&
                ref::window_fits_int(in.dim(2), filter.dim(2), p.stride_w, p.dilation_w),
            "stride, dilation or filter size too large");

  auto& s = ctx.make_state<DepthwiseState>();
  auto& g = s.geo;
  s.multiplier = out_c / in_c;
  g.batch = in.dim(0);
  g.in_h = in.dim(1);
  g.in_w = in.dim(2);
  g.in_c = in_c;
  g.out_c = out_c;
  g.filter_h = filter.dim(1);
  g.filter_w = filter.dim(2);
  g.stride_h = p.stride_h;
  g.stride_w = p.stride_w;
  g.dilation_h = p.dilation_h;
  g.dilation_w = p.dilation_w;
  g.out_h = conv_output_size(p.padding, g.in_h, g.filter_h, g.stride_h, g.dilation_h);
  g.out_w = conv_output_size(p.padding, g.in_w, g.filter_w, g.stride_w, g.dilation_w);
  ctx.check(g.out_h >= 0 && g.out_w >= 0, "filter {}x{} (dilated) does not fit the {}x{} input",
            g.filter_h, g.filter_w, g.in_h, g.in_w);
  g.pad_top = compute_padding(p.padding, g.in_h, g.filter_h, g.stride_h, g.dilation_h, g.out_h).before;
  g.pad_left = compute_padding(p.padding, g.in_w, g.filter_w, g.stride_w, g.dilation_w, g.out_w).before;
  const FloatRange r = activation_range(p.activation);
  g.act_min = r.lo;
  g.act_max = r.hi;
  ctx.set_output_shape(0, {g.batch, g.out_h, g.out_w, g.out_c});
}

void eval(OpContext& ctx) {
  const auto& s = ctx.state<DepthwiseState>();
  Tensor& out = ctx.output(0);
  switch (out.type) {
    case DType::kFloat32: {
      const float* bias = ctx.has_input(kBias) ? ctx.input(kBias).data_as<float>() : nullptr;
      ref::depthwise_conv2d_f32(s.geo, s.multiplier, ctx.input(kInput).data_as<float>(),
                                ctx.input(kFilter).data_as<float>(), bias, out.data_as<float>());
      break;
    }
    default:
      ctx.fail("unsupported output type {}", dtype_name(out.type));
  }
}

}  // namespace

const KernelRegistration* Register_DEPTHWISE_CONV_2D() {
  static const KernelRegistration r{"DEPTHWISE_CONV_2D", prepare, eval};
  return &r;
}

}  // namespace liteq::rt
