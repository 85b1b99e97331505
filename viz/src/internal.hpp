// internal.hpp — what the viz source files share (not installed, not public).
//
// Three layers, one per source file, meet here:
//   colormap.cpp  numbers -> colours: a gradient's norm, its colour and marks, the legend;
//   graph.cpp     cgraph helpers, and the tape -> a cgraph graph (full view): labels, markers,
//                 clusters, pruning;
//   fold.cpp      the tape -> scope groups: folded view, gradient flow, strip, bars, CSV;
//   render.cpp    a cgraph graph -> SVG/PNG/PDF/DOT through gvc, and the public render calls.
//
// Graphviz is a C library: its functions take `char*` for strings they only read (and copy), so
// the helpers below take std::string and cast the const away in one place.
#pragma once

#include <graphviz/cgraph.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "viz/viz.hpp"

namespace ag::viz::detail {

// ----- gradients as colours (colormap.cpp) -----------------------------------------------------

// What a node's gradient is, before it becomes a colour.
enum class GradState {
  constant,     // the tensor needs no gradient (an input, a literal): nothing to show
  no_gradient,  // it needs one but none reached it (before backward, or off the loss's path)
  zero,         // a gradient arrived and it is exactly zero everywhere
  nonfinite,    // some entry is NaN or Inf
  finite,       // a positive finite norm: the colour scale applies
};

struct GradSummary {
  GradState state = GradState::no_gradient;
  double norm = 0.0;  // the 2-norm; NaN or Inf when nonfinite
};

// The summary of a tensor's gradient buffer.
GradSummary summarize_grad(const TensorImpl& t);
// The summary of a norm already computed (a group's, an edge's). `reached`: whether any gradient
// arrived at all.
GradSummary summarize_norm(double norm, bool reached);

// Position on the colour scale in [0, 1]: (log10 norm - log10_min) / (log10_max - log10_min).
double scale_position(double norm, const Options& options);
// Matplotlib's viridis at t in [0, 1], as "#rrggbb".
std::string viridis(double t);

// How a node looks: filled with `fill`, text in `fontcolor`, border `color` drawn `style`.
struct NodeLook {
  std::string fill, fontcolor, color, style;
  double penwidth = 1.0;
  int peripheries = 1;
};
NodeLook node_look(const GradSummary& g, const Options& options);

// Pen width of an edge carrying a gradient of this norm (negative: not recorded).
double edge_penwidth(double norm, const Options& options);

// What the legend says about edge widths.
enum class EdgeLegend {
  recorded,      // widths show the gradient along each edge
  not_recorded,  // widths would, but backward ran without record_edge_grads
  none,          // the picture has no such edges (the strip)
};

// The legend as an HTML-like label. `fill_meaning` says what the fill of a box measures.
std::string legend_html(const Options& options, std::string_view fill_meaning, EdgeLegend edges);

// ----- small formatting helpers ----------------------------------------------------------------

// "&", "<", ">", '"' as entities, for text inside HTML-like labels.
std::string html_escape(std::string_view text);
// A number in 4 significant digits ("0.7616", "-3", "2.1e-05").
std::string num(double x);
// A norm in 2 significant digits, scientific ("2.1e-05").
std::string sci(double x);

// ----- cgraph helpers (graph.cpp) -------------------------------------------------------------

struct GraphClose {
  void operator()(Agraph_t* g) const { agclose(g); }
};
using GraphPtr = std::unique_ptr<Agraph_t, GraphClose>;

// A new directed graph with the attributes every picture shares (fonts, rankdir, title).
GraphPtr new_graph(const char* name, const Options& options);
// Sets attribute `name` on a graph, node or edge (declaring it with default "" if new).
void set(void* obj, const char* name, const std::string& value);
// The same, with an HTML-like value (`<TABLE>...`), which Graphviz writes as <...> not "...".
void set_html(void* obj, const char* name, const std::string& html);
Agnode_t* add_node(Agraph_t* g, const std::string& name);
// Gives a box the fill, font colour, border and style of its gradient (node_look).
void apply_look(Agnode_t* n, const NodeLook& look);
Agedge_t* add_edge(Agraph_t* g, Agnode_t* tail, Agnode_t* head);

// Nested clusters for scopes: cluster("lstm/t=3") is the subgraph "cluster_lstm/t=3" inside
// "cluster_lstm", made on first use. "" is the root graph.
class Clusters {
 public:
  explicit Clusters(Agraph_t* root) : root_(root) {}
  Agraph_t* get(const std::string& scope);

 private:
  Agraph_t* root_;
  std::map<std::string, Agraph_t*> made_;
};

// A node with the legend, named "legend".
void add_legend(Agraph_t* g, const Options& options, std::string_view fill_meaning,
                EdgeLegend edges);
// A lone note node (named "note"), for pictures with nothing else to show.
void add_note(Agraph_t* g, const std::string& text);

// ----- the tape, read for pictures (graph.cpp) -------------------------------------------------

// Which tape nodes to draw, after prune_constants and path_from / path_to.
std::vector<bool> selected_nodes(const Tape& tape, const Options& options);
// The HTML label of tape node i: op or name, shape, data and grad, and its marker.
std::string node_label(const Tape& tape, size_t i, const GradSummary& g, const Options& options);
// Why a gradient may die here, in words ("dead 40%", "σ' mean 0.19, saturated 3%"); "" if the
// op has nothing to say. `alarming` is set when most units are dead or saturated.
std::string node_marker(const Tape& tape, size_t i, const Options& options, bool& alarming);
// Sets fill, colours, border and label of a drawn tape node.
void style_tape_node(Agnode_t* n, const Tape& tape, size_t i, const Options& options);
// Scope name truncated to its first `depth` components ("lstm/t=3/gates", 2 -> "lstm/t=3").
std::string truncate_scope(const std::string& scope, int depth);

// ----- the engine's derivatives, read for pictures (tooltip.cpp) --------------------------------
// d result / d self of each element of one-input elementwise node i, by the engine's own rule
// (op_info.hpp); empty for ops that have none.
std::vector<double> local_derivative_values(const Tape& tape, size_t i);
// Whether the engine says the node's op saturates (sigmoid, tanh): its local derivative tends to
// 0 as |self| grows.
bool saturates(const Node& node);

// ----- tooltips (tooltip.cpp) ------------------------------------------------------------------
// Tape node i on hover: op, scope, shape, value and gradient statistics, the backward rule from
// the engine's op index, and for elementwise ops the local derivative's statistics.
std::string node_tooltip(const Tape& tape, size_t i, const Options& options);
// The edge into input k of node i: d result / d input (`local`, NaN if not one number; `both`
// when the same tensor is two of the inputs), the gradient that flowed back along it when the
// result is one number, and the recorded norm (negative: not recorded).
std::string edge_tooltip(const Tape& tape, size_t i, size_t k, double local, bool both,
                         double norm);
// A folded box: `heading`, then each op among the nodes of `group` with its count and rule.
std::string group_tooltip(const Tape& tape, std::span<const long> group_of, long group,
                          const std::string& heading);

// ----- the views -------------------------------------------------------------------------------
GraphPtr build_full(const Tape& tape, const Options& options);         // graph.cpp
GraphPtr build_folded(const Tape& tape, const Options& options);  // fold.cpp
GraphPtr build_flow(std::span<const FlowEntry> flow, const Options& options);  // fold.cpp

// ----- output (render.cpp) ---------------------------------------------------------------------
// A built graph in `format`: DOT text written by cgraph, or laid out by gvc's dot engine and
// rendered. Throws VizError with Graphviz's own message if it fails.
std::string graph_data(Agraph_t* g, Format format);
// The same into a file (opened here, so that an unwritable path is a clear error).
void graph_file(Agraph_t* g, const std::string& path);

}  // namespace ag::viz::detail
