// The AVX2 and AVX-512 QUANTIZE (float32 -> int8/uint8/int16) and int8 RESIZE_BILINEAR (and its
// AVX-512 rows) (kernels/x86/data_s8_avx2.cc, data_s8_avx512.cc) against the reference, bit for bit, over every tail,
// rounding ties, NaN and infinities, and 1..3 threads. Skips where the CPU lacks AVX2.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "kernels/exec.h"
#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

#define REQUIRE_AVX2() \
  if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "CPU lacks AVX2"

TEST(OptimizedDataS8, QuantizeBitExactWithReference) {
  REQUIRE_AVX2();
  std::mt19937 rng(3);
  rt::ThreadPool pool(3);
  for (int n = 1; n <= 70; ++n) {
    for (DType type : {DType::kInt8, DType::kUInt8, DType::kInt16}) {
      const float scale = std::exp2(std::uniform_real_distribution<float>(-9, 2)(rng)) /
                          (type == DType::kInt16 ? 256.f : 1.f);  // int16: 16x8 activations, zero point 0
      const int64_t zp = type == DType::kInt8 ? static_cast<int>(rng() % 256) - 128
                         : type == DType::kUInt8 ? static_cast<int64_t>(rng() % 256) : 0;
      std::vector<float> x(n);
      for (int i = 0; i < n; ++i) {
        switch (rng() % 6) {
          case 0: x[i] = (static_cast<int>(rng() % 301) - 150 + 0.5f) * scale; break;  // a tie (or near it)
          case 1:  // saturates
            x[i] = std::uniform_real_distribution<float>(-1e3f, 1e3f)(rng) * scale * (type == DType::kInt16 ? 256 : 1);
            break;
          case 2: x[i] = std::nextafter((static_cast<int>(rng() % 41) - 20 + 0.5f) * scale, 0.f); break;
          default: x[i] = std::uniform_real_distribution<float>(-140, 140)(rng) * scale; break;
        }
      }
      if (n > 3) {
        x[1] = std::numeric_limits<float>::quiet_NaN();
        x[2] = std::numeric_limits<float>::infinity();
        x[3] = -std::numeric_limits<float>::infinity();
      }
      auto run = [&](rt::ExecConfig e) {
        return OpRunner(Op::QUANTIZE).input(f32({1, n}, x)).output(type, per_tensor(scale, zp)).exec(e).run()[0].bytes;
      };
      const auto want = run({});
      EXPECT_EQ(run({rt::Isa::kAvx2, nullptr}), want) << "n=" << n << " " << dtype_name(type);
      EXPECT_EQ(run({rt::Isa::kAvx2, &pool}), want) << "n=" << n << " " << dtype_name(type);
      if (rt::detect_isa() >= rt::Isa::kAvx512) {
        EXPECT_EQ(run({rt::Isa::kAvx512, nullptr}), want) << "n=" << n << " " << dtype_name(type);
      }
    }
  }
  // Long enough to be split over the threads.
  std::vector<float> big(100001);
  for (auto& v : big) v = std::uniform_real_distribution<float>(-3, 3)(rng);
  auto run = [&](rt::ExecConfig e) {
    return OpRunner(Op::QUANTIZE).input(f32({1, 100001}, big)).output(DType::kInt8, per_tensor(0.02f, 5)).exec(e).run()[0].bytes;
  };
  EXPECT_EQ(run({rt::Isa::kAvx2, &pool}), run({}));
}

// Random RESIZE_BILINEAR cases of type T (plain, align_corners, half_pixel_centers for each
// channel count) at each ISA level of `isas`, 1 and 2 threads, against the reference.
template <typename T>
void check_resize(uint32_t seed, std::initializer_list<int> channel_counts, std::initializer_list<rt::Isa> isas,
                  bool twice = false) {
  std::mt19937 rng(seed);
  rt::ThreadPool pool(2);
  for (int channels : channel_counts) {
    for (int mode = 0; mode < 3; ++mode) {
      const int in_h = 1 + rng() % 9, in_w = 1 + rng() % 9;
      const int out_h = twice ? 2 * in_h : 1 + rng() % 19, out_w = twice ? 2 * in_w : 1 + rng() % 19;
      const int batch = 1 + rng() % 2;
      std::vector<T> v(static_cast<size_t>(batch) * in_h * in_w * channels);
      for (auto& x : v) {  // the type's extremes often
        const int k = static_cast<int>(rng() % 8);
        x = k == 0 ? std::numeric_limits<T>::lowest() : k == 1 ? std::numeric_limits<T>::max() : static_cast<T>(rng());
      }
      TensorData in = make_tensor<T>({batch, in_h, in_w, channels}, v);
      in.quant = per_tensor(0.1f, sizeof(T) == 1 ? 3 : 0);
      rt::ResizeParams p;
      p.align_corners = mode == 1;
      p.half_pixel_centers = mode == 2;
      auto run = [&](rt::ExecConfig e) {
        return OpRunner(Op::RESIZE_BILINEAR, p)
            .input(in)
            .input(i32({2}, {out_h, out_w}), true)
            .output(in.type, in.quant)
            .exec(e)
            .run()[0]
            .bytes;
      };
      const auto want = run({});
      for (rt::Isa isa : isas) {
        if (isa > rt::detect_isa()) continue;
        ASSERT_EQ(run({isa, nullptr}), want) << rt::isa_name(isa) << " " << channels << "ch " << in_h << "x" << in_w
                                             << " -> " << out_h << "x" << out_w << " mode " << mode;
        ASSERT_EQ(run({isa, &pool}), want);
      }
    }
  }
}

// int8: AVX2 per pixel; AVX-512 rows for 8 or 16k channels.
// The AVX2 and AVX-512 QUANTIZE round a float32 estimate of x / scale: values at, and one
// float step either side of, every half-integer quotient (exact ties with power-of-two
// scales, near ones with any scale), where the estimate alone would round some the wrong way.
TEST(OptimizedDataS8, QuantizeNearTiesBitExactWithReference) {
  REQUIRE_AVX2();
  std::mt19937 rng(13);
  for (int trial = 0; trial < 40; ++trial) {
    const bool pow2 = trial % 4 == 0;
    const float scale = pow2 ? std::exp2(static_cast<float>(static_cast<int>(rng() % 12) - 9))
                             : std::exp2(std::uniform_real_distribution<float>(-9, 2)(rng));
    const DType type = trial % 2 ? DType::kUInt8 : DType::kInt8;
    const int64_t zp = type == DType::kInt8 ? static_cast<int>(rng() % 256) - 128 : static_cast<int64_t>(rng() % 256);
    std::vector<float> x;
    for (int k = -300; k <= 300; ++k) {
      const float tie = (static_cast<float>(k) + 0.5f) * scale;
      x.push_back(tie);
      x.push_back(std::nextafter(tie, 0.f));
      x.push_back(std::nextafter(tie, tie < 0 ? -1e9f : 1e9f));
    }
    auto run = [&](rt::ExecConfig e) {
      const int n = static_cast<int>(x.size());
      return OpRunner(Op::QUANTIZE).input(f32({1, n}, x)).output(type, per_tensor(scale, zp)).exec(e).run()[0].bytes;
    };
    const auto want = run({});
    EXPECT_EQ(run({rt::Isa::kAvx2, nullptr}), want) << "avx2 scale " << scale << " " << dtype_name(type);
    if (rt::detect_isa() >= rt::Isa::kAvx512) {
      EXPECT_EQ(run({rt::Isa::kAvx512, nullptr}), want) << "avx512 scale " << scale << " " << dtype_name(type);
    }
  }
}

TEST(OptimizedDataS8, ResizeBilinearBitExactWithReference) {
  REQUIRE_AVX2();
  check_resize<int8_t>(5, {1, 3, 7, 8, 9, 16, 24, 32, 33}, {rt::Isa::kAvx2, rt::Isa::kAvx512});
  // Upscaling by 2 (the segmentation heads): neighbouring output pixels read neighbouring
  // input pixels, which the 8-channel rows load together.
  for (uint32_t seed : {6u, 7u, 8u}) check_resize<int8_t>(seed, {8, 16}, {rt::Isa::kAvx2, rt::Isa::kAvx512}, true);
}

// int16 (16x8 models): AVX-512 rows for 8 or 16k channels, int64 sums as the reference.
TEST(OptimizedDataS8, ResizeBilinearInt16BitExactWithReference) {
  if (rt::detect_isa() < rt::Isa::kAvx512) GTEST_SKIP() << "CPU lacks AVX-512";
  check_resize<int16_t>(6, {8, 16, 32, 3}, {rt::Isa::kAvx512});
}

// DEQUANTIZE int8 -> float32 per tensor on AVX2 and AVX-512: every input value, scales
// from subnormal-producing to huge, tails, and a tensor large enough for threads.
TEST(OptimizedDataS8, DequantizeBitExactWithReference) {
  REQUIRE_AVX2();
  std::mt19937 rng(31);
  std::uniform_real_distribution<float> log_scale(-140.f, 120.f);
  rt::ThreadPool pool(3);
  for (int trial = 0; trial < 40; ++trial) {
    const int n = trial < 20 ? 256 + trial : 200003;
    std::vector<int8_t> v(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<int8_t>(i < 256 ? i : static_cast<int>(rng()));
    TensorData in = make_tensor<int8_t>({1, n}, v);
    in.quant = per_tensor(std::exp2(log_scale(rng)), static_cast<int>(rng() % 256) - 128);
    auto run = [&](rt::ExecConfig e) { return OpRunner(Op::DEQUANTIZE, std::monostate{}).input(in).output(DType::kFloat32).exec(e).run()[0].bytes;
    };
    const auto want = run({});
    for (rt::Isa isa : {rt::Isa::kAvx2, rt::Isa::kAvx512}) {
      if (isa > rt::detect_isa()) continue;
      ASSERT_EQ(run({isa, nullptr}), want) << "trial " << trial << " " << rt::isa_name(isa);
      ASSERT_EQ(run({isa, &pool}), want) << "trial " << trial << " " << rt::isa_name(isa);
    }
  }
}

}  // namespace
}  // namespace liteq::test
