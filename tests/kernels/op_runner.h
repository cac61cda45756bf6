// Runs one kernel on hand-made tensors, without a model file: builds a one-node graph,
// calls prepare (which computes output shapes) and eval, and returns the outputs.
//
//   auto out = OpRunner(Op::ADD, rt::ActivationParams{})
//                  .input(f32({2}, {1, 2}))
//                  .input(f32({2}, {3, 4}), /*constant=*/true)
//                  .run();
//   EXPECT_EQ(out[0].values<float>(), (std::vector<float>{4, 6}));
#pragma once
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "ir/op_codes.h"
#include "kernels/kernel_api.h"

namespace liteq::test {

struct TensorData {
  DType type = DType::kFloat32;
  std::vector<int32_t> dims;
  std::vector<uint8_t> bytes;
  rt::QuantParams quant;

  template <typename T> std::vector<T> values() const {
    std::vector<T> v(bytes.size() / sizeof(T));
    if (!v.empty()) std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
    return v;
  }
};

template <typename T> DType dtype_of();
template <> inline DType dtype_of<float>() { return DType::kFloat32; }
template <> inline DType dtype_of<int32_t>() { return DType::kInt32; }
template <> inline DType dtype_of<int64_t>() { return DType::kInt64; }
template <> inline DType dtype_of<int8_t>() { return DType::kInt8; }
template <> inline DType dtype_of<uint8_t>() { return DType::kUInt8; }
template <> inline DType dtype_of<int16_t>() { return DType::kInt16; }
template <> inline DType dtype_of<uint16_t>() { return DType::kFloat16; }  // raw half bits

template <typename T>
TensorData make_tensor(std::vector<int32_t> dims, const std::vector<T>& values, DType type = dtype_of<T>()) {
  TensorData t;
  t.type = type;
  t.dims = std::move(dims);
  t.bytes.resize(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
  return t;
}
// Per-tensor quantization parameters.
inline rt::QuantParams per_tensor(float scale, int64_t zero_point) {
  rt::QuantParams q;
  q.scale = {scale};
  q.zero_point = {zero_point};
  return q;
}
// Quantization parameters: one scale and zero point per slice along `axis` (or one).
inline rt::QuantParams qp(std::vector<float> scales, std::vector<int64_t> zps, int axis = 0) {
  rt::QuantParams q;
  q.scale = std::move(scales);
  q.zero_point = std::move(zps);
  q.axis = axis;
  return q;
}
// A quantized tensor: its integer values and their parameters.
template <typename T>
TensorData qt(std::vector<int32_t> dims, const std::vector<T>& v, rt::QuantParams q) {
  TensorData t = make_tensor(std::move(dims), v);
  t.quant = std::move(q);
  return t;
}
inline TensorData f32(std::vector<int32_t> dims, const std::vector<float>& v) { return make_tensor(std::move(dims), v); }
inline TensorData i32(std::vector<int32_t> dims, const std::vector<int32_t>& v) { return make_tensor(std::move(dims), v); }

class OpRunner {
 public:
  OpRunner(Op op, rt::OpParams params = std::monostate{}) : code_(static_cast<int32_t>(op)), params_(std::move(params)) {}
  // For custom ops (code CUSTOM).
  OpRunner(std::string custom_code, std::vector<uint8_t> custom_options)
      : code_(static_cast<int32_t>(Op::CUSTOM)), custom_code_(std::move(custom_code)), custom_options_(std::move(custom_options)) {}

  // Adds an input; constant inputs are visible to prepare (like model weights).
  OpRunner& input(TensorData t, bool constant = false) {
    inputs_.push_back({std::move(t), constant, false});
    return *this;
  }
  OpRunner& absent_input() {
    inputs_.push_back({{}, false, true});
    return *this;
  }
  // Declares the outputs (dtype and quantization); default: one output of the first input's dtype.
  OpRunner& output(DType type, rt::QuantParams quant = {}) {
    outputs_.push_back({type, std::move(quant)});
    return *this;
  }

  // Which kernels run (default: the reference) and on how many threads; see kernels/exec.h.
  OpRunner& exec(rt::ExecConfig e) {
    exec_ = e;
    return *this;
  }

  // Runs prepare + eval; throws liteq::Error like the interpreter would.
  std::vector<TensorData> run();
  // After run(): whether prepare chose an optimized kernel (ctx.set_fast()).
  bool ran_fast() const { return fast_; }

 private:
  struct In {
    TensorData t;
    bool constant;
    bool absent;
  };
  struct Out {
    DType type;
    rt::QuantParams quant;
  };
  int32_t code_;
  rt::OpParams params_;
  std::string custom_code_;
  std::vector<uint8_t> custom_options_;
  std::vector<In> inputs_;
  std::vector<Out> outputs_;
  rt::ExecConfig exec_;
  bool fast_ = false;
};

// Poisoned bytes after each output and scratch tensor; run() fails the test if a kernel
// changed one.
inline constexpr size_t kGuard = 64;

inline std::vector<TensorData> OpRunner::run() {
  rt::Graph g;
  g.exec = exec_;
  rt::Node n;
  n.builtin_code = code_;
  n.custom_code = custom_code_;
  n.custom_options = custom_options_;
  n.params = params_;
  n.kernel = rt::find_kernel(code_, custom_code_);
  if (!n.kernel) throw Error(ErrorKind::kUnsupported, "no kernel for op " + std::to_string(code_));
  std::vector<std::vector<uint8_t>> storage;
  storage.reserve(inputs_.size() + 8);
  for (auto& in : inputs_) {
    if (in.absent) {
      n.inputs.push_back(-1);
      continue;
    }
    rt::Tensor t;
    t.name = "input" + std::to_string(n.inputs.size());
    t.type = in.t.type;
    t.dims = in.t.dims;
    t.quant = in.t.quant;
    storage.push_back(in.t.bytes);
    t.data = storage.back().data();
    t.bytes = storage.back().size();
    t.storage = in.constant ? rt::Storage::kConstant : rt::Storage::kArena;
    n.inputs.push_back(static_cast<int>(g.tensors.size()));
    g.tensors.push_back(std::move(t));
  }
  if (outputs_.empty()) {
    DType type = DType::kFloat32;
    for (auto& in : inputs_)
      if (!in.absent) {
        type = in.t.type;
        break;
      }
    outputs_.push_back({type, {}});
  }
  for (auto& o : outputs_) {
    rt::Tensor t;
    t.name = "output" + std::to_string(n.outputs.size());
    t.type = o.type;
    t.quant = o.quant;
    n.outputs.push_back(static_cast<int>(g.tensors.size()));
    g.tensors.push_back(std::move(t));
  }
  g.num_model_tensors = g.tensors.size();
  g.tensors.reserve(g.tensors.size() + 16);  // kernels may request scratch while holding references
  g.nodes.push_back(n);
  rt::Node& node = g.nodes.back();
  {
    rt::OpContext ctx(g, node, true);
    node.kernel->prepare(ctx);
  }
  fast_ = node.fast;
  std::vector<std::vector<uint8_t>> out_storage(g.tensors.size());
  for (int idx : node.outputs) {
    auto& t = g.tensors[idx];
    t.bytes = static_cast<size_t>(t.num_elements()) * dtype_size(t.type);
    // Poison: the kernel must write everything, and nothing past the end (kGuard bytes).
    out_storage[idx].assign(t.bytes + kGuard, 0xCD);
    t.data = out_storage[idx].data();
    t.storage = rt::Storage::kArena;
  }
  for (int idx : node.scratch) {
    auto& t = g.tensors[idx];
    out_storage[idx].assign(t.bytes + kGuard, 0xCD);
    t.data = out_storage[idx].data();
    t.storage = rt::Storage::kArena;
  }
  {
    rt::OpContext ctx(g, node, false);
    node.kernel->eval(ctx);
  }
  auto check_guards = [&](const std::vector<int>& tensors, const char* what) {
    for (int idx : tensors)
      for (size_t i = g.tensors[idx].bytes; i < out_storage[idx].size(); ++i)
        if (out_storage[idx][i] != 0xCD) {
          ADD_FAILURE() << "the kernel wrote past the end of " << what << " tensor " << idx << " (byte " << i
                        << " of " << g.tensors[idx].bytes << ")";
          break;
        }
  };
  check_guards(node.outputs, "output");
  check_guards(node.scratch, "scratch");
  std::vector<TensorData> result;
  for (int idx : node.outputs) {
    auto& t = g.tensors[idx];
    TensorData d;
    d.type = t.type;
    d.dims = t.dims;
    d.quant = t.quant;
    d.bytes.assign(t.data, t.data + t.bytes);
    result.push_back(std::move(d));
  }
  return result;
}

// CONV_2D / DEPTHWISE_CONV_2D params from a test case's geometry (any struct with pad,
// sh, sw, dh, dw) and an activation.
template <typename Params, typename Case>
Params conv_params(const Case& k, rt::Activation act) {
  Params p;
  p.padding = k.pad;
  p.stride_h = k.sh;
  p.stride_w = k.sw;
  p.dilation_h = k.dh;
  p.dilation_w = k.dw;
  p.activation = act;
  return p;
}

}  // namespace liteq::test
