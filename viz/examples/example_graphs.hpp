// example_graphs.hpp — small networks built from engine ops, to draw their gradients.
//
// The gallery (docs/img/), the folded-view benchmark and the viz tests all draw these. They are
// made of plain autograd ops inside ag::ScopeGuards, not of nn/ modules, so that the pictures
// depend on the engine alone, and so that every op the picture shows is visible here:
//
//   micrograd_neuron  o = tanh(x1 w1 + x2 w2 + b)            micrograd's lecture, as scalars
//   mlp               a_{k+1} = act(a_k W_k + b_k)           deep sigmoid / tanh / relu stacks
//   tanh_rnn          h_t = tanh(x_t W_x + h_{t-1} W_h + b)  an unrolled vanilla RNN
//   lstm              gates i, f, g, o; cell c; hidden h     the LSTM cell, unrolled over time
//
// Each records onto the current tape (the caller keeps an ag::Tape alive) and returns the loss.
// Intermediate results are named one per line because C++ leaves the evaluation order of the
// operands of `a * b + c * d` unspecified: written in one expression, a different compiler could
// record the two products in the other order, and the tape indices (the node names in the DOT
// golden files) would change.
// What this file leaves out: training. One forward pass is all a gradient picture needs.
#pragma once

#include <autograd/autograd.hpp>
#include <fmt/format.h>

#include <cmath>
#include <string>

namespace ag::viz::examples {

// Karpathy's neuron: x1 = 2, x2 = 0, w1 = -3, w2 = 1, b = 6.8813735870195432, o = tanh(n).
// (b is chosen so that o = 0.7071: d o / d n = 1 - o^2 = 0.5.)
inline Tensor micrograd_neuron() {
  Tensor x1 = scalar(2.0, true).set_name("x1");
  Tensor x2 = scalar(0.0, true).set_name("x2");
  Tensor w1 = scalar(-3.0, true).set_name("w1");
  Tensor w2 = scalar(1.0, true).set_name("w2");
  Tensor b = scalar(6.8813735870195432, true).set_name("b");
  Tensor x1w1 = x1 * w1;
  Tensor x2w2 = x2 * w2;
  Tensor n = x1w1 + x2w2 + b;
  return n.tanh();
}

enum class Activation { sigmoid, tanh, relu };

inline Tensor activate(const Tensor& z, Activation act) {
  switch (act) {
    case Activation::sigmoid: return sigmoid(z);
    case Activation::tanh: return tanh(z);
    case Activation::relu: return relu(z);
  }
  return z;
}

// `layers` layers of `width` units on a batch of `batch` inputs; loss = mean of the last layer's
// output. Weights are normal(0, 1/sqrt(fan_in)): with sigmoid, each layer multiplies the
// gradient by at most 1/4 (the top of σ'), so it fades layer by layer.
inline Tensor mlp(int layers, int width, Activation act, uint64_t seed = 1, int batch = 4) {
  Generator gen(seed);
  Tensor a = normal({batch, width}, 0.0, 1.0, gen);  // the input: a constant
  {
    ScopeGuard mlp_scope("mlp");
    for (int k = 0; k < layers; ++k) {
      ScopeGuard layer(fmt::format("layer{}", k));
      Tensor w = normal({width, width}, 0.0, 1.0 / std::sqrt(width), gen, true)
                     .set_name(fmt::format("mlp.layer{}.W", k));
      Tensor b = zeros({width}, true).set_name(fmt::format("mlp.layer{}.b", k));
      a = activate(matmul(a, w) + b, act);  // [batch, width]
    }
  }
  return mean(a);
}

// A vanilla RNN, h_t = tanh(x_t W_x + h_{t-1} W_h + b), over `steps` steps; loss = sum(h_T).
// W_h is normal(0, w_scale / sqrt(hidden)): below 1 the gradient to early steps shrinks
// geometrically (vanishing), well above 1 it grows until tanh saturates.
inline Tensor tanh_rnn(int steps, int hidden, double w_scale = 0.5, uint64_t seed = 2,
                       int input = 4) {
  Generator gen(seed);
  Tensor wx = normal({input, hidden}, 0.0, 1.0 / std::sqrt(input), gen, true).set_name("rnn.W_x");
  Tensor wh =
      normal({hidden, hidden}, 0.0, w_scale / std::sqrt(hidden), gen, true).set_name("rnn.W_h");
  Tensor b = zeros({1, hidden}, true).set_name("rnn.b");
  Tensor h = zeros({1, hidden});
  {
    ScopeGuard rnn("rnn");
    for (int t = 0; t < steps; ++t) {
      ScopeGuard step(fmt::format("t={}", t));
      Tensor x = normal({1, input}, 0.0, 1.0, gen);
      Tensor from_input = matmul(x, wx);  // [1, hidden]
      Tensor from_past = matmul(h, wh);   // [1, hidden]
      h = tanh(from_input + from_past + b);
    }
  }
  return sum(h);
}

// The LSTM cell unrolled over `steps` steps, each step in scope "lstm/t=<step>":
//   gates = x_t W_ih + h_{t-1} W_hh + b               [1, 4H]
//   i, f, g, o = σ(gates[0:H]), σ(gates[H:2H]), tanh(gates[2H:3H]), σ(gates[3H:4H])
//   c_t = f * c_{t-1} + i * g                          the cell state: its gradient crosses a
//   h_t = o * tanh(c_t)                                step multiplied by f only
// Loss = sum(h_T). Weights are uniform(-1/sqrt(H), 1/sqrt(H)) as in PyTorch; `forget_bias` is
// added to the forget gate's bias (1 is the usual trick to keep the cell path open).
inline Tensor lstm(int steps, int hidden, int input = 4, double forget_bias = 1.0,
                   uint64_t seed = 3) {
  Generator gen(seed);
  const double k = 1.0 / std::sqrt(hidden);
  const int64_t H = hidden;
  Tensor w_ih = uniform({input, 4 * H}, -k, k, gen, true).set_name("lstm.W_ih");
  Tensor w_hh = uniform({H, 4 * H}, -k, k, gen, true).set_name("lstm.W_hh");
  Tensor b = uniform({1, 4 * H}, -k, k, gen, true).set_name("lstm.b");
  for (int64_t j = H; j < 2 * H; ++j) b.mutable_data()[j] += forget_bias;
  Tensor h = zeros({1, H}), c = zeros({1, H});
  {
    ScopeGuard lstm_scope("lstm");
    for (int t = 0; t < steps; ++t) {
      ScopeGuard step(fmt::format("t={}", t));
      Tensor x = normal({1, input}, 0.0, 1.0, gen);
      Tensor from_input = matmul(x, w_ih);  // [1, 4H]
      Tensor from_past = matmul(h, w_hh);   // [1, 4H]
      Tensor gates = from_input + from_past + b;
      Tensor i = sigmoid(slice(gates, 1, 0, H));
      Tensor f = sigmoid(slice(gates, 1, H, 2 * H));
      Tensor g = tanh(slice(gates, 1, 2 * H, 3 * H));
      Tensor o = sigmoid(slice(gates, 1, 3 * H, 4 * H));
      Tensor kept = f * c;     // [1, H]: what the forget gate lets through
      Tensor written = i * g;  // [1, H]: what the input gate adds
      c = kept + written;
      h = o * tanh(c);  // [1, H]
    }
  }
  return sum(h);
}

}  // namespace ag::viz::examples
