// TRANSPOSE.
#include <gtest/gtest.h>

#include <random>

#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

TEST(TransposeKernel, Matrix) {
  auto out = OpRunner(Op::TRANSPOSE).input(f32({2, 3}, {1, 2, 3, 4, 5, 6})).input(i32({2}, {1, 0}), true).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{3, 2}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(TransposeKernel, NhwcToNchwInt8) {
  // [1,2,2,2] NHWC -> NCHW with perm [0,3,1,2]
  std::vector<int8_t> in = {0, 1, 2, 3, 4, 5, 6, 7};  // (h,w,c) -> 4h+2w+c
  auto out = OpRunner(Op::TRANSPOSE)
                 .input(make_tensor<int8_t>({1, 2, 2, 2}, in))
                 .input(make_tensor<int64_t>({4}, {0, 3, 1, 2}), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 2, 2, 2}));
  EXPECT_EQ(out[0].values<int8_t>(), (std::vector<int8_t>{0, 2, 4, 6, 1, 3, 5, 7}));
}

TEST(TransposeKernel, IdentityAnd1D) {
  auto out = OpRunner(Op::TRANSPOSE).input(i32({3}, {7, 8, 9})).input(i32({1}, {0}), true).run();
  EXPECT_EQ(out[0].values<int32_t>(), (std::vector<int32_t>{7, 8, 9}));
  auto s = OpRunner(Op::TRANSPOSE).input(f32({}, {5})).input(i32({0}, {}), true).run();
  EXPECT_TRUE(s[0].dims.empty());
  EXPECT_EQ(s[0].values<float>(), (std::vector<float>{5}));
}

template <typename T>
void random_transpose_check(std::mt19937& rng) {
  std::uniform_int_distribution<int> rank_d(1, 6), dim_d(1, 4);
  const int r = rank_d(rng);
  std::vector<int32_t> dims(r), perm(r);
  int n = 1;
  for (auto& d : dims) n *= (d = dim_d(rng));
  for (int i = 0; i < r; ++i) perm[i] = i;
  std::shuffle(perm.begin(), perm.end(), rng);
  std::vector<T> in(n);
  for (int i = 0; i < n; ++i) in[i] = static_cast<T>(i);
  auto out = OpRunner(Op::TRANSPOSE).input(make_tensor<T>(dims, in)).input(i32({r}, perm), true).run();
  std::vector<int32_t> od(r);
  for (int i = 0; i < r; ++i) od[i] = dims[perm[i]];
  ASSERT_EQ(out[0].dims, od);
  // Naive: for each output multi-index, input index has in_idx[perm[i]] = out_idx[i].
  std::vector<T> want(n);
  std::vector<int64_t> oi(r), ii(r);
  for (int64_t k = 0; k < n; ++k) {
    int64_t rem = k;
    for (int d = r - 1; d >= 0; --d) {
      oi[d] = rem % od[d];
      rem /= od[d];
    }
    for (int d = 0; d < r; ++d) ii[perm[d]] = oi[d];
    int64_t src = 0;
    for (int d = 0; d < r; ++d) src = src * dims[d] + ii[d];
    want[k] = in[src];
  }
  ASSERT_EQ(out[0].template values<T>(), want);
}

TEST(TransposeKernel, RandomMatchesNaive) {
  std::mt19937 rng(8);
  for (int iter = 0; iter < 60; ++iter) {
    random_transpose_check<float>(rng);
    random_transpose_check<int16_t>(rng);
    random_transpose_check<uint8_t>(rng);
    random_transpose_check<int64_t>(rng);
  }
}

TEST(TransposeKernel, Errors) {
  const auto in = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_THROW(OpRunner(Op::TRANSPOSE).input(in).input(i32({2}, {0, 0}), true).run(), Error);   // not a permutation
  EXPECT_THROW(OpRunner(Op::TRANSPOSE).input(in).input(i32({2}, {0, 2}), true).run(), Error);   // out of range
  EXPECT_THROW(OpRunner(Op::TRANSPOSE).input(in).input(i32({2}, {-1, 0}), true).run(), Error);
  EXPECT_THROW(OpRunner(Op::TRANSPOSE).input(in).input(i32({3}, {0, 1, 2}), true).run(), Error);  // wrong length
  EXPECT_THROW(OpRunner(Op::TRANSPOSE).input(in).input(i32({2}, {1, 0})).run(), Error);  // not constant
  EXPECT_THROW(OpRunner(Op::TRANSPOSE).input(in).input(f32({2}, {1, 0}), true).run(), Error);
  EXPECT_THROW(OpRunner(Op::TRANSPOSE).input(in).run(), Error);
  EXPECT_THROW(OpRunner(Op::TRANSPOSE).input(in).input(i32({2}, {1, 0}), true).output(DType::kInt8).run(), Error);
  EXPECT_THROW(OpRunner(Op::TRANSPOSE)
                   .input(f32({1, 1, 1, 1, 1, 1, 1}, {1}))
                   .input(i32({7}, {0, 1, 2, 3, 4, 5, 6}), true)
                   .run(),
               Error);  // rank 7
}

}  // namespace
}  // namespace liteq::test
