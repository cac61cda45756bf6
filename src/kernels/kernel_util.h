// Small helpers shared by the kernels: padding, activation clamps, broadcasting.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/kernel_api.h"

namespace liteq::rt {

// Output size of a windowed op (conv, pool) along one spatial dim, TFLite's rule.
inline int conv_output_size(Padding padding, int in, int filter, int stride, int dilation) {
  const int effective = (filter - 1) * dilation + 1;
  if (padding == Padding::kSame) return (in + stride - 1) / stride;
  return (in - effective + stride) / stride;
}

// Leading padding along one dim (SAME pads the excess at the end when odd).
struct PadAmount {
  int before = 0;
  int after = 0;  // total - before
};
inline PadAmount compute_padding(Padding padding, int in, int filter, int stride, int dilation,
                                 int out) {
  if (padding == Padding::kValid) return {};
  const int effective = (filter - 1) * dilation + 1;
  const int total = std::max(0, (out - 1) * stride + effective - in);
  return {total / 2, total - total / 2};
}

struct FloatRange {
  float lo = std::numeric_limits<float>::lowest();
  float hi = std::numeric_limits<float>::max();
};
inline FloatRange activation_range(Activation a) {
  switch (a) {
    case Activation::kRelu: return {0.0f, std::numeric_limits<float>::max()};
    case Activation::kRelu6: return {0.0f, 6.0f};
    case Activation::kReluN1To1: return {-1.0f, 1.0f};
    default: return {};
  }
}
inline float apply_activation(float x, FloatRange r) { return std::min(std::max(x, r.lo), r.hi); }
// kTanh and kSignBit as fused activations are rejected in prepare by the ops that
// take a fused activation (TFLite's builtin kernels do not support them either).
inline void check_fused_activation(const OpContext& ctx, Activation a) {
  ctx.check(a == Activation::kNone || a == Activation::kRelu || a == Activation::kRelu6 ||
                a == Activation::kReluN1To1,
            "unsupported fused activation {}", static_cast<int>(a));
}

// Broadcasting of two shapes (numpy rules, up to rank 6).
constexpr int kMaxBroadcastRank = 6;
bool broadcast_shape(const std::vector<int32_t>& a, const std::vector<int32_t>& b,
                     std::vector<int32_t>* out);
// Strides of `shape` right-aligned to rank `rank`, 0 where the dim is broadcast (size 1).
std::array<int64_t, kMaxBroadcastRank> broadcast_strides(const std::vector<int32_t>& shape,
                                                         const std::vector<int32_t>& out);

// Normalizes a possibly negative axis; returns -1 if out of range.
inline int normalize_axis(int axis, int rank) {
  if (axis < 0) axis += rank;
  return (axis < 0 || axis >= rank) ? -1 : axis;
}

// Reads an int32 or int64 constant 1-D tensor into a vector; ctx.fail() if not constant.
std::vector<int64_t> read_int_tensor(OpContext& ctx, int input, const char* what);

// float16 <-> float32 (IEEE 754 binary16, round-to-nearest-even on the way down).
float half_to_float(uint16_t h);
uint16_t float_to_half(float f);

}  // namespace liteq::rt
