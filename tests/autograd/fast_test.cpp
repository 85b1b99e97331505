// tests for autograd/src/fast/: every piece of speed code against the plain form it replaces.
// (The other two live beside their ops: vector_math_test.cpp and matmul_test.cpp.)
#include <catch2/catch.hpp>

#include <autograd/autograd.hpp>
#include <autograd/fast/kernels.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "fast/broadcast.hpp"
#include "fast/gemm.hpp"
#include "fast/pool.hpp"
#include "fast_vs_reference.hpp"
#include "op_support.hpp"

using namespace ag;
using fast_vs_reference::ulps_apart;

namespace {
using Visits = std::vector<std::tuple<int64_t, int64_t, int64_t>>;

// What for_each_broadcast visits (flat loop where one applies), and what the odometer alone does.
Visits visits(const Shape& out, const Shape& a, const Shape& b) {
  Visits v;
  detail::for_each_broadcast(out, a, b,
                             [&](int64_t i, int64_t ia, int64_t ib) { v.emplace_back(i, ia, ib); });
  return v;
}
Visits odometer_visits(const Shape& out, const Shape& a, const Shape& b) {
  Visits v;
  detail::for_each_offset<2>(
      out, {detail::broadcast_strides(a, out), detail::broadcast_strides(b, out)},
      [&](int64_t i, const std::array<int64_t, 2>& at) { v.emplace_back(i, at[0], at[1]); });
  return v;
}
bool takes_flat_path(const Shape& out, const Shape& a, const Shape& b) {
  auto nothing = [](int64_t, int64_t, int64_t) {};
  return detail::fast::for_each_broadcast_flat(out, a, b, nothing);
}
}  // namespace

TEST_CASE("every broadcast fast path visits what the odometer visits, on random shapes",
          "[fast][broadcast]") {
  std::mt19937 rng(11);
  auto size = [&] { return std::uniform_int_distribution<int64_t>(1, 4)(rng); };
  int flat = 0, general = 0;
  for (int trial = 0; trial < 400; ++trial) {
    Shape out(std::uniform_int_distribution<size_t>(0, 4)(rng));
    for (int64_t& d : out) d = size();
    // b is one of: the same shape, a scalar, a trailing block (with or without leading 1s), or
    // a random broadcastable shape; a and b are swapped half the time.
    Shape b;
    const int kind = trial % 5;
    if (kind == 0) b = out;
    if (kind == 1) b = std::uniform_int_distribution<int>(0, 1)(rng) ? Shape{} : Shape{1, 1};
    if (kind == 2 || kind == 3) {
      const size_t keep = std::uniform_int_distribution<size_t>(0, out.size())(rng);
      b.assign(out.end() - static_cast<int64_t>(keep), out.end());
      if (kind == 3) b.insert(b.begin(), 1);
    }
    if (kind == 4) {
      const size_t rank = std::uniform_int_distribution<size_t>(0, out.size())(rng);
      b.assign(out.end() - static_cast<int64_t>(rank), out.end());
      for (int64_t& d : b) d = std::uniform_int_distribution<int>(0, 1)(rng) ? 1 : d;
    }
    Shape a = out;
    if (trial % 2) std::swap(a, b);
    const Shape result = detail::broadcast_shapes("test", a, b);
    INFO("a " << shape_str(a) << " b " << shape_str(b));
    CHECK(visits(result, a, b) == odometer_visits(result, a, b));
    (takes_flat_path(result, a, b) ? flat : general) += 1;
  }
  CHECK(flat > 100);  // both sides were exercised
  CHECK(general > 5);
  // Each flat path by name.
  CHECK(takes_flat_path({2, 3}, {2, 3}, {2, 3}));
  CHECK(takes_flat_path({2, 3}, {2, 3}, {}));
  CHECK(takes_flat_path({2, 3}, {1}, {2, 3}));
  CHECK(takes_flat_path({2, 3}, {2, 3}, {1, 3}));
  CHECK(takes_flat_path({2, 3}, {3}, {2, 3}));
  CHECK_FALSE(takes_flat_path({2, 3}, {2, 1}, {2, 3}));
}

TEST_CASE("a Buffer of every size behaves as a std::vector<double>", "[fast][buffer]") {
  for (size_t n : {0, 1, 2, 7}) {
    INFO("size " << n);
    Buffer b(n, 2.5);
    std::vector<double> v(n, 2.5);
    REQUIRE(b.size() == v.size());
    CHECK(b.empty() == v.empty());
    for (size_t i = 0; i < n; ++i) b[i] = v[i] = static_cast<double>(i) - 0.5;
    Buffer copy = b;  // deep: writing the copy leaves the original alone
    if (n > 0) copy[0] = 99.0;
    CHECK(std::vector<double>(b.span().begin(), b.span().end()) == v);
    Buffer moved = std::move(copy);
    CHECK(moved.size() == n);
    CHECK(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty, as promised
    Buffer assigned(3, 1.0);
    assigned = b;
    CHECK(std::vector<double>(assigned.span().begin(), assigned.span().end()) == v);
    Buffer zeros(n);
    CHECK(std::vector<double>(zeros.span().begin(), zeros.span().end()) == std::vector<double>(n));
    Buffer sum(n, 0.25);
    sum += b;  // as a loop of v[i] += w[i] over two vectors
    std::vector<double> expected(n, 0.25);
    for (size_t i = 0; i < n; ++i) expected[i] += v[i];
    CHECK(std::vector<double>(sum.span().begin(), sum.span().end()) == expected);
    assigned.clear();
    CHECK(assigned.empty());
  }
}

TEST_CASE("pooled memory is fresh memory: a recycled tensor or array starts as a new one",
          "[fast][pool]") {
  // An array handed back dirty comes out of Buffer zeroed, as a fresh std::vector would.
  for (int round = 0; round < 3; ++round) {
    Buffer dirty(16, 0.0);
    std::ranges::fill(dirty.span(), 1e300);
    dirty.clear();  // back to the pool
    Buffer again(16);
    CHECK(std::ranges::count(again.span(), 0.0) == 16);
  }
  // A pooled TensorImpl starts exactly like std::make_shared<TensorImpl>(), even in a block that
  // a used one was just freed from.
  {
    auto used = detail::fast::new_tensor_impl();
    used->shape = {3};
    used->requires_grad = true;
    used->is_leaf = false;
    used->tape_id = 7;
  }
  auto pooled = detail::fast::new_tensor_impl();
  auto fresh = std::make_shared<TensorImpl>();
  CHECK(pooled->shape == fresh->shape);
  CHECK(pooled->value.size() == fresh->value.size());
  CHECK(pooled->requires_grad == fresh->requires_grad);
  CHECK(pooled->is_leaf == fresh->is_leaf);
  CHECK(pooled->tape_id == fresh->tape_id);
  CHECK(pooled->name == nullptr);
  // Many at once are distinct objects.
  std::vector<std::shared_ptr<TensorImpl>> many;
  for (int i = 0; i < 2000; ++i) many.push_back(detail::fast::new_tensor_impl());
  for (int i = 0; i < 2000; ++i) many[i]->node = static_cast<uint32_t>(i);
  for (int i = 0; i < 2000; ++i) CHECK(many[i]->node == static_cast<uint32_t>(i));
}

TEST_CASE("a training loop on one thread takes every array from the arrays its last step freed",
          "[fast][pool]") {
  using detail::fast::ArrayPool;
  // Each step makes the arrays of a small network's step (activations, then gradients, with a
  // temporary freed along the way) and frees them all at its end, as a tape does. From the second
  // step on every allocation is served from the pool: at the step's peak the cache has given up
  // exactly the bytes the step holds, and at its end it has them all back. (A pool that kept
  // fewer frees would fall short at the peak; one that kept them but missed would not shrink.)
  // (Under AddressSanitizer the pools step aside: nothing is cached, and this is skipped.)
  if constexpr (detail::fast::kPoolsStepAside) return;
  const std::vector<size_t> sizes = {32 * 8, 32 * 16, 32 * 16, 32, 16, 32 * 16, 32 * 8};
  size_t end_of_last_step = 0;
  for (int step = 0; step < 5; ++step) {
    std::vector<Buffer> held;
    size_t held_bytes = 0;
    for (size_t n : sizes) {
      Buffer temporary(n);  // freed at once: the next array of this size may be this one
      held.emplace_back(n);
      held_bytes += n * sizeof(double);
    }
    const size_t at_peak = ArrayPool::cached_bytes();
    held.clear();
    const size_t at_end = ArrayPool::cached_bytes();
    if (step > 0) {
      INFO("step " << step << ": cached bytes " << end_of_last_step << " before, " << at_peak
                   << " at the peak holding " << held_bytes << ", " << at_end << " after");
      CHECK(at_peak + held_bytes == end_of_last_step);
      CHECK(at_end == end_of_last_step);
    }
    end_of_last_step = at_end;
  }
}

TEST_CASE("a tape on recycled arrays records and differentiates as the first one did",
          "[fast][tape]") {
  Tensor w = tensor({0.5, -1.0, 2.0}, {3}, true);
  std::vector<double> first;
  for (int step = 0; step < 3; ++step) {
    Tape tape;  // from the second step on, the first tape's arrays
    CHECK(tape.size() == 0);
    Tensor loss = sum(tanh(w * w) * 3.0);
    loss.backward();
    const std::vector<double> g(w.grad_data().begin(), w.grad_data().end());
    if (step == 0) first = g;
    CHECK(g == first);
    w.zero_grad();
  }
}

// The scope cache (fast/scope_cache.hpp) against the plain look-up: every op's node must name the
// scope that was current when it ran, through a random walk of scopes opening and closing and
// tapes made and destroyed (in any order, nested, a new one where a dead one was).
TEST_CASE("the cached scope index is the scope current when the op ran", "[fast][tape]") {
  std::mt19937_64 rng(14);
  std::vector<std::unique_ptr<Tape>> tapes;
  std::vector<std::unique_ptr<ScopeGuard>> scopes;  // closed newest first, as guards are
  Tensor x = tensor({1.0, 2.0}, {2}, true);
  int checked = 0;
  for (int step = 0; step < 4000; ++step) {
    switch (rng() % 6) {
      case 0:
        if (scopes.size() < 4)
          scopes.push_back(std::make_unique<ScopeGuard>(fmt::format("s{}", rng() % 3)));
        break;
      case 1:
        if (!scopes.empty()) scopes.pop_back();
        break;
      case 2:
        if (tapes.size() < 3) tapes.push_back(std::make_unique<Tape>());
        break;
      case 3:
        if (!tapes.empty()) tapes.erase(tapes.begin() + static_cast<long>(rng() % tapes.size()));
        break;
      default:
        if (Tape* tape = Tape::current()) {
          Tensor y = x * 2.0;
          CHECK(tape->scope_name(tape->node(y.node_index()).scope) == ScopeGuard::current());
          ++checked;
        }
    }
  }
  CHECK(checked > 500);  // (994 ops with this seed)
  // Closed newest first here too: the vector's destructor would close the oldest first. (It did,
  // and the guards after it padded the thread's scope name with '\0's, which cut every later
  // test's scope message short, in a process that runs them all: tape_test checks that case.)
  while (!scopes.empty()) scopes.pop_back();
  CHECK(ScopeGuard::current().empty());
}

// ----- the portable kernels (autograd/fast/kernels.hpp) -----------------------------------------
namespace {
std::vector<double> random_numbers(std::mt19937_64& rng, int64_t n, double scale = 1.0) {
  std::normal_distribution<double> normal(0.0, scale);
  std::vector<double> v(static_cast<size_t>(n));
  for (double& x : v) x = normal(rng);
  return v;
}

// m x n, transposed: [n, m]
std::vector<double> transposed(const std::vector<double>& a, int64_t m, int64_t n) {
  std::vector<double> t(a.size());
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) t[j * m + i] = a[i * n + j];
  return t;
}
}  // namespace

// What makes the portable matmul give the same numbers on every machine is that it is the plain
// loop, compiled once: so it must equal that loop exactly, not to a tolerance. (The fast kernels
// agree with it only to a few ulp: matmul_test.cpp.)
TEST_CASE("the portable matmul is the plain loop, bit for bit", "[fast][kernels]") {
  PortableKernelsGuard portable(true);
  REQUIRE(portable_kernels());
  std::mt19937_64 rng(7);
  for (auto [m, k, n] : {std::array<int64_t, 3>{1, 1, 1}, {3, 5, 2}, {17, 33, 9}, {64, 40, 48}}) {
    INFO(fmt::format("[{}, {}] @ [{}, {}]", m, k, k, n));
    const auto a = random_numbers(rng, m * k), b = random_numbers(rng, k * n);
    const auto grad = random_numbers(rng, m * n);
    Tape tape;
    Tensor ta = tensor(a, {m, k}, true), tb = tensor(b, {k, n}, true);
    Tensor c = matmul(ta, tb);
    std::vector<double> want(static_cast<size_t>(m * n));
    matmul_reference(a.data(), b.data(), want.data(), m, k, n);
    CHECK(c.to_vector() == want);
    // backward: d A = grad @ B^T and d B = A^T @ grad, the two transposed products
    c.backward(tensor(grad, {m, n}));
    std::vector<double> ga(static_cast<size_t>(m * k)), gb(static_cast<size_t>(k * n));
    matmul_reference(grad.data(), transposed(b, k, n).data(), ga.data(), m, n, k);
    matmul_reference(transposed(a, m, k).data(), grad.data(), gb.data(), k, m, n);
    CHECK(ta.grad().to_vector() == ga);
    CHECK(tb.grad().to_vector() == gb);
  }
}

// The portable product is one loop compiled twice, for every x86-64 CPU and for one with AVX2
// (fast/gemm.cpp), and gemm takes the AVX2 one where it can: on such a CPU the test above checks
// that one alone. Here the two meet, bit for bit, on every shape the loop treats apart (either
// side transposed, beta 0 or 1, sizes that are not a multiple of the vector width, empty sums),
// and on the numbers whose sums are easiest to get wrong: -0.0, infinities, NaN and subnormals.
// Every number, that is; a NaN only as a NaN: where both operands of an addition are NaN, which
// one comes out (its sign and payload) follows the order of the operands, which the compiler
// picks for each build. (Over 6.8 million outputs of such products, with these special numbers,
// the two forms differed so in 2,036 built at -O0 and 565 at -O3; no other output differed.)
TEST_CASE("the portable product's AVX2 code gives the numbers of its plain code",
          "[fast][kernels]") {
  using detail::fast::Isa;
  if (!detail::fast::has_avx2()) {
    CHECK_THROWS_AS(detail::fast::portable_gemm(Isa::avx2, false, false, 1, 1, 1, nullptr, nullptr,
                                                0.0, nullptr),
                    std::logic_error);
    SUCCEED("this CPU has no AVX2: gemm takes the plain code, which the test above checks");
    return;
  }
  std::mt19937_64 rng(11);
  const double specials[] = {-0.0,
                             0.0,
                             std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(),
                             std::numeric_limits<double>::quiet_NaN(),
                             5e-324,
                             -2.5e-308};
  for (auto [m, k, n] : {std::array<int64_t, 3>{1, 1, 1},
                         {3, 5, 2},
                         {7, 0, 9},
                         {17, 33, 9},
                         {32, 32, 128},
                         {5, 64, 3},
                         {64, 40, 48}}) {
    for (int flags = 0; flags < 8; ++flags) {
      const bool trans_a = flags & 1, trans_b = flags & 2;
      const double beta = flags & 4 ? 1.0 : 0.0;
      INFO(fmt::format("[{}, {}] @ [{}, {}], trans_a {}, trans_b {}, beta {}", m, k, k, n, trans_a,
                       trans_b, beta));
      auto a = random_numbers(rng, m * k), b = random_numbers(rng, k * n, 1e-3);
      auto c = random_numbers(rng, m * n);
      // A few special numbers at random places in each (the first row of A and of B hold none,
      // so some sums stay finite).
      for (std::vector<double>* v : {&a, &b, &c}) {
        for (size_t s = 0; s < std::size(specials) && v->size() > 4; ++s) {
          (*v)[std::uniform_int_distribution<size_t>(v->size() / 2, v->size() - 1)(rng)] =
              specials[s];
        }
      }
      std::vector<double> plain = c, avx2 = c;
      detail::fast::portable_gemm(Isa::baseline, trans_a, trans_b, m, n, k, a.data(), b.data(),
                                  beta, plain.data());
      detail::fast::portable_gemm(Isa::avx2, trans_a, trans_b, m, n, k, a.data(), b.data(), beta,
                                  avx2.data());
      // Bit for bit (== would call two NaNs unequal, and -0.0 equal to 0.0), but a NaN for a NaN.
      for (size_t i = 0; i < plain.size(); ++i) {
        if (std::isnan(plain[i]) && std::isnan(avx2[i])) continue;
        INFO(fmt::format("element {}: {} and {}", i, plain[i], avx2[i]));
        CHECK(std::memcmp(&plain[i], &avx2[i], sizeof(double)) == 0);
      }
    }
  }
}

// The portable exp, tanh and sigmoid are glibc's SSE vector code, two numbers per call
// (fast/kernels.cpp): not the scalar functions' bits, which differ from one CPU to another, but
// within a few ulp of them. What makes them portable is that every number takes that one code,
// whatever its neighbour, its place and the array's length: an odd array's last number too.
namespace {
// The inputs: numbers an LSTM gate sees, a sweep over exp's whole range, the far ends of that
// range (where kernels.cpp takes e^x as (e^(x/2))^2), and tiny numbers.
std::vector<double> portable_inputs() {
  std::mt19937_64 rng(11);
  std::vector<double> x = random_numbers(rng, 2000, 3.0);
  for (double v = -750.0; v <= 750.0; v += 0.37) x.push_back(v);
  for (double v = 700.0; v <= 746.0; v += 0.013) {
    x.push_back(v);
    x.push_back(-v);
  }
  for (double v = 1e-300; v < 1e-3; v *= 1e7) x.push_back(v);
  std::shuffle(x.begin(), x.end(), rng);
  x.push_back(0.5);  // an odd length: the last number is alone
  return x;
}

double textbook_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// ulps allowed from the scalar function: glibc's vector code is within 4 ulp of it; beyond
// |x| = 708, e^x is (e^(x/2))^2, which doubles the half's error
int64_t ulps_allowed(double x) { return std::fabs(x) > 708.0 ? 8 : 4; }

// exp, tanh and sigmoid of the numbers x, each over the whole array at once
struct Results {
  std::vector<double> exp, tanh, sigmoid;
};
Results results_of(const std::vector<double>& x) {
  const Tensor t = tensor(x, {static_cast<int64_t>(x.size())});
  return {exp(t).to_vector(), tanh(t).to_vector(), sigmoid(t).to_vector()};
}
}  // namespace

TEST_CASE("the portable exp, tanh and sigmoid agree with the scalar functions to a few ulp",
          "[fast][kernels]") {
  PortableKernelsGuard portable(true);
  const std::vector<double> x = portable_inputs();
  const Results all = results_of(x);
  for (size_t i = 0; i < x.size(); ++i) {
    INFO(fmt::format("x = {}", x[i]));
    CHECK(ulps_apart(all.exp[i], std::exp(x[i])) <= ulps_allowed(x[i]));
    CHECK(ulps_apart(all.tanh[i], std::tanh(x[i])) <= 4);
    CHECK(ulps_apart(all.sigmoid[i], textbook_sigmoid(x[i])) <= ulps_allowed(x[i]));
  }
}

TEST_CASE("the portable exp, tanh and sigmoid give a number the same result at every length",
          "[fast][kernels]") {
  PortableKernelsGuard portable(true);
  const std::vector<double> x = portable_inputs();
  const Results all = results_of(x);
  // each number in arrays of every length up to 9 that hold it: alone (the odd tail), the first
  // or the second of a pair, or the last one of an odd length
  for (size_t len = 1; len <= 9; ++len) {
    for (size_t start = 0; start + len <= 1500; ++start) {
      const Results part = results_of({x.begin() + start, x.begin() + start + len});
      for (size_t i = 0; i < len; ++i) {
        INFO(fmt::format("x = {} at {} of {}", x[start + i], i, len));
        CHECK(part.exp[i] == all.exp[start + i]);
        CHECK(part.tanh[i] == all.tanh[start + i]);
        CHECK(part.sigmoid[i] == all.sigmoid[start + i]);
      }
    }
  }
}

TEST_CASE("use_portable_kernels switches the whole program, and back", "[fast][kernels]") {
  {
    PortableKernelsGuard fast(false);
    CHECK_FALSE(portable_kernels());
    PortableKernelsGuard portable(true);
    CHECK(portable_kernels());
  }
  CHECK_FALSE(portable_kernels());  // the engine's default: the fast kernels
}

// ----- the portable functions of one number (autograd/fast/kernels.hpp) -----------------------
// glibc's SSE vector code, one number per call: not the scalar functions' bits, but within 4 ulp
// of them, over the ranges where kernels.hpp promises the same bits on every CPU.
namespace {
// n numbers spread over [2^lo, 2^hi): a mantissa stepped by the golden ratio at each exponent
// (plain arithmetic, so the inputs are the same with every compiler and library)
std::vector<double> spread(int lo, int hi, int per_exponent) {
  std::vector<double> x;
  for (int e = lo; e < hi; ++e) {
    for (int i = 0; i < per_exponent; ++i) {
      const double fraction = std::fmod(i * 0.6180339887498949, 1.0);
      x.push_back(std::ldexp(1.0 + fraction, e));
    }
  }
  return x;
}

// Each function on its inputs, in one list: log and log10 of positive numbers from 2^-1000 to
// 2^1000, sin and cos of +-x up to 2^23, pow of x > 0 to exponents whose results stay within
// 2^+-1000.
struct Case {
  const char* name;
  double x, y;  // y: pow's exponent
  double portable, scalar;
};
std::vector<Case> portable_cases() {
  std::vector<Case> cases;
  for (double x : spread(-1000, 1000, 50)) {
    cases.push_back({"log", x, 0, portable::log(x), std::log(x)});
    cases.push_back({"log10", x, 0, portable::log10(x), std::log10(x)});
  }
  for (double x : spread(-20, 23, 500)) {
    for (double s : {x, -x}) {
      cases.push_back({"sin", s, 0, portable::sin(s), std::sin(s)});
      cases.push_back({"cos", s, 0, portable::cos(s), std::cos(s)});
    }
  }
  for (double x : spread(-30, 30, 40)) {
    for (double y : {-33.3, -2.0, -0.5, 0.5, 1.0, 2.0, 3.0, 7.25, 30.0}) {
      cases.push_back({"pow", x, y, portable::pow(x, y), std::pow(x, y)});
    }
  }
  return cases;
}
}  // namespace

TEST_CASE("the portable functions of one number are within 4 ulp of the std:: ones",
          "[fast][kernels]") {
  for (const Case& c : portable_cases()) {
    INFO(fmt::format("{}({}, {}): {} against {}", c.name, c.x, c.y, c.portable, c.scalar));
    // (near a zero of sin or cos, ulps of a tiny result: allow 4 ulp of 1 there)
    if (std::fabs(c.scalar) < 1e-12) {
      CHECK(std::fabs(c.portable - c.scalar) <= 4 * 0x1.0p-52);
    } else {
      CHECK(ulps_apart(c.portable, c.scalar) <= 4);
    }
  }
}

// What makes them portable: the same bits on every CPU. The CTest autograd.portable_math_any_cpu
// runs this test case again with glibc told to take its code for a CPU without AVX2, AVX-512, FMA
// and FMA4 (tests/autograd/CMakeLists.txt): both runs must find the bits written down here, which
// Debian 12's glibc (2.36) and SLEEF 3.5 (log, log10) gave when this test was written.
// (A newer glibc may change its vector code, and with it this number; the scalar functions' bits
// are not part of it. The number written here before log and log10 left glibc's vector code,
// 0x60282ee0758639ca, was another machine's: that code's bits depend on the processor.)
TEST_CASE("the portable functions of one number give the same bits on every CPU",
          "[fast][kernels]") {
  uint64_t hash = 14695981039346656037ull;  // FNV-1a over the results' bits
  size_t count = 0;
  for (const Case& c : portable_cases()) {
    uint64_t bits = 0;
    std::memcpy(&bits, &c.portable, sizeof bits);
    hash = (hash ^ bits) * 1099511628211ull;
    ++count;
  }
  INFO(fmt::format("{} results, hash {:#x}", count, hash));
  CHECK(hash == 0x7096b00c340e4630ull);
}
