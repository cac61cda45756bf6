// Reductions over a constant list of axes (int32 or int64, negative values count from
// the end, duplicates allowed); keep_dims keeps the reduced dims as 1.
// MEAN:
//   float32;
//   int8, int16 (int16 symmetric), per-tensor quantized with input and output parameters
//     of their own: TFLite's integer mean, including its special case for 4-D inputs
//     reduced over H and W with keep_dims (see reference/reduce_int.h).
// float32 sums in float32 in the input's order, then divides by the count (as TFLite's
// reference_ops::Mean / MeanGeneral). At any ISA level but reference, the NHWC spatial
// mean (4-D, axes exactly {1, 2}, either keep_dims) has a fast path: per batch, rows of C
// contiguous floats summed into per-channel accumulators (vectorized over channels),
// threads split batches x channel ranges. Each channel still sums its H*W values in the
// reference's order, so the result is bit-identical to the reference for any split.
// int8 / int16 take the same path for their int32 sums (int8 via int16 partial sums),
// then TFLite's integer steps as the reference (exact: bit-identical).
// SUM, REDUCE_PROD: float32, int32, int64 (integers wrap), accumulated in the input type in
//   row-major order (TFLite's ReduceGeneric); empty reductions give 0 and 1.
// REDUCE_MAX, REDUCE_MIN: float32, int32, int64, and int8, uint8, int16 raw values (a
//   quantized output must have the input's parameters); empty reductions give the type's
//   lowest / highest value; NaN inputs are skipped (TFLite's `in > current` update).
#include <algorithm>

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
  bool fast_hw = false;   // NHWC mean over H and W (fast path: float32, or the quantized sums)
};

// Channels [c0, c1) of one batch of the NHWC spatial mean: in points at the batch's first
// pixel, hw pixels of c floats each; out at the batch's first output.
void mean_hw_channels(const float* in, int64_t hw, int c, int c0, int c1, float count, float* out) {
  constexpr int kBlock = 64;
  for (int cb = c0; cb < c1; cb += kBlock) {
    const int n = std::min(kBlock, c1 - cb);
    float acc[kBlock];
    for (int j = 0; j < n; ++j) acc[j] = 0.0f;
    const float* p = in + cb;
    for (int64_t i = 0; i < hw; ++i, p += c)
      for (int j = 0; j < n; ++j) acc[j] += p[j];
    for (int j = 0; j < n; ++j) out[cb + j] = acc[j] / count;
  }
}

// Quantized NHWC spatial mean: the wrapping int32 sums of channels [c0, c1) of one batch
// (in at its first pixel) into sums + c0. int8 sums runs of 256 pixels in int16 first
// (|256 * x| <= 32768 for x in [-128, 127]: exact). Integer sums: any order gives the
// reference's.
template <typename T, int kBlock>
void sum_hw_block(const T* p, int64_t hw, int c, int n, int32_t* sums) {
  uint32_t acc[kBlock] = {};
  if constexpr (sizeof(T) == 1) {
    for (int64_t i0 = 0; i0 < hw; i0 += 256) {
      const int64_t i1 = std::min<int64_t>(hw, i0 + 256);
      int16_t part[kBlock] = {};
      for (int64_t i = i0; i < i1; ++i, p += c)
        for (int j = 0; j < n; ++j) part[j] = static_cast<int16_t>(part[j] + p[j]);
      for (int j = 0; j < n; ++j) acc[j] += static_cast<uint32_t>(int32_t{part[j]});
    }
  } else {
    for (int64_t i = 0; i < hw; ++i, p += c)
      for (int j = 0; j < n; ++j) acc[j] += static_cast<uint32_t>(int32_t{p[j]});
  }
  for (int j = 0; j < n; ++j) sums[j] = static_cast<int32_t>(acc[j]);
}

template <typename T>
void sum_hw_channels(const T* in, int64_t hw, int c, int c0, int c1, int32_t* sums) {
  constexpr int kBlock = 64;
  int cb = c0;
  for (; cb + kBlock <= c1; cb += kBlock) sum_hw_block<T, kBlock>(in + cb, hw, c, kBlock, sums + cb);
  for (; cb + 16 <= c1; cb += 16) sum_hw_block<T, 16>(in + cb, hw, c, 16, sums + cb);
  if (cb < c1) sum_hw_block<T, 16>(in + cb, hw, c, c1 - cb, sums + cb);
}

// Splits the NHWC spatial reduction (batch x blocks of 16 channels) over threads as
// eval_mean_hw; fn(batch, c0, c1) handles channels [c0, c1) of one batch.
template <typename Fn>
void split_hw(OpContext& ctx, const Tensor& in, Fn&& fn) {
  const int batch = in.dim(0), c = in.dim(3);
  constexpr int kChunk = 16;
  const int64_t blocks = (c + kChunk - 1) / kChunk;
  ExecConfig exec = ctx.exec();
  // Memory-bound: threads only pay off on large inputs with a few channel blocks each
  // (every thread streams over all pixels of its batch).
  if (in.num_elements() < (int64_t{1} << 18) || batch * blocks < 2 * int64_t{exec.threads()}) exec.pool = nullptr;
  parallel_for(exec, static_cast<size_t>(batch * blocks), 1, [&](size_t b, size_t e) {
    for (int64_t t = static_cast<int64_t>(b); t < static_cast<int64_t>(e);) {
      const int64_t bb = t / blocks;
      const int64_t t_end = std::min<int64_t>(static_cast<int64_t>(e), (bb + 1) * blocks);
      const int c0 = static_cast<int>((t - bb * blocks) * kChunk);
      const int c1 = static_cast<int>(std::min<int64_t>(c, (t_end - bb * blocks) * kChunk));
      fn(bb, c0, c1);
      t = t_end;
    }
  });
}

void eval_mean_hw(OpContext& ctx, const Tensor& in, float* out) {
  const int c = in.dim(3);
  const int64_t hw = int64_t{in.dim(1)} * in.dim(2);
  const float* x = in.data_as<float>();
  const float count = static_cast<float>(hw);
  // Tasks: batch x blocks of 16 channels; a chunk of consecutive tasks handles its
  // channel range of each batch it touches in one pass.
  split_hw(ctx, in, [&](int64_t b, int c0, int c1) { mean_hw_channels(x + b * hw * c, hw, c, c0, c1, count, out + b * c); });
}

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

// Checks what every reduction needs (input type among `types`, output of the same type,
// constant axes) and returns the output shape; `reduced` marks the reduced dims.
std::vector<int32_t> prepare_axes(OpContext& ctx, std::initializer_list<DType> types, bool keep_dims,
                                  std::vector<bool>& reduced, std::vector<int64_t>* axes_out = nullptr) {
  ctx.check_io(2, 2, 1);
  const Tensor& in = ctx.input(0);
  ctx.check_type(in, types, "input");
  ctx.check_type(ctx.input(1), {DType::kInt32, DType::kInt64}, "axis");
  const Tensor& output = ctx.output(0);
  ctx.check(output.type == in.type, "output '{}' has type {}, the input has {}", output.name,
            dtype_name(output.type), dtype_name(in.type));
  ctx.check_dense(in, "input");
  // An empty axis list (a plain copy) may come without data, which read_int_tensor refuses.
  const Tensor& axis = ctx.input(1);
  ctx.check(axis.is_constant(), "axis (input 1) must be a constant tensor");
  const std::vector<int64_t> axes =
      axis.num_elements() == 0 && axis.rank() == 1 ? std::vector<int64_t>{} : read_int_tensor(ctx, 1, "axis");
  const int rank = in.rank();
  reduced.assign(rank, false);
  for (int64_t a : axes) {
    ctx.check(a >= -rank && a < rank, "axis {} out of range for rank {}", a, rank);
    reduced[normalize_axis(static_cast<int>(a), rank)] = true;
  }
  std::vector<int32_t> out;
  for (int i = 0; i < rank; ++i) {
    if (!reduced[i]) {
      out.push_back(in.dim(i));
    } else if (keep_dims) {
      out.push_back(1);
    }
  }
  if (axes_out) *axes_out = axes;
  return out;
}

void prepare(OpContext& ctx) {
  const auto& p = ctx.params<ReducerParams>();
  auto& s = ctx.make_state<MeanState>();
  std::vector<int64_t> axes;
  std::vector<int32_t> out =
      prepare_axes(ctx, {DType::kFloat32, DType::kInt8, DType::kInt16}, p.keep_dims, s.reduced, &axes);
  const Tensor& in = ctx.input(0);
  if (in.type != DType::kFloat32) {
    prepare_quant_mean(ctx, s, axes, p.keep_dims);
    int64_t num_out = 1;
    for (int32_t d : out) num_out *= d;
    s.sums_scratch = ctx.request_scratch(static_cast<size_t>(std::max<int64_t>(num_out, 1)) * sizeof(int32_t));
  }
  if (ctx.exec().isa != Isa::kReference && in.rank() == 4 && !s.reduced[0] && s.reduced[1] && s.reduced[2] &&
      !s.reduced[3] && in.dim(1) > 0 && in.dim(2) > 0) {
    s.fast_hw = true;
  }
  ctx.set_fast(s.fast_hw);
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
  if (s.fast_hw) {
    const int c = in.dim(3);
    const int64_t hw = int64_t{in.dim(1)} * in.dim(2);
    const T* x = in.data_as<T>();
    split_hw(ctx, in, [&](int64_t b, int c0, int c1) { sum_hw_channels(x + b * hw * c, hw, c, c0, c1, sums + b * c); });
  } else {
    ref::reduce_sum_int(in.data_as<T>(), in.dims, s.reduced, sums);
  }
  ref::quant_mean_finish(sums, n, s.quant, o);
}

void eval(OpContext& ctx) {
  const auto& s = ctx.state<MeanState>();
  Tensor& out = ctx.output(0);
  const Tensor& in = ctx.input(0);
  switch (out.type) {
    case DType::kFloat32:
      if (s.fast_hw) eval_mean_hw(ctx, in, out.data_as<float>());
      else ref::mean_f32(in.data_as<float>(), in.dims, s.reduced, out.data_as<float>());
      break;
    case DType::kInt8: eval_quant_mean<int8_t>(ctx, s, in, out); break;
    case DType::kInt16: eval_quant_mean<int16_t>(ctx, s, in, out); break;
    default:
      ctx.fail("unsupported output type {}", dtype_name(out.type));
  }
}

enum class R { kSum, kProd, kMax, kMin };

struct ReduceState {
  std::vector<bool> reduced;
};

ReducerParams reducer_params(const OpContext& ctx) {
  if (std::holds_alternative<std::monostate>(ctx.node().params)) return {};
  return ctx.params<ReducerParams>();
}

template <R kOp>
void prepare_generic(OpContext& ctx) {
  auto& s = ctx.make_state<ReduceState>();
  const bool keep = reducer_params(ctx).keep_dims;
  std::vector<int32_t> out;
  if constexpr (kOp == R::kSum || kOp == R::kProd) {
    out = prepare_axes(ctx, {DType::kFloat32, DType::kInt32, DType::kInt64}, keep, s.reduced);
  } else {
    out = prepare_axes(ctx, {DType::kFloat32, DType::kInt32, DType::kInt64, DType::kInt8, DType::kUInt8, DType::kInt16},
                       keep, s.reduced);
    const Tensor& in = ctx.input(0);
    const Tensor& o = ctx.output(0);
    ctx.check(in.quant.scale == o.quant.scale && in.quant.zero_point == o.quant.zero_point,
              "the output's quantization parameters must be the input's");
  }
  ctx.set_output_shape(0, std::move(out));
}

template <typename T> T wrapping_add(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(static_cast<std::make_unsigned_t<T>>(a) + static_cast<std::make_unsigned_t<T>>(b));
  else
    return a + b;
}
template <typename T> T wrapping_mul(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(static_cast<std::make_unsigned_t<T>>(a) * static_cast<std::make_unsigned_t<T>>(b));
  else
    return a * b;
}

template <R kOp, typename T>
void eval_typed(const ReduceState& s, const Tensor& in, Tensor& out) {
  const T* x = in.data_as<T>();
  T* y = out.data_as<T>();
  switch (kOp) {
    case R::kSum: ref::reduce_generic<T>(x, in.dims, s.reduced, T(0), y, wrapping_add<T>); break;
    case R::kProd: ref::reduce_generic<T>(x, in.dims, s.reduced, T(1), y, wrapping_mul<T>); break;
    case R::kMax:
      ref::reduce_generic<T>(x, in.dims, s.reduced, std::numeric_limits<T>::lowest(), y,
                             [](T cur, T v) { return v > cur ? v : cur; });
      break;
    case R::kMin:
      ref::reduce_generic<T>(x, in.dims, s.reduced, std::numeric_limits<T>::max(), y,
                             [](T cur, T v) { return v < cur ? v : cur; });
      break;
  }
}

template <R kOp>
void eval_generic(OpContext& ctx) {
  const auto& s = ctx.state<ReduceState>();
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  switch (in.type) {
    case DType::kFloat32: eval_typed<kOp, float>(s, in, out); return;
    case DType::kInt32: eval_typed<kOp, int32_t>(s, in, out); return;
    case DType::kInt64: eval_typed<kOp, int64_t>(s, in, out); return;
    default: break;
  }
  if constexpr (kOp == R::kMax || kOp == R::kMin) {
    switch (in.type) {
      case DType::kInt8: eval_typed<kOp, int8_t>(s, in, out); return;
      case DType::kUInt8: eval_typed<kOp, uint8_t>(s, in, out); return;
      case DType::kInt16: eval_typed<kOp, int16_t>(s, in, out); return;
      default: break;
    }
  }
  ctx.fail("unsupported type {}", dtype_name(in.type));
}

}  // namespace

const KernelRegistration* Register_MEAN() {
  static const KernelRegistration r{"MEAN", prepare, eval};
  return &r;
}

const KernelRegistration* Register_SUM() {
  static const KernelRegistration r{"SUM", prepare_generic<R::kSum>, eval_generic<R::kSum>};
  return &r;
}

const KernelRegistration* Register_REDUCE_PROD() {
  static const KernelRegistration r{"REDUCE_PROD", prepare_generic<R::kProd>, eval_generic<R::kProd>};
  return &r;
}

const KernelRegistration* Register_REDUCE_MAX() {
  static const KernelRegistration r{"REDUCE_MAX", prepare_generic<R::kMax>, eval_generic<R::kMax>};
  return &r;
}

const KernelRegistration* Register_REDUCE_MIN() {
  static const KernelRegistration r{"REDUCE_MIN", prepare_generic<R::kMin>, eval_generic<R::kMin>};
  return &r;
}

}  // namespace liteq::rt
