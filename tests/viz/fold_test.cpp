// tests for viz/src/fold.cpp: grouping by scope, the gradient leaving each group, the folded
// view, the gradient-flow strip, the terminal bars and the CSV.
#include <catch2/catch.hpp>

#include <viz/viz.hpp>

#include <algorithm>
#include <cmath>
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

TEST_CASE("gradient_flow: one entry per scope, in the order the tape entered them",
          "[viz][fold]") {
  Tape tape;
  Tensor loss = ex::tanh_rnn(6, 4);
  tape.backward(loss, kEdges);
  const auto flow = viz::gradient_flow(tape, 2);
  REQUIRE(flow.size() == 6);
  for (size_t t = 0; t < flow.size(); ++t) {
    CHECK(flow[t].scope == fmt::format("rnn/t={}", t));
    CHECK(flow[t].has_gradient);
    CHECK(flow[t].quantity == viz::FlowQuantity::activation);  // the default
    CHECK_FALSE(flow[t].from_edges);  // measured on the nodes' gradients
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

  // |dL/d parameters|: "one" sends (w g, x g) into x and w; "two" uses no parameter.
  const auto params = viz::gradient_flow(tape, 1, viz::FlowQuantity::parameters);
  CHECK(params[0].norm == Approx(std::hypot(2.0 * g, 0.5 * g)));
  CHECK(params[0].from_edges);
  CHECK_FALSE(params[1].has_gradient);
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

TEST_CASE("gradient_flow without recorded edges: leaving falls back to the entry nodes, "
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
  Parsed by_params(viz::to_dot(
      tape, {.view = viz::View::folded, .flow_quantity = viz::FlowQuantity::parameters}));
  CHECK(by_params.attr("g0", "label").find("dL/d params ") != std::string::npos);
  Parsed leaving(viz::to_dot(
      tape, {.view = viz::View::folded, .flow_quantity = viz::FlowQuantity::leaving}));
  CHECK(leaving.attr("g0", "label").find("grad leaving ") != std::string::npos);
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

TEST_CASE("folded view: one box per time step, parameters hidden unless asked",
          "[viz][fold]") {
  Tape tape;
  Tensor loss = ex::lstm(5, 3);
  tape.backward(loss, kEdges);
  Parsed p(viz::to_dot(tape, {.view = viz::View::folded}));
  for (int t = 0; t < 5; ++t) {
    CHECK(p.has_node(fmt::format("g{}", t)));
    CHECK(p.attr(fmt::format("g{}", t), "label").find(fmt::format("t={}", t)) !=
          std::string::npos);
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
    const std::string expected =
        viz::detail::viridis(viz::detail::scale_position(flow[t].norm, o));
    CHECK(p.attr(fmt::format("g{}", t), "fillcolor") == expected);
  }
  CHECK(p.attr("g0", "fillcolor") != p.attr("g7", "fillcolor"));
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

TEST_CASE("folded view renders a small LSTM to SVG (the benchmark's smoke size)",
          "[viz][fold]") {
  Tape tape;
  Tensor loss = ex::lstm(10, 8);
  tape.backward(loss, kEdges);
  const std::string svg = viz::render_data(tape, viz::Format::svg, {.view = viz::View::folded});
  CHECK(svg.find("<svg") != std::string::npos);
  CHECK(svg.find("t=9") != std::string::npos);
}

TEST_CASE("flow_bars: one line per scope, longer bars for larger gradients", "[viz][fold]") {
  std::vector<viz::FlowEntry> flow = {
      {"layer0", 0, 5, 1e-7, true, true},
      {"layer1", 5, 5, 1e-2, true, true},
      {"layer2", 10, 5, 0.0, true, true},
      {"layer3", 15, 5, std::nan(""), true, true},
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
  // No scopes at all: a note explains how to get some.
  Parsed empty(viz::render_flow_data({}, viz::Format::dot));
  CHECK(empty.has_node("note"));
}

TEST_CASE("folded marks: dead units in red only for a batch, sparsity and saturation neutral",
          "[viz][fold]") {
  Tape tape;
  Tensor a, b, c;
  {
    ScopeGuard scope("batch");  // [2 examples, 2 units]: unit 1 off in both: dead
    Tensor x = tensor({1.0, -1.0, -1.0, -2.0}, {2, 2}, true);
    a = relu(x);
  }
  {
    ScopeGuard scope("step");  // [1, 4]: one example, 3 of 4 off: sparsity, not dead
    Tensor x = tensor({-1.0, -1.0, -1.0, 2.0}, {1, 4}, true);
    b = relu(x);
  }
  {
    ScopeGuard scope("gate");  // [1, 2] sigmoid, one value saturated: a share, not red
    Tensor x = tensor({30.0, 0.0}, {1, 2}, true);
    c = sigmoid(x);
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
