#include "quantize/calibrator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "liteq/error.h"
#include "kernels/exec.h"
#include "liteq/interpreter.h"
#include "runtime/interpreter_access.h"

namespace liteq::quant {

void feed_sample(Interpreter& it, const std::vector<TensorDetails>& inputs, const Sample& sample, int index) {
  if (sample.size() != inputs.size())
    throw Error(ErrorKind::kInvalidArgument, fmt::format("calibration sample {} has {} arrays; the model has {} inputs",
                                                         index, sample.size(), inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto& a = sample[i];
    if (a.shape != it.tensor_details(inputs[i].index).shape) {
      it.resize_input(inputs[i].index, a.shape, true);
      it.allocate_tensors();
    }
    it.set_tensor(inputs[i].index, a.dtype, a.shape, a.bytes);
  }
}

CalibrationResult calibrate(const Model& model, const SampleSource& source, const CalibrationOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  // Every core: the float model runs on them, then the observers (independent per tensor)
  // are split over them.
  const int threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
  rt::ThreadPool pool(threads);
  const rt::ExecConfig exec{rt::Isa::kReference, &pool};
  InterpreterOptions io;
  io.preserve_all_tensors = true;
  io.num_threads = threads;
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
  // Per-channel sums (bias correction): channels = the last dimension.
  struct Sums {
    std::vector<double> s;
    double rows = 0;
  };
  std::vector<std::pair<int, Observer*>> work;
  std::map<int, Sums> sums;
  for (auto& [idx, obs] : observers) {
    work.emplace_back(idx, obs.get());
    sums[idx];
  }
  while (result.samples < options.max_samples) {
    auto sample = source();
    if (!sample) break;
    feed_sample(it, inputs, *sample, result.samples);
    it.invoke();
    rt::parallel_for(exec, work.size(), 1, [&](size_t begin, size_t end) {
      for (size_t w = begin; w < end; ++w) {
        const auto [idx, obs] = work[w];
        const auto& t = g.tensors[idx];
        if (!t.data) continue;
        const float* x = t.data_as<float>();
        const size_t n = static_cast<size_t>(t.num_elements());
        obs->observe(x, n);
        const size_t ch = t.dims.empty() ? 1 : static_cast<size_t>(std::max<int32_t>(1, t.dims.back()));
        if (n == 0 || n % ch) continue;
        auto& s = sums.at(idx);
        if (s.s.empty()) s.s.assign(ch, 0.0);
        if (s.s.size() != ch) continue;
        for (size_t i = 0; i < n; ++i)
          if (std::isfinite(x[i])) s.s[i % ch] += x[i];
        s.rows += static_cast<double>(n / ch);
      }
    });
    for (auto& [key, mom] : result.moments) {
      const auto& t = g.tensors[mom.spec.tensor];
      if (t.data && t.type == DType::kFloat32) mom.add(t.data_as<float>(), t.dims);
    }
    ++result.samples;
    if (options.progress) options.progress(result.samples, options.max_samples);
  }
  if (result.samples == 0) throw Error(ErrorKind::kInvalidArgument, "the calibration dataset is empty");
  std::vector<Range> ranges(work.size());
  rt::parallel_for(exec, work.size(), 1, [&](size_t begin, size_t end) {
    for (size_t w = begin; w < end; ++w) ranges[w] = work[w].second->range();
  });
  for (size_t w = 0; w < work.size(); ++w)
    if (ranges[w].valid()) result.ranges[work[w].first] = ranges[w];
  for (auto& [key, mom] : result.moments) mom.finish();
  for (auto& [idx, s] : sums) {
    if (s.s.empty()) continue;
    for (double& v : s.s) v /= std::max(1.0, s.rows);
    result.channel_means[idx] = std::move(s.s);
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace liteq::quant
