// Float32 CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED at MobileNet/MediaPipe sizes,
// per ISA level (0 reference, 1 AVX2, 2 AVX-512) and thread count. Reports GFLOP/s
// (2 x multiply-adds / time). Names: <kernel>/<shape>/<isa>/<threads>/<shape args>.
//   build/bench/conv_f32_bench --benchmark_filter=Conv1x1
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <vector>

#include "ir/op_codes.h"
#include "kernels/kernel_api.h"

namespace liteq {
namespace {

struct In {
  std::vector<int32_t> dims;
  bool constant;
};

// One op in a one-node graph: prepare once, eval per iteration.
class OpBench {
 public:
  OpBench(Op op, rt::OpParams params, const std::vector<In>& inputs, std::vector<int32_t> out_dims_unused,
          rt::Isa isa, int threads) {
    (void)out_dims_unused;
    if (threads > 1) pool_ = std::make_unique<rt::ThreadPool>(threads);
    g_.exec = rt::ExecConfig{isa, pool_.get()};
    rt::Node n;
    n.builtin_code = static_cast<int32_t>(op);
    n.params = std::move(params);
    n.kernel = rt::find_kernel(n.builtin_code, "");
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> d(-1, 1);
    store_.reserve(inputs.size() + 8);
    for (const In& in : inputs) {
      rt::Tensor t;
      t.dims = in.dims;
      store_.emplace_back(t.num_elements());
      for (auto& x : store_.back()) x = d(rng);
      t.data = reinterpret_cast<uint8_t*>(store_.back().data());
      t.bytes = store_.back().size() * sizeof(float);
      t.storage = in.constant ? rt::Storage::kConstant : rt::Storage::kArena;
      n.inputs.push_back(static_cast<int>(g_.tensors.size()));
      g_.tensors.push_back(std::move(t));
    }
    n.outputs.push_back(static_cast<int>(g_.tensors.size()));
    g_.tensors.emplace_back();
    g_.num_model_tensors = g_.tensors.size();
    g_.tensors.reserve(g_.tensors.size() + 16);
    g_.nodes.push_back(std::move(n));
    rt::Node& node = g_.nodes.back();
    {
      rt::OpContext ctx(g_, node, true);
      node.kernel->prepare(ctx);
    }
    auto alloc = [&](int idx, size_t bytes) {
      auto& t = g_.tensors[idx];
      store_.emplace_back((bytes + 3) / 4 + 16);
      t.data = reinterpret_cast<uint8_t*>(store_.back().data());
      t.bytes = bytes;
      t.storage = rt::Storage::kArena;
    };
    auto& out = g_.tensors[node.outputs[0]];
    alloc(node.outputs[0], static_cast<size_t>(out.num_elements()) * sizeof(float));
    for (int idx : node.scratch) alloc(idx, g_.tensors[idx].bytes);
  }
  void eval() {
    rt::OpContext ctx(g_, g_.nodes.back(), false);
    g_.nodes.back().kernel->eval(ctx);
  }

 private:
  std::unique_ptr<rt::ThreadPool> pool_;
  rt::Graph g_;
  std::vector<std::vector<float>> store_;
};

bool usable(benchmark::State& state, rt::Isa isa) {
  if (isa > rt::detect_isa()) {
    state.SkipWithError("ISA not available on this CPU");
    return false;
  }
  return true;
}

void run(benchmark::State& state, OpBench& op, double flops) {
  for (auto _ : state) op.eval();
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// args: isa, threads, h, w, in_c, out_c, k, stride
void Conv(benchmark::State& state) {
  const auto isa = static_cast<rt::Isa>(state.range(0));
  if (!usable(state, isa)) return;
  const int threads = state.range(1), h = state.range(2), w = state.range(3), c = state.range(4),
            oc = state.range(5), k = state.range(6), s = state.range(7);
  rt::ConvParams p;
  p.padding = rt::Padding::kSame;
  p.stride_h = p.stride_w = s;
  OpBench op(Op::CONV_2D, p, {{{1, h, w, c}, false}, {{oc, k, k, c}, true}, {{oc}, true}}, {}, isa, threads);
  const double oh = (h + s - 1) / s, ow = (w + s - 1) / s;
  run(state, op, 2.0 * oh * ow * oc * k * k * c);
}

// args: isa, threads, h, w, c, k, stride
void Depthwise(benchmark::State& state) {
  const auto isa = static_cast<rt::Isa>(state.range(0));
  if (!usable(state, isa)) return;
  const int threads = state.range(1), h = state.range(2), w = state.range(3), c = state.range(4),
            k = state.range(5), s = state.range(6);
  rt::DepthwiseConvParams p;
  p.padding = rt::Padding::kSame;
  p.stride_h = p.stride_w = s;
  OpBench op(Op::DEPTHWISE_CONV_2D, p, {{{1, h, w, c}, false}, {{1, k, k, c}, true}, {{c}, true}}, {}, isa,
             threads);
  const double oh = (h + s - 1) / s, ow = (w + s - 1) / s;
  run(state, op, 2.0 * oh * ow * c * k * k);
}

// args: isa, threads, batch, depth, units
void FullyConnected(benchmark::State& state) {
  const auto isa = static_cast<rt::Isa>(state.range(0));
  if (!usable(state, isa)) return;
  const int threads = state.range(1), batch = state.range(2), depth = state.range(3), units = state.range(4);
  OpBench op(Op::FULLY_CONNECTED, rt::FullyConnectedParams{},
             {{{batch, depth}, false}, {{units, depth}, true}, {{units}, true}}, {}, isa, threads);
  run(state, op, 2.0 * batch * depth * units);
}

void isa_threads(benchmark::internal::Benchmark* b, std::vector<int64_t> shape) {
  for (int isa : {0, 1, 2})
    for (int threads : {1, 2}) {
      if (isa == 0 && threads == 2) continue;  // the reference is single-threaded
      std::vector<int64_t> args{isa, threads};
      args.insert(args.end(), shape.begin(), shape.end());
      b->Args(args);
    }
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

BENCHMARK(Conv)->Name("Conv1x1/56x56x64to64")->Apply([](auto* b) { isa_threads(b, {56, 56, 64, 64, 1, 1}); });
BENCHMARK(Conv)->Name("Conv1x1/14x14x256to512")->Apply([](auto* b) { isa_threads(b, {14, 14, 256, 512, 1, 1}); });
BENCHMARK(Conv)->Name("Conv3x3/28x28x128to128")->Apply([](auto* b) { isa_threads(b, {28, 28, 128, 128, 3, 1}); });
BENCHMARK(Conv)->Name("Conv3x3s2/224x224x3to32")->Apply([](auto* b) { isa_threads(b, {224, 224, 3, 32, 3, 2}); });
BENCHMARK(Depthwise)->Name("Depthwise3x3/112x112x32")->Apply([](auto* b) { isa_threads(b, {112, 112, 32, 3, 1}); });
BENCHMARK(Depthwise)->Name("Depthwise3x3/28x28x256")->Apply([](auto* b) { isa_threads(b, {28, 28, 256, 3, 1}); });
BENCHMARK(Depthwise)->Name("Depthwise5x5s2/56x56x72")->Apply([](auto* b) { isa_threads(b, {56, 56, 72, 5, 2}); });
BENCHMARK(FullyConnected)->Name("FC/1x1280to1000")->Apply([](auto* b) { isa_threads(b, {1, 1280, 1000}); });
BENCHMARK(FullyConnected)->Name("FC/64x256to256")->Apply([](auto* b) { isa_threads(b, {64, 256, 256}); });

}  // namespace
}  // namespace liteq

BENCHMARK_MAIN();
