// fast_vs_reference.hpp — what a test that holds a fast path against its readable form needs:
// random inputs and how far apart two results are. (The guard that sets the kernels for one test
// is ag::PortableKernelsGuard, autograd/fast/kernels.hpp.)
// (matmul_test.cpp: dgemm against the triple loop; conv_test.cpp: im2col + dgemm against the
// direct loops; vector_math_test.cpp and fast_test.cpp: the vector exp, tanh and sigmoid against
// the scalar functions.)
#pragma once

#include <autograd/fast/kernels.hpp>
#include <autograd/random.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

namespace fast_vs_reference {

// n standard normal numbers from gen.
inline std::vector<double> random_values(int64_t n, ag::Generator& gen) {
  std::vector<double> v(static_cast<size_t>(n));
  for (double& x : v) x = gen.normal();
  return v;
}

// max |a - b| / max(1, |b|) over all elements (a and b of the same size)
inline double worst_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::abs(a[i] - b[i]) / std::max(1.0, std::abs(b[i])));
  return worst;
}

// How many representable doubles lie between a and b (0: equal). For finite numbers of the same
// sign the bit patterns are ordered like the numbers, so this is a difference of integers.
inline int64_t ulps_apart(double a, double b) {
  if (a == b) return 0;
  if (std::signbit(a) != std::signbit(b)) return std::numeric_limits<int64_t>::max();
  int64_t ia = 0, ib = 0;
  std::memcpy(&ia, &a, sizeof a);
  std::memcpy(&ib, &b, sizeof b);
  return ia > ib ? ia - ib : ib - ia;
}

}  // namespace fast_vs_reference
