// Hybrid DEPTHWISE_CONV_2D with optimized kernels (vectorized input quantization,
// kernels/x86/dw_hybrid_avx2.cc over threads) against the reference, bit for bit: odd
// channel counts around the 64-wide block, strides, dilation, SAME/VALID, 3x3 and 5x5,
// batch 2, every fused activation, 1..3 threads.
#include <gtest/gtest.h>

#include <random>

#include "kernels/exec.h"
#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

TEST(OptimizedHybrid, DepthwiseBitExactWithReference) {
  if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "CPU lacks AVX2";
  std::mt19937 rng(31);
  rt::ThreadPool p2(2), p3(3);
  const rt::Activation acts[] = {rt::Activation::kNone, rt::Activation::kRelu, rt::Activation::kRelu6,
                                 rt::Activation::kReluN1To1};
  int cases = 0;
  for (int channels : {1, 3, 8, 17, 33, 64, 70}) {
    for (int trial = 0; trial < 4; ++trial) {
      const int batch = 1 + trial % 2, h = 4 + rng() % 9, w = 4 + rng() % 9, k = trial % 2 ? 5 : 3;
      rt::DepthwiseConvParams p;
      p.padding = rng() % 2 ? rt::Padding::kSame : rt::Padding::kValid;
      p.stride_h = p.stride_w = 1 + rng() % 2;
      p.dilation_h = p.dilation_w = trial == 3 ? 2 : 1;
      p.activation = acts[rng() % 4];
      if (p.padding == rt::Padding::kValid && (h < (k - 1) * p.dilation_h + 1 || w < (k - 1) * p.dilation_w + 1))
        p.padding = rt::Padding::kSame;
      std::vector<float> x(size_t(batch) * h * w * channels), bias(channels);
      for (auto& v : x) v = std::uniform_real_distribution<float>(-2, 3)(rng);
      for (auto& v : bias) v = std::uniform_real_distribution<float>(-1, 1)(rng);
      std::vector<int8_t> filt(size_t(k) * k * channels);
      for (auto& v : filt) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
      TensorData f = make_tensor<int8_t>({1, k, k, channels}, filt);
      f.quant.axis = 3;
      for (int c = 0; c < channels; ++c) {
        f.quant.scale.push_back(std::uniform_real_distribution<float>(0.001f, 0.05f)(rng));
        f.quant.zero_point.push_back(0);
      }
      auto run = [&](rt::ExecConfig e) {
        return OpRunner(Op::DEPTHWISE_CONV_2D, p)
            .input(f32({batch, h, w, channels}, x))
            .input(f, true)
            .input(f32({channels}, bias), true)
            .exec(e)
            .run()[0]
            .bytes;
      };
      const auto want = run({});
      for (rt::ThreadPool* pool : {static_cast<rt::ThreadPool*>(nullptr), &p2, &p3})
        ASSERT_EQ(run({rt::detect_isa(), pool}), want) << channels << "ch trial " << trial;
      ++cases;
    }
  }
  EXPECT_EQ(cases, 28);
}

}  // namespace
}  // namespace liteq::test
