// Observers record the values a float tensor takes over the calibration samples and
// turn them into a range [min, max] to quantize it with.
//
//   minmax      exact minimum and maximum (TFLite's calibration; the default)
//   percentile  the P-th percentile of each tail (P = 99.99: the lowest and highest
//               0.01% of values are clipped), from a histogram
//   mse         the range whose quantization grid (scale, zero point, as the quantizer
//               will derive them) minimizes the expected squared error over the
//               histogram: clipping error of the tails + rounding error inside
//
// The histogram observers keep a fixed number of bins over [-R, R]; when a value beyond R
// arrives, R doubles and neighbouring bins merge, so no value is ever dropped. Exact zeros
// are counted apart (zero is always exactly representable, never clipped). Percentile
// ranges lie inside the exact [min, max]; the MSE range is its grid's own range (so the
// quantizer derives exactly the chosen scale and zero point), never wider than min/max's.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

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

// A streaming histogram over [-R, R] (see above). Non-finite values are ignored.
class HistogramObserver : public Observer {
 public:
  explicit HistogramObserver(int bins = 8192);
  void observe(const float* values, size_t n) override;
  // The value below which a fraction q of the observed values lie (linear inside a bin).
  double quantile(double q) const;
  double total() const { return total_; }
  Range exact() const { return exact_; }

 protected:
  int bins_;
  double half_width_ = 0;   // R
  std::vector<double> counts_;
  double zeros_ = 0, total_ = 0;
  Range exact_;
  double bin_width() const { return 2 * half_width_ / bins_; }
  double center(int i) const { return -half_width_ + (i + 0.5) * bin_width(); }
};

class PercentileObserver : public HistogramObserver {
 public:
  explicit PercentileObserver(double percentile = 99.99, int bins = 8192);
  Range range() const override;

 private:
  double percentile_;
};

// The quantization grid the range will be used with: integers [qmin, qmax]; symmetric
// means zero point 0 (int16 activations), otherwise any zero point in [qmin, qmax].
struct QuantGrid {
  int qmin = -128, qmax = 127;
  bool symmetric = false;
};

class MseObserver : public HistogramObserver {
 public:
  explicit MseObserver(QuantGrid grid = {}, int bins = 8192);
  Range range() const override;
  // Expected squared error (sum over observed values) of quantizing with this range's grid.
  double error_of(Range r) const;

 private:
  QuantGrid grid_;
  struct Moments {  // per bin: clamped center; prefix sums of count, count*x, count*x^2
    std::vector<double> x, c, s1, s2;
  };
  Moments moments() const;
  double error_for(double scale, int64_t zero_point, const std::vector<double>& noise, const Moments& m) const;
  std::vector<double> noise_prefix(double scale) const;
};

struct ObserverConfig {
  std::string kind = "minmax";  // minmax | percentile | mse
  double percentile = 99.99;    // percentile: in (50, 100]
  QuantGrid grid;               // mse
  int bins = 8192;
};

// Makes the observer for one tensor.
std::unique_ptr<Observer> make_observer(const ObserverConfig& config);
std::unique_ptr<Observer> make_observer(const std::string& kind);
// Checks a method name and percentile; throws kInvalidArgument naming the choices.
void check_observer_config(const ObserverConfig& config);

}  // namespace liteq::quant
