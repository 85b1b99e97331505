#include <autograd/autograd.hpp>
#include <fmt/format.h>
int main() {
  ag::Tape tape;
  ag::Tensor a = ag::scalar(2.0, true), b = ag::scalar(-3.0, true);
  ag::Tensor c = a * b + a.tanh();
  c.backward();
  fmt::print("c = {}, dc/da = {}, dc/db = {}\n", c.item(), a.grad().item(), b.grad().item());
  tape.print();
}
