// data.cpp — make_moons and the adding problem (see data.hpp).
#include "nn/data.hpp"

#include <autograd/fast/kernels.hpp>
#include <fmt/format.h>

#include <cmath>
#include <numbers>
#include <utility>
#include <vector>

namespace ag::nn {

Dataset make_moons(int64_t n, double noise, Generator& gen) {
  if (n < 0) throw ValueError(fmt::format("make_moons: negative number of points {}", n));
  if (noise < 0) throw ValueError(fmt::format("make_moons: negative noise {}", noise));
  const int64_t n_upper = n / 2, n_lower = n - n_upper;
  // t evenly spaced over [0, pi] with both ends included, as numpy.linspace(0, pi, count).
  auto angle = [](int64_t k, int64_t count) {
    return count > 1 ? std::numbers::pi * static_cast<double>(k) / static_cast<double>(count - 1)
                     : 0.0;
  };
  std::vector<double> xs, ys;
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
