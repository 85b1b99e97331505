// recurrent.cpp — the weights and the unroll RNN, LSTM and GRU share (see recurrent.hpp).
#include "nn/recurrent.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "nn/gru.hpp"
#include "nn/lstm.hpp"
#include "nn/rnn.hpp"

namespace ag::nn {

// ----- the weights as one step uses them ---------------------------------------------------------
RecurrentWeights RecurrentWeights::prepare(const Tensor& W_ih, const Tensor& W_hh,
                                           const Tensor& b_ih, const Tensor& b_hh) {
  RecurrentWeights w{transpose(W_ih), transpose(W_hh), Tensor()};
  if (b_ih.defined()) w.b = b_ih + b_hh;
  return w;
}

Tensor RecurrentWeights::preactivation(const Tensor& x, const Tensor& h) const {
  // One op per statement, so the tape records them in reading order (C++ leaves the order in
  // which the operands of `a + b` are computed to the compiler).
  Tensor pre = b.defined() ? addmm(b, x, W_ih_t) : matmul(x, W_ih_t);
  pre = addmm(pre, h, W_hh_t);
  return pre;
}

// ----- checks ------------------------------------------------------------------------------------
namespace {
std::string shape_or_undefined(const Tensor& t) {
  return t.defined() ? shape_str(t.shape()) : "undefined";
}
}  // namespace

namespace detail {

void check_sizes(const char* type, int64_t input_size, int64_t hidden_size) {
  if (input_size < 0 || hidden_size < 0) {
    throw ValueError(fmt::format("{}: negative size (input_size = {}, hidden_size = {})", type,
                                 input_size, hidden_size));
  }
}

void check_step_input(const char* type, const std::string& path, const Tensor& x,
                      int64_t input_size) {
  if (!x.defined() || x.dim() != 2 || x.size(1) != input_size) {
    throw ShapeError(fmt::format("{} '{}': input must be [batch, {}], got shape {}", type, path,
                                 input_size, shape_or_undefined(x)));
  }
}

void check_step_state(const char* type, const std::string& path, const char* what,
                      const Tensor& state, const Tensor& x, int64_t hidden_size) {
  const Shape expected{x.size(0), hidden_size};
  if (!state.defined() || state.shape() != expected) {
    throw ShapeError(fmt::format(
        "{} '{}': state {} has shape {}, expected {} (batch, hidden) for input shape {}", type,
        path, what, shape_or_undefined(state), shape_str(expected), shape_str(x.shape())));
  }
}

}  // namespace detail

// ----- a sequence, and its steps -----------------------------------------------------------------
// A sequence is [T, B, I] (time first, PyTorch's default) or [B, T, I] (batch_first). The unroll
// takes one step x_t [B, I] out at a time and puts the h_t back together, all as engine ops
// (slice, reshape, stack), so the gradient flows back into the input sequence too.
namespace {

struct SequenceShape {
  int64_t steps = 0;  // T
  int64_t batch = 0;  // B
};

// Checks that x is a sequence [T, B, I] / [B, T, I] of width input_size; returns T and B.
SequenceShape check_sequence(const std::string& type, const std::string& path, const Tensor& x,
                             int64_t input_size, bool batch_first) {
  const char* layout = batch_first ? "[batch, time, input]" : "[time, batch, input]";
  if (!x.defined() || x.dim() != 3) {
    throw ShapeError(fmt::format(
        "{} '{}': input must have rank 3, {}, got shape {}{}", type, path, layout,
        shape_or_undefined(x),
        x.defined() && x.dim() == 2 ? " (for one time step use the cell, or reshape to add an axis)"
                                    : ""));
  }
  if (x.size(2) != input_size) {
    throw ShapeError(fmt::format("{} '{}': input has width {}, expected {} (input shape {}, {})",
                                 type, path, x.size(2), input_size, shape_str(x.shape()), layout));
  }
  const SequenceShape shape = batch_first ? SequenceShape{x.size(1), x.size(0)}
                                          : SequenceShape{x.size(0), x.size(1)};
  if (shape.steps == 0) {
    // As PyTorch ("Expected sequence length to be larger than 0"): no step, no final state.
    throw ShapeError(fmt::format(
        "{} '{}': the sequence has length 0 (input shape {}, {}); it needs at least one step", type,
        path, shape_str(x.shape()), layout));
  }
  return shape;
}

// Checks one tensor of an initial state (`what`: "h", "c") is [layers, B, H].
void check_initial(const std::string& type, const std::string& path, const char* what,
                   const Tensor& state, int64_t layers, int64_t batch, int64_t hidden,
                   const Tensor& input) {
  const Shape expected{layers, batch, hidden};
  if (!state.defined() || state.shape() != expected) {
    throw ShapeError(fmt::format(
        "{} '{}': initial {} has shape {}, expected {} (layers, batch, hidden) for input shape {}",
        type, path, what, shape_or_undefined(state), shape_str(expected),
        shape_str(input.shape())));
  }
}

// x_t = x[t] (or x[:, t]): [B, I]
Tensor time_step(const Tensor& x, int64_t t, bool batch_first) {
  const int64_t axis = batch_first ? 1 : 0;
  return reshape(slice(x, axis, t, t + 1), {x.size(batch_first ? 0 : 1), x.size(2)});
}

// Layer l of a state tensor [layers, B, H]: [B, H]
Tensor layer_of(const Tensor& state, int64_t l) {
  return reshape(slice(state, 0, l, l + 1), {state.size(1), state.size(2)});
}

}  // namespace

// ----- the unroll --------------------------------------------------------------------------------
template <class Cell>
Recurrent<Cell>::Recurrent(std::string name, const char* type, int64_t input_size,
                           int64_t hidden_size, int64_t num_layers, bool batch_first,
                           const std::function<std::unique_ptr<Cell>(int64_t in)>& make_cell)
    : Module(std::move(name)),
      input_size_(input_size),
      hidden_size_(hidden_size),
      batch_first_(batch_first) {
  detail::check_sizes(type, input_size, hidden_size);
  if (hidden_size == 0) {
    throw ValueError(fmt::format(
        "{}: hidden_size must be at least 1, got 0 (as torch.nn.{} refuses; a cell allows 0)", type,
        type));
  }
  if (num_layers < 1) {
    throw ValueError(fmt::format("{}: num_layers must be at least 1, got {}", type, num_layers));
  }
  for (int64_t l = 0; l < num_layers; ++l) {
    // Layer 0 reads the input; every later layer reads the h_t of the layer below.
    layers_.push_back(make_cell(l == 0 ? input_size : hidden_size));
    register_module(fmt::format("layer{}", l), *layers_.back());
  }
}

template <class Cell>
typename Recurrent<Cell>::Output Recurrent<Cell>::forward(const Tensor& input,
                                                          const State& initial) {
  ScopeGuard scope(name());
  const std::string type = type_name();
  const auto [T, B] = check_sequence(type, path(), input, input_size_, batch_first_);
  const auto L = static_cast<int64_t>(layers_.size());
  const int64_t H = hidden_size_;
  State given = initial;  // (handles: a copy of each tensor's handle, not of its numbers)
  const auto given_tensors = state_tensors(given);
  const bool from_given = std::any_of(given_tensors.begin(), given_tensors.end(),
                                      [](const StateTensor& s) { return s.tensor->defined(); });
  if (from_given) {
    for (const auto& [what, tensor] : given_tensors) {
      check_initial(type, path(), what, *tensor, L, B, H, input);
    }
  }

  // Per layer: the prepared weights (once per sequence) and the running state, each tensor
  // [B, H]: layer l of the given state, or zeros.
  std::vector<decltype(layers_[0]->prepare())> weights;
  std::vector<State> state;
  for (int64_t l = 0; l < L; ++l) {
    ScopeGuard layer_scope(layers_[l]->name());
    weights.push_back(layers_[l]->prepare());
    State s = given;
    for (const auto& [what, tensor] : state_tensors(s)) {
      *tensor = from_given ? layer_of(*tensor, l) : ag::zeros({B, H});
    }
    state.push_back(std::move(s));
  }

  // Unroll in time; at each step the layers run bottom to top, each feeding the next its h_t.
  std::vector<Tensor> outputs;  // the top layer's h_t, one [B, H] per step
  for (int64_t t = 0; t < T; ++t) {
    ScopeGuard step_scope(fmt::format("t={}", t));
    Tensor x = time_step(input, t, batch_first_);  // [B, I]
    for (int64_t l = 0; l < L; ++l) {
      ScopeGuard layer_scope(layers_[l]->name());
      state[l] = layers_[l]->step(x, state[l], weights[l]);
      x = *state_tensors(state[l])[0].tensor;  // h_t
    }
    outputs.push_back(x);
  }

  Output out;
  out.output = stack(outputs, batch_first_ ? 1 : 0);  // T >= 1 steps: check_sequence saw to it
  // Each tensor of the final state, the layers stacked: [layers, B, H].
  const auto final_tensors = state_tensors(out.state);
  for (size_t k = 0; k < final_tensors.size(); ++k) {
    std::vector<Tensor> per_layer;
    for (State& s : state) per_layer.push_back(*state_tensors(s)[k].tensor);
    *final_tensors[k].tensor = stack(per_layer, 0);
  }
  return out;
}

// The cells the skeleton is compiled for; a new cell adds its line here.
template class Recurrent<RNNCell>;
template class Recurrent<LSTMCell>;
template class Recurrent<GRUCell>;

}  // namespace ag::nn
