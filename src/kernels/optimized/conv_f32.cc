#include "kernels/optimized/fast_kernels.h"

namespace liteq::rt::opt {

std::unique_ptr<FastKernel> make_conv_f32(OpContext&, const ref::ConvGeometry&, int) { return nullptr; }
std::unique_ptr<FastKernel> make_depthwise_f32(OpContext&, const ref::ConvGeometry&, int) { return nullptr; }
std::unique_ptr<FastKernel> make_fully_connected_f32(OpContext&, int64_t, int, int, float, float) { return nullptr; }

}  // namespace liteq::rt::opt
