// SLICE and STRIDED_SLICE, input rank <= 6, every fixed-size dtype. The index inputs must
// be constant (int32 or int64), so that output shapes are known at prepare.

#include "kernels/kernel_util.h"
#include "kernels/reference/slice.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

// read_int_tensor, also accepting an empty constant (whose data pointer may be null).
std::vector<int64_t> read_ints(OpContext& ctx, int input, const char* what) {
  const Tensor& t = ctx.input(input);
  if (t.rank() == 1 && t.num_elements() == 0 && t.is_constant()) {
    ctx.check_type(t, {DType::kInt32, DType::kInt64}, what);
    return {};
  }
  return read_int_tensor(ctx, input, what);
}

struct SliceState {
  ref::StridedBox box;
};

void check_data(const OpContext& ctx, const Tensor& in, const Tensor& out) {
  ctx.check(dtype_size(in.type) > 0, "input '{}' has type {}, which has no fixed element size", in.name,
            dtype_name(in.type));
  ctx.check(out.type == in.type, "output '{}' has type {}, the input has {}", out.name, dtype_name(out.type),
            dtype_name(in.type));
  ctx.check(in.rank() <= ref::kSliceMaxRank, "input of rank {}: at most rank {} is supported", in.rank(),
            ref::kSliceMaxRank);
}

// SLICE: begin (input 1) and size (input 2), one entry per dim; size -1 = to the end.
void prepare_slice(OpContext& ctx) {
  ctx.check_io(3, 3, 1);
  const Tensor& in = ctx.input(0);
  check_data(ctx, in, ctx.output(0));
  const auto begin = read_ints(ctx, 1, "begin");
  const auto size = read_ints(ctx, 2, "size");
  const int rank = in.rank();
  ctx.check(static_cast<int>(begin.size()) == rank && static_cast<int>(size.size()) == rank,
            "begin and size must have {} elements (the input's rank), got {} and {}", rank, begin.size(),
            size.size());
  auto& st = ctx.make_state<SliceState>();
  std::vector<int32_t> out_dims(rank);
  const int off = ref::kSliceMaxRank - rank;
  for (int d = 0; d < rank; ++d) {
    const int64_t dim = in.dim(d);
    const int64_t b = begin[d];
    ctx.check(b >= 0 && b <= dim, "begin {} of dim {} is out of range [0, {}]", b, d, dim);
    const int64_t s = size[d] == -1 ? dim - b : size[d];
    ctx.check(s >= 0 && b + s <= dim, "size {} of dim {} is out of range for begin {} and dim size {}", size[d], d,
              b, dim);
    out_dims[d] = static_cast<int32_t>(s);
    st.box.in_dims[off + d] = in.dim(d);
    st.box.start[off + d] = static_cast<int32_t>(b);
    st.box.count[off + d] = static_cast<int32_t>(s);
  }
  ctx.set_output_shape(0, std::move(out_dims));
}

// STRIDED_SLICE. The index vectors (begin, end, strides: the "spec") may be shorter or
// longer than the input's rank: an ellipsis entry stands for as many full dims as needed
// (if there is none, one is implied at the end), new_axis entries insert a size-1 dim
// without consuming an input dim, shrink_axis entries take one element and drop the dim.
// Per input dim, begin/end are resolved like TFLite: masks, negative indices (+ dim),
// then clamping to [0, dim] (stride > 0) or [-1, dim - 1] (stride < 0); with `offset`,
// end is relative to begin. A shrunk index outside the dim is an error.
void prepare_strided_slice(OpContext& ctx) {
  ctx.check_io(4, 4, 1);
  const Tensor& in = ctx.input(0);
  check_data(ctx, in, ctx.output(0));
  const StridedSliceParams p = std::holds_alternative<std::monostate>(ctx.node().params)
                                   ? StridedSliceParams{}
                                   : ctx.params<StridedSliceParams>();
  const auto begin = read_ints(ctx, 1, "begin");
  const auto end = read_ints(ctx, 2, "end");
  const auto strides = read_ints(ctx, 3, "strides");
  const int n = static_cast<int>(begin.size());
  ctx.check(static_cast<int>(end.size()) == n && static_cast<int>(strides.size()) == n,
            "begin, end and strides must have the same length, got {}, {} and {}", n, end.size(), strides.size());
  ctx.check(n <= 31, "too many slice indices ({})", n);
  auto bit = [](int mask, int i) { return ((mask >> i) & 1) != 0; };

  // Locate the ellipsis (at most one) and count the entries that consume input dims.
  int ellipsis = -1;
  int consuming = 0;
  for (int i = 0; i < n; ++i) {
    if (bit(p.ellipsis_mask, i)) {
      ctx.check(ellipsis < 0, "ellipsis_mask has more than one bit set");
      ellipsis = i;
    } else if (!bit(p.new_axis_mask, i)) {
      ++consuming;
    }
  }
  const int rank = in.rank();
  ctx.check(consuming <= rank, "{} slice indices for an input of rank {}", consuming, rank);
  const int ellipsis_dims = rank - consuming;

  auto& st = ctx.make_state<SliceState>();
  ref::StridedBox& box = st.box;
  const int off = ref::kSliceMaxRank - rank;
  for (int d = 0; d < rank; ++d) {
    box.in_dims[off + d] = in.dim(d);
    box.count[off + d] = in.dim(d);  // full dim unless an index entry says otherwise
  }
  std::vector<int32_t> out_dims;
  int d = 0;  // next input dim
  auto take_full = [&](int count) {
    for (int k = 0; k < count; ++k, ++d) out_dims.push_back(in.dim(d));
  };
  for (int i = 0; i < n; ++i) {
    if (i == ellipsis) {
      take_full(ellipsis_dims);
      continue;
    }
    if (bit(p.new_axis_mask, i)) {
      out_dims.push_back(1);
      continue;
    }
    const int64_t dim = in.dim(d);
    const int64_t stride = strides[i];
    ctx.check(stride != 0, "stride of index {} is 0", i);
    ctx.check(stride >= std::numeric_limits<int32_t>::min() + 1 && stride <= std::numeric_limits<int32_t>::max(),
              "stride {} of index {} is out of range", stride, i);
    int64_t start, count;
    if (bit(p.shrink_axis_mask, i)) {
      if (bit(p.begin_mask, i))
        start = stride > 0 ? 0 : dim - 1;
      else
        start = begin[i] < 0 ? begin[i] + dim : begin[i];
      ctx.check(start >= 0 && start < dim, "index {} of dim {} (size {}) is out of range", begin[i], d, dim);
      count = 1;
    } else {
      const int64_t lo = stride > 0 ? 0 : -1;
      const int64_t hi = stride > 0 ? dim : dim - 1;
      auto clamp = [&](int64_t v) { return std::min(std::max(v, lo), hi); };
      if (bit(p.begin_mask, i))
        start = stride > 0 ? 0 : dim - 1;
      else
        start = clamp(begin[i] < 0 ? begin[i] + dim : begin[i]);
      int64_t stop;
      if (bit(p.end_mask, i))
        stop = stride > 0 ? dim : -1;
      else if (p.offset)
        stop = clamp(start + end[i]);
      else
        stop = clamp(end[i] < 0 ? end[i] + dim : end[i]);
      // Number of indices start, start + stride, ... strictly before stop.
      const int64_t span = stride > 0 ? stop - start : start - stop;
      const int64_t step = stride > 0 ? stride : -stride;
      count = span <= 0 ? 0 : (span + step - 1) / step;
      out_dims.push_back(static_cast<int32_t>(count));
    }
    box.start[off + d] = static_cast<int32_t>(count == 0 ? 0 : start);
    box.stride[off + d] = static_cast<int32_t>(stride);
    box.count[off + d] = static_cast<int32_t>(count);
    ++d;
  }
  if (ellipsis < 0) take_full(rank - d);  // implicit ellipsis at the end
  ctx.set_output_shape(0, std::move(out_dims));
}

void eval_slice(OpContext& ctx) {
  const auto& st = ctx.state<SliceState>();
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  if (out.num_elements() == 0) return;
  ref::dispatch_elem_size(dtype_size(in.type),
                          [&]<size_t N>() { ref::strided_slice<N>(st.box, in.data, out.data); });
}

}  // namespace

const KernelRegistration* Register_SLICE() {
  static const KernelRegistration r{"SLICE", prepare_slice, eval_slice};
  return &r;
}

const KernelRegistration* Register_STRIDED_SLICE() {
  static const KernelRegistration r{"STRIDED_SLICE", prepare_strided_slice, eval_slice};
  return &r;
}

}  // namespace liteq::rt
