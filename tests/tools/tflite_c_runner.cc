// tflite_c_runner: runs a .tflite model with the official TensorFlow Lite C library
// (libtensorflowlite_c.so, TFLite 2.9, prebuilt in the npm package tfjs-tflite-node@0.0.2;
// see scripts/setup_tflite_ref.sh) so that liteq's results can be compared with TFLite's.
//
//   tflite_c_runner MODEL.tflite --in a.npy [--in b.npy ...] --out-dir DIR
//                   [--threads N] [--xnnpack] [--repeat N] [--force-resize] [--quiet]
//   tflite_c_runner --version
//
// Inputs are matched to the model inputs by position; their count must equal the model's.
// Each .npy must have the input tensor's dtype (no conversion). If its shape differs from
// the tensor's, the input is resized, provided the ranks are equal and every differing dim
// is dynamic (-1) in the tensor's shape signature (--force-resize: try any same-rank shape).
// After allocation the .npy byte size must equal the tensor's byte size.
//
// Writes DIR/output_<i>.npy for every model output, in model output order, with the tensor's
// own dtype (quantized outputs stay raw integers) and prints one JSON line on stdout:
//   {"model":..., "tflite_version":"2.9.0", "threads":N, "xnnpack":bool, "repeat":N,
//    "load_ms":..., "first_invoke_ms":..., "min_invoke_ms":..., "median_invoke_ms":...,
//    "p90_invoke_ms":..., "peak_rss_bytes":N, "repeat_identical":bool, "inputs":[...], "outputs":[...]}
// load_ms = model load + interpreter creation (incl. XNNPACK delegate) + resize + allocation.
// Invoke is run --repeat times in total (default 1); min/median are over all of them, the
// first included. repeat_identical tells whether every run produced bit-identical outputs
// (the files hold the last run's outputs).
//
// Exit codes: 0 ok, 2 usage or input error (bad arguments, unreadable/mismatching .npy,
// missing model file), 1 runtime failure (TFLite refused the model, allocation/invoke
// failed, outputs could not be written).
//
// .npy support (reader and writer below): format versions 1.0, 2.0 and 3.0, little-endian or
// byte-order-free dtypes, C order only: |b1 |i1 |u1 <i2 <u2 <i4 <u4 <i8 <u8 <f2 <f4 <f8.
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tensorflow/lite/c/c_api.h"
#include "tensorflow/lite/c/common.h"

// ---------------------------------------------------------------------------------------
// XNNPACK delegate. tfjs-tflite-node 0.0.2 ships no xnnpack_delegate.h, but its
// libtensorflowlite_c.so exports TfLiteXNNPackDelegateCreate/Delete. In TFLite 2.9 the
// options struct begins with {int32_t num_threads; uint32_t flags;} (its
// TfLiteXNNPackDelegateOptionsDefault() returns 8 zero bytes in %rax, and Create reads only
// those 8 bytes). We pass a zero-filled, generously sized struct so that a build reading a
// later field (e.g. weights_cache) sees zero/null. OptionsDefault() is not called: its
// return-by-value ABI depends on the exact struct size.
#if __has_include("tensorflow/lite/delegates/xnnpack/xnnpack_delegate.h")
#include "tensorflow/lite/delegates/xnnpack/xnnpack_delegate.h"
#define LITEQ_HAVE_XNNPACK_HEADER 1
#else
extern "C" {
struct LiteqXnnOptions {
  int32_t num_threads;
  uint32_t flags;
  void* weights_cache;
  unsigned char reserved[64];
};
TfLiteDelegate* TfLiteXNNPackDelegateCreate(const LiteqXnnOptions* options);
void TfLiteXNNPackDelegateDelete(TfLiteDelegate* delegate);
}
#endif

namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

struct Fail {
  int code;
  std::string msg;
};

[[noreturn]] void fail(int code, const char* fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  throw Fail{code, buf};
}

// ------------------------------------------------------------------------------- dtypes
struct DType {
  TfLiteType type;
  const char* name;   // numpy name
  const char* descr;  // .npy descr written
  size_t size;
};

const DType kDTypes[] = {
    {kTfLiteFloat32, "float32", "<f4", 4}, {kTfLiteFloat16, "float16", "<f2", 2},
    {kTfLiteFloat64, "float64", "<f8", 8}, {kTfLiteInt8, "int8", "|i1", 1},
    {kTfLiteUInt8, "uint8", "|u1", 1},     {kTfLiteInt16, "int16", "<i2", 2},
    {kTfLiteInt32, "int32", "<i4", 4},     {kTfLiteUInt32, "uint32", "<u4", 4},
    {kTfLiteInt64, "int64", "<i8", 8},     {kTfLiteUInt64, "uint64", "<u8", 8},
    {kTfLiteBool, "bool", "|b1", 1},
};

const DType* dtype_of(TfLiteType t) {
  for (const DType& d : kDTypes)
    if (d.type == t) return &d;
  return nullptr;
}

// Accepts '<f4', '|f4' (1-byte types), '=f4' and, for 1-byte types, '<i1' etc.
const DType* dtype_of_descr(const std::string& descr) {
  if (descr.size() < 3) return nullptr;
  char order = descr[0];
  std::string kind = descr.substr(1);
  if (order != '<' && order != '|' && order != '=') return nullptr;  // '>' = big-endian
  for (const DType& d : kDTypes) {
    if (kind != std::string(d.descr + 1)) continue;
    if (order == '|' && d.size != 1) return nullptr;
    return &d;
  }
  return nullptr;
}

std::string type_name(TfLiteType t) {
  const DType* d = dtype_of(t);
  return d ? d->name : TfLiteTypeGetName(t);
}

std::string shape_str(const std::vector<int64_t>& s) {
  std::string r = "(";
  for (size_t i = 0; i < s.size(); i++) {
    r += std::to_string(s[i]);
    if (s.size() == 1 || i + 1 < s.size()) r += s.size() == 1 ? "," : ", ";
  }
  return r + ")";
}

std::vector<int64_t> tensor_dims(const TfLiteTensor* t) {
  std::vector<int64_t> d;
  for (int i = 0; i < TfLiteTensorNumDims(t); i++) d.push_back(TfLiteTensorDim(t, i));
  return d;
}

// --------------------------------------------------------------------------------- .npy
struct Npy {
  std::string path;
  const DType* dtype = nullptr;
  std::vector<int64_t> shape;
  std::vector<char> data;
};

// Value of 'key' in the header dict, as raw text.
bool dict_value(const std::string& h, const std::string& key, std::string* out) {
  size_t k = h.find("'" + key + "'");
  if (k == std::string::npos) k = h.find("\"" + key + "\"");
  if (k == std::string::npos) return false;
  size_t c = h.find(':', k + key.size() + 2);
  if (c == std::string::npos) return false;
  size_t b = h.find_first_not_of(" \t", c + 1);
  if (b == std::string::npos) return false;
  size_t e;
  if (h[b] == '(') {
    e = h.find(')', b);
    if (e == std::string::npos) return false;
    e++;
  } else if (h[b] == '\'' || h[b] == '"') {
    e = h.find(h[b], b + 1);
    if (e == std::string::npos) return false;
    e++;
  } else {
    e = h.find_first_of(",}", b);
    if (e == std::string::npos) return false;
  }
  *out = h.substr(b, e - b);
  while (!out->empty() && (out->back() == ' ' || out->back() == '\t')) out->pop_back();
  return true;
}

Npy read_npy(const std::string& path) {
  Npy n;
  n.path = path;
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(kExitUsage, "cannot open input '%s': %s", path.c_str(), strerror(errno));
  std::vector<char> all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (all.size() < 10 || memcmp(all.data(), "\x93NUMPY", 6) != 0)
    fail(kExitUsage, "'%s' is not a .npy file (no \\x93NUMPY magic)", path.c_str());
  unsigned major = static_cast<unsigned char>(all[6]);
  size_t hlen, hstart;
  if (major == 1) {
    hlen = static_cast<unsigned char>(all[8]) | (static_cast<unsigned char>(all[9]) << 8);
    hstart = 10;
  } else if (major == 2 || major == 3) {
    if (all.size() < 12) fail(kExitUsage, "'%s': truncated .npy header", path.c_str());
    hlen = 0;
    for (int i = 0; i < 4; i++) hlen |= static_cast<size_t>(static_cast<unsigned char>(all[8 + i])) << (8 * i);
    hstart = 12;
  } else {
    fail(kExitUsage, "'%s': unsupported .npy format version %u.%u", path.c_str(), major,
         static_cast<unsigned>(static_cast<unsigned char>(all[7])));
  }
  if (hstart + hlen > all.size()) fail(kExitUsage, "'%s': truncated .npy header", path.c_str());
  std::string h(all.data() + hstart, hlen);

  std::string descr, fortran, shape;
  if (!dict_value(h, "descr", &descr) || !dict_value(h, "fortran_order", &fortran) ||
      !dict_value(h, "shape", &shape))
    fail(kExitUsage, "'%s': malformed .npy header: %s", path.c_str(), h.c_str());
  if (descr.size() >= 2) descr = descr.substr(1, descr.size() - 2);  // strip quotes
  n.dtype = dtype_of_descr(descr);
  if (!n.dtype)
    fail(kExitUsage,
         "'%s': unsupported .npy dtype '%s' (supported: little-endian bool, int8/16/32/64, "
         "uint8/32/64, float16/32/64)",
         path.c_str(), descr.c_str());
  if (fortran != "False")
    fail(kExitUsage, "'%s': fortran_order=%s; only C-order arrays are supported", path.c_str(),
         fortran.c_str());
  if (shape.size() < 2 || shape.front() != '(' || shape.back() != ')')
    fail(kExitUsage, "'%s': malformed shape %s", path.c_str(), shape.c_str());
  std::stringstream ss(shape.substr(1, shape.size() - 2));
  std::string item;
  size_t count = 1;
  while (std::getline(ss, item, ',')) {
    size_t b = item.find_first_not_of(" \t");
    if (b == std::string::npos) continue;  // trailing comma of 1-tuples
    char* end = nullptr;
    long long v = strtoll(item.c_str() + b, &end, 10);
    if (end == item.c_str() + b || v < 0)
      fail(kExitUsage, "'%s': malformed shape %s", path.c_str(), shape.c_str());
    n.shape.push_back(v);
    count *= static_cast<size_t>(v);
  }
  size_t nbytes = count * n.dtype->size;
  size_t avail = all.size() - hstart - hlen;
  if (avail < nbytes)
    fail(kExitUsage, "'%s': data is truncated: shape %s %s needs %zu bytes, file has %zu",
         path.c_str(), shape_str(n.shape).c_str(), n.dtype->name, nbytes, avail);
  n.data.assign(all.begin() + static_cast<std::ptrdiff_t>(hstart + hlen),
                all.begin() + static_cast<std::ptrdiff_t>(hstart + hlen + nbytes));
  return n;
}

// Writes format 1.0 (header padded so that data starts at a multiple of 64).
void write_npy(const std::string& path, const DType& dt, const std::vector<int64_t>& shape,
               const void* data, size_t nbytes) {
  std::string h = "{'descr': '" + std::string(dt.descr) + "', 'fortran_order': False, 'shape': " +
                  shape_str(shape) + ", }";
  size_t total = 10 + h.size() + 1;
  size_t pad = (64 - total % 64) % 64;
  h.append(pad, ' ');
  h += '\n';
  if (h.size() > 65535) fail(kExitRuntime, "%s: .npy header too long", path.c_str());
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) fail(kExitRuntime, "cannot create '%s': %s", path.c_str(), strerror(errno));
  const char magic[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
  f.write(magic, 8);
  unsigned char hl[2] = {static_cast<unsigned char>(h.size() & 0xff),
                         static_cast<unsigned char>(h.size() >> 8)};
  f.write(reinterpret_cast<const char*>(hl), 2);
  f.write(h.data(), static_cast<std::streamsize>(h.size()));
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(nbytes));
  f.close();
  if (!f) fail(kExitRuntime, "error writing '%s'", path.c_str());
}

// --------------------------------------------------------------------------------- misc
double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string json_str(const std::string& s) {
  std::string r = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': r += "\\\""; break;
      case '\\': r += "\\\\"; break;
      case '\n': r += "\\n"; break;
      case '\t': r += "\\t"; break;
      case '\r': r += "\\r"; break;
      default:
        if (c < 0x20) {
          char b[8];
          snprintf(b, sizeof b, "\\u%04x", c);
          r += b;
        } else {
          r += static_cast<char>(c);
        }
    }
  }
  return r + "\"";
}

std::string json_num(double v) {
  char b[64];
  snprintf(b, sizeof b, "%.3f", v);
  return b;
}

std::string json_shape(const std::vector<int64_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); i++) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

uint64_t fnv1a(const void* p, size_t n, uint64_t h) {
  const unsigned char* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
  return h;
}

void reporter(void*, const char* fmt, va_list args) {
  fprintf(stderr, "tflite: ");
  vfprintf(stderr, fmt, args);
  fprintf(stderr, "\n");
}

const char* kUsage =
    "usage: tflite_c_runner MODEL.tflite --in a.npy [--in b.npy ...] --out-dir DIR\n"
    "                       [--threads N] [--xnnpack] [--repeat N] [--force-resize] [--quiet]\n"
    "       tflite_c_runner --version\n"
    "Runs MODEL with TensorFlow Lite's C library, writes DIR/output_<i>.npy, prints a JSON line.\n"
    "  --in FILE       input .npy (one per model input, in model input order; dtype must match)\n"
    "  --out-dir DIR   where output_<i>.npy are written (created if missing)\n"
    "  --threads N     interpreter (and XNNPACK) threads, default 1\n"
    "  --xnnpack       apply the XNNPACK delegate (default: builtin kernels only)\n"
    "  --repeat N      invoke N times in total (default 1); min/median over all of them\n"
    "  --force-resize  resize inputs to the .npy shape even if the shape signature is static\n"
    "  --quiet         no progress messages on stderr\n"
    "Exit codes: 0 ok, 2 usage/input error, 1 runtime failure.\n";

struct Options {
  std::string model, out_dir;
  std::vector<std::string> inputs;
  int threads = 1, repeat = 1;
  bool xnnpack = false, force_resize = false, quiet = false;
};

int parse_int(const std::string& flag, const char* v, int lo, int hi) {
  char* end = nullptr;
  long r = strtol(v, &end, 10);
  if (!*v || *end || r < lo || r > hi) fail(kExitUsage, "%s expects an integer in [%d, %d], got '%s'", flag.c_str(), lo, hi, v);
  return static_cast<int>(r);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) fail(kExitUsage, "%s needs a value\n%s", a.c_str(), kUsage);
      return argv[++i];
    };
    if (a == "--in") o.inputs.push_back(value());
    else if (a == "--out-dir") o.out_dir = value();
    else if (a == "--threads") o.threads = parse_int(a, value(), 1, 256);
    else if (a == "--repeat") o.repeat = parse_int(a, value(), 1, 1000000);
    else if (a == "--xnnpack") o.xnnpack = true;
    else if (a == "--force-resize") o.force_resize = true;
    else if (a == "--quiet") o.quiet = true;
    else if (a.size() > 1 && a[0] == '-') fail(kExitUsage, "unknown option '%s'\n%s", a.c_str(), kUsage);
    else if (o.model.empty()) o.model = a;
    else fail(kExitUsage, "unexpected argument '%s' (model already given: '%s')\n%s", a.c_str(), o.model.c_str(), kUsage);
  }
  if (o.model.empty()) fail(kExitUsage, "no model given\n%s", kUsage);
  if (o.inputs.empty()) fail(kExitUsage, "no --in given\n%s", kUsage);
  if (o.out_dir.empty()) fail(kExitUsage, "no --out-dir given\n%s", kUsage);
  return o;
}


struct ModelDeleter {
  void operator()(TfLiteModel* p) const { TfLiteModelDelete(p); }
};
struct OptionsDeleter {
  void operator()(TfLiteInterpreterOptions* p) const { TfLiteInterpreterOptionsDelete(p); }
};
struct InterpreterDeleter {
  void operator()(TfLiteInterpreter* p) const { TfLiteInterpreterDelete(p); }
};
struct DelegateDeleter {
  void operator()(TfLiteDelegate* p) const { TfLiteXNNPackDelegateDelete(p); }
};

int run(const Options& o) {
  auto say = [&](const char* fmt, auto... args) {
    if (o.quiet) return;
    fprintf(stderr, "tflite_c_runner: ");
    fprintf(stderr, fmt, args...);
    fprintf(stderr, "\n");
  };

  // ---- check files before touching TFLite (usage/input errors -> exit 2)
  {
    std::ifstream m(o.model, std::ios::binary);
    if (!m) fail(kExitUsage, "cannot open model '%s': %s", o.model.c_str(), strerror(errno));
  }
  std::vector<Npy> in;
  for (const std::string& p : o.inputs) in.push_back(read_npy(p));
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec || !std::filesystem::is_directory(o.out_dir))
    fail(kExitUsage, "cannot create output folder '%s': %s", o.out_dir.c_str(), ec.message().c_str());

  // ---- load (model, interpreter, delegate, resize, allocate)
  // The XNNPACK delegate must outlive the interpreter: declared first, destroyed last.
  std::unique_ptr<TfLiteDelegate, DelegateDeleter> delegate;
  const double t_load = now_ms();
  std::unique_ptr<TfLiteModel, ModelDeleter> model(TfLiteModelCreateFromFile(o.model.c_str()));
  if (!model) fail(kExitRuntime, "TFLite could not load '%s' (not a valid .tflite flatbuffer? see messages above)", o.model.c_str());
  std::unique_ptr<TfLiteInterpreterOptions, OptionsDeleter> opts(TfLiteInterpreterOptionsCreate());
  TfLiteInterpreterOptionsSetNumThreads(opts.get(), o.threads);
  TfLiteInterpreterOptionsSetErrorReporter(opts.get(), reporter, nullptr);
  if (o.xnnpack) {
#ifdef LITEQ_HAVE_XNNPACK_HEADER
    TfLiteXNNPackDelegateOptions xo = TfLiteXNNPackDelegateOptionsDefault();
#else
    LiteqXnnOptions xo;
    memset(&xo, 0, sizeof xo);
#endif
    xo.num_threads = o.threads;
    delegate.reset(TfLiteXNNPackDelegateCreate(&xo));
    if (!delegate) fail(kExitRuntime, "TfLiteXNNPackDelegateCreate failed");
    TfLiteInterpreterOptionsAddDelegate(opts.get(), delegate.get());
  }
  std::unique_ptr<TfLiteInterpreter, InterpreterDeleter> interp(TfLiteInterpreterCreate(model.get(), opts.get()));
  if (!interp)
    fail(kExitRuntime,
         "TFLite could not build an interpreter for '%s' (unsupported op or op version for TFLite %s, "
         "custom op, or delegate failure: see the 'tflite:' messages above)",
         o.model.c_str(), TfLiteVersion());

  const int n_in = TfLiteInterpreterGetInputTensorCount(interp.get());
  auto model_inputs = [&]() {
    std::string s;
    for (int i = 0; i < n_in; i++) {
      const TfLiteTensor* t = TfLiteInterpreterGetInputTensor(interp.get(), i);
      s += "\n  input " + std::to_string(i) + ": " + TfLiteTensorName(t) + " " + type_name(TfLiteTensorType(t)) + " " +
           shape_str(tensor_dims(t));
    }
    return s;
  };
  if (static_cast<int>(in.size()) != n_in)
    fail(kExitUsage, "the model has %d input(s) but %zu --in file(s) were given; model inputs:%s", n_in, in.size(),
         model_inputs().c_str());

  std::vector<bool> resized(in.size(), false);
  bool any_resized = false;
  for (int i = 0; i < n_in; i++) {
    const TfLiteTensor* t = TfLiteInterpreterGetInputTensor(interp.get(), i);
    const Npy& n = in[i];
    if (TfLiteTensorType(t) != n.dtype->type)
      fail(kExitUsage, "input %d: '%s' is %s but the model input '%s' is %s (no dtype conversion is done)", i,
           n.path.c_str(), n.dtype->name, TfLiteTensorName(t), type_name(TfLiteTensorType(t)).c_str());
    std::vector<int64_t> d = tensor_dims(t);
    if (d == n.shape) continue;
    if (d.size() != n.shape.size())
      fail(kExitUsage, "input %d ('%s'): shape %s has rank %zu but the model input '%s' is %s (rank %zu)", i,
           n.path.c_str(), shape_str(n.shape).c_str(), n.shape.size(), TfLiteTensorName(t), shape_str(d).c_str(),
           d.size());
    // Shape signature: -1 marks a dynamic dim. Absent signature = static shape.
    std::vector<int64_t> sig = d;
    if (t->dims_signature && t->dims_signature->size == static_cast<int>(d.size())) {
      for (size_t k = 0; k < d.size(); k++) sig[k] = t->dims_signature->data[k];
    }
    if (!o.force_resize) {
      for (size_t k = 0; k < d.size(); k++) {
        if (d[k] != n.shape[k] && sig[k] != -1)
          fail(kExitUsage,
               "input %d ('%s'): shape %s does not match the model input '%s' %s (shape signature %s): dim %zu is "
               "static. Use --force-resize to try anyway.",
               i, n.path.c_str(), shape_str(n.shape).c_str(), TfLiteTensorName(t), shape_str(d).c_str(),
               shape_str(sig).c_str(), k);
      }
    }
    std::vector<int> nd(n.shape.begin(), n.shape.end());
    if (TfLiteInterpreterResizeInputTensor(interp.get(), i, nd.data(), static_cast<int32_t>(nd.size())) != kTfLiteOk)
      fail(kExitRuntime, "TFLite could not resize input %d ('%s') from %s to %s", i, TfLiteTensorName(t),
           shape_str(d).c_str(), shape_str(n.shape).c_str());
    say("input %d resized from %s to %s", i, shape_str(d).c_str(), shape_str(n.shape).c_str());
    resized[i] = any_resized = true;
  }
  if (TfLiteInterpreterAllocateTensors(interp.get()) != kTfLiteOk)
    fail(kExitRuntime, "TfLiteInterpreterAllocateTensors failed%s (see the 'tflite:' messages above)",
         any_resized ? " after resizing inputs" : "");
  for (int i = 0; i < n_in; i++) {
    TfLiteTensor* t = TfLiteInterpreterGetInputTensor(interp.get(), i);
    const size_t need = TfLiteTensorByteSize(t);
    if (need != in[i].data.size())
      fail(kExitUsage, "input %d ('%s'): %zu bytes of data but the model input '%s' %s %s needs %zu bytes", i,
           in[i].path.c_str(), in[i].data.size(), TfLiteTensorName(t), type_name(TfLiteTensorType(t)).c_str(),
           shape_str(tensor_dims(t)).c_str(), need);
    if (need && TfLiteTensorCopyFromBuffer(t, in[i].data.data(), need) != kTfLiteOk)
      fail(kExitRuntime, "TfLiteTensorCopyFromBuffer failed for input %d", i);
  }
  const double load_ms = now_ms() - t_load;

  // ---- invoke
  const int n_out = TfLiteInterpreterGetOutputTensorCount(interp.get());
  auto output_hash = [&]() {
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < n_out; i++) {
      const TfLiteTensor* t = TfLiteInterpreterGetOutputTensor(interp.get(), i);
      const void* p = TfLiteTensorData(t);
      if (p) h = fnv1a(p, TfLiteTensorByteSize(t), h);
      h = fnv1a(&i, sizeof i, h);
    }
    return h;
  };
  std::vector<double> times;
  uint64_t first_hash = 0;
  bool identical = true;
  for (int r = 0; r < o.repeat; r++) {
    const double t0 = now_ms();
    if (TfLiteInterpreterInvoke(interp.get()) != kTfLiteOk)
      fail(kExitRuntime, "TfLiteInterpreterInvoke failed (run %d; see the 'tflite:' messages above)", r + 1);
    times.push_back(now_ms() - t0);
    if (o.repeat > 1) {
      const uint64_t h = output_hash();
      if (r == 0) first_hash = h;
      else if (h != first_hash) identical = false;
    }
  }
  std::vector<double> sorted = times;
  std::sort(sorted.begin(), sorted.end());
  const size_t m = sorted.size();
  const double median = m % 2 ? sorted[m / 2] : 0.5 * (sorted[m / 2 - 1] + sorted[m / 2]);
  const double p90 = sorted[std::min(m - 1, static_cast<size_t>(0.9 * (m - 1) + 0.5))];
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const long long peak_rss = static_cast<long long>(ru.ru_maxrss) * 1024;  // Linux: KiB

  // ---- outputs
  std::string outputs_json;
  for (int i = 0; i < n_out; i++) {
    const TfLiteTensor* t = TfLiteInterpreterGetOutputTensor(interp.get(), i);
    const DType* dt = dtype_of(TfLiteTensorType(t));
    if (!dt)
      fail(kExitRuntime, "output %d ('%s') has type %s, which cannot be written as .npy", i, TfLiteTensorName(t),
           TfLiteTypeGetName(TfLiteTensorType(t)));
    const size_t nbytes = TfLiteTensorByteSize(t);
    std::vector<char> buf(nbytes);
    if (nbytes && TfLiteTensorCopyToBuffer(t, buf.data(), nbytes) != kTfLiteOk)
      fail(kExitRuntime, "TfLiteTensorCopyToBuffer failed for output %d", i);
    const std::vector<int64_t> shape = tensor_dims(t);
    const std::string file = (std::filesystem::path(o.out_dir) / ("output_" + std::to_string(i) + ".npy")).string();
    write_npy(file, *dt, shape, buf.data(), nbytes);
    const TfLiteQuantizationParams q = TfLiteTensorQuantizationParams(t);
    char qbuf[96] = "";
    if (q.scale != 0.0f) snprintf(qbuf, sizeof qbuf, ",\"scale\":%.9g,\"zero_point\":%d", q.scale, q.zero_point);
    outputs_json += std::string(i ? "," : "") + "{\"index\":" + std::to_string(i) + ",\"name\":" +
                    json_str(TfLiteTensorName(t)) + ",\"dtype\":\"" + dt->name + "\",\"shape\":" + json_shape(shape) +
                    qbuf + ",\"file\":" + json_str(file) + "}";
    say("output %d: %s %s %s -> %s", i, TfLiteTensorName(t), dt->name, shape_str(shape).c_str(), file.c_str());
  }
  std::string inputs_json;
  for (int i = 0; i < n_in; i++) {
    const TfLiteTensor* t = TfLiteInterpreterGetInputTensor(interp.get(), i);
    inputs_json += std::string(i ? "," : "") + "{\"index\":" + std::to_string(i) + ",\"name\":" +
                   json_str(TfLiteTensorName(t)) + ",\"dtype\":\"" + type_name(TfLiteTensorType(t)) +
                   "\",\"shape\":" + json_shape(tensor_dims(t)) + ",\"file\":" + json_str(in[i].path) +
                   ",\"resized\":" + (resized[i] ? "true" : "false") + "}";
  }
  printf(
      "{\"model\":%s,\"tflite_version\":%s,\"threads\":%d,\"xnnpack\":%s,\"repeat\":%d,\"load_ms\":%s,"
      "\"first_invoke_ms\":%s,\"min_invoke_ms\":%s,\"median_invoke_ms\":%s,\"p90_invoke_ms\":%s,"
      "\"peak_rss_bytes\":%lld,\"repeat_identical\":%s,\"inputs\":[%s],\"outputs\":[%s]}\n",
      json_str(o.model).c_str(), json_str(TfLiteVersion()).c_str(), o.threads, o.xnnpack ? "true" : "false", o.repeat,
      json_num(load_ms).c_str(), json_num(times[0]).c_str(), json_num(sorted[0]).c_str(), json_num(median).c_str(),
      json_num(p90).c_str(), peak_rss, identical ? "true" : "false", inputs_json.c_str(), outputs_json.c_str());
  fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    for (int i = 1; i < argc; i++) {
      const std::string a = argv[i];
      if (a == "--version") {
        printf("tflite_c_runner (TensorFlow Lite %s)\n", TfLiteVersion());
        return 0;
      }
      if (a == "-h" || a == "--help") {
        fputs(kUsage, stdout);
        return 0;
      }
    }
    return run(parse_args(argc, argv));
  } catch (const Fail& f) {
    fprintf(stderr, "tflite_c_runner: error: %s\n", f.msg.c_str());
    return f.code;
  } catch (const std::exception& e) {
    fprintf(stderr, "tflite_c_runner: error: %s\n", e.what());
    return kExitRuntime;
  }
}
