// MEAN over a constant list of axes (int32 or int64, negative values count from the
// end, duplicates allowed); keep_dims keeps the reduced dims as 1.
//   float32;
//   int8, int16 (int16 symmetric), per-tensor quantized with input and output parameters
//     of their own: TFLite's integer mean, including its special case for 4-D inputs
//     reduced over H and W with keep_dims (see reference/reduce_int.h).
#include "kernels/kernel_util.h"
#include "kernels/reference/quant_params_int.h"
#include "kernels/reference/reduce.h"
#include "kernels/reference/reduce_int.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

struct MeanState {
  std::vector<bool> reduced;
  ref::QuantMeanParams quant;
  int sums_scratch = -1;  // quantized: int32 sum per output
};

// Chooses TFLite's integer mean path and precomputes its constants.
void prepare_quant_mean(OpContext& ctx, MeanState& s, const std::vector<int64_t>& axes, bool keep_dims) {
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  const bool is16 = in.type == DType::kInt16;
  const QParams qi = per_tensor_qparams(ctx, in, "input", is16);
  const QParams qo = per_tensor_qparams(ctx, out, "output", is16);
  auto& q = s.quant;
  q.count = 1;
  for (int i = 0; i < in.rank(); ++i)
    if (s.reduced[i]) q.count *= in.dim(i);
  q.input_zero_point = qi.zero_point;
  q.output_zero_point = qo.zero_point;
  // TFLite tests the axis list as given: exactly two entries, 1 and 2 in either order.
  const bool hw = keep_dims && in.rank() == 4 && axes.size() == 2 &&
                  ((axes[0] == 1 && axes[1] == 2) || (axes[0] == 2 && axes[1] == 1));
  if (hw) {
    q.kind = ref::QuantMeanKind::kHwRounded;
    const Multiplier m =
        checked_multiplier(ctx, static_cast<double>(qi.scale) / static_cast<double>(qo.scale), "mean rescale");
    q.multiplier = m.multiplier;
    q.shift = m.shift;
  } else if (qi.zero_point == qo.zero_point && qi.scale == qo.scale) {
    q.kind = ref::QuantMeanKind::kSameParams;
  } else {
    q.kind = ref::QuantMeanKind::kFloat;
    q.scale = qi.scale / qo.scale;
    q.float_bias = static_cast<float>(-qi.zero_point) * q.scale;
  }
}

void prepare(OpContext& ctx) {
  const auto& p = ctx.params<ReducerParams>();
  ctx.check_io(2, 2, 1);
  const Tensor& in = ctx.input(0);
  ctx.check_type(in, {DType::kFloat32, DType::kInt8, DType::kInt16}, "input");
  ctx.check_type(ctx.input(1), {DType::kInt32, DType::kInt64}, "axis");
  const Tensor& output = ctx.output(0);
  ctx.check(output.type == in.type, "output '{}' has type {}, the input has {}", output.name,
            dtype_name(output.type), dtype_name(in.type));
  ctx.check(!in.sparsity, "input '{}' is sparse (it needs a DENSIFY first)", in.name);
  ctx.check(in.data == nullptr || in.bytes >= static_cast<size_t>(in.num_elements()) * dtype_size(in.type),
            "input '{}' holds {} bytes, its shape needs more", in.name, in.bytes);
  // An empty axis list (a plain copy) may come without data, which read_int_tensor refuses.
  const Tensor& axis = ctx.input(1);
  ctx.check(axis.is_constant(), "axis (input 1) must be a constant tensor");
  const std::vector<int64_t> axes =
      axis.num_elements() == 0 && axis.rank() == 1 ? std::vector<int64_t>{} : read_int_tensor(ctx, 1, "axis");
  const int rank = in.rank();
  auto& s = ctx.make_state<MeanState>();
  s.reduced.assign(rank, false);
  for (int64_t a : axes) {
    ctx.check(a >= -rank && a < rank, "axis {} out of range for rank {}", a, rank);
    s.reduced[normalize_axis(static_cast<int>(a), rank)] = true;
  }
  std::vector<int32_t> out;
  for (int i = 0; i < rank; ++i) {
    if (!s.reduced[i]) {
      out.push_back(in.dim(i));
    } else if (p.keep_dims) {
      out.push_back(1);
    }
  }
  if (in.type != DType::kFloat32) {
    prepare_quant_mean(ctx, s, axes, p.keep_dims);
    int64_t num_out = 1;
    for (int32_t d : out) num_out *= d;
    s.sums_scratch = ctx.request_scratch(static_cast<size_t>(std::max<int64_t>(num_out, 1)) * sizeof(int32_t));
  }
  ctx.set_output_shape(0, std::move(out));
}

template <typename T>
void eval_quant_mean(OpContext& ctx, const MeanState& s, const Tensor& in, Tensor& out) {
  T* o = out.data_as<T>();
  const int64_t n = out.num_elements();
  if (in.num_elements() == 0) {  // TFLite fills an empty mean with NaN cast to the integer type
    for (int64_t i = 0; i < n; ++i) o[i] = 0;
    return;
  }
  auto* sums = reinterpret_cast<int32_t*>(ctx.scratch(s.sums_scratch));
  ref::reduce_sum_int(in.data_as<T>(), in.dims, s.reduced, sums);
  ref::quant_mean_finish(sums, n, s.quant, o);
}

void eval(OpContext& ctx) {
  const auto& s = ctx.state<MeanState>();
  Tensor& out = ctx.output(0);
  const Tensor& in = ctx.input(0);
  switch (out.type) {
    case DType::kFloat32:
      ref::mean_f32(in.data_as<float>(), in.dims, s.reduced, out.data_as<float>());
      break;
    case DType::kInt8: eval_quant_mean<int8_t>(ctx, s, in, out); break;
    case DType::kInt16: eval_quant_mean<int16_t>(ctx, s, in, out); break;
    default:
      ctx.fail("unsupported output type {}", dtype_name(out.type));
  }
}

}  // namespace

const KernelRegistration* Register_MEAN() {
  static const KernelRegistration r{"MEAN", prepare, eval};
  return &r;
}

}  // namespace liteq::rt
