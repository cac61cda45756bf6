// liteq: quantize, inspect, run and benchmark TFLite models; convert ONNX models.
#include <cstdio>
#include <map>

#include <fmt/core.h>

#include "commands.h"
#include "liteq/error.h"

int main(int argc, char** argv) {
  CLI::App app{"liteq: post-training quantization and fast inference for TFLite models, without TensorFlow"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "liteq 0.1.0");
  std::map<CLI::App*, liteq::cli::Command> commands;
  auto add = [&](liteq::cli::Command (*f)(CLI::App&)) {
    auto before = app.get_subcommands({});
    liteq::cli::Command c = f(app);
    auto after = app.get_subcommands({});
    commands[after.back()] = std::move(c);
  };
  add(liteq::cli::add_inspect);
  add(liteq::cli::add_run);
  add(liteq::cli::add_quantize);
  add(liteq::cli::add_compare);
  add(liteq::cli::add_bench);
  add(liteq::cli::add_convert);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    for (auto* sub : app.get_subcommands())
      if (auto it = commands.find(sub); it != commands.end()) return it->second();
    return 2;
  } catch (const liteq::Error& e) {
    fmt::print(stderr, "liteq: error: {}\n", e.what());
    return e.kind() == liteq::ErrorKind::kInvalidArgument ? 2 : 1;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "liteq: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "liteq: internal error: {}\n", e.what());
    return 1;
  }
}
