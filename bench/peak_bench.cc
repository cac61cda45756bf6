// The machine's peak arithmetic throughput on one thread, from register-only loops of
// independent instructions (bench/peak_*_avx*.cc):
//   int8  AVX-512 VNNI: vpdpbusd zmm = 64 multiply-adds = 128 ops;
//   int8  AVX-VNNI:     vpdpbusd ymm = 32 multiply-adds = 64 ops;
//   int8  AVX-512:      vpmaddwd + vpaddd zmm = 32 multiply-adds = 64 ops;
//   int8  AVX2:         vpmaddwd + vpaddd ymm = 16 multiply-adds = 32 ops;
//   float AVX-512 / AVX2: vfmadd231ps = 2 flops per lane.
// Counters: GOP/s (int8 multiply-add = 2 ops) and GFLOP/s. Levels this CPU lacks are
// skipped.
#include <benchmark/benchmark.h>

#include "kernels/exec.h"
#include "peak_kernels.h"

namespace {

using liteq::rt::Isa;

template <typename Fn>
void run_peak(benchmark::State& state, Isa need, Fn fn, double ops_per_instr, const char* counter,
              int chains = liteq::bench::kChains) {
  if (!liteq::rt::cpu_supports(need)) {
    state.SkipWithError("CPU lacks this ISA");
    return;
  }
  constexpr int64_t kIters = 1 << 20;
  for (auto _ : state) benchmark::DoNotOptimize(fn(kIters));
  state.counters[counter] =
      benchmark::Counter(ops_per_instr * chains * kIters * 1e-9 * state.iterations(),
                         benchmark::Counter::kIsRate);
}

void BM_Int8_Avx512Vnni_vpdpbusd(benchmark::State& s) {
  run_peak(s, Isa::kAvx512Vnni, liteq::bench::peak_dpbusd_avx512vnni, 128, "GOP/s");
}
void BM_Int8_Avx2Vnni_vpdpbusd(benchmark::State& s) {
  run_peak(s, Isa::kAvx2Vnni, liteq::bench::peak_dpbusd_avx2vnni, 64, "GOP/s");
}
void BM_Int8_Avx512_vpmaddwd(benchmark::State& s) {
  run_peak(s, Isa::kAvx512, liteq::bench::peak_maddwd_avx512, 64, "GOP/s");
}
void BM_Int8_Avx2_vpmaddwd(benchmark::State& s) { run_peak(s, Isa::kAvx2, liteq::bench::peak_maddwd_avx2, 32, "GOP/s", liteq::bench::kChainsAvx2Int); }
void BM_F32_Avx512_fma(benchmark::State& s) { run_peak(s, Isa::kAvx512, liteq::bench::peak_fma_avx512, 32, "GFLOP/s"); }
void BM_F32_Avx2_fma(benchmark::State& s) { run_peak(s, Isa::kAvx2, liteq::bench::peak_fma_avx2, 16, "GFLOP/s"); }

BENCHMARK(BM_Int8_Avx512Vnni_vpdpbusd);
BENCHMARK(BM_Int8_Avx2Vnni_vpdpbusd);
BENCHMARK(BM_Int8_Avx512_vpmaddwd);
BENCHMARK(BM_Int8_Avx2_vpmaddwd);
BENCHMARK(BM_F32_Avx512_fma);
BENCHMARK(BM_F32_Avx2_fma);

}  // namespace

BENCHMARK_MAIN();
