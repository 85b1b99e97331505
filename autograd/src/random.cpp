// random.cpp — reproducible random numbers (see random.hpp for why they are written out here).
#include "autograd/random.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numbers>
#include <sstream>

#include "autograd/error.hpp"
#include "op_support.hpp"

namespace ag {

Generator& Generator::operator=(const Generator& other) {
  if (this == &other) return *this;
  std::scoped_lock lock(mutex_, other.mutex_);  // both at once, in an order that cannot deadlock
  engine_ = other.engine_;
  has_spare_ = other.has_spare_;
  spare_ = other.spare_;
  return *this;
}

// The top 53 bits of a 64-bit draw, scaled by 2^-53: every double in [0, 1) that is a multiple
// of 2^-53, each equally likely.
double Generator::next_uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

// Box-Muller: from two uniforms u1, u2, r = sqrt(-2 ln(1 - u1)) and angle 2 pi u2 give two
// independent standard normals r cos(angle) and r sin(angle). (1 - u1 is never 0.) The log, sin
// and cos are portable:: ones, which give the same bits on every CPU (fast/kernels.hpp).
double Generator::next_normal(double mean, double stddev) {
  if (has_spare_) {
    has_spare_ = false;
    return mean + stddev * spare_;
  }
  const double r = std::sqrt(-2.0 * portable::log(1.0 - next_uniform()));
  const double angle = 2.0 * std::numbers::pi * next_uniform();
  spare_ = r * portable::sin(angle);
  has_spare_ = true;
  return mean + stddev * r * portable::cos(angle);
}

// Bounds that make no sense would fill a tensor with NaN, or with numbers outside what was asked,
// without a word: refused, as PyTorch refuses them (its uniform_ wants from <= to, both finite).
// (Stricter than PyTorch's normal_, which lets a NaN mean or an infinite stddev through.)
namespace {
void check_uniform(double lo, double hi) {
  if (!(std::isfinite(hi - lo) && lo <= hi)) {  // (hi - lo is finite only if lo and hi are)
    throw ValueError(fmt::format(
        "uniform: needs lo <= hi with hi - lo finite (numbers in [lo, hi)), got lo = {}, hi = {}",
        lo, hi));
  }
}
void check_normal(double mean, double stddev) {
  if (!(std::isfinite(mean) && std::isfinite(stddev) && stddev >= 0.0)) {
    throw ValueError(fmt::format(
        "normal: needs a finite mean and a finite stddev >= 0, got mean = {}, stddev = {}", mean,
        stddev));
  }
}
// lo + (hi - lo) u, for u in [0, 1): rounding can give hi itself (lo = 1, hi = 2, u = 1 - 2^-53
// is exactly 2), so the number just below hi stands in for it, and [lo, hi) stays half-open.
double in_range(double lo, double hi, double u) {
  return std::min(lo + (hi - lo) * u, std::nextafter(hi, lo));
}
}  // namespace

double Generator::uniform() {
  std::lock_guard lock(mutex_);
  return next_uniform();
}

double Generator::uniform(double lo, double hi) {
  check_uniform(lo, hi);
  std::lock_guard lock(mutex_);
  return in_range(lo, hi, next_uniform());
}

double Generator::normal(double mean, double stddev) {
  check_normal(mean, stddev);
  std::lock_guard lock(mutex_);
  return next_normal(mean, stddev);
}

int64_t Generator::randint(int64_t n) {
  if (n <= 0) throw ValueError(fmt::format("randint: needs n > 0, got {}", n));
  std::lock_guard lock(mutex_);
  return static_cast<int64_t>(next_uniform() * static_cast<double>(n));
}

void Generator::fill_uniform(std::span<double> out, double lo, double hi) {
  check_uniform(lo, hi);
  std::lock_guard lock(mutex_);
  for (double& v : out) v = in_range(lo, hi, next_uniform());
}

void Generator::fill_normal(std::span<double> out, double mean, double stddev) {
  check_normal(mean, stddev);
  std::lock_guard lock(mutex_);
  for (double& v : out) v = next_normal(mean, stddev);
}

// The engine's state is what its operator<< writes (the C++ standard fixes that text form: the
// 312 state words; libstdc++ adds its position among them), read back as numbers. set_state
// reads them with operator>> into a fresh engine, and accepts them only if it took every number.
GeneratorState Generator::state() const {
  std::lock_guard lock(mutex_);
  std::stringstream text;
  text << engine_;
  GeneratorState state{{}, has_spare_, spare_};
  for (uint64_t word = 0; text >> word;) state.engine.push_back(word);
  return state;
}

void Generator::set_state(const GeneratorState& state) {
  std::stringstream text;
  for (uint64_t word : state.engine) text << word << ' ';
  std::mt19937_64 engine;
  text >> engine;                           // fails on too few numbers
  if (!text || !(text >> std::ws).eof()) {  // or leaves some over
    throw ValueError(fmt::format(
        "Generator::set_state: the engine state has {} numbers; this standard library's "
        "std::mt19937_64 reads {} (as state() gives them)",
        state.engine.size(), Generator(0).state().engine.size()));
  }
  std::lock_guard lock(mutex_);
  engine_ = engine;
  has_spare_ = state.has_spare;
  spare_ = state.spare;
}

Tensor uniform(Shape shape, double lo, double hi, Generator& gen, bool requires_grad) {
  detail::check_sizes("uniform", shape);
  auto impl = detail::make_result(std::move(shape));
  gen.fill_uniform(impl->value.span(), lo, hi);  // one lock for the whole tensor
  impl->requires_grad = requires_grad;
  return Tensor(impl);
}

Tensor normal(Shape shape, double mean, double stddev, Generator& gen, bool requires_grad) {
  detail::check_sizes("normal", shape);
  auto impl = detail::make_result(std::move(shape));
  gen.fill_normal(impl->value.span(), mean, stddev);
  impl->requires_grad = requires_grad;
  return Tensor(impl);
}

}  // namespace ag
