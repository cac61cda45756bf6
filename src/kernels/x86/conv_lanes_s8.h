// int8 CONV_2D with output pixels across the vector lanes, for convolutions with few
// output channels or few input channels (segmentation heads 256x256x8 -> 1 or 8, first
// layers with 3 input channels), where the GEMM's 16-channel tiles would be mostly
// empty and its per-pixel im2col rows dominate.
//
// Per output row, each input row under the filter is rewritten once into "planes": for
// each group of 4 input channels and each column phase (x mod stride_w), the row's
// 4-byte groups as uint8 (x + 128), padded with the input zero point (so padded taps
// add exactly 0, as the reference's skipped taps) and with 0-weight bytes past the
// last channel. Then 16 neighbouring output pixels are one contiguous load per filter
// tap and channel group, multiplied (vpdpbusd) with that tap's broadcast weights for
// each output channel. Accumulators start at bias + (input_offset - 128) * sum(w), so
// the int32 sums equal the reference's exactly; requantization is the GEMM's (bit-exact
// with ref::requantize). Plain C interface; implemented in conv_lanes_s8_avx512vnni.cc.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/optimized/kernels_s8.h"

namespace liteq::rt::x86 {

struct ConvLanesS8Args {
  const int8_t* in;
  int batch, in_h, in_w, in_c;
  int kh, kw, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left, out_h, out_w;
  int out_c;
  int groups;            // channel groups of 4: (in_c + 3) / 4
  const int32_t* w;      // [out_c][kh][kw][groups] 4 weights each, zero past in_c
  const int32_t* init;   // [out_c] bias + (input_offset - 128) * sum(w), wrapping
  opt::s8::Requant rq;   // per output channel
  uint8_t pad;           // input zero point + 128
  int8_t* out;
};

// Bytes of scratch one thread needs.
size_t conv_lanes_scratch_s8(const ConvLanesS8Args& a);
// Output rows [r0, r1) of batch * out_h, with one thread's scratch (64-byte aligned).
void conv_lanes_rows_s8_avx512vnni(const ConvLanesS8Args& a, int64_t r0, int64_t r1, uint8_t* scratch);

}  // namespace liteq::rt::x86
