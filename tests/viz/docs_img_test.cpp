// tests for the committed pictures: every SVG under docs/img is on the default colour scale, or
// is listed, with its reason, in the allowlist of docs/graphs.md, or is a chart (a line chart of
// a tutorial's curves, tutorials/common/chart.hpp) with its data beside it.
//
// The legend of a picture carries the Graphviz id "legend_scale_default" or
// "legend_scale_custom" (colormap.cpp), which survives into the SVG as <g id="...">. So the check
// reads files, not pixels. A picture without a legend, or on another scale, must be in the table
// under "## Pictures on another scale" in docs/graphs.md: one row per file, its path in
// backquotes relative to docs/ (`img/tutorials/05_relu_claims/stack.svg`), then the reason.
// A chart has no colour scale: it is told by its marker line (tut::kChartMarker), and it must
// have the CSV it was drawn from next to it (NAME.svg beside NAME.csv), the numbers a reader can
// take away.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "common/chart.hpp"

namespace fs = std::filesystem;

namespace {
const fs::path kDocs = fs::path(TAPEGRAD_SOURCE_DIR) / "docs";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The backquoted paths at the start of the table rows of the allowlist section.
std::set<std::string> allowlist() {
  std::istringstream in(read_text(kDocs / "graphs.md"));
  std::set<std::string> files;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## ", 0) == 0) inside = line.rfind("## Pictures on another scale", 0) == 0;
    if (!inside || line.rfind("| `", 0) != 0) continue;
    const size_t end = line.find('`', 3);
    if (end != std::string::npos) files.insert(line.substr(3, end - 3));
  }
  return files;
}
}  // namespace

TEST_CASE("every picture under docs/img is on the default scale, allowlisted, or a chart",
          "[viz][docs]") {
  const std::set<std::string> allowed = allowlist();
  std::vector<std::string> svgs;
  for (const auto& entry : fs::recursive_directory_iterator(kDocs / "img")) {
    if (entry.is_regular_file() && entry.path().extension() == ".svg") {
      svgs.push_back(fs::relative(entry.path(), kDocs).generic_string());
    }
  }
  std::sort(svgs.begin(), svgs.end());
  REQUIRE_FALSE(svgs.empty());
  for (const std::string& svg : svgs) {
    const std::string text = read_text(kDocs / svg);
    if (text.find(tut::kChartMarker) != std::string::npos) {
      INFO(svg << " is a chart: the CSV it was drawn from must be committed beside it");
      CHECK(fs::exists((kDocs / svg).replace_extension(".csv")));
      continue;
    }
    INFO(svg << ": regenerate it on the default scale, or list it with its reason under "
                "\"## Pictures on another scale\" in docs/graphs.md");
    const bool on_default = text.find(R"(<g id="legend_scale_default")") != std::string::npos;
    CHECK((on_default || allowed.count(svg) == 1));
  }
  // Every allowlisted picture exists: a stale row is an error too.
  for (const std::string& file : allowed) {
    INFO("allowlisted in docs/graphs.md but missing: " << file);
    CHECK(fs::exists(kDocs / file));
  }
}
