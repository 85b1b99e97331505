// activation.cpp — each activation is an engine op inside its module's scope.
#include "nn/activation.hpp"

#include <fmt/format.h>

#include "option_checks.hpp"

namespace ag::nn {

// hardtanh, not clamp: the same numbers, but no gradient at the bounds x = -3 and x = 3, as
// PyTorch's Hardsigmoid (clamp would pass 1/6 there).
Tensor hard_sigmoid(const Tensor& x) { return hardtanh(x / 6.0 + 0.5, 0.0, 1.0); }

LeakyReLU::LeakyReLU(double negative_slope) : UnaryModule("leaky_relu"), slope_(negative_slope) {
  detail::check_finite("LeakyReLU", "negative_slope", negative_slope);
}

Tensor ReLU::forward(const Tensor& input) {
  ScopeGuard scope(name());
  return relu(input);
}

// The engine's leaky_relu op, for every slope. For a slope in [0, 1] the branch-free
// max(x, slope * x) (Flashlight's form, and tutorial 07's) gives the very same numbers, but not
// the same gradient at x = 0 exactly: there x and slope * x tie, and `maximum` splits a tie
// between its two inputs, (1 + slope) / 2, where PyTorch's LeakyReLU gives slope. To match
// PyTorch at every point, this module uses the op whose rule is "slope unless x > 0".
Tensor LeakyReLU::forward(const Tensor& input) {
  ScopeGuard scope(name());
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
