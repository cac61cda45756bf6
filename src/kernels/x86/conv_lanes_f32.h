// float32 CONV_2D with output pixels across the vector lanes, for convolutions with few
// output channels or few input channels (segmentation heads 256x256x8 -> 1 or 8, first
// layers with 3 input channels), where the GEMM's 32-column tiles would be mostly empty
// and its im2col rows short.
//
// Per output row, each input row under the filter is rewritten once into planes (one per
// input channel and column phase x mod stride_w, zero-padded) and reused by the output
// rows that need it; 16 neighbouring output pixels are then one contiguous load per tap
// and input channel, multiplied with that tap's broadcast weight for each output channel.
// Summation order as every float32 conv variant (optimized/isa_f32.h): from 0.0f, FMA in
// (ky, kx, ic) order, padded taps adding +0, then + bias and the clamp; so the results
// equal the GEMM's bit for bit. Plain C interface; implemented in conv_lanes_f32_avx512.cc
// and conv_lanes_f32_avx2.cc.
#pragma once
#include <cstddef>
#include <cstdint>

namespace liteq::rt::x86 {

struct ConvLanesF32Args {
  const float* in;
  int batch, in_h, in_w, in_c;
  int kh, kw, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left, out_h, out_w;
  int out_c;
  const float* w;     // OHWI [out_c][kh][kw][in_c]
  const float* bias;  // [out_c] (zeros when the op has none)
  float lo, hi;
  float* out;
};

size_t conv_lanes_scratch_f32(const ConvLanesF32Args& a);
// Output rows [r0, r1) of batch * out_h, with one thread's scratch.
void conv_lanes_rows_f32_avx512(const ConvLanesF32Args& a, int64_t r0, int64_t r1, uint8_t* scratch);
// The same on AVX2 (8 pixels per vector; conv_lanes_f32_avx2.cc), with its own scratch size.
size_t conv_lanes_scratch_f32_avx2(const ConvLanesF32Args& a);
void conv_lanes_rows_f32_avx2(const ConvLanesF32Args& a, int64_t r0, int64_t r1, uint8_t* scratch);

}  // namespace liteq::rt::x86
