// gru.hpp — the gated recurrent unit (Cho et al. 2014), written with nothing but engine ops.
//
// One step, with PyTorch's gate order (r, z, n) and equations (torch.nn.GRU):
//
//     gi = x_t W_ih^T + b_ih,   gh = h_{t-1} W_hh^T + b_hh             [B, 3H] each
//     r = sigmoid(gi_r + gh_r)          reset gate:  how much of h to show the candidate
//     z = sigmoid(gi_z + gh_z)          update gate: how much of the old h to keep
//     n = tanh(gi_n + r * gh_n)         candidate, i.e. tanh(W_in x + b_in + r * (W_hn h + b_hn))
//     h_t = (1 - z) * n + z * h_{t-1}
//
// Unlike the RNN and the LSTM, the two biases do not merge: b_hn sits inside r * (...), so the
// weights a step uses are their own type (GRUWeights), not RecurrentWeights. Why it trains where a
// plain RNN does not: d h_t / d h_{t-1} contains z, with no squashing, so while z stays near 1
// the gradient crosses many steps intact (Chung et al. 2014 compare it with the LSTM).
//
// Shapes as in torch.nn.GRU, so fixtures copy weights straight in:
//     W_ih [3H, I] (layer 0; later layers [3H, H]),  W_hh [3H, H],  b_ih [3H],  b_hh [3H]
//     input [T, B, I] (or [B, T, I] with batch_first), h0 [layers, B, H] (zeros when not given)
//     output [T, B, H] (or [B, T, H]), h_n [layers, B, H]
// Every parameter starts uniform(-1/sqrt(H), 1/sqrt(H)), drawn in the order W_ih, W_hh, b_ih,
// b_hh, layer by layer, as PyTorch does.
//
// The unroll in time and the stacking of layers are recurrent.hpp's: this file is the cell's
// equations.
//
// What this file leaves out: bidirectional layers, dropout between layers, packed sequences.
#pragma once

#include "nn/module.hpp"
#include "nn/recurrent.hpp"

namespace ag::nn {

// A GRU cell's weights as one step uses them, made once per sequence (ops on the tape):
//     W_ih^T [I, 3H], W_hh^T [H, 3H], and the two biases [3H] kept apart (empty without bias).
struct GRUWeights {
  Tensor W_ih_t, W_hh_t, b_ih, b_hh;
};

class GRUCell : public Module {
 public:
  using State = Tensor;  // h [B, H]

  GRUCell(int64_t input_size, int64_t hidden_size, Generator& gen, bool bias = true);

  // One step: x [B, I], h [B, H] -> h' [B, H]. Without h (an empty handle), h = 0.
  Tensor forward(const Tensor& x, const Tensor& h = {});
  Tensor operator()(const Tensor& x, const Tensor& h = {}) { return forward(x, h); }

  // The weights as one step uses them (above); GRU makes them once per sequence.
  GRUWeights prepare() const;
  // The step itself, in whatever scope the caller opened; checks the shapes.
  Tensor step(const Tensor& x, const Tensor& h, const GRUWeights& w) const;

  int64_t input_size() const { return input_size_; }
  int64_t hidden_size() const { return hidden_size_; }

  Tensor W_ih, W_hh, b_ih, b_hh;  // biases are empty handles without bias

 protected:
  std::string type_name() const override { return "GRUCell"; }
  std::string extra_repr() const override;

 private:
  int64_t input_size_, hidden_size_;
};

struct GRUOptions {
  int64_t num_layers = 1;
  bool bias = true;
  bool batch_first = false;  // input and output [B, T, *] instead of [T, B, *]
};

// The whole sequence is Recurrent's: gru(input, h0) returns {output, state}, PyTorch's
// (output, h_n), with h0 and h_n [layers, B, H]. (Compiled once, in recurrent.cpp.)
extern template class Recurrent<GRUCell>;

class GRU : public Recurrent<GRUCell> {
 public:
  GRU(int64_t input_size, int64_t hidden_size, Generator& gen, GRUOptions options = {});

  const GRUOptions& options() const { return options_; }

 protected:
  std::string type_name() const override { return "GRU"; }
  std::string extra_repr() const override;

 private:
  GRUOptions options_;
};

}  // namespace ag::nn
