#include "io/data/inputs.h"

#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "liteq/error.h"

namespace liteq::io {
namespace {
[[noreturn]] void bad(const std::string& msg) { throw Error(ErrorKind::kInvalidArgument, msg); }

std::string names(const std::vector<TensorDetails>& d) {
  std::vector<std::string> v;
  for (const auto& x : d) v.push_back("'" + x.name + "'");
  return fmt::format("{}", fmt::join(v, ", "));
}
}  // namespace

std::pair<float, float> parse_range(const std::string& s) {
  const auto comma = s.find(',');
  try {
    if (comma == std::string::npos) throw std::invalid_argument("");
    size_t p1 = 0, p2 = 0;
    const float lo = std::stof(s.substr(0, comma), &p1);
    const float hi = std::stof(s.substr(comma + 1), &p2);
    if (p1 != comma || p2 != s.size() - comma - 1 || !(lo < hi)) throw std::invalid_argument("");
    return {lo, hi};
  } catch (const std::exception&) {
    bad(fmt::format("--range '{}': expected LO,HI with LO < HI, e.g. --range -1,1", s));
  }
}

std::vector<Array> load_inputs(const InputSpec& spec, const std::vector<TensorDetails>& details) {
  std::vector<std::string> files(details.size());
  size_t positional = 0;
  for (const auto& arg : spec.inputs) {
    const auto eq = arg.find('=');
    std::string name, file = arg;
    if (eq != std::string::npos && !std::filesystem::exists(arg)) {
      name = arg.substr(0, eq);
      file = arg.substr(eq + 1);
    }
    size_t slot;
    if (name.empty()) {
      slot = positional++;
      if (slot >= details.size())
        bad(fmt::format("{} --input files given, but the model has {} input(s): {}", spec.inputs.size(), details.size(),
                        names(details)));
    } else {
      slot = details.size();
      for (size_t i = 0; i < details.size(); ++i)
        if (details[i].name == name) slot = i;
      if (slot == details.size()) bad(fmt::format("--input {}: the model has no input named '{}'; its inputs: {}", arg, name, names(details)));
    }
    if (!files[slot].empty()) bad(fmt::format("input '{}' is given twice", details[slot].name));
    files[slot] = file;
  }
  std::vector<Array> out;
  for (size_t i = 0; i < details.size(); ++i) {
    const auto& d = details[i];
    if (files[i].empty())
      bad(fmt::format("no --input for model input {} '{}' ({} [{}])", i, d.name, dtype_name(d.dtype), fmt::join(d.shape, ", ")));
    if (!std::filesystem::exists(files[i])) bad(fmt::format("{}: no such file", files[i]));
    Array a;
    if (looks_like_image(files[i])) {
      a = image_to_input(files[i], d, spec.norm);
    } else {
      a = read_npy(files[i]);
      if (a.dtype != d.dtype) {
        if (!spec.cast)
          bad(fmt::format("{}: array is {}, input '{}' expects {} (convert it, or pass --cast)", files[i],
                          dtype_name(a.dtype), d.name, dtype_name(d.dtype)));
        a = cast_array(a, d.dtype);
      }
      bool ok = a.shape.size() == d.shape.size();
      for (size_t k = 0; ok && k < a.shape.size(); ++k)
        ok = a.shape[k] == d.shape[k] || (k < d.shape_signature.size() && d.shape_signature[k] == -1 && a.shape[k] > 0);
      if (!ok)
        bad(fmt::format("{}: array has shape [{}], input '{}' expects [{}]", files[i], fmt::join(a.shape, ", "), d.name,
                        fmt::join(d.shape_signature.empty() ? d.shape : d.shape_signature, ", ")));
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace liteq::io
