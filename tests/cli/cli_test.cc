// The liteq command line as a user meets it: exit codes, error messages, and that a
// failing command leaves its input untouched and writes no (partial) output file.
// Runs the built binary (LITEQ_CLI) on the real models in .cache/assets.
#include <algorithm>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "io/data/npy.h"
#include "test_env.h"

namespace liteq::test {
namespace {

namespace fs = std::filesystem;

struct Result {
  int code = -1;
  std::string out;  // stdout and stderr
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

Result liteq(const std::vector<std::string>& args) {
  std::string cmd = quote(LITEQ_CLI);
  for (const auto& a : args) cmd += " " + quote(a);
  cmd += " 2>&1";
  Result r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = assets_dir() / "models/face_detection_short_range.tflite";
    LITEQ_REQUIRE_ASSET(fs::exists(model_), model_.string());
    dir_ = fs::temp_directory_path() / ("liteq_cli_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `liteq quantize MODEL -o OUT extra...` expecting failure with exit code 2 and
  // `message` in the output; checks that no file (not even a temporary) was left.
  void expect_quantize_fails(const std::vector<std::string>& extra, const std::string& message) {
    const fs::path out = dir_ / "out.tflite";
    std::vector<std::string> args{"quantize", model_.string(), "-o", out.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    const std::string before = read_all(model_);
    const Result r = liteq(args);
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find(message), std::string::npos) << "expected '" << message << "' in:\n" << r.out;
    EXPECT_NE(r.out.find("liteq: error:"), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(out)) << "a failed quantize wrote " << out;
    for (const auto& e : fs::directory_iterator(dir_))
      EXPECT_FALSE(e.path().filename().string().rfind("out.tflite", 0) == 0) << "left behind: " << e.path();
    EXPECT_EQ(read_all(model_), before) << "the input model changed";
  }

  fs::path model_, dir_;
};

// --calibration / --percentile / --weight-calibration / --bias-correction / --equalize /
// --headroom: bad values are
// rejected before anything is written; good ones are used (they change the model).
TEST_F(Cli, QuantizeCalibrationOptions) {
  const fs::path calib = assets_dir() / "images/calib";
  LITEQ_REQUIRE_ASSET(fs::exists(calib), calib.string());
  auto quantize = [&](const fs::path& out, std::vector<std::string> extra) {
    std::vector<std::string> args{"quantize", model_.string(), "-o", out.string(), "--mode", "int8", "--calib",
                                  calib.string(), "--num-samples", "3", "--range", "-1,1", "-q"};
    args.insert(args.end(), extra.begin(), extra.end());
    return liteq(args);
  };
  const fs::path bad = dir_ / "bad.tflite";
  for (const auto& extra : std::vector<std::vector<std::string>>{{"--calibration", "kl"},
                                                                  {"--calibration", "percentile", "--percentile", "20"},
                                                                  {"--percentile", "100.5"},
                                                                  {"--weight-calibration", "percentile"},
                                                                  {"--bias-correction", "maybe"},
                                                                  {"--equalize", "sideways"},
                                                                  {"--headroom", "0.5"}}) {
    const Result r = quantize(bad, extra);
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find(extra[extra.size() - 2]), std::string::npos) << "the message should name the option:\n" << r.out;
    EXPECT_FALSE(fs::exists(bad));
  }
  // TFLite's recipe: exact min/max, no bias correction, no equalization, no headroom;
  // `with` replaces some of its options (CLI11 refuses an option given twice).
  auto with = [](const std::vector<std::string>& changes) {
    std::vector<std::string> a = {"--calibration", "minmax", "--bias-correction", "off", "--equalize", "off"};
    for (size_t i = 0; i + 1 < changes.size(); i += 2) {
      auto it = std::find(a.begin(), a.end(), changes[i]);
      if (it != a.end()) *(it + 1) = changes[i + 1];
      else a.insert(a.end(), {changes[i], changes[i + 1]});
    }
    return a;
  };
  const fs::path def = dir_ / "default.tflite", explicit_def = dir_ / "explicit.tflite", mm = dir_ / "minmax.tflite",
                 p90 = dir_ / "p90.tflite", mse = dir_ / "mse.tflite", obs = dir_ / "observer.tflite",
                 bc = dir_ / "bc.tflite", eq = dir_ / "eq.tflite", hr = dir_ / "hr.tflite";
  ASSERT_EQ(quantize(def, {}).code, 0);
  ASSERT_EQ(quantize(explicit_def, {"--calibration", "mse", "--bias-correction", "on", "--equalize", "all", "--headroom", "1"})
                .code,
            0);
  ASSERT_EQ(quantize(mm, with({})).code, 0);
  ASSERT_EQ(quantize(p90, with({"--calibration", "percentile", "--percentile", "90"})).code, 0);
  ASSERT_EQ(quantize(mse, with({"--calibration", "mse"})).code, 0);
  ASSERT_EQ(quantize(obs, {"--observer", "minmax", "--bias-correction", "off", "--equalize", "off"}).code, 0);  // old spelling
  ASSERT_EQ(quantize(bc, with({"--bias-correction", "on", "--weight-calibration", "mse"})).code, 0);
  ASSERT_EQ(quantize(eq, with({"--equalize", "all"})).code, 0);
  ASSERT_EQ(quantize(hr, with({"--headroom", "2"})).code, 0);
  // int8's defaults are mse ranges, bias correction, equalization of every chain, no headroom.
  EXPECT_EQ(read_all(def), read_all(explicit_def));
  EXPECT_NE(read_all(def), read_all(mm));
  EXPECT_EQ(read_all(obs), read_all(mm));
  EXPECT_NE(read_all(p90), read_all(mm)) << "--percentile 90 must clip some activation range";
  EXPECT_NE(read_all(mse), read_all(mm));
  EXPECT_NE(read_all(bc), read_all(mm));
  EXPECT_NE(read_all(eq), read_all(mm)) << "face_detection_short_range has depthwise -> conv chains to equalize";
  EXPECT_NE(read_all(hr), read_all(mm));
}

TEST_F(Cli, QuantizeInt8WithoutCalibrationDataIsAnError) {
  expect_quantize_fails({"--mode", "int8"}, "needs representative data: --calib");
}

TEST_F(Cli, QuantizeWithAnEmptyCalibrationFolderIsAnError) {
  fs::create_directories(dir_ / "empty");
  expect_quantize_fails({"--mode", "int8", "--calib", (dir_ / "empty").string()}, "has no images");
}

TEST_F(Cli, QuantizeWithAnUndecodableImageIsAnError) {
  fs::create_directories(dir_ / "imgs");
  std::ofstream(dir_ / "imgs/broken.jpg") << "this is not a JPEG";
  expect_quantize_fails({"--mode", "int8", "--calib", (dir_ / "imgs").string()}, "cannot decode image");
}

TEST_F(Cli, QuantizeWithANpyOfTheWrongShapeIsAnError) {
  io::Array a;
  a.dtype = DType::kFloat32;
  a.shape = {4, 64, 64, 3};  // the model takes [1, 128, 128, 3] samples
  a.bytes.assign(4 * 64 * 64 * 3 * 4, 0);
  io::write_npy((dir_ / "calib.npy").string(), a);
  expect_quantize_fails({"--mode", "int8", "--calib", (dir_ / "calib.npy").string()}, "shape");
}

TEST_F(Cli, QuantizeWithANpyOfTheWrongDtypeIsAnError) {
  io::Array a;
  a.dtype = DType::kInt32;
  a.shape = {2, 128, 128, 3};
  a.bytes.assign(2 * 128 * 128 * 3 * 4, 0);
  io::write_npy((dir_ / "calib.npy").string(), a);
  expect_quantize_fails({"--mode", "int8", "--calib", (dir_ / "calib.npy").string()}, "int32");
}

TEST_F(Cli, QuantizeRefusesToOverwriteItsInput) {
  const std::string before = read_all(model_);
  const fs::path copy = dir_ / "model.tflite";
  fs::copy_file(model_, copy);
  const Result r = liteq({"quantize", copy.string(), "-o", copy.string(), "--mode", "dynamic"});
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("the output path is the input model"), std::string::npos) << r.out;
  EXPECT_EQ(read_all(copy), before);
}

TEST_F(Cli, QuantizeFailureKeepsAnExistingOutputFile) {
  const fs::path out = dir_ / "out.tflite";
  std::ofstream(out) << "previous contents";
  const Result r = liteq({"quantize", model_.string(), "-o", out.string(), "--mode", "int8"});
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(read_all(out), "previous contents");
}

// --input-type / --output-type uint8: inspect shows uint8 I/O whose scale is the int8
// model's and whose zero point is the int8 one + 128 (TFLite's convention).
TEST_F(Cli, InspectShowsUint8InputsWithShiftedZeroPoint) {
  const fs::path s8 = dir_ / "s8.tflite", u8 = dir_ / "u8.tflite";
  for (auto [path, type] : {std::pair{s8, "int8"}, std::pair{u8, "uint8"}}) {
    const Result q = liteq({"quantize", model_.string(), "-o", path.string(), "--mode", "int8-only", "--calib",
                            "random", "--num-samples", "8", "--input-type", type, "--output-type", type});
    ASSERT_EQ(q.code, 0) << q.out;
  }
  const Result a = liteq({"inspect", s8.string(), "--json"}), b = liteq({"inspect", u8.string(), "--json"});
  ASSERT_EQ(a.code, 0) << a.out;
  ASSERT_EQ(b.code, 0) << b.out;
  const auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
  EXPECT_EQ(ja["kind"], "int8-only-int8-io");
  EXPECT_EQ(jb["kind"], "int8-only-uint8-io");
  for (const char* side : {"inputs", "outputs"}) {
    ASSERT_EQ(ja[side].size(), jb[side].size());
    for (size_t i = 0; i < ja[side].size(); ++i) {
      const auto &x = ja[side][i], &y = jb[side][i];
      EXPECT_EQ(x["dtype"], "int8");
      EXPECT_EQ(y["dtype"], "uint8");
      const float sx = x["quantization"]["scale"][0], sy = y["quantization"]["scale"][0];
      const int zx = x["quantization"]["zero_point"][0], zy = y["quantization"]["zero_point"][0];
      EXPECT_EQ(sx, sy) << side << " " << i;
      EXPECT_EQ(zy, zx + 128) << side << " " << i;
    }
  }
  // The text form names the I/O types too.
  const Result t = liteq({"inspect", u8.string()});
  EXPECT_NE(t.out.find("uint8"), std::string::npos) << t.out;
}

TEST_F(Cli, BenchReportsLatencyAndMemory) {
  const Result r = liteq({"bench", model_.string(), "--runs", "5", "--warmup", "1", "--json", "--profile"});
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  const double mn = j["latency_ms"]["min"], med = j["latency_ms"]["median"], p90 = j["latency_ms"]["p90"];
  EXPECT_GT(mn, 0.0);
  EXPECT_LE(mn, med);
  EXPECT_LE(med, p90);
  EXPECT_GT(j["arena_bytes"].get<int64_t>(), 0);
  EXPECT_GT(j["peak_rss_bytes"].get<int64_t>(), j["arena_bytes"].get<int64_t>());
  EXPECT_EQ(j["model_bytes"].get<int64_t>(), static_cast<int64_t>(fs::file_size(model_)));

  // The profile's structure, not its timings (which op ranks first depends on the machine's
  // load: a fresh-clone CI run once ranked DEPTHWISE_CONV_2D above CONV_2D). Per op: slowest
  // first, as many nodes as the per-node list holds, the same total time. The convolutions
  // are all there (the model's count, from inspect); the DEQUANTIZEs of its float16 weights
  // are folded at load and RELUs fused into their producers, so neither runs as a node.
  const Result ins = liteq({"inspect", model_.string(), "--json"});
  ASSERT_EQ(ins.code, 0) << ins.out;
  const auto op_counts = nlohmann::json::parse(ins.out)["op_counts"];
  const auto &prof = j["profile"], &nodes = j["profile_nodes"];
  ASSERT_FALSE(prof.empty());
  ASSERT_FALSE(nodes.empty());
  // (op, types) -> (nodes, ms), from profile_nodes; op -> nodes.
  std::map<std::string, std::pair<int, double>> per_row;
  std::map<std::string, int> per_op;
  for (const auto& n : nodes) {
    EXPECT_GE(n["ms"].get<double>(), 0.0) << n.dump();
    auto& [count, ms] = per_row[n["op"].get<std::string>() + " " + n["types"].get<std::string>()];
    ++count;
    ms += n["ms"].get<double>();
    ++per_op[n["op"].get<std::string>()];
  }
  int total = 0;
  for (size_t i = 0; i < prof.size(); ++i) {
    const std::string op = prof[i]["op"].get<std::string>() + " " + prof[i]["types"].get<std::string>();
    if (i > 0) {
      EXPECT_GE(prof[i - 1]["ms"].get<double>(), prof[i]["ms"].get<double>()) << op;
    }
    ASSERT_TRUE(per_row.count(op)) << op;
    EXPECT_EQ(prof[i]["count"].get<int>(), per_row[op].first) << op;
    EXPECT_NEAR(prof[i]["ms"].get<double>(), per_row[op].second, 1e-9 + 1e-9 * per_row[op].second) << op;
    total += prof[i]["count"].get<int>();
  }
  EXPECT_EQ(total, static_cast<int>(nodes.size()));
  for (const char* op : {"CONV_2D", "DEPTHWISE_CONV_2D"}) {
    ASSERT_TRUE(per_op.count(op)) << op;
    EXPECT_EQ(per_op[op], op_counts[op].get<int>()) << op;
  }
  EXPECT_FALSE(per_op.count("DEQUANTIZE"));
  EXPECT_FALSE(per_op.count("RELU"));
}

TEST_F(Cli, BenchRejectsBadArguments) {
  EXPECT_EQ(liteq({"bench", model_.string(), "--kernels", "sse9"}).code, 2);
  EXPECT_EQ(liteq({"bench", model_.string(), "--runs", "0"}).code, 2);
  EXPECT_EQ(liteq({"bench", (dir_ / "missing.tflite").string()}).code, 2);
  std::ofstream(dir_ / "junk.tflite") << "not a flatbuffer";
  const Result r = liteq({"bench", (dir_ / "junk.tflite").string()});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("liteq: error:"), std::string::npos) << r.out;
}

// compare --layers pairs the intermediate tensors by name: a model against itself is
// exact everywhere; its int8 version is not, and the error is reported per layer.
TEST_F(Cli, CompareLayersFindsWhereErrorEnters) {
  const fs::path img = assets_dir() / "images/eval/astronaut.png";
  LITEQ_REQUIRE_ASSET(fs::exists(img), img.string());
  const Result same = liteq({"compare", model_.string(), model_.string(), "--input", img.string(), "--layers", "--json"});
  ASSERT_EQ(same.code, 0) << same.out;
  const auto js = nlohmann::json::parse(same.out);
  ASSERT_GT(js["layers"].size(), 10u);
  for (const auto& l : js["layers"]) EXPECT_EQ(l["sqnr_db"], "inf") << l.dump();

  const fs::path q = dir_ / "q.tflite";
  ASSERT_EQ(liteq({"quantize", model_.string(), "-o", q.string(), "--mode", "int8", "--calib", "random",
                   "--num-samples", "4"}).code, 0);
  const Result diff = liteq({"compare", model_.string(), q.string(), "--input", img.string(), "--layers", "--json"});
  ASSERT_EQ(diff.code, 0) << diff.out;
  const auto jd = nlohmann::json::parse(diff.out);
  ASSERT_GT(jd["layers"].size(), 10u);
  EXPECT_EQ(jd["layers"][0]["op"], "CONV_2D");
  EXPECT_TRUE(jd["layers"][0]["sqnr_db"].is_number()) << jd["layers"][0].dump();
  EXPECT_GT(jd["layers"][0]["max_abs_error"].get<double>(), 0.0);
}

// compare --reference-kernels: the same model under the reference and the optimized
// kernels; integer models agree exactly.
TEST_F(Cli, CompareKernelsOnTheSameModel) {
  const fs::path img = assets_dir() / "images/eval/astronaut.png";
  LITEQ_REQUIRE_ASSET(fs::exists(img), img.string());
  const fs::path q = dir_ / "q.tflite";
  ASSERT_EQ(liteq({"quantize", model_.string(), "-o", q.string(), "--mode", "int8-only", "--calib", "random",
                   "--num-samples", "4"}).code, 0);
  const Result r = liteq({"compare", q.string(), q.string(), "--input", img.string(), "--reference-kernels",
                          "reference", "--json"});
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  for (const auto& o : j["outputs"]) {
    EXPECT_EQ(o["sqnr_db"], "inf") << o.dump();
    EXPECT_EQ(o["max_abs_error"].get<double>(), 0.0) << o.dump();
  }
  EXPECT_EQ(liteq({"compare", q.string(), q.string(), "--input", img.string(), "--kernels", "sse9"}).code, 2);
}

}  // namespace
}  // namespace liteq::test

namespace liteq::test {
namespace {

// liteq convert on a real ONNX model (PP-OCR's angle classifier): dynamic dims need
// --input-shape, bad arguments are exit code 2 with the fix in the message, nothing is
// written on failure, and the result is a .tflite every other command reads.
TEST_F(Cli, ConvertOnnx) {
  const fs::path onnx = assets_dir() / "onnx/ch_ppocr_mobile_v2.0_cls_infer.onnx";
  LITEQ_REQUIRE_ASSET(fs::exists(onnx), onnx.string());
  const fs::path out = dir_ / "cls.tflite";
  Result r = liteq({"convert", onnx.string(), "-o", out.string()});
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("--input-shape x="), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out));
  r = liteq({"convert", onnx.string(), "-o", out.string(), "--input-shape", "y=1,3,48,192"});
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("not an input"), std::string::npos) << r.out;
  r = liteq({"convert", onnx.string(), "-o", out.string(), "--input-shape", "x=1,3,forty,192"});
  EXPECT_EQ(r.code, 2) << r.out;
  r = liteq({"convert", model_.string(), "-o", out.string()});
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("not an ONNX model"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out));

  r = liteq({"convert", onnx.string(), "-o", out.string(), "--input-shape", "x=1,3,48,192"});
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("x [1,48,192,3]"), std::string::npos) << r.out;  // NHWC inside
  r = liteq({"inspect", out.string()});
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("float32 model"), std::string::npos) << r.out;
  // The same in one step from the .onnx, and as QDQ ONNX.
  const fs::path q = dir_ / "cls_int8.tflite", qdq = dir_ / "cls_int8.onnx";
  r = liteq({"quantize", onnx.string(), "--input-shape", "x=1,3,48,192", "-o", q.string(), "--mode", "int8", "--calib", "random",
             "--num-samples", "3", "-q"});
  EXPECT_EQ(r.code, 0) << r.out;
  r = liteq({"inspect", q.string()});
  EXPECT_NE(r.out.find("int8"), std::string::npos) << r.out;
  r = liteq({"quantize", onnx.string(), "--input-shape", "x=1,3,48,192", "-o", qdq.string(), "--mode", "int8", "--calib", "random",
             "--num-samples", "3", "-q"});
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(fs::exists(qdq));
  r = liteq({"quantize", onnx.string(), "--input-shape", "x=1,3,48,192", "-o", (dir_ / "f16.onnx").string(), "--mode", "float16"});
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("integer mode"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir_ / "f16.onnx"));
}

}  // namespace
}  // namespace liteq::test
