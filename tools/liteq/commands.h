// Subcommands of the liteq CLI. Each registers its options on the app and returns the
// function that runs it; errors are thrown as liteq::Error and reported by main.cc.
#pragma once
#include <functional>

#include <CLI/CLI.hpp>

namespace liteq::cli {

using Command = std::function<int()>;

Command add_inspect(CLI::App& app);
Command add_run(CLI::App& app);
Command add_quantize(CLI::App& app);
Command add_compare(CLI::App& app);
Command add_bench(CLI::App& app);
Command add_convert(CLI::App& app);

}  // namespace liteq::cli
