// AVERAGE_POOL_2D and MAX_POOL_2D (NHWC): float32; int8 and int16,
// quantized per tensor with the output sharing the input's parameters (TFLite computes on
// the raw integers: rounded integer average, see reference/pooling_int.h); the fused
// activation clamps in the output's quantized domain.
#include "kernels/kernel_util.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/pooling.h"
#include "kernels/reference/pooling_int.h"
#include "kernels/reference/quant_params_int.h"
#include "kernels/registry.h"
#include "kernels/x86/pool.h"

namespace liteq::rt {
namespace {

void prepare(OpContext& ctx) {
  const auto& p = ctx.params<PoolParams>();
  ctx.check_io(1, 1, 1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  ctx.check_type(in, {DType::kFloat32, DType::kInt8, DType::kInt16}, "input");
  ctx.check(out.type == in.type, "output '{}' has type {}, the input has {}", out.name, dtype_name(out.type),
            dtype_name(in.type));
  ctx.check(!in.sparsity, "input '{}' is sparse (it needs a DENSIFY first)", in.name);
  ctx.check(in.data == nullptr || in.bytes >= static_cast<size_t>(in.num_elements()) * dtype_size(in.type),
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
  if (in.type != DType::kFloat32) {
    // TFLite pools the raw integers (it only debug-checks that the output's parameters
    // equal the input's) and clamps with the output's parameters.
    per_tensor_qparams(ctx, in, "input");
    const QParams qo = per_tensor_qparams(ctx, out, "output");
    const QRange q = quantized_activation_range(p.activation, qo, out.type);
    g.q_act_min = q.lo;
    g.q_act_max = q.hi;
  }
  ctx.set_output_shape(0, {g.batch, g.out_h, g.out_w, g.channels});
  ctx.set_fast(ctx.exec().isa != Isa::kReference);
}

// Optimized pooling: the reference's arithmetic with the loops turned around (window taps
// outside, contiguous channels inside, in blocks that stay in registers) so the compiler
// vectorizes it; output rows split over threads. Each channel sees its window values in
// the reference's (ky, kx) order, so float sums round identically and integer results
// are the same.
template <bool kMax, typename T, typename Acc>
void pool_rows(const ref::PoolGeometry& g, const T* input, T* output, int64_t row_begin, int64_t row_end) {
  constexpr int kBlock = 64;
  Acc acc[kBlock];
  for (int64_t r = row_begin; r < row_end; ++r) {
    const int b = static_cast<int>(r / g.out_h), oy = static_cast<int>(r % g.out_h);
    const int iy0 = oy * g.stride_h - g.pad_top;
    const int ky_begin = std::max(0, -iy0), ky_end = std::min(g.filter_h, g.in_h - iy0);
    for (int ox = 0; ox < g.out_w; ++ox) {
      const int ix0 = ox * g.stride_w - g.pad_left;
      const int kx_begin = std::max(0, -ix0), kx_end = std::min(g.filter_w, g.in_w - ix0);
      const int count = std::max(0, ky_end - ky_begin) * std::max(0, kx_end - kx_begin);
      T* out = output + ((int64_t{b} * g.out_h + oy) * g.out_w + ox) * g.channels;
      for (int c0 = 0; c0 < g.channels; c0 += kBlock) {
        const int n = std::min(kBlock, g.channels - c0);
        for (int c = 0; c < n; ++c) acc[c] = kMax ? static_cast<Acc>(std::numeric_limits<T>::lowest()) : Acc{0};
        for (int ky = ky_begin; ky < ky_end; ++ky) {
          for (int kx = kx_begin; kx < kx_end; ++kx) {
            const T* v = input + ((int64_t{b} * g.in_h + iy0 + ky) * g.in_w + ix0 + kx) * g.channels + c0;
            for (int c = 0; c < n; ++c) {
              if constexpr (kMax) acc[c] = std::max(acc[c], static_cast<Acc>(v[c]));
              else acc[c] += static_cast<Acc>(v[c]);
            }
          }
        }
        for (int c = 0; c < n; ++c) {
          if constexpr (std::is_same_v<T, float>) {
            float a = acc[c];
            if (!kMax) a = count > 0 ? a / static_cast<float>(count) : 0.0f;
            out[c0 + c] = std::min(std::max(a, g.act_min), g.act_max);
          } else {
            int32_t a = acc[c];
            if (!kMax) a = count == 0 ? 0 : a > 0 ? (a + count / 2) / count : (a - count / 2) / count;
            out[c0 + c] = static_cast<T>(std::clamp(a, g.q_act_min, g.q_act_max));
          }
        }
      }
    }
  }
}

template <bool kMax, typename T, typename Acc>
void pool_fast(OpContext& ctx, const ref::PoolGeometry& g, const T* input, T* output) {
  parallel_for(ctx.exec(), static_cast<size_t>(g.batch) * g.out_h, 2, [&](size_t b, size_t e) {
    pool_rows<kMax, T, Acc>(g, input, output, static_cast<int64_t>(b), static_cast<int64_t>(e));
  });
}

// MAX_POOL_2D with AVX-512: one masked vector of channels per tap (x86/pool.h).
template <typename T, typename Fn>
void max_pool_avx512(OpContext& ctx, const ref::PoolGeometry& g, const T* input, T* output, Fn rows_fn) {
  const x86::MaxPoolArgs a{g.batch,    g.in_h,     g.in_w,     g.channels, g.out_h,   g.out_w,   g.filter_h,
                           g.filter_w, g.stride_h, g.stride_w, g.pad_top,  g.pad_left, g.act_min, g.act_max,
                           g.q_act_min, g.q_act_max};
  parallel_for(ctx.exec(), static_cast<size_t>(g.batch) * g.out_h, 2, [&](size_t b, size_t e) {
    rows_fn(a, input, output, static_cast<int64_t>(b), static_cast<int64_t>(e));
  });
}

template <bool kMax>
void eval(OpContext& ctx) {
  const auto& g = ctx.state<ref::PoolGeometry>();
  Tensor& out = ctx.output(0);
  if (kMax && ctx.exec().isa >= Isa::kAvx512) {
    switch (out.type) {
      case DType::kFloat32:
        return max_pool_avx512(ctx, g, ctx.input(0).data_as<float>(), out.data_as<float>(), x86::max_pool_rows_f32_avx512);
      case DType::kInt8:
        return max_pool_avx512(ctx, g, ctx.input(0).data_as<int8_t>(), out.data_as<int8_t>(), x86::max_pool_rows_s8_avx512);
      case DType::kInt16:
        return max_pool_avx512(ctx, g, ctx.input(0).data_as<int16_t>(), out.data_as<int16_t>(),
                               x86::max_pool_rows_s16_avx512);
      default: break;
    }
  }
  if (ctx.exec().isa != Isa::kReference) {
    switch (out.type) {
      case DType::kFloat32:
        return pool_fast<kMax, float, float>(ctx, g, ctx.input(0).data_as<float>(), out.data_as<float>());
      // The max of integers needs no wider accumulator (and vectorizes at full width).
      case DType::kInt8:
        return pool_fast<kMax, int8_t, std::conditional_t<kMax, int8_t, int32_t>>(ctx, g, ctx.input(0).data_as<int8_t>(),
                                                                                   out.data_as<int8_t>());
      case DType::kInt16:
        return pool_fast<kMax, int16_t, std::conditional_t<kMax, int16_t, int32_t>>(
            ctx, g, ctx.input(0).data_as<int16_t>(), out.data_as<int16_t>());
      default: break;
    }
  }
  switch (out.type) {
    case DType::kFloat32:
      ref::pool_f32<kMax>(g, ctx.input(0).data_as<float>(), out.data_as<float>());
      break;
    case DType::kInt8: ref::pool_int<kMax>(g, ctx.input(0).data_as<int8_t>(), out.data_as<int8_t>()); break;
    case DType::kInt16: ref::pool_int<kMax>(g, ctx.input(0).data_as<int16_t>(), out.data_as<int16_t>()); break;
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
