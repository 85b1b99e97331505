// dropout.cpp — Dropout as one mul by a mask drawn from the generator (see dropout.hpp).
#include "nn/dropout.hpp"

#include <fmt/format.h>

#include "option_checks.hpp"

namespace ag::nn {

Dropout::Dropout(double p, Generator& gen) : UnaryModule("dropout"), gen_(&gen), p_(p) {
  detail::check_unit_interval("Dropout", "p", p);
}

Tensor Dropout::forward(const Tensor& input) {
  ScopeGuard scope(name());
  if (!input.defined()) {
    throw ValueError(fmt::format("Dropout '{}': input is an empty Tensor handle", path()));
  }
  if (!is_training()) return input;
  // mask_i = 0 with probability p, else 1 / (1 - p). With p = 1 every element is dropped (and
  // the scale, 1 / 0, is never used), as in PyTorch.
  const double scale = p_ < 1.0 ? 1.0 / (1.0 - p_) : 0.0;
  // The uniforms are drawn in one call, under one lock of the generator: threads running this
  // model at once, sharing the generator, each get a whole block of its sequence (random.hpp).
  Tensor mask = ag::uniform(input.shape(), 0.0, 1.0, *gen_);
  for (double& m : mask.mutable_data()) m = m < p_ ? 0.0 : scale;
  return input * mask;
}

std::string Dropout::extra_repr() const { return fmt::format("p={}", p_); }

}  // namespace ag::nn
