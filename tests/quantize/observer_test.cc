// Calibration observers (src/quantize/observer.h): the ranges they choose on known
// distributions, and the converter options that select them.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <vector>

#include "liteq/converter.h"
#include "liteq/error.h"
#include "quantize/gptq.h"
#include "quantize/observer.h"
#include "quantize/quant_math.h"
#include "test_env.h"

namespace liteq::quant {
namespace {

// n values evenly spread over [lo, hi].
std::vector<float> linspace(float lo, float hi, size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = lo + (hi - lo) * (i + 0.5f) / n;
  return v;
}

// Laplace(0, 1) samples by inverse CDF from a fixed-seed engine (heavy-tailed vs uniform).
std::vector<float> laplace(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) {
    const double u = (rng() + 0.5) / 4294967296.0 - 0.5;  // (-0.5, 0.5)
    x = static_cast<float>(-std::copysign(1.0, u) * std::log(1 - 2 * std::fabs(u)));
  }
  return v;
}

TEST(MinMaxObserver, ExactRangeIgnoringNonFinite) {
  MinMaxObserver o;
  const std::vector<float> a{1, -2, NAN, 3}, b{INFINITY, 0.5f};
  o.observe(a.data(), a.size());
  o.observe(b.data(), b.size());
  EXPECT_EQ(o.range().min, -2);
  EXPECT_EQ(o.range().max, 3);
}

TEST(HistogramObserver, QuantilesSurviveRangeGrowth) {
  // The first sample sets the histogram's span; a later, 50x wider one must re-bin it.
  PercentileObserver o(100, 2048);  // any histogram observer
  const auto small = linspace(-1, 1, 100000), wide = linspace(-50, 50, 100000);
  o.observe(small.data(), small.size());
  o.observe(wide.data(), wide.size());
  EXPECT_EQ(o.total(), 200000);
  // Half the values are in [-1, 1]: the quartiles of the mixture are inside the wide part.
  EXPECT_NEAR(o.quantile(0.5), 0.0, 0.1);
  EXPECT_NEAR(o.quantile(0.01), -50 + 100 * 0.02, 0.2);  // 1% of all = 2% of the wide half
  EXPECT_NEAR(o.quantile(0.99), 50 - 100 * 0.02, 0.2);
  EXPECT_FLOAT_EQ(o.exact().min, wide.front());
  EXPECT_FLOAT_EQ(o.exact().max, wide.back());
}

TEST(PercentileObserver, ClipsEachTailAtThePercentile) {
  // 999,000 values uniform in [-1, 1] plus 500 outliers at -100 and 500 at +100 (0.05%
  // per tail). 99.9 clips 0.1% per tail: past the outliers, into the uniform part
  // (another 0.05% = 500 values = 0.001 of its span of 2). 99.99 clips 0.01%: the
  // percentile lands among the outliers, so they are kept.
  auto v = linspace(-1, 1, 999000);
  v.insert(v.end(), 500, -100.0f);
  v.insert(v.end(), 500, 100.0f);
  PercentileObserver p999(99.9);
  p999.observe(v.data(), v.size());
  EXPECT_NEAR(p999.range().min, -1 + 0.001, 0.01);
  EXPECT_NEAR(p999.range().max, 1 - 0.001, 0.01);
  PercentileObserver p9999(99.99);
  p9999.observe(v.data(), v.size());
  EXPECT_NEAR(p9999.range().min, -100, 0.5);
  EXPECT_NEAR(p9999.range().max, 100, 0.5);
  PercentileObserver p100(100);
  p100.observe(v.data(), v.size());
  EXPECT_FLOAT_EQ(p100.range().min, -100);
  EXPECT_FLOAT_EQ(p100.range().max, 100);
}

TEST(PercentileObserver, OneSidedDataKeepsZero) {
  // A ReLU output: 60% exact zeros, the rest uniform in (0, 6]. The low tail is zero.
  std::vector<float> v(600000, 0.0f);
  const auto pos = linspace(0, 6, 400000);
  v.insert(v.end(), pos.begin(), pos.end());
  PercentileObserver p(99.9);
  p.observe(v.data(), v.size());
  EXPECT_EQ(p.range().min, 0.0f);
  // 0.1% of 1,000,000 = 1000 values = 0.25% of the positive part: 6 * (1 - 0.0025).
  EXPECT_NEAR(p.range().max, 6 * (1 - 0.0025), 0.01);
}

TEST(MseObserver, NarrowerThanMinMaxOnHeavyTails) {
  // Laplace(1): 200,000 samples reach ~12; plus one outlier at each of -40, +40. On the
  // 256-level grid, the rounding noise saved by clipping to ~26 outweighs the outliers'
  // clipping error (2 x 14^2): the MSE range is much narrower than min/max, and its
  // modeled error lower.
  auto v = laplace(200000, 1);
  v.push_back(40.0f);
  v.push_back(-40.0f);
  MseObserver mse;  // int8 asymmetric grid
  mse.observe(v.data(), v.size());
  MinMaxObserver mm;
  mm.observe(v.data(), v.size());
  const Range r = mse.range();
  EXPECT_LT(r.max, 0.75f * mm.range().max);
  EXPECT_GT(r.min, 0.75f * mm.range().min);
  EXPECT_GT(r.max, 12.0f);  // never inside the bulk of the data
  EXPECT_LT(r.min, -12.0f);
  EXPECT_LT(mse.error_of(r), 0.8 * mse.error_of(mm.range()));
  // Without the outliers, the optimum clips the Laplace tail itself (~9.5 < max ~12).
  auto w = laplace(200000, 1);
  MseObserver mse2;
  mse2.observe(w.data(), w.size());
  MinMaxObserver mm2;
  mm2.observe(w.data(), w.size());
  EXPECT_LT(mse2.range().max, 0.95f * mm2.range().max);
  EXPECT_GT(mse2.range().max, 6.0f);
}

TEST(MseObserver, SameRangeAsMinMaxOnUniformData) {
  const auto v = linspace(-1, 3, 200000);
  MseObserver mse;
  mse.observe(v.data(), v.size());
  EXPECT_NEAR(mse.range().min, -1, 0.01);
  EXPECT_NEAR(mse.range().max, 3, 0.01);
  MseObserver sym(QuantGrid{-32767, 32767, true});
  sym.observe(v.data(), v.size());
  EXPECT_NEAR(sym.range().max, 3, 0.01);
}

TEST(MseObserver, Int16GridClipsLessThanInt8) {
  // Rounding noise is 65,000x smaller on the 16-bit grid, so clipping pays off far less.
  const auto v = laplace(200000, 2);
  MseObserver i8, i16(QuantGrid{-32767, 32767, true});
  i8.observe(v.data(), v.size());
  i16.observe(v.data(), v.size());
  EXPECT_GT(i16.range().max, i8.range().max);
}

TEST(MseObserver, ChosenGridIsWhatTheQuantizerDerives) {
  // The returned range must reproduce the chosen scale and zero point exactly.
  auto v = laplace(100000, 3);
  for (auto& x : v) x = std::fabs(x) - 0.5f;  // asymmetric
  MseObserver mse;
  mse.observe(v.data(), v.size());
  const Range r = mse.range();
  const TensorQuant q = asymmetric_params(r);
  EXPECT_NEAR((-128 - q.zero_point[0]) * q.scale[0], r.min, 1e-4 * (r.max - r.min));
  EXPECT_NEAR((127 - q.zero_point[0]) * q.scale[0], r.max, 1e-4 * (r.max - r.min));
}

TEST(Observers, UnknownKindOrBadPercentileIsAnError) {
  EXPECT_THROW(make_observer("kl"), Error);
  ObserverConfig c;
  c.kind = "percentile";
  c.percentile = 30;
  EXPECT_THROW(make_observer(c), Error);
  c.percentile = 99.9;
  EXPECT_NE(dynamic_cast<PercentileObserver*>(make_observer(c).get()), nullptr);
  EXPECT_NE(dynamic_cast<MseObserver*>(make_observer("mse").get()), nullptr);
  EXPECT_NE(dynamic_cast<MinMaxObserver*>(make_observer("minmax").get()), nullptr);
}

TEST(WeightMse, ClipsWhenItPaysAndStaysSymmetric) {
  // 100,000 weights uniform in [-1, 1] and one at 1.25: clipping it to ~1 costs 0.06 but
  // shrinks every other weight's rounding noise by a third (0.74 -> 0.52).
  std::vector<float> w = linspace(-1, 1, 100000);
  w.push_back(1.25f);
  const std::vector<int32_t> shape{1, static_cast<int32_t>(w.size())};
  const auto a = quantize_weights(w.data(), shape, 0, false), b = quantize_weights(w.data(), shape, 0, true);
  auto err = [&](const QuantizedWeights& q) {
    double e = 0;
    for (size_t i = 0; i < w.size(); ++i) e += std::pow(w[i] - q.values[i] * q.quant.scale[0], 2);
    return e;
  };
  EXPECT_FLOAT_EQ(a.quant.scale[0], 1.25f / 127);
  EXPECT_LT(b.quant.scale[0], 0.85f * a.quant.scale[0]);
  EXPECT_LT(err(b), 0.85 * err(a));
  EXPECT_EQ(b.quant.zero_point[0], 0);
  for (int8_t x : b.values) EXPECT_GE(x, -127);
  // A single large weight among few: clipping it would cost more than it saves.
  std::vector<float> few = laplace(256, 4);
  few[0] = 30;
  const auto c = quantize_weights(few.data(), {1, 256}, 0, true);
  EXPECT_FLOAT_EQ(c.quant.scale[0], 30.0f / 127);
}

// GPTQ: inputs strongly correlated (images: neighbouring pixels), weights rounded so that
// their errors cancel on the inputs instead of each being nearest.
TEST(Gptq, LowerOutputErrorThanNearestRounding) {
  const int d = 27, rows = 16, samples = 4000;
  std::mt19937 rng(7);
  std::normal_distribution<double> g(0, 1);
  // x = common + 0.3 * own noise, plus a mean: highly correlated inputs.
  std::vector<double> xs(size_t(samples) * d);
  for (int s = 0; s < samples; ++s) {
    const double common = g(rng);
    for (int j = 0; j < d; ++j) xs[size_t(s) * d + j] = 0.5 + common + 0.3 * g(rng);
  }
  SecondMoment m;
  m.spec.kh = 1, m.spec.kw = 1;
  std::vector<float> xf(xs.begin(), xs.end());
  m.add(xf.data(), {samples, d}, samples);
  m.finish();
  ASSERT_EQ(m.d, d);
  ASSERT_EQ(m.count, samples);
  // The moment equals E[x x^T] computed directly.
  double h01 = 0;
  for (int s = 0; s < samples; ++s) h01 += xs[size_t(s) * d] * xs[size_t(s) * d + 1];
  EXPECT_NEAR(m.h[1], h01 / samples, 1e-9);
  EXPECT_NEAR(m.h[d], h01 / samples, 1e-9);

  std::vector<float> w(size_t(rows) * d);
  for (auto& v : w) v = static_cast<float>(g(rng));
  const std::vector<int32_t> shape{rows, 1, 1, d};
  auto nearest = quantize_weights(w.data(), shape, 0);
  auto gq = nearest;
  ASSERT_TRUE(gptq_round(w.data(), shape, false, m, gq));
  EXPECT_EQ(gq.quant.scale, nearest.quant.scale);  // TFLite's scales are kept
  auto output_error = [&](const QuantizedWeights& q) {
    double e = 0;
    for (int s = 0; s < samples; ++s)
      for (int r = 0; r < rows; ++r) {
        double y = 0;
        for (int j = 0; j < d; ++j)
          y += (q.values[size_t(r) * d + j] * double(q.quant.scale[r]) - w[size_t(r) * d + j]) * xs[size_t(s) * d + j];
        e += y * y;
      }
    return e;
  };
  EXPECT_LT(output_error(gq), 0.3 * output_error(nearest));
  int changed = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    EXPECT_GE(gq.values[i], -127);
    // Each weight moves at most a few steps from its nearest rounding.
    EXPECT_LE(std::abs(gq.values[i] - nearest.values[i]), 3) << i;
    changed += gq.values[i] != nearest.values[i];
  }
  EXPECT_GT(changed, 0);
}

TEST(Gptq, DepthwisePerChannelMoments) {
  // [1, 3, 3, 2] input, 2x2 depthwise kernel: 4 patch positions per channel.
  std::vector<float> x(18);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 2 ? -1.0 * i : 1.0 * i);
  SecondMoment m;
  m.spec.kh = 2, m.spec.kw = 2, m.spec.per_channel = true;
  m.add(x.data(), {1, 3, 3, 2});
  m.finish();
  ASSERT_EQ(m.channels, 2);
  ASSERT_EQ(m.d, 4);
  EXPECT_EQ(m.count, 4);
  // Channel 1, taps (0,0) and (1,1): positions (y,x) in {0,1}^2.
  double e = 0;
  for (int y = 0; y < 2; ++y)
    for (int xx = 0; xx < 2; ++xx) e += x[((y * 3) + xx) * 2 + 1] * x[(((y + 1) * 3) + xx + 1) * 2 + 1];
  EXPECT_NEAR(m.h[16 + 0 * 4 + 3], e / 4, 1e-9);
}

TEST(ConverterApi, CalibrationOptionsAreChecked) {
  const auto path = liteq::test::assets_dir() / "models/face_detection_short_range.tflite";
  LITEQ_REQUIRE_ASSET(std::filesystem::exists(path), path.string());
  const Model m = Model::load(path.string());
  auto convert = [&](const std::string& method, double p, const std::string& weights) {
    Converter c(m);
    c.optimizations = {Optimize::kDefault};
    c.calibration_method = method;
    c.calibration_percentile = p;
    c.weight_calibration = weights;
    c.convert();  // dynamic range: no data needed, the options are checked anyway
  };
  EXPECT_NO_THROW(convert("mse", 99.99, "mse"));
  EXPECT_NO_THROW(convert("percentile", 99.9, "minmax"));
  EXPECT_THROW(convert("entropy", 99.99, "minmax"), Error);
  EXPECT_THROW(convert("percentile", 101, "minmax"), Error);
  EXPECT_THROW(convert("minmax", 99.99, "kl"), Error);
  EXPECT_NO_THROW(convert("minmax", 99.99, "gptq"));
}

}  // namespace
}  // namespace liteq::quant
