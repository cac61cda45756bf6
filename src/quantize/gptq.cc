#include "quantize/gptq.h"

#include <algorithm>
#include <cmath>

namespace liteq::quant {

void SecondMoment::add(const float* x, const std::vector<int32_t>& dims, int max_positions) {
  int rows = 1, H = 1, W = 1, C = dims.empty() ? 1 : dims.back();
  if (dims.size() == 4) {
    rows = dims[0], H = dims[1], W = dims[2];
  } else {
    int64_t n = 1;
    for (int32_t v : dims) n *= v;
    rows = static_cast<int>(n / std::max(1, C));
  }
  const int kh = spec.kh, kw = spec.kw, k = kh * kw;
  if (H < kh || W < kw) return;
  if (channels == 0) {
    channels = C;
    d = spec.per_channel ? k : k * C;
    h.assign(spec.per_channel ? size_t(C) * k * k : size_t(d) * d, 0.0);
  }
  if (channels != C) return;
  // Positions: every (row, y, x) with the patch inside, subsampled to ~max_positions.
  const int64_t positions = int64_t(rows) * (H - kh + 1) * (W - kw + 1);
  const int64_t step = std::max<int64_t>(1, positions / max_positions);
  std::vector<double> v(spec.per_channel ? size_t(k) * C : size_t(d));
  for (int64_t p = step / 2; p < positions; p += step) {
    const int xw = static_cast<int>(p % (W - kw + 1));
    const int yh = static_cast<int>((p / (W - kw + 1)) % (H - kh + 1));
    const int r = static_cast<int>(p / (int64_t(W - kw + 1) * (H - kh + 1)));
    for (int a = 0; a < kh; ++a)
      for (int b = 0; b < kw; ++b) {
        const float* px = x + ((size_t(r) * H + yh + a) * W + xw + b) * C;
        for (int c = 0; c < C; ++c) {
          const double val = std::isfinite(px[c]) ? px[c] : 0.0;
          if (spec.per_channel) v[size_t(c) * k + a * kw + b] = val;
          else v[(size_t(a) * kw + b) * C + c] = val;
        }
      }
    if (spec.per_channel) {
      for (int c = 0; c < C; ++c) {
        const double* vc = &v[size_t(c) * k];
        double* hc = &h[size_t(c) * k * k];
        for (int i = 0; i < k; ++i)
          for (int j = i; j < k; ++j) hc[i * k + j] += vc[i] * vc[j];
      }
    } else {
      for (int i = 0; i < d; ++i) {
        const double vi = v[i];
        if (vi == 0) continue;  // post-ReLU activations: many zeros
        double* hr = &h[size_t(i) * d];
        for (int j = i; j < d; ++j) hr[j] += vi * v[j];
      }
    }
    count += 1;
  }
}

void SecondMoment::finish() {
  if (count == 0) return;
  const int k = spec.per_channel ? spec.kh * spec.kw : d;
  const int blocks = spec.per_channel ? channels : 1;
  for (int b = 0; b < blocks; ++b) {
    double* m = &h[size_t(b) * k * k];
    for (int i = 0; i < k; ++i)
      for (int j = i; j < k; ++j) m[j * k + i] = m[i * k + j] = m[i * k + j] / count;
  }
}

namespace {
// In-place Cholesky of a symmetric positive definite n x n matrix (lower, L L^T = A).
bool cholesky(std::vector<double>& a, int n) {
  for (int j = 0; j < n; ++j) {
    double s = a[size_t(j) * n + j];
    for (int k = 0; k < j; ++k) s -= a[size_t(j) * n + k] * a[size_t(j) * n + k];
    if (!(s > 0)) return false;
    const double l = std::sqrt(s);
    a[size_t(j) * n + j] = l;
    for (int i = j + 1; i < n; ++i) {
      double t = a[size_t(i) * n + j];
      for (int k = 0; k < j; ++k) t -= a[size_t(i) * n + k] * a[size_t(j) * n + k];
      a[size_t(i) * n + j] = t / l;
    }
    for (int i = 0; i < j; ++i) a[size_t(i) * n + j] = 0;
  }
  return true;
}
}  // namespace

void gptq_rows(std::vector<double>& w, int rows, int d, const std::vector<double>& h, const std::vector<float>& scales,
               std::vector<int8_t>& out) {
  out.assign(size_t(rows) * d, 0);
  auto nearest = [&] {
    for (int r = 0; r < rows; ++r)
      for (int j = 0; j < d; ++j)
        out[size_t(r) * d + j] = static_cast<int8_t>(std::clamp(std::round(w[size_t(r) * d + j] / scales[r]), -127.0, 127.0));
  };
  // H + damping; inputs that never fire get a unit diagonal (their weights do not matter).
  std::vector<double> a(h);
  double mean_diag = 0;
  for (int i = 0; i < d; ++i) mean_diag += a[size_t(i) * d + i];
  mean_diag /= d;
  if (!(mean_diag > 0)) return nearest();
  for (int i = 0; i < d; ++i) {
    double& x = a[size_t(i) * d + i];
    if (x <= 0) x = mean_diag;
    x += 0.01 * mean_diag;
  }
  // U: upper Cholesky factor of H^-1 (H^-1 = U^T U). From L L^T = H: H^-1 = L^-T L^-1;
  // invert L, form H^-1, factor it again (d is at most kMaxGptqDim).
  if (!cholesky(a, d)) return nearest();
  std::vector<double> linv(size_t(d) * d, 0.0);  // L^-1, lower
  for (int i = 0; i < d; ++i) {
    linv[size_t(i) * d + i] = 1.0 / a[size_t(i) * d + i];
    for (int j = 0; j < i; ++j) {
      double s = 0;
      for (int k = j; k < i; ++k) s += a[size_t(i) * d + k] * linv[size_t(k) * d + j];
      linv[size_t(i) * d + j] = -s / a[size_t(i) * d + i];
    }
  }
  std::vector<double> hinv(size_t(d) * d, 0.0);  // L^-T L^-1
  for (int i = 0; i < d; ++i)
    for (int j = 0; j <= i; ++j) {
      double s = 0;
      for (int k = i; k < d; ++k) s += linv[size_t(k) * d + i] * linv[size_t(k) * d + j];
      hinv[size_t(i) * d + j] = hinv[size_t(j) * d + i] = s;
    }
  // U: upper triangular with U^T U = H^-1 (Cholesky taken from the first index).
  std::vector<double> u(size_t(d) * d, 0.0);
  {
    const std::vector<double>& hi = hinv;
    for (int j = 0; j < d; ++j) {
      double s = hi[size_t(j) * d + j];
      for (int k = 0; k < j; ++k) s -= u[size_t(k) * d + j] * u[size_t(k) * d + j];
      if (!(s > 0)) return nearest();
      const double l = std::sqrt(s);
      u[size_t(j) * d + j] = l;
      for (int i = j + 1; i < d; ++i) {
        double t = hi[size_t(j) * d + i];
        for (int k = 0; k < j; ++k) t -= u[size_t(k) * d + j] * u[size_t(k) * d + i];
        u[size_t(j) * d + i] = t / l;
      }
    }
  }
  for (int j = 0; j < d; ++j) {
    const double* uj = &u[size_t(j) * d];
    for (int r = 0; r < rows; ++r) {
      double* wr = &w[size_t(r) * d];
      const double q = std::clamp(std::round(wr[j] / scales[r]), -127.0, 127.0);
      out[size_t(r) * d + j] = static_cast<int8_t>(q);
      const double err = (wr[j] - q * scales[r]) / uj[j];
      for (int k = j + 1; k < d; ++k) wr[k] -= err * uj[k];
    }
  }
}

bool gptq_round(const float* w, const std::vector<int32_t>& shape, bool depthwise, const SecondMoment& m,
                QuantizedWeights& q) {
  if (m.count == 0 || shape.size() < 2) return false;
  size_t n = 1;
  for (int32_t v : shape) n *= static_cast<size_t>(v);
  const auto& sc = q.quant.scale;
  if (depthwise) {
    const int C = shape.back(), k = m.spec.kh * m.spec.kw;
    if (!m.spec.per_channel || m.channels <= 0 || C % m.channels || size_t(k) * C != n) return false;
    const int mult = C / m.channels;
    for (int c = 0; c < C; ++c) {
      std::vector<double> row(k);
      for (int j = 0; j < k; ++j) row[j] = w[size_t(j) * C + c];
      const std::vector<double> h(m.h.begin() + size_t(c / mult) * k * k, m.h.begin() + size_t(c / mult + 1) * k * k);
      std::vector<int8_t> out;
      gptq_rows(row, 1, k, h, {sc.size() == 1 ? sc[0] : sc[c]}, out);
      for (int j = 0; j < k; ++j) q.values[size_t(j) * C + c] = out[j];
    }
    return true;
  }
  const int rows = shape[0];
  const int d = static_cast<int>(n / rows);
  if (m.spec.per_channel || m.d != d) return false;
  std::vector<double> wd(w, w + n);
  std::vector<float> scales(rows);
  for (int r = 0; r < rows; ++r) scales[r] = sc.size() == 1 ? sc[0] : sc[r];
  std::vector<int8_t> out;
  gptq_rows(wd, rows, d, m.h, scales, out);
  q.values = out;
  return true;
}

}  // namespace liteq::quant
