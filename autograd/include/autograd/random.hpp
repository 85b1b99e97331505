// random.hpp — random tensors from an explicitly seeded generator.
//
// The same seed gives the same numbers on every machine and compiler. That rules out
// std::uniform_real_distribution and std::normal_distribution, whose algorithms the C++ standard
// leaves to each library; only the engine std::mt19937_64 is fully specified. So the conversion
// from its 64 random bits to a double is written here: uniform takes the top 53 bits, normal uses
// the Box-Muller transform on two uniforms.
//
// A Generator's whole state can be read and restored (state() / set_state(), as PyTorch's
// torch.Generator.get_state() / set_state()), so that a checkpoint resumes the same sequence.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "autograd/tensor.hpp"

namespace ag {

// Everything a Generator remembers. After g.set_state(s), g draws exactly what the generator
// that gave s = state() would have drawn next.
struct GeneratorState {
  // std::mt19937_64's state as the engine writes it with operator<<: its 312 state words (and,
  // in libstdc++, its position among them as a 313th number).
  std::vector<uint64_t> engine;
  bool has_spare = false;  // Box-Muller's second normal, not yet handed out
  double spare = 0.0;
};

class Generator {
 public:
  explicit Generator(uint64_t seed) : engine_(seed) {}
  // Uniform in [0, 1).
  double uniform();
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Normal with the given mean and standard deviation.
  double normal(double mean = 0.0, double stddev = 1.0);
  // A whole number in [0, n).
  int64_t randint(int64_t n);
  std::mt19937_64& engine() { return engine_; }

  GeneratorState state() const;
  // Throws ValueError (and changes nothing) if `state.engine` is not an engine state that this
  // standard library's std::mt19937_64 reads back exactly.
  void set_state(const GeneratorState& state);

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;  // Box-Muller makes normals in pairs; the second waits here
  double spare_ = 0.0;
};

// A tensor of uniform[lo, hi) numbers.
Tensor uniform(Shape shape, double lo, double hi, Generator& gen, bool requires_grad = false);
// A tensor of normal(mean, stddev) numbers.
Tensor normal(Shape shape, double mean, double stddev, Generator& gen, bool requires_grad = false);

}  // namespace ag
