// tests for nn/src/rnn.cpp: against torch.nn.RNN (both ways), batch_first, gradcheck, errors.
#include <catch2/catch.hpp>

#include <nn/nn.hpp>

#include "fixtures.hpp"

using namespace ag;
using namespace ag::nn;

TEST_CASE("RNN (tanh and relu, 2 layers) matches torch.nn.RNN with torch's weights", "[rnn]") {
  for (auto [key, nonlinearity] :
       {std::pair{"rnn_tanh", Nonlinearity::tanh}, std::pair{"rnn_relu", Nonlinearity::relu}}) {
    INFO(key);
    const auto& c = fixtures::nn().at(key);
    Generator gen(0);
    RNN rnn(4, 5, gen, {.num_layers = 2, .nonlinearity = nonlinearity});
    fixtures::load_params(rnn, c.at("params"));
    fixtures::check_recurrent_case(rnn, c);
  }
}

TEST_CASE("RNN with tapegrad's seeded init matches torch run on the same weights", "[rnn]") {
  const auto& c = fixtures::nn().at("rnn_ours");
  Generator gen(c.at("seed").get<uint64_t>());
  RNN rnn(4, 5, gen, {.num_layers = 2});
  fixtures::check_params(rnn, c.at("params"));
  fixtures::check_recurrent_case(rnn, c);
}

TEST_CASE("RNN batch_first gives the same numbers, transposed", "[rnn]") {
  const auto& c = fixtures::nn().at("rnn_tanh");
  Generator gen(0);
  RNN rnn(4, 5, gen, {.num_layers = 2, .batch_first = true});
  fixtures::load_params(rnn, c.at("params"));
  Tensor x = permute(fixtures::tensor(c.at("x")), {1, 0, 2});  // [B, T, I]
  RNN::Output out = rnn.forward(x, fixtures::tensor(c.at("h0")));
  CHECK(out.output.shape() == Shape{3, 7, 5});
  fixtures::check_values("output", permute(out.output, {1, 0, 2}), c.at("output"));
  fixtures::check_values("h", out.state, c.at("h"));
}

TEST_CASE("RNN without h0 starts from zeros, and RNNCell is one step", "[rnn]") {
  Generator gen(2);
  RNN rnn(3, 4, gen);
  Tensor x = ag::normal({5, 2, 3}, 0.0, 1.0, gen);
  RNN::Output a = rnn.forward(x);
  RNN::Output b = rnn.forward(x, ag::zeros({1, 2, 4}));
  CHECK(a.output.to_vector() == b.output.to_vector());
  // The first output step is one cell step from zero.
  Tensor h1 = rnn.layer(0).forward(reshape(slice(x, 0, 0, 1), {2, 3}));
  CHECK(h1.to_vector() == reshape(slice(a.output, 0, 0, 1), {2, 4}).to_vector());
}

TEST_CASE("gradcheck of RNNCell and of a 2-layer RNN", "[rnn]") {
  Generator gen(5);
  for (auto nonlinearity : {Nonlinearity::tanh, Nonlinearity::relu}) {
    RNNCell cell(3, 4, gen, nonlinearity);
    Tensor x = ag::normal({2, 3}, 0.0, 1.0, gen, true);
    Tensor h = ag::normal({2, 4}, 0.0, 1.0, gen, true);
    std::vector<Tensor> inputs = {x, h, cell.W_ih, cell.W_hh, cell.b_ih, cell.b_hh};
    auto r = gradcheck([&](const std::vector<Tensor>& in) { return cell.forward(in[0], in[1]); },
                       inputs);
    INFO(r.message);
    CHECK(r.ok);
  }
  RNN rnn(2, 3, gen, {.num_layers = 2});
  Tensor x = ag::normal({4, 2, 2}, 0.0, 1.0, gen, true);
  std::vector<Tensor> inputs = rnn.parameters();
  inputs.push_back(x);
  auto r = gradcheck(
      [&](const std::vector<Tensor>& in) {
        RNN::Output out = rnn.forward(in.back());
        return concat({reshape(out.output, {-1}), reshape(out.state, {-1})});
      },
      inputs);
  INFO(r.message);
  CHECK(r.ok);
}

TEST_CASE("RNN errors name the module and the shapes", "[rnn]") {
  Generator gen(0);
  RNN rnn(4, 5, gen, {.num_layers = 2});
  CHECK_THROWS_WITH(rnn.forward(ag::zeros({7, 3, 3})),
                    "RNN 'rnn': input has width 3, expected 4 (input shape [7, 3, 3], "
                    "[time, batch, input])");
  CHECK_THROWS_AS(rnn.forward(ag::zeros({3, 4})), ShapeError);
  CHECK_THROWS_WITH(rnn.forward(ag::zeros({7, 3, 4}), ag::zeros({2, 2, 5})),
                    "RNN 'rnn': initial h has shape [2, 2, 5], expected [2, 3, 5] (layers, batch, "
                    "hidden) for input shape [7, 3, 4]");
  CHECK_THROWS_AS(RNN(-1, 5, gen), ValueError);
  CHECK_THROWS_AS(RNN(4, 5, gen, {.num_layers = 0}), ValueError);
  RNNCell cell(4, 5, gen);
  CHECK_THROWS_AS(cell.forward(ag::zeros({3, 4}), ag::zeros({2, 5})), ShapeError);
}
