// Quantized (int8 / int16) kernels against the official TFLite runtime (2.9, builtin
// kernels), bit for bit. Each test builds models of many independent single-op pieces
// (every piece its own inputs and output, random shapes, quantization parameters and
// data), runs our Interpreter and official TFLite on the same inputs and requires
// identical integers. A second group builds models that TFLite refuses in Prepare and
// checks that we refuse them too.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "io/data/npy.h"
#include "liteq/error.h"
#include "liteq/interpreter.h"
#include "liteq/model.h"
#include "model_builder.h"
#include "test_env.h"
#include "tflite_ref.h"

namespace liteq::test {
namespace {

namespace fs = std::filesystem;
using TT = tflite::TensorType;
using BO = tflite::BuiltinOperator;
using AF = tflite::ActivationFunctionType;

struct Q {
  float scale = 1.0f;
  int64_t zp = 0;
};

size_t elem_size(TT t) { return dtype_size(static_cast<DType>(t)); }
int64_t type_min(TT t) { return t == TT::INT8 ? -128 : t == TT::UINT8 ? 0 : t == TT::INT16 ? -32768 : 0; }
int64_t type_max(TT t) { return t == TT::INT8 ? 127 : t == TT::UINT8 ? 255 : t == TT::INT16 ? 32767 : 0; }

const AF kActs[] = {AF::NONE, AF::RELU, AF::RELU6, AF::RELU_N1_TO_1};

// Whether official TFLite loads, prepares and runs a model (its log on failure).
bool official_runs(const std::vector<uint8_t>& bytes, const std::vector<Array>& inputs, std::string* log) {
  static int counter = 0;
  const fs::path dir = fs::temp_directory_path() / fmt::format("liteq_qreject_{}_{}", ::getpid(), counter++);
  fs::create_directories(dir);
  io::write_file_atomic((dir / "model.tflite").string(), bytes);
  std::string cmd = fmt::format("'{}' '{}'", tflite_runner().string(), (dir / "model.tflite").string());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto f = dir / fmt::format("in{}.npy", i);
    io::write_npy(f.string(), inputs[i]);
    cmd += fmt::format(" --in '{}'", f.string());
  }
  cmd += fmt::format(" --out-dir '{}' > '{}' 2>&1", (dir / "out").string(), (dir / "log.txt").string());
  const int rc = std::system(cmd.c_str());
  std::ifstream f(dir / "log.txt");
  log->assign(std::istreambuf_iterator<char>(f), {});
  fs::remove_all(dir);
  // Some kernels report a failed check at invoke without failing the run (the output is
  // then left unwritten): TFLite's error reporter lines start with "tflite: ".
  return rc == 0 && log->find("tflite: ") == std::string::npos;
}

// Many independent single-op pieces in one model, run on both runtimes.
class Batch {
 public:
  // LITEQ_QSEED=n shifts every seed (to explore more random cases than CI runs).
  Batch(std::string name, uint32_t seed)
      : name_(std::move(name)), rng_(seed + static_cast<uint32_t>(std::atoi(env_or("LITEQ_QSEED", "0").c_str()))) {}

  int64_t uniform(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }
  double real(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng_); }
  bool chance(double p) { return real(0, 1) < p; }
  float log_uniform(double lo, double hi) { return static_cast<float>(std::exp(real(std::log(lo), std::log(hi)))); }

  // A model input holding `values` (raw integers of the dtype, or floats for FLOAT32).
  int input_values(TT type, std::vector<int32_t> dims, Q q, const std::vector<double>& values) {
    const int t = b_.add_input(fmt::format("in{}", inputs_.size()), type, dims);
    if (type != TT::FLOAT32) b_.set_quant(t, {q.scale}, {q.zp});
    Array a;
    a.dtype = static_cast<DType>(type);
    a.shape = dims;
    a.bytes.resize(values.size() * elem_size(type));
    for (size_t i = 0; i < values.size(); ++i) store(type, a.bytes.data(), i, values[i]);
    inputs_.push_back(std::move(a));
    return t;
  }
  // A model input with random integers in [lo, hi] (extremes of the range more often).
  int input(TT type, std::vector<int32_t> dims, Q q, int64_t lo, int64_t hi) {
    int64_t n = 1;
    for (int32_t d : dims) n *= d;
    std::vector<double> v(n);
    for (auto& x : v) {
      const double r = real(0, 1);
      x = static_cast<double>(r < 0.04 ? lo : r < 0.08 ? hi : uniform(lo, hi));
    }
    return input_values(type, std::move(dims), q, v);
  }
  int input(TT type, std::vector<int32_t> dims, Q q) { return input(type, dims, q, type_min(type), type_max(type)); }
  int const_values(TT type, std::vector<int32_t> dims, Q q, const std::vector<double>& values) {
    std::vector<uint8_t> bytes(values.size() * elem_size(type));
    for (size_t i = 0; i < values.size(); ++i) store(type, bytes.data(), i, values[i]);
    const int t = b_.add_const_bytes(fmt::format("c{}", b_.subgraph().tensors.size()), type, dims, std::move(bytes));
    if (type != TT::FLOAT32) b_.set_quant(t, {q.scale}, {q.zp});
    return t;
  }
  int const_random(TT type, std::vector<int32_t> dims, Q q) {
    int64_t n = 1;
    for (int32_t d : dims) n *= d;
    std::vector<double> v(n);
    for (auto& x : v) x = static_cast<double>(uniform(type_min(type), type_max(type)));
    return const_values(type, std::move(dims), q, v);
  }
  int const_i32(std::vector<int32_t> dims, const std::vector<int32_t>& values) {
    return b_.add_const<int32_t>(fmt::format("c{}", b_.subgraph().tensors.size()), std::move(dims), values);
  }
  // The output of the next piece.
  int output(TT type, Q q, std::vector<int32_t> dims = {}) {
    const int t = b_.add_tensor(fmt::format("out{}", outputs_.size()), type, std::move(dims));
    if (type != TT::FLOAT32) b_.set_quant(t, {q.scale}, {q.zp});
    outputs_.push_back(t);
    return t;
  }
  template <typename Options>
  void op(std::string label, BO code, std::vector<int32_t> ins, int out, Options options) {
    b_.add_op(code, std::move(ins), {out}, std::move(options));
    labels_.push_back(std::move(label));
  }
  void op(std::string label, BO code, std::vector<int32_t> ins, int out) {
    b_.add_op(code, std::move(ins), {out});
    labels_.push_back(std::move(label));
  }

  // Runs the model on both runtimes and compares every output byte for byte.
  // Returns the number of mismatching pieces.
  int run() {
    if (labels_.empty()) return 0;
    b_.set_outputs(outputs_);
    const auto bytes = b_.bytes();
    std::vector<Array> ours;
    try {
      const Model model = Model::from_bytes(bytes, name_);
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
      ADD_FAILURE() << name_ << ": liteq failed: " << e.what() << "\n  " << describe_from_message(e.what());
      return static_cast<int>(labels_.size());
    }
    const auto ref = run_official(bytes, inputs_);
    if (ref.size() != ours.size()) {
      ADD_FAILURE() << name_ << ": official TFLite gave " << ref.size() << " outputs, we gave " << ours.size() << "\n"
                    << diagnose(bytes);
      return static_cast<int>(labels_.size());
    }
    int bad = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      const bool same = ours[i].shape == ref[i].shape && ours[i].dtype == ref[i].dtype && ours[i].bytes == ref[i].bytes;
      EXPECT_TRUE(same) << name_ << " piece " << i << " [" << labels_[i] << "]: " << diff(ours[i], ref[i]);
      if (!same && std::getenv("LITEQ_QDUMP")) {
        dump(i, ours[i], ref[i]);
        std::vector<Array> arrays;
        const auto alone = run_official(single_piece(bytes, i, &arrays), arrays);
        if (alone.size() == 1)
          fmt::print("DUMP piece {} official alone: {} ({})\n", i,
                     alone[0].bytes == ref[i].bytes ? "same as in the batch" : "DIFFERENT from the batch",
                     alone[0].bytes == ours[i].bytes ? "same as ours" : diff(ours[i], alone[0]));
      }
      bad += !same;
    }
    cases_ += static_cast<int>(labels_.size());
    return bad;
  }
  int cases() const { return cases_; }

 private:
  static void store(TT type, uint8_t* p, size_t i, double v) {
    switch (type) {
      case TT::INT8: reinterpret_cast<int8_t*>(p)[i] = static_cast<int8_t>(v); break;
      case TT::UINT8: p[i] = static_cast<uint8_t>(v); break;
      case TT::INT16: reinterpret_cast<int16_t*>(p)[i] = static_cast<int16_t>(v); break;
      case TT::INT32: reinterpret_cast<int32_t*>(p)[i] = static_cast<int32_t>(v); break;
      case TT::FLOAT32: reinterpret_cast<float*>(p)[i] = static_cast<float>(v); break;
      default: break;
    }
  }
  static int64_t load(DType t, const std::vector<uint8_t>& b, size_t i) {
    switch (t) {
      case DType::kInt8: return reinterpret_cast<const int8_t*>(b.data())[i];
      case DType::kUInt8: return b[i];
      case DType::kInt16: return reinterpret_cast<const int16_t*>(b.data())[i];
      case DType::kInt32: return reinterpret_cast<const int32_t*>(b.data())[i];
      default: return 0;
    }
  }
  static std::string diff(const Array& ours, const Array& ref) {
    if (ours.shape != ref.shape)
      return fmt::format("shape [{}] vs official [{}]", fmt::join(ours.shape, ","), fmt::join(ref.shape, ","));
    if (ours.dtype != ref.dtype) return fmt::format("dtype {} vs official {}", dtype_name(ours.dtype), dtype_name(ref.dtype));
    if (ours.dtype == DType::kFloat32) return "float outputs differ";
    const size_t es = dtype_size(ours.dtype), n = ref.bytes.size() / es;
    std::string s;
    int shown = 0, count = 0;
    for (size_t i = 0; i < n; ++i) {
      const int64_t a = load(ours.dtype, ours.bytes, i), b = load(ref.dtype, ref.bytes, i);
      if (a == b) continue;
      ++count;
      if (shown++ < 6) s += fmt::format(" [{}] {} vs {};", i, a, b);
    }
    return fmt::format("{} of {} values differ (ours vs official):{}", count, n, s);
  }
  // Debugging aid (LITEQ_QDUMP=1): a mismatching piece's inputs and both outputs.
  void dump(size_t piece, const Array& ours, const Array& ref) const {
    const auto& op = *b_.model().subgraphs[0]->operators[piece];
    const auto& g = b_.model().subgraphs[0]->inputs;
    auto values = [](const Array& a) {
      std::vector<double> v;
      const size_t n = a.bytes.size() / dtype_size(a.dtype);
      for (size_t i = 0; i < n; ++i)
        v.push_back(a.dtype == DType::kFloat32 ? reinterpret_cast<const float*>(a.bytes.data())[i]
                                               : static_cast<double>(load(a.dtype, a.bytes, i)));
      return v;
    };
    for (int32_t t : op.inputs) {
      const auto it = std::find(g.begin(), g.end(), t);
      if (it == g.end()) continue;
      fmt::print("DUMP piece {} input {}: {:.9g}\n", piece, t, fmt::join(values(inputs_[it - g.begin()]), " "));
    }
    fmt::print("DUMP piece {} ours: {}\nDUMP piece {} official: {}\n", piece, fmt::join(values(ours), " "), piece,
               fmt::join(values(ref), " "));
  }
  // Piece k alone as a model (its inputs in the batch's order).
  std::vector<uint8_t> single_piece(const std::vector<uint8_t>& bytes, size_t k, std::vector<Array>* arrays) const {
    std::unique_ptr<tflite::ModelT> m(tflite::GetModel(bytes.data())->UnPack());
    auto& g = *m->subgraphs[0];
    auto op = std::move(g.operators[k]);
    g.operators.clear();
    std::vector<int32_t> ins;
    for (size_t i = 0; i < g.inputs.size(); ++i) {
      if (std::find(op->inputs.begin(), op->inputs.end(), g.inputs[i]) == op->inputs.end()) continue;
      ins.push_back(g.inputs[i]);
      arrays->push_back(inputs_[i]);
    }
    g.inputs = ins;
    g.outputs = {op->outputs[0]};
    g.operators.push_back(std::move(op));
    return io::write_tflite(*m);
  }
  // The pieces official TFLite fails on, each run alone (after a failed batch).
  std::string diagnose(const std::vector<uint8_t>& bytes) const {
    std::string report;
    for (size_t k = 0; k < labels_.size(); ++k) {
      std::vector<Array> arrays;
      const auto model = single_piece(bytes, k, &arrays);
      std::string log;
      if (!official_runs(model, arrays, &log))
        report += fmt::format("  piece {} [{}] fails on official TFLite: {}\n", k, labels_[k],
                              log.substr(0, std::min<size_t>(log.size(), 300)));
    }
    return report;
  }
  std::string describe_from_message(const std::string& msg) const {
    const auto p = msg.find("(operator ");
    if (p == std::string::npos) return "";
    const int i = std::atoi(msg.c_str() + p + 10);
    return i >= 0 && i < static_cast<int>(labels_.size()) ? "piece: " + labels_[i] : "";
  }

  std::string name_;
  std::mt19937 rng_;
  ModelBuilder b_;
  std::vector<Array> inputs_;
  std::vector<int32_t> outputs_;
  std::vector<std::string> labels_;
  int cases_ = 0;
};

std::string dims_str(const std::vector<int32_t>& d) { return fmt::format("[{}]", fmt::join(d, ",")); }

// A random shape of rank lo..hi, dims 1..max_dim.
std::vector<int32_t> random_dims(Batch& b, int lo, int hi, int max_dim) {
  std::vector<int32_t> d(b.uniform(lo, hi));
  for (auto& x : d) x = static_cast<int32_t>(b.uniform(1, max_dim));
  return d;
}

// A shape broadcastable against `a`: a copy with some dims set to 1 and maybe leading dims
// dropped, or a scalar.
std::vector<int32_t> broadcast_partner(Batch& b, const std::vector<int32_t>& a) {
  const double r = b.real(0, 1);
  if (r < 0.35) return a;
  if (r < 0.45) return {};
  if (r < 0.5) return {1};
  std::vector<int32_t> d = a;
  for (auto& x : d)
    if (b.chance(0.5)) x = 1;
  const int drop = static_cast<int>(b.uniform(0, static_cast<int64_t>(d.size())));
  d.erase(d.begin(), d.begin() + drop);
  return d;
}

std::vector<int32_t> broadcast(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  const size_t r = std::max(a.size(), b.size());
  std::vector<int32_t> out(r, 1);
  for (size_t i = 0; i < r; ++i) {
    const int32_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    const int32_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Q q8(Batch& b, double lo = 1e-3, double hi = 0.5) {
  Q q{b.log_uniform(lo, hi), b.uniform(-128, 127)};
  if (b.chance(0.15)) q.zp = b.chance(0.5) ? -128 : 127;
  if (b.chance(0.1)) q.zp = 0;
  return q;
}
Q q16(Batch& b, double lo = 1e-5, double hi = 1e-2) { return Q{b.log_uniform(lo, hi), 0}; }

const char* act_name(AF a) { return tflite::EnumNameActivationFunctionType(a); }

// Reports how many pieces ran and how many mismatched.
void finish(Batch& b, int bad) {
  fmt::print("[quantized] {:<44} {:4} pieces, {} mismatching\n", ::testing::UnitTest::GetInstance()->current_test_info()->name(),
             b.cases(), bad);
}

#define REQUIRE_OFFICIAL() LITEQ_REQUIRE_ASSET(official_tflite_available(), tflite_runner().string())

// --- ADD / SUB / MUL ------------------------------------------------------------------

void add_binary_pieces(Batch& b, BO code, TT type, int count) {
  const bool is16 = type == TT::INT16;
  for (int i = 0; i < count; ++i) {
    auto da = random_dims(b, 0, 4, 7);
    if (b.chance(0.1)) da = random_dims(b, 5, 6, 3);
    if (b.chance(0.05)) da = {1, static_cast<int32_t>(b.uniform(20, 40)), static_cast<int32_t>(b.uniform(20, 40)),
                              static_cast<int32_t>(b.uniform(1, 19))};  // long rows and odd tails
    auto db = broadcast_partner(b, da);
    if (b.chance(0.3)) std::swap(da, db);
    // TFLite 2.9 aborts (a CHECK in its 4-D/5-D broadcasting kernels) on most broadcasts
    // of rank > 4; it runs int8 ADD with a scalar and int8 SUB up to rank 5. Others are
    // not compared (liteq computes them all).
    const size_t rank = std::max(da.size(), db.size());
    auto count = [](const std::vector<int32_t>& d) { return std::accumulate(d.begin(), d.end(), 1, std::multiplies<int>()); };
    const bool scalar = count(da) == 1 || count(db) == 1;
    const bool high_rank_ok = !is16 && ((code == BO::ADD && scalar) || (code == BO::SUB && rank <= 5));
    if (rank > 4 && da != db && !high_rank_ok) db = da;
    const auto dout = broadcast(da, db);
    Q qa = is16 ? q16(b) : q8(b), qb = is16 ? q16(b) : q8(b);
    if (b.chance(0.2)) qb = qa;
    Q qo = is16 ? q16(b) : q8(b);
    if (code != BO::MUL) {
      // TFLite aborts when the output scale is below 2 * max input scale / 2^left_shift.
      const float floor = 2.5f * std::max(qa.scale, qb.scale) / (is16 ? 32768.0f : 1048576.0f);
      qo.scale = std::max(qo.scale, floor);
    } else if (qa.scale * qb.scale / qo.scale > 1e5f) {
      qo.scale = qa.scale * qb.scale;
    }
    const AF act = kActs[b.uniform(0, 3)];
    const int a = b.input(type, da, qa), c = b.input(type, db, qb);
    const int o = b.output(type, qo, dout);
    const std::string label = fmt::format("{} {} {}x{} a({}, {}) b({}, {}) out({}, {}) {}", tflite::EnumNameBuiltinOperator(code),
                                          is16 ? "int16" : "int8", dims_str(da), dims_str(db), qa.scale, qa.zp, qb.scale,
                                          qb.zp, qo.scale, qo.zp, act_name(act));
    if (code == BO::ADD) {
      tflite::AddOptionsT opt;
      opt.fused_activation_function = act;
      opt.pot_scale_int16 = false;
      b.op(label, code, {a, c}, o, opt);
    } else if (code == BO::SUB) {
      tflite::SubOptionsT opt;
      opt.fused_activation_function = act;
      opt.pot_scale_int16 = false;
      b.op(label, code, {a, c}, o, opt);
    } else {
      tflite::MulOptionsT opt;
      opt.fused_activation_function = act;
      b.op(label, code, {a, c}, o, opt);
    }
  }
}

TEST(QuantizedVsTflite, AddSubInt8) {
  REQUIRE_OFFICIAL();
  Batch b("add_sub_int8", 101);
  add_binary_pieces(b, BO::ADD, TT::INT8, 120);
  add_binary_pieces(b, BO::SUB, TT::INT8, 120);
  finish(b, b.run());
}

TEST(QuantizedVsTflite, AddSubInt16) {
  REQUIRE_OFFICIAL();
  Batch b("add_sub_int16", 102);
  add_binary_pieces(b, BO::ADD, TT::INT16, 80);
  add_binary_pieces(b, BO::SUB, TT::INT16, 80);
  // pot_scale_int16 (the schema default) with power-of-two scales: the saturating path;
  // with other scales TFLite falls back to the general one.
  for (int i = 0; i < 40; ++i) {
    const auto d = random_dims(b, 1, 4, 6);
    const int e = static_cast<int>(b.uniform(-14, -8));
    const int ea = e - (i % 2 ? static_cast<int>(b.uniform(0, 3)) : 0), eb = i % 2 ? e : e - static_cast<int>(b.uniform(0, 3));
    const bool pot = i % 4 != 3;
    Q qa{std::ldexp(1.0f, ea), 0}, qb{std::ldexp(1.0f, eb), 0}, qo{std::ldexp(1.0f, e), 0};
    if (!pot) qo.scale *= 1.3f;
    const AF act = kActs[b.uniform(0, 3)];
    const int a = b.input(TT::INT16, d, qa), c = b.input(TT::INT16, d, qb);
    const int o = b.output(TT::INT16, qo, d);
    const bool sub = i % 3 == 0;
    const std::string label = fmt::format("{} pot int16 {} 2^{} 2^{} out {} {}", sub ? "SUB" : "ADD", dims_str(d), ea, eb,
                                          qo.scale, act_name(act));
    if (sub) {
      tflite::SubOptionsT opt;
      opt.fused_activation_function = act;
      b.op(label, BO::SUB, {a, c}, o, opt);
    } else {
      tflite::AddOptionsT opt;
      opt.fused_activation_function = act;
      b.op(label, BO::ADD, {a, c}, o, opt);
    }
  }
  finish(b, b.run());
}

TEST(QuantizedVsTflite, MulInt8AndInt16) {
  REQUIRE_OFFICIAL();
  Batch b("mul", 103);
  add_binary_pieces(b, BO::MUL, TT::INT8, 150);
  add_binary_pieces(b, BO::MUL, TT::INT16, 100);
  finish(b, b.run());
}

// --- activations ------------------------------------------------------------------------

// Every int8 value once (in a shape of the given rank), then random ones.
int all_int8_input(Batch& b, Q q) {
  std::vector<double> v;
  for (int x = -128; x <= 127; ++x) v.push_back(x);
  for (int i = 0; i < 44; ++i) v.push_back(static_cast<double>(b.uniform(-128, 127)));
  return b.input_values(TT::INT8, {3, 4, 25}, q, v);
}
// Extremes, small values and random ones over the int16 range.
int int16_input(Batch& b, Q q, int n = 600) {
  std::vector<double> v = {-32768, -32767, -1, 0, 1, 32767, 32766, -16384, 16384, 4096, -4096, 8192, -8192};
  for (int x = -300; x <= 300; x += 3) v.push_back(x);
  while (static_cast<int>(v.size()) < n) v.push_back(static_cast<double>(b.uniform(-32768, 32767)));
  return b.input_values(TT::INT16, {static_cast<int32_t>(v.size())}, q, v);
}

TEST(QuantizedVsTflite, ActivationsInt8) {
  REQUIRE_OFFICIAL();
  Batch b("activations_int8", 104);
  for (int i = 0; i < 24; ++i) {
    const Q qi = q8(b, 1e-3, 1.0);
    Q qo = q8(b, 1e-3, 1.0);
    const int x = all_int8_input(b, qi);
    const std::string p = fmt::format("in({}, {})", qi.scale, qi.zp);
    // LOGISTIC: output scale 1/256 (zero point -128, or another one).
    b.op("LOGISTIC " + p, BO::LOGISTIC, {x}, b.output(TT::INT8, Q{1.0f / 256, i % 5 ? -128 : qo.zp}, {3, 4, 25}));
    b.op(fmt::format("TANH {} out({}, {})", p, i % 3 ? 1.0f / 128 : qo.scale, i % 3 ? 0 : qo.zp), BO::TANH, {x},
         b.output(TT::INT8, i % 3 ? Q{1.0f / 128, 0} : qo, {3, 4, 25}));
    for (BO code : {BO::RELU, BO::RELU6, BO::RELU_N1_TO_1}) {
      qo = q8(b, 1e-3, 1.0);
      b.op(fmt::format("{} {} out({}, {})", tflite::EnumNameBuiltinOperator(code), p, qo.scale, qo.zp), code, {x},
           b.output(TT::INT8, qo, {3, 4, 25}));
    }
    qo = q8(b, 1e-3, 1.0);
    tflite::LeakyReluOptionsT lo;
    const float alphas[] = {0.2f, 0.01f, -0.5f, 1.7f, 0.0f, 0.333f};
    lo.alpha = alphas[i % 6];
    b.op(fmt::format("LEAKY_RELU alpha {} {} out({}, {})", lo.alpha, p, qo.scale, qo.zp), BO::LEAKY_RELU, {x},
         b.output(TT::INT8, qo, {3, 4, 25}), lo);
    // HARD_SWISH: output scale not below input scale / 128 (TFLite's output exponent <= 0).
    qo = q8(b, qi.scale / 127, qi.scale * 4);
    b.op(fmt::format("HARD_SWISH {} out({}, {})", p, qo.scale, qo.zp), BO::HARD_SWISH, {x},
         b.output(TT::INT8, qo, {3, 4, 25}));
  }
  // PRELU: alpha constant or input, broadcast over up to 4-D (or same shape, any rank).
  for (int i = 0; i < 40; ++i) {
    auto dx = random_dims(b, 1, 4, 6);
    std::vector<int32_t> da = dx;
    if (i % 4 == 0) {
      da = {dx.back()};
    } else if (i % 4 == 1) {
      for (size_t k = 0; k + 1 < da.size(); ++k) da[k] = 1;
      if (b.chance(0.5) && da.size() > 1) da.erase(da.begin());
    } else if (i % 4 == 2) {
      da = broadcast_partner(b, dx);
      if (da.empty()) da = {1};
    }
    if (broadcast(dx, da) != dx) da = dx;
    const Q qx = q8(b), qa = q8(b, 1e-3, 0.05), qo = q8(b);
    const int x = b.input(TT::INT8, dx, qx);
    const int a = i % 2 ? b.input(TT::INT8, da, qa) : b.const_random(TT::INT8, da, qa);
    b.op(fmt::format("PRELU x{}({}, {}) alpha{}({}, {}) out({}, {})", dims_str(dx), qx.scale, qx.zp, dims_str(da), qa.scale,
                     qa.zp, qo.scale, qo.zp),
         BO::PRELU, {x, a}, b.output(TT::INT8, qo, dx));
  }
  finish(b, b.run());
}

TEST(QuantizedVsTflite, ActivationsInt16) {
  REQUIRE_OFFICIAL();
  Batch b("activations_int16", 105);
  const Q out_sig{1.0f / 32768, 0};
  // Power-of-two input scales (fixed-point paths: 2^-12, and 2^-11 for TANH) and others
  // (table paths), including scales whose table multiplier is doubled many times.
  std::vector<float> scales = {std::ldexp(1.0f, -12), std::ldexp(1.0f, -11), std::ldexp(1.0f, -10), std::ldexp(1.0f, -13),
                               std::ldexp(1.0f, -15), 3.0f / 4096, 1e-4f, 2.5e-4f, 1e-3f, 5e-3f, 3e-5f, 0.02f, 0.1f};
  for (int i = 0; i < 6; ++i) scales.push_back(b.log_uniform(1e-5, 2e-2));
  for (float s : scales) {
    const Q qi{s, 0};
    const int x = int16_input(b, qi);
    const int n = 600;
    b.op(fmt::format("LOGISTIC int16 in {}", s), BO::LOGISTIC, {x}, b.output(TT::INT16, out_sig, {n}));
    b.op(fmt::format("TANH int16 in {}", s), BO::TANH, {x}, b.output(TT::INT16, out_sig, {n}));
    const Q qo = q16(b, s / 4, s * 4);
    b.op(fmt::format("RELU int16 in {} out {}", s, qo.scale), BO::RELU, {x}, b.output(TT::INT16, qo, {n}));
    b.op(fmt::format("RELU6 int16 in {} out {}", s, qo.scale), BO::RELU6, {x}, b.output(TT::INT16, qo, {n}));
    tflite::LeakyReluOptionsT lo;
    lo.alpha = static_cast<float>(b.real(-1, 2));
    b.op(fmt::format("LEAKY_RELU int16 alpha {} in {} out {}", lo.alpha, s, qo.scale), BO::LEAKY_RELU, {x},
         b.output(TT::INT16, qo, {n}), lo);
  }
  finish(b, b.run());
}

// --- SOFTMAX ----------------------------------------------------------------------------

TEST(QuantizedVsTflite, Softmax) {
  REQUIRE_OFFICIAL();
  Batch b("softmax", 106);
  const float betas[] = {1.0f, 0.5f, 2.0f, 1.7f};
  for (int i = 0; i < 60; ++i) {
    auto d = random_dims(b, 1, 4, 6);
    d.back() = static_cast<int32_t>(i % 7 == 0 ? b.uniform(100, 300) : b.uniform(1, 40));
    const Q qi = q8(b, 1e-3, 1.0);
    tflite::SoftmaxOptionsT opt;
    opt.beta = betas[i % 4];
    const int x = b.input(TT::INT8, d, qi);
    const bool out16 = i % 5 == 4;
    Q qo = out16 ? Q{1.0f / 32768, 0} : Q{1.0f / 256, -128};
    if (i % 10 == 3) qo.scale *= 1.0008f;  // within TFLite's 0.1% tolerance
    b.op(fmt::format("SOFTMAX int8->{} {} in({}, {}) beta {}", out16 ? "int16" : "int8", dims_str(d), qi.scale, qi.zp,
                     opt.beta),
         BO::SOFTMAX, {x}, b.output(out16 ? TT::INT16 : TT::INT8, qo, d), opt);
  }
  for (int i = 0; i < 40; ++i) {
    auto d = random_dims(b, 1, 4, 5);
    d.back() = static_cast<int32_t>(i % 6 == 0 ? b.uniform(100, 300) : b.uniform(1, 40));
    const Q qi = q16(b, 1e-5, 1e-2);
    tflite::SoftmaxOptionsT opt;
    opt.beta = betas[i % 4];
    const int x = b.input(TT::INT16, d, qi);
    b.op(fmt::format("SOFTMAX int16 {} in {} beta {}", dims_str(d), qi.scale, opt.beta), BO::SOFTMAX, {x},
         b.output(TT::INT16, Q{1.0f / 32768, 0}, d), opt);
  }
  finish(b, b.run());
}

// --- pooling ----------------------------------------------------------------------------

TEST(QuantizedVsTflite, Pooling) {
  REQUIRE_OFFICIAL();
  Batch b("pooling", 107);
  for (int i = 0; i < 120; ++i) {
    const bool is16 = i % 3 == 2;
    const TT type = is16 ? TT::INT16 : TT::INT8;
    const std::vector<int32_t> d = {static_cast<int32_t>(b.uniform(1, 2)), static_cast<int32_t>(b.uniform(1, 12)),
                                    static_cast<int32_t>(b.uniform(1, 12)), static_cast<int32_t>(b.uniform(1, 20))};
    tflite::Pool2DOptionsT opt;
    opt.padding = b.chance(0.5) ? tflite::Padding::SAME : tflite::Padding::VALID;
    opt.filter_height = static_cast<int32_t>(b.uniform(1, std::min(d[1], 5)));
    opt.filter_width = static_cast<int32_t>(b.uniform(1, std::min(d[2], 5)));
    if (i % 10 == 0) {  // global pooling
      opt.filter_height = d[1];
      opt.filter_width = d[2];
    }
    opt.stride_h = static_cast<int32_t>(b.uniform(1, 3));
    opt.stride_w = static_cast<int32_t>(b.uniform(1, 3));
    opt.fused_activation_function = kActs[b.uniform(0, 3)];
    Q q = is16 ? q16(b) : q8(b, 1e-3, 0.2);
    if (is16 && i % 5 == 0) q.zp = b.uniform(-300, 300);  // TFLite accepts int16 zero points here
    // TFLite pools the raw integers whatever the output's parameters (used for the clamp).
    const Q qo = i % 7 == 3 ? (is16 ? q16(b) : q8(b, 1e-3, 0.2)) : q;
    const bool avg = i % 2 == 0;
    const int x = b.input(type, d, q);
    b.op(fmt::format("{} {} {} f{}x{} s{}x{} {} q({}, {}) out({}, {}) {}", avg ? "AVERAGE_POOL_2D" : "MAX_POOL_2D",
                     is16 ? "int16" : "int8", dims_str(d), opt.filter_height, opt.filter_width, opt.stride_h, opt.stride_w,
                     tflite::EnumNamePadding(opt.padding), q.scale, q.zp, qo.scale, qo.zp,
                     act_name(opt.fused_activation_function)),
         avg ? BO::AVERAGE_POOL_2D : BO::MAX_POOL_2D, {x}, b.output(type, qo), opt);
  }
  finish(b, b.run());
}

// --- MEAN -------------------------------------------------------------------------------

TEST(QuantizedVsTflite, Mean) {
  REQUIRE_OFFICIAL();
  Batch b("mean", 108);
  for (int i = 0; i < 150; ++i) {
    const bool is16 = i % 3 == 2;
    const TT type = is16 ? TT::INT16 : TT::INT8;
    std::vector<int32_t> d;
    std::vector<int32_t> axes;
    bool keep = b.chance(0.5);
    if (i % 4 == 0) {  // the H, W case (TFLite's special kernel when keep_dims)
      d = {static_cast<int32_t>(b.uniform(1, 2)), static_cast<int32_t>(b.uniform(1, 12)),
           static_cast<int32_t>(b.uniform(1, 12)), static_cast<int32_t>(b.uniform(1, 20))};
      axes = b.chance(0.5) ? std::vector<int32_t>{1, 2} : std::vector<int32_t>{2, 1};
      keep = i % 8 == 0 || b.chance(0.5);
    } else {
      d = random_dims(b, 1, 4, 6);
      const int rank = static_cast<int>(d.size());
      for (int a = 0; a < rank; ++a)
        if (b.chance(0.5)) axes.push_back(b.chance(0.3) ? a - rank : a);
      if (axes.empty()) axes.push_back(static_cast<int32_t>(b.uniform(0, rank - 1)));
      if (b.chance(0.1)) axes.push_back(axes[0]);  // duplicate
    }
    Q qi = is16 ? q16(b) : q8(b, 1e-3, 0.2);
    Q qo = is16 ? q16(b, qi.scale / 4, qi.scale * 4) : q8(b, qi.scale / 4, qi.scale * 4);
    if (i % 5 == 1) qo = qi;  // same parameters: TFLite's plain integer mean
    const int x = b.input(type, d, qi);
    const int ax = b.const_i32({static_cast<int32_t>(axes.size())}, axes);
    tflite::ReducerOptionsT opt;
    opt.keep_dims = keep;
    b.op(fmt::format("MEAN {} {} axes [{}] keep {} in({}, {}) out({}, {})", is16 ? "int16" : "int8", dims_str(d),
                     fmt::join(axes, ","), keep, qi.scale, qi.zp, qo.scale, qo.zp),
         BO::MEAN, {x, ax}, b.output(type, qo), opt);
  }
  finish(b, b.run());
}

// --- RESIZE_BILINEAR --------------------------------------------------------------------

TEST(QuantizedVsTflite, ResizeBilinear) {
  REQUIRE_OFFICIAL();
  Batch b("resize_bilinear", 109);
  for (int i = 0; i < 100; ++i) {
    const bool is16 = i % 3 == 2;
    const TT type = is16 ? TT::INT16 : TT::INT8;
    const std::vector<int32_t> d = {static_cast<int32_t>(b.uniform(1, 2)), static_cast<int32_t>(b.uniform(1, 9)),
                                    static_cast<int32_t>(b.uniform(1, 9)), static_cast<int32_t>(b.uniform(1, 5))};
    int32_t oh = static_cast<int32_t>(b.uniform(1, 20)), ow = static_cast<int32_t>(b.uniform(1, 20));
    if (i % 6 == 0) {
      oh = 2 * d[1];
      ow = 2 * d[2];
    }
    tflite::ResizeBilinearOptionsT opt;
    const int mode = i % 3;
    opt.align_corners = mode == 1;
    opt.half_pixel_centers = mode == 2;
    Q q = is16 ? q16(b) : q8(b);
    if (is16 && i % 4 == 0) q.zp = b.uniform(-300, 300);
    const int x = b.input(type, d, q);
    const int size = b.const_i32({2}, {oh, ow});
    b.op(fmt::format("RESIZE_BILINEAR {} {} -> {}x{} align {} half {}", is16 ? "int16" : "int8", dims_str(d), oh, ow,
                     opt.align_corners, opt.half_pixel_centers),
         BO::RESIZE_BILINEAR, {x, size}, b.output(type, q), opt);
  }
  finish(b, b.run());
}

// --- QUANTIZE / DEQUANTIZE --------------------------------------------------------------

TEST(QuantizedVsTflite, QuantizeRequantizeDequantize) {
  REQUIRE_OFFICIAL();
  Batch b("quantize", 110);
  struct Pair {
    TT in, out;
  };
  const Pair pairs[] = {{TT::INT8, TT::INT8},   {TT::INT8, TT::UINT8}, {TT::UINT8, TT::INT8},
                        {TT::UINT8, TT::UINT8}, {TT::INT16, TT::INT16}, {TT::INT16, TT::INT8}};
  auto qfor = [&](TT t) {
    if (t == TT::INT16) return q16(b, 1e-5, 1e-1);
    Q q = q8(b, 1e-3, 1.0);
    if (t == TT::UINT8) q.zp += 128;
    return q;
  };
  for (int i = 0; i < 120; ++i) {
    const Pair p = pairs[i % 6];
    const auto d = random_dims(b, 1, 4, 7);
    const Q qi = qfor(p.in);
    Q qo = qfor(p.out);
    if (i % 7 == 0 && p.in != TT::INT16 && p.out != TT::INT16) {  // same scale, zero points 128 apart
      qo.scale = qi.scale;
      qo.zp = p.in == p.out ? qi.zp : (p.in == TT::INT8 ? qi.zp + 128 : qi.zp - 128);
    }
    const int x = b.input(p.in, d, qi);
    b.op(fmt::format("QUANTIZE {}({}, {}) -> {}({}, {}) {}", tflite::EnumNameTensorType(p.in), qi.scale, qi.zp,
                     tflite::EnumNameTensorType(p.out), qo.scale, qo.zp, dims_str(d)),
         BO::QUANTIZE, {x}, b.output(p.out, qo, d));
  }
  for (int i = 0; i < 45; ++i) {
    const TT out = i % 3 == 0 ? TT::INT8 : i % 3 == 1 ? TT::UINT8 : TT::INT16;
    const Q qo = qfor(out);
    const double range = qo.scale * 40000.0;
    std::vector<double> v;
    for (int k = 0; k < 300; ++k) {
      if (k % 9 == 0)
        v.push_back((static_cast<double>(b.uniform(-300, 300)) + 0.5) * qo.scale);  // ties
      else
        v.push_back(b.real(-range / (out == TT::INT16 ? 1 : 100), range / (out == TT::INT16 ? 1 : 100)));
    }
    const int x = b.input_values(TT::FLOAT32, {300}, Q{}, v);
    b.op(fmt::format("QUANTIZE float32 -> {}({}, {})", tflite::EnumNameTensorType(out), qo.scale, qo.zp), BO::QUANTIZE,
         {x}, b.output(out, qo, {300}));
  }
  for (int i = 0; i < 30; ++i) {
    const TT in = i % 2 ? TT::INT16 : TT::INT8;
    const Q qi = qfor(in);
    const auto d = random_dims(b, 1, 3, 8);
    const int x = b.input(in, d, qi);
    b.op(fmt::format("DEQUANTIZE {}({}, {})", tflite::EnumNameTensorType(in), qi.scale, qi.zp), BO::DEQUANTIZE, {x},
         b.output(TT::FLOAT32, Q{}, d));
  }
  finish(b, b.run());
}

// --- CONCATENATION / PAD ---------------------------------------------------------------

TEST(QuantizedVsTflite, Concatenation) {
  REQUIRE_OFFICIAL();
  Batch b("concat", 111);
  for (int i = 0; i < 60; ++i) {
    const bool is16 = i % 2 == 1;
    const TT type = is16 ? TT::INT16 : TT::INT8;
    const auto d = random_dims(b, 1, 4, 5);
    const int rank = static_cast<int>(d.size());
    const int axis = static_cast<int>(b.uniform(0, rank - 1));
    const int n = static_cast<int>(b.uniform(1, 4));
    const Q q = is16 ? q16(b) : q8(b);
    std::vector<int32_t> ins;
    for (int k = 0; k < n; ++k) {
      auto dk = d;
      dk[axis] = static_cast<int32_t>(b.uniform(1, 4));
      // int16 inputs may have other scales (TFLite copies the raw values).
      const Q qk = is16 && k % 2 ? q16(b) : q;
      ins.push_back(k == 2 ? b.const_random(type, dk, qk) : b.input(type, dk, qk));
    }
    tflite::ConcatenationOptionsT opt;
    opt.axis = b.chance(0.3) ? axis - rank : axis;
    b.op(fmt::format("CONCATENATION {} {} axis {} x{}", is16 ? "int16" : "int8", dims_str(d), opt.axis, n),
         BO::CONCATENATION, ins, b.output(type, q), opt);
  }
  finish(b, b.run());
}

TEST(QuantizedVsTflite, Pad) {
  REQUIRE_OFFICIAL();
  Batch b("pad", 112);
  for (int i = 0; i < 60; ++i) {
    const bool is16 = i % 2 == 1;
    const TT type = is16 ? TT::INT16 : TT::INT8;
    const auto d = random_dims(b, 1, 4, 5);
    const bool v2 = i % 4 >= 2;
    std::vector<int32_t> pads;
    for (size_t k = 0; k < d.size(); ++k) {
      pads.push_back(static_cast<int32_t>(b.uniform(0, 2)));
      pads.push_back(static_cast<int32_t>(b.uniform(0, 2)));
    }
    const Q q = is16 ? q16(b) : q8(b);
    const int x = b.input(type, d, q);
    const int pt = b.const_i32({static_cast<int32_t>(d.size()), 2}, pads);
    if (v2) {
      const int v = b.const_values(type, {}, q, {static_cast<double>(b.uniform(type_min(type), type_max(type)))});
      b.op(fmt::format("PADV2 {} {} pads [{}]", is16 ? "int16" : "int8", dims_str(d), fmt::join(pads, ",")), BO::PADV2,
           {x, pt, v}, b.output(type, q), tflite::PadV2OptionsT{});
    } else {
      b.op(fmt::format("PAD {} {} pads [{}] zp {}", is16 ? "int16" : "int8", dims_str(d), fmt::join(pads, ","), q.zp),
           BO::PAD, {x, pt}, b.output(type, q), tflite::PadOptionsT{});
    }
  }
  finish(b, b.run());
}

// --- models TFLite refuses --------------------------------------------------------------

struct RejectCase {
  std::string label;
  std::function<void(ModelBuilder&, std::vector<Array>&)> build;
};

// A single-op model: inputs of the given types/params and one output.
Array zeros(TT type, std::vector<int32_t> dims) {
  Array a;
  a.dtype = static_cast<DType>(type);
  a.shape = dims;
  int64_t n = 1;
  for (int32_t d : dims) n *= d;
  a.bytes.assign(n * elem_size(type), 0);
  return a;
}
int qin(ModelBuilder& m, std::vector<Array>& in, TT type, std::vector<int32_t> dims, Q q) {
  const int t = m.add_input(fmt::format("in{}", in.size()), type, dims);
  m.set_quant(t, {q.scale}, {q.zp});
  in.push_back(zeros(type, dims));
  return t;
}
int qout(ModelBuilder& m, TT type, std::vector<int32_t> dims, Q q) {
  const int t = m.add_tensor("out", type, dims);
  m.set_quant(t, {q.scale}, {q.zp});
  m.set_outputs({t});
  return t;
}

std::vector<RejectCase> reject_cases() {
  std::vector<RejectCase> c;
  const Q a{0.05f, 3}, o{0.1f, -5};
  c.push_back({"LOGISTIC int8 output scale not 1/256", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT8, {4}, a);
                 m.add_op(BO::LOGISTIC, {x}, {qout(m, TT::INT8, {4}, Q{1.0f / 128, -128})});
               }});
  c.push_back({"LOGISTIC int16 output scale not 1/32768", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT16, {4}, Q{1e-3f, 0});
                 m.add_op(BO::LOGISTIC, {x}, {qout(m, TT::INT16, {4}, Q{1.0f / 16384, 0})});
               }});
  c.push_back({"TANH int16 input zero point", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT16, {4}, Q{1e-3f, 5});
                 m.add_op(BO::TANH, {x}, {qout(m, TT::INT16, {4}, Q{1.0f / 32768, 0})});
               }});
  c.push_back({"TANH int16 output scale not 2^-15", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT16, {4}, Q{1e-3f, 0});
                 m.add_op(BO::TANH, {x}, {qout(m, TT::INT16, {4}, Q{1e-4f, 0})});
               }});
  c.push_back({"SUB int16 nonzero zero point", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT16, {4}, Q{1e-3f, 2}), y = qin(m, in, TT::INT16, {4}, Q{1e-3f, 0});
                 tflite::SubOptionsT opt;
                 opt.pot_scale_int16 = false;
                 m.add_op(BO::SUB, {x, y}, {qout(m, TT::INT16, {4}, Q{1e-3f, 0})}, opt);
               }});
  c.push_back({"ADD int16 nonzero zero point", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT16, {4}, Q{1e-3f, 2}), y = qin(m, in, TT::INT16, {4}, Q{1e-3f, 0});
                 tflite::AddOptionsT opt;
                 opt.pot_scale_int16 = false;
                 m.add_op(BO::ADD, {x, y}, {qout(m, TT::INT16, {4}, Q{1e-3f, 0})}, opt);
               }});
  c.push_back({"ADD int16 power-of-two path, input coarser than output", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT16, {4}, Q{1.0f / 1024, 0}), y = qin(m, in, TT::INT16, {4}, Q{1.0f / 4096, 0});
                 m.add_op(BO::ADD, {x, y}, {qout(m, TT::INT16, {4}, Q{1.0f / 4096, 0})}, tflite::AddOptionsT{});
               }});
  c.push_back({"CONCATENATION int8 differing scales", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT8, {2, 3}, a), y = qin(m, in, TT::INT8, {2, 3}, o);
                 m.add_op(BO::CONCATENATION, {x, y}, {qout(m, TT::INT8, {4, 3}, a)}, tflite::ConcatenationOptionsT{});
               }});
  c.push_back({"CONCATENATION int16 nonzero zero point", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT16, {2, 3}, Q{1e-3f, 1}), y = qin(m, in, TT::INT16, {2, 3}, Q{1e-3f, 0});
                 m.add_op(BO::CONCATENATION, {x, y}, {qout(m, TT::INT16, {4, 3}, Q{1e-3f, 0})},
                          tflite::ConcatenationOptionsT{});
               }});
  c.push_back({"QUANTIZE int8 -> int16", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT8, {4}, a);
                 m.add_op(BO::QUANTIZE, {x}, {qout(m, TT::INT16, {4}, Q{1e-3f, 0})});
               }});
  auto unary16 = [](BO code, const char* label) {
    return RejectCase{label, [code](ModelBuilder& m, std::vector<Array>& in) {
                        const int x = qin(m, in, TT::INT16, {1, 2, 2, 3}, Q{1e-3f, 4});
                        m.add_op(code, {x}, {qout(m, TT::INT16, {1, 2, 2, 3}, Q{1e-3f, 4})});
                      }};
  };
  c.push_back(unary16(BO::RELU, "RELU int16 nonzero zero point"));
  c.push_back(unary16(BO::RELU6, "RELU6 int16 nonzero zero point"));
  c.push_back({"LEAKY_RELU int16 nonzero zero point", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT16, {4}, Q{1e-3f, 4});
                 tflite::LeakyReluOptionsT opt;
                 opt.alpha = 0.1f;
                 m.add_op(BO::LEAKY_RELU, {x}, {qout(m, TT::INT16, {4}, Q{1e-3f, 4})}, opt);
               }});
  c.push_back({"SOFTMAX int16 nonzero zero point", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT16, {2, 3}, Q{1e-3f, 4});
                 tflite::SoftmaxOptionsT opt;
                 opt.beta = 1.0f;
                 m.add_op(BO::SOFTMAX, {x}, {qout(m, TT::INT16, {2, 3}, Q{1.0f / 32768, 0})}, opt);
               }});
  c.push_back({"QUANTIZE int16 -> int16 nonzero zero point", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT16, {4}, Q{1e-3f, 4});
                 m.add_op(BO::QUANTIZE, {x}, {qout(m, TT::INT16, {4}, Q{2e-3f, 0})});
               }});
  c.push_back({"CONCATENATION int8 fused RELU", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT8, {2, 3}, a), y = qin(m, in, TT::INT8, {2, 3}, a);
                 tflite::ConcatenationOptionsT opt;
                 opt.fused_activation_function = AF::RELU;
                 m.add_op(BO::CONCATENATION, {x, y}, {qout(m, TT::INT8, {4, 3}, a)}, opt);
               }});
  c.push_back({"PADV2 int8 pad value with other parameters", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT8, {2, 3}, a);
                 const int p = m.add_const<int32_t>("pads", {2, 2}, {1, 0, 0, 1});
                 const int v = m.add_const_bytes("v", TT::INT8, {}, {7});
                 m.set_quant(v, {0.5f}, {0});
                 m.add_op(BO::PADV2, {x, p, v}, {qout(m, TT::INT8, {3, 4}, a)});
               }});
  c.push_back({"SOFTMAX int8 output zero point not -128", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT8, {2, 3}, a);
                 tflite::SoftmaxOptionsT opt;
                 opt.beta = 1.0f;
                 m.add_op(BO::SOFTMAX, {x}, {qout(m, TT::INT8, {2, 3}, Q{1.0f / 256, -127})}, opt);
               }});
  c.push_back({"SOFTMAX int8 output scale off 1/256", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT8, {2, 3}, a);
                 tflite::SoftmaxOptionsT opt;
                 opt.beta = 1.0f;
                 m.add_op(BO::SOFTMAX, {x}, {qout(m, TT::INT8, {2, 3}, Q{1.003f / 256, -128})}, opt);
               }});
  c.push_back({"SOFTMAX int16 output scale not 1/32768", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT16, {2, 3}, Q{1e-3f, 0});
                 tflite::SoftmaxOptionsT opt;
                 opt.beta = 1.0f;
                 m.add_op(BO::SOFTMAX, {x}, {qout(m, TT::INT16, {2, 3}, Q{1.0f / 16384, 0})}, opt);
               }});
  c.push_back({"MEAN int16 nonzero zero point", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT16, {2, 3}, Q{1e-3f, 4});
                 const int ax = m.add_const<int32_t>("axis", {1}, {1});
                 tflite::ReducerOptionsT opt;
                 m.add_op(BO::MEAN, {x, ax}, {qout(m, TT::INT16, {2}, Q{1e-3f, 0})}, opt);
               }});
  c.push_back({"SOFTMAX int16 rank 5", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT16, {1, 1, 2, 2, 3}, Q{1e-3f, 0});
                 tflite::SoftmaxOptionsT opt;
                 opt.beta = 1.0f;
                 m.add_op(BO::SOFTMAX, {x}, {qout(m, TT::INT16, {1, 1, 2, 2, 3}, Q{1.0f / 32768, 0})}, opt);
               }});
  c.push_back({"RELU_N1_TO_1 int16", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT16, {4}, Q{1e-3f, 0});
                 m.add_op(BO::RELU_N1_TO_1, {x}, {qout(m, TT::INT16, {4}, Q{1e-3f, 0})});
               }});
  c.push_back({"MUL int16 nonzero zero point", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT16, {4}, Q{1e-3f, 3}), y = qin(m, in, TT::INT16, {4}, Q{1e-3f, 0});
                 m.add_op(BO::MUL, {x, y}, {qout(m, TT::INT16, {4}, Q{1e-3f, 0})}, tflite::MulOptionsT{});
               }});
  c.push_back({"HARD_SWISH int8 output scale far below the input's", [=](ModelBuilder& m, std::vector<Array>& in) {
                 const int x = qin(m, in, TT::INT8, {4}, Q{0.5f, 0});
                 m.add_op(BO::HARD_SWISH, {x}, {qout(m, TT::INT8, {4}, Q{0.001f, 0})});
               }});
  return c;
}

TEST(QuantizedVsTflite, RejectsWhatTfliteRejects) {
  REQUIRE_OFFICIAL();
  for (const auto& rc : reject_cases()) {
    ModelBuilder m;
    std::vector<Array> inputs;
    rc.build(m, inputs);
    const auto bytes = m.bytes();
    std::string log;
    const bool official = official_runs(bytes, inputs, &log);
    EXPECT_FALSE(official) << rc.label << ": official TFLite accepted the model";
    bool ours = true;
    std::string why;
    try {
      const Model model = Model::from_bytes(bytes, "reject");
      Interpreter it(model);
      it.allocate_tensors();
      for (size_t i = 0; i < inputs.size(); ++i)
        it.set_tensor(it.input_details()[i].index, inputs[i].dtype, inputs[i].shape, inputs[i].bytes);
      it.invoke();
    } catch (const Error& e) {
      ours = false;
      why = e.what();
    }
    EXPECT_FALSE(ours) << rc.label << ": liteq accepted a model official TFLite rejects:\n" << log;
    if (!ours) fmt::print("[quantized] rejected: {:<52} | {}\n", rc.label, why);
  }
}

}  // namespace
}  // namespace liteq::test
