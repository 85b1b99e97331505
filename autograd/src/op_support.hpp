// op_support.hpp — what every op file uses to build an op (not installed, not public).
//
// An op does three things: check its inputs (throwing with its name and their shapes), compute
// its result, and hand the result to `record`, which appends a node to the recording tape, if
// any, with what the op saves for its backward (`save(Settings{...})`, tape.hpp). The templates
// below do this once for all elementwise ops, so that each op in elementwise.cpp is just its
// formula and its derivative. Following `mul`: elementwise.cpp -> binary_op and record here ->
// Tape::record (tape.cpp).
#pragma once

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <initializer_list>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

#include "autograd/error.hpp"
#include "autograd/fast/kernels.hpp"  // portable::exp, log, ...: the same bits on every CPU
#include "autograd/op_info.hpp"
#include "autograd/tape.hpp"
#include "autograd/tensor.hpp"
#include "fast/broadcast.hpp"
#include "fast/pool.hpp"

namespace ag::detail {

// A fresh tensor of the given shape and values (or zero-filled), not yet recorded.
inline std::shared_ptr<TensorImpl> make_impl(Shape shape, Buffer value) {
  auto impl = fast::new_tensor_impl();  // std::make_shared<TensorImpl>(), pooled: fast/pool.hpp
  impl->value = std::move(value);
  impl->shape = std::move(shape);
  return impl;
}
inline std::shared_ptr<TensorImpl> make_impl(Shape shape) {
  Buffer zeros(static_cast<size_t>(numel(shape)));
  return make_impl(std::move(shape), std::move(zeros));
}

// The result of an op that writes every one of its elements: its numbers are not zeroed first.
inline std::shared_ptr<TensorImpl> make_result(Shape shape) {
  Buffer value = Buffer::uninitialized(static_cast<size_t>(numel(shape)));
  return make_impl(std::move(shape), std::move(value));
}

// Throws a ValueError naming the op unless every size in shape is >= 0, and a ShapeError if
// the shape holds more than kMaxNumel elements.
void check_sizes(const char* op, const Shape& shape);

// Throws unless t is a tensor (not an empty handle). (Inline, with the throw out of line: every
// op calls it, the scalar engine tens of thousands of times per step.)
[[noreturn]] void throw_undefined(const char* op);
inline void check_defined(const char* op, const Tensor& t) {
  if (!t.defined()) throw_undefined(op);
}

// Whether every number in b is finite (no NaN, no Inf).
bool all_finite(const Buffer& b);

// Appends `result`, made by `op` from `inputs`, to the recording tape, if one is recording, with
// what the op saves for its backward (tape.hpp: save). Also where DetectAnomalyGuard looks at
// every result. With no tape alive (and no NoGradGuard saying that is meant), a result made from
// tensors that require grad is marked: a tape that meets it later refuses it (Tape::
// find_or_add_node), rather than let gradients stop there unseen.
// (In tape.cpp, beside Tape::record.)
void record(const char* op, std::span<const Tensor* const> inputs,
            const std::shared_ptr<TensorImpl>& result, BackwardFn backward, Saved saved = {});
inline void record(const char* op, std::initializer_list<const Tensor*> inputs,
                   const std::shared_ptr<TensorImpl>& result, BackwardFn backward,
                   Saved saved = {}) {
  record(op, std::span<const Tensor* const>(inputs.begin(), inputs.size()), result, backward,
         saved);
}

// Each op file's entries in the op index (op_info.hpp), listed at the end of that file and
// collected by op_info.cpp.
std::span<const OpInfo* const> elementwise_op_info();
std::span<const OpInfo* const> reduce_op_info();
std::span<const OpInfo* const> matmul_op_info();
std::span<const OpInfo* const> shape_op_info();
std::span<const OpInfo* const> softmax_op_info();
std::span<const OpInfo* const> tape_op_info();  // "leaf" and "const"

// An axis in [-rank, rank) made non-negative, or an IndexError naming the op and the shape.
// `rank` is usually shape.size(); stack passes one more (it may insert a new last axis).
int64_t normalize_axis(const char* op, int64_t axis, const Shape& shape, int64_t rank);
inline int64_t normalize_axis(const char* op, int64_t axis, const Shape& shape) {
  return normalize_axis(op, axis, shape, static_cast<int64_t>(shape.size()));
}

// Views a shape around one axis as [outer, n, inner]: outer is the product of the axes before
// it, inner of those after. Reductions and slices along an axis are then three plain loops.
struct AxisView {
  int64_t outer = 1, n = 1, inner = 1;
};
AxisView axis_view(const Shape& shape, int64_t axis);

// The shape two shapes broadcast to (NumPy rules), or a ShapeError naming the op and both.
Shape broadcast_unequal_shapes(const char* op, const Shape& a, const Shape& b);
inline Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  return a == b ? a : broadcast_unequal_shapes(op, a, b);  // equal shapes: the common case
}

// How far apart in memory neighbours along each axis are, row-major: [2, 3, 4] -> [12, 4, 1].
std::vector<int64_t> row_major_strides(const Shape& shape);

// Visits every multi-index of `shape` in row-major order, the way an odometer turns: the last
// axis fastest, and an axis that reaches its size goes back to 0 and carries into the one before.
// Beside the index it keeps one flat offset per list of strides, at[s] = sum_r index[r] *
// strides[s][r], and calls f(i, at) for element i. (Used by broadcasting, permute and gather.)
template <size_t S, class F>
void for_each_offset(const Shape& shape, const std::array<std::vector<int64_t>, S>& strides, F f) {
  const size_t rank = shape.size();
  const int64_t n = numel(shape);
  std::vector<int64_t> index(rank, 0);
  std::array<int64_t, S> at{};
  for (int64_t i = 0; i < n; ++i) {
    f(i, at);
    for (size_t r = rank; r-- > 0;) {
      for (size_t s = 0; s < S; ++s) at[s] += strides[s][r];
      if (++index[r] < shape[r]) break;
      for (size_t s = 0; s < S; ++s) at[s] -= strides[s][r] * shape[r];
      index[r] = 0;
    }
  }
}

// The strides of `in` along the axes of the broadcast result `out`: 0 on an axis where `in` is
// stretched (missing, or of size 1), so the odometer reads the same element again there.
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);

// Calls f(i, ia, ib) for every element i of the broadcast result `out`, with ia and ib the flat
// offsets of the elements of a and b that it reads. In backward the same offsets make `+=` sum
// the gradient over every stretched copy.
template <class F>
void for_each_broadcast(const Shape& out, const Shape& a, const Shape& b, F f) {
  if (fast::for_each_broadcast_flat(out, a, b, f)) return;  // common shapes: fast/broadcast.hpp
  for_each_offset<2>(out, {broadcast_strides(a, out), broadcast_strides(b, out)},
                     [&](int64_t i, const std::array<int64_t, 2>& at) { f(i, at[0], at[1]); });
}

// The backward of an op whose result element r is self[from[r]], with `from` the indices it
// saved (max's argmax, gather's offsets): d self[from[r]] += grad[r].
void scatter_backward(const Tape& tape, const Node& node);

// An op without settings saves this (nothing).
struct NoSettings {};

// Calls an elementwise formula with the op's settings only if it has any: exp's derivative is
// [](double x, double result) {...}, leaky_relu's [](double x, double result, Slope s) {...}.
template <class F, class Settings, class... Numbers>
double with_settings(F f, const Settings& settings, Numbers... numbers) {
  if constexpr (std::is_empty_v<Settings>) {
    return f(numbers...);
  } else {
    return f(numbers..., settings);
  }
}

// --- one input -------------------------------------------------------------------------------
// Forward: result = f(self). Backward: d self += grad * df(self, result), element by element.
// df is the *local* derivative d result / d self.
template <class DF, class Settings>
void unary_backward(const Tape& tape, const Node& node) {
  double* gself = tape.input_grad(node, 0);
  if (gself == nullptr) return;
  const double* x = tape.input(node, 0).value.data();
  const double* y = node.out->value.data();
  const double* grad = node.out->grad.data();
  const Settings settings = tape.saved<Settings>(node);  // a local copy: the loop vectorises
  const size_t n = node.out->value.size();
  for (size_t i = 0; i < n; ++i) gself[i] += grad[i] * with_settings(DF{}, settings, x[i], y[i]);
}

// The forward formula f is either elementwise ([](double x) {...}) or, for the few functions
// that have a vectorised form, one that fills the whole array: f(x, y, n) (fast/vector_math.hpp).
template <class F, class DF, class Settings = NoSettings>
Tensor unary_op(const char* op, const Tensor& self, F f, DF, Settings settings = {}) {
  check_defined(op, self);
  auto result = make_result(self.shape());
  const double* x = self.impl().value.data();
  double* y = result->value.data();
  const size_t n = result->value.size();
  if constexpr (std::is_invocable_v<F, const double*, double*, size_t>) {
    f(x, y, n);
  } else {
    for (size_t i = 0; i < n; ++i) y[i] = with_settings(f, settings, x[i]);
  }
  record(op, {&self}, result, &unary_backward<DF, Settings>, save(settings));
  return Tensor(std::move(result));
}

// --- two inputs, broadcasting ----------------------------------------------------------------
// Forward: result = f(self, other). Backward: d self += grad * dself(self, other, result), and
// likewise for other, each at the offsets broadcasting gave it.
template <class DSelf, class DOther>
void binary_backward(const Tape& tape, const Node& node) {
  const TensorImpl& self = tape.input(node, 0);
  const TensorImpl& other = tape.input(node, 1);
  double* gself = tape.input_grad(node, 0);
  double* gother = tape.input_grad(node, 1);
  const double* a = self.value.data();
  const double* b = other.value.data();
  const double* y = node.out->value.data();
  const double* grad = node.out->grad.data();
  for_each_broadcast(node.out->shape, self.shape, other.shape,
                     [&](int64_t i, int64_t ia, int64_t ib) {
                       if (gself) gself[ia] += grad[i] * DSelf{}(a[ia], b[ib], y[i]);
                       if (gother) gother[ib] += grad[i] * DOther{}(a[ia], b[ib], y[i]);
                     });
}

template <class F, class DSelf, class DOther>
Tensor binary_op(const char* op, const Tensor& self, const Tensor& other, F, DSelf, DOther) {
  check_defined(op, self);
  check_defined(op, other);
  auto result = make_result(broadcast_shapes(op, self.shape(), other.shape()));
  const double* a = self.impl().value.data();
  const double* b = other.impl().value.data();
  double* y = result->value.data();
  for_each_broadcast(result->shape, self.shape(), other.shape(),
                     [&](int64_t i, int64_t ia, int64_t ib) { y[i] = F{}(a[ia], b[ib]); });
  record(op, {&self, &other}, result, &binary_backward<DSelf, DOther>);
  return Tensor(std::move(result));
}

}  // namespace ag::detail
