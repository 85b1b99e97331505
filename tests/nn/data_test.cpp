// tests for nn/src/data.cpp: the moons' geometry and labels, the adding problem's markers.
#include <catch2/catch.hpp>

#include <nn/nn.hpp>

#include <cmath>

using namespace ag;
using namespace ag::nn;

TEST_CASE("make_moons without noise puts points on the two half circles", "[data]") {
  Generator gen(0);
  Dataset moons = make_moons(101, 0.0, gen);
  CHECK(moons.x.shape() == Shape{101, 2});
  CHECK(moons.y.shape() == Shape{101});
  int64_t upper = 0;
  for (int64_t i = 0; i < 101; ++i) {
    const double x = moons.x.at({i, 0}), y = moons.x.at({i, 1});
    if (moons.y.at({i}) == 0.0) {  // (cos t, sin t)
      ++upper;
      CHECK(x * x + y * y == Approx(1.0));
      CHECK(y >= -1e-12);
    } else {  // (1 - cos t, 0.5 - sin t)
      CHECK(moons.y.at({i}) == 1.0);
      CHECK((x - 1) * (x - 1) + (y - 0.5) * (y - 0.5) == Approx(1.0));
      CHECK(y <= 0.5 + 1e-12);
    }
  }
  CHECK(upper == 50);
}

TEST_CASE("make_moons is shuffled, noisy, and reproducible", "[data]") {
  Generator a(1), b(1);
  Dataset m1 = make_moons(100, 0.1, a), m2 = make_moons(100, 0.1, b);
  CHECK(m1.x.to_vector() == m2.x.to_vector());
  CHECK(m1.y.to_vector() == m2.y.to_vector());
  bool mixed = false;  // the first 50 labels are not all 0
  for (int64_t i = 0; i < 50; ++i) mixed = mixed || m1.y.at({i}) == 1.0;
  CHECK(mixed);
  CHECK_THROWS_AS(make_moons(-1, 0.1, a), ValueError);
  // A negative, NaN or infinite noise is refused by make_moons itself, by name.
  CHECK_THROWS_WITH(make_moons(10, -0.1, a),
                    "make_moons: invalid noise = -0.1 (must be a finite number >= 0)");
  CHECK_THROWS_WITH(make_moons(10, std::nan(""), a),
                    "make_moons: invalid noise = nan (must be a finite number >= 0)");
  CHECK_THROWS_WITH(make_moons(10, HUGE_VAL, a),
                    "make_moons: invalid noise = inf (must be a finite number >= 0)");
}

TEST_CASE("adding_problem: one marker in each half, target the sum of the marked values",
          "[data]") {
  Generator gen(2);
  const int64_t B = 64, T = 50;
  Dataset d = adding_problem(B, T, gen);
  CHECK(d.x.shape() == Shape{B, T, 2});
  CHECK(d.y.shape() == Shape{B, 1});
  double mse_of_one = 0.0;
  for (int64_t b = 0; b < B; ++b) {
    int first_half = 0, second_half = 0;
    double marked = 0.0;
    for (int64_t t = 0; t < T; ++t) {
      const double v = d.x.at({b, t, 0}), m = d.x.at({b, t, 1});
      CHECK((v >= 0.0 && v < 1.0));
      CHECK((m == 0.0 || m == 1.0));
      if (m == 1.0) {
        (t < T / 2 ? first_half : second_half) += 1;
        marked += v;
      }
    }
    CHECK(first_half == 1);
    CHECK(second_half == 1);
    CHECK(d.y.at({b, 0}) == marked);
    mse_of_one += (d.y.at({b, 0}) - 1.0) * (d.y.at({b, 0}) - 1.0) / B;
  }
  CHECK(mse_of_one == Approx(1.0 / 6.0).margin(0.06));  // the baseline: always predict 1
  CHECK_THROWS_AS(adding_problem(4, 1, gen), ValueError);
}

// Found by an audit of what a program loses: the sizes were not checked as a tensor's are.
// adding_problem(2^20, 2^43) formed batch * T * 2 past int64 (undefined behaviour), sized a small
// vector by the wrapped count and wrote past its end (SIGSEGV); make_moons(2^62) grew its vectors
// until the program was killed for memory.
TEST_CASE("sizes past what a tensor may hold are a ShapeError naming the call", "[data]") {
  Generator gen(3);
  CHECK_THROWS_AS(adding_problem(int64_t{1} << 20, int64_t{1} << 43, gen), ShapeError);
  CHECK_THROWS_WITH(adding_problem(int64_t{1} << 20, int64_t{1} << 43, gen),
                    Catch::StartsWith("adding_problem(batch = 1048576, T = 8796093022208): "));
  CHECK_THROWS_AS(adding_problem(2, int64_t{1} << 62, gen), ShapeError);  // T * 2 alone wraps
  CHECK_THROWS_AS(make_moons(int64_t{1} << 62, 0.1, gen), ShapeError);
  CHECK_THROWS_WITH(make_moons(int64_t{1} << 62, 0.1, gen),
                    Catch::StartsWith("make_moons(n = 4611686018427387904): "));
  // Negative sizes were refused already.
  CHECK_THROWS_AS(adding_problem(-1, 10, gen), ValueError);
  CHECK_THROWS_AS(make_moons(-1, 0.1, gen), ValueError);
  // Sizes of zero make empty datasets.
  CHECK(make_moons(0, 0.1, gen).x.shape() == Shape{0, 2});
  CHECK(adding_problem(0, 10, gen).x.shape() == Shape{0, 10, 2});
}
