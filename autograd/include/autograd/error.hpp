// error.hpp — the exceptions tapegrad throws.
//
// Errors are for people: every op checks its inputs in the forward pass and throws one of these
// with the op's name and the shapes involved, formatted with fmt. `assert` is kept for internal
// invariants only. Catch `ag::Error` to catch them all.
#pragma once

#include <stdexcept>
#include <string>

namespace ag {

// The root of the hierarchy.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Shapes that do not fit: broadcasting, matmul, reshape, concat, an explicit gradient...
struct ShapeError : Error {
  using Error::Error;
};

// An axis, a slice bound or an index outside the tensor.
struct IndexError : Error {
  using Error::Error;
};

// Misuse of the tape: backward twice, an op result that requires grad from another tape (live or
// gone), grad() of a tensor that does not require grad, backward() of a non-scalar without a
// gradient, a result computed from parameters while no tape recorded.
struct TapeError : Error {
  using Error::Error;
};

// A value outside an op's domain that cannot be computed at all (not NaN-producing maths, which
// DetectAnomalyGuard reports): e.g. a negative size.
struct ValueError : Error {
  using Error::Error;
};

// A file that cannot be read or written: the message names the function, the path and the
// system's reason (errno's text, e.g. "No space left on device").
struct IOError : Error {
  using Error::Error;
};

// Raised under DetectAnomalyGuard by the first NaN or Inf produced in forward or backward.
struct AnomalyError : Error {
  using Error::Error;
};

}  // namespace ag
