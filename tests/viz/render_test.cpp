// tests for viz/src/render.cpp: formats, files, errors, and that gvc really renders.
#include <catch2/catch.hpp>

#include <viz/viz.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../file_size_limit.hpp"
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
                    Catch::Contains("'/nonexistent-dir/g.svg'") &&
                        Catch::Contains("No such file or directory"));
  // A directory is not a file either.
  CHECK_THROWS_AS(viz::render(tape, scratch_dir().string() + "/.svg/"), viz::VizError);
  std::vector<viz::FlowEntry> flow;
  CHECK_THROWS_AS(viz::render_flow(flow, "/nonexistent-dir/flow.svg"), viz::VizError);
}

TEST_CASE("a full disk is a VizError, never the end of the program", "[viz][render]") {
  // Graphviz, handed an open file, calls exit(1) when a write fails; render() must throw.
  Tape tape;
  Tensor o = ex::micrograd_neuron();
  tape.backward(o);
  // /dev/full (every write fails with ENOSPC) under a name with a picture's extension.
  const fs::path link = scratch_dir() / "full.svg";
  fs::remove(link);
  fs::create_symlink("/dev/full", link);
  CHECK_THROWS_WITH(viz::render(tape, link.string()), Catch::Contains("No space left"));
  const fs::path dot_link = scratch_dir() / "full.dot";
  fs::remove(dot_link);
  fs::create_symlink("/dev/full", dot_link);
  CHECK_THROWS_AS(viz::render(tape, dot_link.string()), viz::VizError);  // DOT too
  fs::remove(link);
  fs::remove(dot_link);
}

TEST_CASE("a write that fails halfway leaves the old picture as it was", "[viz][render]") {
  Tape tape;
  Tensor o = ex::micrograd_neuron();
  tape.backward(o);
  const fs::path path = scratch_dir() / "kept.svg";
  viz::render(tape, path.string(), {.title = "the old picture"});
  const std::string old = read_file(path);
  {
    const FileSizeLimit limit(old.size() / 2);  // the disk "fills up" halfway through
    CHECK_THROWS_AS(viz::render(tape, path.string(), {.title = "a new picture, longer"}),
                    viz::VizError);
  }
  CHECK(read_file(path) == old);
  for (const auto& entry : fs::directory_iterator(scratch_dir())) {
    CHECK(entry.path().filename().string().find("kept.svg.") == std::string::npos);  // no temp
  }
}

TEST_CASE("the SVG shows what the DOT says: labels and legend survive layout", "[viz][render]") {
  Tape tape;
  Tensor loss = ex::mlp(3, 3, ex::Activation::relu);
  tape.backward(loss, {.record_edge_grads = true});
  const std::string svg = viz::render_data(tape, viz::Format::svg, {.title = "relu mlp"});
  CHECK(svg.find("relu mlp") != std::string::npos);
  CHECK(svg.find("mlp.layer2.W") != std::string::npos);
  // The legend's scale, in words and as the id of its SVG group (what docs_img_test looks for).
  CHECK(svg.find("scale 1e&#45;8 to 1e2 (the default") != std::string::npos);  // '-' escaped
  CHECK(svg.find(R"(<g id="legend_scale_default" class="node">)") != std::string::npos);
  const std::string wide = viz::render_data(tape, viz::Format::svg,
                                            {.log10_min = -14.0, .log10_max = 0.0});
  CHECK(wide.find(R"(<g id="legend_scale_custom" class="node">)") != std::string::npos);
  CHECK(svg.find("<title>cluster_mlp/layer1</title>") != std::string::npos);
}

TEST_CASE("options out of range are errors naming the field and its value", "[viz][render]") {
  Tape tape;
  Tensor o = ex::micrograd_neuron();
  tape.backward(o);
  auto fails = [&](const viz::Options& options, const std::string& text) {
    INFO("expecting: " << text);
    CHECK_THROWS_AS(viz::to_dot(tape, options), viz::VizError);
    CHECK_THROWS_WITH(viz::to_dot(tape, options), Catch::Contains(text));
    CHECK_THROWS_WITH(viz::flow_bars({}, options), Catch::Contains(text));
  };
  // -INFINITY used to hang the legend loop; -1e7 wrote a 770 MB DOT (one legend cell per decade).
  fails({.log10_min = -INFINITY}, "Options::log10_min = -inf must be finite");
  fails({.log10_min = std::nan("")}, "Options::log10_min = nan");
  fails({.log10_max = INFINITY}, "Options::log10_max = inf");
  fails({.log10_min = -1e7}, "Options::log10_min = -10000000 is more than 30 decades");
  fails({.log10_min = 3.0}, "Options::log10_min = 3 must be below log10_max = 2");
  fails({.log10_min = 2.0}, "must be below log10_max");
  fails({.saturation_threshold = 0.0}, "Options::saturation_threshold = 0 must be in (0, 1)");
  fails({.saturation_threshold = 1.0}, "saturation_threshold = 1");
  fails({.fold_depth = 0}, "Options::fold_depth = 0 must be at least 1");
  fails({.rankdir = "up"}, "Options::rankdir = \"up\"");
  fails({.columns = -1}, "Options::columns = -1 must be at least 0");
  std::vector<viz::FlowEntry> flow;
  CHECK_THROWS_WITH(viz::render_flow_data(flow, viz::Format::dot, {.fold_depth = -2}),
                    Catch::Contains("fold_depth = -2"));
  // The widest allowed scale still works.
  CHECK_NOTHROW(viz::to_dot(tape, {.log10_min = -28.0, .log10_max = 2.0}));
}

TEST_CASE("the full view refuses more than kMaxLayoutNodes boxes and names the folded view",
          "[viz][render]") {
  // An MLP wide in tape nodes but shallow: the node count, not the depth, trips the guard.
  Tape tape;
  std::vector<Tensor> keep;
  Tensor total = scalar(0.0, true);
  for (size_t k = 0; total.node_index() < viz::kMaxLayoutNodes; ++k) {
    ScopeGuard scope(fmt::format("block{}", k % 8));
    keep.push_back(scalar(0.5, true));
    total = total + keep.back() * keep.back();
  }
  tape.backward(total);
  const size_t drawn = tape.size() + 1;  // and the legend
  REQUIRE(drawn > viz::kMaxLayoutNodes);
  CHECK_THROWS_AS(viz::render_data(tape, viz::Format::svg), viz::VizError);
  CHECK_THROWS_WITH(viz::render_data(tape, viz::Format::svg),
                    Catch::Contains(fmt::format("{} boxes", drawn)) &&
                        Catch::Contains("{.view = ag::viz::View::folded}"));
  // Refused before anything is written.
  const fs::path path = scratch_dir() / "too_big.svg";
  fs::remove(path);
  CHECK_THROWS_AS(viz::render(tape, path.string()), viz::VizError);
  CHECK_FALSE(fs::exists(path));
  // DOT is not laid out: no limit.
  CHECK_NOTHROW(viz::to_dot(tape));
  // Folded, the same tape is eight boxes (and the lone nodes outside every scope).
  CHECK(viz::render_data(tape, viz::Format::svg, {.view = viz::View::folded}).find("<svg") !=
        std::string::npos);
}

TEST_CASE("a chain deeper than kMaxLayoutDepth is refused before Graphviz's layout recurses",
          "[viz][render]") {
  // y = tanh(y * 1.0001): two nodes per step, each step one rank deeper. At 100,000 steps this
  // used to overflow the stack inside libgvc. Here just past the limit: fewer boxes than
  // kMaxLayoutNodes, so the depth alone trips the guard.
  Tape tape;
  Tensor y = scalar(0.5, true);
  const size_t steps = viz::kMaxLayoutDepth / 2 + 1;
  for (size_t t = 0; t < steps; ++t) {
    ScopeGuard scope(fmt::format("chain/t={}", t));
    y = tanh(y * 1.0001);
  }
  tape.backward(y);
  REQUIRE(tape.size() < viz::kMaxLayoutNodes);
  CHECK_THROWS_WITH(viz::render_data(tape, viz::Format::svg, {.legend = false}),
                    Catch::Contains("kMaxLayoutDepth") &&
                        Catch::Contains("{.view = ag::viz::View::folded}"));
  // Folded one box per step, or to one box, it draws.
  CHECK_NOTHROW(viz::render_data(tape, viz::Format::svg, {.view = viz::View::folded}));
  CHECK_NOTHROW(
      viz::render_data(tape, viz::Format::svg, {.view = viz::View::folded, .fold_depth = 1}));
}

TEST_CASE("a folded view deeper than kMaxLayoutDepth names a smaller fold_depth", "[viz][render]") {
  Tape tape;
  Tensor y = scalar(0.5, true);
  for (size_t t = 0; t <= viz::kMaxLayoutDepth; ++t) {
    ScopeGuard scope(fmt::format("chain/t={}", t));
    y = tanh(y * 1.0001);
  }
  tape.backward(y);
  // One box per step in one unwrapped row: a chain of kMaxLayoutDepth + 1 boxes.
  CHECK_THROWS_WITH(viz::render_data(tape, viz::Format::svg,
                                     {.view = viz::View::folded, .columns = 0}),
                    Catch::Contains("kMaxLayoutDepth") && Catch::Contains("smaller fold_depth"));
  CHECK_NOTHROW(
      viz::render_data(tape, viz::Format::svg, {.view = viz::View::folded, .fold_depth = 1}));
}

TEST_CASE("a strip above a limit names what makes it smaller: a span, or rows of even length",
          "[viz][render]") {
  // A strip has one box per entry however it is wrapped: once, the message advised "more per row
  // with a larger Options::columns", which changes nothing about the count.
  std::vector<viz::FlowEntry> flow(viz::kMaxLayoutNodes + 500);
  for (size_t k = 0; k < flow.size(); ++k) {
    flow[k] = {.scope = fmt::format("t={}", k), .norm = 0.5, .has_gradient = true};
  }
  for (int columns : {25, 3000}) {
    CHECK_THROWS_WITH(
        viz::render_flow_data(flow, viz::Format::svg, {.legend = false, .columns = columns}),
        Catch::Contains("kMaxLayoutNodes") && Catch::Contains("subspan") &&
            Catch::Contains("render_flow_data(flow, ag::viz::Format::dot, options)") &&
            !Catch::Contains("to_dot(tape") && !Catch::Contains("larger Options::columns"));
  }
  // And the span it names draws.
  CHECK_NOTHROW(viz::render_flow_data(std::span(flow).subspan(0, 2000), viz::Format::svg));
  // Too few boxes per row: under the box limit, but deeper than kMaxLayoutDepth. The message
  // names the columns, and columns near the square root of the count draw it.
  const std::span<const viz::FlowEntry> some = std::span(flow).subspan(0, 1500);
  CHECK_THROWS_WITH(viz::render_flow_data(some, viz::Format::svg, {.columns = 1}),
                    Catch::Contains("kMaxLayoutDepth") && Catch::Contains("Options::columns"));
  CHECK_NOTHROW(viz::render_flow_data(some, viz::Format::svg, {.legend = false, .columns = 39}));
}
