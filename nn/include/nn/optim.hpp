// optim.hpp — optimizers: turn the gradients in `.grad()` into a step on the parameters.
//
// An optimizer is not differentiated through: it reads each parameter's gradient and changes the
// parameter's values in place (mutable_data(), nothing recorded on any tape). A training step is
//
//     opt.zero_grad();                  // gradients accumulate (+=), so clear last step's
//     { ag::Tape tape; Tensor loss = ...; loss.backward(); }
//     opt.step();
//
// The update rules are PyTorch's (torch.optim.SGD and Adam), element by element, so a fixture
// holds them equal to 1e-10. A parameter no gradient reached is left alone, as in PyTorch.
//
// What this file leaves out: parameter groups, learning-rate schedulers (change `options.lr`
// between steps), AdamW's decoupled weight decay, AMSGrad, RMSprop, optimizer state saving.
#pragma once

#include <autograd/autograd.hpp>

#include <vector>

namespace ag::nn {

class Optimizer {
 public:
  explicit Optimizer(std::vector<Tensor> parameters);
  virtual ~Optimizer() = default;
  // One update of every parameter from its current gradient.
  virtual void step() = 0;
  // Clear every parameter's gradient.
  void zero_grad();
  const std::vector<Tensor>& parameters() const { return params_; }

 protected:
  std::vector<Tensor> params_;
};

struct SGDOptions {
  double lr = 0.01;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;  // L2 penalty: adds weight_decay * p to the gradient
  bool nesterov = false;
};

// Stochastic gradient descent, as torch.optim.SGD. For each parameter p with gradient g:
//     g = g + weight_decay * p
//     v = g                                      on the first step (with momentum)
//     v = momentum * v + (1 - dampening) * g     afterwards
//     g = nesterov ? g + momentum * v : v        (when momentum != 0)
//     p = p - lr * g
// Momentum keeps a running velocity: steps along a consistent direction grow up to 1/(1 - m)
// times larger, while directions that flip sign average out.
class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> parameters, SGDOptions options = {});
  void step() override;
  SGDOptions options;

 private:
  std::vector<std::vector<double>> velocity_;  // per parameter; empty until its first step
};

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // L2 penalty added to the gradient (Adam, not AdamW)
};

// Adam (Kingma & Ba 2015), as torch.optim.Adam. For each parameter p with gradient g, at step t:
//     g = g + weight_decay * p
//     m = beta1 m + (1 - beta1) g          running mean of the gradient
//     v = beta2 v + (1 - beta2) g^2        running mean of its square
//     m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)    (m, v start at 0: unbias them)
//     p = p - lr * m_hat / (sqrt(v_hat) + eps)
// Each parameter gets its own step size: about lr where the gradient is steady, smaller where it
// is noisy, whatever the gradient's scale.
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> parameters, AdamOptions options = {});
  void step() override;
  AdamOptions options;

 private:
  std::vector<std::vector<double>> m_, v_;  // per parameter
  std::vector<int64_t> steps_;              // per parameter: how many updates it has had
};

// Rescales the gradients of all parameters together so that their joint 2-norm is at most
// max_norm, as torch.nn.utils.clip_grad_norm_:
//     total = sqrt(sum over every gradient element of g^2)
//     if total > max_norm:  g *= max_norm / (total + 1e-6)
// Returns the norm before clipping (worth logging: spikes show exploding gradients).
double clip_grad_norm(const std::vector<Tensor>& parameters, double max_norm);

}  // namespace ag::nn
