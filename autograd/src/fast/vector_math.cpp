// fast/vector_math.cpp — exp, tanh and sigmoid, several numbers at a time, through glibc's
// libmvec. SPEED CODE: skip on first reading.
//
// Why this file exists: an LSTM step spends most of its elementwise time in exp and tanh. Called
// one number at a time, glibc's exp costs about 5.5 ns and tanh about 15 ns on the benchmark
// machine; the LSTM benchmarks spent 40-45% of their time there (perf). glibc also ships vector
// versions (libmvec: _ZGVdN4v_exp takes four doubles in one AVX2 register, _ZGVeN8v_exp eight in
// AVX-512), which take 0.85 ns and 1.9 ns per number here, within 2-3 ulp of the scalar ones.
// PyTorch vectorises these functions the same way (with SLEEF).
//
// How: the loops below are the plain formulas. Two things let GCC vectorise them into libmvec
// calls without changing anything else in the engine:
//
//   1. The declarations below tell GCC that exp and tanh have vector variants ("simd"
//      attribute, x86-64 vector function ABI). glibc's <math.h> makes the same declarations
//      itself (bits/math-vector.h), but only under -ffast-math, which this project does not use:
//      it would let the compiler assume no NaN or infinity ever occurs, and DetectAnomalyGuard
//      and the graph dumps exist to find exactly those.
//   2. The engine is compiled with -fno-math-errno (autograd/CMakeLists.txt): the scalar exp
//      may set errno on overflow, which a vector call cannot, so without the flag GCC keeps exp
//      scalar. Nothing in tapegrad reads errno.
//
// target_clones compiles each loop three times (plain x86-64: 2 numbers per call; AVX2: 4;
// AVX-512: 8) and the program picks the one the CPU it runs on has, when it starts.
//
// The fast path is held against the readable one: tests/autograd/vector_math_test.cpp compares
// every element with std::exp / std::tanh / the textbook sigmoid, special values (NaN, +-inf,
// +-0, overflow) included. In a build without vectorisation (Debug, another compiler, or the
// ThreadSanitizer build, see below) the same loops simply call the scalar functions.
#include "fast/vector_math.hpp"

#include "autograd/fast/kernels.hpp"

#include <cmath>

// Not under ThreadSanitizer (TAPEGRAD_TSAN, `./run tsan`): target_clones picks its loop through
// an ifunc resolver, which the dynamic loader runs before TSan's runtime is set up; compiled with
// -fsanitize=thread the resolver is instrumented too, and the program crashes as it starts. The
// plain loops below are the same formulas, so the TSan build simply runs those.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
extern "C" {
// The same declarations glibc makes under -ffast-math (bits/math-vector.h).
__attribute__((__simd__("notinbranch"))) double exp(double) noexcept;
__attribute__((__simd__("notinbranch"))) double tanh(double) noexcept;
}
#define AG_VECTOR_CLONES __attribute__((target_clones("default", "avx2", "avx512f")))
#else
#define AG_VECTOR_CLONES
#endif

namespace ag::detail::vec {

AG_VECTOR_CLONES void exp(const double* x, double* y, size_t n) {
  if (portable_kernels()) return portable::exp(x, y, n);  // the same on every CPU: kernels.hpp
  for (size_t i = 0; i < n; ++i) y[i] = std::exp(x[i]);
}

AG_VECTOR_CLONES void tanh(const double* x, double* y, size_t n) {
  if (portable_kernels()) return portable::tanh(x, y, n);
  for (size_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}

// sigmoid(x) = 1 / (1 + e^-x). For x < -709.78, e^-x overflows to +inf and the result is
// 1 / inf = 0, the right limit (the exact value is below 1e-308; above -709.78 it is subnormal);
// for large x, e^-x is 0 and the result 1. No branch, so the loop vectorises.
AG_VECTOR_CLONES void sigmoid(const double* x, double* y, size_t n) {
  if (portable_kernels()) return portable::sigmoid(x, y, n);
  for (size_t i = 0; i < n; ++i) y[i] = 1.0 / (1.0 + std::exp(-x[i]));
}

}  // namespace ag::detail::vec
