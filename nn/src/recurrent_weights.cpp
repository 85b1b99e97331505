// recurrent_weights.cpp — the weights RNNCell and LSTMCell share (see recurrent_weights.hpp).
#include "nn/recurrent_weights.hpp"

namespace ag::nn {

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

}  // namespace ag::nn
