// Float (and integer) math ops against the official TFLite runtime (2.9): SQRT, RSQRT,
// EXP, LOG, SIN, COS, ABS, NEG, SQUARE, FLOOR, CEIL, GELU, POW, SQUARED_DIFFERENCE, CAST,
// SUM, REDUCE_PROD, REDUCE_MAX, REDUCE_MIN, ARG_MAX, ARG_MIN. Every case is one op with
// its own inputs and output in one model, run by our Interpreter and by run_official().
// Integer outputs must be identical bytes; float outputs of exact ops (rounding, sign,
// selection, squares) identical values (+0 == -0: TFLite's Eigen FLOOR/CEIL lose the
// sign of zero), transcendental ones and float sums within a few float ulps (TFLite may
// use Eigen's vectorized functions or another summation order). Subnormal results count
// as equal to zero: official TFLite flushes them.
#include <cmath>
#include <limits>
#include <cstring>
#include <random>
#include <set>
#include <tuple>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "liteq/converter.h"
#include "liteq/error.h"
#include "liteq/interpreter.h"
#include "liteq/model.h"
#include "model_builder.h"
#include "test_env.h"
#include "tflite_ref.h"

namespace liteq::test {
namespace {

using tflite::BuiltinOperator;
using TT = tflite::TensorType;

template <typename T>
Array make_array(DType type, std::vector<int32_t> shape, const std::vector<T>& v) {
  Array a;
  a.dtype = type;
  a.shape = std::move(shape);
  a.bytes.resize(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(a.bytes.data(), v.data(), a.bytes.size());
  return a;
}

// Many single-op cases in one model; tol[i] is case i's tolerance in float ulps
// (0 = identical bytes).
class Cases {
 public:
  int input_f32(std::vector<int32_t> shape, const std::vector<float>& v) {
    return input(TT::FLOAT32, DType::kFloat32, std::move(shape), v);
  }
  template <typename T>
  int input(TT tt, DType dt, std::vector<int32_t> shape, const std::vector<T>& v) {
    const int t = b_.add_input(fmt::format("in{}", inputs_.size()), tt, shape);
    inputs_.push_back(make_array(dt, std::move(shape), v));
    return t;
  }
  template <typename T>
  int constant(TT tt, std::vector<int32_t> shape, const std::vector<T>& v) {
    return b_.add_const<T>(fmt::format("c{}", b_.subgraph().tensors.size()), std::move(shape), v, tt);
  }
  // Adds the op; returns its output tensor. The options (if any) are set by `setup`.
  template <typename F>
  void add(const std::string& label, BuiltinOperator op, std::vector<int32_t> ins, TT out_type,
           std::vector<int32_t> out_shape, int ulps, F setup) {
    const int out = b_.add_tensor(fmt::format("out{}", labels_.size()), out_type, std::move(out_shape));
    auto& o = b_.add_op(op, std::move(ins), {out});
    setup(o);
    b_.subgraph().outputs.push_back(out);
    labels_.push_back(label);
    ulps_.push_back(ulps);
    abs_.push_back(0.0f);
  }
  // An absolute tolerance for the last case added.
  void set_abs_tolerance(float t) { abs_.back() = t; }
  void add(const std::string& label, BuiltinOperator op, std::vector<int32_t> ins, TT out_type,
           std::vector<int32_t> out_shape, int ulps) {
    add(label, op, std::move(ins), out_type, std::move(out_shape), ulps, [](tflite::OperatorT&) {});
  }

  // Runs both runtimes; every case is checked. Returns the number of cases compared.
  int run() {
    const auto bytes = b_.bytes();
    std::vector<Array> ours;
    try {
      const Model model = Model::from_bytes(bytes, "float_ops.tflite");
      Interpreter it(model);
      it.allocate_tensors();
      const auto in = it.input_details();
      for (size_t i = 0; i < in.size(); ++i)
        it.set_tensor(in[i].index, inputs_[i].dtype, inputs_[i].shape, inputs_[i].bytes);
      it.invoke();
      for (const auto& d : it.output_details()) {
        const auto v = it.get_tensor(d.index);
        ours.push_back(Array{v.dtype, v.shape, {v.bytes.begin(), v.bytes.end()}});
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "liteq failed: " << e.what();
      return 0;
    }
    const auto ref = run_official(bytes, inputs_);
    EXPECT_EQ(ref.size(), labels_.size()) << "official TFLite outputs";
    if (ref.size() != ours.size()) return 0;
    for (size_t i = 0; i < ref.size(); ++i) compare(i, ours[i], ref[i]);
    return static_cast<int>(ref.size());
  }

 private:
  // Distance in float ulps; 0 for equal values (+0 == -0, NaN == NaN) and for two values
  // below FLT_MIN in magnitude: official TFLite flushes subnormal results to zero (its
  // Eigen EXP, and its arithmetic in general here), liteq keeps IEEE results.
  static int64_t ulp_distance(float a, float b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0 : INT64_MAX;
    if (a == b) return 0;
    const float tiny = std::numeric_limits<float>::min();
    if (std::fabs(a) < tiny && std::fabs(b) < tiny) return 0;
    auto key = [](float f) {
      int32_t i;
      std::memcpy(&i, &f, 4);
      return i < 0 ? int64_t{INT32_MIN} - i : int64_t{i};
    };
    return std::llabs(key(a) - key(b));
  }
  void compare(size_t i, const Array& ours, const Array& ref) {
    const std::string& what = labels_[i];
    ASSERT_EQ(ours.shape, ref.shape) << what;
    ASSERT_EQ(ours.dtype, ref.dtype) << what;
    if (ours.dtype != DType::kFloat32) {
      EXPECT_TRUE(ours.bytes == ref.bytes) << what << ": outputs differ";
      return;
    }
    // Float outputs: within ulps_[i] float ulps, or within abs_[i] absolute.
    const size_t n = ref.bytes.size() / 4;
    int bad = 0;
    for (size_t k = 0; k < n; ++k) {
      float a, b;
      std::memcpy(&a, ours.bytes.data() + 4 * k, 4);
      std::memcpy(&b, ref.bytes.data() + 4 * k, 4);
      const int64_t d = ulp_distance(a, b);
      if (d <= ulps_[i] || std::fabs(a - b) <= abs_[i]) continue;
      if (bad++ < 4) ADD_FAILURE() << what << " [" << k << "]: ours " << a << ", official " << b << " (" << d << " ulps)";
    }
  }

  ModelBuilder b_;
  std::vector<Array> inputs_;
  std::vector<std::string> labels_;
  std::vector<int> ulps_;
  std::vector<float> abs_;
};

std::vector<float> values(std::mt19937& rng, size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

TEST(FloatOpsConformance, UnaryMath) {
  LITEQ_REQUIRE_ASSET(official_tflite_available(), "official TFLite runner");
  std::mt19937 rng(1);
  // Edge values, then a spread of magnitudes and signs.
  std::vector<float> x = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, -0.5f, 2.5f, -2.5f, 1e-20f, -1e-20f, 1e20f, -1e20f,
                          88.5f, -87.5f, 3.0f, -3.0f, 100.0f, 7.75f, -7.25f, 1e-3f};
  for (float v : values(rng, 60, -6, 6)) x.push_back(v);
  for (float v : values(rng, 40, -30, 30)) x.push_back(v);
  const std::vector<int32_t> shape = {4, static_cast<int32_t>(x.size() / 4)};
  Cases c;
  struct U {
    const char* name;
    BuiltinOperator op;
    int ulps;
  };
  const U ops[] = {{"SQRT", BuiltinOperator::SQRT, 1},    {"RSQRT", BuiltinOperator::RSQRT, 2},
                   {"EXP", BuiltinOperator::EXP, 2},      {"LOG", BuiltinOperator::LOG, 2},
                   {"SIN", BuiltinOperator::SIN, 2},      {"COS", BuiltinOperator::COS, 2},
                   {"ABS", BuiltinOperator::ABS, 0},      {"NEG", BuiltinOperator::NEG, 0},
                   {"SQUARE", BuiltinOperator::SQUARE, 0}, {"FLOOR", BuiltinOperator::FLOOR, 0},
                   {"CEIL", BuiltinOperator::CEIL, 0}};
  for (const auto& u : ops) c.add(u.name, u.op, {c.input_f32(shape, x)}, TT::FLOAT32, shape, u.ulps);
  // GELU, exact and tanh forms (TFLite evaluates them with Eigen: a few ulps).
  std::vector<float> g = values(rng, 64, -6, 6);
  for (bool approx : {false, true}) {
    tflite::GeluOptionsT o;
    o.approximate = approx;
    c.add(approx ? "GELU approximate" : "GELU", BuiltinOperator::GELU, {c.input_f32({8, 8}, g)}, TT::FLOAT32, {8, 8},
          64, [&](tflite::OperatorT& op) { op.builtin_options.Set(o); });
    // Eigen's erf/tanh saturate early: TFLite returns 0 where the value is ~-1e-6.
    c.set_abs_tolerance(2e-6f);
  }
  // NEG on int32 and int64.
  c.add("NEG int32", BuiltinOperator::NEG, {c.input(TT::INT32, DType::kInt32, {5}, std::vector<int32_t>{-5, 0, 7, 1 << 30, -(1 << 30)})},
        TT::INT32, {5}, 0);
  c.add("NEG int64", BuiltinOperator::NEG,
        {c.input(TT::INT64, DType::kInt64, {3}, std::vector<int64_t>{int64_t{1} << 40, -3, 0})}, TT::INT64, {3}, 0);
  EXPECT_EQ(c.run(), 15);
}

TEST(FloatOpsConformance, PowAndSquaredDifference) {
  LITEQ_REQUIRE_ASSET(official_tflite_available(), "official TFLite runner");
  std::mt19937 rng(2);
  Cases c;
  // Broadcasting shapes within TFLite's 4-D limit for POW.
  struct S {
    std::vector<int32_t> a, b, out;
  };
  const S shapes[] = {{{2, 3, 4}, {2, 3, 4}, {2, 3, 4}}, {{2, 3, 4}, {3, 1}, {2, 3, 4}}, {{2, 3, 4}, {}, {2, 3, 4}},
                      {{2, 1, 4}, {1, 3, 1}, {2, 3, 4}}, {{1, 2, 1, 3}, {2, 1, 5, 1}, {2, 2, 5, 3}}};
  for (const auto& s : shapes) {
    int64_t na = 1, nb = 1;
    for (int32_t d : s.a) na *= d;
    for (int32_t d : s.b) nb *= d;
    const auto base = values(rng, na, 0.0f, 5.0f), expo = values(rng, nb, -3.0f, 3.0f);
    c.add(fmt::format("POW [{}]^[{}]", fmt::join(s.a, ","), fmt::join(s.b, ",")), BuiltinOperator::POW,
          {c.input_f32(s.a, base), c.input_f32(s.b, expo)}, TT::FLOAT32, s.out, 2);
    const auto p = values(rng, na, -10, 10), q = values(rng, nb, -10, 10);
    c.add(fmt::format("SQUARED_DIFFERENCE [{}] [{}]", fmt::join(s.a, ","), fmt::join(s.b, ",")),
          BuiltinOperator::SQUARED_DIFFERENCE, {c.input_f32(s.a, p), c.input_f32(s.b, q)}, TT::FLOAT32, s.out, 0);
  }
  // Special float powers: negative base with integer and fractional exponents, zeros.
  c.add("POW special", BuiltinOperator::POW,
        {c.input_f32({6}, {-2.0f, -2.0f, 0.0f, 0.0f, 4.0f, -8.0f}), c.input_f32({6}, {3.0f, 0.5f, 0.0f, -1.0f, 0.5f, 2.0f})},
        TT::FLOAT32, {6}, 0);
  // int32 POW (exponents >= 0) with broadcasting.
  c.add("POW int32", BuiltinOperator::POW,
        {c.input(TT::INT32, DType::kInt32, {2, 3}, std::vector<int32_t>{2, -3, 0, 7, 1, -1}),
         c.input(TT::INT32, DType::kInt32, {3}, std::vector<int32_t>{10, 3, 0})},
        TT::INT32, {2, 3}, 0);
  c.add("SQUARED_DIFFERENCE int32", BuiltinOperator::SQUARED_DIFFERENCE,
        {c.input(TT::INT32, DType::kInt32, {4}, std::vector<int32_t>{1, -4, 10, 0}),
         c.input(TT::INT32, DType::kInt32, {1}, std::vector<int32_t>{3})},
        TT::INT32, {4}, 0);
  EXPECT_EQ(c.run(), 13);
}

TEST(FloatOpsConformance, Cast) {
  LITEQ_REQUIRE_ASSET(official_tflite_available(), "official TFLite runner");
  Cases c;
  const std::vector<float> f = {2.7f, -2.7f, 0.5f, -0.5f, 0.0f, -0.0f, 99.99f, -100.5f, 1e9f, -1e9f, 127.5f, 1.0f};
  auto cast = [&](const char* label, TT to, auto in) { c.add(label, BuiltinOperator::CAST, {in}, to, {12}, 0); };
  cast("float->int32", TT::INT32, c.input_f32({12}, f));
  cast("float->int64", TT::INT64, c.input_f32({12}, f));
  cast("float->bool", TT::BOOL, c.input_f32({12}, f));
  const std::vector<float> small = {0.0f, 0.9f, 1.5f, 17.2f, 100.0f, 126.9f, 127.0f, 3.5f, 64.25f, 99.9f, 12.0f, 5.5f};
  cast("float->uint8", TT::UINT8, c.input_f32({12}, small));
  const std::vector<float> signed8 = {-128.0f, -127.9f, -0.5f, 0.5f, 126.9f, 127.0f, -3.5f, 3.5f, 64.25f, -99.9f, 12.0f, -5.5f};
  cast("float->int8", TT::INT8, c.input_f32({12}, signed8));
  const std::vector<int32_t> i = {16777217, -5, 0, 1, -1, 300, 255, 256, -129, 1 << 30, 42, 7};
  cast("int32->float", TT::FLOAT32, c.input(TT::INT32, DType::kInt32, {12}, i));
  cast("int32->int64", TT::INT64, c.input(TT::INT32, DType::kInt32, {12}, i));
  cast("int32->uint8", TT::UINT8, c.input(TT::INT32, DType::kInt32, {12}, i));
  cast("int32->bool", TT::BOOL, c.input(TT::INT32, DType::kInt32, {12}, i));
  const std::vector<int64_t> l = {(int64_t{1} << 32) + 5, -1, int64_t{1} << 40, 0, 3, -3, 1, 2, 4, 8, 16, 32};
  cast("int64->int32", TT::INT32, c.input(TT::INT64, DType::kInt64, {12}, l));
  cast("int64->float", TT::FLOAT32, c.input(TT::INT64, DType::kInt64, {12}, l));
  const std::vector<uint8_t> u = {0, 1, 127, 128, 200, 255, 3, 4, 5, 6, 7, 8};
  cast("uint8->int8", TT::INT8, c.input(TT::UINT8, DType::kUInt8, {12}, u));
  cast("uint8->float", TT::FLOAT32, c.input(TT::UINT8, DType::kUInt8, {12}, u));
  EXPECT_EQ(c.run(), 13);
}

TEST(FloatOpsConformance, Reductions) {
  LITEQ_REQUIRE_ASSET(official_tflite_available(), "official TFLite runner");
  std::mt19937 rng(4);
  Cases c;
  const std::vector<int32_t> shape = {2, 3, 4, 5};
  const auto x = values(rng, 120, -2, 2);
  struct R {
    const char* name;
    BuiltinOperator op;
    int ulps;
  };
  const R ops[] = {{"SUM", BuiltinOperator::SUM, 8},
                   {"REDUCE_PROD", BuiltinOperator::REDUCE_PROD, 8},
                   {"REDUCE_MAX", BuiltinOperator::REDUCE_MAX, 0},
                   {"REDUCE_MIN", BuiltinOperator::REDUCE_MIN, 0}};
  struct A {
    std::vector<int32_t> axes;
    bool keep;
    std::vector<int32_t> out;
  };
  const A cases[] = {{{1, 3}, true, {2, 1, 4, 1}}, {{1, 3}, false, {2, 4}}, {{-1}, false, {2, 3, 4}},
                     {{0, 1, 2, 3}, false, {}},    {{2, 0}, true, {1, 3, 1, 5}}};
  for (const auto& r : ops)
    for (const auto& a : cases) {
      tflite::ReducerOptionsT o;
      o.keep_dims = a.keep;
      const int axis = c.constant<int32_t>(TT::INT32, {static_cast<int32_t>(a.axes.size())}, a.axes);
      c.add(fmt::format("{} axes [{}] keep {}", r.name, fmt::join(a.axes, ","), a.keep), r.op,
            {c.input_f32(shape, x), axis}, TT::FLOAT32, a.out, r.ulps,
            [&](tflite::OperatorT& op) { op.builtin_options.Set(o); });
    }
  // int32 SUM and REDUCE_MAX.
  std::vector<int32_t> xi(24);
  for (int k = 0; k < 24; ++k) xi[k] = (k * 37) % 19 - 9;
  for (auto op : {BuiltinOperator::SUM, BuiltinOperator::REDUCE_MAX, BuiltinOperator::REDUCE_MIN}) {
    tflite::ReducerOptionsT o;
    const int axis = c.constant<int32_t>(TT::INT32, {1}, {1});
    c.add(fmt::format("{} int32", tflite::EnumNameBuiltinOperator(op)), op,
          {c.input(TT::INT32, DType::kInt32, {2, 3, 4}, xi), axis}, TT::INT32, {2, 4}, 0,
          [&](tflite::OperatorT& op) { op.builtin_options.Set(o); });
  }
  EXPECT_EQ(c.run(), 23);
}

TEST(FloatOpsConformance, ArgMaxArgMin) {
  LITEQ_REQUIRE_ASSET(official_tflite_available(), "official TFLite runner");
  std::mt19937 rng(6);
  Cases c;
  // Small integers as floats: many ties.
  std::uniform_int_distribution<int> d(-3, 3);
  std::vector<float> x(60);
  for (auto& v : x) v = static_cast<float>(d(rng));
  const std::vector<int32_t> shape = {3, 4, 5};
  struct C {
    int axis;
    TT type;
    std::vector<int32_t> out;
  };
  const C cases[] = {{0, TT::INT32, {4, 5}}, {1, TT::INT64, {3, 5}}, {-1, TT::INT32, {3, 4}}, {2, TT::INT64, {3, 4}}};
  for (bool is_max : {true, false})
    for (const auto& k : cases) {
      const int axis = c.constant<int32_t>(TT::INT32, {1}, {k.axis});
      const auto op = is_max ? BuiltinOperator::ARG_MAX : BuiltinOperator::ARG_MIN;
      c.add(fmt::format("{} axis {}", is_max ? "ARG_MAX" : "ARG_MIN", k.axis), op, {c.input_f32(shape, x), axis},
            k.type, k.out, 0, [&](tflite::OperatorT& o) {
              if (is_max) {
                tflite::ArgMaxOptionsT opt;
                opt.output_type = k.type;
                o.builtin_options.Set(opt);
              } else {
                tflite::ArgMinOptionsT opt;
                opt.output_type = k.type;
                o.builtin_options.Set(opt);
              }
            });
    }
  // int8 and uint8 inputs (raw values).
  std::vector<int8_t> s8(20);
  for (auto& v : s8) v = static_cast<int8_t>(d(rng) * 40);
  tflite::ArgMaxOptionsT opt;
  opt.output_type = TT::INT32;
  const int axis = c.constant<int32_t>(TT::INT32, {1}, {1});
  c.add("ARG_MAX int8", BuiltinOperator::ARG_MAX, {c.input(TT::INT8, DType::kInt8, {4, 5}, s8), axis}, TT::INT32, {4},
        0, [&](tflite::OperatorT& o) { o.builtin_options.Set(opt); });
  EXPECT_EQ(c.run(), 9);
}

// Quantization leaves the ops without integer kernels in float around an integer
// FULLY_CONNECTED (float fallback), and the result still runs. No official runtime needed.
TEST(FloatOpsQuantize, NewOpsStayFloat) {
  ModelBuilder b;
  const int x = b.add_input("x", TT::FLOAT32, {1, 8});
  std::vector<float> w(32);
  for (int k = 0; k < 32; ++k) w[k] = 0.05f * static_cast<float>((k * 7) % 11 - 5);
  const int wt = b.add_const<float>("w", {4, 8}, w);
  const int y = b.add_tensor("y", TT::FLOAT32, {1, 4});
  b.add_op(BuiltinOperator::FULLY_CONNECTED, {x, wt, -1}, {y}, tflite::FullyConnectedOptionsT{});
  const int a = b.add_tensor("a", TT::FLOAT32, {1, 4}), s = b.add_tensor("s", TT::FLOAT32, {1, 4});
  b.add_op(BuiltinOperator::ABS, {y}, {a});
  b.add_op(BuiltinOperator::SQRT, {a}, {s});
  const int ax = b.add_const<int32_t>("axis", {1}, {1});
  const int r = b.add_tensor("r", TT::FLOAT32, {1, 1});
  tflite::ReducerOptionsT keep;
  keep.keep_dims = true;
  b.add_op(BuiltinOperator::SUM, {s, ax}, {r}, keep);
  const int idx = b.add_tensor("idx", TT::INT32, {1});
  tflite::ArgMaxOptionsT am;
  am.output_type = TT::INT32;
  b.add_op(BuiltinOperator::ARG_MAX, {y, ax}, {idx}, am);
  const int ci = b.add_tensor("ci", TT::INT32, {1, 4});
  b.add_op(BuiltinOperator::CAST, {y}, {ci});
  const int two = b.add_const<float>("two", {}, {2.0f});
  const int p = b.add_tensor("p", TT::FLOAT32, {1, 4});
  b.add_op(BuiltinOperator::POW, {y, two}, {p});
  b.set_outputs({r, idx, ci, p});
  const Model model = b.load();

  std::mt19937 rng(3);
  std::vector<std::vector<float>> samples;
  for (int k = 0; k < 8; ++k) samples.push_back(values(rng, 8, -4, 4));
  auto run = [&](const Model& m, const std::vector<float>& in) {
    Interpreter it(m);
    it.allocate_tensors();
    it.set_tensor(it.input_details()[0].index, DType::kFloat32, {1, 8}, ModelBuilder::to_bytes(in));
    it.invoke();
    std::vector<std::vector<uint8_t>> bytes;
    for (const auto& d : it.output_details()) {
      const auto v = it.get_tensor(d.index);
      bytes.emplace_back(v.bytes.begin(), v.bytes.end());
    }
    return bytes;
  };
  auto convert = [&](std::set<OpsSet> ops, bool with_data) {
    Converter c(model);
    c.optimizations = {Optimize::kDefault};
    c.target_spec.supported_ops = std::move(ops);
    size_t next = 0;
    if (with_data)
      c.representative_dataset = [&]() -> std::optional<Sample> {
        if (next == samples.size()) return std::nullopt;
        return Sample{make_array(DType::kFloat32, {1, 8}, samples[next++])};
      };
    Model q = c.convert();
    return std::make_pair(std::move(q), c.report());
  };
  const std::vector<float> probe = {1, -2, 3, -0.5f, 0.25f, 2, -1, 0};
  const auto want = run(model, probe);
  for (const auto& [label, ops, data] :
       {std::tuple<const char*, std::set<OpsSet>, bool>{"int8", {OpsSet::kTfliteBuiltins}, true},
        {"int16x8", {OpsSet::kInt16x8, OpsSet::kTfliteBuiltins}, true},
        {"dynamic", {OpsSet::kTfliteBuiltins}, false}}) {
    SCOPED_TRACE(label);
    auto [q, report] = convert(ops, data);
    if (data) {
      EXPECT_EQ(report.quantized_ops, 1);  // the FULLY_CONNECTED
      EXPECT_EQ(report.float_ops, 6) << fmt::format("{}", fmt::join(report.float_op_names, ", "));
    }
    const auto got = run(q, probe);
    ASSERT_EQ(got.size(), want.size());
    // ARG_MAX over a slightly perturbed FC output: the same index for this probe.
    EXPECT_EQ(got[1], want[1]);
    float r_want, r_got;
    std::memcpy(&r_want, want[0].data(), 4);
    std::memcpy(&r_got, got[0].data(), 4);
    EXPECT_NEAR(r_got, r_want, 0.05f * std::fabs(r_want) + 0.05f);
  }
  // Integer-only mode names the ops that cannot be integer.
  try {
    convert({OpsSet::kTfliteBuiltinsInt8}, true);
    ADD_FAILURE() << "int8-only conversion should fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("SQRT"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace liteq::test
