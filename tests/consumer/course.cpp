// A course's first program against the installed tapegrad: train a small MLP on the two moons
// for a few steps, print it, and draw the last step's graph. Exits non-zero if the loss did not
// go down or the picture was not written.
#include <nn/nn.hpp>
#include <viz/viz.hpp>

#include <filesystem>
#include <iostream>

int main() {
  using namespace ag;
  Generator gen(1);
  nn::Dataset moons = nn::make_moons(32, 0.1, gen);
  nn::Sequential mlp("mlp", {std::make_shared<nn::Linear>(2, 8, gen), std::make_shared<nn::ReLU>(),
                             std::make_shared<nn::Linear>(8, 1, gen)});
  std::cout << mlp << "\n";
  nn::SGD sgd(mlp.parameters(), {.lr = 0.1});
  double first = 0, last = 0;
  for (int step = 0; step < 20; ++step) {
    sgd.zero_grad();
    Tape tape;
    Tensor loss = nn::hinge_loss(reshape(mlp(moons.x), {32}), moons.y * 2.0 - 1.0);
    loss.backward();
    (step == 0 ? first : last) = loss.item();
    if (step == 19) {
      fmt::print("{}\n", loss);
      viz::render(tape, "course.svg");
    }
    sgd.step();
  }
  fmt::print("loss {} -> {}\n", first, last);
  return last < first && std::filesystem::file_size("course.svg") > 0 ? 0 : 1;
}
