// liteq compare REFERENCE.tflite MODEL.tflite --input FILE... [--json]
// Runs both models on the same inputs and reports, per output, how close MODEL is to
// REFERENCE (SQNR, max abs error, after dequantizing integer outputs), plus latency.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "ir/model.h"
#include "io/data/dataset.h"
#include "io/data/inputs.h"
#include "liteq/error.h"
#include "liteq/interpreter.h"
#include "quantize/fidelity.h"
#include "run_inputs.h"

namespace liteq::cli {
namespace {

// Inputs for one model: float photos/arrays quantized to the model's input dtype if needed.
Array adapt(const Array& a, const TensorDetails& d) {
  if (a.dtype == d.dtype) return a;
  if (a.dtype != DType::kFloat32 || d.scales.size() != 1)
    throw Error(ErrorKind::kInvalidArgument, fmt::format("cannot feed a {} array to input '{}' ({})",
                                                         dtype_name(a.dtype), d.name, dtype_name(d.dtype)));
  const auto f = quant::output_as_float(a);
  Array out{d.dtype, a.shape, std::vector<uint8_t>(f.size() * dtype_size(d.dtype))};
  const double lo = d.dtype == DType::kUInt8 ? 0 : d.dtype == DType::kInt8 ? -128 : -32768;
  const double hi = d.dtype == DType::kUInt8 ? 255 : d.dtype == DType::kInt8 ? 127 : 32767;
  for (size_t i = 0; i < f.size(); ++i) {
    const double q = std::clamp(std::round(f[i] / d.scales[0]) + double(d.zero_points[0]), lo, hi);
    if (d.dtype == DType::kInt16) reinterpret_cast<int16_t*>(out.bytes.data())[i] = static_cast<int16_t>(q);
    else if (d.dtype == DType::kInt8) reinterpret_cast<int8_t*>(out.bytes.data())[i] = static_cast<int8_t>(q);
    else out.bytes[i] = static_cast<uint8_t>(q);
  }
  return out;
}

struct Runner {
  Interpreter it;
  std::vector<TensorDetails> in, out;
  std::vector<double> ms;
  static InterpreterOptions options(int threads, bool layers, const std::string& kernels) {
    InterpreterOptions o;
    o.num_threads = threads;
    o.preserve_all_tensors = layers;
    o.kernels = kernels;
    return o;
  }
  Runner(const Model& m, int threads, bool layers, const std::string& kernels)
      : it(m, options(threads, layers, kernels)) {
    it.allocate_tensors();
    in = it.input_details();
    out = it.output_details();
  }
  std::vector<std::vector<float>> run(const std::vector<Array>& inputs) {
    for (size_t i = 0; i < in.size(); ++i) {
      const Array a = adapt(inputs[i], in[i]);
      it.set_tensor(in[i].index, a.dtype, a.shape, a.bytes);
    }
    const auto t0 = std::chrono::steady_clock::now();
    it.invoke();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    std::vector<std::vector<float>> r;
    for (const auto& d : out) {
      const auto v = it.get_tensor(d.index);
      r.push_back(quant::output_as_float(Array{v.dtype, v.shape, {v.bytes.begin(), v.bytes.end()}},
                                         d.scales.empty() ? 1.0f : d.scales[0], d.zero_points.empty() ? 0 : d.zero_points[0]));
    }
    return r;
  }
  std::vector<float> tensor_as_float(int index) {
    const auto d = it.tensor_details(index);
    const auto v = it.get_tensor(index);
    return quant::output_as_float(Array{v.dtype, v.shape, {v.bytes.begin(), v.bytes.end()}},
                                  d.scales.size() == 1 ? d.scales[0] : 1.0f,
                                  d.zero_points.size() == 1 ? d.zero_points[0] : 0);
  }
  double median_ms() {
    auto v = ms;
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
  }
};

}  // namespace

Command add_compare(CLI::App& app) {
  auto* cmd = app.add_subcommand("compare",
                                 "Run a reference model (e.g. the float original) and a model derived from it (e.g. "
                                 "quantized) on the same inputs: per-output SQNR, max abs error, latency");
  struct Opts {
    std::string ref, model;
    io::DatasetSpec data;
    int threads = 1;
    bool json = false;
    bool layers = false;
    std::string kernels = "auto", ref_kernels = "auto";
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("reference", o->ref, "the reference .tflite (float)")->required()->check(CLI::ExistingFile);
  cmd->add_option("model", o->model, "the .tflite to check (quantized)")->required()->check(CLI::ExistingFile);
  cmd->add_option("-i,--input", o->data.calib,
                  "[NAME=]PATH: an image, a folder of images or .npy files, or a .npy of stacked samples")
      ->required();
  cmd->add_option("--num-samples", o->data.num_samples, "inputs to use at most (default 100)");
  cmd->add_option("--mean", o->data.norm.mean, "images: per-channel mean (0..255 scale)")->delimiter(',');
  cmd->add_option("--std", o->data.norm.std, "images: per-channel std (0..255 scale)")->delimiter(',');
  cmd->add_option_function<std::string>(
      "--range", [o](const std::string& s) { o->data.norm.range = io::parse_range(s); },
      "images: map pixels onto LO,HI (default 0,1)");
  cmd->add_option("--threads", o->threads, "threads")->check(CLI::Range(1, 256));
  cmd->add_flag("--json", o->json, "machine-readable output");
  add_kernels_option(cmd, o->kernels);
  cmd->add_option("--reference-kernels", o->ref_kernels,
                  "kernels for the reference model (default auto); e.g. compare a model with itself under "
                  "--reference-kernels reference to see what the optimized kernels change")
      ->check(CLI::IsMember({"auto", "reference", "avx2", "avx2vnni", "avx512", "avx512vnni"}));
  cmd->add_flag("--layers", o->layers,
                "also compare every intermediate tensor the two models share by name (dequantized), in the "
                "model's operator order: where quantization error enters");
  return [=]() {
    const Model ref_model = Model::load(o->ref), model = Model::load(o->model);
    Runner ref(ref_model, o->threads, o->layers, o->ref_kernels), test(model, o->threads, o->layers, o->kernels);
    // --layers: the test model's activations (non-constant tensors, in the order their
    // operators run) paired with the reference tensor of the same name and size.
    struct Layer {
      int ref_index, test_index;
      std::string name, op;
      std::vector<float> ref, test;
    };
    std::vector<Layer> layers;
    if (o->layers) {
      std::map<std::string, int> ref_by_name;
      const auto& rsg = *ref_model.ir().fb->subgraphs[0];
      for (size_t i = 0; i < rsg.tensors.size(); ++i)
        if (ir::tensor_data(*ref_model.ir().fb, *rsg.tensors[i]).empty()) ref_by_name.emplace(rsg.tensors[i]->name, i);
      const auto& m = *model.ir().fb;
      const auto& sg = *m.subgraphs[0];
      for (const auto& op : sg.operators) {
        for (int t : op->outputs) {
          if (t < 0) continue;
          auto r = ref_by_name.find(sg.tensors[t]->name);
          if (r == ref_by_name.end()) continue;
          layers.push_back({r->second, t, sg.tensors[t]->name, ir::op_type_name(m, *op), {}, {}});
        }
      }
    }
    if (ref.out.size() != test.out.size() || ref.in.size() != test.in.size())
      throw Error(ErrorKind::kInvalidArgument, "the two models have different numbers of inputs or outputs");
    // Inputs are prepared for the reference model (float), then adapted per model.
    io::Dataset data(o->data, ref.in);
    const size_t n = data.size();
    std::vector<std::vector<float>> all_ref(ref.out.size()), all_test(ref.out.size());
    std::vector<double> worst(ref.out.size(), INFINITY);  // per output: worst SQNR over single samples
    for (size_t s = 0; s < n; ++s) {
      const auto sample = data.sample(s);
      const auto a = ref.run(sample), b = test.run(sample);
      for (size_t k = 0; k < a.size(); ++k) {
        if (a[k].size() != b[k].size())
          throw Error(ErrorKind::kInvalidArgument, fmt::format("output {} differs in size between the models", k));
        worst[k] = std::min(worst[k], quant::compare_outputs(a[k], b[k]).sqnr_db);
        all_ref[k].insert(all_ref[k].end(), a[k].begin(), a[k].end());
        all_test[k].insert(all_test[k].end(), b[k].begin(), b[k].end());
      }
      for (auto& l : layers) {
        const auto x = ref.tensor_as_float(l.ref_index), y = test.tensor_as_float(l.test_index);
        if (x.size() != y.size()) continue;
        l.ref.insert(l.ref.end(), x.begin(), x.end());
        l.test.insert(l.test.end(), y.begin(), y.end());
      }
    }
    auto sqnr_json = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json("inf"); };
    nlohmann::json j;
    j["reference"] = {{"model", o->ref}, {"bytes", std::filesystem::file_size(o->ref)}, {"median_ms", ref.median_ms()}};
    j["model"] = {{"model", o->model}, {"bytes", std::filesystem::file_size(o->model)}, {"median_ms", test.median_ms()}};
    j["samples"] = n;
    for (size_t k = 0; k < all_ref.size(); ++k) {
      const auto f = quant::compare_outputs(all_ref[k], all_test[k]);
      j["outputs"].push_back({{"index", k}, {"name", ref.out[k].name},
                              {"sqnr_db", sqnr_json(f.sqnr_db)},
                              {"worst_sample_sqnr_db", sqnr_json(worst[k])},
                              {"max_abs_error", f.max_abs_err}});
    }
    for (const auto& l : layers) {
      if (l.ref.empty() || l.ref.size() != l.test.size()) continue;
      const auto f = quant::compare_outputs(l.ref, l.test);
      j["layers"].push_back({{"tensor", l.name}, {"op", l.op}, {"sqnr_db", sqnr_json(f.sqnr_db)},
                             {"max_abs_error", f.max_abs_err}});
    }
    if (o->json) {
      fmt::print("{}\n", j.dump(2));
      return 0;
    }
    fmt::print("{} samples; latency median {:.1f} ms (reference {:.1f} ms); size {} -> {} bytes\n", n, test.median_ms(),
               ref.median_ms(), std::filesystem::file_size(o->ref), std::filesystem::file_size(o->model));
    for (const auto& out : j["outputs"])
      fmt::print("  output {} '{}': SQNR {} dB (worst sample {} dB), max abs error {:.4g}\n", out["index"].get<int>(),
                 out["name"].get<std::string>(),
                 out["sqnr_db"].is_string() ? std::string("inf") : fmt::format("{:.1f}", out["sqnr_db"].get<double>()),
                 out["worst_sample_sqnr_db"].is_string() ? std::string("inf")
                                                         : fmt::format("{:.1f}", out["worst_sample_sqnr_db"].get<double>()),
                 out["max_abs_error"].get<double>());
    if (j.contains("layers")) {
      fmt::print("\n{:>10} {:>12}  {:<24} {}\n", "SQNR dB", "max abs err", "operator", "tensor");
      for (const auto& l : j["layers"])
        fmt::print("{:>10} {:>12.4g}  {:<24} {}\n",
                   l["sqnr_db"].is_string() ? std::string("inf") : fmt::format("{:.1f}", l["sqnr_db"].get<double>()),
                   l["max_abs_error"].get<double>(), l["op"].get<std::string>(), l["tensor"].get<std::string>());
    }
    return 0;
  };
}

}  // namespace liteq::cli
