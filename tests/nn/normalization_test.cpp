// tests for nn/src/normalization.cpp: LayerNorm and BatchNorm1d against torch.nn (outputs,
// gradients, running statistics), gradcheck, train/eval, buffers saved and loaded, errors.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <nn/nn.hpp>

#include <limits>
#include <map>

#include "fixtures.hpp"

using namespace ag;
using namespace ag::nn;

namespace {

// Runs one fixture step (x, w, out, grad_x, grads) through a UnaryModule on a fresh tape.
void check_affine_step(UnaryModule& m, const fixtures::json& step) {
  m.zero_grad();
  Tensor x = fixtures::tensor(step.at("x"), true);
  Tape tape;
  Tensor out = m(x);
  fixtures::check_values("out", out, step.at("out"));
  sum(out * fixtures::tensor(step.at("w"))).backward();
  fixtures::check_grad("x", x, step.at("grad_x"));
  for (const auto& p : m.named_parameters()) {
    fixtures::check_grad(p.name, p.tensor, step.at("grads").at(fixtures::key_of(m, p.name)));
  }
}

// Every buffer of `m` equals the fixture's (PyTorch's names: running_mean, ...).
void check_buffers(const Module& m, const fixtures::json& buffers) {
  REQUIRE(m.named_buffers().size() == buffers.size());
  for (const auto& b : m.named_buffers()) {
    fixtures::check_values(b.name, b.tensor, buffers.at(fixtures::key_of(m, b.name)), 1e-12);
  }
}

std::vector<std::string> names_of(const std::vector<NamedTensor>& list) {
  std::vector<std::string> out;
  for (const auto& t : list) out.push_back(t.name);
  return out;
}

}  // namespace

// ----- against PyTorch ---------------------------------------------------------------------------
TEST_CASE("LayerNorm over the last 1 and 2 dims matches torch.nn.LayerNorm", "[normalization]") {
  for (const char* key : {"last", "last2"}) {
    INFO(key);
    const auto& c = fixtures::nn().at("layer_norm").at(key);
    LayerNorm ln(c.at("normalized_shape").get<Shape>());
    fixtures::load_params(ln, c.at("params"));
    check_affine_step(ln, c);
  }
}

TEST_CASE(
    "BatchNorm1d on [N, C] and [N, C, L] matches torch.nn.BatchNorm1d: two training steps "
    "(outputs, gradients, running statistics), then eval mode",
    "[normalization]") {
  for (const char* key : {"2d", "3d"}) {
    INFO(key);
    const auto& c = fixtures::nn().at("batch_norm").at(key);
    BatchNorm1d bn(3);
    fixtures::load_params(bn, c.at("params"));
    for (const auto& step : c.at("train")) {
      check_affine_step(bn, step);
      check_buffers(bn, step.at("buffers"));
    }
    bn.eval();
    check_affine_step(bn, c.at("eval"));
    // Eval mode reads the running statistics and leaves them as they were.
    check_buffers(bn, c.at("train").back().at("buffers"));
  }
}

// ----- gradcheck ---------------------------------------------------------------------------------
TEST_CASE("gradcheck of LayerNorm and of BatchNorm1d in both modes", "[normalization]") {
  Generator gen(12);
  const auto check = [&](UnaryModule& m, const Shape& x_shape) {
    Tensor x = ag::normal(x_shape, 0.5, 2.0, gen, true);
    // weight and bias away from 1 and 0, so that their gradients are not special
    for (Tensor& p : m.parameters()) {
      for (double& v : p.mutable_data()) v = gen.normal(0.0, 1.0);
    }
    std::vector<Tensor> inputs = m.parameters();
    inputs.push_back(x);
    auto r = gradcheck([&](const std::vector<Tensor>& in) { return m(in.back()); }, inputs);
    INFO(m.to_string() << " on " << shape_str(x_shape) << ": " << r.message);
    CHECK(r.ok);
  };
  LayerNorm ln1({4});
  check(ln1, {3, 4});
  LayerNorm ln2({2, 3});
  check(ln2, {2, 2, 3});
  LayerNorm plain({5}, 1e-5, /*elementwise_affine=*/false);
  check(plain, {2, 5});
  BatchNorm1d bn(3);
  check(bn, {5, 3});  // training mode: the gradient runs through the batch statistics
  check(bn, {4, 3, 2});
  bn.eval();
  check(bn, {5, 3});  // eval mode: the statistics are constants
  check(bn, {4, 3, 2});
}

// ----- train / eval ------------------------------------------------------------------------------
TEST_CASE("train() and eval() set the mode of a module and of all its descendants",
          "[normalization]") {
  Generator gen(0);
  auto inner = std::make_shared<Sequential>(
      "inner", std::initializer_list<std::shared_ptr<UnaryModule>>{
                   std::make_shared<BatchNorm1d>(4), std::make_shared<Dropout>(0.5, gen)});
  Sequential model("model", {std::make_shared<Linear>(3, 4, gen), inner});
  CHECK(model.is_training());  // the default, as PyTorch
  CHECK(&model.eval() == &model);
  CHECK_FALSE(model.is_training());
  CHECK_FALSE(model[0].is_training());
  CHECK_FALSE((*inner)[0].is_training());
  CHECK_FALSE((*inner)[1].is_training());
  inner->train();  // a subtree alone
  CHECK_FALSE(model.is_training());
  CHECK((*inner)[1].is_training());
  model.train(true);
  CHECK(model[0].is_training());
  model.train(false);
  CHECK_FALSE((*inner)[0].is_training());
}

TEST_CASE(
    "BatchNorm1d: running statistics start at 0 and 1 and count batches; eval mode uses "
    "them; without track_running_stats it always uses the batch",
    "[normalization]") {
  Generator gen(3);
  BatchNorm1d bn(2, {.momentum = 0.5});
  Tensor x = ag::tensor({1, 10, 3, 20, 8, 60},
                        {3, 2});  // channel 0: 1, 3, 8; channel 1: 10, 20, 60
  CHECK(bn.running_mean.to_vector() == std::vector<double>{0, 0});
  CHECK(bn.running_var.to_vector() == std::vector<double>{1, 1});
  // A fresh module in eval mode: (x - 0) / sqrt(1 + eps).
  bn.eval();
  CHECK(bn(x).to_vector()[3] == Approx(20 / std::sqrt(1 + 1e-5)).epsilon(1e-14));
  CHECK(bn.num_batches_tracked.item() == 0);
  bn.train();
  bn(x);
  // mean 4 and 30; unbiased variance 13 and 700; momentum 0.5 from 0 and 1.
  CHECK(bn.running_mean.to_vector()[0] == Approx(2.0).epsilon(1e-14));
  CHECK(bn.running_mean.to_vector()[1] == Approx(15.0).epsilon(1e-14));
  CHECK(bn.running_var.to_vector()[0] == Approx(0.5 + 0.5 * 13).epsilon(1e-14));
  CHECK(bn.running_var.to_vector()[1] == Approx(0.5 + 0.5 * 700).epsilon(1e-14));
  CHECK(bn.num_batches_tracked.item() == 1);
  bn.eval();
  Tensor y = bn(x);
  CHECK(y.to_vector()[0] == Approx((1 - 2.0) / std::sqrt(7.0 + 1e-5)).epsilon(1e-14));
  CHECK(bn.num_batches_tracked.item() == 1);  // eval mode counts nothing

  BatchNorm1d untracked(2, {.track_running_stats = false});
  CHECK(untracked.named_buffers().empty());
  CHECK_FALSE(untracked.running_mean.defined());
  Tensor train_out = untracked(x);
  untracked.eval();
  CHECK(untracked(x).to_vector() == train_out.to_vector());
  // Batch statistics: each channel of the output has mean 0.
  CHECK(sum(slice(train_out, 1, 0, 1)).item() == Approx(0.0).margin(1e-12));
}

// ----- buffers -----------------------------------------------------------------------------------
TEST_CASE("BatchNorm1d's running statistics are buffers: in state_dict, not in parameters()",
          "[normalization]") {
  Generator gen(0);
  Sequential model("model",
                   {std::make_shared<Linear>(3, 2, gen), std::make_shared<BatchNorm1d>(2)});
  CHECK(
      names_of(model.named_parameters()) ==
      std::vector<std::string>{"model.0.weight", "model.0.bias", "model.1.weight", "model.1.bias"});
  CHECK(names_of(model.named_buffers()) == std::vector<std::string>{"model.1.running_mean",
                                                                    "model.1.running_var",
                                                                    "model.1.num_batches_tracked"});
  // PyTorch's state_dict order: per module its parameters, then its buffers.
  CHECK(names_of(model.state_dict()) ==
        std::vector<std::string>{"model.0.weight", "model.0.bias", "model.1.weight", "model.1.bias",
                                 "model.1.running_mean", "model.1.running_var",
                                 "model.1.num_batches_tracked"});
  CHECK(model.num_parameters() == 3 * 2 + 2 + 2 + 2);
  for (const auto& b : model.named_buffers()) CHECK_FALSE(b.tensor.requires_grad());
  // An optimizer step moves the parameters and leaves the buffers to the forward pass.
  SGD sgd(model.parameters(), {.lr = 0.1});
  Tensor x = ag::normal({4, 3}, 0.0, 1.0, gen);
  {
    Tape tape;
    sum(pow(model(x), 2.0)).backward();
  }
  const auto buffers_before = model.named_buffers();
  std::vector<std::vector<double>> values_before;
  for (const auto& b : buffers_before) values_before.push_back(b.tensor.to_vector());
  sgd.step();
  for (size_t k = 0; k < buffers_before.size(); ++k) {
    CHECK(buffers_before[k].tensor.to_vector() == values_before[k]);
  }
}

TEST_CASE("BatchNorm1d's running statistics save and load with the parameters", "[normalization]") {
  Generator gen(4);
  BatchNorm1d trained(3);
  for (int step = 0; step < 3; ++step) trained(ag::normal({6, 3, 2}, 1.0, 2.0, gen));
  trained.weight.mutable_data()[1] = 2.5;
  const std::string text = parameters_to_json(trained);
  CHECK(text.find("\"bn\"") == std::string::npos);
  CHECK(text.find("batch_norm.running_var") != std::string::npos);

  BatchNorm1d loaded(3);
  parameters_from_json(loaded, text);
  for (size_t k = 0; k < 5; ++k) {
    INFO(trained.state_dict()[k].name);
    CHECK(loaded.state_dict()[k].tensor.to_vector() == trained.state_dict()[k].tensor.to_vector());
  }
  CHECK(loaded.num_batches_tracked.item() == 3);
  trained.eval();
  loaded.eval();
  Tensor x = ag::normal({2, 3, 2}, 0.0, 1.0, gen);
  CHECK(loaded(x).to_vector() == trained(x).to_vector());

  // A file without the buffers (a model saved before they existed) does not fit; the errors call
  // a buffer a buffer, and a parameter a parameter.
  BatchNorm1d untracked(3, {.track_running_stats = false});
  CHECK_THROWS_WITH(parameters_from_json(loaded, parameters_to_json(untracked)),
                    "load_parameters: the module has buffer 'batch_norm.running_mean' (shape [3]) "
                    "but the JSON text does not");
  BatchNorm1d wider(4);
  CHECK_THROWS_WITH(parameters_from_json(wider, text),
                    "load_parameters: parameter 'batch_norm.weight' has shape [4] in the module "
                    "but [3] in the JSON text");
  BatchNorm1d statistics_only(4, {.affine = false});  // its state_dict: the three buffers
  CHECK_THROWS_WITH(
      parameters_from_json(statistics_only, parameters_to_json(BatchNorm1d(3, {.affine = false}))),
      "load_parameters: buffer 'batch_norm.running_mean' has shape [4] in the module but [3] in "
      "the JSON text");
  CHECK_THROWS_WITH(parameters_from_json(statistics_only, parameters_to_json(BatchNorm1d(4))),
                    "load_parameters: the JSON text has 'batch_norm.weight' but the module has no "
                    "parameter or buffer of that name");
}

// ----- errors ------------------------------------------------------------------------------------
TEST_CASE("LayerNorm and BatchNorm1d errors name the module and the shapes", "[normalization]") {
  LayerNorm ln({3, 4});
  CHECK_THROWS_WITH(ln(ag::zeros({2, 4, 3})),
                    "LayerNorm 'layer_norm': input shape [2, 4, 3] does not end with "
                    "normalized_shape [3, 4]");
  CHECK_THROWS_AS(ln(ag::zeros({4})), ShapeError);
  CHECK_THROWS_AS(LayerNorm({}), ValueError);
  CHECK_THROWS_AS(LayerNorm({3, 0}), ValueError);

  BatchNorm1d bn(3);
  CHECK_THROWS_WITH(
      bn(ag::zeros({5, 4})),
      "BatchNorm1d 'batch_norm': input must be [N, 3] or [N, 3, L], got shape [5, 4]");
  CHECK_THROWS_AS(bn(ag::zeros({5, 3, 2, 2})), ShapeError);
  CHECK_THROWS_WITH(bn(ag::zeros({1, 3})),
                    "BatchNorm1d 'batch_norm': expected more than 1 value per channel in "
                    "training mode, got input shape [1, 3]");
  bn.eval();
  CHECK_NOTHROW(bn(ag::zeros({1, 3})));  // eval mode normalizes one sample with the running stats
  CHECK_THROWS_AS(BatchNorm1d(0), ValueError);
}

TEST_CASE("LayerNorm and BatchNorm1d refuse an eps or momentum that would normalize into garbage",
          "[normalization]") {
  // PyTorch takes them all: eps = inf makes every output 0 (only the bias learns), eps < 0 can
  // take the root of a negative number, NaN makes every output NaN, and a momentum of 2 makes
  // the running statistics swing and grow instead of averaging.
  constexpr double kInf = std::numeric_limits<double>::infinity();
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  for (double eps : {kInf, -kInf, -1e-5, kNaN}) {
    INFO(eps);
    CHECK_THROWS_WITH(LayerNorm({3}, eps),
                      fmt::format("LayerNorm: invalid eps = {} (must be a finite number >= 0)",
                                  eps));
    CHECK_THROWS_WITH(BatchNorm1d(3, {.eps = eps}),
                      fmt::format("BatchNorm1d: invalid eps = {} (must be a finite number >= 0)",
                                  eps));
  }
  for (double momentum : {-0.1, 1.5, kInf, kNaN}) {
    INFO(momentum);
    CHECK_THROWS_WITH(BatchNorm1d(3, {.momentum = momentum}),
                      fmt::format("BatchNorm1d: invalid momentum = {} (must be in [0, 1])",
                                  momentum));
  }
  // The edges are fine: eps = 0 (a constant input then gives NaN, as in PyTorch), momentum 0
  // (the running statistics never move) and 1 (they are the last batch's).
  CHECK_NOTHROW(LayerNorm({3}, 0.0));
  CHECK_NOTHROW(BatchNorm1d(3, {.eps = 0.0, .momentum = 0.0}));
  CHECK_NOTHROW(BatchNorm1d(3, {.momentum = 1.0}));
}
