// tests for autograd/src/print.cpp: std::cout << t and fmt::print("{}", t) (print.hpp).
#include <catch2/catch.hpp>

#include <autograd/autograd.hpp>

#include <sstream>
#include <string>

using namespace ag;

namespace {
std::string streamed(const Tensor& t) {
  std::ostringstream out;
  out << t;
  return out.str();
}
}  // namespace

TEST_CASE("a scalar prints its number, and nothing else when it is a constant", "[print]") {
  CHECK(streamed(Tensor(2.5)) == "tensor(2.5)");
  CHECK(fmt::format("{}", Tensor(-1e-8)) == "tensor(-1e-08)");
  CHECK(streamed(Tensor()) == "tensor(undefined)");
}

TEST_CASE("a matrix prints one row per line, columns aligned, with its shape", "[print]") {
  Tensor t = tensor({1, 2, 3, 40, 5.5, -6}, {2, 3});
  CHECK(streamed(t) ==
        "tensor([[  1,   2,   3],\n"
        "        [ 40, 5.5,  -6]], shape=[2, 3])");
  CHECK(fmt::format("{}", t) == streamed(t));
  CHECK(streamed(tensor({1, 2, 3}, {3})) == "tensor([1, 2, 3], shape=[3])");
}

TEST_CASE("a 3-d tensor leaves a blank line between its matrices, as PyTorch does", "[print]") {
  CHECK(streamed(arange(0, 8).reshape({2, 2, 2})) ==
        "tensor([[[0, 1],\n"
        "         [2, 3]],\n"
        "\n"
        "        [[4, 5],\n"
        "         [6, 7]]], shape=[2, 2, 2])");
}

TEST_CASE("an empty tensor prints [] and its shape", "[print]") {
  CHECK(streamed(zeros({0, 3})) == "tensor([], shape=[0, 3])");
}

TEST_CASE("more than 1000 numbers: the first and last 3 along each axis", "[print]") {
  CHECK(streamed(arange(0, 1001)) ==
        "tensor([   0,    1,    2, ...,  998,  999, 1000], shape=[1001])");
  const std::string big = streamed(arange(0, 1100).reshape({100, 11}));
  CHECK(big ==
        "tensor([[   0,    1,    2, ...,    8,    9,   10],\n"
        "        [  11,   12,   13, ...,   19,   20,   21],\n"
        "        [  22,   23,   24, ...,   30,   31,   32],\n"
        "        ...,\n"
        "        [1067, 1068, 1069, ..., 1075, 1076, 1077],\n"
        "        [1078, 1079, 1080, ..., 1086, 1087, 1088],\n"
        "        [1089, 1090, 1091, ..., 1097, 1098, 1099]], shape=[100, 11])");
  // Exactly 1000 numbers are all shown.
  CHECK(streamed(zeros({1000})).find("...") == std::string::npos);
}

TEST_CASE("a parameter says requires_grad and its name, and an op result names its op", "[print]") {
  Tensor w = tensor({0.5, -1}, {2}, /*requires_grad=*/true);
  w.set_name("fc.weight");
  CHECK(streamed(w) == "tensor([0.5,  -1], shape=[2], name=\"fc.weight\", requires_grad=true)");
  Tape tape;
  Tensor y = (w * 2.0).sum();
  CHECK(streamed(y) == "tensor(-1, grad_fn=<sum>)");
  CHECK(streamed(w * 2.0) == "tensor([ 1, -2], shape=[2], grad_fn=<mul>)");
  // Made from constants only: no gradient flows, nothing to say (PyTorch prints none either).
  CHECK(streamed(Tensor(2.0) * 3.0) == "tensor(6)");
  {
    NoGradGuard no_grad;  // computed here, it is a constant
    CHECK(streamed(w * 2.0) == "tensor([ 1, -2], shape=[2])");
  }
}

TEST_CASE("a result of another tape than the current one says which tape", "[print]") {
  Tensor w = scalar(3.0, true);
  Tape outer;
  Tensor y = w * w;
  {
    Tape inner;  // now the current tape: y's op is not on it
    CHECK(streamed(y) == fmt::format("tensor(9, grad_fn=<on tape #{}>)", outer.id()));
  }
  CHECK(streamed(y) == "tensor(9, grad_fn=<mul>)");
}

TEST_CASE("fmt's width and alignment apply to the whole text", "[print]") {
  CHECK(fmt::format("[{:>12}]", Tensor(1.0)) == "[   tensor(1)]");
}

TEST_CASE("past 64 axes the numbers are not nested but the shape is printed", "[print]") {
  // One bracket per axis, drawn by one call per axis: a rank of 100,000 overflowed the stack.
  CHECK(streamed(ones(Shape(64, 1))) == fmt::format("tensor({}1{}, shape={})", std::string(64, '['),
                                                    std::string(64, ']'), shape_str(Shape(64, 1))));
  const Shape deep(100'000, 1);
  CHECK(streamed(ones(deep)) ==
        fmt::format("tensor(<100000 axes: too many to nest brackets; print t.reshape({{-1}})>, "
                    "shape={})",
                    shape_str(deep)));
  CHECK(streamed(ones(deep).reshape({-1})) == "tensor([1], shape=[1])");
}
