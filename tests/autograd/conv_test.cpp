// tests for autograd/src/conv.cpp, pooling.cpp and fast/conv_gemm.cpp: the im2col + dgemm form
// against the direct loops on odd shapes, small cases worked by hand, conv1d as conv2d of height
// 1, max pooling's tie and NaN rule, gradients that add up, and the errors. (Values and gradients
// against PyTorch: fixtures_test.cpp, over tests/reference/conv.json; central differences:
// gradcheck_test.cpp's table.)
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <autograd/autograd.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "conv_geometry.hpp"
#include "fast/conv_gemm.hpp"
#include "fast_vs_reference.hpp"

using namespace ag;

using fast_vs_reference::random_values;
using fast_vs_reference::worst_difference;

namespace {

std::vector<double> values(const Tensor& t) { return t.to_vector(); }
std::vector<double> grad_values(const Tensor& t) { return t.grad().to_vector(); }

}  // namespace

TEST_CASE("conv2d_gemm equals conv2d_direct on odd shapes, forward and backward", "[conv][ops]") {
  Generator gen(16);
  double worst_forward = 0, worst_backward = 0;
  for (int trial = 0; trial < 60; ++trial) {
    detail::Geometry g{};
    // Odd sizes on purpose: 1s, primes, kernels as large as the padded input, empty batches.
    g.batch = trial == 0 ? 0 : 1 + gen.randint(3);
    g.channels = 1 + gen.randint(4);
    g.out_channels = 1 + gen.randint(5);
    g.kernel_h = 1 + gen.randint(4), g.kernel_w = 1 + gen.randint(4);
    g.stride_h = 1 + gen.randint(3), g.stride_w = 1 + gen.randint(3);
    g.dilation_h = 1 + gen.randint(2), g.dilation_w = 1 + gen.randint(2);
    g.padding_h = gen.randint(3), g.padding_w = gen.randint(3);
    const int64_t span_h = g.dilation_h * (g.kernel_h - 1) + 1;
    const int64_t span_w = g.dilation_w * (g.kernel_w - 1) + 1;
    g.height = std::max<int64_t>(1, span_h - 2 * g.padding_h) + gen.randint(7);
    g.width = std::max<int64_t>(1, span_w - 2 * g.padding_w) + gen.randint(7);
    g.out_h = (g.height + 2 * g.padding_h - span_h) / g.stride_h + 1;
    g.out_w = (g.width + 2 * g.padding_w - span_w) / g.stride_w + 1;
    INFO(fmt::format(
        "trial {}: N {} C {} H {} W {} O {} kernel {}x{} stride {},{} padding {},{} "
        "dilation {},{}",
        trial, g.batch, g.channels, g.height, g.width, g.out_channels, g.kernel_h, g.kernel_w,
        g.stride_h, g.stride_w, g.padding_h, g.padding_w, g.dilation_h, g.dilation_w));
    REQUIRE(g.out_h >= 1);
    REQUIRE(g.out_w >= 1);
    const auto input = random_values(g.batch * g.channels * g.height * g.width, gen);
    const auto weight = random_values(g.out_channels * g.channels * g.kernel_h * g.kernel_w, gen);
    const auto bias = random_values(g.out_channels, gen);
    const bool with_bias = trial % 3 != 0;
    const size_t out_size = static_cast<size_t>(g.batch * g.out_channels * g.out_h * g.out_w);
    // Results start as garbage (both must overwrite them); gradients start non-zero (both must
    // add into them, +=).
    std::vector<double> direct(out_size, 123.0), gemm(out_size, -7.0);
    detail::conv2d_direct(g, input.data(), weight.data(), with_bias ? bias.data() : nullptr,
                          direct.data());
    detail::fast::conv2d_gemm(g, input.data(), weight.data(), with_bias ? bias.data() : nullptr,
                              gemm.data());
    const double forward = worst_difference(gemm, direct);
    CHECK(forward <= 1e-12);
    worst_forward = std::max(worst_forward, forward);

    const auto grad = random_values(static_cast<int64_t>(out_size), gen);
    std::vector<double> gi_direct(input.size(), 0.5), gw_direct(weight.size(), 0.25),
        gb_direct(bias.size(), -1.0);
    std::vector<double> gi_gemm(gi_direct), gw_gemm(gw_direct), gb_gemm(gb_direct);
    detail::conv2d_direct_backward(g, input.data(), weight.data(), grad.data(), gi_direct.data(),
                                   gw_direct.data(), gb_direct.data());
    // The gemm form also on a backward that needs only some gradients (null: skipped).
    detail::fast::conv2d_gemm_backward(g, input.data(), weight.data(), grad.data(), gi_gemm.data(),
                                       trial % 2 ? gw_gemm.data() : nullptr, gb_gemm.data());
    if (trial % 2 == 0) {
      detail::fast::conv2d_gemm_backward(g, input.data(), weight.data(), grad.data(), nullptr,
                                         gw_gemm.data(), nullptr);
    }
    const double backward = std::max({worst_difference(gi_gemm, gi_direct),
                                      worst_difference(gw_gemm, gw_direct),
                                      worst_difference(gb_gemm, gb_direct)});
    CHECK(backward <= 1e-12);
    worst_backward = std::max(worst_backward, backward);
  }
  // The agreement reached (rounding only: the two sum in different orders).
  WARN(
      fmt::format("conv2d gemm vs direct over 60 shapes: worst relative difference {:.1e} "
                  "forward, {:.1e} backward",
                  worst_forward, worst_backward));
}

TEST_CASE("conv2d on a 3 x 3 image, worked by hand", "[conv][ops]") {
  Tensor x = tensor({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3}, true);
  // A 2 x 2 filter that takes the difference along the diagonal: x[i, j] - x[i+1, j+1] = -4.
  Tensor w = tensor({1, 0, 0, -1}, {1, 1, 2, 2}, true);
  Tensor b = tensor({0.5}, {1}, true);
  Tape tape;
  Tensor y = conv2d(x, w, b);
  CHECK(shape_str(y.shape()) == "[1, 1, 2, 2]");
  CHECK(values(y) == std::vector<double>{-3.5, -3.5, -3.5, -3.5});
  sum(y).backward();
  // Each result (i, j) sends +1 to x[i, j] and -1 to x[i+1, j+1]: x[1, 1] gets both (0).
  CHECK(grad_values(x) == std::vector<double>{1, 1, 0, 1, 0, -1, 0, -1, -1});
  // d w[p, q] = sum of the inputs tap (p, q) read: x[0:2, 0:2] for (0,0), x[1:3, 1:3] for (1,1).
  CHECK(grad_values(w) == std::vector<double>{12, 16, 24, 28});
  CHECK(grad_values(b) == std::vector<double>{4});

  // Padding 1 reads zeros around the image: the corner result is 0 - x[0,0] + 0.5.
  Tape padded;
  Tensor z = conv2d(x, w, b, {.padding = 1});
  CHECK(shape_str(z.shape()) == "[1, 1, 4, 4]");
  CHECK(z.at({0, 0, 0, 0}) == -0.5);
  CHECK(z.at({0, 0, 3, 3}) == 9.5);
  CHECK(z.at({0, 0, 1, 1}) == -3.5);
  // Stride 2 with padding 1 keeps the corners only: rows and columns 0 and 2 of z.
  Tape strided;
  Tensor s = conv2d(x, w, b, {.stride = 2, .padding = 1});
  CHECK(values(s) == std::vector<double>{z.at({0, 0, 0, 0}), z.at({0, 0, 0, 2}), z.at({0, 0, 2, 0}),
                                         z.at({0, 0, 2, 2})});
}

TEST_CASE("conv1d is conv2d on a [N, C, 1, L] view, values and gradients", "[conv][ops]") {
  Generator gen(17);
  const Tensor x = normal({2, 3, 11}, 0, 1, gen).requires_grad_();
  const Tensor w = normal({4, 3, 3}, 0, 1, gen).requires_grad_();
  const Tensor b = normal({4}, 0, 1, gen).requires_grad_();
  const Tensor x2 = x.detach().reshape({2, 3, 1, 11}).detach().requires_grad_();
  const Tensor w2 = w.detach().reshape({4, 3, 1, 3}).detach().requires_grad_();
  const Tensor b2 = b.detach().requires_grad_();
  Tensor y1, y2;
  {
    Tape tape;
    y1 = conv1d(x, w, b, {.stride = 2, .padding = 2, .dilation = 3});
    sum(y1 * y1).backward();
  }
  {
    Tape tape;
    y2 = conv2d(x2, w2, b2, {.stride = {1, 2}, .padding = {0, 2}, .dilation = {1, 3}});
    sum(y2 * y2).backward();
  }
  CHECK(shape_str(y1.shape()) == "[2, 4, 5]");
  CHECK(values(y1) == values(y2));
  CHECK(grad_values(x) == grad_values(x2));
  CHECK(grad_values(w) == grad_values(w2));
  CHECK(grad_values(b) == grad_values(b2));
}

TEST_CASE("convolution gradients add up: a weight used by two convolutions", "[conv][ops]") {
  Generator gen(18);
  Tensor x = normal({1, 2, 5, 5}, 0, 1, gen);
  Tensor w = normal({3, 2, 3, 3}, 0, 1, gen).requires_grad_();
  Tensor once, twice;
  {
    Tape tape;
    sum(conv2d(x, w)).backward();
    once = w.grad();
  }
  w.zero_grad();
  {
    Tape tape;
    (sum(conv2d(x, w)) + sum(conv2d(x, w, {}, {.padding = 1}))).backward();
    twice = w.grad();
  }
  Tensor padded_only;
  w.zero_grad();
  {
    Tape tape;
    sum(conv2d(x, w, {}, {.padding = 1})).backward();
    padded_only = w.grad();
  }
  const auto expect = values(once + padded_only);
  CHECK(worst_difference(values(twice), expect) <= 1e-12);
}

TEST_CASE("max pooling: a tie goes to the first maximum, a NaN wins (the last one)",
          "[conv][ops]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  // The numbers torch 1.13 gives (F.max_pool2d(x, 2, return_indices=True); x.grad after
  // y.sum().backward()), as pinned down in tests/reference/fixtures_conv.py's docstring.
  Tensor x = tensor({1, 3, 3, 0, 3, 2, 3, 3, 0, 0, nan, 1, nan, 0, 0, 0}, {1, 1, 4, 4}, true);
  Tape tape;
  Tensor y = max_pool2d(x, {.kernel_size = 2});
  CHECK(y.at({0, 0, 0, 0}) == 3.0);
  CHECK(y.at({0, 0, 0, 1}) == 3.0);
  CHECK(std::isnan(y.at({0, 0, 1, 0})));
  CHECK(std::isnan(y.at({0, 0, 1, 1})));
  sum(y).backward();
  // torch's indices 1, 2, 12, 10: the first 3 of each top window, then the NaNs.
  CHECK(grad_values(x) == std::vector<double>{0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0});

  // A window of -inf only: its arg-max is its first cell inside the input (torch: indices 0, 0, 1
  // / 0, 0, 1 / 3, 3, 4).
  Tensor all_inf = tensor(std::vector<double>(9, -inf), {1, 1, 3, 3}, true);
  Tape second;
  Tensor z = max_pool2d(all_inf, {.kernel_size = 3, .stride = 1, .padding = 1});
  for (double v : z.data()) CHECK(v == -inf);
  sum(z).backward();
  CHECK(grad_values(all_inf) == std::vector<double>{4, 2, 0, 2, 1, 0, 0, 0, 0});

  // Overlapping 1-d windows: the 2 at index 1 wins three windows, the first 5 two.
  Tensor row = tensor({1, 2, 2, 1, 5}, {1, 1, 5}, true);
  Tape third;
  Tensor r = max_pool1d(row, {.kernel_size = 3, .stride = 1, .padding = 1});
  CHECK(values(r) == std::vector<double>{2, 2, 2, 5, 5});
  sum(r).backward();
  CHECK(grad_values(row) == std::vector<double>{0, 3, 0, 0, 2});
}

TEST_CASE("avg_pool2d divides by the whole window, padding included", "[conv][ops]") {
  Tensor x = tensor({1, 2, 3, 4}, {1, 1, 2, 2}, true);
  Tape tape;
  Tensor y = avg_pool2d(x, {.kernel_size = 2, .stride = 1, .padding = 1});
  CHECK(shape_str(y.shape()) == "[1, 1, 3, 3]");
  CHECK(y.at({0, 0, 0, 0}) == 0.25);  // only x[0,0] = 1 inside, divided by 4
  CHECK(y.at({0, 0, 1, 1}) == 2.5);   // the whole image
  sum(y).backward();
  // Each input sits in 4 windows, each passing a quarter of its gradient.
  CHECK(grad_values(x) == std::vector<double>{1, 1, 1, 1});
}

TEST_CASE("conv and pool nodes carry their op names and settings", "[conv][ops]") {
  Generator gen(19);
  Tensor x = normal({1, 2, 6, 6}, 0, 1, gen);
  Tensor w = normal({3, 2, 3, 3}, 0, 1, gen).requires_grad_();
  Tape tape;
  Tensor y = avg_pool2d(max_pool2d(conv2d(x, w, {}, {.stride = {1, 2}, .padding = 1}),
                                   {.kernel_size = {2, 1}}),
                        {.kernel_size = {1, 3}});
  std::vector<std::string> ops;
  for (const Node& n : tape.nodes()) ops.emplace_back(n.op);
  CHECK(ops == std::vector<std::string>{"const", "leaf", "conv2d", "max_pool2d", "avg_pool2d"});
  REQUIRE(saved_windows(tape, 2).has_value());
  const WindowGeometry g = *saved_windows(tape, 2);
  CHECK(g.kernel_h == 3);
  CHECK(g.stride_w == 2);
  CHECK(g.padding_h == 1);
  CHECK(g.out_w == 3);
  REQUIRE(saved_windows(tape, 3).has_value());  // max_pool2d saves its windows beside its arg-max
  CHECK(saved_windows(tape, 3)->kernel_h == 2);
  CHECK(saved_windows(tape, 3)->kernel_w == 1);
  CHECK(saved_windows(tape, 4)->kernel_w == 3);
  CHECK_FALSE(saved_windows(tape, 1).has_value());  // a leaf
  CHECK(op_info("conv2d") != nullptr);
  CHECK_FALSE(op_info("max_pool2d")->elementwise);
}

TEST_CASE("conv and pool errors name the op and the shapes", "[conv][ops][errors]") {
  const Tensor x = zeros({2, 3, 5, 5});
  using Catch::Contains;
  CHECK_THROWS_WITH(conv2d(x, zeros({4, 2, 3, 3})), Contains("conv2d") &&
                                                        Contains("[2, 3, 5, 5] has 3 channels") &&
                                                        Contains("[4, 2, 3, 3] expects 2"));
  CHECK_THROWS_AS(conv2d(x, zeros({4, 2, 3, 3})), ShapeError);
  CHECK_THROWS_WITH(conv2d(zeros({3, 5, 5}), zeros({4, 3, 3, 3})),
                    "conv2d: input of shape [3, 5, 5] is not [N, C, H, W]");
  CHECK_THROWS_WITH(conv2d(x, zeros({4, 3, 3})),
                    "conv2d: weight of shape [4, 3, 3] is not [O, C, kh, kw]");
  CHECK_THROWS_WITH(conv2d(x, zeros({4, 3, 3, 3}), zeros({3})),
                    Contains("conv2d: bias of shape [3]") && Contains("expected [4]"));
  CHECK_THROWS_AS(conv2d(x, zeros({4, 3, 3, 3}), {}, {.stride = 0}), ValueError);
  CHECK_THROWS_WITH(conv2d(x, zeros({4, 3, 3, 3}), {}, {.stride = {1, 0}}),
                    "conv2d: stride must be at least 1, got [1, 0]");
  CHECK_THROWS_WITH(conv2d(x, zeros({4, 3, 3, 3}), {}, {.padding = -1}),
                    "conv2d: padding must be at least 0, got [-1, -1]");
  CHECK_THROWS_WITH(conv2d(x, zeros({4, 3, 3, 3}), {}, {.dilation = 0}),
                    "conv2d: dilation must be at least 1, got [0, 0]");
  CHECK_THROWS_AS(conv2d(zeros({1, 1, 2, 2}), zeros({1, 1, 3, 3})), ShapeError);
  CHECK_THROWS_WITH(conv2d(zeros({1, 1, 2, 2}), zeros({1, 1, 3, 3})),
                    "conv2d: the window [3, 3] does not fit in the input [1, 1, 2, 2] padded by "
                    "[0, 0]");
  CHECK_THROWS_WITH(conv2d(Tensor(), zeros({1, 1, 3, 3})), Contains("conv2d"));

  CHECK_THROWS_WITH(conv1d(zeros({2, 3, 5}), zeros({4, 3, 3, 3})),
                    "conv1d: weight of shape [4, 3, 3, 3] is not [O, C, k]");
  CHECK_THROWS_WITH(conv1d(zeros({2, 3, 4}), zeros({4, 3, 3}), {}, {.dilation = 2}),
                    "conv1d: the window 3 (spanning 5 with dilation 2) does not fit in the input "
                    "[2, 3, 4] padded by 0");
  CHECK_THROWS_WITH(conv1d(zeros({2, 3, 5}), zeros({4, 3, 3}), {}, {.stride = -1}),
                    "conv1d: stride must be at least 1, got -1");
  // A dilation near 2^63 once wrapped its window's span around to 1 and passed: the result read
  // the wrapped taps (conv1d of 0..5 with five ones gave [0, 2, 4, 6, 8, 10]).
  const Tensor ramp = arange(0.0, 6.0).reshape({1, 1, 6});
  CHECK_THROWS_WITH(conv1d(ramp, ones({1, 1, 5}), {}, {.dilation = int64_t{1} << 62}),
                    "conv1d: the window 5 (spanning more than 2^63 with dilation "
                    "4611686018427387904) does not fit in the input [1, 1, 6] padded by 0");
  CHECK_THROWS_AS(conv2d(zeros({1, 1, 4, 4}), ones({1, 1, 2, 2}), {}, {.dilation = INT64_MAX}),
                  ShapeError);
  CHECK_THROWS_WITH(conv2d(zeros({1, 1, 4, 4}), ones({1, 1, 1, 1}), {}, {.padding = INT64_MAX}),
                    Contains("conv2d: padding must be at most 2^56"));
  // A kernel of one tap spans 1 whatever the dilation, and fits.
  CHECK(conv1d(ramp, ones({1, 1, 1}), {}, {.dilation = INT64_MAX}).to_vector() == ramp.to_vector());

  CHECK_THROWS_WITH(max_pool2d(x, {.kernel_size = 3, .padding = 2}),
                    "max_pool2d: padding [2, 2] must be at most half the kernel size [3, 3]");
  CHECK_THROWS_AS(max_pool2d(x, {.kernel_size = 3, .padding = 2}), ValueError);
  CHECK_THROWS_WITH(max_pool2d(x, {.kernel_size = {2, 0}}),
                    "max_pool2d: kernel_size must be at least 1, got [2, 0]");
  CHECK_THROWS_WITH(max_pool2d(zeros({2, 5}), {.kernel_size = 2}),
                    "max_pool2d: input of shape [2, 5] is not [N, C, H, W]");
  CHECK_THROWS_WITH(max_pool2d(x, {.kernel_size = 6}),
                    Contains("max_pool2d: the window [6, 6]") && Contains("[2, 3, 5, 5]"));
  CHECK_THROWS_WITH(avg_pool2d(x, {.kernel_size = 2, .stride = 0}),
                    "avg_pool2d: stride must be at least 1, got [0, 0]");
  CHECK_THROWS_WITH(max_pool1d(x, {.kernel_size = 2}),
                    "max_pool1d: input of shape [2, 3, 5, 5] is not [N, C, L]");
  CHECK_THROWS_WITH(max_pool1d(zeros({1, 1, 4}), {}),
                    "max_pool1d: kernel_size must be at least 1, got 0");
  CHECK_THROWS_WITH(max_pool1d(zeros({1, 1, 4}), {.kernel_size = 2, .padding = 2}),
                    "max_pool1d: padding 2 must be at most half the kernel size 2");
}

TEST_CASE("an empty batch convolves and pools to an empty batch", "[conv][ops]") {
  Tensor x = zeros({0, 2, 4, 4}, true);
  Tensor w = ones({3, 2, 3, 3}, true);
  Tape tape;
  Tensor y = conv2d(x, w, ones({3}, true), {.padding = 1});
  CHECK(shape_str(y.shape()) == "[0, 3, 4, 4]");
  Tensor p = max_pool2d(y, {.kernel_size = 2});
  CHECK(shape_str(p.shape()) == "[0, 3, 2, 2]");
  sum(p).backward();
  CHECK(grad_values(w) == std::vector<double>(54, 0.0));
}
