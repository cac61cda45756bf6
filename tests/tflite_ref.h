// Runs a model on the official TFLite runtime (2.9, the npm package's
// libtensorflowlite_c.so, through tests/tools/tflite_c_runner) and returns its outputs.
#pragma once
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "io/data/npy.h"
#include "io/tflite/tflite_io.h"
#include "test_env.h"

namespace liteq::test {

inline bool official_tflite_available() { return std::filesystem::exists(tflite_runner()); }

// Runs `model` (a file) on `inputs` (.npy files). On failure records a gtest failure with
// the runner's log and returns an empty vector.
inline std::vector<io::Array> run_official(const std::filesystem::path& model,
                                           const std::vector<std::filesystem::path>& inputs,
                                           const std::filesystem::path& out_dir, bool xnnpack = false) {
  namespace fs = std::filesystem;
  fs::create_directories(out_dir);
  for (int i = 0;; ++i) {  // stale outputs of an earlier run must not be read back
    const auto f = out_dir / fmt::format("output_{}.npy", i);
    if (!fs::exists(f)) break;
    fs::remove(f);
  }
  std::string cmd = fmt::format("'{}' '{}'{}", tflite_runner().string(), model.string(), xnnpack ? " --xnnpack" : "");
  for (const auto& in : inputs) cmd += fmt::format(" --in '{}'", in.string());
  cmd += fmt::format(" --out-dir '{}' > '{}/log.txt' 2>&1", out_dir.string(), out_dir.string());
  if (std::system(cmd.c_str()) != 0) {
    std::ifstream log(out_dir / "log.txt");
    std::string text((std::istreambuf_iterator<char>(log)), {});
    ADD_FAILURE() << "official TFLite failed on " << model << ":\n" << text;
    return {};
  }
  std::vector<io::Array> outs;
  for (int i = 0; fs::exists(out_dir / fmt::format("output_{}.npy", i)); ++i)
    outs.push_back(io::read_npy((out_dir / fmt::format("output_{}.npy", i)).string()));
  return outs;
}

// The same for a model and inputs held in memory; files go to a fresh temporary folder.
inline std::vector<io::Array> run_official(std::span<const uint8_t> model_bytes, const std::vector<io::Array>& inputs,
                                           bool xnnpack = false) {
  namespace fs = std::filesystem;
  static std::atomic<int> counter{0};
  const fs::path dir = fs::temp_directory_path() / fmt::format("liteq_ref_{}_{}", ::getpid(), counter++);
  fs::create_directories(dir);
  io::write_file_atomic((dir / "model.tflite").string(), model_bytes);
  std::vector<fs::path> files;
  for (size_t i = 0; i < inputs.size(); ++i) {
    files.push_back(dir / fmt::format("input_{}.npy", i));
    io::write_npy(files.back().string(), inputs[i]);
  }
  auto outs = run_official(dir / "model.tflite", files, dir / "out", xnnpack);
  fs::remove_all(dir);
  return outs;
}

}  // namespace liteq::test
