// optim.cpp — SGD, Adam and gradient clipping: plain loops over each parameter's numbers.
#include "nn/optim.hpp"

#include <fmt/format.h>

#include <cmath>

namespace ag::nn {

Optimizer::Optimizer(std::vector<Tensor> parameters) : params_(std::move(parameters)) {
  for (size_t k = 0; k < params_.size(); ++k) {
    const Tensor& p = params_[k];
    if (!p.defined() || !p.requires_grad() || !p.is_leaf()) {
      throw ValueError(fmt::format(
          "optimizer: parameter {} ('{}', shape {}) is not a leaf with requires_grad", k,
          p.defined() ? p.name() : "", p.defined() ? shape_str(p.shape()) : "undefined"));
    }
  }
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

// ----- SGD ---------------------------------------------------------------------------------------
SGD::SGD(std::vector<Tensor> parameters, SGDOptions opts)
    : Optimizer(std::move(parameters)), options(opts), velocity_(params_.size()) {
  if (opts.lr < 0 || opts.momentum < 0 || opts.weight_decay < 0) {
    throw ValueError(fmt::format("SGD: lr ({}), momentum ({}) and weight_decay ({}) must be >= 0",
                                 opts.lr, opts.momentum, opts.weight_decay));
  }
  if (opts.nesterov && (opts.momentum <= 0 || opts.dampening != 0)) {
    throw ValueError("SGD: nesterov needs momentum > 0 and dampening = 0");
  }
}

void SGD::step() {
  for (size_t k = 0; k < params_.size(); ++k) {
    Tensor& p = params_[k];
    if (!p.has_grad()) continue;
    auto value = p.mutable_data();
    auto grad = p.grad_data();
    std::vector<double>& v = velocity_[k];
    const bool first = v.empty();
    if (options.momentum != 0.0 && first) v.resize(value.size());
    for (size_t j = 0; j < value.size(); ++j) {
      double g = grad[j] + options.weight_decay * value[j];
      if (options.momentum != 0.0) {
        v[j] = first ? g : options.momentum * v[j] + (1.0 - options.dampening) * g;
        g = options.nesterov ? g + options.momentum * v[j] : v[j];
      }
      value[j] -= options.lr * g;
    }
  }
}

// ----- Adam --------------------------------------------------------------------------------------
Adam::Adam(std::vector<Tensor> parameters, AdamOptions opts)
    : Optimizer(std::move(parameters)),
      options(opts),
      m_(params_.size()),
      v_(params_.size()),
      steps_(params_.size(), 0) {
  if (opts.lr < 0 || opts.eps < 0 || opts.beta1 < 0 || opts.beta1 >= 1 || opts.beta2 < 0 ||
      opts.beta2 >= 1) {
    throw ValueError(fmt::format("Adam: needs lr >= 0, eps >= 0, betas in [0, 1); got lr = {}, "
                                 "eps = {}, betas = ({}, {})",
                                 opts.lr, opts.eps, opts.beta1, opts.beta2));
  }
}

void Adam::step() {
  for (size_t k = 0; k < params_.size(); ++k) {
    Tensor& p = params_[k];
    if (!p.has_grad()) continue;
    auto value = p.mutable_data();
    auto grad = p.grad_data();
    if (m_[k].empty()) {
      m_[k].assign(value.size(), 0.0);
      v_[k].assign(value.size(), 0.0);
    }
    const auto t = static_cast<double>(++steps_[k]);
    const double correction1 = 1.0 - std::pow(options.beta1, t);
    const double correction2 = 1.0 - std::pow(options.beta2, t);
    for (size_t j = 0; j < value.size(); ++j) {
      const double g = grad[j] + options.weight_decay * value[j];
      double& m = m_[k][j];
      double& v = v_[k][j];
      m = options.beta1 * m + (1.0 - options.beta1) * g;
      v = options.beta2 * v + (1.0 - options.beta2) * g * g;
      const double m_hat = m / correction1, v_hat = v / correction2;
      value[j] -= options.lr * m_hat / (std::sqrt(v_hat) + options.eps);
    }
  }
}

// ----- clipping ----------------------------------------------------------------------------------
double clip_grad_norm(const std::vector<Tensor>& parameters, double max_norm) {
  if (max_norm < 0) throw ValueError(fmt::format("clip_grad_norm: max_norm {} < 0", max_norm));
  double squares = 0.0;
  for (const Tensor& p : parameters) {
    if (!p.requires_grad() || !p.has_grad()) continue;
    for (double g : p.grad_data()) squares += g * g;
  }
  const double total = std::sqrt(squares);
  const double scale = max_norm / (total + 1e-6);
  if (scale < 1.0) {
    for (const Tensor& p : parameters) {
      if (!p.requires_grad() || !p.has_grad()) continue;
      // The gradient buffer itself: Tensor::grad() returns a copy, this writes in place.
      for (double& g : p.impl().grad.span()) g *= scale;
    }
  }
  return total;
}

}  // namespace ag::nn
