// DEPTH_TO_SPACE and SPACE_TO_DEPTH, NHWC, every fixed-size dtype.
#include "kernels/kernel_util.h"
#include "kernels/reference/depth_space.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

struct BlockState {
  ref::BlockShape shape;
};

template <bool kToSpace>
void prepare_block(OpContext& ctx) {
  ctx.check_io(1, 1, 1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  ctx.check(dtype_size(in.type) > 0, "input '{}' has type {}, which has no fixed element size", in.name,
            dtype_name(in.type));
  ctx.check(out.type == in.type, "output '{}' has type {}, the input has {}", out.name, dtype_name(out.type),
            dtype_name(in.type));
  ctx.check(in.rank() == 4, "input '{}' must be 4-D (NHWC), got rank {}", in.name, in.rank());
  const int bs = ctx.params<BlockParams>().block_size;
  ctx.check(bs >= 1, "block_size must be >= 1, got {}", bs);
  auto& s = ctx.make_state<BlockState>().shape;
  s.block = bs;
  s.batch = in.dim(0);
  if (kToSpace) {
    const int64_t bb = int64_t{bs} * bs;
    ctx.check(in.dim(3) % bb == 0, "depth {} is not a multiple of block_size^2 = {}", in.dim(3), bb);
    const int64_t h = int64_t{in.dim(1)} * bs, w = int64_t{in.dim(2)} * bs;
    ctx.check(h <= std::numeric_limits<int32_t>::max() && w <= std::numeric_limits<int32_t>::max(),
              "output is too large");
    s.height = static_cast<int32_t>(h);
    s.width = static_cast<int32_t>(w);
    s.depth = static_cast<int32_t>(in.dim(3) / bb);
    ctx.set_output_shape(0, {s.batch, s.height, s.width, s.depth});
  } else {
    ctx.check(in.dim(1) % bs == 0 && in.dim(2) % bs == 0, "height {} and width {} must be multiples of block_size {}",
              in.dim(1), in.dim(2), bs);
    const int64_t d = int64_t{in.dim(3)} * bs * bs;
    ctx.check(d <= std::numeric_limits<int32_t>::max(), "output is too large");
    s.height = in.dim(1);
    s.width = in.dim(2);
    s.depth = in.dim(3);
    ctx.set_output_shape(0, {s.batch, s.height / bs, s.width / bs, static_cast<int32_t>(d)});
  }
}

template <bool kToSpace>
void eval_block(OpContext& ctx) {
  const auto& s = ctx.state<BlockState>().shape;
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  if (out.num_elements() == 0) return;
  ref::dispatch_elem_size(dtype_size(in.type),
                          [&]<size_t N>() { ref::depth_space<N, kToSpace>(s, in.data, out.data); });
}

}  // namespace

const KernelRegistration* Register_DEPTH_TO_SPACE() {
  static const KernelRegistration r{"DEPTH_TO_SPACE", prepare_block<true>, eval_block<true>};
  return &r;
}

const KernelRegistration* Register_SPACE_TO_DEPTH() {
  static const KernelRegistration r{"SPACE_TO_DEPTH", prepare_block<false>, eval_block<false>};
  return &r;
}

}  // namespace liteq::rt
