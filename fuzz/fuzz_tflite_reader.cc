// libFuzzer target: arbitrary bytes -> Model::from_bytes -> Interpreter -> allocate ->
// invoke (inputs left as they are). Anything but liteq::Error (a crash, a sanitizer report,
// another exception, a hang) is a bug.
//
//   cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DLITEQ_BUILD_FUZZ=ON \
//         -DLITEQ_SANITIZE=ON -DLITEQ_BUILD_TESTS=OFF -DLITEQ_BUILD_BENCH=OFF
//   ninja -C build-fuzz fuzz_tflite_reader
//   build-fuzz/fuzz/fuzz_tflite_reader -max_len=2000000 corpus/ seeds/
#include <cstddef>
#include <cstdint>
#include <span>

#include "exercise_model.h"
#include "liteq/error.h"
#include "liteq/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const liteq::Model model = liteq::Model::from_bytes(std::span<const uint8_t>(data, size), "fuzz");
    liteq::fuzz::exercise_model(model, "fuzz (rewritten)");
  } catch (const liteq::Error&) {
  }
  return 0;
}
