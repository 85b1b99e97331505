// fast/vector_math.hpp — exp, tanh and sigmoid over whole arrays. SPEED CODE: skip on first
// reading.
//
// The readable form of each is the one-line loop in vector_math.cpp (y[i] = std::exp(x[i])).
// What makes it fast is not in the loop but in how it is compiled: the compiler turns it into
// calls to glibc's vector math library (libmvec), which computes 4 or 8 numbers per call. See
// vector_math.cpp for why this exists and how it is held against the scalar functions.
#pragma once

#include <cstddef>

namespace ag::detail::vec {

void exp(const double* x, double* y, size_t n);      // y[i] = e^x[i]
void tanh(const double* x, double* y, size_t n);     // y[i] = tanh(x[i])
void sigmoid(const double* x, double* y, size_t n);  // y[i] = 1 / (1 + e^-x[i])

// The same through glibc's SSE vector functions, two numbers per call, which compute the same bits
// on every x86-64 CPU: what the three above do under use_portable_kernels
// (autograd/fast/kernels.hpp), in fast/kernels.cpp.
namespace portable {
void exp(const double* x, double* y, size_t n);
void tanh(const double* x, double* y, size_t n);
void sigmoid(const double* x, double* y, size_t n);
}  // namespace portable

}  // namespace ag::detail::vec
