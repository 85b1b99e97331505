// elementwise.cpp — ops that work number by number: + - * / pow, exp, log, tanh, relu...
//
// Each op is its forward formula and its local derivative, side by side. unary_op / binary_op
// (op_support.hpp) do the rest: loop, broadcast, record, and in backward multiply the local
// derivative by `grad` and add it (+=) into the input's gradient.
//
// Above each op sits its entry for the op index (op_info.hpp): its name and the rule as text;
// a picture that wants the local derivative on a node's numbers (a saturated sigmoid, a relu that
// is off) gets it from Tape::elementwise_derivatives, which runs the very rule below.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "autograd/op_info.hpp"
#include "autograd/ops.hpp"
#include "fast/vector_math.hpp"
#include "op_support.hpp"

namespace ag {

using detail::binary_op;
using detail::unary_op;

// ----- two inputs ------------------------------------------------------------------------------
// d(self + other)/d self = 1,  d/d other = 1
constexpr OpInfo kAdd{"add", "d self = grad,  d other = grad"};
Tensor add(const Tensor& self, const Tensor& other) {
  return binary_op(
      kAdd.name, self, other, [](double a, double b) { return a + b; },
      [](double, double, double) { return 1.0; }, [](double, double, double) { return 1.0; });
}

// d(self - other)/d self = 1,  d/d other = -1
constexpr OpInfo kSub{"sub", "d self = grad,  d other = -grad"};
Tensor sub(const Tensor& self, const Tensor& other) {
  return binary_op(
      kSub.name, self, other, [](double a, double b) { return a - b; },
      [](double, double, double) { return 1.0; }, [](double, double, double) { return -1.0; });
}

// d(self * other)/d self = other,  d/d other = self
constexpr OpInfo kMul{"mul", "d self = grad * other,  d other = grad * self"};
Tensor mul(const Tensor& self, const Tensor& other) {
  return binary_op(
      kMul.name, self, other, [](double a, double b) { return a * b; },
      // exercise 3: mul's local derivatives -- tutorial 01_scalar_autodiff, picture neuron.svg
      // stub: [](double, double, double) { return ag::exercise::not_written(3); },
      // stub: [](double, double, double) { return ag::exercise::not_written(3); });
      // wrong unswapped: [](double a, double, double) { return a; },
      // wrong unswapped: [](double, double b, double) { return b; });
      // wrong like-add: [](double, double, double) { return 1.0; },
      // wrong like-add: [](double, double, double) { return 1.0; });
      [](double, double b, double) { return b; }, [](double a, double, double) { return a; });
  // end exercise 3
}

// d(self / other)/d self = 1 / other,  d/d other = -self / other^2
constexpr OpInfo kDiv{"div", "d self = grad / other,  d other = -grad * self / other^2"};
Tensor div(const Tensor& self, const Tensor& other) {
  return binary_op(
      kDiv.name, self, other, [](double a, double b) { return a / b; },
      // exercise 4: div's local derivatives -- tutorial 01_scalar_autodiff
      // stub: [](double, double, double) { return ag::exercise::not_written(4); },
      // stub: [](double, double, double) { return ag::exercise::not_written(4); });
      // wrong sign: [](double, double b, double) { return 1.0 / b; },
      // wrong sign: [](double a, double b, double) { return a / (b * b); });
      // wrong forgot-self: [](double, double b, double) { return 1.0 / b; },
      // wrong forgot-self: [](double, double b, double) { return -1.0 / (b * b); });
      [](double, double b, double) { return 1.0 / b; },
      [](double a, double b, double) { return -a / (b * b); });
  // end exercise 4
}

// d(self ^ other)/d self = other * self^(other - 1),  d/d other = result * ln(self)
// As in PyTorch, d/d other is 0 where self == 0 (and other >= 0) instead of 0 * -inf = NaN.
// (One entry for both pows: the tape records both as "pow".)
constexpr OpInfo kPow{"pow",
                      "d self = grad * exponent * self^(exponent - 1) (0 where exponent == 0),  "
                      "d exponent = grad * result * ln(self) (0 where self == 0 and "
                      "exponent >= 0)"};
Tensor pow(const Tensor& self, const Tensor& exponent) {
  return binary_op(
      kPow.name, self, exponent, [](double a, double b) { return std::pow(a, b); },
      // exercise 5: pow's local derivatives (both inputs) -- tutorial 01_scalar_autodiff
      // stub: [](double, double, double) { return ag::exercise::not_written(5); },
      // stub: [](double, double, double) { return ag::exercise::not_written(5); });
      // wrong no-factor: [](double a, double b, double) { return std::pow(a, b - 1.0); },
      // wrong no-factor: [](double a, double, double result) { return result * std::log(a); });
      // wrong forgot-result: [](double a, double b, double) { return b * std::pow(a, b - 1.0); },
      // wrong forgot-result: [](double a, double, double) { return std::log(a); });
      [](double a, double b, double) { return b == 0.0 ? 0.0 : b * std::pow(a, b - 1.0); },
      [](double a, double b, double result) {
        return (a == 0.0 && b >= 0.0) ? 0.0 : result * std::log(a);
      });
  // end exercise 5
}

// d max(self, other)/d self = 1 where self > other, 1/2 where they tie, else 0 (PyTorch's rule:
// on a tie the gradient is shared, so the two halves still add up to grad).
// NaN: a NaN on either side makes the result NaN, as in PyTorch (a plain `a > b ? a : b` would
// quietly answer b when a is NaN). The derivatives are written as PyTorch writes them, "grad
// unless self < other", so at a NaN, where every comparison is false, both inputs get grad:
// share_of_first(x, y) is how much of maximum(x, y)'s gradient goes to x.
constexpr double share_of_first(double x, double y) { return x < y ? 0.0 : (x == y ? 0.5 : 1.0); }
constexpr OpInfo kMaximum{"maximum",
                          "d self = grad where self > other (grad / 2 where equal),  "
                          "d other likewise"};
Tensor maximum(const Tensor& self, const Tensor& other) {
  return binary_op(
      kMaximum.name, self, other, [](double a, double b) { return (a > b || a != a) ? a : b; },
      [](double a, double b, double) { return share_of_first(a, b); },
      [](double a, double b, double) { return share_of_first(b, a); });
}

// d min(self, other)/d self = 1 where self < other, 1/2 where they tie, else 0 (NaN as maximum)
constexpr OpInfo kMinimum{"minimum",
                          "d self = grad where self < other (grad / 2 where equal),  "
                          "d other likewise"};
Tensor minimum(const Tensor& self, const Tensor& other) {
  return binary_op(
      kMinimum.name, self, other, [](double a, double b) { return (a < b || a != a) ? a : b; },
      [](double a, double b, double) { return share_of_first(b, a); },
      [](double a, double b, double) { return share_of_first(a, b); });
}

// ----- one input -------------------------------------------------------------------------------
// d(-self)/d self = -1
constexpr auto d_neg = [](double, double) { return -1.0; };
constexpr OpInfo kNeg{.name = "neg", .formula = "d self = -grad", .elementwise = true};
Tensor neg(const Tensor& self) {
  return unary_op(
      kNeg.name, self, [](double x) { return -x; }, d_neg);
}

// d(self ^ p)/d self = p * self^(p - 1)
// (Recorded as "pow" too, under the entry kPow above; its text covers this rule with p as the
// exponent.)
// x^2 is x * x and x^1 is x, as PyTorch computes them: exact, where std::pow can round the other
// way (x^2: about 1 number in 1,000 drawn from N(0, 1), with Debian 12's glibc 2.36, measured
// over 10 million), and round differently on another CPU (fast/kernels.hpp).
struct Exponent {
  double p;
};
static double power(double x, double p) { return p == 2.0 ? x * x : p == 1.0 ? x : std::pow(x, p); }
constexpr auto d_pow_scalar = [](double x, double, Exponent e) {
  return e.p == 0.0 ? 0.0 : e.p * power(x, e.p - 1.0);
};
Tensor pow(const Tensor& self, double exponent) {
  return unary_op(
      kPow.name, self, [](double x, Exponent e) { return power(x, e.p); }, d_pow_scalar,
      Exponent{exponent});
}

// d e^self / d self = e^self = result
// exercise 6: exp's local derivative -- tutorial 01_scalar_autodiff
// stub: constexpr auto d_exp = [](double, double) { return ag::exercise::not_written(6); };
// wrong one: constexpr auto d_exp = [](double, double) { return 1.0; };
// wrong self: constexpr auto d_exp = [](double x, double) { return x; };
constexpr auto d_exp = [](double, double result) { return result; };
// end exercise 6
constexpr OpInfo kExp{.name = "exp", .formula = "d self = grad * result", .elementwise = true};
Tensor exp(const Tensor& self) {
  // y[i] = e^x[i] for the whole array: fast/vector_math.cpp
  return unary_op(kExp.name, self, detail::vec::exp, d_exp);
}

// d ln(self) / d self = 1 / self
// exercise 7: log's local derivative -- tutorial 01_scalar_autodiff
// stub: constexpr auto d_log = [](double, double) { return ag::exercise::not_written(7); };
// wrong sign: constexpr auto d_log = [](double x, double) { return -1.0 / x; };
// wrong of-result: constexpr auto d_log = [](double, double result) {
// wrong of-result:   return 1.0 / result;;
// wrong of-result: };
constexpr auto d_log = [](double x, double) { return 1.0 / x; };
// end exercise 7
constexpr OpInfo kLog{.name = "log", .formula = "d self = grad / self", .elementwise = true};
Tensor log(const Tensor& self) {
  return unary_op(
      kLog.name, self, [](double x) { return std::log(x); }, d_log);
}

// d sqrt(self) / d self = 1 / (2 sqrt(self)) = 1 / (2 result)
constexpr auto d_sqrt = [](double, double result) { return 1.0 / (2.0 * result); };
constexpr OpInfo kSqrt{.name = "sqrt",
                       .formula = "d self = grad / (2 * result)",
                       .elementwise = true};
Tensor sqrt(const Tensor& self) {
  return unary_op(
      kSqrt.name, self, [](double x) { return std::sqrt(x); }, d_sqrt);
}

// d |self| / d self = sign(self), taken as 0 at 0 (PyTorch's choice)
constexpr auto d_abs = [](double x, double) { return x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : 0.0; };
constexpr OpInfo kAbs{.name = "abs",
                      .formula = "d self = grad * sign(self) (0 at self == 0)",
                      .elementwise = true};
Tensor abs(const Tensor& self) {
  return unary_op(
      kAbs.name, self, [](double x) { return std::abs(x); }, d_abs);
}

// d tanh(self) / d self = 1 - tanh^2(self) = 1 - result^2
// Saturation: for |self| > 5 this is below 2e-4, so almost no gradient passes.
// exercise 8: tanh's local derivative -- tutorial 05_relu_claims, picture flow_tanh.svg
// stub: constexpr auto d_tanh = [](double, double) { return ag::exercise::not_written(8); };
// wrong of-self: constexpr auto d_tanh = [](double x, double) { return 1.0 - x * x; };
// wrong sign: constexpr auto d_tanh = [](double, double result) {
// wrong sign:   return 1.0 + result * result;;
// wrong sign: };
constexpr auto d_tanh = [](double, double result) { return 1.0 - result * result; };
// end exercise 8
constexpr OpInfo kTanh{.name = "tanh",
                       .formula = "d self = grad * (1 - result^2)",
                       .elementwise = true,
                       .saturates = true,
                       .derivative_symbol = "tanh'"};
Tensor tanh(const Tensor& self) {
  // y[i] = tanh(x[i]) for the whole array: fast/vector_math.cpp
  return unary_op(kTanh.name, self, detail::vec::tanh, d_tanh);
}

// d sigmoid(self) / d self = sigmoid(self) (1 - sigmoid(self)) = result (1 - result),
// at most 1/4 (at 0): a stack of sigmoids shrinks the gradient by 4x or more per layer.
// Forward: 1 / (1 + e^-self) for the whole array (fast/vector_math.cpp, which also says why an
// overflowing e^-self still gives the right answer, 0).
// exercise 9: sigmoid's local derivative -- tutorial 05_relu_claims, picture flow_sigmoid.svg
// stub: constexpr auto d_sigmoid = [](double, double) { return ag::exercise::not_written(9); };
// wrong sign: constexpr auto d_sigmoid = [](double, double result) {
// wrong sign:   return result * (1.0 + result);;
// wrong sign: };
// wrong of-self: constexpr auto d_sigmoid = [](double x, double) {
// wrong of-self:   return x * (1.0 - x);;
// wrong of-self: };
constexpr auto d_sigmoid = [](double, double result) { return result * (1.0 - result); };
// end exercise 9
constexpr OpInfo kSigmoid{.name = "sigmoid",
                          .formula = "d self = grad * result * (1 - result)",
                          .elementwise = true,
                          .saturates = true,
                          .derivative_symbol = "σ'"};
Tensor sigmoid(const Tensor& self) {
  return unary_op(kSigmoid.name, self, detail::vec::sigmoid, d_sigmoid);
}

// d relu(self) / d self = 1 where self > 0, else 0. A unit whose input is negative passes no
// gradient at all: if that holds for every example, the unit is "dead".
// Written `self < 0 ? 0 : self`, not `self > 0 ? self : 0`: the same single comparison (the loop
// still vectorises, no branch), but a NaN fails it and comes out as NaN instead of vanishing
// into 0 (and -0 stays -0), as in PyTorch. The derivative likewise: grad passes at a NaN.
// exercise 10: relu's local derivative -- tutorial 05_relu_claims, picture flow_relu.svg
// stub: constexpr auto d_relu = [](double, double) { return ag::exercise::not_written(10); };
// wrong value: constexpr auto d_relu = [](double x, double) {
// wrong value:   return x <= 0.0 ? 0.0 : x;;
// wrong value: };
// wrong flipped: constexpr auto d_relu = [](double x, double) {
// wrong flipped:   return x <= 0.0 ? 1.0 : 0.0;;
// wrong flipped: };
constexpr auto d_relu = [](double x, double) { return x <= 0.0 ? 0.0 : 1.0; };
// end exercise 10
constexpr OpInfo kRelu{.name = "relu",
                       .formula = "d self = grad where self > 0 (or is NaN), else 0",
                       .elementwise = true,
                       .switches_off = true};
Tensor relu(const Tensor& self) {
  return unary_op(
      kRelu.name, self, [](double x) { return x < 0.0 ? 0.0 : x; }, d_relu);
}

// d leaky_relu(self) / d self = 1 where self > 0, else slope.
// PyTorch's default slope is 0.01 (Keras's LeakyReLU defaults to alpha = 0.3). For slope < 1
// this equals max(self, slope * self), the cheap branch-free form, except for the gradient at
// exactly 0: there `maximum` sees a tie and splits it, (1 + slope) / 2, where this op (and
// PyTorch) gives slope. (A NaN comes out NaN: slope * NaN.)
// exercise 11: leaky_relu's derivative -- tutorial 07_dying_relu, picture dead_net_leaky_001.svg
// stub: constexpr auto d_leaky_relu = [](double, double, LeakyReluSettings) {
// stub:   return ag::exercise::not_written(11);
// stub: };
// wrong no-slope: constexpr auto d_leaky_relu = [](double x, double, LeakyReluSettings) {
// wrong no-slope:   return x > 0.0 ? 1.0 : 0.0;
// wrong no-slope: };
// wrong flipped: constexpr auto d_leaky_relu = [](double x, double, LeakyReluSettings s) {
// wrong flipped:   return x > 0.0 ? s.negative_slope : 1.0;
// wrong flipped: };
constexpr auto d_leaky_relu = [](double x, double, LeakyReluSettings s) {
  return x > 0.0 ? 1.0 : s.negative_slope;
};
// end exercise 11
constexpr OpInfo kLeakyRelu{.name = "leaky_relu",
                            .formula = "d self = grad where self > 0, else slope * grad",
                            .elementwise = true};
Tensor leaky_relu(const Tensor& self, double negative_slope) {
  return unary_op(
      kLeakyRelu.name, self,
      [](double x, LeakyReluSettings s) { return x > 0.0 ? x : s.negative_slope * x; },
      d_leaky_relu, LeakyReluSettings{negative_slope});
}

namespace {
// clamp's and hardtanh's bounds: a NaN bound would make every comparison false and hand the
// input back unclamped (or, in PyTorch, turn every element into NaN); neither is what anyone
// meant, so it is an error, as is lo > hi.
void check_bounds(const char* op, double lo, double hi, const Tensor& self) {
  if (lo != lo || hi != hi) {
    throw ValueError(
        fmt::format("{}: the {} bound is NaN (lo = {}, hi = {}, input shape {}); "
                    "pass numbers, or -inf / inf for no bound",
                    op, lo != lo ? "lower" : "upper", lo, hi, shape_str(self.shape())));
  }
  if (lo > hi) {
    throw ValueError(fmt::format("{}: lower bound {} is above upper bound {} (input shape {})", op,
                                 lo, hi, shape_str(self.shape())));
  }
}
}  // namespace

// d clamp(self, lo, hi) / d self = 1 where lo <= self <= hi, else 0
// (bounds inclusive, as PyTorch's clamp; a NaN input stays NaN and gets no gradient).
struct Bounds {
  double lo, hi;
};
constexpr auto clamp_between = [](double x, Bounds b) {
  return x < b.lo ? b.lo : x > b.hi ? b.hi : x;
};
constexpr auto d_clamp = [](double x, double, Bounds b) {
  return (x >= b.lo && x <= b.hi) ? 1.0 : 0.0;
};
constexpr OpInfo kClamp{.name = "clamp",
                        .formula = "d self = grad where lo <= self <= hi, else 0",
                        .elementwise = true};
Tensor clamp(const Tensor& self, double lo, double hi) {
  check_bounds(kClamp.name, lo, hi, self);
  return unary_op(kClamp.name, self, clamp_between, d_clamp, Bounds{lo, hi});
}

// d hardtanh(self, lo, hi) / d self = 1 where lo < self < hi, else 0
// The same numbers as clamp, but PyTorch gives the activation the other gradient at the
// bounds: 0 there (bounds exclusive), as if the saturated side won the tie. A NaN input passes
// grad (PyTorch's hardtanh_backward zeroes only where self <= lo or self >= hi).
constexpr auto d_hardtanh = [](double x, double, Bounds b) {
  return (x <= b.lo || x >= b.hi) ? 0.0 : 1.0;
};
constexpr OpInfo kHardtanh{.name = "hardtanh",
                           .formula = "d self = grad where lo < self < hi, else 0",
                           .elementwise = true};
Tensor hardtanh(const Tensor& self, double lo, double hi) {
  check_bounds(kHardtanh.name, lo, hi, self);
  return unary_op(kHardtanh.name, self, clamp_between, d_hardtanh, Bounds{lo, hi});
}

// ----- in place: a += b and its kin (ops.hpp says when a changes and when it moves) -----------
namespace {
Tensor& in_place(const char* op, Tensor& a, const Tensor& b,
                 Tensor (*f)(const Tensor&, const Tensor&)) {
  detail::check_defined(op, a);
  detail::check_defined(op, b);
  // b broadcasts to a's shape, never a to b's: a keeps its shape, recorded or not (as in PyTorch).
  // Checked before f runs, so that a refused op leaves no node on the tape.
  const Shape shape = detail::broadcast_shapes(op, a.shape(), b.shape());
  if (shape != a.shape()) {
    throw ShapeError(fmt::format("{}: the result has shape {}, which does not fit in a of shape {}",
                                 op, shape_str(shape), shape_str(a.shape())));
  }
  if (Tape::current() != nullptr) {
    if (a.is_leaf() && a.requires_grad()) {
      throw TapeError(fmt::format(
          "{}: a parameter (a leaf of shape {} that requires grad) cannot change in place while "
          "a Tape records: the graph has used its old numbers. Update parameters outside the "
          "Tape's life or under NoGradGuard (as optimizers do)",
          op, shape_str(a.shape())));
    }
    return a = f(a, b);
  }
  // Not recorded (nothing is), and written into a's own numbers: mutable_data counts a change.
  const Tensor result = f(a, b);
  std::ranges::copy(result.data(), a.mutable_data().begin());
  // A constant that took numbers computed from parameters with no tape carries no graph either;
  // a parameter stays a parameter (its numbers are what an optimizer made them).
  if (!a.requires_grad()) a.impl().made_without_tape |= result.impl().made_without_tape;
  return a;
}
}  // namespace

Tensor& operator+=(Tensor& a, const Tensor& b) { return in_place("operator+=", a, b, add); }
Tensor& operator-=(Tensor& a, const Tensor& b) { return in_place("operator-=", a, b, sub); }
Tensor& operator*=(Tensor& a, const Tensor& b) { return in_place("operator*=", a, b, mul); }
Tensor& operator/=(Tensor& a, const Tensor& b) { return in_place("operator/=", a, b, div); }

// ----- this file's entries in the op index (op_info.cpp) --------------------------------------
std::span<const OpInfo* const> detail::elementwise_op_info() {
  // (One row per kind of op, kept as written.)
  // clang-format off
  static constexpr const OpInfo* kEntries[] = {
      &kAdd, &kSub, &kMul, &kDiv, &kPow, &kMaximum, &kMinimum,                  // two inputs
      &kNeg, &kExp, &kLog, &kSqrt, &kAbs, &kTanh, &kSigmoid, &kRelu, &kLeakyRelu,  // one input
      &kClamp, &kHardtanh};
  // clang-format on
  return kEntries;
}

}  // namespace ag
