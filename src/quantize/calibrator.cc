#include "quantize/calibrator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

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
  check_observer_config(options.observer);
  std::map<int, std::unique_ptr<Observer>> observers;
  std::set<int> model_inputs;
  for (const auto& d : inputs) model_inputs.insert(d.index);
  for (size_t i = 0; i < g.num_model_tensors; ++i) {
    const auto& t = g.tensors[i];
    if (t.type == DType::kFloat32 && !t.is_constant())
      observers[static_cast<int>(i)] = model_inputs.count(static_cast<int>(i)) ? std::make_unique<MinMaxObserver>()
                                                                                : make_observer(options.observer);
  }
  CalibrationResult result;
  for (const auto& ps : options.patches) result.moments[ps.key()].spec = ps;
  std::map<int, std::vector<double>> sums;
  std::map<int, double> rows;
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
      if (!t.data) continue;
      const float* x = t.data_as<float>();
      const size_t n = static_cast<size_t>(t.num_elements());
      obs->observe(x, n);
      // Per-channel means (bias correction): channels = the last dimension.
      const size_t ch = t.dims.empty() ? 1 : static_cast<size_t>(std::max<int32_t>(1, t.dims.back()));
      if (n == 0 || n % ch) continue;
      auto& s = sums[idx];
      if (s.empty()) s.assign(ch, 0.0);
      if (s.size() != ch) continue;
      for (size_t i = 0; i < n; ++i)
        if (std::isfinite(x[i])) s[i % ch] += x[i];
      rows[idx] += static_cast<double>(n / ch);
    }
    for (auto& [key, mom] : result.moments) {
      const auto& t = g.tensors[mom.spec.tensor];
      if (t.data && t.type == DType::kFloat32) mom.add(t.data_as<float>(), t.dims);
    }
    ++result.samples;
    if (options.progress) options.progress(result.samples, options.max_samples);
  }
  if (result.samples == 0) throw Error(ErrorKind::kInvalidArgument, "the calibration dataset is empty");
  for (auto& [idx, obs] : observers)
    if (obs->range().valid()) result.ranges[idx] = obs->range();
  for (auto& [key, mom] : result.moments) mom.finish();
  for (auto& [idx, s] : sums) {
    for (double& v : s) v /= std::max(1.0, rows[idx]);
    result.channel_means[idx] = std::move(s);
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace liteq::quant
