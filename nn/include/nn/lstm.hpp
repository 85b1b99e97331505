// lstm.hpp — the LSTM (Hochreiter & Schmidhuber 1997; the forget gate f below is Gers,
// Schmidhuber & Cummins 2000: the 1997 cell has none, c_t = c_{t-1} + i * g), written with
// nothing but engine ops.
//
// One step, with PyTorch's gate order (i, f, g, o) and equations:
//
//     gates = x_t W_ih^T + h_{t-1} W_hh^T + b_ih + b_hh        [B, 4H]
//     i = sigmoid(gates[:, 0H:1H])     input gate:  how much of the candidate to write
//     f = sigmoid(gates[:, 1H:2H])     forget gate: how much of the old cell to keep
//     g = tanh(gates[:, 2H:3H])        candidate cell values
//     o = sigmoid(gates[:, 3H:4H])     output gate: how much of the cell to show
//     c_t = f * c_{t-1} + i * g
//     h_t = o * tanh(c_t)
//
// In the code that is addmm (self + a @ b in one node, as in PyTorch's Linear), slice, sigmoid,
// tanh, mul and add (with bias = false, the first addmm is a matmul): the tape of an LSTM shows
// exactly these nodes, once per layer per time
// step, in scopes "lstm/t=3/layer0". The gradient is the engine's. Why it trains where a plain
// RNN does not: d c_t / d c_{t-1} = f, with no squashing in between, so while f stays near 1 the
// gradient crosses many steps intact.
//
// Shapes as in torch.nn.LSTM, so fixtures copy weights straight in:
//     W_ih [4H, I] (layer 0; later layers [4H, H]),  W_hh [4H, H],  b_ih [4H],  b_hh [4H]
//     input  [T, B, I] (time first, PyTorch's default), or [B, T, I] with batch_first = true
//     initial state h0, c0: [layers, B, H] each (zeros when not given)
//     output [T, B, H] (or [B, T, H]): the last layer's h_t at every step
//     h_n, c_n  [layers, B, H]: each layer's final state
// Every parameter starts uniform(-1/sqrt(H), 1/sqrt(H)), drawn in the order W_ih, W_hh, b_ih,
// b_hh, layer by layer, as PyTorch does.
//
// Options for experiments (each defaults to the standard LSTM above):
//   gate_activation  sigmoid | relu | hard_sigmoid (clamp(x/6 + 1/2, 0, 1), PyTorch's) |
//                    hard_sigmoid_keras (clamp(0.2 x + 1/2, 0, 1), Keras 2's), for i, f, o
//   cell_activation  tanh | relu, for the candidate g and for the output tanh(c_t)
//   forget_bias      added to the forget-gate part of b_ih after the uniform init. 0 keeps
//                    PyTorch's init; 1 is what Jozefowicz et al. (2015) recommend: the cell
//                    starts by remembering (f ~ sigmoid(1) = 0.73) instead of half-forgetting.
//
// The unroll in time and the stacking of layers are recurrent.hpp's, shared with the RNN: this
// file is the cell's equations.
//
// What this file leaves out: bidirectional layers, projections (proj_size), dropout between
// layers, peephole connections, packed sequences.
#pragma once

#include <array>

#include "nn/module.hpp"
#include "nn/recurrent.hpp"

namespace ag::nn {

enum class GateActivation { sigmoid, relu, hard_sigmoid, hard_sigmoid_keras };
enum class CellActivation { tanh, relu };

struct LSTMCellOptions {
  bool bias = true;
  GateActivation gate_activation = GateActivation::sigmoid;
  CellActivation cell_activation = CellActivation::tanh;
  double forget_bias = 0.0;
};

// The state carried from step to step: h and c, each [B, H] for a cell, [layers, B, H] for LSTM.
struct LSTMState {
  Tensor h;
  Tensor c;
};
// Its tensors, h first, for the unroll (recurrent.hpp).
inline std::array<StateTensor, 2> state_tensors(LSTMState& s) {
  return {{{"h", &s.h}, {"c", &s.c}}};
}

// What one step computed on its way to (h, c): the four gates before their activations, side by
// side in PyTorch's order, and after, each [B, H]. For looking inside a cell (how open the gates
// are, how many ReLU gates are shut): they are the very tensors the step used, on the tape.
struct LSTMGates {
  Tensor preactivation;  // x W_ih^T + h W_hh^T + b    [B, 4H]
  Tensor i, f, g, o;     // input, forget gate, candidate, output gate    [B, H] each
};
struct LSTMStep {
  LSTMState state;  // (h_t, c_t)
  LSTMGates gates;
};

class LSTMCell : public Module {
 public:
  using State = LSTMState;

  LSTMCell(int64_t input_size, int64_t hidden_size, Generator& gen, LSTMCellOptions options = {});

  // One step: x [B, I], state (h, c) [B, H] each -> the new (h, c). Without a state (empty
  // handles): zeros.
  LSTMState forward(const Tensor& x, const LSTMState& state = {});
  LSTMState operator()(const Tensor& x, const LSTMState& state = {}) { return forward(x, state); }

  // The parameters as one step uses them: W_ih^T [I, 4H], W_hh^T [H, 4H] and b = b_ih + b_hh
  // [4H], ops on the tape (recurrent.hpp). LSTM makes them once per sequence, not once per time
  // step, and passes them to step().
  RecurrentWeights prepare() const;
  // The step itself, in whatever scope the caller opened; checks the shapes.
  LSTMState step(const Tensor& x, const LSTMState& state, const RecurrentWeights& w) const;
  // The same step, handing back its gates too.
  LSTMStep step_with_gates(const Tensor& x, const LSTMState& state,
                           const RecurrentWeights& w) const;

  int64_t input_size() const { return input_size_; }
  int64_t hidden_size() const { return hidden_size_; }
  const LSTMCellOptions& options() const { return options_; }

  Tensor W_ih, W_hh, b_ih, b_hh;  // biases are empty handles without bias

 protected:
  std::string type_name() const override { return "LSTMCell"; }
  std::string extra_repr() const override;

 private:
  Tensor gate(const Tensor& x) const;    // the gate activation
  Tensor squash(const Tensor& x) const;  // the candidate / cell-output activation
  int64_t input_size_, hidden_size_;
  LSTMCellOptions options_;
};

struct LSTMOptions {
  int64_t num_layers = 1;
  bool batch_first = false;  // input and output [B, T, *] instead of [T, B, *]
  LSTMCellOptions cell{};    // bias, activations, forget_bias: the same for every layer
};

// The whole sequence is Recurrent's: lstm(input, {h0, c0}) returns {output, state}, PyTorch's
// (output, (h_n, c_n)), with h0, c0, h_n, c_n [layers, B, H]. (Compiled once, in recurrent.cpp.)
extern template class Recurrent<LSTMCell>;

class LSTM : public Recurrent<LSTMCell> {
 public:
  LSTM(int64_t input_size, int64_t hidden_size, Generator& gen, LSTMOptions options = {});

  const LSTMOptions& options() const { return options_; }

 protected:
  std::string type_name() const override { return "LSTM"; }
  std::string extra_repr() const override;

 private:
  LSTMOptions options_;
};

}  // namespace ag::nn
