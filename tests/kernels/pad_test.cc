// PAD, PADV2.
#include <gtest/gtest.h>

#include <random>

#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

TEST(PadKernel, Float2D) {
  // [[1,2],[3,4]] padded by 1 row above, 1 column on each side.
  auto out = OpRunner(Op::PAD).input(f32({2, 2}, {1, 2, 3, 4})).input(i32({2, 2}, {1, 0, 1, 1}), true).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{3, 4}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0}));
}

TEST(PadKernel, Int64PaddingsAndNoPadding) {
  auto out = OpRunner(Op::PAD)
                 .input(i32({3}, {7, 8, 9}))
                 .input(make_tensor<int64_t>({1, 2}, {0, 2}), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{5}));
  EXPECT_EQ(out[0].values<int32_t>(), (std::vector<int32_t>{7, 8, 9, 0, 0}));
  out = OpRunner(Op::PAD).input(i32({3}, {7, 8, 9})).input(i32({1, 2}, {0, 0}), true).run();
  EXPECT_EQ(out[0].values<int32_t>(), (std::vector<int32_t>{7, 8, 9}));
}

TEST(PadKernel, QuantizedPadsWithOutputZeroPoint) {
  rt::QuantParams q;
  q.scale = {0.5f};
  q.zero_point = {-3};
  auto out = OpRunner(Op::PAD)
                 .input(make_tensor<int8_t>({2}, {5, 6}))
                 .input(i32({1, 2}, {1, 1}), true)
                 .output(DType::kInt8, q)
                 .run();
  EXPECT_EQ(out[0].values<int8_t>(), (std::vector<int8_t>{-3, 5, 6, -3}));
  rt::QuantParams qu;
  qu.scale = {0.5f};
  qu.zero_point = {128};
  auto u = OpRunner(Op::PAD)
               .input(make_tensor<uint8_t>({1}, {9}))
               .input(i32({1, 2}, {2, 0}), true)
               .output(DType::kUInt8, qu)
               .run();
  EXPECT_EQ(u[0].values<uint8_t>(), (std::vector<uint8_t>{128, 128, 9}));
  // No quantization: zero.
  auto z = OpRunner(Op::PAD).input(make_tensor<int8_t>({1}, {9})).input(i32({1, 2}, {1, 0}), true).run();
  EXPECT_EQ(z[0].values<int8_t>(), (std::vector<int8_t>{0, 9}));
}

TEST(PadKernel, PadV2ConstantValue) {
  auto out = OpRunner(Op::PADV2)
                 .input(f32({1, 2}, {1, 2}))
                 .input(i32({2, 2}, {0, 1, 1, 0}), true)
                 .input(f32({}, {-5}), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{-5, 1, 2, -5, -5, -5}));
  // Non-constant value tensor of shape [1], int16.
  auto s = OpRunner(Op::PADV2)
               .input(make_tensor<int16_t>({2}, {1, 2}))
               .input(i32({1, 2}, {1, 2}), true)
               .input(make_tensor<int16_t>({1}, {-300}))
               .run();
  EXPECT_EQ(s[0].values<int16_t>(), (std::vector<int16_t>{-300, 1, 2, -300, -300}));
}

TEST(PadKernel, EmptyInputPadsEverything) {
  auto out = OpRunner(Op::PADV2)
                 .input(f32({0, 2}, {}))
                 .input(i32({2, 2}, {1, 1, 0, 0}), true)
                 .input(f32({1}, {3}), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 2}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{3, 3, 3, 3}));
}

TEST(PadKernel, ScalarInput) {
  auto out = OpRunner(Op::PAD).input(f32({}, {4})).input(i32({0, 2}, {}), true).run();
  EXPECT_TRUE(out[0].dims.empty());
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{4}));
}

// Naive pad over any rank, for random checks.
template <typename T>
std::vector<T> naive_pad(const std::vector<int32_t>& dims, const std::vector<T>& in, const std::vector<int32_t>& pads,
                         T value, std::vector<int32_t>* out_dims) {
  const size_t r = dims.size();
  out_dims->resize(r);
  int64_t n = 1;
  for (size_t d = 0; d < r; ++d) n *= (*out_dims)[d] = pads[2 * d] + dims[d] + pads[2 * d + 1];
  std::vector<T> out(n, value);
  std::vector<int64_t> idx(r);
  for (int64_t i = 0; i < n; ++i) {
    int64_t rem = i;
    for (size_t d = r; d-- > 0;) {
      idx[d] = rem % (*out_dims)[d];
      rem /= (*out_dims)[d];
    }
    int64_t src = 0;
    bool inside = true;
    for (size_t d = 0; d < r; ++d) {
      const int64_t k = idx[d] - pads[2 * d];
      if (k < 0 || k >= dims[d]) inside = false;
      src = src * dims[d] + k;
    }
    if (inside) out[i] = in[src];
  }
  return out;
}

TEST(PadKernel, RandomMatchesNaive) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> rank_d(1, 6), dim_d(1, 3), pad_d(0, 2);
  for (int iter = 0; iter < 100; ++iter) {
    const int r = rank_d(rng);
    std::vector<int32_t> dims(r), pads(2 * r);
    int64_t n = 1;
    for (auto& d : dims) n *= (d = dim_d(rng));
    for (auto& p : pads) p = pad_d(rng);
    std::vector<int32_t> in(n);
    for (int64_t i = 0; i < n; ++i) in[i] = static_cast<int32_t>(i + 1);
    auto out = OpRunner(Op::PADV2)
                   .input(i32(dims, in))
                   .input(i32({r, 2}, pads), true)
                   .input(i32({}, {-1}), true)
                   .run();
    std::vector<int32_t> want_dims;
    const auto want = naive_pad<int32_t>(dims, in, pads, -1, &want_dims);
    ASSERT_EQ(out[0].dims, want_dims);
    ASSERT_EQ(out[0].values<int32_t>(), want) << iter;
    // Same through the 8-byte path.
    std::vector<int64_t> in64(in.begin(), in.end());
    auto out64 = OpRunner(Op::PAD).input(make_tensor<int64_t>(dims, in64)).input(i32({r, 2}, pads), true).run();
    ASSERT_EQ(out64[0].values<int64_t>(), naive_pad<int64_t>(dims, in64, pads, 0, &want_dims));
  }
}

TEST(PadKernel, Errors) {
  const auto in = f32({2, 2}, {1, 2, 3, 4});
  // Negative padding.
  EXPECT_THROW(OpRunner(Op::PAD).input(in).input(i32({2, 2}, {0, -1, 0, 0}), true).run(), Error);
  // Wrong paddings shape.
  EXPECT_THROW(OpRunner(Op::PAD).input(in).input(i32({1, 2}, {0, 1}), true).run(), Error);
  EXPECT_THROW(OpRunner(Op::PAD).input(in).input(i32({4}, {0, 1, 0, 1}), true).run(), Error);
  // Non-constant paddings; float paddings.
  EXPECT_THROW(OpRunner(Op::PAD).input(in).input(i32({2, 2}, {0, 1, 0, 1})).run(), Error);
  EXPECT_THROW(OpRunner(Op::PAD).input(in).input(f32({2, 2}, {0, 1, 0, 1}), true).run(), Error);
  // Wrong input counts.
  EXPECT_THROW(OpRunner(Op::PAD).input(in).run(), Error);
  EXPECT_THROW(OpRunner(Op::PADV2).input(in).input(i32({2, 2}, {0, 1, 0, 1}), true).run(), Error);
  // PADV2 value of another dtype or with several elements.
  EXPECT_THROW(
      OpRunner(Op::PADV2).input(in).input(i32({2, 2}, {0, 1, 0, 1}), true).input(i32({}, {0}), true).run(), Error);
  EXPECT_THROW(
      OpRunner(Op::PADV2).input(in).input(i32({2, 2}, {0, 1, 0, 1}), true).input(f32({2}, {0, 0}), true).run(),
      Error);
  // Rank 7.
  EXPECT_THROW(OpRunner(Op::PAD).input(f32({1, 1, 1, 1, 1, 1, 1}, {1})).input(i32({7, 2}, std::vector<int32_t>(14)), true).run(),
               Error);
  // Output dtype mismatch.
  EXPECT_THROW(OpRunner(Op::PAD).input(in).input(i32({2, 2}, {0, 1, 0, 1}), true).output(DType::kInt32).run(), Error);
}

}  // namespace
}  // namespace liteq::test

namespace liteq::test {
namespace {

// Optimized kernels copy channel pads (only the innermost dim padded) row by row inline,
// over the threads: the same bytes as the reference for every element size, pad value,
// odd channel counts, pads before and after, one row and many, PAD and PADV2.
TEST(PadKernel, ChannelPadRowsEqualTheReference) {
  std::mt19937 rng(5);
  rt::ThreadPool pool(3);
  const rt::ExecConfig optimized[] = {{rt::Isa::kAvx2, nullptr}, {rt::Isa::kAvx2, &pool}};
  if (rt::detect_isa() < rt::Isa::kAvx2) GTEST_SKIP() << "CPU lacks AVX2";
  std::uniform_int_distribution<int> byte(-128, 127);
  int checked = 0;
  for (const auto& dims : std::vector<std::vector<int32_t>>{{1, 64, 64, 24}, {1, 3, 5, 7}, {2, 1, 1, 1}, {1, 9, 300}}) {
    int64_t n = 1;
    for (int32_t d : dims) n *= d;
    const int rank = static_cast<int>(dims.size());
    for (auto [before, after] : std::vector<std::pair<int, int>>{{0, 4}, {3, 0}, {1, 2}, {0, 0}, {5, 250}}) {
      std::vector<int32_t> pads(2 * rank, 0);
      pads[2 * rank - 2] = before;
      pads[2 * rank - 1] = after;
      std::vector<float> f(n);
      std::vector<int8_t> q8(n);
      std::vector<int16_t> q16(n);
      for (int64_t i = 0; i < n; ++i) f[i] = static_cast<float>(byte(rng)) / 8, q8[i] = byte(rng), q16[i] = byte(rng) * 200;
      rt::QuantParams q;
      q.scale = {0.25f};
      q.zero_point = {-7};
      auto run = [&](int kind, rt::ExecConfig e) {
        OpRunner r(kind == 3 ? Op::PADV2 : Op::PAD);
        if (kind == 0 || kind == 3) r.input(f32(dims, f));
        if (kind == 1) r.input(qt(dims, q8, q)).output(DType::kInt8, q);
        if (kind == 2) r.input(make_tensor<int16_t>(dims, q16));
        r.input(i32({rank, 2}, pads), true);
        if (kind == 3) r.input(f32({}, {-1.5f}), true);
        auto out = r.exec(e).run()[0];
        const int elem = kind == 1 ? 1 : kind == 2 ? 2 : 4;
        if (e.isa != rt::Isa::kReference && before + after > 0 && (dims.back() + before + after) * elem <= 1024) {
          EXPECT_TRUE(r.ran_fast()) << "kind " << kind;
        }
        return out;
      };
      for (int kind = 0; kind < 4; ++kind) {
        const auto want = run(kind, {});
        for (const auto& e : optimized) {
          const auto got = run(kind, e);
          EXPECT_EQ(got.dims, want.dims);
          EXPECT_EQ(got.bytes, want.bytes) << "kind " << kind << " pads " << before << "," << after;
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 4 * 5 * 4 * 2);
}

}  // namespace
}  // namespace liteq::test
