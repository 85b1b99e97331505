// fast/gemm.cpp — cblas_dgemm behind one function. SPEED CODE: skip on first reading.
#include "fast/gemm.hpp"

#include <cblas.h>

#include <algorithm>

#include "autograd/ops.hpp"

namespace ag {

namespace detail::fast {
// BLAS wants leading dimensions of at least 1 even for empty matrices, and there is nothing to
// do when C is empty.
void gemm(bool trans_a, bool trans_b, int64_t rows, int64_t cols, int64_t depth, const double* a,
          const double* b, double beta, double* c) {
  if (rows == 0 || cols == 0) return;
#if defined(TAPEGRAD_FAST) && TAPEGRAD_FAST == 0
  // Built with TAPEGRAD_FAST=OFF: the plain triple loop, op(A)[i, p] read through the flags.
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      double total = 0.0;
      for (int64_t p = 0; p < depth; ++p) {
        total += (trans_a ? a[p * rows + i] : a[i * depth + p]) *
                 (trans_b ? b[j * depth + p] : b[p * cols + j]);
      }
      c[i * cols + j] = total + (beta == 0.0 ? 0.0 : beta * c[i * cols + j]);
    }
  }
  return;
#endif
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
