// RESHAPE, SQUEEZE, EXPAND_DIMS: the output has the input's bytes under a new shape.
// Every fixed-size dtype.
#include <cstring>

#include <fmt/ranges.h>

#include "kernels/kernel_util.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

template <typename P>
P params_or_default(const OpContext& ctx) {
  if (std::holds_alternative<std::monostate>(ctx.node().params)) return P{};
  return ctx.params<P>();
}

// Input 0 of any fixed-size dtype; output 0 of the same dtype.
void check_data_types(const OpContext& ctx, const Tensor& in, const Tensor& out) {
  ctx.check(dtype_size(in.type) > 0, "input '{}' has type {}, which has no fixed element size", in.name,
            dtype_name(in.type));
  ctx.check(out.type == in.type, "output '{}' has type {}, the input has {}", out.name, dtype_name(out.type),
            dtype_name(in.type));
}

// Output = input bytes.
void eval_copy(OpContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const size_t bytes = static_cast<size_t>(in.num_elements()) * dtype_size(in.type);
  if (bytes > 0 && out.data != in.data) std::memmove(out.data, in.data, bytes);
}

// Resolves one -1 in `shape` and checks that the element count matches `num_elements`.
std::vector<int32_t> resolve_shape(const OpContext& ctx, const std::vector<int64_t>& shape, int64_t num_elements) {
  std::vector<int32_t> dims(shape.size());
  int unknown = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      ctx.check(unknown < 0, "new shape [{}] has more than one -1", fmt::join(shape, ","));
      unknown = static_cast<int>(i);
      continue;
    }
    ctx.check(shape[i] >= 0 && shape[i] <= std::numeric_limits<int32_t>::max(),
              "new shape [{}] has an invalid dimension {}", fmt::join(shape, ","), shape[i]);
    dims[i] = static_cast<int32_t>(shape[i]);
    known *= shape[i];
    ctx.check(known <= (int64_t{1} << 40), "new shape [{}] is too large", fmt::join(shape, ","));
  }
  if (unknown >= 0) {
    ctx.check(known != 0 && num_elements % known == 0,
              "cannot infer the -1 in new shape [{}] for an input of {} elements", fmt::join(shape, ","),
              num_elements);
    dims[unknown] = static_cast<int32_t>(num_elements / known);
    known *= dims[unknown];
  }
  ctx.check(known == num_elements, "new shape [{}] has {} elements, the input has {}", fmt::join(shape, ","),
            known, num_elements);
  return dims;
}

// RESHAPE: the new shape comes from input 1 (a constant 1-D int32/int64 tensor) when it
// is present and not empty, else from the options' new_shape. An empty shape tensor with
// no (or empty) new_shape means a scalar output; so does the legacy new_shape [0].
void prepare_reshape(OpContext& ctx) {
  ctx.check_io(1, 2, 1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  check_data_types(ctx, in, out);
  const auto& p = params_or_default<ReshapeParams>(ctx);
  const int64_t n = in.num_elements();
  std::vector<int64_t> shape;
  bool have_shape = false;
  if (ctx.has_input(1)) {
    const Tensor& s = ctx.input(1);
    ctx.check(s.rank() <= 1, "shape (input 1) must be 1-D, got rank {}", s.rank());
    if (s.num_elements() > 0) {
      shape = read_int_tensor(ctx, 1, "shape");
      have_shape = true;
    }
  }
  if (!have_shape) {
    if (p.has_new_shape && !p.new_shape.empty()) {
      shape.assign(p.new_shape.begin(), p.new_shape.end());
      if (shape.size() == 1 && shape[0] == 0 && n == 1) shape.clear();  // legacy scalar
    } else {
      ctx.check(ctx.has_input(1) || p.has_new_shape, "no shape: neither a shape input nor new_shape in the options");
    }
  }
  ctx.set_output_shape(0, resolve_shape(ctx, shape, n));
}

// SQUEEZE: removes the listed size-1 dims (negative allowed), or every size-1 dim.
void prepare_squeeze(OpContext& ctx) {
  ctx.check_io(1, 1, 1);
  const Tensor& in = ctx.input(0);
  check_data_types(ctx, in, ctx.output(0));
  const auto& p = params_or_default<SqueezeParams>(ctx);
  std::vector<bool> drop(in.rank(), false);
  if (p.squeeze_dims.empty()) {
    for (int i = 0; i < in.rank(); ++i) drop[i] = in.dim(i) == 1;
  } else {
    for (int32_t d : p.squeeze_dims) {
      const int axis = normalize_axis(d, in.rank());
      ctx.check(axis >= 0, "squeeze dim {} is out of range for input of rank {}", d, in.rank());
      ctx.check(in.dim(axis) == 1, "cannot squeeze dim {} of size {}", d, in.dim(axis));
      drop[axis] = true;
    }
  }
  std::vector<int32_t> dims;
  for (int i = 0; i < in.rank(); ++i)
    if (!drop[i]) dims.push_back(in.dim(i));
  ctx.set_output_shape(0, std::move(dims));
}

// EXPAND_DIMS: inserts a size-1 dim at the axis given by the constant input 1, in
// [-rank-1, rank] (negative counts from the end of the output).
void prepare_expand_dims(OpContext& ctx) {
  ctx.check_io(2, 2, 1);
  const Tensor& in = ctx.input(0);
  check_data_types(ctx, in, ctx.output(0));
  const auto axis_v = read_int_tensor(ctx, 1, "axis");
  ctx.check(axis_v.size() == 1, "axis (input 1) must have exactly one element, got {}", axis_v.size());
  int64_t axis = axis_v[0];
  const int rank = in.rank();
  ctx.check(axis >= -rank - 1 && axis <= rank, "axis {} is out of range [{}, {}]", axis, -rank - 1, rank);
  if (axis < 0) axis += rank + 1;
  std::vector<int32_t> dims = in.dims;
  dims.insert(dims.begin() + axis, 1);
  ctx.set_output_shape(0, std::move(dims));
}

}  // namespace

const KernelRegistration* Register_RESHAPE() {
  static const KernelRegistration r{"RESHAPE", prepare_reshape, eval_copy};
  return &r;
}

const KernelRegistration* Register_SQUEEZE() {
  static const KernelRegistration r{"SQUEEZE", prepare_squeeze, eval_copy};
  return &r;
}

const KernelRegistration* Register_EXPAND_DIMS() {
  static const KernelRegistration r{"EXPAND_DIMS", prepare_expand_dims, eval_copy};
  return &r;
}

}  // namespace liteq::rt
