// tests for nn/src/serialize.cpp: exact round trips, readable files, mismatches that change
// nothing.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <nn/nn.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bit>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>

#include "../file_size_limit.hpp"
#include "fixtures.hpp"

using namespace ag;
using namespace ag::nn;

namespace {
std::vector<std::vector<double>> values_of(const Module& m) {
  std::vector<std::vector<double>> out;
  for (const Tensor& p : m.parameters()) out.push_back(p.to_vector());
  return out;
}

// A file's bytes, to check that a failed save left the old file exactly as it was.
std::string bytes_of(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A fresh, empty directory for one test, removed again at the end.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() /
             fmt::format("tapegrad_{}_{}", name, static_cast<long>(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  size_t entries() const {
    auto it = std::filesystem::directory_iterator(path);
    return static_cast<size_t>(std::distance(it, std::filesystem::directory_iterator()));
  }
};

}  // namespace

TEST_CASE("save then load gives back exactly the same numbers", "[serialize]") {
  Generator a(1), b(2);
  LSTM saved(3, 4, a, {.num_layers = 2});
  LSTM loaded(3, 4, b, {.num_layers = 2});
  REQUIRE(values_of(saved) != values_of(loaded));
  const std::string path = "nn_serialize_test_params.json";
  save_parameters(saved, path);
  load_parameters(loaded, path);
  CHECK(values_of(saved) == values_of(loaded));

  // The file is readable JSON with names and shapes.
  std::ifstream in(path);
  auto doc = nlohmann::json::parse(in);
  CHECK(doc.at("format") == "tapegrad-parameters");
  CHECK(doc.at("parameters")[0].at("name") == "lstm.layer0.W_ih");
  CHECK(doc.at("parameters")[0].at("shape") == nlohmann::json::array({16, 3}));
  std::remove(path.c_str());
}

TEST_CASE("loading a file with other names or shapes names the first mismatch", "[serialize]") {
  Generator gen(3);
  Linear source(2, 3, gen);
  const std::string text = parameters_to_json(source);

  Linear renamed(2, 3, gen);
  renamed.set_name("fc");
  auto before = values_of(renamed);
  CHECK_THROWS_WITH(parameters_from_json(renamed, text),
                    "load_parameters: the module has parameter 'fc.weight' (shape [3, 2]) but the "
                    "JSON text does not");
  CHECK(values_of(renamed) == before);

  Linear wider(2, 4, gen);
  before = values_of(wider);
  CHECK_THROWS_WITH(parameters_from_json(wider, text),
                    "load_parameters: parameter 'linear.weight' has shape [4, 2] in the module but "
                    "[3, 2] in the JSON text");
  CHECK_THROWS_AS(parameters_from_json(wider, text), ShapeError);
  CHECK(values_of(wider) == before);

  Linear no_bias(2, 3, false, gen);
  before = values_of(no_bias);
  CHECK_THROWS_WITH(parameters_from_json(no_bias, text),
                    "load_parameters: the JSON text has 'linear.bias' but the module has no "
                    "parameter or buffer of that name");
  CHECK(values_of(no_bias) == before);
}

TEST_CASE("loading something that is not a parameter file is a clear error", "[serialize]") {
  Generator gen(0);
  Linear lin(2, 3, gen);
  CHECK_THROWS_AS(parameters_from_json(lin, "{not json"), ValueError);
  CHECK_THROWS_AS(parameters_from_json(lin, R"({"format": "other"})"), ValueError);
  CHECK_THROWS_AS(load_parameters(lin, "/nonexistent/params.json"), IOError);
  CHECK_THROWS_AS(parameters_from_json(lin, R"({"format": "tapegrad-parameters", "parameters": [
          {"name": "linear.weight", "shape": [3, 2], "values": [1, 2]}]})"),
                  ShapeError);
}

TEST_CASE("a save that cannot be written throws, however small the model", "[serialize]") {
  Generator gen(4);
  Linear tiny(1, 1, gen);  // a few dozen bytes: they fit in the stream's buffer until close
  LSTM lstm(3, 4, gen);
  // /dev/full accepts the open and fails every write with ENOSPC.
  CHECK_THROWS_WITH(save_parameters(tiny, "/dev/full"),
                    Catch::Contains("/dev/full") && Catch::Contains("No space left on device"));
  CHECK_THROWS_AS(save_parameters(lstm, "/dev/full"), ag::Error);
}

TEST_CASE("a save that fails midway leaves the old checkpoint byte for byte", "[serialize]") {
  TempDir dir("serialize_fsize");
  const std::filesystem::path path = dir.path / "lstm.json";
  Generator a(5), b(6);
  LSTM good(3, 8, a, {.num_layers = 2});  // about 20 KB of JSON
  LSTM next(3, 8, b, {.num_layers = 2});
  save_parameters(good, path.string());
  const std::string old_bytes = bytes_of(path);
  REQUIRE(old_bytes.size() > 4096);
  {
    // The disk "fills up" halfway through the next save.
    FileSizeLimit limit(old_bytes.size() / 2);
    CHECK_THROWS_WITH(save_parameters(next, path.string()),
                      Catch::Contains(path.string()) && Catch::Contains("File too large"));
  }
  CHECK(bytes_of(path) == old_bytes);
  CHECK(dir.entries() == 1);  // and no half-written temporary file is left beside it

  // The old file still loads, and a save without the limit replaces it.
  LSTM loaded(3, 8, b, {.num_layers = 2});
  load_parameters(loaded, path.string());
  CHECK(values_of(loaded) == values_of(good));
  save_parameters(next, path.string());
  load_parameters(loaded, path.string());
  CHECK(values_of(loaded) == values_of(next));
  CHECK(dir.entries() == 1);

  // Where the program keeps SIGXFSZ's default (a learner's does; the limit above ignores it), the
  // kernel kills it at the write past the limit instead, as serialize.hpp says: the old file is
  // still whole, and the temporary file atomic_file.hpp names is left beside it. (The save runs
  // in a child process, which the kill ends.)
  const std::string next_bytes = bytes_of(path);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_DFL);
    rlimit limit{};
    ::getrlimit(RLIMIT_FSIZE, &limit);
    limit.rlim_cur = next_bytes.size() / 2;
    ::setrlimit(RLIMIT_FSIZE, &limit);
    try {
      save_parameters(good, path.string());
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGXFSZ);
  CHECK(bytes_of(path) == next_bytes);
  std::vector<std::string> left;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path)) {
    if (entry.path() != path) left.push_back(entry.path().filename().string());
  }
  REQUIRE(left.size() == 1);
  CHECK_THAT(left[0], Catch::StartsWith(fmt::format("lstm.json.tmp-{}-", child)));
}

TEST_CASE("a save through a symbolic link replaces the file it points to, mode kept",
          "[serialize]") {
  namespace fs = std::filesystem;
  TempDir dir("serialize_link");
  const fs::path file = dir.path / "real.json", link = dir.path / "link.json";
  Generator gen(9);
  Linear first(2, 2, gen), second(2, 2, gen);
  save_parameters(first, file.string());
  const fs::perms mode = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read;
  fs::permissions(file, mode);
  fs::create_symlink("real.json", link);

  save_parameters(second, link.string());
  CHECK(fs::is_symlink(link));
  CHECK(fs::status(file).permissions() == mode);
  Linear loaded(2, 2, gen);
  load_parameters(loaded, file.string());
  CHECK(values_of(loaded) == values_of(second));
  CHECK(dir.entries() == 2);
}

// A hard link is another name for the same file, not a pointer to a path: the rename gives the
// saved name a new file, and the other name keeps the old parameters (io/atomic_file.hpp).
TEST_CASE("a save to a name with another hard link leaves that other name's contents alone",
          "[serialize]") {
  namespace fs = std::filesystem;
  TempDir dir("serialize_hard_link");
  const fs::path file = dir.path / "real.json", other = dir.path / "other.json";
  Generator gen(9);
  Linear first(2, 2, gen), second(2, 2, gen);
  save_parameters(first, file.string());
  fs::create_hard_link(file, other);
  REQUIRE(fs::hard_link_count(file) == 2);

  save_parameters(second, file.string());
  CHECK(fs::hard_link_count(file) == 1);
  CHECK(fs::hard_link_count(other) == 1);
  Linear loaded(2, 2, gen);
  load_parameters(loaded, file.string());
  CHECK(values_of(loaded) == values_of(second));
  load_parameters(loaded, other.string());
  CHECK(values_of(loaded) == values_of(first));
  CHECK(dir.entries() == 2);
}

// Found by an audit of what a save keeps: a dangling link was replaced by a regular file (the
// link's target was found with realpath(), which fails on it), and a loop of links too.
TEST_CASE("a save through a link to nothing creates the file it names, and a loop is refused",
          "[serialize]") {
  namespace fs = std::filesystem;
  TempDir dir("serialize_dangling");
  Generator gen(9);
  Linear saved(2, 2, gen);
  fs::create_directory(dir.path / "runs");
  fs::create_symlink("runs/real.json", dir.path / "link.json");
  fs::create_symlink("link.json", dir.path / "chain.json");  // chain -> link -> runs/real.json
  save_parameters(saved, (dir.path / "chain.json").string());
  CHECK(fs::is_symlink(dir.path / "chain.json"));
  CHECK(fs::is_symlink(dir.path / "link.json"));
  Linear loaded(2, 2, gen);
  load_parameters(loaded, (dir.path / "runs/real.json").string());
  CHECK(values_of(loaded) == values_of(saved));

  fs::create_symlink("b.json", dir.path / "a.json");
  fs::create_symlink("a.json", dir.path / "b.json");
  CHECK_THROWS_WITH(save_parameters(saved, (dir.path / "a.json").string()),
                    Catch::Contains("a.json") &&
                        Catch::Contains("Too many levels of symbolic links"));
  CHECK(fs::is_symlink(dir.path / "a.json"));
  CHECK(dir.entries() == 5);  // runs, link, chain, a, b: no temporary file left

  // A link to a pipe (as /dev/stdout is, through /proc/self/fd/1) is still written through.
  int ends[2];
  REQUIRE(::pipe(ends) == 0);
  save_parameters(saved, fmt::format("/proc/self/fd/{}", ends[1]));
  ::close(ends[1]);
  std::string piped;
  char buffer[4096];
  for (ssize_t n; (n = ::read(ends[0], buffer, sizeof buffer)) > 0;) {
    piped.append(buffer, static_cast<size_t>(n));
  }
  ::close(ends[0]);
  CHECK(piped == parameters_to_json(saved) + "\n");
}

// Found by the same audit: the temporary name adds ".tmp-<pid>-<n>" to the target's, and a
// 250-byte name (which may be written: the limit is 255) failed with "File name too long".
TEST_CASE("a file whose name is as long as a name may be can be saved", "[serialize]") {
  TempDir dir("serialize_long_name");
  Generator gen(9);
  Linear first(2, 2, gen), second(2, 2, gen), loaded(2, 2, gen);
  // 250 bytes; then 255, the most ext4 and tmpfs allow, in two-byte UTF-8 characters ("é").
  std::string e_acute;
  for (int k = 0; k < 125; ++k) e_acute += "\xc3\xa9";
  for (const std::string& name : {std::string(245, 'p') + ".json", e_acute + ".json"}) {
    INFO(name.size());
    const std::string path = (dir.path / name).string();
    save_parameters(first, path);
    save_parameters(second, path);  // a replace, through the temporary file
    load_parameters(loaded, path);
    CHECK(values_of(loaded) == values_of(second));
  }
  CHECK(dir.entries() == 2);
  // One byte more cannot be written at all: the system's reason, and nothing left behind.
  CHECK_THROWS_WITH(save_parameters(first, (dir.path / (std::string(251, 'p') + ".json")).string()),
                    Catch::Contains("File name too long"));
  CHECK(dir.entries() == 2);
}

TEST_CASE("NaN and infinities are saved and loaded bit for bit", "[serialize]") {
  Generator gen(7);
  Linear diverged(2, 4, gen);  // weight [4, 2]: eight numbers to fill
  const std::vector<uint64_t> bits = {
      0x7ff0000000000000,  // +inf
      0xfff0000000000000,  // -inf
      0x7ff8000000000000,  // the quiet NaN std::numeric_limits gives
      0xfff8000000000000,  // its negative: what x86 makes of 0/0
      0x7ff8000000000001,  // a quiet NaN with a payload
      0x7ff4000000000000,  // a signalling NaN
      0x8000000000000000,  // -0.0
      0x0000000000000001,  // the smallest subnormal
  };
  Tensor weight = diverged.parameters()[0];
  for (size_t j = 0; j < bits.size(); ++j) {
    weight.mutable_data()[j] = std::bit_cast<double>(bits[j]);
  }

  const std::string text = parameters_to_json(diverged);
  CHECK(text.find("null") == std::string::npos);
  CHECK(text.find(R"(["Infinity","-Infinity","NaN","-NaN","NaN:0x7ff8000000000001",)"
                  R"("NaN:0x7ff4000000000000",-0.0,5e-324])") != std::string::npos);

  TempDir dir("serialize_nan");
  const std::string path = (dir.path / "diverged.json").string();
  save_parameters(diverged, path);
  Linear loaded(2, 4, gen);
  load_parameters(loaded, path);
  std::vector<uint64_t> loaded_bits;
  for (double x : loaded.parameters()[0].to_vector()) {
    loaded_bits.push_back(std::bit_cast<uint64_t>(x));
  }
  CHECK(loaded_bits == bits);
}

TEST_CASE("a number the file cannot mean is a clear error", "[serialize]") {
  Generator gen(8);
  Linear lin(1, 2, gen);
  const auto before = values_of(lin);
  auto file_with = [](const std::string& value) {
    return R"({"format": "tapegrad-parameters", "version": 1, "parameters": [
        {"name": "linear.weight", "shape": [2, 1], "values": [1, )" +
           value + R"(]},
        {"name": "linear.bias", "shape": [2], "values": [0, 0]}]})";
  };
  CHECK_THROWS_WITH(parameters_from_json(lin, file_with("null")),
                    Catch::Contains("'linear.weight': value 1 is null"));
  CHECK_THROWS_WITH(parameters_from_json(lin, file_with(R"("nan")")),
                    Catch::Contains(R"(value 1 is "nan", not a number)"));
  CHECK_THROWS_AS(parameters_from_json(lin, file_with(R"("NaN:0x7ff0000000000000")")),
                  ValueError);  // those bits are +inf, not a NaN
  CHECK(values_of(lin) == before);
}

TEST_CASE("every bad file is an ag::Error naming the file and the field", "[serialize]") {
  Generator gen(8);
  Linear lin(1, 2, gen);
  const auto before = values_of(lin);
  // A number too large for a double: nlohmann's out_of_range, before.
  const std::string huge = R"({"format": "tapegrad-parameters", "version": 1, "parameters": [
      {"name": "linear.weight", "shape": [2, 1], "values": [1, 1e999]}]})";
  CHECK_THROWS_AS(parameters_from_json(lin, huge), ValueError);
  CHECK_THROWS_WITH(parameters_from_json(lin, huge),
                    Catch::Contains("the JSON text") && Catch::Contains("'values'") &&
                        Catch::Contains("'linear.weight'") && Catch::Contains("1e999"));
  // A format that is not a string: nlohmann's type_error, before.
  CHECK_THROWS_AS(parameters_from_json(lin, R"({"format": 5, "parameters": []})"), ValueError);
  // A size that is not a whole number: loaded as 3, before.
  const std::string fractional = R"({"format": "tapegrad-parameters", "parameters": [
      {"name": "linear.weight", "shape": [2.9, 1], "values": [1, 2]},
      {"name": "linear.bias", "shape": [2], "values": [0, 0]}]})";
  CHECK_THROWS_AS(parameters_from_json(lin, fractional), ShapeError);
  CHECK_THROWS_WITH(parameters_from_json(lin, fractional),
                    Catch::Contains("'linear.weight'") && Catch::Contains("2.9"));
  CHECK_THROWS_AS(parameters_from_json(lin, R"({"format": "tapegrad-parameters", "parameters": [
      {"name": "linear.bias", "shape": [-2], "values": []}]})"),
                  ShapeError);
  CHECK(values_of(lin) == before);
}

TEST_CASE("loading a device or a directory is refused: never read forever", "[serialize]") {
  Generator gen(8);
  Linear lin(1, 2, gen);
  // /dev/zero never ends: before, it was read until memory ran out.
  CHECK_THROWS_AS(load_parameters(lin, "/dev/zero"), IOError);
  CHECK_THROWS_WITH(load_parameters(lin, "/dev/zero"),
                    Catch::Contains("'/dev/zero'") && Catch::Contains("not a regular file"));
  TempDir dir("serialize_dir");
  CHECK_THROWS_AS(load_parameters(lin, dir.path.string()), IOError);
}

// ----- checkpoints -------------------------------------------------------------------------------
namespace {
// A small model, its optimizer and the generator that draws its data: a training run in flight.
// Its BatchNorm1d keeps running statistics (buffers, not parameters) and its Dropout draws each
// step's mask from the same generator as the data, so resuming exactly needs both saved.
template <class Opt>
struct Run {
  Generator gen;
  Sequential model;
  Opt opt;
  template <class Options>
  Run(uint64_t seed, Options options)
      : gen(seed),
        model("mlp", {std::make_shared<Linear>(3, 5, gen), std::make_shared<BatchNorm1d>(5),
                      std::make_shared<Tanh>(), std::make_shared<Dropout>(0.3, gen),
                      std::make_shared<Linear>(5, 2, gen)}),
        opt(model.parameters(), options) {}

  // Each step draws a fresh batch: 7 x 3 = 21 normals, an odd number, so a Box-Muller spare is
  // left waiting in the generator between steps, and the checkpoint must keep it too.
  void train(int steps) {
    for (int step = 0; step < steps; ++step) {
      opt.zero_grad();
      Tape tape;
      Tensor x = normal({7, 3}, 0.0, 1.0, gen);
      Tensor y = uniform({7, 2}, -1.0, 1.0, gen);
      mse_loss(model(x), y).backward();
      opt.step();
    }
  }
};

// Train k steps, checkpoint, train k more; a fresh run (another seed, other options) that loads
// the checkpoint and trains k more must end with the same parameters, bit for bit.
template <class Opt, class Options>
void check_resumes_exactly(Options options, Options other_options) {
  TempDir dir("serialize_resume");
  const std::string path = (dir.path / "run.json").string();
  constexpr int k = 5;
  Run<Opt> unbroken(11, options);
  unbroken.train(k);
  save_checkpoint(path, unbroken.model, unbroken.opt, unbroken.gen);
  unbroken.train(k);

  Run<Opt> resumed(99, other_options);
  load_checkpoint(path, resumed.model, resumed.opt, resumed.gen);
  resumed.train(k);
  CHECK(values_of(resumed.model) == values_of(unbroken.model));
  const auto state_of = [](const Module& m) {  // the parameters and the running statistics
    std::vector<std::vector<double>> out;
    for (const NamedTensor& t : m.state_dict()) out.push_back(t.tensor.to_vector());
    return out;
  };
  CHECK(state_of(resumed.model) == state_of(unbroken.model));
  CHECK(resumed.gen.uniform() == unbroken.gen.uniform());  // and the draws to come

  // Each part of the checkpoint matters: with the parameters alone the run goes elsewhere.
  Run<Opt> parameters_only(99, options);
  load_parameters(parameters_only.model, path);
  parameters_only.gen.set_state(resumed.gen.state());  // (anything: it is not the saved one)
  parameters_only.train(k);
  CHECK(values_of(parameters_only.model) != values_of(unbroken.model));
}
}  // namespace

TEST_CASE("a checkpoint resumes SGD with momentum exactly", "[serialize][checkpoint]") {
  check_resumes_exactly<SGD>(SGDOptions{.lr = 0.1, .momentum = 0.9},
                             SGDOptions{.lr = 0.5, .momentum = 0.1});
  check_resumes_exactly<SGD>(
      SGDOptions{.lr = 0.05, .momentum = 0.8, .weight_decay = 1e-3, .nesterov = true},
      SGDOptions{});
}

TEST_CASE("a checkpoint resumes Adam exactly", "[serialize][checkpoint]") {
  check_resumes_exactly<Adam>(AdamOptions{.lr = 1e-2}, AdamOptions{.lr = 1.0, .beta1 = 0.5});
}

TEST_CASE("a checkpoint is readable JSON with a version", "[serialize][checkpoint]") {
  Run<Adam> run(3, AdamOptions{});
  run.train(1);
  const std::string text = checkpoint_to_json(run.model, run.opt, run.gen);
  const auto doc = nlohmann::json::parse(text);
  CHECK(doc.at("format") == "tapegrad-checkpoint");
  CHECK(doc.at("version") == 1);
  CHECK(doc.at("parameters")[0].at("name") == "mlp.0.weight");
  CHECK(doc.at("optimizer").at("type") == "Adam");
  CHECK(doc.at("optimizer").at("options").at("lr") == 1e-3);
  const auto& first = doc.at("optimizer").at("state")[0];
  CHECK(first.at("name") == "mlp.0.weight");
  CHECK(first.at("step") == 1);
  CHECK(first.at("exp_avg").size() == 15);
  CHECK(doc.at("generator").at("has_spare") == true);

  // Another version, or no version, is refused with the reason; nothing changes.
  Run<Adam> other(4, AdamOptions{});
  const auto before = values_of(other.model);
  auto with_version = [&](const std::string& version) {
    std::string changed = text;
    changed.replace(changed.find(R"("version": 1)"), 12, version);
    return changed;
  };
  CHECK_THROWS_WITH(
      checkpoint_from_json(other.model, other.opt, other.gen, with_version(R"("version": 2)")),
      "load_checkpoint: the JSON text is a tapegrad-checkpoint file of version 2; this tapegrad "
      "reads version 1");
  CHECK_THROWS_WITH(checkpoint_from_json(other.model, other.opt, other.gen,
                                         with_version(R"("other": 1)")),
                    Catch::Contains("of version (none given)"));
  CHECK(values_of(other.model) == before);
}

TEST_CASE("a checkpoint that does not fit changes nothing", "[serialize][checkpoint]") {
  Run<Adam> adam(5, AdamOptions{});
  adam.train(2);
  const std::string text = checkpoint_to_json(adam.model, adam.opt, adam.gen);

  // An Adam checkpoint into an SGD run: the parameters would fit, the optimizer does not.
  Run<SGD> sgd(6, SGDOptions{.lr = 0.1, .momentum = 0.9});
  sgd.train(1);
  const auto params = values_of(sgd.model);
  const auto draw = Generator(sgd.gen).uniform();
  CHECK_THROWS_WITH(checkpoint_from_json(sgd.model, sgd.opt, sgd.gen, text),
                    "load_checkpoint: the JSON text: SGD::load_state: the state is for an "
                    "optimizer of type 'Adam', not 'SGD'");
  CHECK(values_of(sgd.model) == params);
  CHECK(sgd.opt.options.lr == 0.1);
  CHECK(sgd.gen.uniform() == draw);

  // A generator state of the wrong length.
  auto doc = nlohmann::json::parse(text);
  doc["generator"]["engine"].erase(0);
  Run<Adam> other(7, AdamOptions{.lr = 0.5});
  CHECK_THROWS_WITH(checkpoint_from_json(other.model, other.opt, other.gen, doc.dump()),
                    Catch::Contains("Generator::set_state"));
  CHECK(other.opt.options.lr == 0.5);
}

// Found by fuzz/load_parameters_fuzz.cpp: a generator word of 9.79e19 (past 2^64) was converted
// to uint64_t by nlohmann's get<>(), which is undefined behaviour (UBSan: "outside the range of
// representable values"); a step of 1.5 was silently read as 1.
TEST_CASE("a step or a generator word that is not a whole number in range is refused",
          "[serialize][checkpoint]") {
  Run<Adam> saved(5, AdamOptions{});
  saved.train(1);
  const auto doc = nlohmann::json::parse(checkpoint_to_json(saved.model, saved.opt, saved.gen));
  Run<Adam> other(6, AdamOptions{.lr = 0.5});
  const auto params = values_of(other.model);
  const auto draw = Generator(other.gen).uniform();
  auto load_with = [&](const char* part, const nlohmann::json& value) {
    auto changed = doc;
    if (part == std::string("engine")) {
      changed["generator"]["engine"][0] = value;
    } else {
      changed["optimizer"]["state"][0]["step"] = value;
    }
    checkpoint_from_json(other.model, other.opt, other.gen, changed.dump());
  };
  CHECK_THROWS_WITH(load_with("engine", 9.79351e19),
                    Catch::Contains("generator engine word 0 is 9.79351e+19") &&
                        Catch::Contains("a whole number from 0 to 18446744073709551615"));
  CHECK_THROWS_AS(load_with("engine", -1), ValueError);
  CHECK_THROWS_AS(load_with("engine", 1.5), ValueError);
  CHECK_THROWS_AS(load_with("engine", "7"), ValueError);
  CHECK_THROWS_WITH(load_with("step", 1e300),
                    Catch::Contains("the step of 'mlp.0.weight' is 1e+300"));
  CHECK_THROWS_AS(load_with("step", 1.5), ValueError);
  CHECK_THROWS_AS(load_with("step", uint64_t{1} << 63), ValueError);  // past int64
  auto not_a_list = doc;
  not_a_list["generator"]["engine"] = 7;
  CHECK_THROWS_WITH(checkpoint_from_json(other.model, other.opt, other.gen, not_a_list.dump()),
                    Catch::Contains("the generator's \"engine\" is 7, not a list"));
  CHECK(values_of(other.model) == params);
  CHECK(other.opt.options.lr == 0.5);
  CHECK(other.gen.uniform() == draw);
  // The words as saved still load (the largest among them included).
  checkpoint_from_json(other.model, other.opt, other.gen, doc.dump());
  CHECK(values_of(other.model) == values_of(saved.model));
}

TEST_CASE("a model with tied parameters saves and loads", "[serialize]") {
  Generator a(1), b(2);
  auto make = [](Generator& gen) {
    auto lin = std::make_shared<Linear>(2, 2, gen);
    return std::make_shared<Sequential>("tied", std::initializer_list<std::shared_ptr<UnaryModule>>{
                                                    lin, std::make_shared<ReLU>(), lin});
  };
  auto saved = make(a), loaded = make(b);
  REQUIRE(values_of(*saved) != values_of(*loaded));
  const auto doc = nlohmann::json::parse(parameters_to_json(*saved));
  CHECK(doc.at("parameters").size() == 2);  // each tied tensor once
  parameters_from_json(*loaded, parameters_to_json(*saved));
  CHECK(values_of(*saved) == values_of(*loaded));
  // Both places use the one tensor, so both see the loaded numbers.
  CHECK((*loaded)[0].parameters()[0].same((*loaded)[2].parameters()[0]));
}

// Found by an audit of what a save keeps: the options went through nlohmann's dump(), which
// writes a non-finite double as null, so a checkpoint of a run with lr = inf saved, and loading
// it failed with "type must be number, but is null".
TEST_CASE("non-finite optimizer options are saved bit for bit, and refused on load",
          "[serialize][checkpoint]") {
  Run<SGD> saved(5, SGDOptions{.lr = 0.1});
  saved.train(1);
  // (Set here, not given to the constructor, which checks the options it is given.)
  saved.opt.options.lr = std::numeric_limits<double>::infinity();
  saved.opt.options.dampening = -std::numeric_limits<double>::quiet_NaN();
  TempDir dir("serialize_options");
  const std::string path = (dir.path / "run.json").string();
  save_checkpoint(path, saved.model, saved.opt, saved.gen);
  const std::string text = bytes_of(path);
  CHECK(text.find(R"("lr":"Infinity")") != std::string::npos);
  CHECK(text.find(R"("dampening":"-NaN")") != std::string::npos);

  Run<SGD> loaded(6, SGDOptions{.lr = 0.5, .dampening = 0.5});
  // The file says what the optimizer held, NaN and its sign included; loading refuses what the
  // constructor and step() refuse, by name, and changes nothing: the infinite lr (it makes the
  // first step inf or NaN; optim.hpp), then, with lr finite, the NaN dampening (it must be in
  // [0, 1]).
  const auto before = values_of(loaded.model);
  const auto refused = [&](const std::string& why) {
    CHECK_THROWS_WITH(load_checkpoint(path, loaded.model, loaded.opt, loaded.gen),
                      Catch::Contains(why));
    CHECK(loaded.opt.options.lr == 0.5);
    CHECK(values_of(loaded.model) == before);
    save_checkpoint(path, saved.model, saved.opt, saved.gen);  // the next case's file
  };
  saved.opt.options.lr = 0.25;
  refused("invalid lr = inf (must be a finite number >= 0)");
  saved.opt.options.dampening = 0.0;
  refused("invalid dampening = -nan");
  // With both valid, the file loads, bit for bit.
  load_checkpoint(path, loaded.model, loaded.opt, loaded.gen);
  CHECK(loaded.opt.options.lr == 0.25);
  CHECK(loaded.opt.options.dampening == 0.0);
  CHECK(values_of(loaded.model) == values_of(saved.model));

  // A checkpoint an older tapegrad saved this way holds null: the error says what was lost.
  auto doc = nlohmann::json::parse(text);
  doc["optimizer"]["options"]["lr"] = nullptr;
  CHECK_THROWS_WITH(checkpoint_from_json(loaded.model, loaded.opt, loaded.gen, doc.dump()),
                    Catch::Contains("optimizer option 'lr' is null") &&
                        Catch::Contains("the number is lost"));
  doc["optimizer"]["options"] = {{"lr", "fast"}};
  CHECK_THROWS_WITH(checkpoint_from_json(loaded.model, loaded.opt, loaded.gen, doc.dump()),
                    Catch::Contains(R"(optimizer option 'lr' is "fast", not a number)"));
  doc["optimizer"]["options"] = 0.1;
  CHECK_THROWS_WITH(checkpoint_from_json(loaded.model, loaded.opt, loaded.gen, doc.dump()),
                    Catch::Contains(R"(the optimizer's "options" is 0.1, not an object)"));
}

// Found by the same audit: the errors quoted a bad value whole with nlohmann's dump(), which
// recurses: a file whose "values" held 100000 nested '[' crashed the program (SIGSEGV, the stack
// overflowed), and a thousand put 2 KB of brackets into the message.
TEST_CASE("a deeply nested value in a file is a short error, not a crash", "[serialize]") {
  constexpr size_t depth = 100000;
  const std::string deep = std::string(depth, '[') + std::string(depth, ']');
  const auto short_message = [](const std::exception& e) {
    return std::string(e.what()).size() < 400;
  };

  Generator gen(8);
  Linear lin(1, 1, gen);
  const std::string parameters =
      R"({"format": "tapegrad-parameters", "version": 1, "parameters": [
          {"name": "linear.weight", "shape": [1, 1], "values": [)" +
      deep + R"(]}, {"name": "linear.bias", "shape": [1], "values": [0]}]})";
  try {
    parameters_from_json(lin, parameters);
    FAIL("the file loaded");
  } catch (const ValueError& e) {
    CHECK(short_message(e));
    CHECK_THAT(e.what(), Catch::Contains("'linear.weight': value 0 is a list of 1 value, not a "
                                         "number"));
  }

  // Every other place a loaded value is named in an error: the value replaced by the deep one.
  Run<Adam> saved(5, AdamOptions{});
  saved.train(1);
  const auto doc = nlohmann::json::parse(checkpoint_to_json(saved.model, saved.opt, saved.gen));
  Run<Adam> other(6, AdamOptions{.lr = 0.5});
  const auto params = values_of(other.model);
  const std::vector<nlohmann::json::json_pointer> places = {
      "/version"_json_pointer,
      "/parameters/0/shape"_json_pointer,
      "/parameters/0/shape/0"_json_pointer,
      "/optimizer/options/lr"_json_pointer,
      "/optimizer/state/0/step"_json_pointer,
      "/optimizer/state/0/exp_avg/0"_json_pointer,
      "/generator/engine"_json_pointer,
      "/generator/engine/0"_json_pointer,
      "/generator/spare"_json_pointer};
  for (const auto& place : places) {
    INFO(place.to_string());
    auto changed = doc;
    changed[place] = "deep here";
    std::string text = changed.dump();
    text.replace(text.find(R"("deep here")"), 11, deep);
    try {
      checkpoint_from_json(other.model, other.opt, other.gen, text);
      FAIL("the checkpoint loaded");
    } catch (const ag::Error& e) {
      CHECK(short_message(e));
      CHECK_THAT(e.what(), Catch::Contains("a list of 1 value"));
    }
  }
  CHECK(values_of(other.model) == params);
  CHECK(other.opt.options.lr == 0.5);
}

// ----- PyTorch's state_dict (tests/reference/state_dict.json: models exported by
// tools/export_state_dict.py, with torch's outputs; fixtures_state_dict.py) ---------------------
namespace {
const nlohmann::json& torch_models() {
  static const nlohmann::json data = [] {
    std::ifstream in(TAPEGRAD_SOURCE_DIR "/tests/reference/state_dict.json");
    if (!in) throw std::runtime_error("cannot open tests/reference/state_dict.json");
    return nlohmann::json::parse(in);
  }();
  return data;
}

void load_case(Module& m, const std::string& name) {
  pytorch_state_dict_from_json(m, torch_models().at(name).at("state_dict").dump());
}
}  // namespace

TEST_CASE("pytorch_name maps tapegrad's state_dict names to PyTorch's", "[serialize][pytorch]") {
  Generator gen(1);
  LSTM lstm(2, 3, gen, {.num_layers = 2});
  std::vector<std::string> names;
  for (const NamedTensor& p : lstm.state_dict()) names.push_back(pytorch_name(lstm, p.name));
  CHECK(names == std::vector<std::string>{"weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
                                          "bias_hh_l0", "weight_ih_l1", "weight_hh_l1",
                                          "bias_ih_l1", "bias_hh_l1"});
  LSTMCell cell(2, 3, gen);
  CHECK(pytorch_name(cell, "lstm_cell.W_hh") == "weight_hh");
  CHECK(pytorch_name(cell, "lstm_cell.b_ih") == "bias_ih");
  Sequential mlp("mlp", {std::make_shared<Linear>(2, 3, gen), std::make_shared<ReLU>(),
                         std::make_shared<Linear>(3, 1, gen)});
  CHECK(pytorch_name(mlp, "mlp.2.bias") == "2.bias");
  BatchNorm1d bn(3);
  CHECK(pytorch_name(bn, "batch_norm.running_var") == "running_var");
  // A GRU inside a Sequential: its prefix stays, its weights are renamed.
  CHECK(pytorch_name(mlp, "mlp.0.layer1.b_hh") == "0.bias_hh_l1");
}

TEST_CASE("a Linear and an MLP loaded from PyTorch compute what torch computed",
          "[serialize][pytorch]") {
  Generator gen(2);  // other initial numbers than torch's: only the loaded ones can match
  Linear linear(3, 2, gen);
  load_case(linear, "linear");
  const nlohmann::json& l = torch_models().at("linear");
  fixtures::check_values("linear", linear(fixtures::tensor(l.at("input"))), l.at("output"), 1e-14);

  Sequential mlp("mlp", {std::make_shared<Linear>(2, 5, gen), std::make_shared<Tanh>(),
                         std::make_shared<Linear>(5, 1, gen)});
  load_case(mlp, "mlp");
  const nlohmann::json& m = torch_models().at("mlp");
  fixtures::check_values("mlp", mlp(fixtures::tensor(m.at("input"))), m.at("output"), 1e-14);
}

TEST_CASE("an LSTM and an LSTMCell loaded from PyTorch compute what torch computed",
          "[serialize][pytorch]") {
  Generator gen(3);
  const nlohmann::json& c = torch_models().at("lstm");
  {
    LSTM lstm(2, 3, gen, {.num_layers = 2});
    load_case(lstm, "lstm");
    const LSTM::Output out = lstm(fixtures::tensor(c.at("input")));
    fixtures::check_values("output", out.output, c.at("output"), 1e-14);
    fixtures::check_values("h_n", out.state.h, c.at("h"), 1e-14);
    fixtures::check_values("c_n", out.state.c, c.at("c"), 1e-14);
  }
  {  // The same model from the file the script writes (state_dict_lstm.json).
    LSTM lstm(2, 3, gen, {.num_layers = 2});
    load_pytorch_state_dict(lstm, TAPEGRAD_SOURCE_DIR "/tests/reference/state_dict_lstm.json");
    fixtures::check_values("from the file", lstm(fixtures::tensor(c.at("input"))).output,
                           c.at("output"), 1e-14);
  }
  LSTMCell cell(2, 3, gen);
  load_case(cell, "lstm_cell");
  const nlohmann::json& k = torch_models().at("lstm_cell");
  const LSTMState s = cell(fixtures::tensor(k.at("input")));
  fixtures::check_values("h", s.h, k.at("h"), 1e-14);
  fixtures::check_values("c", s.c, k.at("c"), 1e-14);
}

TEST_CASE("a PyTorch state_dict that does not fit names both names and changes nothing",
          "[serialize][pytorch]") {
  Generator gen(4);
  LSTM one_layer(2, 3, gen);  // the file has two layers
  LSTM wider(2, 4, gen, {.num_layers = 2});
  const auto before = values_of(wider);
  const std::string text = torch_models().at("lstm").at("state_dict").dump();
  CHECK_THROWS_AS(pytorch_state_dict_from_json(one_layer, text), ValueError);
  CHECK_THROWS_WITH(pytorch_state_dict_from_json(one_layer, text),
                    Catch::Contains("'weight_ih_l1', which is no entry"));
  CHECK_THROWS_AS(pytorch_state_dict_from_json(wider, text), ShapeError);
  CHECK_THROWS_WITH(pytorch_state_dict_from_json(wider, text),
                    Catch::Contains("'lstm.layer0.W_ih' has shape [16, 2] in the module but "
                                    "[12, 2]"));
  CHECK(values_of(wider) == before);
  Linear linear(3, 2, gen);
  CHECK_THROWS_WITH(pytorch_state_dict_from_json(linear, text),
                    Catch::Contains("the module has 'linear.weight' (shape [2, 3]), 'weight' in "
                                    "PyTorch's state_dict"));
  // A tapegrad parameter file is not a PyTorch one.
  CHECK_THROWS_WITH(pytorch_state_dict_from_json(linear, parameters_to_json(linear)),
                    Catch::Contains("is not a pytorch-state-dict file"));
}
