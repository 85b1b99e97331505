// reduce.cpp — sum, mean and max: many numbers in, fewer out.
//
// Along an axis, a tensor is viewed as [outer, n, inner] (op_support.hpp): the reduction runs over
// the middle index. In backward every reduced element gets its share of the one gradient that
// came out: all of it for sum, 1/n of it for mean, all of it for the argmax only for max.
// A 0-d tensor is one number: it reduces along axis 0 or -1 as if it were [1], as in PyTorch.
#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "autograd/op_info.hpp"
#include "autograd/ops.hpp"
#include "op_support.hpp"

namespace ag {

using detail::axis_view;
using detail::AxisView;
using detail::make_impl;
using detail::make_result;
using detail::normalize_axis;
using detail::record;

namespace {

// `axis` made non-negative, where a 0-d tensor has the one axis of a [1] (PyTorch's rule).
int64_t reduction_axis(const char* op, int64_t axis, const Shape& shape) {
  return normalize_axis(op, axis, shape, std::max<int64_t>(1, std::ssize(shape)));
}

// The shape after reducing `axis`: removed, or kept as 1 (a 0-d tensor stays 0-d).
Shape reduced_shape(const Shape& shape, int64_t axis, bool keepdim) {
  Shape out = shape;
  if (shape.empty()) return out;
  if (keepdim) {
    out[axis] = 1;
  } else {
    out.erase(out.begin() + axis);
  }
  return out;
}

// What sum and mean save: self seen as [outer, n, inner] (all elements: [1, numel, 1]), summed
// over n, and the scale (1 for sum, 1/n for mean).
struct SumSettings {
  int64_t outer, n, inner;
  double scale;
};

// Backward of sum and mean: d self[o, j, i] += scale * grad[o, i] for every j.
void sum_backward(const Tape& tape, const Node& node) {
  double* gself = tape.input_grad(node, 0);
  if (gself == nullptr) return;
  const auto [outer, n, inner, scale] = tape.saved<SumSettings>(node);
  const double* grad = node.out->grad.data();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i)
        gself[(o * n + j) * inner + i] += scale * grad[o * inner + i];
}

// Whether a reduction is a sum, or a mean (the sum times 1/n).
enum class Scale { one, one_over_n };

// The sum (or mean) of self seen as [outer, n, inner], over n, into a result of the given shape.
Tensor sum_over(const char* op, const Tensor& self, AxisView v, Shape shape, Scale scaled) {
  const double* x = self.impl().value.data();
  auto result = make_result(std::move(shape));
  double* y = result->value.data();
  const double scale = scaled == Scale::one_over_n ? 1.0 / static_cast<double>(v.n) : 1.0;
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      double total = 0.0;
      for (int64_t j = 0; j < v.n; ++j) total += x[(o * v.n + j) * v.inner + i];
      y[o * v.inner + i] = total * scale;
    }
  record(op, {&self}, result, &sum_backward, save(SumSettings{v.outer, v.n, v.inner, scale}));
  return Tensor(result);
}

// The sum (or mean) of every element: a scalar.
Tensor sum_all(const char* op, const Tensor& self, Scale scaled) {
  detail::check_defined(op, self);
  return sum_over(op, self, {1, self.numel(), 1}, {}, scaled);
}

// The sum (or mean) along one axis, which is removed (or kept as 1 with keepdim).
Tensor sum_along(const char* op, const Tensor& self, int64_t axis, bool keepdim, Scale scaled) {
  detail::check_defined(op, self);
  axis = reduction_axis(op, axis, self.shape());
  return sum_over(op, self, axis_view(self.shape(), axis),
                  reduced_shape(self.shape(), axis, keepdim), scaled);
}

// Whether `candidate` takes the place of the best value so far in max and argmax: it is larger,
// or it is NaN and the best is not. A NaN is the answer, as in PyTorch (a plain `>` is false for
// every NaN, so the NaN would be skipped and the max of the rest reported); the first NaN wins.
bool beats(double candidate, double best) {
  return candidate > best || (candidate != candidate && best == best);
}

// The flat index of the first largest value (the first NaN, if any) of every lane of self seen
// as [outer, n, inner]: what max saves for its backward, and what argmax reports. An empty lane
// has none: a ShapeError naming op and the axis (-1: the whole tensor, seen as [1, numel, 1]).
std::vector<int64_t> first_maxima(const char* op, const Tensor& self, AxisView v, int64_t axis) {
  if (v.n == 0) {
    throw ShapeError(fmt::format("{}: {} of shape {} is empty", op,
                                 axis < 0 ? "the tensor" : fmt::format("axis {}", axis),
                                 shape_str(self.shape())));
  }
  const double* x = self.impl().value.data();
  std::vector<int64_t> where(static_cast<size_t>(v.outer * v.inner));
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      int64_t best = o * v.n * v.inner + i;
      for (int64_t j = 1; j < v.n; ++j) {
        const int64_t at = (o * v.n + j) * v.inner + i;
        if (beats(x[at], x[best])) best = at;
      }
      where[o * v.inner + i] = best;
    }
  return where;
}

// Backward of max() of all elements: each maximum (its flat index, saved) gets an equal share.
void max_all_backward(const Tape& tape, const Node& node) {
  double* gself = tape.input_grad(node, 0);
  if (gself == nullptr) return;
  const auto ties = tape.saved_indices(node);
  for (int64_t j : ties) gself[j] += node.out->grad[0] / static_cast<double>(ties.size());
}

}  // namespace

// sum: result = sum_j self[j]          d self[j] = grad
constexpr OpInfo kSum{"sum", "d self = grad, copied to every element summed"};
Tensor sum(const Tensor& self) { return sum_all(kSum.name, self, Scale::one); }
Tensor sum(const Tensor& self, int64_t axis, bool keepdim) {
  return sum_along(kSum.name, self, axis, keepdim, Scale::one);
}

// mean: result = sum_j self[j] / n     d self[j] = grad / n
// An empty tensor (n = 0) has mean 0 * (1/0) = NaN, as torch.mean gives, and as a mean along an
// empty axis is; its backward has no element to send grad to.
constexpr OpInfo kMean{"mean", "d self = grad / n, copied to each of the n elements averaged"};
Tensor mean(const Tensor& self) { return sum_all(kMean.name, self, Scale::one_over_n); }
Tensor mean(const Tensor& self, int64_t axis, bool keepdim) {
  return sum_along(kMean.name, self, axis, keepdim, Scale::one_over_n);
}

// max along an axis: result = max_j self[j]     d self[argmax] = grad, 0 elsewhere.
// Ties go to the first maximum, as PyTorch's max(dim) does on CPU; a NaN is the maximum (the
// first NaN, with the gradient), as in PyTorch.
// max of all elements: the same value, but every tie gets grad / count: PyTorch's rule for
// max(Tensor self) (derivatives.yaml: evenly_distribute_backward; torch 1.13 gives 1/3 to each
// of three equal maxima), which keeps the gradient the same whichever tie a loop meets first.
constexpr OpInfo kMax{"max",
                      "d self = grad at the (first) argmax along the axis, 0 elsewhere,  "
                      "max of all: d self = grad / count at each of the count maxima"};
Tensor max(const Tensor& self) {
  detail::check_defined("max", self);
  const double* x = self.impl().value.data();
  const double best = x[first_maxima("max", self, {1, self.numel(), 1}, -1)[0]];
  std::vector<int64_t> ties;  // every element equal to the max (every NaN, if the max is one)
  for (int64_t j = 0; j < self.numel(); ++j)
    if (x[j] == best || (x[j] != x[j] && best != best)) ties.push_back(j);
  auto result = make_impl({});
  result->value[0] = best;
  record(kMax.name, {&self}, result, &max_all_backward, save_indices(ties));
  return Tensor(result);
}
Tensor max(const Tensor& self, int64_t axis, bool keepdim) {
  detail::check_defined("max", self);
  axis = reduction_axis("max", axis, self.shape());
  const auto where = first_maxima("max", self, axis_view(self.shape(), axis), axis);
  auto result = make_result(reduced_shape(self.shape(), axis, keepdim));
  for (size_t r = 0; r < where.size(); ++r) result->value[r] = self.impl().value[where[r]];
  // Backward: the whole gradient goes to the element that was the max (its flat index, saved).
  record(kMax.name, {&self}, result, &detail::scatter_backward, save_indices(where));
  return Tensor(result);
}

int64_t argmax(const Tensor& self) {
  detail::check_defined("argmax", self);
  return first_maxima("argmax", self, {1, self.numel(), 1}, -1)[0];
}
std::vector<int64_t> argmax(const Tensor& self, int64_t axis) {
  detail::check_defined("argmax", self);
  axis = reduction_axis("argmax", axis, self.shape());
  const auto v = axis_view(self.shape(), axis);
  std::vector<int64_t> where = first_maxima("argmax", self, v, axis);
  for (int64_t& at : where) at = at / v.inner % v.n;  // j, from (o * n + j) * inner + i
  return where;
}

// ----- this file's entries in the op index (op_info.cpp) --------------------------------------
std::span<const OpInfo* const> detail::reduce_op_info() {
  static constexpr const OpInfo* kEntries[] = {&kSum, &kMean, &kMax};
  return kEntries;
}

}  // namespace ag
