// deep_mlp.hpp — the deep MLP that tutorials 05, 06 and 07 probe at initialisation.
//
// Layer l (1-based) computes z_l = layer_l(h_(l-1)) and h_l = f(z_l), inside its own scope
// "<name>/layer<l>", so viz::gradient_flow and the folded view give one number and one box per
// layer. The pass keeps every z_l and h_l: the gradient at z_l is how much of the loss reaches
// layer l (05, 06), the values of h_l how many of its units are off (05).
//
// folded_by_layer gives the folded view of such a stack the same shape in every tutorial that
// draws one (05, 07, 13).
//
// What this file leaves out: the read-out and the loss, which each tutorial chooses (MSE against
// random targets, cross-entropy against random classes, or the output itself), and training.
#pragma once

#include <autograd/autograd.hpp>
#include <fmt/format.h>
#include <nn/nn.hpp>
#include <viz/viz.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tut {

// `depth` layers Linear(width, width), named layer1 .. layer<depth>: each drawn as PyTorch draws
// it, then its weight drawn again by `init` (Xavier, He, ...) and its bias set to 0, as Glorot &
// Bengio and He et al. start. All from `gen`, in that order, layer by layer.
inline std::vector<std::unique_ptr<ag::nn::Linear>> deep_linears(
    int depth, int64_t width, ag::Generator& gen,
    const std::function<void(ag::Tensor&, ag::Generator&)>& init) {
  std::vector<std::unique_ptr<ag::nn::Linear>> layers;
  for (int l = 0; l < depth; ++l) {
    layers.push_back(std::make_unique<ag::nn::Linear>(width, width, gen));
    layers.back()->set_name(fmt::format("layer{}", l + 1));
    init(layers.back()->weight, gen);
    ag::nn::init::zeros(layers.back()->bias);
  }
  return layers;
}

struct DeepPass {
  std::vector<ag::Tensor> pre;     // z_l, l = 1 .. depth
  std::vector<ag::Tensor> hidden;  // h_l = f(z_l)
  ag::Tensor out;                  // h_depth: what the read-out reads
};

// x through `depth` layers: z_l = layer(l, h_(l-1)) with l = 1 .. depth, h_l = activation(z_l),
// layer l in the scope "<name>/layer<l>".
inline DeepPass deep_forward(const std::string& name, int depth, const ag::Tensor& x,
                             const std::function<ag::Tensor(int, const ag::Tensor&)>& layer,
                             const std::function<ag::Tensor(const ag::Tensor&)>& activation) {
  DeepPass pass;
  ag::ScopeGuard net(name);
  ag::Tensor h = x;
  for (int l = 1; l <= depth; ++l) {
    ag::ScopeGuard scope(fmt::format("layer{}", l));
    ag::Tensor z = layer(l, h);
    pass.pre.push_back(z);
    h = activation(z);
    pass.hidden.push_back(h);
  }
  pass.out = h;
  return pass;
}

// |dL/d output| of layers 1 .. depth of the stack named `name`, from viz::gradient_flow at depth
// 2, which gives one entry per scope "<name>/layer<l>" (and others, such as a head, left out): the
// numbers a gradient-flow strip and a folded view of the stack draw.
inline std::vector<double> layer_norms(const std::vector<ag::viz::FlowEntry>& flow,
                                       const std::string& name) {
  std::vector<double> norms;
  for (const ag::viz::FlowEntry& e : flow) {
    if (e.scope.starts_with(name + "/")) norms.push_back(e.norm);
  }
  return norms;
}

// The folded view of a deep stack whose layers run in the scopes "<name>/layer<l>": one box per
// layer, ten to a row, layer 1 first. `picture` brings the title, and the colour scale, which
// should stay the default one every picture shares, so that the stacks compare by eye.
inline ag::viz::Options folded_by_layer(ag::viz::Options picture) {
  picture.view = ag::viz::View::folded;
  picture.fold_depth = 2;
  picture.columns = 10;
  return picture;
}

}  // namespace tut
