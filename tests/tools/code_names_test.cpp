// Tests that the code a page names is code the tree has, so that a rename cannot leave a learner's
// reading path pointing at nothing:
//   - docs/reading-order.md: each numbered entry links files and names what to look for in them
//     (`Tape::reverse_loop`, `find_or_add_node`, `Saved` / `save`). Every backticked name that
//     looks like C++ (an identifier, `A::b`, `b()`) appears in at least one file the entry links;
//   - the pages that promise an API (docs/concepts/*.md, nn.md, graphs.md, custom-ops.md,
//     coming-from-pytorch.md): every qualified name of ours in their inline code (`ag::Tape`,
//     `nn::LSTM`, `Options::log10_min`) is declared in a public header (autograd/include,
//     nn/include, viz/include).
// What it leaves out: a name's meaning. It checks that the word is there, not what the page says
// about it; and a plain word on an API page (`backward()`) may be PyTorch's or math, so only
// qualified names are checked there.
#include <catch2/catch.hpp>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "source_tree.hpp"

namespace {

namespace fs = std::filesystem;
using source_tree::kRoot;
using source_tree::read;

// One numbered entry of a Markdown list ("7. text" and the indented lines that carry it on).
struct ListItem {
  int line;  // the entry's first line, counted from 1
  std::string text;
};

std::vector<ListItem> numbered_items(const std::string& page) {
  static const std::regex starts_item(R"(^\d+\. )");
  std::vector<ListItem> items;
  bool inside = false;  // (is the line before part of an entry?)
  std::istringstream in(page);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (std::regex_search(line, starts_item)) {
      items.push_back({number, line});
      inside = true;
    } else if (inside && line.starts_with("   ")) {
      items.back().text += "\n" + line;
    } else {
      inside = false;
    }
  }
  return items;
}

// Every match of the regex's first group in `text`.
std::vector<std::string> all_groups(const std::string& text, const std::regex& re) {
  std::vector<std::string> found;
  for (auto m = std::sregex_iterator(text.begin(), text.end(), re); m != std::sregex_iterator();
       ++m) {
    found.push_back((*m)[1].str());
  }
  return found;
}

// The link targets of a Markdown text ("[tape.hpp](../autograd/include/autograd/tape.hpp)"),
// without an anchor.
std::vector<std::string> link_targets(const std::string& text) {
  static const std::regex link(R"(\]\(([^)#\s]+)[^)]*\))");
  return all_groups(text, link);
}

// The contents of the inline code spans of a Markdown text, fenced blocks left out.
std::vector<std::string> code_spans(const std::string& text) {
  static const std::regex fence(R"(```[\s\S]*?```)");
  static const std::regex span("`([^`]+)`");
  return all_groups(std::regex_replace(text, fence, ""), span);
}

// The code spans that are a C++ name and nothing else: `record`, `Tape::reverse_loop`,
// `std::normal_distribution`, `run_backward()` (returned without its "()").
std::vector<std::string> cpp_names(const std::string& text) {
  static const std::regex name(R"(^((?:[A-Za-z_]\w*::)*[A-Za-z_]\w*)(?:\(\))?$)");
  std::vector<std::string> names;
  std::smatch m;
  for (const std::string& span : code_spans(text)) {
    if (std::regex_match(span, m, name)) names.push_back(m[1].str());
  }
  return names;
}

std::vector<std::string> split_qualified(const std::string& name) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at; (at = name.find("::", start)) != std::string::npos; start = at + 2) {
    parts.push_back(name.substr(start, at - start));
  }
  parts.push_back(name.substr(start));
  return parts;
}

// Is `word` in `source` with no letter, digit or '_' on either side?
bool has_word(const std::string& source, const std::string& word) {
  auto is_word_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  };
  for (size_t at = source.find(word); at != std::string::npos; at = source.find(word, at + 1)) {
    const size_t end = at + word.size();
    if ((at == 0 || !is_word_char(source[at - 1])) &&
        (end == source.size() || !is_word_char(source[end]))) {
      return true;
    }
  }
  return false;
}

// Does `source` declare `scope` as a class, struct, enum or namespace (`namespace ag::nn`)?
bool declares(const std::string& source, const std::string& scope) {
  return std::regex_search(source, std::regex("(class|struct|enum|namespace)\\s+(\\w+::)*" + scope +
                                              "\\b"));
}

// Does `source` have `name`? As a whole word, written out as it is (`record`, a definition
// `Tape::record(`, a use `std::normal_distribution`); or, for a qualified name `A::B::c`, as the
// word `c` in a file that declares `A` and `B` (a member declared inside its class, a function
// inside `namespace ag::nn`).
bool names_in(const std::string& name, const std::string& source) {
  if (has_word(source, name)) return true;
  const std::vector<std::string> parts = split_qualified(name);
  if (parts.size() == 1 || !has_word(source, parts.back())) return false;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!declares(source, parts[i])) return false;
  }
  return true;
}

// The public headers, each as its text.
std::vector<std::string> public_headers() {
  std::vector<std::string> headers;
  for (const char* dir : {"autograd/include", "nn/include", "viz/include"}) {
    for (const auto& e : fs::recursive_directory_iterator(kRoot / dir)) {
      if (e.is_regular_file() && e.path().extension() == ".hpp") {
        headers.push_back(read(e.path()));
      }
    }
  }
  return headers;
}

}  // namespace

TEST_CASE("the code-name rule finds a name where the code has it, and only there") {
  const std::string tape_hpp = "namespace ag {\nclass Tape {\n  void reverse_loop(Node& n);\n};\n}";
  CHECK(names_in("reverse_loop", tape_hpp));
  CHECK(names_in("Tape::reverse_loop", tape_hpp));
  CHECK(names_in("ag::Tape", tape_hpp));
  CHECK(names_in("Tape::record", "void Tape::record(Node n) {}"));
  CHECK(names_in("std::normal_distribution", "// not std::normal_distribution: its numbers"));
  // A word inside a longer one is not the name; a member needs its class.
  CHECK_FALSE(names_in("reverse", tape_hpp));
  CHECK_FALSE(names_in("Tape::record", "void Module::record();"));
  CHECK_FALSE(names_in("Tape::reverse_loop", "void reverse_loop();"));
  CHECK_FALSE(names_in("Tape::record", "void MyTape::record_all() {}"));

  const std::string item =
      "2. [`tape.hpp`](../a/tape.hpp#top) — the `Tape`, `record()`,\n"
      "   `x @ W^T + b`, `lstm.layer0.W_ih`, `fast/gemm.cpp`, `Node::op`.\n"
      "Not the entry.\n   `Later`";
  const std::vector<ListItem> items = numbered_items("# Title\n\n" + item);
  REQUIRE(items.size() == 1);
  CHECK(items[0].line == 3);
  CHECK(link_targets(items[0].text) == std::vector<std::string>{"../a/tape.hpp"});
  CHECK(cpp_names(items[0].text) == std::vector<std::string>{"Tape", "record", "Node::op"});
  CHECK(cpp_names("```\n`fenced`\n``` and `seen`") == std::vector<std::string>{"seen"});
}

TEST_CASE("every name an entry of the reading order gives is in a file it links") {
  const fs::path page = kRoot / "docs" / "reading-order.md";
  const std::vector<ListItem> items = numbered_items(read(page));
  // (The page numbers its entries through the engine, the layers and the pictures: if this finds
  // few, the page changed shape and the rule below would be checking nothing.)
  REQUIRE(items.size() >= 20);
  int checked = 0;
  for (const ListItem& item : items) {
    std::vector<std::string> sources;
    for (const std::string& target : link_targets(item.text)) {
      sources.push_back(read(page.parent_path() / target));
    }
    for (const std::string& name : cpp_names(item.text)) {
      bool found = false;
      for (const std::string& source : sources) found = found || names_in(name, source);
      INFO("docs/reading-order.md:" << item.line << " names `" << name
                                    << "`, which none of the files it links has: "
                                    << "rename it on the page, or link the file that has it");
      CHECK(found);
      ++checked;
    }
  }
  CHECK(checked >= 40);
}

TEST_CASE("every qualified name of ours the API pages give is declared in a public header") {
  std::vector<std::string> pages = {"docs/nn.md", "docs/graphs.md", "docs/custom-ops.md",
                                    "docs/coming-from-pytorch.md"};
  for (const auto& e : fs::directory_iterator(kRoot / "docs" / "concepts")) {
    if (e.path().extension() == ".md") pages.push_back(fs::relative(e.path(), kRoot).string());
  }
  const std::vector<std::string> headers = public_headers();
  // (A name is ours if it starts in our namespaces or at a type of ours: not std::, torch::.)
  auto ours = [&](const std::string& head) {
    if (head == "ag" || head == "nn" || head == "viz") return true;
    for (const std::string& h : headers) {
      if (declares(h, head)) return true;
    }
    return false;
  };
  // A qualified name inside any code span (`ag::viz::render(tape, "mlp.svg")`), not after a dot.
  static const std::regex qualified(R"((?:^|[^\w:.])((?:\w+::)+\w+))");
  int checked = 0;
  for (const std::string& name : pages) {
    for (const std::string& span : code_spans(read(kRoot / name))) {
      for (const std::string& q : all_groups(span, qualified)) {
        if (!ours(split_qualified(q).front())) continue;
        bool found = false;
        for (const std::string& h : headers) found = found || names_in(q, h);
        INFO(name << " names `" << q << "`, which no header under autograd/include, nn/include "
                  << "or viz/include declares");
        CHECK(found);
        ++checked;
      }
    }
  }
  CHECK(checked >= 30);
}
