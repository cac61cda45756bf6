// Elementwise math (SQRT, RSQRT, EXP, LOG, SIN, COS, ABS, NEG, SQUARE, FLOOR, CEIL, GELU,
// POW, SQUARED_DIFFERENCE), CAST, the generic reductions (SUM, REDUCE_PROD, REDUCE_MAX,
// REDUCE_MIN) and ARG_MAX / ARG_MIN, against std:: math and naive loops.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Same value: NaN matches NaN, otherwise the bits must agree (so -0 != +0).
bool same(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
}

// Edge cases first, then random values over several magnitudes.
std::vector<float> test_values(size_t random_count = 200) {
  std::vector<float> v = {0.0f,   -0.0f,  1.0f,     -1.0f,   0.5f,     -0.5f,   1.5f,  -1.5f,
                          2.5f,   -2.5f,  3.0f,     -3.0f,   1e-30f,   -1e-30f, 1e30f, -1e30f,
                          88.0f,  89.0f,  -104.0f,  -87.0f,  kInf,     -kInf,   kNaN,  std::numeric_limits<float>::denorm_min(),
                          3.4e38f, -3.4e38f, 16777217.0f, 0.9999999f, 1e-7f, 6.2831855f, 100.25f, -7.75f};
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> small(-4, 4), exp10(-6, 6);
  for (size_t i = 0; i < random_count; ++i) {
    const float mag = std::pow(10.0f, exp10(rng));
    v.push_back(i % 2 ? small(rng) : (i % 4 == 0 ? mag : -mag));
  }
  return v;
}

std::vector<float> run_unary(Op op, const std::vector<float>& x, rt::OpParams params = std::monostate{}) {
  auto out = OpRunner(op, std::move(params)).input(f32({static_cast<int32_t>(x.size())}, x)).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{static_cast<int32_t>(x.size())}));
  return out[0].values<float>();
}

void expect_unary(Op op, const char* name, float (*f)(float)) {
  const auto x = test_values();
  const auto y = run_unary(op, x);
  ASSERT_EQ(y.size(), x.size()) << name;
  int bad = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const float want = f(x[i]);
    if (!same(y[i], want) && bad++ < 5) ADD_FAILURE() << name << "(" << x[i] << ") = " << y[i] << ", want " << want;
  }
}

TEST(MathUnaryKernel, FloatOpsMatchStd) {
  expect_unary(Op::SQRT, "SQRT", [](float v) { return std::sqrt(v); });
  expect_unary(Op::RSQRT, "RSQRT", [](float v) { return 1.0f / std::sqrt(v); });
  expect_unary(Op::EXP, "EXP", [](float v) { return std::exp(v); });
  expect_unary(Op::LOG, "LOG", [](float v) { return std::log(v); });
  expect_unary(Op::SIN, "SIN", [](float v) { return std::sin(v); });
  expect_unary(Op::COS, "COS", [](float v) { return std::cos(v); });
  expect_unary(Op::ABS, "ABS", [](float v) { return std::fabs(v); });
  expect_unary(Op::NEG, "NEG", [](float v) { return -v; });
  expect_unary(Op::SQUARE, "SQUARE", [](float v) { return v * v; });
  expect_unary(Op::FLOOR, "FLOOR", [](float v) { return std::floor(v); });
  expect_unary(Op::CEIL, "CEIL", [](float v) { return std::ceil(v); });
}

TEST(MathUnaryKernel, EdgeCasesAsTflite) {
  const std::vector<float> x = {-1.0f, 0.0f, -0.0f, 4.0f, -2.5f, 2.5f, kInf};
  const auto sq = run_unary(Op::SQRT, x);
  EXPECT_TRUE(std::isnan(sq[0]));  // negative -> NaN, no error
  EXPECT_EQ(sq[1], 0.0f);
  EXPECT_EQ(sq[3], 2.0f);
  const auto rs = run_unary(Op::RSQRT, x);
  EXPECT_TRUE(std::isnan(rs[0]));
  EXPECT_EQ(rs[1], kInf);
  EXPECT_EQ(rs[2], -kInf);  // 1 / sqrt(-0) = 1 / -0
  EXPECT_EQ(rs[3], 0.5f);
  EXPECT_EQ(rs[6], 0.0f);
  const auto lg = run_unary(Op::LOG, x);
  EXPECT_TRUE(std::isnan(lg[0]));
  EXPECT_EQ(lg[1], -kInf);
  EXPECT_EQ(lg[6], kInf);
  const auto fl = run_unary(Op::FLOOR, x), ce = run_unary(Op::CEIL, x);
  EXPECT_EQ(fl[4], -3.0f);
  EXPECT_EQ(fl[5], 2.0f);
  EXPECT_EQ(ce[4], -2.0f);
  EXPECT_EQ(ce[5], 3.0f);
  const auto ab = run_unary(Op::ABS, x);
  EXPECT_FALSE(std::signbit(ab[2]));  // |-0| = +0
  EXPECT_EQ(ab[4], 2.5f);
  const auto ex = run_unary(Op::EXP, {0.0f, 89.0f, -kInf, 1.0f});
  EXPECT_EQ(ex[0], 1.0f);
  EXPECT_EQ(ex[1], kInf);
  EXPECT_EQ(ex[2], 0.0f);
  EXPECT_FLOAT_EQ(ex[3], 2.7182817f);
}

TEST(MathUnaryKernel, KeepsShapeOfHigherRank) {
  std::vector<float> x(24);
  for (int i = 0; i < 24; ++i) x[i] = static_cast<float>(i) - 12.0f;
  auto out = OpRunner(Op::SQUARE).input(f32({2, 1, 3, 4}, x)).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 1, 3, 4}));
  const auto y = out[0].values<float>();
  for (int i = 0; i < 24; ++i) EXPECT_EQ(y[i], x[i] * x[i]);
}

TEST(MathUnaryKernel, Gelu) {
  const auto x = test_values(100);
  rt::GeluParams exact, approx;
  approx.approximate = true;
  const auto ye = run_unary(Op::GELU, x, exact);
  const auto ya = run_unary(Op::GELU, x, approx);
  const auto yd = run_unary(Op::GELU, x);  // no options: exact
  for (size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    if (std::isnan(v)) {
      EXPECT_TRUE(std::isnan(ye[i]) && std::isnan(ya[i]));
      continue;
    }
    if (std::isinf(v) || std::fabs(v) > 1e15) continue;  // x * erfc: inf * 0 territory
    const double e = 0.5 * v * std::erfc(-v / std::sqrt(2.0));
    const double a = 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
    EXPECT_NEAR(ye[i], e, 2e-6 * std::max(1.0, std::fabs(e))) << "gelu(" << v << ")";
    EXPECT_NEAR(ya[i], a, 2e-6 * std::max(1.0, std::fabs(a))) << "gelu_tanh(" << v << ")";
    EXPECT_TRUE(same(yd[i], ye[i]));
  }
  // The two forms differ measurably around |x| ~ 2.
  const auto e2 = run_unary(Op::GELU, {-2.0f, 2.0f}, exact), a2 = run_unary(Op::GELU, {-2.0f, 2.0f}, approx);
  EXPECT_GT(std::fabs(e2[0] - a2[0]), 5e-5);
  EXPECT_NEAR(e2[1], 1.9544997f, 1e-6);
  EXPECT_NEAR(a2[1], 1.9545977f, 1e-6);
}

TEST(MathUnaryKernel, IntegerAbsAndNeg) {
  const int32_t lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
  auto abs32 = OpRunner(Op::ABS).input(i32({5}, {-5, 0, 7, lo, hi})).run();
  EXPECT_EQ(abs32[0].type, DType::kInt32);
  EXPECT_EQ(abs32[0].values<int32_t>(), (std::vector<int32_t>{5, 0, 7, lo, hi}));  // |INT_MIN| wraps
  auto neg32 = OpRunner(Op::NEG).input(i32({5}, {-5, 0, 7, lo, hi})).run();
  EXPECT_EQ(neg32[0].values<int32_t>(), (std::vector<int32_t>{5, 0, -7, lo, -hi}));
  const std::vector<int64_t> v64 = {int64_t{1} << 40, -3, 0};
  auto neg64 = OpRunner(Op::NEG).input(make_tensor<int64_t>({3}, v64)).run();
  EXPECT_EQ(neg64[0].values<int64_t>(), (std::vector<int64_t>{-(int64_t{1} << 40), 3, 0}));
}

TEST(MathUnaryKernel, Errors) {
  EXPECT_THROW(OpRunner(Op::SQRT).input(i32({2}, {1, 4})).run(), Error);  // float only
  EXPECT_THROW(OpRunner(Op::ABS).input(make_tensor<int64_t>({1}, {1})).run(), Error);
  EXPECT_THROW(OpRunner(Op::EXP).input(f32({1}, {1})).output(DType::kInt32).run(), Error);
  EXPECT_THROW(OpRunner(Op::LOG).input(f32({1}, {1})).input(f32({1}, {1})).run(), Error);
}

// ---- POW, SQUARED_DIFFERENCE ----------------------------------------------------------

// Naive numpy broadcasting of a and b into out_dims.
template <typename T, typename F>
std::vector<T> naive_broadcast(const std::vector<int32_t>& ad, const std::vector<T>& a, const std::vector<int32_t>& bd,
                               const std::vector<T>& b, const std::vector<int32_t>& od, F f) {
  int64_t n = 1;
  for (int32_t d : od) n *= d;
  std::vector<T> out(static_cast<size_t>(n));
  auto index = [&](const std::vector<int32_t>& dims, const std::vector<int64_t>& idx) {
    int64_t off = 0;
    const size_t lead = od.size() - dims.size();
    for (size_t i = 0; i < dims.size(); ++i) off = off * dims[i] + (dims[i] == 1 ? 0 : idx[lead + i]);
    return off;
  };
  std::vector<int64_t> idx(od.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t rem = k;
    for (size_t i = od.size(); i-- > 0;) {
      idx[i] = rem % od[i];
      rem /= od[i];
    }
    out[static_cast<size_t>(k)] = f(a[index(ad, idx)], b[index(bd, idx)]);
  }
  return out;
}

struct ShapePair {
  std::vector<int32_t> a, b, out;
};
const std::vector<ShapePair> kBroadcastShapes = {
    {{2, 3, 4}, {2, 3, 4}, {2, 3, 4}}, {{2, 3, 4}, {3, 1}, {2, 3, 4}}, {{2, 3, 4}, {4}, {2, 3, 4}},
    {{2, 3, 4}, {}, {2, 3, 4}},        {{}, {2, 3}, {2, 3}},            {{2, 1, 4}, {1, 3, 1}, {2, 3, 4}},
    {{1, 2, 1, 3, 1}, {2, 1, 2, 1, 2}, {2, 2, 2, 3, 2}}, {{0, 3}, {3}, {0, 3}},
};

TEST(MathBinaryKernel, PowFloatBroadcasting) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> base(0.0f, 4.0f), expo(-3.0f, 3.0f);
  for (const auto& s : kBroadcastShapes) {
    int64_t na = 1, nb = 1;
    for (int32_t d : s.a) na *= d;
    for (int32_t d : s.b) nb *= d;
    std::vector<float> a(na), b(nb);
    for (auto& v : a) v = base(rng);
    for (auto& v : b) v = expo(rng);
    auto out = OpRunner(Op::POW).input(f32(s.a, a)).input(f32(s.b, b)).run();
    EXPECT_EQ(out[0].dims, s.out);
    const auto want = naive_broadcast<float>(s.a, a, s.b, b, s.out, [](float x, float y) { return std::pow(x, y); });
    const auto got = out[0].values<float>();
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(same(got[i], want[i])) << i << ": " << got[i] << " vs " << want[i];
  }
}

TEST(MathBinaryKernel, PowFloatEdgeCases) {
  auto out = OpRunner(Op::POW)
                 .input(f32({7}, {-8.0f, 0.0f, 0.0f, -2.0f, 2.0f, kNaN, 1.0f}))
                 .input(f32({7}, {1.0f / 3, 0.0f, -1.0f, 3.0f, 0.5f, 0.0f, kNaN}))
                 .run();
  const auto y = out[0].values<float>();
  EXPECT_TRUE(std::isnan(y[0]));  // negative base, fractional exponent
  EXPECT_EQ(y[1], 1.0f);          // 0^0
  EXPECT_EQ(y[2], kInf);          // 0^-1
  EXPECT_EQ(y[3], -8.0f);
  EXPECT_FLOAT_EQ(y[4], std::sqrt(2.0f));
  EXPECT_EQ(y[5], 1.0f);  // NaN^0
  EXPECT_EQ(y[6], 1.0f);  // 1^NaN
}

TEST(MathBinaryKernel, PowInt32) {
  auto out = OpRunner(Op::POW)
                 .input(i32({2, 3}, {2, -3, 0, 7, 1, -1}))
                 .input(i32({2, 3}, {10, 3, 0, 0, 100, 5}))
                 .run();
  EXPECT_EQ(out[0].type, DType::kInt32);
  EXPECT_EQ(out[0].values<int32_t>(), (std::vector<int32_t>{1024, -27, 1, 1, 1, -1}));
  // Broadcast exponent row [0, 1, 2, 3] against bases [[2], [5]].
  auto bc = OpRunner(Op::POW).input(i32({2, 1}, {2, 5})).input(i32({4}, {0, 1, 2, 3})).run();
  EXPECT_EQ(bc[0].dims, (std::vector<int32_t>{2, 4}));
  EXPECT_EQ(bc[0].values<int32_t>(), (std::vector<int32_t>{1, 2, 4, 8, 1, 5, 25, 125}));
  // Wraps on overflow like int32 arithmetic: 2^31 = INT32_MIN, 2^32 = 0.
  auto ov = OpRunner(Op::POW).input(i32({2}, {2, 2})).input(i32({2}, {31, 32})).run();
  EXPECT_EQ(ov[0].values<int32_t>(), (std::vector<int32_t>{std::numeric_limits<int32_t>::min(), 0}));
  // TFLite refuses negative int32 exponents.
  EXPECT_THROW(OpRunner(Op::POW).input(i32({2}, {2, 2})).input(i32({2}, {1, -1})).run(), Error);
}

TEST(MathBinaryKernel, SquaredDifference) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> val(-10, 10);
  for (const auto& s : kBroadcastShapes) {
    int64_t na = 1, nb = 1;
    for (int32_t d : s.a) na *= d;
    for (int32_t d : s.b) nb *= d;
    std::vector<float> a(na), b(nb);
    for (auto& v : a) v = val(rng);
    for (auto& v : b) v = val(rng);
    auto out = OpRunner(Op::SQUARED_DIFFERENCE).input(f32(s.a, a)).input(f32(s.b, b)).run();
    EXPECT_EQ(out[0].dims, s.out);
    const auto want =
        naive_broadcast<float>(s.a, a, s.b, b, s.out, [](float x, float y) { return (x - y) * (x - y); });
    EXPECT_EQ(out[0].values<float>(), want);
  }
  auto i = OpRunner(Op::SQUARED_DIFFERENCE).input(i32({3}, {1, -4, 10})).input(i32({1}, {3})).run();
  EXPECT_EQ(i[0].values<int32_t>(), (std::vector<int32_t>{4, 49, 49}));
}

TEST(MathBinaryKernel, Errors) {
  EXPECT_THROW(OpRunner(Op::POW).input(f32({2}, {1, 2})).input(i32({2}, {1, 2})).run(), Error);  // mixed types
  EXPECT_THROW(OpRunner(Op::POW).input(f32({2}, {1, 2})).input(f32({3}, {1, 2, 3})).run(), Error);  // shapes
  EXPECT_THROW(OpRunner(Op::SQUARED_DIFFERENCE).input(make_tensor<int8_t>({1}, {1})).input(make_tensor<int8_t>({1}, {1})).run(),
               Error);
  EXPECT_THROW(OpRunner(Op::POW).input(f32({1}, {1})).input(f32({1}, {1})).output(DType::kInt32).run(), Error);
}

// ---- CAST -------------------------------------------------------------------------------

template <typename To>
std::vector<To> cast_to(const TensorData& in) {
  auto out = OpRunner(Op::CAST).input(in).output(dtype_of<To>()).run();
  EXPECT_EQ(out[0].dims, in.dims);
  EXPECT_EQ(out[0].type, dtype_of<To>());
  return out[0].template values<To>();
}

TEST(CastKernel, FloatToIntegerTruncatesTowardZero) {
  const std::vector<float> x = {2.7f, -2.7f, 0.5f, -0.5f, 0.0f, -0.0f, 126.99f, -127.99f, 1e9f, -1e9f};
  EXPECT_EQ(cast_to<int32_t>(f32({10}, x)),
            (std::vector<int32_t>{2, -2, 0, 0, 0, 0, 126, -127, 1000000000, -1000000000}));
  EXPECT_EQ(cast_to<int64_t>(f32({10}, x)),
            (std::vector<int64_t>{2, -2, 0, 0, 0, 0, 126, -127, 1000000000, -1000000000}));
  EXPECT_EQ(cast_to<int8_t>(f32({4}, {127.9f, -128.9f, 3.99f, -3.99f})), (std::vector<int8_t>{127, -128, 3, -3}));
  EXPECT_EQ(cast_to<uint8_t>(f32({3}, {255.5f, 0.7f, 17.2f})), (std::vector<uint8_t>{255, 0, 17}));
  EXPECT_EQ(cast_to<int16_t>(f32({2}, {-32768.5f, 32767.5f})), (std::vector<int16_t>{-32768, 32767}));
  // 2^40 fits int64; int32 gets the x86 conversion's INT32_MIN for out-of-range and NaN.
  EXPECT_EQ(cast_to<int64_t>(f32({1}, {1099511627776.0f})), (std::vector<int64_t>{int64_t{1} << 40}));
  const int32_t imin = std::numeric_limits<int32_t>::min();
  EXPECT_EQ(cast_to<int32_t>(f32({3}, {3e9f, kNaN, -kInf})), (std::vector<int32_t>{imin, imin, imin}));
}

TEST(CastKernel, IntegerAndBool) {
  // int32 -> float rounds to nearest: 16777217 is not a float.
  EXPECT_EQ(cast_to<float>(i32({3}, {16777217, -5, 0})), (std::vector<float>{16777216.0f, -5.0f, 0.0f}));
  // Narrowing keeps the low bits.
  const std::vector<int64_t> big = {(int64_t{1} << 32) + 5, -1, int64_t{1} << 31};
  EXPECT_EQ(cast_to<int32_t>(make_tensor<int64_t>({3}, big)),
            (std::vector<int32_t>{5, -1, std::numeric_limits<int32_t>::min()}));
  EXPECT_EQ(cast_to<int8_t>(make_tensor<uint8_t>({3}, {200, 127, 128})), (std::vector<int8_t>{-56, 127, -128}));
  EXPECT_EQ(cast_to<uint8_t>(i32({3}, {-1, 256, 300})), (std::vector<uint8_t>{255, 0, 44}));
  EXPECT_EQ(cast_to<int64_t>(i32({2}, {-7, 7})), (std::vector<int64_t>{-7, 7}));
  // To bool: != 0 (NaN is true, -0 false); bool to numbers: 0 or 1.
  auto tb = OpRunner(Op::CAST).input(f32({5}, {0.0f, -0.0f, 0.1f, kNaN, -3.0f})).output(DType::kBool).run();
  EXPECT_EQ(tb[0].type, DType::kBool);
  EXPECT_EQ(tb[0].values<uint8_t>(), (std::vector<uint8_t>{0, 0, 1, 1, 1}));
  auto ib = OpRunner(Op::CAST).input(i32({3}, {0, 5, -1})).output(DType::kBool).run();
  EXPECT_EQ(ib[0].values<uint8_t>(), (std::vector<uint8_t>{0, 1, 1}));
  const auto bf = cast_to<float>(make_tensor<uint8_t>({3}, {0, 1, 1}, DType::kBool));
  EXPECT_EQ(bf, (std::vector<float>{0.0f, 1.0f, 1.0f}));
  const auto bi = cast_to<int32_t>(make_tensor<uint8_t>({2, 1}, {1, 0}, DType::kBool));
  EXPECT_EQ(bi, (std::vector<int32_t>{1, 0}));
  // Same type: a copy.
  EXPECT_EQ(cast_to<float>(f32({2}, {1.5f, -2.25f})), (std::vector<float>{1.5f, -2.25f}));
}

TEST(CastKernel, Errors) {
  EXPECT_THROW(OpRunner(Op::CAST).input(f32({1}, {1})).output(DType::kString).run(), Error);
  EXPECT_THROW(OpRunner(Op::CAST).input(make_tensor<uint16_t>({1}, {0})).output(DType::kFloat32).run(), Error);
  EXPECT_THROW(OpRunner(Op::CAST).input(f32({1}, {1})).input(f32({1}, {1})).output(DType::kInt32).run(), Error);
}

// ---- SUM, REDUCE_PROD, REDUCE_MAX, REDUCE_MIN -------------------------------------------

rt::ReducerParams keep(bool k) {
  rt::ReducerParams p;
  p.keep_dims = k;
  return p;
}

// Naive reduction: walks the input in row-major order, folding into the output element
// each input element maps to.
template <typename T, typename F>
std::vector<T> naive_reduce(const std::vector<int32_t>& dims, const std::vector<T>& in, const std::vector<bool>& red,
                            T init, F f) {
  int64_t nout = 1;
  for (size_t i = 0; i < dims.size(); ++i)
    if (!red[i]) nout *= dims[i];
  std::vector<T> out(static_cast<size_t>(nout), init);
  std::vector<int32_t> idx(dims.size(), 0);
  for (size_t k = 0; k < in.size(); ++k) {
    int64_t rem = static_cast<int64_t>(k), o = 0, stride = 1;
    for (size_t i = dims.size(); i-- > 0;) {
      idx[i] = static_cast<int32_t>(rem % dims[i]);
      rem /= dims[i];
    }
    for (size_t i = dims.size(); i-- > 0;)
      if (!red[i]) {
        o += idx[i] * stride;
        stride *= dims[i];
      }
    out[static_cast<size_t>(o)] = f(out[static_cast<size_t>(o)], in[k]);
  }
  return out;
}

TEST(ReduceGenericKernel, HandCheckedCases) {
  // [2, 3] = [1 2 3; 4 5 6]
  const auto x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  auto sum1 = OpRunner(Op::SUM, keep(false)).input(x).input(i32({1}, {1}), true).run();
  EXPECT_EQ(sum1[0].dims, (std::vector<int32_t>{2}));
  EXPECT_EQ(sum1[0].values<float>(), (std::vector<float>{6, 15}));
  auto sum0 = OpRunner(Op::SUM, keep(true)).input(x).input(i32({1}, {-2}), true).run();
  EXPECT_EQ(sum0[0].dims, (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(sum0[0].values<float>(), (std::vector<float>{5, 7, 9}));
  auto prod = OpRunner(Op::REDUCE_PROD, keep(false)).input(x).input(i32({2}, {0, 1}), true).run();
  EXPECT_EQ(prod[0].dims, (std::vector<int32_t>{}));
  EXPECT_EQ(prod[0].values<float>(), (std::vector<float>{720}));
  auto mx = OpRunner(Op::REDUCE_MAX, keep(true)).input(x).input(i32({2}, {1, -1}), true).run();  // duplicate axis
  EXPECT_EQ(mx[0].dims, (std::vector<int32_t>{2, 1}));
  EXPECT_EQ(mx[0].values<float>(), (std::vector<float>{3, 6}));
  auto mn = OpRunner(Op::REDUCE_MIN, keep(false)).input(x).input(make_tensor<int64_t>({1}, {0}), true).run();
  EXPECT_EQ(mn[0].values<float>(), (std::vector<float>{1, 2, 3}));
  // No axes: a copy. No options at all: keep_dims false.
  auto none = OpRunner(Op::SUM, keep(false)).input(x).input(i32({0}, {}), true).run();
  EXPECT_EQ(none[0].dims, (std::vector<int32_t>{2, 3}));
  auto noopt = OpRunner(Op::REDUCE_MAX).input(x).input(i32({1}, {0}), true).run();
  EXPECT_EQ(noopt[0].dims, (std::vector<int32_t>{3}));
  EXPECT_EQ(noopt[0].values<float>(), (std::vector<float>{4, 5, 6}));
}

TEST(ReduceGenericKernel, EmptyAndSpecialValues) {
  // Reducing a size-0 dim: SUM 0, PROD 1, MAX lowest(), MIN max() (TFLite's initial values).
  const auto empty = f32({2, 0}, {});
  const auto ax = i32({1}, {1});
  EXPECT_EQ(OpRunner(Op::SUM, keep(false)).input(empty).input(ax, true).run()[0].values<float>(),
            (std::vector<float>{0, 0}));
  EXPECT_EQ(OpRunner(Op::REDUCE_PROD, keep(false)).input(empty).input(ax, true).run()[0].values<float>(),
            (std::vector<float>{1, 1}));
  const float lo = std::numeric_limits<float>::lowest(), hi = std::numeric_limits<float>::max();
  EXPECT_EQ(OpRunner(Op::REDUCE_MAX, keep(false)).input(empty).input(ax, true).run()[0].values<float>(),
            (std::vector<float>{lo, lo}));
  EXPECT_EQ(OpRunner(Op::REDUCE_MIN, keep(false)).input(empty).input(ax, true).run()[0].values<float>(),
            (std::vector<float>{hi, hi}));
  // MAX/MIN skip NaN (the update is `v > current`); infinities count.
  const auto special = f32({2, 3}, {kNaN, 1, -2, -kInf, kNaN, kInf});
  EXPECT_EQ(OpRunner(Op::REDUCE_MAX, keep(false)).input(special).input(ax, true).run()[0].values<float>(),
            (std::vector<float>{1, kInf}));
  EXPECT_EQ(OpRunner(Op::REDUCE_MIN, keep(false)).input(special).input(ax, true).run()[0].values<float>(),
            (std::vector<float>{-2, -kInf}));
  // SUM propagates NaN.
  EXPECT_TRUE(std::isnan(
      OpRunner(Op::SUM, keep(false)).input(special).input(ax, true).run()[0].values<float>()[0]));
}

TEST(ReduceGenericKernel, IntegerTypes) {
  const auto x = i32({2, 2, 2}, {1, -2, 3, 4, 5, 6, -7, 8});
  auto s = OpRunner(Op::SUM, keep(false)).input(x).input(i32({2}, {0, 2}), true).run();
  EXPECT_EQ(s[0].type, DType::kInt32);
  EXPECT_EQ(s[0].values<int32_t>(), (std::vector<int32_t>{1 - 2 + 5 + 6, 3 + 4 - 7 + 8}));
  auto p = OpRunner(Op::REDUCE_PROD, keep(true)).input(x).input(i32({1}, {2}), true).run();
  EXPECT_EQ(p[0].dims, (std::vector<int32_t>{2, 2, 1}));
  EXPECT_EQ(p[0].values<int32_t>(), (std::vector<int32_t>{-2, 12, 30, -56}));
  const std::vector<int64_t> v64 = {int64_t{1} << 40, 3, -(int64_t{1} << 41), 2};
  auto s64 = OpRunner(Op::SUM, keep(false)).input(make_tensor<int64_t>({2, 2}, v64)).input(i32({1}, {0}), true).run();
  EXPECT_EQ(s64[0].values<int64_t>(), (std::vector<int64_t>{-(int64_t{1} << 40), 5}));
  auto m8 = OpRunner(Op::REDUCE_MAX, keep(false))
                .input(make_tensor<int8_t>({2, 2}, {-128, -3, 127, 5}))
                .input(i32({1}, {1}), true)
                .run();
  EXPECT_EQ(m8[0].values<int8_t>(), (std::vector<int8_t>{-3, 127}));
  auto mu8 = OpRunner(Op::REDUCE_MIN, keep(false))
                 .input(make_tensor<uint8_t>({2, 2}, {200, 3, 255, 250}))
                 .input(i32({1}, {1}), true)
                 .run();
  EXPECT_EQ(mu8[0].values<uint8_t>(), (std::vector<uint8_t>{3, 250}));
}

TEST(ReduceGenericKernel, MatchesNaiveOnRandomShapes) {
  std::mt19937 rng(21);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::uniform_real_distribution<float> val(-2, 2);
  const Op ops[] = {Op::SUM, Op::REDUCE_PROD, Op::REDUCE_MAX, Op::REDUCE_MIN};
  for (int iter = 0; iter < 200; ++iter) {
    const int rank = pick(1, 5);
    std::vector<int32_t> dims(rank);
    int64_t n = 1;
    for (auto& d : dims) n *= (d = pick(1, 4));
    std::vector<float> x(static_cast<size_t>(n));
    for (auto& v : x) v = val(rng);
    std::vector<int32_t> axes;
    std::vector<bool> red(rank, false);
    for (int k = pick(1, rank); k > 0; --k) {
      const int a = pick(0, rank - 1);
      red[a] = true;
      axes.push_back(pick(0, 1) ? a : a - rank);
    }
    const bool keep_dims = pick(0, 1);
    const Op op = ops[iter % 4];
    auto out = OpRunner(op, keep(keep_dims))
                   .input(f32(dims, x))
                   .input(i32({static_cast<int32_t>(axes.size())}, axes), true)
                   .run();
    std::vector<int32_t> want_dims;
    for (int i = 0; i < rank; ++i)
      if (!red[i]) want_dims.push_back(dims[i]);
      else if (keep_dims) want_dims.push_back(1);
    EXPECT_EQ(out[0].dims, want_dims);
    std::vector<float> want;
    switch (op) {
      case Op::SUM: want = naive_reduce<float>(dims, x, red, 0.0f, std::plus<float>()); break;
      case Op::REDUCE_PROD: want = naive_reduce<float>(dims, x, red, 1.0f, std::multiplies<float>()); break;
      case Op::REDUCE_MAX:
        want = naive_reduce<float>(dims, x, red, -kInf, [](float a, float b) { return std::max(a, b); });
        break;
      default: want = naive_reduce<float>(dims, x, red, kInf, [](float a, float b) { return std::min(a, b); }); break;
    }
    EXPECT_EQ(out[0].values<float>(), want) << op_name(static_cast<int32_t>(op)) << " iteration " << iter;
  }
}

TEST(ReduceGenericKernel, Errors) {
  const auto x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_THROW(OpRunner(Op::SUM, keep(false)).input(x).input(i32({1}, {2}), true).run(), Error);  // axis range
  EXPECT_THROW(OpRunner(Op::SUM, keep(false)).input(x).input(i32({1}, {0})).run(), Error);         // not constant
  EXPECT_THROW(OpRunner(Op::SUM, keep(false)).input(make_tensor<int8_t>({2}, {1, 2})).input(i32({1}, {0}), true).run(),
               Error);  // quantized SUM is not supported
  EXPECT_THROW(OpRunner(Op::REDUCE_MAX, keep(false)).input(x).input(i32({1}, {0}), true).output(DType::kInt32).run(),
               Error);
  TensorData q = make_tensor<int8_t>({2}, {1, 2});
  q.quant = per_tensor(0.5f, 0);
  EXPECT_THROW(OpRunner(Op::REDUCE_MAX, keep(false))
                   .input(q)
                   .input(i32({1}, {0}), true)
                   .output(DType::kInt8, per_tensor(0.25f, 0))
                   .run(),
               Error);  // a quantized MAX cannot rescale
}

// ---- ARG_MAX, ARG_MIN -------------------------------------------------------------------

rt::ArgMinMaxParams arg_type(DType t) {
  rt::ArgMinMaxParams p;
  p.has_output_type = true;
  p.output_type = static_cast<int>(t);
  return p;
}

TEST(ArgMinMaxKernel, TiesGiveTheFirstIndex) {
  // [2, 4]: row 0 has its max 5 twice (indices 1, 3), row 1 is constant.
  const auto x = f32({2, 4}, {1, 5, 2, 5, 7, 7, 7, 7});
  auto am = OpRunner(Op::ARG_MAX, arg_type(DType::kInt32)).input(x).input(i32({1}, {1}), true).output(DType::kInt32).run();
  EXPECT_EQ(am[0].dims, (std::vector<int32_t>{2}));
  EXPECT_EQ(am[0].values<int32_t>(), (std::vector<int32_t>{1, 0}));
  auto an = OpRunner(Op::ARG_MIN, arg_type(DType::kInt64)).input(x).input(i32({}, {-1}), true).output(DType::kInt64).run();
  EXPECT_EQ(an[0].type, DType::kInt64);
  EXPECT_EQ(an[0].values<int64_t>(), (std::vector<int64_t>{0, 0}));
  // Along axis 0: columns (1,7) (5,7) (2,7) (5,7) -> 1 each; ties 7 vs 7 none here.
  auto a0 = OpRunner(Op::ARG_MAX, arg_type(DType::kInt64))
                .input(x)
                .input(make_tensor<int64_t>({1}, {0}), true)
                .output(DType::kInt64)
                .run();
  EXPECT_EQ(a0[0].values<int64_t>(), (std::vector<int64_t>{1, 1, 1, 1}));
}

TEST(ArgMinMaxKernel, NanAndOtherTypes) {
  // A NaN is never larger than anything: skipped unless it comes first.
  auto n = OpRunner(Op::ARG_MAX).input(f32({2, 3}, {1, kNaN, 3, kNaN, 9, 2})).input(i32({1}, {1}), true).output(DType::kInt32).run();
  EXPECT_EQ(n[0].values<int32_t>(), (std::vector<int32_t>{2, 0}));
  auto i8 = OpRunner(Op::ARG_MIN).input(make_tensor<int8_t>({4}, {3, -128, 0, -128})).input(i32({1}, {0}), true).output(DType::kInt32).run();
  EXPECT_EQ(i8[0].dims, (std::vector<int32_t>{}));
  EXPECT_EQ(i8[0].values<int32_t>(), (std::vector<int32_t>{1}));
  auto u8 = OpRunner(Op::ARG_MAX).input(make_tensor<uint8_t>({3}, {3, 200, 100})).input(i32({1}, {0}), true).output(DType::kInt64).run();
  EXPECT_EQ(u8[0].values<int64_t>(), (std::vector<int64_t>{1}));
  auto b = OpRunner(Op::ARG_MAX).input(make_tensor<uint8_t>({3}, {0, 1, 1}, DType::kBool)).input(i32({1}, {0}), true).output(DType::kInt32).run();
  EXPECT_EQ(b[0].values<int32_t>(), (std::vector<int32_t>{1}));
}

TEST(ArgMinMaxKernel, MatchesNaiveOnRandomShapes) {
  std::mt19937 rng(8);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int iter = 0; iter < 100; ++iter) {
    const int rank = pick(1, 5);
    std::vector<int32_t> dims(rank);
    int64_t n = 1;
    for (auto& d : dims) n *= (d = pick(1, 5));
    std::vector<int32_t> x(static_cast<size_t>(n));
    for (auto& v : x) v = pick(-3, 3);  // many ties
    const int axis = pick(0, rank - 1);
    const bool is_max = iter % 2 == 0;
    auto out = OpRunner(is_max ? Op::ARG_MAX : Op::ARG_MIN)
                   .input(i32(dims, x))
                   .input(i32({1}, {pick(0, 1) ? axis : axis - rank}), true)
                   .output(DType::kInt32)
                   .run();
    std::vector<int32_t> want_dims = dims;
    want_dims.erase(want_dims.begin() + axis);
    ASSERT_EQ(out[0].dims, want_dims);
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; ++i) outer *= dims[i];
    for (int i = axis + 1; i < rank; ++i) inner *= dims[i];
    std::vector<int32_t> want;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < inner; ++j) {
        int best = 0;
        for (int k = 0; k < dims[axis]; ++k) {
          const int32_t v = x[(o * dims[axis] + k) * inner + j], bv = x[(o * dims[axis] + best) * inner + j];
          if (is_max ? v > bv : v < bv) best = k;
        }
        want.push_back(best);
      }
    EXPECT_EQ(out[0].values<int32_t>(), want) << "iteration " << iter;
  }
}

TEST(ArgMinMaxKernel, Errors) {
  const auto x = f32({2, 2}, {1, 2, 3, 4});
  // Options say int64, the output tensor is int32.
  EXPECT_THROW(OpRunner(Op::ARG_MAX, arg_type(DType::kInt64)).input(x).input(i32({1}, {0}), true).output(DType::kInt32).run(),
               Error);
  EXPECT_THROW(OpRunner(Op::ARG_MAX).input(x).input(i32({1}, {0}), true).output(DType::kFloat32).run(), Error);
  EXPECT_THROW(OpRunner(Op::ARG_MAX).input(x).input(i32({2}, {0, 1}), true).output(DType::kInt32).run(), Error);
  EXPECT_THROW(OpRunner(Op::ARG_MAX).input(x).input(i32({1}, {2}), true).output(DType::kInt32).run(), Error);
  EXPECT_THROW(OpRunner(Op::ARG_MAX).input(x).input(i32({1}, {0})).output(DType::kInt32).run(), Error);  // not constant
}

}  // namespace
}  // namespace liteq::test
