// Integer requantization as TFLite defines it (the TFLite 2.x "double rounding" path
// used by its int8/int16 kernels): a real multiplier M in (0, 1) or larger is stored as
// a Q31 int32 and a power-of-two shift; x * M is computed as a saturating rounding
// doubling high multiply followed by a rounding right shift. Our integer kernels use
// exactly these steps so that their outputs equal official TFLite's bit for bit.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

namespace liteq::rt {

// Splits a real multiplier into (Q31 multiplier, shift) with m = q * 2^(shift - 31).
// A zero multiplier gives (0, 0). Shifts below -31 flush to zero, as in TFLite.
inline void quantize_multiplier(double m, int32_t* q, int* shift) {
  if (m == 0.0) {
    *q = 0;
    *shift = 0;
    return;
  }
  const double frac = std::frexp(m, shift);  // m = frac * 2^shift, frac in [0.5, 1)
  int64_t qf = static_cast<int64_t>(std::round(frac * (int64_t{1} << 31)));
  if (qf == (int64_t{1} << 31)) {
    qf /= 2;
    ++*shift;
  }
  if (*shift < -31) {
    *shift = 0;
    qf = 0;
  }
  *q = static_cast<int32_t>(qf);
}

// round(a * b / 2^31) with ties away from zero, saturating the single overflow case.
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::max();
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  // Division truncating toward zero, as C++ does for int64.
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

// x / 2^exponent rounded to nearest, ties away from zero.
inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  if (exponent == 0) return x;
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// x * (multiplier * 2^(shift - 31)), TFLite's MultiplyByQuantizedMultiplier.
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  return rounding_divide_by_pot(
      saturating_rounding_doubling_high_mul(static_cast<int32_t>(static_cast<uint32_t>(x) << left), multiplier), right);
}

// The int64 accumulator variant (16x8 kernels with int64 bias).
inline int32_t multiply_by_quantized_multiplier(int64_t x, int32_t multiplier, int shift) {
  // Computes round(x * multiplier * 2^(shift - 31)) with the rounding of TFLite's
  // reference int64 path: the multiplier is first reduced to 16 bits.
  const int32_t reduced = multiplier < 0x7FFF0000 ? ((multiplier + (1 << 15)) >> 16) : 0x7FFF;
  const int total_shift = 15 - shift;
  const int64_t prod = x * static_cast<int64_t>(reduced);
  const int64_t round = int64_t{1} << (total_shift - 1);
  return static_cast<int32_t>((prod + round) >> total_shift);
}

}  // namespace liteq::rt
