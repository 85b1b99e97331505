// pages — fills a tutorial's docs page from its results.json, and checks a page against a fresh
// run. The rules are in pages.hpp; `./run pages` calls this for every tutorial.
//
//   pages fill  docs/tutorials/06_initialization.md  docs/tutorials/results/06_initialization.json
//   pages check docs/tutorials/06_initialization.md  docs/tutorials/results/06_initialization.json
//               out/pages/06_initialization/results.json
//   pages --version
#include <autograd/version.hpp>
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "pages.hpp"

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read {}", path));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

pages::Json read_json(const std::string& path) {
  try {
    return pages::Json::parse(read(path));
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("{}: {}", path, e.what()));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "--version") {
    fmt::print("{}\n", ag::version_line("pages"));
    return 0;
  }
  if (!((command == "fill" && argc == 4) || (command == "check" && argc == 5))) {
    fmt::print(stderr,
               "usage: pages fill PAGE.md RESULTS.json\n"
               "       pages check PAGE.md COMMITTED.json FRESH.json\n");
    return 2;
  }
  try {
    const std::string page_path = argv[2];
    const std::string page = read(page_path);
    const pages::Json committed = read_json(argv[3]);
    const std::string filled = pages::fill(page, committed);
    if (command == "fill") {
      if (filled != page) {
        std::ofstream(page_path, std::ios::binary) << filled;
        fmt::print("pages: filled {}\n", page_path);
      }
      return 0;
    }
    std::vector<std::string> problems;
    if (filled != page) {
      problems.push_back(
          fmt::format("the page is not what {} fills it with (edited by hand, or "
                      "not refilled after the results changed)",
                      argv[3]));
    }
    for (const std::string& p : pages::compare(committed, read_json(argv[4]))) {
      problems.push_back("a fresh run differs: " + p);
    }
    for (const std::string& p : problems) fmt::print("pages: {}: {}\n", page_path, p);
    if (!problems.empty()) {
      fmt::print(
          "pages: {}: {} problem(s); if the change is intended, run `./run pages` and "
          "read the diff\n",
          page_path, problems.size());
      return 1;
    }
    fmt::print("pages: {}: agrees with a fresh run\n", page_path);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "pages: {}\n", e.what());
    return 1;
  }
}
