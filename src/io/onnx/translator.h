// ONNX -> liteq IR translation. The ONNX graph is read (onnx_reader.cc), its shapes
// inferred, then each node is translated into TFLite builtin operators (ops_*.cc).
//
// Layout: every translated ONNX value keeps its ONNX (logical) shape and has a physical
// layout `perm`: physical dim i holds logical dim perm[i]. Image ops (Conv, pooling,
// Resize, ...) work in NHWC, perm {0,2,3,1}; element-wise ops keep whatever layout their
// input has; axis ops (Concat, Softmax, ReduceMean, Slice, ...) remap their axes; a
// Transpose only changes the perm and emits nothing. A layout change is emitted only where
// an op needs one (Reshape, MatMul, a model output), as a TRANSPOSE, or as a RESHAPE when
// only size-1 dims move.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "ir/model.h"
#include "ir/op_codes.h"
#include "liteq/error.h"
#include "liteq/onnx.h"

namespace liteq::onnx_io {


// A constant known at translation time (initializers, Constant nodes, Shape results and
// whatever is computed from them). Values are held as double: exact for float32, and for
// integers up to 2^53.
struct Const {
  int type = 1;  // onnx::TensorProto_DataType
  std::vector<int64_t> dims;
  std::vector<double> v;
  // Set when the values are int8 weights dequantized by a DequantizeLinear (zero point 0):
  // their scales (one, or one per slice along `scale_axis`), kept so that liteq quantizes
  // them back to the same integers.
  std::vector<float> scales;
  int scale_axis = -1;
  int64_t size() const { return static_cast<int64_t>(v.size()); }
  static Const of(int type, std::vector<int64_t> dims, std::vector<double> v) {
    Const c;
    c.type = type;
    c.dims = std::move(dims);
    c.v = std::move(v);
    return c;
  }
};

struct Value {
  std::string name;
  int type = 1;                 // onnx::TensorProto_DataType
  std::vector<int64_t> shape;   // ONNX order; known for every value (static shapes)
  std::optional<Const> c;       // set if the value is a constant
  int tensor = -1;              // TFLite tensor holding it in layout `perm` (activations)
  std::vector<int> perm;        // physical dim i = logical dim perm[i]
  int rank() const { return static_cast<int>(shape.size()); }
};

// Parsed, checked and shape-inferred model (onnx_reader.cc).
struct Parsed {
  onnx::ModelProto model;
  int opset = 0;                                  // default-domain opset
  std::map<std::string, Const> initializers;
  std::map<std::string, std::pair<int, std::vector<int64_t>>> value_info;  // name -> type, shape
};
Parsed parse_onnx(std::span<const uint8_t> bytes, const std::string& name, const OnnxOptions& options,
                  const std::string& base_dir);
// (Re-)runs ONNX shape inference and records every value's type and shape.
void infer_shapes(Parsed& p, const std::string& name, bool strict);
// Records a shape the translator computed (e.g. a Reshape to a folded constant shape) and
// re-runs shape inference so that it propagates.
void learn_shape(Parsed& p, const std::string& value, int type, const std::vector<int64_t>& shape, const std::string& name);
Const const_from_proto(const onnx::TensorProto& t, const std::string& base_dir, const std::string& model_name);

DType dtype_of(int onnx_type, const std::string& what);
// An order of `nodes` in which every node comes after the producers of its inputs: nodes
// without inputs (Constant) first, then each node as soon as its inputs exist, in the
// given order. Shorter than `nodes` if some input is never produced or there is a cycle.
std::vector<int> topological_order(const std::vector<const onnx::NodeProto*>& nodes, std::set<std::string> available);
std::vector<int> identity_perm(int rank);
std::vector<int> nhwc_perm(int rank);  // {0, 2, ..., rank-1, 1}

class Translator;
using OpHandler = std::function<void(Translator&, const onnx::NodeProto&)>;
// Every ONNX op type the translator handles, by name (ops_*.cc register theirs here).
const std::map<std::string, OpHandler>& op_handlers();
void register_elementwise_ops(std::map<std::string, OpHandler>& m);
void register_nn_ops(std::map<std::string, OpHandler>& m);
void register_tensor_ops(std::map<std::string, OpHandler>& m);
void register_quant_ops(std::map<std::string, OpHandler>& m);

class Translator {
 public:
  Translator(Parsed& parsed, const OnnxOptions& options, std::string name);
  std::unique_ptr<tflite::ModelT> run();

  // ---- what handlers use -------------------------------------------------------------
  const onnx::NodeProto& node() const { return *node_; }
  int opset() const { return parsed_.opset; }
  [[noreturn]] void fail_node(const std::string& what) const;
  void check(bool ok, const std::string& what) const {
    if (!ok) fail_node(what);
  }

  // Inputs: "" (omitted optional input) gives nullptr from maybe_input.
  Value& input(int i);
  Value* maybe_input(int i);
  int num_inputs() const { return node_->input_size(); }
  const Const& const_input(int i, const std::string& what);  // error if not constant
  // Attributes.
  const onnx::AttributeProto* attr(const std::string& name) const;
  int64_t attr_int(const std::string& name, int64_t def) const;
  float attr_float(const std::string& name, float def) const;
  std::string attr_string(const std::string& name, const std::string& def) const;
  std::vector<int64_t> attr_ints(const std::string& name, std::vector<int64_t> def = {}) const;
  // The inferred ONNX shape and type of output i of the current node.
  const std::vector<int64_t>& out_shape(int i = 0);
  int out_type(int i = 0);

  // Define output i: a constant, an alias of another value, or a new TFLite tensor in
  // layout perm (returned: its index).
  void set_const(int i, Const c);
  void alias(int i, const Value& v);
  int define(int i, const std::vector<int>& perm, DType dtype = DType::kFloat32);
  // The same for any value name (an output of a later node, when a pattern of several
  // nodes becomes one operator).
  int define_as(const std::string& name, const std::vector<int>& perm, DType dtype = DType::kFloat32);
  void alias_as(const std::string& name, const Value& v);
  // The inferred shape / type of any value.
  const std::vector<int64_t>& shape_of(const std::string& name);
  // The float32 data of a constant tensor we created (to fold BatchNorm, bias adds).
  float* float_data(int tensor);
  int64_t num_elements(int tensor);
  // The dtype a value has in the TFLite model.
  DType out_dtype(int i = 0) { return dtype_of(out_type(i), node_->output(i)); }
  // The TFLite tensor of a value in layout perm (TRANSPOSE/RESHAPE emitted if needed,
  // constants materialized; cached).
  int as_layout(Value& v, const std::vector<int>& perm);
  // A constant operand for an element-wise op whose output has rank `rank` in layout perm:
  // broadcast-aligned (left-padded with 1s) and permuted.
  int const_operand(const Const& c, int rank, const std::vector<int>& perm, DType dtype);
  // New tensors and operators.
  int add_tensor(const std::string& name, DType dtype, const std::vector<int32_t>& shape);
  int add_const(const std::string& name, DType dtype, const std::vector<int32_t>& shape, const std::vector<double>& v);
  // Records a weight tensor's int8 scales (from a QDQ model) as quantization min/max =
  // -/+127 x scale per slice along `axis` of the TFLite tensor, for the quantizer.
  void record_weight_scales(int tensor, const std::vector<float>& scales, int axis);
  tflite::OperatorT& emit(Op op, std::vector<int32_t> inputs, std::vector<int32_t> outputs, int version = 1);
  // The operator that produced a tensor (nullptr for inputs/constants).
  tflite::OperatorT* producer(int tensor);
  int32_t code_of(const tflite::OperatorT& op) const { return ir::builtin_code(*model_, op); }
  // The fused activation field of an operator that has one (CONV_2D, DEPTHWISE_CONV_2D,
  // FULLY_CONNECTED, ADD, SUB, MUL), or nullptr.
  static tflite::ActivationFunctionType* fused_activation(tflite::OperatorT& op);
  // Folds y = x * mul + add (per channel of x's last physical dim, or one value) into the
  // CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED / TRANSPOSE_CONV producing x, when
  // nothing else reads x; defines the node's output 0 as the result. Empty = no term.
  bool fold_affine(Value& x, const std::vector<double>& mul, const std::vector<double>& add);
  // Number of ONNX nodes reading a value (graph outputs count as readers).
  int readers(const std::string& value) const;
  const onnx::NodeProto* sole_reader(const std::string& value) const;
  // The nodes reading a value (nullptr entries: graph outputs).
  std::vector<const onnx::NodeProto*> readers_of(const std::string& value) const {
    auto it = readers_.find(value);
    return it == readers_.end() ? std::vector<const onnx::NodeProto*>{} : it->second;
  }
  void skip_node(const onnx::NodeProto* n) { skipped_.insert(n); }
  Value& value(const std::string& name);
  Value* find_value(const std::string& name) {
    auto it = values_.find(name);
    return it == values_.end() ? nullptr : &it->second;
  }
  std::string fresh(const std::string& base);
  tflite::TensorT& tensor(int idx) { return *graph().tensors.at(idx); }
  tflite::SubGraphT& graph() { return *model_->subgraphs[0]; }

  static std::vector<int32_t> to_i32(const std::vector<int64_t>& v);
  static std::vector<int32_t> physical(const std::vector<int64_t>& shape, const std::vector<int>& perm);
  // Physical axis of a logical axis (negative allowed) of a value of rank r in layout perm.
  int phys_axis(int64_t axis, const std::vector<int>& perm) const;

 private:
  Parsed& parsed_;
  const OnnxOptions& options_;
  std::string name_;
  std::unique_ptr<tflite::ModelT> model_;
  std::map<std::string, Value> values_;
  std::map<std::string, std::vector<const onnx::NodeProto*>> readers_;
  std::set<const onnx::NodeProto*> skipped_;
  std::map<int, tflite::OperatorT*> producers_;
  std::map<std::pair<std::string, std::vector<int>>, int> layout_cache_;
  const onnx::NodeProto* node_ = nullptr;
  int node_index_ = -1;
  int counter_ = 0;

  void translate_node(const onnx::NodeProto& n, int index);
  bool try_fold(const onnx::NodeProto& n);
  bool shape_known(const std::string& name) const;
  void reshape_shape();
  void resize_shape();
};

// Constant evaluation of a node whose inputs are all constant (const_eval.cc). Returns
// false if the op is not one it evaluates.
bool eval_const(const onnx::NodeProto& n, int opset, const std::vector<const Const*>& in,
                const std::vector<std::vector<int64_t>>& out_shapes, const std::vector<int>& out_types,
                std::vector<Const>& out);

}  // namespace liteq::onnx_io
