// internal.hpp — the machinery the op files share (not installed, not public).
//
// An op does three things: check its inputs (throwing with its name and their shapes), compute
// its result, and hand the result to `record`, which appends a node to the recording tape, if
// any. The templates below do this once for all elementwise ops, so that each op in
// elementwise.cpp is just its formula and its derivative.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <initializer_list>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

#include "autograd/error.hpp"
#include "autograd/op_info.hpp"
#include "autograd/tape.hpp"
#include "autograd/tensor.hpp"
#include "pool.hpp"

namespace ag::detail {

// A fresh tensor of the given shape, zero-filled, not yet recorded.
// (Allocated from a pool: see pool.hpp for why; std::make_shared<TensorImpl>() would do the same.)
inline std::shared_ptr<TensorImpl> make_impl(Shape shape, Buffer value) {
  // The control block of allocate_shared holds the TensorImpl plus two 4-byte counts and a
  // vtable pointer (libstdc++). A larger block would still work, from operator new: slower.
  static_assert(sizeof(TensorImpl) + 16 <= BlockPool::kBlock, "TensorImpl outgrew its pool block");
  auto impl = std::allocate_shared<TensorImpl>(PoolAllocator<TensorImpl>{});
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

// Appends `result`, made by `op` from `inputs`, to the recording tape and returns its node (for
// the op to store its settings in); returns nullptr when nothing is recording. Also where
// DetectAnomalyGuard looks at every result.
Node* record(const char* op, std::initializer_list<const Tensor*> inputs,
             const std::shared_ptr<TensorImpl>& result, BackwardFn backward);
Node* record(const char* op, std::span<const Tensor* const> inputs,
             const std::shared_ptr<TensorImpl>& result, BackwardFn backward);

// Each op file's entries in the op index (op_info.hpp), listed at the end of that file and
// collected by op_info.cpp.
std::span<const OpInfo* const> elementwise_op_info();
std::span<const OpInfo* const> reduce_op_info();
std::span<const OpInfo* const> matmul_op_info();
std::span<const OpInfo* const> shape_op_info();
std::span<const OpInfo* const> softmax_op_info();
std::span<const OpInfo* const> tape_op_info();  // "leaf" and "const"

// Stores an op's integer settings for the node record() just returned (which must not be null):
// the axis, slice bounds, indices... Its backward reads them back with tape.ints(node).
void set_ints(Node& node, std::span<const int64_t> values);
void set_ints(Node& node, std::initializer_list<int64_t> values);

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
Shape broadcast_shapes_differing(const char* op, const Shape& a, const Shape& b);
inline Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  return a == b ? a : broadcast_shapes_differing(op, a, b);  // equal shapes: the common case
}

// Whether `part`, leading 1s aside, is the last axes of `whole` ([4] or [1, 4] of [3, 4]): then
// it repeats as one contiguous block, and element i of whole reads element i % numel(part).
inline bool is_trailing_block(const Shape& part, const Shape& whole) {
  size_t skip = 0;
  while (skip < part.size() && part[skip] == 1) ++skip;
  const size_t len = part.size() - skip;
  if (len > whole.size() || numel(part) == 0) return false;
  for (size_t r = 0; r < len; ++r) {
    if (part[skip + r] != whole[whole.size() - len + r]) return false;
  }
  return true;
}

// Calls f(i, ia, ib) for every element i of the broadcast result `out`, with ia and ib the flat
// offsets of the elements of a and b that it reads. A stretched axis has stride 0 in its input,
// so the same element is read again; in backward the same offsets make `+=` sum over it.
template <class F>
void for_each_broadcast(const Shape& out, const Shape& a, const Shape& b, F f) {
  const int64_t n = numel(out);
  if (a == out && b == out) {  // the common case: same shapes
    for (int64_t i = 0; i < n; ++i) f(i, i, i);
    return;
  }
  if (a == out && numel(b) == 1) {  // tensor op scalar
    for (int64_t i = 0; i < n; ++i) f(i, i, int64_t{0});
    return;
  }
  if (numel(a) == 1 && b == out) {  // scalar op tensor
    for (int64_t i = 0; i < n; ++i) f(i, int64_t{0}, i);
    return;
  }
  if (a == out && is_trailing_block(b, out)) {  // [B, N] op [N]: a bias added to every row
    const int64_t nb = numel(b);
    for (int64_t row = 0, i = 0; row < n / nb; ++row)
      for (int64_t j = 0; j < nb; ++j, ++i) f(i, i, j);
    return;
  }
  if (b == out && is_trailing_block(a, out)) {
    const int64_t na = numel(a);
    for (int64_t row = 0, i = 0; row < n / na; ++row)
      for (int64_t j = 0; j < na; ++j, ++i) f(i, j, i);
    return;
  }
  // General case: walk the result's multi-index like an odometer, carrying both offsets.
  const size_t rank = out.size();
  std::vector<int64_t> stride_a(rank, 0), stride_b(rank, 0), counter(rank, 0);
  for (int64_t r = static_cast<int64_t>(rank) - 1, sa = 1, sb = 1; r >= 0; --r) {
    const size_t ra = a.size() - (rank - r), rb = b.size() - (rank - r);
    const bool has_a = rank - r <= a.size(), has_b = rank - r <= b.size();
    if (has_a && a[ra] != 1) stride_a[r] = sa;
    if (has_b && b[rb] != 1) stride_b[r] = sb;
    if (has_a) sa *= a[ra];
    if (has_b) sb *= b[rb];
  }
  int64_t ia = 0, ib = 0;
  for (int64_t i = 0; i < n; ++i) {
    f(i, ia, ib);
    for (int64_t r = static_cast<int64_t>(rank) - 1; r >= 0; --r) {  // advance the odometer
      ++counter[r];
      ia += stride_a[r];
      ib += stride_b[r];
      if (counter[r] < out[r]) break;
      ia -= stride_a[r] * out[r];
      ib -= stride_b[r] * out[r];
      counter[r] = 0;
    }
  }
}

// Calls an elementwise formula with the op's settings only if it takes them: `exp` is written
// [](double x) {...}, `leaky_relu` [](double x, const double* attr) {...}.
template <class F, class... Args>
double call(F f, const double* attr, Args... args) {
  if constexpr (std::is_invocable_v<F, Args..., const double*>) {
    return f(args..., attr);
  } else {
    return f(args...);
  }
}

// --- one input -------------------------------------------------------------------------------
// Forward: result = f(self). Backward: d self += grad * df(self, result).
// df gives the *local* derivative d result / d self, element by element.
template <class F, class DF>
void unary_backward(const Tape& tape, const Node& node) {
  const TensorImpl& self = tape.input(node, 0);
  double* gself = tape.input_grad(node, 0);
  if (gself == nullptr) return;
  const double* x = self.value.data();
  const double* y = node.out->value.data();
  const double* grad = node.out->grad.data();
  const size_t n = self.value.size();
  // The settings copied out of the node: the compiler cannot tell that the writes to gself
  // leave node.attr alone, and would re-read it for every element instead of vectorising.
  const double attr[2] = {node.attr[0], node.attr[1]};
  for (size_t i = 0; i < n; ++i) gself[i] += grad[i] * call(DF{}, attr, x[i], y[i]);
}

// The forward formula f is either elementwise ([](double x) {...}) or, for the few functions
// that have a vectorised form, one that fills the whole array: f(x, y, n) (vector_math.hpp).
template <class F, class DF>
Tensor unary_op(const char* op, const Tensor& self, F f, DF, double attr0 = 0.0,
                double attr1 = 0.0) {
  check_defined(op, self);
  const double attr[2] = {attr0, attr1};
  auto result = make_result(self.shape());
  const double* x = self.impl().value.data();
  double* y = result->value.data();
  const size_t n = result->value.size();
  if constexpr (std::is_invocable_v<F, const double*, double*, size_t>) {
    f(x, y, n);
  } else {
    for (size_t i = 0; i < n; ++i) y[i] = call(f, attr, x[i]);
  }
  if (Node* node = record(op, {&self}, result, &unary_backward<F, DF>)) {
    node->attr[0] = attr0;
    node->attr[1] = attr1;
  }
  return Tensor(std::move(result));
}

// --- two inputs, broadcasting ----------------------------------------------------------------
// Forward: result = f(self, other). Backward: d self += grad * dself(self, other, result), and
// likewise for other, each at the offsets broadcasting gave it.
template <class F, class DSelf, class DOther>
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
  record(op, {&self, &other}, result, &binary_backward<F, DSelf, DOther>);
  return Tensor(std::move(result));
}

}  // namespace ag::detail
