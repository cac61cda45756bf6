#include "quantize/fidelity.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "liteq/error.h"

namespace liteq::quant {

std::vector<float> output_as_float(const Array& a, float scale, int64_t zp) {
  const size_t n = static_cast<size_t>(a.num_elements());
  std::vector<float> out(n);
  auto deq = [&](auto* p) {
    for (size_t i = 0; i < n; ++i) out[i] = scale * static_cast<float>(static_cast<int64_t>(p[i]) - zp);
  };
  switch (a.dtype) {
    case DType::kFloat32: std::memcpy(out.data(), a.bytes.data(), n * 4); break;
    case DType::kInt8: deq(reinterpret_cast<const int8_t*>(a.bytes.data())); break;
    case DType::kUInt8: deq(reinterpret_cast<const uint8_t*>(a.bytes.data())); break;
    case DType::kInt16: deq(reinterpret_cast<const int16_t*>(a.bytes.data())); break;
    default: throw Error(ErrorKind::kUnsupported, "cannot compare outputs of this dtype");
  }
  return out;
}

Fidelity compare_outputs(const std::vector<float>& ref, const std::vector<float>& test) {
  if (ref.size() != test.size()) throw Error(ErrorKind::kInvalidArgument, "outputs differ in size");
  double sig = 0, noise = 0, mx = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double d = double(test[i]) - double(ref[i]);
    sig += double(ref[i]) * ref[i];
    noise += d * d;
    mx = std::max(mx, std::fabs(d));
  }
  Fidelity f;
  f.max_abs_err = mx;
  f.sqnr_db = noise == 0 ? std::numeric_limits<double>::infinity()
                         : sig == 0 ? -std::numeric_limits<double>::infinity() : 10 * std::log10(sig / noise);
  return f;
}

}  // namespace liteq::quant
