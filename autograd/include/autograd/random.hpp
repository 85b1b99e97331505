// random.hpp — random tensors from an explicitly seeded generator.
//
// The same seed gives the same uniform numbers on every machine and compiler, and the same normal
// ones on every x86-64 CPU with SSE4.1 (their sin and cos are glibc's SSE vector code and their log
// SLEEF's, not std::log, std::sin and std::cos, for which glibc takes other code on a CPU
// without FMA and AVX2: fast/kernels.hpp; other machines use the std:: ones). That rules out
// std::uniform_real_distribution and std::normal_distribution, whose algorithms the C++ standard
// leaves to each library; only the engine std::mt19937_64 is fully specified. So the conversion
// from its 64 random bits to a double is written here: uniform takes the top 53 bits, normal uses
// the Box-Muller transform on two uniforms.
//
// A Generator's whole state can be read and restored (state() / set_state(), as PyTorch's
// torch.Generator.get_state() / set_state()), so that a checkpoint resumes the same sequence.
//
// Threads. One Generator is often shared (by every Dropout of a model, say), and a model may run
// on several threads at once (tape.hpp, "Threads"). So every call that draws takes the
// generator's lock for its whole length, as PyTorch's CPU generator does for each op's sampling
// (c10::GeneratorImpl::mutex_, which at::CPUGeneratorImpl inherits): one lock per call, not per
// number. A call's numbers are therefore always one contiguous block of the generator's sequence:
// threads drawing at the same time get the blocks of some serial order of their calls, never the
// same numbers twice and never a torn state. Which thread gets which block is up to the scheduler,
// so the results of a multi-threaded run depend on it; one thread alone draws exactly what it drew
// before the lock. Draw many numbers with fill_uniform / fill_normal (ag::uniform, ag::normal and
// Dropout's mask do): one lock for the whole block, where a loop of uniform() takes one per number,
// and another thread's draws may fall between them.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <span>
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

// (No move constructor or assignment: a move copies, as the lock cannot move.)
class Generator {  // NOLINT(cppcoreguidelines-special-member-functions)
 public:
  explicit Generator(uint64_t seed) : engine_(seed) {}
  // A copy continues from the same point of the same sequence (with a lock of its own).
  Generator(const Generator& other) : Generator(other, std::lock_guard(other.mutex_)) {}
  Generator& operator=(const Generator& other);

  // One number per call (each call takes the lock).
  // Uniform in [0, 1).
  double uniform();
  // Uniform in [lo, hi) (a ValueError unless lo <= hi and hi - lo is finite).
  double uniform(double lo, double hi);
  // Normal with the given mean and standard deviation (a ValueError unless both are finite and
  // stddev >= 0). fill_* and ag::uniform / ag::normal check the same.
  double normal(double mean = 0.0, double stddev = 1.0);
  // A whole number in [0, n).
  int64_t randint(int64_t n);

  // A block of numbers under one lock: out[i] is what the i-th of out.size() calls of
  // uniform(lo, hi) (or normal(mean, stddev)) would give, the same numbers bit for bit.
  void fill_uniform(std::span<double> out, double lo = 0.0, double hi = 1.0);
  void fill_normal(std::span<double> out, double mean = 0.0, double stddev = 1.0);

  // The engine itself, without the lock: for one thread only (a test compares its draws).
  std::mt19937_64& engine() { return engine_; }

  GeneratorState state() const;
  // Throws ValueError (and changes nothing) if `state.engine` is not an engine state that this
  // standard library's std::mt19937_64 reads back exactly.
  void set_state(const GeneratorState& state);

 private:
  // The copy, made while `lock` holds other.mutex_.
  Generator(const Generator& other, const std::lock_guard<std::mutex>& /*lock*/)
      : engine_(other.engine_), has_spare_(other.has_spare_), spare_(other.spare_) {}
  // The draws themselves; the caller holds mutex_.
  double next_uniform();
  double next_normal(double mean, double stddev);

  mutable std::mutex mutex_;  // held by every call that reads or changes what follows
  std::mt19937_64 engine_;
  bool has_spare_ = false;  // Box-Muller makes normals in pairs; the second waits here
  double spare_ = 0.0;
};

// A tensor of uniform[lo, hi) numbers.
Tensor uniform(Shape shape, double lo, double hi, Generator& gen, bool requires_grad = false);
// A tensor of normal(mean, stddev) numbers.
Tensor normal(Shape shape, double mean, double stddev, Generator& gen, bool requires_grad = false);

}  // namespace ag
