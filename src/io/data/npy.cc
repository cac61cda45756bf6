#include "io/data/npy.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <regex>

#include <fmt/format.h>

#include "io/tflite/tflite_io.h"
#include "liteq/error.h"

namespace liteq::io {
namespace {

struct Descr {
  const char* text;
  DType dtype;
};
constexpr Descr kDescrs[] = {
    {"<f4", DType::kFloat32}, {"<f8", DType::kFloat64}, {"<f2", DType::kFloat16}, {"|i1", DType::kInt8},
    {"|u1", DType::kUInt8},   {"<i2", DType::kInt16},   {"<u2", DType::kUInt16},  {"<i4", DType::kInt32},
    {"<u4", DType::kUInt32},  {"<i8", DType::kInt64},   {"<u8", DType::kUInt64},  {"|b1", DType::kBool},
};

[[noreturn]] void bad(const std::string& name, const std::string& what) {
  throw Error(ErrorKind::kInvalidArgument, fmt::format("{}: {}", name, what));
}

}  // namespace

Array parse_npy(std::span<const uint8_t> b, const std::string& name) {
  if (b.size() < 10 || b[0] != 0x93 || std::memcmp(b.data() + 1, "NUMPY", 5) != 0)
    bad(name, "not a .npy file (missing the \\x93NUMPY magic)");
  const int major = b[6];
  size_t hlen, hstart;
  if (major == 1) {
    hlen = b[8] | (b[9] << 8);
    hstart = 10;
  } else if (major == 2 || major == 3) {
    if (b.size() < 12) bad(name, "truncated .npy header");
    hlen = b[8] | (b[9] << 8) | (size_t(b[10]) << 16) | (size_t(b[11]) << 24);
    hstart = 12;
  } else {
    bad(name, fmt::format(".npy format version {} is not supported", major));
  }
  if (hlen > b.size() - hstart) bad(name, "truncated .npy header");
  const std::string header(reinterpret_cast<const char*>(b.data() + hstart), hlen);
  std::smatch m;
  static const std::regex descr_re(R"('descr'\s*:\s*'([^']*)')");
  static const std::regex fortran_re(R"('fortran_order'\s*:\s*(True|False))");
  static const std::regex shape_re(R"('shape'\s*:\s*\(([^)]*)\))");
  if (!std::regex_search(header, m, descr_re)) bad(name, "the .npy header has no 'descr'");
  std::string descr = m[1];
  if (descr.size() == 3 && descr[0] == '=') descr[0] = '<';
  if (descr.size() == 3 && descr[2] == '1' && descr[0] == '<') descr[0] = '|';
  if (descr.size() == 3 && descr[2] == '1' && descr[0] == '>') descr[0] = '|';
  Array a;
  bool found = false;
  for (const auto& d : kDescrs)
    if (descr == d.text) {
      a.dtype = d.dtype;
      found = true;
    }
  if (!found)
    bad(name, fmt::format("unsupported .npy dtype '{}' (supported: little-endian float16/32/64, "
                          "int8/16/32/64, uint8/16/32/64, bool)", descr));
  if (!std::regex_search(header, m, fortran_re)) bad(name, "the .npy header has no 'fortran_order'");
  if (m[1] == "True") bad(name, "Fortran-order arrays are not supported (save with np.ascontiguousarray)");
  if (!std::regex_search(header, m, shape_re)) bad(name, "the .npy header has no 'shape'");
  const std::string dims = m[1];
  static const std::regex num_re(R"(\s*(\d+)L?\s*(,|$))");
  int64_t n = 1;
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num_re); it != std::sregex_iterator(); ++it) {
    const std::string s = (*it)[1];
    if (s.size() > 9) bad(name, fmt::format("dimension {} is too large", s));
    const int32_t d = std::stoi(s);
    a.shape.push_back(d);
    n *= d;
    if (n > (int64_t{1} << 34)) bad(name, "the array is too large");
  }
  const size_t need = static_cast<size_t>(n) * dtype_size(a.dtype);
  const size_t off = hstart + hlen;
  if (b.size() - off < need)
    bad(name, fmt::format("truncated data: shape ({}) of {} needs {} bytes, the file has {}",
                          dims, dtype_name(a.dtype), need, b.size() - off));
  a.bytes.assign(b.begin() + off, b.begin() + off + need);
  return a;
}

Array read_npy(const std::string& path) { return parse_npy(read_file(path), path); }

std::vector<uint8_t> npy_bytes(const Array& a) {
  const char* descr = nullptr;
  for (const auto& d : kDescrs)
    if (d.dtype == a.dtype) descr = d.text;
  if (!descr) throw Error(ErrorKind::kInvalidArgument, fmt::format("cannot write {} to .npy", dtype_name(a.dtype)));
  std::string shape;
  for (size_t i = 0; i < a.shape.size(); ++i) shape += fmt::format("{}, ", a.shape[i]);
  if (a.shape.size() > 1) shape.resize(shape.size() - 2);
  else if (a.shape.size() == 1) shape.resize(shape.size() - 1);
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr, shape);
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  const uint8_t magic[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<uint8_t>(header.size() & 0xff),
                             static_cast<uint8_t>(header.size() >> 8)};
  std::vector<uint8_t> out(sizeof magic + header.size() + a.bytes.size());
  auto at = std::copy(std::begin(magic), std::end(magic), out.begin());
  at = std::copy(header.begin(), header.end(), at);
  std::copy(a.bytes.begin(), a.bytes.end(), at);
  return out;
}

void write_npy(const std::string& path, const Array& a) { write_file_atomic(path, npy_bytes(a)); }

namespace {
template <typename T> double load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return static_cast<double>(v);
}
template <typename T> void store(uint8_t* p, double v) {
  T out;
  if constexpr (std::is_integral_v<T>) {
    v = std::round(v);
    v = std::min<double>(std::max<double>(v, std::numeric_limits<T>::lowest()), std::numeric_limits<T>::max());
    out = static_cast<T>(v);
  } else {
    out = static_cast<T>(v);
  }
  std::memcpy(p, &out, sizeof out);
}
double load_any(DType t, const uint8_t* p) {
  switch (t) {
    case DType::kFloat32: return load<float>(p);
    case DType::kFloat64: return load<double>(p);
    case DType::kInt8: return load<int8_t>(p);
    case DType::kUInt8: return load<uint8_t>(p);
    case DType::kBool: return load<uint8_t>(p) != 0;
    case DType::kInt16: return load<int16_t>(p);
    case DType::kUInt16: return load<uint16_t>(p);
    case DType::kInt32: return load<int32_t>(p);
    case DType::kUInt32: return load<uint32_t>(p);
    case DType::kInt64: return load<int64_t>(p);
    case DType::kUInt64: return load<uint64_t>(p);
    default: throw Error(ErrorKind::kUnsupported, fmt::format("cannot convert from {}", dtype_name(t)));
  }
}
void store_any(DType t, uint8_t* p, double v) {
  switch (t) {
    case DType::kFloat32: return store<float>(p, v);
    case DType::kFloat64: return store<double>(p, v);
    case DType::kInt8: return store<int8_t>(p, v);
    case DType::kUInt8: return store<uint8_t>(p, v);
    case DType::kBool: return store<uint8_t>(p, v != 0);
    case DType::kInt16: return store<int16_t>(p, v);
    case DType::kUInt16: return store<uint16_t>(p, v);
    case DType::kInt32: return store<int32_t>(p, v);
    case DType::kUInt32: return store<uint32_t>(p, v);
    case DType::kInt64: return store<int64_t>(p, v);
    case DType::kUInt64: return store<uint64_t>(p, v);
    default: throw Error(ErrorKind::kUnsupported, fmt::format("cannot convert to {}", dtype_name(t)));
  }
}
}  // namespace

Array cast_array(const Array& a, DType to) {
  if (a.dtype == to) return a;
  Array out;
  out.dtype = to;
  out.shape = a.shape;
  const int64_t n = a.num_elements();
  out.bytes.resize(static_cast<size_t>(n) * dtype_size(to));
  const size_t in_size = dtype_size(a.dtype), out_size = dtype_size(to);
  for (int64_t i = 0; i < n; ++i) store_any(to, out.bytes.data() + i * out_size, load_any(a.dtype, a.bytes.data() + i * in_size));
  return out;
}

}  // namespace liteq::io
