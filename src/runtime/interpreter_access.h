// liteq-internal view of an Interpreter's graph, for passes and calibration.
#pragma once
#include "kernels/kernel_api.h"
#include "liteq/interpreter.h"

namespace liteq {

struct InterpreterAccess {
  static rt::Graph& graph(Interpreter& it);
  static const rt::Graph& graph(const Interpreter& it);
};

}  // namespace liteq
