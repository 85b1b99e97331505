// load_parameters_fuzz.cpp — libFuzzer target: any bytes, read as a parameter file or a checkpoint.
//
// serialize.hpp promises two things about loading, and this target holds it to both for every
// input the fuzzer makes up:
//
//   1. the only way a load fails is an ag::Error (ValueError, ShapeError...), and a failed load
//      leaves the model, the optimizer and the generator exactly as they were (bit for bit);
//   2. a load that succeeds puts each number of the file into the parameter of its name, at its
//      place (read back here with nlohmann directly), and leaves a usable model: a forward pass
//      gives a [4, 1] result that is finite whenever every loaded parameter is, backward and an
//      optimizer step run, and saving what was loaded and loading that again gives the same bits.
//
// Anything else (another exception type, a crash, a sanitizer report, a hang) is a finding:
// abort() with a message, and libFuzzer keeps the input. Each input goes through the three entry
// points that parse text (the file-reading ones add only read_file): parameters_from_json, and
// checkpoint_from_json into an SGD and into an Adam optimizer.
//
// What this leaves out: read_file itself (paths, devices), and saving (atomic_file has its own
// tests with a full disk and a file-size limit).
#include <autograd/autograd.hpp>
#include <nlohmann/json.hpp>
#include <nn/nn.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <typeinfo>
#include <vector>

#include "fuzz_model.hpp"

namespace {

using ag::fuzz::Fixture;

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "load_parameters_fuzz: FINDING: %s\n", what.c_str());
  std::abort();
}

// Equal bits (so a NaN equals itself, and 0.0 differs from -0.0: a load must not change either).
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Everything a load may change, to compare before and after.
struct Snapshot {
  std::vector<std::vector<double>> parameters;
  ag::nn::OptimizerState sgd, adam;
  ag::GeneratorState generator;

  explicit Snapshot(const Fixture& f)
      : sgd(f.sgd.state()), adam(f.adam.state()), generator(f.generator.state()) {
    for (const ag::Tensor& p : f.mlp.parameters()) parameters.push_back(p.to_vector());
  }
};

bool same_state(const ag::nn::OptimizerState& a, const ag::nn::OptimizerState& b) {
  if (a.type != b.type || a.options.size() != b.options.size() ||
      a.parameters.size() != b.parameters.size()) {
    return false;
  }
  for (auto i = a.options.begin(), j = b.options.begin(); i != a.options.end(); ++i, ++j) {
    if (i->first != j->first || !same_bits(i->second, j->second)) return false;
  }
  for (size_t k = 0; k < a.parameters.size(); ++k) {
    const auto& p = a.parameters[k];
    const auto& q = b.parameters[k];
    if (p.name != q.name || p.step != q.step || p.buffers.size() != q.buffers.size()) return false;
    for (auto i = p.buffers.begin(), j = q.buffers.begin(); i != p.buffers.end(); ++i, ++j) {
      if (i->first != j->first || !same_bits(i->second, j->second)) return false;
    }
  }
  return true;
}

// What differs between two snapshots, or "" if nothing does.
std::string difference(const Snapshot& a, const Snapshot& b) {
  for (size_t k = 0; k < a.parameters.size(); ++k) {
    if (!same_bits(a.parameters[k], b.parameters[k])) return "parameter " + std::to_string(k);
  }
  if (!same_state(a.sgd, b.sgd)) return "the SGD state";
  if (!same_state(a.adam, b.adam)) return "the Adam state";
  if (a.generator.engine != b.generator.engine || a.generator.has_spare != b.generator.has_spare ||
      !same_bits(a.generator.spare, b.generator.spare)) {
    return "the generator state";
  }
  return "";
}

// The model after a successful load: a forward pass, backward, and a step of `optimizer`.
void check_usable(Fixture& f, ag::nn::Optimizer& optimizer, const char* how) {
  bool finite_parameters = true;
  for (const ag::Tensor& p : f.mlp.parameters()) {
    for (double x : p.data()) finite_parameters = finite_parameters && std::isfinite(x);
  }
  optimizer.zero_grad();
  {
    ag::Tape tape;
    ag::Tensor out = f.mlp(Fixture::input());
    if (out.shape() != ag::Shape{4, 1}) {
      finding(std::string(how) + ": the loaded model's output has shape " +
              ag::shape_str(out.shape()) + ", not [4, 1]");
    }
    for (double y : out.data()) {
      if (finite_parameters && !std::isfinite(y)) {
        finding(std::string(how) + ": finite parameters gave a non-finite output");
      }
    }
    ag::sum(out).backward();
  }
  for (const ag::Tensor& p : f.mlp.parameters()) {
    if (p.grad().shape() != p.shape()) finding(std::string(how) + ": a gradient of another shape");
  }
  optimizer.step();      // the loaded momentum or moments are used here: sizes must fit
  f.generator.normal();  // and the loaded generator draws
}

// Every plain number of the file's parameter list is where the loader put it: in the parameter of
// its entry's name, at its index. (The strings that spell NaN and infinity are serialize.cpp's
// own business, and covered by the round trip below.)
void check_loaded_where_named(const Fixture& f, const std::string& text, const char* how) {
  const auto doc = nlohmann::json::parse(text);  // the loader parsed it: so does this
  for (const auto& entry : doc.at("parameters")) {
    const auto name = entry.at("name").get<std::string>();
    for (const ag::nn::NamedTensor& p : f.mlp.named_parameters()) {
      if (p.name != name) continue;
      const auto& values = entry.at("values");
      for (size_t i = 0; i < values.size(); ++i) {
        if (values[i].is_number() && !same_bits(values[i].get<double>(), p.tensor.data()[i])) {
          finding(std::string(how) + ": value " + std::to_string(i) + " of '" + name +
                  "' did not land in its place");
        }
      }
    }
  }
}

// Saving what was loaded and loading it into a fresh fixture gives the same bits.
void check_round_trip(const Fixture& loaded, bool checkpoint, bool adam) {
  Fixture again;
  again.train_step();  // as `loaded` was: the optimizer that is not loaded must match too
  if (checkpoint) {
    const ag::nn::Optimizer& from = adam ? static_cast<const ag::nn::Optimizer&>(loaded.adam)
                                         : loaded.sgd;
    ag::nn::Optimizer& to = adam ? static_cast<ag::nn::Optimizer&>(again.adam) : again.sgd;
    ag::nn::checkpoint_from_json(again.mlp, to, again.generator,
                                 ag::nn::checkpoint_to_json(loaded.mlp, from, loaded.generator));
  } else {
    ag::nn::parameters_from_json(again.mlp, ag::nn::parameters_to_json(loaded.mlp));
  }
  const std::string diff = difference(Snapshot(loaded), Snapshot(again));
  if (!diff.empty()) finding("saving what was loaded and loading it again changed " + diff);
}

// One entry point on a fresh fixture: `how` is 0 (parameters), 1 (checkpoint, SGD), 2 (Adam).
void load_one_way(const std::string& text, int how) {
  static const char* const names[] = {"parameters_from_json", "checkpoint_from_json (SGD)",
                                      "checkpoint_from_json (Adam)"};
  Fixture f;
  f.train_step();  // momentum buffers, Adam's moments and steps: a state worth keeping intact
  ag::nn::Optimizer& optimizer = how == 2 ? static_cast<ag::nn::Optimizer&>(f.adam) : f.sgd;
  const Snapshot before(f);
  try {
    if (how == 0) {
      ag::nn::parameters_from_json(f.mlp, text);
    } else {
      ag::nn::checkpoint_from_json(f.mlp, optimizer, f.generator, text);
    }
  } catch (const ag::Error&) {
    const std::string diff = difference(before, Snapshot(f));
    if (!diff.empty()) finding(std::string(names[how]) + " failed but changed " + diff);
    return;
  } catch (const std::exception& e) {
    finding(std::string(names[how]) + " threw " + typeid(e).name() +
            ", not an ag::Error: " + e.what());
  }
  check_loaded_where_named(f, text, names[how]);
  check_round_trip(f, how != 0, how == 2);
  check_usable(f, optimizer, names[how]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    for (int how = 0; how < 3; ++how) load_one_way(text, how);
  } catch (const std::exception& e) {  // from the checks after a load that succeeded
    finding(std::string("using what was loaded threw ") + typeid(e).name() + ": " + e.what());
  }
  return 0;
}
