// Hybrid DEPTHWISE_CONV_2D (int8 input quantized on the fly, int8 weights, float output),
// depth multiplier 1, the reference's arithmetic (ref::depthwise_conv2d_hybrid) with the
// loops turned around: channels innermost, 16 at a time in int16 products widened to
// int32 sums (AVX2 or AVX-512 intrinsics). Plain C interface; implemented in
// dw_hybrid_avx2.cc and dw_hybrid_avx512.cc.
#pragma once
#include <cstddef>
#include <cstdint>

namespace liteq::rt::x86 {

struct DwHybridArgs {
  const int8_t* q;  // quantized input, NHWC
  int batch, in_h, in_w, channels;
  int kh, kw, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left, out_h, out_w;
  const int32_t* offsets;   // per batch: the input zero point
  const float* in_scales;   // per batch
  const int8_t* filter;     // [kh, kw, channels]
  const float* w_scales;    // per channel
  const float* bias;        // per channel, or null
  float act_min, act_max;
  float* out;
  // per batch: `channels` bytes, each the batch's zero point (offsets[b]), read for taps
  // outside the input; null: the generic loops (also used above 64 filter taps)
  const int8_t* pad = nullptr;
};

// Output rows [r0, r1) of batch * out_h.
void dw_hybrid_rows_avx2(const DwHybridArgs& a, int64_t r0, int64_t r1);
// The same with AVX-512 F/BW, 32 channels at a time (dw_hybrid_avx512.cc).
void dw_hybrid_rows_avx512(const DwHybridArgs& a, int64_t r0, int64_t r1);

}  // namespace liteq::rt::x86
