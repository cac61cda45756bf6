#include "quantize/quant_math.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace liteq::quant {

TensorQuant asymmetric_params(Range r, int qmin, int qmax) {
  double lo = r.valid() ? std::min(0.0, double(r.min)) : 0.0;
  double hi = r.valid() ? std::max(0.0, double(r.max)) : 0.0;
  TensorQuant q;
  if (hi - lo < 1e-9) hi = lo + 1e-9 * (qmax - qmin);  // an all-zero tensor: any tiny scale
  const double scale = (hi - lo) / (qmax - qmin);
  const double zp_from_min = qmin - lo / scale;
  int64_t zp;
  if (zp_from_min < qmin) zp = qmin;
  else if (zp_from_min > qmax) zp = qmax;
  else zp = static_cast<int64_t>(std::round(zp_from_min));
  q.scale = {static_cast<float>(scale)};
  q.zero_point = {zp};
  return q;
}

TensorQuant symmetric_params(Range r, int qmax) {
  const double m = r.valid() ? std::max(std::fabs(double(r.min)), std::fabs(double(r.max))) : 0.0;
  TensorQuant q;
  q.scale = {static_cast<float>(m > 0 ? m / qmax : 1.0 / qmax)};
  q.zero_point = {0};
  return q;
}

QuantizedWeights quantize_weights(const float* w, const std::vector<int32_t>& shape, int axis, bool mse_clip,
                                  const std::vector<float>* given_scales) {
  size_t n = 1;
  for (int32_t d : shape) n *= static_cast<size_t>(d);
  QuantizedWeights out;
  out.values.resize(n);
  // Layout: [outer, channels, inner] around `axis`.
  size_t outer = 1, channels = 1, inner = 1;
  if (axis >= 0) {
    for (int i = 0; i < axis; ++i) outer *= shape[i];
    channels = shape[axis];
    for (size_t i = axis + 1; i < shape.size(); ++i) inner *= shape[i];
  } else {
    inner = n;
  }
  std::vector<float> max_abs(channels, 0.0f);
  for (size_t o = 0; o < outer; ++o)
    for (size_t c = 0; c < channels; ++c)
      for (size_t i = 0; i < inner; ++i) {
        const float v = w[(o * channels + c) * inner + i];
        if (std::isfinite(v)) max_abs[c] = std::max(max_abs[c], std::fabs(v));
      }
  out.quant.axis = std::max(axis, 0);
  for (size_t c = 0; c < channels; ++c) {
    out.quant.scale.push_back(max_abs[c] > 0 ? max_abs[c] / 127.0f : 1.0f);
    out.quant.zero_point.push_back(0);
  }
  if (given_scales && (given_scales->size() == 1 || given_scales->size() == channels)) {
    for (size_t c = 0; c < channels; ++c) out.quant.scale[c] = (*given_scales)[given_scales->size() == 1 ? 0 : c];
    mse_clip = false;
  }
  if (mse_clip) {
    // Per channel, the scale alpha * max|w| / 127 (alpha in [0.5, 1]) with the least
    // squared rounding + clipping error, still symmetric [-127, 127] with zero point 0.
    std::vector<float> vals;
    for (size_t c = 0; c < channels; ++c) {
      if (!(max_abs[c] > 0)) continue;
      vals.clear();
      for (size_t o = 0; o < outer; ++o)
        for (size_t i = 0; i < inner; ++i) {
          const float v = w[(o * channels + c) * inner + i];
          if (std::isfinite(v)) vals.push_back(v);
        }
      double best = INFINITY;
      for (int k = 100; k >= 50; --k) {
        const float s = max_abs[c] * (k / 100.0f) / 127.0f;
        double e = 0;
        for (float v : vals) {
          const float q = std::clamp(std::round(v / s), -127.0f, 127.0f);
          const double d = double(v) - double(q) * s;
          e += d * d;
        }
        if (e < best) best = e, out.quant.scale[c] = s;
      }
    }
  }
  for (size_t o = 0; o < outer; ++o)
    for (size_t c = 0; c < channels; ++c)
      for (size_t i = 0; i < inner; ++i) {
        const size_t k = (o * channels + c) * inner + i;
        const float q = std::round(w[k] / out.quant.scale[c]);
        out.values[k] = static_cast<int8_t>(std::clamp(std::isfinite(q) ? q : 0.0f, -127.0f, 127.0f));
      }
  return out;
}

namespace {
template <typename T>
std::vector<T> quantize_bias(const float* b, size_t n, float input_scale, const std::vector<float>& ws, TensorQuant* q) {
  std::vector<T> out(n);
  q->scale.clear();
  q->zero_point.assign(n, 0);
  q->axis = 0;
  for (size_t c = 0; c < n; ++c) {
    const float wscale = ws.size() == 1 ? ws[0] : ws[c];
    const double scale = double(input_scale) * double(wscale);
    q->scale.push_back(static_cast<float>(scale));
    double v = scale > 0 ? std::round(double(b[c]) / scale) : 0.0;
    v = std::clamp(v, double(std::numeric_limits<T>::min()), double(std::numeric_limits<T>::max()));
    out[c] = static_cast<T>(v);
  }
  if (ws.size() == 1) {  // per-tensor weights: per-tensor bias
    q->scale.resize(1);
    q->zero_point.resize(1);
  }
  return out;
}
}  // namespace

std::vector<int32_t> quantize_bias32(const float* b, size_t n, float in_scale, const std::vector<float>& ws, TensorQuant* q) {
  return quantize_bias<int32_t>(b, n, in_scale, ws, q);
}
std::vector<int64_t> quantize_bias64(const float* b, size_t n, float in_scale, const std::vector<float>& ws, TensorQuant* q) {
  return quantize_bias<int64_t>(b, n, in_scale, ws, q);
}

template <typename T>
static std::vector<T> quantize_per_tensor(const float* x, size_t n, float scale, int64_t zp) {
  std::vector<T> out(n);
  for (size_t i = 0; i < n; ++i) {
    double v = std::round(double(x[i]) / scale) + double(zp);
    if (!std::isfinite(v)) v = double(zp);
    out[i] = static_cast<T>(std::clamp(v, double(std::numeric_limits<T>::min()), double(std::numeric_limits<T>::max())));
  }
  return out;
}
std::vector<int8_t> quantize_int8(const float* x, size_t n, float s, int64_t zp) { return quantize_per_tensor<int8_t>(x, n, s, zp); }
std::vector<int16_t> quantize_int16(const float* x, size_t n, float s, int64_t zp) { return quantize_per_tensor<int16_t>(x, n, s, zp); }

Range range_of(const float* x, size_t n) {
  Range r;
  for (size_t i = 0; i < n; ++i)
    if (std::isfinite(x[i])) {
      r.min = std::min(r.min, x[i]);
      r.max = std::max(r.max, x[i]);
    }
  return r;
}

}  // namespace liteq::quant
