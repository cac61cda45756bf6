#include <cstring>
#include <fstream>
#include <limits>
#include <memory>

#include "io/tflite/tflite_io.h"
#include "liteq/error.h"

namespace liteq::io {

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) fail(ErrorKind::kIo, "{}: cannot open file ({})", path, std::strerror(errno));
  const std::streamoff size = f.tellg();
  if (size < 0) fail(ErrorKind::kIo, "{}: cannot read file size", path);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  f.seekg(0);
  if (size > 0 && !f.read(reinterpret_cast<char*>(bytes.data()), size))
    fail(ErrorKind::kIo, "{}: read failed", path);
  return bytes;
}

namespace {

// What UnPack will copy out of vectors and strings, counted once per reference. A
// flatbuffer may point many fields at the same vector (writers never do, but a hostile
// file can), and UnPack would then copy it once per field: a small file could expand to
// gigabytes. Counting first, on the verified raw buffer, bounds that.
class Footprint {
 public:
  template <typename T> void add(const flatbuffers::Vector<T>* v) {
    if (!v) return;
    bytes += uint64_t{v->size()} * sizeof(T);
    // The verifier checks that a vector's length field is 4-byte aligned, not that its
    // elements are aligned to their size: 8-byte elements may not be.
    if constexpr (sizeof(T) > sizeof(flatbuffers::uoffset_t))
      if (reinterpret_cast<uintptr_t>(v->Data()) % sizeof(T) != 0) misaligned = true;
  }
  void add(const flatbuffers::String* s) {
    if (s) bytes += s->size();
  }
  template <typename... Ts> void add_all(const Ts*... ps) { (add(ps), ...); }

  uint64_t bytes = 0;
  bool misaligned = false;
};

void count_options(Footprint& f, const tflite::Operator& op) {
  using BO = tflite::BuiltinOptions;
  switch (op.builtin_options_type()) {
    case BO::ConcatEmbeddingsOptions:
      if (auto* o = op.builtin_options_as_ConcatEmbeddingsOptions())
        f.add_all(o->num_columns_per_channel(), o->embedding_dim_per_channel());
      break;
    case BO::ReshapeOptions:
      if (auto* o = op.builtin_options_as_ReshapeOptions()) f.add(o->new_shape());
      break;
    case BO::SqueezeOptions:
      if (auto* o = op.builtin_options_as_SqueezeOptions()) f.add(o->squeeze_dims());
      break;
    case BO::VarHandleOptions:
      if (auto* o = op.builtin_options_as_VarHandleOptions()) f.add_all(o->container(), o->shared_name());
      break;
    case BO::BucketizeOptions:
      if (auto* o = op.builtin_options_as_BucketizeOptions()) f.add(o->boundaries());
      break;
    default:  // the other options tables hold scalars only
      break;
  }
  using BO2 = tflite::BuiltinOptions2;
  switch (op.builtin_options_2_type()) {
    case BO2::StablehloGatherOptions:
      if (auto* o = op.builtin_options_2_as_StablehloGatherOptions())
        f.add_all(o->offset_dims(), o->collapsed_slice_dims(), o->start_index_map(), o->slice_sizes());
      break;
    case BO2::StablehloTransposeOptions:
      if (auto* o = op.builtin_options_2_as_StablehloTransposeOptions()) f.add(o->permutation());
      break;
    case BO2::StablehloDotGeneralOptions:
      if (auto* o = op.builtin_options_2_as_StablehloDotGeneralOptions())
        f.add_all(o->lhs_batching_dimensions(), o->rhs_batching_dimensions(), o->lhs_contracting_dimensions(),
                  o->rhs_contracting_dimensions(), o->precision_config());
      break;
    case BO2::StablehloReduceWindowOptions:
      if (auto* o = op.builtin_options_2_as_StablehloReduceWindowOptions())
        f.add_all(o->window_dimensions(), o->window_strides(), o->base_dilations(), o->window_dilations(),
                  o->padding());
      break;
    case BO2::StablehloBroadcastInDimOptions:
      if (auto* o = op.builtin_options_2_as_StablehloBroadcastInDimOptions()) f.add(o->broadcast_dimensions());
      break;
    case BO2::StablehloDynamicSliceOptions:
      if (auto* o = op.builtin_options_2_as_StablehloDynamicSliceOptions()) f.add(o->slice_sizes());
      break;
    case BO2::StablehloPadOptions:
      if (auto* o = op.builtin_options_2_as_StablehloPadOptions())
        f.add_all(o->edge_padding_low(), o->edge_padding_high(), o->interior_padding());
      break;
    case BO2::StablehloCustomCallOptions:
      if (auto* o = op.builtin_options_2_as_StablehloCustomCallOptions()) {
        f.add_all(o->call_target_name(), o->backend_config());
        f.add_all(o->called_computations(), o->custom_attributes());
      }
      break;
    case BO2::StablehloReduceOptions:
      if (auto* o = op.builtin_options_2_as_StablehloReduceOptions()) f.add(o->dimensions());
      break;
    case BO2::StablehloSliceOptions:
      if (auto* o = op.builtin_options_2_as_StablehloSliceOptions())
        f.add_all(o->start_indices(), o->limit_indices(), o->strides());
      break;
    case BO2::StablehloConvolutionOptions:
      if (auto* o = op.builtin_options_2_as_StablehloConvolutionOptions()) {
        f.add_all(o->window_strides(), o->padding(), o->lhs_dilation(), o->rhs_dilation(),
                  o->input_spatial_dimensions(), o->kernel_spatial_dimensions(), o->output_spatial_dimensions());
        f.add_all(o->window_reversal(), o->precision_config());
      }
      break;
    case BO2::StablehloScatterOptions:
      if (auto* o = op.builtin_options_2_as_StablehloScatterOptions())
        f.add_all(o->update_window_dims(), o->inserted_window_dims(), o->scatter_dims_to_operand_dims());
      break;
    default:
      break;
  }
}

void count_index_vector(Footprint& f, tflite::SparseIndexVector type, const void* v) {
  if (!v) return;
  switch (type) {
    case tflite::SparseIndexVector::Int32Vector:
      f.add(static_cast<const tflite::Int32Vector*>(v)->values());
      break;
    case tflite::SparseIndexVector::Uint16Vector:
      f.add(static_cast<const tflite::Uint16Vector*>(v)->values());
      break;
    case tflite::SparseIndexVector::Uint8Vector:
      f.add(static_cast<const tflite::Uint8Vector*>(v)->values());
      break;
    default:
      break;
  }
}

Footprint unpacked_bytes(const tflite::Model& m) {
  Footprint f;
  f.add_all(m.description());
  f.add(m.metadata_buffer());
  if (auto* v = m.operator_codes()) {
    f.add(v);
    for (const auto* c : *v) f.add(c->custom_code());
  }
  if (auto* v = m.buffers()) {
    f.add(v);
    for (const auto* b : *v) f.add(b->data());
  }
  if (auto* v = m.metadata()) {
    f.add(v);
    for (const auto* x : *v) f.add(x->name());
  }
  if (auto* v = m.signature_defs()) {
    f.add(v);
    for (const auto* sd : *v) {
      f.add(sd->signature_key());
      for (const auto* maps : {sd->inputs(), sd->outputs()}) {
        if (!maps) continue;
        f.add(maps);
        for (const auto* tm : *maps) f.add(tm->name());
      }
    }
  }
  if (auto* v = m.subgraphs()) {
    f.add(v);
    for (const auto* g : *v) {
      f.add(g->name());
      f.add_all(g->inputs(), g->outputs());
      if (auto* ts = g->tensors()) {
        f.add(ts);
        for (const auto* t : *ts) {
          f.add_all(t->shape(), t->shape_signature());
          f.add(t->name());
          if (auto* q = t->quantization()) {
            f.add_all(q->min(), q->max(), q->scale());
            f.add(q->zero_point());
            if (auto* c = q->details_as_CustomQuantization()) f.add(c->custom());
          }
          if (auto* sp = t->sparsity()) {
            f.add_all(sp->traversal_order(), sp->block_map());
            if (auto* dims = sp->dim_metadata()) {
              f.add(dims);
              for (const auto* d : *dims) {
                count_index_vector(f, d->array_segments_type(), d->array_segments());
                count_index_vector(f, d->array_indices_type(), d->array_indices());
              }
            }
          }
          if (auto* vts = t->variant_tensors()) {
            f.add(vts);
            for (const auto* vt : *vts) f.add(vt->shape());
          }
        }
      }
      if (auto* ops = g->operators()) {
        f.add(ops);
        for (const auto* op : *ops) {
          f.add_all(op->inputs(), op->outputs(), op->intermediates());
          f.add_all(op->custom_options(), op->mutating_variable_inputs());
          count_options(f, *op);
        }
      }
    }
  }
  return f;
}

// A union whose type names a table we know but whose table is absent unpacks to a null
// value, which Pack would dereference: treat it as absent (as TFLite does). Types from a
// newer schema keep their code (Pack writes the type alone).
template <typename Union, typename Enum> void drop_empty_union(Union& u) {
  if (u.value == nullptr && u.type != Enum::NONE && static_cast<int>(u.type) <= static_cast<int>(Enum::MAX))
    u.type = Enum::NONE;
}

void normalize_unions(tflite::ModelT& m) {
  for (auto& g : m.subgraphs) {
    if (!g) continue;
    for (auto& t : g->tensors) {
      if (!t) continue;
      if (t->quantization) drop_empty_union<tflite::QuantizationDetailsUnion, tflite::QuantizationDetails>(t->quantization->details);
      if (t->sparsity)
        for (auto& d : t->sparsity->dim_metadata) {
          if (!d) continue;
          drop_empty_union<tflite::SparseIndexVectorUnion, tflite::SparseIndexVector>(d->array_segments);
          drop_empty_union<tflite::SparseIndexVectorUnion, tflite::SparseIndexVector>(d->array_indices);
        }
    }
    for (auto& op : g->operators) {
      if (!op) continue;
      drop_empty_union<tflite::BuiltinOptionsUnion, tflite::BuiltinOptions>(op->builtin_options);
      drop_empty_union<tflite::BuiltinOptions2Union, tflite::BuiltinOptions2>(op->builtin_options_2);
    }
  }
}

}  // namespace

std::shared_ptr<ir::ModelData> read_tflite(std::span<const uint8_t> bytes, const std::string& name) {
  if (bytes.empty()) fail(ErrorKind::kInvalidModel, "{}: file is empty, not a .tflite model", name);
  if (bytes.size() < 8)
    fail(ErrorKind::kInvalidModel, "{}: file is {} bytes, too small for a .tflite model", name,
         bytes.size());
  // The flatbuffer accessors read scalars in place: give them an aligned copy if the
  // caller's bytes are not (a file read into a std::vector always is).
  std::vector<uint8_t> aligned_copy;
  if (reinterpret_cast<uintptr_t>(bytes.data()) % 16 != 0) {
    aligned_copy.assign(bytes.begin(), bytes.end());
    bytes = aligned_copy;
  }
  if (!tflite::ModelBufferHasIdentifier(bytes.data()))
    fail(ErrorKind::kInvalidModel,
         "{}: not a .tflite model (the file identifier at byte 4 is not \"TFL3\")", name);
  // The flatbuffer itself is at most 2 GB; buffers of larger models follow it.
  const size_t fb_size = std::min<size_t>(bytes.size(), FLATBUFFERS_MAX_BUFFER_SIZE - 1);
  flatbuffers::Verifier::Options vopts;
  vopts.max_depth = 128;
  // Every table takes at least 4 bytes, so a file without shared tables has at most
  // size / 4 of them; more means tables are referenced many times over (an expansion
  // attack on UnPack, and quadratic verification time).
  vopts.max_tables = static_cast<flatbuffers::uoffset_t>(std::min<size_t>(fb_size / 4 + 64, 100'000'000));
  vopts.check_alignment = true;
  flatbuffers::Verifier verifier(bytes.data(), fb_size, vopts);
  if (!tflite::VerifyModelBuffer(verifier))
    fail(ErrorKind::kInvalidModel,
         "{}: the flatbuffer is corrupt (verification failed: truncated file, or an offset or "
         "vector length points outside the file)",
         name);
  const auto* raw = tflite::GetModel(bytes.data());
  const Footprint fp = unpacked_bytes(*raw);
  if (fp.misaligned)
    fail(ErrorKind::kInvalidModel,
         "{}: the flatbuffer is corrupt (a vector of 8-byte values is not 8-byte aligned)", name);
  const uint64_t expanded = fp.bytes;
  if (expanded > 2 * uint64_t{bytes.size()} + (uint64_t{1} << 20))
    fail(ErrorKind::kInvalidModel,
         "{}: the flatbuffer is corrupt: its fields reference {} bytes of vectors and strings in a "
         "file of {} bytes (the same data referenced many times over)",
         name, expanded, bytes.size());

  auto data = std::make_shared<ir::ModelData>();
  data->source = name;
  data->fb.reset(raw->UnPack());
  auto& m = *data->fb;
  normalize_unions(m);

  // Buffers stored past the flatbuffer: offset is from the start of the file, valid if > 1.
  // Writers never let two of them overlap, so together they fit in the file.
  uint64_t external = 0;
  for (size_t i = 0; i < m.buffers.size(); ++i) {
    auto& b = m.buffers[i];
    if (!b || b->offset <= 1) continue;
    if (!b->data.empty())
      fail(ErrorKind::kInvalidModel, "{}: buffer {} has both inline data and an offset", name, i);
    if (b->offset > bytes.size() || b->size > bytes.size() - b->offset)
      fail(ErrorKind::kInvalidModel,
           "{}: buffer {} points past the end of the file (offset {}, size {}, file {} bytes)",
           name, i, b->offset, b->size, bytes.size());
    external += b->size;
    if (external > bytes.size())
      fail(ErrorKind::kInvalidModel,
           "{}: buffer {}: the buffers stored after the flatbuffer overlap (together more than the "
           "{}-byte file)",
           name, i, bytes.size());
    b->data.assign(bytes.begin() + b->offset, bytes.begin() + b->offset + b->size);
    b->offset = 0;
    b->size = 0;
  }
  for (size_t s = 0; s < m.subgraphs.size(); ++s) {
    if (!m.subgraphs[s]) continue;
    for (size_t o = 0; o < m.subgraphs[s]->operators.size(); ++o) {
      auto& op = m.subgraphs[s]->operators[o];
      if (!op || op->large_custom_options_offset <= 1) continue;
      if (op->large_custom_options_offset > bytes.size() ||
          op->large_custom_options_size > bytes.size() - op->large_custom_options_offset)
        fail(ErrorKind::kInvalidModel,
             "{}: custom options of subgraph {} operator {} point past the end of the file (offset {}, "
             "size {}, file {} bytes)",
             name, s, o, op->large_custom_options_offset, op->large_custom_options_size, bytes.size());
      if (!op->custom_options.empty())
        fail(ErrorKind::kInvalidModel,
             "{}: subgraph {} operator {} has both inline custom options and a large_custom_options_offset",
             name, s, o);
      external += op->large_custom_options_size;
      if (external > bytes.size())
        fail(ErrorKind::kInvalidModel,
             "{}: custom options of subgraph {} operator {}: the data stored after the flatbuffer "
             "overlaps (together more than the {}-byte file)",
             name, s, o, bytes.size());
      auto begin = bytes.begin() + op->large_custom_options_offset;
      op->custom_options.assign(begin, begin + op->large_custom_options_size);
      op->large_custom_options_offset = 0;
      op->large_custom_options_size = 0;
    }
  }
  validate_model(m, name);
  return data;
}

std::shared_ptr<ir::ModelData> read_tflite_file(const std::string& path) {
  auto bytes = read_file(path);
  return read_tflite(bytes, path);
}

}  // namespace liteq::io

namespace liteq {

Model Model::load(const std::string& path) { return Model(io::read_tflite_file(path)); }

Model Model::from_bytes(std::span<const uint8_t> bytes, const std::string& name) {
  return Model(io::read_tflite(bytes, name));
}

const std::string& Model::source() const { return d_->source; }

std::vector<uint8_t> Model::serialize() const { return io::write_tflite(*d_->fb); }

void Model::save(const std::string& path) const {
  io::write_file_atomic(path, serialize(), d_->source);
}

}  // namespace liteq
