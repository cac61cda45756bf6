// Binary elementwise ops with numpy broadcasting: ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM.
//   ADD, SUB, MUL: float32, int32 (with fused activation; int32 wraps on overflow),
//                  int8 and int16 quantized (per-tensor parameters, each tensor its own
//                  scale and zero point; int16 symmetric), TFLite's integer arithmetic
//                  (see reference/elementwise_int.h); the fused activation clamps in the
//                  output's quantized domain.
//   DIV:           float32 (with fused activation)
//   MAXIMUM/MINIMUM: float32, int32, int64, int8, uint8, int16 (raw values compared)
#include <cstring>
#include <limits>

#include <fmt/ranges.h>

#include "kernels/kernel_util.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/elementwise_int.h"
#include "kernels/reference/quant_params_int.h"
#include "kernels/registry.h"
#include "kernels/x86/act_f32.h"
#include "kernels/x86/elementwise_s8.h"

namespace liteq::rt {
namespace {

enum class BinOp { kAdd, kSub, kMul, kDiv, kMax, kMin };

// How a quantized ADD/SUB/MUL computes (chosen in prepare).
enum class QuantPath : uint8_t { kNone, kAdd, kPot16Add, kMul };

struct BinaryState {
  ref::BinaryShape shape;
  FloatRange float_range;
  int32_t int_lo = std::numeric_limits<int32_t>::lowest();
  int32_t int_hi = std::numeric_limits<int32_t>::max();
  QuantPath quant = QuantPath::kNone;
  ref::QuantAddParams add;
  ref::Pot16AddParams pot16;
  ref::QuantMulParams mul;
  // The vector int8 ADD/SUB/MUL (AVX2, AVX-512) or int16 (AVX-512) of
  // kernels/x86/elementwise_s8.h, when it covers the case.
  bool fast_s8 = false;
  x86::QuantBinaryArgs fast_args{};
  // The vectorized float ADD/SUB/MUL/DIV (kernels/x86/act_f32.h), when it covers the case.
  decltype(&x86::binary_f32_avx2) fast_f32 = nullptr;
};

// One operand contiguous, the other a vector along the innermost dim repeated over all
// the others (a per-channel scale or bias, [1, 1, 1, C] against [N, H, W, C]): 1 when a
// is the vector, 2 when b is, else 0.
int channel_vector_operand(const ref::BinaryShape& sh) {
  if (sh.kind != ref::BinaryShape::Kind::kBroadcast) return 0;
  const auto& d = sh.out_dims;
  const int last = ref::kBinaryMaxRank - 1;
  auto contiguous = [&](const auto& st) {
    int64_t expect = 1;
    for (int k = last; k >= 0; expect *= d[k], --k)
      if (d[k] > 1 && st[k] != expect) return false;
    return true;
  };
  auto vector = [&](const auto& st) {
    if (st[last] != 1) return false;
    for (int k = 0; k < last; ++k)
      if (d[k] > 1 && st[k] != 0) return false;
    return true;
  };
  if (d[last] > 4096) return 0;
  if (contiguous(sh.b_strides) && vector(sh.a_strides)) return 1;
  if (contiguous(sh.a_strides) && vector(sh.b_strides)) return 2;
  return 0;
}

// Broadcasting runs row by row over the innermost dim: both operands must step by 0 or 1
// element along it, and rows should be long enough to pay for the call; or, for a
// per-channel vector operand, in long runs against that vector repeated.
bool rows_vectorizable(const ref::BinaryShape& sh) {
  if (sh.kind != ref::BinaryShape::Kind::kBroadcast || channel_vector_operand(sh) != 0) return true;
  return sh.a_strides.back() <= 1 && sh.b_strides.back() <= 1 && sh.out_dims.back() >= 8;
}

// Runs kernel(a, a_step, b, b_step, out, n) over the whole output: one contiguous range
// (same shape or a scalar operand) or rows of the innermost dim (broadcasting), split
// over threads by output elements / rows when the op is large enough.
template <typename T, typename K>
void run_vectorized(OpContext& ctx, const BinaryState& st, const T* a, const T* b, T* out, size_t min_parallel,
                    K kernel) {
  using Kind = ref::BinaryShape::Kind;
  const auto& sh = st.shape;
  ExecConfig exec = ctx.exec();
  if (static_cast<size_t>(sh.size) < min_parallel) exec.pool = nullptr;
  if (sh.kind != Kind::kBroadcast) {
    const int a_step = sh.kind == Kind::kScalarA ? 0 : 1;
    const int b_step = sh.kind == Kind::kScalarB ? 0 : 1;
    parallel_for(exec, static_cast<size_t>(sh.size), 16384, [&](size_t begin, size_t end) {
      kernel(a + begin * a_step, a_step, b + begin * b_step, b_step, out + begin, end - begin);
    });
    return;
  }
  if (const int which = channel_vector_operand(sh)) {
    // The vector repeated k times (k * C about 4096 elements) against runs of that many
    // elements of the contiguous operand: one call per run instead of one per row.
    const int64_t C = sh.out_dims.back();
    const int64_t run = C * std::max<int64_t>(1, 4096 / C);
    const T* vec = which == 1 ? a : b;
    const T* full = which == 1 ? b : a;
    const size_t runs = static_cast<size_t>((sh.size + run - 1) / run);
    parallel_for(exec, runs, std::max<size_t>(1, 16384 / static_cast<size_t>(run)), [&](size_t begin, size_t end) {
      T rep[8192];
      std::memcpy(rep, vec, static_cast<size_t>(C) * sizeof(T));
      for (int64_t have = C; have < run; have *= 2)
        std::memcpy(rep + have, rep, static_cast<size_t>(std::min(have, run - have)) * sizeof(T));
      for (size_t r = begin; r < end; ++r) {
        const int64_t off = static_cast<int64_t>(r) * run;
        const size_t n = static_cast<size_t>(std::min<int64_t>(run, sh.size - off));
        if (which == 1) kernel(rep, 1, full + off, 1, out + off, n);
        else kernel(full + off, 1, rep, 1, out + off, n);
      }
    });
    return;
  }
  // Rows of the innermost dim; row r's offsets from the strides of the outer dims.
  const auto& d = sh.out_dims;
  const int64_t row = d[5];
  const int row_a_step = static_cast<int>(sh.a_strides[5]), row_b_step = static_cast<int>(sh.b_strides[5]);
  const size_t rows = static_cast<size_t>(sh.size / row);
  const size_t grain = static_cast<size_t>(std::max<int64_t>(1, 16384 / row));
  parallel_for(exec, rows, grain, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {
      int64_t rem = static_cast<int64_t>(r), a_off = 0, b_off = 0;
      for (int k = 4; k >= 0; --k) {
        const int64_t i = rem % d[k];
        rem /= d[k];
        a_off += i * sh.a_strides[k];
        b_off += i * sh.b_strides[k];
      }
      kernel(a + a_off, row_a_step, b + b_off, row_b_step, out + static_cast<int64_t>(r) * row,
             static_cast<size_t>(row));
    }
  });
}

// Picks the vectorized int8 kernel: int8 ADD/SUB (general path) or MUL, no broadcasting
// but a scalar operand, and AVX2 allowed.
template <BinOp kOp>
void prepare_fast_s8(OpContext& ctx, BinaryState& st) {
  const DType t = ctx.input(0).type;
  if (ctx.exec().isa < Isa::kAvx2 || (t != DType::kInt8 && t != DType::kInt16)) return;
  if (t == DType::kInt16 && ctx.exec().isa < Isa::kAvx512) return;  // int16: AVX-512 only
  if (!rows_vectorizable(st.shape)) return;
  auto& f = st.fast_args;
  if (st.quant == QuantPath::kAdd) {
    const auto& a = st.add;
    f = {a.input1_offset, a.input2_offset, a.output_offset, a.left_shift, a.input1_multiplier, a.input1_shift,
         a.input2_multiplier, a.input2_shift, a.output_multiplier, a.output_shift, a.act_min, a.act_max};
  } else if (st.quant == QuantPath::kMul) {
    const auto& m = st.mul;
    f = {m.input1_offset, m.input2_offset, m.output_offset, 0, 0, 0, 0, 0, m.output_multiplier, m.output_shift,
         m.act_min, m.act_max};
  } else {
    return;
  }
  // The vector multiply assumes positive multipliers (TFLite's are in [2^30, 2^31)).
  if (f.output_multiplier <= 0 || (st.quant == QuantPath::kAdd && (f.input1_multiplier <= 0 || f.input2_multiplier <= 0)))
    return;
  st.fast_s8 = true;
  ctx.set_fast(true);
}

template <BinOp kOp>
void eval_fast_s8(OpContext& ctx, const BinaryState& st, const int8_t* a, const int8_t* b, int8_t* out) {
  const int op = kOp == BinOp::kMul ? 2 : kOp == BinOp::kSub ? 1 : 0;
  const auto kernel = ctx.exec().isa >= Isa::kAvx512 ? x86::qs8_binary_avx512 : x86::qs8_binary_avx2;
  // Below 65536 elements one thread, as float32: waking the pool costs more than the
  // vector kernel spends (pose_landmark_heavy int8, 2 threads: its 73 ADDs 0.95 ms
  // against 1.52, medians of 6 interleaved runs).
  run_vectorized(ctx, st, a, b, out, 65536, [&](const int8_t* pa, int sa, const int8_t* pb, int sb, int8_t* po, size_t n) {
    kernel(pa, sa, pb, sb, po, n, st.fast_args, op);
  });
}

template <BinOp kOp>
void eval_fast_s16(OpContext& ctx, const BinaryState& st, const int16_t* a, const int16_t* b, int16_t* out) {
  const int op = kOp == BinOp::kMul ? 2 : kOp == BinOp::kSub ? 1 : 0;
  run_vectorized(ctx, st, a, b, out, 0, [&](const int16_t* pa, int sa, const int16_t* pb, int sb, int16_t* po, size_t n) {
    x86::qs16_binary_avx512(pa, sa, pb, sb, po, n, st.fast_args, op);
  });
}

// float ADD/SUB/MUL/DIV: one operation and the clamp per element, as the reference.
template <BinOp kOp>
void prepare_fast_f32(OpContext& ctx, BinaryState& st) {
  if (ctx.exec().isa < Isa::kAvx2 || ctx.input(0).type != DType::kFloat32 || !rows_vectorizable(st.shape)) return;
  st.fast_f32 = ctx.exec().isa >= Isa::kAvx512 ? x86::binary_f32_avx512 : x86::binary_f32_avx2;
  ctx.set_fast(true);
}

template <BinOp kOp>
void eval_fast_f32(OpContext& ctx, const BinaryState& st, const float* a, const float* b, float* out) {
  const int op = kOp == BinOp::kAdd ? 0 : kOp == BinOp::kSub ? 1 : kOp == BinOp::kMul ? 2 : 3;
  const FloatRange r = st.float_range;
  run_vectorized(ctx, st, a, b, out, 65536, [&](const float* pa, int sa, const float* pb, int sb, float* po, size_t n) {
    st.fast_f32(pa, sa, pb, sb, po, n, op, r.lo, r.hi);
  });
}

template <typename P>
P params_or_default(const OpContext& ctx) {
  if (std::holds_alternative<std::monostate>(ctx.node().params)) return P{};
  return ctx.params<P>();
}

// Clamp range of a fused activation for int32 arithmetic (TFLite applies the same bounds).
void int_activation_range(Activation a, int32_t* lo, int32_t* hi) {
  *lo = std::numeric_limits<int32_t>::lowest();
  *hi = std::numeric_limits<int32_t>::max();
  switch (a) {
    case Activation::kRelu: *lo = 0; break;
    case Activation::kRelu6: *lo = 0; *hi = 6; break;
    case Activation::kReluN1To1: *lo = -1; *hi = 1; break;
    default: break;
  }
}

// ADD/SUB on int8/int16 (TFLite's add.cc / sub.cc Prepare): int16 needs zero points 0;
// with pot_scale_int16 and power-of-two scales it takes the saturating shift path,
// otherwise the general path with left shift 20 (8-bit) or 15 (16-bit).
void prepare_quant_add(OpContext& ctx, BinaryState& st, const ActivationParams& p) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const Tensor& out = ctx.output(0);
  const bool is16 = a.type == DType::kInt16;
  const QParams qa = per_tensor_qparams(ctx, a, "input 0", is16);
  const QParams qb = per_tensor_qparams(ctx, b, "input 1", is16);
  const QParams qo = per_tensor_qparams(ctx, out, "output", is16);
  const QRange range = quantized_activation_range(p.activation, qo, out.type);
  int la = 0, lb = 0, lo = 0;
  if (is16 && p.pot_scale_int16 && checked_log2(qa.scale, &la) && checked_log2(qb.scale, &lb) &&
      checked_log2(qo.scale, &lo)) {
    st.quant = QuantPath::kPot16Add;
    st.pot16.input1_shift = la - lo;
    st.pot16.input2_shift = lb - lo;
    ctx.check(st.pot16.input1_shift == 0 || st.pot16.input2_shift == 0,
              "power-of-two int16 scales: only one input may differ from the output's scale");
    ctx.check(st.pot16.input1_shift <= 0 && st.pot16.input2_shift <= 0,
              "power-of-two int16 scales: an input scale is coarser than the output's");
    st.pot16.act_min = range.lo;
    st.pot16.act_max = range.hi;
    return;
  }
  st.quant = QuantPath::kAdd;
  auto& q = st.add;
  q.input1_offset = -qa.zero_point;
  q.input2_offset = -qb.zero_point;
  q.output_offset = qo.zero_point;
  q.left_shift = is16 ? 15 : 20;
  const double twice_max = 2 * std::max(qa.scale, qb.scale);
  const Multiplier m1 = checked_multiplier_below_one(ctx, qa.scale / twice_max, "input 0 rescale");
  const Multiplier m2 = checked_multiplier_below_one(ctx, qb.scale / twice_max, "input 1 rescale");
  const Multiplier mo = checked_multiplier_below_one(
      ctx, twice_max / (static_cast<float>(1 << q.left_shift) * qo.scale), "output rescale (output scale too small)");
  q.input1_multiplier = m1.multiplier;
  q.input1_shift = m1.shift;
  q.input2_multiplier = m2.multiplier;
  q.input2_shift = m2.shift;
  q.output_multiplier = mo.multiplier;
  q.output_shift = mo.shift;
  q.act_min = range.lo;
  q.act_max = range.hi;
}

// MUL on int8/int16 (TFLite's mul.cc): one multiplier sa*sb/so (computed in float);
// int16 needs zero points 0.
void prepare_quant_mul(OpContext& ctx, BinaryState& st, const ActivationParams& p) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const Tensor& out = ctx.output(0);
  const bool is16 = a.type == DType::kInt16;
  const QParams qa = per_tensor_qparams(ctx, a, "input 0", is16);
  const QParams qb = per_tensor_qparams(ctx, b, "input 1", is16);
  const QParams qo = per_tensor_qparams(ctx, out, "output", is16);
  const float real = qa.scale * qb.scale / qo.scale;
  const Multiplier m = checked_multiplier(ctx, real, "output rescale");
  const QRange range = quantized_activation_range(p.activation, qo, out.type);
  st.quant = QuantPath::kMul;
  st.mul.input1_offset = -qa.zero_point;
  st.mul.input2_offset = -qb.zero_point;
  st.mul.output_offset = qo.zero_point;
  st.mul.output_multiplier = m.multiplier;
  st.mul.output_shift = m.shift;
  st.mul.act_min = range.lo;
  st.mul.act_max = range.hi;
}

template <BinOp kOp>
void prepare_binary(OpContext& ctx) {
  ctx.check_io(2, 2, 1);
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const Tensor& out = ctx.output(0);
  switch (kOp) {
    case BinOp::kAdd:
    case BinOp::kSub:
    case BinOp::kMul:
      ctx.check_type(a, {DType::kFloat32, DType::kInt32, DType::kInt8, DType::kInt16}, "input 0");
      break;
    case BinOp::kDiv: ctx.check_type(a, {DType::kFloat32}, "input 0"); break;
    case BinOp::kMax:
    case BinOp::kMin:
      ctx.check_type(a, {DType::kFloat32, DType::kInt32, DType::kInt64, DType::kInt8, DType::kUInt8, DType::kInt16},
                     "input 0");
      break;
  }
  ctx.check(b.type == a.type, "input 1 '{}' has type {}, input 0 has {}", b.name, dtype_name(b.type),
            dtype_name(a.type));
  ctx.check(out.type == a.type, "output '{}' has type {}, the inputs have {}", out.name, dtype_name(out.type),
            dtype_name(a.type));

  auto& st = ctx.make_state<BinaryState>();
  if (kOp != BinOp::kMax && kOp != BinOp::kMin) {
    const ActivationParams ap = params_or_default<ActivationParams>(ctx);
    const Activation act = ap.activation;
    check_fused_activation(ctx, act);
    st.float_range = activation_range(act);
    int_activation_range(act, &st.int_lo, &st.int_hi);
    if (a.type == DType::kInt8 || a.type == DType::kInt16) {
      if (kOp == BinOp::kMul)
        prepare_quant_mul(ctx, st, ap);
      else
        prepare_quant_add(ctx, st, ap);
    }
  }
  std::vector<int32_t> out_dims;
  ctx.check(a.rank() <= kMaxBroadcastRank && b.rank() <= kMaxBroadcastRank,
            "inputs of rank {} and {}: at most rank {} is supported", a.rank(), b.rank(), kMaxBroadcastRank);
  ctx.check(broadcast_shape(a.dims, b.dims, &out_dims), "input shapes [{}] and [{}] cannot be broadcast",
            fmt::join(a.dims, ","), fmt::join(b.dims, ","));
  st.shape = ref::make_binary_shape(a.dims, b.dims, out_dims);
  ctx.set_output_shape(0, std::move(out_dims));
  if (kOp == BinOp::kAdd || kOp == BinOp::kSub || kOp == BinOp::kMul) prepare_fast_s8<kOp>(ctx, st);
  if (kOp != BinOp::kMax && kOp != BinOp::kMin) prepare_fast_f32<kOp>(ctx, st);
}

// Two's-complement wrapping int32 arithmetic (no undefined behaviour on overflow).
inline int32_t wrap_add(int32_t x, int32_t y) {
  return static_cast<int32_t>(static_cast<uint32_t>(x) + static_cast<uint32_t>(y));
}
inline int32_t wrap_sub(int32_t x, int32_t y) {
  return static_cast<int32_t>(static_cast<uint32_t>(x) - static_cast<uint32_t>(y));
}
inline int32_t wrap_mul(int32_t x, int32_t y) {
  return static_cast<int32_t>(static_cast<uint32_t>(x) * static_cast<uint32_t>(y));
}

template <BinOp kOp>
void eval_float(const BinaryState& st, const float* a, const float* b, float* out) {
  const FloatRange r = st.float_range;
  switch (kOp) {
    case BinOp::kAdd:
      ref::binary_op(st.shape, a, b, out, [r](float x, float y) { return apply_activation(x + y, r); });
      break;
    case BinOp::kSub:
      ref::binary_op(st.shape, a, b, out, [r](float x, float y) { return apply_activation(x - y, r); });
      break;
    case BinOp::kMul:
      ref::binary_op(st.shape, a, b, out, [r](float x, float y) { return apply_activation(x * y, r); });
      break;
    case BinOp::kDiv:
      ref::binary_op(st.shape, a, b, out, [r](float x, float y) { return apply_activation(x / y, r); });
      break;
    case BinOp::kMax: ref::binary_op(st.shape, a, b, out, [](float x, float y) { return x > y ? x : y; }); break;
    case BinOp::kMin: ref::binary_op(st.shape, a, b, out, [](float x, float y) { return x < y ? x : y; }); break;
  }
}

template <BinOp kOp>
void eval_int32(const BinaryState& st, const int32_t* a, const int32_t* b, int32_t* out) {
  const int32_t lo = st.int_lo, hi = st.int_hi;
  auto clamp = [lo, hi](int32_t v) { return v < lo ? lo : (v > hi ? hi : v); };
  switch (kOp) {
    case BinOp::kAdd:
      ref::binary_op(st.shape, a, b, out, [clamp](int32_t x, int32_t y) { return clamp(wrap_add(x, y)); });
      break;
    case BinOp::kSub:
      ref::binary_op(st.shape, a, b, out, [clamp](int32_t x, int32_t y) { return clamp(wrap_sub(x, y)); });
      break;
    case BinOp::kMul:
      ref::binary_op(st.shape, a, b, out, [clamp](int32_t x, int32_t y) { return clamp(wrap_mul(x, y)); });
      break;
    default: break;  // DIV int32 is rejected in prepare; MAX/MIN go through eval_minmax
  }
}

template <BinOp kOp, typename T>
void eval_minmax(const BinaryState& st, const T* a, const T* b, T* out) {
  if (kOp == BinOp::kMax)
    ref::binary_op(st.shape, a, b, out, [](T x, T y) { return x > y ? x : y; });
  else
    ref::binary_op(st.shape, a, b, out, [](T x, T y) { return x < y ? x : y; });
}

template <BinOp kOp, typename T>
void eval_quant(const BinaryState& st, const T* a, const T* b, T* out) {
  constexpr bool kSub = kOp == BinOp::kSub;
  switch (st.quant) {
    case QuantPath::kAdd: ref::quant_add<kSub>(st.shape, st.add, a, b, out); break;
    case QuantPath::kMul: ref::quant_mul(st.shape, st.mul, a, b, out); break;
    case QuantPath::kPot16Add:
      if constexpr (std::is_same_v<T, int16_t>) ref::pot16_add<kSub>(st.shape, st.pot16, a, b, out);
      break;
    case QuantPath::kNone: break;
  }
}

template <BinOp kOp>
void eval_binary(OpContext& ctx) {
  const auto& st = ctx.state<BinaryState>();
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  Tensor& out = ctx.output(0);
  if (st.shape.size == 0) return;
  switch (a.type) {
    case DType::kFloat32:
      if (st.fast_f32) {
        eval_fast_f32<kOp>(ctx, st, a.data_as<float>(), b.data_as<float>(), out.data_as<float>());
      } else if (ctx.exec().threads() > 1 && st.shape.kind != ref::BinaryShape::Kind::kBroadcast &&
          st.shape.size >= 65536) {
        // Without broadcasting, element i depends on a[i] (or a[0]) and b[i] (or b[0]) only.
        const float* pa = a.data_as<float>();
        const float* pb = b.data_as<float>();
        float* po = out.data_as<float>();
        const bool scalar_a = st.shape.kind == ref::BinaryShape::Kind::kScalarA;
        const bool scalar_b = st.shape.kind == ref::BinaryShape::Kind::kScalarB;
        parallel_for(ctx.exec(), static_cast<size_t>(st.shape.size), 16384, [&](size_t begin, size_t end) {
          BinaryState part = st;
          part.shape.size = static_cast<int64_t>(end - begin);
          eval_float<kOp>(part, scalar_a ? pa : pa + begin, scalar_b ? pb : pb + begin, po + begin);
        });
      } else {
        eval_float<kOp>(st, a.data_as<float>(), b.data_as<float>(), out.data_as<float>());
      }
      return;
    case DType::kInt32:
      if (kOp == BinOp::kMax || kOp == BinOp::kMin)
        eval_minmax<kOp>(st, a.data_as<int32_t>(), b.data_as<int32_t>(), out.data_as<int32_t>());
      else
        eval_int32<kOp>(st, a.data_as<int32_t>(), b.data_as<int32_t>(), out.data_as<int32_t>());
      return;
    case DType::kInt64:
      eval_minmax<kOp>(st, a.data_as<int64_t>(), b.data_as<int64_t>(), out.data_as<int64_t>());
      return;
    case DType::kInt8:
      if (st.fast_s8)
        eval_fast_s8<kOp>(ctx, st, a.data_as<int8_t>(), b.data_as<int8_t>(), out.data_as<int8_t>());
      else if (st.quant != QuantPath::kNone)
        eval_quant<kOp>(st, a.data_as<int8_t>(), b.data_as<int8_t>(), out.data_as<int8_t>());
      else
        eval_minmax<kOp>(st, a.data_as<int8_t>(), b.data_as<int8_t>(), out.data_as<int8_t>());
      return;
    case DType::kUInt8:
      eval_minmax<kOp>(st, a.data_as<uint8_t>(), b.data_as<uint8_t>(), out.data_as<uint8_t>());
      return;
    case DType::kInt16:
      if (st.fast_s8)
        eval_fast_s16<kOp>(ctx, st, a.data_as<int16_t>(), b.data_as<int16_t>(), out.data_as<int16_t>());
      else if (st.quant != QuantPath::kNone)
        eval_quant<kOp>(st, a.data_as<int16_t>(), b.data_as<int16_t>(), out.data_as<int16_t>());
      else
        eval_minmax<kOp>(st, a.data_as<int16_t>(), b.data_as<int16_t>(), out.data_as<int16_t>());
      return;
    default: ctx.fail("unsupported type {}", dtype_name(a.type));
  }
}

}  // namespace

const KernelRegistration* Register_ADD() {
  static const KernelRegistration r{"ADD", prepare_binary<BinOp::kAdd>, eval_binary<BinOp::kAdd>};
  return &r;
}

const KernelRegistration* Register_SUB() {
  static const KernelRegistration r{"SUB", prepare_binary<BinOp::kSub>, eval_binary<BinOp::kSub>};
  return &r;
}

const KernelRegistration* Register_MUL() {
  static const KernelRegistration r{"MUL", prepare_binary<BinOp::kMul>, eval_binary<BinOp::kMul>};
  return &r;
}

const KernelRegistration* Register_DIV() {
  static const KernelRegistration r{"DIV", prepare_binary<BinOp::kDiv>, eval_binary<BinOp::kDiv>};
  return &r;
}

const KernelRegistration* Register_MAXIMUM() {
  static const KernelRegistration r{"MAXIMUM", prepare_binary<BinOp::kMax>, eval_binary<BinOp::kMax>};
  return &r;
}

const KernelRegistration* Register_MINIMUM() {
  static const KernelRegistration r{"MINIMUM", prepare_binary<BinOp::kMin>, eval_binary<BinOp::kMin>};
  return &r;
}

}  // namespace liteq::rt
