// GATHER.
#include <gtest/gtest.h>

#include <random>

#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

rt::GatherParams gp(int axis, int batch_dims = 0) {
  rt::GatherParams p;
  p.axis = axis;
  p.batch_dims = batch_dims;
  return p;
}

TEST(GatherKernel, Axis0Rows) {
  auto out = OpRunner(Op::GATHER, gp(0)).input(f32({3, 2}, {1, 2, 3, 4, 5, 6})).input(i32({2}, {2, 0})).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 2}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{5, 6, 1, 2}));
}

TEST(GatherKernel, Axis1AndMultiDimIndices) {
  // params [2,3], indices [2,2] on axis 1 -> [2,2,2]
  auto out = OpRunner(Op::GATHER, gp(1))
                 .input(f32({2, 3}, {1, 2, 3, 4, 5, 6}))
                 .input(i32({2, 2}, {0, 2, 1, 1}))
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 2, 2}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{1, 3, 2, 2, 4, 6, 5, 5}));
  // Negative axis = -1 is the same.
  auto neg = OpRunner(Op::GATHER, gp(-1))
                 .input(f32({2, 3}, {1, 2, 3, 4, 5, 6}))
                 .input(i32({2, 2}, {0, 2, 1, 1}))
                 .run();
  EXPECT_EQ(neg[0].values<float>(), out[0].values<float>());
}

TEST(GatherKernel, ScalarIndexDropsDim) {
  auto out = OpRunner(Op::GATHER, gp(0))
                 .input(make_tensor<int64_t>({3, 2}, {1, 2, 3, 4, 5, 6}))
                 .input(make_tensor<int64_t>({}, {1}))
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2}));
  EXPECT_EQ(out[0].values<int64_t>(), (std::vector<int64_t>{3, 4}));
}

TEST(GatherKernel, BatchDims) {
  // params [2,3], indices [2,2], axis 1, batch_dims 1: out[b][i] = params[b][idx[b][i]]
  auto out = OpRunner(Op::GATHER, gp(1, 1))
                 .input(i32({2, 3}, {1, 2, 3, 4, 5, 6}))
                 .input(i32({2, 2}, {2, 0, 1, 1}))
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 2}));
  EXPECT_EQ(out[0].values<int32_t>(), (std::vector<int32_t>{3, 1, 5, 5}));
  // Negative batch_dims (-1 = indices rank - 1 = 1).
  auto neg = OpRunner(Op::GATHER, gp(1, -1))
                 .input(i32({2, 3}, {1, 2, 3, 4, 5, 6}))
                 .input(i32({2, 2}, {2, 0, 1, 1}))
                 .run();
  EXPECT_EQ(neg[0].values<int32_t>(), out[0].values<int32_t>());
}

TEST(GatherKernel, BatchDimsWithOuterDims) {
  // params [2,2,3] axis 2 batch_dims 1, indices [2,1]: out [2,2,1]
  auto out = OpRunner(Op::GATHER, gp(2, 1))
                 .input(f32({2, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}))
                 .input(i32({2, 1}, {2, 0}))
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 2, 1}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{3, 6, 7, 10}));
}

TEST(GatherKernel, OtherDtypes) {
  auto b = OpRunner(Op::GATHER, gp(0))
               .input(make_tensor<uint8_t>({3}, {1, 0, 1}, DType::kBool))
               .input(i32({4}, {1, 1, 2, 0}))
               .run();
  EXPECT_EQ(b[0].type, DType::kBool);
  EXPECT_EQ(b[0].values<uint8_t>(), (std::vector<uint8_t>{0, 0, 1, 1}));
  auto h = OpRunner(Op::GATHER, gp(0)).input(make_tensor<int16_t>({2}, {-7, 7})).input(i32({1}, {1})).run();
  EXPECT_EQ(h[0].values<int16_t>(), (std::vector<int16_t>{7}));
}

TEST(GatherKernel, EmptyIndices) {
  auto out = OpRunner(Op::GATHER, gp(0)).input(f32({3, 2}, {1, 2, 3, 4, 5, 6})).input(i32({0}, {})).run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{0, 2}));
}

TEST(GatherKernel, RandomMatchesNaive) {
  std::mt19937 rng(17);
  std::uniform_int_distribution<int> rank_d(1, 4), dim_d(1, 4);
  for (int iter = 0; iter < 100; ++iter) {
    const int r = rank_d(rng);
    std::vector<int32_t> pd(r);
    int n = 1;
    for (auto& d : pd) n *= (d = dim_d(rng));
    const int axis = std::uniform_int_distribution<int>(0, r - 1)(rng);
    const int bd = std::uniform_int_distribution<int>(0, axis)(rng);
    std::vector<int32_t> id(pd.begin(), pd.begin() + bd);
    const int extra = std::uniform_int_distribution<int>(0, 2)(rng);
    for (int k = 0; k < extra; ++k) id.push_back(dim_d(rng));
    int ni = 1;
    for (int32_t d : id) ni *= d;
    std::vector<int32_t> idx(ni);
    for (auto& v : idx) v = std::uniform_int_distribution<int>(0, pd[axis] - 1)(rng);
    std::vector<float> params(n);
    for (int i = 0; i < n; ++i) params[i] = static_cast<float>(i);
    auto out = OpRunner(Op::GATHER, gp(axis, bd)).input(f32(pd, params)).input(i32(id, idx)).run();
    // Naive: out index = (params dims < axis) + (indices dims >= bd) + (params dims > axis).
    int64_t batch = 1, outer = 1, inner = 1, coords = 1;
    for (int d = 0; d < bd; ++d) batch *= pd[d];
    for (int d = bd; d < axis; ++d) outer *= pd[d];
    for (int d = axis + 1; d < r; ++d) inner *= pd[d];
    for (size_t d = bd; d < id.size(); ++d) coords *= id[d];
    std::vector<float> want;
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t c = 0; c < coords; ++c)
          for (int64_t i = 0; i < inner; ++i)
            want.push_back(params[((b * outer + o) * pd[axis] + idx[b * coords + c]) * inner + i]);
    ASSERT_EQ(out[0].values<float>(), want) << iter;
  }
}

TEST(GatherKernel, ErrorOutOfRangeIndex) {
  const auto params = f32({3, 2}, {1, 2, 3, 4, 5, 6});
  EXPECT_THROW(OpRunner(Op::GATHER, gp(0)).input(params).input(i32({2}, {0, 3})).run(), Error);
  EXPECT_THROW(OpRunner(Op::GATHER, gp(0)).input(params).input(i32({1}, {-1})).run(), Error);
  EXPECT_THROW(OpRunner(Op::GATHER, gp(1)).input(params).input(make_tensor<int64_t>({1}, {1LL << 40})).run(), Error);
  EXPECT_THROW(OpRunner(Op::GATHER, gp(0)).input(f32({0, 2}, {})).input(i32({1}, {0})).run(), Error);
}

TEST(GatherKernel, Errors) {
  const auto params = f32({3, 2}, {1, 2, 3, 4, 5, 6});
  EXPECT_THROW(OpRunner(Op::GATHER, gp(2)).input(params).input(i32({1}, {0})).run(), Error);   // bad axis
  EXPECT_THROW(OpRunner(Op::GATHER, gp(-3)).input(params).input(i32({1}, {0})).run(), Error);
  EXPECT_THROW(OpRunner(Op::GATHER, gp(0)).input(params).input(f32({1}, {0})).run(), Error);   // float indices
  EXPECT_THROW(OpRunner(Op::GATHER, gp(0)).input(params).run(), Error);                        // input count
  EXPECT_THROW(OpRunner(Op::GATHER, gp(0)).input(f32({}, {1})).input(i32({1}, {0})).run(), Error);  // scalar params
  EXPECT_THROW(OpRunner(Op::GATHER, gp(0, 1)).input(params).input(i32({3, 1}, {0, 0, 0})).run(), Error);  // bd > axis
  EXPECT_THROW(OpRunner(Op::GATHER, gp(1, 1)).input(params).input(i32({2, 1}, {0, 0})).run(), Error);  // batch mismatch
  EXPECT_THROW(OpRunner(Op::GATHER, gp(1, 2)).input(params).input(i32({3}, {0, 0, 0})).run(), Error);  // bd > idx rank
  EXPECT_THROW(OpRunner(Op::GATHER, gp(0)).input(params).input(i32({1}, {0})).output(DType::kInt32).run(), Error);
}

}  // namespace
}  // namespace liteq::test
