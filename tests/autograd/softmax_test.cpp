// tests for autograd/src/softmax.cpp: the defining properties of softmax and log_softmax along
// any axis, stability for large inputs, and the errors.
#include <catch2/catch.hpp>

#include <autograd/autograd.hpp>

#include <cmath>

using namespace ag;

TEST_CASE("softmax is positive and sums to 1 along its axis", "[softmax][ops]") {
  Generator gen(21);
  Tensor x = normal({2, 3, 4}, 0, 3, gen);
  for (int64_t axis : {0, 1, 2, -1}) {
    INFO("axis " << axis);
    Tensor s = softmax(x, axis);
    CHECK(shape_str(s.shape()) == "[2, 3, 4]");
    for (double v : s.data()) CHECK(v > 0.0);
    for (double v : sum(s, axis).to_vector()) CHECK(v == Approx(1.0).epsilon(1e-14));
    // log_softmax is log of softmax. The reference log(s) is only good to an absolute 1e-16 or so:
    // where s is within 1e-4 of 1, rounding s already moves log(s) by ~1e-16 / 1e-4 relative.
    Tensor ls = log_softmax(x, axis);
    Tensor ref = log(s);
    for (int64_t i = 0; i < ls.numel(); ++i)
      CHECK(ls.data()[i] == Approx(ref.data()[i]).epsilon(1e-13).margin(1e-14));
  }
}

TEST_CASE("softmax does not change when a constant is added along the axis", "[softmax][ops]") {
  Generator gen(22);
  Tensor x = normal({3, 4}, 0, 1, gen);
  Tensor a = softmax(x, 1), b = softmax(x + 500.0, 1);
  for (int64_t i = 0; i < a.numel(); ++i) CHECK(b.data()[i] == Approx(a.data()[i]).epsilon(1e-12));
}

TEST_CASE("softmax and log_softmax stay finite for huge inputs", "[softmax][ops]") {
  Tape tape;
  Tensor x = tensor({1000, 1001, 999.5, -1000, -1002, -999}, {2, 3}, true);
  Tensor ls = log_softmax(x, -1);
  Tensor s = softmax(x, -1);
  for (double v : ls.data()) CHECK(std::isfinite(v));
  for (double v : s.data()) CHECK(std::isfinite(v));
  // the largest entry of the first row is 1001: log_softmax = -log(1 + e^-1 + e^-1.5)
  CHECK(ls.at({0, 1}) == Approx(-std::log(1 + std::exp(-1.0) + std::exp(-1.5))).epsilon(1e-14));
  sum(ls * tensor({1, 2, 3, 4, 5, 6}, {2, 3})).backward();
  for (double g : x.grad_data()) CHECK(std::isfinite(g));
}

TEST_CASE("the gradient of a sum over the softmax axis is zero", "[softmax][ops]") {
  // sum_j softmax_j = 1 whatever x is, so d/dx of it vanishes; for log_softmax the gradient of
  // sum_j result_j is 1 - n * softmax_j.
  Generator gen(23);
  Tape tape;
  Tensor x = normal({2, 5}, 0, 1, gen, true);
  sum(softmax(x, 1)).backward();
  for (double g : x.grad_data()) CHECK(std::abs(g) < 1e-15);

  Tape tape2;
  Tensor y = normal({2, 5}, 0, 1, gen, true);
  sum(log_softmax(y, 1)).backward();
  Tensor s = softmax(y, 1);
  for (int64_t i = 0; i < y.numel(); ++i)
    CHECK(y.grad_data()[i] == Approx(1.0 - 5.0 * s.data()[i]).epsilon(1e-13));
}

TEST_CASE("softmax rejects an axis out of range", "[softmax][ops][errors]") {
  CHECK_THROWS_AS(softmax(zeros({2, 3}), 2), IndexError);
  CHECK_THROWS_WITH(softmax(zeros({2, 3}), 2),
                    Catch::Contains("softmax") && Catch::Contains("axis 2"));
  CHECK_THROWS_WITH(log_softmax(zeros({2, 3}), -3), Catch::Contains("log_softmax"));
}
