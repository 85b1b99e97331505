// init.hpp — how parameters get their first values, always from an explicitly seeded generator.
//
// Why initialisation matters: a layer y = W x sums fan_in terms, so if each w has variance s^2
// and each x variance 1, y has variance fan_in * s^2: choose s^2 = 1/fan_in and the signal keeps
// its size from layer to layer (forward). Going back, dL/dx = W^T dL/dy sums fan_out terms, so
// the gradient's variance is multiplied by fan_out * s^2: it keeps its size with s^2 = 1/fan_out.
// The two agree only where fan_in = fan_out; with s^2 = 1/fan_in the gradient is scaled by
// fan_out / fan_in at every layer (a 400 -> 25 layer shrinks its variance 16 times going back).
// The schemes below differ in which fan they use (Xavier: the average of the two, a compromise;
// Kaiming: fan_in, keeping the forward pass) and in a `gain` that makes up for what the
// activation does to the variance (ReLU zeroes half of it, so He/Kaiming doubles it).
//
// Each function overwrites a tensor's values in place (through mutable_data(): an initialiser
// is not an op and is not recorded) and returns the same handle, so a constructor can write
//     W = init::xavier_uniform(ag::zeros({out, in}), gen);
//     register_parameter("W", W);
//
// Fans follow PyTorch: for a weight of shape [out, in] (or [out, in, k...]) fan_in = in * k...,
// fan_out = out * k...
//
// What this file leaves out: sparse and truncated-normal schemes, and "fan_avg" variance scaling.
#pragma once

#include <autograd/autograd.hpp>

#include <cstdint>
#include <string>

namespace ag::nn::init {

// fan_in and fan_out of a weight of rank >= 2 (a ValueError names the shape otherwise).
struct Fans {
  int64_t in = 0;
  int64_t out = 0;
};
Fans fans(const Shape& shape);

// The gain PyTorch's torch.nn.init.calculate_gain gives: "linear", "sigmoid" -> 1, "tanh" -> 5/3,
// "relu" -> sqrt(2), "leaky_relu" with slope a -> sqrt(2 / (1 + a^2)). A ValueError names an
// unknown nonlinearity.
double calculate_gain(const std::string& nonlinearity, double negative_slope = 0.01);

// Every value uniform in [lo, hi) / normal(mean, std) / the constant value.
Tensor uniform(Tensor t, double lo, double hi, Generator& gen);
Tensor normal(Tensor t, double mean, double stddev, Generator& gen);
Tensor constant(Tensor t, double value);
Tensor zeros(Tensor t);

// PyTorch's default for Linear, RNN and LSTM: uniform(-b, b) with b = 1 / sqrt(fan). Linear uses
// its fan_in for both weight and bias; RNN and LSTM use the hidden size for every parameter.
// (For Linear PyTorch writes this as kaiming_uniform with a = sqrt(5), which is the same bound.)
Tensor default_uniform(Tensor t, int64_t fan, Generator& gen);

// Xavier/Glorot (Glorot & Bengio 2010): forward wants Var = 1/fan_in, backward 1/fan_out; both
// hold only when the fans are equal, so it takes the average of the fans, a compromise between
// the two: Var = gain^2 * 2 / (fan_in + fan_out).
//   uniform(-b, b), b = gain * sqrt(6 / (fan_in + fan_out))
//   normal(0, s),   s = gain * sqrt(2 / (fan_in + fan_out))
Tensor xavier_uniform(Tensor t, Generator& gen, double gain = 1.0);
Tensor xavier_normal(Tensor t, Generator& gen, double gain = 1.0);

// He/Kaiming (He et al. 2015) for ReLU-like layers: Var = gain^2 / fan_in, with
// gain^2 = 2 / (1 + a^2) for a LeakyReLU of slope a (a = 0: ReLU, gain^2 = 2).
//   uniform(-b, b), b = gain * sqrt(3 / fan_in)
//   normal(0, s),   s = gain / sqrt(fan_in)
// `a` is the negative slope of the LeakyReLU that follows (0 for ReLU). PyTorch's own default a
// is 0 for these functions too.
Tensor kaiming_uniform(Tensor t, Generator& gen, double a = 0.0);
Tensor kaiming_normal(Tensor t, Generator& gen, double a = 0.0);

// Orthogonal (Saxe et al. 2014), for recurrent weights: W^T W = I (or W W^T = I when W is wide),
// so multiplying by W again and again at every time step neither grows nor shrinks a vector.
// Made as PyTorch does: a matrix of standard normals, its QR decomposition (here by modified
// Gram-Schmidt), Q with the signs fixed so R has a positive diagonal, times gain.
Tensor orthogonal(Tensor t, Generator& gen, double gain = 1.0);

}  // namespace ag::nn::init
