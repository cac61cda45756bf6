// Ops whose float32 path only splits work over threads (RESIZE_BILINEAR, ADD/MUL without
// broadcasting, PAD): the outputs must be bit-identical for every thread count.
#include <gtest/gtest.h>

#include <random>

#include "kernels/exec.h"
#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

std::vector<float> random_floats(size_t n, std::mt19937& rng) {
  std::vector<float> v(n);
  std::uniform_real_distribution<float> d(-4.f, 4.f);
  for (auto& x : v) x = d(rng);
  return v;
}

TEST(Threads, ResizeBilinearFloatIsIdenticalForEveryThreadCount) {
  std::mt19937 rng(1);
  rt::ThreadPool p2(2), p3(3);
  struct Case {
    int b, h, w, c, oh, ow;
    bool align, half;
  };
  for (const Case& k : {Case{1, 17, 13, 8, 34, 26, false, false},   // the exact 2x path
                        Case{2, 9, 7, 5, 18, 14, false, false},     // 2x, batch 2
                        Case{1, 17, 13, 8, 40, 21, false, true},    // general, half-pixel centers
                        Case{2, 5, 6, 3, 11, 4, true, false}}) {    // general, align corners
    const auto x = random_floats(size_t(k.b) * k.h * k.w * k.c, rng);
    rt::ResizeParams p;
    p.align_corners = k.align;
    p.half_pixel_centers = k.half;
    auto run = [&](rt::ThreadPool* pool) {
      return OpRunner(Op::RESIZE_BILINEAR, p)
          .input(f32({k.b, k.h, k.w, k.c}, x))
          .input(i32({2}, {k.oh, k.ow}), true)
          .exec({rt::Isa::kReference, pool})
          .run()[0]
          .bytes;
    };
    const auto one = run(nullptr);
    EXPECT_EQ(run(&p2), one) << k.h << "x" << k.w << " -> " << k.oh << "x" << k.ow;
    EXPECT_EQ(run(&p3), one) << k.h << "x" << k.w << " -> " << k.oh << "x" << k.ow;
  }
}

TEST(Threads, ElementwiseFloatIsIdenticalForEveryThreadCount) {
  std::mt19937 rng(2);
  rt::ThreadPool p3(3);
  const int n = 200003;
  const auto a = random_floats(n, rng), b = random_floats(n, rng);
  for (Op op : {Op::ADD, Op::MUL, Op::SUB}) {
    for (int shape = 0; shape < 3; ++shape) {
      auto run = [&](rt::ThreadPool* pool) {
        rt::ActivationParams act;
        act.activation = rt::Activation::kRelu6;
        return OpRunner(op, act)
            .input(shape == 1 ? f32({1}, {0.75f}) : f32({1, n}, a))
            .input(shape == 2 ? f32({1}, {-1.5f}) : f32({1, n}, b))
            .exec({rt::Isa::kReference, pool})
            .run()[0]
            .bytes;
      };
      EXPECT_EQ(run(&p3), run(nullptr)) << op_name(static_cast<int32_t>(op)) << " shape " << shape;
    }
  }
}

}  // namespace
}  // namespace liteq::test
