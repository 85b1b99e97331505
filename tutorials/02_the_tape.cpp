// 02_the_tape — what backward() actually does, one node at a time.
//
// Three things to see: (1) the tape grows by one node per op, in creation order; (2) backward is
// one loop over that list in reverse, each node adding grad * local derivative into its inputs;
// (3) because it is a loop and not a recursion, a chain of a million ops is no problem. (micrograd,
// whose ops this engine mirrors, orders its graph with a recursive function before its reverse
// loop: part 4 says where that stops.)
#include <autograd/autograd.hpp>
#include <fmt/format.h>
#include <viz/viz.hpp>

#include <cmath>
#include <ctime>

#include "common/tutorial.hpp"

int main(int argc, char** argv) {
  tut::Tutorial t("02_the_tape", "Tutorial 02: the tape and the reverse loop",
                  "A tape is a flat list of every operation in the order it ran. Because an op's "
                  "inputs always exist before the op runs, that order is already a topological "
                  "order of the graph: walking it backwards visits every node after all the nodes "
                  "that used it. So backward() needs no graph search and no recursion.");
  int64_t chain = 1000000;
  t.cli.add_option("--chain", chain, "Number of ops in the long chain")->capture_default_str();
  CLI11_PARSE(t.cli, argc, argv);
  if (t.quick) chain = std::min<int64_t>(chain, 100000);
  t.begin();

  // ---------------------------------------------------------------------------------------------
  t.section("1. Recording");
  ag::Tape tape;
  ag::Tensor a = ag::scalar(0.5, true).set_name("a");
  ag::Tensor x = ag::scalar(-2.0, true).set_name("x");
  fmt::print("  a = 0.5, x = -2: nothing recorded yet, tape has {} nodes\n", tape.size());
  ag::Tensor y = a * x;
  fmt::print("  y = a * x        tape has {} nodes (a and x appear when first used, then mul)\n",
             tape.size());
  ag::Tensor z = y + a;
  fmt::print("  z = y + a        tape has {} nodes (a is already there: no new leaf)\n",
             tape.size());
  ag::Tensor L = z.tanh();
  fmt::print("  L = tanh(z)      tape has {} nodes\n\n", tape.size());

  // ---------------------------------------------------------------------------------------------
  t.section("2. The reverse loop, step by step");
  t.paragraph(
      "backward() sets dL/dL = 1 on the last node, then for i = last, ..., 0 runs node i's rule: "
      "for each input k, grad[input k] += grad[i] * d node_i / d input_k. Below is every step of "
      "that loop, with the local derivative the rule used.");
  L.backward(/*retain_graph=*/true);
  std::string steps;
  for (size_t i = tape.size(); i-- > 0;) {
    const ag::Node& node = tape.node(i);
    const double g = node.out->grad.empty() ? 0.0 : node.out->grad[0];
    if (node.backward == nullptr) {
      steps += fmt::format("  node {} {:<5} {:<3} is a leaf: its gradient is final, {:.4f}\n", i,
                           node.op, tape.tensor(i).name(), g);
      continue;
    }
    const auto local = tape.local_derivatives(i);
    const auto inputs = tape.inputs_of(i);
    steps += fmt::format("  node {} {:<5} grad = {:.4f}\n", i, node.op, g);
    for (size_t k = 0; k < inputs.size(); ++k) {
      steps += fmt::format("           -> node {} += {:.4f} * {:.4f} = {:+.4f}\n", inputs[k], g,
                           local[k][0], g * local[k][0]);
    }
  }
  t.table("reverse_loop", steps);
  fmt::print("\n");
  const std::string picture = t.out_path("reverse_loop.svg");
  ag::viz::render(tape, picture, {.title = "L = tanh(a * x + a)"});
  t.paragraph(
      fmt::format("The same five nodes as a graph, each edge labelled with its local "
                  "derivative: {}",
                  picture));
  const double expect_a = (1 - std::pow(std::tanh(z.item()), 2)) * (x.item() + 1.0);
  t.paragraph(fmt::format(
      "a was used twice (in a*x and in y+a), so it received two contributions, and they add up: "
      "dL/da = (1 - tanh(z)^2) (x + 1) = {:.4f}; the tape gave {:.4f}.",
      expect_a, a.grad().item()));
  t.claim("A leaf used twice receives the sum of both contributions (dL/da = (1-tanh^2 z)(x+1))",
          fmt::format("tape {:.12f} vs formula {:.12f}", a.grad().item(), expect_a),
          std::abs(a.grad().item() - expect_a) < 1e-12);

  // ---------------------------------------------------------------------------------------------
  t.section("3. Accumulation: b = a + a, c = b + b");
  {
    ag::Tape small;
    ag::Tensor a = ag::scalar(1.5, true);
    ag::Tensor b = a + a;
    ag::Tensor c = b + b;
    c.backward();
    t.paragraph(
        "Each use of a value is its own path to the output, and the chain rule sums over paths. "
        "That is why every backward rule adds (+=) into its inputs' gradients instead of setting "
        "them: here a feeds b twice and b feeds c twice, so dc/da = 2 * 2 = 4.");
    small.print();
    fmt::print("\n");
    t.claim("Gradients accumulate over uses: b = a + a, c = b + b gives dc/da = 4",
            fmt::format("dc/da = {}", a.grad().item()), a.grad().item() == 4.0);
  }

  // ---------------------------------------------------------------------------------------------
  t.section(fmt::format("4. A chain of {} ops", chain));
  t.paragraph(
      "micrograd's Value.backward() needs an order first: it builds one with build_topo, a "
      "recursive depth-first search that calls itself once per node along the longest path from "
      "the output to an input. Python stops a recursion at sys.getrecursionlimit() frames, 1000 "
      "by default, so on a chain of about a thousand ops build_topo raises RecursionError, before "
      "a single gradient is computed. (micrograd's loop over the sorted list, "
      "`for v in reversed(topo)`, is flat, like ours: it is the sort that recurses.) The tape "
      "needs no sort, since creation order already is one. Here is x <- x * 1.0000001 + 0, "
      "repeated, forward and backward.");
  {
    double start = tut::cpu_seconds();
    ag::Tape long_tape;
    ag::Tensor x0 = ag::scalar(1.0, true);
    ag::Tensor h = x0;
    for (int64_t i = 0; i < chain / 2; ++i) h = h * 1.0000001 + 0.0;  // two ops per step
    const double forward_s = tut::cpu_seconds() - start;
    start = tut::cpu_seconds();
    h.backward();
    const double backward_s = tut::cpu_seconds() - start;
    const double expected = std::pow(1.0000001, static_cast<double>(chain / 2));
    const double rel = std::abs(x0.grad().item() - expected) / expected;
    t.value("chain_ops", static_cast<double>(chain), "{:.0f}");
    t.value("chain_steps", static_cast<double>(chain / 2), "{:.0f}");
    t.value("chain_nodes", static_cast<double>(long_tape.size()), "{:.0f}");
    t.table("chain", fmt::format("  nodes on the tape: {} ({} ops and their constants)\n"
                                 "  d x_last / d x0 = {:.9f}, and 1.0000001^{} = {:.9f}\n",
                                 long_tape.size(), chain, x0.grad().item(), chain / 2, expected));
    // Timings: printed and shown on the page, never compared (they depend on the machine's load).
    fmt::print("  forward {} s, backward {} s of CPU time\n\n",
               t.value("forward_s", forward_s, "{:.3f}", tut::Kind::timing),
               t.value("backward_s", backward_s, "{:.3f}", tut::Kind::timing));
    t.claim(fmt::format("backward walks a {}-op chain with one loop and gets d x_n/d x_0 = "
                        "1.0000001^n, n = {} steps of two ops each",
                        chain, chain / 2),
            fmt::format("relative error {:.1e} (allowed 1e-9)", rel), rel < 1e-9);
  }
  return t.finish();
}
