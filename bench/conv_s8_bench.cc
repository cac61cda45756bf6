// int8 CONV_2D 1x1 / 3x3, DEPTHWISE_CONV_2D and FULLY_CONNECTED at MobileNet-like sizes,
// through the op's prepare/eval (as the interpreter runs them), at each ISA level this
// CPU has (reference = scalar reference kernels) and 1 or 2 threads. Counter: GOP/s
// (one multiply-add = 2 ops; requantization not counted).
//   build/bench/conv_s8_bench --benchmark_filter=Conv1x1
#include <benchmark/benchmark.h>

#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ir/op_codes.h"
#include "kernels/exec.h"
#include "kernels/kernel_api.h"
#include "one_op.h"

namespace {

using namespace liteq;

using bench::Case;
using bench::OneOp;
using bench::TensorSpec;

TensorSpec act(std::vector<int32_t> dims, float scale, int zp) { return {DType::kInt8, std::move(dims), {scale}, zp}; }
TensorSpec weights(std::vector<int32_t> dims, int channels, int axis) {
  return {DType::kInt8, std::move(dims), std::vector<float>(channels, 0.01f), 0, axis, true};
}
TensorSpec bias(int channels, float in_scale) {
  return {DType::kInt32, {channels}, std::vector<float>(channels, in_scale * 0.01f), 0, 0, true};
}


std::vector<Case> cases() {
  std::vector<Case> v;
  auto conv = [&](const char* name, int h, int w, int ci, int co, int k, int stride) {
    const int oh = (h + stride - 1) / stride, ow = (w + stride - 1) / stride;
    v.push_back({name, 2.0 * oh * ow * co * ci * k * k, [=](rt::ExecConfig e) {
                   rt::ConvParams p;
                   p.stride_h = p.stride_w = stride;
                   return std::make_unique<OneOp>(
                       Op::CONV_2D, p,
                       std::vector<TensorSpec>{act({1, h, w, ci}, 0.05f, -3), weights({co, k, k, ci}, co, 0),
                                               bias(co, 0.05f)},
                       act({1, oh, ow, co}, 0.2f, 4), e);
                 }});
  };
  conv("Conv1x1/28x28x256->256", 28, 28, 256, 256, 1, 1);
  conv("Conv1x1/14x14x512->512", 14, 14, 512, 512, 1, 1);
  conv("Conv1x1/56x56x64->128", 56, 56, 64, 128, 1, 1);
  conv("Conv3x3/56x56x64->64", 56, 56, 64, 64, 3, 1);
  conv("Conv3x3/224x224x3->32s2", 224, 224, 3, 32, 3, 2);
  // pose_landmark_full: its first layer, a 1x1 with few input channels, and the
  // segmentation head's 8-channel layers
  conv("Conv3x3/256x256x3->24s2", 256, 256, 3, 24, 3, 2);
  conv("Conv1x1/128x128x16->64", 128, 128, 16, 64, 1, 1);
  conv("Conv1x1/256x256x8->8", 256, 256, 8, 8, 1, 1);
  conv("Conv3x3/256x256x8->1", 256, 256, 8, 1, 3, 1);
  auto dw = [&](const char* name, int h, int w, int c, int stride, int k = 3) {
    const int oh = (h + stride - 1) / stride, ow = (w + stride - 1) / stride;
    v.push_back({name, 2.0 * oh * ow * c * k * k, [=](rt::ExecConfig e) {
                   rt::DepthwiseConvParams p;
                   p.stride_h = p.stride_w = stride;
                   return std::make_unique<OneOp>(
                       Op::DEPTHWISE_CONV_2D, p,
                       std::vector<TensorSpec>{act({1, h, w, c}, 0.05f, -3), weights({1, k, k, c}, c, 3),
                                               bias(c, 0.05f)},
                       act({1, oh, ow, c}, 0.2f, 4), e);
                 }});
  };
  dw("Depthwise3x3/112x112x64s2", 112, 112, 64, 2);
  dw("Depthwise3x3/56x56x128", 56, 56, 128, 1);
  dw("Depthwise3x3/14x14x512", 14, 14, 512, 1);
  dw("Depthwise3x3/64x64x144", 64, 64, 144, 1);  // pose_landmark_full
  dw("Depthwise3x3/128x128x8", 128, 128, 8, 1);  // segmentation heads
  dw("Depthwise3x3/16x16x384", 16, 16, 384, 1);  // pose_landmark_full's small maps
  dw("Depthwise3x3/8x8x864", 8, 8, 864, 1);
  dw("Depthwise5x5/28x28x240", 28, 28, 240, 1);
  auto fc = [&](const char* name, int batch, int depth, int units) {
    v.push_back({name, 2.0 * batch * depth * units, [=](rt::ExecConfig e) {
                   return std::make_unique<OneOp>(
                       Op::FULLY_CONNECTED, rt::FullyConnectedParams{},
                       std::vector<TensorSpec>{act({batch, depth}, 0.05f, -3), weights({units, depth}, 1, 0),
                                               TensorSpec{DType::kInt32, {units}, {0.05f * 0.01f}, 0, 0, true}},
                       act({batch, units}, 0.2f, 4), e);
                 }});
  };
  fc("FC/1x1024->1000", 1, 1024, 1000);
  fc("FC/16x1024->1000", 16, 1024, 1000);
  return v;
}

}  // namespace

int main(int argc, char** argv) { return liteq::bench::run_cases(argc, argv, cases); }
