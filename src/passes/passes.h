// Graph rewrites on the in-memory model.
#pragma once
#include "ir/model.h"

namespace liteq::passes {

// Replaces every operator whose inputs are all constant (DEQUANTIZE of float16 weights,
// DENSIFY of sparse weights, shape arithmetic, ...) by its result, stored as a constant
// tensor. The values are computed by liteq's own kernels, so they are exactly what the
// interpreter would compute. Outputs of the model are never folded. Returns the number of
// operators removed.
int fold_constants(ir::ModelData& model);

// Removes tensors no operator or subgraph input/output refers to, buffers no tensor or
// metadata refers to, and operator codes no operator uses; renumbers everything.
void prune(ir::ModelData& model);

}  // namespace liteq::passes
