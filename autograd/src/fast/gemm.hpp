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

}  // namespace ag::detail::fast
