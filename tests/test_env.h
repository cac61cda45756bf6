// Where tests find real assets and the official TFLite runtime; whether they may skip.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace liteq::test {

inline std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}
// scripts/fetch_assets.sh fills this folder: models/, images/{calib,eval,text}/.
inline std::filesystem::path assets_dir() { return env_or("LITEQ_ASSETS", LITEQ_SOURCE_DIR "/.cache/assets"); }
// scripts/setup_tflite_ref.sh installs official TFLite and our runner here.
inline std::filesystem::path tflite_runner() {
  return std::filesystem::path(env_or("LITEQ_TFLITE_REF", LITEQ_SOURCE_DIR "/.cache/tflite_ref")) / "bin/tflite_c_runner";
}
// CI sets LITEQ_REQUIRE_ASSETS=1: a missing asset is then a failure, not a skip.
inline bool assets_required() { return env_or("LITEQ_REQUIRE_ASSETS", "0") == "1"; }

}  // namespace liteq::test

// Skips the test (or fails it in CI) when `cond` is false.
#define LITEQ_REQUIRE_ASSET(cond, what)                                                   \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      if (::liteq::test::assets_required()) FAIL() << "missing: " << (what);              \
      GTEST_SKIP() << "missing " << (what) << " (run scripts/fetch_assets.sh and scripts/setup_tflite_ref.sh)"; \
    }                                                                                     \
  } while (0)
