// Runs a model, with the shape of TFLite's Interpreter API:
//   auto it = Interpreter(model);  it.allocate_tensors();
//   it.set_tensor(it.input_details()[0].index, ...);  it.invoke();  it.get_tensor(...)
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "liteq/dtype.h"
#include "liteq/model.h"

namespace liteq {

struct TensorDetails {
  std::string name;
  int index = -1;  // tensor index in the main subgraph
  std::vector<int32_t> shape;
  std::vector<int32_t> shape_signature;  // -1 marks a dynamic dim
  DType dtype = DType::kFloat32;
  std::vector<float> scales;  // empty if not quantized
  std::vector<int64_t> zero_points;
  int quantized_dimension = 0;
};

struct TensorView {
  DType dtype;
  std::vector<int32_t> shape;
  std::span<const uint8_t> bytes;
  template <typename T> std::span<const T> as() const {
    return {reinterpret_cast<const T*>(bytes.data()), bytes.size() / sizeof(T)};
  }
};

struct InterpreterOptions {
  int num_threads = 1;
  // Keep every intermediate tensor alive after invoke (for layer-by-layer comparison
  // and calibration); costs memory, as TFLite's experimental_preserve_all_tensors.
  bool preserve_all_tensors = false;
  // Which kernels run: "auto" (the fastest this CPU supports), "reference" (the scalar
  // reference kernels, the spec), or an instruction set at most what the CPU offers:
  // "avx2", "avx512", "avx512vnni". With "auto", the environment variable
  // LITEQ_KERNELS, if set, chooses instead.
  std::string kernels = "auto";
  // Time every operator of every invoke (see op_profile()).
  bool profile = false;
  // With optimized kernels: a float32 RELU / RELU6 / RELU_N1_TO_1 that is the only reader
  // of a CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, SUB or MUL output runs inside
  // that op (the same bits, one pass over memory less). Never with preserve_all_tensors.
  bool fuse_activations = true;
  // With optimized kernels: a PAD of zeros (the zero point, quantized) along height and
  // width whose output only a VALID CONV_2D / DEPTHWISE_CONV_2D reads goes into that op's
  // padding (the same result without writing the padded tensor), as XNNPACK does. Never
  // with preserve_all_tensors.
  bool fuse_pads = true;
};

// Time spent in one operator over all invokes since profiling began.
struct OpProfile {
  int node = 0;           // operator index in the main subgraph
  std::string op;         // "CONV_2D", or the custom code
  std::string types;      // "int8", "float32", "float32/int8" (input / weights) ...
  std::string kernel;     // "reference" or the optimized kernel's ISA
  std::string shapes;     // "1x64x64x24 -> 1x32x32x48" (first input -> first output)
  double total_ms = 0;
  int64_t calls = 0;
};

class Interpreter {
 public:
  // Runs `model`, which the caller keeps: its weights stay in it, and the optimized
  // kernels hold their packed copies besides.
  explicit Interpreter(const Model& model, InterpreterOptions options = {});
  // Takes the model. When no other Model shares its data, each constant that every
  // reader packed at allocate_tensors() (the weights and biases of the optimized
  // convolution, depthwise and fully-connected kernels) is freed once packed, so the
  // weights are held once. Such an interpreter plans once: resize_input() to a new shape
  // afterwards fails (models with dynamic input dims keep their constants and resize),
  // and get_tensor() of a freed constant fails.
  explicit Interpreter(Model&& model, InterpreterOptions options = {});
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Computes every shape, prepares the kernels and plans the arena. Call again after
  // resize_input(); invoke() calls it if needed.
  void allocate_tensors();
  std::vector<TensorDetails> input_details() const;
  std::vector<TensorDetails> output_details() const;
  TensorDetails tensor_details(int tensor_index) const;
  int num_tensors() const;

  // Changes the shape of a model input (by tensor index); only dims that are -1 in the
  // shape signature may change, unless strict is false.
  void resize_input(int tensor_index, const std::vector<int32_t>& shape, bool strict = false);

  // Copies data into an input tensor; dtype, shape and byte size must match exactly.
  void set_tensor(int tensor_index, DType dtype, const std::vector<int32_t>& shape,
                  std::span<const uint8_t> data);
  void invoke();
  // A view of a tensor's data, valid until the next allocate/invoke.
  TensorView get_tensor(int tensor_index) const;

  // Bytes of the shared arena that holds every intermediate tensor.
  size_t arena_bytes() const;
  // Sum of the sizes of all intermediate tensors, what a planner-less runtime would use.
  size_t unplanned_bytes() const;
  // The most bytes of intermediate tensors alive at once: no arena can be smaller
  // (ignoring alignment padding).
  size_t arena_lower_bound_bytes() const;
  // Bytes the kernels hold besides the arena and the model (packed weights, tables).
  size_t kernel_state_bytes() const;
  // Bytes of model constants freed after packing (Interpreter(Model&&) only).
  size_t released_constant_bytes() const;
  // The kernels in use: "reference", "avx2", "avx512" or "avx512vnni".
  std::string kernels() const;
  int num_threads() const;
  // Per-operator times (empty unless options.profile).
  std::vector<OpProfile> op_profile() const;

  struct Impl;

 private:
  friend struct InterpreterAccess;  // liteq-internal access (src/runtime/interpreter_access.h)
  std::unique_ptr<Impl> impl_;
};

}  // namespace liteq
