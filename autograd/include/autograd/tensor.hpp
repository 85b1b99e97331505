// tensor.hpp — the Tensor: a shape, contiguous row-major doubles, and (maybe) a gradient.
//
// A Tensor is a cheap handle (a shared pointer) to a TensorImpl, as in PyTorch: copying a Tensor
// shares it. A scalar is simply a 0-d tensor (shape `[]`, one number); it converts from a double
// and has `item()`, so micrograd-style code reads the same here.
//
// What this file leaves out: dtypes other than double, strides and views (every tensor is
// contiguous; `transpose` copies), devices. Those matter for speed, not for understanding backprop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "autograd/fast/buffer.hpp"

namespace ag {

class Tape;

// A shape lists the size of each axis, outermost first: a 2x3 matrix is {2, 3}, a scalar is {}.
using Shape = std::vector<int64_t>;

// The most numbers one tensor may hold: 2^56 (2^59 bytes of doubles, far past any memory). The
// rule is on the product of a shape's non-zero sizes, so every count an op forms from a shape
// (elements, bytes, the `outer` and `inner` of an axis, flat offsets) fits in int64 with room
// to spare; [2^62, 0] is refused too, though it holds nothing.
inline constexpr int64_t kMaxNumel = int64_t{1} << 56;
// The ShapeError for a shape past kMaxNumel, naming op (out of line: the rare path).
[[noreturn]] void throw_too_many_elements(const char* op, const Shape& shape);

// Number of elements of a shape (1 for a scalar). Checked, with the multiplication done by
// __builtin_mul_overflow: a shape past kMaxNumel is a ShapeError naming `op` and the shape,
// never a count that wrapped round (which would back a huge tensor with a tiny buffer).
inline int64_t numel(const Shape& shape, const char* op = "numel") {
  int64_t product = 1;  // of the non-zero sizes
  bool has_zero = false;
  for (int64_t d : shape) {
    if (d == 0) {
      has_zero = true;
    } else if (__builtin_mul_overflow(product, d, &product) || product > kMaxNumel ||
               product < -kMaxNumel) {
      throw_too_many_elements(op, shape);
    }
  }
  return has_zero ? 0 : product;
}

// "[2, 3]", the way error messages and the tape print a shape.
std::string shape_str(const Shape& shape);

// Buffer: the numbers of one tensor. Read it as a std::vector<double> (data(), size(), span(),
// operator[], a copy is a deep copy); how it keeps one number without the heap is speed code
// (autograd/fast/buffer.hpp, skip on first reading).

// ---------------------------------------------------------------------------------------------
// TensorImpl: what a Tensor handle points to.
//
// It does not point to the tape or to the tensors it was made from: the tape refers to it, never
// the other way round, so nothing in a graph keeps itself alive. What it knows about the tape is
// two numbers: which tape (by id) and which node there.
struct TensorImpl {
  TensorImpl() {}  // NOLINT: not `= default` (no zeroing pass: autograd/src/fast/README.md)
  Shape shape;
  Buffer value;
  Buffer grad;           // empty until a backward pass writes into it
  uint64_t tape_id = 0;  // the tape this tensor's latest node is on (0: none)
  uint32_t node = 0;     // its index on that tape
  // How many times its numbers were changed in place (an in-place operator outside recording,
  // mutable_data()). A tape notes it when an op reads the tensor, and backward refuses to run
  // that op's rule if an input or the result has changed since (PyTorch's version counter,
  // "modified by an inplace operation"). Stricter than PyTorch, which checks only the tensors a
  // rule saved: here add's rule, which reads no numbers, is refused too; one rule for every op.
  // There are no views here (every op's result owns its numbers), so a change concerns the
  // changed tensor alone.
  uint32_t version = 0;
  bool requires_grad = false;  // gradients flow into (or through) this tensor
  bool is_leaf = true;         // made by the user (a parameter, an input), not by an op
  // Made by an op from tensors that require grad while no Tape was alive: it carries no graph,
  // so using it on a tape later is an error (gradients would silently stop at it).
  bool made_without_tape = false;
  // Optional: "lstm.layer0.W_ih", shown by the tape and the graphs (null: no name). Behind a
  // pointer because almost no tensor has one, and a std::string in place would make every
  // tensor, each scalar of the scalar engine included, 24 bytes larger.
  std::unique_ptr<const std::string> name;
};

// ---------------------------------------------------------------------------------------------
// Tensor: the handle learners use.
//
// Members that hand out a view of the tensor's numbers (a span) exist only on a named tensor (an
// lvalue), and are deleted on a temporary (`&&`):
//
//     for (double g : x.grad().data()) ...   // does not compile: grad() returns a temporary
//     for (double g : x.grad_data()) ...     // x is named: the view lives as long as x
//
// The temporary dies before the loop body runs (C++20 range-for keeps only the span alive), and
// its numbers' memory goes back to the pool for the next tensor: the loop would read someone
// else's numbers, with no crash to say so. On a temporary, to_vector() and item() copy instead.
// shape() and name() on a temporary return a copy rather than a reference, which is as safe (a
// range-for or a `const Shape&` keeps the copy alive) and keeps `shape_str(f(x).shape())` working.
class Tensor {
 public:
  // An empty handle (no tensor). Most functions reject it with a clear error.
  Tensor() = default;
  // A scalar constant (0-d tensor). Implicit, so `x * 2.0` and `Tensor t = 3.0;` read naturally.
  Tensor(double value);  // NOLINT(google-explicit-constructor)
  // A tensor from values and a shape; the value count must match the shape.
  Tensor(std::vector<double> values, Shape shape, bool requires_grad = false);
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // --- what it is ---
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const&;
  Shape shape() const&& { return impl().shape; }  // a temporary's: a copy (see above)
  int64_t dim() const { return static_cast<int64_t>(impl().shape.size()); }
  int64_t numel() const { return static_cast<int64_t>(impl().value.size()); }
  // Size along `axis`; negative axes count from the end, as in PyTorch.
  int64_t size(int64_t axis) const;

  // --- its numbers ---
  std::span<const double> data() const& { return impl().value.span(); }
  std::span<const double> data() const&& = delete;  // a view into a temporary (see above)
  // Writable access, for initialisers and optimizers: changes the value in place (not recorded).
  // Counts as a change (TensorImpl::version): backward through an op that read the tensor
  // before it then throws, rather than use the new numbers. The change is counted when the span
  // is handed out, not when it is written: take the span where you write, and do not keep it
  // (a span kept past an op that reads the tensor escapes the check).
  std::span<double> mutable_data() &;
  std::span<double> mutable_data() && = delete;
  std::vector<double> to_vector() const;
  // The single number of a one-element tensor; an error for any other.
  double item() const;
  // Element at a multi-index, e.g. t.at({1, 2}); bounds-checked.
  double at(std::initializer_list<int64_t> index) const;

  // --- gradients ---
  bool requires_grad() const { return impl().requires_grad; }
  // Mark a leaf as a parameter (or not). Returns *this, like PyTorch's requires_grad_(). An op's
  // result cannot change it, either way (a TapeError; PyTorch allows (true) where it is true).
  Tensor& requires_grad_(bool on = true);
  bool is_leaf() const { return impl().is_leaf; }
  // Whether a backward pass has written a gradient into this tensor.
  bool has_grad() const { return !impl().grad.empty(); }
  // A copy of the gradient (zeros if none has reached it yet). Error if !requires_grad().
  Tensor grad() const;
  std::span<const double> grad_data() const&;
  std::span<const double> grad_data() const&& = delete;
  // Forget the accumulated gradient (for parameters between steps).
  void zero_grad() { impl().grad.clear(); }
  // Reverse-mode pass from this tensor over the tape that recorded it; see Tape::backward.
  void backward(bool retain_graph = false) const;
  void backward(const Tensor& gradient, bool retain_graph = false) const;
  // A new leaf with the same numbers, cut off from the tape (no gradient flows through it).
  Tensor detach() const;

  // --- names and bookkeeping ---
  const std::string& name() const&;              // "" when it has none
  std::string name() const&& { return name(); }  // a temporary's: a copy
  Tensor& set_name(std::string name);
  // The tape and node index this tensor was recorded at (tape id 0: not recorded).
  uint64_t tape_id() const { return impl().tape_id; }
  uint32_t node_index() const { return impl().node; }
  // One line for a table: "tensor([2, 3], [1, 2, 3, 4, 5, 6])", the first 8 numbers, flat
  // (print.hpp's `<<` prints the whole picture).
  std::string to_string() const;

  // --- micrograd-style shorthands, each the free function of the same name ---
  // (The reductions as in PyTorch: x.sum() of all elements, x.sum(1) along an axis.)
  Tensor pow(double exponent) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor sum() const;
  Tensor sum(int64_t axis, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(int64_t axis, bool keepdim = false) const;
  Tensor max() const;
  Tensor max(int64_t axis, bool keepdim = false) const;
  int64_t argmax() const;
  std::vector<int64_t> argmax(int64_t axis) const;
  Tensor reshape(Shape shape) const;
  Tensor t() const;  // transpose of a matrix

  // What the handle points to; an error for an empty handle. (Inline: every op calls it.)
  TensorImpl& impl() const {
    if (!impl_) throw_empty();
    return *impl_;
  }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool same(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  [[noreturn]] static void throw_empty();
  std::shared_ptr<TensorImpl> impl_;
};

}  // namespace ag
