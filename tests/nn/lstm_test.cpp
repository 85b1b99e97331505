// tests for nn/src/lstm.cpp: against torch.nn.LSTM (both ways), batch_first, gradcheck of every
// option, the tape it records, errors.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <nn/nn.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "fixtures.hpp"

using namespace ag;
using namespace ag::nn;

TEST_CASE("LSTM (2 layers, T=7, batch 3) matches torch.nn.LSTM with torch's weights", "[lstm]") {
  const auto& c = fixtures::nn().at("lstm");
  Generator gen(0);
  LSTM lstm(4, 5, gen, {.num_layers = 2});
  fixtures::load_params(lstm, c.at("params"));
  fixtures::check_recurrent_case(lstm, c);
}

TEST_CASE("LSTM with tapegrad's seeded init matches torch run on the same weights", "[lstm]") {
  const auto& c = fixtures::nn().at("lstm_ours");
  Generator gen(c.at("seed").get<uint64_t>());
  LSTM lstm(4, 5, gen, {.num_layers = 2});
  fixtures::check_params(lstm, c.at("params"));
  fixtures::check_recurrent_case(lstm, c);
}

TEST_CASE("LSTM batch_first gives the same numbers, transposed", "[lstm]") {
  const auto& c = fixtures::nn().at("lstm");
  Generator gen(0);
  LSTM lstm(4, 5, gen, {.num_layers = 2, .batch_first = true});
  fixtures::load_params(lstm, c.at("params"));
  Tensor x = permute(fixtures::tensor(c.at("x")), {1, 0, 2});  // [B, T, I]
  LSTM::Output out = lstm.forward(x, {fixtures::tensor(c.at("h0")), fixtures::tensor(c.at("c0"))});
  CHECK(out.output.shape() == Shape{3, 7, 5});
  fixtures::check_values("output", permute(out.output, {1, 0, 2}), c.at("output"));
  fixtures::check_values("h", out.state.h, c.at("h"));
  fixtures::check_values("c", out.state.c, c.at("c"));
}

TEST_CASE("LSTM without a state starts from zeros, and LSTMCell is one step", "[lstm]") {
  Generator gen(2);
  LSTM lstm(3, 4, gen);
  Tensor x = ag::normal({5, 2, 3}, 0.0, 1.0, gen);
  LSTM::Output a = lstm.forward(x);
  LSTM::Output b = lstm.forward(x, {ag::zeros({1, 2, 4}), ag::zeros({1, 2, 4})});
  CHECK(a.output.to_vector() == b.output.to_vector());
  CHECK(a.state.c.to_vector() == b.state.c.to_vector());
  LSTMState s1 = lstm.layer(0).forward(reshape(slice(x, 0, 0, 1), {2, 3}));
  CHECK(s1.h.to_vector() == reshape(slice(a.output, 0, 0, 1), {2, 4}).to_vector());
  // The last output step is the final h of the (only) layer.
  CHECK(reshape(slice(a.output, 0, 4, 5), {2, 4}).to_vector() ==
        reshape(a.state.h, {2, 4}).to_vector());
}

TEST_CASE("gradcheck of LSTMCell for every option combination", "[lstm]") {
  Generator gen(11);
  for (auto gate : {GateActivation::sigmoid, GateActivation::relu, GateActivation::hard_sigmoid,
                    GateActivation::hard_sigmoid_keras}) {
    for (auto cell_act : {CellActivation::tanh, CellActivation::relu}) {
      for (double forget_bias : {0.0, 1.0}) {
        LSTMCell cell(
            3, 4, gen,
            {.gate_activation = gate, .cell_activation = cell_act, .forget_bias = forget_bias});
        Tensor x = ag::normal({2, 3}, 0.0, 1.0, gen, true);
        Tensor h = ag::normal({2, 4}, 0.0, 1.0, gen, true);
        Tensor c = ag::normal({2, 4}, 0.0, 1.0, gen, true);
        std::vector<Tensor> inputs = {x, h, c, cell.W_ih, cell.W_hh, cell.b_ih, cell.b_hh};
        auto r = gradcheck(
            [&](const std::vector<Tensor>& in) {
              LSTMState s = cell.forward(in[0], {in[1], in[2]});
              return concat({s.h, s.c}, 1);
            },
            inputs);
        INFO(cell.to_string() << ": " << r.message);
        CHECK(r.ok);
      }
    }
  }
}

TEST_CASE("step_with_gates hands back the gates the step used, and the same (h, c)", "[lstm]") {
  Generator gen(13);
  const int64_t H = 3;
  for (auto gate : {GateActivation::sigmoid, GateActivation::hard_sigmoid_keras}) {
    LSTMCell cell(2, H, gen, {.gate_activation = gate});
    const Tensor x = ag::normal({4, 2}, 0.0, 2.0, gen);
    const LSTMState prev{ag::normal({4, H}, 0.0, 1.0, gen), ag::normal({4, H}, 0.0, 1.0, gen)};
    const RecurrentWeights w = cell.prepare();
    const LSTMStep s = cell.step_with_gates(x, prev, w);
    const LSTMState plain = cell.step(x, prev, w);
    CHECK(s.state.h.to_vector() == plain.h.to_vector());
    CHECK(s.state.c.to_vector() == plain.c.to_vector());
    // The gates from the preactivation, by the formulas of lstm.hpp, in the order i, f, g, o.
    REQUIRE(s.gates.preactivation.shape() == std::vector<int64_t>{4, 4 * H});
    const std::vector<double> pre = s.gates.preactivation.to_vector();
    const std::vector<double> i = s.gates.i.to_vector(), f = s.gates.f.to_vector(),
                              g = s.gates.g.to_vector(), o = s.gates.o.to_vector();
    const std::vector<double> c = s.state.c.to_vector(), h = s.state.h.to_vector();
    const std::vector<double> c_prev = prev.c.to_vector();
    auto act = [&](double z) {
      return gate == GateActivation::sigmoid ? 1.0 / (1.0 + std::exp(-z))
                                             : std::clamp(0.2 * z + 0.5, 0.0, 1.0);
    };
    for (int64_t b = 0; b < 4; ++b) {
      for (int64_t j = 0; j < H; ++j) {
        const size_t k = static_cast<size_t>(b * H + j);
        auto at = [&](int64_t part) { return pre[static_cast<size_t>(b * 4 * H + part * H + j)]; };
        CHECK(i[k] == Approx(act(at(0))).margin(1e-15));
        CHECK(f[k] == Approx(act(at(1))).margin(1e-15));
        CHECK(g[k] == Approx(std::tanh(at(2))).margin(1e-15));
        CHECK(o[k] == Approx(act(at(3))).margin(1e-15));
        CHECK(c[k] == Approx(f[k] * c_prev[k] + i[k] * g[k]).margin(1e-15));
        CHECK(h[k] == Approx(o[k] * std::tanh(c[k])).margin(1e-15));
      }
    }
  }
}

TEST_CASE("gradcheck of a 2-layer LSTM through time", "[lstm]") {
  Generator gen(12);
  LSTM lstm(2, 3, gen, {.num_layers = 2, .batch_first = true});
  Tensor x = ag::normal({2, 4, 2}, 0.0, 1.0, gen, true);
  std::vector<Tensor> inputs = lstm.parameters();
  inputs.push_back(x);
  auto r = gradcheck(
      [&](const std::vector<Tensor>& in) {
        LSTM::Output out = lstm.forward(in.back());
        return concat(
            {reshape(out.output, {-1}), reshape(out.state.h, {-1}), reshape(out.state.c, {-1})});
      },
      inputs);
  INFO(r.message);
  CHECK(r.ok);
}

TEST_CASE("forget_bias adds to the forget gate's part of b_ih only", "[lstm]") {
  Generator a(3), b(3);
  LSTMCell plain(2, 3, a);
  LSTMCell remember(2, 3, b, {.forget_bias = 1.0});
  for (int64_t j = 0; j < 12; ++j) {
    const double expected = plain.b_ih.at({j}) + (j >= 3 && j < 6 ? 1.0 : 0.0);
    CHECK(remember.b_ih.at({j}) == expected);
  }
  CHECK(remember.b_hh.to_vector() == plain.b_hh.to_vector());
  CHECK(remember.W_ih.to_vector() == plain.W_ih.to_vector());
  // A NaN or infinite forget_bias is refused (a NaN one made every forget gate NaN), by the LSTM
  // too, which builds its cells from these options.
  for (double bad :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    CHECK_THROWS_WITH(LSTMCell(2, 3, a, {.forget_bias = bad}),
                      fmt::format("LSTMCell: invalid forget_bias = {} (must be a finite number)",
                                  bad));
    CHECK_THROWS_AS(LSTM(2, 3, a, {.cell = {.forget_bias = bad}}), ValueError);
  }
}

TEST_CASE("the LSTM's tape is engine ops in per-time-step scopes", "[lstm]") {
  Generator gen(0);
  LSTM lstm(2, 3, gen, {.num_layers = 2});
  Tape tape;
  LSTM::Output out = lstm.forward(ag::normal({5, 4, 2}, 0.0, 1.0, gen));
  sum(out.output).backward();
  // Count the ops of one step of one layer.
  std::map<std::string, int> ops;
  std::set<std::string> scopes;
  for (const Node& n : tape.nodes()) {
    scopes.insert(tape.scope_name(n.scope));
    if (tape.scope_name(n.scope) == "lstm/t=3/layer1") ++ops[n.op];
  }
  CHECK(ops["addmm"] == 2);  // b + x W_ih^T, then + h W_hh^T
  CHECK(ops["matmul"] == 0);
  CHECK(ops["slice"] == 4);                 // i, f, g, o
  CHECK(ops["sigmoid"] == 3);               // i, f, o
  CHECK(ops["tanh"] == 2);                  // g and tanh(c)
  CHECK(ops["mul"] == 3);                   // f * c, i * g, o * tanh(c)
  CHECK(ops["add"] == 1);                   // c = f c + i g
  CHECK(scopes.count("lstm/layer0") == 1);  // W^T and b_ih + b_hh, once per sequence
  CHECK(scopes.count("lstm/t=0/layer0") == 1);
  CHECK(scopes.count("lstm/t=4/layer1") == 1);
  // The parameters appear on the tape under their names.
  bool named = false;
  for (size_t i = 0; i < tape.size(); ++i) {
    named = named || tape.tensor(i).name() == "lstm.layer1.W_hh";
  }
  CHECK(named);
  CHECK(lstm.layer(1).W_hh.has_grad());
}

TEST_CASE("LSTM errors name the module and the shapes", "[lstm]") {
  Generator gen(0);
  LSTM lstm(4, 5, gen, {.num_layers = 2});
  CHECK_THROWS_WITH(lstm.forward(ag::zeros({7, 3, 3})),
                    "LSTM 'lstm': input has width 3, expected 4 (input shape [7, 3, 3], "
                    "[time, batch, input])");
  CHECK_THROWS_WITH(lstm.forward(ag::zeros({3, 4})),
                    "LSTM 'lstm': input must have rank 3, [time, batch, input], got shape [3, 4] "
                    "(for one time step use the cell, or reshape to add an axis)");
  CHECK_THROWS_AS(lstm.forward(ag::zeros({1, 7, 3, 4})), ShapeError);
  CHECK_THROWS_WITH(lstm.forward(ag::zeros({7, 3, 4}),
                                 {ag::zeros({2, 2, 5}), ag::zeros({2, 3, 5})}),
                    "LSTM 'lstm': initial h has shape [2, 2, 5], expected [2, 3, 5] (layers, "
                    "batch, hidden) for input shape [7, 3, 4]");
  CHECK_THROWS_AS(lstm.forward(ag::zeros({7, 3, 4}), {ag::zeros({2, 3, 5}), Tensor()}), ShapeError);
  CHECK_THROWS_WITH(LSTM(4, -5, gen), "LSTM: negative size (input_size = 4, hidden_size = -5)");
  CHECK_THROWS_AS(LSTM(4, 5, gen, {.num_layers = 0}), ValueError);
  CHECK_THROWS_AS(LSTMCell(-1, 5, gen), ValueError);
  LSTMCell cell(4, 5, gen);
  CHECK_THROWS_WITH(cell.forward(ag::zeros({3, 4}), {ag::zeros({2, 5}), ag::zeros({3, 5})}),
                    "LSTMCell 'lstm_cell': state h has shape [2, 5], expected [3, 5] (batch, "
                    "hidden) for input shape [3, 4]");
  CHECK_THROWS_AS(cell.forward(ag::zeros({3, 2})), ShapeError);
}
