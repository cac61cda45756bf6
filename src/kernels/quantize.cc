// DEQUANTIZE: float16 -> float32, and int8/uint8/int16 -> float32 with per-tensor or
// per-axis scale/zero point (real = scale * (q - zero_point)).
// QUANTIZE: float32 -> int8/uint8/int16, per-tensor or per-axis (output's parameters):
// q = clamp(round_half_away_from_zero(x / scale) + zero_point).
// The output has the input's shape.
#include "kernels/kernel_util.h"
#include "kernels/reference/quantize.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

struct QuantState {
  ref::AxisLayout layout;
};

void check_dense(const OpContext& ctx, const Tensor& t, const char* what) {
  ctx.check(!t.sparsity, "{} '{}' is sparse (it needs a DENSIFY first)", what, t.name);
  ctx.check(t.data == nullptr ||
                t.bytes >= static_cast<size_t>(t.num_elements()) * dtype_size(t.type),
            "{} '{}' holds {} bytes, its shape needs more", what, t.name, t.bytes);
}

// Validates t's quantization parameters (for its dtype) and returns the axis layout.
ref::AxisLayout check_quant(const OpContext& ctx, const Tensor& t, const char* what, bool quantizing) {
  const QuantParams& q = t.quant;
  ctx.check(!q.scale.empty(), "{} '{}' ({}) has no quantization parameters", what, t.name, dtype_name(t.type));
  ctx.check(q.zero_point.size() == q.scale.size(), "{} '{}' has {} scales but {} zero points", what, t.name,
            q.scale.size(), q.zero_point.size());
  int64_t lo = 0, hi = 0;
  switch (t.type) {
    case DType::kInt8: lo = -128, hi = 127; break;
    case DType::kUInt8: lo = 0, hi = 255; break;
    case DType::kInt16: lo = -32768, hi = 32767; break;
    default: ctx.fail("internal: {} is not a quantized type", dtype_name(t.type));
  }
  for (size_t c = 0; c < q.scale.size(); ++c) {
    ctx.check(q.zero_point[c] >= lo && q.zero_point[c] <= hi, "{} '{}': zero point {} out of range for {}",
              what, t.name, q.zero_point[c], dtype_name(t.type));
    if (quantizing)
      ctx.check(std::isfinite(q.scale[c]) && q.scale[c] > 0, "{} '{}': scale {} must be positive and finite",
                what, t.name, q.scale[c]);
  }
  ref::AxisLayout l;
  l.inner = t.num_elements();
  if (q.scale.size() > 1) {  // per-axis; a single scale is per-tensor whatever the axis says
    const int axis = q.axis;
    ctx.check(axis >= 0 && axis < t.rank(), "{} '{}': quantized dimension {} out of range for rank {}", what,
              t.name, axis, t.rank());
    ctx.check(static_cast<int64_t>(q.scale.size()) == t.dim(axis),
              "{} '{}': {} scales for dimension {} of size {}", what, t.name, q.scale.size(), axis, t.dim(axis));
    l.outer = 1;
    for (int i = 0; i < axis; ++i) l.outer *= t.dim(i);
    l.channels = t.dim(axis);
    l.inner = 1;
    for (int i = axis + 1; i < t.rank(); ++i) l.inner *= t.dim(i);
  }
  return l;
}

void prepare_dequantize(OpContext& ctx) {
  ctx.check_io(1, 1, 1);
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  ctx.check_type(in, {DType::kFloat16, DType::kInt8, DType::kUInt8, DType::kInt16}, "input");
  ctx.check_type(out, {DType::kFloat32}, "output");
  check_dense(ctx, in, "input");
  auto& s = ctx.make_state<QuantState>();
  if (in.type == DType::kFloat16) {
    s.layout.inner = in.num_elements();
  } else {
    s.layout = check_quant(ctx, in, "input", false);
  }
  ctx.set_output_shape(0, in.dims);
}

void eval_dequantize(OpContext& ctx) {
  const auto& s = ctx.state<QuantState>();
  const Tensor& in = ctx.input(0);
  float* out = ctx.output(0).data_as<float>();
  const float* scale = in.quant.scale.data();
  const int64_t* zp = in.quant.zero_point.data();
  switch (in.type) {
    case DType::kFloat16: ref::dequantize_f16(in.data_as<uint16_t>(), out, in.num_elements()); break;
    case DType::kInt8: ref::dequantize(in.data_as<int8_t>(), out, s.layout, scale, zp); break;
    case DType::kUInt8: ref::dequantize(in.data_as<uint8_t>(), out, s.layout, scale, zp); break;
    case DType::kInt16: ref::dequantize(in.data_as<int16_t>(), out, s.layout, scale, zp); break;
    default: ctx.fail("unsupported input type {}", dtype_name(in.type));
  }
}

void prepare_quantize(OpContext& ctx) {
  ctx.check_io(1, 1, 1);
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  ctx.check_type(in, {DType::kFloat32}, "input");
  ctx.check_type(out, {DType::kInt8, DType::kUInt8, DType::kInt16}, "output");
  check_dense(ctx, in, "input");
  // The output's shape is the input's; check its quantization against that shape.
  Tensor shaped;
  shaped.name = out.name;
  shaped.type = out.type;
  shaped.dims = in.dims;
  shaped.quant = out.quant;
  auto& s = ctx.make_state<QuantState>();
  s.layout = check_quant(ctx, shaped, "output", true);
  ctx.set_output_shape(0, in.dims);
}

void eval_quantize(OpContext& ctx) {
  const auto& s = ctx.state<QuantState>();
  const float* in = ctx.input(0).data_as<float>();
  Tensor& out = ctx.output(0);
  const float* scale = out.quant.scale.data();
  const int64_t* zp = out.quant.zero_point.data();
  switch (out.type) {
    case DType::kInt8: ref::quantize(in, out.data_as<int8_t>(), s.layout, scale, zp); break;
    case DType::kUInt8: ref::quantize(in, out.data_as<uint8_t>(), s.layout, scale, zp); break;
    case DType::kInt16: ref::quantize(in, out.data_as<int16_t>(), s.layout, scale, zp); break;
    default: ctx.fail("unsupported output type {}", dtype_name(out.type));
  }
}

}  // namespace

const KernelRegistration* Register_DEQUANTIZE() {
  static const KernelRegistration r{"DEQUANTIZE", prepare_dequantize, eval_dequantize};
  return &r;
}

const KernelRegistration* Register_QUANTIZE() {
  static const KernelRegistration r{"QUANTIZE", prepare_quantize, eval_quantize};
  return &r;
}

}  // namespace liteq::rt
