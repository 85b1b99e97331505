// extract_snippets — turns every C++ code block of README.md and of the Markdown pages under
// docs/ into a small CMake project that builds against the installed tapegrad. Run by
// snippets.cmake (CTest docs.snippets_compile), which builds that project and runs its programs.
//
//   extract_snippets SOURCE_DIR OUT_DIR
//
// The rule, for a block fenced with ```cpp or ```c++ (any other fence is not C++ and is skipped):
//
//   program    a block containing `int main(` is a whole program: it is compiled as it is, in a
//              translation unit of its own, linked, and run (it must exit with 0).
//   fragment   any other block is a fragment: its `#include` and `using namespace` lines go to
//              the top of its own translation unit and everything else becomes the body of a
//              function that is compiled and linked, never called. A fragment without an
//              #include of its own continues its page: it gets the #include and
//              `using namespace` lines of the blocks above it on the same page. Variables a
//              fragment uses must be declared in it (a learner copies the block, not the page).
//
// An HTML comment on the last non-blank line before the fence changes that:
//
//   <!-- snippet: continues -->          the block goes on from the nearest whole program above
//                                        it on the same page: it is put inside that program's
//                                        main (before its last `}`), where its variables live,
//                                        and is built and run with it.
//   <!-- snippet: excerpt of PATH -->    a quotation of the repository's own, uninstalled source
//                                        (autograd/src/...): it cannot be compiled against the
//                                        package, so it is checked against PATH instead: every
//                                        identifier in it must occur in that file (ignoring
//                                        case), so a renamed variable or a moved file shows up.
//
// Each generated file has #line directives, so a compiler error names the page and its line
// (docs/nn.md:52), not the generated file. OUT_DIR receives CMakeLists.txt, one .cpp per unit,
// and programs.txt (the programs to run, one name a line).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Line {
  int number;  // 1-based, in the Markdown file
  std::string text;
};

struct Unit {
  std::string page;  // relative to SOURCE_DIR: "docs/nn.md"
  int first_line;    // of the block's first line of code
  bool program;
  std::vector<Line> lines;
};

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r");
  const size_t b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

bool is_file_scope_line(const std::string& text) {
  return starts_with(text, "#include") || starts_with(text, "using namespace");
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Lines with #line directives wherever the numbering jumps: errors point into the page.
std::string with_line_directives(const std::vector<Line>& lines, const std::string& page) {
  std::string out;
  int expected = -1;
  for (const Line& l : lines) {
    if (l.number != expected) out += "#line " + std::to_string(l.number) + " \"" + page + "\"\n";
    out += l.text + "\n";
    expected = l.number + 1;
  }
  return out;
}

// Every identifier of an excerpt must occur in the file it quotes.
std::vector<std::string> missing_identifiers(const std::vector<Line>& lines, const fs::path& file) {
  const std::string source = lower(read(file));
  const std::regex identifier("[A-Za-z_][A-Za-z0-9_]*");
  std::set<std::string> missing;
  for (const Line& l : lines) {
    for (std::sregex_iterator it(l.text.begin(), l.text.end(), identifier), end; it != end; ++it) {
      if (source.find(lower(it->str())) == std::string::npos) missing.insert(it->str());
    }
  }
  return {missing.begin(), missing.end()};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: extract_snippets SOURCE_DIR OUT_DIR\n";
    return 2;
  }
  const fs::path source_dir = argv[1], out_dir = argv[2];
  std::vector<fs::path> pages = {source_dir / "README.md"};
  for (const auto& entry : fs::recursive_directory_iterator(source_dir / "docs")) {
    if (entry.is_regular_file() && entry.path().extension() == ".md") pages.push_back(entry.path());
  }
  std::sort(pages.begin() + 1, pages.end());

  std::vector<Unit> units;
  std::vector<std::string> problems;
  int blocks = 0, continued = 0, excerpts = 0;
  const std::regex marker_re(R"(^<!--\s*snippet:\s*(.*?)\s*-->$)");
  for (const fs::path& path : pages) {
    const std::string page = fs::relative(path, source_dir).generic_string();
    std::ifstream in(path);
    std::string text, marker, last_nonblank;
    std::vector<Line> block;
    std::vector<Line> page_file_scope;  // #include / using lines of the page's blocks so far
    bool in_fence = false, in_cpp = false;
    int fence_line = 0, program_above = -1;  // (the unit of the page's last program)
    for (int number = 1; std::getline(in, text); ++number) {
      if (!in_fence && starts_with(text, "```")) {
        const std::string lang = trim(text.substr(3));
        in_fence = true;
        in_cpp = lang == "cpp" || lang == "c++";
        fence_line = number;
        std::smatch m;
        const std::string previous = trim(last_nonblank);
        marker = std::regex_match(previous, m, marker_re) ? m[1].str() : "";
        block.clear();
        continue;
      }
      if (in_fence && starts_with(text, "```")) {
        in_fence = false;
        if (!in_cpp) continue;
        ++blocks;
        const std::string where = page + ":" + std::to_string(fence_line);
        const bool has_main = std::any_of(block.begin(), block.end(), [](const Line& l) {
          return l.text.find("int main(") != std::string::npos;
        });
        if (starts_with(marker, "excerpt of ")) {
          ++excerpts;
          const fs::path quoted = source_dir / marker.substr(11);
          if (!fs::is_regular_file(quoted)) {
            problems.push_back(where + ": the excerpt's file " + marker.substr(11) + " is gone");
          } else {
            for (const std::string& id : missing_identifiers(block, quoted)) {
              problems.push_back(where + ": '" + id + "' is not in " + marker.substr(11) +
                                 " any more: the excerpt is stale");
            }
          }
          continue;
        }
        if (marker == "continues") {
          ++continued;
          if (program_above < 0) {
            problems.push_back(where + ": 'continues', but no program above it on the page");
            continue;
          }
          Unit& program = units[program_above];
          auto close = std::find_if(program.lines.rbegin(), program.lines.rend(),
                                    [](const Line& l) { return trim(l.text) == "}"; });
          if (close == program.lines.rend()) {
            problems.push_back(where +
                               ": 'continues' a program whose main does not end with a "
                               "line '}'");
            continue;
          }
          program.lines.insert(std::prev(close.base()), block.begin(), block.end());
          continue;
        }
        if (!marker.empty()) {
          problems.push_back(where + ": unknown marker '<!-- snippet: " + marker +
                             " -->' (known: continues, excerpt of PATH)");
          continue;
        }
        Unit unit{page, fence_line + 1, has_main, {}};
        if (has_main) {
          unit.lines = block;
        } else {
          std::vector<Line> file_scope, body;
          for (const Line& l : block) (is_file_scope_line(l.text) ? file_scope : body).push_back(l);
          const bool own_includes = std::any_of(file_scope.begin(), file_scope.end(),
                                                [](const Line& l) {
                                                  return starts_with(l.text, "#include");
                                                });
          if (!own_includes)
            file_scope.insert(file_scope.begin(), page_file_scope.begin(), page_file_scope.end());
          unit.lines = file_scope;
          unit.lines.push_back({-1, "void snippet_" + std::to_string(units.size()) + "() {"});
          unit.lines.insert(unit.lines.end(), body.begin(), body.end());
          unit.lines.push_back({-1, "}"});
        }
        for (const Line& l : block) {
          if (is_file_scope_line(l.text)) page_file_scope.push_back(l);
        }
        if (has_main) program_above = static_cast<int>(units.size());
        units.push_back(std::move(unit));
        continue;
      }
      if (in_fence && in_cpp) block.push_back({number, text});
      if (!trim(text).empty()) last_nonblank = text;
    }
  }
  if (blocks == 0) problems.push_back("no ```cpp block found at all: is SOURCE_DIR right?");
  for (const std::string& p : problems) std::cerr << p << "\n";
  if (!problems.empty()) return 1;

  // The project: every fragment in one executable (linked, so a missing library shows too),
  // each program its own.
  fs::create_directories(out_dir);
  std::string cmake =
      "# Generated by tests/docs/extract_snippets.cpp from README.md and docs/**/*.md.\n"
      "cmake_minimum_required(VERSION 3.25)\n"
      "project(tapegrad_snippets LANGUAGES CXX)\n"
      "find_package(tapegrad REQUIRED)\n";
  std::string fragments = "add_executable(fragments fragments_main.cpp";
  std::string programs_cmake, programs_txt;
  std::ofstream(out_dir / "fragments_main.cpp") << "int main() { return 0; }  // calls none\n";
  for (size_t k = 0; k < units.size(); ++k) {
    const Unit& u = units[k];
    const std::string name = (u.program ? "program_" : "fragment_") + std::to_string(k);
    // The wrapper's own lines (number -1) carry on from the line before them.
    std::vector<Line> lines = u.lines;
    int previous = u.first_line;
    for (Line& l : lines) l.number = l.number < 0 ? previous : (previous = l.number);
    std::ofstream(out_dir / (name + ".cpp")) << "// " << u.page << ":" << u.first_line
                                             << (u.program ? " (a program)\n" : " (a fragment)\n")
                                             << with_line_directives(lines, u.page);
    if (u.program) {
      programs_cmake += "add_executable(" + name + " " + name +
                        ".cpp)\n"
                        "target_link_libraries(" +
                        name + " PRIVATE tapegrad::autograd tapegrad::nn tapegrad::viz)\n";
      programs_txt += name + " " + u.page + ":" + std::to_string(u.first_line) + "\n";
    } else {
      fragments += " " + name + ".cpp";
    }
  }
  cmake += fragments +
           ")\n"
           "target_link_libraries(fragments PRIVATE "
           "tapegrad::autograd tapegrad::nn tapegrad::viz)\n" +
           programs_cmake;
  std::ofstream(out_dir / "CMakeLists.txt") << cmake;
  std::ofstream(out_dir / "programs.txt") << programs_txt;
  std::cout << blocks << " C++ blocks in " << pages.size() << " pages: " << units.size()
            << " translation units ("
            << std::count_if(units.begin(), units.end(), [](const Unit& u) { return u.program; })
            << " programs), " << continued << " continuing a program above, " << excerpts
            << " excerpts of the sources checked\n";
  return 0;
}
