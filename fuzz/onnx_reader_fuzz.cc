// libFuzzer target: arbitrary bytes -> import_onnx (from memory, no external data) ->
// the translated model written and read back -> Interpreter -> allocate -> invoke (inputs
// left as they are). Anything but liteq::Error (a crash, a sanitizer report, another
// exception, a hang) is a bug.
//
//   cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DLITEQ_BUILD_FUZZ=ON \
//         -DLITEQ_SANITIZE=ON -DLITEQ_BUILD_TESTS=OFF -DLITEQ_BUILD_BENCH=OFF
//   ninja -C build-fuzz onnx_reader_fuzz
//   mkdir -p seeds && for d in /usr/share/libonnx-testdata/data/node/*/; do
//     cp "$d/model.onnx" "seeds/$(basename "$d").onnx"; done     # small valid models
//   build-fuzz/fuzz/onnx_reader_fuzz -max_len=20000 corpus/ seeds/
// fuzz/regressions/onnx/ holds inputs that crashed it (run the target on a file to
// reproduce).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "ir/model.h"
#include "liteq/error.h"
#include "liteq/interpreter.h"
#include "liteq/model.h"
#include "liteq/onnx.h"

namespace {

// As in fuzz_tflite_reader.cc: a valid model may declare huge tensors; allocating and
// running those only hits the fuzzer's memory and time limits.
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
    // No base_dir: a tensor with external data must be rejected, never read from disk.
    const liteq::Model model = liteq::import_onnx(std::span<const uint8_t>(data, size), "fuzz");
    // What the importer produces is a valid TFLite model: it writes and loads back.
    (void)liteq::Model::from_bytes(model.serialize(), "fuzz (imported, rewritten)");
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
