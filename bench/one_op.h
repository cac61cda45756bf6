// A single operator run through its prepare/eval, as the interpreter runs it, on
// random data, for the kernel benchmarks (conv_s8_bench.cc, conv_s16_bench.cc), and the
// benchmark registration they share.
#pragma once
#include <benchmark/benchmark.h>

#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ir/op_codes.h"
#include "kernels/exec.h"
#include "kernels/kernel_api.h"

namespace liteq::bench {

struct TensorSpec {
  DType type;
  std::vector<int32_t> dims;
  std::vector<float> scales;
  int64_t zero_point = 0;
  int axis = 0;
  bool constant = false;
};

// One op with its tensors, prepared once; eval() runs it.
class OneOp {
 public:
  OneOp(Op op, rt::OpParams params, const std::vector<TensorSpec>& inputs, TensorSpec output, rt::ExecConfig exec) {
    g_.exec = exec;
    rt::Node n;
    n.builtin_code = static_cast<int32_t>(op);
    n.params = std::move(params);
    n.kernel = rt::find_kernel(n.builtin_code, "");
    std::mt19937 rng(7);
    storage_.reserve(64);
    auto add = [&](const TensorSpec& s, bool is_input) {
      rt::Tensor t;
      t.type = s.type;
      t.dims = s.dims;
      t.quant.scale = s.scales;
      t.quant.zero_point.assign(s.scales.size(), 0);
      if (!t.quant.zero_point.empty()) t.quant.zero_point[0] = s.zero_point;
      t.quant.axis = s.axis;
      if (is_input) {
        int64_t n_el = 1;
        for (int d : s.dims) n_el *= d;
        const size_t size = dtype_size(s.type);
        const size_t bytes = static_cast<size_t>(n_el) * size;
        storage_.emplace_back(bytes);
        // Small values for biases (int32 / int64: low byte only), any for activations and weights.
        for (size_t i = 0; i < bytes; ++i)
          storage_.back()[i] = size >= 4 ? (i % size == 0 ? static_cast<uint8_t>(rng() % 16) : 0)
                                         : static_cast<uint8_t>(rng() % 255);
        t.data = storage_.back().data();
        t.bytes = bytes;
        t.storage = s.constant ? rt::Storage::kConstant : rt::Storage::kArena;
      }
      g_.tensors.push_back(std::move(t));
      return static_cast<int>(g_.tensors.size() - 1);
    };
    for (const auto& s : inputs) n.inputs.push_back(add(s, true));
    n.outputs.push_back(add(output, false));
    g_.num_model_tensors = g_.tensors.size();
    g_.tensors.reserve(g_.tensors.size() + 16);
    g_.nodes.push_back(std::move(n));
    rt::Node& node = g_.nodes.back();
    {
      rt::OpContext ctx(g_, node, true);
      node.kernel->prepare(ctx);
    }
    for (int idx : node.outputs) alloc(idx);
    for (int idx : node.scratch) alloc(idx);
  }
  void eval() {
    rt::OpContext ctx(g_, g_.nodes.back(), false);
    g_.nodes.back().kernel->eval(ctx);
  }

 private:
  void alloc(int idx) {
    auto& t = g_.tensors[idx];
    if (t.bytes == 0) {
      int64_t n_el = 1;
      for (int d : t.dims) n_el *= d;
      t.bytes = static_cast<size_t>(n_el) * dtype_size(t.type);  // outputs; scratch has its size
    }
    storage_.emplace_back(t.bytes + 64);
    t.data = storage_.back().data();
    t.storage = rt::Storage::kArena;
  }
  rt::Graph g_;
  std::vector<std::vector<uint8_t>> storage_;
};

// One benchmarked op: its name, 2 x its multiply-adds, and how to build it.
struct Case {
  std::string name;
  double ops;
  std::function<std::unique_ptr<OneOp>(rt::ExecConfig)> make;
};

// Registers every case at every ISA level this CPU has (the reference on one thread only)
// on 1 and 2 threads, with a GOP/s counter, and runs them: the body of main().
inline int run_cases(int argc, char** argv, std::vector<Case> (*make_cases)()) {
  benchmark::Initialize(&argc, argv);
  static std::vector<std::unique_ptr<rt::ThreadPool>> pools;
  pools.push_back(std::make_unique<rt::ThreadPool>(1));
  pools.push_back(std::make_unique<rt::ThreadPool>(2));
  static const auto all = make_cases();
  for (const auto& c : all) {
    for (int level = 0; level <= static_cast<int>(rt::detect_isa()); ++level) {
      const auto isa = static_cast<rt::Isa>(level);
      for (int threads : {1, 2}) {
        if (isa == rt::Isa::kReference && threads > 1) continue;  // the reference is single-threaded
        if (!rt::cpu_supports(isa)) continue;  // kAvx2Vnni without AVX-VNNI would run the AVX2 kernels
        const std::string name = c.name + "/" + rt::isa_name(isa) + "/threads:" + std::to_string(threads);
        rt::ThreadPool* pool = pools[threads - 1].get();
        benchmark::RegisterBenchmark(name.c_str(), [&c, isa, pool](benchmark::State& state) {
          auto op = c.make(rt::ExecConfig{isa, pool});
          for (auto _ : state) op->eval();
          state.counters["GOP/s"] = benchmark::Counter(c.ops * 1e-9 * state.iterations(), benchmark::Counter::kIsRate);
        })->UseRealTime()->Unit(benchmark::kMicrosecond);
      }
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace liteq::bench
