// Reference binary elementwise kernels with numpy broadcasting (ADD, SUB, MUL, DIV,
// MAXIMUM, MINIMUM; PRELU uses the same broadcasting).
#pragma once
#include <array>
#include <cstdint>
#include <vector>

namespace liteq::rt::ref {

constexpr int kBinaryMaxRank = 6;

// How the two inputs of a binary op line up with the output.
struct BinaryShape {
  enum class Kind : uint8_t {
    kSame,         // a, b and out have the same number of elements, no broadcasting
    kScalarA,      // a has one element, b has the output's shape
    kScalarB,      // b has one element, a has the output's shape
    kBroadcast,    // general case, see out_dims / a_strides / b_strides
  };
  Kind kind = Kind::kSame;
  int64_t size = 0;  // number of output elements
  // Output dims right-aligned to rank 6 (leading 1s) and the element strides of a and b
  // for each of those dims (0 where the input is broadcast along the dim).
  std::array<int32_t, kBinaryMaxRank> out_dims{1, 1, 1, 1, 1, 1};
  std::array<int64_t, kBinaryMaxRank> a_strides{};
  std::array<int64_t, kBinaryMaxRank> b_strides{};
};

// Describes how inputs of dims `a` and `b` map onto `out`, their broadcast shape
// (already validated by the caller: numpy-compatible, rank <= 6).
inline BinaryShape make_binary_shape(const std::vector<int32_t>& a, const std::vector<int32_t>& b,
                                     const std::vector<int32_t>& out) {
  auto count = [](const std::vector<int32_t>& d) {
    int64_t n = 1;
    for (int32_t x : d) n *= x;
    return n;
  };
  BinaryShape s;
  s.size = count(out);
  const int64_t na = count(a), nb = count(b);
  if (s.size == 0 || (na == s.size && nb == s.size)) {
    s.kind = BinaryShape::Kind::kSame;
    return s;
  }
  if (na == 1) {
    s.kind = BinaryShape::Kind::kScalarA;
    return s;
  }
  if (nb == 1) {
    s.kind = BinaryShape::Kind::kScalarB;
    return s;
  }
  s.kind = BinaryShape::Kind::kBroadcast;
  const int off = kBinaryMaxRank - static_cast<int>(out.size());
  for (size_t i = 0; i < out.size(); ++i) s.out_dims[off + i] = out[i];
  // Strides of an input right-aligned to the output; 0 along dims where it has size 1.
  auto strides = [&](const std::vector<int32_t>& in, std::array<int64_t, kBinaryMaxRank>& st) {
    int64_t stride = 1;
    const int in_off = kBinaryMaxRank - static_cast<int>(in.size());
    for (int i = static_cast<int>(in.size()) - 1; i >= 0; --i) {
      st[in_off + i] = in[i] == 1 ? 0 : stride;
      stride *= in[i];
    }
  };
  strides(a, s.a_strides);
  strides(b, s.b_strides);
  return s;
}

// out[i] = op(a[...], b[...]) for every output element, following `s`.
template <typename T, typename U, typename Op>
void binary_op(const BinaryShape& s, const T* a, const T* b, U* out, Op op) {
  using Kind = BinaryShape::Kind;
  switch (s.kind) {
    case Kind::kSame:
      for (int64_t i = 0; i < s.size; ++i) out[i] = op(a[i], b[i]);
      return;
    case Kind::kScalarA: {
      const T x = a[0];
      for (int64_t i = 0; i < s.size; ++i) out[i] = op(x, b[i]);
      return;
    }
    case Kind::kScalarB: {
      const T y = b[0];
      for (int64_t i = 0; i < s.size; ++i) out[i] = op(a[i], y);
      return;
    }
    case Kind::kBroadcast: break;
  }
  const auto& d = s.out_dims;
  const auto& sa = s.a_strides;
  const auto& sb = s.b_strides;
  int64_t o = 0;
  for (int32_t i0 = 0; i0 < d[0]; ++i0) {
    for (int32_t i1 = 0; i1 < d[1]; ++i1) {
      for (int32_t i2 = 0; i2 < d[2]; ++i2) {
        for (int32_t i3 = 0; i3 < d[3]; ++i3) {
          for (int32_t i4 = 0; i4 < d[4]; ++i4) {
            const int64_t a_row = i0 * sa[0] + i1 * sa[1] + i2 * sa[2] + i3 * sa[3] + i4 * sa[4];
            const int64_t b_row = i0 * sb[0] + i1 * sb[1] + i2 * sb[2] + i3 * sb[3] + i4 * sb[4];
            for (int32_t i5 = 0; i5 < d[5]; ++i5)
              out[o++] = op(a[a_row + i5 * sa[5]], b[b_row + i5 * sb[5]]);
          }
        }
      }
    }
  }
}

}  // namespace liteq::rt::ref
