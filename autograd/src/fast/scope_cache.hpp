// fast/scope_cache.hpp — the scope index of the last op, kept for the next one. SPEED CODE: skip
// on first reading.
//
// The plain form (Tape::current_scope's lambda) looks the thread's scope name up in the tape's
// hash map on every op: hashing a string such as "lstm/t=3/layer0" per node. But the name
// changes only when a ScopeGuard opens or closes, and an op almost always runs in the scope of
// the op before it. So each thread counts its scope changes, and remembers which index its last
// look-up gave on which tape at which count: while neither has moved, that index is the answer.
// (Keyed by tape id, never reused, so nested tapes and a tape made where a dead one was cannot
// be given another tape's index.) tests/autograd/fast_test.cpp holds it to the plain look-up.
#pragma once

#include <cstdint>

namespace ag::detail::fast {

struct ScopeCache {
  uint64_t changes = 0;  // ScopeGuards opened or closed on this thread so far
  uint64_t tape = 0;     // the tape, and the count, of the last look-up
  uint64_t changes_seen = ~uint64_t{0};
  uint32_t index = 0;  // what it gave
};
inline thread_local ScopeCache g_scope_cache;

// Called by ScopeGuard whenever the thread's scope name changes.
inline void scope_changed() { ++g_scope_cache.changes; }

// look_up() unless this thread's last look-up was on the same tape with the same scope name.
template <class LookUp>
uint32_t cached_scope(uint64_t tape, LookUp look_up) {
  ScopeCache& c = g_scope_cache;
  if (c.tape != tape || c.changes_seen != c.changes) {
    c.index = look_up();
    c.tape = tape;
    c.changes_seen = c.changes;
  }
  return c.index;
}

}  // namespace ag::detail::fast
