// fast/kernels.hpp — the fastest kernels for this machine, or the same numbers on every x86-64 CPU.
// SPEED CODE: skip on first reading.
//
// Two of the engine's speed paths pick their code by the processor they run on:
//   - matrix products go to OpenBLAS's dgemm (fast/gemm.cpp), whose kernel (Haswell, SkylakeX,
//     Zen, ...) and block sizes depend on the CPU, or on OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
//     where the environment sets them; each kernel adds a row's products in its own order;
//   - exp, tanh and sigmoid go to glibc's vector math library (fast/vector_math.cpp), in its
//     plain x86-64, AVX2 or AVX-512 version, whichever the CPU has; these agree with each other
//     and with std::exp to 2-3 ulp, not bit for bit.
// So one program gives numbers that differ in their last bits from one machine to the next. A
// training run amplifies such a difference step after step: after a hundred steps a gradient
// printed with two digits can read 0.088 on one machine and 0.086 on another.
//
// use_portable_kernels(true) makes both take a form whose numbers are the same on every x86-64
// machine instead: the triple loop of matmul_reference (matmul.cpp), which adds in one fixed
// order (compiled twice, for AVX2 where the CPU has it and for every x86-64 CPU, which round each
// product and each sum alike; only a NaN's sign can differ: fast/gemm.cpp), and glibc's vector exp
// and tanh in their SSE form, two numbers per call, whose code glibc picks on every CPU with SSE4.1
// (fast/kernels.cpp; glibc's scalar exp and tanh would not do: they too take other code on CPUs
// with FMA). The tutorials and the picture gallery run this way (a tutorial's --fast-kernels
// switches it off), which is why a learner's run prints the numbers and draws the pictures that
// docs/ shows. It is slower, and the benchmarks never use it (they time the fast kernels).
//
// The random numbers are the same on every such CPU too: the log, sin and cos of the normal ones
// (random.cpp) are the portable:: functions below, and so are softmax's exp and log, nn's two
// moons' sin and cos and Adam's pow, and the tutorials' speech features (whose FFT runs FFTW's
// plain codelets). What is left to glibc's scalar functions are the log and pow ops (and what a
// program computes with std:: functions itself): those are within about half an ulp of the
// exact value, closer than the vector ones, but take other code on a CPU without FMA and AVX2
// (Intel's Core processors before 2013, AMD's before 2015, and many Pentium, Celeron and Atom
// processors), which can round differently where the exact value lies close to halfway between
// two doubles.
// CI checks what that leaves: its pages stage reruns every tutorial with GLIBC_TUNABLES=glibc.cpu.
// hwcaps=-AVX2,-AVX512F,-AVX512DQ,-FMA,-FMA4, which makes glibc take the code it takes on such a
// CPU, and finds the numbers the pages show; docs.gallery_pictures_any_cpu does the same for the
// picture gallery.
//
// The setting is one flag for the whole program, read on every product and every exp; set it
// before the threads that compute start (as PyTorch's torch.use_deterministic_algorithms).
#pragma once

namespace ag {

void use_portable_kernels(bool on = true);
bool portable_kernels();

// Sets the kernels while alive and puts back the ones before, even when an exception leaves the
// scope (as NoGradGuard does for recording). Tutorials 05 and 11 time the fast kernels under
// PortableKernelsGuard(false), as a user's program runs them; the tests set either.
class PortableKernelsGuard {
 public:
  explicit PortableKernelsGuard(bool on) : before_(portable_kernels()) { use_portable_kernels(on); }
  ~PortableKernelsGuard() { use_portable_kernels(before_); }
  PortableKernelsGuard(const PortableKernelsGuard&) = delete;
  PortableKernelsGuard& operator=(const PortableKernelsGuard&) = delete;

 private:
  bool before_;
};

// One number at a time, the same bits on every x86-64 CPU with SSE4.1, within 4 ulp of the std::
// function of the same name (exp within 8 past |x| = 708, where it squares e^(x/2)); use these
// where the numbers must be the same everywhere, not where each last bit matters. exp, pow, sin and
// cos go through glibc's vector math library in its SSE form (the register's other lane holds a
// copy); outside these ranges glibc hands the number to its scalar function, which is the CPU's own
// again: pow, x > 0 with the result between 2^-1000 and 2^1000; sin and cos, |x| < 2^23. Measured
// here, such a number takes 4-25 ns: sin and cos as fast as glibc's scalar functions or faster, pow
// 1.8x as long. log and log10 are SLEEF's deterministic ones (about 25-30 ns), on every x86-64 CPU
// and every x86-64 machine: glibc's vector log starts from an estimate whose bits each processor
// chooses (fast/kernels.cpp).
namespace portable {
double exp(double x);  // every x (fast/kernels.cpp)
double log(double x);
double log10(double x);
double pow(double x, double y);
double sin(double x);
double cos(double x);
}  // namespace portable

}  // namespace ag
