// normalization.cpp — LayerNorm and BatchNorm1d from mean, sub, pow, add, sqrt, div, mul (see
// normalization.hpp). Sections: the shared normalize step; LayerNorm; BatchNorm1d.
#include "nn/normalization.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <mutex>

#include "option_checks.hpp"

namespace ag::nn {

namespace {

std::string shape_or_undefined(const Tensor& t) {
  return t.defined() ? shape_str(t.shape()) : "undefined";
}

// The statistics of x over some axes, and x normalized with them:
//     mean = E[x],  var = E[(x - mean)^2]   (biased: divided by n, as PyTorch normalizes)
//     normalized = (x - mean) / sqrt(var + eps)
// `over` takes a mean over the chosen axes, keeping them (size 1), so that the statistics
// broadcast back against x.
struct Normalized {
  Tensor mean, var, normalized;
};

template <class Over>
Normalized normalize(const Tensor& x, double eps, const Over& over) {
  Normalized out;
  out.mean = over(x);
  const Tensor centered = x - out.mean;
  out.var = over(pow(centered, 2.0));
  const Tensor std = sqrt(out.var + eps);
  out.normalized = centered / std;
  return out;
}

// eps keeps sqrt(var + eps) above 0 for a constant input. A negative one can make it the root of
// a negative number (NaN), an infinite one makes every output 0 (the model silently learns only
// its bias), and NaN makes every output NaN; PyTorch checks none of these.
void check_eps(const char* module, double eps) {
  detail::check_finite_not_negative(module, "eps", eps);
}

}  // namespace

// ----- LayerNorm ---------------------------------------------------------------------------------
LayerNorm::LayerNorm(Shape normalized_shape, double eps, bool elementwise_affine, bool bias)
    : UnaryModule("layer_norm"), normalized_shape_(std::move(normalized_shape)), eps_(eps) {
  if (normalized_shape_.empty() || std::any_of(normalized_shape_.begin(), normalized_shape_.end(),
                                               [](int64_t n) { return n < 1; })) {
    throw ValueError(
        fmt::format("LayerNorm: normalized_shape must be a non-empty list of sizes "
                    ">= 1, got {}",
                    shape_str(normalized_shape_)));
  }
  check_eps("LayerNorm", eps);
  if (elementwise_affine) {
    weight = ag::ones(normalized_shape_);
    register_parameter("weight", weight);
    if (bias) {
      this->bias = ag::zeros(normalized_shape_);
      register_parameter("bias", this->bias);
    }
  }
}

Tensor LayerNorm::forward(const Tensor& input) {
  ScopeGuard scope(name());
  const auto D = static_cast<int64_t>(normalized_shape_.size());
  const bool fits = input.defined() && input.dim() >= D &&
                    std::equal(normalized_shape_.begin(), normalized_shape_.end(),
                               input.shape().end() - D);
  if (!fits) {
    throw ShapeError(
        fmt::format("LayerNorm '{}': input shape {} does not end with normalized_shape {}", path(),
                    shape_or_undefined(input), shape_str(normalized_shape_)));
  }
  // Each sample's last D dims flattened into one row: [M, K], K = prod(normalized_shape).
  const int64_t K = ag::numel(normalized_shape_);
  const Tensor rows = reshape(input, {input.numel() / K, K});
  const Tensor y = reshape(normalize(rows, eps_,
                                     [](const Tensor& t) { return mean(t, 1, /*keepdim=*/true); })
                               .normalized,
                           input.shape());
  if (!weight.defined()) return y;
  // weight and bias [*normalized_shape] broadcast over the leading dims.
  const Tensor scaled = y * weight;
  return bias.defined() ? scaled + bias : scaled;
}

std::string LayerNorm::extra_repr() const {
  return fmt::format("({}), eps={}, elementwise_affine={}", fmt::join(normalized_shape_, ", "),
                     eps_, weight.defined());
}

// ----- BatchNorm1d -------------------------------------------------------------------------------
BatchNorm1d::BatchNorm1d(int64_t num_features, BatchNormOptions options)
    : UnaryModule("batch_norm"), num_features_(num_features), options_(options) {
  if (num_features < 1) {
    throw ValueError(
        fmt::format("BatchNorm1d: num_features must be at least 1, got {}", num_features));
  }
  check_eps("BatchNorm1d", options.eps);
  // running = (1 - momentum) * running + momentum * batch: outside [0, 1] that is no average (2
  // makes it oscillate and grow), and NaN poisons the running statistics eval() uses.
  detail::check_unit_interval("BatchNorm1d", "momentum", options.momentum);
  const int64_t C = num_features;
  if (options.affine) {
    weight = ag::ones({C});
    bias = ag::zeros({C});
    register_parameter("weight", weight);
    register_parameter("bias", bias);
  }
  if (options.track_running_stats) {
    running_mean = ag::zeros({C});
    running_var = ag::ones({C});
    num_batches_tracked = ag::scalar(0.0);
    register_buffer("running_mean", running_mean);
    register_buffer("running_var", running_var);
    register_buffer("num_batches_tracked", num_batches_tracked);
  }
}

Tensor BatchNorm1d::forward(const Tensor& input) {
  ScopeGuard scope(name());
  const int64_t C = num_features_;
  if (!input.defined() || (input.dim() != 2 && input.dim() != 3) || input.size(1) != C) {
    throw ShapeError(
        fmt::format("BatchNorm1d '{}': input must be [N, {}] or [N, {}, L], got shape {}", path(),
                    C, C, shape_or_undefined(input)));
  }
  // The per-channel statistics are kept as [1, C] (or [1, C, 1]), so they broadcast over x.
  const bool has_length = input.dim() == 3;
  const Shape channel_shape = has_length ? Shape{1, C, 1} : Shape{1, C};
  const auto over_batch = [has_length](const Tensor& t) {
    return has_length ? mean(mean(t, 2, true), 0, true) : mean(t, 0, true);
  };

  Tensor y;
  if (is_training() || !options_.track_running_stats) {
    const int64_t n = input.numel() / C;  // values per channel: N (times L)
    if (is_training() && n <= 1) {
      // One value has no spread: var = 0, and x - mean = 0 for every input.
      throw ValueError(fmt::format(
          "BatchNorm1d '{}': expected more than 1 value per channel in training mode, got input "
          "shape {}",
          path(), shape_str(input.shape())));
    }
    const Normalized batch = normalize(input, options_.eps, over_batch);
    y = batch.normalized;
    if (is_training() && options_.track_running_stats) {
      // Not an op: the running statistics are buffers, updated in place, outside the tape.
      //     running_mean = (1 - momentum) * running_mean + momentum * mean
      //     running_var  = (1 - momentum) * running_var  + momentum * var * n / (n - 1)
      // Other threads may be running this forward too (normalization.hpp, "Threads"): one
      // update at a time, or two read-modify-writes interleave and one batch is lost.
      const double m = options_.momentum;
      const double unbias = static_cast<double>(n) / static_cast<double>(n - 1);
      const std::lock_guard<std::mutex> lock(running_stats_mutex_);
      auto rm = running_mean.mutable_data();
      auto rv = running_var.mutable_data();
      for (int64_t c = 0; c < C; ++c) {
        rm[c] = (1 - m) * rm[c] + m * batch.mean.data()[c];
        rv[c] = (1 - m) * rv[c] + m * batch.var.data()[c] * unbias;
      }
      num_batches_tracked.mutable_data()[0] += 1;
    }
  } else {
    // Eval mode: the running statistics are constants (buffers, no gradient).
    const Tensor std = sqrt(reshape(running_var, channel_shape) + options_.eps);
    y = (input - reshape(running_mean, channel_shape)) / std;
  }
  if (!weight.defined()) return y;
  // weight and bias [C], as [C] (input [N, C]) or [C, 1] (input [N, C, L]) to broadcast.
  const Shape affine_shape = has_length ? Shape{C, 1} : Shape{C};
  const Tensor scaled = y * reshape(weight, affine_shape);
  return scaled + reshape(bias, affine_shape);
}

std::string BatchNorm1d::extra_repr() const {
  return fmt::format("{}, eps={}, momentum={}, affine={}, track_running_stats={}", num_features_,
                     options_.eps, options_.momentum, options_.affine,
                     options_.track_running_stats);
}

}  // namespace ag::nn
