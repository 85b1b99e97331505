// viz_gallery.cpp — renders the pictures of docs/graphs.md into a directory (docs/img/).
//
//   viz_gallery OUTDIR
//   viz_gallery --version
//
// Each picture is one of the networks of example_graphs.hpp after one backward pass with edge
// gradients recorded. The terminal views (bars, sparkline) are printed, as a tutorial would.
// The numbers the docs quote about these pictures (docs/graphs.md, the concept pages, the
// README) go to OUTDIR/viz_gallery.json, in the format of a tutorial's results.json: `./run
// pages` fills the pages' markers from it (tools/pages.hpp), and the gallery's test compares it
// byte for byte with the committed one, like the pictures.
#include <autograd/fast/kernels.hpp>
#include <autograd/version.hpp>
#include <viz/viz.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "example_graphs.hpp"
#include "quoted.hpp"

using ag::viz::Options;
using ag::viz::View;
namespace ex = ag::viz::examples;
using ex::Quoted;

namespace {
const ag::BackwardOptions kEdges{.record_edge_grads = true};

// Columns a terminal gives a UTF-8 line (one per code point: the bars are one column each).
size_t columns(const std::string& line) {
  return static_cast<size_t>(std::count_if(line.begin(), line.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Two flow_bars printouts side by side under their titles, without their header lines.
std::string side_by_side(const std::string& left_title, const std::string& left,
                         const std::string& right_title, const std::string& right) {
  const std::vector<std::string> a = lines_of(left), b = lines_of(right);
  size_t width = left_title.size();
  for (size_t k = 1; k < a.size(); ++k) width = std::max(width, columns(a[k]));
  width += 7;
  auto pad = [&](const std::string& s) { return s + std::string(width - columns(s), ' '); };
  std::string text = pad(left_title) + right_title + "\n";
  for (size_t k = 1; k < std::max(a.size(), b.size()); ++k) {
    text += pad(k < a.size() ? a[k] : "") + (k < b.size() ? b[k] : "") + "\n";
  }
  return text;
}

// log10 of the largest over the smallest norm of a flow: the orders of magnitude it spans.
double orders_spanned(const std::vector<ag::viz::FlowEntry>& flow) {
  auto [low, high] = std::minmax_element(
      flow.begin(), flow.end(), [](const auto& x, const auto& y) { return x.norm < y.norm; });
  return std::log10(high->norm / low->norm);
}

// The tape drawn folded (one box per time step) into `path`, and its gradient flow, one entry per
// time step.
std::vector<ag::viz::FlowEntry> render_folded(const ag::Tape& tape, const std::string& path,
                                              const std::string& title) {
  ag::viz::render(tape, path, {.view = View::folded, .title = title});
  return ag::viz::gradient_flow(tape);
}

// The first step's and the last step's |dL/d output|, as `prefix`_first and `prefix`_last.
void quote_ends(Quoted& quoted, const std::string& prefix,
                const std::vector<ag::viz::FlowEntry>& flow) {
  quoted.value(prefix + "_first", flow.front().norm, "{:.1e}");
  quoted.value(prefix + "_last", flow.back().norm, "{:.2g}");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : ".";
  if (dir == "--version") {
    fmt::print("{}\n", ag::version_line("viz_gallery"));
    return 0;
  }
  // The same numbers, and so the same pictures, on every x86-64 CPU (autograd/fast/kernels.hpp).
  ag::use_portable_kernels();

  {  // micrograd's neuron: data | grad, and d out / d in on every edge
    ag::Tape tape;
    ag::Tensor o = ex::micrograd_neuron();
    tape.backward(o, kEdges);
    ag::viz::render(tape, dir + "/neuron.svg", {.title = "o = tanh(x1 w1 + x2 w2 + b)"});
  }
  {  // the same neuron before backward: every gradient is "no gradient"
    ag::Tape tape;
    ex::micrograd_neuron();
    ag::viz::render(tape, dir + "/neuron_before_backward.svg",
                    {.title = "before backward(): no gradient anywhere yet"});
  }
  Quoted quoted;
  std::string bars[2];
  for (auto [act, name] :
       {std::pair{ex::Activation::sigmoid, "sigmoid"}, std::pair{ex::Activation::relu, "relu"}}) {
    ag::Tape tape;
    ag::Tensor loss = ex::mlp(8, 4, act);
    tape.backward(loss, kEdges);
    ag::viz::render(tape, dir + "/mlp_" + name + ".svg",
                    {.prune_constants = true,
                     .rankdir = "TB",
                     .title = fmt::format("8-layer {} MLP, width 4: node fill = |grad|", name)});
    ag::viz::render(tape, dir + "/mlp_" + name + "_folded.svg",
                    {.view = View::folded,
                     .title = fmt::format("the same {} MLP, one box per layer", name)});
    const auto flow = ag::viz::gradient_flow(tape);  // one entry per layer, mlp/layer0 first
    std::string& text = bars[act == ex::Activation::sigmoid ? 0 : 1];
    text = ag::viz::flow_bars(flow, {}, 30);
    fmt::print("{} MLP, |dL/d output| of each layer:\n{}\n", name, text);
    quoted.value(fmt::format("mlp_{}_orders", name), orders_spanned(flow), "{:.1f}");
    quoted.value(fmt::format("mlp_{}_last", name), flow.back().norm, "{:.2f}");
  }
  quoted.table("mlp_flow", side_by_side("sigmoid MLP", bars[0], "relu MLP", bars[1]));
  {  // a tanh RNN over 30 steps, folded by time step, and its gradient-flow strip
    ag::Tape tape;
    ag::Tensor loss = ex::tanh_rnn(30, 16);
    tape.backward(loss, kEdges);
    const auto flow = render_folded(tape, dir + "/rnn_folded.svg",
                                    "tanh RNN, 30 steps, W_h scale 0.5: one box per time step");
    ag::viz::render_flow(flow, dir + "/rnn_flow.svg",
                         {.title = "tanh RNN: |dL/d output| of each time step (h_t)",
                          .columns = 15});
    const std::string sparkline = ag::viz::flow_sparkline(flow);
    fmt::print("tanh RNN: {}\n{}\n", sparkline, ag::viz::flow_bars(flow, {}, 30));
    quoted.table("rnn_sparkline", sparkline + "\n");
    size_t step_nodes = 0;  // the nodes inside the 30 steps' scopes (not the weights, not the loss)
    for (const auto& step : flow) step_nodes += step.node_count;
    quoted.value("rnn_step_nodes", static_cast<double>(step_nodes), "{:.0f}");
    quote_ends(quoted, "rnn", flow);  // |dL/d h_0|, |dL/d h_29|
    quoted.value("rnn_orders", std::log10(flow.back().norm / flow.front().norm), "{:.0f}");
  }
  {  // an LSTM over 30 steps: the cell-state path keeps the gradient alive
    ag::Tape tape;
    ag::Tensor loss = ex::lstm(30, 16);
    tape.backward(loss, kEdges);
    const auto flow = ag::viz::gradient_flow(tape);
    ag::viz::render_flow(flow, dir + "/lstm_flow.svg",
                         {.title = "LSTM: |dL/d output| of each time step (h_t and c_t)",
                          .columns = 15});
    fmt::print("LSTM: {}\n", ag::viz::flow_sparkline(flow));
    quote_ends(quoted, "lstm", flow);  // |dL/d (h_0, c_0)|, |dL/d (h_29, c_29)|
    quoted.value("lstm_orders", std::log10(flow.back().norm / flow.front().norm), "{:.0f}");
  }
  {  // 100 LSTM steps, hidden 32 (1806 tape nodes): folded, it fits on one page
    ag::Tape tape;
    ag::Tensor loss = ex::lstm(100, 32);
    tape.backward(loss, kEdges);
    const auto flow = render_folded(tape, dir + "/lstm100_folded.svg",
                                    "LSTM, 100 steps, hidden 32: one box per time step");
    std::FILE* csv = std::fopen((dir + "/lstm100_flow.csv").c_str(), "w");
    if (csv != nullptr) {
      fmt::print(csv, "{}", ag::viz::flow_csv(flow));
      std::fclose(csv);
    }
    quoted.value("lstm100_nodes", static_cast<double>(tape.size()), "{:.0f}");
    quote_ends(quoted, "lstm100", flow);
  }
  {  // one LSTM step in full, clustered by scope
    ag::Tape tape;
    ag::Tensor loss = ex::lstm(2, 3);
    tape.backward(loss, kEdges);
    ag::viz::render(tape, dir + "/lstm_2_steps.svg",
                    {.prune_constants = true, .title = "LSTM, 2 steps, hidden 3, every op"});
  }
  // (Nothing here is trained or timed: every number is exact. The networks draw their weights
  // from seeds 1 (MLPs), 2 (tanh RNN) and 3 (LSTMs).)
  quoted.write(dir + "/viz_gallery.json", "viz_gallery", {1, 2, 3});
  return 0;
}
