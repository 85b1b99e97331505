// 01_scalar_autodiff — one neuron, by hand and by the tape.
//
// The smallest thing that shows reverse-mode autodiff: a neuron o = tanh(x1*w1 + x2*w2 + b),
// written with scalars exactly as in micrograd. We print every value and gradient, print the
// tape the engine recorded, and check each gradient against the derivative worked out with the
// chain rule by hand.
#include <autograd/autograd.hpp>
#include <fmt/format.h>
#include <viz/viz.hpp>

#include <cmath>

#include "common/tutorial.hpp"

int main(int argc, char** argv) {
  tut::Tutorial t(
      "01_scalar_autodiff", "Tutorial 01: scalar autodiff, one neuron",
      "A neuron takes inputs x1, x2, weighs them with w1, w2, adds a bias b and squashes "
      "the sum with tanh. Every operation below is recorded on a tape. backward() then "
      "walks that tape once, from the end to the start, and leaves in every number the "
      "derivative of the output with respect to it.");
  CLI11_PARSE(t.cli, argc, argv);
  t.begin();

  ag::Tape tape;
  // The numbers of Karpathy's micrograd lecture: b is chosen so that n = 0.8814, tanh(n) = 0.7071.
  ag::Tensor x1 = ag::scalar(2.0, true).set_name("x1");
  ag::Tensor x2 = ag::scalar(0.0, true).set_name("x2");
  ag::Tensor w1 = ag::scalar(-3.0, true).set_name("w1");
  ag::Tensor w2 = ag::scalar(1.0, true).set_name("w2");
  ag::Tensor b = ag::scalar(6.8813735870195432, true).set_name("b");
  // One op per line, so the tape lists them in reading order (C++ does not promise to evaluate
  // the two sides of `x1 * w1 + x2 * w2` left to right).
  ag::Tensor x1w1 = x1 * w1;
  ag::Tensor x2w2 = x2 * w2;
  ag::Tensor n = x1w1 + x2w2 + b;
  ag::Tensor o = n.tanh();
  const std::string before = t.out_path("neuron_before_backward.svg");
  ag::viz::render(tape, before, {.title = "before backward(): values only"});
  tape.backward(o, {.record_edge_grads = true});  // o.backward(), also noting each edge's gradient

  t.section("Values and gradients");
  // (Tables the docs page shows are printed through t.table, which also records them in
  // results.json: the page is filled from there, never typed in.)
  std::string values = fmt::format("  {:<4} {:>10} {:>12}\n", "", "value", "d o / d .");
  for (const auto& [name, v] :
       {std::pair{"x1", x1}, {"w1", w1}, {"x2", x2}, {"w2", w2}, {"b", b}}) {
    values += fmt::format("  {:<4} {:>10.4f} {:>12.4f}\n", name, v.item(), v.grad().item());
  }
  values += fmt::format("  {:<4} {:>10.4f}\n  {:<4} {:>10.4f}\n", "n", n.item(), "o", o.item());
  t.table("values", values);
  fmt::print("\n");

  t.section("The tape");
  t.paragraph(
      "Each row is one node, in the order the ops ran: leaves (the inputs) appear when first "
      "used; 'inputs' are the rows a node was computed from. backward() visits the rows from the "
      "last to the first and, at each, adds grad * (local derivative) into the rows it names.");
  t.table("tape", tape.to_string());

  t.section("The picture");
  const std::string after = t.out_path("neuron.svg");
  ag::viz::render(tape, after, {.title = "o = tanh(x1 w1 + x2 w2 + b)"});
  // tanh' = 1 - tanh(n)^2, from the output o = tanh(n) (0.5 for these inputs, as Karpathy's
  // lecture chose them); x1's gradient is what backward left in it.
  const double tanh_grad = 1.0 - o.item() * o.item();
  t.paragraph(fmt::format(
      "{} shows the same tape as a graph, micrograd-style: each box is 'data | grad', and each "
      "edge is labelled with the local derivative d out / d in that backward multiplied by. "
      "Follow x1: grad(o) = 1, times tanh' = {}, times 1 (two adds), times w1 = {} gives "
      "{}. The colour is log10 |grad|; w2, whose gradient is exactly 0 (x2 = 0), is drawn "
      "dashed grey. ({} is the tape before backward: no gradients yet.)",
      after, t.value("tanh_grad", tanh_grad, "{:.4g}"), t.value("w1", w1.item(), "{:g}"),
      t.value("x1_grad", x1.grad().item(), "{:.4g}"), before));

  t.section("Checking against the chain rule");
  t.paragraph(
      "By hand: d o/d n = 1 - tanh(n)^2. Then n = x1*w1 + x2*w2 + b gives d n/d w1 = x1, "
      "d n/d x1 = w1, d n/d w2 = x2, d n/d x2 = w2, d n/d b = 1. Multiply along the path.");
  const double dn = 1.0 - std::tanh(n.item()) * std::tanh(n.item());
  struct Check {
    const char* name;
    ag::Tensor v;
    double by_hand;
  };
  double worst = 0.0;
  std::string checks;
  for (const Check& c :
       {Check{"x1", x1, dn * w1.item()}, Check{"w1", w1, dn * x1.item()},
        Check{"x2", x2, dn * w2.item()}, Check{"w2", w2, dn * x2.item()}, Check{"b", b, dn}}) {
    const double diff = std::abs(c.v.grad().item() - c.by_hand);
    worst = std::max(worst, diff);
    checks += fmt::format("  d o/d {:<3} tape {:>9.6f}   by hand {:>9.6f}   |difference| {:.1e}\n",
                          c.name, c.v.grad().item(), c.by_hand, diff);
  }
  t.table("checks", checks);

  t.claim("Walking the tape backwards gives the chain-rule derivatives of the neuron",
          fmt::format("largest |tape - by hand| over the 5 inputs = {:.1e} (allowed 1e-12)", worst),
          worst <= 1e-12);
  return t.finish();
}
