// shape_ops.cpp — ops that move numbers without changing them: reshape, permute, slice,
// concat, stack, index_select, gather.
//
// Every one of them is a copy from some positions of the input to positions of the result. Its
// backward is the same map read the other way: add (+=) the result's gradient back into the
// input position it came from. Where a position was read twice (index_select with repeats), its
// two contributions add up.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>

#include "autograd/op_info.hpp"
#include "autograd/ops.hpp"
#include "op_support.hpp"

namespace ag {

using detail::axis_view;
using detail::make_impl;
using detail::make_result;
using detail::normalize_axis;
using detail::record;

// ----- reshape ---------------------------------------------------------------------------------
namespace {
// Same layout, same order: d self[i] += grad[i].
void copy_backward(const Tape& tape, const Node& node) {
  double* gself = tape.input_grad(node, 0);
  if (gself == nullptr) return;
  const double* grad = node.out->grad.data();
  for (size_t i = 0; i < node.out->grad.size(); ++i) gself[i] += grad[i];
}
}  // namespace

constexpr OpInfo kReshape{"reshape", "d self = grad reshaped to self's shape"};
Tensor reshape(const Tensor& self, Shape shape) {
  detail::check_defined("reshape", self);
  int64_t known = 1, inferred = -1;
  for (size_t r = 0; r < shape.size(); ++r) {
    if (shape[r] == -1 && inferred < 0) {
      inferred = static_cast<int64_t>(r);
    } else if (shape[r] < 0) {
      throw ValueError(fmt::format("reshape: invalid target shape {} for a tensor of shape {}",
                                   shape_str(shape), shape_str(self.shape())));
    } else if (__builtin_mul_overflow(known, shape[r], &known)) {
      numel(shape, "reshape");  // throws: the sizes multiply past what a tensor may hold
    }
  }
  if (inferred >= 0 && known > 0 && self.numel() % known == 0)
    shape[inferred] = self.numel() / known;
  if (numel(shape) != self.numel() || (inferred >= 0 && shape[inferred] < 0)) {
    throw ShapeError(fmt::format("reshape: cannot view shape {} ({} elements) as {}",
                                 shape_str(self.shape()), self.numel(), shape_str(shape)));
  }
  auto result = make_impl(std::move(shape), self.impl().value);  // the same numbers, copied
  record(kReshape.name, {&self}, result, &copy_backward);
  return Tensor(result);
}

// ----- permute / transpose ---------------------------------------------------------------------
namespace {
// For result element i (row-major in the result's shape), the flat offset of the input element it
// copies. perm[r] names the input axis that result axis r comes from.
std::vector<int64_t> permuted_offsets(const Shape& in, std::span<const int64_t> perm) {
  const std::vector<int64_t> in_stride = detail::row_major_strides(in);
  Shape out(in.size());
  std::vector<int64_t> stride(in.size());
  for (size_t r = 0; r < in.size(); ++r) {
    out[r] = in[perm[r]];
    stride[r] = in_stride[perm[r]];
  }
  std::vector<int64_t> offsets(static_cast<size_t>(numel(in)));
  detail::for_each_offset<1>(out, {stride}, [&](int64_t i, const std::array<int64_t, 1>& at) {
    offsets[i] = at[0];
  });
  return offsets;
}

// The op saves the permutation:  d self[offset(i)] += grad[i]
void permute_backward(const Tape& tape, const Node& node) {
  double* gself = tape.input_grad(node, 0);
  if (gself == nullptr) return;
  const auto offsets = permuted_offsets(tape.input(node, 0).shape, tape.saved_indices(node));
  const double* grad = node.out->grad.data();
  for (size_t i = 0; i < offsets.size(); ++i) gself[offsets[i]] += grad[i];
}

Tensor permute_op(const char* op, const Tensor& self, std::vector<int64_t> dims) {
  detail::check_defined(op, self);
  const int64_t rank = self.dim();
  if (static_cast<int64_t>(dims.size()) != rank) {
    throw IndexError(fmt::format("{}: {} axes given for a tensor of shape {}", op, dims.size(),
                                 shape_str(self.shape())));
  }
  std::vector<bool> seen(rank, false);
  for (int64_t& d : dims) {
    d = normalize_axis(op, d, self.shape());
    if (seen[d]) {
      throw IndexError(fmt::format("{}: axis {} repeats in [{}]", op, d, fmt::join(dims, ", ")));
    }
    seen[d] = true;
  }
  Shape shape(rank);
  for (int64_t r = 0; r < rank; ++r) shape[r] = self.shape()[dims[r]];
  auto result = make_result(std::move(shape));
  const auto offsets = permuted_offsets(self.shape(), dims);
  const double* x = self.impl().value.data();
  double* y = result->value.data();
  for (size_t i = 0; i < offsets.size(); ++i) y[i] = x[offsets[i]];
  record(op, {&self}, result, &permute_backward, save_indices(dims));
  return Tensor(result);
}
}  // namespace

constexpr OpInfo kPermute{"permute", "d self = grad permuted back by the inverse of dims"};
Tensor permute(const Tensor& self, std::vector<int64_t> dims) {
  return permute_op(kPermute.name, self, std::move(dims));
}

constexpr OpInfo kTranspose{"transpose", "d self = grad with the same two axes swapped back"};
Tensor transpose(const Tensor& self, int64_t axis0, int64_t axis1) {
  detail::check_defined("transpose", self);
  const int64_t rank = self.dim();
  if (rank < 2) {
    throw IndexError(
        fmt::format("transpose: needs at least 2 axes, got shape {}", shape_str(self.shape())));
  }
  axis0 = normalize_axis("transpose", axis0, self.shape());
  axis1 = normalize_axis("transpose", axis1, self.shape());
  std::vector<int64_t> dims(rank);
  for (int64_t r = 0; r < rank; ++r) dims[r] = r;
  std::swap(dims[axis0], dims[axis1]);
  return permute_op(kTranspose.name, self, std::move(dims));
}

// ----- slice -----------------------------------------------------------------------------------
namespace {
struct SliceSettings {
  int64_t axis, start, end;
};

// d self[o, start + j, i] += grad[o, j, i]
void slice_backward(const Tape& tape, const Node& node) {
  double* gself = tape.input_grad(node, 0);
  if (gself == nullptr) return;
  const auto [axis, start, end] = tape.saved<SliceSettings>(node);
  const auto v = axis_view(tape.input(node, 0).shape, axis);
  const int64_t len = end - start;
  const double* grad = node.out->grad.data();
  // For each o, the (j, i) block is len * inner numbers in a row on both sides: one flat loop.
  const int64_t block = len * v.inner;
  for (int64_t o = 0; o < v.outer; ++o) {
    double* to = gself + (o * v.n + start) * v.inner;
    const double* from = grad + o * block;
    for (int64_t k = 0; k < block; ++k) to[k] += from[k];
  }
}
}  // namespace

constexpr OpInfo kSlice{"slice", "d self = grad inside [start, end) along the axis, 0 elsewhere"};
Tensor slice(const Tensor& self, int64_t axis, int64_t start, int64_t end) {
  detail::check_defined("slice", self);
  axis = normalize_axis("slice", axis, self.shape());
  // As Python's x[start:end] and torch's (aten::slice): a negative bound counts from the end,
  // both are then clamped into [0, n], and an end before the start gives an empty slice.
  const auto v = axis_view(self.shape(), axis);
  const int64_t s = std::clamp(start < 0 ? start + v.n : start, int64_t{0}, v.n);
  const int64_t e = std::clamp(end < 0 ? end + v.n : end, s, v.n);
  Shape shape = self.shape();
  shape[axis] = e - s;
  auto result = make_result(std::move(shape));
  const double* x = self.impl().value.data();
  double* y = result->value.data();
  for (int64_t o = 0; o < v.outer; ++o)
    std::copy_n(x + (o * v.n + s) * v.inner, (e - s) * v.inner, y + o * (e - s) * v.inner);
  record(kSlice.name, {&self}, result, &slice_backward, save(SliceSettings{axis, s, e}));
  return Tensor(result);
}

// ----- concat and stack ------------------------------------------------------------------------
// Both lay their inputs side by side: the result is [outer, total, inner] and input k fills
// [outer, size_k, inner] of it, starting where input k-1 ended. Stack is concat along a new
// axis of size 1 per input, so one backward rule serves both.
namespace {
// The result viewed as [outer, total, inner]; input k's size along the axis is its numel /
// (outer * inner).
struct JoinSettings {
  int64_t outer, total, inner;
};

void concat_backward(const Tape& tape, const Node& node) {
  const auto [outer, total, inner] = tape.saved<JoinSettings>(node);
  if (outer * inner == 0) return;  // nothing was copied
  const double* grad = node.out->grad.data();
  int64_t offset = 0;
  for (size_t k = 0; k < node.input_count; ++k) {
    const int64_t size = static_cast<int64_t>(tape.input(node, k).value.size()) / (outer * inner);
    if (double* g = tape.input_grad(node, k)) {
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t j = 0; j < size * inner; ++j)
          g[o * size * inner + j] += grad[(o * total + offset) * inner + j];
    }
    offset += size;
  }
}

Tensor join(const char* op, const std::vector<Tensor>& tensors, int64_t axis, bool new_axis) {
  if (tensors.empty()) throw ValueError(fmt::format("{}: needs at least one tensor", op));
  for (const Tensor& t : tensors) detail::check_defined(op, t);
  const Shape& first = tensors[0].shape();
  const int64_t rank = static_cast<int64_t>(first.size());
  axis = normalize_axis(op, axis, first, new_axis ? rank + 1 : rank);
  // The joined axis starts at 0 and grows by each input's share below (1 for stack, its size
  // along the axis for concat), the first input's included.
  Shape shape = first;
  if (new_axis) {
    shape.insert(shape.begin() + axis, 0);
  } else {
    shape[axis] = 0;
  }
  for (size_t k = 0; k < tensors.size(); ++k) {
    Shape s = tensors[k].shape();
    bool fits = static_cast<int64_t>(s.size()) == rank;
    for (int64_t r = 0; fits && r < rank; ++r) {
      fits = (!new_axis && r == axis) || s[r] == first[r];  // concat's own axis may differ
    }
    if (!fits) {
      throw ShapeError(
          fmt::format("{}: tensor {} has shape {}, which does not fit {} along axis {}", op, k,
                      shape_str(s), shape_str(first), axis));
    }
    if (__builtin_add_overflow(shape[axis], new_axis ? 1 : s[axis], &shape[axis])) {
      shape[axis] = std::numeric_limits<int64_t>::max();  // shown in the error just below
      throw_too_many_elements(op, shape);
    }
  }
  numel(shape, op);  // each input fits; together they may not
  const auto [outer, total, inner] = axis_view(shape, axis);
  auto result = make_result(shape);
  double* y = result->value.data();
  int64_t offset = 0;
  for (const Tensor& t : tensors) {
    const int64_t size = new_axis ? 1 : t.shape()[axis];
    const double* x = t.impl().value.data();
    for (int64_t o = 0; o < outer; ++o)
      std::copy_n(x + o * size * inner, size * inner, y + (o * total + offset) * inner);
    offset += size;
  }
  std::vector<const Tensor*> inputs;
  inputs.reserve(tensors.size());
  for (const Tensor& t : tensors) inputs.push_back(&t);
  record(op, inputs, result, &concat_backward, save(JoinSettings{outer, total, inner}));
  return Tensor(result);
}
}  // namespace

constexpr OpInfo kConcat{"concat", "d tensors[i] = the slice of grad that tensors[i] filled"};
Tensor concat(const std::vector<Tensor>& tensors, int64_t axis) {
  return join(kConcat.name, tensors, axis, false);
}

constexpr OpInfo kStack{"stack", "d tensors[i] = grad.select(axis, i)"};
Tensor stack(const std::vector<Tensor>& tensors, int64_t axis) {
  return join(kStack.name, tensors, axis, true);
}

// ----- index_select and gather -----------------------------------------------------------------
namespace {
struct IndexSelectSettings {
  int64_t axis;  // and the indices, saved as the index list
};

// d self[o, indices[j], i] += grad[o, j, i]
void index_select_backward(const Tape& tape, const Node& node) {
  double* gself = tape.input_grad(node, 0);
  if (gself == nullptr) return;
  const auto v = axis_view(tape.input(node, 0).shape, tape.saved<IndexSelectSettings>(node).axis);
  const auto indices = tape.saved_indices(node);
  const auto count = static_cast<int64_t>(indices.size());
  const double* grad = node.out->grad.data();
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t j = 0; j < count; ++j)
      for (int64_t i = 0; i < v.inner; ++i)
        gself[(o * v.n + indices[j]) * v.inner + i] += grad[(o * count + j) * v.inner + i];
}
}  // namespace

constexpr OpInfo kIndexSelect{"index_select",
                              "d self = grad added back at the selected indices (repeats add up)"};
Tensor index_select(const Tensor& self, int64_t axis, const std::vector<int64_t>& indices) {
  detail::check_defined("index_select", self);
  axis = normalize_axis("index_select", axis, self.shape());
  const auto v = axis_view(self.shape(), axis);
  for (int64_t idx : indices) {
    if (idx < 0 || idx >= v.n) {
      throw IndexError(fmt::format("index_select: index {} is out of range for axis {} of shape {}",
                                   idx, axis, shape_str(self.shape())));
    }
  }
  Shape shape = self.shape();
  shape[axis] = static_cast<int64_t>(indices.size());
  auto result = make_result(std::move(shape));
  const int64_t count = static_cast<int64_t>(indices.size());
  const double* x = self.impl().value.data();
  double* y = result->value.data();
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t j = 0; j < count; ++j)
      std::copy_n(x + (o * v.n + indices[j]) * v.inner, v.inner, y + (o * count + j) * v.inner);
  record(kIndexSelect.name, {&self}, result, &index_select_backward,
         save(IndexSelectSettings{axis}, indices));
  return Tensor(result);
}

constexpr OpInfo kGather{"gather", "d self = scatter_add of grad at index (index: no gradient)"};
Tensor gather(const Tensor& self, int64_t axis, const Tensor& index) {
  detail::check_defined("gather", self);
  detail::check_defined("gather", index);
  axis = normalize_axis("gather", axis, self.shape());
  const Shape& s = self.shape();
  const Shape& is = index.shape();
  bool fits = is.size() == s.size();
  for (size_t r = 0; fits && r < s.size(); ++r)
    fits = static_cast<int64_t>(r) == axis || is[r] <= s[r];
  if (!fits) {
    throw ShapeError(
        fmt::format("gather: index of shape {} does not fit input of shape {} "
                    "(same rank, no larger except along axis {})",
                    shape_str(is), shape_str(s), axis));
  }
  // The index tensor's own multi-index, read with self's strides, except along `axis`, where the
  // index value says where to read.
  std::vector<int64_t> stride = detail::row_major_strides(s);
  const int64_t axis_stride = stride[axis];
  stride[axis] = 0;
  auto result = make_result(is);
  std::vector<int64_t> from(static_cast<size_t>(index.numel()));
  const double* idx = index.impl().value.data();
  detail::for_each_offset<1>(is, {stride}, [&](int64_t e, const std::array<int64_t, 1>& at) {
    const double want = idx[e];
    if (want != static_cast<double>(static_cast<int64_t>(want)) || want < 0 ||
        want >= static_cast<double>(s[axis])) {
      throw IndexError(
          fmt::format("gather: index value {} is not a whole number in [0, {}) for "
                      "axis {} of shape {}",
                      want, s[axis], axis, shape_str(s)));
    }
    from[e] = at[0] + static_cast<int64_t>(want) * axis_stride;
  });
  const double* x = self.impl().value.data();
  double* y = result->value.data();
  for (size_t e = 0; e < from.size(); ++e) y[e] = x[from[e]];
  // Backward: grad added back where each element was read from (the offsets, saved).
  record(kGather.name, {&self}, result, &detail::scatter_backward, save_indices(from));
  return Tensor(result);
}

// ----- this file's entries in the op index (op_info.cpp) --------------------------------------
std::span<const OpInfo* const> detail::shape_op_info() {
  static constexpr const OpInfo* kEntries[] = {&kReshape, &kPermute, &kTranspose,   &kSlice,
                                               &kConcat,  &kStack,   &kIndexSelect, &kGather};
  return kEntries;
}

}  // namespace ag
