// graph.cpp — the full view: every tape node as a box, every input as an edge.
//
// Reading order: the cgraph helpers every view uses (a graph with deterministic IDs, attributes,
// nested clusters, legend), which nodes to draw (pruning, paths), what each box says (label and
// marker), then build_full, which walks the tape once in creation order and builds the graph.
//
// A box says what micrograd's draw_dot says (data | grad for a scalar) and a little more: the op,
// its tape index (so it can be found in tape.print()), its shape, norms for a tensor, and a
// marker for ops that are the usual suspects when a gradient dies:
//
//   relu        dead 25% of units, sparsity 60%
//               x <= 0 passes back exactly 0. Dead (red): off for every example of the batch;
//               sparsity: the share of values that are 0. One number: "off here (x <= 0)".
//   sigmoid     σ' mean 0.19, 3% of values saturated
//               σ'(x) = σ(1 - σ) <= 1/4: each layer shrinks it. "saturated 25% of units" (red)
//               when units are saturated for every example; one number: "saturated here".
//   tanh        tanh' mean 0.61               tanh'(x) = 1 - tanh^2 <= 1 (saturated: as sigmoid)
//   leaky_relu  slope 0.01, on slope 40%      the negative side passes back slope * grad
//   clamp       clamped 30%                   units outside [lo, hi] pass back 0
//
// Red means one thing: a unit off for every example of a batch of at least two (see count_off).
//
// In a scalar graph each edge also carries d out / d in, the factor the chain rule multiplies by
// when the gradient crosses it: along a path, the gradient is visibly a product of these labels.
//
// What this file leaves out: layout (Graphviz's dot does it) and output (render.cpp).
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "autograd/conv.hpp"
#include "autograd/error.hpp"
#include "autograd/op_info.hpp"
#include "autograd/ops.hpp"
#include "internal.hpp"

namespace ag::viz::detail {

// ----- cgraph helpers ----------------------------------------------------------------------------
// Graphviz takes `char*` for strings it only reads and copies into its own string pool, so the
// const_casts below are safe; they live here and nowhere else.
namespace {
char* c(const char* s) { return const_cast<char*>(s); }
char* c(const std::string& s) { return const_cast<char*>(s.c_str()); }
}  // namespace

// Deterministic IDs. cgraph's default ID discipline makes a named object's ID the address of its
// interned name string, and Graphviz 2.43 keeps subgraphs ordered by ID: clusters would come out
// of agwrite in an order that depends on the heap, and the DOT text would change from run to run.
// This discipline numbers named objects in creation order instead (even IDs, as cgraph expects of
// named objects; anonymous ones, such as edges, get odd IDs), so subgraphs are written in the
// order they were made. Names are still interned with agstrdup, because cgraph's writer looks at
// the string pool's header of a name (is it HTML?); agclose frees the pool, and the table below
// with ids_close.
namespace {
struct NameIds {
  Agraph_t* graph = nullptr;
  std::map<std::string, IDTYPE, std::less<>> id_of;
  std::map<IDTYPE, char*> name_of;  // pooled strings, owned by the graph's string pool
  IDTYPE next_named = 2, next_anonymous = 1;
};

void* ids_open(Agraph_t* g, Agdisc_t*) {
  auto* ids = new NameIds;
  ids->graph = g;
  return ids;
}

long ids_map(void* state, int, char* str, IDTYPE* id, int createflag) {
  auto* ids = static_cast<NameIds*>(state);
  if (str == nullptr) {  // an anonymous object
    *id = ids->next_anonymous;
    ids->next_anonymous += 2;
    return 1;
  }
  auto it = ids->id_of.find(std::string_view(str));
  if (it == ids->id_of.end()) {
    if (!createflag) {
      *id = 0;  // no object has ID 0: the lookup that follows finds nothing
      return 1;
    }
    it = ids->id_of.emplace(str, ids->next_named).first;
    ids->name_of.emplace(ids->next_named, agstrdup(ids->graph, str));
    ids->next_named += 2;
  }
  *id = it->second;
  return 1;
}

long ids_alloc(void*, int, IDTYPE) { return 0; }  // no caller-chosen IDs, as in the default
void ids_free(void*, int, IDTYPE) {}              // names are kept until the graph closes

char* ids_print(void* state, int, IDTYPE id) {
  auto* ids = static_cast<NameIds*>(state);
  auto it = ids->name_of.find(id);
  return it == ids->name_of.end() ? nullptr : it->second;
}

void ids_close(void* state) { delete static_cast<NameIds*>(state); }
void ids_register(void*, int, void*) {}

Agiddisc_t kCreationOrderIds = {ids_open,  ids_map,   ids_alloc,   ids_free,
                                ids_print, ids_close, ids_register};
Agdisc_t kDiscipline = {&AgMemDisc, &kCreationOrderIds, &AgIoDisc};
}  // namespace

GraphPtr new_graph(const char* name, const Options& options) {
  GraphPtr graph(agopen(c(name), Agdirected, &kDiscipline));
  if (!graph) throw VizError(fmt::format("viz: Graphviz could not create the graph '{}'", name));
  Agraph_t* g = graph.get();
  // Defaults, declared once and in a fixed order (the DOT text lists them in this order).
  // Graph attributes are set on the root only (agsafeset declares them with an empty default),
  // so that clusters do not inherit the title.
  auto graph_attr = [&](const char* key, const std::string& value) {
    agsafeset(g, c(key), c(value), c(""));
  };
  graph_attr("rankdir", options.rankdir);
  graph_attr("fontname", "Helvetica");
  graph_attr("fontsize", "12");
  graph_attr("nodesep", "0.2");
  graph_attr("ranksep", "0.3");
  if (!options.title.empty()) {
    graph_attr("label", options.title);
    graph_attr("labelloc", "t");
  }
  // gvContext() sets a process-wide default node label ("\N", the node's name) for graphs made
  // after it; declaring it here makes the DOT the same whether or not one was ever made.
  agattr(g, AGNODE, c("label"), c("\\N"));
  agattr(g, AGNODE, c("shape"), c("box"));
  agattr(g, AGNODE, c("fontname"), c("Helvetica"));
  agattr(g, AGNODE, c("fontsize"), c("10"));
  agattr(g, AGNODE, c("margin"), c("0.06,0.03"));
  agattr(g, AGEDGE, c("color"), c("#555555"));
  agattr(g, AGEDGE, c("arrowsize"), c("0.6"));
  agattr(g, AGEDGE, c("fontname"), c("Helvetica"));
  agattr(g, AGEDGE, c("fontsize"), c("9"));
  return graph;
}

void set(void* obj, const char* name, const std::string& value) {
  agsafeset(obj, c(name), c(value), c(""));
}

void drop_tooltips(Agraph_t* graph) {
  // A tooltip set to "", the attribute's default, is not written: no <a xlink:title> in the SVG.
  if (Agsym_t* sym = agattr(graph, AGNODE, c("tooltip"), nullptr)) {
    for (Agnode_t* n = agfstnode(graph); n != nullptr; n = agnxtnode(graph, n)) {
      agxset(n, sym, c(""));
    }
  }
  if (Agsym_t* sym = agattr(graph, AGEDGE, c("tooltip"), nullptr)) {
    for (Agnode_t* n = agfstnode(graph); n != nullptr; n = agnxtnode(graph, n)) {
      for (Agedge_t* e = agfstout(graph, n); e != nullptr; e = agnxtout(graph, e)) {
        agxset(e, sym, c(""));
      }
    }
  }
  // Clusters, at every depth (agfstsubg lists one level).
  std::vector<Agraph_t*> pending = {graph};
  while (!pending.empty()) {
    Agraph_t* g = pending.back();
    pending.pop_back();
    if (Agsym_t* sym = agattr(agroot(g), AGRAPH, c("tooltip"), nullptr)) agxset(g, sym, c(""));
    for (Agraph_t* sub = agfstsubg(g); sub != nullptr; sub = agnxtsubg(sub)) pending.push_back(sub);
  }
}

void set_html(void* obj, const char* name, const std::string& html) {
  // An HTML-like string is a pooled string with a flag; agsafeset keeps the flag.
  Agraph_t* root = agroot(obj);
  char* s = agstrdup_html(root, c(html));
  agsafeset(obj, c(name), s, c(""));
  agstrfree(root, s);
}

Agnode_t* add_node(Agraph_t* g, const std::string& name) { return agnode(g, c(name), 1); }

void apply_look(Agnode_t* n, const NodeLook& look) {
  set(n, "fillcolor", look.fill);
  set(n, "fontcolor", look.fontcolor);
  set(n, "color", look.color);
  set(n, "style", look.style);
  if (look.penwidth != 1.0) set(n, "penwidth", num(look.penwidth));
  if (look.peripheries != 1) set(n, "peripheries", fmt::format("{}", look.peripheries));
}

Agedge_t* add_edge(Agraph_t* g, Agnode_t* tail, Agnode_t* head) {
  // No name: in a non-strict graph every call makes a new edge, so a * a gets two.
  return agedge(g, tail, head, nullptr, 1);
}

Agraph_t* Clusters::get(const std::string& scope) {
  if (scope.empty()) return root_;
  Agraph_t* parent = root_;
  size_t start = 0;
  while (true) {
    const size_t end = scope.find('/', start);
    const std::string prefix = scope.substr(0, end);
    auto it = made_.find(prefix);
    if (it == made_.end()) {
      // Graphviz draws a subgraph as a box only if its name starts with "cluster".
      Agraph_t* sub = agsubg(parent, c("cluster_" + prefix), 1);
      const std::string part = scope.substr(start, end == std::string::npos ? end : end - start);
      set(sub, "label", part);
      set(sub, "style", "rounded");
      set(sub, "color", "#9e9e9e");
      set(sub, "fontcolor", "#555555");
      set(sub, "fontname", "Helvetica");
      set(sub, "fontsize", "11");
      set(sub, "tooltip", prefix);
      it = made_.emplace(prefix, sub).first;
    }
    parent = it->second;
    if (end == std::string::npos) return parent;
    start = end + 1;
  }
}

void add_legend(Agraph_t* g, const Options& options, std::string_view fill_meaning,
                EdgeLegend edges, LegendMarks shapes) {
  Agnode_t* n = add_node(g, "legend");
  // The SVG's <g id=...>: how the docs test tells the default scale from another one.
  set(n, "id", default_scale(options) ? "legend_scale_default" : "legend_scale_custom");
  set(n, "shape", "plaintext");
  set(n, "margin", "0");
  set(n, "fontsize", "9");
  set_html(n, "label", legend_html(options, fill_meaning, edges, shapes));
}

void add_note(Agraph_t* g, const std::string& text) {
  Agnode_t* n = add_node(g, "note");
  set(n, "shape", "note");
  set(n, "label", text);
}

// ----- which nodes to draw -----------------------------------------------------------------------
// Path filters are two flat loops over the tape, no graph search: creation order is a topological
// order, so "downstream of a" is one forward sweep and "upstream of b" one backward sweep.
std::vector<bool> selected_nodes(const Tape& tape, const Options& options) {
  const size_t n = tape.size();
  std::vector<bool> keep(n, true);
  auto check = [&](const std::optional<size_t>& index, const char* what) {
    if (index && *index >= n) {
      throw IndexError(fmt::format("viz: Options::{} = {} is not a node of this tape ({} nodes)",
                                   what, *index, n));
    }
  };
  check(options.path_from, "path_from");
  check(options.path_to, "path_to");

  if (options.prune_constants) {
    // Constants, and ops computed from constants only (the slice of an input x that a time step
    // reads): the tape marks both as needing no gradient.
    for (size_t i = 0; i < n; ++i) keep[i] = tape.node(i).out->requires_grad;
  }
  if (options.path_from) {  // downstream: a node is reached if one of its inputs is
    std::vector<bool> down(n, false);
    down[*options.path_from] = true;
    for (size_t i = *options.path_from + 1; i < n; ++i) {
      for (uint32_t in : tape.inputs_of(i)) down[i] = down[i] || down[in];
    }
    for (size_t i = 0; i < n; ++i) keep[i] = keep[i] && down[i];
  }
  if (options.path_to) {  // upstream: a reached node reaches its inputs
    std::vector<bool> up(n, false);
    up[*options.path_to] = true;
    for (size_t i = *options.path_to + 1; i-- > 0;) {
      if (!up[i]) continue;
      for (uint32_t in : tape.inputs_of(i)) up[in] = true;
    }
    for (size_t i = 0; i < n; ++i) keep[i] = keep[i] && up[i];
  }
  return keep;
}

std::string truncate_scope(const std::string& scope, int depth) {
  if (depth <= 0) return "";
  int seen = 0;
  for (size_t j = 0; j < scope.size(); ++j) {
    if (scope[j] == '/' && ++seen == depth) return scope.substr(0, j);
  }
  return scope;
}

// ----- what a box says ---------------------------------------------------------------------------
namespace {
std::string percent(double fraction) {
  if (fraction > 0.0 && fraction < 0.005) return "&lt;1%";  // (HTML: it goes into a label)
  return fmt::format("{:.0f}%", 100.0 * fraction);
}

double norm_of(const Buffer& b) {
  double sq = 0.0;
  for (double v : b.span()) sq += v * v;
  return std::sqrt(sq);
}
}  // namespace

// ----- marks: units that are off --------------------------------------------------------------
// "Dead" is tutorial 07's meaning: a ReLU unit that is off for *every* input, so no example
// sends a gradient through it and no step of training can revive it from this batch. A value
// that is zero for some examples only is sparsity, and ReLU nets are meant to have it (about
// half the values of a healthy He-initialised layer are 0).
//
// So a unit is a position in the non-batch dimensions, the batch is the first dimension, and a
// unit is dead (or saturated) only if it is off in every example of a batch of at least two. A
// tensor whose first dimension is 1, or a scalar, has no batch to speak for: it gets the share
// of its values that are off, or "off here" for one number, never "dead".
OffKind off_kind(const Node& node) {
  const OpInfo* info = op_info(node.op);  // the engine says which ops switch off or saturate
  if (info != nullptr && info->switches_off) return OffKind::relu;
  if (info != nullptr && info->saturates) return OffKind::squashing;
  return OffKind::none;
}

void count_off(const Tape& tape, size_t i, const Options& options, OffCounts& counts) {
  const Node& node = tape.node(i);
  const OffKind kind = off_kind(node);
  if (kind == OffKind::none) return;
  const TensorImpl& t = *node.out;
  // Off, by the engine's own local derivative d result / d self (its backward rule, run by
  // Tape::elementwise_derivatives): a relu passes back exactly 0 (x <= 0); a sigmoid or tanh
  // less than the saturation threshold.
  const std::vector<double> values = tape.elementwise_derivatives(i);
  auto off = [&](double d) {
    return kind == OffKind::relu ? d == 0.0 : d < options.saturation_threshold;
  };
  for (double r : values) {
    counts.values += 1;
    counts.off_values += off(r) ? 1 : 0;
  }
  const size_t batch = t.shape.empty() ? 1 : static_cast<size_t>(t.shape[0]);
  if (batch < 2 || values.empty()) return;
  const size_t units = values.size() / batch;  // [batch, units...] in row-major order
  for (size_t u = 0; u < units; ++u) {
    bool always = true;
    for (size_t b = 0; b < batch && always; ++b) always = off(values[b * units + u]);
    counts.units += 1;
    counts.off_units += always ? 1 : 0;
  }
}

namespace {
std::string fraction(double part, double whole) { return percent(part / whole); }
}  // namespace

std::vector<Mark> off_marks(OffKind kind, const OffCounts& c) {
  std::vector<Mark> marks;
  if (kind == OffKind::none || c.values == 0) return marks;
  const bool relu = kind == OffKind::relu;
  if (c.values == 1) {  // one number: it is off for this input, which says nothing of a unit
    if (c.off_values > 0) marks.push_back({relu ? "off here (x &le; 0)" : "saturated here", false});
    return marks;
  }
  if (c.off_units > 0) {
    marks.push_back(
        {fmt::format("{} {} of units", relu ? "dead" : "saturated", fraction(c.off_units, c.units)),
         true});
  }
  if (relu) {
    marks.push_back({"sparsity " + fraction(c.off_values, c.values), false});
  } else if (c.off_values > 0) {
    marks.push_back({fraction(c.off_values, c.values) + " of values saturated", false});
  }
  return marks;
}

std::string marks_html(const std::vector<Mark>& marks) {
  std::string text;
  for (const Mark& m : marks) {
    if (!text.empty()) text += ", ";
    text += m.alarming ? fmt::format(R"(<FONT COLOR="#c00000"><B>{}</B></FONT>)", m.text) : m.text;
  }
  // Black on a white cell, so that it reads the same on any fill colour (a dark box's white
  // font would vanish there).
  return text.empty()
             ? ""
             : fmt::format(R"(<TR><TD BGCOLOR="#ffffff"><FONT COLOR="#000000">{}</FONT></TD></TR>)",
                           text);
}

std::vector<Mark> node_marks(const Tape& tape, size_t i, const Options& options) {
  const Node& node = tape.node(i);
  const std::string_view op = node.op;
  const auto values = node.out->value.span();
  const double count = static_cast<double>(values.size());
  if (values.empty()) return {};

  const OffKind kind = off_kind(node);
  if (kind != OffKind::none) {
    OffCounts counts;
    count_off(tape, i, options, counts);
    std::vector<Mark> marks;
    if (kind == OffKind::squashing) {
      // The mean local derivative, by the engine's own rule, under the engine's name for it.
      double sum = 0;
      for (double d : tape.elementwise_derivatives(i)) sum += d;
      marks.push_back({fmt::format("{} {} {}", op_info(node.op)->derivative_symbol,
                                   count == 1 ? "=" : "mean", num(sum / count)),
                       false});
    }
    for (Mark& m : off_marks(kind, counts)) marks.push_back(std::move(m));
    return marks;
  }
  if (op == "leaky_relu") {
    double negative = 0;
    for (double r : values) negative += r < 0.0 ? 1 : 0;
    std::string text = fmt::format("slope {}",
                                   num(tape.saved<LeakyReluSettings>(node).negative_slope));
    if (count > 1) text += ", on slope " + percent(negative / count);
    return {{text, false}};
  }
  if (std::string text = windows_text(tape, i); !text.empty()) return {{std::move(text), false}};
  if (op == "clamp" && node.input_count == 1) {
    // The units clamp passes no gradient back through (outside [lo, hi]), by its own rule.
    double clamped = 0;
    for (double d : tape.elementwise_derivatives(i)) clamped += d == 0.0 ? 1 : 0;
    return {{"clamped " + percent(clamped / count), false}};
  }
  return {};
}

std::string windows_text(const Tape& tape, size_t i) {
  const std::optional<WindowGeometry> windows = saved_windows(tape, i);
  if (!windows) return "";
  const WindowGeometry& g = *windows;
  const bool one_d = tape.node(i).out->shape.size() == 3;  // [N, C, L]: the height is 1
  // One number where both axes agree (or for a 1-d op), else height×width.
  const auto size = [&](int64_t h, int64_t w) {
    return one_d || h == w ? fmt::format("{}", w) : fmt::format("{}×{}", h, w);
  };
  std::string text = fmt::format("kernel {}, stride {}, padding {}",
                                 one_d ? fmt::format("{}", g.kernel_w)
                                       : fmt::format("{}×{}", g.kernel_h, g.kernel_w),
                                 size(g.stride_h, g.stride_w), size(g.padding_h, g.padding_w));
  if (g.dilation_h != 1 || g.dilation_w != 1)
    text += ", dilation " + size(g.dilation_h, g.dilation_w);
  return text;
}

// Between the bold op and the plain name on one line ("sigmoid · f"). Graphviz writes each font
// run as its own SVG <text>, and SVG drops a run's leading space, so a plain space between them
// vanishes ("sigmoidf" in rsvg). No-break spaces (U+00A0) are kept, and the dot reads as a break.
constexpr const char* kSeparator = "&#160;&#183;&#160;";

std::string node_label(const Tape& tape, size_t i, const GradSummary& g, const Options& options) {
  const Node& node = tape.node(i);
  const TensorImpl& t = *node.out;
  const bool is_input = node.backward == nullptr;  // "leaf" or "const"

  // Title: a parameter is known by its module-qualified name, anything else by its op.
  std::string title;
  if (t.name) {
    title = is_input ? fmt::format("<B>{}</B>", html_escape(*t.name))
                     : fmt::format("<B>{}</B>{}{}", html_escape(node.op), kSeparator,
                                   html_escape(*t.name));
  } else {
    title = fmt::format("<B>{}</B>", html_escape(node.op));
  }
  title += fmt::format(R"(&#160;&#160;<FONT POINT-SIZE="8">#{}</FONT>)", i);

  std::string rows = fmt::format("<TR><TD>{}</TD></TR>", title);
  const bool scalar = t.value.size() == 1;
  if (!t.shape.empty()) rows += fmt::format("<TR><TD>{}</TD></TR>", shape_str(t.shape));

  // data | grad, as micrograd prints them, for a scalar; norms for a tensor.
  std::string grad;
  switch (g.state) {
    case GradState::constant: break;
    case GradState::no_gradient: grad = "no gradient"; break;
    case GradState::nonfinite:
      grad = scalar ? "grad " + sci(t.grad[0]) : "|grad| " + sci(g.norm);
      break;
    case GradState::zero: grad = scalar ? "grad 0" : "|grad| 0"; break;
    case GradState::finite:
      grad = scalar ? "grad " + num(t.grad[0]) : "|grad| " + sci(g.norm);
      break;
  }
  const std::string data = t.value.empty() ? ""
                           : scalar        ? "data " + num(t.value[0])
                                           : "|data| " + sci(norm_of(t.value));
  rows += fmt::format("<TR><TD>{}{}{}</TD></TR>", data, grad.empty() ? "" : " | ", grad);

  rows += marks_html(node_marks(tape, i, options));
  return R"(<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">)" + rows + "</TABLE>";
}

void style_tape_node(Agnode_t* n, const Tape& tape, size_t i, const Options& options) {
  const Node& node = tape.node(i);
  const GradSummary g = summarize_grad(*node.out);
  apply_look(n, node_look(g, options));
  if (g.state == GradState::constant) set(n, "fontsize", "8");
  set_html(n, "label", node_label(tape, i, g, options));
  set(n, "tooltip", node_tooltip(tape, i, options));
}

// ----- the full view -----------------------------------------------------------------------------
GraphPtr build_full(const Tape& tape, const Options& options) {
  GraphPtr graph = new_graph("tape", options);
  Agraph_t* root = graph.get();
  if (tape.size() == 0) {
    add_note(root, "empty tape: no op was recorded while it was alive");
    return graph;
  }
  const std::vector<bool> keep = selected_nodes(tape, options);
  const bool recorded = tape.edge_grads_recorded();

  // Nodes, in tape order, each inside the cluster of its scope.
  Clusters clusters(root);
  std::vector<Agnode_t*> drawn(tape.size(), nullptr);
  size_t kept = 0;
  for (size_t i = 0; i < tape.size(); ++i) {
    if (!keep[i]) continue;
    Agraph_t* home = options.cluster_scopes ? clusters.get(tape.scope_name(tape.node(i).scope))
                                            : root;
    drawn[i] = add_node(home, fmt::format("n{}", i));
    style_tape_node(drawn[i], tape, i, options);
    ++kept;
  }
  if (kept == 0) {
    add_note(root,
             "no node is left to draw: every node was pruned, or none lies on a path "
             "between path_from and path_to");
    return graph;
  }

  // Edges, from each input to the op that used it (the forward direction; gradients flow back).
  for (size_t i = 0; i < tape.size(); ++i) {
    if (drawn[i] == nullptr) continue;
    const Node& node = tape.node(i);
    const auto inputs = tape.inputs_of(i);
    std::vector<std::vector<double>> local;
    if (options.edge_local_derivatives && node.backward != nullptr && node.out->value.size() == 1)
      local = tape.local_derivatives(i);
    for (size_t k = 0; k < inputs.size(); ++k) {
      if (drawn[inputs[k]] == nullptr) continue;
      Agedge_t* e = add_edge(root, drawn[inputs[k]], drawn[i]);
      const double norm = recorded ? tape.edge_grad_norm(i, k) : -1.0;
      const bool from_constant = !tape.node(inputs[k]).out->requires_grad;
      set(e, "penwidth", num(edge_penwidth(norm, options)));
      if (from_constant) {
        set(e, "color", "#bbbbbb");
      } else if (recorded && !std::isfinite(norm)) {
        set(e, "color", "#d62728");
      } else if (recorded && norm <= 0.0) {
        set(e, "style", "dashed");  // nothing (or exactly zero) flowed back along it
      }

      // d out / d in, where both ends are one number. An op that uses the same tensor twice
      // (a * a) gets the summed derivative from the engine, so it is written once, on the first
      // of the edges, as "(both)".
      if (k < local.size() && local[k].size() == 1) {
        bool repeated = false, first = true;
        for (size_t j = 0; j < inputs.size(); ++j) {
          if (j != k && inputs[j] == inputs[k]) {
            repeated = true;
            first = first && j > k;
          }
        }
        if (!repeated) set(e, "label", "∂ " + num(local[k][0]));
        if (repeated && first) set(e, "label", "∂ " + num(local[k][0]) + " (both)");
        set(e, "tooltip", edge_tooltip(tape, i, k, local[k][0], repeated, recorded ? norm : -1.0));
      } else {
        set(e, "tooltip", edge_tooltip(tape, i, k, NAN, false, recorded ? norm : -1.0));
      }
    }
  }
  if (options.legend) {
    add_legend(root, options, "node fill",
               recorded ? EdgeLegend::recorded : EdgeLegend::not_recorded);
  }
  return graph;
}

}  // namespace ag::viz::detail
