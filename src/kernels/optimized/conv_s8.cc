#include "kernels/optimized/fast_kernels.h"

namespace liteq::rt::opt {

std::unique_ptr<FastKernel> make_conv_s8(OpContext&, const ref::ConvGeometry&, int32_t, const ref::QuantOutput&) {
  return nullptr;
}
std::unique_ptr<FastKernel> make_depthwise_s8(OpContext&, const ref::ConvGeometry&, int, int32_t,
                                              const ref::QuantOutput&) {
  return nullptr;
}
std::unique_ptr<FastKernel> make_fully_connected_s8(OpContext&, int64_t, int, int, int32_t, const ref::QuantOutput&) {
  return nullptr;
}

}  // namespace liteq::rt::opt
