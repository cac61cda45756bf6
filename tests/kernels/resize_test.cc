// RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/op_runner.h"

namespace liteq::test {
namespace {

rt::ResizeParams rp(bool align_corners, bool half_pixel_centers) {
  rt::ResizeParams p;
  p.align_corners = align_corners;
  p.half_pixel_centers = half_pixel_centers;
  return p;
}

TensorData run_resize(Op op, const TensorData& in, int32_t h, int32_t w, bool ac = false, bool hp = false) {
  return OpRunner(op, rp(ac, hp)).input(in).input(i32({2}, {h, w}), true).run()[0];
}

void expect_all_near(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-6f) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "at " << i;
}

const auto k2x2 = f32({1, 2, 2, 1}, {1, 2, 3, 4});

TEST(ResizeKernel, BilinearUpscale) {
  auto out = run_resize(Op::RESIZE_BILINEAR, k2x2, 4, 4);
  EXPECT_EQ(out.dims, (std::vector<int32_t>{1, 4, 4, 1}));
  EXPECT_EQ(out.values<float>(),
            (std::vector<float>{1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 3, 3.5f, 4, 4, 3, 3.5f, 4, 4}));
}

TEST(ResizeKernel, BilinearAlignCorners) {
  auto out = run_resize(Op::RESIZE_BILINEAR, k2x2, 3, 3, true, false);
  EXPECT_EQ(out.values<float>(), (std::vector<float>{1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4}));
}

TEST(ResizeKernel, BilinearHalfPixelCenters) {
  auto out = run_resize(Op::RESIZE_BILINEAR, k2x2, 4, 4, false, true);
  expect_all_near(out.values<float>(), {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3,
                                        3.25f, 3.75f, 4});
}

TEST(ResizeKernel, BilinearChannelsAndBatch) {
  // 2 batches x 1x2 x 2 channels -> width 3 with align_corners.
  auto out = run_resize(Op::RESIZE_BILINEAR, f32({2, 1, 2, 2}, {0, 10, 2, 20, 4, 40, 6, 60}), 1, 3, true);
  EXPECT_EQ(out.dims, (std::vector<int32_t>{2, 1, 3, 2}));
  EXPECT_EQ(out.values<float>(), (std::vector<float>{0, 10, 1, 15, 2, 20, 4, 40, 5, 50, 6, 60}));
}

TEST(ResizeKernel, BilinearDownscaleAndIdentity) {
  // 4 -> 2 without flags samples positions 0 and 2.
  auto out = run_resize(Op::RESIZE_BILINEAR, f32({1, 1, 4, 1}, {1, 2, 3, 4}), 1, 2);
  EXPECT_EQ(out.values<float>(), (std::vector<float>{1, 3}));
  // 4 -> 2 with half pixel centers samples positions 0.5 and 2.5.
  out = run_resize(Op::RESIZE_BILINEAR, f32({1, 1, 4, 1}, {1, 2, 3, 4}), 1, 2, false, true);
  EXPECT_EQ(out.values<float>(), (std::vector<float>{1.5f, 3.5f}));
  out = run_resize(Op::RESIZE_BILINEAR, k2x2, 2, 2, false, true);
  EXPECT_EQ(out.values<float>(), (std::vector<float>{1, 2, 3, 4}));
}

// Exact 2x upsampling without flags rounds like TFLite's special case for it: copies,
// means of two neighbours, and the mean of two such means (neighbours clamped at the edge).
TEST(ResizeKernel, Bilinear2xRoundsAsMeanOfMeans) {
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> u(-3, 3);
  const int H = 3, W = 4, C = 2;
  std::vector<float> in(H * W * C);
  for (auto& v : in) v = u(rng);
  const auto got = run_resize(Op::RESIZE_BILINEAR, f32({1, H, W, C}, in), 2 * H, 2 * W).values<float>();
  auto at = [&](int y, int x, int c) { return in[(std::min(y, H - 1) * W + std::min(x, W - 1)) * C + c]; };
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x)
      for (int c = 0; c < C; ++c) {
        const float a = at(y, x, c), b = at(y, x + 1, c), d = at(y + 1, x, c), e = at(y + 1, x + 1, c);
        auto out = [&](int oy, int ox) { return got[(oy * 2 * W + ox) * C + c]; };
        EXPECT_EQ(out(2 * y, 2 * x), a);
        EXPECT_EQ(out(2 * y, 2 * x + 1), (a + b) / 2);
        EXPECT_EQ(out(2 * y + 1, 2 * x), (a + d) / 2);
        EXPECT_EQ(out(2 * y + 1, 2 * x + 1), ((a + d) / 2 + (b + e) / 2) / 2);
      }
}

TEST(ResizeKernel, NearestUpscale) {
  auto out = run_resize(Op::RESIZE_NEAREST_NEIGHBOR, k2x2, 4, 4);
  EXPECT_EQ(out.values<float>(), (std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
}

TEST(ResizeKernel, NearestFlags) {
  const auto in3 = make_tensor<int8_t>({1, 1, 3, 1}, {10, 20, 30});
  const auto in2 = make_tensor<int8_t>({1, 1, 2, 1}, {10, 20});
  auto v = [](const TensorData& t) { return t.values<int8_t>(); };
  EXPECT_EQ(v(run_resize(Op::RESIZE_NEAREST_NEIGHBOR, in3, 1, 2)), (std::vector<int8_t>{10, 20}));
  EXPECT_EQ(v(run_resize(Op::RESIZE_NEAREST_NEIGHBOR, in3, 1, 2, false, true)), (std::vector<int8_t>{10, 30}));
  EXPECT_EQ(v(run_resize(Op::RESIZE_NEAREST_NEIGHBOR, in3, 1, 2, true, false)), (std::vector<int8_t>{10, 30}));
  // align_corners rounds half away from zero: positions 0, 0.5, 1 -> 0, 1, 1.
  EXPECT_EQ(v(run_resize(Op::RESIZE_NEAREST_NEIGHBOR, in2, 1, 3, true, false)), (std::vector<int8_t>{10, 20, 20}));
  EXPECT_EQ(v(run_resize(Op::RESIZE_NEAREST_NEIGHBOR, in2, 1, 3, false, true)), (std::vector<int8_t>{10, 20, 20}));
  EXPECT_EQ(v(run_resize(Op::RESIZE_NEAREST_NEIGHBOR, in2, 1, 3, true, true)), (std::vector<int8_t>{10, 20, 20}));
  EXPECT_EQ(v(run_resize(Op::RESIZE_NEAREST_NEIGHBOR, in2, 1, 3)), (std::vector<int8_t>{10, 10, 20}));
}

TEST(ResizeKernel, NearestOtherDtypes) {
  auto out = run_resize(Op::RESIZE_NEAREST_NEIGHBOR, make_tensor<int64_t>({1, 1, 1, 2}, {5, -5}), 2, 2);
  EXPECT_EQ(out.dims, (std::vector<int32_t>{1, 2, 2, 2}));
  EXPECT_EQ(out.values<int64_t>(), (std::vector<int64_t>{5, -5, 5, -5, 5, -5, 5, -5}));
  auto u = run_resize(Op::RESIZE_NEAREST_NEIGHBOR, make_tensor<uint16_t>({1, 1, 1, 1}, {0x3c00}), 1, 2);
  EXPECT_EQ(u.type, DType::kFloat16);
  EXPECT_EQ(u.values<uint16_t>(), (std::vector<uint16_t>{0x3c00, 0x3c00}));
}

// --- naive versions of TFLite's definitions, for random checks ----------------------------

float scale_of(int in, int out, bool ac) {
  return (ac && out > 1) ? static_cast<float>(in - 1) / static_cast<float>(out - 1)
                         : static_cast<float>(in) / static_cast<float>(out);
}

std::vector<float> naive_bilinear(const std::vector<int32_t>& d, const std::vector<float>& in, int oh, int ow, bool ac,
                                  bool hp) {
  const int B = d[0], H = d[1], W = d[2], C = d[3];
  const float sy = scale_of(H, oh, ac), sx = scale_of(W, ow, ac);
  std::vector<float> out;
  auto at = [&](int b, int y, int x, int c) { return static_cast<double>(in[((b * H + y) * W + x) * C + c]); };
  for (int b = 0; b < B; ++b)
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x)
        for (int c = 0; c < C; ++c) {
          const float fy = hp ? (y + 0.5f) * sy - 0.5f : y * sy;
          const float fx = hp ? (x + 0.5f) * sx - 0.5f : x * sx;
          const int y0 = std::max(static_cast<int>(std::floor(fy)), 0);
          const int y1 = std::min(static_cast<int>(std::ceil(fy)), H - 1);
          const int x0 = std::max(static_cast<int>(std::floor(fx)), 0);
          const int x1 = std::min(static_cast<int>(std::ceil(fx)), W - 1);
          const double dy = fy - y0, dx = fx - x0;
          out.push_back(static_cast<float>(at(b, y0, x0, c) * (1 - dy) * (1 - dx) + at(b, y1, x0, c) * dy * (1 - dx) +
                                           at(b, y0, x1, c) * (1 - dy) * dx + at(b, y1, x1, c) * dy * dx));
        }
  return out;
}

int naive_nearest_index(int o, int in, int out, bool ac, bool hp) {
  const float pos = (o + (hp ? 0.5f : 0.0f)) * scale_of(in, out, ac);
  int i = ac ? static_cast<int>(std::round(pos)) : static_cast<int>(std::floor(pos));
  i = std::min(i, in - 1);
  return hp ? std::max(i, 0) : i;
}

TEST(ResizeKernel, RandomMatchesNaive) {
  std::mt19937 rng(31);
  std::uniform_int_distribution<int> sz(1, 7), ch(1, 3), flag(0, 2);
  std::uniform_real_distribution<float> u(-10, 10);
  for (int iter = 0; iter < 200; ++iter) {
    const std::vector<int32_t> d = {1 + iter % 2, sz(rng), sz(rng), ch(rng)};
    const int oh = sz(rng) + (iter % 3 == 0 ? 5 : 0), ow = sz(rng);
    std::vector<float> in(d[0] * d[1] * d[2] * d[3]);
    for (auto& v : in) v = u(rng);
    const int f = flag(rng);
    const bool ac = f == 1, hp = f == 2;
    auto bl = run_resize(Op::RESIZE_BILINEAR, f32(d, in), oh, ow, ac, hp);
    ASSERT_EQ(bl.dims, (std::vector<int32_t>{d[0], oh, ow, d[3]}));
    const auto want = naive_bilinear(d, in, oh, ow, ac, hp);
    const auto got = bl.values<float>();
    for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-4f) << iter;

    const bool nac = flag(rng) == 0, nhp = flag(rng) == 0;
    auto nn = run_resize(Op::RESIZE_NEAREST_NEIGHBOR, f32(d, in), oh, ow, nac, nhp);
    std::vector<float> nwant;
    for (int b = 0; b < d[0]; ++b)
      for (int y = 0; y < oh; ++y)
        for (int x = 0; x < ow; ++x)
          for (int c = 0; c < d[3]; ++c) {
            const int iy = naive_nearest_index(y, d[1], oh, nac, nhp);
            const int ix = naive_nearest_index(x, d[2], ow, nac, nhp);
            nwant.push_back(in[((b * d[1] + iy) * d[2] + ix) * d[3] + c]);
          }
    ASSERT_EQ(nn.values<float>(), nwant) << iter;
  }
}

TEST(ResizeKernel, Errors) {
  auto run = [](Op op, const TensorData& in, const TensorData& size, bool constant = true, rt::ResizeParams p = {}) {
    return OpRunner(op, p).input(in).input(size, constant).run();
  };
  for (Op op : {Op::RESIZE_BILINEAR, Op::RESIZE_NEAREST_NEIGHBOR}) {
    EXPECT_THROW(run(op, k2x2, i32({2}, {4, 4}), false), Error);               // size not constant
    EXPECT_THROW(run(op, k2x2, i32({3}, {4, 4, 4})), Error);                   // size of 3
    EXPECT_THROW(run(op, k2x2, i32({2}, {0, 4})), Error);                      // zero size
    EXPECT_THROW(run(op, k2x2, i32({2}, {-1, 4})), Error);
    EXPECT_THROW(run(op, k2x2, f32({2}, {4, 4})), Error);                      // float size
    EXPECT_THROW(run(op, f32({2, 2}, {1, 2, 3, 4}), i32({2}, {4, 4})), Error);  // not 4-D
    EXPECT_THROW(run(op, f32({1, 0, 2, 1}, {}), i32({2}, {4, 4})), Error);      // empty spatial dim
    EXPECT_THROW(OpRunner(op).input(k2x2).run(), Error);                         // input count
  }
  EXPECT_THROW(run(Op::RESIZE_BILINEAR, make_tensor<int8_t>({1, 1, 1, 1}, {1}), i32({2}, {2, 2})), Error);
  EXPECT_THROW(run(Op::RESIZE_BILINEAR, k2x2, i32({2}, {4, 4}), true, rp(true, true)), Error);
  EXPECT_THROW(
      OpRunner(Op::RESIZE_NEAREST_NEIGHBOR).input(k2x2).input(i32({2}, {4, 4}), true).output(DType::kInt8).run(),
      Error);
}

}  // namespace
}  // namespace liteq::test
