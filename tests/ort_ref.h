// Runs an ONNX model on the official ONNX Runtime (npm onnxruntime-node, installed by
// scripts/setup_ort_ref.sh; driven by tests/tools/ort_runner.cjs) and returns its outputs.
#pragma once
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "io/data/npy.h"
#include "test_env.h"

namespace liteq::test {

inline std::filesystem::path ort_ref_dir() { return env_or("LITEQ_ORT_REF", LITEQ_SOURCE_DIR "/.cache/ort_ref"); }
inline std::filesystem::path ort_runner() { return std::filesystem::path(LITEQ_SOURCE_DIR) / "tests/tools/ort_runner.cjs"; }
inline bool ort_available() {
  return std::filesystem::exists(ort_ref_dir() / "node_modules/onnxruntime-node/package.json") &&
         std::system("node --version > /dev/null 2>&1") == 0;
}
// scripts/fetch_assets.sh puts the OCR models here.
inline std::filesystem::path onnx_assets_dir() { return assets_dir() / "onnx"; }

// Runs `model` on `inputs` (.npy files, model input order). On failure records a gtest
// failure with the runner's log and returns an empty vector.
inline std::vector<io::Array> run_ort(const std::filesystem::path& model, const std::vector<std::filesystem::path>& inputs,
                                      const std::filesystem::path& out_dir, int threads = 1, const std::string& opt = "all") {
  namespace fs = std::filesystem;
  fs::create_directories(out_dir);
  for (int i = 0;; ++i) {
    const auto f = out_dir / fmt::format("output_{}.npy", i);
    if (!fs::exists(f)) break;
    fs::remove(f);
  }
  std::string cmd = fmt::format("LITEQ_ORT_REF='{}' node '{}' '{}' --threads {} --opt-level {}", ort_ref_dir().string(),
                                ort_runner().string(), model.string(), threads, opt);
  for (const auto& in : inputs) cmd += fmt::format(" --in '{}'", in.string());
  cmd += fmt::format(" --out-dir '{}' > '{}/log.txt' 2>&1", out_dir.string(), out_dir.string());
  if (std::system(cmd.c_str()) != 0) {
    std::ifstream log(out_dir / "log.txt");
    std::string text((std::istreambuf_iterator<char>(log)), {});
    ADD_FAILURE() << "ONNX Runtime failed on " << model << ":\n" << text;
    return {};
  }
  std::vector<io::Array> outs;
  for (int i = 0; fs::exists(out_dir / fmt::format("output_{}.npy", i)); ++i)
    outs.push_back(io::read_npy((out_dir / fmt::format("output_{}.npy", i)).string()));
  return outs;
}

// The same with inputs held in memory (written to a fresh temporary folder).
inline std::vector<io::Array> run_ort(const std::filesystem::path& model, const std::vector<io::Array>& inputs, int threads = 1,
                                      const std::string& opt = "all") {
  namespace fs = std::filesystem;
  static std::atomic<int> counter{0};
  const fs::path dir = fs::temp_directory_path() / fmt::format("liteq_ort_{}_{}", ::getpid(), counter++);
  fs::create_directories(dir);
  std::vector<fs::path> files;
  for (size_t i = 0; i < inputs.size(); ++i) {
    files.push_back(dir / fmt::format("input_{}.npy", i));
    io::write_npy(files.back().string(), inputs[i]);
  }
  auto outs = run_ort(model, files, dir / "out", threads, opt);
  fs::remove_all(dir);
  return outs;
}

}  // namespace liteq::test
