// tests for nn/src/recurrent.cpp: the unroll RNN, LSTM and GRU share, run on each. (Each layer's
// numbers against PyTorch are in rnn_test.cpp, lstm_test.cpp and gru_test.cpp.)
#include <catch2/catch.hpp>

#include <nn/nn.hpp>

using namespace ag;
using namespace ag::nn;

TEMPLATE_TEST_CASE(
    "a sequence run in two pieces, the second from the first's final state, is "
    "the whole sequence",
    "[recurrent]", RNN, LSTM) {
  Generator gen(4);
  TestType layer(3, 4, gen, {.num_layers = 2});
  const Tensor x = ag::normal({6, 2, 3}, 0.0, 1.0, gen);  // [T, B, I]
  auto whole = layer(x);
  auto first = layer(slice(x, 0, 0, 4));
  auto rest = layer(slice(x, 0, 4, 6), first.state);  // PyTorch: rnn(x2, h_n) goes on
  CHECK(slice(whole.output, 0, 4, 6).to_vector() == rest.output.to_vector());
  const auto whole_state = state_tensors(whole.state);
  const auto rest_state = state_tensors(rest.state);
  for (size_t k = 0; k < whole_state.size(); ++k) {
    INFO(whole_state[k].name);
    CHECK(whole_state[k].tensor->shape() == Shape{2, 2, 4});  // [layers, B, H]
    CHECK(whole_state[k].tensor->to_vector() == rest_state[k].tensor->to_vector());
  }
}

TEMPLATE_TEST_CASE("a sequence of length 0 is refused, naming the layer and the shape",
                   "[recurrent]", RNN, LSTM, GRU) {
  // As PyTorch ("Expected sequence length to be larger than 0 in RNN"): with no step there is no
  // last state to hand back.
  Generator gen(5);
  TestType layer(3, 4, gen, {.num_layers = 2, .batch_first = true});
  CHECK_THROWS_AS(layer(ag::zeros({2, 0, 3})), ShapeError);  // [B, T = 0, I]
  CHECK_THROWS_WITH(layer(ag::zeros({2, 0, 3})),
                    Catch::Contains("the sequence has length 0 (input shape [2, 0, 3], "
                                    "[batch, time, input])"));
  TestType time_first(3, 4, gen);
  CHECK_THROWS_AS(time_first(ag::zeros({0, 2, 3})), ShapeError);
}

TEMPLATE_TEST_CASE("a layer of hidden_size 0 is refused, as PyTorch's", "[recurrent]", RNN, LSTM,
                   GRU) {
  Generator gen(6);
  CHECK_THROWS_AS(TestType(3, 0, gen), ValueError);
  CHECK_THROWS_WITH(TestType(3, 0, gen), Catch::Contains("hidden_size must be at least 1, got 0"));
}

TEST_CASE("a cell of hidden_size 0 is allowed and steps to [B, 0], as PyTorch's", "[recurrent]") {
  // torch.nn.RNNCell(3, 0)(x) has shape [B, 0] (PyTorch 1.13); so do LSTMCell's h and GRUCell's.
  Generator gen(6);
  const Tensor x = ag::zeros({2, 3});
  CHECK(RNNCell(3, 0, gen)(x).shape() == Shape{2, 0});
  CHECK(LSTMCell(3, 0, gen)(x).h.shape() == Shape{2, 0});
  CHECK(GRUCell(3, 0, gen)(x).shape() == Shape{2, 0});
}
