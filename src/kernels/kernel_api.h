// What a kernel sees: runtime tensors, the node it runs, and an OpContext.
//
// Each op has two functions (the TFLite Micro convention):
//   prepare(ctx): check input/output count, dtypes and shapes (the model is untrusted:
//                 every check that the kernel's eval relies on belongs here), compute the
//                 output shapes with ctx.set_output_shape(), precompute anything constant
//                 (ctx.set_state()) and request scratch memory (ctx.request_scratch()).
//   eval(ctx):    compute; switch on dtype once and call a pure kernel function.
// Errors are thrown as liteq::Error through ctx.fail()/ctx.check(), which name the op.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kernels/exec.h"
#include "kernels/params.h"
#include "liteq/dtype.h"
#include "liteq/error.h"

namespace liteq::rt {

struct QuantParams {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int32_t axis = 0;  // quantized_dimension, for per-axis parameters
  bool empty() const { return scale.empty(); }
  bool per_axis() const { return scale.size() > 1; }
};

// Sparse layout of a constant (TFLite's SparsityParameters, TACO format); the input of DENSIFY.
struct SparsityInfo {
  struct Dim {
    bool sparse = false;  // false: DENSE (dense_size), true: SPARSE_CSR (segments/indices)
    int32_t dense_size = 0;
    std::vector<int32_t> segments;
    std::vector<int32_t> indices;
  };
  std::vector<int32_t> traversal_order;
  std::vector<int32_t> block_map;
  std::vector<Dim> dims;
};

enum class Storage : uint8_t {
  kNone,        // not allocated yet
  kConstant,    // points into the model's buffer (read-only)
  kArena,       // placed by the memory planner in the shared arena
  kPersistent,  // owned by the tensor (variables, folded constants)
};

struct Tensor {
  std::string name;
  DType type = DType::kFloat32;
  std::vector<int32_t> dims;
  QuantParams quant;
  Storage storage = Storage::kNone;
  uint8_t* data = nullptr;
  size_t bytes = 0;  // size of data for the current dims
  bool is_variable = false;
  std::vector<uint8_t> owned;  // backing store when storage == kPersistent
  std::shared_ptr<const SparsityInfo> sparsity;  // set for sparse constants only
  // A constant whose data the interpreter freed once every reader had packed it (an
  // interpreter that owns its model; see Interpreter(Model&&)). data is null then.
  bool released = false;

  int rank() const { return static_cast<int>(dims.size()); }
  int32_t dim(int i) const { return dims[i]; }
  int64_t num_elements() const {
    int64_t n = 1;
    for (int32_t d : dims) n *= d;
    return n;
  }
  bool is_constant() const { return storage == Storage::kConstant || folded; }
  template <typename T> T* data_as() { return reinterpret_cast<T*>(data); }
  template <typename T> const T* data_as() const { return reinterpret_cast<const T*>(data); }

  bool folded = false;  // computed once at allocate time from constants
};

class OpContext;
using KernelFn = void (*)(OpContext&);

struct KernelRegistration {
  const char* name;  // "CONV_2D", or the custom code
  KernelFn prepare;
  KernelFn eval;
};

struct Node {
  int index = 0;              // position in the subgraph's operator list
  int32_t builtin_code = 0;   // TFLite BuiltinOperator value
  std::string custom_code;    // for CUSTOM ops
  int version = 1;
  std::vector<int> inputs;    // tensor indices; -1 marks an absent optional input
  std::vector<int> outputs;
  OpParams params;
  std::vector<uint8_t> custom_options;
  const KernelRegistration* kernel = nullptr;
  std::shared_ptr<void> state;  // kernel-private data made in prepare
  size_t state_bytes = 0;       // what the state holds that counts (packed weights)
  bool fast = false;            // an optimized kernel runs this node (set by prepare)
  uint32_t packed_inputs = 0;   // bit i: eval never reads input i's data (set by prepare)
  std::vector<int> scratch;     // tensor indices of scratch buffers requested in prepare
  bool folded = false;          // every input constant: evaluated once at allocate time
};

struct Graph {
  std::vector<Tensor> tensors;
  std::vector<Node> nodes;
  std::vector<int> inputs;
  std::vector<int> outputs;
  size_t num_model_tensors = 0;  // tensors past this index are scratch buffers
  ExecConfig exec;                // instruction set and threads for the kernels
};

class OpContext {
 public:
  OpContext(Graph& graph, Node& node, bool preparing) : g_(graph), n_(node), preparing_(preparing) {}

  const Node& node() const { return n_; }
  int num_inputs() const { return static_cast<int>(n_.inputs.size()); }
  int num_outputs() const { return static_cast<int>(n_.outputs.size()); }
  bool has_input(int i) const { return i < num_inputs() && n_.inputs[i] >= 0; }
  Tensor& input(int i) {
    if (!has_input(i)) fail("input {} is missing", i);
    return g_.tensors[n_.inputs[i]];
  }
  Tensor& output(int i) {
    if (i >= num_outputs()) fail("output {} is missing", i);
    return g_.tensors[n_.outputs[i]];
  }
  template <typename P> const P& params() const {
    if (const P* p = std::get_if<P>(&n_.params)) return *p;
    fail("operator options are missing or of the wrong type");
  }

  // "CONV_2D (operator 12)"; for messages.
  std::string where() const;

  template <typename... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) const {
    throw Error(ErrorKind::kInvalidModel,
                where() + ": " + fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  void check(bool cond, fmt::format_string<Args...> f, Args&&... args) const {
    if (!cond) fail(f, std::forward<Args>(args)...);
  }
  // Checks the number of inputs (min..max, optional ones may be absent) and outputs.
  void check_io(int min_inputs, int max_inputs, int outputs) const;
  // Checks that tensor t has one of the given dtypes.
  void check_type(const Tensor& t, std::initializer_list<DType> allowed, const char* what) const;
  // Checks that tensor t is not sparse and that its data (if any) covers its shape.
  void check_dense(const Tensor& t, const char* what) const;

  // prepare only: sets output i's shape; rejects negative or absurd dims.
  void set_output_shape(int i, std::vector<int32_t> dims);
  // prepare only: asks for `bytes` of scratch memory alive during this op's eval.
  int request_scratch(size_t bytes);
  // eval only: the scratch buffer returned by request_scratch.
  uint8_t* scratch(int slot);

  template <typename T> T& state() { return *static_cast<T*>(n_.state.get()); }
  template <typename T> T& make_state() {
    auto p = std::make_shared<T>();
    n_.state = p;
    n_.state_bytes = 0;
    n_.fast = false;
    n_.packed_inputs = 0;
    return *p;
  }
  // prepare only: records that an optimized kernel (not the reference) will run.
  void set_fast(bool fast) { n_.fast = fast; }
  // prepare only: the state holds everything eval needs of constant input i (its packed
  // weights, a copied bias): eval never reads that tensor's data again. An interpreter
  // that owns its model frees such constants (model constants, and tensors folded from
  // them at allocate time) once all their readers have said so.
  void packed_input(int i) {
    if (i >= 0 && i < 32 && has_input(i) && input(i).is_constant()) n_.packed_inputs |= 1u << i;
  }
  // prepare only: records memory the state holds (packed weights), for reporting.
  void add_state_bytes(size_t bytes) { n_.state_bytes += bytes; }
  bool preparing() const { return preparing_; }
  // The instruction set the kernels may use and the thread pool (see kernels/exec.h).
  const ExecConfig& exec() const { return g_.exec; }

 private:
  Graph& g_;
  Node& n_;
  bool preparing_;
};

// Looks up the kernel for a builtin code (and custom code for CUSTOM ops); nullptr if none.
const KernelRegistration* find_kernel(int32_t builtin_code, const std::string& custom_code);

}  // namespace liteq::rt
