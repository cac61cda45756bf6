// Plain interface of the ISA-specific 16x8 kernels (int16 activations, int8 weights:
// kernels_s16_avx2.cc, kernels_s16_avx512.cc, kernels_s16_avx512vnni.cc) and their
// dispatcher (conv_s16.cc). C headers only: the ISA files include this header.
//
// The kernels only form exact integer sums; the dispatcher adds the bias and calls the
// reference's own requantization per output, so results are the reference's bit for bit.
//
// GEMM: out[r, n - n_begin] = sum_k A[r, k] * W[n, k], exact, as int64:
//   A: a panel of rows of int16, K zero padded to even (kpairs pairs), a_stride int16
//      per row (rows may also be the input itself when its rows are already that).
//   W: blocks of bw channels (avx2: 8, avx512 / vnni: 16); per pair of k, bw x 2 int16
//      (k even, k odd), zero padded to whole blocks.
// Per int32 lane, vpmaddwd (or vpdpwssd) adds x0 * w0 + x1 * w1 with |x| <= 2^15 and
// |w| <= 2^7, so |pair| <= 2^23; at most kChunkPairs = 128 pairs (|sum| <= 2^30) are
// summed in int32 before they are widened into the int64 result: nothing overflows.
#pragma once
#include <cstddef>
#include <cstdint>

namespace liteq::rt::opt::s16 {

constexpr int kChunkPairs = 128;

struct GemmArgs {
  const int16_t* a;  // row r at a + r * a_stride
  int64_t a_stride;  // int16 per row
  int rows;
  int kpairs;
  const int16_t* w;  // packed weights
  int64_t* out;      // row r, channel n -> out[r * out_stride + n - n_begin]
  int64_t out_stride;
};

// Channels [n_begin, n_end): n_begin a multiple of 64. Whole blocks of bw channels are
// stored (up to n_end rounded up to bw), so out rows need that much room.
void gemm_s16_avx2(const GemmArgs& g, int n_begin, int n_end);
void gemm_s16_avx512(const GemmArgs& g, int n_begin, int n_end);
void gemm_s16_avx512vnni(const GemmArgs& g, int n_begin, int n_end);

// Depthwise (multiplier 1): per output pixel and channel, the int32 sum over the taps
// inside the input of x * w (padding is real 0: no term). Exact when kh * kw <= 511
// (|x * w| <= 2^22).
struct DwArgs {
  const int16_t* in;
  int batch, in_h, in_w, c;
  int kh, kw, sh, sw, dh, dw, pad_t, pad_l, out_h, out_w;
  const int32_t* w32;  // [kh * kw][cpad]: each weight as uint16 in the low half, 0 above
  int cpad;            // c rounded up to 16
  const int16_t* zero;  // in_w * c zeros: rows above or below the input (real 0)
};

// Output row r of batch * out_h: acc[ox * cpad + c] for every ox and c < c rounded up to
// the vector width. Filters up to kDwMaxRows rows: where the taps lie inside the input
// horizontally, no bounds checks (the rows outside read zeros); 3x3 filters keep their
// nine weight vectors in registers there.
constexpr int kDwMaxRows = 16;
// The output columns [*lo, *hi) whose taps all lie inside the input horizontally.
void interior_columns(const DwArgs& d, int* lo, int* hi);
void dw_s16_row_avx2(const DwArgs& d, int64_t r, int32_t* acc);
void dw_s16_row_avx512(const DwArgs& d, int64_t r, int32_t* acc);

// The reference's requantization (requant_int8.h) of exact sums to int16, vectorized,
// for output zero point 0 and a clamp range inside int16. Per channel n (arrays padded
// to whole vectors): x = sum + bias[n] in int64, then
//   int64 path (wrap32 == 0, TFLite's int64 MultiplyByQuantizedMultiplier): v =
//     int32((x * mult[n] + round[n]) >> shift[n]) (mult: the 16-bit reduced multiplier),
//     clamped to [lo, hi];
//   int32 path (wrap32 == 1, ruy's single rounding): v = ((int32(x) * mult[n] +
//     round[n]) >> shift[n]) clamped to int32, then to [lo, hi];
// round[n] = 1 << (shift[n] - 1), 1 <= shift[n] <= 62.
struct Requant {
  const int64_t* bias;
  const int64_t* mult;
  const int64_t* round;
  const int64_t* shift;
  int32_t lo, hi;
  int wrap32;
  int uniform;  // every channel uses the parameters and bias of channel 0
};

// Rows of sums, channels [nb, ne): the sum of row r, channel n at acc64[r * acc_stride +
// n - nb] (or acc32[...], int32 sums) -> out[r * out_stride + n]. The sums' rows hold
// whole vectors (n - nb up to ne - nb rounded up to 8 are read).
void requant_s16_avx2(const Requant& q, const int64_t* acc64, const int32_t* acc32, int64_t acc_stride, int rows,
                      int nb, int ne, int16_t* out, int64_t out_stride);
void requant_s16_avx512(const Requant& q, const int64_t* acc64, const int32_t* acc32, int64_t acc_stride, int rows,
                        int nb, int ne, int16_t* out, int64_t out_stride);

// Few channels (n <= 4): out[r * out_stride + c] = sum_k A[r, k] * W[c, k] for c < n,
// with A's rows and W's rows (n rows of 2 * kpairs int16, row c at w + c * 2 * kpairs)
// zero padded to a multiple of 32 values; dot products along K, four rows at a time.
// K is cut into chunks of kDotChunk values (240 pairs, |sum| <= 240 * 2^23 < 2^31):
// each chunk's sum is exact in int32 in any order (lanes, then across lanes), and the
// chunks add up in int64.
constexpr int kDotChunk = 480;
void dot_s16_avx2(const GemmArgs& g, int n);
void dot_s16_avx512(const GemmArgs& g, int n);

// CONV_2D with few channels (n <= 4) and K <= 2 * 240 (one exact int32 sum per output,
// see kDotChunk), read in place: for the pixels ox in [ox_lo, ox_hi) of one output row,
// out[ox * out_stride + c] = sum over i < nrows of the dot product of len values at
// rows[i] + x0 + ox * step with w[i] + c * w_cstride (the filter row's taps inside the
// input: one contiguous run with dilation 1). Inputs are read only up to len; the
// weights up to len rounded up to 32 (the caller pads them).
constexpr int kNarrowMaxRows = 16;
struct NarrowArgs {
  const int16_t* rows[kNarrowMaxRows];
  const int16_t* w[kNarrowMaxRows];
  int nrows, len, n, ox_lo, ox_hi;
  int64_t x0, step, w_cstride;
  int64_t* out;
  int64_t out_stride;
};
void narrow_s16_avx2(const NarrowArgs& a);
void narrow_s16_avx512(const NarrowArgs& a);

// How many 16x8 fast kernels make_*_s16 has created (tests check that they ran).
int64_t fast_kernels_made();

}  // namespace liteq::rt::opt::s16
