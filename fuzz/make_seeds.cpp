// make_seeds.cpp — writes the committed seed corpus of both fuzz targets (fuzz/corpus/).
//
//     build-fuzz/fuzz/make_seeds fuzz/corpus
//
// A fuzzer starting from nothing spends its first minutes discovering that the input should
// begin with {"format": ... or that opcode 25 wants two matrices. The seeds hand it one valid
// example of each kind and a few near misses; it mutates from there. Each seed is made by the
// same code the targets run (fuzz_model.hpp) or written out below byte by byte with its meaning,
// so a change to the file format or to the program encoding is one edit here and one run.
#include <autograd/autograd.hpp>
#include <nn/nn.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "fuzz_model.hpp"

namespace {

void write(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out) throw ag::IOError("make_seeds: cannot write " + path.string());
  std::printf("%6zu bytes  %s\n", bytes.size(), path.c_str());
}

// ----- load_parameters_fuzz: parameter files and checkpoints of the fixed model ---------------
void parameter_seeds(const std::filesystem::path& dir) {
  ag::fuzz::Fixture f;
  f.train_step();  // so the checkpoints carry momentum, moments and step counts
  write(dir / "parameters.json", ag::nn::parameters_to_json(f.mlp));
  write(dir / "checkpoint_sgd.json", ag::nn::checkpoint_to_json(f.mlp, f.sgd, f.generator));
  write(dir / "checkpoint_adam.json", ag::nn::checkpoint_to_json(f.mlp, f.adam, f.generator));

  // Every number JSON cannot write, in the spelling serialize.hpp gives them.
  ag::Tensor weight = f.mlp.parameters()[0];
  auto w = weight.mutable_data();
  w[0] = std::numeric_limits<double>::infinity();
  w[1] = -std::numeric_limits<double>::infinity();
  w[2] = std::numeric_limits<double>::quiet_NaN();
  w[3] = -std::numeric_limits<double>::quiet_NaN();
  w[4] = std::numeric_limits<double>::signaling_NaN();
  w[5] = -0.0;
  write(dir / "non_finite.json", ag::nn::parameters_to_json(f.mlp));

  // Near misses: another version, and a weight of the transposed shape.
  write(dir / "version_2.json",
        R"({"format": "tapegrad-parameters", "version": 2, "parameters": []})");
  write(dir / "wrong_shape.json",
        R"({"format": "tapegrad-parameters", "parameters": [)"
        R"({"name":"mlp.0.weight","shape":[2,3],"values":[1,2,3,4,5,6]}]})");
}

// ----- ops_fuzz: programs in the encoding of ops_fuzz.cpp's opening comment -------------------
// Opcodes: unary 0 neg, 1 exp, 2 log, 3 sqrt, 4 abs, 5 tanh, 6 sigmoid, 7 relu; binary 8 add,
// 9 sub, 10 mul, 11 div, 12 pow, 13 maximum, 14 minimum; then 15 pow(x, p), 16 leaky_relu,
// 17 clamp, 18 hardtanh, 19 sum, 20 mean, 21 sum(axis), 22 mean(axis), 23 max(axis),
// 24 argmax, 25 matmul, 26 addmm, 27 reshape, 28 permute, 29 transpose, 30 slice, 31 concat,
// 32 stack, 33 index_select, 34 gather, 35 softmax, 36 log_softmax, 37 detach.
// Sizes are indices into {1, 2, 3, 1, 2, 3, 0, 4}: 0 -> 1, 1 -> 2, 2 -> 3, 6 -> 0, 7 -> 4.
constexpr uint8_t v(double x) { return static_cast<uint8_t>(128 + 32 * x); }  // a value byte
constexpr uint8_t axis(int a) { return static_cast<uint8_t>(a + 4); }

using Program = std::vector<uint8_t>;

void op_seeds(const std::filesystem::path& dir) {
  const auto save = [&](const char* name, const Program& p) {
    write(dir / name, std::string(p.begin(), p.end()));
  };
  // A layer: tanh([2, 3] @ [3, 2]), summed over its last axis, then softmax.
  save("layer.bin", {1,                                                  // 2 inputs, mode 0
                     2, 1, 2, v(0.5), v(-1), v(2), v(0.25), v(-0.75), v(1.5),   // t0 [2, 3]
                     2, 2, 1, v(1), v(0.5), v(-0.5), v(0.25), v(2), v(-1),      // t1 [3, 2]
                     25, 0, 1,                                           // t2 = t0 @ t1
                     5, 2,                                               // t3 = tanh(t2)
                     21, 3, axis(-1), 0,                                 // t4 = sum(t3, -1)
                     35, 4, axis(0)});                                   // t5 = softmax(t4)
  // Broadcasting, a constant, and the backward pass run twice on a retained graph.
  save("broadcast.bin", {10,                                             // 2 inputs, mode 3
                         2, 2, 0, v(1), v(-2), v(0.5),                   // t0 [3, 1]
                         1, 7, v(0.25), v(-0.5), v(1.5), v(3),           // t1 [4]
                         8, 0, 1,                                        // t2 = t0 + t1: [3, 4]
                         10, 2, 3, v(1.5),                               // t3 = t2 * 1.5
                         13, 3, 0,                                       // t4 = maximum(t3, t0)
                         11, 4, 1,                                       // t5 = t4 / t1
                         7, 5,                                           // t6 = relu(t5)
                         20, 6});                                        // t7 = mean(t6)
  // The shape ops on one [2, 3, 4] tensor.
  Program shapes = {0, 3, 1, 2, 7};                                      // 1 input, t0 [2, 3, 4]
  for (int k = 0; k < 24; ++k) shapes.push_back(v(0.125 * k - 1.5));
  const Program shape_ops = {
      27, 0, 2, 0, 4,                                  // t1 = reshape(t0, [-1, 4])
      28, 0, 3, axis(2), axis(0), axis(1),             // t2 = permute(t0, [2, 0, 1])
      30, 2, axis(0), 1, 8,                            // t3 = slice(t2, 0, -4, 3)
      31, 3, 1, 3, axis(0),                            // t4 = concat([t3, t3], 0)
      33, 4, axis(2), 3, 1, 2, 1,                      // t5 = index_select(t4, 2, [0, 1, 0])
      34, 5, axis(1), 1, 2, 2, 2, 0, 1, 1, 0, 1, 0, 0, 1,  // gather(t5, 1, index [2, 2, 2])
      32, 1, 1, 1, axis(-1),                           // stack([t1, t1], -1)
      29, 2, axis(0), axis(-1),                        // transpose(t2, 0, -1)
      23, 0, axis(1), 1,                               // max(t0, 1, keepdim)
      36, 1, axis(-1)};                                // log_softmax(t1, -1)
  shapes.insert(shapes.end(), shape_ops.begin(), shape_ops.end());
  save("shapes.bin", shapes);
  // Misfits that must throw: [2, 3] + [4], a matmul whose sizes disagree, a clamp with a NaN
  // bound, the mean of an empty tensor.
  save("misfits.bin", {2,                                                // 3 inputs, mode 0
                       2, 1, 2, v(1), v(2), v(3), v(-1), v(-2), v(-3),   // t0 [2, 3]
                       1, 7, v(1), v(2), v(3), v(4),                     // t1 [4]
                       2, 6, 2,                                          // t2 [0, 3]
                       8, 0, 1,                                          // add(t0, t1): throws
                       25, 0, 0,                                         // t0 @ t0: throws
                       17, 0, 0, v(1),                                   // clamp(t0, NaN, 1)
                       20, 2,                                            // mean(t2): throws
                       21, 2, axis(0), 1,                                // t3 = sum(t2, 0) [1, 3]
                       31, 0, 1, 2, axis(0)});                           // concat([t0, t2], 0)
  // The functions with a domain, under DetectAnomalyGuard: log(-1) is caught there.
  save("anomaly.bin", {3,                                                // 1 input, mode 1
                       1, 1, v(2), v(-1),                                // t0 [2]
                       3, 0,                                             // sqrt
                       2, 0,                                             // log
                       15, 0, 2,                                         // pow(t0, 0.5)
                       1, 0, 6, 0});                                     // exp, sigmoid
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds CORPUS_DIR   (writes CORPUS_DIR/<target>/...)\n");
    return 2;
  }
  const std::filesystem::path root = argv[1];
  parameter_seeds(root / "load_parameters_fuzz");
  op_seeds(root / "ops_fuzz");
  return 0;
}
