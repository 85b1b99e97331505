// fast/conv_gemm.cpp — convolution lowered to dgemm through im2col. SPEED CODE: skip on first
// reading.
//
// The direct loop (conv.cpp) visits every (n, o, i, j, c, p, q): seven nested loops whose inner
// trip counts are tiny (a 3 x 3 filter), which no compiler vectorises well. im2col copies, for one
// sample, every input number each filter tap reads into one column matrix
//     cols[(c, p, q), (i, j)] = input[c, y(i, p), x(j, q)]      (0 where that is padding)
// of shape [C*kh*kw, out_h*out_w]. Then the whole convolution of that sample is one product,
//     result[o, (i, j)] = bias[o] + sum over (c, p, q) of weight[o, (c, p, q)] * cols[(c, p, q),
//                                                                                     (i, j)]
// i.e. result = weight [O, C*kh*kw] @ cols, which OpenBLAS runs in cache-sized blocks with
// vector instructions. Backward is the two products of matmul's rule, and col2im to send the
// gradient of cols back to the input positions they were copied from (+=: one input position
// sits in several columns when windows overlap):
//     d weight += grad [O, L] @ cols^T [L, C*kh*kw]
//     d cols    = weight^T [C*kh*kw, O] @ grad [O, L],   then d input += col2im(d cols)
// The cost is memory: cols holds kh*kw copies of the input (9x for 3 x 3), for one sample at a
// time.
#include "fast/conv_gemm.hpp"

#include <algorithm>
#include <vector>

#include "fast/gemm.hpp"

namespace ag::detail::fast {

namespace {

// Visits every cell of one sample's column matrix: f(cell, at) with `cell` its index in cols
// ([C*kh*kw, out_h*out_w], row-major) and `at` the index in the sample's [C, H, W] input it
// copies, or -1 for padding. im2col and col2im are this loop with a copy one way or the other.
template <class F>
void for_each_column_cell(const Geometry& g, F f) {
  const int64_t columns = g.out_h * g.out_w;
  for (int64_t c = 0; c < g.channels; ++c)
    for (int64_t p = 0; p < g.kernel_h; ++p)
      for (int64_t q = 0; q < g.kernel_w; ++q) {
        const int64_t row = ((c * g.kernel_h + p) * g.kernel_w + q) * columns;
        for (int64_t i = 0; i < g.out_h; ++i) {
          const int64_t y = g.input_row(i, p);
          const bool row_inside = y >= 0 && y < g.height;
          for (int64_t j = 0; j < g.out_w; ++j) {
            const int64_t x = g.input_col(j, q);
            const bool inside = row_inside && x >= 0 && x < g.width;
            f(row + i * g.out_w + j, inside ? (c * g.height + y) * g.width + x : -1);
          }
        }
      }
}

void im2col(const Geometry& g, const double* image, double* cols) {
  for_each_column_cell(g, [&](int64_t cell, int64_t at) { cols[cell] = at < 0 ? 0.0 : image[at]; });
}

void col2im_add(const Geometry& g, const double* cols, double* image) {
  for_each_column_cell(g, [&](int64_t cell, int64_t at) {
    if (at >= 0) image[at] += cols[cell];
  });
}

}  // namespace

void conv2d_gemm(const Geometry& g, const double* input, const double* weight, const double* bias,
                 double* result) {
  const int64_t columns = g.out_h * g.out_w;
  const int64_t depth = g.channels * g.kernel_h * g.kernel_w;
  const int64_t image = g.channels * g.height * g.width;
  std::vector<double> cols(static_cast<size_t>(depth * columns));
  for (int64_t n = 0; n < g.batch; ++n) {
    double* out = result + n * g.out_channels * columns;  // [O, out_h*out_w]
    for (int64_t o = 0; o < g.out_channels; ++o)
      std::fill_n(out + o * columns, columns, bias != nullptr ? bias[o] : 0.0);
    if (depth == 0) continue;
    im2col(g, input + n * image, cols.data());
    gemm(false, false, g.out_channels, columns, depth, weight, cols.data(), 1.0, out);
  }
}

void conv2d_gemm_backward(const Geometry& g, const double* input, const double* weight,
                          const double* grad, double* ginput, double* gweight, double* gbias) {
  const int64_t columns = g.out_h * g.out_w;
  const int64_t depth = g.channels * g.kernel_h * g.kernel_w;
  const int64_t image = g.channels * g.height * g.width;
  std::vector<double> cols(static_cast<size_t>(depth * columns));
  for (int64_t n = 0; n < g.batch; ++n) {
    const double* grad_n = grad + n * g.out_channels * columns;  // [O, out_h*out_w]
    if (gbias != nullptr) {
      for (int64_t o = 0; o < g.out_channels; ++o)
        for (int64_t l = 0; l < columns; ++l) gbias[o] += grad_n[o * columns + l];
    }
    if (depth == 0) continue;
    if (gweight != nullptr) {  // d weight += grad_n @ cols^T       [O, L] @ [L, C*kh*kw]
      im2col(g, input + n * image, cols.data());
      gemm(false, true, g.out_channels, depth, columns, grad_n, cols.data(), 1.0, gweight);
    }
    if (ginput != nullptr) {  // d cols = weight^T @ grad_n        [C*kh*kw, O] @ [O, L]
      gemm(true, false, depth, columns, g.out_channels, weight, grad_n, 0.0, cols.data());
      col2im_add(g, cols.data(), ginput + n * image);
    }
  }
}

}  // namespace ag::detail::fast
