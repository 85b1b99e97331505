// op_support.cpp — the checks and shape arithmetic every op file shares (op_support.hpp).
#include "op_support.hpp"

#include "autograd/custom_op.hpp"

#include <fmt/format.h>

#include <cmath>

namespace ag::detail {

void throw_undefined(const char* op) {
  throw Error(fmt::format("{}: an input is an empty Tensor handle", op));
}

bool all_finite(const Buffer& b) {
  for (double v : b.span()) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

}  // namespace ag::detail

namespace ag {
Tensor record_op(const char* name, std::initializer_list<Tensor> inputs, Tensor result,
                 BackwardFn backward, Saved saved) {
  detail::check_defined(name, result);
  for (const Tensor& t : inputs) detail::check_defined(name, t);
  if (result.tape_id() != 0 || !result.is_leaf() || result.requires_grad()) {
    throw ValueError(fmt::format(
        "record_op('{}'): the result of shape {} must be a fresh tensor (made by the op, not "
        "recorded yet, not a parameter)",
        name, shape_str(result.shape())));
  }
  std::vector<const Tensor*> pointers;
  for (const Tensor& t : inputs) pointers.push_back(&t);
  detail::record(name, pointers, result.impl_ptr(), backward, saved);
  return result;
}
}  // namespace ag

namespace ag::detail {
void scatter_backward(const Tape& tape, const Node& node) {
  double* gself = tape.input_grad(node, 0);
  if (gself == nullptr) return;
  const auto from = tape.saved_indices(node);
  const double* grad = node.out->grad.data();
  for (size_t r = 0; r < from.size(); ++r) gself[from[r]] += grad[r];
}

void check_sizes(const char* op, const Shape& shape) {
  for (int64_t d : shape) {
    if (d < 0) throw ValueError(fmt::format("{}: negative size in shape {}", op, shape_str(shape)));
  }
  numel(shape, op);  // a ShapeError past kMaxNumel
}

int64_t normalize_axis(const char* op, int64_t axis, const Shape& shape, int64_t rank) {
  if (axis < -rank || axis >= rank) {
    throw IndexError(fmt::format("{}: axis {} is out of range for shape {} (axes {} to {})", op,
                                 axis, shape_str(shape), -rank, rank - 1));
  }
  return axis < 0 ? axis + rank : axis;
}

AxisView axis_view(const Shape& shape, int64_t axis) {
  AxisView v;
  for (int64_t r = 0; r < static_cast<int64_t>(shape.size()); ++r) {
    if (r < axis) v.outer *= shape[r];
    if (r == axis) v.n = shape[r];
    if (r > axis) v.inner *= shape[r];
  }
  return v;
}

Shape broadcast_unequal_shapes(const char* op, const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {  // aligned from the right
    const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) {
      throw ShapeError(fmt::format("{}: shapes {} and {} cannot be broadcast together", op,
                                   shape_str(a), shape_str(b)));
    }
    out[rank - 1 - i] = da == 1 ? db : da;
  }
  numel(out, op);  // [2^40, 1] and [1, 2^40] fit, but the result would be too large
  return out;
}

std::vector<int64_t> row_major_strides(const Shape& shape) {
  std::vector<int64_t> stride(shape.size(), 1);
  for (size_t r = shape.size(); r-- > 1;) stride[r - 1] = stride[r] * shape[r];
  return stride;
}

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> stride(out.size(), 0);
  const std::vector<int64_t> own = row_major_strides(in);
  const size_t lead = out.size() - in.size();  // shapes are aligned from the right
  // exercise 2: broadcast strides (so its gradient sum) -- tutorial 03, picture linear_layer.svg
  // stub: (void)own, (void)lead, ag::exercise::not_written(2);
  // wrong left-aligned: for (size_t r = 0; r < in.size(); ++r) {
  // wrong left-aligned:   if (in[r] != 1) stride[r] = own[r];
  // wrong left-aligned: }
  for (size_t r = 0; r < in.size(); ++r) {
    if (in[r] != 1) stride[lead + r] = own[r];
  }
  // end exercise 2
  return stride;
}

}  // namespace ag::detail
