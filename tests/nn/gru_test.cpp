// tests for nn/src/gru.cpp: against torch.nn.GRU (both ways), batch_first, the cell as one step,
// gradcheck, errors.
#include <catch2/catch.hpp>

#include <nn/nn.hpp>

#include "fixtures.hpp"

using namespace ag;
using namespace ag::nn;

TEST_CASE("GRU (2 layers, T=7, batch 3) matches torch.nn.GRU with torch's weights", "[gru]") {
  const auto& c = fixtures::nn().at("gru");
  Generator gen(0);
  GRU gru(4, 5, gen, {.num_layers = 2});
  fixtures::load_params(gru, c.at("params"));
  fixtures::check_recurrent_case(gru, c);
}

TEST_CASE("GRU with tapegrad's seeded init matches torch run on the same weights", "[gru]") {
  const auto& c = fixtures::nn().at("gru_ours");
  Generator gen(c.at("seed").get<uint64_t>());
  GRU gru(4, 5, gen, {.num_layers = 2});
  fixtures::check_params(gru, c.at("params"));
  fixtures::check_recurrent_case(gru, c);
}

TEST_CASE("GRU batch_first gives the same numbers, transposed", "[gru]") {
  const auto& c = fixtures::nn().at("gru");
  Generator gen(0);
  GRU gru(4, 5, gen, {.num_layers = 2, .batch_first = true});
  fixtures::load_params(gru, c.at("params"));
  Tensor x = permute(fixtures::tensor(c.at("x")), {1, 0, 2});  // [B, T, I]
  GRU::Output out = gru.forward(x, fixtures::tensor(c.at("h0")));
  CHECK(out.output.shape() == Shape{3, 7, 5});
  fixtures::check_values("output", permute(out.output, {1, 0, 2}), c.at("output"));
  fixtures::check_values("h", out.state, c.at("h"));
}

TEST_CASE("GRUCell is PyTorch's equations, written out by hand for one unit", "[gru]") {
  // H = 1, I = 1: every weight is a number, so the step can be computed on paper.
  Generator gen(3);
  GRUCell cell(1, 1, gen);
  const double x = 0.7, h = -0.4;
  const auto W_ih = cell.W_ih.to_vector(), W_hh = cell.W_hh.to_vector();  // r, z, n
  const auto b_ih = cell.b_ih.to_vector(), b_hh = cell.b_hh.to_vector();
  const auto sig = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  const double r = sig(W_ih[0] * x + b_ih[0] + W_hh[0] * h + b_hh[0]);
  const double z = sig(W_ih[1] * x + b_ih[1] + W_hh[1] * h + b_hh[1]);
  const double n = std::tanh(W_ih[2] * x + b_ih[2] + r * (W_hh[2] * h + b_hh[2]));
  const double expected = (1 - z) * n + z * h;
  Tensor out = cell.forward(ag::full({1, 1}, x), ag::full({1, 1}, h));
  CHECK(out.item() == Approx(expected).epsilon(1e-14));
}

TEST_CASE("GRU without h0 starts from zeros, and its first step is one GRUCell step", "[gru]") {
  Generator gen(2);
  GRU gru(3, 4, gen);
  Tensor x = ag::normal({5, 2, 3}, 0.0, 1.0, gen);
  GRU::Output a = gru.forward(x);
  GRU::Output b = gru.forward(x, ag::zeros({1, 2, 4}));
  CHECK(a.output.to_vector() == b.output.to_vector());
  Tensor h1 = gru.layer(0).forward(reshape(slice(x, 0, 0, 1), {2, 3}));
  CHECK(h1.to_vector() == reshape(slice(a.output, 0, 0, 1), {2, 4}).to_vector());
}

TEST_CASE("gradcheck of GRUCell (with and without bias) and of a 2-layer GRU", "[gru]") {
  Generator gen(5);
  for (bool bias : {true, false}) {
    GRUCell cell(3, 4, gen, bias);
    Tensor x = ag::normal({2, 3}, 0.0, 1.0, gen, true);
    Tensor h = ag::normal({2, 4}, 0.0, 1.0, gen, true);
    std::vector<Tensor> inputs = cell.parameters();
    inputs.insert(inputs.begin(), {x, h});
    CHECK(inputs.size() == (bias ? 6u : 4u));
    auto r = gradcheck([&](const std::vector<Tensor>& in) { return cell.forward(in[0], in[1]); },
                       inputs);
    INFO(cell.to_string() << ": " << r.message);
    CHECK(r.ok);
  }
  GRU gru(2, 3, gen, {.num_layers = 2});
  Tensor x = ag::normal({4, 2, 2}, 0.0, 1.0, gen, true);
  std::vector<Tensor> inputs = gru.parameters();
  inputs.push_back(x);
  auto r = gradcheck(
      [&](const std::vector<Tensor>& in) {
        GRU::Output out = gru.forward(in.back());
        return concat({reshape(out.output, {-1}), reshape(out.state, {-1})});
      },
      inputs);
  INFO(r.message);
  CHECK(r.ok);
}

TEST_CASE("GRU parameter names and shapes are torch.nn.GRU's", "[gru]") {
  Generator gen(0);
  GRU gru(4, 5, gen, {.num_layers = 2});
  std::vector<std::string> names;
  for (const auto& p : gru.named_parameters()) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"gru.layer0.W_ih", "gru.layer0.W_hh", "gru.layer0.b_ih",
                                          "gru.layer0.b_hh", "gru.layer1.W_ih", "gru.layer1.W_hh",
                                          "gru.layer1.b_ih", "gru.layer1.b_hh"});
  CHECK(gru.layer(0).W_ih.shape() == Shape{15, 4});
  CHECK(gru.layer(1).W_ih.shape() == Shape{15, 5});
  CHECK(gru.layer(1).W_hh.shape() == Shape{15, 5});
  CHECK(gru.to_string().starts_with(
      "GRU(input_size=4, hidden_size=5, num_layers=2, bias=true, batch_first=false,\n"
      "  (layer0): GRUCell(input_size=4, hidden_size=5, bias=true)"));
}

TEST_CASE("GRU errors name the module and the shapes", "[gru]") {
  Generator gen(0);
  GRU gru(4, 5, gen, {.num_layers = 2});
  CHECK_THROWS_WITH(gru.forward(ag::zeros({7, 3, 3})),
                    "GRU 'gru': input has width 3, expected 4 (input shape [7, 3, 3], "
                    "[time, batch, input])");
  CHECK_THROWS_WITH(gru.forward(ag::zeros({7, 3, 4}), ag::zeros({2, 2, 5})),
                    "GRU 'gru': initial h has shape [2, 2, 5], expected [2, 3, 5] (layers, batch, "
                    "hidden) for input shape [7, 3, 4]");
  CHECK_THROWS_AS(GRU(-1, 5, gen), ValueError);
  CHECK_THROWS_AS(GRU(4, 5, gen, {.num_layers = 0}), ValueError);
  GRUCell cell(4, 5, gen);
  CHECK_THROWS_WITH(cell.forward(ag::zeros({3, 4}), ag::zeros({2, 5})),
                    "GRUCell 'gru_cell': state h has shape [2, 5], expected [3, 5] (batch, hidden) "
                    "for input shape [3, 4]");
  CHECK_THROWS_WITH(cell.forward(ag::zeros({3, 2})),
                    "GRUCell 'gru_cell': input must be [batch, 4], got shape [3, 2]");
}
