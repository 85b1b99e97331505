// tests for nn/src/optim.cpp: SGD (momentum, Nesterov, weight decay) and Adam steps against
// torch.optim, clip_grad_norm against torch.nn.utils.clip_grad_norm_.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <nn/nn.hpp>

#include <cmath>
#include <limits>
#include <string>

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

TEST_CASE("an optimizer refuses an empty parameter list, saying the likely cause", "[optim]") {
  // As PyTorch's "optimizer got an empty parameter list": it would step nothing, silently.
  CHECK_THROWS_WITH(SGD({}), Catch::Contains("optimizer got an empty parameter list") &&
                                 Catch::Contains("register_parameter"));
  CHECK_THROWS_AS(Adam({}), ValueError);
  CHECK_THROWS_AS(SGD(ReLU().parameters()), ValueError);
}

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

TEST_CASE("Adam refuses NaN and negative options, naming the option and its value", "[optim]") {
  // `x < 0 || x >= 1` is false for NaN: these were accepted, and every step gave NaN.
  Tensor p({1.0}, {1}, true);
  CHECK_THROWS_WITH(Adam({p}, {.lr = kNaN}),
                    "Adam: invalid lr = nan (must be a finite number >= 0)");
  CHECK_THROWS_WITH(Adam({p}, {.beta1 = kNaN}), "Adam: invalid beta1 = nan (must be in [0, 1))");
  CHECK_THROWS_WITH(Adam({p}, {.beta2 = kNaN}), "Adam: invalid beta2 = nan (must be in [0, 1))");
  CHECK_THROWS_WITH(Adam({p}, {.eps = kNaN}),
                    "Adam: invalid eps = nan (must be a finite number >= 0)");
  CHECK_THROWS_WITH(Adam({p}, {.weight_decay = -1.0}),
                    "Adam: invalid weight_decay = -1 (must be a finite number >= 0)");
  CHECK_THROWS_WITH(Adam({p}, {.weight_decay = kNaN}),
                    "Adam: invalid weight_decay = nan (must be a finite number >= 0)");
  CHECK_THROWS_WITH(SGD({p}, {.lr = kNaN}), "SGD: invalid lr = nan (must be a finite number >= 0)");
  // load_state checks what it loads the same way, and changes nothing when it refuses.
  Adam adam({p});
  for (const char* option : {"lr", "beta1", "beta2", "eps", "weight_decay"}) {
    INFO(option);
    OptimizerState state = adam.state();
    state.options.at(option) = kNaN;
    CHECK_THROWS_WITH(adam.load_state(state),
                      Catch::StartsWith(fmt::format("Adam::load_state: invalid {} = nan", option)));
  }
  OptimizerState state = adam.state();
  state.options.at("weight_decay") = -1.0;
  CHECK_THROWS_AS(adam.load_state(state), ValueError);
  CHECK(adam.options.weight_decay == 0.0);
}

TEST_CASE("SGD and Adam refuse an infinite option, where torch.optim takes it", "[optim]") {
  // torch.optim.SGD(lr=inf) steps every parameter to -inf, or to NaN where the gradient is 0
  // (inf * 0); an infinite eps makes every Adam step 0 and the model silently stops learning.
  constexpr double kInf = std::numeric_limits<double>::infinity();
  Tensor p({1.0, 2.0}, {2}, true);
  {
    Tape tape;
    sum(p * Tensor({3.0, 0.0}, {2})).backward();
  }
  for (const char* option : {"lr", "momentum", "weight_decay"}) {
    INFO(option);
    SGDOptions opts;
    if (std::string(option) == "lr") opts.lr = kInf;
    if (std::string(option) == "momentum") opts.momentum = kInf;
    if (std::string(option) == "weight_decay") opts.weight_decay = kInf;
    CHECK_THROWS_WITH(SGD({p}, opts), fmt::format("SGD: invalid {} = inf (must be a finite "
                                                  "number >= 0)",
                                                  option));
    // Set between steps, the step refuses it and moves nothing; loaded, nothing changes.
    SGD sgd({p}, {.momentum = 0.5});
    OptimizerState state = sgd.state();
    state.options.at(option) = kInf;
    CHECK_THROWS_WITH(sgd.load_state(state), fmt::format("SGD::load_state: invalid {} = inf "
                                                         "(must be a finite number >= 0)",
                                                         option));
    CHECK(sgd.options.lr == SGDOptions{}.lr);
    sgd.options = opts;
    CHECK_THROWS_WITH(sgd.step(), Catch::Contains(fmt::format("invalid {} = inf", option)));
    CHECK(p.to_vector() == std::vector<double>{1.0, 2.0});
  }
  for (const char* option : {"lr", "eps", "weight_decay"}) {
    INFO(option);
    AdamOptions opts;
    if (std::string(option) == "lr") opts.lr = kInf;
    if (std::string(option) == "eps") opts.eps = kInf;
    if (std::string(option) == "weight_decay") opts.weight_decay = kInf;
    CHECK_THROWS_WITH(Adam({p}, opts), fmt::format("Adam: invalid {} = inf (must be a finite "
                                                   "number >= 0)",
                                                   option));
    Adam adam({p});
    OptimizerState state = adam.state();
    state.options.at(option) = kInf;
    CHECK_THROWS_WITH(adam.load_state(state),
                      Catch::StartsWith(fmt::format("Adam::load_state: invalid {} = inf", option)));
    adam.options = opts;
    CHECK_THROWS_WITH(adam.step(), Catch::Contains(fmt::format("invalid {} = inf", option)));
    CHECK(p.to_vector() == std::vector<double>{1.0, 2.0});
  }
  // Minus infinity is negative, and refused as such.
  CHECK_THROWS_WITH(SGD({p}, {.lr = -kInf}),
                    "SGD: invalid lr = -inf (must be a finite number >= 0)");
  // clip_grad_norm is the exception, as in torch: max_norm = inf clips nothing, and is the usual
  // way to ask only for the norm.
  CHECK(clip_grad_norm({p}, kInf) == 3.0);
  CHECK(p.grad().to_vector() == std::vector<double>{3.0, 0.0});
}

TEST_CASE("clip_grad_norm refuses a NaN max_norm as it refuses a negative one", "[optim]") {
  // NaN compares false with everything, so `total > max_norm` never held: nothing was clipped.
  Tensor p({1.0, 1.0}, {2}, true);
  {
    Tape tape;
    sum(p * Tensor({3.0, 4.0}, {2})).backward();
  }
  CHECK_THROWS_WITH(clip_grad_norm({p}, kNaN),
                    "clip_grad_norm: invalid max_norm = nan (must be a number >= 0)");
  CHECK(p.grad().to_vector() == std::vector<double>{3.0, 4.0});
}

TEST_CASE("clip_grad_norm with a NaN or Inf gradient does what torch 1.13 does", "[optim]") {
  // A NaN total once compared false with 1 and nothing was scaled: [nan, 1] where torch gives
  // [nan, nan]. torch multiplies every gradient by max_norm / (total + 1e-6), clamped to 1: NaN
  // for a NaN total, 0 for an Inf one (and Inf * 0 is NaN). Checked with torch 1.13:
  //   p.grad = [nan, 1]: clip_grad_norm_([p], 1.0) returns nan, p.grad [nan, nan]
  //   p.grad = [inf, 1]: returns inf, p.grad [nan, 0]
  auto clipped = [](double first) {
    Tensor p({1.0, 1.0}, {2}, true);
    Tensor q({1.0}, {1}, true);
    {
      Tape tape;
      (sum(p * Tensor({first, 1.0}, {2})) + sum(q * Tensor({1.0}, {1}))).backward();
    }
    const double total = clip_grad_norm({p, q}, 1.0);
    std::vector<double> grads = p.grad().to_vector();
    grads.push_back(q.grad().item());
    return std::pair{total, grads};
  };
  const auto [nan_total, nan_grads] = clipped(kNaN);
  CHECK(std::isnan(nan_total));
  for (double g : nan_grads) CHECK(std::isnan(g));  // every gradient, the other parameter's too

  const auto [inf_total, inf_grads] = clipped(std::numeric_limits<double>::infinity());
  CHECK(inf_total == std::numeric_limits<double>::infinity());
  CHECK(std::isnan(inf_grads[0]));
  CHECK(inf_grads[1] == 0.0);
  CHECK(inf_grads[2] == 0.0);
}

TEST_CASE("options changed between steps are checked at the next step", "[optim]") {
  // optim.hpp's schedules change options.lr between steps; a bad value used to be taken as it
  // was: SGD with lr = -1 climbed the loss, Adam with beta1 = 1 gave NaN.
  Tensor p({1.0, 1.0}, {2}, true);
  const auto backward = [&] {
    Tape tape;
    sum(p * Tensor({3.0, 4.0}, {2})).backward();
  };
  backward();
  SGD sgd({p}, {.lr = 0.1});
  sgd.options.lr = -1.0;
  CHECK_THROWS_WITH(sgd.step(),
                    "SGD::step (options changed since construction): invalid lr = -1 "
                    "(must be a finite number >= 0)");
  sgd.options.lr = 0.1;
  sgd.options.nesterov = true;  // without momentum
  CHECK_THROWS_WITH(sgd.step(), Catch::Contains("nesterov needs momentum > 0"));
  CHECK(p.to_vector() == std::vector<double>{1.0, 1.0});  // a refused step moves nothing
  // dampening too (optim.hpp promises every option): a NaN there trained on NaN, silently.
  sgd.options.nesterov = false;
  sgd.options.momentum = 0.9;
  for (double bad : {kNaN, -0.5, 1.5}) {
    sgd.options.dampening = bad;
    CHECK_THROWS_WITH(sgd.step(), Catch::Contains("invalid dampening = ") &&
                                      Catch::Contains("(must be in [0, 1])"));
    CHECK_THROWS_WITH(SGD({p}, {.momentum = 0.9, .dampening = bad}),
                      Catch::StartsWith("SGD: invalid dampening"));
  }
  CHECK(p.to_vector() == std::vector<double>{1.0, 1.0});
  CHECK_NOTHROW(SGD({p}, {.momentum = 0.9, .dampening = 0.5}));  // within [0, 1]: accepted

  Adam adam({p});
  adam.options.beta1 = 1.0;
  CHECK_THROWS_WITH(adam.step(),
                    "Adam::step (options changed since construction): invalid "
                    "beta1 = 1 (must be in [0, 1))");
  adam.options.beta1 = 0.9;
  adam.options.lr = kNaN;
  CHECK_THROWS_AS(adam.step(), ValueError);
  CHECK(p.to_vector() == std::vector<double>{1.0, 1.0});
  adam.options.lr = 0.1;
  adam.step();
  CHECK(p.to_vector()[0] < 1.0);
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
