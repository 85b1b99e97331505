// tests for autograd/src/random.cpp: the same seed gives the same numbers, and those numbers are
// the ones random.hpp's algorithm defines.
//
// The expected numbers for Generator(42) come from tests/reference/fixtures_ops.py, which
// reimplements mt19937_64, the 53-bit uniform and Box-Muller in Python (checked there against
// the C++ standard's own test value for mt19937_64) and stores them in ops.json under "random".
#include <catch2/catch.hpp>

#include <autograd/autograd.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <random>
#include <vector>

using namespace ag;

TEST_CASE("the same seed gives the same numbers, another seed others", "[random]") {
  Generator a(5), b(5), c(6);
  for (int i = 0; i < 100; ++i) {
    const double ua = a.uniform(), ub = b.uniform(), uc = c.uniform();
    CHECK(ua == ub);
    CHECK(ua != uc);
    CHECK(a.normal() == b.normal());
    CHECK(a.randint(10) == b.randint(10));
  }
  Generator g1(99), g2(99);
  CHECK(normal({3, 4}, 1.0, 2.0, g1).to_vector() == normal({3, 4}, 1.0, 2.0, g2).to_vector());
  CHECK(uniform({7}, -1.0, 1.0, g1).to_vector() == uniform({7}, -1.0, 1.0, g2).to_vector());
}

TEST_CASE("Generator(42) gives the numbers an independent Python implementation computes",
          "[random]") {
  std::ifstream in(TAPEGRAD_SOURCE_DIR "/tests/reference/ops.json");
  REQUIRE(in);
  const auto expected = nlohmann::json::parse(in).at("random");
  const auto seed = expected.at("seed").get<uint64_t>();
  Generator u(seed), n(seed);
  for (double want : expected.at("uniform").get<std::vector<double>>()) {
    CHECK(u.uniform() == want);  // exact: integer shift and a power-of-two scale
  }
  for (double want : expected.at("normal").get<std::vector<double>>()) {
    // log, cos and sin may differ by an ulp between libm builds
    CHECK(n.normal() == Approx(want).epsilon(1e-14));
  }
}

TEST_CASE("uniform is the top 53 bits of one mt19937_64 draw", "[random]") {
  Generator g(2024);
  std::mt19937_64 engine(2024);
  for (int i = 0; i < 1000; ++i) {
    const double u = g.uniform();
    CHECK(u == static_cast<double>(engine() >> 11) / 9007199254740992.0);  // 2^53
    CHECK(u >= 0.0);
    CHECK(u < 1.0);
  }
}

TEST_CASE("normals and uniforms have the right mean and variance", "[random]") {
  Generator g(123);
  const int n = 100000;
  double sum = 0, sq = 0, usum = 0, usq = 0;
  for (int i = 0; i < n; ++i) {
    const double x = g.normal(2.0, 3.0);
    sum += x;
    sq += x * x;
    const double u = g.uniform(-1.0, 3.0);
    usum += u;
    usq += u * u;
  }
  const double mean = sum / n, var = sq / n - mean * mean;
  // standard errors: mean 3/sqrt(n) ~ 0.0095, variance 9 sqrt(2/n) ~ 0.04; allow ~5 of them
  CHECK(std::abs(mean - 2.0) < 0.05);
  CHECK(std::abs(var - 9.0) < 0.2);
  const double umean = usum / n, uvar = usq / n - umean * umean;
  CHECK(std::abs(umean - 1.0) < 0.02);         // uniform[-1, 3): mean 1
  CHECK(std::abs(uvar - 16.0 / 12.0) < 0.02);  // variance (b - a)^2 / 12
}

TEST_CASE("randint covers 0 to n-1 and nothing else", "[random]") {
  Generator g(3);
  std::vector<int> seen(7, 0);
  for (int i = 0; i < 7000; ++i) {
    const int64_t k = g.randint(7);
    REQUIRE(k >= 0);
    REQUIRE(k < 7);
    ++seen[static_cast<size_t>(k)];
  }
  for (int count : seen) CHECK(count > 800);  // expected 1000 each
  CHECK_THROWS_AS(g.randint(0), ValueError);
}

TEST_CASE("random tensors have their shape and flag, and reject negative sizes", "[random]") {
  Generator g(4);
  Tensor t = normal({2, 3}, 0.0, 1.0, g, true);
  CHECK(shape_str(t.shape()) == "[2, 3]");
  CHECK(t.requires_grad());
  Tensor u = uniform({5}, 2.0, 3.0, g);
  for (double v : u.data()) {
    CHECK(v >= 2.0);
    CHECK(v < 3.0);
  }
  CHECK_THROWS_AS(normal({-1}, 0, 1, g), ValueError);
  CHECK_THROWS_AS(uniform({2, -2}, 0, 1, g), ValueError);
  CHECK_THROWS_WITH(uniform({2, -2}, 0, 1, g), Catch::Contains("[2, -2]"));
}

TEST_CASE("bounds that make no sense are refused, not drawn from", "[random]") {
  // They used to give NaN (a NaN bound or stddev) or numbers outside what was asked (lo > hi
  // drew from [hi, lo)), without a word.
  Generator g(5);
  const double nan = std::nan(""), inf = HUGE_VAL;
  CHECK_THROWS_WITH(uniform({4}, 1.0, 0.0, g),
                    Catch::Contains("uniform") && Catch::Contains("lo = 1, hi = 0"));
  CHECK_THROWS_AS(uniform({2}, 0.0, nan, g), ValueError);
  CHECK_THROWS_AS(uniform({2}, -inf, 0.0, g), ValueError);
  // Finite bounds whose width is not: lo + (hi - lo) u was inf (or NaN for u = 0), past hi.
  CHECK_THROWS_AS(uniform({2}, -1e308, 1e308, g), ValueError);
  CHECK_THROWS_WITH(normal({2}, 0.0, -1.0, g),
                    Catch::Contains("normal") && Catch::Contains("stddev = -1"));
  CHECK_THROWS_AS(normal({2}, nan, 1.0, g), ValueError);
  CHECK_THROWS_AS(normal({2}, 0.0, inf, g), ValueError);
  CHECK_THROWS_AS(g.uniform(2.0, 1.0), ValueError);  // one number at a time too
  CHECK_THROWS_AS(g.normal(0.0, nan), ValueError);
  std::vector<double> block(3);
  CHECK_THROWS_AS(g.fill_normal(block, 0.0, -2.0), ValueError);
  // A refused call draws nothing: the sequence goes on as if it had not been made.
  Generator fresh(5);
  CHECK(g.uniform() == fresh.uniform());
  // Equal bounds and a zero stddev are fine, as in PyTorch: every number is lo, or the mean.
  CHECK(uniform({2}, 3.0, 3.0, g).to_vector() == std::vector<double>{3.0, 3.0});
  CHECK(normal({2}, -1.0, 0.0, g).to_vector() == std::vector<double>{-1.0, -1.0});
}

TEST_CASE("uniform never gives hi, although lo + (hi - lo) u can round to it", "[random]") {
  // Between 1 and the next double there is no other: every u >= 1/2 rounded up to hi, about
  // half of the draws, in an interval that promises [lo, hi).
  const double lo = 1.0, hi = std::nextafter(1.0, 2.0);
  Generator g(3);
  for (double v : uniform({1000}, lo, hi, g).to_vector()) REQUIRE(v == lo);
  for (int i = 0; i < 100; ++i) REQUIRE(g.uniform(lo, hi) == lo);
  // Away from such rounding the numbers are the plain lo + (hi - lo) u, bit for bit.
  Generator a(8), b(8);
  CHECK(a.uniform(-2.0, 3.0) == -2.0 + 5.0 * b.uniform());
}

TEST_CASE("a generator's state restores its sequence, spare normal included", "[random]") {
  Generator a(42);
  a.normal();  // leaves a spare
  const GeneratorState saved = a.state();
  const std::vector<double> next = {a.normal(), a.uniform(), a.normal(), a.normal()};
  Generator b(0);
  b.set_state(saved);
  CHECK(std::vector<double>{b.normal(), b.uniform(), b.normal(), b.normal()} == next);

  // Too few or too many numbers are refused, and the generator is left as it was.
  GeneratorState truncated = saved, extended = saved;
  truncated.engine.pop_back();
  extended.engine.push_back(7);
  Generator c(3);
  const double c_next = Generator(c).uniform();
  CHECK_THROWS_AS(c.set_state(truncated), ValueError);
  CHECK_THROWS_WITH(c.set_state(extended), Catch::Contains("Generator::set_state"));
  CHECK(c.uniform() == c_next);
}

TEST_CASE("a block drawn under one lock is what one call per number draws, bit for bit",
          "[random]") {
  // fill_uniform and fill_normal (ag::uniform, ag::normal, Dropout's mask) take the lock once
  // (random.hpp, "Threads"); one thread must still see exactly the numbers it saw before.
  Generator one(11), block(11);
  std::vector<double> want, got(7);
  for (int i = 0; i < 7; ++i) want.push_back(one.normal(0.5, 2.0));
  block.fill_normal(got, 0.5, 2.0);  // seven: the spare of the last pair waits for the next call
  CHECK(got == want);
  CHECK(block.normal() == one.normal());
  want.clear();
  for (int i = 0; i < 7; ++i) want.push_back(one.uniform(-1.0, 3.0));
  CHECK(uniform({7}, -1.0, 3.0, block).to_vector() == want);
  want.clear();
  for (int i = 0; i < 5; ++i) want.push_back(one.normal());
  CHECK(normal({5}, 0.0, 1.0, block).to_vector() == want);
}

TEST_CASE("a copied generator continues the same sequence on its own", "[random]") {
  Generator a(5);
  a.normal();  // leaves a spare, which the copy takes along
  Generator b(a), c(0);
  c = a;
  const std::vector<double> next = {a.normal(), a.uniform(), a.normal()};
  CHECK(std::vector<double>{b.normal(), b.uniform(), b.normal()} == next);
  CHECK(std::vector<double>{c.normal(), c.uniform(), c.normal()} == next);
}
