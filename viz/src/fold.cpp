// fold.cpp — views for graphs too big to read: scopes folded into boxes, and the gradient flow.
//
// An LSTM unrolled over 100 time steps is a few thousand tape nodes; nobody reads that picture.
// What a learner wants from it is one number per time step: how much gradient made it back that
// far. Scopes give the grouping for free (every node knows the scope it was made in, e.g.
// "lstm/t=37"), so this file:
//
//   1. groups the tape's nodes by their scope cut to a depth ("lstm/t=37/gates" -> "lstm/t=37"),
//   2. measures one gradient per group (FlowQuantity, viz.hpp): by default |dL/d output|, the
//      gradient at the values the group hands on (the quantity that vanishes); or the gradient
//      into the parameters it uses; or everything leaving it backward (both together),
//   3. draws that as one box per group (the folded view), as a strip of squares, as terminal
//      bars and as CSV, each labelled with the quantity it shows.
//
// Nodes outside every scope (the loss) stay individual boxes in the folded view. Parameters are
// never folded into a group (a weight shared by every step belongs to none of them); they are
// drawn only on request, since such a weight would tie every box to it.
//
// Parameter-only work (an RNN's weights transposed and its two biases summed once per sequence,
// before the first step: RecurrentWeights::prepare) is drawn with the parameters, not as a box of
// its own wired to every step: hidden with them by default, and when they are shown, one box
// with one edge into the cluster of the steps that use it (not one edge per step).
//
// A long chain of boxes (100 time steps) is wrapped into rows of Options::columns, top to bottom,
// so that it fits on a page: each row is a rank=same subgraph, its boxes in tape order, held in
// that order by invisible edges along each row and from each row's first box to the next's.
//
// What this file leaves out: folding by anything other than scope names (e.g. by op kind), and
// any statistics beyond norms (histograms of gradients are a different picture).
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "internal.hpp"

namespace ag::viz::detail {

// ----- grouping ----------------------------------------------------------------------------------
namespace {

bool is_parameter(const Node& node) { return std::strcmp(node.op, "leaf") == 0; }

// Per tape node: is it a parameter, or an op computed from parameters alone? No constant may take
// part, not even a number: in a scalar graph an input x is a one-number constant just like the
// 0.5 of W * 0.5, and a neuron's w * x is a neuron, not a weight. Nor may data: an LSTM's first
// step is computed from parameters, the input and the zero state, and it is a step. One forward
// sweep, since an op's inputs come before it on the tape.
std::vector<bool> parameter_only(const Tape& tape) {
  std::vector<bool> result(tape.size(), false);
  for (size_t i = 0; i < tape.size(); ++i) {
    const Node& node = tape.node(i);
    const auto inputs = tape.inputs_of(i);
    bool only = is_parameter(node) || (node.backward != nullptr && !inputs.empty());
    for (uint32_t in : inputs) only = only && result[in];
    result[i] = only;
  }
  return result;
}

struct Group {
  std::string scope;
  size_t first_node = 0;
  size_t node_count = 0;
  double sq = 0.0;       // sum of squared norms of the measured gradient (FlowQuantity)
  bool reached = false;  // some of that gradient arrived
  // For the marker: the values and units of its relu and of its sigmoid/tanh nodes that are off.
  OffCounts relu, squashing;
  // The windows of its first convolution or pooling node ("kernel 3×3, stride 1, padding 1"), so
  // that a folded layer still says what it is; "" if it has none.
  std::string windows;
};

struct Grouping {
  std::vector<long> group_of;  // per tape node: its group, or -1 (drawn on its own)
  std::vector<Group> groups;   // in the order the tape first entered them
  bool from_edges = false;
};

// Adds a node's gradient to its group's measure (nothing for a constant or where none arrived).
void add_node_gradient(const TensorImpl& t, Group& group) {
  const GradSummary g = summarize_grad(t);
  if (g.state == GradState::constant || g.state == GradState::no_gradient) return;
  group.sq += g.norm * g.norm;
  group.reached = true;
}

// |dL/d output|: the gradient at the values a group hands on. Its outputs are the nodes used by
// a node outside the group (the next layer, the next time step, the loss), and the nodes nobody
// uses (the loss itself, if it was made inside). This is the gradient that vanishes: for a layer,
// dL/d(activation); for an LSTM step, dL/dh_t and dL/dc_t together. Measured on the nodes'
// gradients, so it needs no recorded edges.
void measure_activation(const Tape& tape, Grouping& grouping) {
  std::vector<bool> output(tape.size(), false), used(tape.size(), false);
  for (size_t j = 0; j < tape.size(); ++j) {
    for (uint32_t in : tape.inputs_of(j)) {
      used[in] = true;
      const long from = grouping.group_of[in];
      if (from >= 0 && from != grouping.group_of[j]) output[in] = true;
    }
  }
  for (size_t i = 0; i < tape.size(); ++i) {
    const long gi = grouping.group_of[i];
    if (gi >= 0 && (output[i] || !used[i])) {
      add_node_gradient(*tape.node(i).out, grouping.groups[gi]);
    }
  }
}

// |dL/d parameters|: the gradient flowing into the parameters a group uses, sqrt(sum |g_e|^2) over
// the recorded edges into the group from a parameter, or from work computed from parameters alone
// (parameter_only, the rule that draws such work beside the parameters in the folded view) made
// outside the group. Such work depends on no input: nn's recurrent layers transpose W_ih and W_hh
// and add b_ih + b_hh once per sequence, in scope "lstm/layer0", and the edge from W_ih^T into a
// step is that step's share of W_ih's gradient, just as the edge from W_ih itself is in a
// hand-written RNN. The edge's gradient is taken as it arrives, not pushed back through the work:
// exact for a transpose, which only moves numbers; for b = b_ih + b_hh it is b's gradient, which
// b_ih and b_hh each receive whole, counted once (viz.hpp, FlowQuantity::parameters). A weight
// shared by every time step gets a share from each; the shares, added as tensors (not as norms),
// are its gradient; only the recorded edges can tell them apart. The parameter-only group itself
// counts the edges from the parameters into it: the whole gradient of each parameter it takes.
void measure_parameters(const Tape& tape, Grouping& grouping) {
  if (!tape.edge_grads_recorded()) {
    throw VizError(
        "viz: the gradient into each scope's parameters (FlowQuantity::parameters) is measured "
        "on the edges from a parameter: run tape.backward(loss, {.record_edge_grads = true})");
  }
  grouping.from_edges = true;
  const std::vector<bool> param_only = parameter_only(tape);
  for (size_t i = 0; i < tape.size(); ++i) {
    const long gi = grouping.group_of[i];
    if (gi < 0) continue;
    const auto inputs = tape.inputs_of(i);
    for (size_t k = 0; k < inputs.size(); ++k) {
      // A parameter (never in a group), or parameter-only work made outside this group.
      if (!param_only[inputs[k]] || grouping.group_of[inputs[k]] == gi) continue;
      const double norm = tape.edge_grad_norm(i, k);
      if (norm < 0.0) continue;  // no gradient along it
      grouping.groups[gi].sq += norm * norm;
      grouping.groups[gi].reached = true;
    }
  }
}

// The gradient leaving each group: over the edges that enter it from outside or from a
// parameter. With recorded edge gradients, their norms; without, the gradient at the nodes
// those edges enter (an approximation: it also counts what stays inside).
void measure_leaving(const Tape& tape, Grouping& grouping) {
  grouping.from_edges = tape.edge_grads_recorded();
  std::vector<bool> entry_counted(tape.size(), false);
  for (size_t i = 0; i < tape.size(); ++i) {
    const long gi = grouping.group_of[i];
    if (gi < 0) continue;
    Group& group = grouping.groups[gi];
    const auto inputs = tape.inputs_of(i);
    for (size_t k = 0; k < inputs.size(); ++k) {
      if (grouping.group_of[inputs[k]] == gi) continue;  // an edge inside the group
      if (grouping.from_edges) {
        const double norm = tape.edge_grad_norm(i, k);
        if (norm < 0.0) continue;  // no gradient along it (e.g. from a constant)
        group.sq += norm * norm;
        group.reached = true;
      } else if (!entry_counted[i]) {
        entry_counted[i] = true;
        add_node_gradient(*tape.node(i).out, group);
      }
    }
  }
}

Grouping group_nodes(const Tape& tape, int depth, const Options& options, FlowQuantity quantity) {
  Grouping result;
  result.group_of.assign(tape.size(), -1);
  std::unordered_map<std::string, long> index;
  for (size_t i = 0; i < tape.size(); ++i) {
    const Node& node = tape.node(i);
    const std::string scope = truncate_scope(tape.scope_name(node.scope), depth);
    if (scope.empty() || is_parameter(node)) continue;
    auto [it, added] = index.emplace(scope, static_cast<long>(result.groups.size()));
    if (added) {
      result.groups.emplace_back();
      result.groups.back().scope = scope;
      result.groups.back().first_node = i;
    }
    result.group_of[i] = it->second;
    Group& group = result.groups[it->second];
    ++group.node_count;

    if (group.windows.empty()) group.windows = windows_text(tape, i);
    // Why gradients may die inside: the same counts node_marks reports for one node.
    const OffKind kind = off_kind(node);
    if (kind != OffKind::none) {
      count_off(tape, i, options, kind == OffKind::relu ? group.relu : group.squashing);
    }
  }

  switch (quantity) {
    case FlowQuantity::activation: measure_activation(tape, result); break;
    case FlowQuantity::parameters: measure_parameters(tape, result); break;
    case FlowQuantity::leaving: measure_leaving(tape, result); break;
    case FlowQuantity::hidden_state:
      throw VizError(
          "viz: a scope does not say which of its outputs is the hidden state h_t, so "
          "FlowQuantity::hidden_state cannot be measured from the tape: read h_t's gradient "
          "yourself and build the FlowEntry values with {.quantity = FlowQuantity::hidden_state}");
  }
  return result;
}

std::string last_component(const std::string& scope) {
  const size_t slash = scope.rfind('/');
  return slash == std::string::npos ? scope : scope.substr(slash + 1);
}

std::string parent_scope(const std::string& scope) {
  const size_t slash = scope.rfind('/');
  return slash == std::string::npos ? "" : scope.substr(0, slash);
}

}  // namespace

// ----- gradient flow -----------------------------------------------------------------------------
// The names of each FlowQuantity, written once: in titles, legends and bars; in a folded box
// ("dL/d out 0.021"); in the CSV's last column.
QuantityNames names_of(FlowQuantity quantity) {
  switch (quantity) {
    case FlowQuantity::activation:
      return {"|dL/d output| of each scope", "dL/d out", "dL/d output"};
    case FlowQuantity::parameters:
      return {"|dL/d parameters| used in each scope", "dL/d params", "dL/d parameters"};
    case FlowQuantity::leaving:
      return {"|gradient leaving| each scope (to earlier ones and to parameters)", "grad leaving",
              "gradient leaving"};
    case FlowQuantity::hidden_state:
      return {"|dL/dh_t| of each step (the hidden state h_t alone, not an LSTM's c_t)", "dL/dh",
              "dL/dh_t"};
  }
  return {"", "", ""};
}

}  // namespace ag::viz::detail

namespace ag::viz {

std::vector<FlowEntry> gradient_flow(const Tape& tape, int depth, FlowQuantity quantity) {
  if (depth < 1) {
    throw VizError(fmt::format("viz: gradient_flow depth = {} must be at least 1", depth));
  }
  const detail::Grouping grouping = detail::group_nodes(tape, depth, Options{}, quantity);
  std::vector<FlowEntry> flow;
  flow.reserve(grouping.groups.size());
  for (const detail::Group& g : grouping.groups) {
    flow.push_back(FlowEntry{g.scope, g.first_node, g.node_count, std::sqrt(g.sq), g.reached,
                             grouping.from_edges, quantity});
  }
  return flow;
}

std::string_view flow_quantity_label(FlowQuantity quantity) {
  return detail::names_of(quantity).label;
}

}  // namespace ag::viz

namespace ag::viz::detail {

// ----- the folded view ---------------------------------------------------------------------------
namespace {
// The number a box's fill encodes, in words: for its label ("dL/d out 0.25", "no gradient") and
// for its tooltip ("dL/d output 0.25", "no gradient reached it"). Every coloured box says it.
std::string box_grad_text(const GradSummary& g, FlowQuantity quantity) {
  if (g.state == GradState::no_gradient) return "no gradient";
  return fmt::format("{} {}", names_of(quantity).box,
                     g.state == GradState::zero ? "0" : sci(g.norm));
}
std::string tooltip_grad_text(const GradSummary& g, FlowQuantity quantity) {
  if (g.state == GradState::no_gradient) return "no gradient reached it";
  return fmt::format("{} {}", names_of(quantity).csv, sci(g.norm));
}

// A group computed from parameters alone, drawn beside them: its whole scope as the name (it
// sits outside the clusters), what it is, and the number its colour encodes.
void style_parameter_group(Agnode_t* n, const Tape& tape, const Grouping& grouping, long gi,
                           const Options& options) {
  const Group& group = grouping.groups[gi];
  const GradSummary g = summarize_norm(std::sqrt(group.sq), group.reached);
  apply_look(n, node_look(g, options));
  set(n, "tooltip",
      group_tooltip(tape, grouping.group_of, gi,
                    fmt::format("scope '{}': {} nodes computed from parameters "
                                "only, once, before the boxes that use them; {}",
                                group.scope, group.node_count,
                                tooltip_grad_text(g, options.flow_quantity))));
  set_html(n, "label",
           fmt::format(R"(<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">)"
                       "<TR><TD><B>{}</B></TD></TR><TR><TD>from parameters only</TD></TR>"
                       "<TR><TD>{} nodes</TD></TR><TR><TD>{}</TD></TR></TABLE>",
                       html_escape(group.scope), group.node_count,
                       box_grad_text(g, options.flow_quantity)));
}
}  // namespace

GraphPtr build_folded(const Tape& tape, const Options& options) {
  GraphPtr graph = new_graph("tape_folded", options);
  Agraph_t* root = graph.get();
  if (tape.size() == 0) {
    add_note(root, "empty tape: no op was recorded while it was alive");
    return graph;
  }
  std::vector<bool> keep = selected_nodes(tape, options);
  const Grouping grouping = group_nodes(tape, options.fold_depth, options, options.flow_quantity);
  const size_t group_count = grouping.groups.size();

  // A "unit" is what one box stands for: group k is unit k, lone tape node i is group_count + i.
  auto unit_of = [&](size_t i) {
    const long g = grouping.group_of[i];
    return g >= 0 ? static_cast<size_t>(g) : group_count + i;
  };
  // Units drawn with the parameters: parameters, and groups or lone nodes computed from
  // parameters alone (an LSTM's prepared weights, scope "lstm/layer0").
  const std::vector<bool> param_only = parameter_only(tape);
  std::vector<bool> with_parameters(group_count + tape.size(), true);
  for (size_t i = 0; i < tape.size(); ++i) {
    with_parameters[unit_of(i)] = with_parameters[unit_of(i)] && param_only[i];
  }
  if (!options.fold_show_parameters) {
    for (size_t i = 0; i < tape.size(); ++i) keep[i] = keep[i] && !with_parameters[unit_of(i)];
  }
  // Wrapping: rows of `columns` boxes, counted per cluster, top to bottom.
  const size_t columns = static_cast<size_t>(std::max(options.columns, 0));
  size_t step_boxes = 0;  // the boxes that go into rows: groups not drawn with the parameters
  for (size_t k = 0; k < group_count; ++k) step_boxes += with_parameters[k] ? 0 : 1;
  const bool wrap = columns > 0 && step_boxes > columns;
  if (wrap) set(root, "rankdir", "TB");
  std::map<Agraph_t*, size_t> boxes_in;    // boxes placed so far in each cluster
  std::map<Agraph_t*, Agraph_t*> row_of;   // each cluster's current row subgraph
  std::map<Agraph_t*, Agnode_t*> last_in;  // each cluster's last box, and its current row's first
  std::map<Agraph_t*, Agnode_t*> row_start;

  std::vector<Agnode_t*> box(group_count + tape.size(), nullptr);
  std::vector<Agraph_t*> cluster_of(group_count + tape.size(), root);     // where each box sits
  std::vector<Agraph_t*> row_of_box(group_count + tape.size(), nullptr);  // and in which row

  Clusters clusters(root);
  for (size_t i = 0; i < tape.size(); ++i) {
    if (!keep[i] || box[unit_of(i)] != nullptr) continue;
    const long gi = grouping.group_of[i];
    if (gi < 0) {  // a lone node: drawn as in the full view, outside any cluster
      box[unit_of(i)] = add_node(root, fmt::format("n{}", i));
      style_tape_node(box[unit_of(i)], tape, i, options);
      continue;
    }
    const Group& group = grouping.groups[gi];
    if (with_parameters[gi]) {  // beside the parameters, named by its whole scope
      box[gi] = add_node(root, fmt::format("g{}", gi));
      style_parameter_group(box[gi], tape, grouping, gi, options);
      continue;
    }
    Agraph_t* home = options.cluster_scopes ? clusters.get(parent_scope(group.scope)) : root;
    cluster_of[gi] = home;
    Agraph_t* cluster = home;
    bool first_in_row = false;
    if (wrap) {
      const size_t placed = boxes_in[home]++;
      first_in_row = placed % columns == 0;
      if (first_in_row) {
        const std::string name = fmt::format("row_{}_{}", agnameof(home), placed / columns);
        row_of[home] = agsubg(home, const_cast<char*>(name.c_str()), 1);
        set(row_of[home], "rank", "same");
      }
      home = row_of[home];
      row_of_box[gi] = home;
    }
    Agnode_t* n = add_node(home, fmt::format("g{}", gi));
    box[gi] = n;
    if (wrap) {  // time order: along the row, and each row below the one before
      Agnode_t* before = first_in_row ? row_start[cluster] : last_in[cluster];
      if (before != nullptr) {
        Agedge_t* order = add_edge(cluster, before, n);
        set(order, "style", "invis");
        set(order, "weight", "10");
      }
      if (first_in_row) row_start[cluster] = n;
      last_in[cluster] = n;
    }

    const GradSummary g = summarize_norm(std::sqrt(group.sq), group.reached);
    apply_look(n, node_look(g, options));
    set(n, "tooltip",
        group_tooltip(tape, grouping.group_of, gi,
                      fmt::format("scope '{}': tape nodes #{}..., {} nodes; {}", group.scope,
                                  group.first_node, group.node_count,
                                  tooltip_grad_text(g, options.flow_quantity))));

    const std::string name = options.cluster_scopes ? last_component(group.scope) : group.scope;
    std::string rows = fmt::format(
        "<TR><TD><B>{}</B></TD></TR><TR><TD>{} nodes</TD></TR>"
        "<TR><TD>{}</TD></TR>",
        html_escape(name), group.node_count, box_grad_text(g, options.flow_quantity));
    std::vector<Mark> marks;
    if (!group.windows.empty()) marks.push_back({group.windows, false});
    for (Mark& m : off_marks(OffKind::squashing, group.squashing)) marks.push_back(std::move(m));
    for (Mark& m : off_marks(OffKind::relu, group.relu)) marks.push_back(std::move(m));
    rows += marks_html(marks);
    set_html(n, "label",
             R"(<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">)" + rows +
                 "</TABLE>");
  }

  // Edges between boxes: all tape edges from one unit to another become one edge, whose width
  // is the norm of everything that flowed back along them, sqrt(sum |g_e|^2). As in the full
  // view, an edge along which nothing flowed (exactly 0, or no gradient at all) is dashed, and
  // one that starts at constants only is grey: a constant takes no gradient, so there is none
  // along it to record.
  struct Link {
    size_t from, to;
    double sq = 0.0;
    bool flowed = false;              // some gradient (perhaps 0) was recorded along its edges
    bool from_constants_only = true;  // every one of its edges starts at a constant
  };
  const bool recorded = tape.edge_grads_recorded();
  std::vector<Link> links;
  std::unordered_map<uint64_t, size_t> link_index;
  for (size_t i = 0; i < tape.size(); ++i) {
    if (!keep[i]) continue;
    const auto inputs = tape.inputs_of(i);
    for (size_t k = 0; k < inputs.size(); ++k) {
      const size_t from = unit_of(inputs[k]), to = unit_of(i);
      if (from == to || !keep[inputs[k]]) continue;
      const uint64_t key = (static_cast<uint64_t>(from) << 32) | to;
      auto [it, added] = link_index.emplace(key, links.size());
      if (added) links.push_back(Link{from, to});
      // An edge's width is what flowed along it whenever the pass recorded that, whichever
      // gradient the boxes show (the legend says so from the same tape.edge_grads_recorded()).
      Link& link = links[it->second];
      link.from_constants_only = link.from_constants_only &&
                                 !tape.node(inputs[k]).out->requires_grad;
      const double norm = recorded ? tape.edge_grad_norm(i, k) : -1.0;
      if (norm >= 0.0 || std::isnan(norm)) {
        link.sq += norm * norm;
        link.flowed = true;
      }
    }
  }
  // Fans: a box outside a cluster linked to several boxes inside it (a weight that every time
  // step uses; the LSTM's output, stacked from every step's h) gets one edge to the cluster
  // instead of one per box. Graphviz's lhead / ltail clip it at the cluster's border; its width
  // is the norm of all it carried. It is drawn to the middle one of the boxes (out of the
  // cluster: from the last, which the tape made last), and says "to 40 boxes" unless several
  // fans share the cluster (a dense layer: each of 16 units into the next layer's cluster), where
  // 16 such words would cover each other; the tooltip says it either way. (The maps are only
  // looked up, never walked: their pointer keys would make the order differ from run to run.)
  struct Fan {
    std::vector<size_t> links;  // indices into `links`, in order
    double sq = 0.0;
    bool flowed = false;
    bool from_constants_only = true;
  };
  struct FanKey {
    size_t outside;     // the unit outside the cluster
    Agraph_t* cluster;  // the cluster
    bool into;          // edges from `outside` into the cluster (else out of it)
    auto operator<=>(const FanKey&) const = default;
  };
  auto inside = [&](size_t unit, Agraph_t* cluster) {  // is the unit's box in the cluster?
    for (Agraph_t* g = cluster_of[unit]; g != root; g = agparent(g)) {
      if (g == cluster) return true;
    }
    return cluster == root;
  };
  auto fan_key = [&](const Link& link) -> std::optional<FanKey> {
    if (cluster_of[link.to] != root && !inside(link.from, cluster_of[link.to])) {
      return FanKey{link.from, cluster_of[link.to], true};
    }
    if (cluster_of[link.from] != root && !inside(link.to, cluster_of[link.from])) {
      return FanKey{link.to, cluster_of[link.from], false};
    }
    return std::nullopt;
  };
  std::map<FanKey, Fan> fans;
  for (size_t k = 0; k < links.size(); ++k) {
    const auto key = fan_key(links[k]);
    if (!key) continue;
    Fan& fan = fans[*key];
    fan.links.push_back(k);
    fan.sq += links[k].sq;
    fan.flowed = fan.flowed || links[k].flowed;
    fan.from_constants_only = fan.from_constants_only && links[k].from_constants_only;
  }
  std::map<std::pair<Agraph_t*, bool>, int> fans_at;  // fans of 2+ boxes per cluster and way
  for (size_t k = 0; k < links.size(); ++k) {
    const auto key = fan_key(links[k]);
    if (key && fans.at(*key).links.size() >= 2 && fans.at(*key).links.front() == k) {
      ++fans_at[{key->cluster, key->into}];
    }
  }
  auto unit_name = [&](size_t unit) {  // a box's scope, or a lone node's "#12 mul"
    return unit < group_count
               ? grouping.groups[unit].scope
               : fmt::format("#{} {}", unit - group_count, tape.node(unit - group_count).op);
  };
  for (size_t k = 0; k < links.size(); ++k) {
    const Link& link = links[k];
    const auto key = fan_key(link);
    const Fan* fan = key ? &fans.at(*key) : nullptr;
    if (fan != nullptr && fan->links.size() < 2) fan = nullptr;
    if (fan != nullptr) {
      const size_t drawn = key->into ? fan->links[fan->links.size() / 2] : fan->links.back();
      if (k != drawn) continue;
    }
    Agedge_t* e = add_edge(root, box[link.from], box[link.to]);
    const bool flowed = fan != nullptr ? fan->flowed : link.flowed;
    const bool constants = fan != nullptr ? fan->from_constants_only : link.from_constants_only;
    const double norm = !flowed ? -1.0 : std::sqrt(fan != nullptr ? fan->sq : link.sq);
    set(e, "penwidth", num(edge_penwidth(norm, options)));
    // What flowed along it, in words: the tooltip's end, for a single edge and for a fan.
    const std::string along = !recorded   ? "edge gradients not recorded"
                              : constants ? "from constants only: a constant takes no gradient"
                              : !flowed   ? "no gradient flowed along these edges"
                                          : "|grad| along these edges " + sci(norm);
    // Every edge says what it joins (else a browser shows Graphviz's own handles, "g3->g4").
    set(e, "tooltip", fmt::format("{} -> {}: {}", unit_name(link.from), unit_name(link.to), along));
    if (recorded && !constants) {
      if (!std::isfinite(norm) && flowed) {
        set(e, "color", "#d62728");
      } else if (norm <= 0.0) {
        set(e, "style", "dashed");  // nothing (or exactly zero) flowed back along these edges
      }
    }
    if (fan != nullptr) {
      // xlabel: placed after the layout, so the words take no room from the boxes.
      const std::string boxes = fmt::format("{} {} boxes", key->into ? "to" : "from",
                                            fan->links.size());
      set(root, "compound", "true");
      set(e, key->into ? "lhead" : "ltail", agnameof(key->cluster));
      if (fans_at[{key->cluster, key->into}] == 1) set(e, "xlabel", boxes);
      const std::string cluster = agnameof(key->cluster) + std::strlen("cluster_");
      set(e, "tooltip",
          fmt::format("{} {} {} boxes of {}: {}", unit_name(key->outside),
                      key->into ? "to" : "from", fan->links.size(), cluster, along));
    }
    // Wrapped rows are held in place by the invisible edges; an edge from one row to a later
    // one of the same cluster would pull its ends together and scramble the order.
    const bool both_in_rows = row_of_box[link.from] != nullptr && row_of_box[link.to] != nullptr;
    if (both_in_rows && row_of_box[link.from] != row_of_box[link.to] &&
        cluster_of[link.from] == cluster_of[link.to]) {
      set(e, "constraint", "false");
    }
    // Parameters in grey. (Their edges may set the layout: a weight that every step uses is
    // one fan edge, so the parameters simply come first, as the inputs do.)
    if (with_parameters[link.from]) set(e, "color", "#9e9e9e");
    if (constants) set(e, "color", "#bbbbbb");
  }
  if (options.legend) {
    add_legend(root, options,
               fmt::format("fill (a scope's box: {})", flow_quantity_label(options.flow_quantity)),
               tape.edge_grads_recorded() ? EdgeLegend::recorded : EdgeLegend::not_recorded);
  }
  return graph;
}

// ----- the gradient-flow strip -------------------------------------------------------------------
// One square per entry, its side growing with log10 |grad| (from 10 to 50 points) and its colour
// the same as a box with that gradient. Rows of Options::columns, laid out top to bottom.
GraphPtr build_flow(std::span<const FlowEntry> flow, const Options& options) {
  // What the squares measure: the entries say (gradient_flow fills it in), else the Options.
  const FlowQuantity quantity = flow.empty() ? options.flow_quantity : flow.front().quantity;
  Options strip = options;
  strip.rankdir = "TB";
  if (strip.title.empty()) strip.title = std::string(flow_quantity_label(quantity));
  GraphPtr graph = new_graph("gradient_flow", strip);
  Agraph_t* root = graph.get();
  if (flow.empty()) {
    add_note(root, "no scopes: open ag::ScopeGuard(\"layer0\") etc. around the forward pass");
    return graph;
  }
  set(root, "nodesep", "0.05");
  // Boxes per row; 0: never wrap, every entry in one row.
  const size_t columns = options.columns == 0 ? flow.size()
                                              : static_cast<size_t>(std::max(options.columns, 1));
  Agnode_t* previous = nullptr;
  Agnode_t* row_start = nullptr;
  Agraph_t* row = nullptr;
  for (size_t k = 0; k < flow.size(); ++k) {
    const FlowEntry& entry = flow[k];
    if (k % columns == 0) {  // a new row: a rank=same subgraph under the previous one
      row = agsubg(root, const_cast<char*>(fmt::format("row{}", k / columns).c_str()), 1);
      set(row, "rank", "same");
    }
    Agnode_t* n = add_node(row, fmt::format("f{}", k));
    const GradSummary g = summarize_norm(entry.norm, entry.has_gradient);
    const NodeLook look = node_look(g, options);
    const double t = g.state == GradState::finite      ? scale_position(g.norm, options)
                     : g.state == GradState::nonfinite ? 1.0
                                                       : 0.0;
    const int side = static_cast<int>(std::lround(10 + 40 * t));
    const std::string value = g.state == GradState::no_gradient ? "none"
                              : g.state == GradState::zero      ? "0"
                                                                : sci(g.norm);
    set(n, "shape", "plaintext");
    set(n, "margin", "0");
    set(n, "fontsize", "9");
    set(n, "tooltip", fmt::format("{}: {}", entry.scope, value));
    set_html(n, "label",
             fmt::format(R"(<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="1" CELLPADDING="0">)"
                         R"(<TR><TD>{}</TD></TR>)"
                         R"(<TR><TD FIXEDSIZE="TRUE" WIDTH="{}" HEIGHT="{}" BGCOLOR="{}" )"
                         R"(BORDER="1" COLOR="{}"></TD></TR>)"
                         R"(<TR><TD>{}</TD></TR></TABLE>)",
                         html_escape(last_component(entry.scope)), side, side, look.fill,
                         look.color, value));
    // Invisible edges keep the order: along a row, and from each row's start to the next's.
    if (k % columns == 0) {
      if (row_start != nullptr) set(add_edge(root, row_start, n), "style", "invis");
      row_start = n;
    } else {
      set(add_edge(root, previous, n), "style", "invis");
    }
    previous = n;
  }
  if (options.legend) {
    add_legend(root, options, fmt::format("square: {}", flow_quantity_label(quantity)),
               EdgeLegend::none, LegendMarks::squares);
  }
  return graph;
}

}  // namespace ag::viz::detail

// ----- the same numbers as text ------------------------------------------------------------------
namespace ag::viz {

namespace {
// The bars' value column: "2.10e-05", "0", "no gradient", "NaN". (flow_csv writes its own: the
// norm in 6 significant digits, an empty cell for no gradient.)
std::string value_text(const FlowEntry& e) {
  if (!e.has_gradient) return "no gradient";
  if (!std::isfinite(e.norm)) return detail::sci(e.norm);
  if (e.norm == 0.0) return "0";
  return fmt::format("{:.2e}", e.norm);
}
}  // namespace

std::string flow_bars(std::span<const FlowEntry> flow, const Options& options, int width,
                      std::string_view label) {
  detail::validate(options);
  // Eighth blocks: a bar of 8 * width steps, the last character partly filled.
  static constexpr const char* kEighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  width = std::max(width, 1);
  size_t name_width = 5;
  for (const FlowEntry& e : flow) name_width = std::max(name_width, e.scope.size());
  const FlowQuantity quantity = flow.empty() ? options.flow_quantity : flow.front().quantity;
  if (label.empty()) label = flow_quantity_label(quantity);
  std::string out = fmt::format("{:<{}}  {}: log10 from {:g} (no bar) to {:g} (full bar)\n",
                                "scope", name_width, label, options.log10_min, options.log10_max);
  for (const FlowEntry& e : flow) {
    int steps = 0;
    std::string bar;
    if (e.has_gradient && std::isfinite(e.norm)) {
      steps = static_cast<int>(std::lround(detail::scale_position(e.norm, options) * width * 8));
    }
    for (int full = 0; full < steps / 8; ++full) bar += "█";
    bar += kEighths[steps % 8];
    const int used = steps / 8 + (steps % 8 != 0 ? 1 : 0);
    if (e.has_gradient && !std::isfinite(e.norm)) {
      bar = "!!! NaN/Inf";  // its own mark: a bar length would claim a size
    } else {
      bar += std::string(static_cast<size_t>(width - used), ' ');
    }
    out += fmt::format("{:<{}}  {}  {}\n", e.scope, name_width, bar, value_text(e));
  }
  return out;
}

std::string flow_sparkline(std::span<const FlowEntry> flow, const Options& options) {
  detail::validate(options);
  static constexpr const char* kLevels[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  std::string out;
  for (const FlowEntry& e : flow) {
    if (!e.has_gradient) {
      out += "·";
    } else if (!std::isfinite(e.norm)) {
      out += "!";
    } else if (e.norm == 0.0) {
      out += "_";
    } else {
      const double t = detail::scale_position(e.norm, options);
      out += kLevels[std::min(7, static_cast<int>(t * 8))];
    }
  }
  return out;
}

std::string flow_csv(std::span<const FlowEntry> flow) {
  // The last column names the gradient measured (FlowQuantity), on every row, so that a file
  // read on its own still says what its numbers are.
  std::string out = "index,scope,nodes,grad_norm,log10_grad_norm,quantity\n";
  for (size_t k = 0; k < flow.size(); ++k) {
    const FlowEntry& e = flow[k];
    // A scope with a comma or quote is quoted, quotes doubled (RFC 4180).
    std::string scope = e.scope;
    if (scope.find_first_of(",\"\n") != std::string::npos) {
      std::string quoted = "\"";
      for (char ch : scope) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
      scope = quoted + "\"";
    }
    std::string norm, log10_norm;
    if (e.has_gradient) {
      norm = std::isnan(e.norm) ? "nan" : fmt::format("{:.6g}", e.norm);
      if (e.norm > 0.0 && std::isfinite(e.norm))
        log10_norm = fmt::format("{:.4f}", std::log10(e.norm));
    }
    out += fmt::format("{},{},{},{},{},{}\n", k, scope, e.node_count, norm, log10_norm,
                       detail::names_of(e.quantity).csv);
  }
  return out;
}

}  // namespace ag::viz
