// 16x8 fast kernels (int16 activations with zero point 0, int8 weights) of CONV_2D,
// FULLY_CONNECTED and DEPTHWISE_CONV_2D: the dispatcher. It checks the case, packs the
// constant weights for the instruction set exec().isa allows, runs the plain ISA
// kernels of kernels_s16.h over threads: exact sums of the products (integer sums do
// not depend on their order when nothing overflows: see the bounds in kernels_s16.h),
// then every output as the reference finishes it: the sum plus the bias in int64,
// converted to the reference's accumulator type (int32 wraps around), requantized with
// ref::requantize's arithmetic, vectorized (VecRequant). Bit-exact with
// reference/conv_int8.h and reference/matmul_int8.h for every thread count
// (tests/kernels/optimized_s16_test.cc).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "kernels/exec.h"
#include "kernels/optimized/fast_kernels.h"
#include "kernels/optimized/gemm_path.h"
#include "kernels/optimized/kernels_s16.h"

namespace liteq::rt::opt {
namespace {

std::atomic<int64_t> g_made{0};

using Path = GemmPath;

constexpr double kMinParallelMacs = 1 << 19;  // below: one thread (waking the pool costs more)

// The reference's epilogue: sum + bias in int64, converted to the reference's
// accumulator type (int32 wraps around), requantized as ref::requantize does; vectorized
// (kernels_s16.h: s16::Requant). It covers every 16x8 case prepare accepts (output zero
// point 0, so the clamp range lies inside int16; non-negative multipliers); make_*
// returns null (the reference runs) otherwise. The per-channel constants are those of
// the reference's arithmetic (fixed_point.h, requant_int8.h): for int64 sums
// (multiply_by_quantized_multiplier(int64_t, ...)) the multiplier reduced to 16 bits and
// the right shift 15 - shift; for int32 sums (multiply_by_quantized_multiplier_single)
// the Q31 multiplier and the right shift 31 - shift. The bias is copied in per run (it
// may be int32 or int64, and need not be constant).
class VecRequant {
 public:
  bool build(const ref::QuantOutput& q, bool acc64, bool per_channel, int n, int npad, bool avx512) {
    if (q.output_offset != 0 || q.act_min < -32768 || q.act_min > 32767 || q.act_max < -32768 || q.act_max > 32767)
      return false;
    n_ = n;
    avx512_ = avx512;
    bias_.assign(static_cast<size_t>(npad), 0);
    mult_.assign(static_cast<size_t>(npad), 0);
    round_.assign(static_cast<size_t>(npad), 1);
    shift_.assign(static_cast<size_t>(npad), 1);
    for (int c = 0; c < n; ++c) {
      const int i = per_channel ? c : 0;
      const int32_t m = q.multiplier[i], sh = q.shift[i];
      if (m < 0) return false;
      const int64_t mult = acc64 ? (m < 0x7FFF0000 ? (m + (1 << 15)) >> 16 : 0x7FFF) : m;
      const int total = acc64 ? 15 - sh : 31 - sh;
      if (total < 1 || total > 62) return false;
      mult_[c] = mult;
      shift_[c] = total;
      round_[c] = int64_t{1} << (total - 1);
    }
    rq_ = {bias_.data(), mult_.data(), round_.data(), shift_.data(), q.act_min, q.act_max, acc64 ? 0 : 1, 0};
    return true;
  }
  size_t bytes() const { return bias_.size() * 32; }
  template <typename Bias>
  void set_bias(const Bias* bias) {
    for (int c = 0; c < n_; ++c) bias_[c] = bias ? int64_t{bias[c]} : 0;
  }
  void run(const int64_t* acc64, const int32_t* acc32, int64_t acc_stride, int rows, int nb, int ne, int16_t* out,
           int64_t out_stride) const {
    if (avx512_) s16::requant_s16_avx512(rq_, acc64, acc32, acc_stride, rows, nb, ne, out, out_stride);
    else s16::requant_s16_avx2(rq_, acc64, acc32, acc_stride, rows, nb, ne, out, out_stride);
  }
  // One channel: the sums of `rows` rows, contiguous, to out[0 .. rows).
  void run_column(const int64_t* acc, int rows, int16_t* out) const {
    s16::Requant q = rq_;
    q.uniform = 1;
    if (avx512_) s16::requant_s16_avx512(q, acc, nullptr, 0, 1, 0, rows, out, 0);
    else s16::requant_s16_avx2(q, acc, nullptr, 0, 1, 0, rows, out, 0);
  }

 private:
  bool avx512_ = false;
  int n_ = 0;
  std::vector<int64_t> bias_, mult_, round_, shift_;
  s16::Requant rq_{};
};

// out[m, n] = epilogue(sum_k A[m, k] * W[n, k]) with packed constant int8 weights W [N, K]
// and int16 rows of A (gathered by a row function, or read in place).
class GemmS16 {
 public:
  static constexpr int kRowsPerChunk = 48;  // a multiple of every micro-kernel's row count
  static constexpr int kBlock = 64;         // channels per ISA call (one int64 result block)
  static constexpr int kNarrow = 4;

  void prepare(Isa isa, const int8_t* w, int n, int k, int threads) {
    path_ = gemm_path(isa, false);
    n_ = n;
    k_ = k;
    threads_ = std::max(threads, 1);
    npad_ = static_cast<int>(round_up(n, kBlock));
    // Up to kNarrow channels: dot products along K (rows of W padded to 32) instead of
    // channel blocks mostly of padding.
    narrow_ = n <= kNarrow;
    kpairs_ = narrow_ ? static_cast<int>(round_up(k, 32)) / 2 : (k + 1) / 2;
    kp_ = 2 * kpairs_;
    if (narrow_) {
      packed_.assign(static_cast<size_t>(n) * kp_, 0);
      for (int c = 0; c < n; ++c) std::copy(w + int64_t{c} * k, w + int64_t{c} * k + k, packed_.begin() + int64_t{c} * kp_);
      return;
    }
    const int bw = path_ == Path::kAvx2 ? 8 : 16;
    // [block of bw channels][pair of k][bw channels][2], zero padded.
    packed_.assign(static_cast<size_t>(npad_) * kp_, 0);
    int16_t* dst = packed_.data();
    for (int c0 = 0; c0 < npad_; c0 += bw)
      for (int kq = 0; kq < kpairs_; ++kq)
        for (int cc = 0; cc < bw; ++cc)
          for (int j = 0; j < 2; ++j, ++dst) {
            const int c = c0 + cc, kk = 2 * kq + j;
            if (c < n && kk < k) *dst = w[int64_t{c} * k + kk];
          }
  }
  size_t state_bytes() const { return packed_.size() * sizeof(int16_t); }
  int npad() const { return npad_; }
  // Rows of A in place (no packing) need K == kp().
  bool can_direct() const { return kp_ == k_; }
  size_t scratch_per_thread() const {
    return static_cast<size_t>(round_up<int64_t>(int64_t{kRowsPerChunk} * kp_ * 2, 64)) + size_t{kRowsPerChunk} * kBlock * 8;
  }
  size_t scratch_bytes() const { return scratch_per_thread() * threads_; }
  int kp() const { return kp_; }

  // direct: row m of A is direct + m * K (when can_direct()), else pack(m0, rows,
  // panel) writes rows m0.. (K values each, zero padded to kp()) to panel + i * kp().
  // epi(m0, rows, nb, ne, acc, acc_stride) gets the sums of rows m0.. and channels
  // [nb, ne) (acc[r * acc_stride + n - nb]).
  template <typename Pack, typename Epi>
  void run(const ExecConfig& exec, int64_t m_total, const int16_t* direct, Pack& pack, uint8_t* scratch,
           Epi& epi) const {
    if (m_total <= 0 || n_ <= 0) return;
    const double macs = static_cast<double>(m_total) * n_ * k_;
    const int threads = macs < kMinParallelMacs ? 1 : std::min(exec.threads(), threads_);
    const GemmTasks work(m_total, kRowsPerChunk, npad_ / kBlock, threads);
    parallel_for(exec, static_cast<size_t>(work.slots), 1, [&](size_t sb, size_t se) {
      for (size_t slot = sb; slot < se; ++slot) {
        uint8_t* base = scratch + slot * scratch_per_thread();
        auto* panel = reinterpret_cast<int16_t*>(base);
        auto* acc = reinterpret_cast<int64_t*>(base + round_up<int64_t>(int64_t{kRowsPerChunk} * kp_ * 2, 64));
        int64_t packed_chunk = -1;
        work.for_slot(slot, [&](int64_t chunk, int64_t m0, int rows, int u0, int u1) {
          if (!direct && chunk != packed_chunk) {
            pack(m0, rows, panel);
            packed_chunk = chunk;
          }
          for (int nb = u0 * kBlock; nb < std::min(n_, u1 * kBlock); nb += kBlock) {
            const int ne = std::min(n_, nb + kBlock);
            s16::GemmArgs a{direct ? direct + m0 * k_ : panel, kp_, rows, kpairs_, packed_.data(), acc, kBlock};
            if (narrow_) {
              // Rows of n sums (n == 1: one column, requantized as one row of `rows` values).
              a.out_stride = n_ == 1 ? 1 : kBlock;
              if (path_ == Path::kAvx2) s16::dot_s16_avx2(a, n_);
              else s16::dot_s16_avx512(a, n_);
              epi(m0, rows, 0, n_, static_cast<const int64_t*>(acc), a.out_stride);
              continue;
            }
            switch (path_) {
              case Path::kVnni: s16::gemm_s16_avx512vnni(a, nb, ne); break;
              case Path::kAvx512: s16::gemm_s16_avx512(a, nb, ne); break;
              case Path::kAvxVnni:  // not chosen for 16x8 (gemm_path(isa, false))
              case Path::kAvx2: s16::gemm_s16_avx2(a, nb, ne); break;
            }
            epi(m0, rows, nb, ne, static_cast<const int64_t*>(acc), int64_t{kBlock});
          }
        });
      }
    });
  }

 private:
  Path path_ = Path::kAvx2;
  bool narrow_ = false;
  int n_ = 0, k_ = 0, npad_ = 0, kpairs_ = 0, kp_ = 0, threads_ = 1;
  std::vector<int16_t> packed_;
};

// Calls f(bias pointer) with the op's bias (input 2) as int64, int32 or none (int64 null).
template <typename F>
void with_bias(OpContext& ctx, F&& f) {
  if (!ctx.has_input(2)) {
    f(static_cast<const int64_t*>(nullptr));
    return;
  }
  const Tensor& b = ctx.input(2);
  if (b.type == DType::kInt64) f(b.data_as<int64_t>());
  else f(b.data_as<int32_t>());
}

bool bias_ok(OpContext& ctx) {
  return !ctx.has_input(2) || ctx.input(2).type == DType::kInt64 || ctx.input(2).type == DType::kInt32;
}

// Short copies inline, 16 bytes at a time (a library call per filter tap costs more
// than the copy).
inline void copy16(int16_t* dst, const int16_t* src, int64_t n) {
  if (n > 256) {
    std::memcpy(dst, src, static_cast<size_t>(n) * 2);
    return;
  }
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) std::memcpy(dst + i, src + i, 16);
  for (; i < n; ++i) dst[i] = src[i];
}
inline void fill_zero(int16_t* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) std::memset(dst + i, 0, 16);
  for (; i < n; ++i) dst[i] = 0;
}

bool io_int16(OpContext& ctx) { return ctx.input(0).type == DType::kInt16 && ctx.output(0).type == DType::kInt16; }

// ---- CONV_2D ---------------------------------------------------------------------------

class ConvS16 : public FastKernel {
 public:
  explicit ConvS16(const ref::ConvGeometry& g) : g_(g) {
    k_ = int64_t{g.filter_h} * g.filter_w * g.in_c;
    // 1x1, stride 1 (so no padding): the im2col rows are the input's pixels.
    direct_ = g.filter_h == 1 && g.filter_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
              g.pad_left == 0;
  }
  GemmS16 gemm;
  VecRequant vq;
  int scratch = -1;

  void run(OpContext& ctx) override {
    with_bias(ctx, [&](auto* bias) { vq.set_bias(bias); });
    const auto& g = g_;
    const int16_t* in = ctx.input(0).data_as<int16_t>();
    int16_t* out = ctx.output(0).data_as<int16_t>();
    const int64_t m_total = int64_t{g.batch} * g.out_h * g.out_w;
    const int kp = gemm.kp();
    // Row m (an output pixel) of the im2col matrix; padded taps are the input's zero
    // point 0, i.e. real 0, as the reference's skipped taps.
    // With dilation 1 a filter row's taps inside the input are one contiguous run.
    const int c = g.in_c;
    const int64_t row_len = int64_t{g.filter_w} * c;
    const bool runs = g.dilation_w == 1;
    auto pack_row = [&](int64_t b, int oy, int ox, int16_t* dst) {
      const int iy0 = oy * g.stride_h - g.pad_top, ix0 = ox * g.stride_w - g.pad_left;
      for (int ky = 0; ky < g.filter_h; ++ky, dst += row_len) {
        const int iy = iy0 + ky * g.dilation_h;
        if (iy < 0 || iy >= g.in_h) {
          fill_zero(dst, row_len);
          continue;
        }
        const int16_t* src_row = in + (b * g.in_h + iy) * g.in_w * c;
        if (runs && ix0 >= 0 && ix0 + g.filter_w <= g.in_w) {
          copy16(dst, src_row + int64_t{ix0} * c, row_len);
          continue;
        }
        for (int kx = 0; kx < g.filter_w; ++kx) {
          const int ix = ix0 + kx * g.dilation_w;
          if (ix < 0 || ix >= g.in_w) fill_zero(dst + int64_t{kx} * c, c);
          else copy16(dst + int64_t{kx} * c, src_row + int64_t{ix} * c, c);
        }
      }
      fill_zero(dst, kp - k_);
    };
    // Rows m0 .. m0 + rows - 1 (output pixels in order) to panel rows of kp values.
    auto pack = [&](int64_t m0, int rows, int16_t* panel) {
      const int64_t hw = int64_t{g.out_h} * g.out_w;
      int64_t b = m0 / hw;
      const int64_t r = m0 % hw;
      int oy = static_cast<int>(r / g.out_w), ox = static_cast<int>(r % g.out_w);
      for (int i = 0; i < rows; ++i, panel += kp) {
        pack_row(b, oy, ox, panel);
        if (++ox == g.out_w) {
          ox = 0;
          if (++oy == g.out_h) {
            oy = 0;
            ++b;
          }
        }
      }
    };
    auto epi = [&](int64_t m0, int rows, int nb, int ne, const int64_t* acc, int64_t stride) {
      if (g.out_c == 1) vq.run_column(acc, rows, out + m0);
      else vq.run(acc, nullptr, stride, rows, nb, ne, out + m0 * g.out_c, g.out_c);
    };
    gemm.run(ctx.exec(), m_total, direct_ && gemm.can_direct() ? in : nullptr, pack, ctx.scratch(scratch), epi);
  }

 private:
  ref::ConvGeometry g_;
  int64_t k_ = 0;
  bool direct_ = false;
};

// CONV_2D with 1..4 output channels, dilation 1 along w and K <= 480: dot products
// read in place from the input rows (s16::narrow_*, one exact int32 sum per output),
// the filter rows clipped per pixel at the borders; then the requantization per output
// row. Output rows over threads.
class ConvNarrowS16 : public FastKernel {
 public:
  static bool covers(const ref::ConvGeometry& g) {
    return g.out_c <= 4 && g.dilation_w == 1 && g.filter_h <= s16::kNarrowMaxRows &&
           int64_t{g.filter_h} * g.filter_w * g.in_c <= 2 * 240;
  }
  ConvNarrowS16(const ref::ConvGeometry& g, bool avx512) : g_(g), avx512_(avx512) {}
  VecRequant vq;
  int scratch = -1;
  int threads = 1;

  // Per channel and filter row, its kw * in_c weights, zero padded to lp_ (and 32
  // zeros after the last: reads go up to a multiple of 32 past any start).
  void prepare(const int8_t* filter) {
    const int len = g_.filter_w * g_.in_c;
    lp_ = static_cast<int>(round_up(len, 32));
    wseg_.assign(static_cast<size_t>(g_.out_c) * g_.filter_h * lp_ + 32, 0);
    for (int c = 0; c < g_.out_c; ++c)
      for (int ky = 0; ky < g_.filter_h; ++ky) {
        const int8_t* src = filter + (int64_t{c} * g_.filter_h + ky) * len;
        std::copy(src, src + len, wseg_.begin() + (int64_t{c} * g_.filter_h + ky) * lp_);
      }
  }
  size_t state_bytes() const { return wseg_.size() * 2; }
  size_t acc_elems() const { return static_cast<size_t>(g_.out_w) * 8 + 8; }
  size_t scratch_bytes() const { return acc_elems() * 8 * static_cast<size_t>(threads); }

  void run(OpContext& ctx) override {
    with_bias(ctx, [&](auto* bias) { vq.set_bias(bias); });
    const auto& g = g_;
    const int16_t* in = ctx.input(0).data_as<int16_t>();
    int16_t* out = ctx.output(0).data_as<int16_t>();
    auto* buffers = reinterpret_cast<int64_t*>(ctx.scratch(scratch));
    const int C = g.in_c, n = g.out_c, len = g.filter_w * C;
    // Columns whose filter rows lie inside the input: [ox_lo, ox_hi).
    const int ox_lo = std::min(g.out_w, (g.pad_left + g.stride_w - 1) / g.stride_w);
    const int last = g.in_w - g.filter_w + g.pad_left;
    const int ox_hi = std::max(ox_lo, std::min(g.out_w, last < 0 ? 0 : last / g.stride_w + 1));
    const size_t rows = static_cast<size_t>(g.batch) * g.out_h;
    const double macs = static_cast<double>(rows) * g.out_w * n * g.filter_h * len;
    const int parts = macs < kMinParallelMacs ? 1 : std::min(ctx.exec().threads(), threads);
    const size_t per = (rows + parts - 1) / parts;
    const int64_t stride = n == 1 ? 1 : 8;
    parallel_for(ctx.exec(), static_cast<size_t>(parts), 1, [&](size_t p0, size_t p1) {
      for (size_t p = p0; p < p1; ++p) {
        int64_t* acc = buffers + p * acc_elems();
        for (size_t r = p * per; r < std::min(rows, (p + 1) * per); ++r) {
          const int64_t b = static_cast<int64_t>(r) / g.out_h;
          const int oy = static_cast<int>(static_cast<int64_t>(r) % g.out_h);
          s16::NarrowArgs a{};
          a.nrows = 0;
          for (int ky = 0; ky < g.filter_h; ++ky) {
            const int iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
            if (iy < 0 || iy >= g.in_h) continue;  // padding: real 0
            a.rows[a.nrows] = in + (b * g.in_h + iy) * g.in_w * C;
            a.w[a.nrows] = wseg_.data() + int64_t{ky} * lp_;
            ++a.nrows;
          }
          a.n = n;
          a.step = int64_t{g.stride_w} * C;
          a.w_cstride = int64_t{g.filter_h} * lp_;
          a.out = acc;
          a.out_stride = stride;
          a.len = len;
          a.x0 = -int64_t{g.pad_left} * C;
          a.ox_lo = ox_lo;
          a.ox_hi = ox_hi;
          narrow(a);
          for (int ox = 0; ox < g.out_w; ++ox) {
            if (ox == ox_lo) ox = ox_hi;
            if (ox >= g.out_w) break;
            const int ix0 = ox * g.stride_w - g.pad_left;
            const int kx0 = std::max(0, -ix0), kx1 = std::min(g.filter_w, g.in_w - ix0);
            s16::NarrowArgs e = a;
            e.len = kx1 > kx0 ? (kx1 - kx0) * C : 0;
            e.x0 = a.x0 + int64_t{std::max(kx0, 0)} * C;
            for (int i = 0; i < a.nrows; ++i) e.w[i] = a.w[i] + int64_t{std::max(kx0, 0)} * C;
            e.ox_lo = ox;
            e.ox_hi = ox + 1;
            narrow(e);
          }
          int16_t* o = out + static_cast<int64_t>(r) * g.out_w * n;
          if (n == 1) vq.run_column(acc, g.out_w, o);
          else vq.run(acc, nullptr, stride, g.out_w, 0, n, o, n);
        }
      }
    });
  }

 private:
  void narrow(const s16::NarrowArgs& a) const {
    if (avx512_) s16::narrow_s16_avx512(a);
    else s16::narrow_s16_avx2(a);
  }
  ref::ConvGeometry g_;
  bool avx512_;
  int lp_ = 32;
  std::vector<int16_t> wseg_;
};

// ---- FULLY_CONNECTED -------------------------------------------------------------------

class FullyConnectedS16 : public FastKernel {
 public:
  FullyConnectedS16(int64_t batch, int depth, int units) : batch_(batch), depth_(depth), units_(units) {}
  GemmS16 gemm;
  VecRequant vq;
  int scratch = -1;

  void run(OpContext& ctx) override {
    with_bias(ctx, [&](auto* bias) { vq.set_bias(bias); });
    const int16_t* in = ctx.input(0).data_as<int16_t>();
    int16_t* out = ctx.output(0).data_as<int16_t>();
    const int depth = depth_;
    const int kp = gemm.kp();
    auto pack = [&](int64_t m0, int rows, int16_t* panel) {
      for (int i = 0; i < rows; ++i, panel += kp) {
        copy16(panel, in + (m0 + i) * depth, depth);
        fill_zero(panel + depth, kp - depth);
      }
    };
    // The reference starts from bias (its accumulator start with input offset 0) and
    // adds the products in int64: the same sum.
    auto epi = [&](int64_t m0, int rows, int nb, int ne, const int64_t* acc, int64_t stride) {
      if (units_ == 1) vq.run_column(acc, rows, out + m0);
      else vq.run(acc, nullptr, stride, rows, nb, ne, out + m0 * units_, units_);
    };
    gemm.run(ctx.exec(), batch_, gemm.can_direct() ? in : nullptr, pack, ctx.scratch(scratch), epi);
  }


 private:
  int64_t batch_;
  int depth_, units_;
};

// ---- DEPTHWISE_CONV_2D -----------------------------------------------------------------

class DepthwiseS16 : public FastKernel {
 public:
  DepthwiseS16(const ref::ConvGeometry& g, bool avx512) : g_(g), avx512_(avx512) {
    cpad_ = static_cast<int>(round_up(g.in_c, 16));
  }
  std::vector<int32_t> w32;
  std::vector<int16_t> zero_row;
  VecRequant vq;
  int scratch = -1;
  int threads = 1;
  int cpad() const { return cpad_; }

  void prepare(const int8_t* filter) {
    const int taps = g_.filter_h * g_.filter_w;
    zero_row.assign(static_cast<size_t>(g_.in_w) * g_.in_c + 32, 0);
    w32.assign(static_cast<size_t>(taps) * cpad_, 0);
    for (int t = 0; t < taps; ++t)
      for (int c = 0; c < g_.in_c; ++c)
        w32[static_cast<size_t>(t) * cpad_ + c] = static_cast<uint16_t>(int16_t{filter[int64_t{t} * g_.in_c + c]});
  }
  size_t row_elems() const { return static_cast<size_t>(g_.out_w) * cpad_; }
  size_t scratch_bytes() const { return row_elems() * 4 * static_cast<size_t>(threads); }
  size_t state_bytes() const { return w32.size() * 4 + zero_row.size() * 2; }

  void run(OpContext& ctx) override {
    with_bias(ctx, [&](auto* bias) { vq.set_bias(bias); });
    const auto& g = g_;
    s16::DwArgs a{ctx.input(0).data_as<int16_t>(), g.batch, g.in_h, g.in_w, g.in_c, g.filter_h, g.filter_w,
                  g.stride_h, g.stride_w, g.dilation_h, g.dilation_w, g.pad_top, g.pad_left, g.out_h, g.out_w,
                  w32.data(), cpad_, zero_row.data()};
    int16_t* out = ctx.output(0).data_as<int16_t>();
    auto* buffers = reinterpret_cast<int32_t*>(ctx.scratch(scratch));
    const size_t rows = static_cast<size_t>(g.batch) * g.out_h;
    const double macs = static_cast<double>(rows) * g.out_w * g.in_c * g.filter_h * g.filter_w;
    // Rows are cut into `parts` contiguous parts; part t uses buffer t.
    const int parts = macs < kMinParallelMacs / 4 ? 1 : std::min(ctx.exec().threads(), threads);
    const size_t per = (rows + parts - 1) / parts;
    parallel_for(ctx.exec(), static_cast<size_t>(parts), 1, [&](size_t p0, size_t p1) {
      for (size_t p = p0; p < p1; ++p) {
        int32_t* acc = buffers + p * row_elems();
        for (size_t r = p * per; r < std::min(rows, (p + 1) * per); ++r) {
          if (avx512_) s16::dw_s16_row_avx512(a, static_cast<int64_t>(r), acc);
          else s16::dw_s16_row_avx2(a, static_cast<int64_t>(r), acc);
          vq.run(nullptr, acc, cpad_, g.out_w, 0, g.out_c, out + static_cast<int64_t>(r) * g.out_w * g.out_c, g.out_c);
        }
      }
    });
  }


 private:
  ref::ConvGeometry g_;
  bool avx512_;
  int cpad_ = 16;
};

}  // namespace

int64_t s16::fast_kernels_made() { return g_made.load(); }

std::unique_ptr<FastKernel> make_conv_s16(OpContext& ctx, const ref::ConvGeometry& g, bool acc64,
                                          const ref::QuantOutput& q) {
  const Isa isa = std::min(ctx.exec().isa, detect_isa());  // never above what the CPU has
  if (isa < Isa::kAvx2 || !io_int16(ctx) || !bias_ok(ctx)) return nullptr;
  const Tensor& filter = ctx.input(1);
  if (!filter.is_constant() || filter.type != DType::kInt8 || filter.dim(3) != g.in_c) return nullptr;
  const int64_t k = int64_t{g.filter_h} * g.filter_w * g.in_c;
  if (k > (1 << 24) || g.out_c <= 0) return nullptr;
  if (ConvNarrowS16::covers(g) && g.out_w > 0) {
    auto narrow = std::make_unique<ConvNarrowS16>(g, isa >= Isa::kAvx512);
    if (!narrow->vq.build(q, acc64, true, g.out_c, 64, isa >= Isa::kAvx512)) return nullptr;
    narrow->threads = std::max(ctx.exec().threads(), 1);
    narrow->prepare(filter.data_as<int8_t>());
    ctx.add_state_bytes(narrow->state_bytes() + narrow->vq.bytes());
    narrow->scratch = ctx.request_scratch(narrow->scratch_bytes());
    ctx.packed_input(1);  // the bias is read at every run (VecRequant::set_bias)
    ++g_made;
    return narrow;
  }
  auto kernel = std::make_unique<ConvS16>(g);
  kernel->gemm.prepare(isa, filter.data_as<int8_t>(), g.out_c, static_cast<int>(k), ctx.exec().threads());
  if (!kernel->vq.build(q, acc64, true, g.out_c, kernel->gemm.npad(), isa >= Isa::kAvx512)) return nullptr;
  ctx.add_state_bytes(kernel->gemm.state_bytes() + kernel->vq.bytes());
  // Last: adding a scratch buffer may move the tensors.
  kernel->scratch = ctx.request_scratch(kernel->gemm.scratch_bytes());
  ctx.packed_input(1);
  ++g_made;
  return kernel;
}

std::unique_ptr<FastKernel> make_fully_connected_s16(OpContext& ctx, int64_t batch, int depth, int units, bool acc64,
                                                     const ref::QuantOutput& q) {
  const Isa isa = std::min(ctx.exec().isa, detect_isa());
  if (isa < Isa::kAvx2 || !io_int16(ctx) || !bias_ok(ctx)) return nullptr;
  const Tensor& w = ctx.input(1);
  if (!w.is_constant() || w.type != DType::kInt8 || depth > (1 << 24) || units <= 0) return nullptr;
  auto kernel = std::make_unique<FullyConnectedS16>(batch, depth, units);
  kernel->gemm.prepare(isa, w.data_as<int8_t>(), units, depth, ctx.exec().threads());
  if (!kernel->vq.build(q, acc64, false, units, kernel->gemm.npad(), isa >= Isa::kAvx512)) return nullptr;
  ctx.add_state_bytes(kernel->gemm.state_bytes() + kernel->vq.bytes());
  kernel->scratch = ctx.request_scratch(kernel->gemm.scratch_bytes());
  ctx.packed_input(1);
  ++g_made;
  return kernel;
}

std::unique_ptr<FastKernel> make_depthwise_s16(OpContext& ctx, const ref::ConvGeometry& g, int multiplier,
                                               const ref::QuantOutput& q) {
  const Isa isa = std::min(ctx.exec().isa, detect_isa());
  if (isa < Isa::kAvx2 || multiplier != 1 || !io_int16(ctx) || !bias_ok(ctx)) return nullptr;
  const Tensor& filter = ctx.input(1);
  if (!filter.is_constant() || filter.type != DType::kInt8) return nullptr;
  // int32 sums are exact up to 511 taps; empty outputs are the reference's.
  if (int64_t{g.filter_h} * g.filter_w > 511 || g.out_w <= 0 || g.in_c <= 0) return nullptr;
  // Up to 8 channels fill an AVX2 vector; AVX-512's masked half vectors are slower there.
  auto kernel = std::make_unique<DepthwiseS16>(g, isa >= Isa::kAvx512 && g.in_c > 8);
  kernel->threads = std::max(ctx.exec().threads(), 1);
  kernel->prepare(filter.data_as<int8_t>());
  if (!kernel->vq.build(q, true, true, g.out_c, kernel->cpad(), isa >= Isa::kAvx512)) return nullptr;
  ctx.add_state_bytes(kernel->state_bytes() + kernel->vq.bytes());
  kernel->scratch = ctx.request_scratch(kernel->scratch_bytes());
  ctx.packed_input(1);
  ++g_made;
  return kernel;
}

}  // namespace liteq::rt::opt
