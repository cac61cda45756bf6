// float32 HARD_SWISH, LOGISTIC, SOFTMAX and ADD / SUB / MUL / DIV over contiguous arrays,
// vectorized (act_f32_avx2.cc, act_f32_avx512.cc). Plain C interface: those files are
// built with ISA flags and must not share inline C++ with other files.
//
//   hard_swish: x * min(6, max(0, x + 3)) * (1/6), the reference's operations in its
//     order (ref::hard_swish_float): bit-identical, NaN and infinities included.
//   binary: one add/sub/mul/div per element, then min(max(v, lo), hi) as
//     apply_activation: bit-identical.
//   logistic, softmax: a vector exp (Cody-Waite reduction, degree-6 polynomial; about
//     1-2 ulp), so within a few ulp of the reference rather than bit-identical.
//     softmax sums each row's exps in double (more accurate than the reference's float
//     running sum); it keeps TFLite's semantics: exp((x - max) * beta) / sum. A NaN or
//     +inf in a row makes the row NaN, like the reference; very negative arguments give 0.
// Each call is a pure function of its rows / elements, so splitting the work over
// threads gives identical results.
#pragma once
#include <cstddef>
#include <cstdint>

namespace liteq::rt::x86 {

void hard_swish_f32_avx2(const float* x, float* y, size_t n);
void hard_swish_f32_avx512(const float* x, float* y, size_t n);

// y = x < -20 ? exp(x) : 1 / (1 + exp(-x))   (ref::logistic_one)
void logistic_f32_avx2(const float* x, float* y, size_t n);
void logistic_f32_avx512(const float* x, float* y, size_t n);

// `rows` rows of `depth` floats; in and out may not overlap partially (equal is fine).
void softmax_f32_avx2(const float* in, float* out, size_t rows, size_t depth, float beta);
void softmax_f32_avx512(const float* in, float* out, size_t rows, size_t depth, float beta);

// out[i] = clamp(op(a[i * a_step], b[i * b_step]), lo, hi) for i < n; a_step, b_step are
// 0 (a scalar operand) or 1. op: 0 add, 1 sub, 2 mul, 3 div.
void binary_f32_avx2(const float* a, int a_step, const float* b, int b_step, float* out, size_t n, int op, float lo,
                     float hi);
void binary_f32_avx512(const float* a, int a_step, const float* b, int b_step, float* out, size_t n, int op, float lo,
                       float hi);

}  // namespace liteq::rt::x86
