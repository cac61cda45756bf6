// The ONNX backend node tests (libonnx-testdata, ONNX 1.12: one model.onnx per case with
// its inputs and expected outputs as TensorProto files) through import_onnx and our
// interpreter. A case is in scope when every operator in it (subgraphs included) is in
// onnx_supported_ops(); only those are instantiated, one test each.
//
// Outcomes of an in-scope case:
//   passed    every output matches (shape exact; floats |got-exp| <= 1e-5 + 1e-3*|exp|;
//             integers and bools exact)
//   failed    a wrong output, an error while running, an importer kInternal error, a crash
//             or a timeout: the test fails, unless the case is in known_failures() (then it
//             is skipped with the reason; a listed case that passes fails the test)
//   rejected  import_onnx threw liteq::Error: the importer says it cannot translate this
//             model (an attribute value, opset or dtype it does not take): skipped, with
//             the message. The node tests pass weights, shapes, axes and scales as graph
//             inputs, which a converted model has as initializers; so a rejected case is
//             tried again with inputs 1.. (then all inputs) made initializers from the test
//             data. If that runs and gives wrong outputs the case fails (an importer bug);
//             if it passes the case is still skipped as rejected.
// Each case runs in a forked child (a crash or hang is a failure of that case, not of the
// binary); LITEQ_ONNX_NODE_NOFORK=1 runs in-process, for a debugger.
//
// OnnxNodeSummary.PerOpTable prints the per-operator counts between
// "=== onnx node summary ===" lines (scripts/onnx_node_report.sh extracts them).
//
// The test data is Debian's libonnx-testdata (scripts/install_deps.sh);
// LITEQ_ONNX_NODE_DATA overrides its folder.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <variant>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "liteq/dtype.h"
#include "liteq/error.h"
#include "liteq/interpreter.h"
#include "liteq/onnx.h"
#include "test_env.h"

namespace liteq::test {
namespace {

namespace fs = std::filesystem;

// Cases that fail today, each with the reason. A listed case that passes (or is rejected
// by the importer) fails its test: take it off the list.
const std::map<std::string, std::string>& known_failures() {
  static const std::map<std::string, std::string> k = {
      // Dropout with training_mode true is translated (and folded) as inference: y = x, mask all true.
      // Inputs made constants: the importer's constant folding of Cast reads bfloat16 as integers.
      {"test_cast_BFLOAT16_to_FLOAT", "constant-folded Cast from bfloat16 gives the raw bits as numbers (16117, not 0.4785)"},
      {"test_castlike_BFLOAT16_to_FLOAT_expanded", "constant-folded Cast from bfloat16 gives the raw bits as numbers"},
      // Scales 0.6 on 2x4: ONNX maps coordinates by 1/scale, TFLite's RESIZE_BILINEAR by in/out size.
  };
  return k;
}

constexpr int kCaseTimeoutSeconds = 60;

fs::path node_dir() { return env_or("LITEQ_ONNX_NODE_DATA", "/usr/share/libonnx-testdata/data/node"); }

// ---- the cases and their operators ------------------------------------------------------

struct CaseInfo {
  std::string name;              // folder name, "test_add"
  std::vector<std::string> ops;  // distinct operator types, "domain:Op" outside the default domain
  std::vector<std::string> missing;  // ops not in onnx_supported_ops()
  bool in_scope() const { return missing.empty(); }
};

bool read_bytes(const fs::path& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return true;
}

template <typename Message>
bool parse_file(const fs::path& path, Message* m) {
  std::string bytes;
  return read_bytes(path, &bytes) && m->ParseFromString(bytes);
}

void collect_ops(const onnx::GraphProto& g, std::set<std::string>* ops) {
  for (const auto& n : g.node()) {
    const std::string& d = n.domain();
    ops->insert(d.empty() || d == "ai.onnx" ? n.op_type() : d + ":" + n.op_type());
    for (const auto& a : n.attribute()) {
      if (a.has_g()) collect_ops(a.g(), ops);
      for (const auto& sub : a.graphs()) collect_ops(sub, ops);
    }
  }
}

const std::vector<CaseInfo>& all_cases() {
  static const std::vector<CaseInfo> cases = [] {
    std::vector<CaseInfo> v;
    std::error_code ec;
    if (!fs::is_directory(node_dir(), ec)) return v;
    const auto supported_list = onnx_supported_ops();
    const std::set<std::string> supported(supported_list.begin(), supported_list.end());
    for (const auto& e : fs::directory_iterator(node_dir(), ec)) {
      if (!e.is_directory() || !fs::exists(e.path() / "model.onnx")) continue;
      CaseInfo c;
      c.name = e.path().filename().string();
      onnx::ModelProto m;
      std::set<std::string> ops;
      if (parse_file(e.path() / "model.onnx", &m)) {
        collect_ops(m.graph(), &ops);
      } else {
        ops.insert("<unparsable model>");
      }
      c.ops.assign(ops.begin(), ops.end());
      for (const auto& op : c.ops)
        if (!supported.count(op)) c.missing.push_back(op);
      v.push_back(std::move(c));
    }
    std::sort(v.begin(), v.end(), [](const CaseInfo& a, const CaseInfo& b) { return a.name < b.name; });
    return v;
  }();
  return cases;
}

// The instantiated names: the in-scope cases, or one placeholder that skips (or fails under
// LITEQ_REQUIRE_ASSETS=1) when the test data is not installed.
constexpr const char* kNoData = "testdata_missing";
std::vector<std::string> in_scope_case_names() {
  std::vector<std::string> names;
  for (const auto& c : all_cases())
    if (c.in_scope()) names.push_back(c.name);
  if (all_cases().empty()) names.push_back(kNoData);
  return names;
}

std::string sanitize(const std::string& s) {
  std::string r = s;
  for (char& ch : r)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return r;
}

// ---- tensors ----------------------------------------------------------------------------

std::optional<DType> to_dtype(int onnx_type) {
  using T = onnx::TensorProto;
  switch (onnx_type) {
    case T::FLOAT: return DType::kFloat32;
    case T::UINT8: return DType::kUInt8;
    case T::INT8: return DType::kInt8;
    case T::UINT16: return DType::kUInt16;
    case T::INT16: return DType::kInt16;
    case T::INT32: return DType::kInt32;
    case T::INT64: return DType::kInt64;
    case T::BOOL: return DType::kBool;
    case T::FLOAT16: return DType::kFloat16;
    case T::DOUBLE: return DType::kFloat64;
    case T::UINT32: return DType::kUInt32;
    case T::UINT64: return DType::kUInt64;
    default: return std::nullopt;  // string, bfloat16, complex
  }
}

struct Tensor {
  std::string name;
  DType dtype = DType::kFloat32;
  std::vector<int32_t> shape;
  std::vector<uint8_t> bytes;
  int64_t num_elements() const {
    int64_t n = 1;
    for (int32_t d : shape) n *= d;
    return n;
  }
};

// Thrown when the test data holds something the harness cannot represent (not a failure
// of the importer).
struct HarnessLimit : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename Dst, typename Src>
void append_as(std::vector<uint8_t>* out, const Src& values) {
  for (const auto& v : values) {
    const Dst d = static_cast<Dst>(v);
    const auto* p = reinterpret_cast<const uint8_t*>(&d);
    out->insert(out->end(), p, p + sizeof(Dst));
  }
}

Tensor to_tensor(const onnx::TensorProto& p, const std::string& what) {
  using T = onnx::TensorProto;
  Tensor t;
  t.name = p.name();
  const auto dt = to_dtype(p.data_type());
  if (!dt) throw HarnessLimit(fmt::format("{}: ONNX element type {} has no liteq dtype", what, p.data_type()));
  t.dtype = *dt;
  for (int64_t d : p.dims()) t.shape.push_back(static_cast<int32_t>(d));
  if (p.data_location() == T::EXTERNAL) throw HarnessLimit(what + ": external data");
  const size_t n = static_cast<size_t>(t.num_elements());
  if (p.has_raw_data()) {
    t.bytes.assign(p.raw_data().begin(), p.raw_data().end());
  } else {
    switch (p.data_type()) {
      case T::FLOAT: append_as<float>(&t.bytes, p.float_data()); break;
      case T::DOUBLE: append_as<double>(&t.bytes, p.double_data()); break;
      case T::INT64: append_as<int64_t>(&t.bytes, p.int64_data()); break;
      case T::UINT32: append_as<uint32_t>(&t.bytes, p.uint64_data()); break;
      case T::UINT64: append_as<uint64_t>(&t.bytes, p.uint64_data()); break;
      case T::INT32: append_as<int32_t>(&t.bytes, p.int32_data()); break;
      case T::INT16: append_as<int16_t>(&t.bytes, p.int32_data()); break;
      case T::UINT16:
      case T::FLOAT16: append_as<uint16_t>(&t.bytes, p.int32_data()); break;  // float16: the bits
      case T::INT8: append_as<int8_t>(&t.bytes, p.int32_data()); break;
      case T::UINT8:
      case T::BOOL: append_as<uint8_t>(&t.bytes, p.int32_data()); break;
      default: break;
    }
  }
  if (t.bytes.size() != n * dtype_size(t.dtype))
    throw HarnessLimit(fmt::format("{}: {} bytes for {} elements of {}", what, t.bytes.size(), n, dtype_name(t.dtype)));
  return t;
}

Tensor load_tensor(const fs::path& path) {
  onnx::TensorProto p;
  if (!parse_file(path, &p)) throw HarnessLimit("cannot parse " + path.string());
  return to_tensor(p, path.filename().string());
}

std::vector<Tensor> load_tensors(const fs::path& dir, const char* prefix) {
  std::vector<Tensor> v;
  for (int i = 0;; ++i) {
    const fs::path p = dir / fmt::format("{}_{}.pb", prefix, i);
    if (!fs::exists(p)) break;
    v.push_back(load_tensor(p));
  }
  return v;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  float f;
  if (exp == 0) {
    f = std::ldexp(float(man), -24);
  } else if (exp == 31) {
    f = man ? NAN : INFINITY;
  } else {
    f = std::ldexp(float(man | 0x400), int(exp) - 25);
  }
  return sign ? -f : f;
}

enum class Kind { kFloat, kInt, kBool, kOther };
Kind kind(DType t) {
  switch (t) {
    case DType::kFloat32:
    case DType::kFloat16:
    case DType::kFloat64: return Kind::kFloat;
    case DType::kBool: return Kind::kBool;
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kInt16:
    case DType::kUInt16:
    case DType::kInt32:
    case DType::kUInt32:
    case DType::kInt64:
    case DType::kUInt64: return Kind::kInt;
    default: return Kind::kOther;
  }
}

template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Element i as a double (floats) and as an int64 (integers, bools).
double as_double(DType t, const uint8_t* base, size_t i) {
  switch (t) {
    case DType::kFloat32: return load<float>(base + 4 * i);
    case DType::kFloat64: return load<double>(base + 8 * i);
    case DType::kFloat16: return half_to_float(load<uint16_t>(base + 2 * i));
    default: return 0;
  }
}
int64_t as_int(DType t, const uint8_t* base, size_t i) {
  switch (t) {
    case DType::kBool: return base[i] != 0;
    case DType::kInt8: return load<int8_t>(base + i);
    case DType::kUInt8: return load<uint8_t>(base + i);
    case DType::kInt16: return load<int16_t>(base + 2 * i);
    case DType::kUInt16: return load<uint16_t>(base + 2 * i);
    case DType::kInt32: return load<int32_t>(base + 4 * i);
    case DType::kUInt32: return load<uint32_t>(base + 4 * i);
    case DType::kInt64: return load<int64_t>(base + 8 * i);
    case DType::kUInt64: return static_cast<int64_t>(load<uint64_t>(base + 8 * i));
    default: return 0;
  }
}

// The tensor's values in dtype `to` of the same kind (the model may take int32 where ONNX
// has int64, float32 for double); nullopt if a value does not fit.
std::optional<std::vector<uint8_t>> convert(const Tensor& t, DType to) {
  if (t.dtype == to) return t.bytes;
  const size_t n = static_cast<size_t>(t.num_elements());
  std::vector<uint8_t> out(n * dtype_size(to));
  auto put = [&](size_t i, auto v) { std::memcpy(out.data() + i * sizeof(v), &v, sizeof(v)); };
  for (size_t i = 0; i < n; ++i) {
    if (kind(t.dtype) == Kind::kFloat) {
      const double v = as_double(t.dtype, t.bytes.data(), i);
      if (to == DType::kFloat32) put(i, float(v));
      else if (to == DType::kFloat64) put(i, v);
      else return std::nullopt;
    } else {
      const int64_t v = as_int(t.dtype, t.bytes.data(), i);
      auto fits = [&](auto x) { return static_cast<int64_t>(x) == v; };
      switch (to) {
        case DType::kInt8: if (!fits(int8_t(v))) return std::nullopt; put(i, int8_t(v)); break;
        case DType::kUInt8: if (!fits(uint8_t(v))) return std::nullopt; put(i, uint8_t(v)); break;
        case DType::kInt16: if (!fits(int16_t(v))) return std::nullopt; put(i, int16_t(v)); break;
        case DType::kUInt16: if (!fits(uint16_t(v))) return std::nullopt; put(i, uint16_t(v)); break;
        case DType::kInt32: if (!fits(int32_t(v))) return std::nullopt; put(i, int32_t(v)); break;
        case DType::kUInt32: if (!fits(uint32_t(v))) return std::nullopt; put(i, uint32_t(v)); break;
        case DType::kInt64: put(i, v); break;
        case DType::kUInt64: put(i, uint64_t(v)); break;
        default: return std::nullopt;
      }
    }
  }
  return out;
}

std::string shape_str(const std::vector<int32_t>& s) {
  return s.empty() ? "[]" : fmt::format("[{}]", fmt::join(s, ","));
}

// "" if `got` matches `exp`, else what differs.
std::string compare(const TensorView& got, const Tensor& exp) {
  if (got.shape != exp.shape) return fmt::format("shape {} (expected {})", shape_str(got.shape), shape_str(exp.shape));
  const Kind kg = kind(got.dtype), ke = kind(exp.dtype);
  if (kg != ke || kg == Kind::kOther)
    return fmt::format("dtype {} (expected {})", dtype_name(got.dtype), dtype_name(exp.dtype));
  const size_t n = static_cast<size_t>(exp.num_elements());
  if (got.bytes.size() != n * dtype_size(got.dtype)) return fmt::format("{} bytes for {} elements", got.bytes.size(), n);
  size_t bad = 0, first = 0;
  double max_diff = 0;
  std::string first_got, first_exp;
  for (size_t i = 0; i < n; ++i) {
    bool ok;
    std::string g, e;
    if (ke == Kind::kFloat) {
      const double a = as_double(got.dtype, got.bytes.data(), i), b = as_double(exp.dtype, exp.bytes.data(), i);
      if (std::isnan(b) || std::isnan(a)) {
        ok = std::isnan(a) && std::isnan(b);
      } else if (std::isinf(b) || std::isinf(a)) {
        ok = a == b;
      } else {
        const double d = std::fabs(a - b);
        max_diff = std::max(max_diff, d);
        ok = d <= 1e-5 + 1e-3 * std::fabs(b);
      }
      g = fmt::format("{}", a), e = fmt::format("{}", b);
    } else {
      const int64_t a = as_int(got.dtype, got.bytes.data(), i), b = as_int(exp.dtype, exp.bytes.data(), i);
      ok = a == b;
      g = fmt::format("{}", a), e = fmt::format("{}", b);
    }
    if (!ok && bad++ == 0) first = i, first_got = g, first_exp = e;
  }
  if (bad == 0) return "";
  return fmt::format("{} of {} values differ; first at [{}]: got {}, expected {}{}", bad, n, first, first_got, first_exp,
                     ke == Kind::kFloat ? fmt::format("; max |diff| {:.3g}", max_diff) : "");
}

// ---- running one case ---------------------------------------------------------------------

enum class Status { kPassed, kFailed, kRejected, kHarness };
struct Result {
  Result() = default;
  Result(Status s, std::string m, std::string n) : status(s), message(std::move(m)), note(std::move(n)) {}
  Status status = Status::kFailed;
  std::string message;
  std::string note;  // inputs or outputs whose dtype differs from ONNX's (values still compared)
  // When import_onnx rejects the model as it is, the case is tried again with graph inputs
  // 1.. (then all inputs) turned into initializers, which is how a converted model has its
  // weights, shapes, axes and scales: status, message and note are then that attempt's,
  // `rejection` the importer's message for the unmodified model.
  int constant_inputs = 0;  // 0: unmodified; 1: inputs 1.. constant; 2: all constant
  std::string rejection;
};

// Indices into `details` for each tensor: by name if every detail's name is among the
// tensors' names, else by position.
std::optional<std::vector<int>> match(const std::vector<TensorDetails>& details, const std::vector<std::string>& names) {
  std::vector<int> idx;
  for (const auto& n : names) {
    auto it = std::find_if(details.begin(), details.end(), [&](const TensorDetails& d) { return d.name == n; });
    idx.push_back(it == details.end() ? -1 : int(it - details.begin()));
  }
  const bool by_name = std::count(idx.begin(), idx.end(), -1) == 0 && details.size() == names.size();
  if (by_name) return idx;
  if (details.size() != names.size()) return std::nullopt;
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = int(i);
  return idx;
}

// Runs an imported model on `inputs` (named `in_names`) and compares with `expected`.
Result run_model(const Model& model, const std::vector<Tensor>& inputs, const std::vector<std::string>& in_names,
                 const std::vector<Tensor>& expected, const std::vector<std::string>& out_names) {
  std::vector<std::string> notes;
  auto fail = [](std::string msg) { return Result{Status::kFailed, std::move(msg), ""}; };
  try {
    Interpreter it(model);
    const auto in = it.input_details();
    const auto in_idx = match(in, in_names);
    if (!in_idx) return fail(fmt::format("model has {} inputs, ONNX graph {}", in.size(), in_names.size()));
    for (size_t i = 0; i < inputs.size(); ++i) {
      const auto& d = in[(*in_idx)[i]];
      if (d.shape != inputs[i].shape) it.resize_input(d.index, inputs[i].shape, /*strict=*/true);
    }
    it.allocate_tensors();
    for (size_t i = 0; i < inputs.size(); ++i) {
      const auto& d = in[(*in_idx)[i]];
      if (kind(d.dtype) != kind(inputs[i].dtype))
        return fail(fmt::format("input '{}': model takes {}, ONNX {}", in_names[i], dtype_name(d.dtype), dtype_name(inputs[i].dtype)));
      const auto bytes = convert(inputs[i], d.dtype);
      if (!bytes)
        return fail(fmt::format("input '{}': values do not fit the model's {} (ONNX {})", in_names[i], dtype_name(d.dtype),
                                dtype_name(inputs[i].dtype)));
      if (d.dtype != inputs[i].dtype)
        notes.push_back(fmt::format("input {} {} (ONNX {})", in_names[i], dtype_name(d.dtype), dtype_name(inputs[i].dtype)));
      it.set_tensor(d.index, d.dtype, inputs[i].shape, *bytes);
    }
    it.invoke();
    const auto out = it.output_details();
    const auto out_idx = match(out, out_names);
    if (!out_idx) return fail(fmt::format("model has {} outputs, ONNX graph {}", out.size(), out_names.size()));
    std::vector<std::string> errors;
    for (size_t i = 0; i < expected.size(); ++i) {
      const auto& d = out[(*out_idx)[i]];
      const TensorView v = it.get_tensor(d.index);
      const std::string diff = compare(v, expected[i]);
      if (!diff.empty()) errors.push_back(fmt::format("output '{}': {}", out_names[i], diff));
      if (v.dtype != expected[i].dtype)
        notes.push_back(fmt::format("output {} {} (ONNX {})", out_names[i], dtype_name(v.dtype), dtype_name(expected[i].dtype)));
    }
    const std::string note = fmt::format("{}", fmt::join(notes, "; "));
    if (!errors.empty()) return {Status::kFailed, fmt::format("{}", fmt::join(errors, "; ")), note};
    return {Status::kPassed, "", note};
  } catch (const Error& e) {
    return fail(std::string("interpreter: ") + e.what());
  } catch (const std::exception& e) {
    return fail(std::string("interpreter threw a non-liteq exception: ") + e.what());
  }
}

// import_onnx from the file (bytes empty) or from bytes; a rejection (liteq::Error other
// than kInternal) is kRejected.
std::variant<Model, Result> import(const std::string& bytes, const std::string& path, const OnnxOptions& opt,
                                   const fs::path& dir) {
  try {
    if (bytes.empty()) return import_onnx(path, opt);
    return import_onnx(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), path, opt,
                       dir.string());
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kInternal) return Result{Status::kFailed, std::string("importer internal error: ") + e.what(), ""};
    return Result{Status::kRejected, e.what(), ""};
  } catch (const std::exception& e) {
    return Result{Status::kFailed, std::string("importer threw a non-liteq exception: ") + e.what(), ""};
  }
}

Result run_case(const std::string& name) {
  const fs::path dir = node_dir() / name;
  const fs::path data = dir / "test_data_set_0";
  onnx::ModelProto m;
  std::string model_bytes;
  std::vector<Tensor> inputs, expected;
  std::vector<onnx::TensorProto> input_protos;
  try {
    if (!read_bytes(dir / "model.onnx", &model_bytes) || !m.ParseFromString(model_bytes))
      throw HarnessLimit("cannot parse model.onnx");
    // Sequence and optional values are stored as other protos than TensorProto.
    for (const auto* list : {&m.graph().input(), &m.graph().output()})
      for (const auto& vi : *list)
        if (!vi.type().has_tensor_type()) throw HarnessLimit(fmt::format("'{}' is not a tensor (type case {})", vi.name(), int(vi.type().value_case())));
    for (int i = 0;; ++i) {
      const fs::path p = data / fmt::format("input_{}.pb", i);
      if (!fs::exists(p)) break;
      input_protos.emplace_back();
      if (!parse_file(p, &input_protos.back())) throw HarnessLimit("cannot parse " + p.string());
      inputs.push_back(to_tensor(input_protos.back(), p.filename().string()));
    }
    expected = load_tensors(data, "output");
  } catch (const HarnessLimit& e) {
    return {Status::kHarness, e.what(), ""};
  }
  // The graph's real inputs (initializers excluded) line up with input_i.pb.
  std::set<std::string> inits;
  for (const auto& t : m.graph().initializer()) inits.insert(t.name());
  std::vector<const onnx::ValueInfoProto*> graph_inputs;
  for (const auto& vi : m.graph().input())
    if (!inits.count(vi.name())) graph_inputs.push_back(&vi);
  if (graph_inputs.size() != inputs.size())
    return {Status::kHarness, fmt::format("{} graph inputs, {} input files", graph_inputs.size(), inputs.size()), ""};
  if (size_t(m.graph().output_size()) != expected.size())
    return {Status::kHarness, fmt::format("{} graph outputs, {} output files", m.graph().output_size(), expected.size()), ""};
  OnnxOptions opt;
  opt.keep_nchw_inputs = true;
  std::vector<std::string> in_names, out_names;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto& vi = *graph_inputs[i];
    in_names.push_back(vi.name());
    bool dynamic = !vi.type().tensor_type().has_shape();
    for (const auto& d : vi.type().tensor_type().shape().dim()) dynamic |= !d.has_dim_value();
    if (dynamic) opt.input_shapes[vi.name()] = std::vector<int64_t>(inputs[i].shape.begin(), inputs[i].shape.end());
  }
  for (const auto& vi : m.graph().output()) out_names.push_back(vi.name());

  auto imported = import("", (dir / "model.onnx").string(), opt, dir);
  if (auto* model = std::get_if<Model>(&imported)) return run_model(*model, inputs, in_names, expected, out_names);
  Result first = std::get<Result>(imported);
  if (first.status != Status::kRejected) return first;

  // Rejected: again with inputs `from`.. as initializers (the test data's values).
  for (size_t from : {size_t{1}, size_t{0}}) {
    if (from >= inputs.size()) continue;
    onnx::ModelProto frozen = m;
    auto* g = frozen.mutable_graph();
    google::protobuf::RepeatedPtrField<onnx::ValueInfoProto> kept;
    for (const auto& vi : g->input()) {
      const auto pos = std::find(in_names.begin(), in_names.end(), vi.name()) - in_names.begin();
      if (size_t(pos) < in_names.size() && size_t(pos) >= from) {
        onnx::TensorProto t = input_protos[pos];
        t.set_name(vi.name());
        *g->add_initializer() = std::move(t);
      } else {
        *kept.Add() = vi;
      }
    }
    g->mutable_input()->Swap(&kept);
    OnnxOptions fopt = opt;
    for (size_t i = from; i < in_names.size(); ++i) fopt.input_shapes.erase(in_names[i]);
    auto again = import(frozen.SerializeAsString(), (dir / "model.onnx").string() + " (constant inputs)", fopt, dir);
    Result r;
    if (auto* model = std::get_if<Model>(&again)) {
      r = run_model(*model, std::vector<Tensor>(inputs.begin(), inputs.begin() + from),
                    std::vector<std::string>(in_names.begin(), in_names.begin() + from), expected, out_names);
    } else {
      r = std::get<Result>(again);
      if (r.status == Status::kRejected) continue;
    }
    r.constant_inputs = from == 1 ? 1 : 2;
    r.rejection = first.message;
    return r;
  }
  return first;
}

// run_case in a forked child, so a crash or a hang is this case's failure. Results are
// kept: the summary reuses what the per-case tests already ran in this process.
bool write_all(int fd, const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n) {
    const ssize_t w = ::write(fd, c, n);
    if (w <= 0) return false;
    c += w, n -= size_t(w);
  }
  return true;
}

std::string serialize(const Result& r) {
  std::string b;
  auto i32 = [&](int32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); };
  auto str = [&](const std::string& x) { i32(int32_t(x.size())), b += x; };
  i32(int32_t(r.status)), i32(r.constant_inputs), str(r.message), str(r.note), str(r.rejection);
  return b;
}

std::optional<Result> deserialize(const std::string& b) {
  size_t at = 0;
  auto i32 = [&](int32_t* v) {
    if (at + 4 > b.size()) return false;
    std::memcpy(v, b.data() + at, 4), at += 4;
    return true;
  };
  auto str = [&](std::string* x) {
    int32_t n;
    if (!i32(&n) || n < 0 || at + size_t(n) > b.size()) return false;
    *x = b.substr(at, size_t(n)), at += size_t(n);
    return true;
  };
  Result r;
  int32_t st;
  if (!i32(&st) || !i32(&r.constant_inputs) || !str(&r.message) || !str(&r.note) || !str(&r.rejection)) return std::nullopt;
  r.status = Status(st);
  return r;
}

Result run_case_isolated(const std::string& name) {
  static std::map<std::string, Result> cache;
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  if (env_or("LITEQ_ONNX_NODE_NOFORK", "0") == "1") return cache[name] = run_case(name);
  std::fflush(stdout), std::fflush(stderr);
  int fds[2];
  if (::pipe(fds) != 0) return cache[name] = run_case(name);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]), ::close(fds[1]);
    return cache[name] = run_case(name);
  }
  if (pid == 0) {
    ::close(fds[0]);
    ::alarm(kCaseTimeoutSeconds);
    const std::string b = serialize(run_case(name));
    write_all(fds[1], b.data(), b.size());
    ::close(fds[1]);
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string buf;
  char chunk[4096];
  for (ssize_t n; (n = ::read(fds[0], chunk, sizeof chunk)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    buf.append(chunk, size_t(n));
  }
  ::close(fds[0]);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  std::optional<Result> r = WIFSIGNALED(wstatus) ? std::nullopt : deserialize(buf);
  if (!r) {
    const int sig = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
    r = Result{Status::kFailed,
               sig == SIGALRM ? fmt::format("timeout ({} s)", kCaseTimeoutSeconds)
                              : fmt::format("crashed (signal {}: {})", sig, sig ? strsignal(sig) : "no result"),
               ""};
  }
  return cache[name] = *r;
}

// ---- the tests ------------------------------------------------------------------------------

class OnnxNode : public ::testing::TestWithParam<std::string> {};

std::string constant_inputs_str(const Result& r) {
  return r.constant_inputs == 1 ? "inputs 1.. as constants" : "all inputs as constants";
}

TEST_P(OnnxNode, MatchesReference) {
  const std::string& name = GetParam();
  LITEQ_REQUIRE_ASSET(name != kNoData && fs::is_directory(node_dir() / name), (node_dir() / name).string());
  const Result r = run_case_isolated(name);
  const auto known = known_failures().find(name);
  const bool is_known = known != known_failures().end();
  if (!r.note.empty()) RecordProperty("dtype_note", r.note);
  const std::string retried =
      r.constant_inputs ? fmt::format(" [rejected as is ({}); this is with {}]", r.rejection, constant_inputs_str(r)) : "";
  switch (r.status) {
    case Status::kPassed:
      if (is_known) FAIL() << name << " passes now: remove it from known_failures() (" << known->second << ")";
      if (r.constant_inputs) GTEST_SKIP() << "unsupported by importer: " << r.rejection << " (passes with " << constant_inputs_str(r) << ")";
      return;
    case Status::kRejected:
      if (is_known) FAIL() << name << " is now rejected by the importer: remove it from known_failures(): " << r.message;
      GTEST_SKIP() << "unsupported by importer: " << r.message;
    case Status::kHarness:
      GTEST_SKIP() << "test data not representable: " << r.message;
    case Status::kFailed:
      if (is_known) GTEST_SKIP() << "known failure (" << known->second << "): " << r.message << retried;
      FAIL() << r.message << retried;
  }
}

INSTANTIATE_TEST_SUITE_P(Onnx, OnnxNode, ::testing::ValuesIn(in_scope_case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return sanitize(info.param); });

// Counts per operator (a case counts for each distinct operator in it), then the operators
// of the test data that onnx_supported_ops() lacks, with how many cases each keeps out.
// "rejected" counts the unmodified models import_onnx rejects; of those, the next columns
// count the ones that pass with inputs 1.. made initializers, that pass only with all
// inputs initializers (the whole graph folded by the importer), and that fail so.
TEST(OnnxNodeSummary, PerOpTable) {
  LITEQ_REQUIRE_ASSET(!all_cases().empty(), node_dir().string());
  struct Counts {
    int in_scope = 0, passed = 0, failed = 0, rejected = 0, const_ok = 0, folded_ok = 0, const_fail = 0, harness = 0;
  };
  std::map<std::string, Counts> per_op;
  Counts total;
  std::map<std::string, int> blocking;
  std::vector<std::string> failures, rejections, notes, harness;
  int out_of_scope = 0;
  for (const auto& c : all_cases()) {
    if (!c.in_scope()) {
      ++out_of_scope;
      for (const auto& op : c.missing) ++blocking[op];
      continue;
    }
    const Result r = run_case_isolated(c.name);
    auto bump = [&](Counts& k) {
      ++k.in_scope;
      if (r.constant_inputs) {
        ++k.rejected;
        if (r.status == Status::kPassed) ++(r.constant_inputs == 1 ? k.const_ok : k.folded_ok);
        if (r.status == Status::kFailed) ++k.const_fail;
        return;
      }
      switch (r.status) {
        case Status::kPassed: ++k.passed; break;
        case Status::kFailed: ++k.failed; break;
        case Status::kRejected: ++k.rejected; break;
        case Status::kHarness: ++k.harness; break;
      }
    };
    for (const auto& op : c.ops) bump(per_op[op]);
    bump(total);
    const auto known = known_failures().find(c.name);
    const std::string tag = known != known_failures().end() ? " [known]" : "";
    std::string msg = r.message;
    std::replace(msg.begin(), msg.end(), '\n', ' ');
    std::string rej = r.constant_inputs ? r.rejection : r.message;
    std::replace(rej.begin(), rej.end(), '\n', ' ');
    if (r.status == Status::kFailed)
      failures.push_back(fmt::format("  {}{}{}: {}", c.name, tag, r.constant_inputs ? " (with " + constant_inputs_str(r) + ")" : "", msg));
    if (r.status == Status::kRejected || r.constant_inputs) rejections.push_back(fmt::format("  {}: {}", c.name, rej));
    if (r.status == Status::kHarness) harness.push_back(fmt::format("  {}: {}", c.name, msg));
    if (!r.note.empty()) notes.push_back(fmt::format("  {}: {}", c.name, r.note));
  }
  std::string s = "=== onnx node summary ===\n";
  s += fmt::format("{} cases, {} in scope, {} out of scope (an operator not in onnx_supported_ops())\n\n",
                   all_cases().size(), total.in_scope, out_of_scope);
  s += "| op | in scope | passed | failed | rejected by importer | of those: pass with inputs 1.. const | pass all-const (folded) | fail with const inputs |\n";
  s += "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  auto row = [&](const std::string& op, const Counts& k) {
    s += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", op, k.in_scope, k.passed, k.failed, k.rejected, k.const_ok,
                     k.folded_ok, k.const_fail);
  };
  for (const auto& [op, k] : per_op) row(op, k);
  row("**total**", total);
  if (total.harness) s += fmt::format("({} in-scope cases have test data the harness cannot represent)\n", total.harness);
  std::vector<std::pair<std::string, int>> blk(blocking.begin(), blocking.end());
  std::sort(blk.begin(), blk.end(), [](auto& a, auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  s += "\nunsupported operators in the test data (cases they keep out of scope):\n";
  std::vector<std::string> parts;
  for (const auto& [op, n] : blk) parts.push_back(fmt::format("{} {}", op, n));
  s += fmt::format("  {}\n", fmt::join(parts, ", "));
  if (!failures.empty()) s += fmt::format("\nfailed:\n{}\n", fmt::join(failures, "\n"));
  if (!rejections.empty()) s += fmt::format("\nrejected by importer:\n{}\n", fmt::join(rejections, "\n"));
  if (!harness.empty()) s += fmt::format("\ntest data the harness cannot represent:\n{}\n", fmt::join(harness, "\n"));
  if (!notes.empty()) s += fmt::format("\ndtype differs from ONNX (values compared after conversion):\n{}\n", fmt::join(notes, "\n"));
  s += "=== end onnx node summary ===\n";
  std::fputs(s.c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace
}  // namespace liteq::test
