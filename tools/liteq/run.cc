// liteq run MODEL --input [NAME=]FILE ... --output-dir DIR
#include <chrono>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "model_loader.h"
#include "io/data/image.h"
#include "io/data/npy.h"
#include "io/tflite/tflite_io.h"
#include "liteq/error.h"
#include "liteq/interpreter.h"
#include "run_inputs.h"

namespace liteq::cli {

Command add_run(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Run a .tflite model on .npy arrays or images and save its outputs as .npy");
  struct Opts {
    std::string model;
    InputSpec in;
    std::string out_dir;
    int threads = 1;
    std::string kernels = "auto";
  };
  auto o = std::make_shared<Opts>();
  auto onnx_opts = std::make_shared<OnnxCliOptions>();
  add_onnx_options(cmd, *onnx_opts);
  cmd->add_option("model", o->model, "the .tflite (or .onnx) file")->required()->check(CLI::ExistingFile);
  add_input_options(cmd, o->in);
  cmd->add_option("-o,--output-dir", o->out_dir, "folder for output_<i>.npy and outputs.json")->required();
  cmd->add_option("-t,--threads", o->threads, "threads (default 1)")->check(CLI::Range(1, 256));
  add_kernels_option(cmd, o->kernels);
  return [=]() {
    using clock = std::chrono::steady_clock;
    auto ms = [](clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
    const auto t0 = clock::now();
    InterpreterOptions opts;
    opts.num_threads = o->threads;
    opts.kernels = o->kernels;
    Interpreter it(load_model(o->model, *onnx_opts), opts);  // takes the model: packed weights held once
    const auto t1 = clock::now();
    const auto inputs = it.input_details();
    const auto arrays = load_inputs(o->in, inputs);
    it.allocate_tensors();
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (arrays[i].shape != inputs[i].shape) {
        it.resize_input(inputs[i].index, arrays[i].shape, true);
        it.allocate_tensors();
      }
    }
    for (size_t i = 0; i < inputs.size(); ++i)
      it.set_tensor(inputs[i].index, arrays[i].dtype, arrays[i].shape, arrays[i].bytes);
    const auto t2 = clock::now();
    it.invoke();
    const auto t3 = clock::now();

    std::error_code ec;
    std::filesystem::create_directories(o->out_dir, ec);
    if (!std::filesystem::is_directory(o->out_dir))
      throw Error(ErrorKind::kIo, fmt::format("{}: cannot create the output folder", o->out_dir));
    nlohmann::json manifest;
    manifest["model"] = o->model;
    const auto outs = it.output_details();
    for (size_t i = 0; i < outs.size(); ++i) {
      const auto view = it.get_tensor(outs[i].index);
      io::Array a;
      a.dtype = view.dtype;
      a.shape = view.shape;
      a.bytes.assign(view.bytes.begin(), view.bytes.end());
      const std::string file = fmt::format("output_{}.npy", i);
      io::write_npy((std::filesystem::path(o->out_dir) / file).string(), a);
      nlohmann::json j = {{"index", i}, {"name", outs[i].name}, {"shape", view.shape},
                          {"dtype", dtype_name(view.dtype)}, {"file", file}};
      if (!outs[i].scales.empty()) j["quantization"] = {{"scale", outs[i].scales}, {"zero_point", outs[i].zero_points}};
      manifest["outputs"].push_back(j);
      fmt::print("output {} '{}': {} [{}] -> {}\n", i, outs[i].name, dtype_name(view.dtype), fmt::join(view.shape, ", "),
                 file);
    }
    manifest["timing_ms"] = {{"load", ms(t1 - t0)}, {"prepare_inputs", ms(t2 - t1)}, {"invoke", ms(t3 - t2)}};
    manifest["arena_bytes"] = it.arena_bytes();
    const std::string text = manifest.dump(2) + "\n";
    io::write_file_atomic((std::filesystem::path(o->out_dir) / "outputs.json").string(),
                          {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
    fmt::print("load {:.1f} ms, invoke {:.1f} ms, arena {:.2f} MiB\n", ms(t1 - t0), ms(t3 - t2),
               it.arena_bytes() / 1048576.0);
    return 0;
  };
}

}  // namespace liteq::cli
