// 03_tensors_and_broadcasting — the same engine on tensors: matmul, broadcasting, gradcheck.
//
// Nothing new is added for tensors: the tape, the reverse loop and the `+=` are the ones from
// tutorials 01 and 02. What is new is *shape*: a bias of shape [3] added to a batch of shape
// [4, 3] is used once per row, and its gradient must add up those uses. Then matmul's two rules,
// each checked against its formula, and ag::gradcheck, the numerical check every op is held to,
// shown catching a backward rule written by hand with a classic mistake in it.
//
// What this tutorial leaves out: seeds. Every claim here is an identity (a sum, a product of
// matrices, a derivative), true for any numbers, so it is judged once on the numbers seed 1 draws.
#include <autograd/autograd.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <viz/viz.hpp>

#include <cmath>

#include "common/tutorial.hpp"

namespace {
// A tensor as text: "  name  [4, 3]" and then one line per row (a vector is one row).
std::string show(const char* name, const ag::Tensor& t) {
  const auto data = t.data();
  const int64_t cols = t.shape().empty() ? 1 : t.shape().back();
  std::string out = fmt::format("  {:<12} {:<7}", name, ag::shape_str(t.shape()));
  for (int64_t start = 0; start < t.numel(); start += cols) {
    out += fmt::format("{}[{:8.4f}]\n", start == 0 ? " " : std::string(23, ' '),
                       fmt::join(data.subspan(start, cols), ", "));
  }
  return out;
}

// ----------------------------------------------------------------------------------------------
// An op written by hand, the way every op in autograd/src is written: a forward that computes the
// result and records a node, and a backward rule that adds grad * (local derivative) into the
// input. This one is sigmoid, s = 1 / (1 + e^-x), whose derivative is ds/dx = s (1 - s).
//
// The rule below has a mistake that is easy to make and hard to see: it writes the derivative
// with the input x where the formula has the result s, x (1 - x) instead of s (1 - s). It
// compiles, it runs, it returns numbers of the right shape. Only a check against the forward
// pass, which is what gradcheck is, shows that the numbers are wrong.
void sigmoid_by_hand_backward(const ag::Tape& tape, const ag::Node& node) {
  double* g = tape.input_grad(node, 0);  // d L/d x, to add into (null: x needs no gradient)
  if (g == nullptr) return;
  const double* x = tape.input(node, 0).value.data();
  const double* grad = node.out->grad.data();  // d L/d s
  for (size_t i = 0; i < node.out->value.size(); ++i) {
    g[i] += grad[i] * x[i] * (1.0 - x[i]);  // the mistake: should be s[i] * (1 - s[i])
  }
}

ag::Tensor sigmoid_by_hand(const ag::Tensor& x) {
  auto result = std::make_shared<ag::TensorImpl>();
  result->shape = x.shape();
  result->value = ag::Buffer(static_cast<size_t>(x.numel()));
  for (int64_t i = 0; i < x.numel(); ++i) result->value[i] = 1.0 / (1.0 + std::exp(-x.data()[i]));
  if (ag::Tape* tape = ag::Tape::current()) {
    const ag::Tensor* inputs[] = {&x};
    tape->record("sigmoid_by_hand", inputs, result, &sigmoid_by_hand_backward);
  }
  return ag::Tensor(result);
}

// One line per gradcheck: where the worst element is, the two derivatives, the verdict.
std::string gradcheck_row(const char* what, const ag::GradcheckResult& r) {
  return fmt::format("  {:<20} {:>5} {:>8} {:>13.8f} {:>13.8f} {:>9.1e}   {}\n", what, r.input,
                     ag::shape_str(r.index), r.analytic, r.numeric, r.abs_error,
                     r.ok ? "passed" : "FAILED");
}
}  // namespace

int main(int argc, char** argv) {
  tut::Tutorial t(
      "03_tensors_and_broadcasting", "Tutorial 03: tensors, broadcasting and gradcheck",
      "A linear layer computes y = x @ W + b for a whole batch at once: x is [batch, in], "
      "W is [in, out], and the bias b, of shape [out], is added to every row. That "
      "'added to every row' is broadcasting, and it has a consequence for the gradient.");
  CLI11_PARSE(t.cli, argc, argv);
  t.begin();
  ag::Generator gen(t.seed);

  t.section("1. A batch through a linear layer");
  // x requires a gradient too, so that part 3 can check both of matmul's rules.
  ag::Tensor x = ag::normal({4, 2}, 0.0, 1.0, gen, true).set_name("x");
  ag::Tensor W = ag::normal({2, 3}, 0.0, 1.0, gen, true).set_name("W");
  ag::Tensor b = ag::zeros({3}, true).set_name("b");
  ag::Tape tape;
  ag::Tensor xW = ag::matmul(x, W);  // [4, 2] @ [2, 3] -> [4, 3]
  ag::Tensor y = xW + b;             // [4, 3] + [3]    -> [4, 3]: b is stretched over 4 rows
  ag::Tensor target = ag::normal({4, 3}, 0.0, 1.0, gen);
  ag::Tensor loss = ag::mean(ag::pow(y - target, 2.0));
  loss.backward();
  fmt::print("  x @ W has shape {}, b has shape {}: the sum has shape {}\n\n",
             ag::shape_str(xW.shape()), ag::shape_str(b.shape()), ag::shape_str(y.shape()));
  t.table("tape", tape.to_string());
  const std::string picture = t.out_path("linear_layer.svg");
  ag::viz::render(tape, picture, {.title = "mean((x @ W + b - target)^2)"});
  fmt::print("\n");
  t.paragraph(
      fmt::format("The graph, with tensor norms |data| and |grad| in each box: {}", picture));

  t.section("2. The gradient of a broadcast input sums over the stretched axis");
  t.paragraph(
      "b[j] was used in all 4 rows, so dL/db[j] collects 4 contributions: it is the gradient "
      "arriving at y, summed over the batch axis. The engine does not special-case this: the "
      "backward rule of add walks the same index map as the forward pass and adds (+=) into "
      "b[j] each time it meets it.");
  ag::Tensor column_sums = ag::sum(y.grad(), 0);
  t.table("bias",
          show("dL/dy", y.grad()) + show("sum of rows", column_sums) + show("dL/db", b.grad()));
  double diff = 0.0;
  const ag::Tensor db = b.grad();  // named: a view (data()) of a temporary would not compile
  for (int64_t j = 0; j < 3; ++j)
    diff = std::max(diff, std::abs(column_sums.data()[j] - db.data()[j]));
  fmt::print("\n");
  t.claim("The gradient of a bias broadcast over a batch is the batch-sum of the output gradient",
          fmt::format("max |dL/db - sum_rows dL/dy| = {:.1e}", diff), diff < 1e-15);

  t.section("3. matmul: d x = grad @ W^T, d W = x^T @ grad");
  t.paragraph(
      "z = x @ W sums x[i, k] W[k, j] over k. Each x[i, k] meets every W[k, j] of row k of W, so "
      "dL/dx[i, k] = sum_j grad[i, j] W[k, j]: the matrix grad @ W^T. Each W[k, j] meets every "
      "x[i, k] of column k of x, so dL/dW = x^T @ grad. Here grad = dL/dy, which is also dL/d(x @ "
      "W), since adding b passes the gradient through unchanged. Both rules, against the "
      "formulas computed with the same engine:");
  auto max_difference = [](const ag::Tensor& p, const ag::Tensor& q) {
    double worst = 0.0;
    for (int64_t i = 0; i < p.numel(); ++i)
      worst = std::max(worst, std::abs(p.data()[i] - q.data()[i]));
    return worst;
  };
  const ag::Tensor dx_formula = ag::matmul(y.grad(), ag::transpose(W.detach()));
  const ag::Tensor dW_formula = ag::matmul(ag::transpose(x.detach()), y.grad());
  const double xdiff = max_difference(dx_formula, x.grad());
  const double wdiff = max_difference(dW_formula, W.grad());
  t.table("matmul", show("dL/dx", x.grad()) + show("grad @ W^T", dx_formula) + "\n" +
                        show("dL/dW", W.grad()) + show("x^T @ grad", dW_formula));
  fmt::print("\n");
  t.claim("matmul's gradients are dL/dx = grad @ W^T and dL/dW = x^T @ grad",
          fmt::format("max difference {:.1e} for x, {:.1e} for W (allowed 1e-14)", xdiff, wdiff),
          xdiff < 1e-14 && wdiff < 1e-14);

  t.section("4. gradcheck: trust, but verify");
  t.paragraph(
      "ag::gradcheck nudges each input element by +-eps, reruns the forward pass, and compares "
      "(f(x+eps) - f(x-eps)) / 2eps with what backward() said (a tensor-valued f is first "
      "summed with fixed random weights, sum(w * f(x)), so one number is differentiated: a "
      "derivative printed below can be negative even where f rises). It knows nothing of the "
      "rules: "
      "it holds every backward against its own forward. First the linear layer above, then the "
      "engine's sigmoid, then sigmoid_by_hand, a sigmoid written in this file the way the engine "
      "writes its ops, with a mistake in its backward rule: x (1 - x) where the derivative is "
      "s (1 - s), s the result.");
  auto layer = [&](const std::vector<ag::Tensor>& in) {
    return ag::mean(ag::pow(ag::matmul(in[0], in[1]) + in[2] - target, 2.0));
  };
  ag::Tensor xs = ag::normal({4, 2}, 0.0, 1.0, gen, true);
  const auto good = ag::gradcheck(layer, {xs, W, b});
  ag::Tensor z = ag::normal({5}, 0.0, 1.0, gen, true);
  const auto engine = ag::gradcheck([](const auto& in) { return ag::sigmoid(in[0]); }, {z});
  const auto bad = ag::gradcheck([](const auto& in) { return sigmoid_by_hand(in[0]); }, {z});
  // x * x.detach(): backward treats the second factor as a constant (d/dx = x), while the nudged
  // values move it too (2x). Not a bug: what detach is for.
  const auto detached = ag::gradcheck([](const auto& in) { return in[0] * in[0].detach(); }, {z});
  // (Compared to two significant digits, not to the last bit: a passing row's |diff| is the
  // rounding error of a finite difference, which a different libm would change.)
  t.table("gradcheck",
          fmt::format("  {:<20} {:>5} {:>8} {:>13} {:>13} {:>9}\n", "worst element of", "input",
                      "at", "backward", "numeric", "|diff|") +
              gradcheck_row("linear layer", good) + gradcheck_row("ag::sigmoid", engine) +
              gradcheck_row("sigmoid_by_hand", bad) + gradcheck_row("x * x.detach()", detached),
          tut::Kind::trained);
  fmt::print("\n");
  t.paragraph(
      "The mistaken rule is not off by a constant factor: it agrees with s (1 - s) only where "
      "x (1 - x) happens to equal it, and elsewhere it is wrong by an amount that depends on x, "
      "even in sign. gradcheck reports the element where it is most wrong. The last row is no "
      "bug: x.detach() makes backward treat its value as a constant, so the backward of "
      "x * x.detach() is x by design, while the values gradcheck nudges move with x in both "
      "factors (2x).");
  t.claim(
      "gradcheck passes the linear layer and the engine's sigmoid, and catches a sigmoid "
      "whose hand-written backward uses x (1 - x) instead of s (1 - s); it also fails "
      "x * x.detach(), whose backward ignores the detached factor by design",
      fmt::format("linear layer {}, ag::sigmoid {}, sigmoid_by_hand {} (backward {:.4f} vs "
                  "numeric {:.4f}), x * x.detach() {}",
                  good.ok ? "passed" : "failed", engine.ok ? "passed" : "failed",
                  bad.ok ? "passed" : "failed", bad.analytic, bad.numeric,
                  detached.ok ? "passed" : "failed"),
      good.ok && engine.ok && !bad.ok && !detached.ok);
  return t.finish();
}
