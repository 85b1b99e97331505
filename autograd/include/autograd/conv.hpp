// conv.hpp — convolution and pooling: conv1d, conv2d, max_pool1d, max_pool2d, avg_pool2d.
//
// Layout and semantics are PyTorch's (torch.nn.functional), so weights and numbers carry over:
//     input   [N, C, H, W]       batch, channels, height, width   (1-d: [N, C, L])
//     weight  [O, C, kh, kw]     one [C, kh, kw] filter per output channel   (1-d: [O, C, k])
//     bias    [O]                optional: an empty Tensor handle means none
//     result  [N, O, H_out, W_out]
// A convolution slides each filter over the input; at output position (i, j) the filter's tap
// (p, q) reads the input at
//     y = i * stride_h - padding_h + p * dilation_h
//     x = j * stride_w - padding_w + q * dilation_w
// and an input position outside [0, H) x [0, W) reads 0 (zero padding). So
//     result[n, o, i, j] = bias[o] + sum over c, p, q of weight[o, c, p, q] * input[n, c, y, x]
//     H_out = floor((H + 2 padding_h - dilation_h (kh - 1) - 1) / stride_h) + 1   (W_out alike)
// (What deep learning calls convolution is, strictly, cross-correlation: the filter is not
// flipped. PyTorch and every framework do the same.)
//
// The backward rule follows from the sum: every product weight * input that made a result
// element sends grad back to both of its factors.
//     d input[n, c, y, x]  += grad[n, o, i, j] * weight[o, c, p, q]   for every (o, i, j, p, q)
//                                                                     that read input[n, c, y, x]
//     d weight[o, c, p, q] += grad[n, o, i, j] * input[n, c, y, x]    over n, i, j
//     d bias[o]            += grad[n, o, i, j]                        over n, i, j
// src/conv.cpp writes these as the direct loops; the ops run them as matrix products (im2col,
// src/fast/conv_gemm.cpp) on OpenBLAS, or on fast/gemm.cpp's plain loop under portable kernels,
// which a test holds equal to the loops.
//
// Pooling slides a window of kernel_size over each channel on its own: max_pool keeps the largest
// value in the window, avg_pool their mean. Nothing is padded in memory: max_pool skips the cells
// that fall on padding (as if they held -infinity, which never wins), and avg_pool adds nothing
// for them but counts them, its divisor always kh * kw (PyTorch's default count_include_pad =
// true). The stride defaults to the kernel size (windows side by side).
//
// What this file leaves out: groups (depthwise convolution), padding modes other than zeros,
// "same" padding, transposed convolution, conv3d, ceil_mode and dilation for pooling.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "autograd/tensor.hpp"

namespace ag {

// A size for each of the two spatial axes, height then width. One number stands for both, as in
// PyTorch:  {.stride = 2}  or  {.padding = {1, 0}}.
struct Size2 {
  int64_t h = 0;
  int64_t w = 0;
  Size2(int64_t both) : h(both), w(both) {}  // NOLINT(google-explicit-constructor)
  Size2(int64_t h, int64_t w) : h(h), w(w) {}
};

struct Conv2dOptions {
  Size2 stride = 1;
  Size2 padding = 0;   // zeros added on each side (padding.h rows above and below)
  Size2 dilation = 1;  // the gap between a filter's taps: 1 is no gap
};
struct Conv1dOptions {
  int64_t stride = 1;
  int64_t padding = 0;
  int64_t dilation = 1;
};

// ----- convolution ---------------------------------------------------------------------------
// conv2d:   result[n, o, i, j] = bias[o] + sum over c, p, q of weight[o, c, p, q] * input[n, c,
//                                                                                   y, x]
//           d input = grad through every weight that read it (a transposed convolution)
//           d weight = grad times the input each tap read, summed over n, i, j
//           d bias = grad summed over n, i, j
// e.g. conv2d(x, w, b, {.padding = 1}) keeps H and W for a 3 x 3 filter; conv2d(x, w) has no bias.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
              Conv2dOptions options = {});
// conv1d:   conv2d with H = 1: input [N, C, L], weight [O, C, k], bias [O] -> [N, O, L_out]
//           d input = grad through every weight that read it (a transposed convolution)
//           d weight = grad times the input each tap read, summed over n, i, j
//           d bias = grad summed over n, i, j
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
              Conv1dOptions options = {});

// ----- pooling -------------------------------------------------------------------------------
struct MaxPool2dOptions {
  Size2 kernel_size;  // required: the window's height and width
  std::optional<Size2> stride =
      std::nullopt;   // unset: kernel_size (windows side by side), PyTorch's default
  Size2 padding = 0;  // at most half the kernel on each axis, as PyTorch requires
};
using AvgPool2dOptions = MaxPool2dOptions;
struct MaxPool1dOptions {
  int64_t kernel_size = 0;                       // required (>= 1)
  std::optional<int64_t> stride = std::nullopt;  // unset: kernel_size
  int64_t padding = 0;
};

// max_pool2d: result[n, c, i, j] = the largest self[n, c, y, x] in window (i, j)
//           d self = grad at each window's arg-max, 0 elsewhere (overlapping windows add up)
// The arg-max is PyTorch's (CPU): on a tie, the first maximum in the window, row by row; a NaN is
// the maximum (the last NaN, if several).
// e.g. max_pool2d(x, {.kernel_size = 2}) halves H and W.
Tensor max_pool2d(const Tensor& self, MaxPool2dOptions options);
// max_pool1d: max_pool2d with H = 1: self [N, C, L] -> [N, C, L_out]
//           d self = grad at each window's arg-max, 0 elsewhere (overlapping windows add up)
Tensor max_pool1d(const Tensor& self, MaxPool1dOptions options);
// avg_pool2d: result[n, c, i, j] = (sum of self[n, c, y, x] in window (i, j)) / (kh * kw)
//           d self = grad / (kh * kw) added to every element of its window
// Padding counts in the divisor (PyTorch's default, count_include_pad = true).
Tensor avg_pool2d(const Tensor& self, AvgPool2dOptions options);

// ----- what the ops save ---------------------------------------------------------------------
// Where an op's windows fall: every size involved, for a 1-d op with H = 1 and a window of height
// 1. Each op above saves one for its backward; a picture reads it back to label the node
// ("kernel 3x3, stride 1, padding 1"): saved_windows(tape, i).
struct WindowGeometry {
  int64_t batch, channels, height, width;  // input [N, C, H, W]
  int64_t out_channels;                    // result [N, O, out_h, out_w] (pooling: O = C)
  int64_t kernel_h, kernel_w;              // the window (a convolution's weight [O, C, kh, kw])
  int64_t stride_h, stride_w;
  int64_t padding_h, padding_w;
  int64_t dilation_h, dilation_w;  // 1 for pooling
  int64_t out_h, out_w;

  // Where tap p of output row i reads along H (and tap q of column j along W); outside [0, H)
  // (or [0, W)) it reads padding.
  int64_t input_row(int64_t i, int64_t p) const {
    return i * stride_h - padding_h + p * dilation_h;
  }
  int64_t input_col(int64_t j, int64_t q) const {
    return j * stride_w - padding_w + q * dilation_w;
  }
};

// The window geometry tape node i saved, if one of the ops above recorded it; nullopt otherwise.
std::optional<WindowGeometry> saved_windows(const Tape& tape, size_t i);

}  // namespace ag
