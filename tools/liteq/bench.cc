// liteq bench MODEL [--threads N] [--runs R] [--warmup W] [--input ...] [--kernels K] [--json]
//
// Latency of a model on our interpreter: load, first invoke, then R timed invokes after
// W warm-up ones (min / median / p90 / mean), with the memory it takes (arena, kernel
// state such as packed weights, peak RSS of the process) and the model's size.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "model_loader.h"
#include "io/data/npy.h"
#include "liteq/error.h"
#include "liteq/interpreter.h"
#include "run_inputs.h"

namespace liteq::cli {
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// Deterministic random data of the input's dtype: floats in [-1, 1], integers over
// their whole range (bool: 0/1).
std::vector<uint8_t> random_bytes(const TensorDetails& d, std::mt19937& rng) {
  int64_t n = 1;
  for (int32_t s : d.shape) n *= std::max(s, 0);
  std::vector<uint8_t> bytes(static_cast<size_t>(n) * dtype_size(d.dtype));
  if (d.dtype == DType::kFloat32) {
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    auto* p = reinterpret_cast<float*>(bytes.data());
    for (int64_t i = 0; i < n; ++i) p[i] = dist(rng);
  } else if (d.dtype == DType::kBool) {
    for (auto& b : bytes) b = rng() & 1;
  } else {
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  }
  return bytes;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double pos = p * (v.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

size_t peak_rss_bytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<size_t>(ru.ru_maxrss) * 1024;  // Linux: KiB
}

// Resident bytes now (VmRSS of /proc/self/status), 0 where that file is absent.
size_t rss_now_bytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return static_cast<size_t>(std::strtoull(line.c_str() + 6, nullptr, 10)) * 1024;
  return 0;
}

}  // namespace

Command add_bench(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Measure a .tflite model's latency and memory on liteq's interpreter");
  struct Opts {
    std::string model;
    InputSpec in;
    int threads = 1;
    int runs = 50;
    int warmup = 5;
    std::string kernels = "auto";
    bool json = false;
    bool profile = false;
    std::string save_inputs;
  };
  auto o = std::make_shared<Opts>();
  auto onnx_opts = std::make_shared<OnnxCliOptions>();
  add_onnx_options(cmd, *onnx_opts);
  cmd->add_option("model", o->model, "the .tflite (or .onnx) file")->required()->check(CLI::ExistingFile);
  add_input_options(cmd, o->in, /*required=*/false);
  cmd->add_option("-t,--threads", o->threads, "threads (default 1)")->check(CLI::Range(1, 256));
  cmd->add_option("-r,--runs", o->runs, "timed invokes (default 50)")->check(CLI::Range(1, 1000000));
  cmd->add_option("-w,--warmup", o->warmup, "untimed invokes after the first (default 5)")->check(CLI::Range(0, 1000000));
  add_kernels_option(cmd, o->kernels);
  cmd->add_flag("--json", o->json, "print one JSON object instead of text");
  cmd->add_option("--save-inputs", o->save_inputs,
                  "write the inputs used as DIR/input_<i>.npy (to run other runtimes on the same data)");
  cmd->add_flag("--profile", o->profile, "time every operator; print the time per operator type");
  return [=]() {
    const auto t_load = Clock::now();
    InterpreterOptions opts;
    opts.num_threads = o->threads;
    opts.kernels = o->kernels;
    opts.profile = o->profile;
    // The interpreter takes the model: the weights its kernels pack are then held once.
    Interpreter it(load_model(o->model, *onnx_opts), opts);
    it.allocate_tensors();
    const double load_ms = ms_since(t_load);

    const auto inputs = it.input_details();
    std::vector<std::vector<uint8_t>> data;
    if (!o->in.inputs.empty()) {
      const auto arrays = load_inputs(o->in, inputs);
      for (size_t i = 0; i < inputs.size(); ++i) {
        if (arrays[i].shape != inputs[i].shape) {
          it.resize_input(inputs[i].index, arrays[i].shape, true);
          it.allocate_tensors();
        }
        it.set_tensor(inputs[i].index, arrays[i].dtype, arrays[i].shape, arrays[i].bytes);
      }
    } else {
      std::mt19937 rng(12345);
      for (const auto& d : inputs) {
        for (int32_t s : d.shape)
          if (s < 0)
            throw Error(ErrorKind::kInvalidArgument,
                        fmt::format("input '{}' has a dynamic shape; give --input files", d.name));
        const auto bytes = random_bytes(d, rng);
        it.set_tensor(d.index, d.dtype, d.shape, bytes);
      }
    }
    if (!o->save_inputs.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(o->save_inputs, ec);
      if (!std::filesystem::is_directory(o->save_inputs))
        throw Error(ErrorKind::kIo, fmt::format("{}: cannot create the folder", o->save_inputs));
      for (size_t i = 0; i < inputs.size(); ++i) {
        const auto view = it.get_tensor(inputs[i].index);
        io::Array a;
        a.dtype = view.dtype;
        a.shape = view.shape;
        a.bytes.assign(view.bytes.begin(), view.bytes.end());
        io::write_npy((std::filesystem::path(o->save_inputs) / fmt::format("input_{}.npy", i)).string(), a);
      }
    }

    const auto t_first = Clock::now();
    it.invoke();
    const double first_ms = ms_since(t_first);
    const auto first_profile = it.op_profile();
    for (int i = 0; i < o->warmup; ++i) it.invoke();
    std::vector<double> times;
    times.reserve(o->runs);
    for (int i = 0; i < o->runs; ++i) {
      const auto t = Clock::now();
      it.invoke();
      times.push_back(ms_since(t));
    }
    double sum = 0;
    for (double t : times) sum += t;
    const double mean = sum / times.size();
    const double mn = *std::min_element(times.begin(), times.end());
    const double median = percentile(times, 0.5), p90 = percentile(times, 0.9);
    const auto model_bytes = std::filesystem::file_size(o->model);
    const size_t rss = peak_rss_bytes();
    const size_t rss_now = rss_now_bytes();

    // Per operator type (and dtypes, kernel): time per invoke, timed runs only.
    struct Row {
      std::string op, types, kernel;
      double ms = 0;
      int count = 0;
    };
    std::vector<Row> rows;
    struct NodeRow {
      int node;
      std::string op, types, shapes;
      double ms;
    };
    std::vector<NodeRow> nodes;
    if (o->profile) {
      const auto prof = it.op_profile();
      for (size_t i = 0; i < prof.size() && i < first_profile.size(); ++i) {
        const auto& p = prof[i];
        const double per_invoke = (p.total_ms - first_profile[i].total_ms) / std::max<int64_t>(p.calls - first_profile[i].calls, 1);
        auto r = std::find_if(rows.begin(), rows.end(), [&](const Row& x) {
          return x.op == p.op && x.types == p.types && x.kernel == p.kernel;
        });
        if (r == rows.end()) r = rows.insert(rows.end(), Row{p.op, p.types, p.kernel});
        r->ms += per_invoke;
        ++r->count;
        nodes.push_back({p.node, p.op, p.types, p.shapes, per_invoke});
      }
      std::sort(nodes.begin(), nodes.end(), [](const NodeRow& a, const NodeRow& b) { return a.ms > b.ms; });
      std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.ms > b.ms; });
    }

    if (o->json) {
      nlohmann::ordered_json j = {{"model", o->model},
                          {"kernels", it.kernels()},
                          {"threads", it.num_threads()},
                          {"runs", o->runs},
                          {"warmup", o->warmup},
                          {"inputs", o->in.inputs.empty() ? "random" : "files"},
                          {"load_ms", load_ms},
                          {"first_invoke_ms", first_ms},
                          {"latency_ms", {{"min", mn}, {"median", median}, {"p90", p90}, {"mean", mean}}},
                          {"arena_bytes", it.arena_bytes()},
                          {"arena_lower_bound_bytes", it.arena_lower_bound_bytes()},
                          {"kernel_state_bytes", it.kernel_state_bytes()},
                          {"released_constant_bytes", it.released_constant_bytes()},
                          {"peak_rss_bytes", rss},
                          {"rss_bytes", rss_now},
                          {"model_bytes", model_bytes}};
      if (o->profile) {
        auto& arr = j["profile"] = nlohmann::ordered_json::array();
        for (const auto& r : rows)
          arr.push_back({{"op", r.op}, {"types", r.types}, {"kernel", r.kernel}, {"count", r.count}, {"ms", r.ms}});
        auto& per_node = j["profile_nodes"] = nlohmann::ordered_json::array();
        for (const auto& n : nodes)
          per_node.push_back({{"node", n.node}, {"op", n.op}, {"types", n.types}, {"shapes", n.shapes}, {"ms", n.ms}});
      }
      fmt::print("{}\n", j.dump(2));
      return 0;
    }
    auto mib = [](double b) { return b / 1048576.0; };
    fmt::print("model          {} ({:.2f} MiB)\n", o->model, mib(model_bytes));
    fmt::print("kernels        {}, {} thread{}\n", it.kernels(), it.num_threads(), it.num_threads() == 1 ? "" : "s");
    fmt::print("inputs         {}\n", o->in.inputs.empty() ? "random" : "from files");
    fmt::print("load           {:.2f} ms (read, verify, prepare, plan)\n", load_ms);
    fmt::print("first invoke   {:.2f} ms\n", first_ms);
    fmt::print("latency        min {:.3f}  median {:.3f}  p90 {:.3f}  mean {:.3f} ms  ({} runs, {} warm-up)\n", mn,
               median, p90, mean, o->runs, o->warmup);
    fmt::print("arena          {:.2f} MiB (the most alive at once: {:.2f} MiB)\n", mib(it.arena_bytes()),
               mib(it.arena_lower_bound_bytes()));
    fmt::print("kernel state   {:.2f} MiB (packed weights; {:.2f} MiB of model constants freed once packed)\n",
               mib(it.kernel_state_bytes()), mib(it.released_constant_bytes()));
    fmt::print("RSS            {:.2f} MiB after the runs, {:.2f} MiB at peak (loading included)\n", mib(rss_now),
               mib(rss));
    if (o->profile) {
      double total = 0;
      for (const auto& r : rows) total += r.ms;
      fmt::print("\n{:<28} {:<16} {:<11} {:>5} {:>10} {:>6}\n", "operator", "types", "kernel", "count", "ms/invoke", "share");
      for (const auto& r : rows)
        fmt::print("{:<28} {:<16} {:<11} {:>5} {:>10.3f} {:>5.1f}%\n", r.op, r.types, r.kernel, r.count, r.ms,
                   total > 0 ? 100 * r.ms / total : 0.0);
      fmt::print("\nslowest operators\n{:>5} {:<22} {:<14} {:>10}  {}\n", "node", "operator", "types", "ms/invoke", "shapes");
      for (size_t i = 0; i < nodes.size() && i < 10; ++i)
        fmt::print("{:>5} {:<22} {:<14} {:>10.3f}  {}\n", nodes[i].node, nodes[i].op, nodes[i].types, nodes[i].ms,
                   nodes[i].shapes);
    }
    return 0;
  };
}

}  // namespace liteq::cli
