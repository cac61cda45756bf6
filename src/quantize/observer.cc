#include "quantize/observer.h"

#include <algorithm>
#include <cmath>

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

std::unique_ptr<Observer> make_observer(const std::string& kind) {
  if (kind == "minmax") return std::make_unique<MinMaxObserver>();
  throw Error(ErrorKind::kInvalidArgument, "unknown observer '" + kind + "' (available: minmax)");
}

}  // namespace liteq::quant
