#include "io/data/dataset.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <random>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "io/data/npy.h"
#include "liteq/error.h"

namespace liteq::io {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void bad(const std::string& msg) { throw Error(ErrorKind::kInvalidArgument, msg); }

bool is_npy(const fs::path& p) { return p.extension() == ".npy"; }

bool shape_matches(const std::vector<int32_t>& got, const TensorDetails& d) {
  if (got.size() != d.shape.size()) return false;
  for (size_t k = 0; k < got.size(); ++k)
    if (got[k] != d.shape[k] && !(k < d.shape_signature.size() && d.shape_signature[k] == -1)) return false;
  return true;
}

}  // namespace

Dataset::Dataset(const DatasetSpec& spec, const std::vector<TensorDetails>& inputs) : spec_(spec), inputs_(inputs) {
  if (spec.calib.empty()) bad("no calibration data: give --calib DIR|FILE.npy (or --calib random for a smoke test)");
  if (spec.num_samples < 1) bad("--num-samples must be at least 1");
  per_input_.resize(inputs.size());
  std::vector<std::string> assigned(inputs.size());
  size_t positional = 0;
  for (const auto& arg : spec.calib) {
    if (arg == "random") {
      random_ = true;
      continue;
    }
    std::string name, path = arg;
    const auto eq = arg.find('=');
    if (eq != std::string::npos && !fs::exists(arg)) {
      name = arg.substr(0, eq);
      path = arg.substr(eq + 1);
    }
    size_t slot = inputs.size();
    if (name.empty()) {
      slot = positional++;
    } else {
      for (size_t i = 0; i < inputs.size(); ++i)
        if (inputs[i].name == name) slot = i;
      if (slot == inputs.size()) bad(fmt::format("--calib {}: the model has no input named '{}'", arg, name));
    }
    if (slot >= inputs.size()) bad(fmt::format("more --calib sources than model inputs ({})", inputs.size()));
    assigned[slot] = path;
  }
  if (random_) {
    count_ = spec.num_samples;
    return;
  }
  count_ = SIZE_MAX;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto& d = inputs[i];
    const std::string& path = assigned[i];
    if (path.empty()) bad(fmt::format("no --calib data for model input '{}' (use --calib {}=PATH)", d.name, d.name));
    if (!fs::exists(path)) bad(fmt::format("--calib {}: no such file or folder", path));
    auto& pi = per_input_[i];
    if (fs::is_directory(path)) {
      for (const auto& e : fs::directory_iterator(path)) {
        if (!e.is_regular_file()) continue;
        const std::string f = e.path().string();
        if (looks_like_image(f) || is_npy(e.path())) pi.files.push_back(f);
      }
      std::sort(pi.files.begin(), pi.files.end());
      if (pi.files.empty())
        bad(fmt::format("--calib {}: the folder has no images (jpg, png, bmp, ...) or .npy files", path));
      count_ = std::min(count_, pi.files.size());
    } else if (is_npy(path)) {
      Array a = read_npy(path);
      if (a.dtype != d.dtype)
        bad(fmt::format("{}: array is {}, input '{}' is {}", path, dtype_name(a.dtype), d.name, dtype_name(d.dtype)));
      // [N, *shape] or, for inputs with a batch dim of 1, [N, *shape[1:]].
      std::vector<int32_t> per(a.shape.begin() + (a.shape.empty() ? 0 : 1), a.shape.end());
      std::vector<int32_t> tail(d.shape.begin() + (d.shape.empty() ? 0 : 1), d.shape.end());
      if (!a.shape.empty() && shape_matches(per, d)) {
      } else if (!a.shape.empty() && !d.shape.empty() && d.shape[0] == 1 && per == tail) {
        per.insert(per.begin(), 1);
      } else {
        bad(fmt::format("{}: shape [{}] does not hold samples of input '{}' [{}]; expected [N, {}]", path,
                        fmt::join(a.shape, ", "), d.name, fmt::join(d.shape, ", "), fmt::join(d.shape, ", ")));
      }
      pi.use_stacked = true;
      pi.stacked = std::move(a);
      pi.stacked.shape.assign(per.begin(), per.end());
      pi.stacked.shape.insert(pi.stacked.shape.begin(), 0);  // [N, ...] with N filled below
      const size_t n = static_cast<size_t>(pi.stacked.bytes.size() / std::max<int64_t>(1, [&] {
        int64_t e = 1;
        for (size_t k = 1; k < pi.stacked.shape.size(); ++k) e *= pi.stacked.shape[k];
        return e * static_cast<int64_t>(dtype_size(d.dtype));
      }()));
      pi.stacked.shape[0] = static_cast<int32_t>(n);
      if (n == 0) bad(fmt::format("{}: holds no samples", path));
      count_ = std::min(count_, n);
    } else if (looks_like_image(path)) {
      pi.files.push_back(path);
      count_ = std::min<size_t>(count_, 1);
    } else {
      bad(fmt::format("--calib {}: expected a folder, a .npy file or an image", path));
    }
  }
  count_ = std::min<size_t>(count_, spec.num_samples);
}

Array Dataset::load(size_t input, size_t i) const {
  const auto& d = inputs_[input];
  if (random_) {
    std::mt19937 rng(spec_.seed * 7919u + static_cast<uint32_t>(i * 31 + input));
    const float lo = spec_.norm.range ? spec_.norm.range->first : 0.0f;
    const float hi = spec_.norm.range ? spec_.norm.range->second : 1.0f;
    std::uniform_real_distribution<float> u(lo, hi);
    Array a;
    a.shape = d.shape;
    a.dtype = DType::kFloat32;
    a.bytes.resize(static_cast<size_t>(a.num_elements()) * 4);
    auto* f = reinterpret_cast<float*>(a.bytes.data());
    for (int64_t k = 0; k < a.num_elements(); ++k) f[k] = u(rng);
    if (d.dtype != DType::kFloat32) bad(fmt::format("--calib random: input '{}' is not float32", d.name));
    return a;
  }
  const auto& pi = per_input_[input];
  if (pi.use_stacked) {
    Array a;
    a.dtype = pi.stacked.dtype;
    a.shape.assign(pi.stacked.shape.begin() + 1, pi.stacked.shape.end());
    const size_t bytes = static_cast<size_t>(a.num_elements()) * dtype_size(a.dtype);
    a.bytes.assign(pi.stacked.bytes.begin() + i * bytes, pi.stacked.bytes.begin() + (i + 1) * bytes);
    return a;
  }
  const std::string& f = pi.files[i];
  if (looks_like_image(f)) return image_to_input(f, d, spec_.norm);
  Array a = read_npy(f);
  if (a.dtype != d.dtype)
    bad(fmt::format("{}: array is {}, input '{}' is {}", f, dtype_name(a.dtype), d.name, dtype_name(d.dtype)));
  if (!shape_matches(a.shape, d))
    bad(fmt::format("{}: shape [{}], input '{}' expects [{}]", f, fmt::join(a.shape, ", "), d.name, fmt::join(d.shape, ", ")));
  return a;
}

Sample Dataset::sample(size_t i) const {
  Sample s;
  for (size_t k = 0; k < inputs_.size(); ++k) s.push_back(load(k, i));
  return s;
}

std::function<std::optional<Sample>()> Dataset::source() {
  auto next = std::make_shared<size_t>(0);
  return [this, next]() -> std::optional<Sample> {
    if (*next >= count_) return std::nullopt;
    return sample((*next)++);
  };
}

}  // namespace liteq::io
