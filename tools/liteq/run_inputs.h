// The input options shared by run, bench and compare.
#pragma once
#include <CLI/CLI.hpp>

#include "io/data/inputs.h"

namespace liteq::cli {

using io::InputSpec;
using io::load_inputs;

inline void add_input_options(CLI::App* cmd, InputSpec& spec, bool required = true) {
  auto* opt = cmd->add_option("-i,--input", spec.inputs,
                              required ? "[NAME=]FILE: a .npy array or an image (jpg/png/bmp) per model input, by name or in order"
                                       : "[NAME=]FILE: a .npy array or an image per model input (default: random data)");
  if (required) opt->required();
  cmd->add_option("--mean", spec.norm.mean, "images: subtract per-channel mean (pixel scale 0..255)")->delimiter(',');
  cmd->add_option("--std", spec.norm.std, "images: divide by per-channel std (pixel scale 0..255)")->delimiter(',');
  cmd->add_option_function<std::string>(
         "--range", [&spec](const std::string& s) { spec.norm.range = io::parse_range(s); },
         "images: map pixels 0..255 linearly onto LO,HI (default for float inputs: 0,1)")
      ->excludes("--mean")
      ->excludes("--std");
  cmd->add_flag("--cast", spec.cast, ".npy: convert arrays to the input's dtype instead of failing");
}

// --kernels: which kernels the interpreter runs (InterpreterOptions::kernels).
inline void add_kernels_option(CLI::App* cmd, std::string& kernels) {
  cmd->add_option("--kernels", kernels,
                  "auto (fastest this CPU offers), reference (scalar reference kernels), avx2, avx2vnni (AVX2 + AVX-VNNI), "
                  "avx512, avx512vnni")
      ->check(CLI::IsMember({"auto", "reference", "avx2", "avx2vnni", "avx512", "avx512vnni"}));
}

}  // namespace liteq::cli
