// op_info.hpp — each op's derivative as text and, where it is one number per element, as a
// function: what a picture shows when a learner hovers over a node.
//
// The backward rules in src/ are code. A picture that explains *why* a gradient shrank needs them
// in words ("d self = grad * (1 - result^2)") and, for the elementwise ops, the local derivative
// d result / d self that it can evaluate on the node's own numbers (a sigmoid whose local
// derivative is below 1e-3 is saturated; a relu whose local derivative is 0 is off). Those
// belong to the engine, not to the pictures: each entry is defined in the op's own source file,
// right above the op, from the same derivative the backward rule uses, and the op records itself
// under the entry's name. op_info.cpp only collects the per-file lists.
//
// The names are those of docs/derivatives.md: `grad` arrives at `result`; `self`, `other` are the
// inputs.
//
// What this file leaves out: second derivatives, and anything a picture decides (the saturation
// threshold is an option of the pictures, ag::viz::Options::saturation_threshold).
#pragma once

#include <string_view>
#include <vector>

namespace ag {

struct OpInfo {
  // The op's name as the tape records it: "tanh", "matmul", "leaf", "const".
  const char* name = "";
  // What backward adds into each input, one clause per input: "d self = grad * (1 - result^2)".
  const char* formula = "";
  // For an elementwise op with one input: d result / d self of one element, from that element of
  // self, of result, and the op's settings (node.attr: leaky_relu's slope, clamp's bounds). The
  // backward rule multiplies grad by exactly this. nullptr for every other op.
  double (*local_derivative)(double self, double result, const double* attr) = nullptr;
  // Whether the local derivative tends to 0 as |self| grows (sigmoid, tanh): the op "saturates".
  // (relu's is 0 on a whole half-line instead: it is "off" there, not saturated.)
  bool saturates = false;
};

// The entry for the op the tape recorded as `op`, or nullptr if the engine has none.
const OpInfo* op_info(std::string_view op);

// Every entry, file by file in the order of ops.hpp, then "leaf" and "const".
std::vector<const OpInfo*> op_infos();

}  // namespace ag
