// serial_blocks.hpp — for tests of threads drawing from one shared ag::Generator, which takes its
// lock once per call (random.hpp, "Threads"): whether what the threads drew is the sequence of
// blocks that one thread making every call in a row draws, dealt out among them.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

// `serial`: the blocks of one thread's calls in a row (all different, or the test could not tell
// them apart); `drawn[t]`: thread t's blocks, in the order it drew them. Checks that every drawn
// block is a serial one (not torn or shifted), that each serial block was drawn exactly once,
// and that each thread's blocks come in serial order (a thread's own calls cannot overtake each
// other). Counts, not lists: a race shows as a number, not as a screen of doubles.
inline void check_blocks_are_serial(const std::vector<std::vector<double>>& serial,
                                    const std::vector<std::vector<std::vector<double>>>& drawn) {
  std::map<std::vector<double>, size_t> index;  // block -> its place in the serial order
  for (size_t k = 0; k < serial.size(); ++k) index.emplace(serial[k], k);
  REQUIRE(index.size() == serial.size());
  std::vector<int> times_drawn(serial.size(), 0);
  int64_t not_a_block = 0, out_of_order = 0;
  for (const std::vector<std::vector<double>>& blocks : drawn) {
    size_t next = 0;  // a thread's next block must sit at or after this place
    for (const std::vector<double>& block : blocks) {
      auto it = index.find(block);
      if (it == index.end()) {
        ++not_a_block;
        continue;
      }
      ++times_drawn[it->second];
      out_of_order += it->second < next;
      next = it->second + 1;
    }
  }
  CHECK(not_a_block == 0);
  CHECK(out_of_order == 0);
  CHECK(std::count(times_drawn.begin(), times_drawn.end(), 1) ==
        static_cast<int64_t>(serial.size()));
}
