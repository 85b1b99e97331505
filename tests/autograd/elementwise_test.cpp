// tests for autograd/src/elementwise.cpp: broadcasting, gradient accumulation, PyTorch's
// conventions at kinks, numerically extreme inputs, and the errors.
//
// Values and gradients of every op against PyTorch are in fixtures_test.cpp, and against central
// differences in gradcheck_test.cpp. This file pins down the properties those do not show by
// themselves: what broadcasting does to a gradient, that gradients add up, and what happens at
// the points where a derivative is not defined.
#include <catch2/catch.hpp>

#include <autograd/autograd.hpp>

#include <cmath>
#include <vector>

using namespace ag;

namespace {
std::vector<double> grad_of(const Tensor& t) {
  return {t.grad_data().begin(), t.grad_data().end()};
}
}  // namespace

TEST_CASE("broadcasting stretches axes of size 1 and missing axes", "[elementwise][ops]") {
  Tensor a = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = tensor({10, 20, 30}, {3});
  Tensor c = add(a, b);  // [2,3] + [3]: b is added to each row
  CHECK(shape_str(c.shape()) == "[2, 3]");
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) CHECK(c.at({i, j}) == a.at({i, j}) + b.at({j}));

  Tensor col = tensor({1, 2}, {2, 1});
  Tensor row = tensor({3, 4, 5}, {1, 3});
  Tensor outer = mul(col, row);  // [2,1] * [1,3] -> [2,3], an outer product
  CHECK(shape_str(outer.shape()) == "[2, 3]");
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) CHECK(outer.at({i, j}) == col.at({i, 0}) * row.at({0, j}));

  Tensor big = zeros({4, 1, 3});
  CHECK(shape_str(sub(big, a).shape()) == "[4, 2, 3]");
  CHECK(shape_str((2.0 * a).shape()) == "[2, 3]");
  CHECK(shape_str(div(Tensor(1.0), Tensor(4.0)).shape()) == "[]");
}

TEST_CASE("the gradient of a broadcast input sums over its stretched axes", "[elementwise][ops]") {
  Tape tape;
  Tensor a = ones({4, 1, 3}, true);
  Tensor b = ones({2, 3}, true);
  Tensor s = scalar(2.0, true);
  sum(mul(add(a, b), s)).backward();
  // Each element of a is used by the 2 rows of b, each of b by the 4 blocks of a, each time * s.
  for (double g : a.grad_data()) CHECK(g == 2 * s.item());
  for (double g : b.grad_data()) CHECK(g == 4 * s.item());
  // s multiplies all 24 elements of a + b (each equal to 2)
  CHECK(s.grad().item() == 24 * 2.0);
  CHECK(shape_str(a.grad().shape()) == "[4, 1, 3]");
  CHECK(shape_str(s.grad().shape()) == "[]");
}

TEST_CASE("a value used twice gets both contributions", "[elementwise][ops]") {
  Tape tape;
  Tensor a = tensor({1.5, -2.0}, {2}, true);
  Tensor b = a + a;
  Tensor c = b + b;
  sum(c).backward();
  CHECK(grad_of(a) == std::vector<double>{4.0, 4.0});

  Tape tape2;
  Tensor x = tensor({3.0, -0.5}, {2}, true);
  sum(mul(x, x)).backward();  // d x^2 = 2x, half from each side of the product
  CHECK(grad_of(x) == std::vector<double>{2 * 3.0, 2 * -0.5});
}

TEST_CASE("PyTorch's conventions where a derivative is not defined", "[elementwise][ops]") {
  Tape tape;
  SECTION("maximum and minimum split the gradient on a tie") {
    Tensor a = tensor({1.0, 2.0, 3.0}, {3}, true);
    Tensor b = tensor({1.0, 5.0, 0.0}, {3}, true);
    sum(maximum(a, b)).backward();
    CHECK(grad_of(a) == std::vector<double>{0.5, 0.0, 1.0});
    CHECK(grad_of(b) == std::vector<double>{0.5, 1.0, 0.0});
    a.zero_grad();
    b.zero_grad();
    Tape t2;
    sum(minimum(a, b)).backward();
    CHECK(grad_of(a) == std::vector<double>{0.5, 1.0, 0.0});
    CHECK(grad_of(b) == std::vector<double>{0.5, 0.0, 1.0});
  }
  SECTION("relu and abs have derivative 0 at 0, leaky_relu the slope") {
    Tensor x = tensor({0.0}, {1}, true);
    sum(relu(x) + abs(x) + leaky_relu(x, 0.25)).backward();
    CHECK(grad_of(x) == std::vector<double>{0.25});
  }
  SECTION("clamp passes the gradient at its bounds, inclusive") {
    Tensor x = tensor({-2.0, -1.0, 0.0, 1.0, 2.0}, {5}, true);
    sum(clamp(x, -1.0, 1.0)).backward();
    CHECK(grad_of(x) == std::vector<double>{0, 1, 1, 1, 0});
  }
  SECTION("pow: d exponent is 0 where the base is 0, not 0 * log 0 = NaN") {
    Tensor base = tensor({0.0, 0.0}, {2}, true);
    Tensor e = tensor({2.0, 0.0}, {2}, true);
    sum(pow(base, e)).backward();
    for (double g : e.grad_data()) CHECK(g == 0.0);
    for (double g : base.grad_data()) CHECK(g == 0.0);  // 2 * 0^1, and 0 for exponent 0
  }
  SECTION("pow with exponent 0 has derivative 0 everywhere") {
    Tensor x = tensor({0.0, -3.0, 2.0}, {3}, true);
    sum(pow(x, 0.0)).backward();
    CHECK(grad_of(x) == std::vector<double>{0, 0, 0});
  }
}

TEST_CASE("NaN comes out of relu, maximum, minimum and clamp as NaN, as in PyTorch",
          "[elementwise][ops]") {
  const double nan = std::nan("");
  Tape tape;
  // relu(NaN) used to be 0: the NaN vanished. Now it is NaN, and grad passes (PyTorch: 1).
  Tensor x = tensor({nan, 0.0, -2.0, 3.0}, {4}, true);
  Tensor r = relu(x);
  CHECK(std::isnan(r.data()[0]));
  CHECK(r.data()[1] == 0.0);
  CHECK(r.data()[2] == 0.0);
  CHECK(r.data()[3] == 3.0);
  sum(r).backward();
  CHECK(grad_of(x) == std::vector<double>{1, 0, 0, 1});

  // maximum(NaN, 0) used to be 0. PyTorch: NaN either side gives NaN, and grad to both inputs.
  Tape t2;
  Tensor a = tensor({nan, 1.0, 2.0}, {3}, true);
  Tensor b = tensor({0.0, nan, 2.0}, {3}, true);
  Tensor m = maximum(a, b);
  CHECK(std::isnan(m.data()[0]));
  CHECK(std::isnan(m.data()[1]));
  CHECK(m.data()[2] == 2.0);
  sum(m).backward();
  CHECK(grad_of(a) == std::vector<double>{1, 1, 0.5});
  CHECK(grad_of(b) == std::vector<double>{1, 1, 0.5});
  a.zero_grad();
  b.zero_grad();
  Tape t3;
  Tensor n = minimum(a, b);
  CHECK(std::isnan(n.data()[0]));
  CHECK(std::isnan(n.data()[1]));
  sum(n).backward();
  CHECK(grad_of(a) == std::vector<double>{1, 1, 0.5});
  CHECK(grad_of(b) == std::vector<double>{1, 1, 0.5});

  // clamp of a NaN is NaN, with no gradient (PyTorch's clamp: grad only where lo <= self <= hi).
  Tape t4;
  Tensor c = tensor({nan, 5.0}, {2}, true);
  Tensor cc = clamp(c, -1.0, 1.0);
  CHECK(std::isnan(cc.data()[0]));
  sum(cc).backward();
  CHECK(grad_of(c) == std::vector<double>{0, 0});
}

TEST_CASE("clamp and hardtanh reject a NaN bound, naming the op and the bound",
          "[elementwise][ops][errors]") {
  const double nan = std::nan("");
  const Tensor x = tensor({0.5, 2.0}, {2});
  // clamp(x, NaN, NaN) used to return x unchanged.
  CHECK_THROWS_AS(clamp(x, nan, nan), ValueError);
  CHECK_THROWS_WITH(clamp(x, nan, 1.0),
                    Catch::Contains("clamp") && Catch::Contains("lower bound is NaN"));
  CHECK_THROWS_WITH(clamp(x, 0.0, nan),
                    Catch::Contains("clamp") && Catch::Contains("upper bound is NaN"));
  CHECK_THROWS_WITH(hardtanh(x, nan, 1.0),
                    Catch::Contains("hardtanh") && Catch::Contains("lower bound is NaN"));
  CHECK_THROWS_AS(hardtanh(x, 1.0, -1.0), ValueError);
  // Infinite bounds are fine: "no bound on that side".
  CHECK(clamp(x, -INFINITY, 1.0).to_vector() == std::vector<double>{0.5, 1.0});
}

TEST_CASE("hardtanh: clamp's numbers, PyTorch's activation gradient (0 at the bounds)",
          "[elementwise][ops]") {
  const double nan = std::nan("");
  Tape tape;
  Tensor x = tensor({-2.0, -1.0, 0.0, 1.0, 2.0, nan}, {6}, true);
  Tensor y = hardtanh(x, -1.0, 1.0);
  const auto v = y.to_vector();
  CHECK(std::vector<double>(v.begin(), v.end() - 1) == std::vector<double>{-1, -1, 0, 1, 1});
  CHECK(std::isnan(v.back()));
  sum(y).backward();
  // PyTorch's hardtanh_backward: 0 where self <= lo or self >= hi, so a NaN passes grad.
  CHECK(grad_of(x) == std::vector<double>{0, 0, 1, 0, 0, 1});
}

TEST_CASE("sigmoid is finite and exact far from 0", "[elementwise][ops]") {
  Tape tape;
  Tensor x = tensor({-800.0, -710.0, 710.0, 800.0}, {4}, true);
  Tensor y = sigmoid(x);
  for (double v : y.data()) CHECK(std::isfinite(v));
  CHECK(y.at({0}) == 0.0);  // e^-800 is below the smallest double
  CHECK(y.at({1}) >= 0.0);
  CHECK(y.at({1}) < 1e-300);
  CHECK(y.at({2}) == 1.0);
  CHECK(y.at({3}) == 1.0);
  sum(y).backward();
  for (double g : x.grad_data()) {
    CHECK(std::isfinite(g));
    CHECK(g >= 0.0);
    CHECK(g < 1e-300);
  }
  // and symmetric: sigmoid(-x) = 1 - sigmoid(x) where both are representable
  Tensor z = tensor({-30.0, -5.0, 0.0, 5.0, 30.0}, {5});
  Tensor sz = sigmoid(z), smz = sigmoid(neg(z));
  for (int64_t i = 0; i < 5; ++i) CHECK(sz.at({i}) + smz.at({i}) == Approx(1.0).epsilon(1e-15));
}

// PyTorch computes x^2 as x * x: exact, where std::pow(x, 2.0) rounds the other way for about 1
// number in 1,000, and differently on CPUs without FMA (autograd/fast/kernels.hpp).
TEST_CASE("pow to the power 2 is x * x and its gradient 2 x exactly as in PyTorch",
          "[elementwise][ops]") {
  std::vector<double> xs;
  size_t pow_differs = 0;     // how many of them std::pow would get wrong
  volatile double two = 2.0;  // (a constant 2.0 lets the compiler turn std::pow into x * x)
  for (int i = 1; i <= 20000; ++i) {
    const double x = std::fmod(i * 0.6180339887498949, 1.0) * 100.0 - 50.0;
    xs.push_back(x);
    pow_differs += std::pow(x, two) != x * x ? 1 : 0;
  }
  INFO(pow_differs << " of the " << xs.size() << " squares differ from std::pow's");
  CHECK(pow_differs > 0);  // (else this test would show nothing)
  Tape tape;
  Tensor x = tensor(xs, {static_cast<int64_t>(xs.size())}, true);
  Tensor y = pow(x, 2.0);
  sum(y).backward();
  for (size_t i = 0; i < xs.size(); ++i) {
    CHECK(y.data()[i] == xs[i] * xs[i]);
    CHECK(x.grad_data()[i] == 2.0 * xs[i]);
  }
  CHECK(pow(x, 1.0).to_vector() == xs);
}

TEST_CASE("tanh saturates without NaN", "[elementwise][ops]") {
  Tape tape;
  Tensor x = tensor({-1000.0, 1000.0}, {2}, true);
  Tensor y = tanh(x);
  CHECK(y.at({0}) == -1.0);
  CHECK(y.at({1}) == 1.0);
  sum(y).backward();
  CHECK(grad_of(x) == std::vector<double>{0.0, 0.0});
}

TEST_CASE("ops without a tape compute values and record nothing", "[elementwise][ops]") {
  Tensor a = tensor({1, 2}, {2}, true);
  Tensor b = exp(a);
  CHECK(b.tape_id() == 0);
  CHECK(b.at({1}) == std::exp(2.0));
  Tape tape;
  {
    NoGradGuard no_grad;
    Tensor c = tanh(a);
    CHECK(c.tape_id() == 0);
    CHECK_FALSE(c.requires_grad());
  }
  Tensor d = tanh(a);
  CHECK(d.tape_id() == tape.id());
  CHECK(d.requires_grad());
  CHECK(tape.node(d.node_index()).op == std::string("tanh"));
}

TEST_CASE("binary ops name themselves and both shapes when shapes do not broadcast",
          "[elementwise][ops][errors]") {
  Tensor a = zeros({2, 3});
  Tensor b = zeros({4});
  using Binary = Tensor (*)(const Tensor&, const Tensor&);
  const std::pair<const char*, Binary> ops[] = {
      {"add", add}, {"sub", sub},         {"mul", mul},         {"div", div},
      {"pow", pow}, {"maximum", maximum}, {"minimum", minimum},
  };
  for (const auto& [name, op] : ops) {
    INFO(name);
    CHECK_THROWS_AS(op(a, b), ShapeError);
    CHECK_THROWS_WITH(op(a, b),
                      Catch::Contains(name) && Catch::Contains("[2, 3]") && Catch::Contains("[4]"));
  }
  CHECK_THROWS_WITH(add(zeros({4, 1, 3}), zeros({2, 2})),
                    Catch::Contains("[4, 1, 3]") && Catch::Contains("[2, 2]"));
  // operators go through the named op
  CHECK_THROWS_WITH(a * b, Catch::StartsWith("mul"));
}

TEST_CASE("elementwise ops reject an empty handle and a bad clamp range",
          "[elementwise][ops][errors]") {
  Tensor none;
  CHECK_THROWS_AS(exp(none), Error);
  CHECK_THROWS_WITH(add(none, Tensor(1.0)), Catch::Contains("add"));
  CHECK_THROWS_AS(clamp(zeros({2}), 1.0, -1.0), ValueError);
  CHECK_THROWS_WITH(clamp(zeros({2}), 1.0, -1.0),
                    Catch::Contains("clamp") && Catch::Contains("[2]"));
}

TEST_CASE("DetectAnomalyGuard names the op that made a NaN", "[elementwise][ops][errors]") {
  DetectAnomalyGuard guard;
  Tape tape;
  Tensor x = tensor({-1.0}, {1}, true);
  CHECK_THROWS_AS(log(x), AnomalyError);
  CHECK_THROWS_WITH(sqrt(x), Catch::Contains("sqrt"));
}

TEST_CASE("broadcasting checks the size of its result", "[elementwise][errors]") {
  // Each holds nothing, but [2^40, 2^40, 0] has non-zero sizes multiplying to 2^80.
  Tensor a = zeros({1LL << 40, 1, 0}), b = zeros({1, 1LL << 40, 0});
  CHECK_THROWS_WITH(a + b, Catch::Contains("add") && Catch::Contains("more elements"));
}
