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
// holds them equal to 1e-10. A parameter no gradient reached in this step is left alone: no
// momentum, no weight decay, no Adam moment moves it. zero_grad() clears each gradient (has_grad()
// false), as PyTorch's zero_grad(set_to_none=True) sets it to None, the default since PyTorch 2.0.
// torch 1.13's default, set_to_none=False, fills it with zeros instead, and then a parameter
// reached in an earlier step but not in this one keeps moving: its momentum and Adam's moments
// still step it, and weight decay still shrinks it.
//
// An optimizer's state (its options and what it remembers between steps) can be read and loaded
// back, as PyTorch's state_dict() / load_state_dict(): save_checkpoint (serialize.hpp) writes it
// beside the parameters, so that training resumes exactly where it stopped.
//
// Options are checked where they can change: by the constructor, by load_state, and at every
// step() (`options` is public, and a schedule changes options.lr between steps), so a bad value
// throws ValueError naming the option and its value instead of training wrong: NaN, and
// infinity too (which torch.optim accepts, and which makes the first step inf or NaN).
//
// What this file leaves out: parameter groups, learning-rate schedulers (change `options.lr`
// between steps), AdamW's decoupled weight decay, AMSGrad, RMSprop.
#pragma once

#include <autograd/autograd.hpp>

#include <map>
#include <string>
#include <vector>

namespace ag::nn {

// What an optimizer remembers about one parameter between steps.
struct ParameterState {
  std::string name;  // the parameter's Tensor::name(), so that a state loads into the same one
  int64_t step = 0;  // Adam: how many updates the parameter has had (SGD: always 0)
  // Running buffers by PyTorch's names, one number per element of the parameter: SGD's
  // "momentum_buffer"; Adam's "exp_avg" (m) and "exp_avg_sq" (v). None before the first step.
  std::map<std::string, std::vector<double>> buffers;
};

// An optimizer's whole state, as PyTorch's optimizer.state_dict().
struct OptimizerState {
  std::string type;                        // "SGD" or "Adam": a state loads into its own kind only
  std::map<std::string, double> options;   // by the options' field names; a bool is 0 or 1
  std::vector<ParameterState> parameters;  // in the order the optimizer was given them, once each
};

class Optimizer {
 public:
  // A tensor given twice (SGD({p, p}), or two modules' parameters() that share one) is kept
  // once, at its first place: each step moves it once. (PyTorch keeps both, so p moves twice,
  // and warns that this will become an error.) An empty list throws, as in PyTorch: it is
  // usually a module that does not register its parameters.
  explicit Optimizer(std::vector<Tensor> parameters);
  virtual ~Optimizer() = default;
  // One update of every parameter from its current gradient.
  virtual void step() = 0;
  // Clear every parameter's gradient (has_grad() false): PyTorch's zero_grad(set_to_none=True),
  // not torch 1.13's default, which fills it with zeros (see the top of this file).
  void zero_grad();
  const std::vector<Tensor>& parameters() const { return params_; }

  // The options and per-parameter buffers, and back. load_state restores the options too (as
  // PyTorch's load_state_dict restores lr); it throws ValueError and changes nothing if the state
  // is not this optimizer's: another type, other options, other parameter names or sizes.
  virtual OptimizerState state() const = 0;
  virtual void load_state(const OptimizerState& state) = 0;

 protected:
  // Checks all of `state` but the option values: the type and the option names of this
  // optimizer's own state(), one entry per parameter with that parameter's name, and for each
  // entry either no buffers or every one of `buffer_names` with one number per element.
  void check_state(const OptimizerState& state, const std::vector<std::string>& buffer_names) const;

  std::vector<Tensor> params_;
};

struct SGDOptions {
  double lr = 0.01;
  double momentum = 0.0;
  double dampening = 0.0;     // in [0, 1]: the share of each new gradient the velocity leaves out
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
  OptimizerState state() const override;
  void load_state(const OptimizerState& state) override;
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
  OptimizerState state() const override;
  void load_state(const OptimizerState& state) override;
  AdamOptions options;

 private:
  std::vector<std::vector<double>> m_, v_;  // per parameter
  std::vector<int64_t> steps_;              // per parameter: how many updates it has had
};

// Rescales the gradients of all parameters together so that their joint 2-norm is at most
// max_norm, as torch.nn.utils.clip_grad_norm_:
//     total = sqrt(sum over every gradient element of g^2)
//     scale = max_norm / (total + 1e-6)
//     if scale < 1 (total > max_norm - 1e-6, about), or scale is NaN:  g *= scale
// Returns the norm before clipping (worth logging: spikes show exploding gradients). A max_norm
// that is negative or NaN throws. A NaN or Inf gradient does what it does in torch 1.13 (whose
// error_if_nonfinite is false by default): a NaN total makes every gradient NaN, an Inf one
// makes the infinite elements NaN and every other 0; the returned total says which happened.
double clip_grad_norm(const std::vector<Tensor>& parameters, double max_norm);

}  // namespace ag::nn
