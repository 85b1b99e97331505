// tests for nn/src/activation.cpp: each activation is its engine op(s), in its scope.
#include <catch2/catch.hpp>

#include <nn/nn.hpp>

#include <limits>

using namespace ag;
using namespace ag::nn;

namespace {
const Tensor kX({-3.5, -1.0, -0.25, 0.4, 2.0, 3.25}, {2, 3});
}

TEST_CASE("ReLU, Sigmoid and Tanh are the engine's ops", "[activation]") {
  CHECK(ReLU()(kX).to_vector() == relu(kX).to_vector());
  CHECK(Sigmoid()(kX).to_vector() == sigmoid(kX).to_vector());
  CHECK(Tanh()(kX).to_vector() == tanh(kX).to_vector());
}

TEST_CASE("LeakyReLU defaults to PyTorch's slope 0.01 and is the engine's leaky_relu",
          "[activation]") {
  LeakyReLU leaky;
  CHECK(leaky.negative_slope() == 0.01);
  CHECK(leaky(kX).to_vector() == leaky_relu(kX, 0.01).to_vector());
  LeakyReLU keras_like(0.3);
  CHECK(keras_like(kX).at({0, 0}) == Approx(-1.05));
  // The same numbers as the branch-free max(x, slope * x) (only the gradient at 0 differs).
  CHECK(keras_like(kX).to_vector() == maximum(kX, kX * 0.3).to_vector());
  // One engine op, in the module's scope.
  Tape tape;
  Tensor x = kX.detach().requires_grad_();
  keras_like(x);
  CHECK(std::string(tape.node(tape.size() - 1).op) == "leaky_relu");
  CHECK(tape.scope_name(tape.node(tape.size() - 1).scope) == "leaky_relu");
  // A slope above 1 (where max(x, slope * x) would pick slope * x for x > 0): still x for x > 0.
  LeakyReLU steep(2.0);
  CHECK(steep(kX).at({1, 1}) == 2.0);
  CHECK(steep(kX).at({0, 0}) == -7.0);
  // A NaN or infinite slope is refused: PyTorch's gives NaN or -inf for every x <= 0.
  CHECK_THROWS_WITH(LeakyReLU(std::numeric_limits<double>::quiet_NaN()),
                    "LeakyReLU: invalid negative_slope = nan (must be a finite number)");
  CHECK_THROWS_WITH(LeakyReLU(-std::numeric_limits<double>::infinity()),
                    "LeakyReLU: invalid negative_slope = -inf (must be a finite number)");
}

TEST_CASE("hard_sigmoid is clamp(x / 6 + 1/2, 0, 1)", "[activation]") {
  const Tensor y = hard_sigmoid(kX);
  CHECK(y.at({0, 0}) == 0.0);
  CHECK(y.at({0, 1}) == Approx(1.0 / 3.0));
  CHECK(y.at({1, 2}) == 1.0);
  CHECK(Hardsigmoid()(kX).to_vector() == y.to_vector());
}

TEST_CASE("activation gradients at their kinks are PyTorch's", "[activation]") {
  // LeakyReLU(0.3) at exactly 0: PyTorch gives the slope. As max(x, 0.3 x) it was a tie that
  // maximum split, (1 + 0.3) / 2 = 0.65.
  {
    Tape tape;
    Tensor x = tensor({0.0, -1.0, 2.0}, {3}, true);
    sum(LeakyReLU(0.3)(x)).backward();
    CHECK(x.grad().to_vector() == std::vector<double>{0.3, 0.3, 1.0});
  }
  // Hardsigmoid at exactly -3 and 3: PyTorch gives 0 (clamp's inclusive bounds gave 1/6).
  {
    Tape tape;
    Tensor x = tensor({-3.0, 3.0, 0.0, -4.0, 4.0}, {5}, true);
    sum(Hardsigmoid()(x)).backward();
    const auto g = x.grad().to_vector();
    CHECK(g[0] == 0.0);
    CHECK(g[1] == 0.0);
    CHECK(g[2] == Approx(1.0 / 6.0));
    CHECK(g[3] == 0.0);
    CHECK(g[4] == 0.0);
  }
  // ReLU at 0: 0, as PyTorch.
  {
    Tape tape;
    Tensor x = tensor({0.0}, {1}, true);
    sum(ReLU()(x)).backward();
    CHECK(x.grad().to_vector() == std::vector<double>{0.0});
  }
}

TEST_CASE("gradcheck of every activation module", "[activation]") {
  std::vector<std::shared_ptr<UnaryModule>> modules = {
      std::make_shared<ReLU>(),         std::make_shared<LeakyReLU>(),
      std::make_shared<LeakyReLU>(0.3), std::make_shared<LeakyReLU>(1.5),
      std::make_shared<Sigmoid>(),      std::make_shared<Tanh>(),
      std::make_shared<Hardsigmoid>()};
  for (auto& m : modules) {
    Tensor x = kX.detach().requires_grad_();
    auto r = gradcheck([&](const std::vector<Tensor>& in) { return m->forward(in[0]); }, {x});
    INFO(m->to_string() << ": " << r.message);
    CHECK(r.ok);
  }
}
