#include "io/data/image.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <stb_image.h>

#include "io/tflite/tflite_io.h"
#include "liteq/error.h"

namespace liteq::io {

bool looks_like_image(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp" || ext == ".gif" ||
         ext == ".tga" || ext == ".ppm" || ext == ".pgm" || ext == ".pnm" || ext == ".psd";
}

Image decode_image(const std::string& path, int channels) {
  const auto bytes = read_file(path);
  if (bytes.size() > static_cast<size_t>(INT32_MAX))
    throw Error(ErrorKind::kInvalidArgument, fmt::format("{}: image file too large", path));
  int w = 0, h = 0, c = 0;
  stbi_uc* px = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &c, channels);
  if (!px)
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: cannot decode image ({}); supported: JPEG, PNG, BMP, GIF, TGA, PNM, PSD",
                            path, stbi_failure_reason() ? stbi_failure_reason() : "unknown error"));
  Image img;
  img.width = w;
  img.height = h;
  img.channels = channels;
  img.pixels.assign(px, px + static_cast<size_t>(w) * h * channels);
  stbi_image_free(px);
  return img;
}

Image resize_image(const Image& img, int width, int height) {
  // Bilinear with half-pixel centers (tf.image.resize's default, no antialiasing). Our
  // own: stb_image_resize asserts on some large downscales.
  if (img.width == width && img.height == height) return img;
  if (width <= 0 || height <= 0 || img.width <= 0 || img.height <= 0)
    throw Error(ErrorKind::kInvalidArgument, "cannot resize an empty image");
  Image out;
  out.width = width;
  out.height = height;
  out.channels = img.channels;
  out.pixels.resize(static_cast<size_t>(width) * height * img.channels);
  const float sy = static_cast<float>(img.height) / height, sx = static_cast<float>(img.width) / width;
  const int c = img.channels;
  for (int y = 0; y < height; ++y) {
    const float fy = std::max(0.0f, (y + 0.5f) * sy - 0.5f);
    const int y0 = std::min(static_cast<int>(fy), img.height - 1), y1 = std::min(y0 + 1, img.height - 1);
    const float wy = fy - y0;
    for (int x = 0; x < width; ++x) {
      const float fx = std::max(0.0f, (x + 0.5f) * sx - 0.5f);
      const int x0 = std::min(static_cast<int>(fx), img.width - 1), x1 = std::min(x0 + 1, img.width - 1);
      const float wx = fx - x0;
      for (int ch = 0; ch < c; ++ch) {
        auto px = [&](int yy, int xx) { return static_cast<float>(img.pixels[(static_cast<size_t>(yy) * img.width + xx) * c + ch]); };
        const float v = (1 - wy) * ((1 - wx) * px(y0, x0) + wx * px(y0, x1)) + wy * ((1 - wx) * px(y1, x0) + wx * px(y1, x1));
        out.pixels[(static_cast<size_t>(y) * width + x) * c + ch] = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
    }
  }
  return out;
}

Array image_to_input(const std::string& path, const TensorDetails& in, const ImageNorm& norm) {
  const auto& s = in.shape;
  if (s.size() != 4 || s[0] != 1)
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("input '{}' has shape [{}]; an image can feed only a [1, H, W, C] or [1, C, H, W] input",
                            in.name, fmt::join(s, ", ")));
  const bool nchw = (s[1] == 1 || s[1] == 3) && !(s[3] == 1 || s[3] == 3 || s[3] == 4);
  const int c = nchw ? s[1] : s[3], h = nchw ? s[2] : s[1], w = nchw ? s[3] : s[2];
  if (c != 1 && c != 3 && c != 4)
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("input '{}' has {} channels; images need 1, 3 or 4", in.name, c));
  const Image img = resize_image(decode_image(path, c), w, h);
  auto per_channel = [&](const std::vector<float>& v, float dflt, int ch, const char* what) {
    if (v.empty()) return dflt;
    if (v.size() == 1) return v[0];
    if (static_cast<int>(v.size()) != c)
      throw Error(ErrorKind::kInvalidArgument, fmt::format("--{} has {} values, the input has {} channels", what, v.size(), c));
    return v[ch];
  };
  const bool raw_uint8 = in.dtype == DType::kUInt8 && norm.empty();
  Array a;
  a.shape = s;
  a.dtype = in.dtype;
  const size_t n = static_cast<size_t>(w) * h * c;
  std::vector<float> values(n);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int ch = 0; ch < c; ++ch) {
        const float px = img.pixels[(static_cast<size_t>(y) * w + x) * c + ch];
        float v;
        if (raw_uint8) {
          v = px;
        } else if (norm.range) {
          v = norm.range->first + px / 255.0f * (norm.range->second - norm.range->first);
        } else if (!norm.mean.empty() || !norm.std.empty()) {
          v = (px - per_channel(norm.mean, 0.0f, ch, "mean")) / per_channel(norm.std, 1.0f, ch, "std");
        } else {
          v = px / 255.0f;
        }
        const size_t idx = nchw ? (static_cast<size_t>(ch) * h + y) * w + x : (static_cast<size_t>(y) * w + x) * c + ch;
        values[idx] = v;
      }
  switch (in.dtype) {
    case DType::kFloat32:
      a.bytes.resize(n * 4);
      std::memcpy(a.bytes.data(), values.data(), n * 4);
      return a;
    case DType::kUInt8:
    case DType::kInt8:
    case DType::kInt16: {
      if (raw_uint8) {
        a.bytes.assign(img.pixels.begin(), img.pixels.end());
        if (nchw)
          for (size_t i = 0; i < n; ++i) a.bytes[i] = static_cast<uint8_t>(values[i]);
        return a;
      }
      if (in.scales.size() != 1)
        throw Error(ErrorKind::kInvalidArgument,
                    fmt::format("input '{}' is {} without a per-tensor scale; cannot quantize an image for it", in.name,
                                dtype_name(in.dtype)));
      const float scale = in.scales[0];
      const int64_t zp = in.zero_points.empty() ? 0 : in.zero_points[0];
      const double lo = in.dtype == DType::kUInt8 ? 0 : in.dtype == DType::kInt8 ? -128 : -32768;
      const double hi = in.dtype == DType::kUInt8 ? 255 : in.dtype == DType::kInt8 ? 127 : 32767;
      a.bytes.resize(n * dtype_size(in.dtype));
      for (size_t i = 0; i < n; ++i) {
        const double q = std::clamp(std::round(values[i] / scale) + static_cast<double>(zp), lo, hi);
        if (in.dtype == DType::kInt16) {
          const int16_t v = static_cast<int16_t>(q);
          std::memcpy(a.bytes.data() + 2 * i, &v, 2);
        } else if (in.dtype == DType::kInt8) {
          a.bytes[i] = static_cast<uint8_t>(static_cast<int8_t>(q));
        } else {
          a.bytes[i] = static_cast<uint8_t>(q);
        }
      }
      return a;
    }
    default:
      throw Error(ErrorKind::kInvalidArgument,
                  fmt::format("input '{}' is {}; images can feed float32, uint8, int8 or int16 inputs", in.name,
                              dtype_name(in.dtype)));
  }
}

}  // namespace liteq::io
