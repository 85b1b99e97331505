// fast/kernels.cpp — the portable kernels' switch (autograd/fast/kernels.hpp), and their exp /
// tanh / sigmoid, two numbers per call and the same bits on every x86-64 CPU. SPEED CODE: skip on
// first reading.
//
// Why not glibc's scalar exp and tanh, one number at a time? They are slower (below), and they
// are not the same code on every CPU either: glibc picks an FMA version of exp (and of the expm1
// inside tanh) on CPUs that have FMA and AVX2, and that one rounds differently in about 1 number
// in 1,600 for exp and 1 in 8,000-16,000 for tanh, by the sample (8 million numbers in
// [-750, 750] and [-8, 8], with and without GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA, which
// makes glibc take its code for a CPU without them).
//
// What then: glibc's vector math library (libmvec) in its SSE form, _ZGVbN2v_exp and
// _ZGVbN2v_tanh, which take two doubles in one 128-bit register. glibc picks its SSE4.1 code on
// every CPU that has SSE4.1 (every x86-64 CPU since about 2008: AVX2, FMA or AVX-512 change
// nothing), so the numbers are the same on all of them; only a CPU without SSE4.1 would get
// glibc's fallback, which calls the scalar functions. Measured here on arrays of 64 to 100,000
// numbers, exp takes 5.4-5.6 ns a number instead of 8.4-10 ns, tanh 12-13 ns instead of 20-44 ns
// (a busy machine: the fast kernels' AVX-512 code took 1.7 and 3.3 ns at the same time); within
// 4 ulp of std::exp / std::tanh (tests/autograd/fast_test.cpp, [kernels]).
//
// They are called by name, not reached by letting GCC vectorise `y[i] = std::exp(x[i])` as
// vector_math.cpp does, because what the vectoriser makes depends on how the file is compiled:
// at -O2 (the sanitizer builds, RelWithDebInfo) it leaves the loop scalar, and at -O3 it sends
// an odd array's last number to the scalar exp. Here every number, the last of an odd array
// included (paired with a 0 whose result is dropped), goes through the same vector code, at
// every optimisation level. A build that is not x86-64 with glibc 2.35 or later computes the
// same formulas with the scalar functions.
#include "autograd/fast/kernels.hpp"

#include <atomic>
#include <cmath>
#include <cstddef>

#include "fast/vector_math.hpp"

#if defined(__x86_64__) && defined(__GLIBC__) && __GLIBC_PREREQ(2, 35)
#define AG_LIBMVEC_SSE 1
#include <emmintrin.h>
extern "C" {
// glibc's libmvec in the x86-64 vector function ABI: 'b' is the SSE form, N2 two lanes, v one
// vector argument (GLIBC_2.22 for exp, GLIBC_2.35 for tanh). libm.so links it as needed.
__m128d _ZGVbN2v_exp(__m128d x);
__m128d _ZGVbN2v_tanh(__m128d x);
__m128d _ZGVbN2v_sin(__m128d x);  // GLIBC_2.22, as cos and pow
__m128d _ZGVbN2v_cos(__m128d x);
__m128d _ZGVbN2vv_pow(__m128d x, __m128d y);
}
#else
#define AG_LIBMVEC_SSE 0
#endif

// log and log10 come from SLEEF (libsleef-dev; the vector math library PyTorch uses), in its
// deterministic form: Sleef_cinz_*purec, plain C without FMA, which its authors write to give the
// same bits on every platform (1 ulp, about 25-30 ns a number here). Not from glibc's vector log
// and log10: their SSE code (as that of log2 and log1p) starts from rcpps, the processor's
// estimate of 1/x, whose error Intel's manual bounds (1.5 * 2^-12) but whose bits each processor
// chooses, so the logs differ in their last bit now and then from one processor to another. Seen
// here: fast_test's hash of the portable functions, written down on one machine of this project,
// came out otherwise on another with the same glibc (and the same on that one under valgrind and
// under any GLIBC_TUNABLES mask), and the normal random numbers and the pages with them. The
// code glibc 2.36 picks for exp, tanh, sin, cos and pow has no such instruction (objdump of the
// functions libmvec.so.1 resolves them to).
extern "C" {
double Sleef_cinz_logd1_u10purec(double x);
double Sleef_cinz_log10d1_u10purec(double x);
}

namespace ag {

namespace {
std::atomic<bool> g_portable{false};
}  // namespace

void use_portable_kernels(bool on) { g_portable.store(on, std::memory_order_relaxed); }
bool portable_kernels() { return g_portable.load(std::memory_order_relaxed); }

namespace detail::vec::portable {
namespace {

// y[0..1] = f(x[0..1]) for two numbers, in one call of glibc's vector code.
#if AG_LIBMVEC_SSE
void exp_of_two(const double* x, double* y) { _mm_storeu_pd(y, _ZGVbN2v_exp(_mm_loadu_pd(x))); }
void tanh_of_two(const double* x, double* y) { _mm_storeu_pd(y, _ZGVbN2v_tanh(_mm_loadu_pd(x))); }
#else
void exp_of_two(const double* x, double* y) {
  y[0] = std::exp(x[0]);
  y[1] = std::exp(x[1]);
}
void tanh_of_two(const double* x, double* y) {
  y[0] = std::tanh(x[0]);
  y[1] = std::tanh(x[1]);
}
#endif

// e^x for two numbers. glibc's vector exp hands a number beyond +-708.3955 (where e^x is near
// overflow, or subnormal) to the scalar exp, which is the CPU's own (above); there e^x is taken
// as (e^(x/2))^2 instead, halving being exact: the half is in the vector code's range (or so
// far out that every exp returns exactly inf or 0), and the result is within 8 ulp of std::exp.
void exp_pair(const double* x, double* y) {
  const bool far[2] = {std::fabs(x[0]) > 708.0, std::fabs(x[1]) > 708.0};
  const double half[2] = {x[0] / 2, x[1] / 2};  // (read before y is written: y may be x)
  exp_of_two(x, y);
  if (far[0] || far[1]) {
    double e[2];
    exp_of_two(half, e);
    for (int k = 0; k < 2; ++k) {
      if (far[k]) y[k] = e[k] * e[k];
    }
  }
}

// sigmoid(x) = 1 / (1 + e^-x), with the same limits as vector_math.cpp's: 0 below x = -709.78
// (e^-x overflows to inf), 1 for large x.
void sigmoid_pair(const double* x, double* y) {
  const double minus_x[2] = {-x[0], -x[1]};
  exp_pair(minus_x, y);
  y[0] = 1.0 / (1.0 + y[0]);
  y[1] = 1.0 / (1.0 + y[1]);
}

// y[i] = f(x[i]) for i < n, two numbers at a time, read straight from x and written straight to
// y. (Not copied into a local pair first: a pair stored as two numbers and loaded as one
// register stalls the processor: exp took 28 ns a number that way.) The last number of an odd n is
// paired with a 0 whose result is dropped, so that it too takes the vector code.
void two_at_a_time(void (*f)(const double*, double*), const double* x, double* y, size_t n) {
  size_t i = 0;
  for (; i + 1 < n; i += 2) f(x + i, y + i);
  if (i < n) {
    const double last[2] = {x[i], 0.0};
    double out[2];
    f(last, out);
    y[i] = out[0];
  }
}

}  // namespace

void exp(const double* x, double* y, size_t n) { two_at_a_time(exp_pair, x, y, n); }
void tanh(const double* x, double* y, size_t n) { two_at_a_time(tanh_of_two, x, y, n); }
void sigmoid(const double* x, double* y, size_t n) { two_at_a_time(sigmoid_pair, x, y, n); }

}  // namespace detail::vec::portable

// ----- one number (kernels.hpp) --------------------------------------------------------------
// Run with and without GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-AVX512F,-AVX512DQ,-FMA,-FMA4 (glibc
// then takes the code of a CPU without them), glibc's vector functions gave the same bits in the
// ranges kernels.hpp gives: sin and cos on 2 million numbers each, and on 200,000 numbers at
// each power of two up to 2^40, which differed from 2^23 on; pow on 290,000 pairs, which
// differed once |y log2 x| passed 1000. The test fast_test.cpp [kernels] holds them to 4 ulp.
namespace portable {
#if AG_LIBMVEC_SSE
namespace {
double first_lane(__m128d v) { return _mm_cvtsd_f64(v); }
}  // namespace
double sin(double x) { return first_lane(_ZGVbN2v_sin(_mm_set1_pd(x))); }
double cos(double x) { return first_lane(_ZGVbN2v_cos(_mm_set1_pd(x))); }
double pow(double x, double y) { return first_lane(_ZGVbN2vv_pow(_mm_set1_pd(x), _mm_set1_pd(y))); }
#else
double sin(double x) { return std::sin(x); }
double cos(double x) { return std::cos(x); }
double pow(double x, double y) { return std::pow(x, y); }
#endif
double log(double x) { return Sleef_cinz_logd1_u10purec(x); }
double log10(double x) { return Sleef_cinz_log10d1_u10purec(x); }
double exp(double x) {
  const double pair[2] = {x, x};
  double y[2];
  detail::vec::portable::exp_pair(pair, y);  // (the far ends too, as (e^(x/2))^2)
  return y[0];
}
}  // namespace portable

}  // namespace ag
