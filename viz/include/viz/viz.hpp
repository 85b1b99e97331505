// viz.hpp — pictures of a tape after backward(): where the gradient vanished, exploded or flowed.
//
// micrograd's draw_dot shows each value's data and grad; torchviz colours nodes by kind. Neither
// answers the question a learner asks when training stalls: *where did my gradient go?* These
// functions draw the tape so that the answer is a colour:
//
//   * node fill  = log10 of the norm of the node's gradient, on the viridis colour map (dark
//                  purple: vanished, green: healthy, yellow: exploding), with a legend;
//                  exactly zero, NaN/Inf and "no gradient reached here" get their own marks;
//   * edge width = norm of the gradient that flowed along that edge (needs
//                  `tape.backward(loss, {.record_edge_grads = true})`);
//   * markers    = *why* it died: ReLU's dead fraction, sigmoid/tanh's mean local derivative and
//                  saturated fraction, LeakyReLU's slope; in scalar graphs each edge shows its
//                  local derivative d out / d in, so a vanishing path is visibly a product;
//   * tooltips     = in an SVG, hovering over a box shows its op, scope, shape, value and
//                  gradient statistics and the op's derivative, from the engine's op index
//                  (autograd/op_info.hpp); over a scalar edge, the gradient that flowed along it.
//
// Big graphs: scopes (ag::ScopeGuard) become nested clusters; the folded view draws one box per
// scope (one per LSTM time step, or per layer); the gradient-flow strip is the same numbers as a
// row of coloured squares, a terminal bar chart and CSV.
//
// The graph is built with Graphviz's cgraph library and laid out and rendered in-process by its
// gvc library (no DOT strings assembled by hand, no `dot` subprocess). Node names are tape
// indices ("n12"), so the same program gives byte-identical DOT.
//
// What this file leaves out: interactive viewers, animation over training steps, and colour maps
// other than viridis. Everything here reads the tape; nothing changes it (local derivatives rerun
// a node's own backward rule and put every gradient back).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <autograd/error.hpp>
#include <autograd/tape.hpp>

namespace ag::viz {

// Raised when a picture cannot be made: an unknown file extension, a path that cannot be written,
// or Graphviz refusing the graph (its own message is included).
struct VizError : Error {
  using Error::Error;
};

// Full: one box per tape node. Folded: one box per scope at `fold_depth` (see Options).
enum class View { full, folded };

struct Options {
  // --- what to draw ---
  View view = View::full;
  // Folded view: how many scope components name a box. With scopes "lstm/t=0" ... "lstm/t=99",
  // depth 2 gives one box per time step, depth 1 a single "lstm" box. Nodes made outside every
  // scope (the loss, say) stay individual boxes, and so do parameters.
  int fold_depth = 2;
  // Draw scopes as nested clusters (boxes around the nodes made inside them).
  bool cluster_scopes = true;
  // Leave out what needs no gradient: "const" nodes (inputs and literals), the ops computed from
  // them alone (a time step's slice of the input), and their edges.
  bool prune_constants = false;
  // Keep only the nodes on some path from tape index `path_from` to `path_to` (either may be
  // left empty: then everything downstream of path_from, or upstream of path_to).
  std::optional<size_t> path_from{};
  std::optional<size_t> path_to{};

  // --- how values become colours and widths ---
  // The colour scale runs over log10 |grad| in [log10_min, log10_max]; norms outside it take the
  // end colours (the legend says "<=" and ">=").
  double log10_min = -8.0;
  double log10_max = 2.0;
  // A sigmoid or tanh unit counts as saturated when its local derivative is below this.
  double saturation_threshold = 1e-3;
  // Scalar graphs: label each edge with d out / d in (only where both ends are one number).
  bool edge_local_derivatives = true;
  bool legend = true;
  // Graphviz rankdir: "LR" (inputs left, loss right, like micrograd) or "TB".
  std::string rankdir = "LR";
  // A title drawn above the picture (empty: none).
  std::string title;
  // Folded view: also draw parameters, and the work computed from them alone (an RNN's weights
  // transposed once per sequence), with one edge into each cluster that uses them. Off by
  // default. Their gradient is counted in "the gradient leaving" each box either way.
  bool fold_show_parameters = false;
  // Folded view and gradient-flow strip: boxes per row before wrapping to the next row (the
  // folded view wraps only when it has more scope boxes than this; 0: never wrap it).
  int columns = 25;
};

// Output formats. `dot` is the graph before layout (no coordinates): deterministic text, what the
// golden-file tests compare, and what `dot -Tsvg graph.dot` turns into the same picture.
enum class Format { svg, png, pdf, dot };

// The format named by a path's extension: .svg .png .pdf .dot .gv (case-insensitive).
// Throws VizError naming the path and the extension otherwise.
Format format_from_path(const std::string& path);

// Renders the tape to a file whose extension picks the format, e.g.
//     ag::viz::render(tape, "graph.svg");
//     ag::viz::render(tape, "lstm.svg", {.view = ag::viz::View::folded, .fold_depth = 2});
// Throws VizError if the extension is unknown or the file cannot be written; IndexError if a
// path_from / path_to index is not on the tape. A tape before backward() renders every node as
// "no gradient"; an empty tape renders a note saying so.
void render(const Tape& tape, const std::string& path, const Options& options = {});

// The same picture in memory (PNG and PDF bytes are binary, held in the string).
std::string render_data(const Tape& tape, Format format, const Options& options = {});

// The DOT text of the picture (render_data with Format::dot).
std::string to_dot(const Tape& tape, const Options& options = {});

// ---------------------------------------------------------------------------------------------
// Gradient flow: one number per scope (per layer, per time step).
//
// For each scope at `depth` (in the order the tape first entered it), the norm of the gradient
// *leaving* it in the backward pass: what it sends to earlier scopes and into parameters. With
// recorded edge gradients that is sqrt(sum of |g_e|^2) over the edges e that enter the scope from
// outside or from a parameter; without them, the norm of the gradient at the scope's entry nodes
// (the ones fed from outside), and `from_edges` is false.
struct FlowEntry {
  std::string scope;        // "lstm/t=3"
  size_t first_node = 0;    // tape index of its first node
  size_t node_count = 0;    // how many tape nodes it holds
  double norm = 0.0;        // the gradient leaving it (NaN/Inf if any of it was)
  bool has_gradient = false;  // false: no gradient reached it (e.g. before backward)
  bool from_edges = false;    // norm measured on recorded edge gradients
};

std::vector<FlowEntry> gradient_flow(const Tape& tape, int depth = 2);

// A horizontal bar per entry, its length log10 of the norm on the Options' scale, drawn with
// Unicode eighth blocks (▏▎▍▌▋▊▉█), for printing in a terminal:
//     lstm/t=0  ███████████████▍          2.1e-02
std::string flow_bars(std::span<const FlowEntry> flow, const Options& options = {},
                      int width = 40);
// The whole flow on one line, one block per entry (▁▂▃▄▅▆▇█), "·" for no gradient, "!" for NaN.
std::string flow_sparkline(std::span<const FlowEntry> flow, const Options& options = {});
// "index,scope,nodes,grad_norm,log10_grad_norm" and one row per entry (empty cells: no gradient).
std::string flow_csv(std::span<const FlowEntry> flow);
// The strip as a picture: a row of squares sized and coloured by log10 norm, wrapped every
// Options::columns, with the legend.
void render_flow(std::span<const FlowEntry> flow, const std::string& path,
                 const Options& options = {});
std::string render_flow_data(std::span<const FlowEntry> flow, Format format,
                             const Options& options = {});

}  // namespace ag::viz
