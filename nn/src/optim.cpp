// optim.cpp — SGD, Adam and gradient clipping: plain loops over each parameter's numbers.
#include "nn/optim.hpp"

#include <autograd/fast/kernels.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <unordered_set>

#include "option_checks.hpp"

namespace ag::nn {

Optimizer::Optimizer(std::vector<Tensor> parameters) {
  if (parameters.empty()) {
    // Stepping nothing would train nothing, silently.
    throw ValueError(
        "optimizer got an empty parameter list, so it would train nothing (from a module's "
        "parameters()? a module lists only what its constructor registers with "
        "register_parameter)");
  }
  std::unordered_set<const TensorImpl*> seen;  // a tensor given twice is stepped once
  for (size_t k = 0; k < parameters.size(); ++k) {
    const Tensor& p = parameters[k];
    if (!p.defined() || !p.requires_grad() || !p.is_leaf()) {
      throw ValueError(fmt::format(
          "optimizer: parameter {} ('{}', shape {}) is not a leaf with requires_grad", k,
          p.defined() ? p.name() : "", p.defined() ? shape_str(p.shape()) : "undefined"));
    }
    if (seen.insert(&p.impl()).second) params_.push_back(p);
  }
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

// ----- state -------------------------------------------------------------------------------------
void Optimizer::check_state(const OptimizerState& state,
                            const std::vector<std::string>& buffer_names) const {
  // This optimizer's own state says what a state for it looks like: its type, its options.
  // (It copies the buffers too; loading is rare enough not to mind.)
  const OptimizerState own = this->state();
  const std::string& type = own.type;
  const std::string who = type + "::load_state";
  if (state.type != type) {
    throw ValueError(fmt::format("{}: the state is for an optimizer of type '{}', not '{}'", who,
                                 state.type, type));
  }
  std::vector<std::string> given, option_names;
  for (const auto& [name, value] : state.options) given.push_back(name);
  for (const auto& [name, value] : own.options) option_names.push_back(name);
  if (given != option_names) {  // both sorted: std::map keeps its keys in order
    throw ValueError(fmt::format("{}: the state has options [{}], expected [{}]", who,
                                 fmt::join(given, ", "), fmt::join(option_names, ", ")));
  }
  if (state.parameters.size() != params_.size()) {
    throw ValueError(fmt::format("{}: the state is for {} parameters, the optimizer has {}", who,
                                 state.parameters.size(), params_.size()));
  }
  for (size_t k = 0; k < params_.size(); ++k) {
    const ParameterState& saved = state.parameters[k];
    const Tensor& p = params_[k];
    if (saved.name != p.name()) {
      throw ValueError(fmt::format("{}: parameter {} is '{}' in the state but '{}' here", who, k,
                                   saved.name, p.name()));
    }
    if (saved.buffers.empty()) continue;  // not stepped yet
    for (const std::string& buffer : buffer_names) {
      auto it = saved.buffers.find(buffer);
      if (it == saved.buffers.end()) {
        throw ValueError(
            fmt::format("{}: parameter '{}' has no '{}' in the state", who, p.name(), buffer));
      }
      if (static_cast<int64_t>(it->second.size()) != p.numel()) {
        throw ValueError(
            fmt::format("{}: '{}' of parameter '{}' has {} numbers, the parameter "
                        "(shape {}) has {}",
                        who, buffer, p.name(), it->second.size(), shape_str(p.shape()), p.numel()));
      }
    }
    if (saved.buffers.size() != buffer_names.size()) {
      throw ValueError(fmt::format("{}: parameter '{}' has buffers other than [{}] in the state",
                                   who, p.name(), fmt::join(buffer_names, ", ")));
    }
  }
}

// ----- SGD ---------------------------------------------------------------------------------------
// The options are checked wherever they may have changed: by the constructor, by load_state,
// and at every step, since `options` is public and a schedule changes options.lr between steps
// (a few comparisons per step). `who` names the caller in the error.
// Infinity is refused too (torch.optim accepts it): an infinite lr, momentum or weight decay turns
// every parameter into inf or NaN at the first step (inf * 0 is NaN), and an infinite eps makes
// every Adam step 0, so the model silently stops learning.
namespace {
using detail::check_finite_not_negative;

void check_options(const SGDOptions& opts, const char* who) {
  check_finite_not_negative(who, "lr", opts.lr);
  check_finite_not_negative(who, "momentum", opts.momentum);
  check_finite_not_negative(who, "weight_decay", opts.weight_decay);
  // The share of each new gradient the velocity leaves out: outside [0, 1] the velocity would
  // move against the gradient or by more than it. (torch.optim.SGD checks no dampening at all: a
  // NaN there trains on NaN without a word.)
  detail::check_unit_interval(who, "dampening", opts.dampening);
  if (opts.nesterov && (opts.momentum <= 0 || opts.dampening != 0)) {
    throw ValueError(fmt::format(
        "{}: nesterov needs momentum > 0 and dampening = 0, got momentum = {}, dampening = {}", who,
        opts.momentum, opts.dampening));
  }
}
}  // namespace

SGD::SGD(std::vector<Tensor> parameters, SGDOptions opts)
    : Optimizer(std::move(parameters)), options(opts), velocity_(params_.size()) {
  check_options(opts, "SGD");
}

void SGD::step() {
  check_options(options, "SGD::step (options changed since construction)");
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
      // exercise 15: SGD with momentum (and Nesterov's) -- tutorial 04_moons_mlp
      // stub: if (options.momentum != 0.0) ag::exercise::not_written(15);
      // wrong no-memory: if (options.momentum != 0.0) {
      // wrong no-memory:   v[j] = g;
      // wrong no-memory:   g = options.nesterov ? g + options.momentum * v[j] : v[j];
      // wrong no-memory: }
      // wrong no-nesterov: if (options.momentum != 0.0) {
      // wrong no-nesterov:   const double kept = options.momentum * v[j];
      // wrong no-nesterov:   v[j] = first ? g : kept + (1.0 - options.dampening) * g;
      // wrong no-nesterov:   g = v[j];
      // wrong no-nesterov: }
      if (options.momentum != 0.0) {
        v[j] = first ? g : options.momentum * v[j] + (1.0 - options.dampening) * g;
        g = options.nesterov ? g + options.momentum * v[j] : v[j];
      }
      // end exercise 15
      value[j] -= options.lr * g;
    }
  }
}

OptimizerState SGD::state() const {
  OptimizerState state{"SGD",
                       {{"lr", options.lr},
                        {"momentum", options.momentum},
                        {"dampening", options.dampening},
                        {"weight_decay", options.weight_decay},
                        {"nesterov", options.nesterov ? 1.0 : 0.0}},
                       {}};
  for (size_t k = 0; k < params_.size(); ++k) {
    ParameterState p{params_[k].name(), 0, {}};
    if (!velocity_[k].empty()) p.buffers["momentum_buffer"] = velocity_[k];
    state.parameters.push_back(std::move(p));
  }
  return state;
}

void SGD::load_state(const OptimizerState& state) {
  check_state(state, {"momentum_buffer"});
  const auto& o = state.options;
  const SGDOptions opts{.lr = o.at("lr"),
                        .momentum = o.at("momentum"),
                        .dampening = o.at("dampening"),
                        .weight_decay = o.at("weight_decay"),
                        .nesterov = o.at("nesterov") != 0.0};
  check_options(opts, "SGD::load_state");
  // Everything checked: from here on nothing throws.
  options = opts;
  for (size_t k = 0; k < params_.size(); ++k) {
    const auto& buffers = state.parameters[k].buffers;
    velocity_[k] = buffers.empty() ? std::vector<double>{} : buffers.at("momentum_buffer");
  }
}

// ----- Adam --------------------------------------------------------------------------------------
namespace {
// As SGD's above, and as torch.optim.Adam's (a beta of 1 would divide by 1 - beta^t = 0).
void check_options(const AdamOptions& opts, const char* who) {
  check_finite_not_negative(who, "lr", opts.lr);
  const double betas[] = {opts.beta1, opts.beta2};
  for (int k = 0; k < 2; ++k) {
    if (!(betas[k] >= 0 && betas[k] < 1)) {  // NaN fails both
      detail::refuse_option(who, fmt::format("beta{}", k + 1), betas[k], "in [0, 1)");
    }
  }
  check_finite_not_negative(who, "eps", opts.eps);
  check_finite_not_negative(who, "weight_decay", opts.weight_decay);
}
}  // namespace

Adam::Adam(std::vector<Tensor> parameters, AdamOptions opts)
    : Optimizer(std::move(parameters)),
      options(opts),
      m_(params_.size()),
      v_(params_.size()),
      steps_(params_.size(), 0) {
  check_options(opts, "Adam");
}

void Adam::step() {
  check_options(options, "Adam::step (options changed since construction)");
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
    const double correction1 = 1.0 - ag::portable::pow(options.beta1, t);
    const double correction2 = 1.0 - ag::portable::pow(options.beta2, t);
    for (size_t j = 0; j < value.size(); ++j) {
      const double g = grad[j] + options.weight_decay * value[j];
      double& m = m_[k][j];
      double& v = v_[k][j];
      // exercise 16: Adam's step -- tutorial 12_sequence_classifier
      // stub: (void)g, (void)m, (void)v, (void)correction1, (void)correction2;
      // stub: ag::exercise::not_written(16);
      // wrong no-correction: m = options.beta1 * m + (1.0 - options.beta1) * g;
      // wrong no-correction: v = options.beta2 * v + (1.0 - options.beta2) * g * g;
      // wrong no-correction: value[j] -= options.lr * m / (std::sqrt(v) + options.eps);
      // wrong no-square: m = options.beta1 * m + (1.0 - options.beta1) * g;
      // wrong no-square: v = options.beta2 * v + (1.0 - options.beta2) * std::abs(g);
      // wrong no-square: const double m_hat = m / correction1, v_hat = v / correction2;
      // wrong no-square: value[j] -= options.lr * m_hat / (std::sqrt(v_hat) + options.eps);
      m = options.beta1 * m + (1.0 - options.beta1) * g;
      v = options.beta2 * v + (1.0 - options.beta2) * g * g;
      const double m_hat = m / correction1, v_hat = v / correction2;
      value[j] -= options.lr * m_hat / (std::sqrt(v_hat) + options.eps);
      // end exercise 16
    }
  }
}

OptimizerState Adam::state() const {
  OptimizerState state{"Adam",
                       {{"lr", options.lr},
                        {"beta1", options.beta1},
                        {"beta2", options.beta2},
                        {"eps", options.eps},
                        {"weight_decay", options.weight_decay}},
                       {}};
  for (size_t k = 0; k < params_.size(); ++k) {
    ParameterState p{params_[k].name(), steps_[k], {}};
    if (!m_[k].empty()) p.buffers = {{"exp_avg", m_[k]}, {"exp_avg_sq", v_[k]}};
    state.parameters.push_back(std::move(p));
  }
  return state;
}

void Adam::load_state(const OptimizerState& state) {
  check_state(state, {"exp_avg", "exp_avg_sq"});
  for (const ParameterState& p : state.parameters) {
    // The moments exist exactly when the parameter has had a step (step() makes both at once).
    if (p.step < 0 || (p.step > 0) == p.buffers.empty()) {
      throw ValueError(fmt::format(
          "Adam::load_state: parameter '{}' has step {} and {} moments (both or neither: step > 0 "
          "exactly when the moments are there)",
          p.name, p.step, p.buffers.empty() ? "no" : "its"));
    }
  }
  const auto& o = state.options;
  const AdamOptions opts{.lr = o.at("lr"),
                         .beta1 = o.at("beta1"),
                         .beta2 = o.at("beta2"),
                         .eps = o.at("eps"),
                         .weight_decay = o.at("weight_decay")};
  check_options(opts, "Adam::load_state");
  // Everything checked: from here on nothing throws.
  options = opts;
  for (size_t k = 0; k < params_.size(); ++k) {
    const ParameterState& p = state.parameters[k];
    steps_[k] = p.step;
    m_[k] = p.buffers.empty() ? std::vector<double>{} : p.buffers.at("exp_avg");
    v_[k] = p.buffers.empty() ? std::vector<double>{} : p.buffers.at("exp_avg_sq");
  }
}

// ----- clipping ----------------------------------------------------------------------------------
double clip_grad_norm(const std::vector<Tensor>& parameters, double max_norm) {
  // !(max_norm >= 0) refuses NaN too (max_norm < 0 is false for it, and NaN would never clip).
  if (!(max_norm >= 0)) {
    detail::refuse_option("clip_grad_norm", "max_norm", max_norm, "a number >= 0");
  }
  double squares = 0.0;
  for (const Tensor& p : parameters) {
    if (!p.requires_grad() || !p.has_grad()) continue;
    for (double g : p.grad_data()) squares += g * g;
  }
  const double total = std::sqrt(squares);
  const double scale = max_norm / (total + 1e-6);
  // !(scale >= 1) scales for a NaN total too: torch multiplies by NaN then, so every gradient
  // becomes NaN (a NaN that clipped nothing would leave the others looking fine).
  if (!(scale >= 1.0)) {
    for (const Tensor& p : parameters) {
      if (!p.requires_grad() || !p.has_grad()) continue;
      // The gradient buffer itself: Tensor::grad() returns a copy, this writes in place.
      for (double& g : p.impl().grad.span()) g *= scale;
    }
  }
  return total;
}

}  // namespace ag::nn
