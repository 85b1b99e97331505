// viz.hpp — pictures of a tape after backward(): where the gradient vanished, exploded or flowed.
//
// micrograd's draw_dot shows each value's data and grad; torchviz colours nodes by kind. Neither
// answers the question a learner asks when training stalls: *where did my gradient go?* These
// functions draw the tape so that the answer is a colour:
//
//   * node fill  = log10 of the norm of the node's gradient, on the viridis colour map (dark
//                  purple: small, yellow: large), on one absolute scale (1e-8 to 1e2 unless the
//                  Options say otherwise), with a legend that states the scale;
//                  exactly zero, NaN/Inf and "no gradient reached here" get their own marks;
//   * edge width = norm of the gradient that flowed along that edge (needs
//                  `tape.backward(loss, {.record_edge_grads = true})`);
//   * markers    = *why* it died: ReLU's dead units and sparsity, sigmoid/tanh's mean local
//                  derivative and saturation, LeakyReLU's slope; in scalar graphs each edge shows
//                  its local derivative d out / d in, so a vanishing path is visibly a product;
//   * tooltips   = in an SVG, hovering over a box shows its op, scope, shape, value and
//                  gradient statistics and the op's derivative, from the engine's op index
//                  (autograd/op_info.hpp); over a scalar edge, the gradient that flowed along it.
//
// Marks mean one thing. A unit is a position in the non-batch dimensions; the batch is the first
// dimension. Red ("dead 25% of units", "saturated 25% of units") only for units off in *every*
// example of a batch of at least two: a relu result of 0, or a sigmoid/tanh local derivative
// below Options::saturation_threshold (1e-3). The share of values that are off is neutral text
// ("sparsity 50%", "3% of values saturated"); a one-number relu that is 0 says "off here", a
// saturated one "saturated here". A tensor whose first dimension is 1 has no batch: never red.
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
#include <string_view>
#include <vector>

// The whole engine (autograd.hpp), not just the tape: a program that draws a tape also builds
// one, and prints what it shows (fmt and `<<` for tensors come with print.hpp).
#include <autograd/autograd.hpp>

namespace ag::viz {

// Raised when a picture cannot be made: an unknown file extension, a path that cannot be written,
// an Options field out of range (the message names the field and its value), a graph too big to
// lay out (see the limits below), or Graphviz refusing the graph (its own message is included).
struct VizError : Error {
  using Error::Error;
};

// ---------------------------------------------------------------------------------------------
// What Graphviz is asked to lay out (SVG, PNG, PDF; DOT text is written before layout and has no
// limit). Above either limit render() and render_data() throw VizError *before* layout, and the
// message names the call that draws the same tape smaller (the folded view, a path, a strip).
//
// kMaxLayoutNodes: boxes in one picture. dot's layout time grows faster than the node count;
// measured on the 2-core development machine (Graphviz 2.43, full view to SVG): an unrolled LSTM
// of 1806 nodes 1.0 s, 2706 nodes 2.8 s, 3606 nodes 3.4 s, 5406 nodes 11.7 s; a scalar chain of
// 2101 nodes 1.3 s, 3001 nodes 9.8 s. 2500 keeps every picture within a few seconds.
//
// kMaxLayoutDepth: boxes on the longest path (edges followed forward). dot spends its time per
// rank, and some of its passes recurse once per node along a path: a 100,000-step scalar chain
// y = tanh(y * 1.0001) (300,001 tape nodes: the literal, the product and the tanh of each step)
// overflows the 8 MB main-thread stack inside libgvc (174,000 nested calls) and kills the
// process, with no exception to catch. The time per rank climbs steeply too: chains of depth 801
// 0.5 s, 1401 1.3 s, 2001 9.8 s. 1000 ranks keeps a chain under a second on a quiet machine, and
// is two orders of magnitude below the crash, with room for the smaller stacks of threads.
// (On the same machine under a load of 10, every one of these times was 4-10x longer.)
inline constexpr size_t kMaxLayoutNodes = 2500;
inline constexpr size_t kMaxLayoutDepth = 1000;

// The widest colour scale the Options accept, in decades: the legend draws one cell per decade
// (38 pt each), so 30 decades is a legend about 1,150 pt wide: room for a tanh RNN's gradient
// fading over 30 orders of magnitude. 1e7 decades used to write a 770 MB DOT.
inline constexpr double kMaxScaleDecades = 30.0;

// Full: one box per tape node. Folded: one box per scope at `fold_depth` (see Options).
enum class View { full, folded };

// Which gradient a scope's number measures: the fill of a folded box, a strip's square, a bar, a
// CSV row. Every one of those pictures and texts says which, in its label.
enum class FlowQuantity {
  // |dL/d output| (the default): the norm of the gradient at the values the scope hands on, its
  // outputs: the nodes made in it that a node outside it uses (the next layer, the next time
  // step, the loss), and any node nobody uses (the loss, if made inside). For a layer that is
  // dL/d(activation); for an LSTM step dL/dh_t and dL/dc_t together. The quantity that vanishes
  // or explodes going back through layers or time; measured on the nodes' own gradients.
  activation,
  // |dL/d parameters|: the norm of the gradient flowing into the parameters the scope uses,
  // sqrt(sum |g_e|^2) over the edges into it from a parameter, or from work computed from
  // parameters alone outside it (nn's RNN, LSTM and GRU transpose W_ih and W_hh, and the RNN and
  // LSTM add b_ih + b_hh, once per sequence in scope "<name>/layer0": the edge from W_ih^T into a
  // step carries that step's share of W_ih's gradient). Such an edge counts the gradient as it
  // arrives, not pushed back through the work to each parameter: exact where the work only moves
  // numbers (W_ih^T), but for b = b_ih + b_hh it is b's gradient, which b_ih and b_hh each
  // receive whole, counted once (their two shares together have sqrt(2) times its norm); so for
  // any work that combines parameters. A weight shared by all steps gets one
  // share per step; the shares, added as tensors, are its gradient (so their norms add up to at
  // least its norm, and one step's share is all of it). The parameter-only scope itself
  // ("lstm/layer0") gets the whole gradient of each parameter it takes. Needs
  // tape.backward(loss, {.record_edge_grads = true}): without recorded edges, VizError.
  parameters,
  // The gradient leaving the scope backward: to earlier scopes *and* into parameters,
  // sqrt(sum |g_e|^2) over the edges that enter it from outside or from a parameter (without
  // recorded edges, the gradient at the nodes those edges enter). What earlier versions drew; it
  // mixes the parameter gradients in, so a vanishing activation gradient can hide behind them.
  leaving,
  // |dL/dh_t|: the gradient at a recurrent network's hidden state h_t alone; for an LSTM, without
  // the cell state c_t that `activation` counts with it. A scope does not say which of its
  // outputs is h_t, so nothing here measures this: a program that read h_t's gradient itself
  // states it on the FlowEntry values it builds ({.quantity = FlowQuantity::hidden_state}), and
  // the strip, the bars and the CSV then name it. gradient_flow and the folded view throw
  // VizError for it.
  hidden_state,
};

// Every field is checked by the calls that take Options (render, render_data, to_dot, the flow
// pictures and text): a value out of range throws VizError naming the field and the value.
struct Options {
  // --- what to draw ---
  View view = View::full;
  // Folded view: how many scope components name a box. With scopes "lstm/t=0" ... "lstm/t=99",
  // depth 2 gives one box per time step, depth 1 a single "lstm" box. Nodes made outside every
  // scope (the loss, say) stay individual boxes, and so do parameters. At least 1.
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

  // SVG: hover text on every box and edge (tooltip.cpp: a box's op, numbers and derivative; a
  // folded box's ops). Off, the picture has none: for a page that shows several big pictures side
  // by side, where the hover text would repeat the same few ops in every box. (A browser then shows
  // Graphviz's own name for a box, "g12", on hover.)
  bool tooltips = true;

  // --- how values become colours and widths ---
  // The colour scale runs over log10 |grad| in [log10_min, log10_max]; norms outside it take the
  // end colours (the legend says "<=" and ">="). Keep the default, so that every picture compares
  // with every other: a picture on another scale says so in its legend ("not the default"), and
  // a committed one must be listed, with its reason, in docs/graphs.md. Finite,
  // log10_min < log10_max, at most kMaxScaleDecades apart.
  double log10_min = -8.0;
  double log10_max = 2.0;
  // A sigmoid or tanh unit counts as saturated when its local derivative is below this; in (0, 1).
  double saturation_threshold = 1e-3;
  // Scalar graphs: label each edge with d out / d in (only where both ends are one number).
  bool edge_local_derivatives = true;
  bool legend = true;
  // Graphviz rankdir: "LR" (inputs left, loss right, like micrograd), "TB", "RL" or "BT".
  std::string rankdir = "LR";
  // A title drawn above the picture (empty: none).
  std::string title = {};
  // Folded view: also draw parameters, and the work computed from them alone (an RNN's weights
  // transposed once per sequence), with one edge into each cluster that uses them. Off by
  // default. Their gradient is in a box's number only with FlowQuantity::parameters (each step's
  // share) or ::leaving.
  bool fold_show_parameters = false;
  // Folded view and gradient-flow strip: boxes per row before wrapping to the next row (the
  // folded view wraps only when it has more scope boxes than this; 0: never wrap, one row). At
  // least 0.
  int columns = 25;
  // Folded view: which gradient fills a scope's box (see FlowQuantity); the box says which
  // ("dL/d out 0.021", "dL/d params 3.1e-05", "grad leaving 12"); not hidden_state, which a box
  // cannot measure (VizError). The strip and the bars take it from their entries, and use this
  // only when there are none.
  FlowQuantity flow_quantity = FlowQuantity::activation;
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
// Throws VizError if the extension is unknown, the file cannot be written, an option is out of
// range, or the picture is above kMaxLayoutNodes / kMaxLayoutDepth (the full view then names
// {.view = ag::viz::View::folded}); IndexError if a path_from / path_to index is not on the
// tape. A tape before backward() renders every node as "no gradient"; an empty tape renders a
// note saying so.
void render(const Tape& tape, const std::string& path, const Options& options = {});

// The same picture in memory (PNG and PDF bytes are binary, held in the string).
std::string render_data(const Tape& tape, Format format, const Options& options = {});

// The DOT text of the picture (render_data with Format::dot).
std::string to_dot(const Tape& tape, const Options& options = {});

// ---------------------------------------------------------------------------------------------
// Gradient flow: one number per scope (per layer, per time step).
//
// For each scope at `depth` (in the order the tape first entered it), the norm of one gradient,
// chosen by `quantity`: by default |dL/d output|, the gradient at the values the scope hands on
// (see FlowQuantity for each and how it is measured). A program may also build the entries
// itself from numbers it measured (|dL/dh_t| per step); `quantity` must then say what they are.
struct FlowEntry {
  std::string scope;          // "lstm/t=3"
  size_t first_node = 0;      // tape index of its first node
  size_t node_count = 0;      // how many tape nodes it holds
  double norm = 0.0;          // the gradient `quantity` measures (NaN/Inf if any of it was)
  bool has_gradient = false;  // false: no gradient reached it (e.g. before backward)
  bool from_edges = false;    // norm measured on recorded edge gradients
  FlowQuantity quantity = FlowQuantity::activation;  // which gradient `norm` is
};

// Throws VizError if depth < 1, for FlowQuantity::parameters without recorded edge gradients,
// or for FlowQuantity::hidden_state (which only the program that made h_t can measure).
std::vector<FlowEntry> gradient_flow(const Tape& tape, int depth = 2,
                                     FlowQuantity quantity = FlowQuantity::activation);

// What a picture or text of the flow calls its numbers: "|dL/d output| of each scope", ...
std::string_view flow_quantity_label(FlowQuantity quantity);

// A horizontal bar per entry, its length log10 of the norm on the Options' scale, drawn with
// Unicode eighth blocks (▏▎▍▌▋▊▉█), for printing in a terminal (a norm of 0.021 on the default
// scale, 1e-8 to 1e2, fills 25¼ of 40 cells):
//     lstm/t=0  █████████████████████████▎                2.10e-02
// The first line names what the bars hold: the entries' quantity (flow_quantity_label), or
// `label` where they hold something else a program measured (tutorial 09's bars are ratios of two
// gradients, "|dL/dh_0| / |dL/dh_99|").
std::string flow_bars(std::span<const FlowEntry> flow, const Options& options = {}, int width = 40,
                      std::string_view label = {});
// The whole flow on one line, one block per entry (▁▂▃▄▅▆▇█), "_" for a norm of exactly 0, "·"
// for no gradient, "!" for NaN or Inf.
std::string flow_sparkline(std::span<const FlowEntry> flow, const Options& options = {});
// "index,scope,nodes,grad_norm,log10_grad_norm,quantity" and one row per entry (empty cells: no
// gradient); quantity is "dL/d output", "dL/d parameters", "gradient leaving" or "dL/dh_t".
std::string flow_csv(std::span<const FlowEntry> flow);
// The strip as a picture: a row of squares sized and coloured by log10 norm, wrapped every
// Options::columns (0: never, one row), with the legend. Above kMaxLayoutNodes boxes (one per
// entry, however wrapped) or kMaxLayoutDepth deep, VizError, naming a span of the flow.
void render_flow(std::span<const FlowEntry> flow, const std::string& path,
                 const Options& options = {});
std::string render_flow_data(std::span<const FlowEntry> flow, Format format,
                             const Options& options = {});

}  // namespace ag::viz
