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
#include "ops_program.hpp"

namespace {

using namespace ag::fuzz;

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
// A tensor operand is its index among the tensors made so far (inputs first); one more than the
// last is a 0-d constant, whose value byte follows. Sizes are indices into kSizes: 0 -> 1,
// 1 -> 2, 2 -> 3, 6 -> 0, 7 -> 4.
using Program = std::vector<uint8_t>;
constexpr auto v = value_byte;
constexpr auto axis = axis_byte;

void op_seeds(const std::filesystem::path& dir) {
  const auto save = [&](const char* name, const Program& p) {
    write(dir / name, std::string(p.begin(), p.end()));
  };
  // A layer: tanh([2, 3] @ [3, 2]), summed over its last axis, then softmax.
  save("layer.bin",
       {1,  // 2 inputs, mode 0
        2,        1, 2,        v(0.5), v(-1),  v(2),    v(0.25), v(-0.75), v(1.5),  // t0 [2, 3]
        2,        2, 1,        v(1),   v(0.5), v(-0.5), v(0.25), v(2),     v(-1),   // t1 [3, 2]
        kMatmul,  0, 1,                                                             // t2 = t0 @ t1
        kTanh,    2,                                                                // t3 = tanh(t2)
        kSumAxis, 3, axis(-1), 0,  // t4 = sum(t3, -1)
        kSoftmax, 4, axis(0)});    // t5 = softmax(t4)
  // Broadcasting, a constant, and the backward pass run twice on a retained graph.
  save("broadcast.bin", {10,                                             // 2 inputs, mode 3
                         2,        2, 0,       v(1),    v(-2),  v(0.5),  // t0 [3, 1]
                         1,        7, v(0.25), v(-0.5), v(1.5), v(3),    // t1 [4]
                         kAdd,     0, 1,                                 // t2 = t0 + t1: [3, 4]
                         kMul,     2, 3,       v(1.5),                   // t3 = t2 * 1.5
                         kMaximum, 3, 0,                                 // t4 = maximum(t3, t0)
                         kDiv,     4, 1,                                 // t5 = t4 / t1
                         kRelu,    5,                                    // t6 = relu(t5)
                         kMean,    6});                                  // t7 = mean(t6)
  // The shape ops on one [2, 3, 4] tensor.
  Program shapes = {0, 3, 1, 2, 7};  // 1 input, t0 [2, 3, 4]
  for (int k = 0; k < 24; ++k) shapes.push_back(v(0.125 * k - 1.5));
  const Program shape_ops = {kReshape,
                             0,
                             2,
                             0,
                             4,  // t1 = reshape(t0, [-1, 4])
                             kPermute,
                             0,
                             3,
                             axis(2),
                             axis(0),
                             axis(1),  // t2 = permute(t0, [2, 0, 1])
                             kSlice,
                             2,
                             axis(0),
                             1,
                             8,  // t3 = slice(t2, 0, -4, 3)
                             kConcat,
                             3,
                             1,
                             3,
                             axis(0),  // t4 = concat([t3, t3], 0)
                             kIndexSelect,
                             4,
                             axis(2),
                             3,
                             1,
                             2,
                             1,  // t5 = index_select(t4, 2, [0, 1, 0])
                             kGather,
                             5,
                             axis(1),
                             1,
                             2,
                             2,
                             2,
                             0,
                             1,
                             1,
                             0,
                             1,
                             0,
                             0,
                             1,  // gather(t5, 1, index [2, 2, 2])
                             kStack,
                             1,
                             1,
                             1,
                             axis(-1),  // stack([t1, t1], -1)
                             kTranspose,
                             2,
                             axis(0),
                             axis(-1),  // transpose(t2, 0, -1)
                             kMaxAxis,
                             0,
                             axis(1),
                             1,  // max(t0, 1, keepdim)
                             kLogSoftmax,
                             1,
                             axis(-1)};  // log_softmax(t1, -1)
  shapes.insert(shapes.end(), shape_ops.begin(), shape_ops.end());
  save("shapes.bin", shapes);
  // Misfits that must throw: [2, 3] + [4], a matmul whose sizes disagree, a clamp with a NaN
  // bound, the mean of an empty tensor.
  save("misfits.bin", {2,  // 3 inputs, mode 0
                       2,        1, 2,       v(1), v(2),   v(3), v(-1), v(-2), v(-3),  // t0 [2, 3]
                       1,        7, v(1),    v(2), v(3),   v(4),                       // t1 [4]
                       2,        6, 2,                                                 // t2 [0, 3]
                       kAdd,     0, 1,                         // add(t0, t1): throws
                       kMatmul,  0, 0,                         // t0 @ t0: throws
                       kClamp,   0, 0,       v(1),             // clamp(t0, NaN, 1)
                       kMean,    2,                            // mean(t2): NaN
                       kSumAxis, 2, axis(0), 1,                // t3 = sum(t2, 0) [1, 3]
                       kConcat,  0, 1,       2,    axis(0)});  // concat([t0, t2], 0)
  // The functions with a domain, under DetectAnomalyGuard: log(-1) is caught there.
  save("anomaly.bin", {3,                                    // 1 input, mode 1
                       1, 1, v(2), v(-1),                    // t0 [2]
                       kSqrt, 0, kLog, 0, kPowNumber, 0, 2,  // pow(t0, 0.5)
                       kExp, 0, kSigmoid, 0});
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
