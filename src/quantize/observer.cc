#include "quantize/observer.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "liteq/error.h"

namespace liteq::quant {

void MinMaxObserver::observe(const float* v, size_t n) {
  float lo = r_.min, hi = r_.max;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(v[i])) continue;  // a NaN or inf must not poison the range
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
  }
  r_.min = lo;
  r_.max = hi;
}

// --- histogram -------------------------------------------------------------------------

HistogramObserver::HistogramObserver(int bins) : bins_(std::max(2, bins + (bins & 1))), counts_(bins_, 0.0) {}

void HistogramObserver::observe(const float* v, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(v[i])) continue;
    m = std::max(m, std::fabs(double(v[i])));
    exact_.min = std::min(exact_.min, v[i]);
    exact_.max = std::max(exact_.max, v[i]);
  }
  if (m > 0 && half_width_ == 0) half_width_ = m;
  while (m > half_width_) {
    // Double R: old bin i lies entirely inside new bin (i + bins/2) / 2.
    std::vector<double> merged(bins_, 0.0);
    for (int i = 0; i < bins_; ++i) merged[(i + bins_ / 2) / 2] += counts_[i];
    counts_.swap(merged);
    half_width_ *= 2;
  }
  const double inv_w = half_width_ > 0 ? 1.0 / bin_width() : 0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(v[i])) continue;
    total_ += 1;
    if (v[i] == 0) {
      zeros_ += 1;
      continue;
    }
    const int b = static_cast<int>(std::floor((double(v[i]) + half_width_) * inv_w));
    counts_[std::clamp(b, 0, bins_ - 1)] += 1;
  }
}

double HistogramObserver::quantile(double q) const {
  if (total_ == 0) return 0;
  const double target = std::clamp(q, 0.0, 1.0) * total_;
  const double w = bin_width();
  double cum = 0;
  auto walk = [&](int from, int to, double* out) {
    for (int i = from; i < to; ++i) {
      if (counts_[i] > 0 && cum + counts_[i] >= target) {
        *out = -half_width_ + (i + (target - cum) / counts_[i]) * w;
        return true;
      }
      cum += counts_[i];
    }
    return false;
  };
  double x = 0;
  if (walk(0, bins_ / 2, &x)) return std::clamp(x, double(exact_.min), double(exact_.max));
  if (zeros_ > 0 && cum + zeros_ >= target) return 0;
  cum += zeros_;
  if (walk(bins_ / 2, bins_, &x)) return std::clamp(x, double(exact_.min), double(exact_.max));
  return exact_.max;
}

// --- percentile ------------------------------------------------------------------------

PercentileObserver::PercentileObserver(double percentile, int bins) : HistogramObserver(bins), percentile_(percentile) {}

Range PercentileObserver::range() const {
  if (total_ == 0) return {};
  const double tail = 1.0 - percentile_ / 100.0;
  Range r;
  r.min = static_cast<float>(std::min(quantile(tail), 0.0 + exact_.max));
  r.max = static_cast<float>(std::max(quantile(1.0 - tail), 0.0 + exact_.min));
  r.min = std::clamp(r.min, exact_.min, exact_.max);
  r.max = std::clamp(r.max, r.min, exact_.max);
  return r;
}

// --- MSE -------------------------------------------------------------------------------

MseObserver::MseObserver(QuantGrid grid, int bins) : HistogramObserver(bins), grid_(grid) {}

namespace {
// Integral of the squared rounding error e(t) = t - s*round(t/s) over [a, b], a <= b.
double rounding_error_integral(double a, double b, double s) {
  auto split = [s](double x, double* k) {
    *k = std::floor(x / s + 0.5);
    return x - *k * s;  // in [-s/2, s/2)
  };
  double ka, kb;
  const double ua = split(a, &ka), ub = split(b, &kb);
  return (kb - ka) * s * s * s / 12.0 + (ub * ub * ub - ua * ua * ua) / 3.0;
}
}  // namespace

// noise[i]: expected squared rounding error of the values in bins [0, i), each bin's
// values spread uniformly over the bin (clamped to the exact range).
std::vector<double> MseObserver::noise_prefix(double s) const {
  std::vector<double> p(bins_ + 1, 0.0);
  const double w = bin_width();
  for (int i = 0; i < bins_; ++i) {
    double e = 0;
    if (counts_[i] > 0) {
      const double a = std::max(-half_width_ + i * w, double(exact_.min));
      const double b = std::min(-half_width_ + (i + 1) * w, double(exact_.max));
      if (b > a) e = counts_[i] * rounding_error_integral(a, b, s) / (b - a);
      else {
        const double x = a - s * std::floor(a / s + 0.5);
        e = counts_[i] * x * x;
      }
    }
    p[i + 1] = p[i] + e;
  }
  return p;
}

MseObserver::Moments MseObserver::moments() const {
  Moments m;
  m.x.resize(bins_);
  m.c.assign(bins_ + 1, 0.0);
  m.s1.assign(bins_ + 1, 0.0);
  m.s2.assign(bins_ + 1, 0.0);
  for (int i = 0; i < bins_; ++i) {
    const double x = std::clamp(center(i), double(exact_.min), double(exact_.max));
    m.x[i] = x;
    m.c[i + 1] = m.c[i] + counts_[i];
    m.s1[i + 1] = m.s1[i] + counts_[i] * x;
    m.s2[i + 1] = m.s2[i] + counts_[i] * x * x;
  }
  return m;
}

double MseObserver::error_for(double s, int64_t z, const std::vector<double>& noise, const Moments& m) const {
  const double lo = (grid_.qmin - z) * s, hi = (grid_.qmax - z) * s;
  // Bins whose (clamped) center is below lo / above hi are clipped to lo / hi.
  const int jl = static_cast<int>(std::lower_bound(m.x.begin(), m.x.end(), lo) - m.x.begin());
  const int jh = std::max(jl, static_cast<int>(std::upper_bound(m.x.begin(), m.x.end(), hi) - m.x.begin()));
  const double below = m.s2[jl] - 2 * lo * m.s1[jl] + lo * lo * m.c[jl];
  const double above = (m.s2[bins_] - m.s2[jh]) - 2 * hi * (m.s1[bins_] - m.s1[jh]) + hi * hi * (m.c[bins_] - m.c[jh]);
  return std::max(0.0, below) + std::max(0.0, above) + noise[jh] - noise[jl];
}

double MseObserver::error_of(Range r) const {
  if (total_ == 0 || !r.valid()) return 0;
  double lo = std::min(0.0, double(r.min)), hi = std::max(0.0, double(r.max));
  double s;
  int64_t z = 0;
  if (grid_.symmetric) {
    s = std::max(-lo, hi) / grid_.qmax;
  } else {
    s = (hi - lo) / (grid_.qmax - grid_.qmin);
    z = std::clamp<int64_t>(std::llround(grid_.qmin - lo / s), grid_.qmin, grid_.qmax);
  }
  if (!(s > 0)) return 0;
  return error_for(s, z, noise_prefix(s), moments());
}

Range MseObserver::range() const {
  if (total_ == 0) return {};
  const double lo0 = std::min(0.0, double(exact_.min)), hi0 = std::max(0.0, double(exact_.max));
  const double s_max = grid_.symmetric ? std::max(-lo0, hi0) / grid_.qmax : (hi0 - lo0) / (grid_.qmax - grid_.qmin);
  if (!(s_max > 0) || zeros_ == total_) return exact_;
  // Clipping happens only in this observer's histogram resolution: no scale whose range
  // spans fewer than ~4 bins.
  const double s_min = std::max(s_max / 1024, 4 * bin_width() / (grid_.qmax - grid_.qmin));
  const Moments m = moments();
  double best_err = INFINITY, best_s = s_max;
  int64_t best_z = 0;
  auto try_scale = [&](double s) {
    const auto noise = noise_prefix(s);
    if (grid_.symmetric) {
      const double e = error_for(s, 0, noise, m);
      if (e < best_err) best_err = e, best_s = s, best_z = 0;
      return;
    }
    for (int64_t z = grid_.qmin; z <= grid_.qmax; ++z) {
      const double e = error_for(s, z, noise, m);
      if (e < best_err) best_err = e, best_s = s, best_z = z;
    }
  };
  // Coarse geometric sweep from the min/max scale down, then a fine one around the best.
  const int coarse = 96;
  const double ratio = std::pow(s_min / s_max, 1.0 / coarse);
  for (int k = 0; k <= coarse; ++k) try_scale(s_max * std::pow(ratio, k));
  const double center_s = best_s;
  const int fine = 16;
  for (int k = -fine; k <= fine; ++k)
    if (k != 0) {
      const double s = center_s * std::pow(ratio, double(k) / fine);
      if (s <= s_max) try_scale(s);
    }
  // The chosen grid's own range: the quantizer derives exactly (best_s, best_z) from it.
  if (best_s >= s_max) return exact_;
  Range r;
  r.min = static_cast<float>((grid_.qmin - best_z) * best_s);
  r.max = static_cast<float>((grid_.qmax - best_z) * best_s);
  return r;
}

// --- factory ---------------------------------------------------------------------------

void check_observer_config(const ObserverConfig& c) {
  if (c.kind != "minmax" && c.kind != "percentile" && c.kind != "mse")
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("unknown calibration method '{}' (available: minmax, percentile, mse)", c.kind));
  if (c.kind == "percentile" && !(c.percentile > 50 && c.percentile <= 100))
    throw Error(ErrorKind::kInvalidArgument, fmt::format("percentile {} is outside (50, 100]", c.percentile));
}

std::unique_ptr<Observer> make_observer(const ObserverConfig& c) {
  check_observer_config(c);
  if (c.kind == "percentile") return std::make_unique<PercentileObserver>(c.percentile, c.bins);
  if (c.kind == "mse") return std::make_unique<MseObserver>(c.grid, c.bins);
  return std::make_unique<MinMaxObserver>();
}

std::unique_ptr<Observer> make_observer(const std::string& kind) {
  ObserverConfig c;
  c.kind = kind;
  return make_observer(c);
}

}  // namespace liteq::quant
