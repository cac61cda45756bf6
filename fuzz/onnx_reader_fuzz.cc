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
#include <cstddef>
#include <cstdint>
#include <span>

#include "exercise_model.h"
#include "liteq/error.h"
#include "liteq/model.h"
#include "liteq/onnx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    // No base_dir: a tensor with external data must be rejected, never read from disk.
    const liteq::Model model = liteq::import_onnx(std::span<const uint8_t>(data, size), "fuzz");
    liteq::fuzz::exercise_model(model, "fuzz (imported, rewritten)");
  } catch (const liteq::Error&) {
  }
  return 0;
}
