// Observers record the values a float tensor takes over the calibration samples and
// turn them into a range [min, max] to quantize it with. Min/max now; moving average,
// percentile, KL and MSE observers implement the same interface.
#pragma once
#include <cstddef>
#include <limits>
#include <memory>
#include <string>

namespace liteq::quant {

struct Range {
  float min = std::numeric_limits<float>::infinity();
  float max = -std::numeric_limits<float>::infinity();
  bool valid() const { return min <= max; }
};

class Observer {
 public:
  virtual ~Observer() = default;
  // Called once per calibration sample with all values of the tensor.
  virtual void observe(const float* values, size_t n) = 0;
  virtual Range range() const = 0;
};

// Exact minimum and maximum over every sample (TFLite's default calibration).
class MinMaxObserver : public Observer {
 public:
  void observe(const float* values, size_t n) override;
  Range range() const override { return r_; }

 private:
  Range r_;
};

// Makes the observer for one tensor; "minmax" is the only kind for now.
std::unique_ptr<Observer> make_observer(const std::string& kind);

}  // namespace liteq::quant
