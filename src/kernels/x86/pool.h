// MAX_POOL_2D on AVX-512 (pool_avx512.cc): channels innermost, one (masked) vector of
// channels per tap, so even a few channels per pixel run at full width. The result is
// the reference's bit for bit (a max is exact; NaN and signed zeros follow std::max's
// operand order). Plain C interface: the file is built with AVX-512 flags.
#pragma once
#include <cstdint>

namespace liteq::rt::x86 {

struct MaxPoolArgs {
  int batch, in_h, in_w, channels, out_h, out_w;
  int filter_h, filter_w, stride_h, stride_w, pad_top, pad_left;
  float act_min, act_max;        // float32
  int32_t q_act_min, q_act_max;  // int8 / int16
};

// Output rows [row_begin, row_end) of batch * out_h.
void max_pool_rows_f32_avx512(const MaxPoolArgs& a, const float* in, float* out, int64_t row_begin, int64_t row_end);
void max_pool_rows_s8_avx512(const MaxPoolArgs& a, const int8_t* in, int8_t* out, int64_t row_begin, int64_t row_end);
void max_pool_rows_s16_avx512(const MaxPoolArgs& a, const int16_t* in, int16_t* out, int64_t row_begin,
                              int64_t row_end);

}  // namespace liteq::rt::x86
