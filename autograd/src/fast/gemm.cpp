// fast/gemm.cpp — cblas_dgemm behind one function, and the portable loop for the same numbers on
// every machine. SPEED CODE: skip on first reading.
#include "fast/gemm.hpp"

#include <cblas.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "autograd/fast/kernels.hpp"
#include "autograd/ops.hpp"

namespace ag {

namespace detail::fast {
#if defined(TAPEGRAD_FAST) && TAPEGRAD_FAST == 0
constexpr bool kDgemm = false;
#else
constexpr bool kDgemm = true;
#endif

// ----- the portable product --------------------------------------------------------------------
// c[i, j] = sum over p of op(A)[i, p] * op(B)[p, j], added in the order p = 0, 1, ... (as
// matmul_reference does), then beta * c[i, j]. The loop runs over j innermost, so that a row of B
// and a row of the sums are read in a row (and vectorise), but each sum still takes its terms in
// the order of p: the same additions, so the same numbers, as the plain i, j, p loop. op(B)
// transposed is copied first, so that its rows are in a row too.
[[gnu::always_inline]] inline void portable_loop(bool trans_a, bool trans_b, int64_t rows,
                                                 int64_t cols, int64_t depth, const double* a,
                                                 const double* b, double beta, double* c) {
  std::vector<double> b_rows;
  if (trans_b) {
    b_rows.resize(static_cast<size_t>(depth * cols));
    for (int64_t j = 0; j < cols; ++j)
      for (int64_t p = 0; p < depth; ++p) b_rows[p * cols + j] = b[j * depth + p];
    b = b_rows.data();
  }
  std::vector<double> sums(static_cast<size_t>(cols));
  for (int64_t i = 0; i < rows; ++i) {
    std::fill(sums.begin(), sums.end(), 0.0);
    for (int64_t p = 0; p < depth; ++p) {
      const double a_ip = trans_a ? a[p * rows + i] : a[i * depth + p];
      const double* b_row = b + p * cols;
      for (int64_t j = 0; j < cols; ++j) sums[j] += a_ip * b_row[j];
    }
    double* c_row = c + i * cols;
    for (int64_t j = 0; j < cols; ++j) c_row[j] = sums[j] + (beta == 0.0 ? 0.0 : beta * c_row[j]);
  }
}

// That loop compiled twice: for every x86-64 CPU (SSE2: two doubles an instruction), and for one
// with AVX2 (four), taken where the CPU has it. The numbers are the same: a vector instruction
// rounds each product and each sum alone, whatever its width, and the AVX2 version fuses no
// multiply-add (FMA is an extension of its own, not asked for here; without it the compiler cannot
// contract a * b + c). What may differ is which NaN comes out of a sum of two NaNs (its sign and
// payload follow the order of the operands, which the compiler picks in each version): a NaN
// either way, and the tutorials print any NaN as NaN. On products the size of the tutorials' (32 x
// 32 to 256 x 256) the AVX2 loop took a half to three quarters of the time of the other (a 2-core
// Xeon, December 2026). fast_test holds the two equal, bit for bit, and both equal to
// matmul_reference.
#if defined(__x86_64__) && defined(__GNUC__)
[[gnu::target("avx2")]] void portable_loop_avx2(bool trans_a, bool trans_b, int64_t rows,
                                                int64_t cols, int64_t depth, const double* a,
                                                const double* b, double beta, double* c) {
  portable_loop(trans_a, trans_b, rows, cols, depth, a, b, beta, c);
}
bool has_avx2() {
  __builtin_cpu_init();  // (needed only before constructors run, as in a static's initializer)
  return __builtin_cpu_supports("avx2");
}
#else
bool has_avx2() { return false; }
#endif

void portable_gemm(Isa isa, bool trans_a, bool trans_b, int64_t rows, int64_t cols, int64_t depth,
                   const double* a, const double* b, double beta, double* c) {
  if (rows == 0 || cols == 0) return;
#if defined(__x86_64__) && defined(__GNUC__)
  if (isa == Isa::avx2) {
    if (!has_avx2()) throw std::logic_error("portable_gemm: this CPU has no AVX2");
    portable_loop_avx2(trans_a, trans_b, rows, cols, depth, a, b, beta, c);
    return;
  }
#else
  if (isa == Isa::avx2) throw std::logic_error("portable_gemm: AVX2 is x86-64's");
#endif
  portable_loop(trans_a, trans_b, rows, cols, depth, a, b, beta, c);
}

// ----- gemm --------------------------------------------------------------------------------------
// BLAS wants leading dimensions of at least 1 even for empty matrices, and there is nothing to
// do when C is empty.
void gemm(bool trans_a, bool trans_b, int64_t rows, int64_t cols, int64_t depth, const double* a,
          const double* b, double beta, double* c) {
  if (rows == 0 || cols == 0) return;
  // Built with TAPEGRAD_FAST=OFF, or under use_portable_kernels (autograd/fast/kernels.hpp: the
  // same numbers on every machine): the plain triple loop above, op(A)[i, p] read through the
  // flags, in its AVX2 form where the CPU has it.
  if (!kDgemm || portable_kernels()) {
    static const Isa isa = has_avx2() ? Isa::avx2 : Isa::baseline;
    portable_gemm(isa, trans_a, trans_b, rows, cols, depth, a, b, beta, c);
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
