// moons.hpp — micrograd's moons demo step: the recipe both moons benchmarks run.
//
// bench_moons times this step on tapegrad; bench_moons_adolc times the same step on ADOL-C and
// checks, before it times anything, that its losses are this step's. So the recipe has one home:
//
//     data:    `points` two-moons points from ag::nn::make_moons (noise 0.1), labels 0/1 -> -1/+1
//     model:   micrograd's MLP 2-16-16-1 (tutorials/common/micrograd.hpp), weights uniform(-1, 1)
//              drawn from the same generator right after the data, biases 0
//     neuron:  act = b + w0 x0 + w1 x1 + ...      (Python's sum(..., start=b)); relu but in the
//     last layer loss:    mean over points of relu(1 + score * (-y))  +  1e-4 * sum over parameters
//     of p * p SGD:     p -= lr p.grad, with the demo's lr = 1.0 - 0.9 k / 100 at step k
//
// The ops are the demo's, in the demo's order, so the tape holds what micrograd's graph holds
// (plus one node per constant, which micrograd also makes as a Value).
//
// What this file leaves out: timing (each program times its own step), and the demo's plot.
#pragma once

#include <CLI/CLI.hpp>
#include <autograd/autograd.hpp>
#include <fmt/format.h>
#include <nn/nn.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/micrograd.hpp"  // tutorials/common: tutorial 04's scalar MLP

namespace moons {

using ag::Tensor;

constexpr double kNoise = 0.1;   // make_moons' noise, as the demo's
constexpr double kAlpha = 1e-4;  // weight of the L2 term

// The demo's learning rate at step k (counted from 0).
inline double learning_rate(int k) { return 1.0 - 0.9 * k / 100.0; }

// The points as plain numbers: the demo makes them into constants (Value(x)) every step.
struct Data {
  int points = 0;
  std::vector<double> xs;  // [points, 2]
  std::vector<double> ys;  // [points], -1 or +1
};

inline Data make_data(int points, ag::Generator& gen) {
  const ag::nn::Dataset moons = ag::nn::make_moons(points, kNoise, gen);
  Data data{points, moons.x.to_vector(), moons.y.to_vector()};
  for (double& y : data.ys) y = 2.0 * y - 1.0;  // 0/1 -> -1/+1
  return data;
}

// The data and the model a seed gives: the data first, then the weights, from one generator.
struct Problem {
  Data data;
  micrograd::MLP model;
};

inline Problem make_problem(int points, uint64_t seed) {
  ag::Generator gen(seed);
  Data data = make_data(points, gen);
  // Without scopes: the benchmarks time the bare ops (tutorial 04 puts each neuron in a scope).
  micrograd::MLP model(2, {16, 16, 1}, gen, /*scoped=*/false);
  return {std::move(data), std::move(model)};
}

// What one step reports: the loss and accuracy of the forward pass it made, and its tape's size.
struct StepResult {
  double loss = 0.0;
  double accuracy = 0.0;
  size_t nodes = 0;
};

// The command-line options both programs take.
struct Options {
  int steps = 100;
  int points = 100;
  uint64_t seed = 1337;
};

inline void add_options(CLI::App& app, Options& o) {
  app.add_option("--steps", o.steps, "Training steps (each one is timed)")->capture_default_str();
  app.add_option("--points", o.points, "Two-moons points (the demo uses 100)")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of the data and the initial weights")
      ->capture_default_str();
}

// A line of progress for the first step, every tenth and the last.
inline void print_progress(int k, int steps, const StepResult& r, double ms) {
  if (k == 0 || (k + 1) % 10 == 0 || k + 1 == steps) {
    fmt::print("step {:>4}  loss {:.6f}  accuracy {:.0f}%  {:.2f} ms\n", k, r.loss,
               100 * r.accuracy, ms);
  }
}

// One full-batch SGD step k on tapegrad: forward over every point, backward, update `params`
// (the model's parameters, in model.parameters() order).
inline StepResult tapegrad_step(const Data& data, const micrograd::MLP& model,
                                std::vector<Tensor>& params, int k) {
  StepResult result;
  for (Tensor& p : params) p.zero_grad();  // model.zero_grad()
  {
    ag::Tape tape;
    std::vector<Tensor> scores;
    for (int n = 0; n < data.points; ++n) {
      scores.push_back(model({Tensor(data.xs[2 * n]), Tensor(data.xs[2 * n + 1])}));
    }
    // losses = [(1 + -yi * scorei).relu() ...]; data_loss = sum(losses) * (1 / n)
    Tensor data_loss = 0.0;
    for (int n = 0; n < data.points; ++n) {
      Tensor margin = scores[n] * -data.ys[n];
      Tensor loss = ag::relu(1.0 + margin);
      data_loss = data_loss + loss;
    }
    data_loss = data_loss * (1.0 / data.points);
    // reg_loss = alpha * sum(p * p for p in parameters)
    Tensor reg_loss = 0.0;
    for (const Tensor& p : params) {
      Tensor pp = p * p;
      reg_loss = reg_loss + pp;
    }
    reg_loss = kAlpha * reg_loss;
    Tensor total = data_loss + reg_loss;

    int correct = 0;
    for (int n = 0; n < data.points; ++n) correct += (data.ys[n] > 0) == (scores[n].item() > 0);
    result.accuracy = static_cast<double>(correct) / data.points;
    result.loss = total.item();

    tape.backward(total);
    result.nodes = tape.size();
  }  // the step's graph is freed here, and that is part of the step
  const double lr = learning_rate(k);
  for (Tensor& p : params) p.mutable_data()[0] -= lr * p.grad_data()[0];  // p.data -= lr * p.grad
  return result;
}

}  // namespace moons
