// tests for viz/src/fold.cpp: grouping by scope, the gradient leaving each group, the folded
// view, the gradient-flow strip, the terminal bars and the CSV.
#include <catch2/catch.hpp>

#include <viz/viz.hpp>

#include <algorithm>
#include <cmath>
#include <nn/nn.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "dot_helpers.hpp"
#include "example_graphs.hpp"
#include "internal.hpp"

using namespace ag;
using viz_test::Parsed;
namespace ex = ag::viz::examples;

namespace {
const BackwardOptions kEdges{.record_edge_grads = true};

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}
}  // namespace

TEST_CASE("gradient_flow: one entry per scope, in the order the tape entered them", "[viz][fold]") {
  Tape tape;
  Tensor loss = ex::tanh_rnn(6, 4);
  tape.backward(loss, kEdges);
  const auto flow = viz::gradient_flow(tape, 2);
  REQUIRE(flow.size() == 6);
  for (size_t t = 0; t < flow.size(); ++t) {
    CHECK(flow[t].scope == fmt::format("rnn/t={}", t));
    CHECK(flow[t].has_gradient);
    CHECK(flow[t].quantity == viz::FlowQuantity::activation);  // the default
    CHECK_FALSE(flow[t].from_edges);                           // measured on the nodes' gradients
    CHECK(flow[t].node_count > 0);
  }
  CHECK(flow[0].first_node < flow[1].first_node);
  // Depth 1: everything is one "rnn" group.
  const auto whole = viz::gradient_flow(tape, 1);
  REQUIRE(whole.size() == 1);
  CHECK(whole[0].scope == "rnn");
}

TEST_CASE("gradient_flow: in a tanh RNN with small W_h the gradient fades going back in time",
          "[viz][fold]") {
  Tape tape;
  Tensor loss = ex::tanh_rnn(12, 8, 0.5);
  tape.backward(loss, kEdges);
  const auto flow = viz::gradient_flow(tape);
  REQUIRE(flow.size() == 12);
  CHECK(flow.front().norm < 1e-3 * flow.back().norm);
  int increases = 0;
  for (size_t t = 1; t < flow.size(); ++t) increases += flow[t].norm > flow[t - 1].norm;
  CHECK(increases >= 10);  // almost every step back loses gradient
}

TEST_CASE("gradient_flow measures dL/d output, dL/d parameters or the gradient leaving",
          "[viz][fold]") {
  // Two scopes: a = x * w in "one", b = tanh(a) in "two"; x and w are parameters (leaves).
  Tape tape;
  Tensor x = scalar(0.5, true), w = scalar(2.0, true);
  Tensor a, b;
  {
    ScopeGuard one("one");
    a = x * w;
  }
  {
    ScopeGuard two("two");
    b = tanh(a);
  }
  tape.backward(b, kEdges);
  const double g = 1.0 - std::tanh(1.0) * std::tanh(1.0);  // dL/da = tanh'(a)

  // Default, |dL/d output|: "one" hands on a (dL/da = g), "two" is the loss (dL/db = 1).
  const auto out = viz::gradient_flow(tape, 1);
  REQUIRE(out.size() == 2);
  CHECK(out[0].norm == Approx(g));
  CHECK(out[1].scope == "two");
  CHECK(out[1].norm == Approx(1.0));

  // |dL/d parameters|: "one" sends (w g, x g) into x and w. "two" uses no parameter itself, but
  // a = x * w is computed from parameters alone (the folded view draws "one" with them), so
  // what "two" sends into a, g, is a parameter share, as an LSTM step's into W_ih^T is.
  const auto params = viz::gradient_flow(tape, 1, viz::FlowQuantity::parameters);
  CHECK(params[0].norm == Approx(std::hypot(2.0 * g, 0.5 * g)));
  CHECK(params[0].from_edges);
  CHECK(params[1].has_gradient);
  CHECK(params[1].norm == Approx(g));
  CHECK(params[0].quantity == viz::FlowQuantity::parameters);

  // Leaving (the old measure): "two" sends g back along its entering edge; "one" sends its share
  // into x and w, which mixes the parameter gradients in.
  const auto leaving = viz::gradient_flow(tape, 1, viz::FlowQuantity::leaving);
  CHECK(leaving[1].norm == Approx(g));
  CHECK(leaving[0].norm == Approx(std::hypot(2.0 * g, 0.5 * g)));
}

TEST_CASE("gradient_flow: dL/d output of a layer is the gradient at its activation",
          "[viz][fold]") {
  Tape tape;
  Tensor loss = ex::mlp(6, 4, ex::Activation::sigmoid);
  tape.backward(loss);  // no edges needed for the default
  const auto flow = viz::gradient_flow(tape);
  REQUIRE(flow.size() == 6);
  for (const auto& e : flow) {
    // The layer's activation is its sigmoid node, the one the next layer (or the loss) uses.
    int found = 0;
    for (size_t i = e.first_node; i < tape.size(); ++i) {
      const Node& node = tape.node(i);
      if (std::string(node.op) != "sigmoid" || tape.scope_name(node.scope) != e.scope) continue;
      double sq = 0;
      for (double v : node.out->grad.span()) sq += v * v;
      CHECK(e.norm == Approx(std::sqrt(sq)));
      ++found;
    }
    CHECK(found == 1);
  }
  // Going back, every layer multiplies it by σ' <= 1/4 (and a weight matrix): it fades.
  for (size_t k = 1; k < flow.size(); ++k) CHECK(flow[k - 1].norm < flow[k].norm);
}

TEST_CASE(
    "gradient_flow without recorded edges: leaving falls back to the entry nodes, "
    "parameters is an error",
    "[viz][fold]") {
  Tape tape;
  Tensor loss = ex::tanh_rnn(4, 3);
  tape.backward(loss);  // no edge gradients
  const auto flow = viz::gradient_flow(tape, 2, viz::FlowQuantity::leaving);
  REQUIRE(flow.size() == 4);
  for (const auto& e : flow) {
    CHECK_FALSE(e.from_edges);
    CHECK(e.has_gradient);
    CHECK(e.norm > 0.0);
  }
  CHECK_THROWS_WITH(viz::gradient_flow(tape, 2, viz::FlowQuantity::parameters),
                    Catch::Contains("FlowQuantity::parameters") &&
                        Catch::Contains("record_edge_grads = true"));
  CHECK_THROWS_WITH(viz::gradient_flow(tape, 0), Catch::Contains("depth = 0"));
}

TEST_CASE("every flow picture and text names the gradient it shows", "[viz][fold]") {
  Tape tape;
  Tensor loss = ex::tanh_rnn(5, 3);
  tape.backward(loss, kEdges);
  const auto flow = viz::gradient_flow(tape);
  CHECK(viz::flow_bars(flow).find("|dL/d output| of each scope") != std::string::npos);
  CHECK(viz::flow_csv(flow).find(",dL/d output\n") != std::string::npos);
  const std::string strip = viz::render_flow_data(flow, viz::Format::dot);
  CHECK(strip.find("label=\"|dL/d output| of each scope\"") != std::string::npos);  // title
  CHECK(strip.find("square: |dL/d output| of each scope") != std::string::npos);    // legend
  Parsed folded(viz::to_dot(tape, {.view = viz::View::folded}));
  CHECK(folded.attr("g0", "label").find("dL/d out ") != std::string::npos);
  CHECK(folded.attr("legend", "label").find("|dL/d output| of each scope") != std::string::npos);

  const auto params = viz::gradient_flow(tape, 2, viz::FlowQuantity::parameters);
  CHECK(viz::flow_bars(params).find("|dL/d parameters| used in each scope") != std::string::npos);
  CHECK(viz::flow_csv(params).find(",dL/d parameters\n") != std::string::npos);
  Parsed by_params(viz::to_dot(tape, {.view = viz::View::folded,
                                      .flow_quantity = viz::FlowQuantity::parameters}));
  CHECK(by_params.attr("g0", "label").find("dL/d params ") != std::string::npos);
  Parsed leaving(
      viz::to_dot(tape, {.view = viz::View::folded, .flow_quantity = viz::FlowQuantity::leaving}));
  CHECK(leaving.attr("g0", "label").find("grad leaving ") != std::string::npos);
}

namespace {
// |dL/d p|^2 of one of a module's parameters, by name ("lstm.layer0.W_ih").
double grad_sq(const nn::Module& m, const std::string& name) {
  for (const nn::NamedTensor& p : m.named_parameters()) {
    if (p.name != name) continue;
    double sq = 0.0;
    for (double g : p.tensor.grad().to_vector()) sq += g * g;
    return sq;
  }
  FAIL("no parameter " << name);
  return 0.0;
}

// Runs one of nn's recurrent layers over T steps (B = 3, I = 2, H = 3), loss = sum of output^2,
// and returns |dL/d parameters| per scope at depth 2.
template <class Layer>
std::vector<viz::FlowEntry> parameter_flow(Layer& layer, int64_t T, Generator& gen) {
  Tape tape;
  Tensor x = normal({T, 3, 2}, 0.0, 1.0, gen);
  Tensor out = layer(x).output;
  tape.backward((out * out).sum(), kEdges);
  return viz::gradient_flow(tape, 2, viz::FlowQuantity::parameters);
}

const viz::FlowEntry& entry(const std::vector<viz::FlowEntry>& flow, const std::string& scope) {
  for (const viz::FlowEntry& e : flow) {
    if (e.scope == scope) return e;
  }
  FAIL("no scope " << scope);
  return flow.front();
}

// nn's RNN, LSTM and GRU prepare their weights once per sequence, in scope "<name>/layer0"
// (W_ih^T and W_hh^T; for the RNN and the LSTM also b = b_ih + b_hh), and every step reads
// those, never a parameter itself. The step's share of the weights' gradient is then on the edge
// from the prepared weight into the step.
template <class Layer>
void check_recurrent_parameter_shares(const std::string& name, bool biases_prepared) {
  Generator gen(3);
  Layer layer(2, 3, gen);

  // Every step of five gets a share, and no share is zero.
  const auto flow = parameter_flow(layer, 5, gen);
  double shares = 0.0;
  for (int t = 0; t < 5; ++t) {
    const viz::FlowEntry& e = entry(flow, fmt::format("{}/t={}", name, t));
    CHECK(e.has_gradient);
    CHECK(e.norm > 0.0);
    shares += e.norm;
  }
  // The prepared group counts the edges from the parameters into it: their whole gradient.
  const double ih = grad_sq(layer, name + ".layer0.W_ih"),
               hh = grad_sq(layer, name + ".layer0.W_hh");
  const double b_ih = grad_sq(layer, name + ".layer0.b_ih"),
               b_hh = grad_sq(layer, name + ".layer0.b_hh");
  const double whole = std::sqrt(ih + hh + b_ih + b_hh);
  const viz::FlowEntry& prepared = entry(flow, name + "/layer0");
  CHECK(prepared.has_gradient);
  CHECK(prepared.norm == Approx(biases_prepared ? whole : std::sqrt(ih + hh)).epsilon(1e-12));
  // The shares add up, as tensors, to the gradient of what the steps read (W_ih^T, W_hh^T and the
  // bias or biases): so their norms add up to at least its norm.
  const double read = std::sqrt(ih + hh + b_ih + (biases_prepared ? 0.0 : b_hh));
  CHECK(shares >= read * (1 - 1e-12));

  // One step reads every weight once: its share is the whole gradient of what it reads.
  Layer one(2, 3, gen);
  const auto single = parameter_flow(one, 1, gen);
  const double one_read = std::sqrt(grad_sq(one, name + ".layer0.W_ih") +
                                    grad_sq(one, name + ".layer0.W_hh") +
                                    grad_sq(one, name + ".layer0.b_ih") +
                                    (biases_prepared ? 0.0 : grad_sq(one, name + ".layer0.b_hh")));
  CHECK(entry(single, name + "/t=0").norm == Approx(one_read).epsilon(1e-12));
}
}  // namespace

TEST_CASE("|dL/d parameters| of nn's RNN, LSTM and GRU: each step's share of the shared weights",
          "[viz][fold][nn]") {
  // Once, every step said "no gradient" (or, for the GRU, counted its biases alone): only edges
  // from a parameter itself were counted, and nn's steps read prepared weights.
  SECTION("RNN") { check_recurrent_parameter_shares<nn::RNN>("rnn", true); }
  SECTION("LSTM") { check_recurrent_parameter_shares<nn::LSTM>("lstm", true); }
  SECTION("GRU") { check_recurrent_parameter_shares<nn::GRU>("gru", false); }

  // The folded view draws the same numbers: no step box says "no gradient".
  Generator gen(4);
  nn::LSTM lstm(2, 3, gen);
  Tape tape;
  Tensor out = lstm(normal({4, 3, 2}, 0.0, 1.0, gen)).output;
  tape.backward((out * out).sum(), kEdges);
  Parsed p(viz::to_dot(tape, {.view = viz::View::folded,
                              .flow_quantity = viz::FlowQuantity::parameters}));
  int steps = 0;
  for (Agnode_t* n = agfstnode(p.graph()); n != nullptr; n = agnxtnode(p.graph(), n)) {
    const std::string label = p.attr(agnameof(n), "label");
    if (label.find("t=") == std::string::npos) continue;
    ++steps;
    CHECK(label.find("dL/d params ") != std::string::npos);
    CHECK(label.find("no gradient") == std::string::npos);
  }
  CHECK(steps == 4);
}

TEST_CASE("entries built from |dL/dh_t| say so, and the strip's legend with them", "[viz][fold]") {
  // Tutorials 09 and 11 measure |dL/dh_t| themselves (an LSTM's h_t without its c_t) and build
  // the entries by hand. Left at the default quantity, their legend said "|dL/d output|", which
  // for an LSTM step counts c_t too: one label for two quantities.
  std::vector<viz::FlowEntry> flow;
  for (int t = 0; t < 4; ++t) {
    flow.push_back({.scope = fmt::format("t={}", t),
                    .norm = std::pow(10.0, -t),
                    .has_gradient = true,
                    .quantity = viz::FlowQuantity::hidden_state});
  }
  Parsed strip(viz::render_flow_data(flow, viz::Format::dot));
  const std::string legend = strip.attr("legend", "label");
  CHECK(legend.find("square: |dL/dh_t| of each step") != std::string::npos);
  CHECK(legend.find("dL/d output") == std::string::npos);
  CHECK(viz::flow_bars(flow).find("|dL/dh_t| of each step") != std::string::npos);
  CHECK(viz::flow_csv(flow).find(",dL/dh_t\n") != std::string::npos);

  // Nothing in a tape says which output of a scope is h_t: asked to measure it, viz refuses.
  Tape tape;
  Tensor loss = ex::tanh_rnn(3, 2);
  tape.backward(loss, kEdges);
  CHECK_THROWS_WITH(viz::gradient_flow(tape, 2, viz::FlowQuantity::hidden_state),
                    Catch::Contains("FlowQuantity::hidden_state"));
  CHECK_THROWS_AS(viz::to_dot(tape, {.view = viz::View::folded,
                                     .flow_quantity = viz::FlowQuantity::hidden_state}),
                  viz::VizError);
}

TEST_CASE("gradient_flow before backward: no gradient anywhere", "[viz][fold]") {
  Tape tape;
  ex::tanh_rnn(3, 2);
  const auto flow = viz::gradient_flow(tape);
  REQUIRE(flow.size() == 3);
  for (const auto& e : flow) CHECK_FALSE(e.has_gradient);
  CHECK(viz::flow_sparkline(flow) == "···");
  CHECK(viz::flow_bars(flow).find("no gradient") != std::string::npos);
}

TEST_CASE("folded view: one box per time step, parameters hidden unless asked", "[viz][fold]") {
  Tape tape;
  Tensor loss = ex::lstm(5, 3);
  tape.backward(loss, kEdges);
  Parsed p(viz::to_dot(tape, {.view = viz::View::folded}));
  for (int t = 0; t < 5; ++t) {
    CHECK(p.has_node(fmt::format("g{}", t)));
    CHECK(p.attr(fmt::format("g{}", t), "label").find(fmt::format("t={}", t)) != std::string::npos);
  }
  CHECK_FALSE(p.has_node("g5"));
  CHECK(p.has_node("legend"));
  // Boxes: 5 steps, the loss (sum) and the legend; the three parameters are not drawn.
  CHECK(p.nodes() == 7);
  // Steps are chained: an edge from each step to the next (c and h travel together).
  CHECK(p.edges() == 5);
  CHECK(p.clusters() == std::vector<std::string>{"cluster_lstm"});

  Parsed with(viz::to_dot(tape, {.view = viz::View::folded, .fold_show_parameters = true}));
  CHECK(with.nodes() == 10);
  CHECK(with.has_node("n1"));  // lstm.W_ih, recorded right after the first input x
}

TEST_CASE("folded view: box colours follow the gradient leaving each step", "[viz][fold]") {
  Tape tape;
  Tensor loss = ex::tanh_rnn(8, 6, 0.4);
  tape.backward(loss, kEdges);
  const auto flow = viz::gradient_flow(tape);
  Parsed p(viz::to_dot(tape, {.view = viz::View::folded}));
  viz::Options o;
  for (size_t t = 0; t < flow.size(); ++t) {
    const std::string expected = viz::detail::viridis(viz::detail::scale_position(flow[t].norm, o));
    CHECK(p.attr(fmt::format("g{}", t), "fillcolor") == expected);
  }
  CHECK(p.attr("g0", "fillcolor") != p.attr("g7", "fillcolor"));
}

TEST_CASE("folded view: edge widths are what flowed along them, whichever gradient boxes show",
          "[viz][fold]") {
  // The legend says "edge width: |grad| that flowed along the edge" whenever the pass recorded
  // edge gradients; the default boxes (dL/d output) are measured on nodes, and the edges once
  // ignored the recorded norms: every edge drawn at the minimum width, "not recorded".
  Tape tape;
  Tensor loss = ex::tanh_rnn(8, 6, 0.4);
  tape.backward(loss, kEdges);
  for (viz::FlowQuantity q : {viz::FlowQuantity::activation, viz::FlowQuantity::leaving}) {
    const std::string dot = viz::to_dot(tape, {.view = viz::View::folded, .flow_quantity = q});
    CHECK(dot.find("edge gradients not recorded") == std::string::npos);
    CHECK(dot.find("|grad| along these edges") != std::string::npos);
    const std::regex width(R"(penwidth=\"?([0-9.]+))");
    std::set<std::string> widths;  // of the edges between boxes
    for (const std::string& line : lines(dot)) {
      std::smatch m;
      if (line.find(" -> ") != std::string::npos && std::regex_search(line, m, width)) {
        widths.insert(m[1]);
      }
    }
    CHECK(widths.size() > 2);  // the gradient fades back in time: the widths differ
    // A box's hover text names the gradient its number is.
    CHECK(dot.find(std::string(viz::detail::names_of(q).csv) + " ") != std::string::npos);
    CHECK(dot.find("gradient leaving it") == std::string::npos);
  }
  Tape unrecorded;
  Tensor loss2 = ex::tanh_rnn(8, 6, 0.4);
  unrecorded.backward(loss2);
  const std::string dot = viz::to_dot(unrecorded, {.view = viz::View::folded});
  CHECK(dot.find("edge gradients not recorded") != std::string::npos);
  CHECK(dot.find("edge widths off") != std::string::npos);
}

TEST_CASE("folded view: an edge that carried nothing is dashed, one from a constant says why",
          "[viz][fold]") {
  // As in the full view: "dashed: nothing flowed" (docs/graphs.md). The folded view once drew a
  // zero-gradient edge solid at the minimum width, like one carrying 1e-9, and called the edges
  // from a constant "not recorded" after a pass that recorded every edge.
  Tape tape;
  // A constant computed outside every scope (a constant joins the tape where it is first used).
  Tensor x = tensor({1.0, 2.0, 3.0}, {3}) * 2.0;
  Tensor w = tensor({0.5, -1.0, 2.0}, {3}).requires_grad_();
  Tensor v = tensor({1.0, 1.0, 1.0}, {3}).requires_grad_();
  Tensor h, y;
  {
    ScopeGuard a("a");
    h = tanh(x * w);
  }
  {
    ScopeGuard b("b");
    y = relu(h * v - 10.0);  // off everywhere: exactly 0 flows back into h
  }
  Tensor loss = sum(y);
  tape.backward(loss, kEdges);
  Parsed p(viz::to_dot(tape, {.view = viz::View::folded}));
  auto edge_attr = [&](const std::string& from, const std::string& to, const char* key) {
    Agedge_t* e = agedge(p.graph(), p.node(from), p.node(to), nullptr, 0);
    REQUIRE(e != nullptr);
    const char* value = agget(e, const_cast<char*>(key));
    return std::string(value != nullptr ? value : "");
  };
  REQUIRE(p.has_node("g0"));
  REQUIRE(p.has_node("g1"));
  CHECK(edge_attr("g0", "g1", "style") == "dashed");
  CHECK(edge_attr("g0", "g1", "tooltip").find("|grad| along these edges 0") != std::string::npos);
  // The loss's gradient reaches y (ones): that edge is solid.
  const std::string loss_box = fmt::format("n{}", loss.impl().node);
  CHECK(edge_attr("g1", loss_box, "style").empty());
  // The constant x: grey, not dashed (no gradient is expected there), and the tooltip says why.
  const std::string x_box = fmt::format("n{}", x.impl().node);
  CHECK(edge_attr(x_box, "g0", "style").empty());
  CHECK(edge_attr(x_box, "g0", "color") == "#bbbbbb");
  CHECK(edge_attr(x_box, "g0", "tooltip").find("a constant takes no gradient") !=
        std::string::npos);
  const std::string dot = viz::to_dot(tape, {.view = viz::View::folded});
  CHECK(dot.find("not recorded") == std::string::npos);
}

TEST_CASE("folded view: a long chain wraps into rows of Options::columns", "[viz][fold]") {
  Tape tape;
  Tensor loss = ex::tanh_rnn(12, 2);
  tape.backward(loss, kEdges);
  const std::string dot = viz::to_dot(tape, {.view = viz::View::folded, .columns = 5});
  Parsed p(dot);
  CHECK(p.nodes() == 12 + 2);
  // Rows: 5 + 5 + 2 steps, each a rank=same subgraph inside the rnn cluster.
  Agraph_t* rnn = agsubg(p.graph(), const_cast<char*>("cluster_rnn"), 0);
  REQUIRE(rnn != nullptr);
  int rows = 0;
  for (Agraph_t* s = agfstsubg(rnn); s != nullptr; s = agnxtsubg(s)) {
    ++rows;
    CHECK(std::string(agget(s, const_cast<char*>("rank"))) == "same");
  }
  CHECK(rows == 3);
  CHECK(dot.find("rankdir=TB") != std::string::npos);
  // No wrapping when the chain is short enough.
  CHECK(viz::to_dot(tape, {.view = viz::View::folded}).find("rank=same") == std::string::npos);
}

TEST_CASE("folded view renders a small LSTM to SVG (the benchmark's smoke size)", "[viz][fold]") {
  Tape tape;
  Tensor loss = ex::lstm(10, 8);
  tape.backward(loss, kEdges);
  const std::string svg = viz::render_data(tape, viz::Format::svg, {.view = viz::View::folded});
  CHECK(svg.find("<svg") != std::string::npos);
  CHECK(svg.find("t=9") != std::string::npos);
}

TEST_CASE("flow_bars: one line per scope, longer bars for larger gradients", "[viz][fold]") {
  std::vector<viz::FlowEntry> flow = {
      {"layer0", 0, 5, 1e-7, true, true},  {"layer1", 5, 5, 1e-2, true, true},
      {"layer2", 10, 5, 0.0, true, true},  {"layer3", 15, 5, std::nan(""), true, true},
      {"layer4", 20, 5, 0.0, false, true},
  };
  const auto text = lines(viz::flow_bars(flow, {}, 20));
  REQUIRE(text.size() == 6);
  auto blocks = [](const std::string& line) {
    size_t n = 0;
    for (size_t pos = 0; (pos = line.find("█", pos)) != std::string::npos; pos += 3) ++n;
    return n;
  };
  CHECK(blocks(text[1]) == 2);   // 1e-7 is 1/10 of the way from 1e-8 to 1e2: 2 of 20
  CHECK(blocks(text[2]) == 12);  // 1e-2 is 6/10 of the way: 12 of 20
  CHECK(text[1].find("1.00e-07") != std::string::npos);
  CHECK(text[3].find("█") == std::string::npos);
  CHECK(text[4].find("NaN") != std::string::npos);
  CHECK(text[5].find("no gradient") != std::string::npos);
  CHECK(viz::flow_sparkline(flow) == "▁▅_!·");
  // What the bars hold, where it is not a gradient the entries' quantity names: the given label.
  const auto ratios = lines(viz::flow_bars(flow, {}, 20, "|dL/dh_0| / |dL/dh_9|"));
  CHECK(ratios[0].starts_with("scope   |dL/dh_0| / |dL/dh_9|: log10 from -8 (no bar)"));
  CHECK(ratios[0].find("output") == std::string::npos);
  CHECK(std::vector(ratios.begin() + 1, ratios.end()) == std::vector(text.begin() + 1, text.end()));
}

TEST_CASE("flow_csv: a header and one row per scope, quoted where needed", "[viz][fold]") {
  std::vector<viz::FlowEntry> flow = {
      {"lstm/t=0", 0, 17, 0.001, true, true},
      {"odd,name", 17, 3, 0.0, false, true},
  };
  const auto rows = lines(viz::flow_csv(flow));
  REQUIRE(rows.size() == 3);
  CHECK(rows[0] == "index,scope,nodes,grad_norm,log10_grad_norm,quantity");
  CHECK(rows[1] == "0,lstm/t=0,17,0.001,-3.0000,dL/d output");
  CHECK(rows[2] == "1,\"odd,name\",3,,,dL/d output");
}

TEST_CASE("flow strip: a square per scope, sized by log10 norm", "[viz][fold]") {
  Tape tape;
  Tensor loss = ex::tanh_rnn(7, 4, 0.4);
  tape.backward(loss, kEdges);
  const auto flow = viz::gradient_flow(tape);
  const std::string dot = viz::render_flow_data(flow, viz::Format::dot, {.columns = 3});
  Parsed p(dot);
  CHECK(p.nodes() == 7 + 1);
  CHECK(p.has_node("legend"));
  // The fading RNN: the first square is smaller than the last.
  auto side = [&](int k) {
    const std::string label = p.attr(fmt::format("f{}", k), "label");
    const size_t at = label.find("WIDTH=\"");
    return std::stoi(label.substr(at + 7));
  };
  CHECK(side(0) < side(6));
  CHECK(viz::render_flow_data(flow, viz::Format::svg).find("<svg") != std::string::npos);
  // Rows of `columns` squares, and 0 never wraps, as for the folded view (it once put each
  // square on a row of its own).
  auto rows = [&](int columns) {
    Parsed strip(viz::render_flow_data(flow, viz::Format::dot, {.columns = columns}));
    int n = 0;
    for (Agraph_t* sub = agfstsubg(strip.graph()); sub != nullptr; sub = agnxtsubg(sub)) {
      n += std::string(agnameof(sub)).rfind("row", 0) == 0 ? 1 : 0;
    }
    return n;
  };
  CHECK(rows(3) == 3);
  CHECK(rows(25) == 1);
  CHECK(rows(0) == 1);
  // No scopes at all: a note explains how to get some.
  Parsed empty(viz::render_flow_data({}, viz::Format::dot));
  CHECK(empty.has_node("note"));
}

TEST_CASE("folded marks: dead units in red only for a batch, sparsity and saturation neutral",
          "[viz][fold]") {
  Tape tape;
  Tensor a, b, c;
  // Inputs (constants) times a weight: work made from parameters alone would be folded away
  // with the parameters.
  Tensor w = scalar(1.0, true);
  {
    ScopeGuard scope("batch");  // [2 examples, 2 units]: unit 1 off in both: dead
    a = relu(tensor({1.0, -1.0, -1.0, -2.0}, {2, 2}) * w);
  }
  {
    ScopeGuard scope("step");  // [1, 4]: one example, 3 of 4 off: sparsity, not dead
    b = relu(tensor({-1.0, -1.0, -1.0, 2.0}, {1, 4}) * w);
  }
  {
    ScopeGuard scope("gate");  // [1, 2] sigmoid, one value saturated: a share, not red
    c = sigmoid(tensor({30.0, 0.0}, {1, 2}) * w);
  }
  tape.backward(sum(a) + sum(b) + sum(c), kEdges);
  Parsed p(viz::to_dot(tape, {.view = viz::View::folded, .fold_depth = 1}));
  const std::string batch = p.attr("g0", "label"), step = p.attr("g1", "label"),
                    gate = p.attr("g2", "label");
  CHECK(batch.find(R"(<FONT COLOR="#c00000"><B>dead 50% of units</B></FONT>, sparsity 75%)") !=
        std::string::npos);
  CHECK(step.find("sparsity 75%") != std::string::npos);
  CHECK(step.find("dead") == std::string::npos);
  CHECK(gate.find("50% of values saturated") != std::string::npos);
  for (const std::string& label : {step, gate}) CHECK(label.find("#c00000") == std::string::npos);
}

// ----- folded views that read: tutorial 12's classifier ------------------------------------------
namespace {
// The shape of tutorial 12's classifier on a smaller input: x [B, T, I] -> nn::LSTM(I -> H)
// -> last h -> Linear(H, 32) -> LeakyReLU(0.3) -> Linear(32, 6) -> cross_entropy. The real
// nn::LSTM, so the tape holds its prepared weights (scope "lstm/layer0") and a stack of every h.
Tensor classifier_loss(int64_t steps, int64_t batch = 8, int64_t input = 10, int64_t hidden = 32) {
  Generator gen(12);
  static nn::LSTM lstm(input, hidden, gen, [] {
    nn::LSTMOptions o;
    o.batch_first = true;
    return o;
  }());
  static nn::Sequential head("head", {std::make_shared<nn::Linear>(hidden, 32, gen),
                                      std::make_shared<nn::LeakyReLU>(0.3),
                                      std::make_shared<nn::Linear>(32, 6, gen)});
  // (Static: built once, with the sizes of the first call; every test uses the same sizes.)
  Tensor x = normal({batch, steps, input}, 0.0, 1.0, gen);
  Tensor out = lstm.forward(x).output;  // [B, T, H]
  Tensor last = reshape(slice(out, 1, steps - 1, steps), {batch, hidden});
  std::vector<int64_t> labels;
  for (int64_t b = 0; b < batch; ++b) labels.push_back(b % 6);
  return nn::cross_entropy(head(last), labels);
}

// What tutorial 12 asks of the folded view.
viz::Options classifier_picture() {
  viz::Options o;
  o.view = viz::View::folded;
  o.fold_depth = 2;
  o.columns = 8;
  o.prune_constants = true;
  return o;
}

// The laid-out SVG's width in points (<svg width="1234pt" ...>).
double svg_width(const std::string& svg) {
  const size_t at = svg.find("<svg width=\"");
  REQUIRE(at != std::string::npos);
  return std::stod(svg.substr(at + 12));
}

// The position of box `name` in the SVG: the x, y of the first text drawn after its <title>.
std::pair<double, double> box_position(const std::string& svg, const std::string& name) {
  const size_t title = svg.find("<title>" + name + "</title>");
  REQUIRE(title != std::string::npos);
  const size_t text = svg.find("<text", title);
  const size_t x = svg.find(" x=\"", text), y = svg.find(" y=\"", text);
  return {std::stod(svg.substr(x + 4)), std::stod(svg.substr(y + 4))};
}

size_t count_of(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// Every text drawn in the picture that is an internal box name: "g23", "n7", "row_...".
std::vector<std::string> internal_names_shown(const std::string& svg) {
  static const std::regex internal(R"(>\s*((g|n)[0-9]+|row_[^<]*)\s*</text>)");
  std::vector<std::string> found;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), internal);
       it != std::sregex_iterator(); ++it) {
    found.push_back((*it)[1]);
  }
  return found;
}
}  // namespace

TEST_CASE("folded view: weights prepared from parameters alone are drawn with them, not per step",
          "[viz][fold]") {
  Tape tape;
  Tensor loss = classifier_loss(6);
  tape.backward(loss, kEdges);
  // The tape does hold a scope of parameter-only work: the transposed weights and summed biases.
  bool prepared = false;
  for (size_t i = 0; i < tape.size(); ++i) {
    prepared = prepared || tape.scope_name(tape.node(i).scope) == "lstm/layer0";
  }
  REQUIRE(prepared);

  // Hidden by default, like the parameters.
  const std::string dot = viz::to_dot(tape, classifier_picture());
  CHECK(dot.find("lstm/layer0") == std::string::npos);

  // Shown on request: one box, and one edge from it into the cluster of the steps (lhead), not
  // one edge per step.
  viz::Options shown = classifier_picture();
  shown.fold_show_parameters = true;
  Parsed p(viz::to_dot(tape, shown));
  std::string prepared_box;
  for (Agnode_t* n = agfstnode(p.graph()); n != nullptr; n = agnxtnode(p.graph(), n)) {
    if (p.attr(agnameof(n), "label").find("lstm/layer0") != std::string::npos) {
      prepared_box = agnameof(n);
    }
  }
  REQUIRE_FALSE(prepared_box.empty());
  Agnode_t* box = p.node(prepared_box);
  int out_edges = 0;
  for (Agedge_t* e = agfstout(p.graph(), box); e != nullptr; e = agnxtout(p.graph(), e)) {
    ++out_edges;
    CHECK(std::string(agget(e, const_cast<char*>("lhead"))) == "cluster_lstm");
  }
  CHECK(out_edges == 1);
  // It is coloured by its gradient, and says the number the colour encodes, in its label and
  // its tooltip (it once had the colour alone).
  CHECK(p.attr(prepared_box, "label").find("dL/d out ") != std::string::npos);
  CHECK(p.attr(prepared_box, "tooltip").find("dL/d output ") != std::string::npos);
  // The whole picture lays out with it (lhead needs compound=true).
  CHECK(viz::render_data(tape, viz::Format::svg, shown).find("to 6 boxes") != std::string::npos);
}

TEST_CASE("folded view: wrapped rows are in time order", "[viz][fold]") {
  Tape tape;
  Tensor loss = classifier_loss(23);
  tape.backward(loss, kEdges);
  viz::Options o = classifier_picture();
  o.columns = 5;
  const std::string svg = viz::render_data(tape, viz::Format::svg, o);
  // Box names follow the order the tape entered the scopes; find each step's box by its label.
  const auto flow = viz::gradient_flow(tape, 2);
  std::vector<std::pair<double, double>> at;  // position of t=0, t=1, ...
  for (size_t k = 0; k < flow.size(); ++k) {
    if (flow[k].scope.starts_with("lstm/t="))
      at.push_back(box_position(svg, fmt::format("g{}", k)));
  }
  REQUIRE(at.size() == 23);
  for (size_t t = 1; t < at.size(); ++t) {
    INFO("t = " << t);
    if (t % 5 != 0) {  // same row, to the right
      CHECK(at[t].second == Approx(at[t - 1].second));
      CHECK(at[t].first > at[t - 1].first);
    } else {  // a new row, below, starting at the left
      CHECK(at[t].second > at[t - 1].second);
      CHECK(at[t].first < at[t - 1].first);
    }
  }
}

TEST_CASE("folded view: tutorial 12's classifier fits a page", "[viz][fold]") {
  Tape tape;
  Tensor loss = classifier_loss(40);
  tape.backward(loss, kEdges);
  viz::Options o = classifier_picture();
  o.title = "LSTM classifier, one backward pass";
  const std::string svg = viz::render_data(tape, viz::Format::svg, o);
  CHECK(svg_width(svg) <= 1600);
  // Every label readable at 100%: no text below 8 points.
  static const std::regex size(R"re(font-size="([0-9.]+)")re");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), size); it != std::sregex_iterator();
       ++it) {
    CHECK(std::stod((*it)[1]) >= 8.0);
  }
  CHECK(internal_names_shown(svg).empty());
  CHECK(count_of(svg, "class=\"edge\"") == count_of(svg, "<g id=\"a_edge"));
}

TEST_CASE("folded view: no internal name ever appears in a box", "[viz][fold]") {
  // A marker such as "saturated <1%" once broke the HTML label, and Graphviz drew the box's
  // internal name ("g23") instead. 300 units, one saturated and one dead: "<1%".
  Tape tape;
  std::vector<double> values(300, 0.5);
  values[0] = 20.0;
  values[1] = -1.0;
  Tensor w = tensor(values, {300}).requires_grad_();
  Tensor loss;
  {
    ScopeGuard net("net");
    ScopeGuard step("t=0");
    loss = sum(sigmoid(w * 1.0) + relu(w));
  }
  tape.backward(loss, kEdges);
  for (const viz::Options& o :
       {viz::Options{.view = viz::View::folded},
        viz::Options{.view = viz::View::folded, .columns = 1},
        viz::Options{.view = viz::View::folded, .fold_show_parameters = true}, viz::Options{}}) {
    const std::string svg = viz::render_data(tape, viz::Format::svg, o);
    CHECK(svg.find("&lt;1%") != std::string::npos);
    CHECK(internal_names_shown(svg).empty());
    // Nor on hover: every edge has its own tooltip (else a browser shows the SVG <title>, which
    // Graphviz fills with the handles, "g0->g1").
    CHECK(count_of(svg, "class=\"edge\"") == count_of(svg, "<g id=\"a_edge"));
  }
}

TEST_CASE("prune_constants also prunes ops computed from constants only", "[viz][fold]") {
  Tape tape;
  Tensor x = tensor({1.0, 2.0, 3.0}, {3});  // a constant input
  Tensor w = tensor({0.5, -1.0, 2.0}, {3}).requires_grad_();
  Tensor scaled = x * 2.0;  // from constants only
  Tensor loss = sum(tanh(scaled * w));
  tape.backward(loss);
  Parsed p(viz::to_dot(tape, {.prune_constants = true}));
  CHECK_FALSE(p.has_node(fmt::format("n{}", scaled.impl().node)));
  CHECK(p.has_node(fmt::format("n{}", loss.impl().node)));
  for (size_t i = 0; i < tape.size(); ++i) {
    if (!tape.node(i).out->requires_grad) CHECK_FALSE(p.has_node(fmt::format("n{}", i)));
  }
}

TEST_CASE("folded view: a neuron fed by constant numbers is not parameter work", "[viz][fold]") {
  // In a scalar graph the input x is a one-number constant, like a literal: w * x is still the
  // neuron's work, drawn as its box, not hidden with the parameters.
  Tape tape;
  Tensor w = scalar(0.5, true), x = scalar(2.0);
  Tensor loss;
  {
    ScopeGuard neuron("n0");
    loss = tanh(w * x);
  }
  tape.backward(loss);
  Parsed p(viz::to_dot(tape, {.view = viz::View::folded}));
  CHECK(p.has_node("g0"));
  CHECK(p.attr("g0", "label").find("n0") != std::string::npos);
}

// Issue 16: a convolution or pooling node says where its windows fall (the geometry the engine
// saved, ag::saved_windows), and a folded layer keeps saying it.
TEST_CASE("conv and pool nodes are labelled with kernel, stride and padding, folded by layer",
          "[viz][fold][conv]") {
  Generator gen(5);
  auto first = std::make_shared<nn::Conv2d>(1, 2, 3, gen, nn::Conv2dModuleOptions{.padding = 1});
  auto second = std::make_shared<nn::Conv2d>(
      2, 2, Size2{3, 1}, gen, nn::Conv2dModuleOptions{.stride = {2, 1}, .dilation = 2});
  nn::Sequential cnn("cnn", {first, std::make_shared<nn::LeakyReLU>(0.3),
                             std::make_shared<nn::MaxPool2d>(MaxPool2dOptions{.kernel_size = 2}),
                             second, std::make_shared<nn::Flatten>()});
  Tape tape;
  Tensor y = cnn(normal({2, 1, 12, 8}, 0, 1, gen));
  tape.backward(sum(y * y), kEdges);

  const std::string full = viz::to_dot(tape);
  CHECK(full.find("kernel 3×3, stride 1, padding 1") != std::string::npos);
  CHECK(full.find("kernel 2×2, stride 2, padding 0") != std::string::npos);
  CHECK(full.find("kernel 3×1, stride 2×1, padding 0, dilation 2") != std::string::npos);

  // Folded at the layers (cnn/0 ... cnn/4): each layer one box, and the three with windows say so.
  Parsed folded(viz::to_dot(tape, {.view = viz::View::folded, .fold_depth = 2}));
  std::vector<std::string> labelled;
  for (int box = 0; folded.has_node(fmt::format("g{}", box)); ++box) {
    const std::string label = folded.attr(fmt::format("g{}", box), "label");
    if (label.find("kernel") != std::string::npos) labelled.push_back(label);
  }
  REQUIRE(labelled.size() == 3);
  CHECK(labelled[0].find("kernel 3×3, stride 1, padding 1") != std::string::npos);
  CHECK(labelled[1].find("kernel 2×2, stride 2, padding 0") != std::string::npos);
  CHECK(labelled[2].find("dilation 2") != std::string::npos);

  // A 1-d convolution says single numbers.
  Tape one_d;
  Tensor z = conv1d(normal({1, 2, 9}, 0, 1, gen), normal({3, 2, 3}, 0, 1, gen), {},
                    {.stride = 2, .padding = 1});
  CHECK(viz::to_dot(one_d).find("kernel 3, stride 2, padding 1") != std::string::npos);
}
