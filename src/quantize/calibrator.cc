#include "quantize/calibrator.h"

#include <chrono>

#include <fmt/format.h>

#include "liteq/error.h"
#include "liteq/interpreter.h"
#include "runtime/interpreter_access.h"

namespace liteq::quant {

CalibrationResult calibrate(const Model& model, const SampleSource& source, const CalibrationOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  InterpreterOptions io;
  io.preserve_all_tensors = true;
  Interpreter it(model, io);
  it.allocate_tensors();
  const auto inputs = it.input_details();
  const rt::Graph& g = InterpreterAccess::graph(it);
  std::map<int, std::unique_ptr<Observer>> observers;
  for (size_t i = 0; i < g.num_model_tensors; ++i) {
    const auto& t = g.tensors[i];
    if (t.type == DType::kFloat32 && !t.is_constant()) observers[static_cast<int>(i)] = make_observer(options.observer);
  }
  CalibrationResult result;
  while (result.samples < options.max_samples) {
    auto sample = source();
    if (!sample) break;
    if (sample->size() != inputs.size())
      throw Error(ErrorKind::kInvalidArgument, fmt::format("calibration sample {} has {} arrays; the model has {} inputs",
                                                           result.samples, sample->size(), inputs.size()));
    for (size_t i = 0; i < inputs.size(); ++i) {
      const auto& a = (*sample)[i];
      if (a.shape != it.tensor_details(inputs[i].index).shape) {
        it.resize_input(inputs[i].index, a.shape, true);
        it.allocate_tensors();
      }
      it.set_tensor(inputs[i].index, a.dtype, a.shape, a.bytes);
    }
    it.invoke();
    for (auto& [idx, obs] : observers) {
      const auto& t = g.tensors[idx];
      if (t.data) obs->observe(t.data_as<float>(), static_cast<size_t>(t.num_elements()));
    }
    ++result.samples;
    if (options.progress) options.progress(result.samples, options.max_samples);
  }
  if (result.samples == 0) throw Error(ErrorKind::kInvalidArgument, "the calibration dataset is empty");
  for (auto& [idx, obs] : observers)
    if (obs->range().valid()) result.ranges[idx] = obs->range();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace liteq::quant
