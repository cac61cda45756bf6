// liteq quantize IN.tflite -o OUT.tflite --mode MODE [--calib ...]
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.h"
#include "model_loader.h"
#include "io/data/dataset.h"
#include "io/data/inputs.h"
#include "io/tflite/tflite_io.h"
#include "ir/summary.h"
#include "liteq/converter.h"
#include "liteq/error.h"
#include "liteq/interpreter.h"

namespace liteq::cli {
namespace {

DType parse_io_type(const std::string& s, const char* flag) {
  if (s == "int8") return DType::kInt8;
  if (s == "uint8") return DType::kUInt8;
  if (s == "float32") return DType::kFloat32;
  if (s == "int16") return DType::kInt16;
  throw Error(ErrorKind::kInvalidArgument, fmt::format("{} {}: expected int8, uint8 or float32", flag, s));
}

bool r_mode_is_float(const std::string& m) { return m != "int8" && m != "int8-only"; }

bool needs_data_mode(const std::string& m) { return m == "int8" || m == "int8-only" || m == "int16x8"; }

}  // namespace

Command add_quantize(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "quantize",
      "Post-training quantization, as TFLiteConverter with optimizations=[DEFAULT]. Modes:\n"
      "  dynamic    int8 weights, float activations (no calibration data)\n"
      "  int8       full integer with float fallback, float32 inputs/outputs (needs --calib)\n"
      "  int8-only  every op integer, or an error naming the ops that cannot be (needs --calib)\n"
      "  float16    float16 weights\n"
      "  int16x8    int16 activations, int8 weights (needs --calib; --fallback keeps unsupported ops float)");
  struct Opts {
    std::string in, out, mode, input_type = "float32", output_type = "float32", calibration = "auto",
                weight_calibration = "minmax";
    double percentile = 99.99;
    io::DatasetSpec data;
    std::vector<std::string> keep_float;
    bool per_tensor = false, fallback = false, quiet = false;
    std::string bias_correction = "auto";
    std::string equalize = "auto";
    std::optional<double> headroom;
  };
  auto o = std::make_shared<Opts>();
  auto onnx_opts = std::make_shared<OnnxCliOptions>();
  add_onnx_options(cmd, *onnx_opts);
  cmd->add_option("model", o->in, "the float .tflite (or .onnx) model")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", o->out, "the quantized .tflite to write (or .onnx: QDQ ONNX of an .onnx input)")->required();
  cmd->add_option("--mode", o->mode, "dynamic | int8 | int8-only | float16 | int16x8")
      ->required()
      ->check(CLI::IsMember({"dynamic", "int8", "int8-only", "float16", "int16x8"}));
  cmd->add_option("--calib", o->data.calib,
                  "[NAME=]PATH: folder of images or .npy files, or a .npy of stacked samples; 'random' for a smoke test");
  cmd->add_option("--num-samples", o->data.num_samples, "calibration samples to use (default 100)")->check(CLI::PositiveNumber);
  cmd->add_option("--mean", o->data.norm.mean, "calibration images: per-channel mean (0..255 scale)")->delimiter(',');
  cmd->add_option("--std", o->data.norm.std, "calibration images: per-channel std (0..255 scale)")->delimiter(',');
  cmd->add_option_function<std::string>(
      "--range", [o](const std::string& s) { o->data.norm.range = io::parse_range(s); },
      "calibration images: map pixels onto LO,HI (default 0,1)");
  cmd->add_option("--input-type", o->input_type, "int8-only: int8, uint8 or float32 model inputs");
  cmd->add_option("--output-type", o->output_type, "int8-only: int8, uint8 or float32 model outputs");
  cmd->add_option("--keep-float", o->keep_float, "an op type (CONV_2D, a custom code) or an op's output tensor name to keep in float");
  cmd->add_flag("--per-tensor", o->per_tensor, "per-tensor weights instead of per-channel");
  cmd->add_flag("--fallback", o->fallback, "int16x8: keep ops without a 16x8 kernel in float");
  cmd->add_option("--calibration,--observer", o->calibration,
                  "how activation ranges are chosen: auto (default: mse for int8, minmax for int16x8) | minmax "
                  "(exact, as TFLite) | percentile (clip each tail at --percentile) | mse (the range minimizing "
                  "quantization squared error)")
      ->check(CLI::IsMember({"auto", "minmax", "percentile", "mse"}));
  cmd->add_option("--percentile", o->percentile, "--calibration percentile: the percentile kept per tail (default 99.99)")
      ->check(CLI::Range(50.0, 100.0));
  cmd->add_option("--weight-calibration", o->weight_calibration,
                  "int8 weights: minmax (max|w| per channel, nearest rounding, as TFLite; default) | mse (clip "
                  "scales to minimize squared error) | gptq (TFLite's scales, each weight rounded up or down to "
                  "minimize the output error on the calibration data; integer modes)")
      ->check(CLI::IsMember({"minmax", "mse", "gptq"}));
  cmd->add_option("--bias-correction", o->bias_correction,
                  "fold the mean output shift caused by weight rounding (from the calibration data's per-channel "
                  "input means) into each conv/fully-connected bias: on | off (as TFLite) | auto (default: on); a bare "
                  "--bias-correction means on")
      ->expected(0, 1)
      ->default_str("auto")
      ->check(CLI::IsMember({"on", "off", "auto"}));
  cmd->add_option("--headroom", o->headroom,
                  "widen every calibrated activation range by this factor, so data beyond the calibration set's is "
                  "not clipped (default: 2 for int16x8, 1 for int8, as TFLite)")
      ->check(CLI::Range(1.0, 1024.0));
  cmd->add_option("--equalize", o->equalize,
                  "channel equalization before calibration (integer modes): auto (default: all for int8, off for "
                  "int16x8) | off (as TFLite) | depthwise (rescale conv output channels that feed depthwise convs so "
                  "each spans the tensor's range; the float function is unchanged) | all (also those feeding convs)")
      ->check(CLI::IsMember({"auto", "off", "depthwise", "all"}));
  cmd->add_flag("-q,--quiet", o->quiet, "no progress output");
  return [=]() {
    const auto t0 = std::chrono::steady_clock::now();
    if (std::filesystem::exists(o->out) && std::filesystem::equivalent(o->in, o->out))
      throw Error(ErrorKind::kInvalidArgument,
                  fmt::format("{}: the output path is the input model; choose another output path", o->out));
    const Model model = load_model(o->in, *onnx_opts);
    Converter c(model);
    c.optimizations = {Optimize::kDefault};
    c.per_channel = !o->per_tensor;
    c.max_calibration_samples = o->data.num_samples;
    c.calibration_method = o->calibration;
    c.calibration_percentile = o->percentile;
    c.weight_calibration = o->weight_calibration;
    c.channel_equalization = o->equalize;
    c.activation_headroom = o->headroom;
    if (o->bias_correction == "on" || o->bias_correction.empty()) c.bias_correction = true;
    if (o->bias_correction == "off") c.bias_correction = false;
    if (!needs_data_mode(o->mode) && (o->calibration != "auto"))
      fmt::print(stderr, "liteq: note: --mode {} has no activation ranges; --calibration ignored\n", o->mode);
    if (!needs_data_mode(o->mode) && (o->headroom || o->equalize != "auto"))
      fmt::print(stderr, "liteq: note: --mode {} has no activation ranges; --headroom and --equalize ignored\n", o->mode);
    if (!needs_data_mode(o->mode) && o->weight_calibration == "gptq")
      fmt::print(stderr, "liteq: note: --weight-calibration gptq needs calibration data (integer modes); --mode {} "
                         "rounds weights to nearest\n", o->mode);
    const bool recorded = has_recorded_ranges(model);
    c.use_recorded_ranges = needs_data_mode(o->mode);
    const bool needs_data = needs_data_mode(o->mode) && !(recorded && o->data.calib.empty());
    if (needs_data_mode(o->mode) && recorded && o->data.calib.empty() && !o->quiet)
      fmt::print(stderr, "liteq: note: the model records its activation ranges (QuantizeLinear/DequantizeLinear); "
                         "quantizing with them, no calibration\n");
    if (needs_data && o->data.calib.empty())
      throw Error(ErrorKind::kInvalidArgument,
                  fmt::format("--mode {} calibrates activations and needs representative data: --calib DIR|FILE.npy "
                              "(e.g. a folder of ~100 real images), or --calib random for a smoke test",
                              o->mode));
    if (!needs_data_mode(o->mode) && !o->data.calib.empty())
      fmt::print(stderr, "liteq: note: --mode {} does not use calibration data; --calib ignored\n", o->mode);
    if ((o->input_type != "float32" || o->output_type != "float32") && o->mode != "int8-only")
      throw Error(ErrorKind::kInvalidArgument, "--input-type/--output-type need --mode int8-only");
    c.inference_input_type = parse_io_type(o->input_type, "--input-type");
    c.inference_output_type = parse_io_type(o->output_type, "--output-type");
    for (const auto& k : o->keep_float) {
      // An op type is all upper case (or a known custom code); anything else names a tensor.
      bool is_type = !k.empty() && std::all_of(k.begin(), k.end(), [](char ch) { return std::isupper(ch) || std::isdigit(ch) || ch == '_'; });
      (is_type || k == "Convolution2DTransposeBias" ? c.denylisted_ops : c.denylisted_nodes).push_back(k);
    }
    if (o->mode == "float16") c.target_spec.supported_types = {DType::kFloat16};
    if (o->mode == "int8-only") c.target_spec.supported_ops = {OpsSet::kTfliteBuiltinsInt8};
    if (o->mode == "int16x8") {
      c.target_spec.supported_ops = {OpsSet::kInt16x8};
      if (o->fallback) c.target_spec.supported_ops.insert(OpsSet::kTfliteBuiltins);
    }
    std::unique_ptr<io::Dataset> dataset;
    if (needs_data) {
      const Interpreter probe(model);
      dataset = std::make_unique<io::Dataset>(o->data, probe.input_details());
      if (dataset->is_random())
        fmt::print(stderr,
                   "liteq: warning: calibrating on random data: the scales will not fit real inputs. Use real, "
                   "representative samples (--calib DIR) for a model you ship.\n");
      c.representative_dataset = dataset->source();
      c.max_calibration_samples = static_cast<int>(dataset->size());
      const bool tty = !o->quiet && isatty(STDERR_FILENO);
      if (tty)
        c.progress = [](int done, int total) {
          const int w = 30, filled = total > 0 ? done * w / total : 0;
          fmt::print(stderr, "\rcalibrating [{}{}] {}/{}", std::string(filled, '#'), std::string(w - filled, '.'), done, total);
          if (done == total) fmt::print(stderr, "\n");
        };
    }
    const Model q = c.convert();
    // OUT.onnx: the ONNX model in QDQ form with liteq's scales (ONNX Runtime runs it).
    const bool qdq_out = std::filesystem::path(o->out).extension() == ".onnx";
    if (qdq_out && !is_onnx_file(o->in))
      throw Error(ErrorKind::kInvalidArgument, fmt::format("{}: a QDQ .onnx output needs an .onnx input model", o->out));
    if (qdq_out && r_mode_is_float(c.report().mode))
      throw Error(ErrorKind::kInvalidArgument,
                  fmt::format("{}: QDQ .onnx output needs an integer mode (--mode int8 or int8-only), not {}", o->out, o->mode));
    QdqReport qr;
    const auto bytes = qdq_out ? export_qdq_onnx(o->in, q, to_onnx_options(*onnx_opts), &qr) : q.serialize();
    io::write_file_atomic(o->out, bytes, o->in);
    const auto& r = c.report();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!o->quiet) {
      const auto in_size = std::filesystem::file_size(o->in);
      fmt::print("{} -> {} ({})\n", o->in, o->out, ir::summarize(q.ir()).verdict);
      fmt::print("mode {}: {} ops quantized, {} float; size {:.2f} MiB -> {:.2f} MiB ({:.1f}%)", r.mode, r.quantized_ops,
                 r.float_ops, in_size / 1048576.0, bytes.size() / 1048576.0, 100.0 * bytes.size() / in_size);
      if (r.calibration_samples) fmt::print("; calibrated on {} samples in {:.1f} s", r.calibration_samples, r.calibration_seconds);
      fmt::print("; total {:.1f} s\n", secs);
      if (r.equalized_tensors)
        fmt::print("channel equalization: {} channels of {} tensors rescaled (renamed NAME/equalized; --equalize off "
                   "skips it)\n", r.equalized_channels, r.equalized_tensors);
      if (qdq_out)
        fmt::print("QDQ ONNX: {} weighted ops with liteq's int8 weights, {} activations with QuantizeLinear/DequantizeLinear\n",
                   qr.weighted_ops, qr.quantized_values);
      if (!r.float_op_names.empty() && r.float_op_names.size() <= 10)
        fmt::print("float ops: {}\n", fmt::join(r.float_op_names, ", "));
    }
    return 0;
  };
}

}  // namespace liteq::cli
