// tests for viz/src/tooltip.cpp: what a node and an edge say on hover, and that the words about
// derivatives are the engine's (op_info.hpp), not the picture's.
#include <catch2/catch.hpp>

#include <autograd/op_info.hpp>
#include <viz/viz.hpp>

#include <set>

#include "dot_helpers.hpp"
#include "example_graphs.hpp"
#include "internal.hpp"

using namespace ag;
using viz_test::Parsed;
namespace ex = ag::viz::examples;

namespace {
bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}
}  // namespace

TEST_CASE("a node's tooltip: op, scope, shape, value and gradient statistics, the engine's rule",
          "[viz][tooltip]") {
  Tape tape;
  Tensor loss = ex::lstm(2, 3);
  tape.backward(loss, {.record_edge_grads = true});
  Parsed p(viz::to_dot(tape));
  std::set<std::string> ops_seen;
  for (size_t i = 0; i < tape.size(); ++i) {
    const Node& node = tape.node(i);
    const std::string tip = p.attr(fmt::format("n{}", i), "tooltip");
    INFO("node #" << i << " " << node.op << ": " << tip);
    const OpInfo* info = op_info(node.op);
    REQUIRE(info != nullptr);
    CHECK(contains(tip, fmt::format("#{} {}", i, node.op)));
    const std::string& scope = tape.scope_name(node.scope);
    CHECK(contains(tip, scope.empty() ? "outside every scope" : "in scope '" + scope + "'"));
    CHECK(contains(tip, "shape " + shape_str(node.out->shape)));
    CHECK(contains(tip, "value: "));
    CHECK(contains(tip, "grad: "));
    CHECK(contains(tip, info->formula));
    if (node.out->requires_grad && node.out->value.size() > 1) {
      CHECK(contains(tip, "grad: norm "));
      CHECK(contains(tip, ", min "));
      CHECK(contains(tip, ", max "));
      CHECK(contains(tip, ", mean "));
    }
    ops_seen.insert(node.op);
  }
  CHECK(ops_seen.count("sigmoid") == 1);
  CHECK(ops_seen.count("tanh") == 1);
}

TEST_CASE("a sigmoid's tooltip counts its saturated units with the engine's local derivative",
          "[viz][tooltip]") {
  Tape tape;
  Tensor x = tensor({0.0, 20.0, -30.0, 1.0}, {4}).requires_grad_();
  Tensor y = sigmoid(x);
  Tensor loss = sum(y);
  tape.backward(loss);
  const std::string tip = viz::detail::node_tooltip(tape, y.impl().node, viz::Options{});
  INFO(tip);
  // σ' = r (1 - r): 0.25 at 0, about 2e-9 at 20, about 9e-14 at -30, 0.197 at 1.
  CHECK(contains(tip, "d result / d self: norm "));
  CHECK(contains(tip, "max 0.25"));
  CHECK(contains(tip, "below 0.001 (saturated): 2 of 4"));
}

TEST_CASE("a scalar edge's tooltip gives the gradient that flowed back along it",
          "[viz][tooltip]") {
  Tape tape;
  Tensor loss = ex::micrograd_neuron();
  tape.backward(loss, {.record_edge_grads = true});
  Parsed p(viz::to_dot(tape));
  int scalar_edges = 0;
  for (Agnode_t* n = agfstnode(p.graph()); n != nullptr; n = agnxtnode(p.graph(), n)) {
    for (Agedge_t* e = agfstout(p.graph(), n); e != nullptr; e = agnxtout(p.graph(), e)) {
      const std::string tip = agget(e, const_cast<char*>("tooltip"));
      const std::string label = agget(e, const_cast<char*>("label"));
      if (label.empty()) continue;  // from a constant, or no local derivative
      INFO(tip);
      CHECK(contains(tip, "gradient that flowed back: "));
      ++scalar_edges;
    }
  }
  CHECK(scalar_edges > 5);
}

TEST_CASE("the SVG carries the tooltips (what a browser shows on hover)", "[viz][tooltip]") {
  Tape tape;
  Tensor loss = ex::micrograd_neuron();
  tape.backward(loss, {.record_edge_grads = true});
  std::string svg = viz::render_data(tape, viz::Format::svg);
  CHECK(contains(svg, "xlink:title=\"#"));
  // Graphviz writes '-' as &#45; and newlines as &#10; (the browser shows them as such).
  for (size_t at; (at = svg.find("&#45;")) != std::string::npos;) svg.replace(at, 5, "-");
  CHECK(contains(svg, op_info("tanh")->formula));
  CHECK(contains(svg, "gradient that flowed back: "));
}

TEST_CASE("a folded box's tooltip lists its ops with the engine's rules", "[viz][tooltip]") {
  Tape tape;
  Tensor loss = ex::lstm(3, 2);
  tape.backward(loss, {.record_edge_grads = true});
  Parsed p(viz::to_dot(tape, {.view = viz::View::folded}));
  const std::string tip = p.attr("g1", "tooltip");
  INFO(tip);
  CHECK(contains(tip, "scope 'lstm/t=1'"));
  CHECK(contains(tip, "x sigmoid: " + std::string(op_info("sigmoid")->formula)));
  CHECK(contains(tip, "x matmul: " + std::string(op_info("matmul")->formula)));
}

TEST_CASE("tooltips off: no hover text on any box, edge or cluster, in every view",
          "[viz][tooltip]") {
  Tape tape;
  Tensor loss = ex::lstm(3, 2);  // scopes: clusters in both views
  tape.backward(loss, {.record_edge_grads = true});
  viz::Options off;
  off.tooltips = false;
  for (viz::View view : {viz::View::full, viz::View::folded}) {
    viz::Options on;
    on.view = view;
    off.view = view;
    INFO("view " << static_cast<int>(view));
    // (The same picture otherwise: only the hover text goes.)
    // (In the DOT a cluster may still say tooltip="": empty, which Graphviz does not draw.)
    auto tooltips_in = [](const std::string& dot) {
      size_t n = 0;
      for (size_t at = dot.find("tooltip="); at != std::string::npos;
           at = dot.find("tooltip=", at + 1)) {
        n += dot.compare(at, 10, "tooltip=\"\"") == 0 ? 0 : 1;
      }
      return n;
    };
    CHECK(tooltips_in(viz::to_dot(tape, on)) > 5);
    CHECK(tooltips_in(viz::to_dot(tape, off)) == 0);
    CHECK(contains(viz::render_data(tape, viz::Format::svg, on), "xlink:title="));
    const std::string svg = viz::render_data(tape, viz::Format::svg, off);
    CHECK_FALSE(contains(svg, "xlink:title="));
    CHECK(contains(svg, "lstm"));  // the boxes are still drawn and named
  }
  const auto flow = viz::gradient_flow(tape, 2);
  CHECK(contains(viz::render_flow_data(flow, viz::Format::svg), "xlink:title="));
  CHECK_FALSE(contains(viz::render_flow_data(flow, viz::Format::svg, off), "xlink:title="));
}
