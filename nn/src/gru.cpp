// gru.cpp — GRUCell from addmm, slice, sigmoid, tanh, mul, add and sub (see gru.hpp); GRU is the
// unroll of recurrent.cpp around it.
#include "nn/gru.hpp"

#include <fmt/format.h>

#include "nn/init.hpp"

namespace ag::nn {

// ----- GRUCell -----------------------------------------------------------------------------------
GRUCell::GRUCell(int64_t input_size, int64_t hidden_size, Generator& gen, bool bias)
    : Module("gru_cell"), input_size_(input_size), hidden_size_(hidden_size) {
  detail::check_sizes("GRUCell", input_size, hidden_size);
  const int64_t H = hidden_size, I = input_size;
  // PyTorch draws every parameter uniform(-1/sqrt(H), 1/sqrt(H)), in this order.
  W_ih = init::default_uniform(ag::zeros({3 * H, I}), H, gen);
  W_hh = init::default_uniform(ag::zeros({3 * H, H}), H, gen);
  register_parameter("W_ih", W_ih);
  register_parameter("W_hh", W_hh);
  if (bias) {
    b_ih = init::default_uniform(ag::zeros({3 * H}), H, gen);
    b_hh = init::default_uniform(ag::zeros({3 * H}), H, gen);
    register_parameter("b_ih", b_ih);
    register_parameter("b_hh", b_hh);
  }
}

GRUWeights GRUCell::prepare() const { return {transpose(W_ih), transpose(W_hh), b_ih, b_hh}; }

Tensor GRUCell::step(const Tensor& x, const Tensor& h, const GRUWeights& w) const {
  detail::check_step_input("GRUCell", path(), x, input_size_);
  detail::check_step_state("GRUCell", path(), "h", h, x, hidden_size_);
  const int64_t H = hidden_size_;

  // The input's and the hidden state's parts of all three gates, kept apart.   [B, 3H] each
  const Tensor gi = w.b_ih.defined() ? addmm(w.b_ih, x, w.W_ih_t) : matmul(x, w.W_ih_t);
  const Tensor gh = w.b_hh.defined() ? addmm(w.b_hh, h, w.W_hh_t) : matmul(h, w.W_hh_t);

  // Cut along the feature axis, in PyTorch's order r, z, n.   each [B, H]
  const Tensor r = sigmoid(slice(gi, 1, 0 * H, 1 * H) + slice(gh, 1, 0 * H, 1 * H));
  const Tensor z = sigmoid(slice(gi, 1, 1 * H, 2 * H) + slice(gh, 1, 1 * H, 2 * H));
  const Tensor reset = r * slice(gh, 1, 2 * H, 3 * H);  // r * (W_hn h + b_hn)
  const Tensor n = tanh(slice(gi, 1, 2 * H, 3 * H) + reset);

  // Blend the candidate and the old state by the update gate.   [B, H]
  const Tensor fresh = (1.0 - z) * n;
  const Tensor kept = z * h;
  return fresh + kept;
}

Tensor GRUCell::forward(const Tensor& x, const Tensor& h) {
  ScopeGuard scope(name());
  if (h.defined()) return step(x, h, prepare());
  return step(x, ag::zeros({detail::batch_of(x), hidden_size_}), prepare());
}

std::string GRUCell::extra_repr() const {
  return fmt::format("input_size={}, hidden_size={}, bias={}", input_size_, hidden_size_,
                     b_ih.defined());
}

// ----- GRU ---------------------------------------------------------------------------------------
GRU::GRU(int64_t input_size, int64_t hidden_size, Generator& gen, GRUOptions options)
    : Recurrent("gru", "GRU", input_size, hidden_size, options.num_layers, options.batch_first,
                [&](int64_t in) {
                  return std::make_unique<GRUCell>(in, hidden_size, gen, options.bias);
                }),
      options_(options) {}

std::string GRU::extra_repr() const {
  return fmt::format("input_size={}, hidden_size={}, num_layers={}, bias={}, batch_first={}",
                     input_size(), hidden_size(), options_.num_layers, options_.bias,
                     options_.batch_first);
}

}  // namespace ag::nn
