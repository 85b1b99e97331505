// bench_moons — micrograd's demo, in micrograd's scalar style, timed per training step.
//
// The workload of Karpathy's micrograd demo.ipynb: an MLP 2-16-16-1 built from scalar neurons
// (every weight its own 0-d tensor, every multiply and add its own node on the tape), 100
// two-moons points, the hinge loss plus 1e-4 L2, and full-batch SGD with the demo's learning
// rate 1.0 - 0.9 k / 100. The ops are the demo's, in the demo's order, so the tape holds what
// micrograd's graph holds (plus one node per constant, which micrograd also makes as a Value):
//
//     neuron:  act = b + w0 x0 + w1 x1 + ...      (Python's sum(..., start=b))
//              relu(act) in the hidden layers
//     loss:    mean over points of relu(1 + score * (-y))  +  1e-4 * sum over parameters of p * p
//
// This is the engine at its most overhead-bound: ~65,000 one-number ops per step, so the time
// goes to making tensors and nodes, not to arithmetic. compare_pytorch.py times a pure-Python
// micrograd on the same step, and the target is 300 times its speed.
//
// Last line:  BENCH moons ms_per_step=<median> nodes_per_step=<tape nodes> final_loss=<x>
//             accuracy=<x> cpu_ms_per_step=<median CPU time>
//
// What this file leaves out: the demo's plotting of the decision boundary, and the minibatch
// option (the demo itself uses the full batch).
#include <CLI/CLI.hpp>
#include <autograd/autograd.hpp>
#include <fmt/format.h>
#include <nn/nn.hpp>

#include <cstdint>
#include <vector>

#include "bench_common.hpp"
#include "common/micrograd.hpp"  // tutorials/common: tutorial 04's scalar MLP

using ag::Tensor;

int main(int argc, char** argv) {
  bench::single_thread(argv);  // first: it may start the program again
  CLI::App app("micrograd's moons demo in scalar style: milliseconds per full-batch SGD step");
  int steps = 100;
  int points = 100;
  uint64_t seed = 1337;
  app.add_option("--steps", steps, "Training steps (each one is timed)")->capture_default_str();
  app.add_option("--points", points, "Two-moons points (the demo uses 100)")->capture_default_str();
  app.add_option("--seed", seed, "Seed of the data and the initial weights")->capture_default_str();
  app.set_version_flag("--version", ag::version_line("bench_moons"));
  CLI11_PARSE(app, argc, argv);

  ag::Generator gen(seed);
  ag::nn::Dataset moons = ag::nn::make_moons(points, 0.1, gen);
  // The inputs as plain numbers, made into constants each step as the demo does (Value(x)).
  const std::vector<double> xs = moons.x.to_vector();  // [points, 2]
  std::vector<double> ys = moons.y.to_vector();        // 0/1 -> -1/+1
  for (double& y : ys) y = 2.0 * y - 1.0;

  // Without scopes: this times the bare ops (tutorial 04 puts each neuron in a scope).
  const micrograd::MLP model(2, {16, 16, 1}, gen, /*scoped=*/false);
  std::vector<Tensor> params = model.parameters();
  const double alpha = 1e-4;

  std::vector<bench::Sample> times;
  size_t nodes = 0;
  double loss_value = 0.0, accuracy = 0.0;
  for (int k = 0; k < steps; ++k) {
    times.push_back(bench::measure([&] {
      for (Tensor& p : params) p.zero_grad();  // model.zero_grad()
      {
        ag::Tape tape;
        std::vector<Tensor> scores;
        for (int n = 0; n < points; ++n) {
          scores.push_back(model({Tensor(xs[2 * n]), Tensor(xs[2 * n + 1])}));
        }
        // losses = [(1 + -yi * scorei).relu() ...]; data_loss = sum(losses) * (1 / n)
        Tensor data_loss = 0.0;
        for (int n = 0; n < points; ++n) {
          Tensor margin = scores[n] * -ys[n];
          Tensor loss = ag::relu(1.0 + margin);
          data_loss = data_loss + loss;
        }
        data_loss = data_loss * (1.0 / points);
        // reg_loss = alpha * sum(p * p for p in parameters)
        Tensor reg_loss = 0.0;
        for (const Tensor& p : params) {
          Tensor pp = p * p;
          reg_loss = reg_loss + pp;
        }
        reg_loss = alpha * reg_loss;
        Tensor total = data_loss + reg_loss;

        int correct = 0;
        for (int n = 0; n < points; ++n) correct += (ys[n] > 0) == (scores[n].item() > 0);
        accuracy = static_cast<double>(correct) / points;
        loss_value = total.item();

        tape.backward(total);
        nodes = tape.size();
      }  // the step's graph is freed here, and that is part of the step
      const double lr = 1.0 - 0.9 * k / 100.0;
      for (Tensor& p : params)
        p.mutable_data()[0] -= lr * p.grad_data()[0];  // p.data -= lr * p.grad
    }));
    if (k == 0 || (k + 1) % 10 == 0 || k + 1 == steps) {
      fmt::print("step {:>4}  loss {:.6f}  accuracy {:.0f}%  {:.2f} ms\n", k, loss_value,
                 100 * accuracy, times.back().wall_ms);
    }
  }

  const bench::Summary t = bench::summarize_wall(times);
  const bench::Summary cpu = bench::summarize_cpu(times);
  fmt::print("\n{} parameters, {} points, {} steps\n", params.size(), points, steps);
  fmt::print("ms per step: median {:.3f}  min {:.3f}  max {:.3f}  (CPU time: median {:.3f})\n",
             t.median, t.min, t.max, cpu.median);
  fmt::print("tape nodes per step: {}  ({:.1f} ns per node)\n", nodes,
             1e6 * t.median / static_cast<double>(nodes));
  fmt::print(
      "BENCH moons ms_per_step={:.4f} nodes_per_step={} final_loss={:.6f} accuracy={:.4f} "
      "cpu_ms_per_step={:.4f}\n",
      t.median, nodes, loss_value, accuracy, cpu.median);
  return 0;
}
