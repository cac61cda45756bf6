// CONV_2D: NHWC input, OHWI filter, bias; grouped convolution (float32 only) when the
// input has a multiple of the filter's input channels.
//   float32:  float input, filter and output; optional float bias.
//   int8:     int8 input/output (per-tensor, asymmetric), int8 filter (per tensor or per
//             output channel, dimension 0, zero points 0), int32 bias; int32
//             accumulators, requantized with ruy's x86 rounding (TFLite 2.9 runs this
//             through cpu_backend_gemm; see ref::Rounding).
//   16x8:     int16 input/output (zero point 0), int8 filter, int64 or int32 bias. As
//             TFLite 2.9: int64 bias accumulates in int64 and requantizes with the
//             int64 path (its reference kernel); int32 bias goes through its optimized
//             kernel: int32 accumulators, ruy's single-rounding requantization.
//   hybrid:   float input/output, int8 filter, float bias. As TFLite 2.9: with
//             per-channel scales that differ the input is quantized asymmetrically per
//             batch, otherwise symmetrically (see prepare).
// TFLite 2.9 requires the bias and rejects grouped convolutions for every type; we do
// for the quantized and hybrid paths (the float path keeps its wider support).
// Reference kernels in reference/conv_int8.h.
#include <cmath>

#include "kernels/kernel_util.h"
#include "kernels/optimized/fast_kernels.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/conv_int8.h"
#include "kernels/reference/quant_checks_int8.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

constexpr int kInput = 0, kFilter = 1, kBias = 2;

enum class Kind : uint8_t { kFloat, kInt8, kInt16, kHybrid };

struct ConvState {
  ref::ConvGeometry geo;
  int filter_in_c = 1;
  Kind kind = Kind::kFloat;
  // int8 / 16x8
  int32_t input_offset = 0;
  qcheck::ChannelRequant rq;
  ref::QuantOutput q;  // points into rq
  bool acc64 = false;  // 16x8: int64 accumulation (else int32)
  // hybrid
  std::vector<float> w_scales;  // per output channel
  bool asymmetric = false;
  int64_t batch_size = 0;  // input elements per batch
  size_t scratch_bytes = 0;
  int scratch = -1;
  std::unique_ptr<opt::FastKernel> fast;  // optimized kernel, if one covers the case
};

// What TFLite 2.9's CONV_2D prepare requires of every input type, and our float path
// (grouped convolutions, no bias) does not: checked for the quantized and hybrid paths.
void check_tflite_limits(OpContext& ctx) {
  ctx.check(ctx.has_input(kBias), "quantized and hybrid convolutions need a bias (as TFLite's)");
  const Tensor& in = ctx.input(kInput);
  const Tensor& filter = ctx.input(kFilter);
  ctx.check(in.dim(3) == filter.dim(3),
            "input has {} channels, the filter {}: quantized and hybrid convolutions cannot be grouped",
            in.dim(3), filter.dim(3));
}

// Checks dtypes and quantization parameters; fills the kind-specific state.
void prepare_types(OpContext& ctx, ConvState& s, Activation act) {
  const Tensor& in = ctx.input(kInput);
  const Tensor& filter = ctx.input(kFilter);
  Tensor& out = ctx.output(0);
  const int out_c = filter.dim(0);
  const bool has_bias = ctx.has_input(kBias);
  ctx.check_type(in, {DType::kFloat32, DType::kInt8, DType::kInt16}, "input");
  if (in.type == DType::kFloat32) {
    ctx.check_type(filter, {DType::kFloat32, DType::kInt8}, "filter");
    ctx.check_type(out, {DType::kFloat32}, "output");
    if (has_bias) {
      const Tensor& bias = ctx.input(kBias);
      ctx.check_type(bias, {DType::kFloat32}, "bias");
      ctx.check_dense(bias, "bias");
      ctx.check(bias.rank() == 1 && bias.dim(0) == out_c, "bias must have shape [{}]", out_c);
    }
    if (filter.type == DType::kFloat32) {
      s.kind = Kind::kFloat;
      return;
    }
    // Hybrid. TFLite 2.9 takes its per-channel path (asymmetric input quantization)
    // when the filter's scales are not all equal, else its per-tensor path (symmetric
    // input quantization, one weight scale). That path reads the tensor's per-tensor
    // scale, which TFLite sets to 0 for a tensor with several scales: per-axis weights
    // whose scales are all equal give just the bias there. We reproduce that too.
    s.kind = Kind::kHybrid;
    check_tflite_limits(ctx);
    s.w_scales = qcheck::weight_scales(ctx, filter, out_c, 0, true, true, "filter");
    bool differ = false;
    for (float w : s.w_scales) differ |= w != s.w_scales[0];
    s.asymmetric = differ;
    if (!differ && filter.quant.scale.size() > 1) std::fill(s.w_scales.begin(), s.w_scales.end(), 0.0f);
    s.batch_size = in.dim(0) > 0 ? in.num_elements() / in.dim(0) : 0;
    // per batch: scale, zero point; then the quantized input
    s.scratch_bytes = static_cast<size_t>(std::max<int64_t>(int64_t{in.dim(0)} * 8 + in.num_elements(), 1));
    return;
  }
  // int8 / 16x8
  const bool is16 = in.type == DType::kInt16;
  check_tflite_limits(ctx);
  ctx.check_type(filter, {DType::kInt8}, "filter");
  ctx.check(out.type == in.type, "output '{}' has type {}; it must be {} as the input", out.name,
            dtype_name(out.type), dtype_name(in.type));
  const auto iq = qcheck::activation_quant(ctx, in, "input");
  const auto oq = qcheck::activation_quant(ctx, out, "output");
  const auto w_scales = qcheck::weight_scales(ctx, filter, out_c, 0, true, true, "filter");
  bool bias64 = false;
  if (has_bias) {
    const Tensor& bias = ctx.input(kBias);
    if (is16) qcheck::check_bias(ctx, bias, {DType::kInt64, DType::kInt32}, out_c, true);
    else qcheck::check_bias(ctx, bias, {DType::kInt32}, out_c, true);
    bias64 = bias.type == DType::kInt64;
  }
  s.kind = is16 ? Kind::kInt16 : Kind::kInt8;
  s.acc64 = is16 && bias64;
  s.input_offset = -iq.zero_point;
  s.rq = qcheck::conv_requant(ctx, iq.scale, w_scales, oq.scale, s.acc64);
  s.q.multiplier = s.rq.multiplier.data();
  s.q.shift = s.rq.shift.data();
  s.q.output_offset = oq.zero_point;
  // TFLite 2.9 runs these through cpu_backend_gemm (ruy): its x86 SIMD int8 kernels and
  // its portable int16 kernel round as described at ref::Rounding.
  s.q.rounding = is16 ? ref::Rounding::kSingle : ref::Rounding::kDoubleTiesUp;
  qcheck::activation_range(ctx, act, oq, out.type, &s.q.act_min, &s.q.act_max);
}

std::unique_ptr<opt::FastKernel> make_fast(OpContext& ctx, const ConvState& s) {
  if (ctx.exec().isa == Isa::kReference) return nullptr;
  switch (s.kind) {
    case Kind::kFloat: return opt::make_conv_f32(ctx, s.geo, s.filter_in_c);
    case Kind::kInt8: return opt::make_conv_s8(ctx, s.geo, s.input_offset, s.q);
    case Kind::kHybrid: return opt::make_conv_hybrid_s8(ctx, s.geo, s.w_scales.data(), s.asymmetric);
    case Kind::kInt16: return s.filter_in_c == s.geo.in_c ? opt::make_conv_s16(ctx, s.geo, s.acc64, s.q) : nullptr;
    default: return nullptr;
  }
}

void prepare(OpContext& ctx) {
  const auto& p = ctx.params<ConvParams>();
  ctx.check_io(2, 3, 1);
  const Tensor& in = ctx.input(kInput);
  const Tensor& filter = ctx.input(kFilter);
  ctx.check_dense(in, "input");
  ctx.check_dense(filter, "filter");
  ctx.check(in.rank() == 4, "input must be 4-D (NHWC), got rank {}", in.rank());
  ctx.check(filter.rank() == 4, "filter must be 4-D (OHWI), got rank {}", filter.rank());
  const int in_c = in.dim(3), out_c = filter.dim(0), filter_in_c = filter.dim(3);
  ctx.check(filter.dim(1) >= 1 && filter.dim(2) >= 1, "filter size {}x{} must be at least 1x1",
            filter.dim(1), filter.dim(2));
  ctx.check(in_c >= 1 && filter_in_c >= 1, "input channels ({}) and filter input channels ({}) must be >= 1",
            in_c, filter_in_c);
  ctx.check(in_c % filter_in_c == 0,
            "input has {} channels, not a multiple of the filter's {} input channels", in_c, filter_in_c);
  const int groups = in_c / filter_in_c;
  ctx.check(out_c % groups == 0, "{} output channels cannot be split into {} groups", out_c, groups);
  ctx.check(p.padding == Padding::kSame || p.padding == Padding::kValid, "unknown padding {}",
            static_cast<int>(p.padding));
  ctx.check(p.stride_h >= 1 && p.stride_w >= 1, "strides must be >= 1, got {}x{}", p.stride_h, p.stride_w);
  ctx.check(p.dilation_h >= 1 && p.dilation_w >= 1, "dilations must be >= 1, got {}x{}", p.dilation_h,
            p.dilation_w);
  check_fused_activation(ctx, p.activation);
  ctx.check(ref::window_fits_int(in.dim(1), filter.dim(1), p.stride_h, p.dilation_h) &&
                ref::window_fits_int(in.dim(2), filter.dim(2), p.stride_w, p.dilation_w),
            "stride, dilation or filter size too large");

  auto& s = ctx.make_state<ConvState>();
  prepare_types(ctx, s, p.activation);
  auto& g = s.geo;
  s.filter_in_c = filter_in_c;
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
  // A folded PAD (fused_pad) widens the input the padding mode applies to.
  const auto& fp = p.fused_pad;
  const int in_h = g.in_h + fp[0] + fp[1], in_w = g.in_w + fp[2] + fp[3];
  g.out_h = conv_output_size(p.padding, in_h, g.filter_h, g.stride_h, g.dilation_h);
  g.out_w = conv_output_size(p.padding, in_w, g.filter_w, g.stride_w, g.dilation_w);
  ctx.check(g.out_h >= 0 && g.out_w >= 0, "filter {}x{} (dilated) does not fit the {}x{} input",
            g.filter_h, g.filter_w, in_h, in_w);
  g.pad_top = compute_padding(p.padding, in_h, g.filter_h, g.stride_h, g.dilation_h, g.out_h).before + fp[0];
  g.pad_left = compute_padding(p.padding, in_w, g.filter_w, g.stride_w, g.dilation_w, g.out_w).before + fp[2];
  const FloatRange r = activation_range(p.activation);
  g.act_min = r.lo;
  g.act_max = r.hi;
  ctx.set_output_shape(0, {g.batch, g.out_h, g.out_w, g.out_c});
  // Last: adding a scratch buffer may move the tensors our references point to.
  if (s.scratch_bytes) s.scratch = ctx.request_scratch(s.scratch_bytes);
  s.fast = make_fast(ctx, s);
  ctx.set_fast(s.fast != nullptr);
}

template <typename Acc, typename T>
void eval_quant(OpContext& ctx, const ConvState& s) {
  const Tensor& bias = ctx.has_input(kBias) ? ctx.input(kBias) : ctx.input(kInput);
  const T* in = ctx.input(kInput).data_as<T>();
  const int8_t* w = ctx.input(kFilter).data_as<int8_t>();
  T* out = ctx.output(0).data_as<T>();
  if (!ctx.has_input(kBias)) {
    ref::conv2d_quant<Acc>(s.geo, s.filter_in_c, s.input_offset, in, w, static_cast<const int32_t*>(nullptr), s.q,
                           out);
  } else if (bias.type == DType::kInt64) {
    ref::conv2d_quant<Acc>(s.geo, s.filter_in_c, s.input_offset, in, w, bias.data_as<int64_t>(), s.q, out);
  } else {
    ref::conv2d_quant<Acc>(s.geo, s.filter_in_c, s.input_offset, in, w, bias.data_as<int32_t>(), s.q, out);
  }
}

void eval_hybrid(OpContext& ctx, const ConvState& s) {
  const Tensor& in = ctx.input(kInput);
  const int64_t batch = s.geo.batch;
  uint8_t* scratch = ctx.scratch(s.scratch);
  auto* scales = reinterpret_cast<float*>(scratch);
  auto* offsets = reinterpret_cast<int32_t*>(scratch + batch * 4);
  auto* q = reinterpret_cast<int8_t*>(scratch + batch * 8);
  const float* x = in.data_as<float>();
  for (int64_t b = 0; b < batch; ++b) {
    offsets[b] = 0;
    scales[b] = 1;
    if (s.batch_size == 0) continue;
    if (s.asymmetric)
      ref::asymmetric_quantize_floats(x + b * s.batch_size, s.batch_size, q + b * s.batch_size, &scales[b],
                                      &offsets[b]);
    else
      ref::symmetric_quantize_floats(x + b * s.batch_size, s.batch_size, q + b * s.batch_size, &scales[b]);
  }
  const float* bias = ctx.has_input(kBias) ? ctx.input(kBias).data_as<float>() : nullptr;
  ref::conv2d_hybrid(s.geo, q, offsets, scales, ctx.input(kFilter).data_as<int8_t>(), s.w_scales.data(), bias,
                     ctx.output(0).data_as<float>());
}

void eval(OpContext& ctx) {
  auto& s = ctx.state<ConvState>();
  if (s.fast) {
    s.fast->run(ctx);
    return;
  }
  switch (s.kind) {
    case Kind::kFloat: {
      const float* bias = ctx.has_input(kBias) ? ctx.input(kBias).data_as<float>() : nullptr;
      ref::conv2d_f32(s.geo, s.filter_in_c, ctx.input(kInput).data_as<float>(),
                      ctx.input(kFilter).data_as<float>(), bias, ctx.output(0).data_as<float>());
      break;
    }
    case Kind::kInt8:
      eval_quant<int32_t, int8_t>(ctx, s);
      break;
    case Kind::kInt16:
      if (s.acc64) eval_quant<int64_t, int16_t>(ctx, s);
      else eval_quant<int32_t, int16_t>(ctx, s);
      break;
    case Kind::kHybrid:
      eval_hybrid(ctx, s);
      break;
  }
}

}  // namespace

const KernelRegistration* Register_CONV_2D() {
  static const KernelRegistration r{"CONV_2D", prepare, eval};
  return &r;
}

}  // namespace liteq::rt
