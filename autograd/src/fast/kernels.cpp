// fast/kernels.cpp — the portable kernels' switch (autograd/fast/kernels.hpp), and their scalar
// exp / tanh / sigmoid. SPEED CODE: skip on first reading.
//
// The scalar loops live here, not in vector_math.cpp, because that file declares glibc's vector
// variants of exp and tanh: there GCC would turn these loops into libmvec calls too.
#include "autograd/fast/kernels.hpp"

#include <atomic>
#include <cmath>
#include <cstddef>

#include "fast/vector_math.hpp"

namespace ag {

namespace {
std::atomic<bool> g_portable{false};
}  // namespace

void use_portable_kernels(bool on) { g_portable.store(on, std::memory_order_relaxed); }
bool portable_kernels() { return g_portable.load(std::memory_order_relaxed); }

namespace detail::vec::scalar {
void exp(const double* x, double* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = std::exp(x[i]);
}
void tanh(const double* x, double* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}
void sigmoid(const double* x, double* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = 1.0 / (1.0 + std::exp(-x[i]));
}
}  // namespace detail::vec::scalar

}  // namespace ag
