// fast/in_place_count.hpp — a count of every in-place change, so that backward can skip its
// version checks when there was none. SPEED CODE: skip on first reading.
//
// The plain form checks, at every node of every pass, that the node's inputs and result still
// have the versions they had when it was recorded (Tape::check_unchanged): reading each input's
// TensorImpl once more per node cost the scalar engine a fifth of its step. A version can only
// have moved if some tensor's numbers were changed in place (Tensor::mutable_data, which the
// in-place operators use) after the tape was made. Every such change is counted here, in the
// whole process; a tape notes the count when it is made, and backward checks versions only if
// the count has moved since. Optimizers write between steps, before the next tape is made.
// tests/autograd/habits_test.cpp holds the checks to account: a change between forward and
// backward is still refused, on every path that makes one.
#pragma once

#include <cstdint>

namespace ag::detail::fast {

void count_in_place_write();  // called by every Tensor::mutable_data()
uint64_t in_place_writes();   // the count so far

}  // namespace ag::detail::fast
