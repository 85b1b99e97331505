// fast/gemm.cpp — cblas_dgemm behind one function. SPEED CODE: skip on first reading.
#include "fast/gemm.hpp"

#include <cblas.h>

#include <algorithm>

#include "autograd/fast/kernels.hpp"
#include "autograd/ops.hpp"

namespace ag {

namespace detail::fast {
#if defined(TAPEGRAD_FAST) && TAPEGRAD_FAST == 0
constexpr bool kDgemm = false;
#else
constexpr bool kDgemm = true;
#endif

// BLAS wants leading dimensions of at least 1 even for empty matrices, and there is nothing to
// do when C is empty.
void gemm(bool trans_a, bool trans_b, int64_t rows, int64_t cols, int64_t depth, const double* a,
          const double* b, double beta, double* c) {
  if (rows == 0 || cols == 0) return;
  // Built with TAPEGRAD_FAST=OFF, or under use_portable_kernels (autograd/fast/kernels.hpp: the
  // same numbers on every machine): the plain triple loop, op(A)[i, p] read through the flags.
  if (!kDgemm || portable_kernels()) {
    // op(A)[i, p] = a[i * a_row + p * a_col], op(B)[p, j] = b[p * b_row + j * b_col]
    const int64_t a_row = trans_a ? 1 : depth, a_col = trans_a ? rows : 1;
    const int64_t b_row = trans_b ? 1 : cols, b_col = trans_b ? depth : 1;
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < cols; ++j) {
        double total = 0.0;
        for (int64_t p = 0; p < depth; ++p)
          total += a[i * a_row + p * a_col] * b[p * b_row + j * b_col];
        c[i * cols + j] = total + (beta == 0.0 ? 0.0 : beta * c[i * cols + j]);
      }
    }
    return;
  }
  const int64_t lda = std::max<int64_t>(trans_a ? rows : depth, 1);
  const int64_t ldb = std::max<int64_t>(trans_b ? depth : cols, 1);
  cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<int>(rows), static_cast<int>(cols),
              static_cast<int>(depth), 1.0, a, static_cast<int>(lda), b, static_cast<int>(ldb),
              beta, c, static_cast<int>(cols));
}
}  // namespace detail::fast

void matmul_blas(const double* a, const double* b, double* c, int64_t m, int64_t k, int64_t n) {
  if (k == 0) {
    std::fill_n(c, m * n, 0.0);
    return;
  }
  detail::fast::gemm(false, false, m, n, k, a, b, 0.0, c);
}

}  // namespace ag
