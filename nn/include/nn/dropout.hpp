// dropout.hpp — Dropout (Srivastava et al. 2014): in training mode, zero each element with
// probability p and scale the survivors by 1 / (1 - p); in eval mode, pass the input through.
//
//     train:  y = x * mask,  mask_i = 0 with probability p, 1 / (1 - p) otherwise
//     eval:   y = x
//
// This is "inverted" dropout, as PyTorch's: the scaling happens while training, so E[y] = x and
// the model needs no change at test time. The mask is a constant (drawn from the generator, not
// an op), so the gradient is the engine's mul: d x = grad * mask; a dropped element gets none.
//
// Randomness comes, as everywhere in nn, from an explicit ag::Generator: the module keeps a
// reference to the one it was given (it must outlive the module), and draws one uniform number
// per element per forward pass in training mode, so a run is reproducible from its seed. It
// draws a mask in one call (Generator::fill_uniform, one lock): threads running one model, or
// models sharing one generator, at once each get a whole block of the generator's sequence, in
// an order the scheduler picks (random.hpp, "Threads").
//
// What this file leaves out: Dropout1d/2d (whole channels), AlphaDropout, in-place dropout.
#pragma once

#include "nn/module.hpp"

namespace ag::nn {

class Dropout : public UnaryModule {
 public:
  // p in [0, 1] (PyTorch's default is 0.5; here it is written out, before the generator, as
  // Linear(in, out, gen) puts its settings first).
  Dropout(double p, Generator& gen);

  Tensor forward(const Tensor& input) override;

  double p() const { return p_; }

 protected:
  std::string type_name() const override { return "Dropout"; }
  std::string extra_repr() const override;

 private:
  Generator* gen_;  // not owned
  double p_;
};

}  // namespace ag::nn
