// conv_geometry.hpp — where a convolution's or a pooling's windows fall, and the direct loops of
// convolution (not installed, not public).
//
// Every op of conv.hpp slides a window over the two spatial axes of an [N, C, H, W] input; the 1-d
// ops are the same with H = 1 and a window of height 1. A Geometry holds every size involved, and
// is also what those ops save for their backward (tape.saved<Geometry>(node)): plain numbers.
#pragma once

#include <cstdint>
#include <span>

#include "autograd/conv.hpp"
#include "autograd/op_info.hpp"
#include "autograd/tensor.hpp"

namespace ag::detail {

struct Geometry {
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

// The window settings of one op, as the user gave them (a 1-d op passes height 1, stride 1,
// padding 0 and dilation 1 along H).
struct Windows {
  Size2 kernel, stride, padding, dilation;
};

// The geometry of `op` on an input of `shape` ([N, C, H, W], or [N, C, L] for a 1-d op), checked:
// a ValueError names the op and the setting unless kernel, stride and dilation are >= 1 and
// padding >= 0; a ShapeError names the input's shape unless the window fits in the padded input.
// (conv.cpp)
Geometry window_geometry(const char* op, const Shape& shape, Windows windows, int64_t out_channels);

// The direct loops of conv.hpp's formulas (conv.cpp): the reference that the im2col + dgemm form
// (fast/conv_gemm.hpp) is tested against. Arrays are row-major: input [N, C, H, W], weight
// [O, C, kh, kw], bias [O] (may be null), result [N, O, out_h, out_w].
// Forward overwrites result; backward adds (+=) into each gradient that is not null.
void conv2d_direct(const Geometry& g, const double* input, const double* weight, const double* bias,
                   double* result);
void conv2d_direct_backward(const Geometry& g, const double* input, const double* weight,
                            const double* grad, double* ginput, double* gweight, double* gbias);

// The entries of conv.cpp and pooling.cpp in the op index (op_info.hpp, collected by op_info.cpp).
std::span<const OpInfo* const> conv_op_info();
std::span<const OpInfo* const> pooling_op_info();

}  // namespace ag::detail
