// int8 CONV_2D with few output channels (1..4), where the GEMM's 8/16-channel tiles would
// be mostly empty (e.g. a segmentation head 256x256x8 -> 256x256x1): per output pixel, the
// dot product of each filter row (kw * in_c contiguous bytes in NHWC, dilation_w 1) with
// the input row under it. Computes the int32 accumulators of the reference
// (sum over in-bounds taps of (x + in_off) * w, plus bias); the caller requantizes.
// Plain C interface; implemented in conv_narrow_s8_avx2.cc.
#pragma once
#include <cstddef>
#include <cstdint>

namespace liteq::rt::x86 {

struct ConvNarrowS8Args {
  const int8_t* in;
  int batch, in_h, in_w, in_c;
  int kh, kw, stride_h, stride_w, dil_h, pad_top, pad_left, out_h, out_w;
  int out_c;               // 1..4
  const int8_t* filter;    // OHWI [out_c, kh, kw, in_c]
  const int32_t* row_sum;  // [out_c, kh]: sum of the filter row's weights
  const int32_t* bias;     // [out_c]
  int32_t in_off;
};

// Accumulators of output row r (of batch * out_h) into acc[out_w * out_c].
void conv_narrow_row_s8_avx2(const ConvNarrowS8Args& a, int64_t r, int32_t* acc);

}  // namespace liteq::rt::x86
