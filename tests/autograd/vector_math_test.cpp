// tests for autograd/src/fast/vector_math.cpp: the vectorised exp, tanh and sigmoid held against
// the scalar C library, number by number.
//
// exp, tanh and sigmoid fill whole arrays through glibc's vector math library (4 or 8 numbers
// per call) when the compiler vectorises their loops. The readable reference is the scalar
// function: std::exp, std::tanh, and the sigmoid written the textbook way. The two may differ in
// the last bits (glibc documents its vector functions to within a few ulp); here they must agree
// to 4 ulp, on every array length from 1 to 40 (so every vector width and every leftover tail is
// used) and on a large array, and exactly on the special values.
#include <catch2/catch.hpp>

#include <autograd/autograd.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "fast_vs_reference.hpp"

using namespace ag;
using fast_vs_reference::ulps_apart;

namespace {
// The textbook sigmoid, one number at a time, without overflow on either side.
double sigmoid_reference(double x) {
  if (x >= 0.0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

// n numbers spread over [lo, hi], in a scrambled order (neighbours in a vector register differ).
std::vector<double> spread(size_t n, double lo, double hi) {
  std::vector<double> xs(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t j = (i * 7919) % n;  // 7919 is a prime above every n here: a permutation
    xs[i] = n == 1 ? lo : lo + (hi - lo) * static_cast<double>(j) / static_cast<double>(n - 1);
  }
  return xs;
}

template <class Op, class Ref>
void check_against_scalar(const char* name, Op op, Ref ref, double lo, double hi) {
  std::vector<size_t> sizes;
  for (size_t n = 1; n <= 40; ++n) sizes.push_back(n);
  sizes.push_back(4099);
  int64_t worst = 0;
  for (size_t n : sizes) {
    const std::vector<double> xs = spread(n, lo, hi);
    const std::vector<double> ys = op(tensor(xs, {static_cast<int64_t>(n)})).to_vector();
    REQUIRE(ys.size() == n);
    for (size_t i = 0; i < n; ++i) {
      const int64_t apart = ulps_apart(ys[i], ref(xs[i]));
      worst = std::max(worst, apart);
      if (apart > 4) {
        FAIL_CHECK(name << "(" << xs[i] << ") = " << ys[i] << ", scalar " << ref(xs[i]) << ": "
                        << apart << " ulp apart (array of " << n << ")");
      }
    }
  }
  INFO(name << ": worst difference " << worst << " ulp");
  SUCCEED();
}
}  // namespace

TEST_CASE("exp over an array agrees with std::exp to 4 ulp", "[vector_math][ops]") {
  auto op = [](const Tensor& t) { return exp(t); };
  auto ref = [](double x) { return std::exp(x); };
  check_against_scalar("exp", op, ref, -700.0, 700.0);
  check_against_scalar("exp", op, ref, -3.0, 3.0);
}

TEST_CASE("tanh over an array agrees with std::tanh to 4 ulp", "[vector_math][ops]") {
  auto op = [](const Tensor& t) { return tanh(t); };
  auto ref = [](double x) { return std::tanh(x); };
  check_against_scalar("tanh", op, ref, -20.0, 20.0);
  check_against_scalar("tanh", op, ref, -1e-3, 1e-3);
}

TEST_CASE("sigmoid over an array agrees with the textbook formula to 4 ulp", "[vector_math][ops]") {
  auto op = [](const Tensor& t) { return sigmoid(t); };
  check_against_scalar("sigmoid", op, sigmoid_reference, -700.0, 700.0);
  check_against_scalar("sigmoid", op, sigmoid_reference, -8.0, 8.0);
}

// With the fast kernels (vector_math.cpp) and with the portable ones (fast/kernels.cpp: two
// numbers per call, and e^x as (e^(x/2))^2 beyond |x| = 708).
TEST_CASE("exp, tanh and sigmoid of special values", "[vector_math][ops][kernels]") {
  const bool portable = GENERATE(false, true);
  INFO((portable ? "the portable kernels" : "the fast kernels"));
  const ag::PortableKernelsGuard kernels(portable);
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // Nine values: one full AVX-512 register, or four pairs, and a tail of one.
  const Tensor x = tensor({0.0, -0.0, inf, -inf, nan, 800.0, -800.0, 1e-300, -720.0}, {9});
  const std::vector<double> e = exp(x).to_vector();
  CHECK(e[0] == 1.0);
  CHECK(e[1] == 1.0);
  CHECK(e[2] == inf);
  CHECK(e[3] == 0.0);
  CHECK(std::isnan(e[4]));
  CHECK(e[5] == inf);  // overflow
  CHECK(e[6] == 0.0);  // underflow
  CHECK(e[7] == 1.0);
  CHECK(ulps_apart(e[8], std::exp(-720.0)) <= 8);  // subnormal: about 2e-313
  const std::vector<double> t = tanh(x).to_vector();
  CHECK((t[0] == 0.0 && !std::signbit(t[0])));
  CHECK((t[1] == 0.0 && std::signbit(t[1])));  // tanh(-0) = -0
  CHECK(t[2] == 1.0);
  CHECK(t[3] == -1.0);
  CHECK(std::isnan(t[4]));
  CHECK(t[5] == 1.0);
  CHECK(t[6] == -1.0);
  CHECK(t[7] == 1e-300);  // tanh(x) = x for tiny x
  const std::vector<double> s = sigmoid(x).to_vector();
  CHECK(s[0] == 0.5);
  CHECK(s[2] == 1.0);
  CHECK(s[3] == 0.0);
  CHECK(std::isnan(s[4]));
  CHECK(s[5] == 1.0);
  CHECK(s[6] == 0.0);  // e^800 overflows to inf, and 1 / (1 + inf) = 0: the right limit
  // Below x = -709, e^-x overflows: the result is 0 where the exact value is a subnormal number
  // below 1e-308 (here about 1e-313). The documented price of the branch-free form.
  CHECK(s[8] >= 0.0);
  CHECK(s[8] < 1e-308);
}
