// 03_tensors_and_broadcasting — the same engine on tensors: matmul, broadcasting, gradcheck.
//
// Nothing new is added for tensors: the tape, the reverse loop and the `+=` are the ones from
// tutorials 01 and 02. What is new is *shape*: a bias of shape [3] added to a batch of shape
// [4, 3] is used once per row, and its gradient must add up those uses.
#include <autograd/autograd.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <viz/viz.hpp>

#include <cmath>

#include "common/tutorial.hpp"

namespace {
void show(const char* name, const ag::Tensor& t) {
  fmt::print("  {:<10} {:<8} [{:.4f}]\n", name, ag::shape_str(t.shape()), fmt::join(t.data(), ", "));
}
}  // namespace

int main(int argc, char** argv) {
  tut::Tutorial t("03_tensors_and_broadcasting", "Tutorial 03: tensors, broadcasting and gradcheck",
                  "A linear layer computes y = x @ W + b for a whole batch at once: x is [batch, in], "
                  "W is [in, out], and the bias b, of shape [out], is added to every row. That "
                  "'added to every row' is broadcasting, and it has a consequence for the gradient.");
  CLI11_PARSE(t.cli, argc, argv);
  t.begin();
  ag::Generator gen(t.seed);

  t.section("1. A batch through a linear layer");
  ag::Tensor x = ag::normal({4, 2}, 0.0, 1.0, gen).set_name("x");
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
  tape.print();
  const std::string picture = t.out_path("linear_layer.svg");
  ag::viz::render(tape, picture, {.title = "mean((x @ W + b - target)^2)"});
  fmt::print("\n  the graph, with tensor norms |data| and |grad| in each box: {}\n", picture);

  t.section("2. The gradient of a broadcast input sums over the stretched axis");
  t.paragraph(
      "b[j] was used in all 4 rows, so dL/db[j] collects 4 contributions: it is the gradient "
      "arriving at y, summed over the batch axis. The engine does not special-case this: the "
      "backward rule of add walks the same index map as the forward pass and adds (+=) into "
      "b[j] each time it meets it.");
  show("dL/dy", y.grad());
  ag::Tensor column_sums = ag::sum(y.grad(), 0);
  show("sum rows", column_sums);
  show("dL/db", b.grad());
  double diff = 0.0;
  for (int64_t j = 0; j < 3; ++j) diff = std::max(diff, std::abs(column_sums.data()[j] - b.grad().data()[j]));
  fmt::print("\n");
  t.claim("The gradient of a bias broadcast over a batch is the batch-sum of the output gradient",
          fmt::format("max |dL/db - sum_rows dL/dy| = {:.1e}", diff), diff < 1e-15);

  t.section("3. matmul: d x = grad @ W^T, d W = x^T @ grad");
  ag::Tensor by_formula = ag::matmul(ag::transpose(x), y.grad());
  double wdiff = 0.0;
  for (int64_t i = 0; i < W.numel(); ++i)
    wdiff = std::max(wdiff, std::abs(by_formula.data()[i] - W.grad().data()[i]));
  show("dL/dW", W.grad());
  show("x^T @ dL/dy", by_formula);
  fmt::print("\n");
  t.claim("matmul's gradient for W is x^T @ (gradient at the output)",
          fmt::format("max difference {:.1e}", wdiff), wdiff < 1e-14);

  t.section("4. gradcheck: trust, but verify");
  t.paragraph(
      "ag::gradcheck nudges each input element by +-eps, reruns the function, and compares "
      "(f(x+eps) - f(x-eps)) / 2eps with what backward() said. First on the layer above, then on "
      "a function with a planted bug: x * detach(x), whose true derivative is 2x but whose "
      "backward only sees the first x and reports x.");
  auto layer = [&](const std::vector<ag::Tensor>& in) {
    return ag::mean(ag::pow(ag::matmul(in[0], in[1]) + in[2] - target, 2.0));
  };
  ag::Tensor xs = ag::normal({4, 2}, 0.0, 1.0, gen, true);
  auto good = ag::gradcheck(layer, {xs, W, b});
  fmt::print("  linear layer:   {}\n", good.message);
  auto broken = [](const std::vector<ag::Tensor>& in) { return in[0] * in[0].detach(); };
  auto bad = ag::gradcheck(broken, {ag::normal({3}, 0.0, 1.0, gen, true)});
  fmt::print("  x * detach(x):  {}\n\n", bad.message);
  t.claim("gradcheck passes the linear layer and catches the planted bug",
          fmt::format("layer: {}, planted bug: {} (analytic {:.4f} vs numeric {:.4f})",
                      good.ok ? "passed" : "failed", bad.ok ? "passed" : "failed", bad.analytic,
                      bad.numeric),
          good.ok && !bad.ok);
  return t.finish();
}
