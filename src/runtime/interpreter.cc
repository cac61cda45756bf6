#include "liteq/interpreter.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdexcept>

#include "ir/model.h"
#include "ir/op_codes.h"
#include "kernels/kernel_api.h"
#include "runtime/interpreter_access.h"
#include "runtime/op_params.h"
#include "runtime/planner.h"

namespace liteq {

using rt::Storage;

namespace {
std::vector<int32_t> index_vector(const tflite::SparseIndexVectorUnion& u) {
  switch (u.type) {
    case tflite::SparseIndexVector::Int32Vector: return u.AsInt32Vector()->values;
    case tflite::SparseIndexVector::Uint16Vector: {
      const auto& v = u.AsUint16Vector()->values;
      return {v.begin(), v.end()};
    }
    case tflite::SparseIndexVector::Uint8Vector: {
      const auto& v = u.AsUint8Vector()->values;
      return {v.begin(), v.end()};
    }
    default: return {};
  }
}

std::shared_ptr<const rt::SparsityInfo> sparsity_info(const tflite::SparsityParametersT& sp, const std::string& name) {
  auto info = std::make_shared<rt::SparsityInfo>();
  info->traversal_order = sp.traversal_order;
  info->block_map = sp.block_map;
  for (const auto& d : sp.dim_metadata) {
    if (!d) throw Error(ErrorKind::kInvalidModel, fmt::format("tensor '{}': null sparsity dim_metadata", name));
    rt::SparsityInfo::Dim dim;
    dim.sparse = d->format == tflite::DimensionType::SPARSE_CSR;
    dim.dense_size = d->dense_size;
    dim.segments = index_vector(d->array_segments);
    dim.indices = index_vector(d->array_indices);
    info->dims.push_back(std::move(dim));
  }
  return info;
}
}  // namespace

struct AlignedFree {
  void operator()(uint8_t* p) const { std::free(p); }
};

struct Interpreter::Impl {
  std::shared_ptr<const ir::ModelData> model;
  // Set when this interpreter alone holds the model (Interpreter(Model&&)) and its inputs
  // have static shapes: constants that every reader packed are freed at allocate time.
  ir::ModelData* owned = nullptr;
  bool released_any = false;  // some constant's data is gone: no second plan
  size_t released_bytes = 0;
  InterpreterOptions options;
  std::unique_ptr<rt::ThreadPool> pool;
  rt::Graph g;
  bool allocated = false;
  std::unique_ptr<uint8_t, AlignedFree> arena;
  size_t arena_bytes = 0;
  size_t unplanned_bytes = 0;
  size_t arena_lower_bound = 0;
  std::vector<double> op_ms;  // options.profile: time per node over all invokes
  std::vector<int64_t> op_calls;

  [[noreturn]] void bad_arg(const std::string& msg) const {
    throw Error(ErrorKind::kInvalidArgument, msg);
  }
  const rt::Tensor& tensor_at(int index) const {
    if (index < 0 || index >= static_cast<int>(g.num_model_tensors))
      bad_arg(fmt::format("tensor index {} out of range (the model has {} tensors)", index, g.num_model_tensors));
    return g.tensors[index];
  }
  bool is_input(int index) const { return std::find(g.inputs.begin(), g.inputs.end(), index) != g.inputs.end(); }

  void init(const InterpreterOptions& opts);
  void build();
  void release_packed(const rt::Node& n, int step, const std::vector<int>& last_reader, std::vector<uint8_t>& keep,
                      std::vector<int>& buffer_users);
  void fuse_activations();
  void fuse_pads();
  void drop_nodes(const std::vector<bool>& drop);
  void allocate();
  void allocate_impl();
  void eval_node(rt::Node& n) {
    rt::OpContext ctx(g, n, false);
    n.kernel->eval(ctx);
  }
};

void Interpreter::Impl::build() {
  const auto& m = *model->fb;
  const auto& sg = *m.subgraphs.at(0);
  g.tensors.resize(sg.tensors.size());
  for (size_t i = 0; i < sg.tensors.size(); ++i) {
    const auto& src = *sg.tensors[i];
    auto& t = g.tensors[i];
    t.name = src.name;
    t.type = ir::dtype(src);
    t.dims = src.shape;
    t.is_variable = src.is_variable;
    if (src.quantization) {
      t.quant.scale = src.quantization->scale;
      t.quant.zero_point = src.quantization->zero_point;
      t.quant.axis = src.quantization->quantized_dimension;
      if (t.quant.zero_point.empty() && !t.quant.scale.empty()) t.quant.zero_point.assign(t.quant.scale.size(), 0);
    }
    const auto data = ir::tensor_data(m, src);
    if (!data.empty() && !src.is_variable) {
      t.storage = Storage::kConstant;
      if (src.sparsity) t.sparsity = sparsity_info(*src.sparsity, t.name);
      t.data = const_cast<uint8_t*>(data.data());
      t.bytes = data.size();
    }
  }
  g.num_model_tensors = g.tensors.size();
  g.inputs = sg.inputs;
  g.outputs = sg.outputs;
  std::vector<std::string> unsupported;
  g.nodes.resize(sg.operators.size());
  for (size_t i = 0; i < sg.operators.size(); ++i) {
    const auto& op = *sg.operators[i];
    auto& n = g.nodes[i];
    n.index = static_cast<int>(i);
    const auto& code = *m.operator_codes[op.opcode_index];
    n.builtin_code = ir::builtin_code(code);
    n.custom_code = code.custom_code;
    n.version = code.version;
    n.inputs = op.inputs;
    n.outputs = op.outputs;
    n.custom_options = op.custom_options;
    const std::string where = fmt::format("{}: {} (operator {})", model->source, ir::op_type_name(m, op), i);
    // Kernels may assume every output exists: none of the ops liteq runs has optional outputs.
    for (size_t k = 0; k < op.outputs.size(); ++k)
      if (op.outputs[k] < 0)
        throw Error(ErrorKind::kInvalidModel, fmt::format("{}: output {} is absent (-1)", where, k));
    // A sparse constant holds only its nonzero values: reading it as a dense tensor would
    // read past its data. Only DENSIFY understands the format.
    if (n.builtin_code != static_cast<int32_t>(Op::DENSIFY))
      for (size_t k = 0; k < op.inputs.size(); ++k)
        if (op.inputs[k] >= 0 && g.tensors[op.inputs[k]].sparsity)
          throw Error(ErrorKind::kUnsupported,
                      fmt::format("{}: input {} '{}' is a sparse constant; liteq reads sparse tensors only "
                                  "through DENSIFY",
                                  where, k, g.tensors[op.inputs[k]].name));
    n.params = rt::parse_op_params(n.builtin_code, op, where);
    n.kernel = rt::find_kernel(n.builtin_code, n.custom_code);
    if (!n.kernel) unsupported.push_back(fmt::format("{} (operator {})", ir::op_type_name(m, op), i));
  }
  if (!unsupported.empty()) {
    std::string list;
    for (size_t i = 0; i < unsupported.size() && i < 20; ++i) list += "\n  " + unsupported[i];
    if (unsupported.size() > 20) list += fmt::format("\n  ... and {} more", unsupported.size() - 20);
    throw Error(ErrorKind::kUnsupported,
                fmt::format("{}: {} operator(s) have no kernel in liteq:{}", model->source, unsupported.size(), list));
  }
}

// Removes the nodes a fusion pass folded into others (drop[i]), keeping the order.
void Interpreter::Impl::drop_nodes(const std::vector<bool>& drop) {
  std::vector<rt::Node> kept;
  kept.reserve(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!drop[i]) kept.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(kept);
}

// Folds each float32 RELU / RELU6 / RELU_N1_TO_1 into the op that produces its input when
// that op has a fused-activation parameter left at NONE and the RELU is the tensor's only
// reader (and the tensor is no graph output): the producer writes the RELU's output with
// the clamp applied, the RELU node goes. A clamp gives the same bits either way.
void Interpreter::Impl::fuse_activations() {
  const int n_tensors = static_cast<int>(g.tensors.size());
  std::vector<int> readers(n_tensors, 0), producer(n_tensors, -1);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (int t : g.nodes[i].inputs)
      if (t >= 0) ++readers[t];
    for (int t : g.nodes[i].outputs)
      if (t >= 0) producer[t] = static_cast<int>(i);
  }
  for (int t : g.outputs) readers[t] += 1000;  // never fuse away a graph output
  std::vector<bool> drop(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    auto& r = g.nodes[i];
    rt::Activation act;
    if (r.builtin_code == static_cast<int32_t>(Op::RELU)) act = rt::Activation::kRelu;
    else if (r.builtin_code == static_cast<int32_t>(Op::RELU6)) act = rt::Activation::kRelu6;
    else if (r.builtin_code == static_cast<int32_t>(Op::RELU_N1_TO_1)) act = rt::Activation::kReluN1To1;
    else continue;
    if (r.inputs.size() != 1 || r.outputs.size() != 1 || r.inputs[0] < 0) continue;
    const int t = r.inputs[0];
    if (readers[t] != 1 || producer[t] < 0 || g.tensors[t].type != DType::kFloat32) continue;
    if (g.tensors[r.outputs[0]].type != DType::kFloat32 || g.tensors[t].is_constant()) continue;
    auto& p = g.nodes[producer[t]];
    if (p.outputs.size() != 1 || drop[producer[t]]) continue;
    rt::Activation* slot = nullptr;
    switch (static_cast<Op>(p.builtin_code)) {
      case Op::CONV_2D:
        if (auto* c = std::get_if<rt::ConvParams>(&p.params)) slot = &c->activation;
        break;
      case Op::DEPTHWISE_CONV_2D:
        if (auto* c = std::get_if<rt::DepthwiseConvParams>(&p.params)) slot = &c->activation;
        break;
      case Op::FULLY_CONNECTED:
        if (auto* c = std::get_if<rt::FullyConnectedParams>(&p.params)) slot = &c->activation;
        break;
      case Op::ADD:
      case Op::SUB:
      case Op::MUL:
        if (auto* c = std::get_if<rt::ActivationParams>(&p.params)) slot = &c->activation;
        break;
      default: break;
    }
    if (!slot || *slot != rt::Activation::kNone) continue;
    *slot = act;
    p.outputs[0] = r.outputs[0];
    producer[r.outputs[0]] = producer[t];
    drop[i] = true;
  }
  drop_nodes(drop);
}

// Folds each PAD into the CONV_2D or DEPTHWISE_CONV_2D that alone reads its output, when
// the op pads with VALID, and the PAD adds zeros (float32) or the zero point (int8, int16,
// input and output quantized alike) along H and W only, no more than the dilated filter
// extent minus one per side. The op then reads the PAD's input with that padding
// (ConvParams::fused_pad): padded taps add nothing either way. That holds for the hybrid
// ops too (float32 input, int8 weights), which quantize their input on the fly: TFLite's
// ranges always include 0 (asymmetric: [min(0, min x), max(0, max x)]; symmetric: max |x|),
// so the zeros change neither the scale nor the zero point, and quantize to the zero point.
void Interpreter::Impl::fuse_pads() {
  const int n_tensors = static_cast<int>(g.tensors.size());
  std::vector<int> readers(n_tensors, 0), reader(n_tensors, -1);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int t : g.nodes[i].inputs)
      if (t >= 0) ++readers[t], reader[t] = static_cast<int>(i);
  for (int t : g.outputs) readers[t] += 1000;  // never fuse away a graph output
  std::vector<bool> drop(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const auto& pad = g.nodes[i];
    if (pad.builtin_code != static_cast<int32_t>(Op::PAD) || pad.inputs.size() != 2 || pad.outputs.size() != 1) continue;
    const int x = pad.inputs[0], pads = pad.inputs[1], t = pad.outputs[0];
    if (x < 0 || pads < 0 || t < 0 || readers[t] != 1) continue;
    auto& c = g.nodes[reader[t]];
    if (c.inputs.empty() || c.inputs[0] != t || c.inputs.size() < 2 || c.inputs[1] < 0) continue;
    if (std::count(c.inputs.begin(), c.inputs.end(), t) != 1) continue;
    std::array<int, 4>* fused = nullptr;
    bool valid = false;
    int dil_h = 1, dil_w = 1;
    if (auto* cp = std::get_if<rt::ConvParams>(&c.params); cp && c.builtin_code == static_cast<int32_t>(Op::CONV_2D)) {
      fused = &cp->fused_pad, valid = cp->padding == rt::Padding::kValid, dil_h = cp->dilation_h, dil_w = cp->dilation_w;
    } else if (auto* dp = std::get_if<rt::DepthwiseConvParams>(&c.params);
               dp && c.builtin_code == static_cast<int32_t>(Op::DEPTHWISE_CONV_2D)) {
      fused = &dp->fused_pad, valid = dp->padding == rt::Padding::kValid, dil_h = dp->dilation_h, dil_w = dp->dilation_w;
    }
    if (!fused || !valid || *fused != std::array<int, 4>{}) continue;
    const auto& in = g.tensors[x];
    const auto& out = g.tensors[t];
    const auto& filter = g.tensors[c.inputs[1]];
    if (in.type != out.type || in.dims.size() != 4 || filter.dims.size() != 4) continue;
    if (in.type == DType::kFloat32) {
      if (filter.type != DType::kFloat32 && filter.type != DType::kInt8) continue;
    } else if (in.type == DType::kInt8 || in.type == DType::kInt16) {
      if (in.quant.scale != out.quant.scale || in.quant.zero_point != out.quant.zero_point) continue;
    } else {
      continue;
    }
    const auto& pt = g.tensors[pads];
    if (pt.storage != Storage::kConstant || pt.dims != std::vector<int32_t>{4, 2}) continue;
    int64_t v[8];
    if (pt.type == DType::kInt32 && pt.bytes == 32) {
      for (int k = 0; k < 8; ++k) v[k] = pt.data_as<int32_t>()[k];
    } else if (pt.type == DType::kInt64 && pt.bytes == 64) {
      for (int k = 0; k < 8; ++k) v[k] = pt.data_as<int64_t>()[k];
    } else {
      continue;
    }
    if (v[0] || v[1] || v[6] || v[7]) continue;  // batch or channels padded
    const int64_t ext_h = int64_t{filter.dims[1] - 1} * dil_h, ext_w = int64_t{filter.dims[2] - 1} * dil_w;
    if (v[2] < 0 || v[3] < 0 || v[4] < 0 || v[5] < 0 || v[2] > ext_h || v[3] > ext_h || v[4] > ext_w || v[5] > ext_w)
      continue;
    *fused = {static_cast<int>(v[2]), static_cast<int>(v[3]), static_cast<int>(v[4]), static_cast<int>(v[5])};
    c.inputs[0] = x;
    drop[i] = true;
  }
  drop_nodes(drop);
}

// The largest single block liteq asks for (arena, variable, folded constant): more than
// any machine has, so a model that needs more is refused with a message rather than
// handed to the allocator (sanitizer runtimes abort on such requests).
constexpr size_t kMaxAllocation = size_t{1} << 40;

// After node `step` is prepared: each constant it read for the last time goes if every
// reader packed it (said so with OpContext::packed_input, or was folded) and it is no
// graph input or output. A model constant's buffer goes with the last tensor that uses
// it; a folded tensor (say float16 weights dequantized at allocate time) owns its bytes.
void Interpreter::Impl::release_packed(const rt::Node& n, int step, const std::vector<int>& last_reader,
                                       std::vector<uint8_t>& keep, std::vector<int>& buffer_users) {
  for (size_t k = 0; k < n.inputs.size(); ++k) {
    const int idx = n.inputs[k];
    if (idx >= 0 && (k >= 32 || !(n.packed_inputs >> k & 1u))) keep[idx] = 1;
  }
  const auto& sg = *owned->fb->subgraphs[0];
  for (int idx : n.inputs) {
    if (idx < 0 || last_reader[idx] != step || keep[idx]) continue;
    auto& t = g.tensors[idx];
    if (t.released || (t.storage != Storage::kConstant && !t.folded)) continue;
    t.released = true;
    t.data = nullptr;
    released_any = true;
    if (t.storage != Storage::kConstant) {  // folded
      released_bytes += t.owned.size();
      std::vector<uint8_t>().swap(t.owned);
      continue;
    }
    const uint32_t b = sg.tensors[idx]->buffer;
    if (--buffer_users[b] == 0 && owned->fb->buffers[b]) {
      auto& data = owned->fb->buffers[b]->data;
      released_bytes += data.size();
      std::vector<uint8_t>().swap(data);
    }
  }
}

void Interpreter::Impl::allocate() {
  if (released_any) {
    if (allocated) return;  // the plan that freed the packed constants still holds
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: this interpreter freed the model's packed weights when it planned for the input "
                            "shapes it had, and cannot plan for new ones; build the Interpreter from a const Model& "
                            "(which keeps the weights) to resize inputs",
                            model->source));
  }
  try {
    allocate_impl();
  } catch (const std::bad_alloc&) {
    allocated = false;
    throw Error(ErrorKind::kIo, fmt::format("{}: out of memory while allocating tensors", model->source));
  } catch (const std::length_error&) {
    allocated = false;
    throw Error(ErrorKind::kIo, fmt::format("{}: out of memory while allocating tensors", model->source));
  }
}

void Interpreter::Impl::allocate_impl() {
  allocated = false;
  // Forget the previous plan: non-constant tensors lose their storage, scratch goes.
  g.tensors.resize(g.num_model_tensors);
  for (auto& t : g.tensors) {
    if (t.storage == Storage::kArena) {
      t.storage = Storage::kNone;
      t.data = nullptr;
    }
    if (t.folded) {
      t.folded = false;
      t.storage = Storage::kNone;
      t.owned.clear();
      t.data = nullptr;
    }
  }
  for (auto& n : g.nodes) {
    n.scratch.clear();
    n.state.reset();
    n.folded = false;
  }
  auto sizeof_tensor = [this](const rt::Tensor& t) -> size_t {
    const int64_t n = ir::num_elements(t.dims);
    const size_t es = std::max<size_t>(dtype_size(t.type), 1);
    if (n < 0 || static_cast<uint64_t>(n) > kMaxAllocation / es)
      throw Error(ErrorKind::kUnsupported,
                  fmt::format("{}: tensor '{}' of shape {} is too large to allocate", model->source, t.name,
                              ir::shape_str(t.dims)));
    return static_cast<size_t>(n) * dtype_size(t.type);
  };
  // Kernels may hold references to tensors while requesting scratch buffers (which are
  // appended to the tensor list): keep the list from reallocating under them.
  g.tensors.reserve(g.num_model_tensors + 4 * g.nodes.size() + 16);
  // Variables live for the whole run, zero-filled (or with their initial value).
  const auto& m = *model->fb;
  const auto& sg = *m.subgraphs[0];
  for (size_t i = 0; i < g.num_model_tensors; ++i) {
    auto& t = g.tensors[i];
    if (!t.is_variable || t.storage == Storage::kPersistent) continue;
    t.owned.assign(sizeof_tensor(t), 0);
    const auto init = ir::tensor_data(m, *sg.tensors[i]);
    if (init.size() == t.owned.size()) std::copy(init.begin(), init.end(), t.owned.begin());
    t.storage = Storage::kPersistent;
    t.data = t.owned.data();
    t.bytes = t.owned.size();
  }
  // Owned model: each constant's last reader, and how many tensors share each buffer.
  std::vector<int> last_reader;
  std::vector<uint8_t> keep;
  std::vector<int> buffer_users;
  if (owned) {
    last_reader.assign(g.num_model_tensors, -1);
    keep.assign(g.num_model_tensors, 0);
    for (size_t s = 0; s < g.nodes.size(); ++s)
      for (int idx : g.nodes[s].inputs)
        if (idx >= 0) last_reader[idx] = static_cast<int>(s);
    for (int idx : g.inputs) keep[idx] = 1;
    for (int idx : g.outputs) keep[idx] = 1;
    buffer_users.assign(m.buffers.size(), 0);
    for (const auto& t : sg.tensors)
      if (t->buffer < m.buffers.size()) ++buffer_users[t->buffer];
  }
  // A node whose inputs are all constant is evaluated once, here, into owned outputs.
  auto fold = [&](rt::Node& n) {
    n.folded = true;
    for (int idx : n.outputs) {
      if (idx < 0) continue;
      auto& t = g.tensors[idx];
      t.owned.assign(sizeof_tensor(t), 0);
      t.data = t.owned.data();
      t.bytes = t.owned.size();
      t.storage = Storage::kPersistent;
    }
    for (int idx : n.scratch) {
      auto& t = g.tensors[idx];
      if (t.bytes > kMaxAllocation)
        throw Error(ErrorKind::kUnsupported,
                    fmt::format("{}: scratch buffer of {} bytes is too large", model->source, t.bytes));
      t.owned.assign(t.bytes, 0);
      t.data = t.owned.data();
      t.storage = Storage::kPersistent;
    }
    eval_node(n);
    for (int idx : n.outputs)
      if (idx >= 0) g.tensors[idx].folded = true;
  };
  // Prepare in order.
  for (size_t step = 0; step < g.nodes.size(); ++step) {
    auto& n = g.nodes[step];
    n.packed_inputs = 0;
    rt::OpContext ctx(g, n, true);
    n.kernel->prepare(ctx);
    bool all_const = !n.inputs.empty();
    for (int idx : n.inputs)
      if (idx >= 0 && !g.tensors[idx].is_constant()) all_const = false;
    for (int idx : n.outputs)
      if (idx >= 0 && std::find(g.outputs.begin(), g.outputs.end(), idx) != g.outputs.end()) all_const = false;
    if (all_const) {
      fold(n);
      n.packed_inputs = ~0u;  // folded: never evaluated again, its output holds the result
    }
    if (owned) release_packed(n, static_cast<int>(step), last_reader, keep, buffer_users);
  }
#ifdef __GLIBC__
  // Hand the freed constants' pages back to the system (small buffers sit in the heap).
  if (released_bytes > 0) malloc_trim(0);
#endif
  // Lifetimes of everything that goes in the arena.
  const int steps = static_cast<int>(g.nodes.size());
  std::vector<int> first(g.tensors.size(), -1), last(g.tensors.size(), -1);
  auto in_arena = [&](int idx) {
    const auto& t = g.tensors[idx];
    return t.storage == Storage::kNone && !t.folded;
  };
  auto touch = [&](int idx, int step) {
    if (idx < 0 || !in_arena(idx)) return;
    if (first[idx] < 0 || step < first[idx]) first[idx] = step;
    last[idx] = std::max(last[idx], step);
  };
  // Inputs stay alive to the end, as in TFLite: invoke() may be called again without
  // setting them again, and get_tensor() on an input shows what was set.
  for (int idx : g.inputs) {
    touch(idx, 0);
    touch(idx, steps);
  }
  for (int s = 0; s < steps; ++s) {
    const auto& n = g.nodes[s];
    if (n.folded) continue;
    for (int idx : n.inputs) touch(idx, s);
    for (int idx : n.outputs) touch(idx, s);
    for (int idx : n.scratch) touch(idx, s);
  }
  for (int idx : g.outputs) touch(idx, steps);
  std::vector<rt::BufferRequest> req;
  std::vector<int> req_tensor;
  unplanned_bytes = 0;
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    if (first[i] < 0) continue;
    auto& t = g.tensors[i];
    if (i < g.num_model_tensors) t.bytes = sizeof_tensor(t);
    const int end = options.preserve_all_tensors ? steps : last[i];
    if (t.bytes > kMaxAllocation)
      throw Error(ErrorKind::kUnsupported,
                  fmt::format("{}: tensor '{}' needs {} bytes, too large to allocate", model->source, t.name, t.bytes));
    req.push_back({t.bytes, first[i], end});
    req_tensor.push_back(static_cast<int>(i));
    unplanned_bytes += t.bytes;
  }
  const auto plan = rt::plan_arena(req);
  if (plan.arena_bytes > kMaxAllocation)
    throw Error(ErrorKind::kUnsupported,
                fmt::format("{}: the tensors need an arena of {} bytes, too large to allocate", model->source,
                            plan.arena_bytes));
  arena_bytes = plan.arena_bytes;
  // No plan can use less than the bytes alive at the busiest step.
  {
    std::vector<size_t> live(static_cast<size_t>(steps) + 1, 0);
    for (const auto& r : req)
      for (int s = r.first_use; s <= r.last_use && s <= steps; ++s) live[s] += r.bytes;
    arena_lower_bound = live.empty() ? 0 : *std::max_element(live.begin(), live.end());
  }
  arena.reset(static_cast<uint8_t*>(std::aligned_alloc(rt::kArenaAlignment, std::max<size_t>(plan.arena_bytes, rt::kArenaAlignment))));
  if (!arena) throw Error(ErrorKind::kIo, fmt::format("cannot allocate an arena of {} bytes", plan.arena_bytes));
  for (size_t r = 0; r < req.size(); ++r) {
    auto& t = g.tensors[req_tensor[r]];
    t.storage = Storage::kArena;
    t.data = arena.get() + plan.offsets[r];
  }
  allocated = true;
}

Interpreter::Interpreter(const Model& model, InterpreterOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->model = model.shared();
  impl_->init(options);
}

Interpreter::Interpreter(Model&& model, InterpreterOptions options) : impl_(std::make_unique<Impl>()) {
  Model taken = std::move(model);
  impl_->model = taken.shared();
  // Held here and by `taken` (about to go) only: no one else can see the constants.
  if (impl_->model.use_count() == 2) impl_->owned = &taken.ir();
  impl_->init(options);
}

void Interpreter::Impl::init(const InterpreterOptions& opts) {
  options = opts;
  std::string kernels = options.kernels;
  if (kernels == "auto") {
    if (const char* env = std::getenv("LITEQ_KERNELS"); env && *env) kernels = env;
  }
  rt::Isa isa;
  if (!rt::parse_isa(kernels.c_str(), &isa))
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("unknown kernels '{}': use auto, reference, avx2, avx2vnni, avx512 or avx512vnni", kernels));
  const rt::Isa best = rt::detect_isa();
  if (isa == rt::Isa::kAvx2Vnni && !rt::cpu_has_avxvnni())
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("kernels 'avx2vnni' need AVX-VNNI, which this CPU lacks; it offers at most '{}'",
                            rt::isa_name(best)));
  if (isa > best)
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("kernels '{}' need an instruction set this CPU lacks; it offers at most '{}'", kernels,
                            rt::isa_name(best)));
  if (options.num_threads < 1 || options.num_threads > 256)
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("num_threads must be 1 to 256, got {}", options.num_threads));
  g.exec.isa = isa;
  if (options.num_threads > 1) {
    pool = std::make_unique<rt::ThreadPool>(options.num_threads);
    g.exec.pool = pool.get();
  }
  build();
  if (options.fuse_activations && !options.preserve_all_tensors && isa != rt::Isa::kReference)
    fuse_activations();
  if (options.fuse_pads && !options.preserve_all_tensors && isa != rt::Isa::kReference) fuse_pads();
  // Inputs that may change shape need a second plan, and so the weights: keep them.
  if (owned) {
    const auto& sg = *model->fb->subgraphs[0];
    for (int idx : g.inputs)
      for (int32_t d : sg.tensors[idx]->shape_signature)
        if (d < 0) owned = nullptr;
  }
}

std::string Interpreter::kernels() const { return rt::isa_name(impl_->g.exec.isa); }
int Interpreter::num_threads() const { return impl_->g.exec.threads(); }

Interpreter::~Interpreter() = default;

void Interpreter::allocate_tensors() { impl_->allocate(); }

TensorDetails Interpreter::tensor_details(int index) const {
  const auto& t = impl_->tensor_at(index);
  const auto& src = *impl_->model->fb->subgraphs[0]->tensors[index];
  TensorDetails d;
  d.name = t.name;
  d.index = index;
  d.shape = t.dims;
  d.shape_signature = src.shape_signature.empty() ? src.shape : src.shape_signature;
  d.dtype = t.type;
  d.scales = t.quant.scale;
  d.zero_points = t.quant.zero_point;
  d.quantized_dimension = t.quant.axis;
  return d;
}

std::vector<TensorDetails> Interpreter::input_details() const {
  std::vector<TensorDetails> v;
  for (int idx : impl_->g.inputs) v.push_back(tensor_details(idx));
  return v;
}

std::vector<TensorDetails> Interpreter::output_details() const {
  std::vector<TensorDetails> v;
  for (int idx : impl_->g.outputs) v.push_back(tensor_details(idx));
  return v;
}

int Interpreter::num_tensors() const { return static_cast<int>(impl_->g.num_model_tensors); }

void Interpreter::resize_input(int index, const std::vector<int32_t>& shape, bool strict) {
  auto& im = *impl_;
  if (!im.is_input(index)) im.bad_arg(fmt::format("tensor {} is not a model input", index));
  auto& t = im.g.tensors[index];
  const auto d = tensor_details(index);
  if (shape.size() != t.dims.size())
    im.bad_arg(fmt::format("input '{}': cannot resize from rank {} to rank {}", t.name, t.dims.size(), shape.size()));
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] <= 0 || shape[i] > (1 << 24))
      im.bad_arg(fmt::format("input '{}': dimension {} = {} is not valid", t.name, i, shape[i]));
    if (strict && d.shape_signature[i] != -1 && shape[i] != t.dims[i])
      im.bad_arg(fmt::format("input '{}': dimension {} is fixed at {} by the model", t.name, i, t.dims[i]));
  }
  const int64_t n = ir::num_elements(shape);
  if (shape != t.dims && (n < 0 || n > (int64_t{1} << 36)))
    im.bad_arg(fmt::format("input '{}': shape {} has too many elements", t.name, ir::shape_str(shape)));
  if (shape != t.dims) {
    t.dims = shape;
    im.allocated = false;
  }
}

void Interpreter::set_tensor(int index, DType dtype, const std::vector<int32_t>& shape, std::span<const uint8_t> data) {
  auto& im = *impl_;
  const auto& t0 = im.tensor_at(index);
  if (!im.is_input(index))
    im.bad_arg(fmt::format("tensor {} '{}' is not a model input; only inputs can be set", index, t0.name));
  if (t0.storage == Storage::kConstant)
    im.bad_arg(fmt::format("input {} '{}' holds constant data in the model and cannot be set", index, t0.name));
  if (!im.allocated) allocate_tensors();
  auto& t = im.g.tensors[index];
  if (dtype != t.type)
    im.bad_arg(fmt::format("input '{}' expects {}, got {}", t.name, dtype_name(t.type), dtype_name(dtype)));
  if (shape != t.dims)
    im.bad_arg(fmt::format("input '{}' expects shape {}, got {}", t.name, ir::shape_str(t.dims), ir::shape_str(shape)));
  if (data.size() != t.bytes)
    im.bad_arg(fmt::format("input '{}' expects {} bytes, got {}", t.name, t.bytes, data.size()));
  if (!data.empty()) std::memcpy(t.data, data.data(), data.size());
}

void Interpreter::invoke() {
  auto& im = *impl_;
  if (!im.allocated) allocate_tensors();
  if (!im.options.profile) {
    for (auto& n : im.g.nodes)
      if (!n.folded) im.eval_node(n);
    return;
  }
  using Clock = std::chrono::steady_clock;
  im.op_ms.resize(im.g.nodes.size(), 0.0);
  im.op_calls.resize(im.g.nodes.size(), 0);
  for (size_t i = 0; i < im.g.nodes.size(); ++i) {
    auto& n = im.g.nodes[i];
    if (n.folded) continue;
    const auto t0 = Clock::now();
    im.eval_node(n);
    im.op_ms[i] += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    ++im.op_calls[i];
  }
}

std::vector<OpProfile> Interpreter::op_profile() const {
  const auto& im = *impl_;
  std::vector<OpProfile> out;
  const auto& m = *im.model->fb;
  const auto& sg = *m.subgraphs[0];
  for (size_t i = 0; i < im.op_ms.size(); ++i) {
    const auto& n = im.g.nodes[i];
    if (n.folded) continue;  // computed once at allocate time
    OpProfile p;
    p.node = n.index;
    p.op = ir::op_type_name(m, *sg.operators[n.index]);
    std::string types;
    for (size_t k = 0; k < n.inputs.size() && k < 2; ++k) {
      if (n.inputs[k] < 0) continue;
      const std::string t(dtype_name(im.g.tensors[n.inputs[k]].type));
      if (types.empty()) types = t;
      else if (types != t) types += "/" + t;
    }
    p.types = types;
    p.kernel = n.fast ? rt::isa_name(im.g.exec.isa) : "reference";
    auto dims = [&](int t) {
      if (t < 0) return std::string("-");
      std::string r;
      for (int32_t d : im.g.tensors[t].dims) r += (r.empty() ? "" : "x") + std::to_string(d);
      return r;
    };
    p.shapes = dims(n.inputs.empty() ? -1 : n.inputs[0]) + " -> " + dims(n.outputs.empty() ? -1 : n.outputs[0]);
    p.total_ms = im.op_ms[i];
    p.calls = im.op_calls[i];
    out.push_back(std::move(p));
  }
  return out;
}

TensorView Interpreter::get_tensor(int index) const {
  const auto& t = impl_->tensor_at(index);
  if (t.released)
    impl_->bad_arg(fmt::format("tensor {} '{}' is a constant this interpreter freed once its kernels had packed it; "
                               "build the Interpreter from a const Model& to read the model's constants",
                               index, t.name));
  if (t.data == nullptr && t.num_elements() != 0)
    impl_->bad_arg(fmt::format("tensor {} '{}' has no data (call allocate_tensors and invoke first)", index, t.name));
  return TensorView{t.type, t.dims, {t.data, t.bytes}};
}

size_t Interpreter::arena_bytes() const { return impl_->arena_bytes; }
size_t Interpreter::unplanned_bytes() const { return impl_->unplanned_bytes; }
size_t Interpreter::arena_lower_bound_bytes() const { return impl_->arena_lower_bound; }

size_t Interpreter::released_constant_bytes() const { return impl_->released_bytes; }

size_t Interpreter::kernel_state_bytes() const {
  size_t total = 0;
  for (const auto& n : impl_->g.nodes) total += n.state_bytes;
  return total;
}

}  // namespace liteq

namespace liteq {
rt::Graph& InterpreterAccess::graph(Interpreter& it) { return it.impl_->g; }
const rt::Graph& InterpreterAccess::graph(const Interpreter& it) { return it.impl_->g; }
}  // namespace liteq
