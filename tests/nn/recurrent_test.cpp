// tests for nn/src/recurrent.cpp: the unroll RNN and LSTM share, run on both. (Each layer's
// numbers against PyTorch are in rnn_test.cpp and lstm_test.cpp.)
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

TEMPLATE_TEST_CASE("an empty sequence gives an empty output and the initial state", "[recurrent]",
                   RNN, LSTM) {
  Generator gen(5);
  TestType layer(3, 4, gen, {.num_layers = 2, .batch_first = true});
  auto out = layer(ag::zeros({2, 0, 3}));  // [B, T = 0, I]
  CHECK(out.output.shape() == Shape{2, 0, 4});
  for (const auto& [name, tensor] : state_tensors(out.state)) {
    INFO(name);
    CHECK(tensor->to_vector() == std::vector<double>(2 * 2 * 4, 0.0));
  }
}
