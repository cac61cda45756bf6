// ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

using rt::Activation;
using rt::ActivationParams;

ActivationParams act(Activation a) {
  ActivationParams p;
  p.activation = a;
  return p;
}

std::vector<float> run_f32(Op op, const TensorData& a, const TensorData& b, Activation a_fn = Activation::kNone,
                           std::vector<int32_t>* dims = nullptr) {
  rt::OpParams params = std::monostate{};
  if (op != Op::MAXIMUM && op != Op::MINIMUM) params = act(a_fn);
  auto out = OpRunner(op, params).input(a).input(b).run();
  if (dims) *dims = out[0].dims;
  return out[0].values<float>();
}

TEST(ElementwiseKernel, AddSameShape) {
  std::vector<int32_t> dims;
  EXPECT_EQ(run_f32(Op::ADD, f32({2, 2}, {1, 2, 3, 4}), f32({2, 2}, {10, 20, 30, 40}), Activation::kNone, &dims),
            (std::vector<float>{11, 22, 33, 44}));
  EXPECT_EQ(dims, (std::vector<int32_t>{2, 2}));
}

TEST(ElementwiseKernel, SubMulDivHandChecked) {
  EXPECT_EQ(run_f32(Op::SUB, f32({3}, {5, 1, -2}), f32({3}, {1, 4, -2})), (std::vector<float>{4, -3, 0}));
  EXPECT_EQ(run_f32(Op::MUL, f32({3}, {5, 1, -2}), f32({3}, {1, 4, -2})), (std::vector<float>{5, 4, 4}));
  EXPECT_EQ(run_f32(Op::DIV, f32({3}, {6, 1, -2}), f32({3}, {3, 4, -0.5f})), (std::vector<float>{2, 0.25f, 4}));
}

TEST(ElementwiseKernel, ScalarOnEitherSide) {
  EXPECT_EQ(run_f32(Op::SUB, f32({}, {10}), f32({2, 2}, {1, 2, 3, 4})), (std::vector<float>{9, 8, 7, 6}));
  EXPECT_EQ(run_f32(Op::SUB, f32({2, 2}, {1, 2, 3, 4}), f32({1}, {10})), (std::vector<float>{-9, -8, -7, -6}));
  std::vector<int32_t> dims;
  EXPECT_EQ(run_f32(Op::MUL, f32({1, 1, 1}, {2}), f32({3}, {1, 2, 3}), Activation::kNone, &dims),
            (std::vector<float>{2, 4, 6}));
  EXPECT_EQ(dims, (std::vector<int32_t>{1, 1, 3}));
}

TEST(ElementwiseKernel, BroadcastRowAndColumn) {
  // [2,1] + [3] -> [2,3]
  std::vector<int32_t> dims;
  EXPECT_EQ(run_f32(Op::ADD, f32({2, 1}, {10, 20}), f32({3}, {1, 2, 3}), Activation::kNone, &dims),
            (std::vector<float>{11, 12, 13, 21, 22, 23}));
  EXPECT_EQ(dims, (std::vector<int32_t>{2, 3}));
  // Same element count, different ranks: [2,3] - [1,2,3]
  EXPECT_EQ(run_f32(Op::SUB, f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({1, 2, 3}, {1, 1, 1, 1, 1, 1}), Activation::kNone,
                    &dims),
            (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(dims, (std::vector<int32_t>{1, 2, 3}));
}

TEST(ElementwiseKernel, FusedActivations) {
  const auto a = f32({4}, {-3, -0.5f, 0.5f, 8});
  const auto z = f32({4}, {0, 0, 0, 0});
  EXPECT_EQ(run_f32(Op::ADD, a, z, Activation::kRelu), (std::vector<float>{0, 0, 0.5f, 8}));
  EXPECT_EQ(run_f32(Op::SUB, a, z, Activation::kRelu6), (std::vector<float>{0, 0, 0.5f, 6}));
  EXPECT_EQ(run_f32(Op::ADD, a, z, Activation::kReluN1To1), (std::vector<float>{-1, -0.5f, 0.5f, 1}));
  EXPECT_EQ(run_f32(Op::MUL, a, f32({}, {2}), Activation::kRelu), (std::vector<float>{0, 0, 1, 16}));
  EXPECT_EQ(run_f32(Op::DIV, a, f32({}, {2}), Activation::kRelu6), (std::vector<float>{0, 0, 0.25f, 4}));
}

// Like TFLite, the result is clamped to the activation range even without an activation,
// which for kNone is [lowest, max] of float: +-inf become +-FLT_MAX.
TEST(ElementwiseKernel, DivByZeroClampsToFloatRange) {
  auto r = run_f32(Op::DIV, f32({2}, {1, -1}), f32({2}, {0, 0}));
  EXPECT_EQ(r[0], std::numeric_limits<float>::max());
  EXPECT_EQ(r[1], std::numeric_limits<float>::lowest());
}

TEST(ElementwiseKernel, Int32ArithmeticAndActivation) {
  auto run = [](Op op, std::vector<int32_t> a, std::vector<int32_t> b, Activation f) {
    const int32_t n = static_cast<int32_t>(a.size());
    return OpRunner(op, act(f)).input(i32({n}, a)).input(i32({n}, b)).run()[0].values<int32_t>();
  };
  EXPECT_EQ(run(Op::ADD, {1, -5, 7}, {2, 3, -10}, Activation::kNone), (std::vector<int32_t>{3, -2, -3}));
  EXPECT_EQ(run(Op::SUB, {1, -5, 7}, {2, 3, -10}, Activation::kNone), (std::vector<int32_t>{-1, -8, 17}));
  EXPECT_EQ(run(Op::MUL, {1, -5, 7}, {2, 3, -10}, Activation::kNone), (std::vector<int32_t>{2, -15, -70}));
  EXPECT_EQ(run(Op::ADD, {1, -5, 7}, {2, 3, -10}, Activation::kRelu), (std::vector<int32_t>{3, 0, 0}));
  EXPECT_EQ(run(Op::MUL, {1, -5, 7}, {2, 3, 10}, Activation::kRelu6), (std::vector<int32_t>{2, 0, 6}));
  EXPECT_EQ(run(Op::SUB, {1, -5, 7}, {2, 3, -10}, Activation::kReluN1To1), (std::vector<int32_t>{-1, -1, 1}));
  // Overflow wraps (two's complement) instead of being undefined.
  const int32_t max = std::numeric_limits<int32_t>::max();
  EXPECT_EQ(run(Op::ADD, {max}, {1}, Activation::kNone), (std::vector<int32_t>{std::numeric_limits<int32_t>::min()}));
  // Broadcast int32.
  auto out = OpRunner(Op::ADD, act(Activation::kNone)).input(i32({2, 1}, {100, 200})).input(i32({2}, {1, 2})).run();
  EXPECT_EQ(out[0].values<int32_t>(), (std::vector<int32_t>{101, 102, 201, 202}));
}

TEST(ElementwiseKernel, MaximumMinimumFloat) {
  EXPECT_EQ(run_f32(Op::MAXIMUM, f32({4}, {1, 5, -2, 0}), f32({4}, {3, 2, -1, 0})), (std::vector<float>{3, 5, -1, 0}));
  EXPECT_EQ(run_f32(Op::MINIMUM, f32({4}, {1, 5, -2, 0}), f32({4}, {3, 2, -1, 0})), (std::vector<float>{1, 2, -2, 0}));
  EXPECT_EQ(run_f32(Op::MAXIMUM, f32({2, 2}, {1, 5, -2, 0}), f32({}, {0.5f})), (std::vector<float>{1, 5, 0.5f, 0.5f}));
  EXPECT_EQ(run_f32(Op::MINIMUM, f32({2, 1}, {1, -1}), f32({1, 2}, {0, 2})), (std::vector<float>{0, 1, -1, -1}));
}

template <typename T>
void check_minmax_typed() {
  const std::vector<T> a = {1, 100, 0, 7};
  const std::vector<T> b = {2, 50, 0, 9};
  auto mx = OpRunner(Op::MAXIMUM).input(make_tensor<T>({4}, a)).input(make_tensor<T>({4}, b)).run();
  auto mn = OpRunner(Op::MINIMUM).input(make_tensor<T>({4}, a)).input(make_tensor<T>({}, {T(5)})).run();
  EXPECT_EQ(mx[0].type, dtype_of<T>());
  EXPECT_EQ(mx[0].template values<T>(), (std::vector<T>{2, 100, 0, 9}));
  EXPECT_EQ(mn[0].template values<T>(), (std::vector<T>{1, 5, 0, 5}));
}

TEST(ElementwiseKernel, MaximumMinimumIntegerTypes) {
  check_minmax_typed<int32_t>();
  check_minmax_typed<int64_t>();
  check_minmax_typed<int8_t>();
  check_minmax_typed<uint8_t>();
  check_minmax_typed<int16_t>();
  // Signedness matters: int8 -1 < 1, uint8 255 > 1.
  auto s = OpRunner(Op::MAXIMUM).input(make_tensor<int8_t>({1}, {-1})).input(make_tensor<int8_t>({1}, {1})).run();
  EXPECT_EQ(s[0].values<int8_t>(), (std::vector<int8_t>{1}));
  auto u = OpRunner(Op::MAXIMUM).input(make_tensor<uint8_t>({1}, {255})).input(make_tensor<uint8_t>({1}, {1})).run();
  EXPECT_EQ(u[0].values<uint8_t>(), (std::vector<uint8_t>{255}));
}

TEST(ElementwiseKernel, EmptyTensors) {
  std::vector<int32_t> dims;
  EXPECT_TRUE(run_f32(Op::ADD, f32({0, 3}, {}), f32({3}, {1, 2, 3}), Activation::kNone, &dims).empty());
  EXPECT_EQ(dims, (std::vector<int32_t>{0, 3}));
  EXPECT_TRUE(run_f32(Op::MAXIMUM, f32({2, 0}, {}), f32({1}, {1}), Activation::kNone, &dims).empty());
  EXPECT_EQ(dims, (std::vector<int32_t>{2, 0}));
}

// --- random broadcasting against a naive implementation -------------------------------

std::vector<int32_t> bcast_dims(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  const size_t r = std::max(a.size(), b.size());
  std::vector<int32_t> o(r);
  for (size_t i = 0; i < r; ++i) {
    const int32_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    const int32_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    o[i] = da == 1 ? db : da;
  }
  return o;
}

// Element of `t` (dims `d`) that output multi-index `idx` (rank r) reads.
int64_t source_offset(const std::vector<int32_t>& d, const std::vector<int64_t>& idx) {
  const size_t off = idx.size() - d.size();
  int64_t o = 0;
  for (size_t i = 0; i < d.size(); ++i) o = o * d[i] + (d[i] == 1 ? 0 : idx[off + i]);
  return o;
}

template <typename T, typename F>
std::vector<T> naive_binary(const std::vector<int32_t>& da, const std::vector<T>& a, const std::vector<int32_t>& db,
                            const std::vector<T>& b, F f) {
  const auto od = bcast_dims(da, db);
  int64_t n = 1;
  for (int32_t x : od) n *= x;
  std::vector<T> out(n);
  std::vector<int64_t> idx(od.size());
  for (int64_t i = 0; i < n; ++i) {
    int64_t rem = i;
    for (size_t k = od.size(); k-- > 0;) {
      idx[k] = rem % od[k];
      rem /= od[k];
    }
    out[i] = f(a[source_offset(da, idx)], b[source_offset(db, idx)]);
  }
  return out;
}

void random_shapes(std::mt19937& rng, std::vector<int32_t>* a, std::vector<int32_t>* b) {
  std::uniform_int_distribution<int> rank_d(0, 6), dim_d(1, 4), coin(0, 2);
  const int r = rank_d(rng);
  std::vector<int32_t> full(r);
  for (auto& x : full) x = dim_d(rng);
  *a = full;
  *b = full;
  for (int i = 0; i < r; ++i) {
    const int c = coin(rng);
    if (c == 1) (*a)[i] = 1;
    if (c == 2) (*b)[i] = 1;
  }
  // Drop some leading dims of one side.
  std::uniform_int_distribution<int> drop_d(0, r);
  const int drop = drop_d(rng);
  if (coin(rng) == 0)
    a->erase(a->begin(), a->begin() + drop);
  else
    b->erase(b->begin(), b->begin() + drop);
}

std::vector<float> random_floats(std::mt19937& rng, const std::vector<int32_t>& dims, float lo, float hi) {
  int64_t n = 1;
  for (int32_t d : dims) n *= d;
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

TEST(ElementwiseKernel, RandomBroadcastFloatMatchesNaive) {
  std::mt19937 rng(1234);
  struct Case {
    Op op;
    float (*f)(float, float);
  };
  const Case cases[] = {
      {Op::ADD, [](float x, float y) { return x + y; }},
      {Op::SUB, [](float x, float y) { return x - y; }},
      {Op::MUL, [](float x, float y) { return x * y; }},
      {Op::DIV, [](float x, float y) { return x / y; }},
      {Op::MAXIMUM, [](float x, float y) { return x > y ? x : y; }},
      {Op::MINIMUM, [](float x, float y) { return x < y ? x : y; }},
  };
  for (int iter = 0; iter < 200; ++iter) {
    std::vector<int32_t> da, db;
    random_shapes(rng, &da, &db);
    const auto a = random_floats(rng, da, -5, 5);
    const auto b = random_floats(rng, db, 0.5f, 5);  // positive: no division by zero
    for (const auto& c : cases) {
      std::vector<int32_t> dims;
      const auto got = run_f32(c.op, make_tensor(da, a), make_tensor(db, b), Activation::kNone, &dims);
      ASSERT_EQ(dims, bcast_dims(da, db));
      ASSERT_EQ(got, naive_binary(da, a, db, b, c.f)) << "op " << static_cast<int>(c.op) << " iter " << iter;
    }
  }
}

TEST(ElementwiseKernel, RandomBroadcastInt32MatchesNaive) {
  std::mt19937 rng(99);
  std::uniform_int_distribution<int32_t> u(-1000, 1000);
  for (int iter = 0; iter < 100; ++iter) {
    std::vector<int32_t> da, db;
    random_shapes(rng, &da, &db);
    auto fill = [&](const std::vector<int32_t>& d) {
      int64_t n = 1;
      for (int32_t x : d) n *= x;
      std::vector<int32_t> v(n);
      for (auto& x : v) x = u(rng);
      return v;
    };
    const auto a = fill(da), b = fill(db);
    auto got = OpRunner(Op::MUL, act(Activation::kRelu)).input(i32(da, a)).input(i32(db, b)).run();
    ASSERT_EQ(got[0].values<int32_t>(),
              naive_binary(da, a, db, b, [](int32_t x, int32_t y) { return std::max(x * y, 0); }));
    auto mn = OpRunner(Op::MINIMUM).input(i32(da, a)).input(i32(db, b)).run();
    ASSERT_EQ(mn[0].values<int32_t>(), naive_binary(da, a, db, b, [](int32_t x, int32_t y) { return std::min(x, y); }));
  }
}

// --- errors ------------------------------------------------------------------------------

TEST(ElementwiseKernel, ErrorWrongInputCount) {
  EXPECT_THROW(OpRunner(Op::ADD, act(Activation::kNone)).input(f32({1}, {1})).run(), Error);
  EXPECT_THROW(
      OpRunner(Op::MUL, act(Activation::kNone)).input(f32({1}, {1})).input(f32({1}, {1})).input(f32({1}, {1})).run(),
      Error);
  EXPECT_THROW(OpRunner(Op::MAXIMUM).input(f32({1}, {1})).run(), Error);
}

TEST(ElementwiseKernel, ErrorIncompatibleShapes) {
  EXPECT_THROW(run_f32(Op::ADD, f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({2}, {1, 2})), Error);
  EXPECT_THROW(run_f32(Op::MINIMUM, f32({3}, {1, 2, 3}), f32({2}, {1, 2})), Error);
  // Rank 7 is beyond the supported broadcasting rank.
  EXPECT_THROW(run_f32(Op::ADD, f32({1, 1, 1, 1, 1, 1, 2}, {1, 2}), f32({1}, {1})), Error);
}

TEST(ElementwiseKernel, ErrorWrongTypes) {
  // Mixed input types.
  EXPECT_THROW(OpRunner(Op::ADD, act(Activation::kNone)).input(f32({1}, {1})).input(i32({1}, {1})).run(), Error);
  // Output type differs from the inputs.
  EXPECT_THROW(
      OpRunner(Op::ADD, act(Activation::kNone)).input(f32({1}, {1})).input(f32({1}, {1})).output(DType::kInt32).run(),
      Error);
  // DIV int32, ADD int8 / int64, MAXIMUM bool are not supported.
  EXPECT_THROW(OpRunner(Op::DIV, act(Activation::kNone)).input(i32({1}, {4})).input(i32({1}, {2})).run(), Error);
  EXPECT_THROW(OpRunner(Op::ADD, act(Activation::kNone))
                   .input(make_tensor<int8_t>({1}, {1}))
                   .input(make_tensor<int8_t>({1}, {1}))
                   .run(),
               Error);
  EXPECT_THROW(OpRunner(Op::SUB, act(Activation::kNone))
                   .input(make_tensor<int64_t>({1}, {1}))
                   .input(make_tensor<int64_t>({1}, {1}))
                   .run(),
               Error);
  EXPECT_THROW(OpRunner(Op::MAXIMUM)
                   .input(make_tensor<uint8_t>({1}, {1}, DType::kBool))
                   .input(make_tensor<uint8_t>({1}, {0}, DType::kBool))
                   .run(),
               Error);
}

TEST(ElementwiseKernel, ErrorUnsupportedFusedActivation) {
  EXPECT_THROW(run_f32(Op::ADD, f32({1}, {1}), f32({1}, {1}), Activation::kTanh), Error);
  EXPECT_THROW(run_f32(Op::MUL, f32({1}, {1}), f32({1}, {1}), Activation::kSignBit), Error);
}

TEST(ElementwiseKernel, ErrorWrongOptionsType) {
  EXPECT_THROW(OpRunner(Op::ADD, rt::SoftmaxParams{}).input(f32({1}, {1})).input(f32({1}, {1})).run(), Error);
}

}  // namespace
}  // namespace liteq::test
