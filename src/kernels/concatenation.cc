// CONCATENATION along an axis (negative allowed), any number of inputs, every fixed-size
// dtype; fused activation for float32 only. Quantized inputs, as TFLite rules them:
//   int8: every input must have the output's scale and zero point (no requantizing);
//   int16: every zero point must be 0; the raw values are copied whatever the scales;
//   uint8: inputs must share the output's quantization (requantizing is not supported).
#include <fmt/ranges.h>

#include "kernels/kernel_util.h"
#include "kernels/reference/concatenation.h"
#include "kernels/reference/quant_params_int.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

struct ConcatState {
  int64_t outer = 1;
  std::vector<int64_t> chunks;  // per input: dim(axis) * inner, in elements
  FloatRange range;
  bool clamp = false;
};

void prepare_concat(OpContext& ctx) {
  ctx.check_io(1, std::max(1, ctx.num_inputs()), 1);
  const int n = ctx.num_inputs();
  const ConcatenationParams p = std::holds_alternative<std::monostate>(ctx.node().params)
                                    ? ConcatenationParams{}
                                    : ctx.params<ConcatenationParams>();
  const Tensor& first = ctx.input(0);
  const Tensor& out = ctx.output(0);
  ctx.check(dtype_size(first.type) > 0, "input '{}' has type {}, which has no fixed element size", first.name,
            dtype_name(first.type));
  ctx.check(out.type == first.type, "output '{}' has type {}, the inputs have {}", out.name, dtype_name(out.type),
            dtype_name(first.type));
  check_fused_activation(ctx, p.activation);
  ctx.check(p.activation == Activation::kNone || first.type == DType::kFloat32,
            "a fused activation is only supported for float32, not {}", dtype_name(first.type));
  const int rank = first.rank();
  const int axis = normalize_axis(p.axis, rank);
  ctx.check(axis >= 0, "axis {} is out of range for inputs of rank {}", p.axis, rank);
  const bool quantized = first.type == DType::kInt8 || first.type == DType::kUInt8 || first.type == DType::kInt16;

  std::vector<int32_t> out_dims = first.dims;
  int64_t axis_total = 0;
  for (int i = 0; i < n; ++i) {
    const Tensor& t = ctx.input(i);
    ctx.check(t.type == first.type, "input {} '{}' has type {}, input 0 has {}", i, t.name, dtype_name(t.type),
              dtype_name(first.type));
    ctx.check(t.rank() == rank, "input {} '{}' has rank {}, input 0 has {}", i, t.name, t.rank(), rank);
    for (int d = 0; d < rank; ++d)
      ctx.check(d == axis || t.dim(d) == first.dim(d),
                "input {} '{}' has shape [{}], incompatible with input 0 [{}] for concatenation on axis {}", i,
                t.name, fmt::join(t.dims, ","), fmt::join(first.dims, ","), axis);
    axis_total += t.dim(axis);
    if (first.type == DType::kInt8) {
      const QParams qt = raw_qparams(t), qo = raw_qparams(out);
      ctx.check(qt.scale == qo.scale && qt.zero_point == qo.zero_point,
                "int8 input {} '{}' (scale {}, zero point {}) must have the output's scale {} and zero point {}", i,
                t.name, qt.scale, qt.zero_point, qo.scale, qo.zero_point);
    } else if (first.type == DType::kInt16) {
      ctx.check(raw_qparams(t).zero_point == 0, "int16 input {} '{}' needs zero point 0", i, t.name);
    } else if (quantized && !t.quant.empty() && !out.quant.empty()) {
      ctx.check(t.quant.scale == out.quant.scale && t.quant.zero_point == out.quant.zero_point,
                "input {} '{}' is quantized differently from the output; requantizing is not supported", i, t.name);
    }
  }
  if (first.type == DType::kInt16)
    ctx.check(raw_qparams(out).zero_point == 0, "int16 output '{}' needs zero point 0", out.name);
  ctx.check(axis_total <= std::numeric_limits<int32_t>::max(), "output dim {} is too large", axis);
  out_dims[axis] = static_cast<int32_t>(axis_total);

  auto& st = ctx.make_state<ConcatState>();
  int64_t inner = 1;
  for (int d = 0; d < axis; ++d) st.outer *= first.dim(d);
  for (int d = axis + 1; d < rank; ++d) inner *= first.dim(d);
  for (int i = 0; i < n; ++i) st.chunks.push_back(ctx.input(i).dim(axis) * inner);
  st.range = activation_range(p.activation);
  st.clamp = p.activation != Activation::kNone;
  ctx.set_output_shape(0, std::move(out_dims));
}

void eval_concat(OpContext& ctx) {
  const auto& st = ctx.state<ConcatState>();
  Tensor& out = ctx.output(0);
  const int64_t total = out.num_elements();
  if (total == 0) return;
  std::vector<const uint8_t*> inputs(ctx.num_inputs());
  for (int i = 0; i < ctx.num_inputs(); ++i) inputs[i] = ctx.input(i).data;
  const int n = static_cast<int>(inputs.size());
  ref::dispatch_elem_size(dtype_size(out.type), [&]<size_t N>() {
    ref::concatenate<N>(n, inputs.data(), st.chunks.data(), st.outer, out.data);
  });
  if (st.clamp) ref::clamp_in_place(out.data_as<float>(), total, st.range.lo, st.range.hi);
}

}  // namespace

const KernelRegistration* Register_CONCATENATION() {
  static const KernelRegistration r{"CONCATENATION", prepare_concat, eval_concat};
  return &r;
}

}  // namespace liteq::rt
