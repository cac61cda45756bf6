// Plain interface of the ISA-specific int8 kernels (kernels_s8_avx2.cc,
// kernels_s8_avx2vnni.cc, kernels_s8_avx512.cc, kernels_s8_avx512vnni.cc) and the generic dispatcher
// (conv_s8.cc). C headers only: the ISA files include this header.
//
// GEMM: out[m, n] = requant(init[n] + sum_k A[m, k] * W[n, k]) for a panel of rows of A
// packed by the ISA's pack function, against weights packed by the dispatcher:
//   vnni:    A as uint8 (a ^ 0x80), K padded to a multiple of 4; W in blocks of 16
//            channels, for each group of 4 k: 16 x 4 int8 (64 bytes). init includes
//            -128 * sum(w) to undo the 0x80 bias.
//   avx512:  A as int16, K padded to a multiple of 2; W in blocks of 16 channels, for
//            each pair of k: 16 x 2 int16 (64 bytes).
//   avx2:    A as int16 (as avx512); W in blocks of 8 channels, per pair of k: 8 x 2
//            int16 (32 bytes).
// Every "k group" is 4 bytes of A, so kgroups = panel row bytes / 4.
#pragma once
#include <cstddef>
#include <cstdint>

namespace liteq::rt::opt::s8 {

// Requantization, per output channel (arrays padded to the packed channel count):
// TFLite's x * M * 2^shift with left = max(shift, 0), right = max(-shift, 0) and
// rmask: ties-up rounding (round_double == 0): right > 0 ? 1 << (right - 1) : 0;
// double rounding (TFLite's rounding_divide_by_pot): (1 << right) - 1. The clamp
// bounds are act_min / act_max minus the output offset (added last).
//
// single, nudge, shift64 (AVX-512): where single[c] is 1 (no left shift, right >= 1) the
// two roundings are one, in 64-bit lanes, as floor((floor(y) + k) / d) = floor((y + k) / d)
// for integers k, d > 0: with t = x * M + 2^30 (high = floor(t / 2^31)),
//   ties up:            floor((t + 2^(30 + right)) / 2^(31 + right)),
//   ties away from 0:   the same less 2^31 in the numerator where t < 0,
// nudge = 2^30 + 2^(30 + right), shift64 = 31 + right.
//
// The float32 estimate (AVX-512 and AVX2), where every channel has the one-rounding form,
// or a left shift (and no right shift) under which x << left cannot wrap for any
// accumulator the layer can produce (fast; a left shift scales y below by 2^left, d = 0):
// with y = x * M / 2^(31 + right) and d = 2^(-1 - right), that form is
//   floor(y + 1/2 + d), and with ties away from 0, floor(y + 1/2 - d) where x < 0
// (x < 0 stands for x * M + 2^30 < 0: the two differ only where both floors agree). So
// out = floor(clamp(z, act_min + 1/2, act_max + 1/2)) with z = x * fscale + (fc_pos or
// fc_neg), the output offset included: fscale = M / 2^(31 + right), fc_pos = 1/2 + d +
// offset, fc_neg = 1/2 - d + offset (= fc_pos for ties up), each rounded to float32.
// Where |z| <= 2^9, z is within 2^-13.5 of its exact value: |x| 2^-24 from converting x,
// the same from fscale's rounding, 2^-17 from fc's, 2^-17 from the FMA's, all times the
// scale (|y| < 2^9). So floor(z) is exact unless z lies within that of an integer; a
// vector with a lane within 2^-11 of one takes the integer steps. Beyond the clamp
// bounds by more than 1/2, the error (relative 2^-22) cannot cross them.
struct Requant {
  const int32_t* mult;
  const int32_t* lshift;
  const int32_t* rshift;
  const int32_t* rmask;
  int32_t lo, hi, offset;
  int round_double;
  const int32_t* single;
  const int64_t* nudge;
  const int64_t* shift64;
  int fast;  // every channel in the one-rounding form: the float32 estimate applies
  const float* fscale;
  const float* fc_pos;
  const float* fc_neg;
  float flo, fhi;  // act_min + 1/2, act_max + 1/2
};

struct GemmArgs {
  const uint8_t* a;  // packed panel
  int64_t a_stride;  // bytes per panel row (4 * kgroups)
  int rows;
  int kgroups;
  const int8_t* w;  // packed weights
  const int32_t* init;
  Requant rq;
  int8_t* out;  // row m of the panel -> out + m * out_stride
  int64_t out_stride;
  // When set: the raw int32 accumulators (init + dot, no requantization) go to
  // out32 + m * out32_stride + n instead (the hybrid kernels' float epilogue follows).
  int32_t* out32;
  int64_t out32_stride;
  // When set (the hybrid kernels' float epilogue, fused; out and out32 unused):
  // out_f + m * out_f_stride + n gets clamp(float(acc) * f_mul[n] [+ f_bias[n]], f_lo, f_hi),
  // each float operation rounded on its own, NaN passing through the clamp; init then
  // holds the input offset's term too. f_mul and f_bias are read for valid channels only.
  float* out_f;
  int64_t out_f_stride;
  const float* f_mul;
  const float* f_bias;  // may be null: no addition
  float f_lo, f_hi;
  // vnni only: A's rows are the int8 values themselves, a_stride bytes apart, K a
  // multiple of 4 (no packing: the tile flips the sign bits as it broadcasts them).
  bool a_int8;
};

struct DwArgs {
  const int8_t* in;
  int batch, in_h, in_w, c;
  int kh, kw, sh, sw, dh, dw, pad_t, pad_l, out_h, out_w;
  int32_t in_off;
  const int32_t* w32;   // [kh * kw][cpad] int32
  const int32_t* bias;  // [cpad]
  const int32_t* wrow_sum;  // [kh][cpad]: per filter row, the sum over kx of w
  int cpad;
  Requant rq;
  int8_t* out;
  // dw_s8_quads only (kernels_s8_avx512vnnivbmi.cc): per block of 16 channels, per filter
  // column kx, per group of four filter rows, 16 x 4 int8 (lane i: the four rows' weights
  // of channel i, 0 past the last row); the accumulator start of every pixel,
  // bias + (in_off - 128) * (sum of w over all taps), mod 2^32. w32, bias and wrow_sum unused.
  const int8_t* wq;
  const int32_t* quad_init;
};

// Output channels [n_begin, n_end): n_begin a multiple of the block width (16, or 8
// for avx2), n_end <= channel count.
void gemm_s8_avx2(const GemmArgs& g, int n_begin, int n_end);
void gemm_s8_avx512(const GemmArgs& g, int n_begin, int n_end);
void gemm_s8_avx512vnni(const GemmArgs& g, int n_begin, int n_end);
// The vnni layouts on 8 lanes (AVX-VNNI, no AVX-512): blocks of 16 channels as avx512vnni's.
void gemm_s8_avx2vnni(const GemmArgs& g, int n_begin, int n_end);
// One panel row from k int8 values; pads to kp (bytes for vnni, int16 for the others).
void pack_row_vnni_avx512(uint8_t* dst, const int8_t* src, int k, int kp);
void pack_row_vnni_avx2vnni(uint8_t* dst, const int8_t* src, int k, int kp);
void pack_row_w16_avx2(int16_t* dst, const int8_t* src, int k, int kp);
// out[i] = requant(acc[i]) for i < n with the parameters of channel i % period (period a
// multiple of 8; rq's arrays hold period entries).
void requant_row_s8_avx2(const Requant& rq, int period, const int32_t* acc, int64_t n, int8_t* out);
// Depthwise (multiplier 1) over output rows [r0, r1) of batch * out_h.
void dw_s8_avx2(const DwArgs& d, int64_t r0, int64_t r1);
void dw_s8_avx512(const DwArgs& d, int64_t r0, int64_t r1);
// Whether dw_s8_avx512 computes d's rows in groups of 8 pixels with exact float32 sums
// (3 or 5 taps along x, stride 1 or 2, no dilation along x, at most 512 taps).
bool dw_s8_avx512_reuses(const DwArgs& d);

// Depthwise with four filter rows per vpdpbusd lane (AVX-512 VNNI + VBMI), for square
// 3x3 or 5x5 filters, stride 1 or 2 along x, no dilation along x (dilation along y is
// fine): the geometry dw_quads_fit accepts (conv_s8.cc).
void dw_s8_quads_avx512vnnivbmi(const DwArgs& d, int64_t r0, int64_t r1);

// How many int8 fast kernels make_*_s8 has created (tests check that they ran).
int64_t fast_kernels_made();

}  // namespace liteq::rt::opt::s8
