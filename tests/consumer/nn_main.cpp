// Uses the installed engine and nn, found as find_package(tapegrad COMPONENTS nn): a Linear layer's
// output and the layer itself, printed, and its parameters saved to the file named by argv[1] and
// loaded back (which links the io component, found with nn). (nlohmann-json is hidden from this
// build: nn's JSON is inside the library.)
#include <nn/nn.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  ag::Generator gen(1);
  ag::nn::Linear fc(3, 2, gen);
  ag::Tensor y = fc(ag::ones({4, 3}));
  std::cout << fc << "\n" << y << "\n";
  ag::nn::save_parameters(fc, argv[1]);
  ag::Generator other(2);
  ag::nn::Linear loaded(3, 2, other);
  ag::nn::load_parameters(loaded, argv[1]);
  const bool same = loaded(ag::ones({4, 3})).to_vector() == y.to_vector();
  return y.shape() == ag::Shape{4, 2} && same ? 0 : 1;
}
