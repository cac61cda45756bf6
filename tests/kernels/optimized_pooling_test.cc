// Optimized AVERAGE_POOL_2D / MAX_POOL_2D (channels innermost, rows over threads) against
// the reference, bit for bit: float32, int8 and int16, channel counts around the 64-wide
// block, strides, SAME/VALID, activations, 1..3 threads.
#include <gtest/gtest.h>

#include <random>

#include "kernels/exec.h"
#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

TEST(OptimizedPooling, BitExactWithReference) {
  if (rt::detect_isa() == rt::Isa::kReference) GTEST_SKIP() << "no optimized kernels on this CPU";
  std::mt19937 rng(23);
  rt::ThreadPool pool(3);
  const rt::Activation acts[] = {rt::Activation::kNone, rt::Activation::kRelu, rt::Activation::kRelu6};
  int cases = 0;
  for (DType type : {DType::kFloat32, DType::kInt8, DType::kInt16}) {
    for (int channels : {1, 3, 17, 28, 64, 65, 130}) {
      for (Op op : {Op::MAX_POOL_2D, Op::AVERAGE_POOL_2D}) {
        const int h = 3 + rng() % 10, w = 3 + rng() % 10, batch = 1 + rng() % 2;
        rt::PoolParams p;
        p.filter_h = 1 + rng() % 3;
        p.filter_w = 1 + rng() % 3;
        p.stride_h = 1 + rng() % 2;
        p.stride_w = 1 + rng() % 2;
        p.padding = rng() % 2 ? rt::Padding::kSame : rt::Padding::kValid;
        p.activation = acts[rng() % 3];
        const size_t n = static_cast<size_t>(batch) * h * w * channels;
        TensorData in;
        if (type == DType::kFloat32) {
          std::vector<float> v(n);
          for (auto& x : v) x = std::uniform_real_distribution<float>(-8, 8)(rng);
          in = make_tensor<float>({batch, h, w, channels}, v);
        } else if (type == DType::kInt8) {
          std::vector<int8_t> v(n);
          for (auto& x : v) x = static_cast<int8_t>(rng());
          in = make_tensor<int8_t>({batch, h, w, channels}, v);
          in.quant = per_tensor(0.05f, 4);
        } else {
          std::vector<int16_t> v(n);
          for (auto& x : v) x = static_cast<int16_t>(rng());
          in = make_tensor<int16_t>({batch, h, w, channels}, v);
          in.quant = per_tensor(0.001f, 0);
        }
        auto run = [&](rt::ExecConfig e) {
          return OpRunner(op, p).input(in).output(type, in.quant).exec(e).run()[0].bytes;
        };
        const auto want = run({});
        // Every level the CPU has: AVX2 runs the generic rows, AVX-512 max pooling its own.
        for (rt::Isa isa = rt::Isa::kAvx2; isa <= rt::detect_isa(); isa = static_cast<rt::Isa>(static_cast<int>(isa) + 1)) {
          EXPECT_EQ(run({isa, nullptr}), want) << dtype_name(type) << " " << channels << "ch " << rt::isa_name(isa);
          EXPECT_EQ(run({isa, &pool}), want) << dtype_name(type) << " " << channels << "ch " << rt::isa_name(isa);
        }
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 42);
}

}  // namespace
}  // namespace liteq::test
