// fast/in_place_count.cpp — see in_place_count.hpp. SPEED CODE: skip on first reading.
#include "fast/in_place_count.hpp"

#include <atomic>

namespace ag::detail::fast {
namespace {
// Relaxed: a thread that changes a tensor another thread's tape uses must be joined (or wait at
// a barrier) before that backward runs (tape.hpp, Threads), and that ordering carries the count.
std::atomic<uint64_t> g_in_place_writes{0};
}  // namespace

void count_in_place_write() { g_in_place_writes.fetch_add(1, std::memory_order_relaxed); }
uint64_t in_place_writes() { return g_in_place_writes.load(std::memory_order_relaxed); }

}  // namespace ag::detail::fast
