// The ten MediaPipe models, on real photographs: our interpreter against the official
// TFLite runtime (2.9, from npm), and read -> write round trips of every model.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "io/data/image.h"
#include "io/data/npy.h"
#include "io/tflite/tflite_io.h"
#include "ir/model.h"
#include "liteq/interpreter.h"
#include "liteq/model.h"
#include "model_run.h"
#include "test_env.h"
#include "tflite_ref.h"

namespace liteq::test {
namespace {

namespace fs = std::filesystem;

struct Case {
  const char* model;
  io::ImageNorm norm;
  bool official_runs;  // false: uses a MediaPipe custom op stock TFLite lacks
};

// gtest prints the case by model name.
void PrintTo(const Case& c, std::ostream* os) { *os << c.model; }

io::ImageNorm range(float lo, float hi) {
  io::ImageNorm n;
  n.range = std::make_pair(lo, hi);
  return n;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      {"face_detection_short_range", range(-1, 1), true},
      {"face_detection_full_range", range(-1, 1), true},
      {"face_detection_full_range_sparse", range(-1, 1), true},
      {"hand_landmark_lite", range(0, 1), true},
      {"hand_landmark_full", range(0, 1), true},
      {"pose_landmark_lite", range(0, 1), true},
      {"pose_landmark_full", range(0, 1), true},
      {"pose_landmark_heavy", range(0, 1), true},
      {"selfie_segmentation", range(0, 1), false},
      {"selfie_segmentation_landscape", range(0, 1), false},
  };
  return c;
}

const char* kPhotos[] = {"images/calib/messi5.jpg", "images/eval/astronaut.png"};

class TfliteModels : public ::testing::TestWithParam<Case> {};

TEST_P(TfliteModels, MatchesOfficialTfliteOnPhotos) {
  const Case& c = GetParam();
  const fs::path model_path = assets_dir() / "models" / (std::string(c.model) + ".tflite");
  LITEQ_REQUIRE_ASSET(fs::exists(model_path), model_path.string());
  LITEQ_REQUIRE_ASSET(!c.official_runs || fs::exists(tflite_runner()), tflite_runner().string());
  const Model model = Model::load(model_path.string());
  const fs::path tmp = fs::temp_directory_path() / fmt::format("liteq_conf_{}_{}", c.model, ::getpid());
  fs::create_directories(tmp);
  Interpreter probe(model);
  const auto details = probe.input_details();
  ASSERT_EQ(details.size(), 1u);
  for (const char* photo : kPhotos) {
    const fs::path photo_path = assets_dir() / photo;
    LITEQ_REQUIRE_ASSET(fs::exists(photo_path), photo_path.string());
    const io::Array input = io::image_to_input(photo_path.string(), details[0], c.norm);
    const fs::path input_npy = tmp / "input.npy";
    io::write_npy(input_npy.string(), input);
    const RunResult ours = run_ours(model, {input});
    ASSERT_FALSE(ours.outputs.empty());
    for (const auto& o : ours.outputs) {
      const auto* f = reinterpret_cast<const float*>(o.bytes.data());
      for (size_t i = 0; i < o.bytes.size() / 4; ++i) ASSERT_TRUE(std::isfinite(f[i])) << c.model << " output not finite";
    }
    if (!c.official_runs) {
      // Stock TFLite lacks Convolution2DTransposeBias (its kernel is checked against a
      // float64 computation in tests/kernels). The mask must be a plausible person mask.
      const auto& mask = ours.outputs[0];
      const auto* p = reinterpret_cast<const float*>(mask.bytes.data());
      const size_t n = mask.bytes.size() / 4;
      size_t fg = 0;
      for (size_t i = 0; i < n; ++i) {
        ASSERT_GE(p[i], 0.0f);
        ASSERT_LE(p[i], 1.0f);
        fg += p[i] > 0.5f;
      }
      const double frac = double(fg) / n;
      fmt::print("[conformance] {:<34} {:<28} person pixels {:5.1f}%  invoke {:7.1f} ms\n", c.model,
                 fs::path(photo).filename().string(), 100 * frac, ours.invoke_ms);
      EXPECT_GT(frac, 0.03) << "no person found on " << photo;
      EXPECT_LT(frac, 0.90) << "everything is 'person' on " << photo;
      continue;
    }
    const auto ref = run_official(model_path, {input_npy}, tmp / "ref");
    ASSERT_EQ(ref.size(), ours.outputs.size());
    std::vector<io::Array> xnn;  // TFLite's own second kernel path, run only if needed
    for (size_t i = 0; i < ref.size(); ++i) {
      ASSERT_EQ(ours.outputs[i].shape, ref[i].shape) << "output " << i;
      ASSERT_EQ(ours.outputs[i].dtype, ref[i].dtype) << "output " << i;
      const double err = relative_error(ours.outputs[i], ref[i]);
      std::string note;
      if (err > 1e-4) {
        // Some outputs (pose_landmark's segmentation logits) are so ill-conditioned that
        // float32 rounding alone moves them by more than 1e-4: there the bound is how far
        // official TFLite's XNNPACK path is from its builtin kernels on the same input.
        if (xnn.empty()) xnn = run_official(model_path, {input_npy}, tmp / "xnn", true);
        ASSERT_EQ(xnn.size(), ref.size());
        const double spread = relative_error(xnn[i], ref[i]);
        note = fmt::format("  (TFLite XNNPACK vs builtin: {:.2e})", spread);
        EXPECT_LE(err, spread) << c.model << " output " << i << " on " << photo
                               << ": further from TFLite than TFLite's own XNNPACK path";
      }
      fmt::print("[conformance] {:<34} {:<16} output {} rel.err {:.2e}  invoke {:7.1f} ms{}\n", c.model,
                 fs::path(photo).filename().string(), i, err, ours.invoke_ms, note);
    }
  }
  fs::remove_all(tmp);
}

TEST_P(TfliteModels, RoundTripIsLosslessAndOfficialTfliteAgrees) {
  const Case& c = GetParam();
  const fs::path model_path = assets_dir() / "models" / (std::string(c.model) + ".tflite");
  LITEQ_REQUIRE_ASSET(fs::exists(model_path), model_path.string());
  const Model a = Model::load(model_path.string());
  const auto bytes_a = a.serialize();
  const Model b = Model::from_bytes(bytes_a, "rewritten");
  const auto bytes_b = b.serialize();
  ASSERT_EQ(bytes_a, bytes_b) << "read -> write -> read -> write is not stable";
  // The IR read back equals the original's, field by field (flatc's generated ==).
  EXPECT_TRUE(*a.ir().fb == *b.ir().fb);
  if (!c.official_runs) return;
  LITEQ_REQUIRE_ASSET(fs::exists(tflite_runner()), tflite_runner().string());
  const fs::path tmp = fs::temp_directory_path() / fmt::format("liteq_rt_{}_{}", c.model, ::getpid());
  fs::create_directories(tmp);
  const fs::path rewritten = tmp / "rewritten.tflite";
  b.save(rewritten.string());
  Interpreter probe(a);
  const auto d = probe.input_details()[0];
  const io::Array input = io::image_to_input((assets_dir() / kPhotos[1]).string(), d, c.norm);
  io::write_npy((tmp / "input.npy").string(), input);
  const auto ref_a = run_official(model_path, {tmp / "input.npy"}, tmp / "a");
  const auto ref_b = run_official(rewritten, {tmp / "input.npy"}, tmp / "b");
  ASSERT_EQ(ref_a.size(), ref_b.size());
  ASSERT_FALSE(ref_a.empty());
  for (size_t i = 0; i < ref_a.size(); ++i) EXPECT_EQ(ref_a[i].bytes, ref_b[i].bytes) << "output " << i << " differs";
  fs::remove_all(tmp);
}

INSTANTIATE_TEST_SUITE_P(MediaPipe, TfliteModels, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return std::string(info.param.model); });

}  // namespace
}  // namespace liteq::test
