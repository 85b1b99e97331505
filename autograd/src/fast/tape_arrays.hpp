// fast/tape_arrays.hpp — a finished tape's arrays, kept for the next tape on the same thread.
// SPEED CODE: skip on first reading.
//
// A training loop makes a new tape every step, of about the same size. Reusing the node, input
// and saved-settings arrays (emptied, their capacity kept) saves the operating system handing
// out and taking back megabytes of fresh pages each step. Without this a tape starts with empty
// vectors, and nothing else changes (tests/autograd/fast_test.cpp runs a step on each).
#pragma once

#include <cstdint>
#include <vector>

#include "autograd/tape.hpp"

namespace ag::detail::fast {

// Gives a new tape's (empty) arrays the memory the last tape on this thread left behind.
void reuse_tape_arrays(std::vector<Node>& nodes, std::vector<uint32_t>& inputs,
                       std::vector<uint32_t>& input_versions, std::vector<int64_t>& saved);
// Empties a dying tape's arrays (which frees its nodes' tensors) and keeps their memory for the
// next tape when it is more than was kept already, unless it is a giant one-off (over 2^20
// nodes).
void recycle_tape_arrays(std::vector<Node>& nodes, std::vector<uint32_t>& inputs,
                         std::vector<uint32_t>& input_versions, std::vector<int64_t>& saved);

}  // namespace ag::detail::fast
