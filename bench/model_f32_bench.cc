// Whole-model latency of the float MediaPipe models with each kernel set and thread
// count (invoke() only; the model is loaded and prepared once).
//   build/bench/model_f32_bench --benchmark_filter=pose_landmark_full
// Models are read from the source tree's .cache/assets/models, or LITEQ_MODELS.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "kernels/exec.h"
#include "liteq/interpreter.h"
#include "liteq/model.h"

namespace liteq {
namespace {

std::string model_path(const std::string& name) {
  const char* dir = std::getenv("LITEQ_MODELS");
  return std::string(dir ? dir : LITEQ_SOURCE_DIR "/.cache/assets/models") + "/" + name + ".tflite";
}

void Model(benchmark::State& state, const std::string& name, const char* kernels, int threads) {
  rt::Isa isa;
  if (!rt::parse_isa(kernels, &isa) || isa > rt::detect_isa()) {
    state.SkipWithError("kernels not available on this CPU");
    return;
  }
  const std::string path = model_path(name);
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(("no model " + path).c_str());
    return;
  }
  const liteq::Model model = liteq::Model::load(path);
  InterpreterOptions opt;
  opt.num_threads = threads;
  opt.kernels = kernels;
  Interpreter interp(model, opt);
  interp.allocate_tensors();
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> d(0, 1);
  for (const auto& in : interp.input_details()) {
    size_t n = 1;
    for (int32_t x : in.shape) n *= static_cast<size_t>(x);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    interp.set_tensor(in.index, DType::kFloat32, in.shape,
                      {reinterpret_cast<const uint8_t*>(v.data()), v.size() * sizeof(float)});
  }
  interp.invoke();
  for (auto _ : state) interp.invoke();
  state.SetLabel(interp.kernels());
}

void register_all() {
  for (const char* m : {"pose_landmark_full", "pose_landmark_heavy", "pose_landmark_lite", "hand_landmark_full",
                        "hand_landmark_lite", "face_detection_short_range", "selfie_segmentation"})
    for (const char* k : {"reference", "avx2", "avx512"})
      for (int t : {1, 2})
        benchmark::RegisterBenchmark((std::string(m) + "/" + k + "/threads:" + std::to_string(t)).c_str(),
                                     [=](benchmark::State& s) { Model(s, m, k, t); })
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
}

}  // namespace
}  // namespace liteq

int main(int argc, char** argv) {
  liteq::register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
