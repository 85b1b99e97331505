// activation.cpp — each activation is an engine op inside its module's scope.
#include "nn/activation.hpp"

#include <fmt/format.h>

namespace ag::nn {

Tensor hard_sigmoid(const Tensor& x) { return clamp(x / 6.0 + 0.5, 0.0, 1.0); }

Tensor ReLU::forward(const Tensor& input) {
  ScopeGuard scope(name());
  return relu(input);
}

// For a slope in [0, 1], max(x, slope * x) is x when x > 0 (x is the larger) and slope * x when
// x < 0: LeakyReLU built from a multiply and a maximum, no branch, as Flashlight writes it. At
// x = 0 exactly the two tie and `maximum` splits the gradient, (1 + slope) / 2 — a subgradient
// like any other there. For other slopes the trick fails (slope > 1 picks slope * x for x > 0),
// so those use the engine's leaky_relu op.
Tensor LeakyReLU::forward(const Tensor& input) {
  ScopeGuard scope(name());
  if (slope_ >= 0.0 && slope_ <= 1.0) return maximum(input, input * slope_);
  return leaky_relu(input, slope_);
}

std::string LeakyReLU::extra_repr() const { return fmt::format("negative_slope={}", slope_); }

Tensor Sigmoid::forward(const Tensor& input) {
  ScopeGuard scope(name());
  return sigmoid(input);
}

Tensor Tanh::forward(const Tensor& input) {
  ScopeGuard scope(name());
  return tanh(input);
}

Tensor Hardsigmoid::forward(const Tensor& input) {
  ScopeGuard scope(name());
  return hard_sigmoid(input);
}

}  // namespace ag::nn
