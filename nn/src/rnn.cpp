// rnn.cpp — the Elman RNN cell: one step is two addmm (bias + x W_ih^T, then + h W_hh^T) and tanh
// (or relu). RNN is the unroll of recurrent.cpp around it.
#include "nn/rnn.hpp"

#include <fmt/format.h>

#include "nn/init.hpp"

namespace ag::nn {

namespace {
const char* label(Nonlinearity n) { return n == Nonlinearity::tanh ? "tanh" : "relu"; }
}  // namespace

// ----- RNNCell -----------------------------------------------------------------------------------
RNNCell::RNNCell(int64_t input_size, int64_t hidden_size, Generator& gen, Nonlinearity nonlinearity,
                 bool bias)
    : Module("rnn_cell"),
      input_size_(input_size),
      hidden_size_(hidden_size),
      nonlinearity_(nonlinearity) {
  detail::check_sizes("RNNCell", input_size, hidden_size);
  const int64_t H = hidden_size, I = input_size;
  // PyTorch draws every parameter uniform(-1/sqrt(H), 1/sqrt(H)), in this order.
  W_ih = init::default_uniform(ag::zeros({H, I}), H, gen);
  W_hh = init::default_uniform(ag::zeros({H, H}), H, gen);
  register_parameter("W_ih", W_ih);
  register_parameter("W_hh", W_hh);
  if (bias) {
    b_ih = init::default_uniform(ag::zeros({H}), H, gen);
    b_hh = init::default_uniform(ag::zeros({H}), H, gen);
    register_parameter("b_ih", b_ih);
    register_parameter("b_hh", b_hh);
  }
}

RecurrentWeights RNNCell::prepare() const {
  return RecurrentWeights::prepare(W_ih, W_hh, b_ih, b_hh);
}

Tensor RNNCell::step(const Tensor& x, const Tensor& h, const RecurrentWeights& w) const {
  detail::check_step_input("RNNCell", path(), x, input_size_);
  detail::check_step_state("RNNCell", path(), "h", h, x, hidden_size_);
  // pre = b + x W_ih^T + h W_hh^T  (two addmm nodes)   [B, H]
  const Tensor pre = w.preactivation(x, h);
  return nonlinearity_ == Nonlinearity::tanh ? tanh(pre) : relu(pre);  // [B, H]
}

Tensor RNNCell::forward(const Tensor& x, const Tensor& h) {
  ScopeGuard scope(name());
  if (h.defined()) return step(x, h, prepare());
  return step(x, ag::zeros({detail::batch_of(x), hidden_size_}), prepare());
}

std::string RNNCell::extra_repr() const {
  return fmt::format("input_size={}, hidden_size={}, nonlinearity={}, bias={}", input_size_,
                     hidden_size_, label(nonlinearity_), b_ih.defined());
}

// ----- RNN ---------------------------------------------------------------------------------------
RNN::RNN(int64_t input_size, int64_t hidden_size, Generator& gen, RNNOptions options)
    : Recurrent("rnn", "RNN", input_size, hidden_size, options.num_layers, options.batch_first,
                [&](int64_t in) {
                  return std::make_unique<RNNCell>(in, hidden_size, gen, options.nonlinearity,
                                                   options.bias);
                }),
      options_(options) {}

std::string RNN::extra_repr() const {
  return fmt::format(
      "input_size={}, hidden_size={}, num_layers={}, nonlinearity={}, bias={}, "
      "batch_first={}",
      input_size(), hidden_size(), options_.num_layers, label(options_.nonlinearity), options_.bias,
      options_.batch_first);
}

}  // namespace ag::nn
