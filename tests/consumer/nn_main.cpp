// Uses the installed engine and nn, found as find_package(tapegrad COMPONENTS nn): a Linear layer's
// output and the layer itself, printed. (nlohmann-json is hidden from this build: nn's JSON is
// inside the library.)
#include <nn/nn.hpp>

#include <iostream>

int main() {
  ag::Generator gen(1);
  ag::nn::Linear fc(3, 2, gen);
  ag::Tensor y = fc(ag::ones({4, 3}));
  std::cout << fc << "\n" << y << "\n";
  return y.shape() == ag::Shape{4, 2} ? 0 : 1;
}
