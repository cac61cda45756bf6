// liteq convert IN.onnx -o OUT.tflite [--float16] [--input-shape NAME=dims] [--keep-nchw]
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "commands.h"
#include "ir/model.h"
#include "liteq/converter.h"
#include "liteq/interpreter.h"
#include "model_loader.h"



namespace liteq::cli {

Command add_convert(CLI::App& app) {
  auto* cmd = app.add_subcommand("convert", "Convert an ONNX model to a float .tflite (NHWC, TFLite builtin operators)");
  struct Opts {
    std::string in, out;
    bool float16 = false, quiet = false;
    OnnxCliOptions onnx;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("model", o->in, "the .onnx file")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", o->out, "the .tflite to write")->required();
  cmd->add_flag("--float16", o->float16, "store weights as float16 (TFLite's float16 quantization)");
  add_onnx_options(cmd, o->onnx);
  cmd->add_flag("-q,--quiet", o->quiet, "print nothing on success");
  return [=]() {
    const auto t0 = std::chrono::steady_clock::now();
    if (std::filesystem::exists(o->out) && std::filesystem::equivalent(o->in, o->out))
      fail(ErrorKind::kInvalidArgument, "{}: the output path is the input model; choose another output path", o->out);
    if (!is_onnx_file(o->in)) fail(ErrorKind::kInvalidArgument, "{}: not an ONNX model (convert reads .onnx files)", o->in);
    Model model = import_onnx(o->in, to_onnx_options(o->onnx));
    // Prepare once: every shape and kernel check runs before anything is written.
    {
      Interpreter check(model);
      check.allocate_tensors();
    }
    const bool qdq = has_recorded_ranges(model);
    if (o->float16) {
      Converter c(model);
      c.optimizations = {Optimize::kDefault};
      c.target_spec.supported_types = {DType::kFloat16};
      c.use_recorded_ranges = false;
      model = c.convert();
    } else if (qdq) {
      // A QDQ model: integer, with the model's own scales (no calibration).
      Converter c(model);
      c.optimizations = {Optimize::kDefault};
      model = c.convert();
      if (!o->quiet)
        fmt::print("QuantizeLinear/DequantizeLinear pairs: int8 model with the ONNX model's scales ({} ranges; {} ops "
                   "integer, {} float)\n",
                   c.report().recorded_ranges, c.report().quantized_ops, c.report().float_ops);
    }
    model.save(o->out);
    if (!o->quiet) {
      Interpreter it(model);
      std::string ins, outs;
      for (const auto& d : it.input_details()) ins += fmt::format(" {} [{}]", d.name, fmt::join(d.shape, ","));
      for (const auto& d : it.output_details()) outs += fmt::format(" {} [{}]", d.name, fmt::join(d.shape, ","));
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      fmt::print("wrote {} ({:.1f} KiB, {} operators, {:.0f} ms)\n  inputs:{}\n  outputs:{}\n", o->out,
                 std::filesystem::file_size(o->out) / 1024.0, model.ir().fb->subgraphs[0]->operators.size(), ms, ins, outs);
    }
    return 0;
  };
}

}  // namespace liteq::cli
