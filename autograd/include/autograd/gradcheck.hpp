// gradcheck.hpp — is backward right? Compare it with central differences.
//
// For a function f of some tensors, backward gives every d f / d x_i at once. Central differences
// estimate each one separately:   (f(x + eps e_i) - f(x - eps e_i)) / (2 eps),   with error
// O(eps^2). When the two agree on every element of every input, the backward rules are right.
// A tensor-valued f is first reduced to a scalar with fixed random weights w, sum(w * f(x)), so
// every output element takes part.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "autograd/tensor.hpp"

namespace ag {

struct GradcheckOptions {
  double eps = 1e-6;   // the finite-difference step
  double atol = 1e-5;  // pass when |analytic - numeric| <= atol + rtol * |numeric|
  double rtol = 1e-4;
  uint64_t seed = 0;  // for the output weights w
};

struct GradcheckResult {
  bool ok = true;
  // The worst element found: which input, which element (flat and as a multi-index), both values.
  size_t input = 0;
  int64_t element = -1;
  Shape index;
  double analytic = 0.0;
  double numeric = 0.0;
  double abs_error = 0.0;
  std::string message;  // one line that says it all, e.g. for a failed test
};

// f must be a function of the given inputs only. The inputs' values are restored afterwards and
// their gradients are left as they were. Inputs that do not require grad are not checked; if no
// input requires grad, the result is a failure (nothing was checked).
GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, GradcheckOptions options = {});

}  // namespace ag
