// Float32 TRANSPOSE_CONV at the PP-OCRv4 det model's two upsampling layers (kernel 2x2,
// stride 2, VALID, bias) plus a general (overlapping, col2im) case, per ISA level
// (0 reference, 1 AVX2, 2 AVX-512) and thread count. Reports GFLOP/s (2 x multiply-adds
// of the scatter / time). Names: <kernel>/<shape>/<isa>/<threads>/<shape args>.
//   build/bench/tconv_f32_bench --benchmark_filter=Det
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <vector>

#include "ir/op_codes.h"
#include "kernels/kernel_api.h"

namespace liteq {
namespace {

// TRANSPOSE_CONV in a one-node graph: prepare once, eval per iteration.
class TconvBench {
 public:
  TconvBench(int h, int w, int c, int oc, int k, int s, rt::Padding pad, rt::Isa isa, int threads) {
    if (threads > 1) pool_ = std::make_unique<rt::ThreadPool>(threads);
    g_.exec = rt::ExecConfig{isa, pool_.get()};
    const bool same = pad == rt::Padding::kSame;
    const int oh = same ? h * s : (h - 1) * s + k, ow = same ? w * s : (w - 1) * s + k;
    rt::TransposeConvParams p;
    p.padding = pad;
    p.stride_h = p.stride_w = s;
    rt::Node n;
    n.builtin_code = static_cast<int32_t>(Op::TRANSPOSE_CONV);
    n.params = p;
    n.kernel = rt::find_kernel(n.builtin_code, "");
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> d(-1, 1);
    store_.reserve(16);
    auto add = [&](DType type, std::vector<int32_t> dims, bool constant) {
      rt::Tensor t;
      t.type = type;
      t.dims = std::move(dims);
      store_.emplace_back(t.num_elements());
      for (auto& x : store_.back()) x = d(rng);
      t.data = reinterpret_cast<uint8_t*>(store_.back().data());
      t.bytes = store_.back().size() * sizeof(float);
      t.storage = constant ? rt::Storage::kConstant : rt::Storage::kArena;
      n.inputs.push_back(static_cast<int>(g_.tensors.size()));
      g_.tensors.push_back(std::move(t));
      return reinterpret_cast<int32_t*>(store_.back().data());
    };
    int32_t* shape = add(DType::kInt32, {4}, true);
    shape[0] = 1;
    shape[1] = oh;
    shape[2] = ow;
    shape[3] = oc;
    add(DType::kFloat32, {oc, k, k, c}, true);
    add(DType::kFloat32, {1, h, w, c}, false);
    add(DType::kFloat32, {oc}, true);
    n.outputs.push_back(static_cast<int>(g_.tensors.size()));
    g_.tensors.emplace_back();
    g_.tensors.back().type = DType::kFloat32;
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

// args: isa, threads, h, w, in_c, out_c, k, stride, same
void TransposeConv(benchmark::State& state) {
  const auto isa = static_cast<rt::Isa>(state.range(0));
  if (isa > rt::detect_isa()) {
    state.SkipWithError("ISA not available on this CPU");
    return;
  }
  const int threads = state.range(1), h = state.range(2), w = state.range(3), c = state.range(4),
            oc = state.range(5), k = state.range(6), s = state.range(7);
  const auto pad = state.range(8) ? rt::Padding::kSame : rt::Padding::kValid;
  TconvBench op(h, w, c, oc, k, s, pad, isa, threads);
  for (auto _ : state) op.eval();
  const double flops = 2.0 * h * w * c * oc * k * k;
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
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

BENCHMARK(TransposeConv)->Name("Det/160x160x96to24k2s2")->Apply([](auto* b) {
  isa_threads(b, {160, 160, 96, 24, 2, 2, 0});
});
BENCHMARK(TransposeConv)->Name("Det/320x320x24to1k2s2")->Apply([](auto* b) {
  isa_threads(b, {320, 320, 24, 1, 2, 2, 0});
});
BENCHMARK(TransposeConv)->Name("Col2im/64x64x64to32k3s2same")->Apply([](auto* b) {
  isa_threads(b, {64, 64, 64, 32, 3, 2, 1});
});

}  // namespace
}  // namespace liteq

BENCHMARK_MAIN();
