#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "io/tflite/tflite_io.h"
#include "liteq/converter.h"
#include "liteq/error.h"
#include "passes/passes.h"
#include "quantize/calibrator.h"
#include "quantize/equalize.h"
#include "quantize/modes.h"

namespace liteq {

namespace {
// An activation range recorded on a float tensor (quantization min/max, no scale).
bool is_recorded_range(const tflite::TensorT& t) {
  return t.type == tflite::TensorType::FLOAT32 && t.quantization && t.quantization->scale.empty() &&
         t.quantization->min.size() == 1 && t.quantization->max.size() == 1 && t.quantization->min[0] <= t.quantization->max[0];
}
}  // namespace

bool has_recorded_ranges(const Model& model) {
  const auto& g = *model.ir().fb->subgraphs.at(0);
  return std::any_of(g.tensors.begin(), g.tensors.end(), [](const auto& t) { return is_recorded_range(*t); });
}

namespace {
bool has(const std::set<OpsSet>& s, OpsSet x) { return s.count(x) > 0; }

std::shared_ptr<ir::ModelData> deep_copy(const Model& m) {
  const auto bytes = m.serialize();
  auto d = std::make_shared<ir::ModelData>();
  d->fb.reset(tflite::GetModel(bytes.data())->UnPack());
  d->source = m.source();
  return d;
}
// The input patches GPTQ needs: one per CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED with
// float constant weights and undilated kernels (same rules as gptq_patch).
std::vector<quant::PatchSpec> gptq_requests(const ir::ModelData& data, const std::vector<std::string>& deny) {
  std::vector<quant::PatchSpec> out;
  const auto& m = *data.fb;
  const auto& g = *m.subgraphs.at(0);
  for (const auto& op : g.operators) {
    if (op->inputs.size() < 2 || op->inputs[0] < 0 || op->inputs[1] < 0) continue;
    if (std::find(deny.begin(), deny.end(), ir::op_type_name(m, *op)) != deny.end()) continue;
    const auto& wt = *g.tensors[op->inputs[1]];
    if (wt.type != tflite::TensorType::FLOAT32 || ir::tensor_data(m, wt).empty()) continue;
    if (auto* c = op->builtin_options.AsConv2DOptions(); c && (c->dilation_h_factor > 1 || c->dilation_w_factor > 1)) continue;
    if (auto* c = op->builtin_options.AsDepthwiseConv2DOptions(); c && (c->dilation_h_factor > 1 || c->dilation_w_factor > 1))
      continue;
    const auto ps = quant::gptq_patch(ir::builtin_code(m, *op), op->inputs[0], wt.shape);
    if (ps.tensor >= 0) out.push_back(ps);
  }
  return out;
}

}  // namespace

Converter::Converter(const Model& float_model) : model_(float_model) {}

Model Converter::convert() {
  report_ = {};
  quant::ObserverConfig oc;
  oc.kind = calibration_method == "auto" ? "minmax" : calibration_method;
  oc.percentile = calibration_percentile;
  quant::check_observer_config(oc);
  if (weight_calibration != "minmax" && weight_calibration != "mse" && weight_calibration != "gptq")
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("unknown weight calibration '{}' (available: minmax, mse, gptq)", weight_calibration));
  const bool weight_mse = weight_calibration == "mse";
  if (channel_equalization != "auto" && channel_equalization != "off" && channel_equalization != "depthwise" &&
      channel_equalization != "all")
    throw Error(ErrorKind::kInvalidArgument, fmt::format("unknown channel equalization '{}' (available: auto, off, "
                                                         "depthwise, all)", channel_equalization));
  auto data = deep_copy(model_);
  if (optimizations.empty()) {
    report_.mode = "float32";
    return Model(data);
  }
  const auto& ops = target_spec.supported_ops;
  const bool fp16 = std::find(target_spec.supported_types.begin(), target_spec.supported_types.end(), DType::kFloat16) !=
                    target_spec.supported_types.end();
  const bool int16x8 = has(ops, OpsSet::kInt16x8);
  const bool int8_only = has(ops, OpsSet::kTfliteBuiltinsInt8) && !has(ops, OpsSet::kTfliteBuiltins) && !int16x8;
  const bool io_int = inference_input_type != DType::kFloat32 || inference_output_type != DType::kFloat32;
  if (io_int && !(int8_only || (int16x8 && !has(ops, OpsSet::kTfliteBuiltins))))
    throw Error(ErrorKind::kInvalidArgument,
                "integer input/output types need integer-only quantization (supported_ops = TFLITE_BUILTINS_INT8, "
                "--mode int8-only)");

  // Every mode starts from plain float32 constants: float16 weights behind DEQUANTIZE and
  // sparse weights behind DENSIFY are folded.
  passes::fold_constants(*data);
  // RELUs after a convolution or an elementwise op become its fused activation, as in
  // TFLite's converter: one rounding and one op instead of two once quantized.
  passes::fuse_activations(*data);

  // Ranges the model records on its float tensors (quantization min/max: a QDQ ONNX
  // model's scales, TF fake-quant ranges). They replace calibrated ones and, with no
  // dataset, make the integer modes possible without calibration, as TFLite does for
  // quantization-aware-trained models.
  std::map<int, quant::Range> recorded;
  if (use_recorded_ranges) {
    const auto& g = *data->fb->subgraphs[0];
    for (size_t i = 0; i < g.tensors.size(); ++i)
      if (is_recorded_range(*g.tensors[i]))
        recorded[static_cast<int>(i)] = quant::Range{g.tensors[i]->quantization->min[0], g.tensors[i]->quantization->max[0]};
  }
  const bool integer = representative_dataset || (!recorded.empty() && !(fp16 && !int16x8));

  if (fp16 && !representative_dataset && !int16x8) {
    report_.mode = "float16";
    quant::quantize_float16(*data);
  } else if (!integer) {
    if (int8_only || int16x8)
      throw Error(ErrorKind::kInvalidArgument,
                  "integer-only and 16x8 quantization need a representative dataset (--calib) to calibrate activations");
    report_.mode = "dynamic";
    quant::DynamicOptions d;
    d.per_channel = per_channel;
    d.weight_mse = weight_mse;
    d.denylisted_ops = denylisted_ops;
    d.denylisted_nodes = denylisted_nodes;
    report_.quantized_ops = quant::quantize_dynamic(*data, d);
  } else {
    report_.mode = int16x8 ? "int16x8" : int8_only ? "int8-only" : "int8";
    quant::CalibrationOptions copts;
    copts.max_samples = max_calibration_samples;
    copts.observer.kind = calibration_method != "auto" ? calibration_method : int16x8 ? "minmax" : "mse";
    copts.observer.percentile = calibration_percentile;
    copts.observer.grid = int16x8 ? quant::QuantGrid{-32767, 32767, true} : quant::QuantGrid{-128, 127, false};
    copts.progress = progress;
    // Equalization runs the float model over the samples before calibration does; the
    // samples are read once and kept.
    std::vector<Sample> kept;
    std::vector<std::string> scaled_names;
    auto source = representative_dataset;
    const std::string equalize = channel_equalization != "auto" ? channel_equalization : int16x8 ? "off" : "all";
    if (representative_dataset && equalize != "off" && recorded.empty()) {
      while (static_cast<int>(kept.size()) < max_calibration_samples) {
        auto s = representative_dataset();
        if (!s) break;
        kept.push_back(std::move(*s));
      }
      quant::EqualizeOptions eo;
      eo.conv_consumers = equalize == "all";
      const auto er = quant::equalize_channels(*data, kept, eo);
      report_.equalized_tensors = er.tensors;
      report_.equalized_channels = er.channels;
      scaled_names = er.scaled_names;
      source = [&kept, i = size_t{0}]() mutable -> std::optional<Sample> {
        if (i >= kept.size()) return std::nullopt;
        return kept[i++];
      };
    }
    if (weight_calibration == "gptq") copts.patches = gptq_requests(*data, denylisted_ops);
    const Model folded(data);
    quant::CalibrationResult cal;
    if (representative_dataset) {
      cal = quant::calibrate(folded, source, copts);
      report_.calibration_samples = cal.samples;
      report_.calibration_seconds = cal.seconds;
    }
    // Headroom: calibrated activation ranges widened by a factor around zero (model inputs
    // keep theirs: their range is the data's own, e.g. pixels in [0, 1]).
    const double headroom = activation_headroom.value_or(int16x8 ? 2.0 : 1.0);
    if (!(headroom >= 1.0 && headroom <= 1024.0))
      throw Error(ErrorKind::kInvalidArgument,
                  fmt::format("activation headroom {} is out of range (1 to 1024: the factor calibrated ranges are "
                              "widened by)", headroom));
    if (headroom != 1.0) {
      const auto& ins = data->fb->subgraphs[0]->inputs;
      for (auto& [idx, r] : cal.ranges)
        if (std::find(ins.begin(), ins.end(), idx) == ins.end()) {
          r.min = static_cast<float>(r.min * headroom);
          r.max = static_cast<float>(r.max * headroom);
        }
    }
    for (const auto& [idx, r] : recorded) cal.ranges[idx] = r;
    report_.recorded_ranges = static_cast<int>(recorded.size());
    quant::IntegerOptions io;
    io.int16_activations = int16x8;
    io.allow_float_fallback = int16x8 ? has(ops, OpsSet::kTfliteBuiltins) : !int8_only;
    io.input_type = inference_input_type;
    io.output_type = inference_output_type;
    io.per_channel = per_channel;
    io.weight_mse = weight_mse;
    if (representative_dataset && bias_correction.value_or(true)) io.channel_means = &cal.channel_means;
    if (representative_dataset && weight_calibration == "gptq") io.moments = &cal.moments;
    io.denylisted_ops = denylisted_ops;
    io.denylisted_nodes = denylisted_nodes;
    quant::quantize_integer(*data, cal.ranges, io, &report_);
    // Renamed only now: --keep-float may name these tensors by their original names.
    std::set<std::string> scaled(scaled_names.begin(), scaled_names.end());
    for (auto& t : data->fb->subgraphs[0]->tensors)
      if (scaled.count(t->name)) t->name += ir::kEqualizedSuffix;
  }
  passes::prune(*data);
  // The result must pass the same validation as any model we read.
  const auto bytes = io::write_tflite(*data->fb);
  return Model::from_bytes(bytes, data->source);
}

}  // namespace liteq
