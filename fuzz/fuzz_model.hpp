// fuzz_model.hpp — the small fixed model, optimizers and generator that load_parameters_fuzz
// loads into, shared with make_seeds (which writes the seed files for them).
//
// A two-layer MLP, 2 -> 3 -> 1 with a tanh between: four parameters with two shapes of each rank
// (mlp.0.weight [3, 2], mlp.0.bias [3], mlp.2.weight [1, 3], mlp.2.bias [1]), small enough that a
// whole parameter file is a few hundred bytes. Every Fixture is made the same way (seed 1), so an
// input that crashes once crashes every time.
#pragma once

#include <nn/nn.hpp>

#include <memory>

namespace ag::fuzz {

struct Fixture {
  Generator generator{1};  // first: the layers draw their weights from it
  nn::Sequential mlp{"mlp",
                     {std::make_shared<nn::Linear>(2, 3, generator), std::make_shared<nn::Tanh>(),
                      std::make_shared<nn::Linear>(3, 1, generator)}};
  nn::SGD sgd{mlp.parameters(), {.lr = 0.1, .momentum = 0.9}};
  nn::Adam adam{mlp.parameters(), {.lr = 0.01}};

  // The model's input for a forward pass: four points, [4, 2].
  static Tensor input() { return tensor({0.5, -1.0, 2.0, 0.25, -0.75, 1.5, 0.0, -2.0}, {4, 2}); }

  // One training step of both optimizers, so that their state has buffers and step counts.
  void train_step() {
    sgd.zero_grad();
    {
      Tape tape;
      sum(pow(mlp(input()), 2.0)).backward();
    }
    sgd.step();
    adam.step();
  }
};

}  // namespace ag::fuzz
