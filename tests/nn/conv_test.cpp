// tests for nn/src/conv.cpp: Conv2d, Conv1d, MaxPool2d, MaxPool1d, AvgPool2d and Flatten in small
// models against
// PyTorch (tests/reference/conv.json, "modules": written by fixtures_conv.py), PyTorch's default
// init, save and load, scopes, printing, errors.
#include <catch2/catch.hpp>

#include <nn/nn.hpp>

#include <cmath>
#include <memory>
#include <string_view>

#include "fixtures.hpp"

using namespace ag;
using namespace ag::nn;

namespace {

const fixtures::json& modules() {
  static const fixtures::json data = [] {
    std::ifstream in(TAPEGRAD_SOURCE_DIR "/tests/reference/conv.json");
    if (!in) throw std::runtime_error("cannot open tests/reference/conv.json");
    return fixtures::json::parse(in).at("modules");
  }();
  return data;
}

// fixtures_conv.py's cnn: the shape of tutorial 12's front end, small.
std::shared_ptr<Sequential> make_cnn(Generator& gen) {
  return std::make_shared<Sequential>(
      "cnn", std::initializer_list<std::shared_ptr<UnaryModule>>{
                 std::make_shared<Conv2d>(2, 4, 3, gen, Conv2dModuleOptions{.padding = 1}),
                 std::make_shared<LeakyReLU>(0.3),
                 std::make_shared<MaxPool2d>(MaxPool2dOptions{.kernel_size = 2}),
                 std::make_shared<Conv2d>(4, 3, Size2{2, 3}, gen,
                                          Conv2dModuleOptions{.stride = {1, 2}, .bias = false}),
                 std::make_shared<Flatten>(), std::make_shared<Linear>(6, 5, gen)});
}

// fixtures_conv.py's max_pool1d and avg_pool2d models: each pooling module twice, once with every
// setting and once with the default stride.
std::shared_ptr<Sequential> make_max_pool1d_model(Generator& gen) {
  return std::make_shared<Sequential>(
      "pool1d", std::initializer_list<std::shared_ptr<UnaryModule>>{
                    std::make_shared<Conv1d>(2, 3, 3, gen, Conv1dModuleOptions{.padding = 1}),
                    std::make_shared<LeakyReLU>(0.3),
                    std::make_shared<MaxPool1d>(
                        MaxPool1dOptions{.kernel_size = 3, .stride = 2, .padding = 1}),
                    std::make_shared<Conv1d>(3, 2, 2, gen),
                    std::make_shared<MaxPool1d>(MaxPool1dOptions{.kernel_size = 2}),
                    std::make_shared<Flatten>(), std::make_shared<Linear>(4, 3, gen)});
}
std::shared_ptr<Sequential> make_avg_pool2d_model(Generator& gen) {
  return std::make_shared<Sequential>(
      "avgpool", std::initializer_list<std::shared_ptr<UnaryModule>>{
                     std::make_shared<Conv2d>(2, 3, 3, gen, Conv2dModuleOptions{.padding = 1}),
                     std::make_shared<Tanh>(),
                     std::make_shared<AvgPool2d>(AvgPool2dOptions{
                         .kernel_size = {2, 3}, .stride = Size2{1, 2}, .padding = 1}),
                     std::make_shared<AvgPool2d>(AvgPool2dOptions{.kernel_size = 2}),
                     std::make_shared<Flatten>(), std::make_shared<Linear>(18, 4, gen)});
}

// Runs a fixture case: parameters copied in, the output and every gradient compared with torch's.
void check_against_torch(Module& model, UnaryModule& forward, const fixtures::json& c) {
  fixtures::load_params(model, c.at("params"));
  Tensor x = fixtures::tensor(c.at("x"), true);
  Tape tape;
  Tensor out = forward(x);
  fixtures::check_values("out", out, c.at("out"));
  sum(out * fixtures::tensor(c.at("w"))).backward();
  fixtures::check_grad("x", x, c.at("grad_x"));
  for (const auto& p : model.named_parameters()) {
    fixtures::check_grad(p.name, p.tensor, c.at("grads").at(fixtures::key_of(model, p.name)));
  }
}

}  // namespace

TEST_CASE("a Conv2d, LeakyReLU, MaxPool2d, Flatten, Linear model matches PyTorch", "[conv]") {
  Generator gen(0);
  auto cnn = make_cnn(gen);
  check_against_torch(*cnn, *cnn, modules().at("cnn"));
}

TEST_CASE("Conv1d with stride, padding and dilation matches PyTorch", "[conv]") {
  Generator gen(0);
  Sequential model(
      "conv1d_tanh",
      {std::make_shared<Conv1d>(3, 4, 3, gen,
                                Conv1dModuleOptions{.stride = 2, .padding = 1, .dilation = 2}),
       std::make_shared<Tanh>()});
  check_against_torch(model, model, modules().at("conv1d"));
}

TEST_CASE("MaxPool1d and AvgPool2d in small models match PyTorch", "[conv]") {
  Generator gen(0);
  auto pool1d = make_max_pool1d_model(gen);
  check_against_torch(*pool1d, *pool1d, modules().at("max_pool1d"));
  auto avgpool = make_avg_pool2d_model(gen);
  check_against_torch(*avgpool, *avgpool, modules().at("avg_pool2d"));
}

TEST_CASE("Conv2d and Conv1d are PyTorch's default init: uniform within 1/sqrt(fan_in)", "[conv]") {
  Generator gen(7);
  Conv2d conv(4, 16, 3, gen);  // fan_in = 4 * 3 * 3 = 36: the bound is 1/6
  const double bound = 1.0 / 6.0;
  double largest = 0;
  for (double v : conv.weight.data()) {
    CHECK(std::abs(v) <= bound);
    largest = std::max(largest, std::abs(v));
  }
  CHECK(largest > 0.95 * bound);  // 576 draws fill the interval
  for (double v : conv.bias.data()) CHECK(std::abs(v) <= bound);
  Generator again(7);
  Conv2d same(4, 16, 3, again);
  CHECK(same.weight.to_vector() == conv.weight.to_vector());
  CHECK(same.bias.to_vector() == conv.bias.to_vector());

  Generator gen1(8);
  Conv1d conv1(2, 3, 8, gen1, {.bias = false});  // fan_in 16: the bound is 1/4
  CHECK(conv1.parameters().size() == 1);
  CHECK_FALSE(conv1.bias.defined());
  for (double v : conv1.weight.data()) CHECK(std::abs(v) <= 0.25);
}

TEST_CASE("a CNN saves and loads its parameters exactly", "[conv][serialize]") {
  Generator gen(1), other(2);
  auto cnn = make_cnn(gen);
  auto copy = make_cnn(other);
  REQUIRE(copy->named_parameters()[0].tensor.to_vector() !=
          cnn->named_parameters()[0].tensor.to_vector());
  parameters_from_json(*copy, parameters_to_json(*cnn));
  const auto a = cnn->named_parameters(), b = copy->named_parameters();
  REQUIRE(a.size() == 5);  // two weights and a bias for the convolutions, Linear's two
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].name == b[i].name);
    CHECK(a[i].tensor.to_vector() == b[i].tensor.to_vector());
  }
  CHECK(a[0].name == "cnn.0.weight");
  const Tensor x = ones({1, 2, 6, 9});
  CHECK((*cnn)(x).to_vector() == (*copy)(x).to_vector());
}

TEST_CASE("a Sequential with pooling modules saves and loads: the pools hold nothing",
          "[conv][serialize]") {
  for (auto make : {make_max_pool1d_model, make_avg_pool2d_model}) {
    Generator gen(1), other(2);
    auto model = make(gen);
    auto copy = make(other);
    // Parameters at the indices of the modules that have them, as PyTorch's state_dict names them.
    std::vector<std::string> names;
    for (const auto& p : model->state_dict()) names.push_back(fixtures::key_of(*model, p.name));
    CHECK(names == (model->name() == "pool1d"
                        ? std::vector<std::string>{"0.weight", "0.bias", "3.weight", "3.bias",
                                                   "6.weight", "6.bias"}
                        : std::vector<std::string>{"0.weight", "0.bias", "5.weight", "5.bias"}));
    REQUIRE(copy->named_parameters()[0].tensor.to_vector() !=
            model->named_parameters()[0].tensor.to_vector());
    parameters_from_json(*copy, parameters_to_json(*model));
    const Tensor x = model->name() == "pool1d" ? normal({2, 2, 9}, 0.0, 1.0, gen)
                                               : normal({2, 2, 5, 7}, 0.0, 1.0, gen);
    CHECK((*model)(x).to_vector() == (*copy)(x).to_vector());
  }
}

TEST_CASE("MaxPool1d and AvgPool2d record their op in their own scope, and print like PyTorch",
          "[conv]") {
  Generator gen(3);
  auto pool1d = make_max_pool1d_model(gen);
  auto avgpool = make_avg_pool2d_model(gen);
  Tape tape;
  (*pool1d)(ones({1, 2, 9}));
  (*avgpool)(ones({1, 2, 5, 7}));
  std::vector<std::pair<std::string, std::string>> pools;
  for (const Node& n : tape.nodes()) {
    if (std::string_view(n.op) == "max_pool1d" || std::string_view(n.op) == "avg_pool2d") {
      pools.emplace_back(n.op, tape.scope_name(n.scope));
    }
  }
  using P = std::pair<std::string, std::string>;
  CHECK(pools == std::vector<P>{{"max_pool1d", "pool1d/2"},
                                {"max_pool1d", "pool1d/4"},
                                {"avg_pool2d", "avgpool/2"},
                                {"avg_pool2d", "avgpool/3"}});
  CHECK((*pool1d)[2].to_string() == "MaxPool1d(kernel_size=3, stride=2, padding=1)");
  CHECK((*pool1d)[4].to_string() == "MaxPool1d(kernel_size=2, stride=2, padding=0)");
  CHECK((*avgpool)[2].to_string() ==
        "AvgPool2d(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1))");
  CHECK((*avgpool)[3].to_string() ==
        "AvgPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))");
  CHECK(MaxPool1d({.kernel_size = 2}).parameters().empty());
  CHECK(AvgPool2d({.kernel_size = 2}).state_dict().empty());
}

TEST_CASE("conv modules record their op in their own scope, and print like PyTorch", "[conv]") {
  Generator gen(3);
  auto cnn = make_cnn(gen);
  Tape tape;
  Tensor y = (*cnn)(ones({1, 2, 6, 9}));
  std::vector<std::pair<std::string, std::string>> seen;
  for (const Node& n : tape.nodes()) {
    if (n.backward != nullptr) seen.emplace_back(n.op, tape.scope_name(n.scope));
  }
  using P = std::pair<std::string, std::string>;
  CHECK(seen[0] == P{"conv2d", "cnn/0"});
  CHECK(seen[1] == P{"leaky_relu", "cnn/1"});
  CHECK(seen[2] == P{"max_pool2d", "cnn/2"});
  CHECK(seen[3] == P{"conv2d", "cnn/3"});
  CHECK(seen[4] == P{"reshape", "cnn/4"});
  CHECK(cnn->to_string() ==
        "Sequential(\n"
        "  (0): Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
        "  (1): LeakyReLU(negative_slope=0.3)\n"
        "  (2): MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))\n"
        "  (3): Conv2d(4, 3, kernel_size=(2, 3), stride=(1, 2), bias=false)\n"
        "  (4): Flatten(start_dim=1, end_dim=-1)\n"
        "  (5): Linear(in_features=6, out_features=5, bias=true)\n"
        ")");
  Conv1d conv1(1, 2, 5, gen, {.padding = 2, .dilation = 3});
  CHECK(conv1.to_string() ==
        "Conv1d(1, 2, kernel_size=(5,), stride=(1,), padding=(2,), dilation=(3,))");
}

TEST_CASE("Flatten joins the axes from start_dim to end_dim", "[conv]") {
  const Tensor x = zeros({2, 3, 4, 5});
  CHECK(shape_str(Flatten()(x).shape()) == "[2, 60]");
  CHECK(shape_str(Flatten(0)(x).shape()) == "[120]");
  CHECK(shape_str(Flatten(1, 2)(x).shape()) == "[2, 12, 5]");
  CHECK(shape_str(Flatten(-3, -2)(x).shape()) == "[2, 12, 5]");
  CHECK(shape_str(Flatten(2, 2)(x).shape()) == "[2, 3, 4, 5]");
  CHECK_THROWS_AS(Flatten(3, 1)(x), IndexError);
  CHECK_THROWS_WITH(Flatten(1, 4)(x),
                    "Flatten 'flatten': start_dim 1 and end_dim 4 do not name "
                    "axes first to last of the input of shape [2, 3, 4, 5]");
}

TEST_CASE("conv modules reject inputs and sizes that do not fit, naming themselves",
          "[conv][errors]") {
  Generator gen(4);
  Conv2d conv(3, 8, 3, gen);
  CHECK_THROWS_WITH(conv(zeros({2, 4, 8, 8})),
                    "Conv2d 'conv2d': input of shape [2, 4, 8, 8] is not [N, C, H, W] with C = 3");
  CHECK_THROWS_AS(conv(zeros({3, 8, 8})), ShapeError);
  CHECK_THROWS_AS(conv(zeros({1, 3, 2, 2})), ShapeError);  // the engine's: window too large
  Conv1d conv1(2, 4, 3, gen);
  CHECK_THROWS_WITH(conv1(zeros({2, 2, 3, 3})),
                    "Conv1d 'conv1d': input of shape [2, 2, 3, 3] is not [N, C, L] with C = 2");
  CHECK_THROWS_WITH(Conv2d(0, 8, 3, gen),
                    "Conv2d: in_channels = 0 and out_channels = 8 must be at least 1");
  CHECK_THROWS_WITH(Conv2d(1, 8, {3, 0}, gen), "Conv2d: kernel_size [3, 0] must be at least 1");
  CHECK_THROWS_AS(Conv1d(1, 8, 0, gen), ValueError);
  MaxPool2d pool({.kernel_size = 2});
  CHECK_THROWS_WITH(pool(zeros({4, 4})),
                    Catch::Contains("max_pool2d") && Catch::Contains("[4, 4] is not [N, C, H, W]"));
  // The pooling modules hand their input to the op, whose error names it and the shape.
  CHECK_THROWS_WITH(MaxPool1d({.kernel_size = 2})(zeros({2, 3, 4, 5})),
                    Catch::Contains("max_pool1d") && Catch::Contains("[2, 3, 4, 5]"));
  CHECK_THROWS_WITH(AvgPool2d({.kernel_size = 3})(zeros({1, 1, 2, 2})),
                    Catch::Contains("avg_pool2d") && Catch::Contains("[1, 1, 2, 2]"));
}
