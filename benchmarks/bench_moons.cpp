// bench_moons — micrograd's demo, in micrograd's scalar style, timed per training step.
//
// The workload of Karpathy's micrograd demo.ipynb: an MLP 2-16-16-1 built from scalar neurons
// (every weight its own 0-d tensor, every multiply and add its own node on the tape), 100
// two-moons points, the hinge loss plus 1e-4 L2, and full-batch SGD with the demo's learning
// rate. The step itself is in moons.hpp, which bench_moons_adolc shares: the recipe is written
// there once, with the formulas.
//
// This is the engine at its most overhead-bound: ~65,000 one-number ops per step, so the time
// goes to making tensors and nodes, not to arithmetic. compare_peers.py times a pure-Python
// micrograd and ADOL-C on the same step.
//
// Last line:  BENCH moons ms_per_step=<median> nodes_per_step=<tape nodes> final_loss=<x>
//             accuracy=<x> cpu_ms_per_step=<median CPU time>
//
// What this file leaves out: the demo's plotting of the decision boundary, and the minibatch
// option (the demo itself uses the full batch).
#include <CLI/CLI.hpp>
#include <autograd/autograd.hpp>
#include <fmt/format.h>

#include <cstdint>
#include <vector>

#include "bench_common.hpp"
#include "moons.hpp"

using ag::Tensor;

int main(int argc, char** argv) {
  bench::single_thread(argv);  // first: it may start the program again
  CLI::App app("micrograd's moons demo in scalar style: milliseconds per full-batch SGD step");
  moons::Options o;
  moons::add_options(app, o);
  app.set_version_flag("--version", ag::version_line("bench_moons"));
  CLI11_PARSE(app, argc, argv);

  const moons::Problem problem = moons::make_problem(o.points, o.seed);
  std::vector<Tensor> params = problem.model.parameters();

  std::vector<bench::Sample> times;
  moons::StepResult last;
  for (int k = 0; k < o.steps; ++k) {
    times.push_back(bench::measure(
        [&] { last = moons::tapegrad_step(problem.data, problem.model, params, k); }));
    moons::print_progress(k, o.steps, last, times.back().wall_ms);
  }

  const bench::Summary t = bench::summarize_wall(times);
  const bench::Summary cpu = bench::summarize_cpu(times);
  fmt::print("\n{} parameters, {} points, {} steps\n", params.size(), o.points, o.steps);
  fmt::print("ms per step: median {:.3f}  min {:.3f}  max {:.3f}  (CPU time: median {:.3f})\n",
             t.median, t.min, t.max, cpu.median);
  fmt::print("tape nodes per step: {}  ({:.1f} ns per node)\n", last.nodes,
             1e6 * t.median / static_cast<double>(last.nodes));
  fmt::print(
      "BENCH moons ms_per_step={:.4f} nodes_per_step={} final_loss={:.6f} accuracy={:.4f} "
      "cpu_ms_per_step={:.4f}\n",
      t.median, last.nodes, last.loss, last.accuracy, cpu.median);
  return 0;
}
