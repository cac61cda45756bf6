// Quantized SOFTMAX over the innermost dim, as TFLite computes it:
//   int8 input (int8 or int16 output): exp(-beta * s_in * d) for every possible difference
//     d = max - x in [0, 255] is tabulated in float (expf); a row sums its table entries
//     in float, in order, and each output is round(e / (sum * s_out)) + z_out, clamped;
//   int16 input and output (symmetric): the difference to the row max is rescaled so that
//     [-10, 0] spans the int16 range, exp comes from a 513-entry interpolated table, the
//     sum's reciprocal from a 1/(1+x) table, and the output is Q0.15 in [0, 32767].
#pragma once
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/fixed_point.h"
#include "kernels/reference/fixedpoint_int.h"

namespace liteq::rt::ref {

struct SoftmaxInt8Params {
  std::array<float, 256> table{};  // table[255 - d] = exp(-beta * input_scale * d)
  float output_scale = 1.0f / 256;
  int32_t output_zero_point = -128;
};

inline void make_softmax_int8_table(SoftmaxInt8Params* p, float input_scale, float beta) {
  const float scale = -input_scale * beta;
  for (int32_t d = 0; d <= 255; ++d) p->table[255 - d] = std::exp(scale * static_cast<float>(d));
}

template <typename Out>
void softmax_int8(int64_t outer, int64_t depth, const int8_t* in, Out* out, const SoftmaxInt8Params& p) {
  constexpr int32_t kLo = std::numeric_limits<Out>::min(), kHi = std::numeric_limits<Out>::max();
  for (int64_t r = 0; r < outer; ++r, in += depth, out += depth) {
    int32_t max = -128;
    for (int64_t i = 0; i < depth; ++i) max = std::max<int32_t>(max, in[i]);
    // exp(x - max) is table[255 - max + x]; summed in order, in float.
    const int32_t base = 255 - max;
    float sum = 0.0f;
    for (int64_t i = 0; i < depth; ++i) sum += p.table[base + in[i]];
    const float inv = 1.0f / (sum * p.output_scale);
    for (int64_t i = 0; i < depth; ++i) {
      const float prob = p.table[base + in[i]] * inv;
      const int32_t q = static_cast<int32_t>(std::round(prob)) + p.output_zero_point;
      out[i] = static_cast<Out>(std::clamp(q, kLo, kHi));
    }
  }
}

struct SoftmaxInt16Params {
  fx16::Lut513 exp_lut{};             // exp(x), x in [-10, 0]
  fx16::Lut513 one_over_one_plus_x{};  // 1 / (1 + x), x in [0, 1]
  int32_t input_multiplier = 0;        // input_scale * beta / (10 / 65535)
  int input_shift = 0;
};

inline void make_softmax_int16_tables(SoftmaxInt16Params* p) {
  p->exp_lut = fx16::make_lut513([](double v) { return std::exp(v); }, -10.0, 0.0);
  p->one_over_one_plus_x = fx16::make_lut513([](double v) { return 1.0 / (1.0 + v); }, 0.0, 1.0);
}

inline void softmax_int16(int64_t outer, int64_t depth, const int16_t* in, int16_t* out,
                          const SoftmaxInt16Params& p) {
  for (int64_t r = 0; r < outer; ++r, in += depth, out += depth) {
    int16_t max = std::numeric_limits<int16_t>::min();
    for (int64_t i = 0; i < depth; ++i) max = std::max(max, in[i]);
    // The exps (Q0.15) are cached in the output row, as TFLite does.
    uint32_t sum = 0;  // Q16.15; wraps like TFLite's int32 only for rows > 65536 long
    for (int64_t i = 0; i < depth; ++i) {
      const int32_t diff = int32_t{in[i]} - max;
      const int32_t scaled = multiply_by_quantized_multiplier(diff, p.input_multiplier, p.input_shift);
      const int32_t sym = std::clamp(scaled + 32767, int32_t{-32768}, int32_t{32767});
      out[i] = fx16::lut513_lookup(static_cast<int16_t>(sym), p.exp_lut);
      sum += static_cast<uint32_t>(static_cast<int32_t>(out[i]));
    }
    const int headroom_plus_one = std::countl_zero(sum);
    const int32_t shifted_sum =
        static_cast<int32_t>(((static_cast<int64_t>(static_cast<int32_t>(sum)) << (headroom_plus_one - 1)) +
                              (1 << 13)) >> 14);
    // 1/(1+x) is tabulated for x in [0, 1]: x = sum - 1, recentred to the int16 range.
    const int32_t sym_sum = std::clamp(shifted_sum - ((1 << 15) + (1 << 16)), int32_t{-32768}, int32_t{32767});
    const int16_t reciprocal = fx16::lut513_lookup(static_cast<int16_t>(sym_sum), p.one_over_one_plus_x);
    const int right_shift = 31 - headroom_plus_one;
    const int64_t round = int64_t{1} << (right_shift - 1);
    for (int64_t i = 0; i < depth; ++i) {
      const int32_t v = static_cast<int32_t>((static_cast<int64_t>(out[i]) * reciprocal + round) >> right_shift);
      out[i] = static_cast<int16_t>(std::clamp(v, int32_t{0}, int32_t{32767}));
    }
  }
}

}  // namespace liteq::rt::ref
