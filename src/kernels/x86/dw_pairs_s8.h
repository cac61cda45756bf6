// int8 DEPTHWISE_CONV_2D (multiplier 1) on AVX-512 with taps taken in pairs: each input
// row under the filter is rewritten once (and reused by the output rows that need it)
// as int16 pairs (x[ix], x[ix + dilation_w]) per channel, so one vpmaddwd multiplies two
// horizontal taps of 16 channels, where the plain kernel needs two vpmulld. Padding is
// the input zero point (x + input_offset = 0: padded taps add exactly nothing, as the
// reference's skipped ones), so every output pixel starts from the same accumulator,
// bias + input_offset * sum(w). Exact int32 sums; the GEMM's requantization.
// Plain C interface; implemented in dw_pairs_s8_avx512.cc.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/optimized/kernels_s8.h"

namespace liteq::rt::x86 {

struct DwPairsS8Args {
  const int8_t* in;
  int batch, in_h, in_w, c;
  int kh, kw, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left, out_h, out_w;
  int blocks;           // blocks of 16 channels: (c + 15) / 16
  int pairs;            // tap pairs per filter row: (kw + 1) / 2
  const int16_t* w;     // [kh][pairs][blocks][16][2]: (w[ky][2j], w[ky][2j + 1]), 0 past kw or c
  const int32_t* init;  // [blocks * 16]: bias + input_offset * sum(w), wrapping
  opt::s8::Requant rq;  // arrays of blocks * 16
  int8_t zero_point;    // of the input: the padding
  int8_t* out;
  // Hybrid DEPTHWISE_CONV_2D (int8 input quantized on the fly, float output), when out_f
  // is set: init is -zero_point * sum(w), rq is unused, and each sum goes out as
  // clamp(float(acc) * in_scale * w_scale[c] + bias[c], f_lo, f_hi), the reference's
  // float operations in its order (ref::depthwise_conv2d_hybrid).
  float* out_f = nullptr;
  const float* w_scale = nullptr;  // [blocks * 16]
  const float* f_bias = nullptr;   // [c], or null
  float in_scale = 1, f_lo = 0, f_hi = 0;
};

size_t dw_pairs_scratch_s8(const DwPairsS8Args& a);
// Output rows [r0, r1) of batch * out_h, with one thread's scratch.
void dw_pairs_rows_s8_avx512(const DwPairsS8Args& a, int64_t r0, int64_t r1, uint8_t* scratch);

}  // namespace liteq::rt::x86
