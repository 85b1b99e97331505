// tests for nn/src/optim.cpp: SGD (momentum, Nesterov, weight decay) and Adam steps against
// torch.optim, clip_grad_norm against torch.nn.utils.clip_grad_norm_.
#include <catch2/catch.hpp>

#include <nn/nn.hpp>

#include "fixtures.hpp"

using namespace ag;
using namespace ag::nn;

namespace {
// The fixture's problem: loss(p, q) = sum((tanh(x @ p) * q - t)^2).
struct Problem {
  Tensor x, t, p, q;
  Problem() {
    const auto& j = fixtures::nn().at("optim").at("problem");
    x = fixtures::tensor(j.at("x"));
    t = fixtures::tensor(j.at("t"));
    p = fixtures::tensor(j.at("p0"), true);
    q = fixtures::tensor(j.at("q0"), true);
  }
  void backward() const {
    Tape tape;
    Tensor r = tanh(matmul(x, p)) * q - t;
    sum(r * r).backward();
  }
};

void run(Optimizer& opt, const Problem& pr, const fixtures::json& steps) {
  for (size_t k = 0; k < steps.size(); ++k) {
    INFO("after step " << k + 1);
    opt.zero_grad();
    pr.backward();
    opt.step();
    fixtures::check_values("p", pr.p, steps[k].at("p"));
    fixtures::check_values("q", pr.q, steps[k].at("q"));
  }
}
}  // namespace

TEST_CASE("SGD with momentum and weight decay matches torch.optim.SGD", "[optim]") {
  const auto& c = fixtures::nn().at("optim").at("sgd_momentum");
  Problem pr;
  SGD opt({pr.p, pr.q},
          {.lr = c.at("lr"), .momentum = c.at("momentum"), .weight_decay = c.at("weight_decay")});
  run(opt, pr, c.at("steps"));
}

TEST_CASE("SGD with Nesterov momentum matches torch.optim.SGD", "[optim]") {
  const auto& c = fixtures::nn().at("optim").at("sgd_nesterov");
  Problem pr;
  SGD opt({pr.p, pr.q}, {.lr = c.at("lr"), .momentum = c.at("momentum"), .nesterov = true});
  run(opt, pr, c.at("steps"));
}

TEST_CASE("Adam (three steps, weight decay) matches torch.optim.Adam", "[optim]") {
  const auto& c = fixtures::nn().at("optim").at("adam");
  Problem pr;
  Adam opt({pr.p, pr.q}, {.lr = c.at("lr"), .weight_decay = c.at("weight_decay")});
  run(opt, pr, c.at("steps"));
}

TEST_CASE("clip_grad_norm matches torch and returns the norm before clipping", "[optim]") {
  const auto& c = fixtures::nn().at("optim").at("clip");
  Problem pr;
  pr.backward();
  const double norm = clip_grad_norm({pr.p, pr.q}, c.at("max_norm"));
  CHECK(std::abs(norm - c.at("norm").get<double>()) <= 1e-10);
  fixtures::check_grad("p", pr.p, c.at("grad_p"));
  fixtures::check_grad("q", pr.q, c.at("grad_q"));
  // Below the limit nothing changes.
  const auto before = pr.p.grad().to_vector();
  clip_grad_norm({pr.p, pr.q}, 1e9);
  CHECK(pr.p.grad().to_vector() == before);
}

TEST_CASE("a parameter no gradient reached is left alone", "[optim]") {
  Tensor used({1.0}, {1}, true), unused({5.0}, {1}, true);
  SGD sgd({used, unused}, {.lr = 0.5, .momentum = 0.9});
  Adam adam({used, unused});
  {
    Tape tape;
    (used * 2.0).sum().backward();
  }
  sgd.step();
  adam.step();
  CHECK(unused.item() == 5.0);
  CHECK(used.item() < 0.0);
}

TEST_CASE("optimizers reject tensors that are not parameters and bad settings", "[optim]") {
  Tensor constant({1.0}, {1});
  CHECK_THROWS_AS(SGD({constant}), ValueError);
  Tensor p({1.0}, {1}, true);
  CHECK_THROWS_AS(SGD({p}, {.lr = -1.0}), ValueError);
  CHECK_THROWS_AS(SGD({p}, {.nesterov = true}), ValueError);
  CHECK_THROWS_AS(Adam({p}, {.beta1 = 1.0}), ValueError);
  CHECK_THROWS_AS(clip_grad_norm({p}, -1.0), ValueError);
}

TEST_CASE("a tensor given to an optimizer twice is stepped once", "[optim]") {
  Tensor p({1.0, 2.0}, {2}, true);
  {
    Tape tape;
    sum(p).backward();  // d/dp = 1
  }
  SGD sgd({p, p}, {.lr = 0.5});
  CHECK(sgd.parameters().size() == 1);
  sgd.step();
  CHECK(p.to_vector() == std::vector<double>{0.5, 1.5});  // moved by lr, not 2 lr
  Adam adam({p, p}, {});
  CHECK(adam.parameters().size() == 1);
  CHECK(adam.state().parameters.size() == 1);
}
