// normalization.hpp — LayerNorm and BatchNorm1d, written with nothing but engine ops.
//
// Both rescale activations to mean 0 and variance 1, then let the layer choose its own scale and
// shift (weight gamma, bias beta):
//
//     y = (x - mean) / sqrt(var + eps) * weight + bias          var: the biased variance (1/n)
//
// They differ in what the mean and variance are taken over:
//   LayerNorm (Ba et al. 2016)        each sample alone, over its last dims (normalized_shape):
//                                     the same computation in training and at test time
//   BatchNorm1d (Ioffe & Szegedy 2015) each channel, over the batch (and the length L):
//                                     batch statistics in training mode; in eval mode the running
//                                     averages it kept while training
//
// In the code that is mean along an axis, sub, mul, add, sqrt and div, so the gradient through
// the statistics (d mean / dx, d var / dx) is the engine's, and the graph shows every piece. The
// engine has no var op: var is mean((x - mean)^2), two mean nodes and a square.
//
// Shapes, defaults and names as in PyTorch (LayerNorm's `bias` argument as in PyTorch 2.1 and
// later; torch 1.13's LayerNorm has no such argument and always has a bias when affine):
//   LayerNorm(normalized_shape, eps = 1e-5, elementwise_affine = true, bias = true)
//       input [..., *normalized_shape]; weight and bias of shape normalized_shape, 1 and 0
//   BatchNorm1d(num_features C, eps = 1e-5, momentum = 0.1, affine = true,
//               track_running_stats = true)
//       input [N, C] or [N, C, L]; weight and bias [C], 1 and 0
//       buffers running_mean [C] (0), running_var [C] (1), num_batches_tracked [] (0)
// Unlike PyTorch, the constructors throw ValueError for an eps that is not a finite number >= 0
// and for a momentum outside [0, 1] (NaN included), instead of normalizing into NaN or zeros.
//
// Threads (autograd/include/autograd/tape.hpp, "Threads"): several threads may run one
// BatchNorm1d's forward in training mode at once, each on its own tape (data parallelism). Each
// forward updates the running statistics in place, outside any tape, so the update holds a mutex
// of the module's: every thread's batch is counted, once. Their order is the threads' order, and
// with momentum the order matters in the last bits (as PyTorch's DataParallel, which keeps only
// the first replica's statistics, promises no more). Eval mode only reads them: no lock.
//
// What this file leaves out: BatchNorm2d/3d, GroupNorm, InstanceNorm, momentum = None (PyTorch's
// cumulative average), RMSNorm.
#pragma once

#include <mutex>
#include <vector>

#include "nn/module.hpp"

namespace ag::nn {

class LayerNorm : public UnaryModule {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true,
                     bool bias = true);

  // x [..., *normalized_shape] -> y of the same shape.
  Tensor forward(const Tensor& input) override;

  const Shape& normalized_shape() const { return normalized_shape_; }
  double eps() const { return eps_; }

  Tensor weight, bias;  // normalized_shape each; empty handles without elementwise_affine

 protected:
  std::string type_name() const override { return "LayerNorm"; }
  std::string extra_repr() const override;

 private:
  Shape normalized_shape_;
  double eps_;
};

struct BatchNormOptions {
  double eps = 1e-5;
  double momentum = 0.1;  // running = (1 - momentum) * running + momentum * batch statistic
  bool affine = true;     // learn weight and bias
  bool track_running_stats = true;
};

class BatchNorm1d : public UnaryModule {
 public:
  explicit BatchNorm1d(int64_t num_features, BatchNormOptions options = {});

  // x [N, C] or [N, C, L] -> y of the same shape. In training mode (or without running
  // statistics) it normalizes with the batch's mean and biased variance over N (and L), and
  // updates the running statistics (with the unbiased variance, n / (n - 1) times the biased
  // one, as PyTorch); in eval mode it uses the running statistics, which are constants.
  Tensor forward(const Tensor& input) override;

  int64_t num_features() const { return num_features_; }
  const BatchNormOptions& options() const { return options_; }

  Tensor weight, bias;  // [C] each; empty handles without affine
  // Buffers (module.hpp), empty handles without track_running_stats.
  Tensor running_mean, running_var, num_batches_tracked;

 protected:
  std::string type_name() const override { return "BatchNorm1d"; }
  std::string extra_repr() const override;

 private:
  int64_t num_features_;
  BatchNormOptions options_;
  // Held while a training-mode forward updates the running statistics (see "Threads" above).
  std::mutex running_stats_mutex_;
};

}  // namespace ag::nn
