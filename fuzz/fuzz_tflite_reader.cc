// libFuzzer target: arbitrary bytes -> Model::from_bytes -> Interpreter -> allocate ->
// invoke (inputs left as they are). Anything but liteq::Error (a crash, a sanitizer report,
// another exception, a hang) is a bug.
//
//   cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DLITEQ_BUILD_FUZZ=ON \
//         -DLITEQ_SANITIZE=ON -DLITEQ_BUILD_TESTS=OFF -DLITEQ_BUILD_BENCH=OFF
//   ninja -C build-fuzz fuzz_tflite_reader
//   build-fuzz/fuzz/fuzz_tflite_reader -max_len=2000000 corpus/ seeds/
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "ir/model.h"
#include "liteq/error.h"
#include "liteq/interpreter.h"
#include "liteq/model.h"

namespace {

// Valid models may declare tensors of gigabytes; allocating and running those says
// nothing about robustness and only hits the fuzzer's memory and time limits. Running is
// also what makes an execution slow, so only small graphs are invoked.
constexpr uint64_t kAllocateBudget = uint64_t{64} << 20;
constexpr uint64_t kRunBudget = uint64_t{1} << 20;

uint64_t declared_tensor_bytes(const liteq::Model& m) {
  const auto& fb = *m.ir().fb;
  uint64_t total = 0;
  for (const auto& t : fb.subgraphs[0]->tensors) {
    if (!liteq::ir::tensor_data(fb, *t).empty()) continue;
    const int64_t n = liteq::ir::num_elements(t->shape);
    total += static_cast<uint64_t>(n < 0 ? 0 : n) * std::max<size_t>(liteq::dtype_size(liteq::ir::dtype(*t)), 1);
  }
  return total;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const liteq::Model model = liteq::Model::from_bytes(std::span<const uint8_t>(data, size), "fuzz");
    // A model that loads writes back to one that loads.
    (void)liteq::Model::from_bytes(model.serialize(), "fuzz (rewritten)");
    liteq::Interpreter it(model);
    (void)it.input_details();
    (void)it.output_details();
    if (declared_tensor_bytes(model) > kAllocateBudget) return 0;
    it.allocate_tensors();
    if (it.arena_bytes() > kRunBudget) return 0;
    it.invoke();
    for (const auto& d : it.output_details()) (void)it.get_tensor(d.index);
  } catch (const liteq::Error&) {
  }
  return 0;
}
