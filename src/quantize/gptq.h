// Data-aware rounding of int8 weights (GPTQ, Frantar et al. 2022, on our own code): the
// per-channel scales stay TFLite's (max|w| / 127, symmetric, zero point 0); only the
// choice between rounding each weight up or down changes, so that the output error
// E[((w_q - w) . x)^2] over the calibration inputs x is minimized instead of each
// weight's own rounding error. Inputs' second moments H = E[x x^T] come from the
// calibration run (patches of the op's float input).
#pragma once
#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

#include "quantize/quant_math.h"

namespace liteq::quant {

// What second moment to collect for one weighted op's input tensor.
struct PatchSpec {
  int tensor = -1;
  int kh = 1, kw = 1;
  bool per_channel = false;  // depthwise: one (kh*kw)^2 matrix per input channel
  auto key() const { return std::make_tuple(tensor, kh, kw, per_channel); }
};

// Accumulated second moments: full: d x d with d = kh*kw*C (patch order kh, kw, c);
// per channel: C matrices of (kh*kw)^2. Row-major, both triangles filled by finish().
struct SecondMoment {
  PatchSpec spec;
  int channels = 0, d = 0;
  double count = 0;
  std::vector<double> h;
  // Adds the patches of one sample (values laid out [rows, H, W, C]; rank < 4: [rows, C]).
  void add(const float* x, const std::vector<int32_t>& dims, int max_positions = 256);
  void finish();
};
using SecondMoments = std::map<std::tuple<int, int, int, bool>, SecondMoment>;

// Largest full patch dimension collected (bigger layers keep nearest rounding).
constexpr int kMaxGptqDim = 1536;

// Re-rounds `q` (quantized with the scales in q.quant) against the float weights `w`.
// CONV_2D / FULLY_CONNECTED / TRANSPOSE_CONV-like layout [O, ..., d] with a full moment of
// dimension d; DEPTHWISE_CONV_2D [1, KH, KW, C*M] with a per-channel moment.
// Returns false (q unchanged) when the shapes do not match.
bool gptq_round(const float* w, const std::vector<int32_t>& shape, bool depthwise, const SecondMoment& m,
                QuantizedWeights& q);

// Solver on one row-major block: rows x d weights sharing H (d x d), scale per row.
void gptq_rows(std::vector<double>& w, int rows, int d, const std::vector<double>& h, const std::vector<float>& scales,
               std::vector<int8_t>& out);

}  // namespace liteq::quant
