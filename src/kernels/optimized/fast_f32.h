// Test hook of the float32 fast kernels (conv_f32.cc).
#pragma once
#include <cstdint>

namespace liteq::rt::opt {
// How many float32 fast kernels make_*_f32() has returned so far (tests check that the
// optimized path, not the reference fallback, ran).
int64_t f32_fast_kernels_made();
}  // namespace liteq::rt::opt
