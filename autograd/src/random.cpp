// random.cpp — reproducible random numbers (see random.hpp for why they are written out here).
#include "autograd/random.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "autograd/error.hpp"
#include "internal.hpp"

namespace ag {

// The top 53 bits of a 64-bit draw, scaled by 2^-53: every double in [0, 1) that is a multiple
// of 2^-53, each equally likely.
double Generator::uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

// Box-Muller: from two uniforms u1, u2, r = sqrt(-2 ln(1 - u1)) and angle 2 pi u2 give two
// independent standard normals r cos(angle) and r sin(angle). (1 - u1 is never 0.)
double Generator::normal(double mean, double stddev) {
  if (has_spare_) {
    has_spare_ = false;
    return mean + stddev * spare_;
  }
  const double r = std::sqrt(-2.0 * std::log(1.0 - uniform()));
  const double angle = 2.0 * std::numbers::pi * uniform();
  spare_ = r * std::sin(angle);
  has_spare_ = true;
  return mean + stddev * r * std::cos(angle);
}

int64_t Generator::randint(int64_t n) {
  if (n <= 0) throw ValueError(fmt::format("randint: needs n > 0, got {}", n));
  return static_cast<int64_t>(uniform() * static_cast<double>(n));
}

Tensor uniform(Shape shape, double lo, double hi, Generator& gen, bool requires_grad) {
  detail::check_sizes("uniform", shape);
  auto impl = detail::make_result(std::move(shape));
  for (double& v : impl->value.span()) v = gen.uniform(lo, hi);
  impl->requires_grad = requires_grad;
  return Tensor(impl);
}

Tensor normal(Shape shape, double mean, double stddev, Generator& gen, bool requires_grad) {
  detail::check_sizes("normal", shape);
  auto impl = detail::make_result(std::move(shape));
  for (double& v : impl->value.span()) v = gen.normal(mean, stddev);
  impl->requires_grad = requires_grad;
  return Tensor(impl);
}

}  // namespace ag
