// DEQUANTIZE and QUANTIZE: hand-checked cases, float64 references on random data, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "kernels/op_runner.h"

namespace liteq {
namespace {

using test::f32;
using test::make_tensor;
using test::OpRunner;
using test::TensorData;

rt::QuantParams qp(std::vector<float> scale, std::vector<int64_t> zp, int axis = 0) {
  rt::QuantParams q;
  q.scale = std::move(scale);
  q.zero_point = std::move(zp);
  q.axis = axis;
  return q;
}

template <typename T>
TensorData quantized(std::vector<int32_t> dims, const std::vector<T>& v, rt::QuantParams q) {
  TensorData t = make_tensor<T>(std::move(dims), v);
  t.quant = std::move(q);
  return t;
}

std::vector<float> dequantize(TensorData in, bool constant = false) {
  auto out = OpRunner(Op::DEQUANTIZE).input(std::move(in), constant).output(DType::kFloat32).run();
  return out[0].values<float>();
}

// ---- DEQUANTIZE -----------------------------------------------------------------------

TEST(DequantizeTest, Float16) {
  // 0x3C00 = 1, 0xC000 = -2, 0x3555 = 1 + 341/1024 times 2^-2 = 0.333251953125,
  // 0x7BFF = 65504 (largest), 0x0001 = 2^-24 (smallest subnormal), 0x0400 = 2^-14,
  // 0x7C00 = +inf, 0x8000 = -0.
  const std::vector<uint16_t> h = {0x3C00, 0xC000, 0x3555, 0x7BFF, 0x0001, 0x0400, 0x7C00, 0x8000};
  auto out = OpRunner(Op::DEQUANTIZE).input(make_tensor<uint16_t>({2, 4}, h), true).output(DType::kFloat32).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 4}));
  const auto v = out[0].values<float>();
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[1], -2.0f);
  EXPECT_EQ(v[2], 0.333251953125f);
  EXPECT_EQ(v[3], 65504.0f);
  EXPECT_EQ(v[4], std::ldexp(1.0f, -24));
  EXPECT_EQ(v[5], std::ldexp(1.0f, -14));
  EXPECT_EQ(v[6], std::numeric_limits<float>::infinity());
  EXPECT_EQ(v[7], 0.0f);
  EXPECT_TRUE(std::signbit(v[7]));
}

TEST(DequantizeTest, Float16AllBitPatternsMatchFloat64Formula) {
  std::vector<uint16_t> h(65536);
  for (int i = 0; i < 65536; ++i) h[i] = static_cast<uint16_t>(i);
  const auto v = dequantize(make_tensor<uint16_t>({65536}, h));
  for (int i = 0; i < 65536; ++i) {
    const int sign = i >> 15, e = (i >> 10) & 31, m = i & 1023;
    double want;
    if (e == 31) {
      if (m != 0) {
        EXPECT_TRUE(std::isnan(v[i])) << i;
        continue;
      }
      want = std::numeric_limits<double>::infinity();
    } else if (e == 0) {
      want = std::ldexp(double(m), -24);
    } else {
      want = std::ldexp(1.0 + m / 1024.0, e - 15);
    }
    if (sign) want = -want;
    ASSERT_EQ(v[i], static_cast<float>(want)) << "bits " << i;
    ASSERT_EQ(std::signbit(v[i]), sign == 1) << "bits " << i;
  }
}

TEST(DequantizeTest, PerTensor) {
  // int8, scale 0.5, zp -1: (-128+1)*0.5 = -63.5, 0, 0.5, 64.
  EXPECT_EQ(dequantize(quantized<int8_t>({4}, {-128, -1, 0, 127}, qp({0.5f}, {-1}))),
            (std::vector<float>{-63.5f, 0, 0.5f, 64}));
  // uint8, scale 0.25, zp 128: -32, 0, 31.75.
  EXPECT_EQ(dequantize(quantized<uint8_t>({3}, {0, 128, 255}, qp({0.25f}, {128}))),
            (std::vector<float>{-32, 0, 31.75f}));
  // int16, scale 2^-10, zp 0: -32, 0, 32767/1024 = 31.9990234375.
  EXPECT_EQ(dequantize(quantized<int16_t>({3}, {-32768, 0, 32767}, qp({1.0f / 1024}, {0})), true),
            (std::vector<float>{-32, 0, 31.9990234375f}));
  // A single scale with a non-zero quantized_dimension is still per-tensor.
  EXPECT_EQ(dequantize(quantized<int8_t>({2, 2}, {1, 2, 3, 4}, qp({2.0f}, {0}, 1))),
            (std::vector<float>{2, 4, 6, 8}));
}

TEST(DequantizeTest, PerAxis) {
  // [2, 3] values 1..6. Axis 0, scales [1, 0.5], zps [0, 2]: row 0 -> 1 2 3;
  // row 1 -> 0.5*(4-2) = 1, 1.5, 2.
  EXPECT_EQ(dequantize(quantized<int8_t>({2, 3}, {1, 2, 3, 4, 5, 6}, qp({1, 0.5f}, {0, 2}, 0))),
            (std::vector<float>{1, 2, 3, 1, 1.5f, 2}));
  // Axis 1, scales [1, 2, 4], zps [0, 0, 1]: [1, 4, 8; 4, 10, 20].
  EXPECT_EQ(dequantize(quantized<int8_t>({2, 3}, {1, 2, 3, 4, 5, 6}, qp({1, 2, 4}, {0, 0, 1}, 1))),
            (std::vector<float>{1, 4, 8, 4, 10, 20}));
}

TEST(DequantizeTest, MatchesFloat64ReferenceOnRandomData) {
  std::mt19937 rng(3);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::uniform_real_distribution<float> sc(1e-4f, 2.0f);
  for (int iter = 0; iter < 100; ++iter) {
    const int rank = pick(1, 4);
    std::vector<int32_t> dims(rank);
    for (auto& d : dims) d = pick(1, 5);
    const int axis = pick(0, rank - 1);
    const bool per_axis = pick(0, 1) && dims[axis] > 1;
    const int nq = per_axis ? dims[axis] : 1;
    std::vector<float> scales(nq);
    std::vector<int64_t> zps(nq);
    for (int c = 0; c < nq; ++c) {
      scales[c] = sc(rng);
      zps[c] = pick(-128, 127);
    }
    size_t n = 1, inner = 1;
    for (int i = 0; i < rank; ++i) {
      n *= dims[i];
      if (i > axis) inner *= dims[i];
    }
    std::vector<int8_t> q(n);
    for (auto& x : q) x = static_cast<int8_t>(pick(-128, 127));
    const auto v = dequantize(quantized<int8_t>(dims, q, qp(scales, zps, axis)));
    for (size_t i = 0; i < n; ++i) {
      const int c = per_axis ? static_cast<int>((i / inner) % dims[axis]) : 0;
      const double want = double(scales[c]) * (double(q[i]) - double(zps[c]));
      ASSERT_EQ(v[i], static_cast<float>(want)) << "iteration " << iter;
    }
  }
}

TEST(DequantizeTest, RejectsBadInputs) {
  auto run = [](TensorData in, DType out = DType::kFloat32) {
    return OpRunner(Op::DEQUANTIZE).input(std::move(in)).output(out).run();
  };
  EXPECT_THROW(run(make_tensor<int8_t>({2}, {1, 2})), Error);  // no quantization
  EXPECT_THROW(run(f32({2}, {1, 2})), Error);                   // float32 input
  EXPECT_THROW(run(make_tensor<int32_t>({2}, {1, 2})), Error);
  EXPECT_THROW(run(quantized<int8_t>({2}, {1, 2}, qp({1}, {0})), DType::kInt8), Error);  // output type
  EXPECT_THROW(run(quantized<int8_t>({2, 3}, {1, 2, 3, 4, 5, 6}, qp({1, 2, 3}, {0, 0, 0}, 0))),
               Error);  // 3 scales for a dim of 2
  EXPECT_THROW(run(quantized<int8_t>({2, 3}, {1, 2, 3, 4, 5, 6}, qp({1, 2}, {0, 0}, 2))), Error);  // axis
  EXPECT_THROW(run(quantized<int8_t>({2, 3}, {1, 2, 3, 4, 5, 6}, qp({1, 2}, {0}, 0))), Error);  // zp count
  EXPECT_THROW(run(quantized<int8_t>({2}, {1, 2}, qp({1}, {300}))), Error);  // zp out of range
  EXPECT_THROW(run(make_tensor<int8_t>({4}, {1, 2})), Error);                // data shorter than shape
  EXPECT_THROW(OpRunner(Op::DEQUANTIZE).output(DType::kFloat32).run(), Error);
  EXPECT_THROW(OpRunner(Op::DEQUANTIZE)
                   .input(make_tensor<uint16_t>({1}, {0x3C00}))
                   .input(make_tensor<uint16_t>({1}, {0x3C00}))
                   .output(DType::kFloat32)
                   .run(),
               Error);
}

// ---- QUANTIZE -------------------------------------------------------------------------

template <typename T>
std::vector<T> quantize(std::vector<int32_t> dims, const std::vector<float>& x, DType type, rt::QuantParams q) {
  auto out = OpRunner(Op::QUANTIZE).input(f32(std::move(dims), x)).output(type, std::move(q)).run();
  return out[0].values<T>();
}

TEST(QuantizeTest, Int8RoundsHalfAwayFromZeroAndClamps) {
  // scale 0.5, zp 1: x/scale = -200, -2.5, -0.5, 0.5, 1.5, 2, 200 -> round half away from
  // zero: -200, -3, -1, 1, 2, 2, 200 -> +1 and clamp: -128, -2, 0, 2, 3, 3, 127. NaN -> zp.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(quantize<int8_t>({8}, {-100, -1.25f, -0.25f, 0.25f, 0.75f, 1.0f, 100, nan}, DType::kInt8,
                             qp({0.5f}, {1})),
            (std::vector<int8_t>{-128, -2, 0, 2, 3, 3, 127, 1}));
}

TEST(QuantizeTest, UInt8AndInt16) {
  // uint8, scale 2, zp 10: x/2 = -15, -0.5, 0.5, 1.5, 300 -> -15, -1, 1, 2, 300 -> +10 and
  // clamp: 0, 9, 11, 12, 255.
  EXPECT_EQ(quantize<uint8_t>({5}, {-30, -1, 1, 3, 600}, DType::kUInt8, qp({2}, {10})),
            (std::vector<uint8_t>{0, 9, 11, 12, 255}));
  // int16, scale 0.5: -40000 -> -32768, 0.5 -> 1, 40000 -> 32767.
  EXPECT_EQ(quantize<int16_t>({3}, {-20000, 0.25f, 20000}, DType::kInt16, qp({0.5f}, {0})),
            (std::vector<int16_t>{-32768, 1, 32767}));
}

TEST(QuantizeTest, PerAxis) {
  // [2, 2], axis 1, scales [1, 0.5]: [1, 1/0.5, 2.5/1 -> 3, -2.5/0.5 = -5] = [1, 2, 3, -5].
  EXPECT_EQ(quantize<int8_t>({2, 2}, {1, 1, 2.5f, -2.5f}, DType::kInt8, qp({1, 0.5f}, {0, 0}, 1)),
            (std::vector<int8_t>{1, 2, 3, -5}));
}

TEST(QuantizeTest, MatchesFloat64ReferenceOnRandomData) {
  std::mt19937 rng(17);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::uniform_real_distribution<float> val(-50, 50), sc(0.01f, 1.0f);
  for (int iter = 0; iter < 100; ++iter) {
    const int n = pick(1, 200);
    const float scale = sc(rng);
    const int type = pick(0, 2);
    const int64_t zp = type == 0 ? pick(-128, 127) : type == 1 ? pick(0, 255) : pick(-100, 100);
    std::vector<float> x(n);
    for (auto& v : x) v = val(rng);
    // Some exact ties: k + 0.5 steps.
    for (int i = 0; i < n; i += 7) x[i] = (pick(-60, 60) + 0.5f) * scale;
    std::vector<int64_t> got(n);
    double lo, hi;
    if (type == 0) {
      const auto q = quantize<int8_t>({n}, x, DType::kInt8, qp({scale}, {zp}));
      std::copy(q.begin(), q.end(), got.begin());
      lo = -128, hi = 127;
    } else if (type == 1) {
      const auto q = quantize<uint8_t>({n}, x, DType::kUInt8, qp({scale}, {zp}));
      std::copy(q.begin(), q.end(), got.begin());
      lo = 0, hi = 255;
    } else {
      const auto q = quantize<int16_t>({n}, x, DType::kInt16, qp({scale}, {zp}));
      std::copy(q.begin(), q.end(), got.begin());
      lo = -32768, hi = 32767;
    }
    for (int i = 0; i < n; ++i) {
      const double d = double(x[i]) / double(scale);
      const double want = std::min(std::max(std::round(d) + double(zp), lo), hi);
      // Within float rounding of a .5 tie, float and double division may round apart.
      const double frac = std::abs(d - std::trunc(d));
      if (std::abs(frac - 0.5) < 1e-5) {
        ASSERT_LE(std::abs(double(got[i]) - want), 1) << "iteration " << iter;
      } else {
        ASSERT_EQ(double(got[i]), want) << "iteration " << iter << " x " << x[i] << " scale " << scale;
      }
    }
  }
}

TEST(QuantizeTest, RejectsBadParameters) {
  auto run = [](DType type, rt::QuantParams q, TensorData in = f32({2}, {1, 2})) {
    return OpRunner(Op::QUANTIZE).input(std::move(in)).output(type, std::move(q)).run();
  };
  EXPECT_NO_THROW(run(DType::kInt8, qp({0.5f}, {0})));
  EXPECT_THROW(run(DType::kInt8, qp({}, {})), Error);       // no quantization
  EXPECT_THROW(run(DType::kInt8, qp({0}, {0})), Error);     // zero scale
  EXPECT_THROW(run(DType::kInt8, qp({-1}, {0})), Error);    // negative scale
  EXPECT_THROW(run(DType::kInt8, qp({std::numeric_limits<float>::quiet_NaN()}, {0})), Error);
  EXPECT_THROW(run(DType::kInt8, qp({std::numeric_limits<float>::infinity()}, {0})), Error);
  EXPECT_THROW(run(DType::kInt8, qp({1}, {128})), Error);   // zp out of int8 range
  EXPECT_THROW(run(DType::kUInt8, qp({1}, {-1})), Error);
  EXPECT_THROW(run(DType::kFloat32, qp({1}, {0})), Error);  // output type
  EXPECT_THROW(run(DType::kInt32, qp({1}, {0})), Error);
  EXPECT_THROW(run(DType::kInt8, qp({1}, {0}), make_tensor<int32_t>({2}, {1, 2})), Error);  // input type
  EXPECT_THROW(run(DType::kInt8, qp({1, 1, 1}, {0, 0, 0}, 0), f32({2, 2}, {1, 2, 3, 4})), Error);
  EXPECT_THROW(run(DType::kInt8, qp({1, 1}, {0, 0}, 5), f32({2, 2}, {1, 2, 3, 4})), Error);
  EXPECT_THROW(OpRunner(Op::QUANTIZE)
                   .input(f32({2}, {1, 2}))
                   .input(f32({2}, {1, 2}))
                   .output(DType::kInt8, qp({1}, {0}))
                   .run(),
               Error);
}

}  // namespace
}  // namespace liteq
