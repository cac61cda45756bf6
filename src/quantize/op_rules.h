// How each operator is quantized (TFLite's quantization spec, per op). One table, so
// `grep CONV_2D src/quantize/op_rules.cc` shows everything about it.
#pragma once
#include <cstdint>

namespace liteq::quant {

enum class QKind {
  kWeighted,     // constant weights (per-axis symmetric) + optional int32/int64 bias
  kIndependent,  // output params from its own calibrated range (ADD, MUL, MEAN, ...)
  kSameScale,    // every float input and the output share one scale and zero point
  kFixed,        // output params fixed by the kernel (LOGISTIC, SOFTMAX, TANH)
};

struct OpRule {
  int32_t code;
  QKind kind;
  bool int8;   // official TFLite (2.9) and liteq have an int8 kernel
  bool int16;  // ... and an int16-activation (16x8) kernel
  int weight_input = -1;
  int weight_axis = 0;      // quantized_dimension of per-axis weights
  bool weight_per_axis = true;  // false: per-tensor weights even in per-channel mode
  int bias_input = -1;
  float fixed_scale_int8 = 0;
  int fixed_zero_point_int8 = 0;
  float fixed_scale_int16 = 0;
};

// nullptr if the op has no quantized form.
const OpRule* find_rule(int32_t code);

}  // namespace liteq::quant
