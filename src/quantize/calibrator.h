// Calibration: runs the float model over representative samples and records the range
// of every float tensor (activations and model inputs/outputs).
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "io/data/npy.h"
#include "liteq/converter.h"
#include "liteq/interpreter.h"
#include "liteq/model.h"
#include "quantize/gptq.h"
#include "quantize/observer.h"

namespace liteq::quant {

using liteq::Sample;
// Returns the next sample, or nullopt when the dataset is exhausted.
using SampleSource = std::function<std::optional<Sample>()>;

struct CalibrationOptions {
  // How each activation's range is chosen (observer.h). Model inputs always use min/max:
  // their range is the data's own (e.g. pixels in [0, 1]), and clipping it loses input.
  ObserverConfig observer;
  int max_samples = 100;
  // Input patch second moments to collect (GPTQ weight rounding); none by default.
  std::vector<PatchSpec> patches;
  // Called after each sample with (done, total or -1).
  std::function<void(int, int)> progress;
};

struct CalibrationResult {
  std::map<int, Range> ranges;  // tensor index (main subgraph) -> observed range
  // tensor index -> mean of each channel (last dimension) over all positions and samples
  std::map<int, std::vector<double>> channel_means;
  SecondMoments moments;  // one per requested PatchSpec
  int samples = 0;
  double seconds = 0;
};

// Sets the interpreter's inputs from a sample (`index`: its number, for the message),
// resizing inputs whose shape differs; throws kInvalidArgument if the array count does not
// match the model's inputs.
void feed_sample(Interpreter& it, const std::vector<TensorDetails>& inputs, const Sample& sample, int index);

// `model` must be a float model (constants already folded by passes::fold_constants).
CalibrationResult calibrate(const Model& model, const SampleSource& source, const CalibrationOptions& options);

}  // namespace liteq::quant
