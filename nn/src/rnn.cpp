// rnn.cpp — the Elman RNN: one step is two addmm (bias + x W_ih^T, then + h W_hh^T) and tanh
// (or relu).
#include "nn/rnn.hpp"

#include <fmt/format.h>

#include "nn/init.hpp"
#include "sequence.hpp"

namespace ag::nn {

namespace {
const char* label(Nonlinearity n) { return n == Nonlinearity::tanh ? "tanh" : "relu"; }

void check_sizes(const char* type, int64_t input_size, int64_t hidden_size) {
  if (input_size < 0 || hidden_size < 0) {
    throw ValueError(fmt::format("{}: negative size (input_size = {}, hidden_size = {})", type,
                                 input_size, hidden_size));
  }
}
}  // namespace

// ----- RNNCell -----------------------------------------------------------------------------------
RNNCell::RNNCell(int64_t input_size, int64_t hidden_size, Generator& gen,
                 Nonlinearity nonlinearity, bool bias)
    : Module("rnn_cell"),
      input_size_(input_size),
      hidden_size_(hidden_size),
      nonlinearity_(nonlinearity) {
  check_sizes("RNNCell", input_size, hidden_size);
  const int64_t H = hidden_size, I = input_size;
  // PyTorch draws every parameter uniform(-1/sqrt(H), 1/sqrt(H)), in this order.
  W_ih = register_parameter("W_ih", init::default_uniform(ag::zeros({H, I}), H, gen));
  W_hh = register_parameter("W_hh", init::default_uniform(ag::zeros({H, H}), H, gen));
  if (bias) {
    b_ih = register_parameter("b_ih", init::default_uniform(ag::zeros({H}), H, gen));
    b_hh = register_parameter("b_hh", init::default_uniform(ag::zeros({H}), H, gen));
  }
}

RNNCell::Prepared RNNCell::prepare() const {
  return RecurrentWeights::prepare(W_ih, W_hh, b_ih, b_hh);
}

Tensor RNNCell::step(const Tensor& x, const Tensor& h, const Prepared& w) const {
  if (!x.defined() || x.dim() != 2 || x.size(1) != input_size_) {
    throw ShapeError(fmt::format(
        "RNNCell '{}': input must be [batch, {}], got shape {}", path(), input_size_,
        x.defined() ? shape_str(x.shape()) : "undefined"));
  }
  const Shape state_shape{x.size(0), hidden_size_};
  if (!h.defined() || h.shape() != state_shape) {
    throw ShapeError(fmt::format("RNNCell '{}': state h has shape {}, expected {} for input shape {}",
                                 path(), h.defined() ? shape_str(h.shape()) : "undefined",
                                 shape_str(state_shape), shape_str(x.shape())));
  }
  // pre = b + x W_ih^T + h W_hh^T  (two addmm nodes)   [B, H]
  const Tensor pre = w.preactivation(x, h);
  return nonlinearity_ == Nonlinearity::tanh ? tanh(pre) : relu(pre);  // [B, H]
}

Tensor RNNCell::forward(const Tensor& x, const Tensor& h) {
  ScopeGuard scope(name());
  return step(x, h, prepare());
}

Tensor RNNCell::forward(const Tensor& x) {
  const int64_t batch = x.defined() && x.dim() == 2 ? x.size(0) : 0;
  return forward(x, ag::zeros({batch, hidden_size_}));
}

std::string RNNCell::extra_repr() const {
  return fmt::format("input_size={}, hidden_size={}, nonlinearity={}, bias={}", input_size_,
                     hidden_size_, label(nonlinearity_), b_ih.defined());
}

// ----- RNN ---------------------------------------------------------------------------------------
RNN::RNN(int64_t input_size, int64_t hidden_size, Generator& gen, RNNOptions options)
    : Module("rnn"), input_size_(input_size), hidden_size_(hidden_size), options_(options) {
  check_sizes("RNN", input_size, hidden_size);
  if (options.num_layers < 1) {
    throw ValueError(fmt::format("RNN: num_layers must be at least 1, got {}", options.num_layers));
  }
  for (int64_t l = 0; l < options.num_layers; ++l) {
    // Layer 0 reads the input; every later layer reads the h_t of the layer below.
    const int64_t in = l == 0 ? input_size : hidden_size;
    layers_.push_back(
        std::make_unique<RNNCell>(in, hidden_size, gen, options.nonlinearity, options.bias));
    register_module(fmt::format("layer{}", l), *layers_.back());
  }
}

RNNOutput RNN::forward(const Tensor& input, const Tensor& h0) {
  ScopeGuard scope(name());
  const auto [T, B] =
      detail::check_sequence("RNN", path(), input, input_size_, options_.batch_first);
  const auto L = static_cast<int64_t>(layers_.size());
  if (h0.defined()) detail::check_state("RNN", path(), "h", h0, L, B, hidden_size_, input);

  // Per layer: the prepared weights (once per sequence) and the running state h [B, H].
  std::vector<RNNCell::Prepared> weights;
  std::vector<Tensor> h;
  for (int64_t l = 0; l < L; ++l) {
    ScopeGuard layer_scope(layers_[l]->name());
    weights.push_back(layers_[l]->prepare());
    h.push_back(h0.defined() ? detail::layer_of(h0, l) : ag::zeros({B, hidden_size_}));
  }

  // Unroll in time; at each step the layers run bottom to top.
  std::vector<Tensor> outputs;  // the top layer's h_t, one [B, H] per step
  for (int64_t t = 0; t < T; ++t) {
    ScopeGuard step_scope(fmt::format("t={}", t));
    Tensor x = detail::time_step(input, t, options_.batch_first);  // [B, I]
    for (int64_t l = 0; l < L; ++l) {
      ScopeGuard layer_scope(layers_[l]->name());
      h[l] = layers_[l]->step(x, h[l], weights[l]);
      x = h[l];
    }
    outputs.push_back(x);
  }
  RNNOutput out;
  out.output = T > 0 ? stack(outputs, options_.batch_first ? 1 : 0)
                     : ag::zeros(options_.batch_first ? Shape{B, 0, hidden_size_}
                                                      : Shape{0, B, hidden_size_});
  out.h = stack(h, 0);  // [layers, B, H]
  return out;
}

std::string RNN::extra_repr() const {
  return fmt::format("input_size={}, hidden_size={}, num_layers={}, nonlinearity={}, bias={}, "
                     "batch_first={}",
                     input_size_, hidden_size_, options_.num_layers,
                     label(options_.nonlinearity), options_.bias, options_.batch_first);
}

}  // namespace ag::nn
