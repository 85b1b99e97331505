// creation.cpp — tensors made from nothing: zeros, ones, full, arange, from values.
//
// These are leaves: nothing is recorded until an op uses them. With requires_grad they are
// parameters, and backward adds their gradient into them.
#include <fmt/format.h>

#include <cmath>

#include "autograd/error.hpp"
#include "autograd/ops.hpp"
#include "op_support.hpp"

namespace ag {

Tensor full(Shape shape, double value, bool requires_grad) {
  detail::check_sizes("full", shape);
  auto impl = detail::make_result(std::move(shape));
  std::fill_n(impl->value.data(), impl->value.size(), value);
  impl->requires_grad = requires_grad;
  return Tensor(impl);
}

Tensor zeros(Shape shape, bool requires_grad) { return full(std::move(shape), 0.0, requires_grad); }
Tensor ones(Shape shape, bool requires_grad) { return full(std::move(shape), 1.0, requires_grad); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape()); }

Tensor scalar(double value, bool requires_grad) { return full({}, value, requires_grad); }

Tensor tensor(std::vector<double> values, Shape shape, bool requires_grad) {
  return Tensor(std::move(values), std::move(shape), requires_grad);
}

Tensor arange(double start, double end, double step) {
  if (step == 0.0 || !std::isfinite(start) || !std::isfinite(end) || !std::isfinite(step)) {
    throw ValueError(
        fmt::format("arange: invalid range start={} end={} step={}", start, end, step));
  }
  const double count = std::ceil((end - start) / step);
  // (Compared as a double before the conversion: 1e300 would not fit in int64.)
  if (!(count <= static_cast<double>(kMaxNumel))) {
    throw ShapeError(
        fmt::format("arange: start={} end={} step={} would make {:g} elements, more "
                    "than a tensor may hold (2^56)",
                    start, end, step, count));
  }
  const auto n = static_cast<int64_t>(count > 0 ? count : 0);
  auto impl = detail::make_result({n});
  for (int64_t i = 0; i < n; ++i) impl->value[i] = start + static_cast<double>(i) * step;
  return Tensor(impl);
}

}  // namespace ag
