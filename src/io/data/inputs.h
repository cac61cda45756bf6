// Model inputs from files: `--input [NAME=]FILE` where FILE is a .npy array or an image.
#pragma once
#include <string>
#include <vector>

#include "io/data/image.h"
#include "io/data/npy.h"
#include "liteq/interpreter.h"

namespace liteq::io {

struct InputSpec {
  std::vector<std::string> inputs;  // "FILE" (by position) or "NAME=FILE"
  ImageNorm norm;
  bool cast = false;  // convert .npy arrays to the input's dtype instead of failing
};

// One array per model input, in the order of `details`. Every input needs a file; names
// must match; an .npy must have the input's dtype (or cast) and shape (or a shape the
// input can be resized to, when its signature has -1 dims).
std::vector<Array> load_inputs(const InputSpec& spec, const std::vector<TensorDetails>& details);

// Parses "lo,hi".
std::pair<float, float> parse_range(const std::string& s);

}  // namespace liteq::io
