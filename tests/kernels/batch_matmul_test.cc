// BATCH_MATMUL: hand-checked cases, a float64 reference with broadcasting and adjoints
// on random shapes, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/op_runner.h"

namespace liteq {
namespace {

using test::f32;
using test::OpRunner;

rt::BatchMatMulParams bmm(bool adj_x = false, bool adj_y = false) {
  rt::BatchMatMulParams p;
  p.adj_x = adj_x;
  p.adj_y = adj_y;
  return p;
}

TEST(BatchMatMulTest, Plain2D) {
  // [1 2; 3 4] x [5 6; 7 8] = [19 22; 43 50].
  auto out = OpRunner(Op::BATCH_MATMUL, bmm())
                 .input(f32({2, 2}, {1, 2, 3, 4}))
                 .input(f32({2, 2}, {5, 6, 7, 8}))
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 2}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{19, 22, 43, 50}));
}

TEST(BatchMatMulTest, Adjoints) {
  // lhs stored transposed: [1 3; 2 4] with adj_x is [1 2; 3 4]; rhs stored [5 7; 6 8]
  // with adj_y is [5 6; 7 8]. Same product as above.
  auto out = OpRunner(Op::BATCH_MATMUL, bmm(true, true))
                 .input(f32({2, 2}, {1, 3, 2, 4}))
                 .input(f32({2, 2}, {5, 7, 6, 8}))
                 .run();
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{19, 22, 43, 50}));
}

TEST(BatchMatMulTest, BroadcastsBatchDims) {
  // lhs [2, 1, 2] = rows [1 2] and [3 4]; rhs [2, 1] = [10; 1] shared by both batches:
  // [12] and [34]; output [2, 1, 1].
  auto out = OpRunner(Op::BATCH_MATMUL, bmm())
                 .input(f32({2, 1, 2}, {1, 2, 3, 4}))
                 .input(f32({2, 1}, {10, 1}), true)
                 .run();
  EXPECT_EQ(out[0].dims, (std::vector<int32_t>{2, 1, 1}));
  EXPECT_EQ(out[0].values<float>(), (std::vector<float>{12, 34}));
}

TEST(BatchMatMulTest, MatchesFloat64ReferenceOnRandomShapes) {
  std::mt19937 rng(42);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::uniform_real_distribution<float> val(-2, 2);
  for (int iter = 0; iter < 200; ++iter) {
    const bool adj_x = pick(0, 1), adj_y = pick(0, 1);
    const int M = pick(1, 6), K = pick(0, 9), N = pick(1, 6);
    // Output batch dims (up to 3); each operand takes a suffix, with some dims set to 1.
    const int out_batch_rank = pick(0, 3);
    std::vector<int32_t> ob(out_batch_rank);
    for (auto& d : ob) d = pick(1, 3);
    auto operand_batch = [&]() {
      const int r = pick(0, out_batch_rank);
      std::vector<int32_t> b(ob.end() - r, ob.end());
      for (auto& d : b)
        if (pick(0, 2) == 0) d = 1;
      return b;
    };
    std::vector<int32_t> lb = operand_batch(), rb = operand_batch();
    // The broadcast output batch: recompute from lb/rb (a dim may have become 1 in both).
    const size_t orank = std::max(lb.size(), rb.size());
    std::vector<int32_t> want(orank, 1);
    for (size_t i = 0; i < orank; ++i) {
      const int32_t a = i < orank - lb.size() ? 1 : lb[i - (orank - lb.size())];
      const int32_t b = i < orank - rb.size() ? 1 : rb[i - (orank - rb.size())];
      want[i] = std::max(a, b);
    }
    std::vector<int32_t> ld = lb, rd = rb;
    ld.push_back(adj_x ? K : M);
    ld.push_back(adj_x ? M : K);
    rd.push_back(adj_y ? N : K);
    rd.push_back(adj_y ? K : N);
    size_t ln = 1, rn = 1;
    for (auto d : ld) ln *= d;
    for (auto d : rd) rn *= d;
    std::vector<float> l(ln), r(rn);
    for (auto& x : l) x = val(rng);
    for (auto& x : r) x = val(rng);
    const auto out = OpRunner(Op::BATCH_MATMUL, bmm(adj_x, adj_y)).input(f32(ld, l)).input(f32(rd, r)).run();
    std::vector<int32_t> want_dims = want;
    want_dims.push_back(M);
    want_dims.push_back(N);
    ASSERT_EQ(out[0].dims, want_dims) << "iteration " << iter;
    const auto got = out[0].values<float>();
    // Walk the output batch index; map to operand batch offsets (broadcast dims -> 0).
    size_t nb = 1;
    for (auto d : want) nb *= d;
    auto offset = [&](const std::vector<int32_t>& opb, const std::vector<int32_t>& idx) {
      size_t off = 0;
      const size_t shift = want.size() - opb.size();
      for (size_t i = 0; i < opb.size(); ++i) off = off * opb[i] + (opb[i] == 1 ? 0 : idx[i + shift]);
      return off;
    };
    std::vector<int32_t> idx(want.size(), 0);
    for (size_t bi = 0; bi < nb; ++bi) {
      const size_t lo = offset(lb, idx) * M * K, ro = offset(rb, idx) * K * N;
      for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j) {
          double s = 0, mag = 0;
          for (int k = 0; k < K; ++k) {
            const double a = adj_x ? l[lo + k * M + i] : l[lo + i * K + k];
            const double b = adj_y ? r[ro + j * K + k] : r[ro + k * N + j];
            s += a * b;
            mag += std::abs(a * b);
          }
          ASSERT_NEAR(got[(bi * M + i) * N + j], s, 1e-5 * mag + 1e-6) << "iteration " << iter;
        }
      for (int d = static_cast<int>(want.size()) - 1; d >= 0; --d) {
        if (++idx[d] < want[d]) break;
        idx[d] = 0;
      }
    }
  }
}

TEST(BatchMatMulTest, RejectsWrongInputCount) {
  EXPECT_THROW(OpRunner(Op::BATCH_MATMUL, bmm()).input(f32({2, 2}, {1, 2, 3, 4})).run(), Error);
  EXPECT_THROW(OpRunner(Op::BATCH_MATMUL, bmm())
                   .input(f32({2, 2}, {1, 2, 3, 4}))
                   .input(f32({2, 2}, {1, 2, 3, 4}))
                   .input(f32({2, 2}, {1, 2, 3, 4}))
                   .run(),
               Error);
}

TEST(BatchMatMulTest, RejectsWrongDtype) {
  EXPECT_THROW(OpRunner(Op::BATCH_MATMUL, bmm())
                   .input(f32({2, 2}, {1, 2, 3, 4}))
                   .input(test::i32({2, 2}, {1, 2, 3, 4}))
                   .run(),
               Error);
  EXPECT_THROW(OpRunner(Op::BATCH_MATMUL, bmm())
                   .input(f32({2, 2}, {1, 2, 3, 4}))
                   .input(f32({2, 2}, {1, 2, 3, 4}))
                   .output(DType::kInt32)
                   .run(),
               Error);
}

TEST(BatchMatMulTest, RejectsMismatchedShapes) {
  // Contracted dims differ: [2, 3] x [2, 2].
  EXPECT_THROW(OpRunner(Op::BATCH_MATMUL, bmm())
                   .input(f32({2, 3}, std::vector<float>(6, 1)))
                   .input(f32({2, 2}, std::vector<float>(4, 1)))
                   .run(),
               Error);
  // Batch dims 2 and 3 do not broadcast.
  EXPECT_THROW(OpRunner(Op::BATCH_MATMUL, bmm())
                   .input(f32({2, 1, 1}, std::vector<float>(2, 1)))
                   .input(f32({3, 1, 1}, std::vector<float>(3, 1)))
                   .run(),
               Error);
  // Rank 1 and rank 6.
  EXPECT_THROW(OpRunner(Op::BATCH_MATMUL, bmm())
                   .input(f32({2}, {1, 2}))
                   .input(f32({2, 1}, {1, 2}))
                   .run(),
               Error);
  EXPECT_THROW(OpRunner(Op::BATCH_MATMUL, bmm())
                   .input(f32({1, 1, 1, 1, 1, 1}, {1}))
                   .input(f32({1, 1}, {1}))
                   .run(),
               Error);
  EXPECT_THROW(OpRunner(Op::BATCH_MATMUL, rt::FullyConnectedParams{})
                   .input(f32({1, 1}, {1}))
                   .input(f32({1, 1}, {1}))
                   .run(),
               Error);
}

}  // namespace
}  // namespace liteq
