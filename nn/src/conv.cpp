// conv.cpp — Conv1d, Conv2d, the pooling modules and Flatten: an engine op each, with PyTorch's
// init for the convolutions.
#include "nn/conv.hpp"

#include <fmt/format.h>

#include <cmath>

#include "nn/init.hpp"

namespace ag::nn {

namespace {

// "(3, 3)": a size as PyTorch's repr writes it.
std::string pair_str(Size2 size) { return fmt::format("({}, {})", size.h, size.w); }

// MaxPool2d's and AvgPool2d's settings, as PyTorch's AvgPool2d prints them (its MaxPool2d also
// prints dilation and ceil_mode, which the op does not have).
std::string pool2d_repr(const MaxPool2dOptions& options) {
  return fmt::format("kernel_size={}, stride={}, padding={}", pair_str(options.kernel_size),
                     pair_str(options.stride.value_or(options.kernel_size)),
                     pair_str(options.padding));
}

}  // namespace

// ----- ConvNd: what Conv1d and Conv2d share --------------------------------------------------
ConvNd::ConvNd(const char* type, std::string name, const char* layout, int64_t in_channels,
               int64_t out_channels, const Shape& kernel, bool with_bias, Generator& gen)
    : UnaryModule(std::move(name)), type_(type), layout_(layout) {
  if (in_channels < 1 || out_channels < 1) {
    throw ValueError(fmt::format("{}: in_channels = {} and out_channels = {} must be at least 1",
                                 type, in_channels, out_channels));
  }
  for (int64_t k : kernel) {
    if (k < 1) {
      throw ValueError(
          fmt::format("{}: kernel_size {} must be at least 1", type, shape_str(kernel)));
    }
  }
  Shape shape{out_channels, in_channels};
  shape.insert(shape.end(), kernel.begin(), kernel.end());
  weight = ag::zeros(shape);
  register_parameter("weight", weight);
  if (with_bias) {
    bias = ag::zeros({out_channels});
    register_parameter("bias", bias);
  }
  // PyTorch's _ConvNd.reset_parameters: weight kaiming_uniform(a = sqrt(5)), which is
  // uniform(+-1/sqrt(fan_in)), then the bias uniform(+-1/sqrt(fan_in)).
  init::kaiming_uniform(weight, gen, std::sqrt(5.0));
  if (with_bias) init::default_uniform(bias, init::fans(weight.shape()).in, gen);
}

Tensor ConvNd::forward(const Tensor& input) {
  ScopeGuard scope(name());
  const size_t rank = weight.shape().size();  // [N, C, ...] has the weight's rank
  if (!input.defined() || input.shape().size() != rank || input.shape()[1] != in_channels()) {
    throw ShapeError(fmt::format("{} '{}': input of shape {} is not {} with C = {}", type_, path(),
                                 input.defined() ? shape_str(input.shape()) : "undefined", layout_,
                                 in_channels()));
  }
  return convolve(input);
}

// ----- Conv2d --------------------------------------------------------------------------------
Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, Generator& gen,
               Conv2dModuleOptions options)
    : ConvNd("Conv2d", "conv2d", "[N, C, H, W]", in_channels, out_channels,
             {kernel_size.h, kernel_size.w}, options.bias, gen),
      options_(options) {}

Tensor Conv2d::convolve(const Tensor& input) const {
  return conv2d(
      input, weight, bias,
      {.stride = options_.stride, .padding = options_.padding, .dilation = options_.dilation});
}

std::string Conv2d::extra_repr() const {
  // PyTorch's repr: the sizes, then the settings that are not their defaults.
  std::string s = fmt::format("{}, {}, kernel_size={}, stride={}", in_channels(), out_channels(),
                              pair_str({weight.size(2), weight.size(3)}),
                              pair_str(options_.stride));
  if (options_.padding.h != 0 || options_.padding.w != 0)
    s += ", padding=" + pair_str(options_.padding);
  if (options_.dilation.h != 1 || options_.dilation.w != 1)
    s += ", dilation=" + pair_str(options_.dilation);
  return s + bias_repr();
}

// ----- Conv1d --------------------------------------------------------------------------------
Conv1d::Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Generator& gen,
               Conv1dModuleOptions options)
    : ConvNd("Conv1d", "conv1d", "[N, C, L]", in_channels, out_channels, {kernel_size},
             options.bias, gen),
      options_(options) {}

Tensor Conv1d::convolve(const Tensor& input) const {
  return conv1d(
      input, weight, bias,
      {.stride = options_.stride, .padding = options_.padding, .dilation = options_.dilation});
}

std::string Conv1d::extra_repr() const {
  std::string s = fmt::format("{}, {}, kernel_size=({},), stride=({},)", in_channels(),
                              out_channels(), weight.size(2), options_.stride);
  if (options_.padding != 0) s += fmt::format(", padding=({},)", options_.padding);
  if (options_.dilation != 1) s += fmt::format(", dilation=({},)", options_.dilation);
  return s + bias_repr();
}

// ----- the pooling modules: their settings, printed ------------------------------------------
std::string MaxPool2d::extra_repr() const { return pool2d_repr(options()); }
std::string AvgPool2d::extra_repr() const { return pool2d_repr(options()); }
std::string MaxPool1d::extra_repr() const {
  const MaxPool1dOptions& o = options();
  return fmt::format("kernel_size={}, stride={}, padding={}", o.kernel_size,
                     o.stride.value_or(o.kernel_size), o.padding);
}

// ----- Flatten -------------------------------------------------------------------------------
Flatten::Flatten(int64_t start_dim, int64_t end_dim)
    : UnaryModule("flatten"), start_dim_(start_dim), end_dim_(end_dim) {}

Tensor Flatten::forward(const Tensor& input) {
  ScopeGuard scope(name());
  const Shape& shape = input.shape();
  const auto rank = static_cast<int64_t>(shape.size());
  const int64_t start = start_dim_ < 0 ? start_dim_ + rank : start_dim_;
  const int64_t end = end_dim_ < 0 ? end_dim_ + rank : end_dim_;
  if (start < 0 || end >= rank || start > end) {
    throw IndexError(
        fmt::format("Flatten '{}': start_dim {} and end_dim {} do not name axes "
                    "first to last of the input of shape {}",
                    path(), start_dim_, end_dim_, shape_str(shape)));
  }
  Shape flat(shape.begin(), shape.begin() + start);
  int64_t joined = 1;
  for (int64_t r = start; r <= end; ++r) joined *= shape[r];
  flat.push_back(joined);
  flat.insert(flat.end(), shape.begin() + end + 1, shape.end());
  return reshape(input, flat);
}

std::string Flatten::extra_repr() const {
  return fmt::format("start_dim={}, end_dim={}", start_dim_, end_dim_);
}

}  // namespace ag::nn
