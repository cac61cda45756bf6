// Register-only throughput probes (bench/peak_*_avx*.cc): each runs `iters` iterations
// of kChains independent instruction chains and returns a value that depends on all of them.
#pragma once
#include <cstdint>

namespace liteq::bench {
constexpr int kChains = 12;
constexpr int kChainsAvx2Int = 8;  // AVX2 has 16 registers: 8 accumulators + operands
int32_t peak_dpbusd_avx512vnni(int64_t iters);   // 12 vpdpbusd zmm / iteration
int32_t peak_dpbusd_avx2vnni(int64_t iters);     // 12 vpdpbusd ymm (VEX) / iteration
int32_t peak_maddwd_avx512(int64_t iters);       // 12 vpmaddwd + 12 vpaddd zmm / iteration
int32_t peak_maddwd_avx2(int64_t iters);         // 8 vpmaddwd + 8 vpaddd ymm / iteration
float peak_fma_avx512(int64_t iters);            // 12 vfmadd231ps zmm / iteration
float peak_fma_avx2(int64_t iters);              // 12 vfmadd231ps ymm / iteration
}  // namespace liteq::bench
