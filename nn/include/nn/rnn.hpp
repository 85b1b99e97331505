// rnn.hpp — the Elman recurrent network: RNNCell (one step) and RNN (a sequence, stacked layers).
//
//     h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),   act = tanh (default) or relu
//
// Shapes as in torch.nn.RNN, so fixtures copy weights straight in:
//     W_ih [H, I] (layer 0; later layers [H, H]),  W_hh [H, H],  b_ih [H],  b_hh [H]
//     input  [T, B, I], or [B, T, I] with batch_first
//     h0     [layers, B, H] (zeros when not given)
//     output [T, B, H] (or [B, T, H]): h_t of the last layer at every step
//     h_n    [layers, B, H]: each layer's final h
// Every parameter starts uniform(-1/sqrt(H), 1/sqrt(H)), as in PyTorch.
//
// The unroll in time and the stacking of layers are recurrent.hpp's, shared with the LSTM: this
// file is the cell's equation.
//
// What this file leaves out: bidirectional layers, dropout between layers, packed sequences.
#pragma once

#include "nn/module.hpp"
#include "nn/recurrent.hpp"

namespace ag::nn {

enum class Nonlinearity { tanh, relu };

class RNNCell : public Module {
 public:
  using State = Tensor;  // h [B, H]

  RNNCell(int64_t input_size, int64_t hidden_size, Generator& gen,
          Nonlinearity nonlinearity = Nonlinearity::tanh, bool bias = true);

  // One step: x [B, I], h [B, H] -> h' [B, H]. Without h (an empty handle), h = 0.
  Tensor forward(const Tensor& x, const Tensor& h = {});
  Tensor operator()(const Tensor& x, const Tensor& h = {}) { return forward(x, h); }

  // The parameters as one step uses them: W_ih^T [I, H], W_hh^T [H, H] and b = b_ih + b_hh [H],
  // ops on the tape (recurrent.hpp). RNN makes them once per sequence, not once per step, and
  // passes them to step().
  RecurrentWeights prepare() const;
  // The step itself, in whatever scope the caller opened; checks the shapes.
  Tensor step(const Tensor& x, const Tensor& h, const RecurrentWeights& w) const;

  int64_t input_size() const { return input_size_; }
  int64_t hidden_size() const { return hidden_size_; }

  Tensor W_ih, W_hh, b_ih, b_hh;  // biases are empty handles without bias

 protected:
  std::string type_name() const override { return "RNNCell"; }
  std::string extra_repr() const override;

 private:
  int64_t input_size_, hidden_size_;
  Nonlinearity nonlinearity_;
};

struct RNNOptions {
  int64_t num_layers = 1;
  Nonlinearity nonlinearity = Nonlinearity::tanh;
  bool bias = true;
  bool batch_first = false;  // input [B, T, I] instead of [T, B, I]
};

// The whole sequence is Recurrent's: rnn(input, h0) returns {output, state}, PyTorch's
// (output, h_n), with h0 and h_n [layers, B, H]. (Compiled once, in recurrent.cpp.)
extern template class Recurrent<RNNCell>;

class RNN : public Recurrent<RNNCell> {
 public:
  RNN(int64_t input_size, int64_t hidden_size, Generator& gen, RNNOptions options = {});

  const RNNOptions& options() const { return options_; }

 protected:
  std::string type_name() const override { return "RNN"; }
  std::string extra_repr() const override;

 private:
  RNNOptions options_;
};

}  // namespace ag::nn
