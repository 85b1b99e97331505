// pooling.cpp — max_pool2d, max_pool1d and avg_pool2d: a window slides over each channel.
//
// Each result element summarises one window of one channel: its largest value (max) or its mean
// (avg). In backward, max_pool is max's rule per window (all of grad to the element that won,
// found in forward and saved as indices), and avg_pool is mean's (grad / (kh * kw) to each
// element). Where windows overlap (stride < kernel) an input element may win, or sit in, several
// windows: its gradients add up (+=). max_pool1d is max_pool2d on a [N, C, 1, L] view.
//
// These are plain loops with no fast path: a window touches few numbers, and a pooling layer
// costs little beside the convolution before it.
#include <fmt/format.h>

#include <cmath>

#include "autograd/conv.hpp"
#include "autograd/op_info.hpp"
#include "conv_geometry.hpp"
#include "op_support.hpp"

namespace ag {

namespace {

using detail::Geometry;

// Calls f(at_result, at_self) for every element self[at_self] in the window of result[at_result]:
// for every plane (n, c), every result position (i, j), then the window's cells (p, q) in row
// order, skipping cells that fall on padding.
template <class F>
void for_each_window_cell(const Geometry& g, F f) {
  for (int64_t plane = 0; plane < g.batch * g.channels; ++plane)
    for (int64_t i = 0; i < g.out_h; ++i)
      for (int64_t j = 0; j < g.out_w; ++j) {
        const int64_t at_result = (plane * g.out_h + i) * g.out_w + j;
        for (int64_t p = 0; p < g.kernel_h; ++p)
          for (int64_t q = 0; q < g.kernel_w; ++q) {
            const int64_t y = g.input_row(i, p), x = g.input_col(j, q);
            if (y < 0 || y >= g.height || x < 0 || x >= g.width) continue;  // padding
            f(at_result, (plane * g.height + y) * g.width + x);
          }
      }
}

// The checks pooling adds to window_geometry's, and the result's shape (rank kept: 3 or 4).
Geometry pooling_geometry(const char* op, const Tensor& self, detail::Windows windows) {
  detail::check_defined(op, self);
  const Shape& shape = self.shape();
  const bool one_d = std::string_view(op) == "max_pool1d";
  if (shape.size() != (one_d ? 3 : 4)) {
    throw ShapeError(fmt::format("{}: input of shape {} is not {}", op, shape_str(shape),
                                 one_d ? "[N, C, L]" : "[N, C, H, W]"));
  }
  const Geometry g = detail::window_geometry(op, shape, windows, shape[1]);
  // PyTorch's rule: with more padding, a window could lie wholly in the padding and have no max.
  if (g.padding_h > g.kernel_h / 2 || g.padding_w > g.kernel_w / 2) {
    throw ValueError(fmt::format(
        "{}: padding {} must be at most half the kernel size {}", op,
        one_d ? fmt::format("{}", g.padding_w) : fmt::format("[{}, {}]", g.padding_h, g.padding_w),
        one_d ? fmt::format("{}", g.kernel_w) : fmt::format("[{}, {}]", g.kernel_h, g.kernel_w)));
  }
  return g;
}

Shape pooled_shape(const char* op, const Tensor& self, const Geometry& g) {
  Shape shape = self.dim() == 3 ? Shape{g.batch, g.channels, g.out_w}
                                : Shape{g.batch, g.channels, g.out_h, g.out_w};
  numel(shape, op);
  return shape;
}

// Whether `candidate` replaces the best so far in a window: PyTorch's CPU kernel keeps the first
// of equal maxima (a strict >), and any NaN replaces the best (so the last NaN wins).
bool takes_the_max(double candidate, double best) {
  return candidate > best || std::isnan(candidate);
}

// max_pool2d and max_pool1d: the max of each window, and where it was (saved for backward).
Tensor max_pool(const char* op, const Tensor& self, detail::Windows windows) {
  const Geometry g = pooling_geometry(op, self, windows);
  auto result = detail::make_result(pooled_shape(op, self, g));
  const double* x = self.impl().value.data();
  double* y = result->value.data();
  // Every window holds at least one cell of the input (padding <= kernel / 2), so each gets one.
  std::vector<int64_t> where(result->value.size(), -1);
  for_each_window_cell(g, [&](int64_t r, int64_t at) {
    if (where[r] < 0 || takes_the_max(x[at], x[where[r]])) where[r] = at;
  });
  for (size_t r = 0; r < where.size(); ++r) y[r] = x[where[r]];
  // Backward: all of grad[r] to the element that won window r (its flat index, saved).
  detail::record(op, {&self}, result, &detail::scatter_backward, save_indices(where));
  return Tensor(result);
}

// avg_pool2d's backward: d self[at] += grad[r] / (kh * kw) for every cell of window r.
void avg_pool_backward(const Tape& tape, const Node& node) {
  double* gself = tape.input_grad(node, 0);
  if (gself == nullptr) return;
  const auto g = tape.saved<Geometry>(node);
  const auto divisor = static_cast<double>(g.kernel_h * g.kernel_w);
  const double* grad = node.out->grad.data();
  for_each_window_cell(g, [&](int64_t r, int64_t at) { gself[at] += grad[r] / divisor; });
}

}  // namespace

constexpr OpInfo kMaxPool2d{"max_pool2d",
                            "d self = grad at each window's arg-max, 0 elsewhere (overlapping "
                            "windows add up)"};
Tensor max_pool2d(const Tensor& self, MaxPool2dOptions options) {
  return max_pool(kMaxPool2d.name, self,
                  {.kernel = options.kernel_size,
                   .stride = options.stride.value_or(options.kernel_size),
                   .padding = options.padding,
                   .dilation = 1});
}

constexpr OpInfo kMaxPool1d{"max_pool1d", kMaxPool2d.formula};
Tensor max_pool1d(const Tensor& self, MaxPool1dOptions options) {
  // Along H: one row, a window of height 1.
  return max_pool(kMaxPool1d.name, self,
                  {.kernel = {1, options.kernel_size},
                   .stride = {1, options.stride.value_or(options.kernel_size)},
                   .padding = {0, options.padding},
                   .dilation = 1});
}

constexpr OpInfo kAvgPool2d{"avg_pool2d",
                            "d self = grad / (kh * kw) added to every element of its window"};
Tensor avg_pool2d(const Tensor& self, AvgPool2dOptions options) {
  const char* op = kAvgPool2d.name;
  const Geometry g = pooling_geometry(op, self,
                                      {.kernel = options.kernel_size,
                                       .stride = options.stride.value_or(options.kernel_size),
                                       .padding = options.padding,
                                       .dilation = 1});
  auto result = detail::make_impl(pooled_shape(op, self, g));  // zeros: the sums start at 0
  const double* x = self.impl().value.data();
  double* y = result->value.data();
  // Padding adds 0 to the sum but counts in the divisor (count_include_pad).
  const auto divisor = static_cast<double>(g.kernel_h * g.kernel_w);
  for_each_window_cell(g, [&](int64_t r, int64_t at) { y[r] += x[at]; });
  for (size_t r = 0; r < result->value.size(); ++r) y[r] /= divisor;
  detail::record(op, {&self}, result, &avg_pool_backward, save(g));
  return Tensor(result);
}

// ----- this file's entries in the op index (op_info.cpp) --------------------------------------
std::span<const OpInfo* const> detail::pooling_op_info() {
  static constexpr const OpInfo* kEntries[] = {&kMaxPool1d, &kMaxPool2d, &kAvgPool2d};
  return kEntries;
}

}  // namespace ag
