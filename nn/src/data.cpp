// data.cpp — make_moons and the adding problem (see data.hpp).
#include "nn/data.hpp"

#include <autograd/fast/kernels.hpp>
#include <fmt/format.h>

#include <cmath>
#include <numbers>
#include <utility>
#include <vector>

#include "option_checks.hpp"

namespace ag::nn {

Dataset make_moons(int64_t n, double noise, Generator& gen) {
  if (n < 0) throw ValueError(fmt::format("make_moons: negative number of points {}", n));
  detail::check_finite_not_negative("make_moons", "noise", noise);  // NaN: every point NaN
  // x is a tensor [n, 2]: n past what a tensor may hold is a ShapeError now, not a vector that
  // grows until the program is killed for memory. (Below that, the one allocation of reserve
  // fails at once with std::bad_alloc where memory is short, as a tensor's would.)
  numel({n, 2}, fmt::format("make_moons(n = {})", n).c_str());
  const int64_t n_upper = n / 2, n_lower = n - n_upper;
  // t evenly spaced over [0, pi] with both ends included, as numpy.linspace(0, pi, count).
  auto angle = [](int64_t k, int64_t count) {
    return count > 1 ? std::numbers::pi * static_cast<double>(k) / static_cast<double>(count - 1)
                     : 0.0;
  };
  std::vector<double> xs, ys;
  xs.reserve(static_cast<size_t>(2 * n));
  ys.reserve(static_cast<size_t>(n));
  for (int64_t k = 0; k < n_upper; ++k) {
    const double t = angle(k, n_upper);
    xs.insert(xs.end(), {ag::portable::cos(t), ag::portable::sin(t)});
    ys.push_back(0.0);
  }
  for (int64_t k = 0; k < n_lower; ++k) {
    const double t = angle(k, n_lower);
    xs.insert(xs.end(), {1.0 - ag::portable::cos(t), 1.0 - ag::portable::sin(t) - 0.5});
    ys.push_back(1.0);
  }
  // Shuffle the points (Fisher-Yates), then add the noise.
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j = gen.randint(i + 1);
    std::swap(xs[2 * i], xs[2 * j]);
    std::swap(xs[2 * i + 1], xs[2 * j + 1]);
    std::swap(ys[i], ys[j]);
  }
  for (double& v : xs) v += noise == 0.0 ? 0.0 : gen.normal(0.0, noise);
  return {Tensor(std::move(xs), {n, 2}), Tensor(std::move(ys), {n})};
}

Dataset adding_problem(int64_t batch, int64_t T, Generator& gen) {
  if (batch < 0 || T < 2) {
    throw ValueError(
        fmt::format("adding_problem: needs batch >= 0 and T >= 2, got batch = {}, "
                    "T = {}",
                    batch, T));
  }
  // x is a tensor [batch, T, 2]: checked as the engine checks a tensor's shape before the
  // product batch * T * 2 is formed (past int64 it wrapped round, sized a small vector and the
  // loop below wrote past its end).
  numel({batch, T, 2}, fmt::format("adding_problem(batch = {}, T = {})", batch, T).c_str());
  std::vector<double> x(static_cast<size_t>(batch * T * 2), 0.0), y(static_cast<size_t>(batch));
  const int64_t half = T / 2;
  for (int64_t b = 0; b < batch; ++b) {
    double* seq = &x[b * T * 2];  // seq[2 t] = value at step t, seq[2 t + 1] = marker
    for (int64_t t = 0; t < T; ++t) seq[2 * t] = gen.uniform();
    const int64_t first = gen.randint(half);              // in [0, T/2)
    const int64_t second = half + gen.randint(T - half);  // in [T/2, T)
    seq[2 * first + 1] = 1.0;
    seq[2 * second + 1] = 1.0;
    y[b] = seq[2 * first] + seq[2 * second];
  }
  return {Tensor(std::move(x), {batch, T, 2}), Tensor(std::move(y), {batch, 1})};
}

}  // namespace ag::nn
