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

// Which special marks the legend lists: those a box can show, each with its border ("exactly 0
// (dashed)", "no gradient (dotted)", "constant"), or those a strip's square can (no borders of
// their own, and never a constant).
enum class LegendMarks { boxes, squares };

// Whether the Options use the default colour scale (Options{}.log10_min / log10_max).
bool default_scale(const Options& options);
// "scale 1e-8 to 1e2 (the default: ...)", or the same saying it is not the default.
std::string scale_text(const Options& options);
// The legend as an HTML-like label. `fill_meaning` says what the fill of a box measures.
std::string legend_html(const Options& options, std::string_view fill_meaning, EdgeLegend edges,
                        LegendMarks shapes = LegendMarks::boxes);

// ----- small formatting helpers ----------------------------------------------------------------

// "&", "<", ">", '"' as entities, for text inside HTML-like labels.
std::string html_escape(std::string_view text);
// A number in 4 significant digits ("0.7616", "-3", "2.1e-05").
std::string num(double x);
// A norm in 2 significant digits ({:.2g}): scientific below 1e-4 and from 100 up ("2.1e-05",
// "1.2e+02"), plain between ("0.021", "3.1"); "NaN", "Inf", "-Inf".
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
// Options::tooltips off: clears the tooltip of every node, edge and cluster of the graph.
void drop_tooltips(Agraph_t* graph);
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
                EdgeLegend edges, LegendMarks shapes = LegendMarks::boxes);
// A lone note node (named "note"), for pictures with nothing else to show.
void add_note(Agraph_t* g, const std::string& text);

// ----- the tape, read for pictures (graph.cpp) -------------------------------------------------

// Which tape nodes to draw, after prune_constants and path_from / path_to.
std::vector<bool> selected_nodes(const Tape& tape, const Options& options);
// The HTML label of tape node i: op or name, shape, data and grad, and its marker.
std::string node_label(const Tape& tape, size_t i, const GradSummary& g, const Options& options);
// ----- marks: why a gradient may die (graph.cpp) ----------------------------------------------
// A piece of a marker row; `alarming` pieces are drawn red and bold. Only a unit that is off for
// every example of a batch is alarming (see count_off).
struct Mark {
  std::string text;
  bool alarming = false;
};
// The ops whose units can be "off": relu (local derivative 0) and the ops the engine says
// saturate, sigmoid and tanh (local derivative below Options::saturation_threshold).
enum class OffKind { none, relu, squashing };
OffKind off_kind(const Node& node);
// Counts of values and units that are off. A unit is a position in the non-batch dimensions; the
// batch is the first dimension, and only a batch of at least two counts units (units and
// off_units stay 0 otherwise).
struct OffCounts {
  double values = 0, off_values = 0;  // every value, and those that are off
  double units = 0, off_units = 0;    // units, and those off for every example of the batch
};
// Adds tape node i's values and units to `counts` (nothing for an op of OffKind::none).
void count_off(const Tape& tape, size_t i, const Options& options, OffCounts& counts);
// The marks for those counts: "dead 25% of units" / "saturated 25% of units" (alarming),
// "sparsity 60%" / "3% of values saturated" (neutral), "off here" / "saturated here" for one
// number.
std::vector<Mark> off_marks(OffKind kind, const OffCounts& counts);
// Why a gradient may die at tape node i, as marks ("σ' mean 0.19", ...), or what a convolution or
// pooling node's windows are ("kernel 3×3, stride 1, padding 1"); empty if the op has nothing
// to say.
std::vector<Mark> node_marks(const Tape& tape, size_t i, const Options& options);
// A conv or pool node's windows as the engine saved them (ag::saved_windows), in words: "kernel
// 3×3, stride 1, padding 1" (", dilation 2" when not 1); "" for a node of any other op. A 1-d op
// (a result of rank 3) gives single numbers: "kernel 3, stride 2, padding 1".
std::string windows_text(const Tape& tape, size_t i);
// Marks as one row of an HTML-like table, on a white cell ("" for no marks).
std::string marks_html(const std::vector<Mark>& marks);
// Sets fill, colours, border and label of a drawn tape node.
void style_tape_node(Agnode_t* n, const Tape& tape, size_t i, const Options& options);
// Scope name truncated to its first `depth` components ("lstm/t=3/gates", 2 -> "lstm/t=3").
std::string truncate_scope(const std::string& scope, int depth);

// ----- gradient flow (fold.cpp) ----------------------------------------------------------------
// What a FlowQuantity is called: in titles, legends and bars ("|dL/d output| of each scope"), in
// a folded box ("dL/d out"), in the CSV's quantity column ("dL/d output").
struct QuantityNames {
  const char* label;
  const char* box;
  const char* csv;
};
QuantityNames names_of(FlowQuantity quantity);
// (No derivative is written in viz/: d result / d self of each element of an elementwise node is
// tape.elementwise_derivatives(i), the op's own backward rule run by the engine, and whether an
// op switches off or saturates is in its op_info entry.)

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
GraphPtr build_full(const Tape& tape, const Options& options);                 // graph.cpp
GraphPtr build_folded(const Tape& tape, const Options& options);               // fold.cpp
GraphPtr build_flow(std::span<const FlowEntry> flow, const Options& options);  // fold.cpp

// ----- output (render.cpp) ---------------------------------------------------------------------
// Throws VizError naming the first Options field out of range (see viz.hpp).
void validate(const Options& options);
// What a refusal says instead of the picture: what to draw with fewer boxes (above
// kMaxLayoutNodes), what to draw less deep (above kMaxLayoutDepth), and the call that gives the
// same picture's DOT text, which has no limit.
struct Smaller {
  std::string_view fewer_boxes;
  std::string_view shallower;
  std::string_view dot_call;
};
// Throws VizError, naming `smaller`, if the full view of the tape (the nodes selected_nodes
// keeps, and the legend) is above kMaxLayoutNodes or kMaxLayoutDepth. Measured on the tape, before
// any graph is built.
void check_full_view_size(const Tape& tape, const Options& options, const Smaller& smaller);
// A built graph in `format`: DOT text written by cgraph, or laid out by gvc's dot engine and
// rendered. Throws VizError with Graphviz's own message if it fails, and before layout if the
// graph is above kMaxLayoutNodes or kMaxLayoutDepth; `smaller` then says what to draw instead.
std::string graph_data(Agraph_t* g, Format format, const Smaller& smaller);
// The same into a file (opened here, so that an unwritable path is a clear error).
void graph_file(Agraph_t* g, const std::string& path, const Smaller& smaller);

}  // namespace ag::viz::detail
