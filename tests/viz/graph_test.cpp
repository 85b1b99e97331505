// tests for viz/src/graph.cpp: the full view. Every picture is parsed back with cgraph.
#include <catch2/catch.hpp>

#include <viz/viz.hpp>

#include <algorithm>
#include <cmath>

#include "dot_helpers.hpp"
#include "example_graphs.hpp"
#include "internal.hpp"

using namespace ag;
using viz_test::Parsed;
namespace ex = ag::viz::examples;

namespace {
const BackwardOptions kEdges{.record_edge_grads = true};

size_t edge_count(const Tape& tape) {
  size_t n = 0;
  for (size_t i = 0; i < tape.size(); ++i) n += tape.inputs_of(i).size();
  return n;
}

// Relative luminance of "#rrggbb": viridis gets lighter monotonically (colormap_test), so the
// order of luminances is the order on the scale.
double luminance(const std::string& hex) {
  const unsigned v = std::stoul(hex.substr(1), nullptr, 16);
  return 0.2126 * ((v >> 16) & 255) + 0.7152 * ((v >> 8) & 255) + 0.0722 * (v & 255);
}

double grad_norm(const TensorImpl& t) {
  double sq = 0;
  for (double g : t.grad.span()) sq += g * g;
  return std::sqrt(sq);
}
}  // namespace

TEST_CASE("full view: one node per tape node plus the legend, one edge per input", "[viz][graph]") {
  Tape tape;
  Tensor loss = ex::mlp(3, 4, ex::Activation::sigmoid);
  tape.backward(loss, kEdges);
  Parsed p(viz::to_dot(tape));
  CHECK(p.nodes() == static_cast<int>(tape.size()) + 1);
  CHECK(p.has_node("legend"));
  CHECK(p.edges() == static_cast<int>(edge_count(tape)));
  for (size_t i = 0; i < tape.size(); ++i) CHECK(p.has_node(fmt::format("n{}", i)));
}

TEST_CASE("full view: scopes become nested clusters", "[viz][graph]") {
  Tape tape;
  Tensor loss = ex::lstm(3, 2);
  tape.backward(loss, kEdges);
  Parsed p(viz::to_dot(tape));
  auto clusters = p.clusters();
  std::sort(clusters.begin(), clusters.end());
  CHECK(clusters == std::vector<std::string>{"cluster_lstm", "cluster_lstm/t=0", "cluster_lstm/t=1",
                                             "cluster_lstm/t=2"});
  // The step clusters sit inside the lstm cluster.
  Agraph_t* lstm = agsubg(p.graph(), const_cast<char*>("cluster_lstm"), 0);
  REQUIRE(lstm != nullptr);
  CHECK(agsubg(lstm, const_cast<char*>("cluster_lstm/t=1"), 0) != nullptr);
  // Without clustering there are none.
  Parsed flat(viz::to_dot(tape, {.cluster_scopes = false}));
  CHECK(flat.clusters().empty());
}

TEST_CASE("full view: fill colours are ordered with the gradient norm", "[viz][graph]") {
  Tape tape;
  Tensor loss = ex::mlp(6, 4, ex::Activation::sigmoid);
  tape.backward(loss, kEdges);
  Parsed p(viz::to_dot(tape));
  std::vector<std::pair<double, double>> norm_and_position;
  for (size_t i = 0; i < tape.size(); ++i) {
    const TensorImpl& t = *tape.node(i).out;
    if (!t.requires_grad || t.grad.empty()) continue;
    const double norm = grad_norm(t);
    if (norm == 0.0) continue;
    const std::string fill = p.attr(fmt::format("n{}", i), "fillcolor");
    REQUIRE(fill.size() == 7);
    norm_and_position.emplace_back(norm, luminance(fill));
  }
  REQUIRE(norm_and_position.size() > 20);
  std::sort(norm_and_position.begin(), norm_and_position.end());
  for (size_t k = 1; k < norm_and_position.size(); ++k) {
    INFO("norms " << norm_and_position[k - 1].first << " then " << norm_and_position[k].first);
    CHECK(norm_and_position[k].second >= norm_and_position[k - 1].second - 0.5);
  }
  // The sigmoid stack spans several decades: the colours differ, not just in order.
  CHECK(norm_and_position.back().second - norm_and_position.front().second > 60.0);
}

TEST_CASE("scalar graph: data and grad in the label, local derivatives on the edges",
          "[viz][graph]") {
  Tape tape;
  Tensor o = ex::micrograd_neuron();
  tape.backward(o, kEdges);
  const std::string dot = viz::to_dot(tape);
  // o = tanh(n) = 0.7071, do/dn = 1 - o^2 = 0.5: the tanh node and the edge into it.
  CHECK(dot.find("data 0.7071 | grad 1") != std::string::npos);
  CHECK(dot.find("tanh' = 0.5") != std::string::npos);
  CHECK(dot.find("label=\"∂ 0.5\"") != std::string::npos);
  // x1 * w1: d/dx1 = w1 = -3, d/dw1 = x1 = 2; x1's gradient is -1.5.
  CHECK(dot.find("label=\"∂ -3\"") != std::string::npos);
  CHECK(dot.find("label=\"∂ 2\"") != std::string::npos);
  CHECK(dot.find("data 2 | grad -1.5") != std::string::npos);
  // Parameters are shown by name; w2's gradient is exactly 0 (x2 = 0): dashed.
  Parsed p(dot);
  CHECK(p.attr("n4", "label").find("w2") != std::string::npos);
  CHECK(p.attr("n4", "style").find("dashed") != std::string::npos);
  // Switched off, no edge carries a label.
  CHECK(viz::to_dot(tape, {.edge_local_derivatives = false}).find("∂") == std::string::npos);
}

TEST_CASE("a value used twice gets two edges and its summed derivative once", "[viz][graph]") {
  Tape tape;
  Tensor a = scalar(3.0, true);
  Tensor b = a * a;
  tape.backward(b, kEdges);
  const std::string dot = viz::to_dot(tape);
  Parsed p(dot);
  CHECK(p.edges() == 2);
  CHECK(dot.find("∂ 6 (both)") != std::string::npos);
  CHECK(dot.find("data 3 | grad 6") != std::string::npos);
}

TEST_CASE("markers: ReLU sparsity, sigmoid saturation, LeakyReLU slope, clamp", "[viz][graph]") {
  // A batch of 4 examples of one unit: a share of values, never "dead" (no unit is off for all).
  Tape tape;
  Tensor x = tensor({-2.0, -1.0, 0.5, 3.0}, {4}, true);
  Tensor r = relu(x);              // 2 of 4 values are 0
  Tensor s = sigmoid(x * 5.0);     // σ' < 1e-3 at -10 and 15, not at -5, 2.5
  Tensor l = leaky_relu(x, 0.1);   // slope 0.1, 2 of 4 on it
  Tensor c = clamp(x, -1.5, 1.0);  // -2 and 3 clamped
  Tensor loss = sum(r) + sum(s) + sum(l) + sum(c);
  tape.backward(loss, kEdges);
  Parsed p(viz::to_dot(tape));
  auto label = [&](const Tensor& t) { return p.attr(fmt::format("n{}", t.node_index()), "label"); };
  CHECK(label(r).find("sparsity 50%") != std::string::npos);
  CHECK(label(r).find("dead") == std::string::npos);
  CHECK(label(s).find("50% of values saturated") != std::string::npos);
  CHECK(label(l).find("slope 0.1, on slope 50%") != std::string::npos);
  CHECK(label(c).find("clamped 50%") != std::string::npos);
  for (const Tensor& t : {r, s, l, c}) CHECK(label(t).find("#c00000") == std::string::npos);
}

TEST_CASE("dead: a ReLU unit off for every example of a batch of at least two", "[viz][graph]") {
  // [3 examples, 4 units]: unit 0 is off in all three (dead); units 1-3 are off in some.
  Tape tape;
  Tensor x = tensor({-1.0, 1.0, -1.0, 2.0,   //
                     -2.0, -1.0, 1.0, 2.0,   //
                     -3.0, 1.0, 1.0, -2.0},  // zeros: 3 + 1 + 1 + 1 = 6 of 12 values
                    {3, 4}, true);
  Tensor r = relu(x);
  tape.backward(sum(r), kEdges);
  const std::string label =
      Parsed(viz::to_dot(tape)).attr(fmt::format("n{}", r.node_index()), "label");
  CHECK(label.find(R"(<FONT COLOR="#c00000"><B>dead 25% of units</B></FONT>)") !=
        std::string::npos);
  CHECK(label.find("sparsity 50%") != std::string::npos);  // neutral, after it

  // The same zeros spread so that no unit is off for every example: sparsity only, no red.
  Tape healthy;
  Tensor y = tensor({-1.0, 1.0, -1.0, 2.0,  //
                     2.0, -1.0, 1.0, -2.0,  //
                     -3.0, 1.0, -1.0, 2.0},
                    {3, 4}, true);
  Tensor q = relu(y);
  healthy.backward(sum(q), kEdges);
  const std::string fine =
      Parsed(viz::to_dot(healthy)).attr(fmt::format("n{}", q.node_index()), "label");
  CHECK(fine.find("sparsity 50%") != std::string::npos);
  CHECK(fine.find("dead") == std::string::npos);
  CHECK(fine.find("#c00000") == std::string::npos);
}

TEST_CASE("a batch of one has no dead units, and a zero scalar ReLU is off here", "[viz][graph]") {
  Tape tape;
  Tensor x = tensor({-1.0, -2.0, -3.0, 1.0}, {1, 4}, true);  // one example, 3 of 4 units off
  Tensor r = relu(x);
  Tensor a = scalar(-0.5, true);
  Tensor off = relu(a);  // one number, x <= 0
  Tensor b = scalar(0.5, true);
  Tensor on = relu(b);
  tape.backward(sum(r) + off + on, kEdges);
  Parsed p(viz::to_dot(tape));
  auto label = [&](const Tensor& t) { return p.attr(fmt::format("n{}", t.node_index()), "label"); };
  CHECK(label(r).find("sparsity 75%") != std::string::npos);
  CHECK(label(r).find("dead") == std::string::npos);
  CHECK(label(off).find("off here (x &le; 0)") != std::string::npos);
  CHECK(label(off).find("dead") == std::string::npos);
  CHECK(label(on).find("off here") == std::string::npos);
  for (const Tensor& t : {r, off, on}) CHECK(label(t).find("#c00000") == std::string::npos);
}

TEST_CASE("saturated: a sigmoid unit saturated for every example, else a neutral share",
          "[viz][graph]") {
  // [2 examples, 2 units]: unit 0 at ±20 in both examples (σ' ~ 2e-9), unit 1 at 0 and 20.
  Tape tape;
  Tensor x = tensor({20.0, 0.0, -20.0, 20.0}, {2, 2}, true);
  Tensor s = sigmoid(x);
  Tensor y = scalar(30.0, true);
  Tensor one = sigmoid(y);  // one number, saturated
  tape.backward(sum(s) + one, kEdges);
  Parsed p(viz::to_dot(tape));
  const std::string label = p.attr(fmt::format("n{}", s.node_index()), "label");
  CHECK(label.find(R"(<B>saturated 50% of units</B>)") != std::string::npos);
  CHECK(label.find("75% of values saturated") != std::string::npos);
  const std::string scalar_label = p.attr(fmt::format("n{}", one.node_index()), "label");
  CHECK(scalar_label.find("saturated here") != std::string::npos);
  CHECK(scalar_label.find("#c00000") == std::string::npos);
  // With a threshold below σ'(20) ~ 2e-9, nothing is saturated.
  const std::string loose = Parsed(viz::to_dot(tape, {.saturation_threshold = 1e-12}))
                                .attr(fmt::format("n{}", s.node_index()), "label");
  CHECK(loose.find("saturated") == std::string::npos);
}

TEST_CASE("NaN and Inf gradients get the red double border", "[viz][graph]") {
  Tape tape;
  Tensor x = scalar(0.0, true);
  Tensor y = sqrt(x);  // d sqrt(x)/dx = 1 / (2 sqrt(x)) = Inf at 0
  tape.backward(y, kEdges);
  Parsed p(viz::to_dot(tape));
  const std::string name = fmt::format("n{}", x.node_index());
  CHECK(p.attr(name, "fillcolor") == "#d62728");
  CHECK(p.attr(name, "peripheries") == "2");
  CHECK(p.attr(name, "label").find("grad Inf") != std::string::npos);
}

TEST_CASE("before backward every node that needs a gradient says no gradient", "[viz][graph]") {
  Tape tape;
  Tensor loss = ex::mlp(2, 3, ex::Activation::relu);
  const std::string dot = viz::to_dot(tape);
  Parsed p(dot);
  CHECK(p.nodes() == static_cast<int>(tape.size()) + 1);
  for (size_t i = 0; i < tape.size(); ++i) {
    const std::string name = fmt::format("n{}", i);
    if (tape.node(i).out->requires_grad) {
      CHECK(p.attr(name, "label").find("no gradient") != std::string::npos);
      CHECK(p.attr(name, "style").find("dotted") != std::string::npos);
    }
  }
  CHECK(dot.find("record_edge_grads") != std::string::npos);  // the legend says how to get widths
  // And it lays out and renders.
  CHECK(viz::render_data(tape, viz::Format::svg).find("<svg") != std::string::npos);
}

TEST_CASE("an empty tape renders a note, not an error", "[viz][graph]") {
  Tape tape;
  Parsed p(viz::to_dot(tape));
  CHECK(p.nodes() == 1);
  CHECK(p.attr("note", "label").find("empty tape") != std::string::npos);
  CHECK(viz::render_data(tape, viz::Format::svg).find("empty tape") != std::string::npos);
}

TEST_CASE("prune_constants leaves out const nodes and their edges", "[viz][graph]") {
  Tape tape;
  Tensor loss = ex::tanh_rnn(3, 2);
  tape.backward(loss, kEdges);
  size_t constants = 0, const_edges = 0;
  for (size_t i = 0; i < tape.size(); ++i) {
    if (std::string(tape.node(i).op) == "const") ++constants;
    for (uint32_t in : tape.inputs_of(i)) const_edges += std::string(tape.node(in).op) == "const";
  }
  REQUIRE(constants > 0);
  Parsed p(viz::to_dot(tape, {.prune_constants = true, .legend = false}));
  CHECK(p.nodes() == static_cast<int>(tape.size() - constants));
  CHECK(p.edges() == static_cast<int>(edge_count(tape) - const_edges));
}

TEST_CASE("path_from and path_to keep only the nodes between them", "[viz][graph]") {
  Tape tape;
  // #0 x1, #1 w1, #2 x1*w1, #3 x2, #4 w2, #5 x2*w2, #6 add, #7 b, #8 add, #9 tanh
  Tensor o = ex::micrograd_neuron();
  tape.backward(o, kEdges);
  REQUIRE(tape.tensor(0).name() == "x1");
  Parsed p(viz::to_dot(tape, {.path_from = 0, .path_to = 9, .legend = false}));
  CHECK(p.nodes() == 5);
  for (const char* n : {"n0", "n2", "n6", "n8", "n9"}) CHECK(p.has_node(n));
  CHECK(p.edges() == 4);
  // Only an end: everything upstream of #5 (x2, w2 and their product).
  Parsed up(viz::to_dot(tape, {.path_to = 5, .legend = false}));
  CHECK(up.nodes() == 3);
  // Nothing between them: a note.
  Parsed none(viz::to_dot(tape, {.path_from = 3, .path_to = 2}));
  CHECK(none.has_node("note"));
  CHECK_THROWS_AS(viz::to_dot(tape, {.path_to = 99}), IndexError);
  CHECK_THROWS_WITH(viz::to_dot(tape, {.path_from = 10}), Catch::Contains("path_from = 10"));
}

TEST_CASE("the same program gives byte-identical DOT", "[viz][graph]") {
  auto run = [] {
    Tape tape;
    Tensor loss = ex::lstm(2, 3);
    tape.backward(loss, kEdges);
    return viz::to_dot(tape);
  };
  const std::string first = run();
  CHECK(first == run());
  // Node names are tape indices.
  Parsed p(first);
  CHECK(p.has_node("n0"));
  CHECK(p.attr("n1", "label").find("lstm.W_ih") != std::string::npos);
}

TEST_CASE("golden DOT: the micrograd neuron", "[viz][graph]") {
  Tape tape;
  Tensor o = ex::micrograd_neuron();
  tape.backward(o, kEdges);
  viz_test::check_golden("neuron.dot", viz::to_dot(tape, {.title = "micrograd neuron"}));
}

TEST_CASE("golden DOT: a 3-step LSTM cell", "[viz][graph]") {
  Tape tape;
  Tensor loss = ex::lstm(3, 2, 2);
  tape.backward(loss, kEdges);
  viz_test::check_golden("lstm_3_steps.dot", viz::to_dot(tape));
}
