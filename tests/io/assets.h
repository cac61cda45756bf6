// The real MediaPipe models the io tests run on: ${LITEQ_ASSETS:-<repo>/.cache/assets}/models.
// Missing assets skip the test, unless LITEQ_REQUIRE_ASSETS=1 makes that a failure.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace liteq::test {

inline const std::vector<std::string>& real_model_names() {
  static const std::vector<std::string> names = {
      "face_detection_short_range", "face_detection_full_range", "face_detection_full_range_sparse",
      "hand_landmark_lite",         "hand_landmark_full",        "pose_landmark_lite",
      "pose_landmark_full",         "pose_landmark_heavy",       "selfie_segmentation",
      "selfie_segmentation_landscape",
  };
  return names;
}

inline std::filesystem::path assets_dir() {
  if (const char* e = std::getenv("LITEQ_ASSETS"); e && *e) return e;
  // This header is <repo>/tests/io/assets.h.
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / ".cache" / "assets";
}

inline std::filesystem::path model_path(const std::string& name) {
  return assets_dir() / "models" / (name + ".tflite");
}

inline bool assets_required() {
  const char* e = std::getenv("LITEQ_REQUIRE_ASSETS");
  return e && std::string(e) == "1";
}

}  // namespace liteq::test

// Declares `std::string var` = the path of model `name`, or skips (fails with
// LITEQ_REQUIRE_ASSETS=1) the current test if the file is not there.
#define LITEQ_MODEL_OR_SKIP(var, name)                                                              \
  const std::string var = ::liteq::test::model_path(name).string();                                  \
  if (!std::filesystem::exists(var)) {                                                              \
    if (::liteq::test::assets_required()) FAIL() << "LITEQ_REQUIRE_ASSETS=1 but " << var << " is missing"; \
    GTEST_SKIP() << var << " is missing (run scripts/fetch_assets.sh, or set LITEQ_ASSETS)";         \
  }
