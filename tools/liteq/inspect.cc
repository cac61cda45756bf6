// liteq inspect MODEL [--json]
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "model_loader.h"
#include "ir/summary.h"
#include "liteq/model.h"

namespace liteq::cli {
namespace {

std::string quant_str(const ir::IoInfo& io) {
  if (io.scales.empty()) return "";
  if (io.scales.size() == 1)
    return fmt::format("scale {:.8g}, zero point {}", io.scales[0], io.zero_points.empty() ? 0 : io.zero_points[0]);
  return fmt::format("per-axis (dim {}, {} scales)", io.quantized_dimension, io.scales.size());
}

nlohmann::json io_json(const ir::IoInfo& io) {
  nlohmann::json j = {{"index", io.index}, {"name", io.name}, {"shape", io.shape}, {"dtype", dtype_name(io.dtype)}};
  if (!io.scales.empty()) {
    j["quantization"] = {{"scale", io.scales}, {"zero_point", io.zero_points}, {"quantized_dimension", io.quantized_dimension}};
  }
  return j;
}

std::string human_bytes(size_t b) {
  if (b >= (1u << 20)) return fmt::format("{:.2f} MiB", b / 1048576.0);
  if (b >= 1024) return fmt::format("{:.1f} KiB", b / 1024.0);
  return fmt::format("{} B", b);
}

}  // namespace

Command add_inspect(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "Show what a .tflite model contains and whether (and how) it is quantized");
  auto model_path = std::make_shared<std::string>();
  auto onnx_opts = std::make_shared<OnnxCliOptions>();
  add_onnx_options(cmd, *onnx_opts);
  auto json = std::make_shared<bool>(false);
  cmd->add_option("model", *model_path, "the .tflite (or .onnx) file")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--json", *json, "machine-readable output");
  return [=]() {
    const Model model = load_model(*model_path, *onnx_opts);
    const auto s = ir::summarize(model.ir());
    const auto file_size = std::filesystem::file_size(*model_path);
    if (*json) {
      nlohmann::json j;
      j["model"] = *model_path;
      j["file_bytes"] = file_size;
      j["schema_version"] = s.version;
      j["description"] = s.description;
      j["kind"] = ir::model_kind_id(s.kind);
      j["verdict"] = s.verdict;
      j["subgraphs"] = s.subgraphs;
      j["operators"] = s.operators;
      j["tensors"] = s.tensors;
      j["float_ops"] = s.float_ops;
      j["integer_ops"] = s.integer_ops;
      for (const auto& io : s.inputs) j["inputs"].push_back(io_json(io));
      for (const auto& io : s.outputs) j["outputs"].push_back(io_json(io));
      j["op_counts"] = s.op_counts;
      for (const auto& [dt, c] : s.const_by_dtype) j["constant_bytes"][dt] = {{"tensors", c.tensors}, {"bytes", c.bytes}};
      j["signatures"] = s.signatures;
      fmt::print("{}\n", j.dump(2));
      return 0;
    }
    fmt::print("{}  ({}, schema v{}{})\n", *model_path, human_bytes(file_size), s.version,
               s.description.empty() ? "" : ", \"" + s.description + "\"");
    fmt::print("kind: {}\n", s.verdict);
    fmt::print("{} subgraph(s), {} operators, {} tensors in the main graph\n\n", s.subgraphs, s.operators, s.tensors);
    auto print_io = [](const char* title, const std::vector<ir::IoInfo>& v) {
      fmt::print("{}:\n", title);
      for (const auto& io : v)
        fmt::print("  [{}] {:<28} {:<8} [{}]  {}\n", io.index, io.name, dtype_name(io.dtype), fmt::join(io.shape, ", "),
                   quant_str(io));
    };
    print_io("inputs", s.inputs);
    print_io("outputs", s.outputs);
    std::vector<std::pair<int, std::string>> ops;
    for (const auto& [name, n] : s.op_counts) ops.emplace_back(-n, name);
    std::sort(ops.begin(), ops.end());
    fmt::print("\noperators:\n");
    for (const auto& [n, name] : ops) fmt::print("  {:<28} {:>5}\n", name, -n);
    fmt::print("\nconstant data:\n");
    for (const auto& [dt, c] : s.const_by_dtype)
      fmt::print("  {:<10} {:>12}  in {} tensors\n", dt, human_bytes(c.bytes), c.tensors);
    if (!s.signatures.empty()) fmt::print("\nsignatures: {}\n", fmt::join(s.signatures, ", "));
    return 0;
  };
}

}  // namespace liteq::cli
