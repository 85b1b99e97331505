// tests for autograd/src/tape.cpp: recording, the reverse loop, accumulation, scopes, guards.
#include <catch2/catch.hpp>

#include <autograd/autograd.hpp>

using namespace ag;

TEST_CASE("gradients accumulate: b = a + a, c = b + b gives dc/da = 4", "[tape]") {
  Tape tape;
  Tensor a = scalar(3.0, true);
  Tensor b = a + a;
  Tensor c = b + b;
  c.backward();
  CHECK(a.grad().item() == 4.0);
}

TEST_CASE("micrograd's example", "[tape]") {
  Tape tape;
  Tensor a = scalar(-4.0, true), b = scalar(2.0, true);
  Tensor c = a + b;
  Tensor d = a * b + b.pow(3);
  c = c + c + 1;
  c = c + 1 + c + (-a);
  d = d + d * 2 + (b + a).relu();
  d = d + 3 * d + (b - a).relu();
  Tensor e = c - d;
  Tensor f = e.pow(2);
  Tensor g = f / 2.0;
  g = g + 10.0 / f;
  g.backward();
  CHECK(g.item() == Approx(24.70408163265306).epsilon(1e-12));
  CHECK(a.grad().item() == Approx(138.83381924198252).epsilon(1e-12));
  CHECK(b.grad().item() == Approx(645.5772594752186).epsilon(1e-12));
}
