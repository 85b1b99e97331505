// linear.hpp — Linear: y = x W^T + b, the fully connected layer.
//
// Shapes as in PyTorch, so weights copy straight in and out of torch.nn.Linear:
//     weight W  [out_features, in_features]
//     bias   b  [out_features]
//     input  x  [..., in_features]   (any number of leading axes, including none)
//     output y  [..., out_features]
// Forward is three engine ops — transpose(W), matmul, add (b broadcasts over the rows) — so the
// gradients are the engine's:  d x = grad @ W,  d W = grad^T @ x,  d b = grad summed over rows.
//
// Initialised like PyTorch: W and b uniform(-1/sqrt(in), 1/sqrt(in)), W first, from `gen`.
//
// What this file leaves out: bilinear and lazy layers.
#pragma once

#include "nn/module.hpp"

namespace ag::nn {

class Linear : public UnaryModule {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias, Generator& gen);
  Linear(int64_t in_features, int64_t out_features, Generator& gen)
      : Linear(in_features, out_features, true, gen) {}

  Tensor forward(const Tensor& input) override;

  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }

  Tensor weight;  // [out, in]
  Tensor bias;    // [out], or an empty handle when made without bias

 protected:
  std::string type_name() const override { return "Linear"; }
  std::string extra_repr() const override;

 private:
  int64_t in_, out_;
};

}  // namespace ag::nn
