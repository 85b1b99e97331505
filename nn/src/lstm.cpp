// lstm.cpp — LSTMCell from addmm, slice, sigmoid, tanh, mul and add (see lstm.hpp); LSTM is the
// unroll of recurrent.cpp around it.
#include "nn/lstm.hpp"

#include <fmt/format.h>

#include <cmath>

#include "nn/activation.hpp"
#include "nn/init.hpp"
#include "option_checks.hpp"

namespace ag::nn {

namespace {
const char* label(GateActivation a) {
  switch (a) {
    case GateActivation::sigmoid: return "sigmoid";
    case GateActivation::relu: return "relu";
    case GateActivation::hard_sigmoid: return "hard_sigmoid";
    case GateActivation::hard_sigmoid_keras: return "hard_sigmoid_keras";
  }
  return "?";
}

const char* label(CellActivation a) { return a == CellActivation::tanh ? "tanh" : "relu"; }
}  // namespace

// ----- LSTMCell ----------------------------------------------------------------------------------
LSTMCell::LSTMCell(int64_t input_size, int64_t hidden_size, Generator& gen, LSTMCellOptions options)
    : Module("lstm_cell"), input_size_(input_size), hidden_size_(hidden_size), options_(options) {
  detail::check_sizes("LSTMCell", input_size, hidden_size);
  // A NaN forget_bias makes every forget gate NaN from the first step; an infinite one pins a
  // sigmoid forget gate at 0 or 1 with no gradient to move it, and a ReLU one at inf or 0.
  detail::check_finite("LSTMCell", "forget_bias", options.forget_bias);
  const int64_t H = hidden_size, I = input_size;
  // The four gates' weights side by side: rows [0, H) are i, [H, 2H) f, [2H, 3H) g, [3H, 4H) o.
  W_ih = init::default_uniform(ag::zeros({4 * H, I}), H, gen);
  W_hh = init::default_uniform(ag::zeros({4 * H, H}), H, gen);
  register_parameter("W_ih", W_ih);
  register_parameter("W_hh", W_hh);
  if (options.bias) {
    b_ih = init::default_uniform(ag::zeros({4 * H}), H, gen);
    b_hh = init::default_uniform(ag::zeros({4 * H}), H, gen);
    register_parameter("b_ih", b_ih);
    register_parameter("b_hh", b_hh);
    auto b = b_ih.mutable_data();
    for (int64_t j = H; j < 2 * H; ++j) b[j] += options.forget_bias;  // the forget gate's part
  } else if (options.forget_bias != 0.0) {
    throw ValueError(
        fmt::format("LSTMCell: forget_bias = {} needs bias = true", options.forget_bias));
  }
}

Tensor LSTMCell::gate(const Tensor& x) const {
  switch (options_.gate_activation) {
    case GateActivation::sigmoid: return sigmoid(x);
    case GateActivation::relu: return relu(x);
    case GateActivation::hard_sigmoid: return hard_sigmoid(x);
    case GateActivation::hard_sigmoid_keras: return hardtanh(x * 0.2 + 0.5, 0.0, 1.0);
  }
  return x;
}

Tensor LSTMCell::squash(const Tensor& x) const {
  return options_.cell_activation == CellActivation::tanh ? tanh(x) : relu(x);
}

RecurrentWeights LSTMCell::prepare() const {
  return RecurrentWeights::prepare(W_ih, W_hh, b_ih, b_hh);
}

LSTMState LSTMCell::step(const Tensor& x, const LSTMState& state, const RecurrentWeights& w) const {
  return step_with_gates(x, state, w).state;
}

LSTMStep LSTMCell::step_with_gates(const Tensor& x, const LSTMState& state,
                                   const RecurrentWeights& w) const {
  detail::check_step_input("LSTMCell", path(), x, input_size_);
  detail::check_step_state("LSTMCell", path(), "h", state.h, x, hidden_size_);
  detail::check_step_state("LSTMCell", path(), "c", state.c, x, hidden_size_);
  const int64_t H = hidden_size_;

  // All four gates at once:  b + x W_ih^T + h W_hh^T  (two addmm nodes)   [B, 4H]
  Tensor gates = w.preactivation(x, state.h);

  // Cut them apart along the feature axis, in PyTorch's order i, f, g, o.   each [B, H]
  Tensor i = gate(slice(gates, 1, 0 * H, 1 * H));
  Tensor f = gate(slice(gates, 1, 1 * H, 2 * H));
  Tensor g = squash(slice(gates, 1, 2 * H, 3 * H));
  Tensor o = gate(slice(gates, 1, 3 * H, 4 * H));

  // Keep part of the old cell, write part of the candidate, show part of the result.  [B, H]
  // exercise 14: the LSTM cell step from engine ops -- tutorial 08, picture one_step.svg
  // stub: Tensor c, h;  // c = keep part of state.c, write part of g; h = show part of squash(c)
  // stub: ag::exercise::not_written(14);
  // wrong no-squash: Tensor c = f * state.c + i * g;
  // wrong no-squash: Tensor h = o * c;
  // wrong gates-swapped: Tensor c = i * state.c + f * g;
  // wrong gates-swapped: Tensor h = o * squash(c);
  Tensor keep = f * state.c;
  Tensor write = i * g;
  Tensor c = keep + write;
  Tensor h = o * squash(c);
  // end exercise 14
  return {{h, c}, {gates, i, f, g, o}};
}

LSTMState LSTMCell::forward(const Tensor& x, const LSTMState& state) {
  ScopeGuard scope(name());
  if (state.h.defined() || state.c.defined()) return step(x, state, prepare());
  const int64_t batch = detail::batch_of(x);
  return step(x, {ag::zeros({batch, hidden_size_}), ag::zeros({batch, hidden_size_})}, prepare());
}

std::string LSTMCell::extra_repr() const {
  return fmt::format(
      "input_size={}, hidden_size={}, bias={}, gate_activation={}, cell_activation={}, "
      "forget_bias={}",
      input_size_, hidden_size_, options_.bias, label(options_.gate_activation),
      label(options_.cell_activation), options_.forget_bias);
}

// ----- LSTM --------------------------------------------------------------------------------------
LSTM::LSTM(int64_t input_size, int64_t hidden_size, Generator& gen, LSTMOptions options)
    : Recurrent("lstm", "LSTM", input_size, hidden_size, options.num_layers, options.batch_first,
                [&](int64_t in) {
                  return std::make_unique<LSTMCell>(in, hidden_size, gen, options.cell);
                }),
      options_(options) {}

std::string LSTM::extra_repr() const {
  return fmt::format("input_size={}, hidden_size={}, num_layers={}, batch_first={}", input_size(),
                     hidden_size(), options_.num_layers, options_.batch_first);
}

}  // namespace ag::nn
