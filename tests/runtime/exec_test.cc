// Run-time ISA selection, the thread pool, and the interpreter options that choose them.
#include "kernels/exec.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "liteq/error.h"
#include "liteq/interpreter.h"
#include "model_builder.h"

namespace liteq::test {
namespace {

using rt::ExecConfig;
using rt::Isa;
using rt::ThreadPool;

TEST(Exec, IsaNamesRoundTrip) {
  for (Isa i : {Isa::kReference, Isa::kAvx2, Isa::kAvx2Vnni, Isa::kAvx512, Isa::kAvx512Vnni}) {
    Isa back;
    ASSERT_TRUE(rt::parse_isa(rt::isa_name(i), &back)) << rt::isa_name(i);
    EXPECT_EQ(back, i);
  }
  Isa any;
  EXPECT_TRUE(rt::parse_isa("auto", &any));
  EXPECT_EQ(any, rt::detect_isa());
  EXPECT_FALSE(rt::parse_isa("sse2", &any));
  EXPECT_FALSE(rt::parse_isa("", &any));
}

// Every index in [0, n) is visited exactly once, in chunks of at least `grain` (but the
// last), for many sizes and thread counts.
TEST(Exec, ParallelForCoversEveryIndexOnce) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    ExecConfig exec{Isa::kReference, threads > 1 ? &pool : nullptr};
    EXPECT_EQ(exec.threads(), threads);
    for (size_t n : {0, 1, 2, 7, 64, 1000, 4097}) {
      for (size_t grain : {1, 3, 16, 5000}) {
        std::vector<std::atomic<int>> hits(n);
        std::mutex mu;
        std::vector<std::pair<size_t, size_t>> chunks;
        rt::parallel_for(exec, n, grain, [&](size_t b, size_t e) {
          ASSERT_LT(b, e);
          ASSERT_LE(e, n);
          for (size_t i = b; i < e; ++i) hits[i]++;
          std::lock_guard<std::mutex> lock(mu);
          chunks.emplace_back(b, e);
        });
        for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "n=" << n << " i=" << i;
        for (auto [b, e] : chunks)
          if (e != n) {
            EXPECT_GE(e - b, std::min(grain, n)) << "n=" << n << " grain=" << grain;
          }
      }
    }
  }
}

TEST(Exec, ThreadPoolWithOneThreadRunsInline) {
  ThreadPool pool(1);
  EXPECT_EQ(pool.threads(), 1);
  EXPECT_EQ(pool.get(), nullptr);
}

Model tiny_model() {
  using TT = tflite::TensorType;
  ModelBuilder b;
  const int x = b.add_input("x", TT::FLOAT32, {1, 4});
  const int c = b.add_const<float>("c", {4}, {1, 2, 3, 4});
  const int y = b.add_tensor("y", TT::FLOAT32, {1, 4});
  b.add_op(tflite::BuiltinOperator::ADD, {x, c}, {y}, tflite::AddOptionsT{});
  b.set_outputs({y});
  return b.load();
}

TEST(Exec, InterpreterRejectsUnknownOrUnavailableKernels) {
  const Model m = tiny_model();
  InterpreterOptions o;
  o.kernels = "sse9";
  try {
    Interpreter it(m, o);
    FAIL() << "accepted kernels 'sse9'";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("unknown kernels 'sse9'"), std::string::npos) << e.what();
  }
  if (rt::detect_isa() < Isa::kAvx512Vnni) {
    o.kernels = "avx512vnni";
    EXPECT_THROW(Interpreter(m, o), Error);
  }
  // avx2vnni: where the CPU has AVX-VNNI (AVX-512 CPUs need not), else refused.
  o.kernels = "avx2vnni";
  if (rt::cpu_has_avxvnni()) {
    EXPECT_EQ(Interpreter(m, o).kernels(), std::string("avx2vnni"));
  } else {
    try {
      Interpreter it(m, o);
      FAIL() << "accepted kernels 'avx2vnni' on a CPU without AVX-VNNI";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("AVX-VNNI"), std::string::npos) << e.what();
    }
  }
  o.kernels = "reference";
  o.num_threads = 0;
  EXPECT_THROW(Interpreter(m, o), Error);
}

TEST(Exec, InterpreterReportsKernelsThreadsAndProfile) {
  const Model m = tiny_model();
  InterpreterOptions o;
  o.kernels = "reference";
  o.num_threads = 2;
  o.profile = true;
  Interpreter it(m, o);
  EXPECT_EQ(it.kernels(), "reference");
  EXPECT_EQ(it.num_threads(), 2);
  it.allocate_tensors();
  const std::vector<float> x{1, 1, 1, 1};
  it.set_tensor(it.input_details()[0].index, DType::kFloat32, {1, 4}, ModelBuilder::to_bytes(x));
  it.invoke();
  it.invoke();
  const auto prof = it.op_profile();
  ASSERT_EQ(prof.size(), 1u);
  EXPECT_EQ(prof[0].op, "ADD");
  EXPECT_EQ(prof[0].calls, 2);
  EXPECT_EQ(prof[0].kernel, "reference");
  EXPECT_GE(prof[0].total_ms, 0.0);
  const auto y = it.get_tensor(it.output_details()[0].index).as<float>();
  EXPECT_EQ(std::vector<float>(y.begin(), y.end()), (std::vector<float>{2, 3, 4, 5}));
}

}  // namespace
}  // namespace liteq::test

namespace liteq::test {
namespace {

// ADD -> RELU: with optimized kernels the RELU runs inside the ADD (one operator fewer,
// same output); not when the ADD's output is a graph output, nor with the reference.
TEST(Exec, FloatReluFusesIntoItsProducer) {
  using TT = tflite::TensorType;
  auto build = [](bool expose_sum) {
    ModelBuilder b;
    const int x = b.add_input("x", TT::FLOAT32, {1, 6});
    const int c = b.add_const<float>("c", {6}, {-3, -1, 0, 1, 2, 9});
    const int s = b.add_tensor("sum", TT::FLOAT32, {1, 6});
    const int y = b.add_tensor("y", TT::FLOAT32, {1, 6});
    b.add_op(tflite::BuiltinOperator::ADD, {x, c}, {s}, tflite::AddOptionsT{});
    b.add_op(tflite::BuiltinOperator::RELU6, {s}, {y});
    b.set_outputs(expose_sum ? std::vector<int32_t>{y, s} : std::vector<int32_t>{y});
    return b.load();
  };
  const std::vector<float> x{1, 0.5f, -2, 2, 5, -1};
  const std::vector<float> want{0, 0, 0, 3, 6, 6};
  for (bool expose : {false, true}) {
    for (const char* kernels : {"reference", "auto"}) {
      const Model m = build(expose);
      InterpreterOptions o;
      o.kernels = kernels;
      o.profile = true;
      Interpreter it(m, o);
      it.allocate_tensors();
      it.set_tensor(it.input_details()[0].index, DType::kFloat32, {1, 6}, ModelBuilder::to_bytes(x));
      it.invoke();
      const auto y = it.get_tensor(it.output_details()[0].index).as<float>();
      EXPECT_EQ(std::vector<float>(y.begin(), y.end()), want) << kernels << " expose=" << expose;
      const bool fused = !expose && std::string(kernels) == "auto" && rt::detect_isa() != rt::Isa::kReference;
      EXPECT_EQ(it.op_profile().size(), fused ? 1u : 2u) << kernels << " expose=" << expose;
    }
  }
}

}  // namespace
}  // namespace liteq::test
