// Float32 fast kernels: CONV_2D (direct GEMM for 1x1 stride-1 unpadded, im2col GEMM
// otherwise), DEPTHWISE_CONV_2D (direct NHWC; multiplier > 1 gathers the input), FULLY_CONNECTED (GEMM /
// GEMV) and TRANSPOSE_CONV (GEMM + col2im). This file holds the state (packed weights) and splits the work over threads;
// the per-ISA inner loops are in gemm_f32_avx2.cc / gemm_f32_avx512.cc (isa_f32.h).
//
// Threads split outputs only (rows of output pixels and/or blocks of output channels);
// every output is computed by the same instruction sequence whatever the split, so all
// thread counts give bit-identical results.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/optimized/fast_f32.h"
#include "kernels/optimized/fast_kernels.h"
#include "kernels/optimized/isa_f32.h"
#include "kernels/x86/conv_lanes_f32.h"

namespace liteq::rt::opt {

// Below this many multiply-adds a float32 op runs on one thread. Measured A/B at 2 threads
// (liteq bench --runs 200, interleaved): 2^16 against the former 2^19 takes
// face_detection_short_range 0.44 -> 0.40 ms and face_detection_full_range 1.27 -> 1.14 ms,
// and leaves the pose and selfie models unchanged; 2^20 and up are slower everywhere.
// (The int8 kernels keep 2^19: GemmS8::kMinParallelMacs.)
constexpr double kMinParallelMacs = 1 << 16;
namespace {

constexpr int kInput = 0, kWeights = 1, kBias = 2;
constexpr int kTileRows = 48;  // rows of C per task (a multiple of both ISAs' MR)

std::atomic<int64_t> g_made{0};

template <typename K>
std::unique_ptr<FastKernel> made(std::unique_ptr<K> k) {
  g_made.fetch_add(1, std::memory_order_relaxed);
  return k;
}

using GemmFn = void (*)(const f32::GemmArgs&);
using DepthwiseFn = void (*)(const f32::DepthwiseArgs&, int64_t, int64_t);

struct IsaKernels {
  GemmFn gemm = nullptr;
  DepthwiseFn depthwise = nullptr;
  int nr = 0, vl = 0;
};

// Null members when isa has no float kernels (kReference).
IsaKernels select(Isa isa) {
  if (isa >= Isa::kAvx512) return {f32::gemm_f32_avx512, f32::depthwise_f32_avx512, f32::kAvx512Nr, f32::kAvx512Vl};
  if (isa >= Isa::kAvx2) return {f32::gemm_f32_avx2, f32::depthwise_f32_avx2, f32::kAvx2Nr, f32::kAvx2Vl};
  return {};
}

int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Weights w [n][k] (row-major: OHWI filters, FULLY_CONNECTED weights) packed as
// isa_f32.h describes; bias may be null.
struct PackedB {
  int n = 0, k = 0;
  std::vector<float> b;
  std::vector<float> bias;

  void pack(const float* w, const float* bias_in, int n_, int k_, int nr, int vl) {
    n = n_;
    k = k_;
    b.assign(static_cast<size_t>(round_up(n, nr)) * k, 0.0f);
    bias.assign(static_cast<size_t>(round_up(n, nr)), 0.0f);
    if (bias_in) std::copy(bias_in, bias_in + n, bias.begin());
    for (int n0 = 0; n0 < n; n0 += nr) {
      const int ncols = std::min(nr, n - n0);
      const int bw = static_cast<int>(round_up(ncols, vl));
      float* panel = b.data() + int64_t{n0} * k;
      for (int j = 0; j < ncols; ++j) {
        const float* src = w + int64_t{n0 + j} * k;
        for (int kk = 0; kk < k; ++kk) panel[int64_t{kk} * bw + j] = src[kk];
      }
    }
  }
  size_t bytes() const { return (b.size() + bias.size()) * sizeof(float); }
};

// Float bias of an op (input kBias), or null when absent; false if it is not constant.
bool constant_bias(OpContext& ctx, const float** bias) {
  *bias = nullptr;
  if (!ctx.has_input(kBias)) return true;
  const Tensor& t = ctx.input(kBias);
  if (!t.is_constant()) return false;
  *bias = t.data_as<float>();
  return true;
}

// C[m x n] = A[m x k] * B + bias, clamped. A is either the op's input (direct: rows of
// lda floats) or built per tile of rows by im2col into per-worker scratch buffers.
class GemmKernel : public FastKernel {
 public:
  IsaKernels isa;
  PackedB w;
  int64_t m = 0;
  float lo = 0, hi = 0;
  bool direct = true;
  int64_t lda = 0;
  ref::ConvGeometry g;  // im2col only
  int scratch = -1;     // im2col only: workers * kTileRows * k floats
  int workers = 1;

  void run(OpContext& ctx) override {
    const float* in = ctx.input(kInput).data_as<float>();
    float* out = ctx.output(0).data_as<float>();
    if (m == 0 || w.n == 0) return;
    // Small products run on one thread: waking the pool costs more than it saves.
    ExecConfig exec = ctx.exec();
    if (static_cast<double>(m) * static_cast<double>(w.n) * static_cast<double>(w.k) < kMinParallelMacs)
      exec.pool = nullptr;
    const int threads = exec.threads();
    const int64_t m_tiles = (m + kTileRows - 1) / kTileRows;
    const int64_t panels = (w.n + isa.nr - 1) / isa.nr;
    // Few row tiles (small images, FULLY_CONNECTED with batch 1): split the output
    // channels too, so every thread gets work.
    int64_t groups = 1;
    if (threads > 1 && m_tiles < 4 * threads) groups = std::min<int64_t>(panels, (4 * threads + m_tiles - 1) / m_tiles);
    const int64_t per_group = (panels + groups - 1) / groups;
    groups = (panels + per_group - 1) / per_group;
    const int64_t tasks = m_tiles * groups;

    auto task = [&](int64_t t, float* buf) {
      const int64_t m0 = t / groups * kTileRows;
      const int mc = static_cast<int>(std::min<int64_t>(kTileRows, m - m0));
      const int64_t n0 = t % groups * per_group * isa.nr;
      const int nc = static_cast<int>(std::min<int64_t>(per_group * isa.nr, w.n - n0));
      f32::GemmArgs a;
      a.m = mc;
      a.n = nc;
      a.k = w.k;
      if (direct) {
        a.a = in + m0 * lda;
        a.lda = lda;
      } else {
        im2col(in, m0, mc, buf);
        a.a = buf;
        a.lda = w.k;
      }
      a.b = w.b.data() + n0 * w.k;
      a.k_total = w.k;
      a.bias = w.bias.data() + n0;
      a.c = out + m0 * w.n + n0;
      a.ldc = w.n;
      a.lo = lo;
      a.hi = hi;
      isa.gemm(a);
    };

    if (direct) {
      parallel_for(exec, static_cast<size_t>(tasks), 1, [&](size_t b, size_t e) {
        for (size_t t = b; t < e; ++t) task(static_cast<int64_t>(t), nullptr);
      });
      return;
    }
    // One worker slot per scratch buffer; slots take tasks from a shared counter.
    float* bufs = reinterpret_cast<float*>(ctx.scratch(scratch));
    const int slots = static_cast<int>(std::min<int64_t>({int64_t{workers}, int64_t{threads}, tasks}));
    std::atomic<int64_t> next{0};
    parallel_for(exec, static_cast<size_t>(slots), 1, [&](size_t b, size_t e) {
      for (size_t s = b; s < e; ++s) {
        float* buf = bufs + static_cast<int64_t>(s) * kTileRows * w.k;
        for (int64_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < tasks;) task(t, buf);
      }
    });
  }

 private:
  // Rows [m0, m0 + mc) of the patch matrix: k = (ky, kx, ic), zeros outside the input.
  void im2col(const float* in, int64_t m0, int mc, float* buf) const {
    const int64_t plane = int64_t{g.out_h} * g.out_w;
    const size_t row_bytes = sizeof(float) * g.in_c;
    for (int r = 0; r < mc; ++r) {
      const int64_t p = m0 + r;
      const int64_t b = p / plane;
      const int oy = static_cast<int>(p % plane / g.out_w), ox = static_cast<int>(p % g.out_w);
      float* dst = buf + int64_t{r} * w.k;
      const int iy0 = oy * g.stride_h - g.pad_top, ix0 = ox * g.stride_w - g.pad_left;
      // With dilation_w 1 and the whole window row inside the input, a row of taps is
      // filter_w * in_c contiguous floats.
      const bool row_inside = g.dilation_w == 1 && ix0 >= 0 && ix0 + g.filter_w <= g.in_w;
      for (int ky = 0; ky < g.filter_h; ++ky) {
        const int iy = iy0 + ky * g.dilation_h;
        if (iy < 0 || iy >= g.in_h) {
          std::memset(dst, 0, row_bytes * g.filter_w);
          dst += int64_t{g.filter_w} * g.in_c;
          continue;
        }
        const float* src_row = in + (b * g.in_h + iy) * g.in_w * g.in_c;
        if (row_inside) {
          std::memcpy(dst, src_row + int64_t{ix0} * g.in_c, row_bytes * g.filter_w);
          dst += int64_t{g.filter_w} * g.in_c;
          continue;
        }
        for (int kx = 0; kx < g.filter_w; ++kx, dst += g.in_c) {
          const int ix = ix0 + kx * g.dilation_w;
          if (ix < 0 || ix >= g.in_w) std::memset(dst, 0, row_bytes);
          else std::memcpy(dst, src_row + int64_t{ix} * g.in_c, row_bytes);
        }
      }
    }
  }
};

class DepthwiseKernel : public FastKernel {
 public:
  DepthwiseFn fn = nullptr;
  f32::DepthwiseArgs args;
  int64_t rows = 0;
  std::vector<float> filter, bias;

  void run(OpContext& ctx) override {
    f32::DepthwiseArgs a = args;
    a.input = ctx.input(kInput).data_as<float>();
    a.output = ctx.output(0).data_as<float>();
    a.filter = filter.data();
    a.bias = bias.data();
    ExecConfig exec = ctx.exec();
    if (static_cast<double>(rows) * a.out_w * a.c * a.kh * a.kw < kMinParallelMacs) exec.pool = nullptr;
    parallel_for(exec, static_cast<size_t>(rows), 1,
                 [&](size_t b, size_t e) { fn(a, static_cast<int64_t>(b), static_cast<int64_t>(e)); });
  }
};


// TRANSPOSE_CONV as a GEMM, C[M x N] = X[M x in_c] * Wt[in_c x N] with M = batch * in_h
// * in_w input pixels and N = (ky, kx, oc), followed by col2im.
//   direct (stride == filter, no padding, out = in * stride): the blocks of output pixels
//     do not overlap, so each (input row, ky) is one GEMM whose C is output row
//     iy * kh + ky (columns (kx, oc), ldc kw * out_c), bias and activation in the GEMM:
//     out = clamp(sum + bias), the reference's order but for FMA.
//   general: C into scratch (bias 0, unclamped), then each output pixel adds its taps in
//     the reference's order (input rows, then columns, ascending; ky and kx descending),
//     then the bias (or starts from it when bias_first) and clamps.
// Threads split (input row, ky) GEMMs or row tiles of C, then output rows.
class TransposeConvKernel : public FastKernel {
 public:
  IsaKernels isa;
  ref::ConvGeometry g;
  int input = 0;
  bool direct = false, bias_first = false;
  std::vector<PackedB> w;  // direct: one per ky (n = kw * out_c); general: one (n = kh * kw * out_c)
  std::vector<float> bias;  // general: out_c floats, empty when the op has none
  int scratch = -1;         // general: M * N floats

  void run(OpContext& ctx) override {
    const float* in = ctx.input(input).data_as<float>();
    float* out = ctx.output(0).data_as<float>();
    ExecConfig exec = ctx.exec();
    const int64_t m = int64_t{g.batch} * g.in_h * g.in_w;
    const int64_t n_all = int64_t{g.filter_h} * g.filter_w * g.out_c;
    if (static_cast<double>(m) * static_cast<double>(n_all) * g.in_c < kMinParallelMacs) exec.pool = nullptr;
    if (direct) {
      const int n = g.filter_w * g.out_c;
      const int64_t tasks = int64_t{g.batch} * g.in_h * g.filter_h;
      parallel_for(exec, static_cast<size_t>(tasks), 1, [&](size_t b, size_t e) {
        for (size_t t = b; t < e; ++t) {
          const int64_t row = static_cast<int64_t>(t) / g.filter_h;  // b * in_h + iy
          const int ky = static_cast<int>(static_cast<int64_t>(t) % g.filter_h);
          const int64_t bb = row / g.in_h;
          const int iy = static_cast<int>(row % g.in_h);
          f32::GemmArgs a;
          a.m = g.in_w;
          a.n = n;
          a.k = g.in_c;
          a.a = in + row * g.in_w * g.in_c;
          a.lda = g.in_c;
          a.b = w[ky].b.data();
          a.k_total = g.in_c;
          a.bias = w[ky].bias.data();
          a.c = out + ((bb * g.out_h + int64_t{iy} * g.filter_h + ky) * g.out_w) * g.out_c;
          a.ldc = n;
          a.lo = g.act_min;
          a.hi = g.act_max;
          isa.gemm(a);
        }
      });
      return;
    }
    float* c = reinterpret_cast<float*>(ctx.scratch(scratch));
    const PackedB& pw = w[0];
    const int64_t m_tiles = (m + kTileRows - 1) / kTileRows;
    parallel_for(exec, static_cast<size_t>(m_tiles), 1, [&](size_t b, size_t e) {
      for (size_t t = b; t < e; ++t) {
        const int64_t m0 = static_cast<int64_t>(t) * kTileRows;
        f32::GemmArgs a;
        a.m = static_cast<int>(std::min<int64_t>(kTileRows, m - m0));
        a.n = pw.n;
        a.k = pw.k;
        a.a = in + m0 * g.in_c;
        a.lda = g.in_c;
        a.b = pw.b.data();
        a.k_total = pw.k;
        a.bias = pw.bias.data();
        a.c = c + m0 * n_all;
        a.ldc = n_all;
        a.lo = -std::numeric_limits<float>::infinity();
        a.hi = std::numeric_limits<float>::infinity();
        isa.gemm(a);
      }
    });
    parallel_for(exec, static_cast<size_t>(g.batch) * g.out_h, 1, [&](size_t b, size_t e) {
      for (size_t r = b; r < e; ++r) col2im_row(c, static_cast<int64_t>(r), out);
    });
  }

 private:
  // Output row r = b * out_h + oy.
  void col2im_row(const float* c, int64_t r, float* out) const {
    const int64_t bb = r / g.out_h;
    const int oy = static_cast<int>(r % g.out_h);
    const int oc_n = g.out_c;
    const int64_t n_all = int64_t{g.filter_h} * g.filter_w * oc_n;
    const float* bias_p = bias.empty() ? nullptr : bias.data();
    const float lo = g.act_min, hi = g.act_max;
    for (int ox = 0; ox < g.out_w; ++ox) {
      float* o = out + (r * g.out_w + ox) * oc_n;
      if (bias_first && bias_p) std::copy(bias_p, bias_p + oc_n, o);
      else std::fill(o, o + oc_n, 0.0f);
      for (int ky = g.filter_h - 1; ky >= 0; --ky) {
        const int ty = oy + g.pad_top - ky;
        if (ty < 0 || ty % g.stride_h != 0 || ty / g.stride_h >= g.in_h) continue;
        const int iy = ty / g.stride_h;
        for (int kx = g.filter_w - 1; kx >= 0; --kx) {
          const int tx = ox + g.pad_left - kx;
          if (tx < 0 || tx % g.stride_w != 0 || tx / g.stride_w >= g.in_w) continue;
          const int ix = tx / g.stride_w;
          const float* src = c + ((bb * g.in_h + iy) * g.in_w + ix) * n_all + (int64_t{ky} * g.filter_w + kx) * oc_n;
          for (int oc = 0; oc < oc_n; ++oc) o[oc] += src[oc];
        }
      }
      if (!bias_first && bias_p)
        for (int oc = 0; oc < oc_n; ++oc) o[oc] += bias_p[oc];
      for (int oc = 0; oc < oc_n; ++oc) o[oc] = std::min(std::max(o[oc], lo), hi);
    }
  }
};

}  // namespace

int64_t f32_fast_kernels_made() { return g_made.load(std::memory_order_relaxed); }

// CONV_2D with output pixels across the lanes (kernels/x86/conv_lanes_f32.h), AVX-512.
class LanesKernel : public FastKernel {
 public:
  x86::ConvLanesF32Args a{};
  std::vector<float> w, bias;
  int scratch = -1, threads = 1;
  bool avx512 = true;

  size_t per_thread() const {
    return ((avx512 ? x86::conv_lanes_scratch_f32(a) : x86::conv_lanes_scratch_f32_avx2(a)) + 63) / 64 * 64;
  }

  void run(OpContext& ctx) override {
    x86::ConvLanesF32Args args = a;
    args.in = ctx.input(kInput).data_as<float>();
    args.out = ctx.output(0).data_as<float>();
    uint8_t* base = ctx.scratch(scratch);
    const int64_t rows = int64_t{a.batch} * a.out_h;
    const double macs = static_cast<double>(rows) * a.out_w * a.out_c * a.kh * a.kw * a.in_c;
    const int t_used = macs < kMinParallelMacs ? 1 : std::min(ctx.exec().threads(), threads);
    // Contiguous row ranges, one per thread: each keeps its cached input rows.
    parallel_for(ctx.exec(), static_cast<size_t>(t_used), 1, [&](size_t t0, size_t t1) {
      for (size_t t = t0; t < t1; ++t) {
        const int64_t b = rows * static_cast<int64_t>(t) / t_used, e = rows * static_cast<int64_t>(t + 1) / t_used;
        if (avx512) x86::conv_lanes_rows_f32_avx512(args, b, e, base + t * per_thread());
        else x86::conv_lanes_rows_f32_avx2(args, b, e, base + t * per_thread());
      }
    });
  }
};

// The lanes kernel pays where the GEMM's tiles would be mostly empty (few output
// channels) or its im2col rows short (few input channels).
std::unique_ptr<FastKernel> make_conv_lanes_f32(OpContext& ctx, const ref::ConvGeometry& g, const float* filter,
                                                const float* bias) {
  if (ctx.exec().isa < Isa::kAvx2) return nullptr;
  if (!(g.out_c <= 8 || (g.in_c <= 4 && g.out_c <= 32)) || g.filter_h > 64) return nullptr;
  // On AVX2 (8 pixels per vector, 16 registers) only for few output channels: a first
  // layer 224x224x3 -> 32 took 480 us against the GEMM's 390; a 3x3 256x256x8 -> 1 head
  // 0.56 ms against 1.77.
  if (ctx.exec().isa < Isa::kAvx512 && g.out_c > 8) return nullptr;
  // An unpadded 1x1 convolution reads its input directly in the GEMM: nothing to gain.
  if (g.filter_h == 1 && g.filter_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 && g.pad_left == 0)
    return nullptr;
  if (int64_t{g.in_w} * g.in_c >= (int64_t{1} << 31) / 2) return nullptr;  // gather offsets are int32
  auto k = std::make_unique<LanesKernel>();
  k->avx512 = ctx.exec().isa >= Isa::kAvx512;
  const size_t n = static_cast<size_t>(g.out_c) * g.filter_h * g.filter_w * g.in_c;
  k->w.assign(filter, filter + n);
  k->bias.assign(static_cast<size_t>(g.out_c), 0.0f);
  if (bias) std::copy(bias, bias + g.out_c, k->bias.begin());
  auto& a = k->a;
  a.batch = g.batch, a.in_h = g.in_h, a.in_w = g.in_w, a.in_c = g.in_c;
  a.kh = g.filter_h, a.kw = g.filter_w, a.stride_h = g.stride_h, a.stride_w = g.stride_w;
  a.dil_h = g.dilation_h, a.dil_w = g.dilation_w, a.pad_top = g.pad_top, a.pad_left = g.pad_left;
  a.out_h = g.out_h, a.out_w = g.out_w, a.out_c = g.out_c;
  a.w = k->w.data();
  a.bias = k->bias.data();
  a.lo = g.act_min;
  a.hi = g.act_max;
  k->threads = std::max(1, ctx.exec().threads());
  ctx.add_state_bytes((k->w.size() + k->bias.size()) * sizeof(float));
  // Last: requesting scratch may move the tensors.
  k->scratch = ctx.request_scratch(k->per_thread() * static_cast<size_t>(k->threads));
  ctx.packed_input(kWeights);
  ctx.packed_input(kBias);
  return made(std::move(k));
}

std::unique_ptr<FastKernel> make_conv_f32(OpContext& ctx, const ref::ConvGeometry& g, int filter_in_c) {
  const IsaKernels isa = select(ctx.exec().isa);
  if (!isa.gemm || filter_in_c != g.in_c) return nullptr;  // grouped: reference
  const Tensor& filter = ctx.input(kWeights);
  const float* bias = nullptr;
  if (!filter.is_constant() || !constant_bias(ctx, &bias)) return nullptr;
  if (auto lanes = make_conv_lanes_f32(ctx, g, filter.data_as<float>(), bias)) return lanes;
  const int64_t k = int64_t{g.filter_h} * g.filter_w * g.in_c;
  // im2col scratch is workers * kTileRows * k floats: keep it below 256 MiB.
  const int64_t workers = std::max(1, ctx.exec().threads());
  if (g.out_c <= 0 || workers * kTileRows * k * int64_t{sizeof(float)} > (int64_t{1} << 28)) return nullptr;
  auto kernel = std::make_unique<GemmKernel>();
  kernel->isa = isa;
  kernel->w.pack(filter.data_as<float>(), bias, g.out_c, static_cast<int>(k), isa.nr, isa.vl);
  ctx.add_state_bytes(kernel->w.bytes());
  kernel->m = int64_t{g.batch} * g.out_h * g.out_w;
  kernel->lo = g.act_min;
  kernel->hi = g.act_max;
  kernel->g = g;
  kernel->direct = g.filter_h == 1 && g.filter_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
                   g.pad_left == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
  kernel->lda = g.in_c;
  if (!kernel->direct && kernel->m > 0) {
    kernel->workers = static_cast<int>(workers);
    // Last: requesting scratch may move the tensors `filter` refers to.
    kernel->scratch = ctx.request_scratch(sizeof(float) * kernel->workers * kTileRows * static_cast<size_t>(k));
  }
  ctx.packed_input(kWeights);
  ctx.packed_input(kBias);
  return made(std::move(kernel));
}

std::unique_ptr<FastKernel> make_depthwise_f32(OpContext& ctx, const ref::ConvGeometry& g, int multiplier) {
  const IsaKernels isa = select(ctx.exec().isa);
  if (!isa.depthwise || multiplier < 1) return nullptr;
  const Tensor& filter = ctx.input(kWeights);
  const float* bias = nullptr;
  if (!filter.is_constant() || !constant_bias(ctx, &bias)) return nullptr;
  auto kernel = std::make_unique<DepthwiseKernel>();
  kernel->fn = isa.depthwise;
  const int c = g.out_c;
  const int c_pad = static_cast<int>(round_up(c, 16));
  const int taps = g.filter_h * g.filter_w;
  kernel->filter.assign(static_cast<size_t>(taps) * c_pad, 0.0f);
  const float* f = filter.data_as<float>();
  for (int t = 0; t < taps; ++t) std::copy(f + int64_t{t} * c, f + int64_t{t} * c + c, kernel->filter.begin() + int64_t{t} * c_pad);
  kernel->bias.assign(c_pad, 0.0f);
  if (bias) std::copy(bias, bias + c, kernel->bias.begin());
  ctx.add_state_bytes((kernel->filter.size() + kernel->bias.size()) * sizeof(float));
  auto& a = kernel->args;
  a.in_h = g.in_h;
  a.in_w = g.in_w;
  a.c = c;
  a.c_pad = c_pad;
  a.in_c = g.in_c;
  a.multiplier = multiplier;
  a.out_h = g.out_h;
  a.out_w = g.out_w;
  a.kh = g.filter_h;
  a.kw = g.filter_w;
  a.stride_h = g.stride_h;
  a.stride_w = g.stride_w;
  a.dil_h = g.dilation_h;
  a.dil_w = g.dilation_w;
  a.pad_top = g.pad_top;
  a.pad_left = g.pad_left;
  a.lo = g.act_min;
  a.hi = g.act_max;
  kernel->rows = int64_t{g.batch} * g.out_h;
  ctx.packed_input(kWeights);
  ctx.packed_input(kBias);
  return made(std::move(kernel));
}

std::unique_ptr<FastKernel> make_fully_connected_f32(OpContext& ctx, int64_t batch, int depth, int units,
                                                     float act_min, float act_max) {
  const IsaKernels isa = select(ctx.exec().isa);
  if (!isa.gemm || units <= 0) return nullptr;
  const Tensor& weights = ctx.input(kWeights);
  const float* bias = nullptr;
  if (!weights.is_constant() || !constant_bias(ctx, &bias)) return nullptr;
  auto kernel = std::make_unique<GemmKernel>();
  kernel->isa = isa;
  kernel->w.pack(weights.data_as<float>(), bias, units, depth, isa.nr, isa.vl);
  ctx.add_state_bytes(kernel->w.bytes());
  kernel->m = batch;
  kernel->lo = act_min;
  kernel->hi = act_max;
  kernel->direct = true;
  kernel->lda = depth;
  ctx.packed_input(kWeights);
  ctx.packed_input(kBias);
  return made(std::move(kernel));
}

std::unique_ptr<FastKernel> make_transpose_conv_f32(OpContext& ctx, const ref::ConvGeometry& g, int input,
                                                    int weights, int bias_input, bool bias_first) {
  const IsaKernels isa = select(ctx.exec().isa);
  if (!isa.gemm) return nullptr;
  const int64_t m = int64_t{g.batch} * g.in_h * g.in_w;
  const int64_t n_all = int64_t{g.filter_h} * g.filter_w * g.out_c;
  // Empty tensors (the reference handles them) and sizes the GEMM's int fields cannot hold.
  if (m <= 0 || g.in_c <= 0 || n_all <= 0 || g.out_h <= 0 || g.out_w <= 0 || n_all > (int64_t{1} << 30) ||
      g.in_w > (1 << 30))
    return nullptr;
  const Tensor& filter = ctx.input(weights);
  if (!filter.is_constant()) return nullptr;
  const float* bias = nullptr;
  if (bias_input >= 0 && ctx.has_input(bias_input)) {
    const Tensor& t = ctx.input(bias_input);
    if (!t.is_constant()) return nullptr;
    bias = t.data_as<float>();
  }
  auto kernel = std::make_unique<TransposeConvKernel>();
  kernel->isa = isa;
  kernel->g = g;
  kernel->input = input;
  kernel->bias_first = bias_first;
  kernel->direct = g.stride_h == g.filter_h && g.stride_w == g.filter_w && g.pad_top == 0 && g.pad_left == 0 &&
                   int64_t{g.out_h} == int64_t{g.in_h} * g.stride_h && int64_t{g.out_w} == int64_t{g.in_w} * g.stride_w;
  const int64_t scratch_floats = kernel->direct ? 0 : m * n_all;
  if (scratch_floats * int64_t{sizeof(float)} > (int64_t{1} << 28)) return nullptr;  // 256 MiB
  // OHWI [oc][ky][kx][ic] -> rows (ky, kx, oc) of in_c floats, packed per ky (direct) or whole.
  const float* f = filter.data_as<float>();
  const int oc_n = g.out_c, k = g.in_c;
  auto row_of = [&](int oc, int ky, int kx) { return f + ((int64_t{oc} * g.filter_h + ky) * g.filter_w + kx) * k; };
  std::vector<float> rows;
  size_t bytes = 0;
  if (kernel->direct) {
    const int n = g.filter_w * oc_n;
    rows.resize(static_cast<size_t>(n) * k);
    std::vector<float> bias_rep(static_cast<size_t>(n), 0.0f);
    if (bias)
      for (int kx = 0; kx < g.filter_w; ++kx) std::copy(bias, bias + oc_n, bias_rep.begin() + int64_t{kx} * oc_n);
    kernel->w.resize(g.filter_h);
    for (int ky = 0; ky < g.filter_h; ++ky) {
      for (int kx = 0; kx < g.filter_w; ++kx)
        for (int oc = 0; oc < oc_n; ++oc)
          std::copy(row_of(oc, ky, kx), row_of(oc, ky, kx) + k, rows.begin() + (int64_t{kx} * oc_n + oc) * k);
      kernel->w[ky].pack(rows.data(), bias_rep.data(), n, k, isa.nr, isa.vl);
      bytes += kernel->w[ky].bytes();
    }
  } else {
    rows.resize(static_cast<size_t>(n_all) * k);
    for (int ky = 0; ky < g.filter_h; ++ky)
      for (int kx = 0; kx < g.filter_w; ++kx)
        for (int oc = 0; oc < oc_n; ++oc)
          std::copy(row_of(oc, ky, kx), row_of(oc, ky, kx) + k,
                    rows.begin() + ((int64_t{ky} * g.filter_w + kx) * oc_n + oc) * k);
    kernel->w.resize(1);
    kernel->w[0].pack(rows.data(), nullptr, static_cast<int>(n_all), k, isa.nr, isa.vl);
    if (bias) kernel->bias.assign(bias, bias + oc_n);
    bytes += kernel->w[0].bytes() + kernel->bias.size() * sizeof(float);
  }
  ctx.add_state_bytes(bytes);
  // Last: requesting scratch may move the tensors `filter` and `bias` refer to.
  if (!kernel->direct) kernel->scratch = ctx.request_scratch(sizeof(float) * static_cast<size_t>(scratch_floats));
  ctx.packed_input(weights);
  ctx.packed_input(bias_input);
  return made(std::move(kernel));
}

}  // namespace liteq::rt::opt
