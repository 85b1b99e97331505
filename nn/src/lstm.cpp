// lstm.cpp — LSTMCell and LSTM from addmm, slice, sigmoid, tanh, mul and add (see lstm.hpp).
#include "nn/lstm.hpp"

#include <fmt/format.h>

#include "nn/activation.hpp"
#include "nn/init.hpp"
#include "sequence.hpp"

namespace ag::nn {

namespace {
const char* label(GateActivation a) {
  switch (a) {
    case GateActivation::sigmoid: return "sigmoid";
    case GateActivation::relu: return "relu";
    case GateActivation::hard_sigmoid: return "hard_sigmoid";
  }
  return "?";
}

const char* label(CellActivation a) { return a == CellActivation::tanh ? "tanh" : "relu"; }

void check_sizes(const char* type, int64_t input_size, int64_t hidden_size) {
  if (input_size < 0 || hidden_size < 0) {
    throw ValueError(fmt::format("{}: negative size (input_size = {}, hidden_size = {})", type,
                                 input_size, hidden_size));
  }
}
}  // namespace

// ----- LSTMCell ----------------------------------------------------------------------------------
LSTMCell::LSTMCell(int64_t input_size, int64_t hidden_size, Generator& gen,
                   LSTMCellOptions options)
    : Module("lstm_cell"), input_size_(input_size), hidden_size_(hidden_size), options_(options) {
  check_sizes("LSTMCell", input_size, hidden_size);
  const int64_t H = hidden_size, I = input_size;
  // The four gates' weights side by side: rows [0, H) are i, [H, 2H) f, [2H, 3H) g, [3H, 4H) o.
  W_ih = register_parameter("W_ih", init::default_uniform(ag::zeros({4 * H, I}), H, gen));
  W_hh = register_parameter("W_hh", init::default_uniform(ag::zeros({4 * H, H}), H, gen));
  if (options.bias) {
    b_ih = register_parameter("b_ih", init::default_uniform(ag::zeros({4 * H}), H, gen));
    b_hh = register_parameter("b_hh", init::default_uniform(ag::zeros({4 * H}), H, gen));
    auto b = b_ih.mutable_data();
    for (int64_t j = H; j < 2 * H; ++j) b[j] += options.forget_bias;  // the forget gate's part
  } else if (options.forget_bias != 0.0) {
    throw ValueError(fmt::format("LSTMCell: forget_bias = {} needs bias = true",
                                 options.forget_bias));
  }
}

Tensor LSTMCell::gate(const Tensor& x) const {
  switch (options_.gate_activation) {
    case GateActivation::sigmoid: return sigmoid(x);
    case GateActivation::relu: return relu(x);
    case GateActivation::hard_sigmoid: return hard_sigmoid(x);
  }
  return x;
}

Tensor LSTMCell::squash(const Tensor& x) const {
  return options_.cell_activation == CellActivation::tanh ? tanh(x) : relu(x);
}

LSTMCell::Prepared LSTMCell::prepare() const {
  return RecurrentWeights::prepare(W_ih, W_hh, b_ih, b_hh);
}

LSTMState LSTMCell::step(const Tensor& x, const LSTMState& state, const Prepared& w) const {
  if (!x.defined() || x.dim() != 2 || x.size(1) != input_size_) {
    throw ShapeError(fmt::format(
        "LSTMCell '{}': input must be [batch, {}], got shape {}", path(), input_size_,
        x.defined() ? shape_str(x.shape()) : "undefined"));
  }
  const Shape state_shape{x.size(0), hidden_size_};
  for (const auto& [what, s] : {std::pair{"h", state.h}, std::pair{"c", state.c}}) {
    if (!s.defined() || s.shape() != state_shape) {
      throw ShapeError(fmt::format(
          "LSTMCell '{}': state {} has shape {}, expected {} (batch, hidden) for input shape {}",
          path(), what, s.defined() ? shape_str(s.shape()) : "undefined", shape_str(state_shape),
          shape_str(x.shape())));
    }
  }
  const int64_t H = hidden_size_;

  // All four gates at once:  b + x W_ih^T + h W_hh^T  (two addmm nodes)   [B, 4H]
  Tensor gates = w.preactivation(x, state.h);

  // Cut them apart along the feature axis, in PyTorch's order i, f, g, o.   each [B, H]
  Tensor i = gate(slice(gates, 1, 0 * H, 1 * H));
  Tensor f = gate(slice(gates, 1, 1 * H, 2 * H));
  Tensor g = squash(slice(gates, 1, 2 * H, 3 * H));
  Tensor o = gate(slice(gates, 1, 3 * H, 4 * H));

  // Keep part of the old cell, write part of the candidate, show part of the result.  [B, H]
  Tensor keep = f * state.c;
  Tensor write = i * g;
  Tensor c = keep + write;
  Tensor h = o * squash(c);
  return {h, c};
}

LSTMState LSTMCell::forward(const Tensor& x, const LSTMState& state) {
  ScopeGuard scope(name());
  if (state.h.defined() || state.c.defined()) return step(x, state, prepare());
  const int64_t batch = x.defined() && x.dim() == 2 ? x.size(0) : 0;
  const LSTMState zero{ag::zeros({batch, hidden_size_}), ag::zeros({batch, hidden_size_})};
  return step(x, zero, prepare());
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
    : Module("lstm"), input_size_(input_size), hidden_size_(hidden_size), options_(options) {
  check_sizes("LSTM", input_size, hidden_size);
  if (options.num_layers < 1) {
    throw ValueError(fmt::format("LSTM: num_layers must be at least 1, got {}", options.num_layers));
  }
  for (int64_t l = 0; l < options.num_layers; ++l) {
    // Layer 0 reads the input; every later layer reads the h_t of the layer below.
    const int64_t in = l == 0 ? input_size : hidden_size;
    layers_.push_back(std::make_unique<LSTMCell>(in, hidden_size, gen, options.cell));
    register_module(fmt::format("layer{}", l), *layers_.back());
  }
}

LSTMOutput LSTM::forward(const Tensor& input, const LSTMState& initial) {
  ScopeGuard scope(name());
  const auto [T, B] =
      detail::check_sequence("LSTM", path(), input, input_size_, options_.batch_first);
  const auto L = static_cast<int64_t>(layers_.size());
  const int64_t H = hidden_size_;
  const bool given = initial.h.defined() || initial.c.defined();
  if (given) {
    detail::check_state("LSTM", path(), "h", initial.h, L, B, H, input);
    detail::check_state("LSTM", path(), "c", initial.c, L, B, H, input);
  }

  // Per layer: the prepared weights (once per sequence) and the running state (h, c) [B, H].
  std::vector<LSTMCell::Prepared> weights;
  std::vector<LSTMState> state;
  for (int64_t l = 0; l < L; ++l) {
    ScopeGuard layer_scope(layers_[l]->name());
    weights.push_back(layers_[l]->prepare());
    if (given) state.push_back({detail::layer_of(initial.h, l), detail::layer_of(initial.c, l)});
    else state.push_back({ag::zeros({B, H}), ag::zeros({B, H})});
  }

  // Unroll in time; at each step the layers run bottom to top, each feeding the next its h_t.
  std::vector<Tensor> outputs;  // the top layer's h_t, one [B, H] per step
  for (int64_t t = 0; t < T; ++t) {
    ScopeGuard step_scope(fmt::format("t={}", t));
    Tensor x = detail::time_step(input, t, options_.batch_first);  // [B, I]
    for (int64_t l = 0; l < L; ++l) {
      ScopeGuard layer_scope(layers_[l]->name());
      state[l] = layers_[l]->step(x, state[l], weights[l]);
      x = state[l].h;
    }
    outputs.push_back(x);
  }

  LSTMOutput out;
  out.output = T > 0 ? stack(outputs, options_.batch_first ? 1 : 0)
                     : ag::zeros(options_.batch_first ? Shape{B, 0, H} : Shape{0, B, H});
  std::vector<Tensor> hs, cs;
  for (const LSTMState& s : state) {
    hs.push_back(s.h);
    cs.push_back(s.c);
  }
  out.h = stack(hs, 0);  // [layers, B, H]
  out.c = stack(cs, 0);
  return out;
}

std::string LSTM::extra_repr() const {
  return fmt::format("input_size={}, hidden_size={}, num_layers={}, batch_first={}", input_size_,
                     hidden_size_, options_.num_layers, options_.batch_first);
}

}  // namespace ag::nn
