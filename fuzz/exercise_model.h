// What both fuzz targets do with a model their reader accepted: write it and read it back,
// then prepare it and, if small enough, run it (inputs left as they are). Anything but
// liteq::Error escaping from here is a bug.
#pragma once
#include <algorithm>
#include <cstdint>

#include "ir/model.h"
#include "liteq/interpreter.h"
#include "liteq/model.h"

namespace liteq::fuzz {

// Valid models may declare tensors of gigabytes; allocating and running those says
// nothing about robustness and only hits the fuzzer's memory and time limits. Running is
// also what makes an execution slow, so only small graphs are invoked.
constexpr uint64_t kAllocateBudget = uint64_t{64} << 20;
constexpr uint64_t kRunBudget = uint64_t{1} << 20;

inline uint64_t declared_tensor_bytes(const Model& m) {
  const auto& fb = *m.ir().fb;
  uint64_t total = 0;
  for (const auto& t : fb.subgraphs[0]->tensors) {
    if (!ir::tensor_data(fb, *t).empty()) continue;
    const int64_t n = ir::num_elements(t->shape);
    total += static_cast<uint64_t>(n < 0 ? 0 : n) * std::max<size_t>(dtype_size(ir::dtype(*t)), 1);
  }
  return total;
}

inline void exercise_model(const Model& model, const char* rewritten_name) {
  // A model that loads writes back to one that loads.
  (void)Model::from_bytes(model.serialize(), rewritten_name);
  Interpreter it(model);
  (void)it.input_details();
  (void)it.output_details();
  if (declared_tensor_bytes(model) > kAllocateBudget) return;
  it.allocate_tensors();
  if (it.arena_bytes() > kRunBudget) return;
  it.invoke();
  for (const auto& d : it.output_details()) (void)it.get_tensor(d.index);
}

}  // namespace liteq::fuzz
