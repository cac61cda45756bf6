// Prepare-time validation of quantization parameters for the quantized (int8, 16x8)
// and hybrid kernels of CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV, FULLY_CONNECTED and
// BATCH_MATMUL, and the computation of their requantization parameters. The model is
// untrusted: everything the kernels rely on is checked here and reported through
// ctx.fail (never an assert or a crash). Unlike the rest of reference/, these helpers
// take the OpContext; they are header-only so that each op file includes what it uses.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/kernel_api.h"
#include "kernels/reference/requant_int8.h"

namespace liteq::rt::qcheck {

inline bool positive_finite(float s) { return std::isfinite(s) && s > 0; }

// Per-tensor quantization of an int8 or int16 activation (input or output): exactly
// one scale, positive and finite; the zero point in the type's range, and 0 for int16
// (TFLite's 16x8 kernels require symmetric int16 activations).
struct ActQuant {
  float scale = 0;
  int32_t zero_point = 0;
};
inline ActQuant activation_quant(const OpContext& ctx, const Tensor& t, const char* what) {
  const auto& q = t.quant;
  ctx.check(q.scale.size() == 1, "{} '{}' must be quantized per tensor (one scale), it has {} scales", what,
            t.name, q.scale.size());
  ctx.check(q.zero_point.size() == 1, "{} '{}' must have one zero point, it has {}", what, t.name,
            q.zero_point.size());
  ctx.check(positive_finite(q.scale[0]), "{} '{}' has scale {}; it must be positive and finite", what, t.name,
            q.scale[0]);
  const int64_t zp = q.zero_point[0];
  if (t.type == DType::kInt16) {
    ctx.check(zp == 0, "{} '{}' is int16 with zero point {}; 16x8 kernels need zero point 0", what, t.name, zp);
  } else {
    ctx.check(zp >= -128 && zp <= 127, "{} '{}' has zero point {}, outside int8's range", what, t.name, zp);
  }
  return {q.scale[0], static_cast<int32_t>(zp)};
}

// Scales of int8 symmetric weights, expanded to one per output channel: one scale
// (per tensor, when per_tensor_ok) or `channels` scales along dimension `axis` (when
// per_axis_ok). Every scale positive and finite, every zero point 0.
inline std::vector<float> weight_scales(const OpContext& ctx, const Tensor& w, int channels, int axis,
                                        bool per_axis_ok, bool per_tensor_ok, const char* what) {
  const auto& q = w.quant;
  ctx.check(!q.scale.empty(), "{} '{}' is int8 but has no quantization parameters", what, w.name);
  const size_t n = q.scale.size();
  if (n == 1 && channels != 1) {
    ctx.check(per_tensor_ok, "{} '{}' must be quantized per channel along dimension {} ({} scales), it has one",
              what, w.name, axis, channels);
  } else if (n > 1) {
    ctx.check(per_axis_ok, "{} '{}' must be quantized per tensor (one scale), it has {} scales", what, w.name, n);
    ctx.check(q.axis == axis, "{} '{}' is quantized along dimension {}; expected dimension {}", what, w.name,
              q.axis, axis);
    ctx.check(n == static_cast<size_t>(channels), "{} '{}' has {} scales for {} channels", what, w.name, n,
              channels);
  }
  ctx.check(q.zero_point.size() == n, "{} '{}' has {} zero points for {} scales", what, w.name,
            q.zero_point.size(), n);
  for (size_t i = 0; i < n; ++i) {
    ctx.check(positive_finite(q.scale[i]), "{} '{}' has scale {} at index {}; it must be positive and finite", what,
              w.name, q.scale[i], i);
    ctx.check(q.zero_point[i] == 0, "{} '{}' has zero point {} at index {}; int8 weights must be symmetric (0)",
              what, w.name, q.zero_point[i], i);
  }
  std::vector<float> s(static_cast<size_t>(channels));
  for (int c = 0; c < channels; ++c) s[c] = q.scale[n == 1 ? 0 : c];
  return s;
}

// A quantized bias: one of `types`, `channels` elements; zero points 0 (TFLite checks
// the legacy zero point; we check every one).
inline void check_bias(const OpContext& ctx, const Tensor& b, std::initializer_list<DType> types, int channels,
                       bool rank1) {
  ctx.check_type(b, types, "bias");
  if (rank1) ctx.check(b.rank() == 1 && b.dim(0) == channels, "bias must have shape [{}]", channels);
  else ctx.check(b.num_elements() == channels, "bias has {} elements, expected {}", b.num_elements(), channels);
  for (size_t i = 0; i < b.quant.zero_point.size(); ++i)
    ctx.check(b.quant.zero_point[i] == 0, "bias '{}' has zero point {}; it must be 0", b.name,
              b.quant.zero_point[i]);
  ctx.check(!b.sparsity, "bias '{}' is sparse (it needs a DENSIFY first)", b.name);
  ctx.check(b.data == nullptr || b.bytes >= static_cast<size_t>(b.num_elements()) * dtype_size(b.type),
            "bias '{}' holds {} bytes, its shape needs more", b.name, b.bytes);
}

// Per-channel requantization multipliers. `real[c]` is the real multiplier of channel c.
// int64_acc: the channel uses TFLite's int64 requantization, which needs shift <= 14
// (its multiplier is reduced to 16 bits and shifted right by 15 - shift); the int32 one
// needs shift <= 30. Larger multipliers (the output scale tiny next to input x weight
// scales) are rejected: TFLite's arithmetic is undefined there.
struct ChannelRequant {
  std::vector<int32_t> multiplier;
  std::vector<int32_t> shift;
};
inline ChannelRequant requant_params(const OpContext& ctx, const std::vector<double>& real, bool int64_acc) {
  ChannelRequant r;
  r.multiplier.resize(real.size());
  r.shift.resize(real.size());
  for (size_t c = 0; c < real.size(); ++c) {
    ctx.check(std::isfinite(real[c]) && real[c] >= 0, "channel {}: requantization multiplier {} is not finite", c,
              real[c]);
    int shift = 0;
    quantize_multiplier(real[c], &r.multiplier[c], &shift);
    ctx.check(shift <= (int64_acc ? 14 : 30),
              "channel {}: requantization multiplier {} (input scale x weight scale / output scale) is too large", c,
              real[c]);
    r.shift[c] = shift;
  }
  return r;
}

// CONV_2D / DEPTHWISE_CONV_2D / TRANSPOSE_CONV (TFLite's PopulateConvolutionQuantizationParams):
// real[c] = double(input_scale) * double(weight_scale[c]) / double(output_scale).
inline ChannelRequant conv_requant(const OpContext& ctx, float in_scale, const std::vector<float>& w_scales,
                                   float out_scale, bool int64_acc) {
  std::vector<double> real(w_scales.size());
  for (size_t c = 0; c < w_scales.size(); ++c)
    real[c] = static_cast<double>(in_scale) * static_cast<double>(w_scales[c]) / static_cast<double>(out_scale);
  return requant_params(ctx, real, int64_acc);
}

// The output activation's integer range.
inline void activation_range(const OpContext& ctx, Activation a, const ActQuant& out, DType type, int32_t* lo,
                             int32_t* hi) {
  const int32_t qmin = type == DType::kInt16 ? -32768 : -128;
  const int32_t qmax = type == DType::kInt16 ? 32767 : 127;
  ctx.check(ref::quantized_activation_range(static_cast<int>(a), out.scale, out.zero_point, qmin, qmax, lo, hi),
            "the fused activation's bounds overflow int32 at output scale {}", out.scale);
}

}  // namespace liteq::rt::qcheck
