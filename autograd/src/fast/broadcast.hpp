// fast/broadcast.hpp — the common broadcasts as flat loops. SPEED CODE: skip on first reading.
//
// for_each_broadcast (op_support.hpp) walks the result with an odometer, which handles every
// pair of shapes. Most pairs an elementwise op meets are one of four simple ones, and each of
// those is a single flat loop that the compiler vectorises: the same shapes, a scalar on either
// side, and a bias row ([B, N] op [N]). tests/autograd/fast_test.cpp holds every one of them
// against the odometer on random shapes.
#pragma once

#include <cstdint>

#include "autograd/tensor.hpp"

namespace ag::detail::fast {

// Whether `part`, leading 1s aside, is the last axes of `whole` ([4] or [1, 4] of [3, 4]): then
// it repeats as one contiguous block, and element i of whole reads element i % numel(part).
inline bool is_trailing_block(const Shape& part, const Shape& whole) {
  size_t skip = 0;
  while (skip < part.size() && part[skip] == 1) ++skip;
  const size_t len = part.size() - skip;
  if (len > whole.size() || numel(part) == 0) return false;
  for (size_t r = 0; r < len; ++r) {
    if (part[skip + r] != whole[whole.size() - len + r]) return false;
  }
  return true;
}

// Calls f(i, ia, ib) as for_each_broadcast does and returns true if the shapes are one of the
// simple pairs; returns false (having called nothing) otherwise.
template <class F>
bool for_each_broadcast_flat(const Shape& out, const Shape& a, const Shape& b, F& f) {
#if defined(TAPEGRAD_FAST) && TAPEGRAD_FAST == 0
  return false;  // built with TAPEGRAD_FAST=OFF: every broadcast walks the odometer
#endif
  const int64_t n = numel(out);
  if (a == out && b == out) {  // the most common case: same shapes
    for (int64_t i = 0; i < n; ++i) f(i, i, i);
  } else if (a == out && numel(b) == 1) {  // tensor op scalar
    for (int64_t i = 0; i < n; ++i) f(i, i, int64_t{0});
  } else if (numel(a) == 1 && b == out) {  // scalar op tensor
    for (int64_t i = 0; i < n; ++i) f(i, int64_t{0}, i);
  } else if (a == out && is_trailing_block(b, out)) {  // [B, N] op [N]: a bias added to every row
    const int64_t nb = numel(b);
    for (int64_t row = 0, i = 0; row < n / nb; ++row)
      for (int64_t j = 0; j < nb; ++j, ++i) f(i, i, j);
  } else if (b == out && is_trailing_block(a, out)) {
    const int64_t na = numel(a);
    for (int64_t row = 0, i = 0; row < n / na; ++row)
      for (int64_t j = 0; j < na; ++j, ++i) f(i, j, i);
  } else {
    return false;
  }
  return true;
}

}  // namespace ag::detail::fast
