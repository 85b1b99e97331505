// elementwise.cpp — ops that work number by number: + - * / pow, exp, log, tanh, relu...
//
// Each op is its forward formula and its local derivative, side by side. unary_op / binary_op
// (internal.hpp) do the rest: loop, broadcast, record, and in backward multiply the local
// derivative by `grad` and add it (+=) into the input's gradient.
#include <cmath>

#include "autograd/ops.hpp"
#include "internal.hpp"
#include "vector_math.hpp"

namespace ag {

using detail::binary_op;
using detail::unary_op;

// ----- two inputs ------------------------------------------------------------------------------
// d(self + other)/d self = 1,  d/d other = 1
Tensor add(const Tensor& self, const Tensor& other) {
  return binary_op(
      "add", self, other, [](double a, double b) { return a + b; },
      [](double, double, double) { return 1.0; }, [](double, double, double) { return 1.0; });
}

// d(self - other)/d self = 1,  d/d other = -1
Tensor sub(const Tensor& self, const Tensor& other) {
  return binary_op(
      "sub", self, other, [](double a, double b) { return a - b; },
      [](double, double, double) { return 1.0; }, [](double, double, double) { return -1.0; });
}

// d(self * other)/d self = other,  d/d other = self
Tensor mul(const Tensor& self, const Tensor& other) {
  return binary_op(
      "mul", self, other, [](double a, double b) { return a * b; },
      [](double, double b, double) { return b; }, [](double a, double, double) { return a; });
}

// d(self / other)/d self = 1 / other,  d/d other = -self / other^2
Tensor div(const Tensor& self, const Tensor& other) {
  return binary_op(
      "div", self, other, [](double a, double b) { return a / b; },
      [](double, double b, double) { return 1.0 / b; },
      [](double a, double b, double) { return -a / (b * b); });
}

// d(self ^ other)/d self = other * self^(other - 1),  d/d other = result * ln(self)
// As in PyTorch, d/d other is 0 where self == 0 (and other >= 0) instead of 0 * -inf = NaN.
Tensor pow(const Tensor& self, const Tensor& exponent) {
  return binary_op(
      "pow", self, exponent, [](double a, double b) { return std::pow(a, b); },
      [](double a, double b, double) { return b == 0.0 ? 0.0 : b * std::pow(a, b - 1.0); },
      [](double a, double b, double result) {
        return (a == 0.0 && b >= 0.0) ? 0.0 : result * std::log(a);
      });
}

// d max(self, other)/d self = 1 where self > other, 1/2 where they tie, else 0 (PyTorch's rule:
// on a tie the gradient is shared, so the two halves still add up to grad).
Tensor maximum(const Tensor& self, const Tensor& other) {
  return binary_op(
      "maximum", self, other, [](double a, double b) { return a > b ? a : b; },
      [](double a, double b, double) { return a > b ? 1.0 : a == b ? 0.5 : 0.0; },
      [](double a, double b, double) { return b > a ? 1.0 : a == b ? 0.5 : 0.0; });
}

// d min(self, other)/d self = 1 where self < other, 1/2 where they tie, else 0
Tensor minimum(const Tensor& self, const Tensor& other) {
  return binary_op(
      "minimum", self, other, [](double a, double b) { return a < b ? a : b; },
      [](double a, double b, double) { return a < b ? 1.0 : a == b ? 0.5 : 0.0; },
      [](double a, double b, double) { return b < a ? 1.0 : a == b ? 0.5 : 0.0; });
}

// ----- one input -------------------------------------------------------------------------------
// d(-self)/d self = -1
Tensor neg(const Tensor& self) {
  return unary_op(
      "neg", self, [](double x) { return -x; }, [](double, double) { return -1.0; });
}

// d(self ^ p)/d self = p * self^(p - 1);   attr[0] = p
Tensor pow(const Tensor& self, double exponent) {
  return unary_op(
      "pow", self, [](double x, const double* p) { return std::pow(x, p[0]); },
      [](double x, double, const double* p) {
        return p[0] == 0.0 ? 0.0 : p[0] * std::pow(x, p[0] - 1.0);
      },
      exponent);
}

// d e^self / d self = e^self = result
Tensor exp(const Tensor& self) {
  return unary_op(
      "exp", self, detail::vec::exp,  // y[i] = e^x[i] for the whole array: vector_math.cpp
      [](double, double result) { return result; });
}

// d ln(self) / d self = 1 / self
Tensor log(const Tensor& self) {
  return unary_op(
      "log", self, [](double x) { return std::log(x); },
      [](double x, double) { return 1.0 / x; });
}

// d sqrt(self) / d self = 1 / (2 sqrt(self)) = 1 / (2 result)
Tensor sqrt(const Tensor& self) {
  return unary_op(
      "sqrt", self, [](double x) { return std::sqrt(x); },
      [](double, double result) { return 1.0 / (2.0 * result); });
}

// d |self| / d self = sign(self), taken as 0 at 0 (PyTorch's choice)
Tensor abs(const Tensor& self) {
  return unary_op(
      "abs", self, [](double x) { return std::abs(x); },
      [](double x, double) { return x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : 0.0; });
}

// d tanh(self) / d self = 1 - tanh^2(self) = 1 - result^2
// Saturation: for |self| > 5 this is below 2e-4, so almost no gradient passes.
Tensor tanh(const Tensor& self) {
  return unary_op(
      "tanh", self, detail::vec::tanh,  // y[i] = tanh(x[i]) for the whole array: vector_math.cpp
      [](double, double result) { return 1.0 - result * result; });
}

// d sigmoid(self) / d self = sigmoid(self) (1 - sigmoid(self)) = result (1 - result),
// at most 1/4 (at 0): a stack of sigmoids shrinks the gradient by 4x or more per layer.
// Forward: 1 / (1 + e^-self) for the whole array (vector_math.cpp, which also says why an
// overflowing e^-self still gives the right answer, 0).
Tensor sigmoid(const Tensor& self) {
  return unary_op(
      "sigmoid", self, detail::vec::sigmoid,
      [](double, double result) { return result * (1.0 - result); });
}

// d relu(self) / d self = 1 where self > 0, else 0. A unit whose input is negative passes no
// gradient at all: if that holds for every example, the unit is "dead".
Tensor relu(const Tensor& self) {
  return unary_op(
      "relu", self, [](double x) { return x > 0.0 ? x : 0.0; },
      [](double x, double) { return x > 0.0 ? 1.0 : 0.0; });
}

// d leaky_relu(self) / d self = 1 where self > 0, else slope;   attr[0] = slope.
// PyTorch's default slope is 0.01 (Keras's LeakyReLU defaults to alpha = 0.3). For slope < 1
// this equals max(self, slope * self), the cheap branch-free form.
Tensor leaky_relu(const Tensor& self, double negative_slope) {
  return unary_op(
      "leaky_relu", self,
      [](double x, const double* slope) { return x > 0.0 ? x : slope[0] * x; },
      [](double x, double, const double* slope) { return x > 0.0 ? 1.0 : slope[0]; },
      negative_slope);
}

// d clamp(self, lo, hi) / d self = 1 where lo <= self <= hi, else 0;   attr = {lo, hi}
Tensor clamp(const Tensor& self, double lo, double hi) {
  if (lo > hi) {
    throw ValueError(fmt::format("clamp: lower bound {} is above upper bound {} (input shape {})",
                                 lo, hi, shape_str(self.shape())));
  }
  return unary_op(
      "clamp", self,
      [](double x, const double* b) { return x < b[0] ? b[0] : x > b[1] ? b[1] : x; },
      [](double x, double, const double* b) { return (x >= b[0] && x <= b[1]) ? 1.0 : 0.0; },
      lo, hi);
}

}  // namespace ag
