// RESIZE_BILINEAR (float32; int8 and int16 with TFLite's integer interpolation, see
// reference/resize_int.h) and RESIZE_NEAREST_NEIGHBOR (every fixed-size dtype), NHWC.
// Input 1 is the new size: a constant int32 [2] = (height, width). Quantized outputs keep
// the input's values' scale (TFLite resizes the raw integers).
#include "kernels/kernel_util.h"
#include "kernels/reference/quant_params_int.h"
#include "kernels/reference/resize.h"
#include "kernels/reference/resize_int.h"
#include "kernels/registry.h"
#include "kernels/x86/data_s8.h"
#include "kernels/x86/resize_f32.h"

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
  ctx.set_fast(kBilinear && ((in.type == DType::kInt8 && ctx.exec().isa >= Isa::kAvx2) ||
                             (in.type == DType::kInt16 && ctx.exec().isa >= Isa::kAvx512 &&
                              (s.channels == 8 || s.channels % 16 == 0)) ||
                             (in.type == DType::kFloat32 && ctx.exec().isa >= Isa::kAvx512 && s.channels >= 8)));
}

// int8 bilinear on AVX2: the reference's integer taps, channels vectorized, output rows
// split over threads.
// int8 / int16 rows on AVX-512 (x86/data_s8.h) for 8 or 16k channels: the column taps
// once for all rows. False where they do not apply.
template <typename T>
bool resize_bilinear_int_rows(OpContext& ctx, const ref::ResizeShape& s, const T* in, T* out) {
  const int64_t C = s.channels;
  if (ctx.exec().isa < Isa::kAvx512 || !(C == 8 || C % 16 == 0)) return false;
  const int32_t sy = ref::resize_scale_10(s.in_h, s.out_h, s.align_corners);
  const int32_t sx = ref::resize_scale_10(s.in_w, s.out_w, s.align_corners);
  const size_t rows = static_cast<size_t>(s.batch) * s.out_h;
  std::vector<int32_t> lo(static_cast<size_t>(s.out_w)), hi(lo.size()), wx(lo.size());
  for (int32_t x = 0; x < s.out_w; ++x) {
    const ref::IntTap tx = ref::int_tap(x, sx, s.half_pixel_centers, s.in_w);
    const int32_t wx1 = tx.pos - (1 << 10) * tx.lo, wx0 = (1 << 10) - wx1;
    lo[x] = tx.lo;
    hi[x] = tx.hi;
    wx[x] = static_cast<int32_t>(static_cast<uint32_t>(wx0 & 0xFFFF) | static_cast<uint32_t>(wx1) << 16);
  }
  parallel_for(ctx.exec(), rows, 4, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {
      const int32_t b = static_cast<int32_t>(r / s.out_h), y = static_cast<int32_t>(r % s.out_h);
      const T* img = in + int64_t{b} * s.in_h * s.in_w * C;
      const ref::IntTap ty = ref::int_tap(y, sy, s.half_pixel_centers, s.in_h);
      const int32_t wy1 = ty.pos - (1 << 10) * ty.lo, wy0 = (1 << 10) - wy1;
      const T* row0 = img + int64_t{ty.lo} * s.in_w * C;
      const T* row1 = img + int64_t{ty.hi} * s.in_w * C;
      T* o = out + static_cast<int64_t>(r) * s.out_w * C;
      if constexpr (sizeof(T) == 1)
        x86::resize_bilinear_row_s8_avx512(row0, row1, lo.data(), hi.data(), wx.data(), wy0, wy1, o, s.out_w,
                                           static_cast<int>(C));
      else
        x86::resize_bilinear_row_s16_avx512(row0, row1, lo.data(), hi.data(), wx.data(), wy0, wy1, o, s.out_w,
                                            static_cast<int>(C));
    }
  });
  return true;
}

void resize_bilinear_s8_fast(OpContext& ctx, const ref::ResizeShape& s, const int8_t* in, int8_t* out) {
  const int32_t sy = ref::resize_scale_10(s.in_h, s.out_h, s.align_corners);
  const int32_t sx = ref::resize_scale_10(s.in_w, s.out_w, s.align_corners);
  const int64_t C = s.channels;
  const size_t rows = static_cast<size_t>(s.batch) * s.out_h;
  if (resize_bilinear_int_rows(ctx, s, in, out)) return;
  parallel_for(ctx.exec(), rows, 4, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {
      const int32_t b = static_cast<int32_t>(r / s.out_h), y = static_cast<int32_t>(r % s.out_h);
      const int8_t* img = in + int64_t{b} * s.in_h * s.in_w * C;
      const ref::IntTap ty = ref::int_tap(y, sy, s.half_pixel_centers, s.in_h);
      const int32_t wy1 = ty.pos - (1 << 10) * ty.lo, wy0 = (1 << 10) - wy1;
      const int8_t* row0 = img + int64_t{ty.lo} * s.in_w * C;
      const int8_t* row1 = img + int64_t{ty.hi} * s.in_w * C;
      int8_t* o = out + static_cast<int64_t>(r) * s.out_w * C;
      for (int32_t x = 0; x < s.out_w; ++x, o += C) {
        const ref::IntTap tx = ref::int_tap(x, sx, s.half_pixel_centers, s.in_w);
        const int32_t wx1 = tx.pos - (1 << 10) * tx.lo, wx0 = (1 << 10) - wx1;
        x86::resize_bilinear_px_s8_avx2(row0 + tx.lo * C, row0 + tx.hi * C, row1 + tx.lo * C, row1 + tx.hi * C,
                                        wy0 * wx0, wy0 * wx1, wy1 * wx0, wy1 * wx1, o, static_cast<size_t>(C));
      }
    }
  });
}

// float32 bilinear: the reference's rows split over threads (same arithmetic per row).
void resize_bilinear_f32_threads(OpContext& ctx, const ref::ResizeShape& s, const float* in, float* out) {
  if (ref::resize_is_exact_2x(s)) {
    parallel_for(ctx.exec(), static_cast<size_t>(s.batch) * s.in_h, 2, [&](size_t b, size_t e) {
      ref::resize_bilinear_2x_float_rows(s, in, out, static_cast<int64_t>(b), static_cast<int64_t>(e));
    });
    return;
  }
  const auto xs = ref::resize_column_taps(s);
  if (ctx.exec().isa >= Isa::kAvx512 && s.channels >= 8) {
    // Rows on AVX-512 (x86/resize_f32.h), the same float operations as the reference.
    std::vector<int32_t> lo(xs.size()), hi(xs.size());
    std::vector<float> dx(xs.size());
    for (size_t x = 0; x < xs.size(); ++x) {
      lo[x] = xs[x].lo;
      hi[x] = xs[x].hi;
      dx[x] = xs[x].pos - static_cast<float>(xs[x].lo);
    }
    const float sy = ref::resize_scale(s.in_h, s.out_h, s.align_corners);
    const int64_t C = s.channels;
    parallel_for(ctx.exec(), static_cast<size_t>(s.batch) * s.out_h, 4, [&](size_t b, size_t e) {
      for (size_t r = b; r < e; ++r) {
        const int64_t n = static_cast<int64_t>(r) / s.out_h;
        const int32_t y = static_cast<int32_t>(static_cast<int64_t>(r) % s.out_h);
        const float* img = in + n * s.in_h * s.in_w * C;
        const ref::LinearTap ty = ref::linear_tap(y, sy, s.in_h, s.half_pixel_centers);
        x86::resize_bilinear_row_f32_avx512(img + int64_t{ty.lo} * s.in_w * C, img + int64_t{ty.hi} * s.in_w * C,
                                            ty.pos - static_cast<float>(ty.lo), lo.data(), hi.data(), dx.data(),
                                            out + static_cast<int64_t>(r) * s.out_w * C, s.out_w,
                                            static_cast<int>(C));
      }
    });
    return;
  }
  parallel_for(ctx.exec(), static_cast<size_t>(s.batch) * s.out_h, 4, [&](size_t b, size_t e) {
    ref::resize_bilinear_float_rows(s, xs.data(), in, out, static_cast<int64_t>(b), static_cast<int64_t>(e));
  });
}

template <bool kBilinear>
void eval_resize(OpContext& ctx) {
  const auto& s = ctx.state<ResizeState>().shape;
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  if (out.num_elements() == 0) return;
  if (kBilinear) {
    switch (in.type) {
      case DType::kInt8:
        if (ctx.exec().isa >= Isa::kAvx2)
          resize_bilinear_s8_fast(ctx, s, in.data_as<int8_t>(), out.data_as<int8_t>());
        else
          ref::resize_bilinear_int(s, in.data_as<int8_t>(), out.data_as<int8_t>());
        break;
      case DType::kInt16:
        if (!resize_bilinear_int_rows(ctx, s, in.data_as<int16_t>(), out.data_as<int16_t>()))
          ref::resize_bilinear_int(s, in.data_as<int16_t>(), out.data_as<int16_t>());
        break;
      default:
        if (ctx.exec().threads() > 1 || (ctx.exec().isa >= Isa::kAvx512 && s.channels >= 8))
          resize_bilinear_f32_threads(ctx, s, in.data_as<float>(), out.data_as<float>());
        else
          ref::resize_bilinear_float(s, in.data_as<float>(), out.data_as<float>());
        break;
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
