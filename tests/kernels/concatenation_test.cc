// CONCATENATION.
#include <gtest/gtest.h>

#include <random>

#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

rt::ConcatenationParams concat(int axis, rt::Activation a = rt::Activation::kNone) {
  rt::ConcatenationParams p;
  p.axis = axis;
  p.activation = a;
  return p;
}

TEST(ConcatKernel, Axis0And1) {
  const auto a = f32({2, 2}, {1, 2, 3, 4});
  const auto b = f32({1, 2}, {5, 6});
  auto out = OpRunner(Op::CONCATENATION, concat(0)).input(a).input(b).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{3, 2}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  const auto c = f32({2, 1}, {7, 8});
  out = OpRunner(Op::CONCATENATION, concat(1)).input(a).input(c).input(a).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 5}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{1, 2, 7, 1, 2, 3, 4, 8, 3, 4}));
}

TEST(ConcatKernel, NegativeAxis) {
  auto out = OpRunner(Op::CONCATENATION, concat(-1))
                 .input(i32({2, 1}, {1, 2}))
                 .input(i32({2, 2}, {3, 4, 5, 6}), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(out[0].values<int32_t>(), (std::vector<int32_t>{1, 3, 4, 2, 5, 6}));
}

TEST(ConcatKernel, SingleInputAndEmptyInputs) {
  auto out = OpRunner(Op::CONCATENATION, concat(0)).input(f32({2}, {1, 2})).run();
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{1, 2}));
  out = OpRunner(Op::CONCATENATION, concat(1)).input(f32({1, 0}, {})).input(f32({1, 2}, {1, 2})).input(f32({1, 0}, {})).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{1, 2}));
}

TEST(ConcatKernel, FusedActivation) {
  auto out = OpRunner(Op::CONCATENATION, concat(0, rt::Activation::kRelu6))
                 .input(f32({2}, {-1, 3}))
                 .input(f32({2}, {7, 0.5f}))
                 .run();
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{0, 3, 6, 0.5f}));
}

TEST(ConcatKernel, OtherDtypes) {
  auto b = OpRunner(Op::CONCATENATION, concat(0))
               .input(make_tensor<uint8_t>({1}, {1}, DType::kBool))
               .input(make_tensor<uint8_t>({2}, {0, 1}, DType::kBool))
               .run();
  EXPECT_EQ(b[0].type, DType::kBool);
  EXPECT_EQ(b[0].values<uint8_t>(), (std::vector<uint8_t>{1, 0, 1}));
  rt::QuantParams q;
  q.scale = {0.1f};
  q.zero_point = {2};
  auto qa = make_tensor<int8_t>({1, 2}, {-1, 1});
  qa.quant = q;
  auto qb = make_tensor<int8_t>({1, 1}, {9});
  qb.quant = q;
  auto i8 = OpRunner(Op::CONCATENATION, concat(1)).input(qa).input(qb).output(DType::kInt8, q).run();
  EXPECT_EQ(i8[0].values<int8_t>(), (std::vector<int8_t>{-1, 1, 9}));
  auto i64 = OpRunner(Op::CONCATENATION, concat(0))
                 .input(make_tensor<int64_t>({1}, {1LL << 50}))
                 .input(make_tensor<int64_t>({1}, {-2}))
                 .run();
  EXPECT_EQ(i64[0].values<int64_t>(), (std::vector<int64_t>{1LL << 50, -2}));
}

TEST(ConcatKernel, RandomMatchesNaive) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> rank_d(1, 5), dim_d(1, 3), n_d(1, 4);
  for (int iter = 0; iter < 60; ++iter) {
    const int r = rank_d(rng);
    std::vector<int32_t> base(r);
    for (auto& d : base) d = dim_d(rng);
    const int axis = std::uniform_int_distribution<int>(0, r - 1)(rng);
    const int n = n_d(rng);
    OpRunner runner(Op::CONCATENATION, concat(axis - (iter % 2 ? r : 0)));
    std::vector<std::vector<int32_t>> dims(n);
    std::vector<std::vector<float>> vals(n);
    float next = 0;
    for (int i = 0; i < n; ++i) {
      dims[i] = base;
      dims[i][axis] = std::uniform_int_distribution<int>(0, 3)(rng);
      int64_t cnt = 1;
      for (int32_t d : dims[i]) cnt *= d;
      for (int64_t k = 0; k < cnt; ++k) vals[i].push_back(next++);
      runner.input(f32(dims[i], vals[i]));
    }
    auto out = runner.run();
    // Naive: outer = prod(dims before axis); each input contributes dim*inner per outer row.
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= base[d];
    for (int d = axis + 1; d < r; ++d) inner *= base[d];
    std::vector<float> want;
    for (int64_t o = 0; o < outer; ++o)
      for (int i = 0; i < n; ++i)
        for (int64_t k = 0; k < dims[i][axis] * inner; ++k) want.push_back(vals[i][o * dims[i][axis] * inner + k]);
    ASSERT_EQ(out[0].values<float>(), want) << iter;
  }
}

TEST(ConcatKernel, Errors) {
  const auto a = f32({2, 2}, {1, 2, 3, 4});
  // Mismatched non-axis dims.
  EXPECT_THROW(OpRunner(Op::CONCATENATION, concat(0)).input(a).input(f32({1, 3}, {1, 2, 3})).run(), Error);
  // Mismatched ranks.
  EXPECT_THROW(OpRunner(Op::CONCATENATION, concat(0)).input(a).input(f32({2}, {1, 2})).run(), Error);
  // Bad axis.
  EXPECT_THROW(OpRunner(Op::CONCATENATION, concat(2)).input(a).input(a).run(), Error);
  EXPECT_THROW(OpRunner(Op::CONCATENATION, concat(-3)).input(a).input(a).run(), Error);
  EXPECT_THROW(OpRunner(Op::CONCATENATION, concat(0)).input(f32({}, {1})).input(f32({}, {1})).run(), Error);
  // Mixed dtypes; output dtype mismatch.
  EXPECT_THROW(OpRunner(Op::CONCATENATION, concat(0)).input(a).input(i32({1, 2}, {1, 2})).run(), Error);
  EXPECT_THROW(OpRunner(Op::CONCATENATION, concat(0)).input(a).output(DType::kInt32).run(), Error);
  // No inputs.
  EXPECT_THROW(OpRunner(Op::CONCATENATION, concat(0)).run(), Error);
  // Fused activation on int32; unsupported activation.
  EXPECT_THROW(OpRunner(Op::CONCATENATION, concat(0, rt::Activation::kRelu)).input(i32({1}, {1})).run(), Error);
  EXPECT_THROW(OpRunner(Op::CONCATENATION, concat(0, rt::Activation::kTanh)).input(a).run(), Error);
  // Quantized inputs with different parameters than the output.
  rt::QuantParams q1, q2;
  q1.scale = {0.1f};
  q1.zero_point = {0};
  q2.scale = {0.2f};
  q2.zero_point = {0};
  auto qa = make_tensor<int8_t>({1}, {1});
  qa.quant = q2;
  EXPECT_THROW(OpRunner(Op::CONCATENATION, concat(0)).input(qa).output(DType::kInt8, q1).run(), Error);
  // Strings have no fixed size.
  EXPECT_THROW(OpRunner(Op::CONCATENATION, concat(0)).input(make_tensor<uint8_t>({1}, {1}, DType::kString)).run(), Error);
}

}  // namespace
}  // namespace liteq::test
