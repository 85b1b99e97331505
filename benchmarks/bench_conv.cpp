// bench_conv — forward and backward of one conv2d layer, timed: issue 16's convolution workload.
//
// One repetition is
//
//     y = conv2d(x, weight, bias, {.padding = 1})     x [N, C, H, W] -> y [N, O, H, W]
//     loss = sum(y * w)                               (fixed random w: every element takes part)
//     loss.backward()                                 d x, d weight, d bias
//
// with N=16, C=16 -> O=32, 32 x 32, a 3 x 3 filter and padding 1 by default (issue 16's sizes).
// The op runs as im2col + dgemm on OpenBLAS (autograd/src/fast/conv_gemm.cpp); the time goes to
// the three matrix products per sample (forward, d weight, d input) and to im2col / col2im. The
// same step in libtorch is `bench_libtorch --workload conv`, and in Python's torch
// compare_peers.py's torch_conv; compare_peers.py runs the three alternating, and
// docs/performance.md shows the ratio against issue 16's target (at least 1.0x libtorch's).
//
// Last line:  BENCH conv N=.. C=.. O=.. H=.. W=.. k=.. ms_per_step=<median> peak_rss_mb=<x>
//             cpu_ms_per_step=<median CPU time>
//
// What this file leaves out: strides and dilation (issue 16's layer has neither), and an
// optimizer step (a parameter update is cheap beside the convolution).
#include <CLI/CLI.hpp>
#include <autograd/autograd.hpp>
#include <fmt/format.h>

#include <cstdint>
#include <vector>

#include "bench_common.hpp"

using ag::Tensor;

int main(int argc, char** argv) {
  bench::single_thread(argv);  // first: it may start the program again
  CLI::App app("Forward and backward of one conv2d layer: milliseconds per step");
  int64_t N = 16, C = 16, O = 32, H = 32, W = 32, k = 3;
  int steps = 20, warmup = 3;
  uint64_t seed = 0;
  app.add_option("--batch", N, "Batch size N")->capture_default_str();
  app.add_option("--in-channels", C, "Input channels C")->capture_default_str();
  app.add_option("--out-channels", O, "Output channels O")->capture_default_str();
  app.add_option("--height", H, "Image height H")->capture_default_str();
  app.add_option("--width", W, "Image width W")->capture_default_str();
  app.add_option("--kernel", k, "Kernel size k (k x k, padding k / 2)")->capture_default_str();
  bench::add_step_options(app, "bench_conv", steps, warmup, seed);
  CLI11_PARSE(app, argc, argv);

  ag::Generator gen(seed);
  Tensor x = ag::normal({N, C, H, W}, 0.0, 1.0, gen).requires_grad_();
  Tensor weight = ag::normal({O, C, k, k}, 0.0, 0.1, gen).requires_grad_();
  Tensor bias = ag::normal({O}, 0.0, 0.1, gen).requires_grad_();
  const ag::Conv2dOptions options{.padding = k / 2};
  const ag::Shape out_shape =
      ag::conv2d(x.detach(), weight.detach(), bias.detach(), options).shape();
  const Tensor w = ag::normal(out_shape, 0.0, 1.0, gen);

  double loss_value = 0.0;
  auto step = [&] {
    x.zero_grad();
    weight.zero_grad();
    bias.zero_grad();
    ag::Tape tape;
    Tensor y = ag::conv2d(x, weight, bias, options);
    Tensor loss = ag::sum(y * w);
    tape.backward(loss, {.keep_grads = false});
    loss_value = loss.item();
  };

  for (int s = 0; s < warmup; ++s) step();
  std::vector<bench::Sample> times;
  for (int s = 0; s < steps; ++s) times.push_back(bench::measure(step));

  fmt::print("conv2d N={} C={} -> O={} {}x{} kernel {}x{} padding {}: loss {:.6f}\n", N, C, O, H, W,
             k, k, k / 2, loss_value);
  std::fflush(stdout);  // fmt and the report's printf share stdout: keep the order
  bench::report_steps(times, warmup,
                      fmt::format("BENCH conv N={} C={} O={} H={} W={} k={}", N, C, O, H, W, k));
  return 0;
}
