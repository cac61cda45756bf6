// float32 RESIZE_BILINEAR rows on AVX-512, bit-identical with the reference's rows
// (reference/resize.h resize_bilinear_float_rows): per output pixel the corner weights
// w00 = (1 - dy)(1 - dx), w01 = (1 - dy) dx, w10 = dy (1 - dx), w11 = dy dx, then
// v = w00 p00, v += w01 p01, v += w10 p10, v += w11 p11, each a separate rounding.
// 8 channels: two pixels per vector; otherwise 16 channels at a time. Plain C
// interface; implemented in resize_f32_avx512.cc.
#pragma once
#include <cstdint>

namespace liteq::rt::x86 {

// One output row: row0 / row1 the two input rows, dy the vertical fraction; per output
// column x: lo[x], hi[x] (input columns) and dx[x] (horizontal fraction).
void resize_bilinear_row_f32_avx512(const float* row0, const float* row1, float dy, const int32_t* lo,
                                    const int32_t* hi, const float* dx, float* out, int out_w, int channels);

}  // namespace liteq::rt::x86
