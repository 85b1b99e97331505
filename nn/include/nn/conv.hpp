// conv.hpp — Conv1d, Conv2d, MaxPool1d, MaxPool2d, AvgPool2d, and Flatten (what joins a
// convolution stack to a Linear).
//
// Each is one engine op (autograd/include/autograd/conv.hpp, or reshape for Flatten) with a name
// around it: the gradients are the engine's, and the graph shows a "conv1/conv2d" node. Names,
// shapes and defaults are PyTorch's, so weights copy straight in and out of torch.nn:
//     Conv2d  weight [out_channels, in_channels, kh, kw], bias [out_channels]
//             input [N, in_channels, H, W] -> [N, out_channels, H_out, W_out]
//     Conv1d  weight [out_channels, in_channels, k], bias [out_channels]
//             input [N, in_channels, L] -> [N, out_channels, L_out]
//
// Initialised as PyTorch's _ConvNd.reset_parameters does (torch/nn/modules/conv.py):
//     weight: kaiming_uniform(a = sqrt(5)), i.e. uniform(-b, b) with b = 1 / sqrt(fan_in)
//     bias:   uniform(-1 / sqrt(fan_in), 1 / sqrt(fan_in))
// where fan_in = in_channels * kh * kw, the numbers each output sums over (init.hpp: the gain of
// a = sqrt(5) is sqrt(2 / 6), so b = sqrt(1/3) * sqrt(3 / fan_in) = 1 / sqrt(fan_in), the same
// bound as Linear's). Weight first, then bias, from `gen`.
//
// The pooling modules have no parameters: each is its op's options and a name, so in a
// Sequential they take an index ("cnn.2") and save nothing, as in PyTorch's state_dict.
//
// What this file leaves out: groups, padding modes other than zeros, Conv3d, ConvTranspose, lazy
// modules, unbatched inputs ([C, H, W] without N), pooling's ceil_mode, dilation and
// count_include_pad = false (the ops have none of them: autograd/include/autograd/conv.hpp).
#pragma once

#include <autograd/conv.hpp>

#include <string>
#include <utility>

#include "nn/module.hpp"

namespace ag::nn {

// The keyword arguments of torch.nn.Conv2d beyond the sizes: the op's settings (ag::Conv2dOptions)
// and whether there is a bias. (A name of its own, so that code with both `using namespace ag`
// and `using namespace ag::nn` can still name either.)
struct Conv2dModuleOptions {
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 dilation = 1;
  bool bias = true;
};
struct Conv1dModuleOptions {
  int64_t stride = 1;
  int64_t padding = 0;
  int64_t dilation = 1;
  bool bias = true;
};

// What Conv1d and Conv2d share, as PyTorch's _ConvNd: the parameters, their initialisation, and
// forward: the check of an input's shape and channels, then the op, in the module's scope.
class ConvNd : public UnaryModule {
 public:
  Tensor weight;  // [out_channels, in_channels, kernel...]
  Tensor bias;    // [out_channels], or an empty handle when made with .bias = false

  int64_t in_channels() const { return weight.size(1); }
  int64_t out_channels() const { return weight.size(0); }

  // A ShapeError naming the module unless input is [N, in_channels, ...] (the layout's rank),
  // then convolve(input).
  Tensor forward(const Tensor& input) override;

 protected:
  // `type` names the class in errors ("Conv2d"); `layout` the input it takes ("[N, C, H, W]");
  // kernel holds the kernel's sizes (kh, kw or k).
  ConvNd(const char* type, std::string name, const char* layout, int64_t in_channels,
         int64_t out_channels, const Shape& kernel, bool with_bias, Generator& gen);
  // The op on a checked input: conv2d or conv1d with the module's settings.
  virtual Tensor convolve(const Tensor& input) const = 0;
  // ", bias=false" for a convolution without bias: the end of PyTorch's repr.
  std::string bias_repr() const { return bias.defined() ? "" : ", bias=false"; }

 private:
  const char* type_;
  const char* layout_;
};

// Conv2d(in_channels, out_channels, kernel_size, gen, {.padding = 1}): y = conv2d(x, weight,
// bias, options).
class Conv2d : public ConvNd {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, Generator& gen,
         Conv2dModuleOptions options = {});

  const Conv2dModuleOptions& options() const { return options_; }

 protected:
  std::string type_name() const override { return "Conv2d"; }
  std::string extra_repr() const override;
  Tensor convolve(const Tensor& input) const override;

 private:
  Conv2dModuleOptions options_;
};

// Conv1d(in_channels, out_channels, kernel_size, gen, {.padding = 1}): y = conv1d(x, weight,
// bias, options), for sequences [N, C, L] (audio frames, text as embeddings by channel).
class Conv1d : public ConvNd {
 public:
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Generator& gen,
         Conv1dModuleOptions options = {});

  const Conv1dModuleOptions& options() const { return options_; }

 protected:
  std::string type_name() const override { return "Conv1d"; }
  std::string extra_repr() const override;
  Tensor convolve(const Tensor& input) const override;

 private:
  Conv1dModuleOptions options_;
};

// What the pooling modules share: no parameters, only the op's options and the op itself, which
// forward runs in the module's scope. Each module below names its op and prints its settings.
template <class Options>
class PoolModule : public UnaryModule {
 public:
  using Op = Tensor (*)(const Tensor&, Options);  // max_pool2d, max_pool1d or avg_pool2d
  Tensor forward(const Tensor& input) override {
    ScopeGuard scope(name());
    return op_(input, options_);
  }
  const Options& options() const { return options_; }

 protected:
  PoolModule(std::string name, Op op, Options options)
      : UnaryModule(std::move(name)), op_(op), options_(options) {}

 private:
  Op op_;
  Options options_;
};

// MaxPool2d({.kernel_size = 2}): y = max_pool2d(x, options), for images [N, C, H, W].
class MaxPool2d : public PoolModule<MaxPool2dOptions> {
 public:
  explicit MaxPool2d(MaxPool2dOptions options) : PoolModule("max_pool2d", &max_pool2d, options) {}

 protected:
  std::string type_name() const override { return "MaxPool2d"; }
  std::string extra_repr() const override;
};

// MaxPool1d({.kernel_size = 2}): y = max_pool1d(x, options), for sequences [N, C, L].
class MaxPool1d : public PoolModule<MaxPool1dOptions> {
 public:
  explicit MaxPool1d(MaxPool1dOptions options) : PoolModule("max_pool1d", &max_pool1d, options) {}

 protected:
  std::string type_name() const override { return "MaxPool1d"; }
  std::string extra_repr() const override;
};

// AvgPool2d({.kernel_size = 2}): y = avg_pool2d(x, options), each window's mean (the padding
// counts in the divisor, PyTorch's default count_include_pad = true).
class AvgPool2d : public PoolModule<AvgPool2dOptions> {
 public:
  explicit AvgPool2d(AvgPool2dOptions options) : PoolModule("avg_pool2d", &avg_pool2d, options) {}

 protected:
  std::string type_name() const override { return "AvgPool2d"; }
  std::string extra_repr() const override;
};

// Flatten(start_dim = 1, end_dim = -1): the axes start_dim..end_dim joined into one, by reshape;
// [N, C, H, W] -> [N, C*H*W] by default, what a Linear after a convolution stack reads.
class Flatten : public UnaryModule {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1);
  Tensor forward(const Tensor& input) override;

 protected:
  std::string type_name() const override { return "Flatten"; }
  std::string extra_repr() const override;

 private:
  int64_t start_dim_, end_dim_;
};

}  // namespace ag::nn
