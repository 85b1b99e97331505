// fast/kernels.hpp — the fastest kernels for this machine, or the same numbers on every machine.
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
// use_portable_kernels(true) makes both take a form whose code is the same on every x86-64
// machine instead, so the numbers are too: the triple loop of matmul_reference (matmul.cpp),
// which adds in one fixed order, and glibc's vector exp and tanh in their SSE form, two numbers
// per call, whose code glibc picks on every CPU with SSE4.1 (fast/kernels.cpp; glibc's scalar exp
// and tanh would not do: they too take other code on CPUs with FMA). The tutorials and the
// picture gallery run this way (a tutorial's --fast-kernels switches it off), which is why a
// learner's run prints the numbers and draws the pictures that docs/ shows. It is slower, and the
// benchmarks never use it (they time the fast kernels).
//
// What it does not cover: the engine's other mathematical functions (log, pow, the sin and cos
// of the normal random numbers, softmax's exp and log, ...) call glibc's scalar functions, which
// take FMA code on CPUs with FMA and AVX2 (Intel's Core processors since 2013, AMD's since 2015)
// and other code on the rest. So the numbers are the same on every x86-64 CPU with AVX2 and FMA
// (with Debian 12's glibc); on another CPU a program that uses those functions differs in its
// last bits. (Tutorial 12 --quick, run with GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-AVX512F,
// -AVX512DQ,-FMA to play such a CPU: held-out accuracy 78.2% instead of 78.7%.) The picture
// gallery uses none of them: the CTest docs.gallery_pictures_any_cpu draws it so and finds the
// same pictures.
//
// The setting is one flag for the whole program, read on every product and every exp; set it
// before the threads that compute start (as PyTorch's torch.use_deterministic_algorithms).
#pragma once

namespace ag {

void use_portable_kernels(bool on = true);
bool portable_kernels();

}  // namespace ag
