// tests for nn/src/dropout.cpp: the mask (zeros and 1 / (1 - p)), its rate, the gradient, eval
// mode, reproducibility from the seed, gradcheck, errors. (No PyTorch fixture: torch's random
// numbers are not ours; what is compared is the rule.)
#include <catch2/catch.hpp>

#include <nn/nn.hpp>

using namespace ag;
using namespace ag::nn;

TEST_CASE(
    "Dropout in training mode zeroes about p of the elements and scales the rest by "
    "1 / (1 - p)",
    "[dropout]") {
  Generator gen(1);
  for (double p : {0.2, 0.5, 0.9}) {
    Dropout drop(p, gen);
    Tensor x = ag::ones({100, 100});
    Tensor y = drop(x);
    int64_t zeros = 0;
    for (double v : y.data()) {
      if (v == 0.0) {
        ++zeros;
      } else {
        CHECK(v == Approx(1.0 / (1.0 - p)).epsilon(1e-15));
      }
    }
    // 10000 draws: the fraction dropped is within 4 standard deviations of p.
    const double sd = std::sqrt(p * (1 - p) / 10000.0);
    INFO("p = " << p << ", dropped " << zeros);
    CHECK(std::abs(static_cast<double>(zeros) / 10000.0 - p) < 4 * sd);
  }
}

TEST_CASE("Dropout: the gradient is the mask, and eval mode is the identity", "[dropout]") {
  Generator gen(2);
  Dropout drop(0.5, gen);
  Tensor x = ag::normal({4, 5}, 0.0, 1.0, gen, true);
  Tape tape;
  Tensor y = drop(x);
  sum(y).backward();
  for (size_t i = 0; i < 20; ++i) {
    const double mask = y.data()[i] / x.data()[i];
    CHECK((mask == 0.0 || mask == Approx(2.0).epsilon(1e-14)));
    CHECK(x.grad_data()[i] == Approx(mask).margin(1e-14));
  }
  drop.eval();
  Tensor same = drop(x);
  CHECK(same.to_vector() == x.to_vector());
}

TEST_CASE("Dropout: p = 0 keeps everything, p = 1 drops everything, and a seed repeats a mask",
          "[dropout]") {
  Generator gen(3);
  Tensor x = ag::normal({3, 7}, 0.0, 1.0, gen);
  Dropout keep(0.0, gen), drop_all(1.0, gen);
  CHECK(keep(x).to_vector() == x.to_vector());
  CHECK(drop_all(x).to_vector() == std::vector<double>(21, 0.0));
  Generator a(9), b(9);
  Dropout da(0.3, a), db(0.3, b);
  CHECK(da(x).to_vector() == db(x).to_vector());
  CHECK(da(x).to_vector() != da(x).to_vector());  // each call draws a new mask
}

TEST_CASE("gradcheck of Dropout with a fixed mask", "[dropout]") {
  // A fresh generator of the same seed for every evaluation, so that the central differences
  // see the same mask as the backward pass.
  Generator data(5);
  Tensor x = ag::normal({3, 4}, 0.0, 1.0, data, true);
  auto r = gradcheck(
      [&](const std::vector<Tensor>& in) {
        Generator gen(6);
        Dropout drop(0.4, gen);
        return drop(in[0]);
      },
      {x});
  INFO(r.message);
  CHECK(r.ok);
}

TEST_CASE("Dropout errors", "[dropout]") {
  Generator gen(0);
  CHECK_THROWS_WITH(Dropout(1.5, gen), "Dropout: invalid p = 1.5 (must be in [0, 1])");
  CHECK_THROWS_AS(Dropout(-0.1, gen), ValueError);
  CHECK_THROWS_AS(Dropout(std::nan(""), gen), ValueError);
  Dropout drop(0.5, gen);
  CHECK_THROWS_WITH(drop(Tensor()), "Dropout 'dropout': input is an empty Tensor handle");
  CHECK(drop.to_string() == "Dropout(p=0.5)");
}
