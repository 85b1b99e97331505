// conv.cpp — conv2d and conv1d: the formula of conv.hpp as loops, and the ops.
//
// A convolution is a sum of products weight * input, one for every (sample n, output channel o,
// output position (i, j), input channel c, filter tap (p, q)). for_each_product below visits them
// all; forward adds each product into its result element, and backward sends grad back to both
// factors of each product, as mul's rule does. conv1d is conv2d on a [N, C, 1, L] view: the same
// numbers in the same order, with a window of height 1.
//
// The ops run the same sums as matrix products (fast/conv_gemm.cpp, im2col) on OpenBLAS, or on a
// plain loop under portable kernels (fast/kernels.hpp); the loops here are the reference they are
// tested against (tests/autograd/conv_test.cpp). Also here: window_geometry, the checks and output
// sizes that pooling.cpp shares.
#include <fmt/format.h>

#include "autograd/conv.hpp"
#include "autograd/op_info.hpp"
#include "conv_geometry.hpp"
#include "fast/conv_gemm.hpp"
#include "op_support.hpp"

namespace ag {

namespace detail {

namespace {
// A size as the user wrote it: "2" for a 1-d op, "[2, 3]" for a 2-d one.
std::string size_str(Size2 size, bool one_d) {
  return one_d ? fmt::format("{}", size.w) : fmt::format("[{}, {}]", size.h, size.w);
}
}  // namespace

Geometry window_geometry(const char* op, const Shape& shape, Windows windows,
                         int64_t out_channels) {
  const bool one_d = shape.size() == 3;  // [N, C, L]: H = 1, and the window's height is 1
  const auto [kernel, stride, padding, dilation] = windows;
  const auto check = [&](Size2 size, int64_t least, const char* what) {
    if (size.h < least || size.w < least) {
      throw ValueError(fmt::format("{}: {} must be at least {}, got {}", op, what, least,
                                   size_str(size, one_d)));
    }
  };
  check(kernel, 1, "kernel_size");
  check(stride, 1, "stride");
  check(padding, 0, "padding");
  check(dilation, 1, "dilation");
  if (padding.h > kMaxNumel || padding.w > kMaxNumel) {  // so that the padded size below fits
    throw ValueError(
        fmt::format("{}: padding must be at most 2^56, got {}", op, size_str(padding, one_d)));
  }
  Geometry g{};
  g.batch = shape[0];
  g.channels = shape[1];
  g.height = one_d ? 1 : shape[2];
  g.width = shape.back();
  g.out_channels = out_channels;
  g.kernel_h = kernel.h, g.kernel_w = kernel.w;
  g.stride_h = stride.h, g.stride_w = stride.w;
  g.padding_h = padding.h, g.padding_w = padding.w;
  g.dilation_h = dilation.h, g.dilation_w = dilation.w;
  // The span a window covers (with its gaps), dilation * (kernel - 1) + 1, and how many times it
  // fits in the padded input. Whether it fits is asked by dividing, not multiplying: a dilation
  // or kernel near 2^63 would wrap the product around and pass for a small window.
  const int64_t padded_h = g.height + 2 * padding.h, padded_w = g.width + 2 * padding.w;
  const auto fits = [](int64_t kernel_size, int64_t dilation_size, int64_t padded) {
    return padded >= 1 && kernel_size - 1 <= (padded - 1) / dilation_size;
  };
  if (!fits(kernel.h, dilation.h, padded_h) || !fits(kernel.w, dilation.w, padded_w)) {
    const auto span = [](int64_t kernel_size, int64_t dilation_size) {
      int64_t s = 0;
      return __builtin_mul_overflow(dilation_size, kernel_size - 1, &s) || s == INT64_MAX
                 ? std::string("more than 2^63")
                 : fmt::format("{}", s + 1);
    };
    const std::string spans = one_d ? span(kernel.w, dilation.w)
                                    : fmt::format("[{}, {}]", span(kernel.h, dilation.h),
                                                  span(kernel.w, dilation.w));
    const std::string spanning = dilation.h == 1 && dilation.w == 1
                                     ? ""
                                     : fmt::format(" (spanning {} with dilation {})", spans,
                                                   size_str(dilation, one_d));
    throw ShapeError(fmt::format("{}: the window {}{} does not fit in the input {} padded by {}",
                                 op, size_str(kernel, one_d), spanning, shape_str(shape),
                                 size_str(padding, one_d)));
  }
  g.out_h = (padded_h - (dilation.h * (kernel.h - 1) + 1)) / stride.h + 1;
  g.out_w = (padded_w - (dilation.w * (kernel.w - 1) + 1)) / stride.w + 1;
  return g;
}

// Calls f(at_result, at_weight, at_input) for every product weight[at_weight] * input[at_input]
// that the formula adds into result[at_result]: for n, o, i, j (the result element), then c, p, q
// (the filter tap), skipping taps that fall on padding (they read 0 and add nothing).
template <class F>
void for_each_product(const Geometry& g, F f) {
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t o = 0; o < g.out_channels; ++o)
      for (int64_t i = 0; i < g.out_h; ++i)
        for (int64_t j = 0; j < g.out_w; ++j) {
          const int64_t at_result = ((n * g.out_channels + o) * g.out_h + i) * g.out_w + j;
          for (int64_t c = 0; c < g.channels; ++c)
            for (int64_t p = 0; p < g.kernel_h; ++p)
              for (int64_t q = 0; q < g.kernel_w; ++q) {
                const int64_t y = g.input_row(i, p), x = g.input_col(j, q);
                if (y < 0 || y >= g.height || x < 0 || x >= g.width) continue;  // padding
                f(at_result, ((o * g.channels + c) * g.kernel_h + p) * g.kernel_w + q,
                  ((n * g.channels + c) * g.height + y) * g.width + x);
              }
        }
}

// result = bias, then result += weight * input for every product.
void conv2d_direct(const Geometry& g, const double* input, const double* weight, const double* bias,
                   double* result) {
  const int64_t plane = g.out_h * g.out_w;
  for (int64_t r = 0; r < g.batch * g.out_channels * plane; ++r)
    result[r] = bias != nullptr ? bias[(r / plane) % g.out_channels] : 0.0;
  for_each_product(g, [&](int64_t r, int64_t w, int64_t x) { result[r] += weight[w] * input[x]; });
}

// Each product weight[w] * input[x] in result[r] sends grad[r] back as mul does:
// d weight[w] += grad[r] * input[x], d input[x] += grad[r] * weight[w]; d bias[o] += grad[r].
void conv2d_direct_backward(const Geometry& g, const double* input, const double* weight,
                            const double* grad, double* ginput, double* gweight, double* gbias) {
  const int64_t plane = g.out_h * g.out_w;
  if (gbias != nullptr) {
    for (int64_t r = 0; r < g.batch * g.out_channels * plane; ++r)
      gbias[(r / plane) % g.out_channels] += grad[r];
  }
  for_each_product(g, [&](int64_t r, int64_t w, int64_t x) {
    if (gweight != nullptr) gweight[w] += grad[r] * input[x];
    if (ginput != nullptr) ginput[x] += grad[r] * weight[w];
  });
}

}  // namespace detail

namespace {

// The backward of conv2d and conv1d: the rule of conv2d_direct_backward, run as matrix products.
void conv_backward(const Tape& tape, const Node& node) {
  const auto g = tape.saved<detail::Geometry>(node);
  const bool has_bias = node.input_count == 3;
  detail::fast::conv2d_gemm_backward(  // = conv2d_direct_backward, on OpenBLAS
      g, tape.input(node, 0).value.data(), tape.input(node, 1).value.data(), node.out->grad.data(),
      tape.input_grad(node, 0), tape.input_grad(node, 1),
      has_bias ? tape.input_grad(node, 2) : nullptr);
}

// conv2d and conv1d: check the shapes (rank is 4 for conv2d, 3 for conv1d), compute, record.
Tensor convolution(const char* op, const Tensor& input, const Tensor& weight, const Tensor& bias,
                   detail::Windows windows) {
  detail::check_defined(op, input);
  detail::check_defined(op, weight);
  const Shape& x = input.shape();
  const Shape& w = weight.shape();
  const size_t rank = std::string_view(op) == "conv1d" ? 3 : 4;
  const char* layout = rank == 3 ? "[N, C, L]" : "[N, C, H, W]";
  const char* weight_layout = rank == 3 ? "[O, C, k]" : "[O, C, kh, kw]";
  if (x.size() != rank) {
    throw ShapeError(fmt::format("{}: input of shape {} is not {}", op, shape_str(x), layout));
  }
  if (w.size() != rank) {
    throw ShapeError(
        fmt::format("{}: weight of shape {} is not {}", op, shape_str(w), weight_layout));
  }
  if (w[1] != x[1]) {
    throw ShapeError(fmt::format(
        "{}: input {} has {} channels but weight {} expects {} (weight is {}, C its second axis)",
        op, shape_str(x), x[1], shape_str(w), w[1], weight_layout));
  }
  if (bias.defined() && bias.shape() != Shape{w[0]}) {
    throw ShapeError(fmt::format("{}: bias of shape {} does not match weight {}: expected [{}]", op,
                                 shape_str(bias.shape()), shape_str(w), w[0]));
  }
  windows.kernel = rank == 3 ? Size2{1, w[2]} : Size2{w[2], w[3]};
  const detail::Geometry g = detail::window_geometry(op, x, windows, w[0]);
  Shape shape = rank == 3 ? Shape{g.batch, g.out_channels, g.out_w}
                          : Shape{g.batch, g.out_channels, g.out_h, g.out_w};
  numel(shape, op);
  auto result = detail::make_result(std::move(shape));  // conv2d_gemm writes every element
  const double* b = bias.defined() ? bias.impl().value.data() : nullptr;
  detail::fast::conv2d_gemm(  // = conv2d_direct, on OpenBLAS
      g, input.impl().value.data(), weight.impl().value.data(), b, result->value.data());
  if (bias.defined()) {
    detail::record(op, {&input, &weight, &bias}, result, &conv_backward, save(g));
  } else {
    detail::record(op, {&input, &weight}, result, &conv_backward, save(g));
  }
  return Tensor(result);
}

}  // namespace

constexpr OpInfo kConv2d{"conv2d",
                         "d input = grad through every weight that read it (a transposed "
                         "convolution),  d weight = grad times the input each tap read, summed "
                         "over n, i, j,  d bias = grad summed over n, i, j"};
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
              Conv2dOptions options) {
  return convolution(kConv2d.name, input, weight, bias,
                     {.kernel = 1,  // from the weight's shape
                      .stride = options.stride,
                      .padding = options.padding,
                      .dilation = options.dilation});
}

constexpr OpInfo kConv1d{"conv1d", kConv2d.formula};
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias,
              Conv1dOptions options) {
  // Along H: one row, read by a window of height 1 with stride 1, no padding and no gaps.
  return convolution(kConv1d.name, input, weight, bias,
                     {.kernel = 1,
                      .stride = {1, options.stride},
                      .padding = {0, options.padding},
                      .dilation = {1, options.dilation}});
}

std::optional<WindowGeometry> saved_windows(const Tape& tape, size_t i) {
  const Node& node = tape.node(i);
  for (const auto entries : {detail::conv_op_info(), detail::pooling_op_info()}) {
    for (const OpInfo* info : entries) {
      if (std::string_view(node.op) == info->name) return tape.saved<WindowGeometry>(node);
    }
  }
  return std::nullopt;  // not one of conv.hpp's ops: it saved no windows
}

// ----- this file's entries in the op index (op_info.cpp) --------------------------------------
std::span<const OpInfo* const> detail::conv_op_info() {
  static constexpr const OpInfo* kEntries[] = {&kConv1d, &kConv2d};
  return kEntries;
}

}  // namespace ag
