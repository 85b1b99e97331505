// fast/gemm.hpp — matrix products on OpenBLAS. SPEED CODE: skip on first reading.
//
// What it computes is the triple loop of matmul_reference (matmul.cpp); cblas_dgemm does it in
// blocks that fit the caches, with vector instructions. tests/autograd/matmul_test.cpp holds the
// two equal.
#pragma once

#include <cstdint>

namespace ag::detail::fast {

// C = op(A) @ op(B) + beta * C for row-major matrices, where op transposes when asked: C is
// rows x cols, and `depth` is the summed dimension. beta = 1 adds into C (backward's `+=`),
// beta = 0 overwrites it.
void gemm(bool trans_a, bool trans_b, int64_t rows, int64_t cols, int64_t depth, const double* a,
          const double* b, double beta, double* c);

// The portable product alone (what gemm computes under use_portable_kernels, or built with
// TAPEGRAD_FAST=OFF), in the code given: the loop compiled for every x86-64 CPU, or for one with
// AVX2, which gemm takes where the CPU has it (has_avx2). The same numbers either way, but for
// which NaN a sum of two NaNs gives (fast/gemm.cpp): fast_test compares the two. Isa::avx2 throws
// std::logic_error on a CPU without it.
enum class Isa { baseline, avx2 };
bool has_avx2();
void portable_gemm(Isa isa, bool trans_a, bool trans_b, int64_t rows, int64_t cols, int64_t depth,
                   const double* a, const double* b, double beta, double* c);

}  // namespace ag::detail::fast
