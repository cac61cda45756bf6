// Reading an ONNX file: protobuf parsing, external data, opset checks, fixing dynamic input
// dims, ONNX shape inference; and the public entry points of include/liteq/onnx.h.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include "io/onnx/translator.h"
#include "io/tflite/tflite_io.h"
#include "passes/passes.h"

namespace liteq::onnx_io {
namespace fs = std::filesystem;

namespace {

constexpr int kMinOpset = 7;  // Upsample, Clip with attributes, Softmax of opset < 13 ...
constexpr int kMaxOpset = 17;

size_t elem_size(int type) {
  switch (type) {
    case onnx::TensorProto::FLOAT: case onnx::TensorProto::INT32: case onnx::TensorProto::UINT32: return 4;
    case onnx::TensorProto::DOUBLE: case onnx::TensorProto::INT64: case onnx::TensorProto::UINT64: return 8;
    case onnx::TensorProto::FLOAT16: case onnx::TensorProto::INT16: case onnx::TensorProto::UINT16:
    case onnx::TensorProto::BFLOAT16: return 2;
    case onnx::TensorProto::INT8: case onnx::TensorProto::UINT8: case onnx::TensorProto::BOOL: return 1;
    default: return 0;
  }
}

float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal
      int e = -1;
      uint32_t m = mant;
      do { ++e; m <<= 1; } while ((m & 0x400) == 0);
      bits = sign | ((127 - 15 - e) << 23) | ((m & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

double decode(const uint8_t* p, int type) {
  switch (type) {
    case onnx::TensorProto::FLOAT: { float f; std::memcpy(&f, p, 4); return f; }
    case onnx::TensorProto::DOUBLE: { double d; std::memcpy(&d, p, 8); return d; }
    case onnx::TensorProto::FLOAT16: { uint16_t h; std::memcpy(&h, p, 2); return half_to_float(h); }
    case onnx::TensorProto::BFLOAT16: { uint16_t h; std::memcpy(&h, p, 2); uint32_t b = uint32_t{h} << 16; float f; std::memcpy(&f, &b, 4); return f; }
    case onnx::TensorProto::INT8: return static_cast<int8_t>(*p);
    case onnx::TensorProto::UINT8: case onnx::TensorProto::BOOL: return *p;
    case onnx::TensorProto::INT16: { int16_t v; std::memcpy(&v, p, 2); return v; }
    case onnx::TensorProto::UINT16: { uint16_t v; std::memcpy(&v, p, 2); return v; }
    case onnx::TensorProto::INT32: { int32_t v; std::memcpy(&v, p, 4); return v; }
    case onnx::TensorProto::UINT32: { uint32_t v; std::memcpy(&v, p, 4); return v; }
    case onnx::TensorProto::INT64: { int64_t v; std::memcpy(&v, p, 8); return static_cast<double>(v); }
    case onnx::TensorProto::UINT64: { uint64_t v; std::memcpy(&v, p, 8); return static_cast<double>(v); }
    default: return 0;
  }
}

std::string read_external(const onnx::TensorProto& t, const std::string& base_dir, const std::string& model_name,
                          size_t want) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : t.external_data()) {
    if (kv.key() == "location") location = kv.value();
    else if (kv.key() == "offset") offset = std::strtoll(kv.value().c_str(), nullptr, 10);
    else if (kv.key() == "length") length = std::strtoll(kv.value().c_str(), nullptr, 10);
  }
  if (location.empty()) fail(ErrorKind::kInvalidModel, "{}: initializer '{}' has external data without a location", model_name, t.name());
  if (base_dir.empty())
    fail(ErrorKind::kInvalidArgument, "{}: initializer '{}' keeps its data in '{}'; load the model from a file so it can be found",
         model_name, t.name(), location);
  const fs::path rel(location);
  if (rel.is_absolute() || std::any_of(rel.begin(), rel.end(), [](const fs::path& p) { return p == ".."; }))
    fail(ErrorKind::kInvalidModel, "{}: initializer '{}': external data path '{}' leaves the model's folder", model_name, t.name(), location);
  const fs::path file = fs::path(base_dir) / rel;
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(ErrorKind::kIo, "{}: initializer '{}': cannot open external data file {}", model_name, t.name(), file.string());
  in.seekg(0, std::ios::end);
  const int64_t file_size = in.tellg();
  if (length < 0) length = file_size - offset;
  if (offset < 0 || offset > file_size || length > file_size - offset || static_cast<size_t>(length) != want)
    fail(ErrorKind::kInvalidModel, "{}: initializer '{}': external data (offset {}, length {}) does not fit {} ({} bytes) or the tensor's {} bytes",
         model_name, t.name(), offset, length, file.string(), file_size, want);
  std::string data(static_cast<size_t>(length), '\0');
  in.seekg(offset);
  in.read(data.data(), length);
  if (!in) fail(ErrorKind::kIo, "{}: initializer '{}': reading {} failed", model_name, t.name(), file.string());
  return data;
}

}  // namespace

DType dtype_of(int onnx_type, const std::string& what) {
  switch (onnx_type) {
    case onnx::TensorProto::FLOAT: return DType::kFloat32;
    case onnx::TensorProto::FLOAT16: return DType::kFloat16;
    case onnx::TensorProto::INT8: return DType::kInt8;
    case onnx::TensorProto::UINT8: return DType::kUInt8;
    case onnx::TensorProto::INT16: return DType::kInt16;
    case onnx::TensorProto::INT32: return DType::kInt32;
    case onnx::TensorProto::INT64: return DType::kInt64;
    case onnx::TensorProto::BOOL: return DType::kBool;
    case onnx::TensorProto::DOUBLE: return DType::kFloat64;
    default:
      fail(ErrorKind::kUnsupported, "{}: ONNX element type {} ({}) is not supported", what, onnx_type,
           onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(onnx_type)));
  }
}

Const const_from_proto(const onnx::TensorProto& t, const std::string& base_dir, const std::string& model_name) {
  Const c;
  c.type = t.data_type();
  const size_t es = elem_size(c.type);
  if (es == 0)
    fail(ErrorKind::kUnsupported, "{}: tensor '{}' has element type {}, which liteq does not read", model_name, t.name(),
         onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(c.type)));
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || (d > 0 && n > (int64_t{1} << 40) / d))
      fail(ErrorKind::kInvalidModel, "{}: tensor '{}' has an invalid or too large shape", model_name, t.name());
    c.dims.push_back(d);
    n *= d;
  }
  c.v.resize(static_cast<size_t>(n));
  const size_t bytes = static_cast<size_t>(n) * es;
  auto from_raw = [&](const std::string& raw) {
    if (raw.size() != bytes)
      fail(ErrorKind::kInvalidModel, "{}: tensor '{}' holds {} bytes, its shape and type need {}", model_name, t.name(), raw.size(), bytes);
    const auto* p = reinterpret_cast<const uint8_t*>(raw.data());
    for (int64_t i = 0; i < n; ++i) c.v[i] = decode(p + i * es, c.type);
  };
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    from_raw(read_external(t, base_dir, model_name, bytes));
    return c;
  }
  if (t.has_raw_data()) {
    from_raw(t.raw_data());
    return c;
  }
  auto need = [&](int have) {
    if (have != n)
      fail(ErrorKind::kInvalidModel, "{}: tensor '{}' holds {} values, its shape needs {}", model_name, t.name(), have, n);
  };
  switch (c.type) {
    case onnx::TensorProto::FLOAT:
      need(t.float_data_size());
      for (int64_t i = 0; i < n; ++i) c.v[i] = t.float_data(i);
      break;
    case onnx::TensorProto::DOUBLE:
      need(t.double_data_size());
      for (int64_t i = 0; i < n; ++i) c.v[i] = t.double_data(i);
      break;
    case onnx::TensorProto::INT64:
      need(t.int64_data_size());
      for (int64_t i = 0; i < n; ++i) c.v[i] = static_cast<double>(t.int64_data(i));
      break;
    case onnx::TensorProto::UINT32: case onnx::TensorProto::UINT64:
      need(t.uint64_data_size());
      for (int64_t i = 0; i < n; ++i) c.v[i] = static_cast<double>(t.uint64_data(i));
      break;
    case onnx::TensorProto::FLOAT16: case onnx::TensorProto::BFLOAT16:
      need(t.int32_data_size());
      for (int64_t i = 0; i < n; ++i) {
        const auto h = static_cast<uint16_t>(t.int32_data(i));
        if (c.type == onnx::TensorProto::FLOAT16) {
          c.v[i] = half_to_float(h);
        } else {
          const uint32_t bits = uint32_t{h} << 16;
          float f;
          std::memcpy(&f, &bits, 4);
          c.v[i] = f;
        }
      }
      break;
    default:  // int8/16/32, uint8/16, bool live in int32_data
      need(t.int32_data_size());
      for (int64_t i = 0; i < n; ++i) c.v[i] = t.int32_data(i);
      break;
  }
  return c;
}

Parsed parse_onnx(std::span<const uint8_t> bytes, const std::string& name, const OnnxOptions& options,
                  const std::string& base_dir) {
  Parsed p;
  if (bytes.size() > static_cast<size_t>(INT32_MAX))
    fail(ErrorKind::kUnsupported, "{}: ONNX files over 2 GB must keep their weights as external data", name);
  if (!p.model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    fail(ErrorKind::kInvalidModel, "{}: not a valid ONNX model (protobuf parsing failed)", name);
  if (!p.model.has_graph() || p.model.graph().node_size() == 0)
    fail(ErrorKind::kInvalidModel, "{}: the ONNX model has no graph or no nodes", name);
  for (const auto& os : p.model.opset_import()) {
    if (os.domain().empty() || os.domain() == "ai.onnx") p.opset = static_cast<int>(os.version());
  }
  if (p.opset == 0) p.opset = p.model.ir_version() >= 3 ? 0 : 1;
  if (p.opset < kMinOpset || p.opset > kMaxOpset)
    fail(ErrorKind::kUnsupported, "{}: default-domain opset {} is not supported (liteq reads opsets {} to {})", name, p.opset,
         kMinOpset, kMaxOpset);
  auto& g = *p.model.mutable_graph();
  for (const auto& n : g.node()) {
    if (!n.domain().empty() && n.domain() != "ai.onnx")
      fail(ErrorKind::kUnsupported, "{}: node '{}' ({}) is in domain '{}'; liteq reads the default ONNX domain only", name,
           n.name(), n.op_type(), n.domain());
  }
  for (const auto& t : g.initializer()) {
    if (p.initializers.count(t.name()))
      fail(ErrorKind::kInvalidModel, "{}: initializer '{}' is defined twice", name, t.name());
    p.initializers.emplace(t.name(), const_from_proto(t, base_dir, name));
  }

  // Order the nodes topologically (exporters do not always).
  {
    std::set<std::string> avail;
    for (const auto& [k, v] : p.initializers) avail.insert(k);
    for (const auto& in : g.input()) avail.insert(in.name());
    std::vector<const onnx::NodeProto*> nodes;
    for (const auto& nd : g.node()) nodes.push_back(&nd);
    const auto order = topological_order(nodes, avail);
    if (order.size() < nodes.size()) {
      std::vector<bool> placed(nodes.size(), false);
      for (int i : order) {
        placed[i] = true;
        for (const auto& o : nodes[i]->output()) avail.insert(o);
      }
      for (size_t i = 0; i < nodes.size(); ++i) {
        if (placed[i]) continue;
        for (const auto& x : nodes[i]->input())
          if (!x.empty() && !avail.count(x))
            fail(ErrorKind::kInvalidModel, "{}: node {} '{}' ({}) reads '{}', which no node, input or initializer defines (or the graph has a cycle)",
                 name, i, nodes[i]->name(), nodes[i]->op_type(), x);
      }
    }
    google::protobuf::RepeatedPtrField<onnx::NodeProto> sorted;
    for (int i : order) *sorted.Add() = *nodes[i];
    g.mutable_node()->Swap(&sorted);
  }

  // Before ONNX's shape inference sees the graph (it trusts its input and can crash on a
  // malformed node): every op must be one we translate, pass ONNX's schema check, and have
  // sane convolution / pooling attributes.
  {
    onnx::checker::CheckerContext ctx;
    ctx.set_ir_version(static_cast<int>(std::max<int64_t>(p.model.ir_version(), 3)));
    std::unordered_map<std::string, int> imports;
    for (const auto& os : p.model.opset_import()) imports[os.domain()] = static_cast<int>(os.version());
    if (!imports.count("")) imports[""] = p.opset;
    ctx.set_opset_imports(imports);
    onnx::checker::LexicalScopeContext lex;
    for (const auto& t : g.initializer()) lex.add(t.name());
    for (const auto& in : g.input()) lex.add(in.name());
    const auto& handlers = op_handlers();
    for (int i = 0; i < g.node_size(); ++i) {
      const auto& n = g.node(i);
      if (!handlers.count(n.op_type()))
        fail(ErrorKind::kUnsupported, "{}: node {} '{}': operator {} is not supported (liteq translates: {})", name, i, n.name(),
             n.op_type(), fmt::join(onnx_supported_ops(), " "));
      try {
        onnx::checker::check_node(n, ctx, lex);
      } catch (const std::exception& e) {
        fail(ErrorKind::kInvalidModel, "{}: node {} '{}' ({}) is invalid: {}", name, i, n.name(), n.op_type(), e.what());
      }
      for (const auto& o : n.output()) lex.add(o);
      for (const auto& a : n.attribute()) {
        const std::string& an = a.name();
        const bool positive = an == "strides" || an == "dilations" || an == "kernel_shape" || an == "blocksize";
        const bool nonneg = an == "pads" || an == "output_padding";
        if (!positive && !nonneg && an != "group") continue;
        auto bad = [&](int64_t v) { return positive || an == "group" ? (v < 1 || v > 65536) : (v < 0 || v > 65536); };
        bool wrong = a.type() == onnx::AttributeProto::INT ? bad(a.i()) : false;
        for (int64_t v : a.ints()) wrong = wrong || bad(v);
        if (wrong)
          fail(ErrorKind::kInvalidModel, "{}: node {} '{}' ({}): attribute {} has a value out of range ({} expected)", name, i,
               n.name(), n.op_type(), an, positive || an == "group" ? "1..65536" : "0..65536");
      }
    }
  }

  // Fix the input shapes: options first, then the model's own dims.
  std::set<std::string> seen_inputs;
  for (const auto& in : g.input())
    if (!p.initializers.count(in.name())) seen_inputs.insert(in.name());
  for (const auto& [k, v] : options.input_shapes) {
    if (!seen_inputs.count(k))
      fail(ErrorKind::kInvalidArgument, "{}: --input-shape names '{}', which is not an input of the model (inputs: {})", name, k,
           fmt::join(seen_inputs, ", "));
  }
  for (auto& in : *g.mutable_input()) {
    if (p.initializers.count(in.name())) continue;  // old-style initializer listed as input
    seen_inputs.insert(in.name());
    if (!in.type().has_tensor_type())
      fail(ErrorKind::kUnsupported, "{}: input '{}' is not a tensor (sequences and maps are not supported)", name, in.name());
    auto* tt = in.mutable_type()->mutable_tensor_type();
    auto it = options.input_shapes.find(in.name());
    if (it != options.input_shapes.end()) {
      const auto& dims = it->second;
      if (tt->has_shape() && tt->shape().dim_size() != static_cast<int>(dims.size()))
        fail(ErrorKind::kInvalidArgument, "{}: --input-shape {} has {} dims, the model's input has {}", name, in.name(), dims.size(),
             tt->shape().dim_size());
      for (size_t i = 0; i < dims.size(); ++i) {
        if (dims[i] <= 0) fail(ErrorKind::kInvalidArgument, "{}: --input-shape {}: dim {} is {}, must be positive", name, in.name(), i, dims[i]);
        if (tt->has_shape() && tt->shape().dim(static_cast<int>(i)).has_dim_value() &&
            tt->shape().dim(static_cast<int>(i)).dim_value() != dims[i])
          fail(ErrorKind::kInvalidArgument, "{}: --input-shape {}: dim {} is {} in the model, not {}", name, in.name(), i,
               tt->shape().dim(static_cast<int>(i)).dim_value(), dims[i]);
      }
      tt->clear_shape();
      for (int64_t d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
    }
    if (!tt->has_shape())
      fail(ErrorKind::kInvalidArgument, "{}: input '{}' has no shape; give one with --input-shape {}=D0,D1,...", name, in.name(), in.name());
    std::vector<std::string> dims;
    bool open = false;
    for (const auto& d : tt->shape().dim()) {
      if (d.has_dim_value() && d.dim_value() == 0)
        fail(ErrorKind::kUnsupported, "{}: input '{}' has a dim of size 0; empty tensors are not supported", name, in.name());
      if (d.has_dim_value() && d.dim_value() > 0) {
        dims.push_back(std::to_string(d.dim_value()));
      } else {
        open = true;
        dims.push_back(d.has_dim_param() && !d.dim_param().empty() ? d.dim_param() : "?");
      }
    }
    if (open)
      fail(ErrorKind::kInvalidArgument, "{}: input '{}' has dynamic dims [{}]; fix them with --input-shape {}=D0,D1,... "
           "(OnnxOptions::input_shapes)", name, in.name(), fmt::join(dims, ", "), in.name());
  }

  // Shape inference, with data propagation so that Shape -> ... -> Reshape chains resolve.
  // Stale value_info and output shapes with symbolic dims are dropped first.
  g.clear_value_info();
  for (auto& out : *g.mutable_output()) {
    if (out.type().has_tensor_type()) out.mutable_type()->mutable_tensor_type()->clear_shape();
  }
  infer_shapes(p, name, true);
  return p;
}

void infer_shapes(Parsed& p, const std::string& name, bool strict) {
  auto& g = *p.model.mutable_graph();
  try {
    onnx::ShapeInferenceOptions opts(false, strict ? 1 : 0, true);
    onnx::shape_inference::InferShapes(p.model, onnx::OpSchemaRegistry::Instance(), opts);
  } catch (const std::exception& e) {
    fail(ErrorKind::kInvalidModel, "{}: ONNX shape inference failed: {}", name, e.what());
  }
  auto record = [&](const onnx::ValueInfoProto& vi) {
    if (!vi.type().has_tensor_type()) return;
    const auto& tt = vi.type().tensor_type();
    std::vector<int64_t> shape;
    if (!tt.has_shape()) return;
    for (const auto& d : tt.shape().dim()) shape.push_back(d.has_dim_value() ? d.dim_value() : -1);
    auto& slot = p.value_info[vi.name()];
    const bool known = std::all_of(slot.second.begin(), slot.second.end(), [](int64_t d) { return d >= 0; }) && slot.first != 0;
    if (!known || slot.second.empty()) slot = {tt.elem_type(), shape};
  };
  for (const auto& vi : g.input()) record(vi);
  for (const auto& vi : g.value_info()) record(vi);
  for (const auto& vi : g.output()) record(vi);
}

void learn_shape(Parsed& p, const std::string& value, int type, const std::vector<int64_t>& shape, const std::string& name) {
  p.value_info[value] = {type, shape};
  auto& g = *p.model.mutable_graph();
  onnx::ValueInfoProto* vi = nullptr;
  for (auto& v : *g.mutable_value_info())
    if (v.name() == value) vi = &v;
  if (!vi) {
    vi = g.add_value_info();
    vi->set_name(value);
  }
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(type);
  tt->clear_shape();
  for (int64_t d : shape) tt->mutable_shape()->add_dim()->set_dim_value(d);
  infer_shapes(p, name, false);
}

std::vector<int> topological_order(const std::vector<const onnx::NodeProto*>& nodes, std::set<std::string> available) {
  available.insert("");  // an omitted optional input
  const size_t n = nodes.size();
  std::vector<int> order;
  std::vector<bool> done(n, false);
  auto place = [&](size_t i) {
    order.push_back(static_cast<int>(i));
    done[i] = true;
    for (const auto& o : nodes[i]->output()) available.insert(o);
  };
  for (size_t i = 0; i < n; ++i)
    if (nodes[i]->input_size() == 0) place(i);
  for (bool progress = true; order.size() < n && progress;) {
    progress = false;
    for (size_t i = 0; i < n; ++i) {
      if (done[i] || !std::all_of(nodes[i]->input().begin(), nodes[i]->input().end(),
                                  [&](const std::string& x) { return available.count(x) > 0; }))
        continue;
      place(i);
      progress = true;
    }
  }
  return order;
}

std::vector<int> identity_perm(int rank) {
  std::vector<int> p(rank);
  for (int i = 0; i < rank; ++i) p[i] = i;
  return p;
}

std::vector<int> nhwc_perm(int rank) {
  std::vector<int> p{0};
  for (int i = 2; i < rank; ++i) p.push_back(i);
  if (rank > 1) p.push_back(1);
  return p;
}

}  // namespace liteq::onnx_io

namespace liteq {

Model import_onnx(std::span<const uint8_t> bytes, const std::string& name, const OnnxOptions& options,
                  const std::string& base_dir) {
  auto parsed = onnx_io::parse_onnx(bytes, name, options, base_dir);
  onnx_io::Translator tr(parsed, options, name);
  auto data = std::make_shared<ir::ModelData>();
  data->fb = tr.run();
  data->source = name;
  passes::fold_constants(*data);
  passes::prune(*data);
  io::validate_model(*data->fb, name);
  return Model(std::move(data));
}

Model import_onnx(const std::string& path, const OnnxOptions& options) {
  const auto bytes = io::read_file(path);
  auto dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  return import_onnx(bytes, path, options, dir);
}

std::vector<std::string> onnx_supported_ops() {
  std::vector<std::string> ops;
  for (const auto& [k, v] : onnx_io::op_handlers()) ops.push_back(k);
  return ops;
}

bool is_onnx_file(const std::string& path) {
  const auto ext = std::filesystem::path(path).extension().string();
  if (ext == ".onnx" || ext == ".ONNX") return true;
  if (ext == ".tflite") return false;
  std::ifstream in(path, std::ios::binary);
  char head[8] = {};
  in.read(head, 8);
  // A .tflite file has "TFL3" at offset 4; anything else that parses is taken as ONNX.
  return in.gcount() == 8 && std::memcmp(head + 4, "TFL3", 4) != 0 && head[0] == 0x08;
}

}  // namespace liteq
