// micrograd.hpp — micrograd's nn.py (Neuron, Layer, MLP), line for line, on this engine.
//
// A Value there is a 0-d tensor here: every weight is its own scalar leaf, and every multiply and
// add its own node on the tape. Tutorial 04 trains it next to a tensor MLP; bench_moons times it
// (the benchmark includes this header, so the two run the very same model).
//
//     class Neuron(Module):
//         def __init__(self, nin, nonlin=True):
//             self.w = [Value(random.uniform(-1,1)) for _ in range(nin)]
//             self.b = Value(0)
//         def __call__(self, x):
//             act = sum((wi*xi for wi,xi in zip(self.w, x)), self.b)
//             return act.relu() if self.nonlin else act
//
// The only additions are names and scopes: parameters named as micrograd's printout would locate
// them (layer0.n3.w1), and each neuron's nodes in the scope mlp/layer0/n3, so the folded graph
// draws one box per neuron. A scope costs a switch per neuron per point, which a benchmark of the
// bare ops does not want: MLP's `scoped` turns them off.
//
// What this file leaves out: micrograd's Value class itself (the engine is tapegrad's) and its
// Module.zero_grad (the training loops zero the parameters' gradients themselves).
#pragma once

#include <autograd/autograd.hpp>
#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace micrograd {

using ag::Tensor;

struct Neuron {
  std::vector<Tensor> w;  // nin scalar leaves, uniform(-1, 1)
  Tensor b;               // one scalar leaf, 0
  bool nonlin;

  Neuron(int64_t nin, bool nonlin, ag::Generator& gen) : nonlin(nonlin) {
    for (int64_t i = 0; i < nin; ++i) w.push_back(ag::scalar(gen.uniform(-1.0, 1.0), true));
    b = ag::scalar(0.0, true);
  }
  Tensor operator()(const std::vector<Tensor>& x) const {
    // Python's sum(iterable, start) is ((start + t0) + t1) + ...: the bias comes first.
    Tensor act = b;
    for (size_t i = 0; i < w.size(); ++i) {
      Tensor wx = w[i] * x[i];
      act = act + wx;
    }
    return nonlin ? act.relu() : act;
  }
  std::vector<Tensor> parameters() const {
    std::vector<Tensor> p = w;
    p.push_back(b);
    return p;
  }
};

struct Layer {
  std::vector<Neuron> neurons;

  Layer(int64_t nin, int64_t nout, bool nonlin, ag::Generator& gen) {
    for (int64_t j = 0; j < nout; ++j) neurons.emplace_back(nin, nonlin, gen);
  }
  // Each neuron on x; with `scoped`, neuron j's nodes in the scope "n<j>".
  std::vector<Tensor> operator()(const std::vector<Tensor>& x, bool scoped = false) const {
    std::vector<Tensor> out;
    out.reserve(neurons.size());
    for (size_t j = 0; j < neurons.size(); ++j) {
      std::optional<ag::ScopeGuard> scope;
      if (scoped) scope.emplace(fmt::format("n{}", j));
      out.push_back(neurons[j](x));
    }
    return out;
  }
  std::vector<Tensor> parameters() const {
    std::vector<Tensor> p;
    for (const Neuron& n : neurons)
      for (const Tensor& t : n.parameters()) p.push_back(t);
    return p;
  }
};

// MLP(2, {16, 16, 1}): ReLU on every layer but the last, as micrograd's `nonlin=i!=len(nouts)-1`.
struct MLP {
  std::vector<Layer> layers;
  bool scoped;  // nodes in scopes mlp/layer<l>/n<j> (for the graph dumps)

  MLP(int64_t nin, const std::vector<int64_t>& nouts, ag::Generator& gen, bool scoped = true)
      : scoped(scoped) {
    int64_t fan_in = nin;
    for (size_t i = 0; i < nouts.size(); ++i) {
      layers.emplace_back(fan_in, nouts[i], i + 1 != nouts.size(), gen);
      fan_in = nouts[i];
    }
    // Name every parameter as micrograd's printout would locate it: layer0.n3.w1, layer0.n3.b.
    for (size_t l = 0; l < layers.size(); ++l)
      for (size_t j = 0; j < layers[l].neurons.size(); ++j) {
        Neuron& n = layers[l].neurons[j];
        for (size_t i = 0; i < n.w.size(); ++i) {
          n.w[i].set_name(fmt::format("layer{}.n{}.w{}", l, j, i));
        }
        n.b.set_name(fmt::format("layer{}.n{}.b", l, j));
      }
  }
  Tensor operator()(std::vector<Tensor> x) const {
    std::optional<ag::ScopeGuard> scope;
    if (scoped) scope.emplace("mlp");
    for (size_t l = 0; l < layers.size(); ++l) {
      std::optional<ag::ScopeGuard> layer_scope;
      if (scoped) layer_scope.emplace(fmt::format("layer{}", l));
      x = layers[l](x, scoped);
    }
    return x[0];  // the last layer has one neuron
  }
  std::vector<Tensor> parameters() const {
    std::vector<Tensor> p;
    for (const Layer& layer : layers)
      for (const Tensor& t : layer.parameters()) p.push_back(t);
    return p;
  }
};

}  // namespace micrograd
