// Plain-C interface of the float32 kernels compiled per instruction set
// (gemm_f32_avx2.cc, gemm_f32_avx512.cc). Only C types here: these files are built
// with ISA flags and must not instantiate C++ library code (see src/CMakeLists.txt).
//
// Summation order (the same in every variant, tiling and thread count, so results are
// bit-identical across thread counts): each output starts at 0.0f, adds its products
// with float32 FMA in the reference's order (k ascending = ky, kx, ic), then adds the
// bias and clamps to [lo, hi].
#pragma once
#include <cstddef>
#include <cstdint>

namespace liteq::rt::opt::f32 {

// Packed B (weights) layout for a GEMM with K rows and N columns: panels of `nr`
// columns; panel p starts at p * nr * K and holds K rows of w_p floats, where
// w_p = min(nr, N - p * nr rounded up to the vector width `vl`); columns >= N are 0.
// bias: N rounded up to nr floats (zeros past N, or all zeros when the op has none).
struct GemmArgs {
  int m = 0, n = 0, k = 0;  // C[m x n] = A[m x k] * B[k x n] (+ bias, clamped)
  const float* a = nullptr;
  int64_t lda = 0;
  const float* b = nullptr;     // packed, starting at this call's first column (a panel boundary)
  int64_t k_total = 0;          // K of the packed B (panel stride = nr * k_total)
  const float* bias = nullptr;  // starting at this call's first column
  float* c = nullptr;
  int64_t ldc = 0;
  float lo = 0, hi = 0;
};

// AVX2 + FMA: nr = 16, vl = 8.
constexpr int kAvx2Nr = 16, kAvx2Vl = 8;
void gemm_f32_avx2(const GemmArgs& g);
// AVX-512: nr = 32, vl = 16.
constexpr int kAvx512Nr = 32, kAvx512Vl = 16;
void gemm_f32_avx512(const GemmArgs& g);

// Depthwise convolution, NHWC: output channel oc reads input channel oc / multiplier
// (gathered when multiplier > 1). filter: [kh, kw, c_pad] (c_pad = output channels
// rounded up to 16, zeros past c); bias: c_pad floats. Computes output rows
// [row_begin, row_end) of the batch * out_h rows.
struct DepthwiseArgs {
  int in_h = 0, in_w = 0, c = 0, c_pad = 0;  // c: output channels
  int in_c = 0, multiplier = 1;              // in_c * multiplier = c
  int out_h = 0, out_w = 0;
  int kh = 0, kw = 0;
  int stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1, pad_top = 0, pad_left = 0;
  const float* input = nullptr;
  const float* filter = nullptr;
  const float* bias = nullptr;
  float* output = nullptr;
  float lo = 0, hi = 0;
  // Hybrid (q set, where depthwise_hybrid_avx512_fits / _avx2_fits; one batch, input
  // unused): the input is the int8 q with zero point q_zp and filter holds the int8
  // weights as floats, so every partial sum of (q - q_zp) * w is an integer below 2^24,
  // exact in float32 in any order; the output is clamp(sum * q_scale * w_scale[c]
  // [+ bias[c]], lo, hi) in the reference's order (ref::depthwise_conv2d_hybrid), bias c
  // floats or null.
  const int8_t* q = nullptr;
  int32_t q_zp = 0;
  float q_scale = 1;
  const float* w_scale = nullptr;  // c_pad floats
};
void depthwise_f32_avx2(const DepthwiseArgs& a, int64_t row_begin, int64_t row_end);
void depthwise_f32_avx512(const DepthwiseArgs& a, int64_t row_begin, int64_t row_end);
// Whether depthwise_f32_avx512 takes a hybrid a (q set): multiplier 1, no dilation along
// x, 3 or 5 taps along x at stride 1 or 2, at most 512 taps.
bool depthwise_hybrid_avx512_fits(const DepthwiseArgs& a);
// The same for depthwise_f32_avx2, which also needs 8 channels or more.
bool depthwise_hybrid_avx2_fits(const DepthwiseArgs& a);

}  // namespace liteq::rt::opt::f32
