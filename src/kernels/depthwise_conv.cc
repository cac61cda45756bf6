// DEPTHWISE_CONV_2D: NHWC input, filter [1, KH, KW, Cout] with Cout = Cin * depth_multiplier,
// optional bias [Cout]. As TFLite (>= 2.5) does, the multiplier is derived from the
// shapes; the options' depth_multiplier is ignored.
//   float32: float input, filter, bias and output.
//   int8:    int8 input/output (per-tensor, asymmetric), int8 filter (per tensor or per
//            output channel, dimension 3, zero points 0), int32 bias.
//   16x8:    int16 input/output (zero point 0), int8 filter, int64 bias (TFLite 2.9
//            accepts only int64 here), int64 accumulation.
//   hybrid:  float input/output, int8 filter with per-channel scales (TFLite requires
//            one per output channel), float bias; the input is quantized asymmetrically
//            per batch. Reference kernels in reference/conv_int8.h.
#include <cstring>

#include "kernels/kernel_util.h"
#include "kernels/optimized/fast_kernels.h"
#include "kernels/optimized/quantize_floats_fast.h"
#include "kernels/optimized/isa_f32.h"
#include "kernels/x86/dw_hybrid.h"
#include "kernels/x86/quantize_floats.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/conv_int8.h"
#include "kernels/reference/quant_checks_int8.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

constexpr int kInput = 0, kFilter = 1, kBias = 2;

enum class Kind : uint8_t { kFloat, kInt8, kInt16, kHybrid };

struct DepthwiseState {
  ref::ConvGeometry geo;
  int multiplier = 1;
  Kind kind = Kind::kFloat;
  // int8 / 16x8
  int32_t input_offset = 0;
  qcheck::ChannelRequant rq;
  ref::QuantOutput q;  // points into rq
  // hybrid
  std::vector<float> w_scales;
  int64_t batch_size = 0;  // input elements per batch
  size_t scratch_bytes = 0;
  int scratch = -1;
  std::unique_ptr<opt::FastKernel> fast;  // optimized kernel, if one covers the case
  // hybrid on AVX-512, one batch: the int8 tap-pair kernel with a float epilogue
  // (x86/dw_pairs_s8.h); its weights packed at prepare, its init per invoke.
  bool pairs = false;
  x86::DwPairsS8Args pair_args{};
  std::vector<int16_t> pair_w;      // [kh][pairs][blocks][16][2]
  std::vector<int32_t> pair_wsum;   // [blocks * 16]: sum of each channel's weights, wrapping
  std::vector<float> pair_wscale;   // [blocks * 16]
  int pair_threads = 1;
  int pair_scratch = -1;            // init [blocks * 16], then the threads' row caches
  // hybrid on AVX2 / AVX-512 where it fits: the float depthwise rows on (q - zero point), exact
  // integer sums in float32 (opt::f32::DepthwiseArgs::q); preferred to the pairs.
  bool reuse = false, reuse_avx512 = false;
  opt::f32::DepthwiseArgs reuse_args{};
  std::vector<float> reuse_w;       // [kh * kw][c_pad]: the int8 weights as floats
  std::vector<float> reuse_wscale;  // [c_pad]
};

void prepare_types(OpContext& ctx, DepthwiseState& s, Activation act) {
  const Tensor& in = ctx.input(kInput);
  const Tensor& filter = ctx.input(kFilter);
  Tensor& out = ctx.output(0);
  const int out_c = filter.dim(3);
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
    s.kind = Kind::kHybrid;
    s.w_scales = qcheck::weight_scales(ctx, filter, out_c, 3, true, out_c == 1, "filter");
    s.batch_size = in.dim(0) > 0 ? in.num_elements() / in.dim(0) : 0;
    // per batch: scale, zero point; then the quantized input; then (fast path) per batch
    // a row of in_c zero points, read for taps in the padding
    s.scratch_bytes = static_cast<size_t>(
        std::max<int64_t>(int64_t{in.dim(0)} * 8 + in.num_elements() + int64_t{in.dim(0)} * in.dim(3), 1));
    return;
  }
  const bool is16 = in.type == DType::kInt16;
  ctx.check_type(filter, {DType::kInt8}, "filter");
  ctx.check(out.type == in.type, "output '{}' has type {}; it must be {} as the input", out.name,
            dtype_name(out.type), dtype_name(in.type));
  const auto iq = qcheck::activation_quant(ctx, in, "input");
  const auto oq = qcheck::activation_quant(ctx, out, "output");
  const auto w_scales = qcheck::weight_scales(ctx, filter, out_c, 3, true, true, "filter");
  if (has_bias) {
    if (is16) qcheck::check_bias(ctx, ctx.input(kBias), {DType::kInt64}, out_c, true);
    else qcheck::check_bias(ctx, ctx.input(kBias), {DType::kInt32}, out_c, true);
  }
  s.kind = is16 ? Kind::kInt16 : Kind::kInt8;
  s.input_offset = -iq.zero_point;
  s.rq = qcheck::conv_requant(ctx, iq.scale, w_scales, oq.scale, is16);
  s.q.multiplier = s.rq.multiplier.data();
  s.q.shift = s.rq.shift.data();
  s.q.output_offset = oq.zero_point;
  s.q.rounding = ref::Rounding::kDouble;  // TFLite's own depthwise kernels
  qcheck::activation_range(ctx, act, oq, out.type, &s.q.act_min, &s.q.act_max);
}

bool fast_hybrid(const OpContext& ctx, const DepthwiseState& s);

// The hybrid op on AVX2 or AVX-512. Where they fit (any batch): the float depthwise rows on
// (q - zero point) with the weights as floats (opt::f32::DepthwiseArgs::q), whose sums are
// exact integers; interleaved A/B against the pairs, hand_landmark_full dynamic 2.43 ->
// 2.31 ms. Else, on AVX-512 for one batch: the int8 depthwise kernel on tap pairs
// (x86/dw_pairs_s8.h), which sums (q - zero point) * w exactly as the reference's int32
// accumulator. Either way the float epilogue is the reference's. Packs the weights.
void prepare_hybrid_fast(OpContext& ctx, DepthwiseState& s) {
  const auto& g = s.geo;
  const Isa isa = std::min(ctx.exec().isa, detect_isa());
  if (isa < Isa::kAvx2 || g.out_w <= 0 || g.out_h <= 0 || g.in_c <= 0) return;
  auto& d = s.reuse_args;
  d.in_h = g.in_h, d.in_w = g.in_w, d.c = g.out_c, d.in_c = g.in_c, d.multiplier = 1;
  d.c_pad = (g.out_c + 15) / 16 * 16;
  d.out_h = g.out_h, d.out_w = g.out_w, d.kh = g.filter_h, d.kw = g.filter_w;
  d.stride_h = g.stride_h, d.stride_w = g.stride_w, d.dil_h = g.dilation_h, d.dil_w = g.dilation_w;
  d.pad_top = g.pad_top, d.pad_left = g.pad_left, d.lo = g.act_min, d.hi = g.act_max;
  s.reuse_avx512 = isa >= Isa::kAvx512;
  if (s.reuse_avx512 ? opt::f32::depthwise_hybrid_avx512_fits(d) : opt::f32::depthwise_hybrid_avx2_fits(d)) {
    const int8_t* f = ctx.input(kFilter).data_as<int8_t>();
    const int64_t taps = int64_t{g.filter_h} * g.filter_w;
    s.reuse_w.assign(static_cast<size_t>(taps * d.c_pad), 0.0f);
    s.reuse_wscale.assign(static_cast<size_t>(d.c_pad), 0.0f);
    for (int64_t t = 0; t < taps; ++t)
      for (int ch = 0; ch < g.out_c; ++ch) s.reuse_w[static_cast<size_t>(t * d.c_pad + ch)] = f[t * g.out_c + ch];
    for (int ch = 0; ch < g.out_c; ++ch) s.reuse_wscale[ch] = s.w_scales[s.w_scales.size() == 1 ? 0 : ch];
    d.filter = s.reuse_w.data();
    d.w_scale = s.reuse_wscale.data();
    s.reuse = true;
    ctx.add_state_bytes((s.reuse_w.size() + s.reuse_wscale.size()) * 4);
    return;
  }
  if (isa < Isa::kAvx512 || g.batch != 1 || g.filter_h > 64) return;
  const int8_t* f = ctx.input(kFilter).data_as<int8_t>();
  auto& a = s.pair_args;
  a = opt::dw_pairs_args(g);
  const int c = g.out_c, cpad = a.blocks * 16;
  s.pair_w = opt::dw_pair_weights(g, f);
  s.pair_wsum.assign(cpad, 0);
  s.pair_wscale.assign(cpad, 0.0f);
  for (int64_t t = 0; t < int64_t{g.filter_h} * g.filter_w; ++t)
    for (int ch = 0; ch < c; ++ch)
      s.pair_wsum[ch] = static_cast<int32_t>(static_cast<uint32_t>(s.pair_wsum[ch]) + static_cast<uint32_t>(int32_t{f[t * c + ch]}));
  for (int ch = 0; ch < c; ++ch) s.pair_wscale[ch] = s.w_scales[s.w_scales.size() == 1 ? 0 : ch];
  a.w = s.pair_w.data();
  a.w_scale = s.pair_wscale.data();
  a.f_lo = g.act_min;
  a.f_hi = g.act_max;
  s.pair_threads = std::max(ctx.exec().threads(), 1);
  s.pairs = true;
  ctx.add_state_bytes(s.pair_w.size() * 2 + (s.pair_wsum.size() + s.pair_wscale.size()) * 4);
}

std::unique_ptr<opt::FastKernel> make_fast(OpContext& ctx, const DepthwiseState& s) {
  if (ctx.exec().isa == Isa::kReference) return nullptr;
  switch (s.kind) {
    case Kind::kFloat: return opt::make_depthwise_f32(ctx, s.geo, s.multiplier);
    case Kind::kInt8: return opt::make_depthwise_s8(ctx, s.geo, s.multiplier, s.input_offset, s.q);
    case Kind::kInt16: return opt::make_depthwise_s16(ctx, s.geo, s.multiplier, s.q);
    default: return nullptr;
  }
}

void prepare(OpContext& ctx) {
  const auto& p = ctx.params<DepthwiseConvParams>();
  ctx.check_io(2, 3, 1);
  const Tensor& in = ctx.input(kInput);
  const Tensor& filter = ctx.input(kFilter);
  ctx.check_dense(in, "input");
  ctx.check_dense(filter, "filter");
  ctx.check(in.rank() == 4, "input must be 4-D (NHWC), got rank {}", in.rank());
  ctx.check(filter.rank() == 4, "filter must be 4-D [1, KH, KW, Cout], got rank {}", filter.rank());
  ctx.check(filter.dim(0) == 1, "filter dimension 0 must be 1, got {}", filter.dim(0));
  ctx.check(filter.dim(1) >= 1 && filter.dim(2) >= 1, "filter size {}x{} must be at least 1x1",
            filter.dim(1), filter.dim(2));
  const int in_c = in.dim(3), out_c = filter.dim(3);
  ctx.check(in_c >= 1, "input must have at least one channel");
  ctx.check(out_c % in_c == 0, "filter has {} channels, not a multiple of the input's {} channels",
            out_c, in_c);
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
  prepare_types(ctx, s, p.activation);
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
  if (fast_hybrid(ctx, s)) prepare_hybrid_fast(ctx, s);
  // Last: adding a scratch buffer may move the tensors our references point to.
  if (s.scratch_bytes) s.scratch = ctx.request_scratch(s.scratch_bytes);
  if (s.pairs)
    s.pair_scratch = ctx.request_scratch(s.pair_args.blocks * 64 + opt::dw_pairs_per_thread(s.pair_args) * s.pair_threads);
  s.fast = make_fast(ctx, s);
  ctx.set_fast(s.fast != nullptr || fast_hybrid(ctx, s));
}

template <typename Acc, typename T, typename Bias>
void eval_quant(OpContext& ctx, const DepthwiseState& s) {
  const Bias* bias = ctx.has_input(kBias) ? ctx.input(kBias).data_as<Bias>() : nullptr;
  ref::depthwise_conv2d_quant<Acc>(s.geo, s.multiplier, s.input_offset, ctx.input(kInput).data_as<T>(),
                                   ctx.input(kFilter).data_as<int8_t>(), bias, s.q, ctx.output(0).data_as<T>());
}

void eval_hybrid(OpContext& ctx, const DepthwiseState& s) {
  const int64_t batch = s.geo.batch;
  uint8_t* scratch = ctx.scratch(s.scratch);
  auto* scales = reinterpret_cast<float*>(scratch);
  auto* offsets = reinterpret_cast<int32_t*>(scratch + batch * 4);
  auto* q = reinterpret_cast<int8_t*>(scratch + batch * 8);
  const float* x = ctx.input(kInput).data_as<float>();
  for (int64_t b = 0; b < batch; ++b) {
    offsets[b] = 0;
    scales[b] = 1;
    if (s.batch_size > 0)
      ref::asymmetric_quantize_floats(x + b * s.batch_size, s.batch_size, q + b * s.batch_size, &scales[b],
                                      &offsets[b]);
  }
  const float* bias = ctx.has_input(kBias) ? ctx.input(kBias).data_as<float>() : nullptr;
  ref::depthwise_conv2d_hybrid(s.geo, s.multiplier, q, offsets, scales, ctx.input(kFilter).data_as<int8_t>(),
                               s.w_scales.data(), bias, ctx.output(0).data_as<float>());
}

// The hybrid path with optimized kernels: vectorized input quantization, then the
// depthwise rows over threads (kernels/x86/dw_hybrid.h); the reference's results.
bool fast_hybrid(const OpContext& ctx, const DepthwiseState& s) {
  return s.kind == Kind::kHybrid && s.multiplier == 1 && ctx.exec().isa >= Isa::kAvx2;
}

// opt::asymmetric_quantize_floats over the pool's threads: min/max per chunk, combined
// (min and max are exact in any order; -0 and +0 give the same scale and zero point),
// then the elementwise quantization per chunk. The same scale, zero point and bytes for
// every thread count.
void quantize_input_threads(const ExecConfig& e, const float* x, int64_t n, int8_t* q, float* scale, int32_t* zp) {
  constexpr int kMaxChunks = 64;
  constexpr int64_t kMinChunk = 16384;
  const int64_t want = std::min<int64_t>({e.threads(), kMaxChunks, n / kMinChunk});
  if (want <= 1) {
    opt::asymmetric_quantize_floats(e.isa, x, n, q, scale, zp);
    return;
  }
  const bool avx512 = e.isa >= Isa::kAvx512;
  const int64_t chunk = (n / want + 63) / 64 * 64;
  const int64_t chunks = (n + chunk - 1) / chunk;
  float mn[kMaxChunks], mx[kMaxChunks];
  bool ok[kMaxChunks];
  parallel_for(e, static_cast<size_t>(chunks), 1, [&](size_t c0, size_t c1) {
    for (size_t c = c0; c < c1; ++c) {
      const int64_t b = static_cast<int64_t>(c) * chunk;
      ok[c] = x86::minmax_f32(avx512, x + b, static_cast<size_t>(std::min(chunk, n - b)), &mn[c], &mx[c]);
    }
  });
  float lo = mn[0], hi = mx[0];
  for (int64_t c = 0; c < chunks; ++c) {
    if (!ok[c]) {  // a NaN: the reference's own handling
      ref::asymmetric_quantize_floats(x, n, q, scale, zp);
      return;
    }
    lo = mn[c] < lo ? mn[c] : lo;
    hi = mx[c] > hi ? mx[c] : hi;
  }
  if (!ref::asymmetric_quant_params(lo, hi, scale, zp)) {
    std::memset(q, 0, static_cast<size_t>(n));
    *scale = 1;
    *zp = 0;
    return;
  }
  const float inv = 1.0f / *scale, fzp = static_cast<float>(*zp);
  parallel_for(e, static_cast<size_t>(chunks), 1, [&](size_t c0, size_t c1) {
    const int64_t b = static_cast<int64_t>(c0) * chunk, end = std::min(static_cast<int64_t>(c1) * chunk, n);
    x86::quantize_floats(avx512, x + b, static_cast<size_t>(end - b), inv, fzp, -128, 127, q + b);
  });
}

void eval_hybrid_fast(OpContext& ctx, const DepthwiseState& s) {
  const int64_t batch = s.geo.batch;
  uint8_t* scratch = ctx.scratch(s.scratch);
  auto* scales = reinterpret_cast<float*>(scratch);
  auto* offsets = reinterpret_cast<int32_t*>(scratch + batch * 4);
  auto* q = reinterpret_cast<int8_t*>(scratch + batch * 8);
  const float* x = ctx.input(kInput).data_as<float>();
  for (int64_t b = 0; b < batch; ++b) {
    offsets[b] = 0;
    scales[b] = 1;
    if (s.batch_size > 0)
      quantize_input_threads(ctx.exec(), x + b * s.batch_size, s.batch_size, q + b * s.batch_size, &scales[b],
                             &offsets[b]);
  }
  const auto& g = s.geo;
  const float* bias = ctx.has_input(kBias) ? ctx.input(kBias).data_as<float>() : nullptr;
  if (s.reuse) {
    const int64_t out_batch = int64_t{g.out_h} * g.out_w * g.out_c;
    const double macs = static_cast<double>(out_batch) * g.filter_h * g.filter_w;
    const size_t grain = macs < (1 << 16) ? static_cast<size_t>(g.out_h) : 1;
    for (int64_t b = 0; b < batch; ++b) {
      opt::f32::DepthwiseArgs d = s.reuse_args;
      d.q = q + b * s.batch_size;
      d.q_zp = offsets[b];
      d.q_scale = scales[b];
      d.bias = bias;
      d.output = ctx.output(0).data_as<float>() + b * out_batch;
      parallel_for(ctx.exec(), static_cast<size_t>(g.out_h), grain, [&](size_t r0, size_t r1) {
        if (s.reuse_avx512) opt::f32::depthwise_f32_avx512(d, static_cast<int64_t>(r0), static_cast<int64_t>(r1));
        else opt::f32::depthwise_f32_avx2(d, static_cast<int64_t>(r0), static_cast<int64_t>(r1));
      });
    }
    return;
  }
  if (s.pairs) {
    x86::DwPairsS8Args a = s.pair_args;
    uint8_t* base = ctx.scratch(s.pair_scratch);
    auto* init = reinterpret_cast<int32_t*>(base);
    // init = input_offset * sum(w) with input_offset = -zero point, wrapping.
    const uint32_t in_off = static_cast<uint32_t>(-offsets[0]);
    for (int c = 0; c < a.blocks * 16; ++c)
      init[c] = static_cast<int32_t>(in_off * static_cast<uint32_t>(s.pair_wsum[c]));
    a.in = q;
    a.init = init;
    a.zero_point = static_cast<int8_t>(offsets[0]);
    a.out_f = ctx.output(0).data_as<float>();
    a.f_bias = bias;
    a.in_scale = scales[0];
    opt::run_dw_pairs(ctx.exec(), a, s.pair_threads, base + a.blocks * 64);
    return;
  }
  int8_t* pad = q + batch * s.batch_size;  // zero points lie in [-128, 127]
  for (int64_t b = 0; b < batch; ++b) std::memset(pad + b * g.in_c, static_cast<int8_t>(offsets[b]), g.in_c);
  x86::DwHybridArgs a{q, g.batch, g.in_h, g.in_w, g.in_c, g.filter_h, g.filter_w, g.stride_h, g.stride_w,
                      g.dilation_h, g.dilation_w, g.pad_top, g.pad_left, g.out_h, g.out_w, offsets, scales,
                      ctx.input(kFilter).data_as<int8_t>(), s.w_scales.data(), bias, g.act_min, g.act_max,
                      ctx.output(0).data_as<float>(), pad};
  const bool avx512 = ctx.exec().isa >= Isa::kAvx512;
  parallel_for(ctx.exec(), static_cast<size_t>(g.batch) * g.out_h, 1, [&](size_t r0, size_t r1) {
    if (avx512) x86::dw_hybrid_rows_avx512(a, static_cast<int64_t>(r0), static_cast<int64_t>(r1));
    else x86::dw_hybrid_rows_avx2(a, static_cast<int64_t>(r0), static_cast<int64_t>(r1));
  });
}

void eval(OpContext& ctx) {
  auto& s = ctx.state<DepthwiseState>();
  if (s.fast) {
    s.fast->run(ctx);
    return;
  }
  switch (s.kind) {
    case Kind::kFloat: {
      const float* bias = ctx.has_input(kBias) ? ctx.input(kBias).data_as<float>() : nullptr;
      ref::depthwise_conv2d_f32(s.geo, s.multiplier, ctx.input(kInput).data_as<float>(),
                                ctx.input(kFilter).data_as<float>(), bias, ctx.output(0).data_as<float>());
      break;
    }
    case Kind::kInt8:
      eval_quant<int32_t, int8_t, int32_t>(ctx, s);
      break;
    case Kind::kInt16:
      eval_quant<int64_t, int16_t, int64_t>(ctx, s);
      break;
    case Kind::kHybrid:
      if (fast_hybrid(ctx, s)) eval_hybrid_fast(ctx, s);
      else eval_hybrid(ctx, s);
      break;
  }
}

}  // namespace

const KernelRegistration* Register_DEPTHWISE_CONV_2D() {
  static const KernelRegistration r{"DEPTHWISE_CONV_2D", prepare, eval};
  return &r;
}

}  // namespace liteq::rt
