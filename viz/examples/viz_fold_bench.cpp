// viz_fold_bench.cpp — how long a big tape takes to draw, folded and in full.
//
//   viz_fold_bench [steps=100] [hidden=32] [--full] [--out DIR]
//   viz_fold_bench --chain STEPS [--full] [--out DIR]
//   viz_fold_bench --version
//
// Builds the LSTM of example_graphs.hpp, runs backward with edge gradients, then times the
// folded view (one box per time step) rendered to SVG and, with --full, the full view (every
// tape node). Prints one "benchmark:" line per measurement. Not a test: CTest runs the viz tests'
// small smoke version instead, because timings on a shared machine are not pass/fail material.
//
// --chain STEPS builds y = tanh(y * 1.0001) for STEPS steps instead (2 * STEPS + 1 tape nodes;
// 100000 gives the 200,001-node tape whose full view used to crash Graphviz), with a scope per
// 1000 steps ("chain/steps=0-999", ...), and times the folded view of it: one box per 1000 steps.
// The full view of it is refused with a VizError (kMaxLayoutNodes), which --full prints.
#include <autograd/version.hpp>
#include <viz/viz.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>

#include "example_graphs.hpp"

namespace {
double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

// The scalar chain, a scope per block of 1000 steps; returns y.
ag::Tensor chain(int steps) {
  ag::Tensor y = ag::scalar(0.5, true);
  ag::ScopeGuard whole("chain");
  for (int start = 0; start < steps; start += 1000) {
    ag::ScopeGuard block(fmt::format("steps={}-{}", start, std::min(start + 1000, steps) - 1));
    for (int t = start; t < std::min(start + 1000, steps); ++t) y = ag::tanh(y * 1.0001);
  }
  return y;
}

int main(int argc, char** argv) {
  int steps = 100, hidden = 32, positional = 0, chain_steps = 0;
  bool full = false;
  std::string out = ".";
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    if (arg == "--version") {
      fmt::print("{}\n", ag::version_line("viz_fold_bench"));
      return 0;
    } else if (arg == "--full") {
      full = true;
    } else if (arg == "--chain" && a + 1 < argc) {
      chain_steps = std::atoi(argv[++a]);
    } else if (arg == "--out" && a + 1 < argc) {
      out = argv[++a];
    } else if (positional++ == 0) {
      steps = std::atoi(arg.c_str());
    } else {
      hidden = std::atoi(arg.c_str());
    }
  }

  if (chain_steps > 0) {
    auto start = std::chrono::steady_clock::now();
    ag::Tape tape;
    ag::Tensor y = chain(chain_steps);
    tape.backward(y, {.record_edge_grads = true});
    fmt::print("benchmark: scalar chain steps={}: {} tape nodes, forward+backward {:.3f} s\n",
               chain_steps, tape.size(), seconds_since(start));
    start = std::chrono::steady_clock::now();
    ag::viz::render(tape, out + "/chain_folded_bench.svg", {.view = ag::viz::View::folded});
    fmt::print("benchmark: folded view (one box per 1000 steps) to SVG: {:.3f} s\n",
               seconds_since(start));
    if (full) {
      start = std::chrono::steady_clock::now();
      try {
        ag::viz::render(tape, out + "/chain_full_bench.svg");
        fmt::print("benchmark: full view to SVG: {:.3f} s\n", seconds_since(start));
      } catch (const ag::viz::VizError& e) {
        fmt::print("benchmark: full view refused after {:.3f} s: {}\n", seconds_since(start),
                   e.what());
      }
    }
    return 0;
  }

  auto start = std::chrono::steady_clock::now();
  ag::Tape tape;
  ag::Tensor loss = ag::viz::examples::lstm(steps, hidden);
  tape.backward(loss, {.record_edge_grads = true});
  fmt::print("benchmark: lstm steps={} hidden={}: {} tape nodes, forward+backward {:.3f} s\n",
             steps, hidden, tape.size(), seconds_since(start));

  start = std::chrono::steady_clock::now();
  ag::viz::render(tape, out + "/lstm_folded_bench.svg",
                  {.view = ag::viz::View::folded, .fold_depth = 2});
  fmt::print("benchmark: folded view (one box per step) to SVG: {:.3f} s\n", seconds_since(start));

  start = std::chrono::steady_clock::now();
  const auto flow = ag::viz::gradient_flow(tape, 2);
  ag::viz::render_flow(flow, out + "/lstm_flow_bench.svg");
  fmt::print("benchmark: gradient-flow strip to SVG: {:.3f} s\n", seconds_since(start));

  if (full) {
    start = std::chrono::steady_clock::now();
    ag::viz::render(tape, out + "/lstm_full_bench.svg");
    fmt::print("benchmark: full view ({} nodes) to SVG: {:.3f} s\n", tape.size(),
               seconds_since(start));
  }
  return 0;
}
