// viz_fold_bench.cpp — how long a big tape takes to draw, folded and in full, and how big the
// pictures are.
//
//   viz_fold_bench --pages [--out DIR]            what docs/graphs.md quotes: the LSTM below with
//                                                 --full, then the chain below with --chain 66667
//                                                 --full
//   viz_fold_bench [steps=100] [hidden=32] [--full] [--out DIR]
//   viz_fold_bench --chain STEPS [--full] [--out DIR]
//   viz_fold_bench --version
//
// Builds the LSTM of example_graphs.hpp, runs backward with edge gradients, then times the
// folded view (one box per time step) rendered to SVG, the gradient-flow strip and, with --full,
// the full view (every tape node). Prints one "benchmark:" line per measurement, and writes what
// it measured to DIR/results.json in the format of a tutorial's results (quoted.hpp): the counts
// and the sizes of the SVGs as exact numbers, the timings as measured ones with a bound.
// `./run pages` runs --pages and fills docs/graphs.md from docs/img/viz_fold_bench.json; `./run
// pages --check` runs it again and compares: counts and sizes exactly, timings only for being
// measured again and under their bound (a timing depends on the machine and its load). Not a
// test of speed: CTest runs the viz tests' small smoke version instead.
//
// --chain STEPS builds y = tanh(y * 1.0001) for STEPS steps instead (3 * STEPS + 1 tape nodes:
// the literal, the product and the tanh of each step, and y; 66667 steps give 200,002), with a
// scope per 1000 steps ("chain/steps=0-999", ...), and times the folded view of it: one box per
// 1000 steps. The full view of it is refused with a VizError (kMaxLayoutNodes) before any layout;
// --full times the refusal and keeps its message.
//
// What this file leaves out: the timings above the layout limits (viz.hpp's kMaxLayoutNodes,
// kMaxLayoutDepth). render() refuses those pictures now; the measurements that set the limits
// are recorded beside them, in viz.hpp.
#include <autograd/version.hpp>
#include <viz/viz.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "example_graphs.hpp"
#include "quoted.hpp"

namespace ex = ag::viz::examples;

namespace {

// Bounds on the timings, in seconds, that a fresh run must stay under (`./run pages --check`).
// Each sits well above the development machine's time even under a load average of 10 (which
// made every layout 4-10x slower: viz.hpp): a run above it is not a busy machine but a change in
// what is drawn or how.
constexpr double kAtMostTape = 10.0;    // forward and backward of the tape
constexpr double kAtMostFolded = 10.0;  // a folded view or a strip, tens of boxes
constexpr double kAtMostFull = 60.0;    // the full view of the LSTM, under kMaxLayoutNodes
constexpr double kAtMostRefusal = 1.0;  // a refusal is measured on the tape, before any layout

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double megabytes(const std::string& path) {
  return static_cast<double>(std::filesystem::file_size(path)) / 1e6;
}

// `text` with its lines broken at spaces to at most `width` columns (an error message, as a page
// shows it in a fenced block).
std::string wrapped(const std::string& text, size_t width) {
  std::string out, line;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find(' ', at);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(at, end - at);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    at = end + 1;
  }
  return out + line + "\n";
}

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

// The unrolled LSTM: its tape, its folded view, its strip and (with `full`) its full view.
void measure_lstm(int steps, int hidden, bool full, const std::string& out, ex::Quoted& quoted) {
  auto start = std::chrono::steady_clock::now();
  ag::Tape tape;
  ag::Tensor loss = ex::lstm(steps, hidden);
  tape.backward(loss, {.record_edge_grads = true});
  const double tape_s = seconds_since(start);
  fmt::print("benchmark: lstm steps={} hidden={}: {} tape nodes, forward+backward {:.3f} s\n",
             steps, hidden, tape.size(), tape_s);
  quoted.value("lstm_steps", steps, "{:.0f}");
  quoted.value("lstm_hidden", hidden, "{:.0f}");
  quoted.value("lstm_nodes", static_cast<double>(tape.size()), "{:.0f}");
  quoted.measured("lstm_tape_s", tape_s, "{:.2g}", kAtMostTape);

  const std::string folded = out + "/lstm_folded_bench.svg";
  start = std::chrono::steady_clock::now();
  ag::viz::render(tape, folded, {.view = ag::viz::View::folded, .fold_depth = 2});
  const double folded_s = seconds_since(start);
  fmt::print("benchmark: folded view (one box per step) to SVG: {:.3f} s\n", folded_s);
  quoted.measured("lstm_folded_s", folded_s, "{:.2g}", kAtMostFolded);
  quoted.value("lstm_folded_mb", megabytes(folded), "{:.2f}");

  start = std::chrono::steady_clock::now();
  const auto flow = ag::viz::gradient_flow(tape, 2);
  ag::viz::render_flow(flow, out + "/lstm_flow_bench.svg");
  const double flow_s = seconds_since(start);
  fmt::print("benchmark: gradient-flow strip to SVG: {:.3f} s\n", flow_s);
  quoted.measured("lstm_flow_s", flow_s, "{:.2g}", kAtMostFolded);

  if (full) {
    const std::string whole = out + "/lstm_full_bench.svg";
    start = std::chrono::steady_clock::now();
    ag::viz::render(tape, whole);
    const double full_s = seconds_since(start);
    fmt::print("benchmark: full view ({} nodes) to SVG: {:.3f} s\n", tape.size(), full_s);
    quoted.measured("lstm_full_s", full_s, "{:.2g}", kAtMostFull);
    quoted.value("lstm_full_mb", megabytes(whole), "{:.1f}");
  }
}

// The scalar chain: its tape, its folded view and (with `full`) the refusal of its full view.
void measure_chain(int steps, bool full, const std::string& out, ex::Quoted& quoted) {
  auto start = std::chrono::steady_clock::now();
  ag::Tape tape;
  ag::Tensor y = chain(steps);
  tape.backward(y, {.record_edge_grads = true});
  const double tape_s = seconds_since(start);
  fmt::print("benchmark: scalar chain steps={}: {} tape nodes, forward+backward {:.3f} s\n", steps,
             tape.size(), tape_s);
  quoted.value("chain_steps", steps, "{:.0f}");
  quoted.value("chain_nodes", static_cast<double>(tape.size()), "{:.0f}");
  quoted.measured("chain_tape_s", tape_s, "{:.2g}", kAtMostTape);

  start = std::chrono::steady_clock::now();
  ag::viz::render(tape, out + "/chain_folded_bench.svg", {.view = ag::viz::View::folded});
  const double folded_s = seconds_since(start);
  fmt::print("benchmark: folded view (one box per 1000 steps) to SVG: {:.3f} s\n", folded_s);
  quoted.measured("chain_folded_s", folded_s, "{:.2g}", kAtMostFolded);
  // (One box per scope of the chain's blocks, "chain/steps=0-999" and on: depth 2.)
  quoted.value("chain_folded_boxes", static_cast<double>(ag::viz::gradient_flow(tape, 2).size()),
               "{:.0f}");

  if (full) {
    start = std::chrono::steady_clock::now();
    try {
      ag::viz::render(tape, out + "/chain_full_bench.svg");
      fmt::print("benchmark: full view to SVG: {:.3f} s\n", seconds_since(start));
    } catch (const ag::viz::VizError& e) {
      const double refused_s = seconds_since(start);
      fmt::print("benchmark: full view refused after {:.3f} s: {}\n", refused_s, e.what());
      quoted.measured("chain_refused_s", refused_s, "{:.2g}", kAtMostRefusal);
      quoted.table("chain_refusal", wrapped(e.what(), 96));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 100, hidden = 32, positional = 0, chain_steps = 0;
  bool full = false, pages = false;
  std::string out = ".";
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    if (arg == "--version") {
      fmt::print("{}\n", ag::version_line("viz_fold_bench"));
      return 0;
    } else if (arg == "--full") {
      full = true;
    } else if (arg == "--pages") {
      pages = true;
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

  try {
    std::filesystem::create_directories(out);
    const auto start = std::chrono::steady_clock::now();
    ex::Quoted quoted;
    if (pages) {
      measure_lstm(100, 32, true, out, quoted);
      measure_chain(66667, true, out, quoted);
    } else if (chain_steps > 0) {
      measure_chain(chain_steps, full, out, quoted);
    } else {
      measure_lstm(steps, hidden, full, out, quoted);
    }
    // (The LSTM draws its weights and inputs from seed 3; the chain has none.)
    quoted.write(out + "/results.json", "viz_fold_bench", {3}, seconds_since(start));
  } catch (const std::exception& e) {
    fmt::print(stderr, "viz_fold_bench: {}\n", e.what());
    return 2;
  }
  return 0;
}
