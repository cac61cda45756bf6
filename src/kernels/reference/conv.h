// Reference (readable, unvectorized) float32 convolution kernels: CONV_2D,
// DEPTHWISE_CONV_2D, TRANSPOSE_CONV. Pure functions on raw NHWC buffers; every shape
// and parameter has been checked by the op's prepare. CONV_2D and DEPTHWISE_CONV_2D sum
// products in double in the natural order (ky, kx, ic), add the bias, then round once
// to float and clamp. Summing in double keeps the reference near the exact result,
// which TFLite's blocked GEMM kernels approach too: with float32 sums, rounding noise
// amplified through deep models (pose_landmark's segmentation head) exceeded 1e-4
// relative to official TFLite; with double sums it stays below.
#pragma once
#include <algorithm>
#include <cstdint>

namespace liteq::rt::ref {

// True if a window op's sizes can be computed in int without overflow:
// (filter - 1) * dilation + 1, in + stride and in + effective filter stay below 2^31.
inline bool window_fits_int(int64_t in, int64_t filter, int64_t stride, int64_t dilation) {
  constexpr int64_t kMax = 0x7fffffff;
  if (in < 0 || filter < 1 || stride < 1 || dilation < 1) return false;
  const int64_t effective = (filter - 1) * dilation + 1;
  return effective <= kMax && in + stride <= kMax && in + effective + stride <= kMax;
}

struct ConvGeometry {
  int batch = 0, in_h = 0, in_w = 0, in_c = 0;
  int out_h = 0, out_w = 0, out_c = 0;
  int filter_h = 0, filter_w = 0;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  int pad_top = 0, pad_left = 0;
  float act_min = 0, act_max = 0;
};

inline float clamp_act(float x, float lo, float hi) { return std::min(std::max(x, lo), hi); }

// CONV_2D. filter: OHWI [out_c, filter_h, filter_w, filter_in_c]; grouped when
// in_c = groups * filter_in_c (out_c is a multiple of groups). bias may be null.
inline void conv2d_f32(const ConvGeometry& g, int filter_in_c, const float* input,
                       const float* filter, const float* bias, float* output) {
  const int groups = g.in_c / filter_in_c;
  const int per_group = g.out_c / groups;
  for (int b = 0; b < g.batch; ++b) {
    for (int oy = 0; oy < g.out_h; ++oy) {
      const int iy0 = oy * g.stride_h - g.pad_top;
      for (int ox = 0; ox < g.out_w; ++ox) {
        const int ix0 = ox * g.stride_w - g.pad_left;
        float* out = output + ((int64_t{b} * g.out_h + oy) * g.out_w + ox) * g.out_c;
        for (int oc = 0; oc < g.out_c; ++oc) {
          const int group = oc / per_group;
          double sum = 0.0;
          for (int ky = 0; ky < g.filter_h; ++ky) {
            const int iy = iy0 + ky * g.dilation_h;
            if (iy < 0 || iy >= g.in_h) continue;
            for (int kx = 0; kx < g.filter_w; ++kx) {
              const int ix = ix0 + kx * g.dilation_w;
              if (ix < 0 || ix >= g.in_w) continue;
              const float* in =
                  input + ((int64_t{b} * g.in_h + iy) * g.in_w + ix) * g.in_c + int64_t{group} * filter_in_c;
              const float* w =
                  filter + ((int64_t{oc} * g.filter_h + ky) * g.filter_w + kx) * filter_in_c;
              for (int ic = 0; ic < filter_in_c; ++ic) sum += double(in[ic]) * w[ic];
            }
          }
          if (bias) sum += bias[oc];
          out[oc] = clamp_act(static_cast<float>(sum), g.act_min, g.act_max);
        }
      }
    }
  }
}

// DEPTHWISE_CONV_2D. filter: [1, filter_h, filter_w, out_c], out_c = in_c * multiplier;
// output channel oc = ic * multiplier + m reads input channel ic. bias may be null.
inline void depthwise_conv2d_f32(const ConvGeometry& g, int multiplier, const float* input,
                                 const float* filter, const float* bias, float* output) {
  for (int b = 0; b < g.batch; ++b) {
    for (int oy = 0; oy < g.out_h; ++oy) {
      const int iy0 = oy * g.stride_h - g.pad_top;
      for (int ox = 0; ox < g.out_w; ++ox) {
        const int ix0 = ox * g.stride_w - g.pad_left;
        float* out = output + ((int64_t{b} * g.out_h + oy) * g.out_w + ox) * g.out_c;
        for (int ic = 0; ic < g.in_c; ++ic) {
          for (int m = 0; m < multiplier; ++m) {
            const int oc = ic * multiplier + m;
            double sum = 0.0;
            for (int ky = 0; ky < g.filter_h; ++ky) {
              const int iy = iy0 + ky * g.dilation_h;
              if (iy < 0 || iy >= g.in_h) continue;
              for (int kx = 0; kx < g.filter_w; ++kx) {
                const int ix = ix0 + kx * g.dilation_w;
                if (ix < 0 || ix >= g.in_w) continue;
                sum += double(input[((int64_t{b} * g.in_h + iy) * g.in_w + ix) * g.in_c + ic]) *
                       filter[(int64_t{ky} * g.filter_w + kx) * g.out_c + oc];
              }
            }
            if (bias) sum += bias[oc];
            out[oc] = clamp_act(static_cast<float>(sum), g.act_min, g.act_max);
          }
        }
      }
    }
  }
}

// TRANSPOSE_CONV (and MediaPipe's Convolution2DTransposeBias). filter: OHWI
// [out_c, filter_h, filter_w, in_c]; strides apply to the input (each input pixel
// scatters a filter_h x filter_w patch at (iy * stride - pad_top, ix * stride - pad_left)).
// Dilation is not used. bias may be null. bias_first: the output starts from the bias
// (MediaPipe's order) instead of having it added after the sums (TFLite's order).
inline void transpose_conv2d_f32(const ConvGeometry& g, const float* input, const float* filter,
                                 const float* bias, bool bias_first, float* output) {
  const int64_t out_pixels = int64_t{g.batch} * g.out_h * g.out_w;
  for (int64_t p = 0; p < out_pixels; ++p)
    for (int oc = 0; oc < g.out_c; ++oc)
      output[p * g.out_c + oc] = (bias_first && bias) ? bias[oc] : 0.0f;
  for (int b = 0; b < g.batch; ++b) {
    for (int iy = 0; iy < g.in_h; ++iy) {
      for (int ix = 0; ix < g.in_w; ++ix) {
        const float* in = input + ((int64_t{b} * g.in_h + iy) * g.in_w + ix) * g.in_c;
        for (int ky = 0; ky < g.filter_h; ++ky) {
          const int oy = iy * g.stride_h - g.pad_top + ky;
          if (oy < 0 || oy >= g.out_h) continue;
          for (int kx = 0; kx < g.filter_w; ++kx) {
            const int ox = ix * g.stride_w - g.pad_left + kx;
            if (ox < 0 || ox >= g.out_w) continue;
            float* out = output + ((int64_t{b} * g.out_h + oy) * g.out_w + ox) * g.out_c;
            for (int oc = 0; oc < g.out_c; ++oc) {
              const float* w = filter + ((int64_t{oc} * g.filter_h + ky) * g.filter_w + kx) * g.in_c;
              float sum = 0.0f;
              for (int ic = 0; ic < g.in_c; ++ic) sum += in[ic] * w[ic];
              out[oc] += sum;
            }
          }
        }
      }
    }
  }
  for (int64_t p = 0; p < out_pixels; ++p) {
    for (int oc = 0; oc < g.out_c; ++oc) {
      float v = output[p * g.out_c + oc];
      if (bias && !bias_first) v += bias[oc];
      output[p * g.out_c + oc] = clamp_act(v, g.act_min, g.act_max);
    }
  }
}

}  // namespace liteq::rt::ref
