// tests for viz/src/render.cpp: formats, files, errors, and that gvc really renders.
#include <catch2/catch.hpp>

#include <viz/viz.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "dot_helpers.hpp"
#include "example_graphs.hpp"

using namespace ag;
namespace ex = ag::viz::examples;
namespace fs = std::filesystem;

namespace {
std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path scratch_dir() {
  const fs::path dir = fs::temp_directory_path() / "tapegrad_viz_tests";
  fs::create_directories(dir);
  return dir;
}
}  // namespace

TEST_CASE("the file extension picks the format", "[viz][render]") {
  CHECK(viz::format_from_path("a.svg") == viz::Format::svg);
  CHECK(viz::format_from_path("dir.v2/a.PNG") == viz::Format::png);
  CHECK(viz::format_from_path("a.pdf") == viz::Format::pdf);
  CHECK(viz::format_from_path("a.dot") == viz::Format::dot);
  CHECK(viz::format_from_path("a.gv") == viz::Format::dot);
  CHECK_THROWS_AS(viz::format_from_path("graph.jpeg"), viz::VizError);
  CHECK_THROWS_WITH(viz::format_from_path("graph.jpeg"),
                    Catch::Contains("'.jpeg'") && Catch::Contains("graph.jpeg"));
  CHECK_THROWS_WITH(viz::format_from_path("dir.v2/graph"), Catch::Contains("no extension"));
}

TEST_CASE("render writes SVG, PNG, PDF and DOT files", "[viz][render]") {
  Tape tape;
  Tensor o = ex::micrograd_neuron();
  tape.backward(o, {.record_edge_grads = true});
  const fs::path dir = scratch_dir();
  viz::render(tape, (dir / "g.svg").string());
  viz::render(tape, (dir / "g.png").string());
  viz::render(tape, (dir / "g.pdf").string());
  viz::render(tape, (dir / "g.dot").string());
  CHECK(read_file(dir / "g.svg").find("<svg") != std::string::npos);
  CHECK(read_file(dir / "g.png").substr(1, 3) == "PNG");
  CHECK(read_file(dir / "g.pdf").substr(0, 5) == "%PDF-");
  const std::string dot = read_file(dir / "g.dot");
  CHECK(dot == viz::to_dot(tape));
  viz_test::Parsed p(dot);
  CHECK(p.nodes() == static_cast<int>(tape.size()) + 1);
  // In memory, the same bytes for the deterministic formats.
  CHECK(viz::render_data(tape, viz::Format::svg) == read_file(dir / "g.svg"));
}

TEST_CASE("an unknown format is an error before anything is written", "[viz][render]") {
  Tape tape;
  ex::micrograd_neuron();
  const fs::path path = scratch_dir() / "g.bmp";
  fs::remove(path);
  CHECK_THROWS_WITH(viz::render(tape, path.string()), Catch::Contains("unknown format '.bmp'"));
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("an unwritable path is an error naming the path", "[viz][render]") {
  Tape tape;
  ex::micrograd_neuron();
  CHECK_THROWS_AS(viz::render(tape, "/nonexistent-dir/g.svg"), viz::VizError);
  CHECK_THROWS_WITH(viz::render(tape, "/nonexistent-dir/g.svg"),
                    Catch::Contains("cannot write '/nonexistent-dir/g.svg'"));
  // A directory is not a file either.
  CHECK_THROWS_AS(viz::render(tape, scratch_dir().string() + "/.svg/"), viz::VizError);
  std::vector<viz::FlowEntry> flow;
  CHECK_THROWS_AS(viz::render_flow(flow, "/nonexistent-dir/flow.svg"), viz::VizError);
}

TEST_CASE("the SVG shows what the DOT says: labels and legend survive layout", "[viz][render]") {
  Tape tape;
  Tensor loss = ex::mlp(3, 3, ex::Activation::relu);
  tape.backward(loss, {.record_edge_grads = true});
  const std::string svg = viz::render_data(tape, viz::Format::svg, {.title = "relu mlp"});
  CHECK(svg.find("relu mlp") != std::string::npos);
  CHECK(svg.find("mlp.layer2.W") != std::string::npos);
  CHECK(svg.find("vanished") != std::string::npos);
  CHECK(svg.find("<title>cluster_mlp/layer1</title>") != std::string::npos);
}
