// DEQUANTIZE: float16 -> float32, and int8/uint8/int16 -> float32 with per-tensor or
// per-axis scale/zero point (real = scale * (q - zero_point)).
// QUANTIZE: float32 -> int8/uint8/int16, per-tensor or per-axis (output's parameters):
// q = clamp(round_half_away_from_zero(x / scale) + zero_point); and requantization
// between integer types with per-tensor parameters (TFLite's combinations: int8/uint8 ->
// int8/uint8, int16 -> int8/int16), see reference/quantize_int.h.
// Requantized int16 tensors are symmetric (zero point 0), as TFLite requires.
// The output has the input's shape.
#include "kernels/kernel_util.h"
#include "kernels/reference/quant_params_int.h"
#include "kernels/reference/quantize.h"
#include "kernels/reference/quantize_int.h"
#include "kernels/registry.h"
#include "kernels/x86/data_s8.h"

namespace liteq::rt {
namespace {

struct QuantState {
  ref::AxisLayout layout;
  ref::RequantParams requant;  // integer input
  bool fast_s8 = false;         // DEQUANTIZE int8 per tensor on AVX2 / AVX-512
};

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
  ctx.check_dense(in, "input");
  auto& s = ctx.make_state<QuantState>();
  if (in.type == DType::kFloat16) {
    s.layout.inner = in.num_elements();
  } else {
    s.layout = check_quant(ctx, in, "input", false);
  }
  // int8 per tensor on AVX-512 (kernels/x86/data_s8.h): bit-identical, see there.
  s.fast_s8 = in.type == DType::kInt8 && s.layout.channels == 1 && ctx.exec().isa >= Isa::kAvx2;
  ctx.set_fast(s.fast_s8);
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
    case DType::kInt8:
      if (s.fast_s8) {
        const int8_t* x = in.data_as<int8_t>();
        const auto z = static_cast<int32_t>(zp[0]);
        const bool avx512 = ctx.exec().isa >= Isa::kAvx512;
        parallel_for(ctx.exec(), static_cast<size_t>(in.num_elements()), 65536, [&](size_t b, size_t e) {
          if (avx512) x86::dequantize_s8_avx512(x + b, out + b, e - b, scale[0], z);
          else x86::dequantize_s8_avx2(x + b, out + b, e - b, scale[0], z);
        });
      } else {
        ref::dequantize(in.data_as<int8_t>(), out, s.layout, scale, zp);
      }
      break;
    case DType::kUInt8: ref::dequantize(in.data_as<uint8_t>(), out, s.layout, scale, zp); break;
    case DType::kInt16: ref::dequantize(in.data_as<int16_t>(), out, s.layout, scale, zp); break;
    default: ctx.fail("unsupported input type {}", dtype_name(in.type));
  }
}

void prepare_quantize(OpContext& ctx) {
  ctx.check_io(1, 1, 1);
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  ctx.check_type(in, {DType::kFloat32, DType::kInt8, DType::kUInt8, DType::kInt16}, "input");
  ctx.check_type(out, {DType::kInt8, DType::kUInt8, DType::kInt16}, "output");
  ctx.check_dense(in, "input");
  if (in.type != DType::kFloat32) {
    // Requantization (TFLite supports int8/uint8 -> int8/uint8 and int16 -> int8/int16).
    if (in.type == DType::kInt16)
      ctx.check(out.type == DType::kInt8 || out.type == DType::kInt16, "requantizing int16 to {} is not supported",
                dtype_name(out.type));
    else
      ctx.check(out.type == DType::kInt8 || out.type == DType::kUInt8, "requantizing {} to {} is not supported",
                dtype_name(in.type), dtype_name(out.type));
    const QParams qi = per_tensor_qparams(ctx, in, "input", in.type == DType::kInt16);
    const QParams qo = per_tensor_qparams(ctx, out, "output", out.type == DType::kInt16);
    const Multiplier m = checked_multiplier(
        ctx, static_cast<double>(qi.scale) / static_cast<double>(qo.scale), "input to output rescale");
    auto& s = ctx.make_state<QuantState>();
    s.layout.inner = in.num_elements();
    s.requant.input_zero_point = qi.zero_point;
    s.requant.output_zero_point = qo.zero_point;
    s.requant.multiplier = m.multiplier;
    s.requant.shift = m.shift;
    ctx.set_output_shape(0, in.dims);
    return;
  }
  // The output's shape is the input's; check its quantization against that shape.
  Tensor shaped;
  shaped.name = out.name;
  shaped.type = out.type;
  shaped.dims = in.dims;
  shaped.quant = out.quant;
  auto& s = ctx.make_state<QuantState>();
  s.layout = check_quant(ctx, shaped, "output", true);
  ctx.set_output_shape(0, in.dims);
  ctx.set_fast(ctx.exec().isa >= Isa::kAvx2 && s.layout.channels == 1 &&
               (out.type == DType::kInt8 || out.type == DType::kUInt8 || out.type == DType::kInt16));
}

template <typename In>
void eval_requantize(const QuantState& s, const Tensor& in, Tensor& out) {
  const In* x = in.data_as<In>();
  const int64_t n = in.num_elements();
  switch (out.type) {
    case DType::kInt8: ref::requantize(x, out.data_as<int8_t>(), n, s.requant); break;
    case DType::kUInt8: ref::requantize(x, out.data_as<uint8_t>(), n, s.requant); break;
    case DType::kInt16: ref::requantize(x, out.data_as<int16_t>(), n, s.requant); break;
    default: break;
  }
}

void eval_quantize(OpContext& ctx) {
  const auto& s = ctx.state<QuantState>();
  const Tensor& input = ctx.input(0);
  Tensor& out = ctx.output(0);
  switch (input.type) {
    case DType::kInt8: eval_requantize<int8_t>(s, input, out); return;
    case DType::kUInt8: eval_requantize<uint8_t>(s, input, out); return;
    case DType::kInt16: eval_requantize<int16_t>(s, input, out); return;
    default: break;
  }
  const float* in = input.data_as<float>();
  const float* scale = out.quant.scale.data();
  const int64_t* zp = out.quant.zero_point.data();
  if (ctx.exec().isa >= Isa::kAvx2 && s.layout.channels == 1 &&
      (out.type == DType::kInt8 || out.type == DType::kUInt8)) {
    const bool u8 = out.type == DType::kUInt8;
    const bool avx512 = ctx.exec().isa >= Isa::kAvx512;
    parallel_for(ctx.exec(), static_cast<size_t>(input.num_elements()), 16384, [&](size_t b, size_t e) {
      if (avx512) x86::quantize_f32_8bit_avx512(in + b, out.data + b, e - b, scale[0], static_cast<double>(zp[0]), u8);
      else x86::quantize_f32_8bit_avx2(in + b, out.data + b, e - b, scale[0], static_cast<double>(zp[0]), u8);
    });
    return;
  }
  if (ctx.exec().isa >= Isa::kAvx2 && s.layout.channels == 1 && out.type == DType::kInt16) {
    int16_t* o = out.data_as<int16_t>();
    parallel_for(ctx.exec(), static_cast<size_t>(input.num_elements()), 16384, [&](size_t b, size_t e) {
      x86::quantize_f32_s16_avx2(in + b, o + b, e - b, scale[0], static_cast<double>(zp[0]));
    });
    return;
  }
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

namespace x86 {

// scale and zero_point are the output's float32 scale and integer zero point, widened.
int32_t quantize_8bit_reference(float x, double scale, double zero_point, int is_unsigned) {
  const float s = static_cast<float>(scale);
  const auto zp = static_cast<int64_t>(zero_point);
  if (is_unsigned) {
    uint8_t q;
    ref::quantize(&x, &q, ref::AxisLayout{}, &s, &zp);
    return q;
  }
  int8_t q;
  ref::quantize(&x, &q, ref::AxisLayout{}, &s, &zp);
  return q;
}

}  // namespace x86
}  // namespace liteq::rt
