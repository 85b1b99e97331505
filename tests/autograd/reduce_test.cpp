// tests for autograd/src/reduce.cpp: sum, mean, max and argmax, of all elements and along axes
// (0-d tensors included), their member forms, their shapes, where the gradient goes (ties and
// NaN as PyTorch), and the errors.
#include <catch2/catch.hpp>

#include <autograd/autograd.hpp>

#include <cmath>
#include <string>

#include <vector>

using namespace ag;

namespace {
// x[i, j, k] = 100 i + 10 j + k: every element distinct, so max has no ties
Tensor numbered(bool requires_grad = false) {
  std::vector<double> v;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) v.push_back(100 * i + 10 * j + k);
  return tensor(v, {2, 3, 4}, requires_grad);
}
}  // namespace

TEST_CASE("sum and mean along an axis, with and without keepdim", "[reduce][ops]") {
  Tensor x = numbered();
  CHECK(shape_str(sum(x).shape()) == "[]");
  CHECK(shape_str(sum(x, 1).shape()) == "[2, 4]");
  CHECK(shape_str(sum(x, 1, true).shape()) == "[2, 1, 4]");
  CHECK(shape_str(mean(x, -1).shape()) == "[2, 3]");
  CHECK(shape_str(mean(x, 0, true).shape()) == "[1, 3, 4]");

  double total = 0;
  for (double v : x.data()) total += v;
  CHECK(sum(x).item() == total);
  CHECK(mean(x).item() == Approx(total / 24).epsilon(1e-15));

  Tensor s1 = sum(x, 1);
  Tensor m1 = mean(x, 1);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t k = 0; k < 4; ++k) {
      double expect = 0;
      for (int64_t j = 0; j < 3; ++j) expect += x.at({i, j, k});
      CHECK(s1.at({i, k}) == expect);
      CHECK(m1.at({i, k}) == Approx(expect / 3).epsilon(1e-15));
    }
}

TEST_CASE("sum and mean send grad (or grad / n) to every reduced element", "[reduce][ops]") {
  Tape tape;
  Tensor x = numbered(true);
  Tensor w = tensor({1, 2, 3, 4, 5, 6, 7, 8}, {2, 4});
  sum(mul(sum(x, 1), w)).backward();
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 4; ++k) CHECK(x.grad().at({i, j, k}) == w.at({i, k}));

  Tape tape2;
  Tensor y = numbered(true);
  sum(mean(y, 2, true)).backward();
  for (double g : y.grad_data()) CHECK(g == Approx(0.25).epsilon(1e-15));
}

TEST_CASE("max takes the largest value and sends grad only to it", "[reduce][ops]") {
  Tape tape;
  Tensor x = tensor({3, -1, 7, 2, 9, 4}, {2, 3}, true);
  Tensor m = max(x, 1);
  CHECK(shape_str(m.shape()) == "[2]");
  CHECK(m.at({0}) == 7);
  CHECK(m.at({1}) == 9);
  CHECK(argmax(x, 1) == std::vector<int64_t>{2, 1});
  CHECK(argmax(x, 0) == std::vector<int64_t>{0, 1, 0});
  CHECK(shape_str(max(x, 0, true).shape()) == "[1, 3]");
  sum(m * tensor({10, 20}, {2})).backward();
  CHECK(x.grad().to_vector() == std::vector<double>{0, 0, 10, 0, 20, 0});
}

TEST_CASE("max on a tie sends grad to the first maximum, as PyTorch's CPU max(dim)",
          "[reduce][ops]") {
  Tape tape;
  Tensor x = tensor({5, 1, 5}, {3}, true);
  sum(max(x, 0)).backward();
  CHECK(x.grad().to_vector() == std::vector<double>{1, 0, 0});
  CHECK(argmax(x, 0) == std::vector<int64_t>{0});
}

TEST_CASE("max and argmax return the first NaN, and max sends it the gradient, as PyTorch",
          "[reduce][ops]") {
  const double nan = std::nan("");
  Tape tape;
  // Row 0: the NaN in the middle used to be skipped (max 3, argmax 2); row 1: a NaN at the end.
  Tensor x = tensor({1, nan, 3, 1, 5, nan}, {2, 3}, true);
  Tensor m = max(x, 1);
  CHECK(std::isnan(m.data()[0]));
  CHECK(std::isnan(m.data()[1]));
  CHECK(argmax(x, 1) == std::vector<int64_t>{1, 2});
  sum(m).backward();
  CHECK(x.grad().to_vector() == std::vector<double>{0, 1, 0, 0, 0, 1});
  // Two NaNs: the first one; a NaN in front stays the answer.
  CHECK(argmax(tensor({2, nan, nan}, {3}), 0) == std::vector<int64_t>{1});
  CHECK(argmax(tensor({nan, 9, 1}, {3}), 0) == std::vector<int64_t>{0});
}

TEST_CASE("max of all elements, and argmax of all as a flat index", "[reduce][ops]") {
  Tape tape;
  Tensor x = tensor({3, -1, 7, 2, 9, 4}, {2, 3}, true);
  Tensor m = max(x);
  CHECK(shape_str(m.shape()) == "[]");
  CHECK(m.item() == 9);
  CHECK(argmax(x) == 4);
  (m * 5.0).backward();
  CHECK(x.grad().to_vector() == std::vector<double>{0, 0, 0, 0, 5, 0});
  CHECK(max(scalar(-2.5)).item() == -2.5);  // a 0-d tensor is its own max
  CHECK(argmax(scalar(-2.5)) == 0);
}

// torch 1.13: x = torch.tensor([1., 5., 5., 2., 5.], requires_grad=True); x.max().backward()
// gives x.grad = [0, 1/3, 1/3, 0, 1/3] (derivatives.yaml: max(Tensor self) is
// evenly_distribute_backward), while x.max(0) gives [0, 1, 0, 0, 0] and argmax() is 1.
TEST_CASE("max of all shares grad evenly among tied maxima, as PyTorch's max()", "[reduce][ops]") {
  Tape tape;
  Tensor x = tensor({1, 5, 5, 2, 5}, {5}, true);
  max(x).backward();
  const double third = 1.0 / 3.0;
  CHECK(x.grad().to_vector() == std::vector<double>{0, third, third, 0, third});
  CHECK(argmax(x) == 1);
}

// torch 1.13: torch.tensor([1., nan, 3., nan]).max() is nan, its gradient [0, 0.5, 0, 0.5], and
// argmax() is 1: the NaNs are the maximum and share the gradient as ties do.
TEST_CASE("max of all with NaNs is NaN and the NaNs share the gradient, as PyTorch",
          "[reduce][ops]") {
  const double nan = std::nan("");
  Tape tape;
  Tensor x = tensor({1, nan, 3, nan}, {4}, true);
  Tensor m = max(x);
  CHECK(std::isnan(m.item()));
  CHECK(argmax(x) == 1);
  m.backward();
  CHECK(x.grad().to_vector() == std::vector<double>{0, 0.5, 0, 0.5});
}

// torch 1.13: s = torch.tensor(3.); s.sum(0), s.sum(-1, keepdim=True), s.mean(0), s.max(0) are
// all tensor(3.) (0-d), s.argmax(0) is 0, and s.sum(1) is "Dimension out of range (expected to
// be in range of [-1, 0], but got 1)".
TEST_CASE("a 0-d tensor reduces along axis 0 or -1 to itself, as in PyTorch", "[reduce][ops]") {
  Tape tape;
  Tensor s = scalar(3.0, true);
  for (const Tensor& r :
       {sum(s, 0), sum(s, -1, true), mean(s, 0), mean(s, -1, true), max(s, 0), max(s, -1, true)}) {
    CHECK(shape_str(r.shape()) == "[]");
    CHECK(r.item() == 3.0);
  }
  CHECK(argmax(s, 0) == std::vector<int64_t>{0});
  CHECK(argmax(s, -1) == std::vector<int64_t>{0});
  (sum(s, 0) + 2.0 * mean(s, -1) + 4.0 * max(s, 0, true)).backward();
  CHECK(s.grad().item() == 7.0);
  CHECK_THROWS_AS(sum(s, 1), IndexError);
  CHECK_THROWS_WITH(sum(s, 1), Catch::Contains("sum") && Catch::Contains("axes -1 to 0"));
  CHECK_THROWS_AS(max(s, -2), IndexError);
  CHECK_THROWS_AS(argmax(s, 1), IndexError);
}

TEST_CASE("the member forms are the free functions", "[reduce][ops]") {
  Tape tape;
  Tensor x = numbered(true);
  CHECK(x.sum(1).to_vector() == sum(x, 1).to_vector());
  CHECK(shape_str(x.sum(-1, true).shape()) == "[2, 3, 1]");
  CHECK(x.mean(0).to_vector() == mean(x, 0).to_vector());
  CHECK(shape_str(x.mean(2, true).shape()) == "[2, 3, 1]");
  CHECK(x.max(1).to_vector() == max(x, 1).to_vector());
  CHECK(shape_str(x.max(0, true).shape()) == "[1, 3, 4]");
  CHECK(x.max().item() == 123);
  CHECK(x.argmax() == 23);
  CHECK(x.argmax(2) == argmax(x, 2));
  // recorded as the op itself, not as a wrapper
  CHECK(std::string(tape.node(x.sum(1).node_index()).op) == "sum");
  CHECK(std::string(tape.node(x.max().node_index()).op) == "max");
  x.max(0).sum().backward();
  CHECK(x.grad().sum().item() == 12);  // one 1 per column of the 3 x 4 maxima
}

TEST_CASE("reductions reject bad axes and empty inputs", "[reduce][ops][errors]") {
  Tensor x = zeros({2, 3});
  CHECK_THROWS_AS(sum(x, 2), IndexError);
  CHECK_THROWS_WITH(sum(x, 2), Catch::Contains("sum") && Catch::Contains("axis 2"));
  CHECK_THROWS_WITH(mean(x, -3), Catch::Contains("mean") && Catch::Contains("axis -3"));
  CHECK_THROWS_AS(max(x, 5), IndexError);
  CHECK_THROWS_AS(argmax(x, -3), IndexError);
  CHECK_THROWS_AS(max(zeros({2, 0}), 1), ShapeError);
  CHECK_THROWS_WITH(max(zeros({2, 0}), 1), Catch::Contains("max") && Catch::Contains("[2, 0]"));
  CHECK(std::isnan(mean(zeros({0})).item()));  // torch.empty(0).mean() is nan, not an error
  CHECK(sum(zeros({0, 3})).item() == 0.0);     // an empty sum is 0, as in PyTorch
  // torch: "max(): Expected reduction dim to be specified for input.numel() == 0."
  CHECK_THROWS_AS(max(zeros({2, 0})), ShapeError);
  CHECK_THROWS_WITH(max(zeros({2, 0})), Catch::Contains("max") && Catch::Contains("[2, 0]"));
  CHECK_THROWS_WITH(argmax(zeros({0})), Catch::Contains("argmax") && Catch::Contains("[0]"));
  CHECK_THROWS_WITH(max(Tensor()), Catch::Contains("max"));
}

TEST_CASE("sum over a shape past 2^56 elements is a ShapeError, not a crash", "[reduce][errors]") {
  CHECK_THROWS_AS(sum(zeros({1LL << 62, 4}), 1), ShapeError);  // segfaulted unchecked
}
