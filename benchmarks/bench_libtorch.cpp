// bench_libtorch — bench_lstm's, bench_matmul's and bench_conv's steps in PyTorch's C++ frontend
// (libtorch).
//
// A C++ user who wants tensors with gradients would most likely pick libtorch (Debian's
// libtorch-dev, the same 1.13 as python3-torch). This program runs the steps tapegrad's
// benchmarks run, written as a libtorch user would write them, in float64 on one thread:
//
//   --workload lstm           zero grads; torch::nn::LSTM (the fused one) over x [T, B, I]; a
//                             Linear(H, 1) head on the last h; MSE; backward; SGD(lr = 0.01)
//   --workload lstm-composed  the same step with the cell composed of primitive ops, the ops
//                             tapegrad's nn::LSTM records (weights transposed and biases summed
//                             once per sequence; per time step two addmm, four slices, three
//                             sigmoids, two tanhs, three muls, an add)
//   --workload matmul         C = A @ B, A and B [n, n], then C.backward(G): 6 n^3 flops
//   --workload conv           bench_conv's step: y = conv2d(x, weight, bias, padding k / 2) with
//                             x [N, C, H, W] and weight [O, C, k, k], loss = sum(y * w) for a fixed
//                             random w, backward to x, weight and bias (issue 16's layer)
//
// compare_peers.py runs the same four in Python's torch too; its composed cell and this one are
// the same ops, so the two differ only in the language around them.
//
// Every workload is one program, so libtorch's large headers are compiled once.
//
// Last line:  BENCH libtorch_lstm | libtorch_lstm_composed  T=.. B=.. I=.. H=..
// ms_per_step=<median>
//                  peak_rss_mb=<x> cpu_ms_per_step=<median CPU time>
//             BENCH libtorch_matmul n=.. gflops=<x> cpu_gflops=<x per CPU second>
//             BENCH libtorch_conv N=.. C=.. O=.. H=.. W=.. k=.. ms_per_step=<median>
//                  peak_rss_mb=<x> cpu_ms_per_step=<median CPU time>
//
// What this file leaves out: TorchScript and libtorch's other optimisations (a learner's eager
// code is what is compared), and threads (one, like everything here).
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <autograd/version.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "bench_common.hpp"

namespace {

// The LSTM step with torch::nn::LSTM, PyTorch's fused LSTM.
std::function<void()> lstm_fused(int64_t T, int64_t B, int64_t I, int64_t H) {
  torch::nn::LSTM lstm(torch::nn::LSTMOptions(I, H));
  torch::nn::Linear head(H, 1);
  lstm->to(torch::kFloat64);
  head->to(torch::kFloat64);
  std::vector<torch::Tensor> params = lstm->parameters();
  for (const torch::Tensor& p : head->parameters()) params.push_back(p);
  auto sgd = std::make_shared<torch::optim::SGD>(params, torch::optim::SGDOptions(0.01));
  const torch::Tensor x = torch::randn({T, B, I}, torch::kFloat64);  // [T, B, I], time first
  const torch::Tensor target = torch::randn({B, 1}, torch::kFloat64);
  return [=]() mutable {
    sgd->zero_grad();
    auto [out, state] = lstm->forward(x);
    const torch::Tensor h = std::get<0>(state);                // [1, B, H]: the last step's h
    const torch::Tensor pred = head->forward(h.select(0, 0));  // [B, 1]
    torch::Tensor loss = torch::mse_loss(pred, target);
    loss.backward();
    sgd->step();
  };
}

// The same step, the cell composed of primitive ops (as compare_peers.py's composed cell).
std::function<void()> lstm_composed(int64_t T, int64_t B, int64_t I, int64_t H) {
  const double k = 1.0 / std::sqrt(static_cast<double>(H));
  auto param = [&](std::vector<int64_t> shape) {  // uniform(-k, k), as torch::nn::LSTM's
    return (torch::rand(shape, torch::kFloat64) * 2 * k - k).requires_grad_();
  };
  const torch::Tensor W_ih = param({4 * H, I}), W_hh = param({4 * H, H});
  const torch::Tensor b_ih = param({4 * H}), b_hh = param({4 * H});
  torch::nn::Linear head(H, 1);
  head->to(torch::kFloat64);
  std::vector<torch::Tensor> params = {W_ih, W_hh, b_ih, b_hh};
  for (const torch::Tensor& p : head->parameters()) params.push_back(p);
  auto sgd = std::make_shared<torch::optim::SGD>(params, torch::optim::SGDOptions(0.01));
  const torch::Tensor x = torch::randn({T, B, I}, torch::kFloat64);
  const torch::Tensor target = torch::randn({B, 1}, torch::kFloat64);
  return [=]() mutable {
    sgd->zero_grad();
    const torch::Tensor W_ih_t = W_ih.t(), W_hh_t = W_hh.t(), b = b_ih + b_hh;  // once
    torch::Tensor h = torch::zeros({B, H}, torch::kFloat64);
    torch::Tensor c = torch::zeros({B, H}, torch::kFloat64);
    for (int64_t t = 0; t < T; ++t) {
      torch::Tensor gates = torch::addmm(b, x[t], W_ih_t);  // b + x_t W_ih^T      [B, 4H]
      gates = torch::addmm(gates, h, W_hh_t);               // + h_{t-1} W_hh^T
      const torch::Tensor i = torch::sigmoid(gates.slice(1, 0 * H, 1 * H));
      const torch::Tensor f = torch::sigmoid(gates.slice(1, 1 * H, 2 * H));
      const torch::Tensor g = torch::tanh(gates.slice(1, 2 * H, 3 * H));
      const torch::Tensor o = torch::sigmoid(gates.slice(1, 3 * H, 4 * H));
      c = f * c + i * g;
      h = o * torch::tanh(c);
    }
    torch::Tensor loss = torch::mse_loss(head->forward(h), target);
    loss.backward();
    sgd->step();
  };
}

// C = A @ B, then C.backward(G): three dgemm calls.
std::function<void()> matmul(int64_t n) {
  torch::Tensor a = torch::randn({n, n}, torch::kFloat64).requires_grad_();
  torch::Tensor b = torch::randn({n, n}, torch::kFloat64).requires_grad_();
  const torch::Tensor g = torch::ones({n, n}, torch::kFloat64);  // the gradient arriving at C
  return [=]() mutable {
    a.mutable_grad() = torch::Tensor();  // a.grad = None
    b.mutable_grad() = torch::Tensor();
    torch::Tensor c = torch::matmul(a, b);
    c.backward(g);
  };
}

// bench_conv's step: one conv2d layer forward and backward. The gradients are reset to None first
// (as in the matmul step), so every step allocates them afresh, as tapegrad's step does.
std::function<void()> conv(int64_t N, int64_t C, int64_t O, int64_t H, int64_t W, int64_t k) {
  torch::Tensor x = torch::randn({N, C, H, W}, torch::kFloat64).requires_grad_();
  torch::Tensor weight = (0.1 * torch::randn({O, C, k, k}, torch::kFloat64)).requires_grad_();
  torch::Tensor bias = (0.1 * torch::randn({O}, torch::kFloat64)).requires_grad_();
  const int64_t padding = k / 2;
  // The fixed weights of the loss, one per output element: [N, O, H_out, W_out].
  const torch::Tensor w = torch::randn(
      torch::conv2d(x.detach(), weight.detach(), bias.detach(), 1, padding).sizes(),
      torch::kFloat64);
  return [=]() mutable {
    for (torch::Tensor* t : {&x, &weight, &bias}) t->mutable_grad() = torch::Tensor();
    const torch::Tensor y = torch::conv2d(x, weight, bias, /*stride=*/1, padding);
    torch::Tensor loss = (y * w).sum();
    loss.backward();
  };
}

}  // namespace

int main(int argc, char** argv) {
  bench::single_thread(argv);  // first: it may start the program again
  CLI::App app("tapegrad's LSTM, matmul and conv steps in libtorch's C++ frontend: time per step");
  std::string workload = "lstm";
  int64_t T = 50, B = 16, I = 8, H = 32, n = 512;
  int64_t C = 16, O = 32, height = 32, width = 32, k = 3;  // conv: bench_conv's defaults
  int steps = 20, warmup = 3;
  app.add_option("--workload", workload, "lstm, lstm-composed, matmul or conv")
      ->check(CLI::IsMember({"lstm", "lstm-composed", "matmul", "conv"}))
      ->capture_default_str();
  app.add_option("--seq", T, "LSTM: sequence length T")->capture_default_str();
  app.add_option("--batch", B, "LSTM: batch size B; conv: batch size N")->capture_default_str();
  app.add_option("--input", I, "LSTM: input features I")->capture_default_str();
  app.add_option("--hidden", H, "LSTM: hidden size H")->capture_default_str();
  app.add_option("--n", n, "matmul: matrix size n")->capture_default_str();
  app.add_option("--in-channels", C, "conv: input channels C")->capture_default_str();
  app.add_option("--out-channels", O, "conv: output channels O")->capture_default_str();
  app.add_option("--height", height, "conv: image height H")->capture_default_str();
  app.add_option("--width", width, "conv: image width W")->capture_default_str();
  app.add_option("--kernel", k, "conv: kernel size k (k x k, padding k / 2)")
      ->capture_default_str();
  app.add_option("--steps", steps, "Timed steps (repetitions)")->capture_default_str();
  app.add_option("--warmup", warmup, "Untimed steps first")->capture_default_str();
  app.set_version_flag("--version", ag::version_line("bench_libtorch"));
  CLI11_PARSE(app, argc, argv);

  // One thread for ATen's intra-op pool (OpenMP) and for its inter-op pool.
  at::set_num_threads(1);
  at::set_num_interop_threads(1);
  torch::manual_seed(0);

  const std::function<void()> step = workload == "lstm"            ? lstm_fused(T, B, I, H)
                                     : workload == "lstm-composed" ? lstm_composed(T, B, I, H)
                                     : workload == "conv"          ? conv(B, C, O, height, width, k)
                                                                   : matmul(n);
  for (int s = 0; s < warmup; ++s) step();
  std::vector<bench::Sample> times;
  for (int s = 0; s < steps; ++s) times.push_back(bench::measure(step));

  const bench::Summary t = bench::summarize_wall(times);
  const bench::Summary cpu = bench::summarize_cpu(times);
  std::printf(
      "libtorch %s, torch threads %d: median %.3f ms (min %.3f, max %.3f), %d steps after "
      "%d warm-up\n",
      TORCH_VERSION, at::get_num_threads(), t.median, t.min, t.max, steps, warmup);
  if (workload == "matmul") {
    const double flops = 6.0 * static_cast<double>(n) * static_cast<double>(n) *
                         static_cast<double>(n);
    std::printf("BENCH libtorch_matmul n=%ld gflops=%.3f cpu_gflops=%.3f\n", static_cast<long>(n),
                flops / (t.median * 1e-3) / 1e9, flops / (cpu.median * 1e-3) / 1e9);
  } else if (workload == "conv") {
    std::printf(
        "BENCH libtorch_conv N=%ld C=%ld O=%ld H=%ld W=%ld k=%ld ms_per_step=%.4f "
        "peak_rss_mb=%.1f cpu_ms_per_step=%.4f\n",
        static_cast<long>(B), static_cast<long>(C), static_cast<long>(O), static_cast<long>(height),
        static_cast<long>(width), static_cast<long>(k), t.median, bench::peak_rss_mb(), cpu.median);
  } else {
    std::printf(
        "BENCH libtorch_%s T=%ld B=%ld I=%ld H=%ld ms_per_step=%.4f peak_rss_mb=%.1f "
        "cpu_ms_per_step=%.4f\n",
        workload == "lstm" ? "lstm" : "lstm_composed", static_cast<long>(T), static_cast<long>(B),
        static_cast<long>(I), static_cast<long>(H), t.median, bench::peak_rss_mb(), cpu.median);
  }
  return 0;
}
