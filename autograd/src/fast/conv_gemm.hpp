// fast/conv_gemm.hpp — convolution as a matrix product on OpenBLAS. SPEED CODE: skip on first
// reading.
//
// What it computes is conv2d_direct and conv2d_direct_backward (conv.cpp), the loops of
// conv.hpp's formulas; tests/autograd/conv_test.cpp holds the two equal on odd shapes. Same
// arguments, same contract: forward overwrites result, backward adds into the non-null gradients.
#pragma once

#include "conv_geometry.hpp"

namespace ag::detail::fast {

void conv2d_gemm(const Geometry& g, const double* input, const double* weight, const double* bias,
                 double* result);
void conv2d_gemm_backward(const Geometry& g, const double* input, const double* weight,
                          const double* grad, double* ginput, double* gweight, double* gbias);

}  // namespace ag::detail::fast
