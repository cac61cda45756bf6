// Shared by the integer fast-kernel tests (optimized_s8_test.cc, optimized_s16_test.cc):
// the ISA levels above the reference this CPU has, thread pools, and CONV_2D /
// DEPTHWISE_CONV_2D shapes with the op runner they describe.
#pragma once
#include <string>
#include <vector>

#include "kernels/exec.h"
#include "kernels/op_runner.h"

namespace liteq::test {

// AVX2 up to the best level this CPU has.
inline std::vector<rt::Isa> int_isa_levels() {
  std::vector<rt::Isa> v;
  for (int i = static_cast<int>(rt::Isa::kAvx2); i <= static_cast<int>(rt::detect_isa()); ++i)
    v.push_back(static_cast<rt::Isa>(i));
  return v;
}

// A pool of 1, 2 or 3 threads.
inline rt::ThreadPool& int_pool(int threads) {
  static rt::ThreadPool p1(1), p2(2), p3(3);
  return threads == 1 ? p1 : threads == 2 ? p2 : p3;
}

struct ConvShape {
  int batch, h, w, in_c, out_c, kh, kw, sh, sw, dh, dw;
  rt::Padding pad;
  std::string str() const {
    return std::to_string(batch) + "x" + std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(in_c) +
           " -> " + std::to_string(out_c) + " k" + std::to_string(kh) + "x" + std::to_string(kw) + " s" +
           std::to_string(sh) + "x" + std::to_string(sw) + " d" + std::to_string(dh) + "x" + std::to_string(dw) +
           (pad == rt::Padding::kSame ? " SAME" : " VALID");
  }
};

// The runner of a CONV_2D (or DEPTHWISE_CONV_2D) with s's geometry and activation act;
// the caller adds the tensors.
inline OpRunner conv_runner(const ConvShape& s, rt::Activation act, bool depthwise) {
  if (depthwise) return OpRunner(Op::DEPTHWISE_CONV_2D, rt::OpParams(conv_params<rt::DepthwiseConvParams>(s, act)));
  return OpRunner(Op::CONV_2D, rt::OpParams(conv_params<rt::ConvParams>(s, act)));
}

}  // namespace liteq::test
