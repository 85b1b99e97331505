// not_written.hpp — what an exercise's stub calls (docs/exercises.md). Not part of the engine:
// the exercises' builds force it into every file (g++ -include), so a stub written in place of a
// marked region compiles wherever it sits, and the normal build never sees it.
#pragma once

#if __has_include("autograd/error.hpp")
#include <string>

#include "autograd/error.hpp"

namespace ag::exercise {
// Throws "exercise N: not written yet". Returns double in name only ([[noreturn]]), so that a
// stub can stand where a local derivative is an expression: `return not_written(6);`.
[[noreturn]] inline double not_written(int exercise) {
  throw ag::Error("exercise " + std::to_string(exercise) +
                  ": not written yet (your workspace's stub; docs/exercises.md)");
}
}  // namespace ag::exercise
#endif
