#include "kernels/kernel_util.h"

#include <cstring>

namespace liteq::rt {

bool broadcast_shape(const std::vector<int32_t>& a, const std::vector<int32_t>& b,
                     std::vector<int32_t>* out) {
  const size_t rank = std::max(a.size(), b.size());
  if (rank > kMaxBroadcastRank) return false;
  out->assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    const int32_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int32_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return false;
    (*out)[i] = da == 1 ? db : da;
  }
  return true;
}

std::array<int64_t, kMaxBroadcastRank> broadcast_strides(const std::vector<int32_t>& shape,
                                                         const std::vector<int32_t>& out) {
  std::array<int64_t, kMaxBroadcastRank> strides{};
  const size_t off = out.size() - shape.size();
  int64_t stride = 1;
  for (size_t i = out.size(); i-- > 0;) {
    if (i < off) continue;
    const int32_t d = shape[i - off];
    strides[kMaxBroadcastRank - out.size() + i] = d == 1 ? 0 : stride;
    stride *= d;
  }
  return strides;
}

std::vector<int64_t> read_int_tensor(OpContext& ctx, int input, const char* what) {
  Tensor& t = ctx.input(input);
  ctx.check(t.is_constant() && t.data != nullptr, "{} (input {}) must be a constant tensor", what,
            input);
  ctx.check(t.rank() <= 1, "{} (input {}) must be 1-D, got rank {}", what, input, t.rank());
  std::vector<int64_t> v(t.num_elements());
  if (t.type == DType::kInt32) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = t.data_as<int32_t>()[i];
  } else if (t.type == DType::kInt64) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = t.data_as<int64_t>()[i];
  } else {
    ctx.fail("{} (input {}) must be int32 or int64, got {}", what, input, dtype_name(t.type));
  }
  return v;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalize
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) {
        mant <<= 1;
        --exp;
      }
      mant &= 0x3ffu;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, sizeof x);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t abs = x & 0x7fffffffu;
  if (abs >= 0x7f800000u) return sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u);  // inf/nan
  if (abs >= 0x477ff000u) return sign | 0x7c00u;  // rounds to >= 65520: overflow to inf
  if (abs < 0x38800000u) {                          // below the smallest normal half
    if (abs < 0x33000000u) return sign;             // rounds to zero
    const uint32_t e = abs >> 23;
    const uint32_t m = (abs & 0x7fffffu) | 0x800000u;  // value = m * 2^(e - 150)
    const uint32_t shift = 126 - e;                    // half subnormal unit is 2^-24
    const uint32_t rem = m & ((1u << shift) - 1);
    const uint32_t halfway = 1u << (shift - 1);
    uint32_t r = m >> shift;
    if (rem > halfway || (rem == halfway && (r & 1))) ++r;
    return sign | static_cast<uint16_t>(r);
  }
  uint32_t r = abs - 0x38000000u;  // rebias exponent 127 -> 15
  const uint32_t rem = r & 0x1fffu;
  r >>= 13;
  if (rem > 0x1000u || (rem == 0x1000u && (r & 1))) ++r;
  return sign | static_cast<uint16_t>(r);
}

}  // namespace liteq::rt
