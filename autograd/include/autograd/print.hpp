// print.hpp — a tensor printed as a PyTorch user expects: std::cout << t, fmt::print("{}", t).
//
//     tensor([[1, 2, 3],
//             [4, 5, 6]], shape=[2, 3], requires_grad=true)
//     tensor(6, grad_fn=<mul>)
//
// What is printed, in order:
//   values          nested brackets, one row per line, each number to 6 significant digits and
//                   the columns aligned. Beyond 1000 numbers only the first and last 3 along each
//                   axis are shown, with "..." between (PyTorch's threshold and edgeitems).
//                   Past 64 axes, a note saying to print t.reshape({-1}) instead.
//   shape           for a tensor with at least one axis (a 0-d tensor is a scalar: no shape).
//   name            when it has one ("mlp.0.weight": parameters are named by their module).
//   requires_grad   for a leaf that requires grad (a parameter), as PyTorch prints it.
//   grad_fn         for an op result that requires grad: the op that made it, by its name on the
//                   tape ("mul", "tanh", "matmul"; PyTorch says MulBackward0). The op is looked
//                   up on the current tape (Tape::current()); a result of another tape (an outer
//                   one, or one already gone), or any result printed while no tape records (in
//                   a NoGradGuard), shows which tape it was: grad_fn=<on tape #3>.
//
// Tensor::to_string() stays the one-line summary (the first 8 numbers, flat) that fits in a
// table; this is the whole picture.
//
// What this file leaves out: print options (precision, threshold, line width: PyTorch's
// set_printoptions) and the gradient (print t.grad() for that).
#pragma once

#include <fmt/format.h>

#include <iosfwd>
#include <string>
#include <string_view>

#include "autograd/tensor.hpp"

namespace ag {

// The text that `<<` and `{}` print (see above).
std::string repr(const Tensor& t);

std::ostream& operator<<(std::ostream& out, const Tensor& t);

}  // namespace ag

// fmt::print("{}", t) and fmt::format("{:>60}", t): the same text, with fmt's width and alignment.
template <>
struct fmt::formatter<ag::Tensor> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const ag::Tensor& t, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(ag::repr(t), ctx);
  }
};
