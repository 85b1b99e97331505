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

#include <cmath>
#include <cstdlib>
#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/autograd.hpp"

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
