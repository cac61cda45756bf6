// int8 fast kernels of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: the generic
// dispatcher. It checks the case, packs the constant weights for the instruction set
// exec().isa allows, folds bias, input offset and weight sums into a per-channel
// accumulator start, and calls the plain ISA kernels of kernels_s8.h. Bit-exact with
// reference/conv_int8.h and reference/matmul_int8.h (tests/kernels/optimized_s8_test.cc).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels/exec.h"
#include "kernels/optimized/fast_kernels.h"
#include "kernels/optimized/gemm_path.h"
#include "kernels/optimized/kernels_s8.h"
#include "kernels/optimized/quantize_floats_fast.h"
#include "kernels/x86/conv_lanes_s8.h"
#include "kernels/x86/dw_pairs_s8.h"
#include "kernels/x86/conv_narrow_s8.h"
#include "kernels/reference/matmul_int8.h"

namespace liteq::rt::opt {
namespace {

std::atomic<int64_t> g_made{0};

using Path = GemmPath;

int32_t wrap(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }

// The requantization parameters in the vector kernels' form (kernels_s8.h).
struct RequantArrays {
  std::vector<int32_t> mult, lshift, rshift, rmask, single;
  std::vector<int64_t> nudge, shift64;
  std::vector<float> fscale, fc_pos, fc_neg;
  s8::Requant rq{};

  // False when the vector requantization does not cover q (then the reference runs).
  // acc_max (optional): each output channel's largest |accumulator| (acc_bounds); with
  // it, channels with a left shift take the float32 estimate where x << left cannot wrap.
  bool build(const ref::QuantOutput& q, bool per_channel, int n, int npad, const int64_t* acc_max = nullptr) {
    if (q.rounding != ref::Rounding::kDouble && q.rounding != ref::Rounding::kDoubleTiesUp) return false;
    const bool dbl = q.rounding == ref::Rounding::kDouble;
    // The output is int8: the clamp keeps it in range so the narrowing is exact.
    if (q.act_min < -128 || q.act_max > 127) return false;
    const int64_t lo = int64_t{q.act_min} - q.output_offset, hi = int64_t{q.act_max} - q.output_offset;
    if (lo < INT32_MIN || lo > INT32_MAX || hi < INT32_MIN || hi > INT32_MAX) return false;
    mult.assign(npad, 0);
    lshift.assign(npad, 0);
    rshift.assign(npad, 0);
    rmask.assign(npad, 0);
    // Padding channels (multiplier 0) take the one-rounding form too: their result is 0.
    single.assign(npad, 1);
    nudge.assign(npad, (int64_t{1} << 30) + (int64_t{1} << 31));
    shift64.assign(npad, 32);
    // The float32 estimate's constants (kernels_s8.h); padding channels as M = 0, right = 1.
    const double off = q.output_offset;
    fscale.assign(npad, 0.0f);
    fc_pos.assign(npad, static_cast<float>(0.75 + off));
    fc_neg.assign(npad, static_cast<float>((dbl ? 0.25 : 0.75) + off));
    bool fast = true;
    for (int c = 0; c < n; ++c) {
      const int i = per_channel ? c : 0;
      const int32_t m = q.multiplier[i], s = q.shift[i];
      if (m < 0) return false;
      const int left = s > 0 ? s : 0, right = s > 0 ? 0 : -s;
      if (left > 31 || right > 31) return false;
      mult[c] = m;
      lshift[c] = left;
      rshift[c] = right;
      rmask[c] = dbl ? wrap((int64_t{1} << right) - 1) : (right > 0 ? int32_t{1} << (right - 1) : 0);
      single[c] = left == 0 && right >= 1;
      nudge[c] = (int64_t{1} << 30) + (right >= 1 ? int64_t{1} << (30 + right) : 0);
      shift64[c] = 31 + right;
      // Without a right shift TFLite's steps are floor(y + 1/2) for either sign, y =
      // (x << left) * M / 2^31: the estimate's form (d = 0) unless x << left wraps, which
      // the reference does as int32 and the estimate cannot follow.
      if (left > 0) fast = fast && acc_max != nullptr && acc_max[c] < (int64_t{1} << (31 - left));
      const double d = right == 0 ? 0.0 : std::ldexp(1.0, -1 - right);
      fscale[c] = static_cast<float>(std::ldexp(static_cast<double>(m), left - 31 - right));
      fc_pos[c] = static_cast<float>(0.5 + d + off);
      fc_neg[c] = static_cast<float>((dbl ? 0.5 - d : 0.5 + d) + off);
    }
    rq = {mult.data(),
          lshift.data(),
          rshift.data(),
          rmask.data(),
          static_cast<int32_t>(lo),
          static_cast<int32_t>(hi),
          q.output_offset,
          dbl ? 1 : 0,
          single.data(),
          nudge.data(),
          shift64.data(),
          fast ? 1 : 0,
          fscale.data(),
          fc_pos.data(),
          fc_neg.data(),
          static_cast<float>(q.act_min) + 0.5f,
          static_cast<float>(q.act_max) + 0.5f};
    return true;
  }
  size_t bytes() const { return mult.size() * 48; }
};

// The largest |accumulator| of each of n output channels, |bias| + 255 * sum |w| (the
// input less its zero point lies in [-255, 255]); channel c's k weights are w[c * n_step +
// i * k_step].
std::vector<int64_t> acc_bounds(const int8_t* w, int n, int64_t k, int64_t n_step, int64_t k_step,
                                const int32_t* bias) {
  std::vector<int64_t> b(static_cast<size_t>(n));
  for (int c = 0; c < n; ++c) {
    int64_t s = 0;
    for (int64_t i = 0; i < k; ++i) s += std::abs(int{w[c * n_step + i * k_step]});
    b[static_cast<size_t>(c)] = (bias ? std::abs(int64_t{bias[c]}) : 0) + 255 * s;
  }
  return b;
}

// out[m, n] = requant(bias[n] + sum_k (A[m, k] + input_offset) * W[n, k]) with packed
// constant weights W [N, K]; rows of A come from a row function (im2col or direct).
class GemmS8 {
 public:
  static constexpr int kRowsPerChunk = 48;  // a multiple of every micro-kernel's row count
  // Below this many multiply-adds one thread (waking the pool costs more). Interleaved A/B
  // at 2 threads against the former 2^19: face_detection int8 4-5 % faster, the others
  // unchanged. The depthwise kernels use the same bound.
  static constexpr double kMinParallelMacs = 1 << 16;

  // q null: raw mode (run_raw: int32 dot products, no bias, offset or requantization).
  bool prepare(Isa isa, const int8_t* w, const int32_t* bias, int32_t input_offset, const ref::QuantOutput* q,
               bool per_channel, int n, int k, int threads) {
    path_ = gemm_path(isa, true);
    n_ = n;
    k_ = k;
    threads_ = std::max(threads, 1);
    npad_ = round_up(n, 16);
    raw_ = q == nullptr;
    if (!raw_ && !rq_.build(*q, per_channel, n, npad_, acc_bounds(w, n, k, k, 1, bias).data())) return false;
    const int group = vnni_layout() ? 4 : 2;  // k per 4-byte group
    kp_ = round_up(k, group);
    kgroups_ = kp_ / group;
    row_bytes_ = kgroups_ * 4;
    const int bw = path_ == Path::kAvx2 ? 8 : 16;  // channels per block
    // Packed weights: [block][k group][bw channels][group values], zero padded.
    auto pack = [&](auto* dst) {
      for (int c0 = 0; c0 < npad_; c0 += bw)
        for (int kg = 0; kg < kgroups_; ++kg)
          for (int cc = 0; cc < bw; ++cc)
            for (int j = 0; j < group; ++j, ++dst) {
              const int c = c0 + cc, kk = kg * group + j;
              if (c < n && kk < k) *dst = w[int64_t{c} * k + kk];
            }
    };
    if (vnni_layout()) {
      packed_.assign(static_cast<size_t>(npad_) * kp_, 0);
      pack(reinterpret_cast<int8_t*>(packed_.data()));
    } else {
      packed_.assign(static_cast<size_t>(npad_) * kp_ * 2, 0);
      pack(reinterpret_cast<int16_t*>(packed_.data()));
    }
    init_.assign(npad_, 0);
    sums_.assign(npad_, 0);
    for (int c = 0; c < n; ++c) {
      int64_t sum = 0;
      for (int kk = 0; kk < k; ++kk) sum += w[int64_t{c} * k + kk];
      sums_[c] = wrap(sum);
      // All in int32 with wrap-around, as the reference's int32 accumulator.
      uint32_t v = static_cast<uint32_t>(bias ? bias[c] : 0) +
                   static_cast<uint32_t>(input_offset) * static_cast<uint32_t>(wrap(sum));
      if (vnni_layout()) v -= 128u * static_cast<uint32_t>(wrap(sum));  // A is stored as a + 128
      init_[c] = static_cast<int32_t>(v);
    }
    return true;
  }

  // Per output channel: the sum of its weights (int32, wrapping).
  const std::vector<int32_t>& weight_sums() const { return sums_; }
  size_t state_bytes() const { return packed_.size() + (init_.size() + sums_.size()) * 4 + rq_.bytes(); }
  // Rounded to 64 bytes: every thread's panel starts aligned (its rows are int16 or int32).
  size_t scratch_per_thread() const {
    size_t b = (static_cast<size_t>(kRowsPerChunk) * row_bytes_ + k_ + 64 + 63) / 64 * 64;
    if (raw_) b += static_cast<size_t>(kRowsPerChunk) * npad_ * 4;
    return b;
  }
  size_t scratch_bytes() const { return scratch_per_thread() * threads_; }

  // row(m, tmp) returns the K int8 values of row m of A (in the input, or gathered into
  // tmp, which holds K bytes).
  template <typename RowFn>
  void run(const ExecConfig& exec, int64_t m_total, RowFn&& row, int8_t* out, int64_t out_stride,
           uint8_t* scratch) const {
    run_impl(exec, m_total, row, out, out_stride, scratch, static_cast<int*>(nullptr));
  }
  // Raw mode: epi(m0, rows, n_begin, n_end, acc, stride) gets the int32 dot products of
  // rows m0.. (acc + r * stride + n), on the thread that computed them.
  template <typename RowFn, typename Epi>
  void run_raw(const ExecConfig& exec, int64_t m_total, RowFn&& row, uint8_t* scratch, Epi&& epi) const {
    run_impl(exec, m_total, row, nullptr, 0, scratch, &epi);
  }

  // Raw mode, the hybrid kernels' float epilogue fused into the tiles (GemmArgs::out_f):
  // out[m * out_stride + n] = clamp(float(dot(m, n) - off * sum[n]) * mul[n] [+ bias[n]], lo, hi)
  // for one input offset; init from hybrid_init(off).
  struct FloatOut {
    const int32_t* init;  // padded_n() entries
    const float* mul;
    const float* bias;
    float lo, hi;
    float* out;
    int64_t out_stride;
  };
  template <typename RowFn>
  void run_float(const ExecConfig& exec, int64_t m_total, RowFn&& row, uint8_t* scratch, const FloatOut& fo) const {
    run_impl(exec, m_total, row, nullptr, 0, scratch, static_cast<int*>(nullptr), &fo);
  }
  // The accumulator start of run_float for input offset off: the raw start less off * sum
  // (wrapping, as the reference's int32 sums).
  void hybrid_init(int32_t off, int32_t* init) const {
    for (int c = 0; c < npad_; ++c)
      init[c] = static_cast<int32_t>(static_cast<uint32_t>(init_[c]) -
                                     static_cast<uint32_t>(off) * static_cast<uint32_t>(sums_[c]));
  }
  int padded_n() const { return npad_; }

  // uint8 rows (a + 128) and int8 weights in groups of 4 (kernels_s8.h's vnni layouts).
  bool vnni_layout() const { return path_ == Path::kVnni || path_ == Path::kAvxVnni; }
  // Whether rows of A can be read in place (in_place below) instead of packed: the vnni
  // tile reads int8 rows as they are when K needs no padding.
  bool reads_in_place() const { return vnni_layout() && kp_ == k_; }

  // The pieces of run() for callers that split the work themselves (TRANSPOSE_CONV).
  // A panel (panel_bytes(), one per thread) holds up to kRowsPerChunk packed rows; its
  // format depends only on the ISA path and K, so GemmS8s prepared alike share panels.
  size_t panel_bytes() const { return (static_cast<size_t>(kRowsPerChunk) * row_bytes_ + k_ + 64 + 63) / 64 * 64; }
  // Packs rows m0 .. m0 + rows - 1 (rows <= kRowsPerChunk) given by row(m, tmp).
  template <typename RowFn>
  void pack_panel(int64_t m0, int rows, RowFn& row, uint8_t* panel) const {
    auto* tmp = reinterpret_cast<int8_t*>(panel + static_cast<size_t>(kRowsPerChunk) * row_bytes_);
    for (int r = 0; r < rows; ++r) {
      const int8_t* src = row(m0 + r, tmp);
      uint8_t* dst = panel + static_cast<size_t>(r) * row_bytes_;
      if (path_ == Path::kVnni) s8::pack_row_vnni_avx512(dst, src, k_, kp_);
      else if (path_ == Path::kAvxVnni) s8::pack_row_vnni_avx2vnni(dst, src, k_, kp_);
      else s8::pack_row_w16_avx2(reinterpret_cast<int16_t*>(dst), src, k_, kp_);
    }
  }
  // Channels [nb, ne) of the panel's rows: requantized int8 to out + r * out_stride + n,
  // or (out32 set) the raw int32 accumulators to out32 + r * out32_stride + n.
  void gemm_panel(const uint8_t* panel, int rows, int nb, int ne, int8_t* out, int64_t out_stride, int32_t* out32,
                  int64_t out32_stride) const {
    s8::GemmArgs g = panel_args(panel, rows);
    g.out = out;
    g.out_stride = out_stride;
    g.out32 = out32;
    g.out32_stride = out32_stride;
    gemm_args(g, nb, ne);
  }
  int n() const { return n_; }

  // Rows in place for run(), run_raw() and run_float() (used where reads_in_place(),
  // else packed as any row function's).
  struct InPlace {
    const int8_t* a;
    int64_t k;
    const int8_t* operator()(int64_t m, int8_t*) const { return a + m * k; }
  };
  InPlace in_place(const int8_t* a) const { return {a, k_}; }

 private:
  s8::GemmArgs panel_args(const uint8_t* panel, int rows) const {
    s8::GemmArgs g{};
    g.a = panel;
    g.a_stride = row_bytes_;
    g.rows = rows;
    g.kgroups = kgroups_;
    g.w = reinterpret_cast<const int8_t*>(packed_.data());
    g.init = init_.data();
    g.rq = rq_.rq;
    return g;
  }
  void gemm_args(const s8::GemmArgs& g, int nb, int ne) const {
    switch (path_) {
      case Path::kVnni: s8::gemm_s8_avx512vnni(g, nb, ne); break;
      case Path::kAvx512: s8::gemm_s8_avx512(g, nb, ne); break;
      case Path::kAvxVnni: s8::gemm_s8_avx2vnni(g, nb, ne); break;
      case Path::kAvx2: s8::gemm_s8_avx2(g, nb, ne); break;
    }
  }

  template <typename RowFn, typename Epi>
  void run_impl(const ExecConfig& exec, int64_t m_total, RowFn& row, int8_t* out, int64_t out_stride,
                uint8_t* scratch, Epi* epi, const FloatOut* fo = nullptr) const {
    // Rows in place: the row function's rows are k_ bytes apart (row(0) + m * k_).
    const int8_t* in_place = nullptr;
    if constexpr (std::is_same_v<std::decay_t<RowFn>, InPlace>) in_place = reads_in_place() ? row.a : nullptr;
    if (m_total <= 0 || n_ <= 0) return;
    // Small products run on one thread: waking the pool costs more than it saves.
    const double macs = static_cast<double>(m_total) * n_ * k_;
    const int threads = macs < kMinParallelMacs ? 1 : std::min(exec.threads(), threads_);
    const GemmTasks work(m_total, kRowsPerChunk, (n_ + 63) / 64, threads);  // units of 64 channels
    parallel_for(exec, static_cast<size_t>(work.slots), 1, [&](size_t sb, size_t se) {
      for (size_t slot = sb; slot < se; ++slot) {
        uint8_t* panel = scratch + slot * scratch_per_thread();
        int32_t* acc = nullptr;
        if (raw_) {
          const size_t at = (static_cast<size_t>(kRowsPerChunk) * row_bytes_ + k_ + 64 + 63) / 64 * 64;
          acc = reinterpret_cast<int32_t*>(panel + at);
        }
        int64_t packed_chunk = -1;
        work.for_slot(slot, [&](int64_t chunk, int64_t m0, int rows, int u0, int u1) {
          if (!in_place && chunk != packed_chunk) {
            pack_panel(m0, rows, row, panel);
            packed_chunk = chunk;
          }
          const int nb = u0 * 64, ne = std::min(n_, u1 * 64);
          if (nb >= ne) return;
          s8::GemmArgs g = panel_args(panel, rows);
          if (in_place) {
            g.a = reinterpret_cast<const uint8_t*>(in_place + m0 * k_);
            g.a_stride = k_;
            g.a_int8 = true;
          }
          if (fo) {
            g.init = fo->init;
            g.out_f = fo->out + m0 * fo->out_stride;
            g.out_f_stride = fo->out_stride;
            g.f_mul = fo->mul;
            g.f_bias = fo->bias;
            g.f_lo = fo->lo;
            g.f_hi = fo->hi;
          } else if (out) {
            g.out = out + m0 * out_stride;
            g.out_stride = out_stride;
          } else {
            g.out32 = acc;
            g.out32_stride = npad_;
          }
          gemm_args(g, nb, ne);
          if constexpr (!std::is_same_v<Epi, int>) (*epi)(m0, rows, nb, ne, static_cast<const int32_t*>(acc), int64_t{npad_});
        });
      }
    });
  }

 private:
  Path path_ = Path::kAvx2;
  bool raw_ = false;
  int n_ = 0, k_ = 0, npad_ = 0, kp_ = 0, kgroups_ = 0, row_bytes_ = 0, threads_ = 1;
  std::vector<uint8_t> packed_;
  std::vector<int32_t> init_, sums_;
  RequantArrays rq_;
};

const int32_t* constant_bias(OpContext& ctx, int index, bool* ok) {
  *ok = true;
  if (!ctx.has_input(index)) return nullptr;
  const Tensor& b = ctx.input(index);
  if (!b.is_constant() || b.type != DType::kInt32) {
    *ok = false;
    return nullptr;
  }
  return b.data_as<int32_t>();
}

// ---- CONV_2D ---------------------------------------------------------------------------

// memcpy for the short runs im2col copies (a few channels, e.g. 3 per tap of a first
// layer): fixed-size copies the compiler inlines, overlapping where n is not a power of
// two, never touching a byte outside [0, n).
// n in [sizeof(U), 2 * sizeof(U)]: the first and the last sizeof(U) bytes.
template <typename U> inline void copy_two_words(int8_t* dst, const int8_t* src, size_t n) {
  U a, b;
  std::memcpy(&a, src, sizeof(U));
  std::memcpy(&b, src + n - sizeof(U), sizeof(U));
  std::memcpy(dst, &a, sizeof(U));
  std::memcpy(dst + n - sizeof(U), &b, sizeof(U));
}
inline void copy_short(int8_t* dst, const int8_t* src, size_t n) {
  if (n >= 16) {
    std::memcpy(dst, src, n);
  } else if (n >= 8) {
    copy_two_words<uint64_t>(dst, src, n);
  } else if (n >= 4) {
    copy_two_words<uint32_t>(dst, src, n);
  } else if (n > 0) {
    dst[0] = src[0];
    dst[n / 2] = src[n / 2];
    dst[n - 1] = src[n - 1];
  }
}

// Row m (an output pixel) of the im2col matrix of g over the NHWC int8 input: in the
// input itself for unpadded 1x1 convolutions (direct), else gathered into tmp with the
// padded taps set to pad(batch). Undilated taps of one filter row that all lie inside
// the input are one contiguous run of filter_w * in_c bytes.
template <typename Pad>
const int8_t* conv_row(const ref::ConvGeometry& g, bool direct, const int8_t* in, int64_t m, int8_t* tmp, Pad pad) {
  const int64_t hw = int64_t{g.out_h} * g.out_w;
  const int b = static_cast<int>(m / hw);
  const int64_t r = m % hw;
  const int oy = static_cast<int>(r / g.out_w), ox = static_cast<int>(r % g.out_w);
  const int c = g.in_c;
  if (direct)
    return in + ((int64_t{b} * g.in_h + int64_t{oy} * g.stride_h) * g.in_w + int64_t{ox} * g.stride_w) * c;
  const int iy0 = oy * g.stride_h - g.pad_top, ix0 = ox * g.stride_w - g.pad_left;
  const auto pv = static_cast<int8_t>(pad(b));
  const bool row_inside = g.dilation_w == 1 && ix0 >= 0 && ix0 + g.filter_w <= g.in_w;
  const size_t run = static_cast<size_t>(g.filter_w) * static_cast<size_t>(c);
  int8_t* dst = tmp;
  for (int ky = 0; ky < g.filter_h; ++ky) {
    const int iy = iy0 + ky * g.dilation_h;
    if (iy < 0 || iy >= g.in_h) {
      std::memset(dst, pv, run);
      dst += run;
      continue;
    }
    const int8_t* src_row = in + (int64_t{b} * g.in_h + iy) * g.in_w * c;
    if (row_inside) {
      copy_short(dst, src_row + int64_t{ix0} * c, run);
      dst += run;
      continue;
    }
    for (int kx = 0; kx < g.filter_w; ++kx, dst += c) {
      const int ix = ix0 + kx * g.dilation_w;
      if (ix < 0 || ix >= g.in_w) std::memset(dst, pv, static_cast<size_t>(c));
      else copy_short(dst, src_row + int64_t{ix} * c, static_cast<size_t>(c));
    }
  }
  return tmp;
}

bool direct_conv(const ref::ConvGeometry& g) {
  return g.filter_h == 1 && g.filter_w == 1 && g.pad_top == 0 && g.pad_left == 0;
}
// Direct, and output pixel m's input row is the m-th of the input: row(m) = in + m * in_c.
bool contiguous_rows(const ref::ConvGeometry& g) {
  return direct_conv(g) && g.stride_h == 1 && g.stride_w == 1 && g.out_h == g.in_h && g.out_w == g.in_w;
}

class ConvS8 : public FastKernel {
 public:
  ConvS8(const ref::ConvGeometry& g, int32_t input_offset) : g_(g), zero_point_(-input_offset) {}
  GemmS8 gemm;
  int scratch = -1;

  void run(OpContext& ctx) override {
    const int8_t* in = ctx.input(0).data_as<int8_t>();
    const int64_t m_total = int64_t{g_.batch} * g_.out_h * g_.out_w;
    const bool direct = direct_conv(g_);
    // Padding: the input zero point, i.e. real 0: (zp + input_offset) * w = 0.
    const int32_t zp = zero_point_;
    int8_t* out = ctx.output(0).data_as<int8_t>();
    if (contiguous_rows(g_)) {
      gemm.run(ctx.exec(), m_total, gemm.in_place(in), out, g_.out_c, ctx.scratch(scratch));
      return;
    }
    gemm.run(
        ctx.exec(), m_total,
        [&](int64_t m, int8_t* tmp) { return conv_row(g_, direct, in, m, tmp, [zp](int) { return zp; }); },
        out, g_.out_c, ctx.scratch(scratch));
  }

 private:
  ref::ConvGeometry g_;
  int32_t zero_point_;
};

// ---- hybrid CONV_2D / FULLY_CONNECTED --------------------------------------------------
// Float input quantized on the fly (the reference's functions), integer dot products
// with the packed int8 weights (raw GEMM), then the reference's float epilogue per
// output, in the same order of float operations.

// CONV_2D, hybrid: as conv.cc's eval_hybrid + ref::conv2d_hybrid.
class ConvHybridS8 : public FastKernel {
 public:
  ConvHybridS8(const ref::ConvGeometry& g, const float* w_scales, bool asymmetric, int64_t batch_size)
      : g_(g), w_scales_(w_scales), asymmetric_(asymmetric), batch_size_(batch_size) {}
  GemmS8 gemm;
  int scratch = -1, qscratch = -1;
  // init and mul (padded channels), then the quantized input.
  size_t qscratch_bytes() const {
    return static_cast<size_t>(gemm.padded_n()) * 8 + static_cast<size_t>(std::max<int64_t>(g_.batch * batch_size_, 1));
  }

  void run(OpContext& ctx) override {
    const auto& g = g_;
    uint8_t* qs = ctx.scratch(qscratch);
    const int npad = gemm.padded_n();
    auto* init = reinterpret_cast<int32_t*>(qs);
    auto* mul = reinterpret_cast<float*>(qs + npad * 4);
    auto* q = reinterpret_cast<int8_t*>(qs + npad * 8);
    const float* x = ctx.input(0).data_as<float>();
    const float* bias = ctx.has_input(2) ? ctx.input(2).data_as<float>() : nullptr;
    float* out = ctx.output(0).data_as<float>();
    const int64_t hw = int64_t{g.out_h} * g.out_w;
    const Isa isa = ctx.exec().isa;
    const bool direct = direct_conv(g);
    // One batch at a time: its input quantized, then the GEMM with the epilogue fused,
    // which takes one input offset.
    for (int64_t b = 0; b < g.batch; ++b) {
      int32_t offset = 0;
      float scale = 1;
      int8_t* qb = q + b * batch_size_;
      if (batch_size_ > 0) {
        if (asymmetric_) opt::asymmetric_quantize_floats(isa, x + b * batch_size_, batch_size_, qb, &scale, &offset);
        else opt::symmetric_quantize_floats(isa, x + b * batch_size_, batch_size_, qb, &scale);
      }
      gemm.hybrid_init(offset, init);
      for (int c = 0; c < g.out_c; ++c) mul[c] = scale * w_scales_[c];
      const GemmS8::FloatOut fo{init, mul, bias, g.act_min, g.act_max, out + b * hw * g.out_c, g.out_c};
      if (contiguous_rows(g)) {
        gemm.run_float(ctx.exec(), hw, gemm.in_place(qb), ctx.scratch(scratch), fo);
        continue;
      }
      // Padded taps: the zero point, so that (q - offset) * w = 0 as the skipped taps.
      gemm.run_float(
          ctx.exec(), hw,
          [&](int64_t m, int8_t* tmp) { return conv_row(g, direct, q, b * hw + m, tmp, [&](int) { return offset; }); },
          ctx.scratch(scratch), fo);
    }
  }

 private:
  ref::ConvGeometry g_;
  const float* w_scales_;
  bool asymmetric_;
  int64_t batch_size_;
};

// FULLY_CONNECTED, hybrid: as ref::fully_connected_hybrid.
class FullyConnectedHybridS8 : public FastKernel {
 public:
  FullyConnectedHybridS8(int64_t batch, int depth, int units, float w_scale, bool asymmetric, float lo, float hi)
      : batch_(batch), depth_(depth), units_(units), w_scale_(w_scale), asymmetric_(asymmetric), lo_(lo), hi_(hi) {}
  GemmS8 gemm;
  int scratch = -1, qscratch = -1;
  size_t qscratch_bytes() const { return static_cast<size_t>(std::max<int64_t>(batch_ * (8 + depth_), 1)); }

  void run(OpContext& ctx) override {
    const float* input = ctx.input(0).data_as<float>();
    const float* bias = ctx.has_input(2) ? ctx.input(2).data_as<float>() : nullptr;
    float* out = ctx.output(0).data_as<float>();
    const int64_t total = batch_ * depth_;
    const bool all_zero = std::all_of(input, input + total, [](float v) { return v == 0.0f; });
    if (all_zero) {  // the reference's shortcut: the activation of the bias
      for (int64_t b = 0; b < batch_; ++b)
        for (int u = 0; u < units_; ++u)
          out[b * units_ + u] = std::min(std::max(bias ? bias[u] : 0.0f, lo_), hi_);
      return;
    }
    uint8_t* qs = ctx.scratch(qscratch);
    auto* scales = reinterpret_cast<float*>(qs);
    auto* zps = reinterpret_cast<int32_t*>(qs + batch_ * 4);
    auto* q = reinterpret_cast<int8_t*>(qs + batch_ * 8);
    for (int64_t b = 0; b < batch_; ++b) {
      float scale = 1;
      int32_t zp = 0;
      if (asymmetric_)
        opt::asymmetric_quantize_floats(ctx.exec().isa, input + b * depth_, depth_, q + b * depth_, &scale, &zp);
      else
        opt::symmetric_quantize_floats(ctx.exec().isa, input + b * depth_, depth_, q + b * depth_, &scale);
      scales[b] = scale * w_scale_;
      zps[b] = zp;
    }
    const int32_t* sums = gemm.weight_sums().data();
    gemm.run_raw(
        ctx.exec(), batch_, gemm.in_place(q), ctx.scratch(scratch),
        [&](int64_t m0, int rows, int nb, int ne, const int32_t* acc, int64_t stride) {
          for (int r = 0; r < rows; ++r) {
            const int64_t b = m0 + r;
            float* o = out + b * units_;
            const uint32_t zp = static_cast<uint32_t>(asymmetric_ ? zps[b] : 0);
            for (int u = nb; u < ne; ++u) {
              const auto dot = static_cast<int32_t>(static_cast<uint32_t>(acc[r * stride + u]) -
                                                    zp * static_cast<uint32_t>(sums[u]));
              float v = bias ? bias[u] : 0.0f;
              v += static_cast<float>(dot) * scales[b];
              o[u] = std::min(std::max(v, lo_), hi_);
            }
          }
        });
  }

 private:
  int64_t batch_;
  int depth_, units_;
  float w_scale_;
  bool asymmetric_;
  float lo_, hi_;
};

// ---- DEPTHWISE_CONV_2D -------------------------------------------------------------------

class DepthwiseS8 : public FastKernel {
 public:
  DepthwiseS8(const ref::ConvGeometry& g, int32_t input_offset, bool avx512)
      : g_(g), input_offset_(input_offset), avx512_(avx512) {}

  bool prepare(const int8_t* filter, const int32_t* bias, const ref::QuantOutput& q) {
    cpad_ = round_up(g_.out_c, 16);
    const int taps = g_.filter_h * g_.filter_w;
    if (!rq_.build(q, true, g_.out_c, cpad_, acc_bounds(filter, g_.out_c, taps, 1, g_.out_c, bias).data()))
      return false;
    w32_.assign(static_cast<size_t>(taps) * cpad_, 0);
    for (int t = 0; t < taps; ++t)
      for (int c = 0; c < g_.out_c; ++c) w32_[static_cast<size_t>(t) * cpad_ + c] = filter[int64_t{t} * g_.out_c + c];
    bias_.assign(cpad_, 0);
    if (bias) std::copy(bias, bias + g_.out_c, bias_.begin());
    wrow_sum_.assign(static_cast<size_t>(g_.filter_h) * cpad_, 0);
    for (int ky = 0; ky < g_.filter_h; ++ky)
      for (int kx = 0; kx < g_.filter_w; ++kx)
        for (int c = 0; c < g_.out_c; ++c)
          wrow_sum_[static_cast<size_t>(ky) * cpad_ + c] += w32_[(static_cast<size_t>(ky) * g_.filter_w + kx) * cpad_ + c];
    return true;
  }
  size_t state_bytes() const {
    return (w32_.size() + bias_.size() + wrow_sum_.size() + init_.size()) * 4 + w16_.size() * 2 + wq_.size() +
           rq_.bytes();
  }

  // AVX-512 with tap pairs (kernels/x86/dw_pairs_s8.h); call after prepare. Returns the
  // scratch bytes it needs for `threads` threads.
  size_t use_pairs(const int8_t* filter, int threads) {
    const auto& g = g_;
    w16_ = dw_pair_weights(g, filter);
    init_.assign(cpad_, 0);
    for (int c = 0; c < g.out_c; ++c) {
      uint32_t sum = 0;
      for (int ky = 0; ky < g.filter_h; ++ky) sum += static_cast<uint32_t>(wrow_sum_[static_cast<size_t>(ky) * cpad_ + c]);
      init_[c] = static_cast<int32_t>(static_cast<uint32_t>(bias_[c]) + static_cast<uint32_t>(input_offset_) * sum);
    }
    auto& a = pairs_;
    a = dw_pairs_args(g);
    a.w = w16_.data();
    a.init = init_.data();
    a.rq = rq_.rq;
    a.zero_point = static_cast<int8_t>(-input_offset_);
    threads_ = std::max(threads, 1);
    use_pairs_ = true;
    // The tap-pair kernel reads w16_ and init_ only: the int32 copies go.
    std::vector<int32_t>().swap(w32_);
    std::vector<int32_t>().swap(bias_);
    std::vector<int32_t>().swap(wrow_sum_);
    return dw_pairs_per_thread(a) * static_cast<size_t>(threads_);
  }
  int scratch = -1;

  // AVX-512 VNNI + VBMI with four filter rows per lane (dw_s8_quads_avx512vnnivbmi); call
  // after prepare, for a geometry dw_quads_fit accepts.
  void use_quads(const int8_t* filter) {
    const auto& g = g_;
    const int k = g.filter_w, groups = (g.filter_h + 3) / 4;
    wq_.assign(static_cast<size_t>(cpad_) * k * groups * 4, 0);
    for (int c = 0; c < g.out_c; ++c)
      for (int kx = 0; kx < k; ++kx)
        for (int ky = 0; ky < g.filter_h; ++ky) {
          const size_t at = ((static_cast<size_t>(c / 16) * k + kx) * groups + ky / 4) * 64 + (c % 16) * 4 + ky % 4;
          wq_[at] = filter[(int64_t{ky} * k + kx) * g.out_c + c];
        }
    init_.assign(cpad_, 0);
    for (int c = 0; c < g.out_c; ++c) {
      uint32_t sum = 0;
      for (int ky = 0; ky < g.filter_h; ++ky) sum += static_cast<uint32_t>(wrow_sum_[static_cast<size_t>(ky) * cpad_ + c]);
      init_[c] = static_cast<int32_t>(static_cast<uint32_t>(bias_[c]) + static_cast<uint32_t>(input_offset_ - 128) * sum);
    }
    use_quads_ = true;
    std::vector<int32_t>().swap(w32_);
    std::vector<int32_t>().swap(bias_);
    std::vector<int32_t>().swap(wrow_sum_);
  }

  void run(OpContext& ctx) override {
    if (use_pairs_) {
      run_pairs(ctx);
      return;
    }
    s8::DwArgs d{};
    d.in = ctx.input(0).data_as<int8_t>();
    d.batch = g_.batch;
    d.in_h = g_.in_h;
    d.in_w = g_.in_w;
    d.c = g_.out_c;
    d.kh = g_.filter_h;
    d.kw = g_.filter_w;
    d.sh = g_.stride_h;
    d.sw = g_.stride_w;
    d.dh = g_.dilation_h;
    d.dw = g_.dilation_w;
    d.pad_t = g_.pad_top;
    d.pad_l = g_.pad_left;
    d.out_h = g_.out_h;
    d.out_w = g_.out_w;
    d.in_off = input_offset_;
    d.w32 = w32_.data();
    d.bias = bias_.data();
    d.wrow_sum = wrow_sum_.data();
    d.cpad = cpad_;
    d.rq = rq_.rq;
    d.out = ctx.output(0).data_as<int8_t>();
    d.wq = wq_.data();
    d.quad_init = init_.data();
    const int64_t rows = int64_t{g_.batch} * g_.out_h;
    // Small layers run on one thread: waking the pool costs more than it saves.
    const double macs = static_cast<double>(rows) * g_.out_w * g_.out_c * g_.filter_h * g_.filter_w;
    const size_t grain = macs < GemmS8::kMinParallelMacs ? static_cast<size_t>(rows) : 1;
    parallel_for(ctx.exec(), static_cast<size_t>(rows), grain, [&](size_t b, size_t e) {
      if (use_quads_) s8::dw_s8_quads_avx512vnnivbmi(d, static_cast<int64_t>(b), static_cast<int64_t>(e));
      else if (avx512_) s8::dw_s8_avx512(d, static_cast<int64_t>(b), static_cast<int64_t>(e));
      else s8::dw_s8_avx2(d, static_cast<int64_t>(b), static_cast<int64_t>(e));
    });
  }

 private:
  void run_pairs(OpContext& ctx) {
    x86::DwPairsS8Args a = pairs_;
    a.in = ctx.input(0).data_as<int8_t>();
    a.out = ctx.output(0).data_as<int8_t>();
    run_dw_pairs(ctx.exec(), a, threads_, ctx.scratch(scratch));
  }

  ref::ConvGeometry g_;
  int32_t input_offset_;
  bool avx512_;
  int cpad_ = 0;
  std::vector<int32_t> w32_, bias_, wrow_sum_, init_;
  std::vector<int16_t> w16_;
  std::vector<int8_t> wq_;
  RequantArrays rq_;
  bool use_pairs_ = false, use_quads_ = false;
  int threads_ = 1;
  x86::DwPairsS8Args pairs_{};
};

// ---- FULLY_CONNECTED -----------------------------------------------------------------------

class FullyConnectedS8 : public FastKernel {
 public:
  FullyConnectedS8(int64_t batch, int depth, int units) : batch_(batch), depth_(depth), units_(units) {}
  GemmS8 gemm;
  int scratch = -1;

  void run(OpContext& ctx) override {
    const int8_t* in = ctx.input(0).data_as<int8_t>();
    gemm.run(ctx.exec(), batch_, gemm.in_place(in), ctx.output(0).data_as<int8_t>(), units_, ctx.scratch(scratch));
  }

 private:
  int64_t batch_;
  int depth_, units_;
};

// ---- TRANSPOSE_CONV ------------------------------------------------------------------------
// As the float kernel (conv_f32.cc): a GEMM X[M x in_c] * Wt[in_c x N] over the M = batch
// * in_h * in_w input pixels, N = (ky, kx, oc), with int32 sums (exact, wrapping as the
// reference's int32 accumulators, so any order gives the reference's bits).
//   direct (stride == filter, no padding, out = in * stride): every output gets exactly
//     one tap, so one GEMM per ky (N = kw * out_c, bias and input offset in its start,
//     per-channel requantization) writes output row iy * kh + ky straight from a panel of
//     input pixels of one input row (ldc kw * out_c);
//   general: the raw int32 sums (input offset included) go to scratch C [M x N], then each
//     output pixel adds its taps and the bias and is requantized as the reference does.
class TransposeConvS8 : public FastKernel {
 public:
  TransposeConvS8(const ref::ConvGeometry& g, bool direct, const ref::QuantOutput& q) : g_(g), direct_(direct), q_(q) {}
  std::vector<GemmS8> gemm;  // direct: one per ky; general: one (raw)
  std::vector<int32_t> bias;  // general only, empty when none (direct: in the GEMM's start)
  int input = 0;
  int scratch = -1;
  int threads = 1;

  size_t panel_bytes() const { return (gemm[0].panel_bytes() + 63) / 64 * 64; }
  int64_t c_elems() const {
    return direct_ ? 0 : int64_t{g_.batch} * g_.in_h * g_.in_w * g_.filter_h * g_.filter_w * g_.out_c;
  }
  size_t scratch_bytes() const { return panel_bytes() * threads + static_cast<size_t>(c_elems()) * 4; }

  void run(OpContext& ctx) override {
    const auto& g = g_;
    const int8_t* in = ctx.input(input).data_as<int8_t>();
    int8_t* out = ctx.output(0).data_as<int8_t>();
    uint8_t* scr = ctx.scratch(scratch);
    ExecConfig exec = ctx.exec();
    const int64_t m = int64_t{g.batch} * g.in_h * g.in_w;
    const int64_t n_all = int64_t{g.filter_h} * g.filter_w * g.out_c;
    const int64_t k = g.in_c;
    if (static_cast<double>(m) * static_cast<double>(n_all) * static_cast<double>(k) < GemmS8::kMinParallelMacs)
      exec.pool = nullptr;
    const int nthreads = std::min(exec.threads(), threads);
    auto row = [&](int64_t mm, int8_t*) { return in + mm * k; };
    constexpr int kChunk = GemmS8::kRowsPerChunk;
    if (direct_) {
      // Tasks: (input row, chunk of up to kChunk pixels of it).
      const int64_t per_row = (g.in_w + kChunk - 1) / kChunk;
      const int64_t tasks = int64_t{g.batch} * g.in_h * per_row;
      const int64_t slots = std::min<int64_t>(nthreads, tasks);
      const int n = g.filter_w * g.out_c;
      parallel_for(exec, static_cast<size_t>(slots), 1, [&](size_t sb, size_t se) {
        for (size_t slot = sb; slot < se; ++slot) {
          uint8_t* panel = scr + slot * panel_bytes();
          const int64_t t0 = static_cast<int64_t>(slot) * tasks / slots;
          const int64_t t1 = static_cast<int64_t>(slot + 1) * tasks / slots;
          for (int64_t t = t0; t < t1; ++t) {
            const int64_t r = t / per_row;  // b * in_h + iy
            const int ix0 = static_cast<int>(t % per_row) * kChunk;
            const int rows = std::min(kChunk, g.in_w - ix0);
            gemm[0].pack_panel(r * g.in_w + ix0, rows, row, panel);
            const int64_t b = r / g.in_h, iy = r % g.in_h;
            for (int ky = 0; ky < g.filter_h; ++ky) {
              int8_t* o = out + ((b * g.out_h + iy * g.filter_h + ky) * g.out_w + int64_t{ix0} * g.filter_w) * g.out_c;
              gemm[ky].gemm_panel(panel, rows, 0, n, o, n, nullptr, 0);
            }
          }
        }
      });
      return;
    }
    auto* c = reinterpret_cast<int32_t*>(scr + panel_bytes() * threads);
    const int64_t chunks = (m + kChunk - 1) / kChunk;
    const int64_t slots = std::min<int64_t>(nthreads, chunks);
    parallel_for(exec, static_cast<size_t>(slots), 1, [&](size_t sb, size_t se) {
      for (size_t slot = sb; slot < se; ++slot) {
        uint8_t* panel = scr + slot * panel_bytes();
        const int64_t t0 = static_cast<int64_t>(slot) * chunks / slots;
        const int64_t t1 = static_cast<int64_t>(slot + 1) * chunks / slots;
        for (int64_t t = t0; t < t1; ++t) {
          const int64_t m0 = t * kChunk;
          const int rows = static_cast<int>(std::min<int64_t>(kChunk, m - m0));
          gemm[0].pack_panel(m0, rows, row, panel);
          gemm[0].gemm_panel(panel, rows, 0, static_cast<int>(n_all), nullptr, 0, c + m0 * n_all, n_all);
        }
      }
    });
    parallel_for(exec, static_cast<size_t>(g.batch) * g.out_h, 1, [&](size_t b, size_t e) {
      std::vector<uint32_t> acc(static_cast<size_t>(g.out_c));
      for (size_t r = b; r < e; ++r) col2im_row(c, static_cast<int64_t>(r), acc.data(), out);
    });
  }

 private:
  // Output row r = b * out_h + oy: the taps' sums, plus the bias, requantized.
  void col2im_row(const int32_t* c, int64_t r, uint32_t* acc, int8_t* out) const {
    const auto& g = g_;
    const int64_t bb = r / g.out_h;
    const int oy = static_cast<int>(r % g.out_h);
    const int oc_n = g.out_c;
    const int64_t n_all = int64_t{g.filter_h} * g.filter_w * oc_n;
    for (int ox = 0; ox < g.out_w; ++ox) {
      for (int oc = 0; oc < oc_n; ++oc) acc[oc] = bias.empty() ? 0u : static_cast<uint32_t>(bias[oc]);
      for (int ky = 0; ky < g.filter_h; ++ky) {
        const int ty = oy + g.pad_top - ky;
        if (ty < 0 || ty % g.stride_h != 0 || ty / g.stride_h >= g.in_h) continue;
        const int iy = ty / g.stride_h;
        for (int kx = 0; kx < g.filter_w; ++kx) {
          const int tx = ox + g.pad_left - kx;
          if (tx < 0 || tx % g.stride_w != 0 || tx / g.stride_w >= g.in_w) continue;
          const int ix = tx / g.stride_w;
          const int32_t* src = c + ((bb * g.in_h + iy) * g.in_w + ix) * n_all + (int64_t{ky} * g.filter_w + kx) * oc_n;
          for (int oc = 0; oc < oc_n; ++oc) acc[oc] += static_cast<uint32_t>(src[oc]);
        }
      }
      int8_t* o = out + (r * g.out_w + ox) * oc_n;
      for (int oc = 0; oc < oc_n; ++oc)
        o[oc] = static_cast<int8_t>(ref::requantize<int32_t>(static_cast<int32_t>(acc[oc]), q_, oc));
    }
  }

  ref::ConvGeometry g_;
  bool direct_;
  ref::QuantOutput q_;
};

}  // namespace

int64_t s8::fast_kernels_made() { return g_made.load(); }

// CONV_2D with 1..4 output channels: per-pixel dot products of filter rows
// (kernels/x86/conv_narrow_s8.h), then the reference's requantization per output.
class ConvNarrowS8 : public FastKernel {
 public:
  ConvNarrowS8(const ref::ConvGeometry& g, int32_t input_offset, const ref::QuantOutput& q) : g_(g), q_(q) {
    args_.in_off = input_offset;
    // The vector requantization over a row of out_w * out_c values: the channels' parameters
    // repeated over a period of 8 (out_c 1, 2, 4) or 24 (out_c 3).
    period_ = g.out_c == 3 ? 24 : 8;
    std::vector<int32_t> mult(period_), shift(period_);
    for (int i = 0; i < period_; ++i) mult[i] = q.multiplier[i % g.out_c], shift[i] = q.shift[i % g.out_c];
    ref::QuantOutput qp = q;
    qp.multiplier = mult.data();
    qp.shift = shift.data();
    vector_rq_ = rq_.build(qp, true, period_, period_);
  }
  size_t state_bytes() const { return rq_.bytes() + row_sum.size() * 4; }
  std::vector<int32_t> row_sum;
  const int32_t* bias = nullptr;
  const int8_t* filter = nullptr;
  int scratch = -1;

  size_t scratch_bytes(int threads) const {
    return static_cast<size_t>(threads) * static_cast<size_t>(g_.out_w) * g_.out_c * sizeof(int32_t);
  }

  void run(OpContext& ctx) override {
    const auto& g = g_;
    x86::ConvNarrowS8Args a = args_;
    a.in = ctx.input(0).data_as<int8_t>();
    a.batch = g.batch, a.in_h = g.in_h, a.in_w = g.in_w, a.in_c = g.in_c;
    a.kh = g.filter_h, a.kw = g.filter_w, a.stride_h = g.stride_h, a.stride_w = g.stride_w, a.dil_h = g.dilation_h;
    a.pad_top = g.pad_top, a.pad_left = g.pad_left, a.out_h = g.out_h, a.out_w = g.out_w, a.out_c = g.out_c;
    a.filter = filter;
    a.row_sum = row_sum.data();
    a.bias = bias;
    int8_t* out = ctx.output(0).data_as<int8_t>();
    auto* buffers = reinterpret_cast<int32_t*>(ctx.scratch(scratch));
    const int64_t row_values = int64_t{g.out_w} * g.out_c;
    // Rows are cut into `threads` contiguous parts; part t accumulates in buffer t, so no
    // two concurrent parts share a buffer.
    const int threads = ctx.exec().threads();
    const size_t rows = static_cast<size_t>(g.batch) * g.out_h;
    const size_t per = (rows + threads - 1) / threads;
    parallel_for(ctx.exec(), static_cast<size_t>(threads), 1, [&](size_t t0, size_t t1) {
      for (size_t t = t0; t < t1; ++t) {
        int32_t* acc = buffers + static_cast<int64_t>(t) * row_values;
        for (size_t r = t * per; r < std::min(rows, (t + 1) * per); ++r) {
          x86::conv_narrow_row_s8_avx2(a, static_cast<int64_t>(r), acc);
          int8_t* o = out + static_cast<int64_t>(r) * row_values;
          if (vector_rq_) {
            s8::requant_row_s8_avx2(rq_.rq, period_, acc, row_values, o);
          } else {
            for (int64_t i = 0; i < row_values; ++i)
              o[i] = static_cast<int8_t>(ref::requantize<int32_t>(acc[i], q_, static_cast<int>(i % g.out_c)));
          }
        }
      }
    });
  }

 private:
  ref::ConvGeometry g_;
  ref::QuantOutput q_;
  x86::ConvNarrowS8Args args_{};
  RequantArrays rq_;
  int period_ = 8;
  bool vector_rq_ = false;
};

std::unique_ptr<FastKernel> make_conv_narrow_s8(OpContext& ctx, const ref::ConvGeometry& g, int32_t input_offset,
                                                const ref::QuantOutput& q, const int32_t* bias) {
  const Tensor& filter = ctx.input(1);
  const int64_t k = int64_t{g.filter_h} * g.filter_w * g.in_c;
  // int32 accumulation cannot overflow below 2^16 taps (|x + off| <= 255, |w| <= 128).
  if (g.out_c > 4 || g.dilation_w != 1 || k > 65536) return nullptr;
  auto kernel = std::make_unique<ConvNarrowS8>(g, input_offset, q);
  kernel->filter = filter.data_as<int8_t>();
  kernel->bias = bias;
  kernel->row_sum.assign(static_cast<size_t>(g.out_c) * g.filter_h, 0);
  const int64_t row_len = int64_t{g.filter_w} * g.in_c;
  for (int oc = 0; oc < g.out_c; ++oc)
    for (int ky = 0; ky < g.filter_h; ++ky) {
      int32_t s = 0;
      const int8_t* w = kernel->filter + (int64_t{oc} * g.filter_h + ky) * row_len;
      for (int64_t i = 0; i < row_len; ++i) s += w[i];
      kernel->row_sum[static_cast<size_t>(oc) * g.filter_h + ky] = s;
    }
  ctx.add_state_bytes(kernel->state_bytes());
  kernel->scratch = ctx.request_scratch(kernel->scratch_bytes(ctx.exec().threads()));
  ++g_made;
  return kernel;
}

// CONV_2D with output pixels across the lanes (kernels/x86/conv_lanes_s8.h): few output
// channels, or few input channels, with AVX-512 VNNI.
class ConvLanesS8 : public FastKernel {
 public:
  ConvLanesS8(const ref::ConvGeometry& g, const int8_t* filter, const int32_t* bias, int32_t input_offset) {
    const int groups = (g.in_c + 3) / 4;
    const int64_t taps = int64_t{g.filter_h} * g.filter_w;
    w_.assign(static_cast<size_t>(g.out_c * taps * groups), 0);
    init_.assign(static_cast<size_t>(g.out_c), 0);
    for (int oc = 0; oc < g.out_c; ++oc) {
      int64_t sum = 0;
      for (int64_t t = 0; t < taps; ++t)
        for (int c = 0; c < g.in_c; ++c) {
          const int8_t v = filter[(oc * taps + t) * g.in_c + c];
          sum += v;
          auto* bytes = reinterpret_cast<int8_t*>(&w_[static_cast<size_t>((oc * taps + t) * groups + c / 4)]);
          bytes[c % 4] = v;
        }
      // bias + (input_offset - 128) * sum(w) in int32 with wrap-around: the planes hold x + 128.
      init_[static_cast<size_t>(oc)] = static_cast<int32_t>(
          static_cast<uint32_t>(bias ? bias[oc] : 0) +
          static_cast<uint32_t>(input_offset - 128) * static_cast<uint32_t>(wrap(sum)));
    }
    a_.batch = g.batch, a_.in_h = g.in_h, a_.in_w = g.in_w, a_.in_c = g.in_c;
    a_.kh = g.filter_h, a_.kw = g.filter_w, a_.stride_h = g.stride_h, a_.stride_w = g.stride_w;
    a_.dil_h = g.dilation_h, a_.dil_w = g.dilation_w, a_.pad_top = g.pad_top, a_.pad_left = g.pad_left;
    a_.out_h = g.out_h, a_.out_w = g.out_w, a_.out_c = g.out_c, a_.groups = groups;
    a_.w = w_.data();
    a_.init = init_.data();
    a_.pad = static_cast<uint8_t>(-input_offset + 128);
  }
  RequantArrays rq;
  int scratch = -1;
  size_t per_thread() const { return (x86::conv_lanes_scratch_s8(a_) + 63) / 64 * 64; }
  size_t state_bytes() const { return (w_.size() + init_.size()) * 4 + rq.bytes(); }
  void set_requant() { a_.rq = rq.rq; }

  void run(OpContext& ctx) override {
    x86::ConvLanesS8Args a = a_;
    a.in = ctx.input(0).data_as<int8_t>();
    a.out = ctx.output(0).data_as<int8_t>();
    uint8_t* scratch_base = ctx.scratch(scratch);
    const int64_t rows = int64_t{a.batch} * a.out_h;
    const double macs = static_cast<double>(rows) * a.out_w * a.out_c * a.kh * a.kw * a.in_c;
    const int threads = macs < GemmS8::kMinParallelMacs ? 1 : std::min<int>(ctx.exec().threads(), threads_);
    // Contiguous row ranges, one per thread: each keeps its cached input rows.
    parallel_for(ctx.exec(), static_cast<size_t>(threads), 1, [&](size_t t0, size_t t1) {
      for (size_t t = t0; t < t1; ++t)
        x86::conv_lanes_rows_s8_avx512vnni(a, rows * static_cast<int64_t>(t) / threads,
                                           rows * static_cast<int64_t>(t + 1) / threads,
                                           scratch_base + t * per_thread());
    });
  }
  int threads_ = 1;

 private:
  std::vector<int32_t> w_, init_;
  x86::ConvLanesS8Args a_{};
};

// The lanes kernel pays where the GEMM's 16-channel tiles would be mostly empty (few
// output channels) or its per-pixel im2col rows are short (few input channels).
std::unique_ptr<FastKernel> make_conv_lanes_s8(OpContext& ctx, Isa isa, const ref::ConvGeometry& g,
                                               int32_t input_offset, const ref::QuantOutput& q, const int32_t* bias) {
  if (isa < Isa::kAvx512Vnni) return nullptr;
  if (!(g.out_c <= 8 || (g.in_c <= 4 && g.out_c <= 32))) return nullptr;
  const int64_t k = int64_t{g.filter_h} * g.filter_w * g.in_c;
  // int32 sums of (x + 128) * w stay exact below 2^16 taps; the tap loops keep rows[kh].
  if (k > 65536 || g.filter_h > 64 || g.stride_w > 64 || g.out_w > (1 << 24)) return nullptr;
  if (input_offset < -127 || input_offset > 128) return nullptr;
  const int8_t* filter = ctx.input(1).data_as<int8_t>();
  auto kernel = std::make_unique<ConvLanesS8>(g, filter, bias, input_offset);
  if (!kernel->rq.build(q, true, g.out_c, g.out_c, acc_bounds(filter, g.out_c, k, k, 1, bias).data())) return nullptr;
  kernel->set_requant();
  kernel->threads_ = std::max(ctx.exec().threads(), 1);
  ctx.add_state_bytes(kernel->state_bytes());
  kernel->scratch = ctx.request_scratch(kernel->per_thread() * static_cast<size_t>(kernel->threads_));
  ctx.packed_input(1);
  ctx.packed_input(2);
  ++g_made;
  return kernel;
}

std::unique_ptr<FastKernel> make_conv_s8(OpContext& ctx, const ref::ConvGeometry& g, int32_t input_offset,
                                         const ref::QuantOutput& q) {
  const Isa isa = std::min(ctx.exec().isa, detect_isa());  // never above what the CPU has
  if (isa < Isa::kAvx2) return nullptr;
  const Tensor& filter = ctx.input(1);
  if (!filter.is_constant() || filter.type != DType::kInt8 || filter.dim(3) != g.in_c) return nullptr;
  bool ok = false;
  const int32_t* bias = constant_bias(ctx, 2, &ok);
  if (!ok) return nullptr;
  if (auto lanes = make_conv_lanes_s8(ctx, isa, g, input_offset, q, bias)) return lanes;
  if (g.out_c <= 4) {
    if (auto narrow = make_conv_narrow_s8(ctx, g, input_offset, q, bias)) return narrow;
  }
  const int64_t k = int64_t{g.filter_h} * g.filter_w * g.in_c;
  if (k > (1 << 24) || input_offset < -127 || input_offset > 128) return nullptr;
  auto kernel = std::make_unique<ConvS8>(g, input_offset);
  if (!kernel->gemm.prepare(isa, filter.data_as<int8_t>(), bias, input_offset, &q, true, g.out_c,
                            static_cast<int>(k), ctx.exec().threads()))
    return nullptr;
  ctx.add_state_bytes(kernel->gemm.state_bytes());
  // Last: adding a scratch buffer may move the tensors.
  kernel->scratch = ctx.request_scratch(kernel->gemm.scratch_bytes());
  ctx.packed_input(1);
  ctx.packed_input(2);
  ++g_made;
  return kernel;
}

x86::DwPairsS8Args dw_pairs_args(const ref::ConvGeometry& g) {
  x86::DwPairsS8Args a{};
  a.batch = g.batch, a.in_h = g.in_h, a.in_w = g.in_w, a.c = g.out_c;
  a.kh = g.filter_h, a.kw = g.filter_w, a.stride_h = g.stride_h, a.stride_w = g.stride_w;
  a.dil_h = g.dilation_h, a.dil_w = g.dilation_w, a.pad_top = g.pad_top, a.pad_left = g.pad_left;
  a.out_h = g.out_h, a.out_w = g.out_w, a.blocks = (g.out_c + 15) / 16, a.pairs = (g.filter_w + 1) / 2;
  return a;
}

std::vector<int16_t> dw_pair_weights(const ref::ConvGeometry& g, const int8_t* filter) {
  const int64_t cpad = round_up(g.out_c, 16), pairs = (g.filter_w + 1) / 2;
  std::vector<int16_t> w(static_cast<size_t>(g.filter_h * pairs * cpad * 2), 0);
  for (int ky = 0; ky < g.filter_h; ++ky)
    for (int kx = 0; kx < g.filter_w; ++kx)
      for (int c = 0; c < g.out_c; ++c)
        w[static_cast<size_t>(((ky * pairs + kx / 2) * cpad + c) * 2 + kx % 2)] =
            filter[(int64_t{ky} * g.filter_w + kx) * g.out_c + c];
  return w;
}

size_t dw_pairs_per_thread(const x86::DwPairsS8Args& a) { return (x86::dw_pairs_scratch_s8(a) + 63) / 64 * 64; }

void run_dw_pairs(const ExecConfig& exec, const x86::DwPairsS8Args& a, int max_threads, uint8_t* scratch) {
  const int64_t rows = int64_t{a.batch} * a.out_h;
  const size_t per_thread = dw_pairs_per_thread(a);
  // Small layers run on one thread: waking the pool costs more than it saves.
  const double macs = static_cast<double>(rows) * a.out_w * a.c * a.kh * a.kw;
  const int threads = macs < GemmS8::kMinParallelMacs ? 1 : std::min<int>(exec.threads(), max_threads);
  parallel_for(exec, static_cast<size_t>(threads), 1, [&](size_t t0, size_t t1) {
    for (size_t t = t0; t < t1; ++t)
      x86::dw_pairs_rows_s8_avx512(a, rows * static_cast<int64_t>(t) / threads,
                                   rows * static_cast<int64_t>(t + 1) / threads, scratch + t * per_thread);
  });
}

// The geometries dw_s8_quads_avx512vnnivbmi covers (kernels_s8.h); int8 zero points only.
static bool dw_quads_fit(const s8::DwArgs& d) {
  return d.kh == d.kw && (d.kw == 3 || d.kw == 5) && (d.sw == 1 || d.sw == 2) && d.dw == 1 && d.in_off >= -127 &&
         d.in_off <= 128;
}

std::unique_ptr<FastKernel> make_depthwise_s8(OpContext& ctx, const ref::ConvGeometry& g, int multiplier,
                                              int32_t input_offset, const ref::QuantOutput& q) {
  const Isa isa = std::min(ctx.exec().isa, detect_isa());  // never above what the CPU has
  if (isa < Isa::kAvx2 || multiplier != 1) return nullptr;
  const Tensor& filter = ctx.input(1);
  if (!filter.is_constant() || filter.type != DType::kInt8) return nullptr;
  bool ok = false;
  const int32_t* bias = constant_bias(ctx, 2, &ok);
  if (!ok) return nullptr;
  auto kernel = std::make_unique<DepthwiseS8>(g, input_offset, isa >= Isa::kAvx512);
  if (!kernel->prepare(filter.data_as<int8_t>(), bias, q)) return nullptr;
  // With VNNI and VBMI, square 3x3 and 5x5 filters take four filter rows per vpdpbusd
  // lane (dw_s8_quads): per layer 0.67-0.75x the time of the kernels below on
  // pose_landmark_full (0.75-0.97x on its 8x8 to 2x2 maps), 0.43-0.50x on
  // hand_landmark_full (5x5), 0.65-0.73x on the 8-channel layers (two pixels per vector,
  // as dw_pairs_c8).
  // Else tap pairs on AVX-512, but for 8 channels at stride 1 (two pixels per vector there).
  // Rows wide enough for dw_s8_avx512's groups of 8 pixels (exact float32 sums, each input
  // loaded once) take those. Per layer against the tap pairs (hand_landmark_full and
  // pose_landmark_heavy int8): mostly 0.70-0.97x from 7 to 128 columns (a few layers at
  // 0.99-1.12x), mixed at 8 (0.87-1.15x), 1.3-1.6x at 4 columns and fewer.
  s8::DwArgs shape{};
  shape.c = g.out_c, shape.kh = g.filter_h, shape.kw = g.filter_w, shape.sw = g.stride_w, shape.dw = g.dilation_w;
  shape.in_off = input_offset;
  const bool quads = isa >= Isa::kAvx512Vnni && cpu_has_avx512vbmi() && dw_quads_fit(shape);
  const bool reuse = isa >= Isa::kAvx512 && g.out_w >= 6 && s8::dw_s8_avx512_reuses(shape);  // AVX-512 code
  const bool pairs =
      isa >= Isa::kAvx512 && g.filter_h <= 64 && !(g.out_c == 8 && g.stride_w == 1) && !reuse && !quads;
  if (quads) kernel->use_quads(filter.data_as<int8_t>());
  if (pairs) {
    const size_t bytes = kernel->use_pairs(filter.data_as<int8_t>(), ctx.exec().threads());
    // Last: adding a scratch buffer may move the tensors.
    kernel->scratch = ctx.request_scratch(bytes);
  }
  ctx.add_state_bytes(kernel->state_bytes());
  ctx.packed_input(1);
  ctx.packed_input(2);
  ++g_made;
  return kernel;
}

std::unique_ptr<FastKernel> make_fully_connected_s8(OpContext& ctx, int64_t batch, int depth, int units,
                                                    int32_t input_offset, const ref::QuantOutput& q) {
  const Isa isa = std::min(ctx.exec().isa, detect_isa());  // never above what the CPU has
  if (isa < Isa::kAvx2) return nullptr;
  const Tensor& w = ctx.input(1);
  if (!w.is_constant() || w.type != DType::kInt8) return nullptr;
  bool ok = false;
  const int32_t* bias = constant_bias(ctx, 2, &ok);
  if (!ok) return nullptr;
  auto kernel = std::make_unique<FullyConnectedS8>(batch, depth, units);
  if (!kernel->gemm.prepare(isa, w.data_as<int8_t>(), bias, input_offset, &q, false, units, depth,
                            ctx.exec().threads()))
    return nullptr;
  ctx.add_state_bytes(kernel->gemm.state_bytes());
  kernel->scratch = ctx.request_scratch(kernel->gemm.scratch_bytes());
  ctx.packed_input(1);
  ctx.packed_input(2);
  ++g_made;
  return kernel;
}

std::unique_ptr<FastKernel> make_conv_hybrid_s8(OpContext& ctx, const ref::ConvGeometry& g, const float* w_scales,
                                                bool asymmetric) {
  const Isa isa = std::min(ctx.exec().isa, detect_isa());
  if (isa < Isa::kAvx2) return nullptr;
  const Tensor& in = ctx.input(0);
  const Tensor& filter = ctx.input(1);
  if (!filter.is_constant() || filter.type != DType::kInt8 || filter.dim(3) != g.in_c) return nullptr;
  const int64_t k = int64_t{g.filter_h} * g.filter_w * g.in_c;
  if (k > (1 << 24)) return nullptr;
  const int64_t batch_size = in.dim(0) > 0 ? in.num_elements() / in.dim(0) : 0;
  auto kernel = std::make_unique<ConvHybridS8>(g, w_scales, asymmetric, batch_size);
  if (!kernel->gemm.prepare(isa, filter.data_as<int8_t>(), nullptr, 0, nullptr, true, g.out_c, static_cast<int>(k),
                            ctx.exec().threads()))
    return nullptr;
  ctx.add_state_bytes(kernel->gemm.state_bytes());
  kernel->scratch = ctx.request_scratch(kernel->gemm.scratch_bytes());
  kernel->qscratch = ctx.request_scratch(kernel->qscratch_bytes());
  ctx.packed_input(1);  // the float bias is read at every run
  ++g_made;
  return kernel;
}

std::unique_ptr<FastKernel> make_fully_connected_hybrid_s8(OpContext& ctx, int64_t batch, int depth, int units,
                                                           float w_scale, bool asymmetric, float act_min,
                                                           float act_max) {
  const Isa isa = std::min(ctx.exec().isa, detect_isa());
  if (isa < Isa::kAvx2) return nullptr;
  const Tensor& w = ctx.input(1);
  if (!w.is_constant() || w.type != DType::kInt8) return nullptr;
  auto kernel = std::make_unique<FullyConnectedHybridS8>(batch, depth, units, w_scale, asymmetric, act_min, act_max);
  if (!kernel->gemm.prepare(isa, w.data_as<int8_t>(), nullptr, 0, nullptr, false, units, depth, ctx.exec().threads()))
    return nullptr;
  ctx.add_state_bytes(kernel->gemm.state_bytes());
  kernel->scratch = ctx.request_scratch(kernel->gemm.scratch_bytes());
  kernel->qscratch = ctx.request_scratch(kernel->qscratch_bytes());
  ctx.packed_input(1);  // the float bias is read at every run
  ++g_made;
  return kernel;
}

}  // namespace liteq::rt::opt

namespace liteq::rt::opt {

std::unique_ptr<FastKernel> make_transpose_conv_s8(OpContext& ctx, const ref::ConvGeometry& g, int input,
                                                   int weights, int bias_input, int32_t input_offset,
                                                   const ref::QuantOutput& q) {
  const Isa isa = std::min(ctx.exec().isa, detect_isa());  // never above what the CPU has
  if (isa < Isa::kAvx2) return nullptr;
  const int64_t m = int64_t{g.batch} * g.in_h * g.in_w;
  const int64_t n_all = int64_t{g.filter_h} * g.filter_w * g.out_c;
  // Empty tensors (the reference handles them) and sizes the GEMM's int fields cannot hold.
  if (m <= 0 || g.in_c <= 0 || n_all <= 0 || g.out_h <= 0 || g.out_w <= 0 || n_all > (int64_t{1} << 24) ||
      g.in_c > (1 << 24) || input_offset < -127 || input_offset > 128)
    return nullptr;
  const Tensor& filter = ctx.input(weights);
  if (!filter.is_constant() || filter.type != DType::kInt8) return nullptr;
  bool ok = false;
  const int32_t* bias = bias_input >= 0 ? constant_bias(ctx, bias_input, &ok) : (ok = true, nullptr);
  if (!ok) return nullptr;
  const bool direct = g.stride_h == g.filter_h && g.stride_w == g.filter_w && g.pad_top == 0 && g.pad_left == 0 &&
                      int64_t{g.out_h} == int64_t{g.in_h} * g.stride_h &&
                      int64_t{g.out_w} == int64_t{g.in_w} * g.stride_w;
  auto kernel = std::make_unique<TransposeConvS8>(g, direct, q);
  kernel->input = input;
  kernel->threads = std::max(ctx.exec().threads(), 1);
  if (kernel->c_elems() * 4 > (int64_t{1} << 28)) return nullptr;  // 256 MiB of scratch
  const int8_t* f = filter.data_as<int8_t>();
  const int oc_n = g.out_c, k = g.in_c;
  auto row_of = [&](int oc, int ky, int kx) { return f + ((int64_t{oc} * g.filter_h + ky) * g.filter_w + kx) * k; };
  std::vector<int8_t> rows;
  size_t bytes = 0;
  if (direct) {
    // Per ky: rows (kx, oc), the bias and the requantization of channel oc at each kx.
    const int n = g.filter_w * oc_n;
    rows.resize(static_cast<size_t>(n) * k);
    std::vector<int32_t> bias_rep(static_cast<size_t>(n), 0), mult(static_cast<size_t>(n)), shift(static_cast<size_t>(n));
    for (int kx = 0; kx < g.filter_w; ++kx)
      for (int oc = 0; oc < oc_n; ++oc) {
        const size_t i = static_cast<size_t>(kx) * oc_n + oc;
        if (bias) bias_rep[i] = bias[oc];
        mult[i] = q.multiplier[oc];
        shift[i] = q.shift[oc];
      }
    ref::QuantOutput qrep = q;
    qrep.multiplier = mult.data();
    qrep.shift = shift.data();
    kernel->gemm.resize(g.filter_h);
    for (int ky = 0; ky < g.filter_h; ++ky) {
      for (int kx = 0; kx < g.filter_w; ++kx)
        for (int oc = 0; oc < oc_n; ++oc)
          std::copy(row_of(oc, ky, kx), row_of(oc, ky, kx) + k, rows.begin() + (int64_t{kx} * oc_n + oc) * k);
      if (!kernel->gemm[ky].prepare(isa, rows.data(), bias_rep.data(), input_offset, &qrep, true, n, k, 1))
        return nullptr;
      bytes += kernel->gemm[ky].state_bytes();
    }
  } else {
    rows.resize(static_cast<size_t>(n_all) * k);
    for (int ky = 0; ky < g.filter_h; ++ky)
      for (int kx = 0; kx < g.filter_w; ++kx)
        for (int oc = 0; oc < oc_n; ++oc)
          std::copy(row_of(oc, ky, kx), row_of(oc, ky, kx) + k,
                    rows.begin() + ((int64_t{ky} * g.filter_w + kx) * oc_n + oc) * k);
    kernel->gemm.resize(1);
    // Raw: the int32 sums of (x + input_offset) * w, no bias or requantization.
    kernel->gemm[0].prepare(isa, rows.data(), nullptr, input_offset, nullptr, true, static_cast<int>(n_all), k, 1);
    if (bias) kernel->bias.assign(bias, bias + oc_n);
    bytes += kernel->gemm[0].state_bytes() + kernel->bias.size() * 4;
  }
  ctx.add_state_bytes(bytes);
  // Last: requesting scratch may move the tensors `filter` and `bias` refer to.
  kernel->scratch = ctx.request_scratch(kernel->scratch_bytes());
  ctx.packed_input(weights);
  ctx.packed_input(bias_input);
  ++g_made;
  return kernel;
}

}  // namespace liteq::rt::opt
