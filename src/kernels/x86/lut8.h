// A 256-entry byte table applied to n bytes (int8 activations tabulated at prepare), with
// AVX-512 VBMI byte permutes (two 128-byte halves looked up by the low 7 bits, picked by
// the top bit) or AVX2 byte shuffles (16 rows of 16 by the low nibble, picked by the high
// one). Plain C interface; implemented in lut8_avx512vbmi.cc and lut8_avx2.cc.
#pragma once
#include <cstdint>

namespace liteq::rt::x86 {

void lut8_avx512vbmi(int64_t n, const uint8_t* x, uint8_t* y, const uint8_t* table);
void lut8_avx2(int64_t n, const uint8_t* x, uint8_t* y, const uint8_t* table);

}  // namespace liteq::rt::x86
