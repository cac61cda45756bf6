// Activation channel equalization: a float-model rewrite, run before calibration, that
// evens out the per-channel ranges of the tensors between a convolution and the
// depthwise convolution (or convolution) that consumes them.
//
// An int8 activation tensor has one scale for all its channels. When one channel spans
// [0, 0.05] and another [0, 6], the first keeps 2 of its 256 steps; a consumer that
// multiplies it by large weights (MediaPipe's pose models have depthwise taps of 500)
// turns that rounding into errors of the whole output range. Scaling the producer's
// output channel c by s_c (weights and bias) and the consumer's input channel c by 1/s_c
// leaves the float model's function unchanged when the producer's activation commutes
// with positive scaling (none, RELU, and RELU6 where the scaled channel stays below 6),
// and gives every channel the tensor's full range. Per-channel (per-output-channel)
// weight quantization makes this free at the producer; at a depthwise consumer each
// channel's weights are scaled as a whole, so it is free there too. A convolution
// consumer mixes input channels in one weight row, so shrinking a channel's weights
// costs weight precision; such consumers are equalized only with conv_consumers ("all",
// the int8 default), and with the square root of the scale.
#pragma once
#include <string>
#include <vector>

#include "ir/model.h"
#include "liteq/converter.h"

namespace liteq::quant {

struct EqualizeOptions {
  // Largest scale any channel gets: dead or near-dead channels would otherwise scale
  // without bound, and a channel's calibration peak is a weak estimate of what unseen
  // data brings (16 measured as well as 64 and better on the worst photographs).
  double max_scale = 16.0;
  // A channel is scaled to fill range / margin (headroom for data beyond calibration).
  double margin = 1.0;
  // Also equalize tensors consumed by CONV_2D, with scale sqrt(range / channel range).
  bool conv_consumers = false;
};

struct EqualizeReport {
  int tensors = 0;   // producer outputs equalized
  int channels = 0;  // channels whose scale is not 1
  // Names of the tensors whose channels now hold scaled values (the producers' outputs
  // and what they flow through): they no longer equal the float model's tensors of
  // those names.
  std::vector<std::string> scaled_names;
};

// The converter renames them NAME + ir::kEqualizedSuffix in the quantized model.

// Rewrites `model` (float32 constants, folded) in place. The per-channel ranges come from
// running the float model over `samples` (the calibration data).
EqualizeReport equalize_channels(ir::ModelData& model, const std::vector<Sample>& samples, const EqualizeOptions& options);

}  // namespace liteq::quant
