// fixtures.hpp — reading tests/reference/nn.json (written by PyTorch, see fixtures_nn.py).
#pragma once

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <autograd/autograd.hpp>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include <nn/nn.hpp>

namespace fixtures {

using nlohmann::json;

inline const json& nn() {
  static const json data = [] {
    std::ifstream in(TAPEGRAD_SOURCE_DIR "/tests/reference/nn.json");
    if (!in) throw std::runtime_error("cannot open tests/reference/nn.json");
    return json::parse(in);
  }();
  return data;
}

// {"shape": [...], "values": [...]} -> a Tensor (a leaf; a parameter if requires_grad).
inline ag::Tensor tensor(const json& j, bool requires_grad = false) {
  return ag::Tensor(j.at("values").get<std::vector<double>>(), j.at("shape").get<ag::Shape>(),
                    requires_grad);
}

// The largest |actual - expected| (infinity if the shapes differ).
inline double max_abs_diff(std::span<const double> actual, const ag::Shape& actual_shape,
                           const json& expected) {
  if (actual_shape != expected.at("shape").get<ag::Shape>()) return INFINITY;
  const auto values = expected.at("values").get<std::vector<double>>();
  double worst = 0.0;
  for (size_t i = 0; i < values.size(); ++i) {
    const double d = std::abs(actual[i] - values[i]);
    worst = std::isnan(d) ? INFINITY : std::max(worst, d);
  }
  return worst;
}

inline void check_values(const std::string& what, const ag::Tensor& actual, const json& expected,
                         double tol = 1e-10) {
  INFO(what << ": shape " << ag::shape_str(actual.shape()) << " vs fixture "
            << expected.at("shape").dump());
  CHECK(max_abs_diff(actual.data(), actual.shape(), expected) <= tol);
}

inline void check_grad(const std::string& what, const ag::Tensor& param, const json& expected,
                       double tol = 1e-10) {
  INFO(what << " (gradient)");
  REQUIRE(param.has_grad());
  CHECK(max_abs_diff(param.grad_data(), param.shape(), expected) <= tol);
}

// A parameter's key in a fixture: its name without the root module's prefix, "layer0.W_ih" for
// "lstm.layer0.W_ih".
inline std::string key_of(const ag::nn::Module& root, const std::string& name) {
  return name.substr(root.path().size() + 1);
}

// Copies fixture parameters {"layer0.W_ih": ...} into a module whose parameter names are
// "<root>.layer0.W_ih".
inline void load_params(ag::nn::Module& module, const json& params) {
  size_t copied = 0;
  for (auto& p : module.named_parameters()) {
    const std::string key = key_of(module, p.name);
    INFO("parameter " << p.name);
    REQUIRE(params.contains(key));
    ag::Tensor value = tensor(params.at(key));
    REQUIRE(value.shape() == p.tensor.shape());
    std::copy(value.data().begin(), value.data().end(), p.tensor.mutable_data().begin());
    ++copied;
  }
  REQUIRE(copied == params.size());
}

// Checks that a module's parameters are the fixture's, bit for bit.
inline void check_params(const ag::nn::Module& module, const json& params) {
  for (const auto& p : module.named_parameters()) {
    check_values(p.name, p.tensor, params.at(key_of(module, p.name)), 0.0);
  }
}

// Runs a recurrent layer (RNN, LSTM) on a fixture case and checks its output, each tensor of its
// final state ("h", and "c" for an LSTM), the loss sum(output * w_output) + sum(h * w_h) (+ sum(c
// * w_c)) and every gradient: the input's, the initial state's ("grad_h0", "grad_c0") and the
// parameters'. The state's tensors are the layer's own list of them (ag::nn::state_tensors).
template <class Layer>
void check_recurrent_case(Layer& layer, const json& c) {
  ag::Tensor x = tensor(c.at("x"), true);
  typename Layer::State initial;
  for (const auto& [name, t] : ag::nn::state_tensors(initial)) {
    *t = tensor(c.at(std::string(name) + "0"), true);
  }
  ag::Tape tape;
  auto out = layer.forward(x, initial);
  check_values("output", out.output, c.at("output"));
  ag::Tensor loss = ag::sum(out.output * tensor(c.at("w_output")));
  for (const auto& [name, t] : ag::nn::state_tensors(out.state)) {
    check_values(name, *t, c.at(name));
    loss = loss + ag::sum(*t * tensor(c.at(std::string("w_") + name)));
  }
  CHECK(loss.item() == Approx(c.at("loss").get<double>()).epsilon(1e-12));
  loss.backward();
  check_grad("x", x, c.at("grad_x"));
  for (const auto& [name, t] : ag::nn::state_tensors(initial)) {
    check_grad(std::string(name) + "0", *t, c.at(std::string("grad_") + name + "0"));
  }
  for (const auto& p : layer.named_parameters()) {
    check_grad(p.name, p.tensor, c.at("grads").at(key_of(layer, p.name)));
  }
}

}  // namespace fixtures
