// tests for nn/src/loss.cpp: against torch.nn.functional, gradcheck of each loss, errors.
#include <catch2/catch.hpp>

#include <nn/nn.hpp>

#include "fixtures.hpp"

using namespace ag;
using namespace ag::nn;

namespace {
// Computes `loss_fn(input)` on a fixture case; checks the loss and d loss / d input.
template <class F>
void check_case(const char* key, F loss_fn) {
  INFO(key);
  const auto& c = fixtures::nn().at("losses").at(key);
  Tensor input = fixtures::tensor(c.at("input"), true);
  Tape tape;
  Tensor loss = loss_fn(input, c);
  CHECK(std::abs(loss.item() - c.at("loss").get<double>()) <= 1e-10);
  loss.backward();
  fixtures::check_grad("input", input, c.at("grad"));
}
}  // namespace

TEST_CASE("losses match torch.nn.functional: values and gradients", "[loss]") {
  check_case("mse", [](const Tensor& x, const auto& c) {
    return mse_loss(x, fixtures::tensor(c.at("target")));
  });
  check_case("mse_sum", [](const Tensor& x, const auto& c) {
    return mse_loss(x, fixtures::tensor(c.at("target")), Reduction::sum);
  });
  for (const char* key : {"cross_entropy", "cross_entropy_big"}) {
    check_case(key, [](const Tensor& x, const auto& c) {
      return cross_entropy(x, c.at("targets").template get<std::vector<int64_t>>());
    });
  }
  check_case("bce_with_logits", [](const Tensor& x, const auto& c) {
    return binary_cross_entropy_with_logits(x, fixtures::tensor(c.at("target")));
  });
  check_case("hinge", [](const Tensor& x, const auto& c) {
    return hinge_loss(x, fixtures::tensor(c.at("target")));
  });
}

TEST_CASE("gradcheck of each loss", "[loss]") {
  Generator gen(4);
  Tensor pred = ag::normal({4, 3}, 0.0, 1.0, gen, true);
  Tensor target = ag::normal({4, 3}, 0.0, 1.0, gen);
  Tensor probs = ag::uniform({4, 3}, 0.0, 1.0, gen);
  Tensor signs({1, -1, -1, 1, 1, -1, 1, 1, -1, -1, 1, -1}, {4, 3});
  const std::vector<int64_t> classes = {2, 0, 1, 1};
  std::vector<std::pair<const char*, std::function<Tensor(const std::vector<Tensor>&)>>> losses = {
      {"mse", [&](const auto& in) { return mse_loss(in[0], target); }},
      {"mse none", [&](const auto& in) { return mse_loss(in[0], target, Reduction::none); }},
      {"cross_entropy", [&](const auto& in) { return cross_entropy(in[0], classes); }},
      {"cross_entropy sum",
       [&](const auto& in) { return cross_entropy(in[0], classes, Reduction::sum); }},
      {"bce_with_logits",
       [&](const auto& in) { return binary_cross_entropy_with_logits(in[0], probs); }},
      {"hinge", [&](const auto& in) { return hinge_loss(in[0], signs); }},
  };
  for (auto& [name, f] : losses) {
    auto r = gradcheck(f, {pred});
    INFO(name << ": " << r.message);
    CHECK(r.ok);
  }
}

TEST_CASE("binary_cross_entropy_with_logits has gradient sigmoid(x) - y, even at x = 0", "[loss]") {
  Tensor x({0.0, 0.0}, {2}, true);
  Tape tape;
  binary_cross_entropy_with_logits(x, Tensor({1.0, 0.0}, {2}), Reduction::sum).backward();
  CHECK(x.grad().to_vector() == std::vector<double>{-0.5, 0.5});
}

TEST_CASE("cross_entropy of reduction none gives one loss per example", "[loss]") {
  Tensor logits({0.0, 0.0, 2.0, 0.0}, {2, 2});
  Tensor per = cross_entropy(logits, {0, 0}, Reduction::none);
  CHECK(per.shape() == Shape{2});
  CHECK(per.at({0}) == Approx(std::log(2.0)));
  CHECK(per.at({1}) == Approx(std::log(1.0 + std::exp(-2.0))));
}

TEST_CASE("losses reject mismatched inputs, naming the shapes", "[loss]") {
  CHECK_THROWS_WITH(mse_loss(ag::zeros({4}), ag::zeros({4, 1})),
                    "mse_loss: input has shape [4] but target has shape [4, 1]; they must match");
  CHECK_THROWS_AS(cross_entropy(ag::zeros({3, 2}), {0, 1}), ShapeError);
  CHECK_THROWS_WITH(cross_entropy(ag::zeros({2, 3}), {0, 3}),
                    "cross_entropy: target 3 of example 1 is not a class in [0, 3) (logits shape "
                    "[2, 3])");
  CHECK_THROWS_AS(cross_entropy(ag::zeros({6}), {0}), ShapeError);
  CHECK_THROWS_AS(binary_cross_entropy_with_logits(ag::zeros({2}), ag::zeros({3})), ShapeError);
  CHECK_THROWS_AS(hinge_loss(ag::zeros({2}), ag::zeros({2, 1})), ShapeError);
}

TEST_CASE("hinge_loss refuses labels other than -1 and +1, naming the first", "[loss]") {
  // With make_moons' 0/1 labels a class-0 point costs 1 whatever its score and pulls on nothing:
  // the model learned nothing, and no error said why.
  CHECK_THROWS_WITH(hinge_loss(Tensor({5.0, -5.0, 2.0}, {3}), Tensor({1.0, 0.0, 0.0}, {3})),
                    "hinge_loss: labels must be -1 or +1, got 0 at (flat) index 1 of the labels "
                    "(shape [3]); 0/1 labels become -1/+1 as labels * 2 - 1");
  CHECK_THROWS_AS(hinge_loss(ag::zeros({2}), Tensor({1.0, 0.5}, {2})), ValueError);
  const Tensor labels01({1.0, 0.0}, {2});
  CHECK(hinge_loss(Tensor({5.0, -5.0}, {2}), labels01 * 2.0 - 1.0).item() == 0.0);
}
