// data.hpp — two small synthetic datasets the tests, tutorials and benchmarks share.
//
// Both are generated from an explicitly seeded ag::Generator, so a seed gives the same data on
// every machine.
//
// make_moons: two interleaving half circles in the plane (scikit-learn's make_moons), the
// classic "not linearly separable" toy problem of micrograd's demo.
//     upper moon, label 0:  (cos t, sin t)               t in [0, pi]
//     lower moon, label 1:  (1 - cos t, 1 - sin t - 0.5)  t in [0, pi]
// n / 2 points (rounded down) on the upper moon and the rest on the lower, t evenly spaced, plus
// gaussian noise of standard deviation `noise` on both coordinates, then shuffled. Labels are
// 0/1 as in scikit-learn; micrograd's hinge loss wants -1/+1: use `2 * y - 1`.
//
// adding_problem: the long-memory test of Hochreiter & Schmidhuber (1997) and Le et al. (2015).
// Each sequence has T steps of two channels: a value uniform in [0, 1), and a marker that is 1
// at exactly two steps — one in the first half [0, T/2), one in the second half [T/2, T) — and 0
// elsewhere. The target is the sum of the two marked values. A model must remember the first
// marked value across up to T steps. Predicting the mean, 1, always gives MSE = 1/6 ~ 0.167
// (the variance of a sum of two uniforms), the baseline to beat.
//
// Both check their sizes first, as a tensor's shape is checked (numel, tensor.hpp): a dataset of
// more numbers than a tensor may hold is a ShapeError naming the call and its arguments.
//
// What this file leaves out: loaders, batching and shuffling utilities (the datasets are small
// tensors; slice them).
#pragma once

#include <autograd/autograd.hpp>

#include <cstdint>

namespace ag::nn {

struct Dataset {
  Tensor x;  // inputs
  Tensor y;  // targets
};

// x [n, 2], y [n] with labels 0 (upper moon) and 1 (lower moon).
Dataset make_moons(int64_t n, double noise, Generator& gen);

// x [batch, T, 2] (channel 0: values, channel 1: the two markers), y [batch, 1]. T >= 2.
Dataset adding_problem(int64_t batch, int64_t T, Generator& gen);

}  // namespace ag::nn
