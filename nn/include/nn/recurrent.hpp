// recurrent.hpp — what every recurrent layer shares: a cell's weights as one step uses them
// (RecurrentWeights), and the unroll of a stack of cells over a sequence (Recurrent<Cell>).
//
// RNN, LSTM and GRU are one skeleton, each with its own cell, and a cell is only its equations.
// For an input [T, B, I] and a stack of L cells (scopes as in an LSTM named "lstm"):
//
//     for l = 0 .. L-1:  weights[l] = cell_l.prepare()      once per sequence, "lstm/layer<l>"
//     for t = 0 .. T-1:                                      "lstm/t=<t>"
//       x = input[t]                                         [B, I]
//       for l = 0 .. L-1:                                    "lstm/t=<t>/layer<l>"
//         state[l] = cell_l.step(x, state[l], weights[l])    h (and c), each [B, H]
//         x = state[l].h                                     the layer above reads this h_t
//       output[t] = x                                        the top layer's h_t
//
// Nothing here is a new op: a cell's nodes repeat once per layer per time step, and backward
// through them is backpropagation through time, done by the engine's one reverse loop over the
// unrolled graph.
//
// What a cell (RNNCell, LSTMCell, GRUCell) gives the skeleton:
//   Cell::State        what it carries from step to step: h alone (a Tensor), or a struct of
//                      tensors (LSTMState: h and c) that state_tensors() lists, h first
//   prepare()          its weights as a step uses them (RecurrentWeights), once per sequence
//   step(x, state, w)  one step's equations, run in the scope the skeleton opened
// and a layer (RNN, LSTM) derives from Recurrent<Cell>, passing how to make one layer's cell.
// The third cell, GRUCell (gru.hpp), is its equations, a State (a Tensor), a prepare() with its
// own weights type (PyTorch's GRU keeps b_hh apart, inside r * (h W_hn^T + b_hn)), a class GRU
// deriving from Recurrent<GRUCell>, and one line in recurrent.cpp that compiles the skeleton.
//
// What this file leaves out: bidirectional layers, dropout between layers, packed sequences.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/module.hpp"

namespace ag::nn {

// ---------------------------------------------------------------------------------------------
// RecurrentWeights: a cell's weights as one step uses them.
//
// RNNCell and LSTMCell compute, per step, the pre-activation  b + x W_ih^T + h W_hh^T  ([B, G],
// with G = H for the RNN and 4H, all four gates, for the LSTM) and differ only in what follows.
// So the weights are prepared once per sequence, as ops on the tape:
//     W_ih^T [I, G], W_hh^T [H, G]   (laid out for x @ W)
//     b = b_ih + b_hh [G]            (PyTorch keeps two biases, for cuDNN compatibility, but they
//                                     only ever appear as a sum)
// and their backward sends the gradient back into W_ih, b_ih, ...
struct RecurrentWeights {
  Tensor W_ih_t, W_hh_t, b;  // b is an empty handle without bias

  // Transposes the weights and sums the biases (b_ih, b_hh may be empty handles: no bias).
  static RecurrentWeights prepare(const Tensor& W_ih, const Tensor& W_hh, const Tensor& b_ih,
                                  const Tensor& b_hh);

  // b + x W_ih^T + h W_hh^T as two addmm nodes (addmm(self, a, b) = self + a @ b, as in
  // PyTorch's Linear), recorded in reading order; the bias broadcasts over the batch. (Without
  // biases, bias = false: x W_ih^T is a matmul node, then one addmm.)
  //   [G] + [B, I]@[I, G], then + [B, H]@[H, G]  ->  [B, G]
  Tensor preactivation(const Tensor& x, const Tensor& h) const;
};

// ---------------------------------------------------------------------------------------------
// A state's tensors, by name, h first: how the skeleton checks, slices, fills with zeros and
// stacks a state whatever it holds. A state that is h alone lists just h; LSTMState lists h and
// c (lstm.hpp).
struct StateTensor {
  const char* name;
  Tensor* tensor;
};
inline std::array<StateTensor, 1> state_tensors(Tensor& h) { return {{{"h", &h}}}; }

namespace detail {
// What the cells and the layers check alike; each throws an error naming `type` ("LSTMCell")
// and the module's path.
void check_sizes(const char* type, int64_t input_size, int64_t hidden_size);
// One step's input x [B, input_size], and one tensor of its state (`what`: "h", "c"), [B, hidden].
void check_step_input(const char* type, const std::string& path, const Tensor& x,
                      int64_t input_size);
void check_step_state(const char* type, const std::string& path, const char* what,
                      const Tensor& state, const Tensor& x, int64_t hidden_size);
// The batch of a step's input x [B, I] (0 when x is not [B, I]: the step's check says why).
inline int64_t batch_of(const Tensor& x) { return x.defined() && x.dim() == 2 ? x.size(0) : 0; }
}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Recurrent<Cell>: a stack of cells unrolled over a sequence, as torch.nn.RNN and torch.nn.LSTM.
//
// Shapes as in PyTorch:
//     input  [T, B, I] (time first, PyTorch's default), or [B, T, I] with batch_first; T >= 1
//     initial state: each of its tensors [layers, B, H] (zeros when not given)
//     output [T, B, H] (or [B, T, H]): the top layer's h_t at every step
//     final state: each of its tensors [layers, B, H], each layer's last (PyTorch's h_n, c_n)
template <class Cell>
class Recurrent : public Module {
 public:
  using State = typename Cell::State;

  // What forward returns: PyTorch's (output, h_n) for an RNN, (output, (h_n, c_n)) for an LSTM.
  struct Output {
    Tensor output;  // [T, B, H] (or [B, T, H])
    State state;    // each tensor [layers, B, H]
  };

  // The whole sequence, from `initial` or, when it is left out (empty handles), from zeros.
  // Checks the shapes, and names the layer and the shapes when they are wrong; a sequence of
  // length 0 throws, as in PyTorch (there would be no last step to give the final state).
  Output forward(const Tensor& input, const State& initial = {});
  Output operator()(const Tensor& input, const State& initial = {}) {
    return forward(input, initial);
  }

  int64_t input_size() const { return input_size_; }
  int64_t hidden_size() const { return hidden_size_; }
  // Layer l's cell, named "layer<l>" (parameters "lstm.layer0.W_ih", ...).
  Cell& layer(int64_t l) const { return *layers_.at(static_cast<size_t>(l)); }

 protected:
  // Makes num_layers cells, make_cell(in) each, registered as "layer0", "layer1", ...: layer 0
  // reads the input (in = input_size), every later layer the h_t of the one below (in =
  // hidden_size). `type` ("LSTM") names the layer in the errors of this constructor, which
  // refuses hidden_size 0 as torch.nn.RNN, LSTM and GRU do (their cells allow it, and so do
  // ours).
  Recurrent(std::string name, const char* type, int64_t input_size, int64_t hidden_size,
            int64_t num_layers, bool batch_first,
            const std::function<std::unique_ptr<Cell>(int64_t in)>& make_cell);

 private:
  int64_t input_size_, hidden_size_;
  bool batch_first_;
  std::vector<std::unique_ptr<Cell>> layers_;
};

}  // namespace ag::nn
