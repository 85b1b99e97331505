// ops_fuzz.cpp — libFuzzer target: the fuzzer's bytes are a small program over the engine's ops.
//
// The program makes one to three input tensors of small random shapes (sizes 0 to 4, rank 0 to
// 3, so broadcasting fits as often as not), then runs up to 12 ops, each on tensors made earlier
// (inputs, results, or constants), and finally backward through all of it. The rule it checks is
// the engine's promise: every op either throws an ag::Error or gives a correct result, and never
// crashes. "Correct" is held to three independent oracles, none of which uses the op under test:
//
//   shapes     each op's result shape is computed here from the op's rules (broadcasting, axes,
//              slice bounds...), and so is whether it must throw: an op that throws where the
//              rules allow it, or succeeds where they do not, is a finding too;
//   values     elementwise ops (broadcasting included), sum, matmul, reshape and argmax are
//              recomputed or checked here with plain loops and std:: functions;
//   gradients  when no op threw at the point and the program is well-conditioned there (all
//              values finite and at most 1e3, no input within 1e-3 of a kink such as relu's 0 or a
//              tie of maximum, none within 0.1 of a pole such as log's or div's 0), ag::gradcheck
//              compares backward with central differences on every result at once.
//
// Besides: a second backward over a retained graph must add the same gradients again, and the
// tape's views after backward (its table, the edge gradients, local_derivatives, which promises
// to put every gradient back) must run and keep their promises.
//
// A finding prints the program as it ran and abort()s; libFuzzer keeps the input (see
// docs/fuzzing.md for reproducing it). Missing bytes read as 0, so every byte string is a program:
//
//   byte 0         inputs: 1 + b % 3;  mode (b / 3) % 4: 0 backward recording the edge
//                  gradients, 1 under DetectAnomalyGuard, 2 with keep_grads = false, 3 twice
//                  with retain_graph
//   each input     rank b % 4, each size kSizes[b % 8] (ops_program.hpp: 0 to 4, 0 one time in
//                  eight), then one byte per value:
//                  (b - 128) / 32, so values lie in [-4, 4) and exact zeros and ties are common
//   each op        an opcode byte (b % kOpCount: the enum Op of ops_program.hpp, see `step`),
//                  then the bytes its operands need:
//                  a tensor is b % (tensors + 2) (the last two: a 0-d constant, a 1-d constant),
//                  an axis is b % 9 - 4 (so out-of-range axes happen)
//
// What this leaves out: ops outside ops.hpp (nn's modules are compositions of these), values of
// the reductions along an axis and of the shape ops other than reshape, second derivatives, and
// more than one tape or thread.
#include <autograd/autograd.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <typeinfo>
#include <vector>

#include "ops_program.hpp"

namespace {

using ag::Shape;
using ag::Tensor;
using namespace ag::fuzz;  // the opcodes (ops_program.hpp)

// ----- reading the program ------------------------------------------------------------------
// The bytes in order; past the end every byte is 0.
class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t next() { return at_ < size_ ? data_[at_++] : 0; }
  bool done() const { return at_ >= size_; }
  size_t position() const { return at_; }
  void seek(size_t at) { at_ = at; }

  int64_t choose(int64_t n) { return next() % n; }
  int64_t axis() { return static_cast<int64_t>(next() % 9) - 4; }  // -4 .. 4
  double value() { return (next() - 128) / 32.0; }                 // [-4, 4) in steps of 1/32
  int64_t size() { return kSizes[next() % 8]; }
  Shape shape() {
    Shape s(static_cast<size_t>(next() % 4));
    for (int64_t& d : s) d = size();
    return s;
  }
  // A clamp bound: mostly a number, sometimes an infinity or NaN (which clamp must refuse).
  double bound() {
    const uint8_t b = next();
    if (b == 0) return std::numeric_limits<double>::quiet_NaN();
    if (b == 1) return -std::numeric_limits<double>::infinity();
    if (b == 2) return std::numeric_limits<double>::infinity();
    return (b - 128) / 32.0;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

// ----- the oracles: shapes and values computed without the engine ---------------------------
std::optional<Shape> broadcast(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) return std::nullopt;
    out[rank - 1 - i] = da == 1 ? db : da;
  }
  return out;
}

// The axis counted from the front, or nothing if it is outside [-rank, rank).
std::optional<int64_t> normal_axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

int64_t count(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// t's values stretched to shape `out` (which t broadcasts to), in row-major order.
std::vector<double> stretched(const Tensor& t, const Shape& out) {
  const Shape& s = t.shape();
  std::vector<double> result(static_cast<size_t>(count(out)));
  std::vector<int64_t> index(out.size(), 0);
  for (double& y : result) {
    int64_t at = 0, stride = 1;
    for (size_t i = 0; i < s.size(); ++i) {  // t's axes, aligned with out's from the right
      const size_t r = s.size() - 1 - i;
      const int64_t j = index[out.size() - 1 - i];
      at += (s[r] == 1 ? 0 : j) * stride;
      stride *= s[r];
    }
    y = t.data()[static_cast<size_t>(at)];
    for (size_t r = out.size(); r-- > 0;) {  // the next multi-index of out
      if (++index[r] < out[r]) break;
      index[r] = 0;
    }
  }
  return result;
}

// Equal up to rounding (libmvec's exp and tanh may differ from libm's in the last bits), or both
// NaN, or the same infinity.
bool close(double got, double want, double scale = 1.0) {
  if (std::isnan(want)) return std::isnan(got);
  if (got == want) return true;
  return std::abs(got - want) <= 1e-10 * (scale + std::abs(want));
}

// ----- one run of the program ---------------------------------------------------------------
constexpr int kMaxOps = 12;
constexpr double kKinkMargin = 1e-3;  // central differences (eps 1e-6) must not straddle a kink
constexpr double kPoleMargin = 0.1;   // nor come near a pole: 1/x''' = 6/x^4 feeds their error
constexpr double kLargest = 1e3;      // values past this make the differences lose digits

struct Run {
  std::vector<Tensor> tensors;  // the inputs, then each op's result
  size_t input_count = 0;
  std::vector<bool> threw;         // per op: it threw an ag::Error
  std::vector<std::string> trace;  // the program as it ran (only when tracing)
  bool tracing = false;
  bool anomaly_mode = false;
  double kink = INFINITY;  // the smallest distance of an op's input from a kink of that op
  double pole = INFINITY;  // ... from a pole or the edge of its domain (must stay positive)
  // What detach gave in the recorded run, in order. Central differences must not see a value
  // move through detach (backward does not), so gradcheck's runs reuse these instead.
  std::vector<std::vector<double>>* detached = nullptr;
  bool replay = false;
  size_t detach_count = 0;
};

std::vector<std::string>* g_trace = nullptr;  // the recorded run's, printed with any finding

// How often each check ran, printed at exit with OPS_FUZZ_STATS=1: a gradient check that never
// runs (every program ill-conditioned) would pass forever and mean nothing.
struct Stats {
  long programs = 0, ops_ok = 0, ops_threw = 0, gradchecked = 0;
  ~Stats() {
    if (std::getenv("OPS_FUZZ_STATS") == nullptr) return;
    std::fprintf(stderr,
                 "ops_fuzz: %ld programs, %ld ops gave a result, %ld threw; %ld programs "
                 "(%.0f%%) had their gradients checked\n",
                 programs, ops_ok, ops_threw, gradchecked,
                 programs > 0 ? 100.0 * gradchecked / programs : 0.0);
  }
} g_stats;

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "ops_fuzz: FINDING: %s\n", what.c_str());
  if (g_trace != nullptr) {
    std::fprintf(stderr, "the program:\n");
    for (const std::string& line : *g_trace) std::fprintf(stderr, "  %s\n", line.c_str());
  }
  std::abort();
}

std::string describe(const Tensor& t) {
  return fmt::format("{}{}", ag::shape_str(t.shape()), t.requires_grad() ? "" : " const");
}

void min_abs(double& margin, const Tensor& t) {
  for (double x : t.data()) margin = std::min(margin, std::abs(x));
}
// The smallest gap between two elements: where max along an axis may meet a tie.
void min_gap(double& margin, const Tensor& t) {
  const auto x = t.data();
  for (size_t i = 0; i < x.size(); ++i)
    for (size_t j = i + 1; j < x.size(); ++j) margin = std::min(margin, std::abs(x[i] - x[j]));
}

// Runs one op: `expected` is the oracle's shape, or nothing where the op must throw. The result
// (if any) joins run.tensors and is returned for its value checks.
template <class F>
const Tensor* attempt(Run& run, std::string text, const std::optional<Shape>& expected, F op) {
  try {
    Tensor result = op();
    if (run.tracing) {
      run.trace.push_back(
          fmt::format("t{} = {} -> {}", run.tensors.size(), text, ag::shape_str(result.shape())));
    }
    if (!expected) finding(text + " succeeded, but its rules say it must throw");
    if (result.shape() != *expected) {
      finding(fmt::format("{} gave shape {}, its rules say {}", text, ag::shape_str(result.shape()),
                          ag::shape_str(*expected)));
    }
    run.threw.push_back(false);
    run.tensors.push_back(std::move(result));
    return &run.tensors.back();
  } catch (const ag::AnomalyError&) {
    if (!run.anomaly_mode) finding(text + " threw AnomalyError outside DetectAnomalyGuard");
    if (run.tracing) run.trace.push_back(fmt::format("{} -> AnomalyError", text));
    run.threw.push_back(true);
  } catch (const ag::Error& e) {
    if (run.tracing) run.trace.push_back(fmt::format("{} -> {}", text, e.what()));
    if (expected) {
      finding(fmt::format("{} threw ({}), but its rules give shape {}", text, e.what(),
                          ag::shape_str(*expected)));
    }
    run.threw.push_back(true);
  }
  return nullptr;
}

// The result's values against the oracle's, element by element (an op that threw has none).
void check_values(const Tensor* result, const std::string& text, const std::vector<double>& want) {
  if (result == nullptr) return;
  const auto got = result->data();
  for (size_t i = 0; i < want.size(); ++i) {
    if (!close(got[i], want[i])) {
      finding(fmt::format("{}: element {} is {}, should be {}", text, i, got[i], want[i]));
    }
  }
}

Tensor pick(Bytes& in, Run& run) {
  const int64_t k = in.choose(static_cast<int64_t>(run.tensors.size()) + 2);
  const auto n = static_cast<int64_t>(run.tensors.size());
  if (k < n) return run.tensors[static_cast<size_t>(k)];
  if (k == n) return Tensor(in.value());     // a 0-d constant
  return ag::full({in.size()}, in.value());  // a 1-d constant
}

// ----- the ops ------------------------------------------------------------------------------
struct Unary {
  const char* name;
  Tensor (*op)(const Tensor&);
  double (*reference)(double);
  enum Kind { kSmooth, kKinkAtZero, kPoleAtZero } kind;
};
double relu_ref(double x) { return std::isnan(x) ? x : (x > 0 ? x : 0.0); }
double sigmoid_ref(double x) { return 1.0 / (1.0 + std::exp(-x)); }
const Unary kUnary[] = {
    {"neg", ag::neg, [](double x) { return -x; }, Unary::kSmooth},
    {"exp", ag::exp, [](double x) { return std::exp(x); }, Unary::kSmooth},
    {"log", ag::log, [](double x) { return std::log(x); }, Unary::kPoleAtZero},
    {"sqrt", ag::sqrt, [](double x) { return std::sqrt(x); }, Unary::kPoleAtZero},
    {"abs", ag::abs, [](double x) { return std::abs(x); }, Unary::kKinkAtZero},
    {"tanh", ag::tanh, [](double x) { return std::tanh(x); }, Unary::kSmooth},
    {"sigmoid", ag::sigmoid, sigmoid_ref, Unary::kSmooth},
    {"relu", ag::relu, relu_ref, Unary::kKinkAtZero},
};

struct Binary {
  const char* name;
  Tensor (*op)(const Tensor&, const Tensor&);
  double (*reference)(double, double);
};
double maximum_ref(double a, double b) {
  return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
}
double minimum_ref(double a, double b) {
  return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
}
const Binary kBinary[] = {
    {"add", ag::add, [](double a, double b) { return a + b; }},
    {"sub", ag::sub, [](double a, double b) { return a - b; }},
    {"mul", ag::mul, [](double a, double b) { return a * b; }},
    {"div", ag::div, [](double a, double b) { return a / b; }},
    {"pow", [](const Tensor& a, const Tensor& b) { return ag::pow(a, b); },
     [](double a, double b) { return std::pow(a, b); }},
    {"maximum", ag::maximum, maximum_ref},
    {"minimum", ag::minimum, minimum_ref},
};
static_assert(std::size(kUnary) == kFirstBinary && std::size(kBinary) == kFirstOther - kFirstBinary,
              "the tables follow the opcodes of ops_program.hpp");

void unary(Run& run, const Unary& u, const Tensor& x) {
  const std::string text = fmt::format("{}({})", u.name, describe(x));
  std::vector<double> want;
  for (double v : x.data()) want.push_back(u.reference(v));
  check_values(attempt(run, text, x.shape(), [&] { return u.op(x); }), text, want);
  if (u.kind == Unary::kKinkAtZero) min_abs(run.kink, x);
  if (u.kind == Unary::kPoleAtZero) {
    for (double v : x.data()) run.pole = std::min(run.pole, v);  // the domain is x > 0
  }
}

void binary(Run& run, const Binary& b, const Tensor& x, const Tensor& y) {
  const std::string text = fmt::format("{}({}, {})", b.name, describe(x), describe(y));
  const auto shape = broadcast(x.shape(), y.shape());
  std::vector<double> want;
  if (shape) {
    const auto xs = stretched(x, *shape), ys = stretched(y, *shape);
    for (size_t i = 0; i < xs.size(); ++i) want.push_back(b.reference(xs[i], ys[i]));
    const std::string name = b.name;
    for (size_t i = 0; i < xs.size(); ++i) {
      if (name == "maximum" || name == "minimum") {
        run.kink = std::min(run.kink, std::abs(xs[i] - ys[i]));
      }
      if (name == "div") run.pole = std::min(run.pole, std::abs(ys[i]));
      if (name == "pow") run.pole = std::min(run.pole, xs[i]);  // d other = result * log(self)
    }
  }
  check_values(attempt(run, text, shape, [&] { return b.op(x, y); }), text, want);
}

// One op of the program, chosen by the next byte.
void step(Bytes& in, Run& run) {
  const auto code = static_cast<Op>(in.choose(kOpCount));
  if (code < kFirstBinary) return unary(run, kUnary[code], pick(in, run));
  if (code < kFirstOther) {
    const Tensor x = pick(in, run), y = pick(in, run);
    return binary(run, kBinary[code - kFirstBinary], x, y);
  }
  const Tensor x = pick(in, run);
  const Shape& s = x.shape();
  const auto rank = static_cast<int64_t>(s.size());
  switch (code) {
    case kPowNumber: {  // the exponent from a table of the interesting ones
      static constexpr double kExponents[] = {2, 3, 0.5, -1, 1.5, 0, -2, 1};
      const double p = kExponents[in.choose(8)];
      const std::string text = fmt::format("pow({}, {})", describe(x), p);
      std::vector<double> want;
      for (double v : x.data()) want.push_back(std::pow(v, p));
      check_values(attempt(run, text, s, [&] { return ag::pow(x, p); }), text, want);
      if (p != std::floor(p)) {
        for (double v : x.data()) run.pole = std::min(run.pole, v);
      } else if (p < 0) {
        min_abs(run.pole, x);
      }
      return;
    }
    case kLeakyRelu: {
      static constexpr double kSlopes[] = {0.01, 0.2, 0.0, 1.0, -0.5, 2.0};
      const double slope = kSlopes[in.choose(6)];
      const std::string text = fmt::format("leaky_relu({}, {})", describe(x), slope);
      std::vector<double> want;
      for (double v : x.data()) want.push_back(v > 0 ? v : slope * v);
      check_values(attempt(run, text, s, [&] { return ag::leaky_relu(x, slope); }), text, want);
      min_abs(run.kink, x);
      return;
    }
    case kClamp:
    case kHardtanh: {  // the same numbers; NaN bounds and lo > hi must throw
      const double lo = in.bound(), hi = in.bound();
      const bool is_clamp = code == kClamp;
      const std::string text = fmt::format("{}({}, {}, {})", is_clamp ? "clamp" : "hardtanh",
                                           describe(x), lo, hi);
      const bool valid = !std::isnan(lo) && !std::isnan(hi) && lo <= hi;
      std::vector<double> want;
      for (double v : x.data()) want.push_back(std::isnan(v) ? v : std::min(std::max(v, lo), hi));
      check_values(attempt(run, text, valid ? std::optional(s) : std::nullopt,
                           [&] {
                             return is_clamp ? ag::clamp(x, lo, hi) : ag::hardtanh(x, lo, hi);
                           }),
                   text, want);
      for (double v : x.data()) {
        run.kink = std::min({run.kink, std::abs(v - lo), std::abs(v - hi)});
      }
      return;
    }
    case kSum: {  // of everything, against a plain loop
      const std::string text = fmt::format("sum({})", describe(x));
      double total = 0.0, scale = 0.0;
      for (double v : x.data()) total += v, scale += std::abs(v);
      const Tensor* r = attempt(run, text, Shape{}, [&] { return ag::sum(x); });
      if (r != nullptr && !close(r->item(), total, scale)) {
        finding(fmt::format("{} is {}, should be {}", text, r->item(), total));
      }
      return;
    }
    case kMean: {  // of everything: an empty tensor's is NaN, as torch's
      const std::string text = fmt::format("mean({})", describe(x));
      attempt(run, text, std::optional(Shape{}), [&] { return ag::mean(x); });
      return;
    }
    case kSumAxis:
    case kMeanAxis:
    case kMaxAxis: {  // (max needs the axis not to be empty)
      static constexpr const char* kNames[] = {"sum", "mean", "max"};
      const int64_t axis = in.axis();
      const bool keepdim = in.choose(2) == 1;
      const std::string text = fmt::format("{}({}, axis {}, keepdim {})", kNames[code - kSumAxis],
                                           describe(x), axis, keepdim);
      std::optional<Shape> expected;  // (a 0-d tensor reduces along 0 or -1 to itself)
      if (const auto a = normal_axis(axis, std::max<int64_t>(rank, 1));
          a && (code != kMaxAxis || rank == 0 || s[*a] > 0)) {
        expected = s;
        if (rank > 0 && keepdim) (*expected)[*a] = 1;
        if (rank > 0 && !keepdim) expected->erase(expected->begin() + *a);
      }
      attempt(run, text, expected, [&] {
        return code == kSumAxis    ? ag::sum(x, axis, keepdim)
               : code == kMeanAxis ? ag::mean(x, axis, keepdim)
                                   : ag::max(x, axis, keepdim);
      });
      if (code == kMaxAxis) min_gap(run.kink, x);
      return;
    }
    case kArgmax: {  // not differentiable, a plain vector of indices of largest values
      const int64_t axis = in.axis();
      const auto a = normal_axis(axis, std::max<int64_t>(rank, 1));  // a 0-d tensor: as a [1]
      const bool valid = a && (rank == 0 || s[*a] > 0);
      const std::string text = fmt::format("argmax({}, axis {})", describe(x), axis);
      try {
        const std::vector<int64_t> idx = ag::argmax(x, axis);
        if (!valid) finding(text + " succeeded, but its rules say it must throw");
        const int64_t n = rank == 0 ? 1 : s[*a];
        if (static_cast<int64_t>(idx.size()) != count(s) / n) {
          finding(fmt::format("{} gave {} indices", text, idx.size()));
        }
        // Each index is in range and points at a largest value along the axis, the tensor seen
        // as [outer, n, inner] around it. (NaN is compared with nothing: where it counts as the
        // largest is the engine's choice.)
        int64_t outer = 1, inner = 1;
        for (int64_t r = 0; r < rank; ++r) {
          if (r < *a) outer *= s[r];
          if (r > *a) inner *= s[r];
        }
        for (int64_t o = 0; o < outer; ++o) {
          for (int64_t i = 0; i < inner; ++i) {
            const int64_t at = idx[o * inner + i];
            if (at < 0 || at >= n) finding(fmt::format("{} gave index {}", text, at));
            const auto lane = [&](int64_t j) { return x.data()[(o * n + j) * inner + i]; };
            for (int64_t j = 0; j < n; ++j) {
              if (!std::isnan(lane(j)) && !std::isnan(lane(at)) && lane(j) > lane(at)) {
                finding(fmt::format("{} gave index {}, but {} is larger there", text, at, lane(j)));
              }
            }
          }
        }
      } catch (const ag::Error& e) {
        if (valid) finding(fmt::format("{} threw ({})", text, e.what()));
      }
      return;
    }
    case kMatmul: {  // torch.matmul's shapes, against the triple loop per batch
      const Tensor y = pick(in, run);
      const Shape& t = y.shape();
      const std::string text = fmt::format("matmul({}, {})", describe(x), describe(y));
      // A 1-d side is a row [1, K] or a column [K, 1], that axis dropped from the result; the
      // batch axes (all but the last two) broadcast.
      const Shape a = rank == 1 ? Shape{1, s[0]} : s, b = t.size() == 1 ? Shape{t[0], 1} : t;
      std::optional<Shape> batch, expected;
      if (rank > 0 && !t.empty() && a.back() == b[b.size() - 2]) {
        batch = broadcast(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
      }
      if (batch) {
        expected = batch;
        if (rank > 1) expected->push_back(a[a.size() - 2]);
        if (t.size() > 1) expected->push_back(b.back());
      }
      const Tensor* r = attempt(run, text, expected, [&] { return ag::matmul(x, y); });
      if (r != nullptr) {
        const int64_t m = a[a.size() - 2], k = a.back(), n = b.back();
        Shape a_full = *batch, b_full = *batch;  // each side stretched to the batches
        a_full.insert(a_full.end(), {m, k});
        b_full.insert(b_full.end(), {k, n});
        const auto av = stretched(Tensor(x.to_vector(), a), a_full);
        const auto bv = stretched(Tensor(y.to_vector(), b), b_full);
        for (int64_t c = 0; c < count(*batch); ++c) {
          for (int64_t i = 0; i < m; ++i) {
            for (int64_t j = 0; j < n; ++j) {
              double want = 0.0, scale = 0.0;
              for (int64_t l = 0; l < k; ++l) {
                const double term = av[(c * m + i) * k + l] * bv[(c * k + l) * n + j];
                want += term;
                scale += std::abs(term);
              }
              const double got = r->data()[(c * m + i) * n + j];
              if (!close(got, want, scale)) {
                finding(fmt::format("{}: batch {} element [{}, {}] is {}, should be {}", text, c, i,
                                    j, got, want));
              }
            }
          }
        }
      }
      return;
    }
    case kAddmm: {  // addmm(self, mat1, mat2): self must broadcast to [M, N] itself
      const Tensor m1 = pick(in, run), m2 = pick(in, run);
      const Shape &a = m1.shape(), &b = m2.shape();
      const std::string text = fmt::format("addmm({}, {}, {})", describe(x), describe(m1),
                                           describe(m2));
      std::optional<Shape> expected;
      if (a.size() == 2 && b.size() == 2 && a[1] == b[0]) {
        const Shape product{a[0], b[1]};
        if (broadcast(s, product) == product) expected = product;
      }
      attempt(run, text, expected, [&] { return ag::addmm(x, m1, m2); });
      return;
    }
    case kReshape: {  // sizes from a table with -1 (inferred) in it
      static constexpr int64_t kSizes[] = {-1, 1, 2, 3, 4, 6, 0, 8};
      Shape target(static_cast<size_t>(in.choose(4)));
      for (int64_t& d : target) d = kSizes[in.choose(8)];
      const std::string text = fmt::format("reshape({}, {})", describe(x), ag::shape_str(target));
      std::optional<Shape> expected;
      const auto minus = std::count(target.begin(), target.end(), -1);
      int64_t known = 1;
      for (int64_t d : target) known *= d == -1 ? 1 : d;
      if (minus == 0 && known == count(s)) expected = target;
      if (minus == 1 && known > 0 && count(s) % known == 0) {
        expected = target;
        *std::find(expected->begin(), expected->end(), -1) = count(s) / known;
      }
      const auto values = x.to_vector();
      check_values(attempt(run, text, expected, [&] { return ag::reshape(x, target); }), text,
                   values);
      return;
    }
    case kPermute: {  // as many axes as the rank, each once
      std::vector<int64_t> dims(static_cast<size_t>(in.choose(4)));
      for (int64_t& d : dims) d = in.axis();
      const std::string text = fmt::format("permute({}, [{}])", describe(x), fmt::join(dims, ", "));
      std::optional<Shape> expected;
      if (static_cast<int64_t>(dims.size()) == rank) {
        expected = Shape{};
        std::vector<bool> used(s.size(), false);
        for (int64_t d : dims) {
          const auto a = normal_axis(d, rank);
          if (!a || used[*a]) {
            expected.reset();
            break;
          }
          used[*a] = true;
          expected->push_back(s[*a]);
        }
      }
      attempt(run, text, expected, [&] { return ag::permute(x, dims); });
      return;
    }
    case kTranspose: {  // of two axes
      const int64_t a0 = in.axis(), a1 = in.axis();
      const std::string text = fmt::format("transpose({}, {}, {})", describe(x), a0, a1);
      std::optional<Shape> expected;
      const auto n0 = normal_axis(a0, rank), n1 = normal_axis(a1, rank);
      if (rank >= 2 && n0 && n1) {
        expected = s;
        std::swap((*expected)[*n0], (*expected)[*n1]);
      }
      attempt(run, text, expected, [&] { return ag::transpose(x, a0, a1); });
      return;
    }
    case kSlice: {  // [start, end) along an axis, as Python's x[start:end]: negative bounds
                    // count from the end, then clamp into [0, n]; end before start is empty
      const int64_t axis = in.axis(), start = in.choose(11) - 5, end = in.choose(11) - 5;
      const std::string text = fmt::format("slice({}, axis {}, {}, {})", describe(x), axis, start,
                                           end);
      std::optional<Shape> expected;
      if (const auto a = normal_axis(axis, rank)) {
        const int64_t n = s[*a];
        const int64_t from = std::clamp<int64_t>(start < 0 ? start + n : start, 0, n);
        const int64_t to = std::clamp<int64_t>(end < 0 ? end + n : end, from, n);
        expected = s;
        (*expected)[*a] = to - from;
      }
      attempt(run, text, expected, [&] { return ag::slice(x, axis, start, end); });
      return;
    }
    case kConcat:
    case kStack: {  // along an existing axis, and along a new one
      std::vector<Tensor> parts{x};
      for (int64_t k = in.choose(3); k > 0; --k) parts.push_back(pick(in, run));
      const int64_t axis = in.axis();
      const bool is_stack = code == kStack;
      std::vector<std::string> shapes;
      for (const Tensor& p : parts) shapes.push_back(describe(p));
      const std::string text = fmt::format("{}([{}], axis {})", is_stack ? "stack" : "concat",
                                           fmt::join(shapes, ", "), axis);
      std::optional<Shape> expected;
      if (const auto a = normal_axis(axis, is_stack ? rank + 1 : rank)) {
        expected = s;
        if (is_stack) {
          expected->insert(expected->begin() + *a, 0);
        } else {
          (*expected)[*a] = 0;
        }
        for (const Tensor& p : parts) {
          const Shape& q = p.shape();
          bool fits = q.size() == s.size();
          for (size_t r = 0; fits && r < s.size(); ++r) {
            fits = (!is_stack && static_cast<int64_t>(r) == *a) || q[r] == s[r];
          }
          if (!fits) {
            expected.reset();
            break;
          }
          (*expected)[*a] += is_stack ? 1 : q[*a];
        }
      }
      attempt(run, text, expected,
              [&] { return is_stack ? ag::stack(parts, axis) : ag::concat(parts, axis); });
      return;
    }
    case kIndexSelect: {  // repeats allowed, each index in [0, size)
      const int64_t axis = in.axis();
      std::vector<int64_t> indices(static_cast<size_t>(in.choose(4)));
      for (int64_t& i : indices) i = in.choose(5) - 1;
      const std::string text = fmt::format("index_select({}, axis {}, [{}])", describe(x), axis,
                                           fmt::join(indices, ", "));
      std::optional<Shape> expected;
      if (const auto a = normal_axis(axis, rank)) {
        const bool in_range = std::all_of(indices.begin(), indices.end(),
                                          [&](int64_t i) { return 0 <= i && i < s[*a]; });
        if (in_range) {
          expected = s;
          (*expected)[*a] = static_cast<int64_t>(indices.size());
        }
      }
      attempt(run, text, expected, [&] { return ag::index_select(x, axis, indices); });
      return;
    }
    case kGather: {  // an index tensor of whole numbers, no larger than self off the axis
      const int64_t axis = in.axis();
      Shape index_shape = s;
      if (in.choose(8) == 0) index_shape.push_back(1);  // sometimes the wrong rank
      for (int64_t& d : index_shape) d = in.choose(d + 2);
      const auto a = normal_axis(axis, rank);
      const int64_t n = a ? s[*a] : 1;
      std::vector<double> values(static_cast<size_t>(count(index_shape)));
      for (double& v : values) {
        const uint8_t b = in.next();
        v = b == 255 ? 0.5 : static_cast<double>(b % (n + 1));  // n itself is out of range
      }
      const Tensor index = ag::tensor(values, index_shape);
      const std::string text = fmt::format("gather({}, axis {}, index {})", describe(x), axis,
                                           ag::shape_str(index_shape));
      bool valid = a && index_shape.size() == s.size();
      for (size_t r = 0; valid && r < s.size(); ++r) {
        valid = static_cast<int64_t>(r) == *a || index_shape[r] <= s[r];
      }
      for (double v : values) valid = valid && v == std::floor(v) && v >= 0 && v < n;
      attempt(run, text, valid ? std::optional(index_shape) : std::nullopt,
              [&] { return ag::gather(x, axis, index); });
      return;
    }
    case kDetach: {
      const size_t k = run.detach_count++;
      attempt(run, fmt::format("detach({})", describe(x)), s, [&] {
        if (run.replay) return ag::tensor(run.detached->at(k), s);
        run.detached->push_back(x.to_vector());
        return x.detach();
      });
      return;
    }
    case kSoftmax:
    case kLogSoftmax: {  // along an axis
      const int64_t axis = in.axis();
      const bool log = code == kLogSoftmax;
      const std::string text = fmt::format("{}({}, axis {})", log ? "log_softmax" : "softmax",
                                           describe(x), axis);
      attempt(run, text, normal_axis(axis, rank) ? std::optional(s) : std::nullopt,
              [&] { return log ? ag::log_softmax(x, axis) : ag::softmax(x, axis); });
      return;
    }
    default:  // the unary and binary ops, done above
      return;
  }
}

// ----- the program as a whole ---------------------------------------------------------------
struct Program {
  std::vector<Tensor> inputs;
  int mode = 0;                               // see the file's opening comment
  size_t ops_at = 0;                          // where the ops start in the bytes
  std::vector<std::vector<double>> detached;  // see Run::detached
};

Program read_inputs(Bytes& in) {
  Program p;
  const uint8_t head = in.next();
  const int count = 1 + head % 3;
  p.mode = (head / 3) % 4;
  for (int k = 0; k < count; ++k) {
    const Shape s = in.shape();
    std::vector<double> values(static_cast<size_t>(ag::numel(s)));
    for (double& v : values) v = in.value();
    p.inputs.push_back(ag::tensor(values, s, /*requires_grad=*/true));
  }
  p.ops_at = in.position();
  return p;
}

// Runs the ops on `inputs` (recording, if a tape is). Every op result, flattened and joined into
// one vector, is what gradcheck weighs and backward starts from.
Run run_ops(Bytes& in, Program& p, const std::vector<Tensor>& inputs, bool tracing, bool replay) {
  in.seek(p.ops_at);
  Run run;
  run.tracing = tracing;
  run.replay = replay;
  run.detached = &p.detached;
  if (tracing) g_trace = &run.trace;  // (then the caller's copy: see check_program)
  run.anomaly_mode = ag::DetectAnomalyGuard::active();
  run.tensors = inputs;
  run.input_count = inputs.size();
  if (tracing) {
    for (size_t k = 0; k < inputs.size(); ++k) {
      run.trace.push_back(fmt::format("t{} = input {} {}", k, ag::shape_str(inputs[k].shape()),
                                      inputs[k].to_string()));
    }
  }
  for (int op = 0; op < kMaxOps && !in.done(); ++op) step(in, run);
  if (tracing) {
    for (bool threw : run.threw) ++(threw ? g_stats.ops_threw : g_stats.ops_ok);
  }
  return run;
}

Tensor joined_results(const Run& run) {
  std::vector<Tensor> flat;
  for (size_t k = run.input_count; k < run.tensors.size(); ++k) {
    flat.push_back(ag::reshape(run.tensors[k], {-1}));
  }
  return flat.empty() ? Tensor() : ag::concat(flat);
}

bool well_conditioned(const Run& run) {
  if (run.kink < kKinkMargin || run.pole < kPoleMargin) return false;
  for (const Tensor& t : run.tensors) {
    for (double x : t.data()) {
      if (!std::isfinite(x) || std::abs(x) > kLargest) return false;
    }
  }
  return true;
}

// The tape's other views after backward: its table, the edge gradients, and each scalar node's
// local derivatives, which promise to leave every gradient as it was.
void check_tape_views(const ag::Tape& tape) {
  const std::string table = tape.to_string();
  const auto grads = [&](const ag::Node& n) {
    std::vector<std::vector<double>> out{{n.out->grad.span().begin(), n.out->grad.span().end()}};
    for (size_t k = 0; k < n.input_count; ++k) {
      const auto g = tape.input(n, k).grad.span();
      out.emplace_back(g.begin(), g.end());
    }
    return out;
  };
  for (size_t i = 0; i < tape.size(); ++i) {
    const ag::Node& n = tape.node(i);
    for (size_t k = 0; k < n.input_count && tape.edge_grads_recorded(); ++k) {
      (void)tape.edge_grad_norm(i, k);
    }
    if (n.out->value.size() != 1) continue;
    const auto before = grads(n);
    const auto local = tape.local_derivatives(i);
    if (local.size() != n.input_count)
      finding(fmt::format("local_derivatives({}): wrong count", i));
    for (size_t k = 0; k < local.size(); ++k) {
      const size_t numel = tape.input(n, k).value.size();
      if (!local[k].empty() && local[k].size() != numel) {
        finding(fmt::format("local_derivatives({}) of {}: {} numbers for input {} of {}", i, n.op,
                            local[k].size(), k, numel));
      }
    }
    const auto after = grads(n);
    for (size_t k = 0; k < before.size(); ++k) {
      bool same = before[k].size() == after[k].size();
      for (size_t e = 0; same && e < before[k].size(); ++e) {
        same = close(after[k][e], before[k][e], 0.0);
      }
      if (!same) {
        finding(
            fmt::format("local_derivatives({}) of {} changed a gradient (entry {})", i, n.op, k));
      }
    }
  }
}

void check_program(const uint8_t* data, size_t size) {
  ++g_stats.programs;
  Bytes in(data, size);
  Program p = read_inputs(in);

  // 1. The recorded run and backward (in the mode the first byte chose).
  Run first;
  g_trace = &first.trace;
  {
    ag::Tape tape;
    std::optional<ag::DetectAnomalyGuard> anomaly;
    if (p.mode == 1) anomaly.emplace();
    first = run_ops(in, p, p.inputs, /*tracing=*/true, /*replay=*/false);
    g_trace = &first.trace;
    try {
      const Tensor joined = joined_results(first);
      if (joined.defined() && joined.requires_grad()) {
        const Tensor loss = ag::sum(joined);
        ag::BackwardOptions options;
        options.keep_grads = p.mode != 2;
        options.retain_graph = p.mode == 3;
        options.record_edge_grads = p.mode == 0;  // the graph dumps' edge widths
        tape.backward(loss, options);
        std::vector<std::vector<double>> once;
        for (const Tensor& x : p.inputs) once.push_back(x.grad().to_vector());
        if (p.mode == 3 && well_conditioned(first)) {  // a second pass adds the same again
          tape.backward(loss, options);
          for (size_t k = 0; k < p.inputs.size(); ++k) {
            const auto twice = p.inputs[k].grad().to_vector();
            for (size_t i = 0; i < twice.size(); ++i) {
              if (!close(twice[i], 2 * once[k][i], 1.0 + std::abs(once[k][i]))) {
                finding(
                    fmt::format("a second backward over the retained graph gave input {} "
                                "element {} the gradient {}, not 2 * {}",
                                k, i, twice[i], once[k][i]));
              }
            }
          }
        }
      }
    } catch (const ag::AnomalyError&) {
      if (p.mode != 1) finding("backward threw AnomalyError outside DetectAnomalyGuard");
    } catch (const ag::Error& e) {
      finding(fmt::format("backward threw: {}", e.what()));
    }
    check_tape_views(tape);
  }
  for (const Tensor& x : p.inputs) {
    if (x.grad().shape() != x.shape()) finding("an input's gradient has another shape");
    x.impl().grad.clear();
  }

  // 2. Backward against central differences, where that comparison means something.
  if (p.mode == 1 || !well_conditioned(first) || !joined_results(first).defined()) return;
  int64_t elements = 0;
  for (const Tensor& x : p.inputs) elements += x.numel();
  // (None: nothing to check, which gradcheck rightly calls a failure. Over 48: each element
  // costs two runs of the program.)
  if (elements == 0 || elements > 48) return;
  const auto f = [&](const std::vector<Tensor>& inputs) {
    Run again = run_ops(in, p, inputs, /*tracing=*/false, /*replay=*/true);
    if (again.threw != first.threw) {
      finding("an op threw in one run and not in another: errors must not depend on values");
    }
    return joined_results(again);
  };
  const ag::GradcheckResult result = ag::gradcheck(f, p.inputs);
  if (!result.ok) finding(result.message);
  ++g_stats.gradchecked;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    check_program(data, size);
  } catch (const std::exception& e) {
    finding(fmt::format("{} escaped (not an ag::Error where one was allowed): {}", typeid(e).name(),
                        e.what()));
  }
  g_trace = nullptr;
  return 0;
}
