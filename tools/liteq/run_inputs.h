// The input options shared by run, bench and compare.
#pragma once
#include <CLI/CLI.hpp>

#include "io/data/inputs.h"

namespace liteq::cli {

using io::InputSpec;
using io::load_inputs;

inline void add_input_options(CLI::App* cmd, InputSpec& spec) {
  cmd->add_option("-i,--input", spec.inputs,
                  "[NAME=]FILE: a .npy array or an image (jpg/png/bmp) per model input, by name or in order")
      ->required();
  cmd->add_option("--mean", spec.norm.mean, "images: subtract per-channel mean (pixel scale 0..255)")->delimiter(',');
  cmd->add_option("--std", spec.norm.std, "images: divide by per-channel std (pixel scale 0..255)")->delimiter(',');
  cmd->add_option_function<std::string>(
         "--range", [&spec](const std::string& s) { spec.norm.range = io::parse_range(s); },
         "images: map pixels 0..255 linearly onto LO,HI (default for float inputs: 0,1)")
      ->excludes("--mean")
      ->excludes("--std");
  cmd->add_flag("--cast", spec.cast, ".npy: convert arrays to the input's dtype instead of failing");
}

}  // namespace liteq::cli
