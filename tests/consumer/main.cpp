// Uses the installed headers and library: d(x^2 + 3x)/dx at x = 2 is 7.
#include <autograd/autograd.hpp>

int main() {
  ag::Tape tape;
  ag::Tensor x = ag::scalar(2.0, true);
  ag::Tensor y = x * x + 3.0 * x;
  y.backward();
  return x.grad().item() == 7.0 ? 0 : 1;
}
