// viz_gallery.cpp — renders the pictures of docs/graphs.md into a directory (docs/img/).
//
//   viz_gallery OUTDIR
//   viz_gallery --version
//
// Each picture is one of the networks of example_graphs.hpp after one backward pass with edge
// gradients recorded. The terminal views (bars, sparkline) are printed, as a tutorial would.
#include <autograd/version.hpp>
#include <viz/viz.hpp>

#include <cstdio>
#include <string>

#include "example_graphs.hpp"

using ag::viz::Options;
using ag::viz::View;
namespace ex = ag::viz::examples;

namespace {
const ag::BackwardOptions kEdges{.record_edge_grads = true};
}

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : ".";
  if (dir == "--version") {
    fmt::print("{}\n", ag::version_line("viz_gallery"));
    return 0;
  }

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
    fmt::print("{} MLP, |dL/d output| of each layer:\n{}\n", name,
               ag::viz::flow_bars(ag::viz::gradient_flow(tape), {}, 30));
  }
  {  // a tanh RNN over 30 steps, folded by time step, and its gradient-flow strip
    ag::Tape tape;
    ag::Tensor loss = ex::tanh_rnn(30, 16);
    tape.backward(loss, kEdges);
    ag::viz::render(tape, dir + "/rnn_folded.svg",
                    {.view = View::folded,
                     .title = "tanh RNN, 30 steps, W_h scale 0.5: one box per time step"});
    const auto flow = ag::viz::gradient_flow(tape);
    ag::viz::render_flow(flow, dir + "/rnn_flow.svg",
                         {.title = "tanh RNN: |dL/d output| of each time step (h_t)",
                          .columns = 15});
    fmt::print("tanh RNN: {}\n{}\n", ag::viz::flow_sparkline(flow),
               ag::viz::flow_bars(flow, {}, 30));
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
  }
  {  // 100 LSTM steps, hidden 32 (1806 tape nodes): folded, it fits on one page
    ag::Tape tape;
    ag::Tensor loss = ex::lstm(100, 32);
    tape.backward(loss, kEdges);
    ag::viz::render(tape, dir + "/lstm100_folded.svg",
                    {.view = View::folded,
                     .title = "LSTM, 100 steps, hidden 32: one box per time step"});
    std::FILE* csv = std::fopen((dir + "/lstm100_flow.csv").c_str(), "w");
    if (csv != nullptr) {
      fmt::print(csv, "{}", ag::viz::flow_csv(ag::viz::gradient_flow(tape)));
      std::fclose(csv);
    }
  }
  {  // one LSTM step in full, clustered by scope
    ag::Tape tape;
    ag::Tensor loss = ex::lstm(2, 3);
    tape.backward(loss, kEdges);
    ag::viz::render(tape, dir + "/lstm_2_steps.svg",
                    {.prune_constants = true, .title = "LSTM, 2 steps, hidden 3, every op"});
  }
  return 0;
}
