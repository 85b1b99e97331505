// op_info.hpp — each op's derivative as text and, where it is one number per element, as a
// function: what a picture shows when a learner hovers over a node.
//
// The backward rules in src/ are code. A picture that explains *why* a gradient shrank needs them
// in words ("d self = grad * (1 - result^2)") and, for the elementwise ops, the local derivative
// d result / d self on the node's own numbers (a sigmoid whose local derivative is below 1e-3 is
// saturated; a relu whose local derivative is 0 is off). Those belong to the engine, not to the
// pictures: each entry is defined in the op's own source file, right above the op, and the op
// records itself under the entry's name; the numbers come from Tape::elementwise_derivatives,
// which runs the op's own backward rule, so each derivative is written once. op_info.cpp only
// collects the per-file lists.
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
  // An elementwise op with one input: result[j] depends on self[j] alone, so its backward rule
  // is grad times one local derivative per element (Tape::elementwise_derivatives reads them).
  bool elementwise = false;
  // Whether the local derivative tends to 0 as |self| grows (sigmoid, tanh): the op "saturates".
  bool saturates = false;
  // Whether the local derivative is exactly 0 on a whole half-line (relu, x <= 0): a unit there
  // is "off", and one off for every example is "dead".
  bool switches_off = false;
  // How a picture names the local derivative, when it shows it: "σ'" for sigmoid, "tanh'".
  const char* derivative_symbol = nullptr;
};

// The entry for the op the tape recorded as `op`, or nullptr if the engine has none.
const OpInfo* op_info(std::string_view op);

// Every entry, file by file in the order of ops.hpp and conv.hpp, then "leaf" and "const".
std::vector<const OpInfo*> op_infos();

}  // namespace ag
