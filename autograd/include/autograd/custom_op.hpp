// custom_op.hpp — your own op, with your own backward (PyTorch's torch.autograd.Function).
//
// Every op of the engine takes three steps (elementwise.cpp shows them side by side):
//   1. compute the result from the inputs' numbers (the tape plays no part);
//   2. record it: the tape appends a node naming the op, its inputs and its backward rule;
//   3. the rule, run by backward(): read the result's gradient, add (+=) into each input's.
// record_op is step 2 for code outside the engine. Your rule is a plain function, as the
// engine's are, and sees what they see: tape.input(node, k) (input k), tape.input_grad(node, k)
// (where to add input k's gradient; nullptr if it takes none), node.out (the result, with its
// ->grad) and tape.saved<Settings>(node) (what you passed as `saved`, tape.hpp).
// docs/custom-ops.md works an example through and checks it with gradcheck.
#pragma once

#include <initializer_list>

#include "autograd/tape.hpp"
#include "autograd/tensor.hpp"

namespace ag {

// Records `result`, which you computed from `inputs`, as made by the op `name` (a string
// literal: the tape keeps the pointer), with `backward` as its rule and `saved` what the rule
// reads back; returns `result`. `result` must be a fresh tensor (made by you, not yet used by an
// op) holding no NaN if a DetectAnomalyGuard is on. With no tape recording, nothing is recorded,
// as for every op.
Tensor record_op(const char* name, std::initializer_list<Tensor> inputs, Tensor result,
                 BackwardFn backward, Saved saved = {});

}  // namespace ag
