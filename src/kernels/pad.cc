// PAD and PADV2, rank <= 6, every fixed-size dtype.
//   input 1: paddings, constant int32/int64 of shape [rank, 2], non-negative
//   PADV2 input 2: the pad value, one element of the input's dtype
//   PAD pads with 0 (the output zero point for quantized int8/uint8/int16).
//   PADV2 on quantized int8/uint8/int16: the pad value must share the output's scale and
//   zero point (TFLite's rule).
#include <cstring>
#include <limits>

#include <fmt/ranges.h>

#include "kernels/kernel_util.h"
#include "kernels/reference/pad.h"
#include "kernels/reference/quant_params_int.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

struct PadState {
  ref::PadParams params;
  std::array<uint8_t, 16> zero{};  // PAD's pad value (bytes of one element)
  bool fast_rows = false;          // pad_rows runs (optimized kernels)
};

// Merges every dim that is not padded into the dim outside it (a [1,256,256,3] input
// padded in H and W becomes [258, 774] rows padded by 3 elements): the same bytes, in
// fewer and longer rows for the copy loop.
void collapse_unpadded_dims(ref::PadParams& p) {
  struct Dim {
    int64_t in, before, out;
  };
  std::vector<Dim> dims;  // innermost first
  for (int d = ref::kPadMaxRank - 1; d >= 0; --d) {
    Dim cur{p.in_dims[d], p.before[d], p.out_dims[d]};
    if (!dims.empty() && dims.back().before == 0 && dims.back().in == dims.back().out) {
      const int64_t inner = dims.back().in;
      if (cur.out * inner <= std::numeric_limits<int32_t>::max()) {
        dims.pop_back();
        cur = {cur.in * inner, cur.before * inner, cur.out * inner};
      }
    }
    dims.push_back(cur);
  }
  p.in_dims.fill(1);
  p.before.fill(0);
  p.out_dims.fill(1);
  for (size_t k = 0; k < dims.size(); ++k) {
    const int d = ref::kPadMaxRank - 1 - static_cast<int>(k);
    p.in_dims[d] = static_cast<int32_t>(dims[k].in);
    p.before[d] = static_cast<int32_t>(dims[k].before);
    p.out_dims[d] = static_cast<int32_t>(dims[k].out);
  }
}

// Short copies inline, 16 bytes at a time (a library call per short row costs more than
// the row: residual blocks pad 24 channels to 28, 96 bytes a pixel).
inline void copy_short(uint8_t* dst, const uint8_t* src, size_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) std::memcpy(dst + i, src + i, 16);
  for (; i + 4 <= n; i += 4) std::memcpy(dst + i, src + i, 4);
  for (; i < n; ++i) dst[i] = src[i];
}

// Optimized kernels: padding of the innermost dim only (a channel pad, once collapsed),
// rows of at most 1 KiB. Each row is copied and filled inline from a 64-byte pattern of
// the pad value, rows over the threads; the same bytes as ref::pad.
bool rows_fast(const ref::PadParams& p, size_t elem) {
  for (int d = 0; d < ref::kPadMaxRank - 1; ++d)
    if (p.before[d] != 0 || p.in_dims[d] != p.out_dims[d]) return false;
  return 64 % elem == 0 && static_cast<size_t>(p.out_dims[ref::kPadMaxRank - 1]) * elem <= 1024;
}

void pad_rows(const ExecConfig& exec_in, const ref::PadParams& p, const uint8_t* in, const uint8_t* value,
              uint8_t* out, size_t elem) {
  int64_t rows = 1;
  for (int d = 0; d < ref::kPadMaxRank - 1; ++d) rows *= p.out_dims[d];
  const int d = ref::kPadMaxRank - 1;
  const size_t before = static_cast<size_t>(p.before[d]) * elem, in_row = static_cast<size_t>(p.in_dims[d]) * elem,
               out_row = static_cast<size_t>(p.out_dims[d]) * elem;
  const size_t after = out_row - before - in_row;
  uint8_t pattern[64];
  for (size_t i = 0; i < 64; i += elem) std::memcpy(pattern + i, value, elem);
  auto fill = [&](uint8_t* dst, size_t n) {
    for (size_t i = 0; i < n; i += 64) copy_short(dst + i, pattern, n - i < 64 ? n - i : 64);
  };
  ExecConfig exec = exec_in;
  if (static_cast<double>(rows) * out_row < (1 << 16)) exec.pool = nullptr;  // small: one thread
  parallel_for(exec, static_cast<size_t>(rows), 64, [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) {
      uint8_t* o = out + r * out_row;
      fill(o, before);
      copy_short(o + before, in + r * in_row, in_row);
      fill(o + before + in_row, after);
    }
  });
}

template <bool kV2>
void prepare_pad(OpContext& ctx) {
  if (kV2)
    ctx.check_io(3, 3, 1);
  else
    ctx.check_io(2, 2, 1);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  const size_t elem = dtype_size(in.type);
  ctx.check(elem > 0, "input '{}' has type {}, which has no fixed element size", in.name, dtype_name(in.type));
  ctx.check(out.type == in.type, "output '{}' has type {}, the input has {}", out.name, dtype_name(out.type),
            dtype_name(in.type));
  const int rank = in.rank();
  ctx.check(rank <= ref::kPadMaxRank, "input of rank {}: at most rank {} is supported", rank, ref::kPadMaxRank);

  // Paddings: constant [rank, 2].
  const Tensor& pt = ctx.input(1);
  ctx.check(pt.is_constant() && (pt.data != nullptr || pt.num_elements() == 0), "paddings (input 1) must be a constant tensor");
  ctx.check_type(pt, {DType::kInt32, DType::kInt64}, "paddings");
  ctx.check(pt.rank() == 2 && pt.dim(0) == rank && pt.dim(1) == 2, "paddings must have shape [{}, 2], got [{}]",
            rank, fmt::join(pt.dims, ","));
  auto& st = ctx.make_state<PadState>();
  std::vector<int32_t> out_dims(rank);
  const int off = ref::kPadMaxRank - rank;
  for (int d = 0; d < rank; ++d) {
    int64_t before, after;
    if (pt.type == DType::kInt32) {
      before = pt.data_as<int32_t>()[2 * d];
      after = pt.data_as<int32_t>()[2 * d + 1];
    } else {
      before = pt.data_as<int64_t>()[2 * d];
      after = pt.data_as<int64_t>()[2 * d + 1];
    }
    ctx.check(before >= 0 && after >= 0, "paddings of dim {} are negative ({}, {})", d, before, after);
    const int64_t size = before + in.dim(d) + after;
    ctx.check(size <= std::numeric_limits<int32_t>::max(), "padded dim {} is too large", d);
    out_dims[d] = static_cast<int32_t>(size);
    st.params.in_dims[off + d] = in.dim(d);
    st.params.before[off + d] = static_cast<int32_t>(before);
    st.params.out_dims[off + d] = out_dims[d];
  }

  collapse_unpadded_dims(st.params);
  st.fast_rows = ctx.exec().isa != Isa::kReference && rows_fast(st.params, elem);
  ctx.set_fast(st.fast_rows);

  if (kV2) {
    const Tensor& v = ctx.input(2);
    ctx.check(v.type == in.type, "pad value (input 2) has type {}, the input has {}", dtype_name(v.type),
              dtype_name(in.type));
    ctx.check(v.num_elements() == 1, "pad value (input 2) must have one element, got {}", v.num_elements());
    if (is_quantized_int(in.type)) {
      // TFLite fails such a model at invoke (leaving the output unwritten).
      const QParams qv = raw_qparams(v), qo = raw_qparams(out);
      ctx.check(qv.scale == qo.scale && qv.zero_point == qo.zero_point,
                "pad value (scale {}, zero point {}) must have the output's scale {} and zero point {}", qv.scale,
                qv.zero_point, qo.scale, qo.zero_point);
    }
  } else if (is_quantized_int(in.type) && !out.quant.zero_point.empty()) {
    const int64_t zp = out.quant.zero_point[0];
    ctx.check(zp >= dtype_qmin(in.type) && zp <= dtype_qmax(in.type), "output zero point {} is out of range for {}",
              zp, dtype_name(in.type));
    if (in.type == DType::kInt8) {
      const int8_t z = static_cast<int8_t>(zp);
      std::memcpy(st.zero.data(), &z, 1);
    } else if (in.type == DType::kInt16) {
      const int16_t z = static_cast<int16_t>(zp);
      std::memcpy(st.zero.data(), &z, 2);
    } else {
      st.zero[0] = static_cast<uint8_t>(zp);
    }
  }
  ctx.set_output_shape(0, std::move(out_dims));
}

template <bool kV2>
void eval_pad(OpContext& ctx) {
  const auto& st = ctx.state<PadState>();
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  if (out.num_elements() == 0) return;
  const uint8_t* value = kV2 ? ctx.input(2).data : st.zero.data();
  if (st.fast_rows) {
    pad_rows(ctx.exec(), st.params, in.data, value, out.data, dtype_size(in.type));
    return;
  }
  ref::dispatch_elem_size(dtype_size(in.type),
                          [&]<size_t N>() { ref::pad<N>(st.params, in.data, value, out.data); });
}

}  // namespace

const KernelRegistration* Register_PAD() {
  static const KernelRegistration r{"PAD", prepare_pad<false>, eval_pad<false>};
  return &r;
}

const KernelRegistration* Register_PADV2() {
  static const KernelRegistration r{"PADV2", prepare_pad<true>, eval_pad<true>};
  return &r;
}

}  // namespace liteq::rt
