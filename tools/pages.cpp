// pages — fills a docs page from the committed results of the tutorials, and checks a page against
// a fresh run. The rules are in pages.hpp; `./run pages` calls this for every tutorial's page and
// for every other page that cites one.
//
//   pages fill  docs/tutorials/06_initialization.md  docs/tutorials/results
//   pages check docs/tutorials/06_initialization.md  docs/tutorials/results  build/pages
//   pages check docs/concepts/the-lstm.md            docs/tutorials/results
//   pages fill  docs/performance.md  docs/performance/results.json
//   pages compare docs/img/viz_fold_bench.json build/pages/viz_fold_bench/results.json
//   pages replicate build/pages/10_x/results.json build/pages/replication/10_x/results.json
//   pages citing .
//   pages timed docs/tutorials/results
//   pages duration docs/tutorials/results
//   pages --version
//
// RESULTS may also be one results file, the page's own (as for docs/performance.md); a marker
// that cites NN_name then reads NN_name.json beside it. FRESH may likewise be one file.
// RESULTS_DIR holds the committed results, one NN_name.json per tutorial; it may be a list of
// folders separated by ':' (docs/tutorials/results:docs/img, where viz_gallery.json sits beside
// the gallery's pictures), searched in order. A page's own results are <page's name>.json (a
// tutorial page); a marker that cites NN_name reads NN_name.json. FRESH_DIR holds a fresh run,
// FRESH_DIR/<page's name>/results.json: with it, check also compares the page's own results with
// the fresh ones.
// replicate adds to a run's results the counts and verdicts of its replication on other seeds
// (pages.hpp, "replication").
// compare checks a fresh run against committed results with no page of their own (a program that
// pages cite, such as viz_fold_bench): every difference check 2 would report, nothing about pages.
// citing lists, one a line and relative to the repository ROOT, the pages outside docs/tutorials/
// that cite a tutorial's (or the gallery's) results: the README and the pages of docs/ with a
// marker "NN_name/..." (pages.hpp, cites_results). `./run pages` fills them after the tutorial
// pages, and CTest checks them (tests/tools/pages_filled.cmake): one rule for both.
// timed lists, one a line and sorted, the tutorials (NN_name) whose results in RESULTS_DIR hold a
// timing claim (pages.hpp, has_timing_claim): `./run pages` runs those alone.
// duration prints about how many seconds `./run pages` takes, as the committed results' own times
// add up (pages.hpp, pages_seconds; on the machines that made them), for `./run` to say before a
// first run here.
#include <autograd/version.hpp>
#include <fmt/format.h>
#include <io/atomic_file.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "pages.hpp"

namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read {}", path.string()));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

pages::Json read_json(const fs::path& path) {
  try {
    return pages::Json::parse(read(path));
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("{}: {}", path.string(), e.what()));
  }
}

// The committed results a page's markers read: "" is the page's own tutorial, named after the
// page; any other name a cited tutorial. Each file is read once.
class Committed {
 public:
  // `dirs`: a ':' list of folders, or one results file (the page's own, whatever its name).
  Committed(const std::string& dirs, std::string own) : own_(std::move(own)) {
    if (fs::is_regular_file(dirs)) {
      own_file_ = dirs;
      dirs_.push_back(own_file_.parent_path());
      return;
    }
    std::istringstream list(dirs);
    for (std::string dir; std::getline(list, dir, ':');) dirs_.emplace_back(dir);
  }

  bool has_own() const { return fs::exists(path_of("")); }
  // The first folder's file that exists (the first folder's name when none does).
  fs::path path_of(const std::string& tutorial) const {
    if (tutorial.empty() && !own_file_.empty()) return own_file_;
    const std::string file = (tutorial.empty() ? own_ : tutorial) + ".json";
    for (const fs::path& dir : dirs_) {
      if (fs::exists(dir / file)) return dir / file;
    }
    return dirs_.front() / file;
  }

  const pages::Json& operator()(const std::string& tutorial) {
    const std::string name = tutorial.empty() ? own_ : tutorial;
    auto found = loaded_.find(name);
    if (found != loaded_.end()) return found->second;
    if (!fs::exists(path_of(tutorial))) {
      throw std::runtime_error(
          tutorial.empty()
              ? fmt::format("a marker without a tutorial's name, but there are no results for "
                            "this page ({}): cite one, e.g. 'value 09_gradients_through_time/NAME'",
                            path_of(tutorial).string())
              : fmt::format("a marker cites {}, which has no committed results ({})", tutorial,
                            path_of(tutorial).string()));
    }
    return loaded_.emplace(name, read_json(path_of(tutorial))).first->second;
  }

 private:
  std::vector<fs::path> dirs_;
  std::string own_;
  fs::path own_file_;  // the page's own results, when given as one file
  std::map<std::string, pages::Json> loaded_;
};

// The pages `pages citing ROOT` lists, sorted.
std::vector<std::string> citing_pages(const fs::path& root) {
  std::vector<fs::path> candidates = {root / "README.md"};
  for (const auto& entry : fs::recursive_directory_iterator(root / "docs")) {
    if (entry.is_regular_file() && entry.path().extension() == ".md") {
      candidates.push_back(entry.path());
    }
  }
  std::vector<std::string> out;
  for (const fs::path& page : candidates) {
    const std::string relative = page.lexically_relative(root).generic_string();
    if (relative.starts_with("docs/tutorials/")) continue;  // filled from their own results
    if (pages::cites_results(read(page))) out.push_back(relative);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "--version") {
    fmt::print("{}\n", ag::version_line("pages"));
    return 0;
  }
  if (command == "citing" && argc == 3) {
    try {
      for (const std::string& page : citing_pages(argv[2])) fmt::print("{}\n", page);
      return 0;
    } catch (const std::exception& e) {
      fmt::print(stderr, "pages: {}\n", e.what());
      return 1;
    }
  }
  if ((command == "timed" || command == "duration") && argc == 3) {
    try {
      std::vector<std::string> timed;
      double seconds = 0;
      for (const auto& entry : fs::directory_iterator(argv[2])) {
        const fs::path& file = entry.path();
        if (file.extension() != ".json") continue;
        const pages::Json results = read_json(file);
        if (pages::has_timing_claim(results)) timed.push_back(file.stem().string());
        if (command == "duration") seconds += pages::pages_seconds(results);
      }
      std::sort(timed.begin(), timed.end());
      if (command == "duration") fmt::print("{:.0f}\n", seconds);
      if (command == "timed") {
        for (const std::string& name : timed) fmt::print("{}\n", name);
      }
      return 0;
    } catch (const std::exception& e) {
      fmt::print(stderr, "pages: {}\n", e.what());
      return 1;
    }
  }
  if (!((command == "fill" && argc == 4) || (command == "check" && (argc == 4 || argc == 5)) ||
        ((command == "compare" || command == "replicate") && argc == 4))) {
    fmt::print(stderr,
               "usage: pages fill PAGE.md RESULTS_DIR[:DIR...] | RESULTS.json\n"
               "       pages check PAGE.md RESULTS_DIR[:DIR...] | RESULTS.json "
               "[FRESH_DIR | FRESH.json]\n"
               "       pages compare COMMITTED.json FRESH.json\n"
               "       pages replicate RESULTS.json REPLICATION.json\n"
               "       pages citing ROOT\n"
               "       pages timed RESULTS_DIR\n"
               "       pages duration RESULTS_DIR\n");
    return 2;
  }
  try {
    if (command == "replicate") {  // RESULTS.json gains the replication's counts, in place
      const pages::Json merged = pages::replicate(read_json(argv[2]), read_json(argv[3]));
      // (Indented as tutorial.hpp writes it. Atomic: a failed write leaves the run's results.)
      ag::write_file_atomically(argv[2], merged.dump(1) + "\n", "pages replicate");
      return 0;
    }
    if (command == "compare") {
      const std::vector<std::string> problems = pages::compare(read_json(argv[2]),
                                                               read_json(argv[3]));
      for (const std::string& p : problems) {
        fmt::print("pages: {}: a fresh run differs: {}\n", argv[2], p);
      }
      fmt::print("pages: {}: {}\n", argv[2],
                 problems.empty() ? "agrees with a fresh run"
                                  : fmt::format("{} problem(s); if the change is intended, run "
                                                "`./run pages` and read the diff",
                                                problems.size()));
      return problems.empty() ? 0 : 1;
    }
    const fs::path page_path = argv[2];
    const std::string page = read(page_path);
    Committed committed(argv[3], page_path.stem().string());
    std::string filled;
    try {
      filled = pages::fill(page, [&](const std::string& t) -> const pages::Json& {
        return committed(t);
      });
    } catch (const std::runtime_error& e) {  // a marker's error, said of its page
      throw std::runtime_error(fmt::format("{}: {}", page_path.string(), e.what()));
    }
    if (command == "fill") {
      if (filled != page) {
        ag::write_file_atomically(page_path.string(), filled, "pages fill");
        fmt::print("pages: filled {}\n", page_path.string());
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
    if (argc == 5 && committed.has_own()) {
      const fs::path fresh = fs::is_regular_file(argv[4])
                                 ? fs::path(argv[4])
                                 : fs::path(argv[4]) / page_path.stem() / "results.json";
      for (const std::string& p : pages::compare(committed(""), read_json(fresh))) {
        problems.push_back("a fresh run differs: " + p);
      }
    }
    for (const std::string& p : problems) fmt::print("pages: {}: {}\n", page_path.string(), p);
    if (!problems.empty()) {
      fmt::print(
          "pages: {}: {} problem(s); if the change is intended, run `./run pages` and "
          "read the diff\n",
          page_path.string(), problems.size());
      return 1;
    }
    fmt::print("pages: {}: {}\n", page_path.string(),
               argc == 5 && committed.has_own() ? "agrees with a fresh run"
                                                : "is what the committed results fill it with");
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "pages: {}\n", e.what());
    return 1;
  }
}
