// grader.cpp — the checks that grade the exercises (docs/exercises.md).
//
//   exercise_grader N     runs exercise N's checks: prints "exercise N (...): PASS", or FAIL with
//                         the first check that failed as the hint; exits 0 on PASS, 1 on FAIL
//   exercise_grader all   every exercise in turn (CTest runs this on the real source, where every
//                         marked region holds its answer: each must PASS)
//
// Exercise N is graded in a build where exercises 1..N-1 hold their answers from the source and
// N+1.. hold their stubs (tools/exercises/exercises.py). So a check of N may use any op whose
// backward is not an exercise, or is an exercise before N, and nothing else. That fixes what the
// first ones can use: until exercise 3 (mul) is written, gradcheck itself cannot run (it weighs
// the output with mul), so exercises 1 and 2 compare with gradients worked out by hand.
//
// The checks are the engine's own: gradcheck (central differences) on random inputs, and values
// that follow from the chain rule. A wrong answer fails with the check's message, e.g. gradcheck's
// worst element, which is the hint printed to the learner.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/autograd.hpp"
#include "nn/nn.hpp"

namespace {

using ag::Shape;
using ag::Tensor;

// A check returns "" when it holds, and otherwise what went wrong, for the learner to read.
using Check = std::function<std::string()>;

struct Exercise {
  int number;
  const char* what;
  Check check;
};

// Whether t's gradient is `expected`, element by element (to 1e-12: these are sums of a few
// exact numbers); otherwise which element differs.
std::string expect_grad(const char* name, const Tensor& t, const std::vector<double>& expected) {
  const auto g = t.grad_data();
  if (g.size() != expected.size()) {
    return fmt::format("{}'s gradient has {} numbers, expected {}", name, g.size(),
                       expected.size());
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    if (std::abs(g[i] - expected[i]) > 1e-12) {
      return fmt::format("{}'s gradient, element {}: {} where the chain rule gives {}", name, i,
                         g[i], expected[i]);
    }
  }
  return "";
}

// gradcheck of f at random inputs of the given shapes, uniform in [lo, hi).
std::string gradcheck_at(const char* what,
                         const std::function<Tensor(const std::vector<Tensor>&)>& f,
                         const std::vector<Shape>& shapes, double lo, double hi,
                         uint64_t seed = 1) {
  ag::Generator gen(seed);
  std::vector<Tensor> inputs;
  for (const Shape& s : shapes) inputs.push_back(ag::uniform(s, lo, hi, gen, true));
  const ag::GradcheckResult r = ag::gradcheck(f, inputs);
  return r.ok ? "" : fmt::format("{}: {}", what, r.message);
}

// The first failing check of a list, or "".
std::string first_failure(const std::vector<Check>& checks) {
  for (const Check& c : checks) {
    std::string failure = c();
    if (!failure.empty()) return failure;
  }
  return "";
}

// A unary op's local derivative, checked on inputs in [lo, hi) of two shapes.
Check unary(const char* what, Tensor (*op)(const Tensor&), double lo, double hi) {
  return [=] {
    return gradcheck_at(
        what, [op](const std::vector<Tensor>& x) { return op(x[0]); }, {{2, 3}, {5}}, lo, hi);
  };
}

// A binary op's two local derivatives, same shapes and broadcast, on inputs in [lo, hi).
Check binary(const char* what, Tensor (*op)(const Tensor&, const Tensor&), double lo, double hi) {
  return [=] {
    const auto f = [op](const std::vector<Tensor>& x) { return op(x[0], x[1]); };
    return first_failure({[&] {
                            return gradcheck_at(what, f, {{2, 3}, {2, 3}}, lo, hi);
                          },
                          [&] {
                            return gradcheck_at(what, f, {{4, 1, 3}, {2, 3}}, lo, hi, 2);
                          }});
  };
}

// ----- PyTorch's numbers: tests/reference/nn.json (tests/reference/fixtures_nn.py) --------------
using nlohmann::json;

const json& fixtures() {
  static const json data = [] {
    std::ifstream in(TAPEGRAD_SOURCE_DIR "/tests/reference/nn.json");
    if (!in) throw std::runtime_error("cannot open tests/reference/nn.json");
    return json::parse(in);
  }();
  return data;
}

Tensor fixture_tensor(const json& j, bool requires_grad = false) {
  return Tensor(j.at("values").get<std::vector<double>>(), j.at("shape").get<Shape>(),
                requires_grad);
}

// Whether numbers (of the given shape) are the fixture's, to tol; otherwise the worst element.
std::string expect_fixture(const std::string& what, std::span<const double> actual,
                           const Shape& shape, const json& expected, double tol = 1e-10) {
  if (shape != expected.at("shape").get<Shape>()) {
    return fmt::format("{}: shape {}, PyTorch's is {}", what, ag::shape_str(shape),
                       expected.at("shape").dump());
  }
  const auto values = expected.at("values").get<std::vector<double>>();
  size_t worst = 0;
  double worst_diff = -1.0;
  for (size_t i = 0; i < values.size(); ++i) {
    const double d = std::abs(actual[i] - values[i]);
    if (std::isnan(d) || d > worst_diff) {
      worst = i;
      worst_diff = std::isnan(d) ? INFINITY : d;
    }
  }
  if (worst_diff <= tol) return "";
  return fmt::format("{}: element {} is {}, PyTorch gives {} (|difference| {:.3g})", what, worst,
                     actual[worst], values[worst], worst_diff);
}

// The LSTM of tests/nn/lstm_test.cpp (2 layers, T = 7, batch 3) with PyTorch's weights: its
// output, final state and every gradient against torch.nn.LSTM's.
std::string lstm_against_pytorch() {
  const json& c = fixtures().at("lstm");
  ag::Generator gen(0);
  ag::nn::LSTM lstm(4, 5, gen, {.num_layers = 2});
  for (auto& p : lstm.named_parameters()) {
    const Tensor value = fixture_tensor(c.at("params").at(p.name.substr(lstm.path().size() + 1)));
    std::copy(value.data().begin(), value.data().end(), p.tensor.mutable_data().begin());
  }
  Tensor x = fixture_tensor(c.at("x"), true);
  Tensor h0 = fixture_tensor(c.at("h0"), true);
  Tensor c0 = fixture_tensor(c.at("c0"), true);
  ag::Tape tape;
  const auto out = lstm.forward(x, {h0, c0});
  std::string failure = first_failure(
      {[&] {
         return expect_fixture("output", out.output.data(), out.output.shape(), c.at("output"));
       },
       [&] { return expect_fixture("h", out.state.h.data(), out.state.h.shape(), c.at("h")); },
       [&] { return expect_fixture("c", out.state.c.data(), out.state.c.shape(), c.at("c")); }});
  if (!failure.empty()) return failure;
  Tensor loss = ag::sum(out.output * fixture_tensor(c.at("w_output"))) +
                ag::sum(out.state.h * fixture_tensor(c.at("w_h"))) +
                ag::sum(out.state.c * fixture_tensor(c.at("w_c")));
  loss.backward();
  failure = first_failure(
      {[&] { return expect_fixture("d x", x.grad_data(), x.shape(), c.at("grad_x")); },
       [&] { return expect_fixture("d h0", h0.grad_data(), h0.shape(), c.at("grad_h0")); },
       [&] { return expect_fixture("d c0", c0.grad_data(), c0.shape(), c.at("grad_c0")); }});
  return failure;
}

// Three steps of an optimizer on optim_test.cpp's problem, sum((tanh(x p) q - t)^2), each step's
// parameters against torch.optim's.
template <class Optimizer, class Options>
std::string optimizer_against_pytorch(const char* name, Options options) {
  const json& problem = fixtures().at("optim").at("problem");
  const json& steps = fixtures().at("optim").at(name).at("steps");
  const Tensor x = fixture_tensor(problem.at("x"));
  const Tensor t = fixture_tensor(problem.at("t"));
  Tensor p = fixture_tensor(problem.at("p0"), true);
  Tensor q = fixture_tensor(problem.at("q0"), true);
  Optimizer opt({p, q}, options);
  for (size_t k = 0; k < steps.size(); ++k) {
    opt.zero_grad();
    {
      ag::Tape tape;
      Tensor r = ag::tanh(ag::matmul(x, p)) * q - t;
      ag::sum(r * r).backward();
    }
    opt.step();
    const std::string what = fmt::format("{}, after step {}: ", name, k + 1);
    std::string failure = first_failure(
        {[&] { return expect_fixture(what + "p", p.data(), p.shape(), steps[k].at("p")); },
         [&] { return expect_fixture(what + "q", q.data(), q.shape(), steps[k].at("q")); }});
    if (!failure.empty()) return failure;
  }
  return "";
}

// The standard deviation of kaiming_normal's numbers for a [fan_out, fan_in] weight, against He's
// sqrt(2 / (1 + a^2)) / sqrt(fan_in), within 2% (120,000 samples: the estimate's own spread is
// about 0.2%).
std::string he_std(int64_t fan_out, int64_t fan_in, double a) {
  ag::Generator gen(7);
  const Tensor w = ag::nn::init::kaiming_normal(ag::zeros({fan_out, fan_in}), gen, a);
  double sum = 0.0, sum_sq = 0.0;
  for (double v : w.data()) {
    sum += v;
    sum_sq += v * v;
  }
  const double n = static_cast<double>(w.numel());
  const double std = std::sqrt(sum_sq / n - (sum / n) * (sum / n));
  const double expected = std::sqrt(2.0 / (1.0 + a * a)) / std::sqrt(static_cast<double>(fan_in));
  if (std::abs(std - expected) <= 0.02 * expected) return "";
  return fmt::format(
      "kaiming_normal([{}, {}], a = {}): the numbers' standard deviation is {:.4g}, He's "
      "sqrt(2 / (1 + a^2) / fan_in) is {:.4g}",
      fan_out, fan_in, a, std, expected);
}

std::vector<Exercise> exercises() {
  using namespace ag;
  return {
      {1, "the reverse loop",
       [] {
         // sum(stack(a, a, a)): a is used three times, and the root (sum) must run first.
         Tape tape;
         Tensor a = tensor({1.5, -2.0}, {2}, true);
         sum(stack({a, a, a})).backward();
         std::string failure = expect_grad("a in sum(stack({a, a, a}))", a, {3.0, 3.0});
         if (!failure.empty()) return failure;
         // A chain: d/dx sqrt(|-x|) = sign(x) / (2 sqrt(|x|)), each link one node.
         Tape tape2;
         Tensor x = tensor({4.0, -9.0}, {2}, true);
         sum(sqrt(abs(neg(x)))).backward();
         return expect_grad("x in sum(sqrt(abs(neg(x))))", x, {1.0 / 4.0, -1.0 / 6.0});
       }},
      {2, "broadcast strides",
       [] {
         // First a bias row [3] on [2, 3], each bias read twice (this also catches strides that
         // are not aligned from the right before they can read past the end of b below).
         {
           Tape tape;
           Tensor x = tensor({1, 2, 3, 4, 5, 6}, {2, 3}, true);
           Tensor bias = tensor({10, 20, 30}, {3}, true);
           Tensor z = sub(x, bias);
           const std::vector<double> expected{-9, -18, -27, -6, -15, -24};
           for (size_t i = 0; i < expected.size(); ++i) {
             if (z.data()[i] != expected[i]) {
               return fmt::format("x [2, 3] - bias [3]: element {} is {}, expected {}", i,
                                  z.data()[i], expected[i]);
             }
           }
           sum(z).backward();
           std::string failure = expect_grad("bias [3] in sum(x [2, 3] - bias)", bias,
                                             {-2.0, -2.0, -2.0});
           if (!failure.empty()) return failure;
         }
         // a [4, 1, 3] + b [2, 3] -> [4, 2, 3]: each a element is read by the 2 rows of b, each
         // b element by the 4 blocks of a.
         Tape tape;
         Tensor a = ones({4, 1, 3}, true);
         Tensor b = ones({2, 3}, true);
         Tensor y = add(a, b);
         if (y.shape() != Shape{4, 2, 3}) return std::string("a [4, 1, 3] + b [2, 3]: wrong shape");
         sum(y).backward();
         std::string failure = expect_grad("a [4, 1, 3] in sum(a + b [2, 3])", a,
                                           std::vector<double>(12, 2.0));
         if (failure.empty()) {
           failure = expect_grad("b [2, 3] in sum(a [4, 1, 3] + b)", b,
                                 std::vector<double>(6, 4.0));
         }
         return failure;
       }},
      {3, "mul's local derivatives",
       [] {
         Tape tape;
         Tensor a = tensor({2.0, -3.0}, {2}, true);
         Tensor b = tensor({5.0, 7.0}, {2}, true);
         sum(mul(a, b)).backward();
         std::string failure = expect_grad("a in sum(a * b)", a, {5.0, 7.0});
         if (failure.empty()) failure = expect_grad("b in sum(a * b)", b, {2.0, -3.0});
         return failure.empty() ? binary("mul", mul, -2.0, 2.0)() : failure;
       }},
      {4, "div's local derivatives", binary("div", div, 0.5, 2.0)},
      {5, "pow's local derivatives", binary("pow", pow, 0.5, 2.0)},
      {6, "exp's local derivative", unary("exp", exp, -2.0, 2.0)},
      {7, "log's local derivative", unary("log", log, 0.2, 3.0)},
      {8, "tanh's local derivative", unary("tanh", tanh, -2.0, 2.0)},
      {9, "sigmoid's local derivative", unary("sigmoid", sigmoid, -3.0, 3.0)},
      {10, "relu's local derivative",
       [] {
         // Away from the kink at 0, where central differences straddle it: both sides.
         return first_failure({unary("relu", relu, 0.1, 2.0), unary("relu", relu, -2.0, -0.1)});
       }},
      {11, "leaky_relu's local derivative",
       [] {
         const auto f = [](const std::vector<Tensor>& x) { return leaky_relu(x[0], 0.2); };
         return first_failure({[&] {
                                 return gradcheck_at("leaky_relu", f, {{2, 3}}, 0.1, 2.0);
                               },
                               [&] {
                                 return gradcheck_at("leaky_relu", f, {{2, 3}}, -2.0, -0.1);
                               }});
       }},
      {12, "matmul's backward",
       [] {
         const auto product = [](const std::vector<Tensor>& x) { return matmul(x[0], x[1]); };
         // x used by two products: its gradient is the sum of both (dgemm's beta = 1: +=).
         const auto twice = [](const std::vector<Tensor>& x) {
           return add(matmul(x[0], x[1]), matmul(x[0], x[2]));
         };
         const auto with_bias = [](const std::vector<Tensor>& x) {
           return addmm(x[0], x[1], x[2]);
         };
         return first_failure(
             {[&] {
                return gradcheck_at("matmul [2, 3] @ [3, 4]", product, {{2, 3}, {3, 4}}, -1, 1);
              },
              [&] {
                return gradcheck_at("matmul [2, 2, 3] @ [2, 3, 4]", product, {{2, 2, 3}, {2, 3, 4}},
                                    -1, 1);
              },
              [&] {
                return gradcheck_at("x @ w1 + x @ w2", twice, {{2, 3}, {3, 4}, {3, 4}}, -1, 1);
              },
              [&] {
                return gradcheck_at("addmm(b [4], x [2, 3], w [3, 4])", with_bias,
                                    {{4}, {2, 3}, {3, 4}}, -1, 1);
              }});
       }},
      {13, "softmax's and log_softmax's backward",
       [] {
         const auto soft = [](const std::vector<Tensor>& x) { return softmax(x[0], 1); };
         const auto log_soft = [](const std::vector<Tensor>& x) { return log_softmax(x[0], 0); };
         const auto middle = [](const std::vector<Tensor>& x) { return softmax(x[0], 1); };
         return first_failure(
             {[&] {
                return gradcheck_at("softmax(x [3, 4], axis 1)", soft, {{3, 4}}, -2, 2);
              },
              [&] {
                return gradcheck_at("log_softmax(x [3, 4], axis 0)", log_soft, {{3, 4}}, -2, 2);
              },
              [&] {
                return gradcheck_at("softmax(x [2, 3, 2], axis 1)", middle, {{2, 3, 2}}, -2, 2);
              }});
       }},
      {14, "the LSTM cell step", lstm_against_pytorch},
      {15, "SGD with momentum",
       [] {
         const json& m = fixtures().at("optim").at("sgd_momentum");
         const json& n = fixtures().at("optim").at("sgd_nesterov");
         return first_failure(
             {[&] {
                return optimizer_against_pytorch<ag::nn::SGD>(
                    "sgd_momentum", ag::nn::SGDOptions{.lr = m.at("lr"),
                                                       .momentum = m.at("momentum"),
                                                       .weight_decay = m.at("weight_decay")});
              },
              [&] {
                return optimizer_against_pytorch<ag::nn::SGD>(
                    "sgd_nesterov", ag::nn::SGDOptions{.lr = n.at("lr"),
                                                       .momentum = n.at("momentum"),
                                                       .nesterov = true});
              }});
       }},
      {16, "Adam's step",
       [] {
         const json& c = fixtures().at("optim").at("adam");
         return optimizer_against_pytorch<ag::nn::Adam>(
             "adam", ag::nn::AdamOptions{.lr = c.at("lr"), .weight_decay = c.at("weight_decay")});
       }},
      {17, "He initialisation's variance",
       [] {
         return first_failure(
             {[] { return he_std(400, 300, 0.0); }, [] { return he_std(300, 400, 0.2); }});
       }},
  };
}

// Runs one exercise's checks; a stub's "not written yet" (or any error) is a FAIL with its text.
bool grade(const Exercise& e) {
  std::string failure;
  try {
    failure = e.check();
  } catch (const std::exception& error) {
    failure = error.what();
  }
  if (failure.empty()) {
    fmt::print("exercise {} ({}): PASS\n", e.number, e.what);
  } else {
    fmt::print("exercise {} ({}): FAIL\n  hint: {}\n", e.number, e.what, failure);
  }
  return failure.empty();
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<Exercise> all = exercises();
  const std::string_view which = argc == 2 ? argv[1] : "";
  bool passed = true;
  bool found = false;
  for (const Exercise& e : all) {
    if (which == "all" || which == std::to_string(e.number)) {
      found = true;
      passed = grade(e) && passed;
    }
  }
  if (!found) {
    fmt::print(stderr, "usage: exercise_grader N | all   (N from 1 to {})\n", all.size());
    return 2;
  }
  return passed ? EXIT_SUCCESS : EXIT_FAILURE;
}
