#include "quantize/op_rules.h"

#include <vector>

#include "ir/op_codes.h"

namespace liteq::quant {
namespace {

constexpr int32_t c(Op op) { return static_cast<int32_t>(op); }

OpRule weighted(Op op, bool int16, int weight, int axis, bool per_axis, int bias) {
  OpRule r{c(op), QKind::kWeighted, true, int16};
  r.weight_input = weight;
  r.weight_axis = axis;
  r.weight_per_axis = per_axis;
  r.bias_input = bias;
  return r;
}
OpRule rule(Op op, QKind kind, bool int16) { return OpRule{c(op), kind, true, int16}; }
OpRule fixed(Op op, bool int16, float s8, int zp8, float s16) {
  OpRule r{c(op), QKind::kFixed, true, int16};
  r.fixed_scale_int8 = s8;
  r.fixed_zero_point_int8 = zp8;
  r.fixed_scale_int16 = s16;
  return r;
}

const std::vector<OpRule>& rules() {
  static const std::vector<OpRule> r = {
      // Weights per axis: CONV_2D dim 0 (OHWI), DEPTHWISE_CONV_2D dim 3 ([1,H,W,C]),
      // TRANSPOSE_CONV dim 0; FULLY_CONNECTED per tensor (the spec; TFLite 2.9 kernels).
      weighted(Op::CONV_2D, true, 1, 0, true, 2),
      weighted(Op::DEPTHWISE_CONV_2D, true, 1, 3, true, 2),
      weighted(Op::FULLY_CONNECTED, true, 1, 0, false, 2),
      weighted(Op::TRANSPOSE_CONV, true, 1, 0, true, 3),
      rule(Op::ADD, QKind::kIndependent, true),
      rule(Op::SUB, QKind::kIndependent, true),
      rule(Op::MUL, QKind::kIndependent, true),
      rule(Op::MEAN, QKind::kIndependent, true),
      rule(Op::HARD_SWISH, QKind::kIndependent, false),
      rule(Op::LEAKY_RELU, QKind::kIndependent, true),
      rule(Op::PRELU, QKind::kIndependent, false),
      rule(Op::RELU, QKind::kIndependent, true),
      rule(Op::RELU6, QKind::kIndependent, true),
      rule(Op::RELU_N1_TO_1, QKind::kIndependent, false),
      rule(Op::AVERAGE_POOL_2D, QKind::kSameScale, true),
      rule(Op::MAX_POOL_2D, QKind::kSameScale, true),
      rule(Op::RESHAPE, QKind::kSameScale, true),
      rule(Op::SQUEEZE, QKind::kSameScale, true),
      rule(Op::EXPAND_DIMS, QKind::kSameScale, true),
      rule(Op::PAD, QKind::kSameScale, true),
      rule(Op::PADV2, QKind::kSameScale, true),
      rule(Op::CONCATENATION, QKind::kSameScale, true),
      rule(Op::RESIZE_BILINEAR, QKind::kSameScale, true),
      rule(Op::RESIZE_NEAREST_NEIGHBOR, QKind::kSameScale, true),
      rule(Op::SPACE_TO_DEPTH, QKind::kSameScale, false),
      rule(Op::DEPTH_TO_SPACE, QKind::kSameScale, false),
      rule(Op::TRANSPOSE, QKind::kSameScale, true),
      rule(Op::SLICE, QKind::kSameScale, true),
      rule(Op::STRIDED_SLICE, QKind::kSameScale, true),
      rule(Op::SPLIT, QKind::kSameScale, true),
      rule(Op::GATHER, QKind::kSameScale, true),
      rule(Op::MAXIMUM, QKind::kSameScale, true),
      rule(Op::MINIMUM, QKind::kSameScale, true),
      fixed(Op::LOGISTIC, true, 1.0f / 256, -128, 1.0f / 32768),
      fixed(Op::SOFTMAX, true, 1.0f / 256, -128, 1.0f / 32768),
      fixed(Op::TANH, true, 1.0f / 128, 0, 1.0f / 32768),
  };
  return r;
}

}  // namespace

const OpRule* find_rule(int32_t code) {
  for (const auto& r : rules())
    if (r.code == code) return &r;
  return nullptr;
}

}  // namespace liteq::quant
