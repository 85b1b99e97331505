// recurrent_weights.hpp — a recurrent cell's weights as one step uses them (RNNCell, LSTMCell).
//
// Both cells compute, per step, the pre-activation  b + x W_ih^T + h W_hh^T  ([B, G], with G = H
// for the RNN and 4H, all four gates, for the LSTM) and differ only in what follows. So the
// weights are prepared once per sequence, as ops on the tape:
//     W_ih^T [I, G], W_hh^T [H, G]   (laid out for x @ W)
//     b = b_ih + b_hh [G]            (PyTorch keeps two biases, for cuDNN compatibility, but they
//                                     only ever appear as a sum)
// and their backward sends the gradient back into W_ih, b_ih, ...
#pragma once

#include <autograd/autograd.hpp>

namespace ag::nn {

struct RecurrentWeights {
  Tensor W_ih_t, W_hh_t, b;  // b is an empty handle without bias

  // Transposes the weights and sums the biases (b_ih, b_hh may be empty handles: no bias).
  static RecurrentWeights prepare(const Tensor& W_ih, const Tensor& W_hh, const Tensor& b_ih,
                                  const Tensor& b_hh);

  // b + x W_ih^T + h W_hh^T as two addmm nodes (addmm(self, a, b) = self + a @ b, as in
  // PyTorch's Linear), recorded in reading order; the bias broadcasts over the batch.
  //   [G] + [B, I]@[I, G], then + [B, H]@[H, G]  ->  [B, G]
  Tensor preactivation(const Tensor& x, const Tensor& h) const;
};

}  // namespace ag::nn
