// Photographs as model inputs: decode (JPEG, PNG, BMP, ...), resize to the input's
// height and width, normalize, and convert to the input's dtype.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "io/data/npy.h"
#include "liteq/interpreter.h"

namespace liteq::io {

struct ImageNorm {
  // value = (pixel - mean[c]) / std[c], pixel in 0..255; one value or one per channel.
  std::vector<float> mean, std;
  // Or: pixel 0..255 mapped linearly onto [lo, hi].
  std::optional<std::pair<float, float>> range;
  bool empty() const { return mean.empty() && std.empty() && !range; }
};

struct Image {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;  // HWC, 8-bit
};

Image decode_image(const std::string& path, int channels);
// Bilinear (triangle-filter) resize.
Image resize_image(const Image& img, int width, int height);

// Builds the tensor for `input` (rank 4, NHWC or NCHW, 1, 3 or 4 channels) from a
// photograph. Float inputs get `norm` (default: range [0, 1]); quantized int8/uint8/int16
// inputs get `norm` and then the input's scale and zero point; uint8 inputs with no
// `norm` get the raw pixels.
Array image_to_input(const std::string& path, const TensorDetails& input, const ImageNorm& norm);

bool looks_like_image(const std::string& path);

}  // namespace liteq::io
