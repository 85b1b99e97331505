// activation.hpp — activation functions as modules, each one engine op or a few.
//
// A module here is only a name (its scope on the tape) around an engine op: its gradient is
// that op's backward rule, written once in autograd/. They exist so a Sequential can hold them
// and so the graph shows "mlp/1" around the relu node.
//
//   ReLU        relu(x) = max(x, 0)
//   LeakyReLU   x for x > 0, slope * x otherwise; for 0 <= slope <= 1 that is max(x, slope * x),
//               except for the gradient at x = 0 (maximum splits a tie: (1 + slope) / 2; this
//               module, like PyTorch, gives slope), so it is the engine's leaky_relu op
//   Sigmoid     1 / (1 + e^-x)
//   Tanh        tanh(x)
//   Hardsigmoid clamp(x / 6 + 1/2, 0, 1), PyTorch's relu6(x + 3) / 6: a sigmoid made of straight
//               lines, cheap and with gradient 1/6 or 0 (0 at x = +-3 itself, as PyTorch)
//
// LeakyReLU's default slope is PyTorch's 0.01. Keras's LeakyReLU defaults to alpha = 0.3, so a
// model ported from Keras must pass 0.3 explicitly.
//
// What this file leaves out: the many other activations (GELU, ELU, Softplus...), which any
// learner can add the same way, from engine ops.
#pragma once

#include "nn/module.hpp"

namespace ag::nn {

// hard_sigmoid(x) = clamp(x / 6 + 1/2, 0, 1), as PyTorch's F.hardsigmoid. Three engine ops
// (div, add and hardtanh, clamp's twin with exclusive bounds): the gradient is 1/6 inside
// (-3, 3) and 0 outside and at -3 and 3 themselves.
Tensor hard_sigmoid(const Tensor& x);

class ReLU : public UnaryModule {
 public:
  ReLU() : UnaryModule("relu") {}
  Tensor forward(const Tensor& input) override;

 protected:
  std::string type_name() const override { return "ReLU"; }
};

class LeakyReLU : public UnaryModule {
 public:
  // Throws ValueError for a NaN or infinite slope (PyTorch takes them: every negative input then
  // gives NaN or -inf, and 0 gives NaN).
  explicit LeakyReLU(double negative_slope = 0.01);
  Tensor forward(const Tensor& input) override;
  double negative_slope() const { return slope_; }

 protected:
  std::string type_name() const override { return "LeakyReLU"; }
  std::string extra_repr() const override;

 private:
  double slope_;
};

class Sigmoid : public UnaryModule {
 public:
  Sigmoid() : UnaryModule("sigmoid") {}
  Tensor forward(const Tensor& input) override;

 protected:
  std::string type_name() const override { return "Sigmoid"; }
};

class Tanh : public UnaryModule {
 public:
  Tanh() : UnaryModule("tanh") {}
  Tensor forward(const Tensor& input) override;

 protected:
  std::string type_name() const override { return "Tanh"; }
};

class Hardsigmoid : public UnaryModule {
 public:
  Hardsigmoid() : UnaryModule("hardsigmoid") {}
  Tensor forward(const Tensor& input) override;

 protected:
  std::string type_name() const override { return "Hardsigmoid"; }
};

}  // namespace ag::nn
