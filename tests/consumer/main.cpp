// Uses the installed engine alone: d(x^2 + 3x)/dx at x = 2 is 7, and the tensor prints itself.
#include <autograd/autograd.hpp>

#include <sstream>

int main() {
  ag::Tape tape;
  ag::Tensor x = ag::scalar(2.0, true);
  ag::Tensor y = x * x + 3.0 * x;
  y.backward();
  std::ostringstream printed;
  printed << y;
  fmt::print("{} (tapegrad {})\n", printed.str(), ag::version());
  return x.grad().item() == 7.0 && printed.str() == "tensor(10, grad_fn=<add>)" ? 0 : 1;
}
