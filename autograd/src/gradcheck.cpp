// gradcheck.cpp — backward against central differences (see gradcheck.hpp).
#include "autograd/gradcheck.hpp"

#include <fmt/format.h>

#include <cmath>

#include "autograd/ops.hpp"
#include "autograd/random.hpp"
#include "autograd/tape.hpp"

namespace ag {

namespace {
// sum(w * out): the scalar whose gradient is the vector-Jacobian product w^T J.
double weighted_sum(const Tensor& out, const std::vector<double>& w) {
  double total = 0.0;
  for (size_t j = 0; j < w.size(); ++j) total += w[j] * out.data()[j];
  return total;
}

Shape unravel(int64_t flat, const Shape& shape) {
  Shape index(shape.size());
  for (size_t r = shape.size(); r-- > 0;) {
    index[r] = flat % shape[r];
    flat /= shape[r];
  }
  return index;
}

// Puts the inputs back as they were however gradcheck ends, also when f throws: the element being
// nudged gets its value back, and every input its gradient from before the check.
class RestoreInputs {
 public:
  explicit RestoreInputs(const std::vector<Tensor>& inputs) : inputs_(inputs) {
    for (const Tensor& t : inputs_) {
      grads_.push_back(t.impl().grad);
      t.impl().grad.clear();
    }
  }
  ~RestoreInputs() {
    if (nudged_ != nullptr) *nudged_ = original_;
    for (size_t k = 0; k < inputs_.size(); ++k) inputs_[k].impl().grad = grads_[k];
  }
  RestoreInputs(const RestoreInputs&) = delete;
  RestoreInputs& operator=(const RestoreInputs&) = delete;
  // Sets *x to value; *x goes back to what it was before the first nudge (see done()).
  void nudge(double* x, double value) {
    if (nudged_ != x) original_ = *x;
    nudged_ = x;
    *x = value;
  }
  // *x is back to its original value.
  void done() {
    *nudged_ = original_;
    nudged_ = nullptr;
  }

 private:
  const std::vector<Tensor>& inputs_;
  std::vector<Buffer> grads_;
  double* nudged_ = nullptr;
  double original_ = 0.0;
};
}  // namespace

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, GradcheckOptions options) {
  // Keep the inputs' gradients (and each nudged value) to put them back at the end.
  RestoreInputs restore(inputs);

  // Analytic: one backward pass of sum(w * f(inputs)).
  std::vector<double> w;
  std::vector<std::vector<double>> analytic(inputs.size());
  {
    Tape tape;
    Tensor out = f(inputs);
    Generator gen(options.seed);
    for (int64_t j = 0; j < out.numel(); ++j) w.push_back(gen.normal());
    Tensor weights(w, out.shape());
    Tensor loss = sum(mul(out, weights));
    if (loss.requires_grad()) tape.backward(loss);
    for (size_t k = 0; k < inputs.size(); ++k) {
      const auto g = inputs[k].impl().grad.span();
      analytic[k].assign(g.begin(), g.end());
      analytic[k].resize(inputs[k].impl().value.size(), 0.0);  // no gradient reached: zeros
    }
  }

  // Numeric: nudge one element at a time, without recording.
  GradcheckResult result;
  double worst = -1.0;
  NoGradGuard no_grad;
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (!inputs[k].requires_grad()) continue;
    double* x = inputs[k].impl().value.data();
    for (int64_t e = 0; e < inputs[k].numel(); ++e) {
      const double original = x[e];
      restore.nudge(&x[e], original + options.eps);
      const double plus = weighted_sum(f(inputs), w);
      restore.nudge(&x[e], original - options.eps);
      const double minus = weighted_sum(f(inputs), w);
      restore.done();
      const double numeric = (plus - minus) / (2.0 * options.eps);
      const double err = std::abs(analytic[k][e] - numeric);
      const double allowed = options.atol + options.rtol * std::abs(numeric);
      // Rank failures by how far past their allowance they are (NaN counts as worst of all).
      const double badness = std::isnan(err) ? INFINITY : err / allowed;
      if (badness > worst) {
        worst = badness;
        result.input = k;
        result.element = e;
        result.index = unravel(e, inputs[k].shape());
        result.analytic = analytic[k][e];
        result.numeric = numeric;
        result.abs_error = err;
      }
      if (!(err <= allowed)) result.ok = false;
    }
  }

  if (result.element < 0) {
    // Like PyTorch's gradcheck, refuse rather than pass: a check that checked nothing would let
    // a test that forgot requires_grad pass silently.
    result.ok = false;
    result.message =
        "gradcheck FAILED: no input requires grad (or every one is empty), nothing to check";
  } else {
    result.message = fmt::format(
        "gradcheck {}: worst element is input {} at [{}]: analytic {:.10g}, numeric {:.10g}, "
        "|difference| {:.3g}",
        result.ok ? "passed" : "FAILED", result.input, fmt::join(result.index, ", "),
        result.analytic, result.numeric, result.abs_error);
  }
  return result;
}

}  // namespace ag
