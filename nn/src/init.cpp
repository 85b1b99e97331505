// init.cpp — the initialisation schemes (see init.hpp for why each one has its variance).
#include "nn/init.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace ag::nn::init {

Fans fans(const Shape& shape) {
  if (shape.size() < 2) {
    throw ValueError(
        fmt::format("init: fan_in and fan_out need a weight of rank 2 or more, got shape {}",
                    shape_str(shape)));
  }
  int64_t receptive = 1;  // the kernel size, for shapes [out, in, k...]
  for (size_t r = 2; r < shape.size(); ++r) receptive *= shape[r];
  return {shape[1] * receptive, shape[0] * receptive};
}

double calculate_gain(const std::string& nonlinearity, double negative_slope) {
  if (nonlinearity == "linear" || nonlinearity == "sigmoid") return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1.0 + negative_slope * negative_slope));
  throw ValueError(fmt::format(
      "calculate_gain: unknown nonlinearity '{}' (linear, sigmoid, tanh, relu, leaky_relu)",
      nonlinearity));
}

Tensor uniform(Tensor t, double lo, double hi, Generator& gen) {
  gen.fill_uniform(t.mutable_data(), lo, hi);  // one lock for the whole tensor (random.hpp)
  return t;
}

Tensor normal(Tensor t, double mean, double stddev, Generator& gen) {
  gen.fill_normal(t.mutable_data(), mean, stddev);
  return t;
}

Tensor constant(Tensor t, double value) {
  for (double& v : t.mutable_data()) v = value;
  return t;
}

Tensor zeros(Tensor t) { return constant(std::move(t), 0.0); }

Tensor default_uniform(Tensor t, int64_t fan, Generator& gen) {
  const double bound = fan > 0 ? 1.0 / std::sqrt(static_cast<double>(fan)) : 0.0;
  return uniform(std::move(t), -bound, bound, gen);
}

Tensor xavier_uniform(Tensor t, Generator& gen, double gain) {
  const Fans f = fans(t.shape());
  const double bound = gain * std::sqrt(6.0 / static_cast<double>(f.in + f.out));
  return uniform(std::move(t), -bound, bound, gen);
}

Tensor xavier_normal(Tensor t, Generator& gen, double gain) {
  const Fans f = fans(t.shape());
  return normal(std::move(t), 0.0, gain * std::sqrt(2.0 / static_cast<double>(f.in + f.out)), gen);
}

Tensor kaiming_uniform(Tensor t, Generator& gen, double a) {
  const Fans f = fans(t.shape());
  const double gain = calculate_gain("leaky_relu", a);
  const double bound = gain * std::sqrt(3.0 / static_cast<double>(f.in));
  return uniform(std::move(t), -bound, bound, gen);
}

Tensor kaiming_normal(Tensor t, Generator& gen, double a) {
  const Fans f = fans(t.shape());
  const double gain = calculate_gain("leaky_relu", a);
  // exercise 17: He initialisation's variance -- tutorial 06, picture flow_relu_he.svg
  // stub: (void)gain, (void)f;
  // stub: return normal(std::move(t), 0.0, ag::exercise::not_written(17), gen);
  // wrong variance-as-std: return normal(std::move(t), 0.0, gain / static_cast<double>(f.in), gen);
  // wrong xavier-fans: const double fans_in_out = static_cast<double>(f.in + f.out);
  // wrong xavier-fans: return normal(std::move(t), 0.0, gain / std::sqrt(fans_in_out), gen);
  return normal(std::move(t), 0.0, gain / std::sqrt(static_cast<double>(f.in)), gen);
  // end exercise 17
}

// A [rows, cols] matrix with orthonormal columns (rows >= cols) or rows (rows < cols).
//
// Work on the tall shape: if the matrix is wide, make its transpose and transpose back. Draw A
// [n, k] (n >= k) of standard normals; modified Gram-Schmidt turns its columns, one after the
// other, into unit vectors orthogonal to all earlier ones:
//     q_j = a_j - sum_{i<j} (q_i . a_j) q_i,   q_j /= |q_j|
// That is A = Q R with R's diagonal the norms |q_j| > 0, exactly the sign convention PyTorch
// enforces after its Householder QR, so the result has the same distribution (Haar).
Tensor orthogonal(Tensor t, Generator& gen, double gain) {
  if (t.dim() < 2) {
    throw ValueError(fmt::format("orthogonal: needs a weight of rank 2 or more, got shape {}",
                                 shape_str(t.shape())));
  }
  const int64_t rows = t.size(0), cols = t.numel() / std::max<int64_t>(rows, 1);
  if (rows == 0 || cols == 0) return t;
  const bool wide = rows < cols;
  const int64_t n = wide ? cols : rows, k = wide ? rows : cols;  // A is [n, k], n >= k
  // Column j of A is a[j * n ... j * n + n): stored column-major so columns are contiguous.
  std::vector<double> a(static_cast<size_t>(n * k));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j) a[j * n + i] = gen.normal();  // drawn row by row, as A[i, j]
  for (int64_t j = 0; j < k; ++j) {
    double* qj = &a[j * n];
    for (int pass = 0; pass < 2; ++pass) {  // a second pass restores orthogonality lost to rounding
      for (int64_t i = 0; i < j; ++i) {
        const double* qi = &a[i * n];
        double dot = 0.0;
        for (int64_t r = 0; r < n; ++r) dot += qi[r] * qj[r];
        for (int64_t r = 0; r < n; ++r) qj[r] -= dot * qi[r];
      }
    }
    double norm = 0.0;
    for (int64_t r = 0; r < n; ++r) norm += qj[r] * qj[r];
    norm = std::sqrt(norm);
    for (int64_t r = 0; r < n; ++r) qj[r] /= norm;
  }
  // Write Q [n, k] (or its transpose [k, n] for a wide weight) row-major into t, times gain.
  auto out = t.mutable_data();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j) {
      const double q = gain * a[j * n + i];
      if (wide)
        out[j * n + i] = q;  // t[j, i]
      else
        out[i * k + j] = q;  // t[i, j]
    }
  return t;
}

}  // namespace ag::nn::init
