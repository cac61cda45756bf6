// Loading a model from either format: .tflite as is, .onnx through the ONNX importer
// (with --input-shape NAME=D0,D1,... and --keep-nchw).
#pragma once
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "liteq/error.h"
#include "liteq/model.h"
#include "liteq/onnx.h"

namespace liteq::cli {

struct OnnxCliOptions {
  std::vector<std::string> input_shapes;
  bool keep_nchw = false;
};

inline void add_onnx_options(CLI::App* cmd, OnnxCliOptions& o) {
  cmd->add_option("--input-shape", o.input_shapes,
                  "ONNX models: NAME=D0,D1,... fixes an input's dynamic dims, in ONNX order (NCHW); repeat per input");
  cmd->add_flag("--keep-nchw", o.keep_nchw, "ONNX models: keep 4-D inputs NCHW (default: NHWC, as TFLite models have)");
}

inline OnnxOptions to_onnx_options(const OnnxCliOptions& o) {
  OnnxOptions r;
  r.keep_nchw_inputs = o.keep_nchw;
  for (const auto& s : o.input_shapes) {
    const auto eq = s.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size())
      fail(ErrorKind::kInvalidArgument, "--input-shape '{}': expected NAME=D0,D1,... (e.g. x=1,3,640,640)", s);
    std::vector<int64_t> dims;
    size_t pos = eq + 1;
    while (pos <= s.size()) {
      const auto comma = s.find(',', pos);
      const std::string tok = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      char* end = nullptr;
      const long long v = std::strtoll(tok.c_str(), &end, 10);
      if (tok.empty() || *end != '\0' || v <= 0)
        fail(ErrorKind::kInvalidArgument, "--input-shape '{}': '{}' is not a positive integer", s, tok);
      dims.push_back(v);
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
    r.input_shapes[s.substr(0, eq)] = dims;
  }
  return r;
}

inline Model load_model(const std::string& path, const OnnxCliOptions& o) {
  if (is_onnx_file(path)) return import_onnx(path, to_onnx_options(o));
  if (!o.input_shapes.empty() || o.keep_nchw)
    fail(ErrorKind::kInvalidArgument, "{}: --input-shape and --keep-nchw apply to ONNX models only", path);
  return Model::load(path);
}

}  // namespace liteq::cli
