// ops_program.hpp — the byte encoding of ops_fuzz's programs, shared with make_seeds (which
// writes programs in it). How the bytes are read is the opening comment of ops_fuzz.cpp.
#pragma once

#include <cstdint>

namespace ag::fuzz {

// One opcode byte per op (read modulo kOpCount). The unary ops come first, in the order of
// ops_fuzz.cpp's table kUnary, then the binary ones in the order of kBinary.
enum Op : uint8_t {
  kNeg,
  kExp,
  kLog,
  kSqrt,
  kAbs,
  kTanh,
  kSigmoid,
  kRelu,  // unary
  kAdd,
  kSub,
  kMul,
  kDiv,
  kPow,
  kMaximum,
  kMinimum,  // binary, broadcasting
  kPowNumber,
  kLeakyRelu,
  kClamp,
  kHardtanh,  // unary with settings
  kSum,
  kMean,
  kSumAxis,
  kMeanAxis,
  kMaxAxis,
  kArgmax,  // reductions
  kMatmul,
  kAddmm,
  kReshape,
  kPermute,
  kTranspose,
  kSlice,
  kConcat,
  kStack,
  kIndexSelect,
  kGather,
  kSoftmax,
  kLogSoftmax,
  kDetach,
  kOpCount
};
constexpr int kFirstBinary = kAdd, kFirstOther = kPowNumber;

// The sizes a shape byte b stands for: kSizes[b % 8], so 0 in one byte of eight.
inline constexpr int64_t kSizes[] = {1, 2, 3, 1, 2, 3, 0, 4};
// The byte of a value in [-4, 4), a multiple of 1/32: the reader computes (b - 128) / 32.
constexpr uint8_t value_byte(double x) { return static_cast<uint8_t>(128 + 32 * x); }
// The byte of an axis in [-4, 4]: the reader computes b % 9 - 4.
constexpr uint8_t axis_byte(int axis) { return static_cast<uint8_t>(axis + 4); }

}  // namespace ag::fuzz
