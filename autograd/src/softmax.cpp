// softmax.cpp — softmax and log_softmax along an axis, computed stably.
//
// softmax(x)_j = e^{x_j} / sum_i e^{x_i}. Computed as written, e^{x_j} overflows for x_j > 709.
// Subtracting the max first changes nothing mathematically (it cancels) and keeps every
// exponent <= 0:   log_softmax(x)_j = (x_j - m) - log(sum_i e^{x_i - m}),   m = max_i x_i.
//
// Derivatives (along the axis, with s = softmax(x)):
//   log_softmax:  d x_j = grad_j - s_j * sum_i grad_i
//   softmax:      d x_j = s_j * (grad_j - sum_i grad_i * s_i)
//
// The exp and log are portable::exp and ::log, which give the same bits on every CPU
// (autograd/fast/kernels.hpp), so that a classifier's training does too.
#include <cmath>

#include "autograd/op_info.hpp"
#include "autograd/ops.hpp"
#include "op_support.hpp"

namespace ag {

using detail::axis_view;

namespace {

// For each [o, :, i] fiber along the axis, call f(base, stride): element j is x[base + j*stride].
template <class F>
void for_each_fiber(const detail::AxisView& v, F f) {
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) f(o * v.n * v.inner + i, v.inner);
}

struct SoftmaxSettings {
  int64_t axis;
  bool log;  // log_softmax
};

// The two rules above, along each fiber, with y the result (log_softmax: s_j = e^{y_j}).
void softmax_backward(const Tape& tape, const Node& node) {
  double* gself = tape.input_grad(node, 0);
  if (gself == nullptr) return;
  // (Not a structured binding: clang 14 cannot capture those in the lambda below.)
  const auto settings = tape.saved<SoftmaxSettings>(node);
  const int64_t axis = settings.axis;
  const bool log = settings.log;
  const auto v = axis_view(node.out->shape, axis);
  const double* y = node.out->value.data();
  const double* grad = node.out->grad.data();
  for_each_fiber(v, [&](int64_t base, int64_t stride) {
    // exercise 13: softmax's and log_softmax's backward -- tutorial 12_sequence_classifier
    // stub: (void)base, (void)stride, (void)log, (void)y, (void)grad, (void)gself;
    // stub: ag::exercise::not_written(13);
    // wrong diagonal-only: for (int64_t j = 0, at = base; j < v.n; ++j, at += stride) {
    // wrong diagonal-only:   gself[at] += log ? grad[at] : y[at] * grad[at];
    // wrong diagonal-only: }
    // wrong same-sum: double total = 0.0;
    // wrong same-sum: for (int64_t j = 0, at = base; j < v.n; ++j, at += stride) total += grad[at];
    // wrong same-sum: for (int64_t j = 0, at = base; j < v.n; ++j, at += stride) {
    // wrong same-sum:   gself[at] += log ? grad[at] - std::exp(y[at]) * total
    // wrong same-sum:                     : y[at] * (grad[at] - total);
    // wrong same-sum: }
    double total = 0.0;
    for (int64_t j = 0, at = base; j < v.n; ++j, at += stride) {
      total += log ? grad[at] : grad[at] * y[at];
    }
    for (int64_t j = 0, at = base; j < v.n; ++j, at += stride) {
      gself[at] += log ? grad[at] - portable::exp(y[at]) * total : y[at] * (grad[at] - total);
    }
    // end exercise 13
  });
}

Tensor softmax_op(const char* op, const Tensor& self, int64_t axis, bool log) {
  detail::check_defined(op, self);
  axis = detail::normalize_axis(op, axis, self.shape());
  const auto v = axis_view(self.shape(), axis);
  auto result = detail::make_result(self.shape());
  const double* x = self.impl().value.data();
  double* y = result->value.data();
  for_each_fiber(v, [&](int64_t base, int64_t stride) {
    double m = -INFINITY;
    for (int64_t j = 0; j < v.n; ++j) m = std::max(m, x[base + j * stride]);
    double total = 0.0;
    for (int64_t j = 0; j < v.n; ++j) total += portable::exp(x[base + j * stride] - m);
    const double log_total = portable::log(total);
    for (int64_t j = 0; j < v.n; ++j) {
      const int64_t at = base + j * stride;
      y[at] = log ? (x[at] - m) - log_total : portable::exp(x[at] - m) / total;
    }
  });
  detail::record(op, {&self}, result, &softmax_backward, save(SoftmaxSettings{axis, log}));
  return Tensor(result);
}

}  // namespace

constexpr OpInfo kLogSoftmax{"log_softmax", "d self = grad - exp(result) * sum(grad, axis)"};
Tensor log_softmax(const Tensor& self, int64_t axis) {
  return softmax_op(kLogSoftmax.name, self, axis, true);
}

constexpr OpInfo kSoftmax{"softmax", "d self = result * (grad - sum(grad * result, axis))"};
Tensor softmax(const Tensor& self, int64_t axis) {
  return softmax_op(kSoftmax.name, self, axis, false);
}

// ----- this file's entries in the op index (op_info.cpp) --------------------------------------
std::span<const OpInfo* const> detail::softmax_op_info() {
  static constexpr const OpInfo* kEntries[] = {&kLogSoftmax, &kSoftmax};
  return kEntries;
}

}  // namespace ag
