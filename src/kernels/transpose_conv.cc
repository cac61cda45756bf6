// TRANSPOSE_CONV (float32) and MediaPipe's custom op Convolution2DTransposeBias.
//
// TRANSPOSE_CONV inputs: 0 output_shape (constant int32 [4]), 1 weights OHWI
// [Cout, KH, KW, Cin], 2 input NHWC, 3 optional bias [Cout]. Padding is computed the way
// TFLite does for this op: as the padding of the forward conv that maps the output
// (size out) back to the input: n = conv_output_size(padding, out, k, stride),
// total = max(0, (n - 1) * stride + k - out), before = total / 2 (for both paddings; with
// VALID it is 0 unless the filter is larger than the output).
//
// Convolution2DTransposeBias inputs: 0 input NHWC, 1 weights OHWI, 2 bias [Cout];
// custom_options = the C struct {int32 padding (1 SAME, 2 VALID), int32 stride_width,
// int32 stride_height}. Its output size and padding follow MediaPipe's kernel:
//   VALID: out = (in - 1) * stride + k, no padding;
//   SAME:  total = max(0, k - (in - 1) % stride - 1), out = (in - 1) * stride + k - total,
//          before = total / 2. This is in * stride for stride 1, and for stride 2 with an
//          even input size and k >= 2 (the usual upsampling layers), but not always:
//          in = 3, stride 2, k = 3 gives 5 (MediaPipe's rule, which we reproduce).
// The bias initializes the output (MediaPipe's order); no fused activation.
//
// Types (TRANSPOSE_CONV; Convolution2DTransposeBias is float only):
//   float32: float input, weights, bias and output.
//   int8:    int8 input/output (per-tensor, asymmetric), int8 weights (per tensor or per
//            output channel, dimension 0, zero points 0), int32 bias; int32 accumulators.
//   16x8:    int16 input/output (zero point 0), int8 weights, int64 or int32 bias. As
//            TFLite 2.9: int64 bias accumulates and requantizes in int64 (its reference
//            kernel); int32 bias or none in int32 (its optimized kernel).
// TFLite 2.9 has no hybrid TRANSPOSE_CONV (it requires the weights' type to be the
// input's), so neither do we. Reference kernels in reference/conv_int8.h.
//
// float32 (both ops) with constant weights and bias, at any ISA level but reference:
// GEMM + col2im (opt::make_transpose_conv_f32). int8 TRANSPOSE_CONV with constant weights
// and bias at AVX2 and above: the int8 GEMM, bit-exact (opt::make_transpose_conv_s8).
#include <cstring>
#include <memory>

#include "kernels/kernel_util.h"
#include "kernels/optimized/fast_kernels.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/conv_int8.h"
#include "kernels/reference/quant_checks_int8.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

enum class Kind : uint8_t { kFloat, kInt8, kInt16 };

struct TransposeConvState {
  ref::ConvGeometry geo;
  bool bias_first = false;
  Kind kind = Kind::kFloat;
  // int8 / 16x8
  int32_t input_offset = 0;
  qcheck::ChannelRequant rq;
  ref::QuantOutput q;  // points into rq
  int scratch = -1;    // the accumulators
  std::unique_ptr<opt::FastKernel> fast;  // float32 optimized kernel, if one covers the case
};

constexpr int64_t kIntMax = 0x7fffffff;

// Checks input/weights/bias shapes and fills the parts of the geometry they determine.
// The dtypes have been checked by the caller.
void check_tensors(OpContext& ctx, int input, int weights, int bias, ref::ConvGeometry& g) {
  const Tensor& in = ctx.input(input);
  const Tensor& w = ctx.input(weights);
  ctx.check_dense(in, "input");
  ctx.check_dense(w, "weights");
  ctx.check(in.rank() == 4, "input must be 4-D (NHWC), got rank {}", in.rank());
  ctx.check(w.rank() == 4, "weights must be 4-D (OHWI), got rank {}", w.rank());
  ctx.check(w.dim(1) >= 1 && w.dim(2) >= 1, "filter size {}x{} must be at least 1x1", w.dim(1), w.dim(2));
  ctx.check(in.dim(3) == w.dim(3), "input has {} channels, weights expect {}", in.dim(3), w.dim(3));
  if (bias >= 0 && ctx.has_input(bias) && in.type == DType::kFloat32) {
    const Tensor& b = ctx.input(bias);
    ctx.check_type(b, {DType::kFloat32}, "bias");
    ctx.check_dense(b, "bias");
    ctx.check(b.rank() == 1 && b.dim(0) == w.dim(0), "bias must have shape [{}]", w.dim(0));
  }
  g.batch = in.dim(0);
  g.in_h = in.dim(1);
  g.in_w = in.dim(2);
  g.in_c = in.dim(3);
  g.out_c = w.dim(0);
  g.filter_h = w.dim(1);
  g.filter_w = w.dim(2);
}

// The scatter loop computes iy * stride - pad + ky in int.
void check_scatter_fits(const OpContext& ctx, const ref::ConvGeometry& g) {
  ctx.check(int64_t{g.in_h} * g.stride_h + g.filter_h <= kIntMax &&
                int64_t{g.in_w} * g.stride_w + g.filter_w <= kIntMax,
            "stride or filter size too large");
}

// ---- TRANSPOSE_CONV ------------------------------------------------------------------

constexpr int kOutputShape = 0, kWeights = 1, kInput = 2, kBias = 3;

// TFLite's padding for transpose conv (see the file comment).
int tflite_padding(Padding padding, int out, int filter, int stride) {
  const int n = conv_output_size(padding, out, filter, stride, 1);
  const int64_t total = std::max<int64_t>(0, (int64_t{n} - 1) * stride + filter - out);
  return static_cast<int>(total / 2);
}

void check_float_types(OpContext& ctx, int input, int weights) {
  ctx.check_type(ctx.input(input), {DType::kFloat32}, "input");
  ctx.check_type(ctx.input(weights), {DType::kFloat32}, "weights");
  ctx.check_type(ctx.output(0), {DType::kFloat32}, "output");
}

// TRANSPOSE_CONV's dtypes and quantization parameters.
void prepare_types(OpContext& ctx, TransposeConvState& s, Activation act) {
  const Tensor& in = ctx.input(kInput);
  ctx.check_type(in, {DType::kFloat32, DType::kInt8, DType::kInt16}, "input");
  if (in.type == DType::kFloat32) {
    check_float_types(ctx, kInput, kWeights);
    s.kind = Kind::kFloat;
    return;
  }
  const Tensor& w = ctx.input(kWeights);
  Tensor& out = ctx.output(0);
  const bool is16 = in.type == DType::kInt16;
  ctx.check_type(w, {DType::kInt8}, "weights");
  ctx.check(out.type == in.type, "output '{}' has type {}; it must be {} as the input", out.name,
            dtype_name(out.type), dtype_name(in.type));
  ctx.check(w.rank() == 4, "weights must be 4-D (OHWI), got rank {}", w.rank());
  const int out_c = w.dim(0);
  const auto iq = qcheck::activation_quant(ctx, in, "input");
  const auto oq = qcheck::activation_quant(ctx, out, "output");
  const auto w_scales = qcheck::weight_scales(ctx, w, out_c, 0, true, true, "weights");
  if (ctx.has_input(kBias)) {
    if (is16) qcheck::check_bias(ctx, ctx.input(kBias), {DType::kInt64, DType::kInt32}, out_c, true);
    else qcheck::check_bias(ctx, ctx.input(kBias), {DType::kInt32}, out_c, true);
  }
  s.kind = is16 ? Kind::kInt16 : Kind::kInt8;
  s.input_offset = -iq.zero_point;
  s.rq = qcheck::conv_requant(ctx, iq.scale, w_scales, oq.scale, is16);
  s.q.multiplier = s.rq.multiplier.data();
  s.q.shift = s.rq.shift.data();
  s.q.output_offset = oq.zero_point;
  // TFLite requantizes the gemm + col2im sums with its own MultiplyByQuantizedMultiplier.
  s.q.rounding = ref::Rounding::kDouble;
  qcheck::activation_range(ctx, act, oq, out.type, &s.q.act_min, &s.q.act_max);
}

void prepare(OpContext& ctx) {
  const auto& p = ctx.params<TransposeConvParams>();
  ctx.check_io(3, 4, 1);
  auto& s = ctx.make_state<TransposeConvState>();
  auto& g = s.geo;
  check_fused_activation(ctx, p.activation);
  prepare_types(ctx, s, p.activation);
  check_tensors(ctx, kInput, kWeights, kBias, g);
  ctx.check_type(ctx.input(kOutputShape), {DType::kInt32}, "output_shape");
  const std::vector<int64_t> shape = read_int_tensor(ctx, kOutputShape, "output_shape");
  ctx.check(shape.size() == 4, "output_shape must have 4 elements, got {}", shape.size());
  ctx.check(shape[0] == g.batch, "output_shape batch {} differs from the input's {}", shape[0], g.batch);
  ctx.check(shape[3] == g.out_c, "output_shape has {} channels, the weights give {}", shape[3], g.out_c);
  ctx.check(shape[1] >= 0 && shape[2] >= 0, "output_shape has a negative dimension");
  ctx.check(p.padding == Padding::kSame || p.padding == Padding::kValid, "unknown padding {}",
            static_cast<int>(p.padding));
  ctx.check(p.stride_h >= 1 && p.stride_w >= 1, "strides must be >= 1, got {}x{}", p.stride_h, p.stride_w);
  g.out_h = static_cast<int>(shape[1]);
  g.out_w = static_cast<int>(shape[2]);
  g.stride_h = p.stride_h;
  g.stride_w = p.stride_w;
  ctx.check(ref::window_fits_int(g.out_h, g.filter_h, g.stride_h, 1) &&
                ref::window_fits_int(g.out_w, g.filter_w, g.stride_w, 1),
            "stride or filter size too large");
  check_scatter_fits(ctx, g);
  g.pad_top = tflite_padding(p.padding, g.out_h, g.filter_h, g.stride_h);
  g.pad_left = tflite_padding(p.padding, g.out_w, g.filter_w, g.stride_w);
  const FloatRange r = activation_range(p.activation);
  g.act_min = r.lo;
  g.act_max = r.hi;
  s.bias_first = false;
  const int64_t n = int64_t{g.batch} * g.out_h * g.out_w * g.out_c;
  if (s.kind != Kind::kFloat) ctx.check(n <= (int64_t{1} << 36), "output too large");
  ctx.set_output_shape(0, {g.batch, g.out_h, g.out_w, g.out_c});
  if (ctx.exec().isa != Isa::kReference) {
    if (s.kind == Kind::kFloat) s.fast = opt::make_transpose_conv_f32(ctx, g, kInput, kWeights, kBias, s.bias_first);
    else if (s.kind == Kind::kInt8) s.fast = opt::make_transpose_conv_s8(ctx, g, kInput, kWeights, kBias, s.input_offset, s.q);
  }
  if (s.kind != Kind::kFloat && !s.fast)  // the reference's accumulators (sized for int64 in 16x8)
    s.scratch = ctx.request_scratch(static_cast<size_t>(std::max<int64_t>(n, 1)) *
                                    (s.kind == Kind::kInt16 ? sizeof(int64_t) : sizeof(int32_t)));
  ctx.set_fast(s.fast != nullptr);
}

template <typename Acc, typename T, typename Bias>
void eval_quant(OpContext& ctx, const TransposeConvState& s) {
  const Bias* bias = ctx.has_input(kBias) ? ctx.input(kBias).data_as<Bias>() : nullptr;
  ref::transpose_conv2d_quant(s.geo, s.input_offset, ctx.input(kInput).data_as<T>(),
                              ctx.input(kWeights).data_as<int8_t>(), bias, s.q,
                              reinterpret_cast<Acc*>(ctx.scratch(s.scratch)), ctx.output(0).data_as<T>());
}

void eval(OpContext& ctx) {
  const auto& s = ctx.state<TransposeConvState>();
  if (s.fast) {
    s.fast->run(ctx);
    return;
  }
  switch (s.kind) {
    case Kind::kFloat: {
      const float* bias = ctx.has_input(kBias) ? ctx.input(kBias).data_as<float>() : nullptr;
      ref::transpose_conv2d_f32(s.geo, ctx.input(kInput).data_as<float>(),
                                ctx.input(kWeights).data_as<float>(), bias, s.bias_first,
                                ctx.output(0).data_as<float>());
      break;
    }
    case Kind::kInt8:
      eval_quant<int32_t, int8_t, int32_t>(ctx, s);
      break;
    case Kind::kInt16:
      // As TFLite 2.9: int64 bias takes the reference kernel (int64 accumulators and
      // requantization); int32 bias or none its optimized kernel, int32 accumulators.
      if (ctx.has_input(kBias) && ctx.input(kBias).type == DType::kInt64) eval_quant<int64_t, int16_t, int64_t>(ctx, s);
      else eval_quant<int32_t, int16_t, int32_t>(ctx, s);
      break;
  }
}

// ---- Convolution2DTransposeBias (MediaPipe) ------------------------------------------

constexpr int kMpInput = 0, kMpWeights = 1, kMpBias = 2;

int32_t read_le_i32(const uint8_t* p) {
  const uint32_t u = uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
  int32_t v;
  std::memcpy(&v, &u, sizeof v);
  return v;
}

void prepare_mp(OpContext& ctx) {
  ctx.check_io(3, 3, 1);
  const auto& opts = ctx.node().custom_options;
  ctx.check(opts.size() == 12,
            "custom options must be 12 bytes (padding, stride_width, stride_height), got {}",
            opts.size());
  const int32_t padding = read_le_i32(opts.data());
  const int32_t stride_w = read_le_i32(opts.data() + 4);
  const int32_t stride_h = read_le_i32(opts.data() + 8);
  ctx.check(padding == 1 || padding == 2, "padding must be 1 (SAME) or 2 (VALID), got {}", padding);
  ctx.check(stride_h >= 1 && stride_w >= 1, "strides must be >= 1, got {}x{}", stride_h, stride_w);
  auto& s = ctx.make_state<TransposeConvState>();
  auto& g = s.geo;
  check_float_types(ctx, kMpInput, kMpWeights);
  check_tensors(ctx, kMpInput, kMpWeights, kMpBias, g);
  ctx.check(g.in_h >= 1 && g.in_w >= 1, "input height and width must be >= 1, got {}x{}", g.in_h, g.in_w);
  g.stride_h = stride_h;
  g.stride_w = stride_w;
  check_scatter_fits(ctx, g);
  auto size = [&](int in, int k, int stride, int* pad) {
    const int total = padding == 1 ? std::max(0, k - (in - 1) % stride - 1) : 0;
    *pad = total / 2;
    return (in - 1) * stride + k - total;
  };
  g.out_h = size(g.in_h, g.filter_h, g.stride_h, &g.pad_top);
  g.out_w = size(g.in_w, g.filter_w, g.stride_w, &g.pad_left);
  const FloatRange r = activation_range(Activation::kNone);
  g.act_min = r.lo;
  g.act_max = r.hi;
  s.bias_first = true;
  ctx.set_output_shape(0, {g.batch, g.out_h, g.out_w, g.out_c});
  if (ctx.exec().isa != Isa::kReference)
    s.fast = opt::make_transpose_conv_f32(ctx, g, kMpInput, kMpWeights, kMpBias, s.bias_first);
  ctx.set_fast(s.fast != nullptr);
}

void eval_mp(OpContext& ctx) {
  const auto& s = ctx.state<TransposeConvState>();
  if (s.fast) {
    s.fast->run(ctx);
    return;
  }
  Tensor& out = ctx.output(0);
  switch (out.type) {
    case DType::kFloat32:
      ref::transpose_conv2d_f32(s.geo, ctx.input(kMpInput).data_as<float>(),
                                ctx.input(kMpWeights).data_as<float>(),
                                ctx.input(kMpBias).data_as<float>(), s.bias_first, out.data_as<float>());
      break;
    default:
      ctx.fail("unsupported output type {}", dtype_name(out.type));
  }
}

}  // namespace

const KernelRegistration* Register_TRANSPOSE_CONV() {
  static const KernelRegistration r{"TRANSPOSE_CONV", prepare, eval};
  return &r;
}

const KernelRegistration* Register_Convolution2DTransposeBias() {
  static const KernelRegistration r{"Convolution2DTransposeBias", prepare_mp, eval_mp};
  return &r;
}

}  // namespace liteq::rt
