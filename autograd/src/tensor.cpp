// tensor.cpp — the Tensor handle: construction, element access, gradients, printing.
#include "autograd/tensor.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "autograd/error.hpp"
#include "autograd/ops.hpp"
#include "fast/in_place_count.hpp"
#include "op_support.hpp"

namespace ag {

std::string shape_str(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

void throw_too_many_elements(const char* op, const Shape& shape) {
  throw ShapeError(fmt::format(
      "{}: shape {} has more elements than a tensor may hold (its non-zero sizes multiply to "
      "more than 2^56 = {}); check the sizes for a typo or an overflow upstream",
      op, shape_str(shape), kMaxNumel));
}

// ----- Tensor ----------------------------------------------------------------------------------
Tensor::Tensor(double value) : impl_(detail::make_impl({})) { impl_->value[0] = value; }

Tensor::Tensor(std::vector<double> values, Shape shape, bool requires_grad) {
  detail::check_sizes("tensor", shape);
  if (static_cast<int64_t>(values.size()) != ag::numel(shape)) {
    throw ShapeError(fmt::format("tensor: {} values do not fill shape {} ({} elements)",
                                 values.size(), shape_str(shape), ag::numel(shape)));
  }
  impl_ = detail::make_result(std::move(shape));
  std::copy(values.begin(), values.end(), impl_->value.data());
  impl_->requires_grad = requires_grad;
}

void Tensor::throw_empty() {
  throw Error("tensor: this Tensor handle is empty (default-constructed)");
}

const Shape& Tensor::shape() const& { return impl().shape; }

std::span<double> Tensor::mutable_data() & {
  ++impl().version;
  detail::fast::count_in_place_write();  // (fast/in_place_count.hpp)
  return impl().value.span();
}

int64_t Tensor::size(int64_t axis) const {
  return shape()[detail::normalize_axis("size", axis, shape())];
}

std::vector<double> Tensor::to_vector() const { return {data().begin(), data().end()}; }

double Tensor::item() const {
  if (numel() != 1) {
    throw ShapeError(
        fmt::format("item(): needs a tensor with one element, got shape {}", shape_str(shape())));
  }
  return impl().value[0];
}

double Tensor::at(std::initializer_list<int64_t> index) const {
  const Shape& s = shape();
  if (index.size() != s.size()) {
    throw IndexError(
        fmt::format("at(): {} indices for a tensor of shape {}", index.size(), shape_str(s)));
  }
  int64_t flat = 0, r = 0;
  for (int64_t i : index) {
    if (i < 0 || i >= s[r]) {
      throw IndexError(
          fmt::format("at(): index {} out of range for axis {} of shape {}", i, r, shape_str(s)));
    }
    flat = flat * s[r++] + i;
  }
  return impl().value[flat];
}

Tensor& Tensor::requires_grad_(bool on) {
  if (!impl().is_leaf) {
    throw TapeError(fmt::format(
        "requires_grad_(): only a leaf tensor can change it; this {} tensor was made by an op "
        "(use detach() first)",
        shape_str(shape())));
  }
  impl().requires_grad = on;
  return *this;
}

static void check_requires_grad(const char* what, const TensorImpl& impl) {
  if (!impl.requires_grad) {
    throw TapeError(fmt::format(
        "{}: this {} tensor does not require grad (make a leaf with requires_grad = true, or "
        "call requires_grad_() on the leaf, before the ops that use it)",
        what, shape_str(impl.shape)));
  }
}

Tensor Tensor::grad() const {
  check_requires_grad("grad()", impl());
  auto g = detail::make_impl(shape());  // zeros, unless a gradient has arrived
  if (has_grad()) g->value = impl().grad;
  return Tensor(g);
}

std::span<const double> Tensor::grad_data() const& {
  check_requires_grad("grad_data()", impl());
  return impl().grad.span();
}

Tensor Tensor::detach() const {
  return Tensor(detail::make_impl(shape(), impl().value));  // a new leaf, on no tape
}

Tensor& Tensor::set_name(std::string name) {
  impl().name = name.empty() ? nullptr : std::make_unique<const std::string>(std::move(name));
  return *this;
}

const std::string& Tensor::name() const& {
  static const std::string kNone;
  return impl().name ? *impl().name : kNone;
}

std::string Tensor::to_string() const {
  if (!impl_) return "tensor(undefined)";
  const auto v = data();
  constexpr size_t kShown = 8;
  std::string values = fmt::format("{:.6g}", fmt::join(v.first(std::min(v.size(), kShown)), ", "));
  if (v.size() > kShown) values += fmt::format(", ... ({} more)", v.size() - kShown);
  if (dim() == 0) return fmt::format("tensor({:.6g})", v[0]);
  return fmt::format("tensor({}, [{}])", shape_str(shape()), values);
}

// The shorthands: each is the free function of the same name.
Tensor Tensor::pow(double exponent) const { return ag::pow(*this, exponent); }
Tensor Tensor::exp() const { return ag::exp(*this); }
Tensor Tensor::log() const { return ag::log(*this); }
Tensor Tensor::tanh() const { return ag::tanh(*this); }
Tensor Tensor::sigmoid() const { return ag::sigmoid(*this); }
Tensor Tensor::relu() const { return ag::relu(*this); }
Tensor Tensor::sum() const { return ag::sum(*this); }
Tensor Tensor::sum(int64_t axis, bool keepdim) const { return ag::sum(*this, axis, keepdim); }
Tensor Tensor::mean() const { return ag::mean(*this); }
Tensor Tensor::mean(int64_t axis, bool keepdim) const { return ag::mean(*this, axis, keepdim); }
Tensor Tensor::max() const { return ag::max(*this); }
Tensor Tensor::max(int64_t axis, bool keepdim) const { return ag::max(*this, axis, keepdim); }
int64_t Tensor::argmax() const { return ag::argmax(*this); }
std::vector<int64_t> Tensor::argmax(int64_t axis) const { return ag::argmax(*this, axis); }
Tensor Tensor::reshape(Shape shape) const { return ag::reshape(*this, std::move(shape)); }
Tensor Tensor::t() const { return ag::transpose(*this); }

}  // namespace ag
