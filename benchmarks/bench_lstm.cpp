// bench_lstm — one LSTM training step, timed: the workload of the sequence tutorials.
//
// One step is what a training loop does each iteration:
//
//     zero grads
//     out = LSTM(x)                 x [T, B, I] -> h_T [B, H]    (nn::LSTM: engine ops only)
//     pred = Linear(H, 1)(h_T)      [B, 1]
//     loss = mse(pred, target)
//     loss.backward()
//     SGD update
//
// At small sizes (T=50 B=16 I=8 H=32) the step is ~1,000 small ops and the time goes to the
// engine's per-op overhead; at large ones (T=100 B=64 I=32 H=128) it goes to the matrix
// multiplies, i.e. to BLAS. compare_peers.py runs the same step in PyTorch (its fused
// nn.LSTM and a cell composed of primitive ops), from Python and from C++ (bench_libtorch),
// and compares.
//
// Last line:  BENCH lstm T=.. B=.. I=.. H=.. ms_per_step=<median> peak_rss_mb=<x>
//             cpu_ms_per_step=<median CPU time>
//
// What this file leaves out: several layers, and real data (the inputs and targets are random
// normals: the time of a step does not depend on what the numbers are).
#include <CLI/CLI.hpp>
#include <autograd/autograd.hpp>
#include <fmt/format.h>
#include <nn/nn.hpp>

#include <cstdint>
#include <vector>

#include "bench_common.hpp"

using ag::Tensor;

int main(int argc, char** argv) {
  bench::single_thread(argv);  // first: it may start the program again
  CLI::App app("One LSTM training step (forward, backward, SGD): milliseconds per step");
  int64_t T = 50, B = 16, I = 8, H = 32;
  int steps = 20, warmup = 3;
  uint64_t seed = 0;
  app.add_option("--seq", T, "Sequence length T")->capture_default_str();
  app.add_option("--batch", B, "Batch size B")->capture_default_str();
  app.add_option("--input", I, "Input features I")->capture_default_str();
  app.add_option("--hidden", H, "Hidden size H")->capture_default_str();
  app.add_option("--steps", steps, "Timed training steps")->capture_default_str();
  app.add_option("--warmup", warmup, "Untimed steps first (caches, pools)")->capture_default_str();
  app.add_option("--seed", seed, "Seed of the data and the initial weights")->capture_default_str();
  app.set_version_flag("--version", ag::version_line("bench_lstm"));
  CLI11_PARSE(app, argc, argv);

  ag::Generator gen(seed);
  ag::nn::LSTM lstm(I, H, gen);
  ag::nn::Linear head(H, 1, gen);
  std::vector<Tensor> params = lstm.parameters();
  for (const Tensor& p : head.parameters()) params.push_back(p);
  ag::nn::SGD sgd(params, {.lr = 0.01});

  const Tensor x = ag::normal({T, B, I}, 0.0, 1.0, gen);  // [T, B, I], time first
  const Tensor target = ag::normal({B, 1}, 0.0, 1.0, gen);

  double loss_value = 0.0;
  size_t nodes = 0;
  auto step = [&] {
    sgd.zero_grad();
    {
      ag::Tape tape;
      ag::nn::LSTM::Output out = lstm.forward(x);
      Tensor h_last = ag::reshape(out.state.h, {B, H});  // the last step's h: [1, B, H] -> [B, H]
      Tensor pred = head(h_last);                        // [B, 1]
      Tensor loss = ag::nn::mse_loss(pred, target);
      // A training step needs only the parameters' gradients: let each op result's gradient go
      // as soon as its rule has used it (ag::BackwardOptions::keep_grads, as in PyTorch).
      tape.backward(loss, {.keep_grads = false});
      loss_value = loss.item();
      nodes = tape.size();
    }
    sgd.step();
  };

  for (int s = 0; s < warmup; ++s) step();
  std::vector<bench::Sample> times;
  for (int s = 0; s < steps; ++s) times.push_back(bench::measure(step));

  const bench::Summary t = bench::summarize_wall(times);
  const bench::Summary cpu = bench::summarize_cpu(times);
  const double rss = bench::peak_rss_mb();
  fmt::print("LSTM T={} B={} I={} H={}: {} parameters, {} tape nodes per step, loss {:.6f}\n", T, B,
             I, H, lstm.num_parameters() + head.num_parameters(), nodes, loss_value);
  fmt::print("ms per step: median {:.3f}  min {:.3f}  max {:.3f}  ({} steps after {} warm-up)\n",
             t.median, t.min, t.max, steps, warmup);
  fmt::print("CPU ms per step: median {:.3f}\n", cpu.median);
  fmt::print("peak resident memory: {:.1f} MB\n", rss);
  fmt::print(
      "BENCH lstm T={} B={} I={} H={} ms_per_step={:.4f} peak_rss_mb={:.1f} "
      "cpu_ms_per_step={:.4f}\n",
      T, B, I, H, t.median, rss, cpu.median);
  return 0;
}
