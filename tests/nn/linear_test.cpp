// tests for nn/src/linear.cpp: against torch.nn.Linear, any leading axes, errors.
#include <catch2/catch.hpp>

#include <nn/nn.hpp>

#include "fixtures.hpp"

using namespace ag;
using namespace ag::nn;

TEST_CASE("Linear matches torch.nn.Linear: output and every gradient", "[linear]") {
  const auto& fx = fixtures::nn().at("linear");
  for (const char* key : {"2d", "3d"}) {
    const auto& c = fx.at(key);
    INFO("input " << key);
    Generator gen(0);
    Linear lin(4, 3, gen);
    fixtures::load_params(lin, {{"weight", fx.at("weight")}, {"bias", fx.at("bias")}});
    Tensor x = fixtures::tensor(c.at("x"), true);
    Tape tape;
    Tensor out = lin(x);
    fixtures::check_values("out", out, c.at("out"));
    sum(out * fixtures::tensor(c.at("w"))).backward();
    fixtures::check_grad("x", x, c.at("grad_x"));
    fixtures::check_grad("weight", lin.weight, c.at("grad_weight"));
    fixtures::check_grad("bias", lin.bias, c.at("grad_bias"));
  }
}

TEST_CASE("Linear takes a single vector and returns one", "[linear]") {
  Generator gen(0);
  Linear lin(3, 2, gen);
  Tensor v({1.0, -2.0, 0.5}, {3});
  Tensor y = lin(v);
  CHECK(y.shape() == Shape{2});
  Tensor y2 = lin(reshape(v, {1, 3}));
  CHECK(y.to_vector() == y2.to_vector());
}

// What Linear did before matmul took every rank: inputs of rank 1 and of rank 4 and up flattened
// to rows [N, in] by hand, and the result shaped back.
Tensor linear_by_rows(const Linear& lin, const Tensor& x) {
  Tensor y = matmul(reshape(x, {-1, lin.in_features()}), transpose(lin.weight)) + lin.bias;
  Shape shape = x.shape();
  shape.back() = lin.out_features();
  return reshape(y, shape);
}

TEST_CASE("Linear on inputs of any rank gives, bit for bit, what rows [N, in] give", "[linear]") {
  for (const Shape& shape :
       {Shape{5}, Shape{2, 5}, Shape{3, 2, 5}, Shape{2, 3, 4, 5}, Shape{2, 1, 3, 2, 5}}) {
    INFO("input " << shape_str(shape));
    Generator gen(11);
    Linear lin(5, 3, gen);
    Tensor x = ag::normal(shape, 0.0, 1.0, gen, true);
    Shape out_shape = shape;
    out_shape.back() = 3;
    const Tensor weights = ag::normal(out_shape, 0.0, 1.0, gen);  // of the loss: every output

    // The gradients of sum(y * weights) through one path or the other.
    auto run = [&](auto&& path) {
      x.zero_grad();
      lin.zero_grad();
      Tape tape;
      Tensor y = path(x);
      sum(y * weights).backward();
      return std::vector<std::vector<double>>{y.to_vector(), x.grad().to_vector(),
                                              lin.weight.grad().to_vector(),
                                              lin.bias.grad().to_vector()};
    };
    const auto ours = run([&](const Tensor& in) { return lin(in); });
    const auto rows = run([&](const Tensor& in) { return linear_by_rows(lin, in); });
    CHECK(lin(x.detach()).shape() == out_shape);
    CHECK(ours == rows);  // output, d x, d weight, d bias: the same doubles
  }
}

TEST_CASE("Linear is PyTorch's default init: uniform within 1/sqrt(in_features)", "[linear]") {
  Generator gen(7);
  Linear lin(16, 8, gen);
  for (const Tensor& p : lin.parameters())
    for (double v : p.data()) CHECK(std::abs(v) <= 0.25);
  Generator gen2(7);
  Linear same(16, 8, gen2);
  CHECK(same.weight.to_vector() == lin.weight.to_vector());
}

TEST_CASE("Linear without bias has one parameter", "[linear]") {
  Generator gen(0);
  Linear lin(3, 2, false, gen);
  CHECK(lin.parameters().size() == 1);
  CHECK_FALSE(lin.bias.defined());
  CHECK(lin(ag::zeros({4, 3})).to_vector() == std::vector<double>(8, 0.0));
}

TEST_CASE("Linear rejects a wrong input width, naming the module and the shapes", "[linear]") {
  Generator gen(0);
  Linear lin(4, 2, gen);
  CHECK_THROWS_WITH(lin(ag::zeros({5, 3})),
                    "Linear 'linear': input has width 3, expected 4 (input shape [5, 3])");
  CHECK_THROWS_AS(lin(ag::zeros({5, 3})), ShapeError);
  CHECK_THROWS_AS(lin(Tensor(1.0)), ShapeError);
  CHECK_THROWS_AS(Linear(-1, 2, gen), ValueError);
  CHECK_THROWS_WITH(Linear(3, -2, gen),
                    "Linear: negative size (in_features = 3, out_features = -2)");
}

TEST_CASE("gradcheck of Linear", "[linear]") {
  Generator gen(3);
  Linear lin(3, 2, gen);
  Tensor x = ag::normal({4, 3}, 0.0, 1.0, gen, true);
  auto r = gradcheck([&](const std::vector<Tensor>& in) { return lin(in[0]); },
                     {x, lin.weight, lin.bias});
  INFO(r.message);
  CHECK(r.ok);
}
