// tests for nn/src/init.cpp: bounds and variances of each scheme, orthogonality, seeding.
#include <catch2/catch.hpp>

#include <nn/nn.hpp>

#include <cmath>

using namespace ag;
using namespace ag::nn;

namespace {
struct Stats {
  double mean = 0, var = 0, max_abs = 0;
};
Stats stats(const Tensor& t) {
  Stats s;
  for (double v : t.data()) s.mean += v;
  s.mean /= static_cast<double>(t.numel());
  for (double v : t.data()) {
    s.var += (v - s.mean) * (v - s.mean);
    s.max_abs = std::max(s.max_abs, std::abs(v));
  }
  s.var /= static_cast<double>(t.numel());
  return s;
}
}  // namespace

TEST_CASE("fans of a weight follow PyTorch", "[init]") {
  CHECK(init::fans({8, 3}).in == 3);
  CHECK(init::fans({8, 3}).out == 8);
  CHECK(init::fans({8, 3, 5}).in == 15);
  CHECK_THROWS_AS(init::fans({8}), ValueError);
}

TEST_CASE("calculate_gain matches torch.nn.init.calculate_gain", "[init]") {
  CHECK(init::calculate_gain("linear") == 1.0);
  CHECK(init::calculate_gain("sigmoid") == 1.0);
  CHECK(init::calculate_gain("tanh") == Approx(5.0 / 3.0));
  CHECK(init::calculate_gain("relu") == Approx(std::sqrt(2.0)));
  CHECK(init::calculate_gain("leaky_relu", 0.2) == Approx(std::sqrt(2.0 / 1.04)));
  CHECK_THROWS_AS(init::calculate_gain("gelu"), ValueError);
}

// A 200 x 300 weight: 60000 draws, so the sample variance is within about 1% of the true one.
TEST_CASE("each scheme has its bound or variance", "[init]") {
  Generator gen(1);
  const double fan_in = 300, fan_out = 200;
  auto w = [] { return ag::zeros({200, 300}); };

  Stats s = stats(init::default_uniform(w(), 300, gen));
  CHECK(s.max_abs <= 1.0 / std::sqrt(fan_in));
  CHECK(s.var == Approx(1.0 / (3.0 * fan_in)).epsilon(0.03));  // uniform(-b, b): b^2 / 3

  s = stats(init::xavier_uniform(w(), gen));
  CHECK(s.max_abs <= std::sqrt(6.0 / (fan_in + fan_out)));
  CHECK(s.var == Approx(2.0 / (fan_in + fan_out)).epsilon(0.03));

  s = stats(init::xavier_normal(w(), gen, 2.0));
  CHECK(s.var == Approx(4.0 * 2.0 / (fan_in + fan_out)).epsilon(0.03));
  CHECK(std::abs(s.mean) < 0.01);

  s = stats(init::kaiming_uniform(w(), gen));
  CHECK(s.max_abs <= std::sqrt(6.0 / fan_in));
  CHECK(s.var == Approx(2.0 / fan_in).epsilon(0.03));

  s = stats(init::kaiming_normal(w(), gen, 0.3));  // LeakyReLU slope 0.3: gain^2 = 2 / 1.09
  CHECK(s.var == Approx(2.0 / 1.09 / fan_in).epsilon(0.03));

  s = stats(init::constant(w(), 0.5));
  CHECK(s.mean == 0.5);
  CHECK(s.var == 0.0);
}

TEST_CASE("orthogonal gives orthonormal columns (tall) or rows (wide)", "[init]") {
  Generator gen(2);
  for (Shape shape : {Shape{12, 4}, Shape{4, 12}, Shape{6, 6}}) {
    Tensor q = init::orthogonal(ag::zeros(shape), gen, 1.5);
    const bool wide = shape[0] < shape[1];
    Tensor gram = wide ? matmul(q, transpose(q)) : matmul(transpose(q), q);  // [k, k]
    const int64_t k = gram.size(0);
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < k; ++j) {
        INFO(shape_str(shape) << " at " << i << ", " << j);
        CHECK(gram.at({i, j}) == Approx(i == j ? 2.25 : 0.0).margin(1e-12));
      }
  }
}

TEST_CASE("the same seed gives the same initial values", "[init]") {
  Generator a(5), b(5);
  CHECK(init::orthogonal(ag::zeros({5, 3}), a).to_vector() ==
        init::orthogonal(ag::zeros({5, 3}), b).to_vector());
  CHECK(init::xavier_normal(ag::zeros({5, 3}), a).to_vector() ==
        init::xavier_normal(ag::zeros({5, 3}), b).to_vector());
}

TEST_CASE("initialisers can replace a module's parameters in place", "[init]") {
  Generator gen(3);
  LSTM lstm(3, 4, gen);
  init::orthogonal(lstm.layer(0).W_hh, gen);
  Tensor w = lstm.layer(0).W_hh;
  Tensor gram = matmul(transpose(w), w);  // [4H, H]: the columns are orthonormal
  CHECK(gram.at({1, 1}) == Approx(1.0));
  CHECK(gram.at({0, 2}) == Approx(0.0).margin(1e-12));
  CHECK(lstm.parameters()[1].same(w));
}
