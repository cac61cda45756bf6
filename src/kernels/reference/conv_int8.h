// Reference integer convolution kernels, bit-exact with TFLite 2.9's builtin kernels:
//   conv2d_quant / depthwise_conv2d_quant / transpose_conv2d_quant: int8 (int8
//     activations, int32 accumulators and bias) and 16x8 (int16 activations with zero
//     point 0, int64 accumulators and int64 or int32 bias; or int32 accumulators where
//     TFLite uses its 32-bit path) with per-channel requantization (requant_int8.h).
//     Sums are formed in int64 and converted to Acc: an int32 accumulator wraps around
//     as TFLite's does, without signed overflow;
//   conv2d_hybrid / depthwise_conv2d_hybrid: float input quantized on the fly to int8
//     (the caller does it, per batch), int8 weights with per-channel scales, integer dot
//     products, then float: acc times the two scales, plus bias, clamped.
// Layouts and geometry as the float kernels (conv.h). Every shape and parameter has
// been checked by the op's prepare.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/reference/conv.h"
#include "kernels/reference/requant_int8.h"

namespace liteq::rt::ref {

// CONV_2D. input_offset = -input zero point. Bias may be null. Grouped as conv2d_f32.
template <typename Acc, typename In, typename Bias, typename Out>
inline void conv2d_quant(const ConvGeometry& g, int filter_in_c, int32_t input_offset, const In* input,
                         const int8_t* filter, const Bias* bias, const QuantOutput& q, Out* output) {
  const int groups = g.in_c / filter_in_c;
  const int per_group = g.out_c / groups;
  for (int b = 0; b < g.batch; ++b) {
    for (int oy = 0; oy < g.out_h; ++oy) {
      const int iy0 = oy * g.stride_h - g.pad_top;
      for (int ox = 0; ox < g.out_w; ++ox) {
        const int ix0 = ox * g.stride_w - g.pad_left;
        Out* out = output + ((int64_t{b} * g.out_h + oy) * g.out_w + ox) * g.out_c;
        for (int oc = 0; oc < g.out_c; ++oc) {
          const int group = oc / per_group;
          int64_t sum = 0;
          for (int ky = 0; ky < g.filter_h; ++ky) {
            const int iy = iy0 + ky * g.dilation_h;
            if (iy < 0 || iy >= g.in_h) continue;  // padding: the zero point, i.e. real 0
            for (int kx = 0; kx < g.filter_w; ++kx) {
              const int ix = ix0 + kx * g.dilation_w;
              if (ix < 0 || ix >= g.in_w) continue;
              const In* in =
                  input + ((int64_t{b} * g.in_h + iy) * g.in_w + ix) * g.in_c + int64_t{group} * filter_in_c;
              const int8_t* w = filter + ((int64_t{oc} * g.filter_h + ky) * g.filter_w + kx) * filter_in_c;
              for (int ic = 0; ic < filter_in_c; ++ic) sum += (int32_t{in[ic]} + input_offset) * int32_t{w[ic]};
            }
          }
          if (bias) sum += bias[oc];
          out[oc] = static_cast<Out>(requantize(static_cast<Acc>(sum), q, oc));
        }
      }
    }
  }
}

// DEPTHWISE_CONV_2D. filter [1, KH, KW, out_c]; oc = ic * multiplier + m.
template <typename Acc, typename In, typename Bias, typename Out>
inline void depthwise_conv2d_quant(const ConvGeometry& g, int multiplier, int32_t input_offset,
                                   const In* input, const int8_t* filter, const Bias* bias,
                                   const QuantOutput& q, Out* output) {
  for (int b = 0; b < g.batch; ++b) {
    for (int oy = 0; oy < g.out_h; ++oy) {
      const int iy0 = oy * g.stride_h - g.pad_top;
      for (int ox = 0; ox < g.out_w; ++ox) {
        const int ix0 = ox * g.stride_w - g.pad_left;
        Out* out = output + ((int64_t{b} * g.out_h + oy) * g.out_w + ox) * g.out_c;
        for (int ic = 0; ic < g.in_c; ++ic) {
          for (int m = 0; m < multiplier; ++m) {
            const int oc = ic * multiplier + m;
            int64_t sum = 0;
            for (int ky = 0; ky < g.filter_h; ++ky) {
              const int iy = iy0 + ky * g.dilation_h;
              if (iy < 0 || iy >= g.in_h) continue;
              for (int kx = 0; kx < g.filter_w; ++kx) {
                const int ix = ix0 + kx * g.dilation_w;
                if (ix < 0 || ix >= g.in_w) continue;
                const int32_t x = input[((int64_t{b} * g.in_h + iy) * g.in_w + ix) * g.in_c + ic];
                const int32_t w = filter[(int64_t{ky} * g.filter_w + kx) * g.out_c + oc];
                sum += (x + input_offset) * w;
              }
            }
            if (bias) sum += bias[oc];
            out[oc] = static_cast<Out>(requantize(static_cast<Acc>(sum), q, oc));
          }
        }
      }
    }
  }
}

// TRANSPOSE_CONV. filter OHWI [out_c, KH, KW, in_c]; each input pixel scatters its
// products into acc (out pixels x out_c accumulators, TFLite's scratch buffer); then
// bias, requantization and clamp per output element.
template <typename Acc, typename In, typename Bias, typename Out>
inline void transpose_conv2d_quant(const ConvGeometry& g, int32_t input_offset, const In* input,
                                   const int8_t* filter, const Bias* bias, const QuantOutput& q,
                                   Acc* acc, Out* output) {
  const int64_t out_pixels = int64_t{g.batch} * g.out_h * g.out_w;
  std::fill(acc, acc + out_pixels * g.out_c, Acc{0});
  for (int b = 0; b < g.batch; ++b) {
    for (int iy = 0; iy < g.in_h; ++iy) {
      for (int ix = 0; ix < g.in_w; ++ix) {
        const In* in = input + ((int64_t{b} * g.in_h + iy) * g.in_w + ix) * g.in_c;
        for (int ky = 0; ky < g.filter_h; ++ky) {
          const int oy = iy * g.stride_h - g.pad_top + ky;
          if (oy < 0 || oy >= g.out_h) continue;
          for (int kx = 0; kx < g.filter_w; ++kx) {
            const int ox = ix * g.stride_w - g.pad_left + kx;
            if (ox < 0 || ox >= g.out_w) continue;
            Acc* a = acc + ((int64_t{b} * g.out_h + oy) * g.out_w + ox) * g.out_c;
            for (int oc = 0; oc < g.out_c; ++oc) {
              const int8_t* w = filter + ((int64_t{oc} * g.filter_h + ky) * g.filter_w + kx) * g.in_c;
              int64_t sum = a[oc];
              for (int ic = 0; ic < g.in_c; ++ic) sum += (int32_t{in[ic]} + input_offset) * int32_t{w[ic]};
              a[oc] = static_cast<Acc>(sum);
            }
          }
        }
      }
    }
  }
  for (int64_t p = 0; p < out_pixels; ++p) {
    for (int oc = 0; oc < g.out_c; ++oc) {
      int64_t v = acc[p * g.out_c + oc];
      if (bias) v += bias[oc];
      output[p * g.out_c + oc] = static_cast<Out>(requantize(static_cast<Acc>(v), q, oc));
    }
  }
}

// ---- hybrid ---------------------------------------------------------------------------

// CONV_2D, hybrid (ungrouped). q_input: the input quantized per batch with offsets[b]
// (its zero point) and input_scales[b]; weight_scales per output channel. Padded taps
// contribute nothing (real 0). The output is float(acc) * float(input_scale *
// weight_scale) + bias, clamped: the float steps of TFLite 2.9's im2col + matrix path.
inline void conv2d_hybrid(const ConvGeometry& g, const int8_t* q_input, const int32_t* offsets,
                          const float* input_scales, const int8_t* filter, const float* weight_scales,
                          const float* bias, float* output) {
  for (int b = 0; b < g.batch; ++b) {
    const int32_t off = offsets[b];
    for (int oy = 0; oy < g.out_h; ++oy) {
      const int iy0 = oy * g.stride_h - g.pad_top;
      for (int ox = 0; ox < g.out_w; ++ox) {
        const int ix0 = ox * g.stride_w - g.pad_left;
        float* out = output + ((int64_t{b} * g.out_h + oy) * g.out_w + ox) * g.out_c;
        for (int oc = 0; oc < g.out_c; ++oc) {
          int64_t sum = 0;
          for (int ky = 0; ky < g.filter_h; ++ky) {
            const int iy = iy0 + ky * g.dilation_h;
            if (iy < 0 || iy >= g.in_h) continue;
            for (int kx = 0; kx < g.filter_w; ++kx) {
              const int ix = ix0 + kx * g.dilation_w;
              if (ix < 0 || ix >= g.in_w) continue;
              const int8_t* in = q_input + ((int64_t{b} * g.in_h + iy) * g.in_w + ix) * g.in_c;
              const int8_t* w = filter + ((int64_t{oc} * g.filter_h + ky) * g.filter_w + kx) * g.in_c;
              for (int ic = 0; ic < g.in_c; ++ic) sum += (int32_t{in[ic]} - off) * int32_t{w[ic]};
            }
          }
          const float scale = input_scales[b] * weight_scales[oc];
          float v = static_cast<float>(static_cast<int32_t>(sum)) * scale;
          if (bias) v += bias[oc];
          out[oc] = clamp_act(v, g.act_min, g.act_max);
        }
      }
    }
  }
}

// DEPTHWISE_CONV_2D, hybrid: padded taps are skipped; the output is
// (float(acc) * input_scale) * weight_scale + bias (TFLite 2.9's order of the float
// steps in its optimized hybrid depthwise kernel).
inline void depthwise_conv2d_hybrid(const ConvGeometry& g, int multiplier, const int8_t* q_input,
                                    const int32_t* offsets, const float* input_scales, const int8_t* filter,
                                    const float* weight_scales, const float* bias, float* output) {
  for (int b = 0; b < g.batch; ++b) {
    const int32_t off = offsets[b];
    for (int oy = 0; oy < g.out_h; ++oy) {
      const int iy0 = oy * g.stride_h - g.pad_top;
      for (int ox = 0; ox < g.out_w; ++ox) {
        const int ix0 = ox * g.stride_w - g.pad_left;
        float* out = output + ((int64_t{b} * g.out_h + oy) * g.out_w + ox) * g.out_c;
        for (int ic = 0; ic < g.in_c; ++ic) {
          for (int m = 0; m < multiplier; ++m) {
            const int oc = ic * multiplier + m;
            int64_t sum = 0;
            for (int ky = 0; ky < g.filter_h; ++ky) {
              const int iy = iy0 + ky * g.dilation_h;
              if (iy < 0 || iy >= g.in_h) continue;
              for (int kx = 0; kx < g.filter_w; ++kx) {
                const int ix = ix0 + kx * g.dilation_w;
                if (ix < 0 || ix >= g.in_w) continue;
                const int32_t x = q_input[((int64_t{b} * g.in_h + iy) * g.in_w + ix) * g.in_c + ic];
                sum += (x - off) * int32_t{filter[(int64_t{ky} * g.filter_w + kx) * g.out_c + oc]};
              }
            }
            float v = static_cast<float>(static_cast<int32_t>(sum)) * input_scales[b] * weight_scales[oc];
            if (bias) v += bias[oc];
            out[oc] = clamp_act(v, g.act_min, g.act_max);
          }
        }
      }
    }
  }
}

}  // namespace liteq::rt::ref
