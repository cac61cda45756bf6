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

// Folds each float32 RELU / RELU6 / RELU_N1_TO_1 into the CONV_2D, DEPTHWISE_CONV_2D,
// FULLY_CONNECTED, ADD, SUB or MUL that produces its input, as TFLite's converter fuses
// them, where that op's fused activation is NONE and the RELU alone reads the tensor (no
// graph input or output, no signature tensor): the op takes the activation and writes the
// RELU's output. Quantized, the pair then rounds once, into the RELU's range, and runs as
// one op. Returns the number of RELUs removed.
int fuse_activations(ir::ModelData& model);

// Removes tensors no operator or subgraph input/output refers to, buffers no tensor or
// metadata refers to, and operator codes no operator uses; renumbers everything.
void prune(ir::ModelData& model);

}  // namespace liteq::passes
