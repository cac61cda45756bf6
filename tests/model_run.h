// Running a model on our interpreter in tests, and comparing float outputs.
#pragma once
#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include "liteq/array.h"
#include "liteq/interpreter.h"
#include "quantize/fidelity.h"

namespace liteq::test {

struct RunResult {
  std::vector<Array> outputs;
  double invoke_ms = 0;
};

inline RunResult run_ours(const Model& model, const std::vector<Array>& inputs) {
  Interpreter it(model);
  it.allocate_tensors();
  const auto in = it.input_details();
  for (size_t i = 0; i < in.size(); ++i) it.set_tensor(in[i].index, inputs[i].dtype, inputs[i].shape, inputs[i].bytes);
  const auto t0 = std::chrono::steady_clock::now();
  it.invoke();
  RunResult r;
  r.invoke_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  for (const auto& d : it.output_details()) {
    const auto v = it.get_tensor(d.index);
    r.outputs.push_back(Array{v.dtype, v.shape, {v.bytes.begin(), v.bytes.end()}});
  }
  return r;
}

// max |a - ref| / max |ref| (the absolute difference when ref is all zeros).
inline double relative_error(const std::vector<float>& a, const std::vector<float>& ref) {
  double diff = 0, mag = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    diff = std::max(diff, std::fabs(double(a[i]) - double(ref[i])));
    mag = std::max(mag, std::fabs(double(ref[i])));
  }
  return mag == 0 ? diff : diff / mag;
}
// The same on arrays; integer arrays compare their raw values.
inline double relative_error(const Array& a, const Array& ref) {
  return relative_error(quant::output_as_float(a), quant::output_as_float(ref));
}
// max |a - ref| on raw values (integer outputs: in LSB).
inline double max_abs_difference(const Array& a, const Array& ref) {
  const auto x = quant::output_as_float(a), y = quant::output_as_float(ref);
  double d = 0;
  for (size_t i = 0; i < y.size(); ++i) d = std::max(d, std::fabs(double(x[i]) - double(y[i])));
  return d;
}

}  // namespace liteq::test
