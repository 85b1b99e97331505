// rnn.hpp — the Elman recurrent network: RNNCell (one step) and RNN (a sequence, stacked layers).
//
//     h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),   act = tanh (default) or relu
//
// Shapes as in torch.nn.RNN, so fixtures copy weights straight in:
//     W_ih [H, I] (layer 0; later layers [H, H]),  W_hh [H, H],  b_ih [H],  b_hh [H]
//     input  [T, B, I], or [B, T, I] with batch_first
//     h0     [layers, B, H] (zeros when not given)
//     output [T, B, H] (or [B, T, H]): h_t of the last layer at every step
//     h      [layers, B, H]: each layer's final h_T
// Every parameter starts uniform(-1/sqrt(H), 1/sqrt(H)), as in PyTorch.
//
// Nothing here is a new op: the same addmm/tanh nodes repeat once per time step, in scopes
// "rnn/t=0/layer0", "rnn/t=1/layer0", ... Backward through them is backpropagation through time,
// done by the engine's one reverse loop over the unrolled graph.
//
// What this file leaves out: bidirectional layers, dropout between layers, packed sequences.
#pragma once

#include <memory>
#include <vector>

#include "nn/module.hpp"
#include "nn/recurrent_weights.hpp"

namespace ag::nn {

enum class Nonlinearity { tanh, relu };

class RNNCell : public Module {
 public:
  RNNCell(int64_t input_size, int64_t hidden_size, Generator& gen,
          Nonlinearity nonlinearity = Nonlinearity::tanh, bool bias = true);

  // One step: x [B, I], h [B, H] -> h' [B, H]. Without h, h = 0.
  Tensor forward(const Tensor& x, const Tensor& h);
  Tensor forward(const Tensor& x) override;

  // The parameters as one step uses them: W_ih^T [I, H], W_hh^T [H, H] and b = b_ih + b_hh [H],
  // ops on the tape (recurrent_weights.hpp). RNN makes them once per sequence, not once per
  // step, and passes them to step().
  using Prepared = RecurrentWeights;
  Prepared prepare() const;
  // The step itself, in whatever scope the caller opened; checks the shapes.
  Tensor step(const Tensor& x, const Tensor& h, const Prepared& w) const;

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

struct RNNOutput {
  Tensor output;  // [T, B, H] (or [B, T, H] with batch_first): the last layer's h_t, every t
  Tensor h;       // [layers, B, H]: the final h of each layer
};

class RNN : public Module {
 public:
  RNN(int64_t input_size, int64_t hidden_size, Generator& gen, RNNOptions options = {});

  // The whole sequence; h0 [layers, B, H] may be left out (an empty handle): zeros.
  // (This hides Module::forward: an RNN returns two tensors, so it cannot sit in a Sequential.)
  RNNOutput forward(const Tensor& input, const Tensor& h0 = Tensor());

  const RNNOptions& options() const { return options_; }
  // Layer l's cell, named "layer<l>" (parameters "rnn.layer0.W_ih", ...).
  RNNCell& layer(int64_t l) const { return *layers_.at(static_cast<size_t>(l)); }

 protected:
  std::string type_name() const override { return "RNN"; }
  std::string extra_repr() const override;

 private:
  int64_t input_size_, hidden_size_;
  RNNOptions options_;
  std::vector<std::unique_ptr<RNNCell>> layers_;
};

}  // namespace ag::nn
