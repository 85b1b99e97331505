// sequence.hpp — (internal) what RNN and LSTM share: checking a sequence and cutting it into steps.
//
// A sequence is [T, B, I] (time first, PyTorch's default) or [B, T, I] (batch_first). A
// recurrent layer works on one time step x_t [B, I] at a time; the ops below take it out of the
// sequence and put the h_t back together, all as engine ops (slice, reshape, stack), so the
// gradient flows back into the input sequence too.
#pragma once

#include <autograd/autograd.hpp>
#include <fmt/format.h>

#include <string>

namespace ag::nn::detail {

struct SequenceShape {
  int64_t steps = 0;  // T
  int64_t batch = 0;  // B
};

// Checks that x is a sequence [T, B, I] / [B, T, I] of width input_size; returns T and B.
inline SequenceShape check_sequence(const char* type, const std::string& path, const Tensor& x,
                                    int64_t input_size, bool batch_first) {
  const char* layout = batch_first ? "[batch, time, input]" : "[time, batch, input]";
  if (!x.defined() || x.dim() != 3) {
    throw ShapeError(fmt::format(
        "{} '{}': input must have rank 3, {}, got shape {}{}", type, path, layout,
        x.defined() ? shape_str(x.shape()) : "undefined",
        x.defined() && x.dim() == 2 ? " (for one time step use the cell, or reshape to add an axis)"
                                    : ""));
  }
  if (x.size(2) != input_size) {
    throw ShapeError(fmt::format("{} '{}': input has width {}, expected {} (input shape {}, {})",
                                 type, path, x.size(2), input_size, shape_str(x.shape()), layout));
  }
  return batch_first ? SequenceShape{x.size(1), x.size(0)} : SequenceShape{x.size(0), x.size(1)};
}

// x_t = x[t] (or x[:, t]): [B, I]
inline Tensor time_step(const Tensor& x, int64_t t, bool batch_first) {
  const int64_t axis = batch_first ? 1 : 0;
  return reshape(slice(x, axis, t, t + 1), {x.size(batch_first ? 0 : 1), x.size(2)});
}

// Checks an initial state (h0 or c0) is [layers, B, H].
inline void check_state(const char* type, const std::string& path, const char* what,
                        const Tensor& state, int64_t layers, int64_t batch, int64_t hidden,
                        const Tensor& input) {
  const Shape expected{layers, batch, hidden};
  if (!state.defined() || state.shape() != expected) {
    throw ShapeError(fmt::format(
        "{} '{}': initial {} has shape {}, expected {} (layers, batch, hidden) for input shape {}",
        type, path, what, state.defined() ? shape_str(state.shape()) : "undefined",
        shape_str(expected), shape_str(input.shape())));
  }
}

// Layer l of a state [layers, B, H]: [B, H]
inline Tensor layer_of(const Tensor& state, int64_t l) {
  return reshape(slice(state, 0, l, l + 1), {state.size(1), state.size(2)});
}

}  // namespace ag::nn::detail
