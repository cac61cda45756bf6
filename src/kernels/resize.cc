// RESIZE_BILINEAR (float32; int8 and int16 with TFLite's integer interpolation, see
// reference/resize_int.h) and RESIZE_NEAREST_NEIGHBOR (every fixed-size dtype), NHWC.
// Input 1 is the new size: a constant int32 [2] = (height, width). Quantized outputs keep
// the input's values' scale (TFLite resizes the raw integers).
#include "kernels/kernel_util.h"
#include "kernels/reference/quant_params_int.h"
#include "kernels/reference/resize.h"
#include "kernels/reference/resize_int.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

struct ResizeState {
  ref::ResizeShape shape;
};

template <bool kBilinear>
void prepare_resize(OpContext& ctx) {
  ctx.check_io(2, 2, 1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  if (kBilinear)
    ctx.check_type(in, {DType::kFloat32, DType::kInt8, DType::kInt16}, "input");
  else
    ctx.check(dtype_size(in.type) > 0, "input '{}' has type {}, which has no fixed element size", in.name,
              dtype_name(in.type));
  ctx.check(out.type == in.type, "output '{}' has type {}, the input has {}", out.name, dtype_name(out.type),
            dtype_name(in.type));
  ctx.check(in.rank() == 4, "input '{}' must be 4-D (NHWC), got rank {}", in.name, in.rank());
  ctx.check(in.dim(1) > 0 && in.dim(2) > 0, "input '{}' has an empty spatial dim", in.name);
  ctx.check_type(ctx.input(1), {DType::kInt32}, "size");
  const auto size = read_int_tensor(ctx, 1, "size");
  ctx.check(size.size() == 2, "size (input 1) must have 2 elements (height, width), got {}", size.size());
  ctx.check(size[0] > 0 && size[1] > 0, "size ({}, {}) must be positive", size[0], size[1]);
  const ResizeParams p =
      std::holds_alternative<std::monostate>(ctx.node().params) ? ResizeParams{} : ctx.params<ResizeParams>();
  if (kBilinear)
    ctx.check(!(p.align_corners && p.half_pixel_centers),
              "align_corners and half_pixel_centers cannot both be true");
  if (kBilinear && in.type != DType::kFloat32) {
    per_tensor_qparams(ctx, in, "input");
    per_tensor_qparams(ctx, out, "output");
    // Positions are kept in 1/1024 units in int32.
    ctx.check(size[0] <= (1 << 20) && size[1] <= (1 << 20) && in.dim(1) <= (1 << 20) && in.dim(2) <= (1 << 20),
              "sizes above 2^20 are not supported by the integer kernel");
  }
  auto& s = ctx.make_state<ResizeState>().shape;
  s.batch = in.dim(0);
  s.in_h = in.dim(1);
  s.in_w = in.dim(2);
  s.channels = in.dim(3);
  s.out_h = static_cast<int32_t>(size[0]);
  s.out_w = static_cast<int32_t>(size[1]);
  s.align_corners = p.align_corners;
  s.half_pixel_centers = p.half_pixel_centers;
  ctx.set_output_shape(0, {s.batch, s.out_h, s.out_w, s.channels});
}

template <bool kBilinear>
void eval_resize(OpContext& ctx) {
  const auto& s = ctx.state<ResizeState>().shape;
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  if (out.num_elements() == 0) return;
  if (kBilinear) {
    switch (in.type) {
      case DType::kInt8: ref::resize_bilinear_int(s, in.data_as<int8_t>(), out.data_as<int8_t>()); break;
      case DType::kInt16: ref::resize_bilinear_int(s, in.data_as<int16_t>(), out.data_as<int16_t>()); break;
      default: ref::resize_bilinear_float(s, in.data_as<float>(), out.data_as<float>()); break;
    }
  } else {
    ref::dispatch_elem_size(dtype_size(in.type), [&]<size_t N>() { ref::resize_nearest<N>(s, in.data, out.data); });
  }
}

}  // namespace

const KernelRegistration* Register_RESIZE_BILINEAR() {
  static const KernelRegistration r{"RESIZE_BILINEAR", prepare_resize<true>, eval_resize<true>};
  return &r;
}

const KernelRegistration* Register_RESIZE_NEAREST_NEIGHBOR() {
  static const KernelRegistration r{"RESIZE_NEAREST_NEIGHBOR", prepare_resize<false>, eval_resize<false>};
  return &r;
}

}  // namespace liteq::rt
