// tests that docs/derivatives.md and autograd/include/autograd/ops.hpp (with conv.hpp) list the
// same ops.
//
// Both files are read as text. ops.hpp's declarations are parsed by ops_header.hpp, which also
// lists what is left out on purpose: argmax, matmul_reference, matmul_blas, the creation
// functions, and the operators (each a one-line call of a named op). From derivatives.md every
// table row `| op(args) | input | derivative |` is read: the op name is the identifier before
// '(' in the first cell, the input the second cell (`tensors[i]` counts as `tensors`).
//
// The test fails when
//   - an op declared in ops.hpp has no row, or one of its differentiable tensor inputs has none;
//   - a row names an op that ops.hpp does not declare, or an input that op does not have.
#include <catch2/catch.hpp>

#include <map>
#include <regex>
#include <set>
#include <string>

#include <autograd/op_info.hpp>

#include "ops_header.hpp"

namespace {

struct DocRow {
  std::string op, input;
  int line;
};

std::vector<DocRow> doc_rows() {
  const std::string text = ops_header::read_text(TAPEGRAD_SOURCE_DIR "/docs/derivatives.md");
  // | `name(...)` | input | ...   (the header row and the |---| separator do not match: their
  // first cell has no '(')
  static const std::regex row(
      R"(^\|\s*`?([A-Za-z_]\w*)\(.*?\)`?\s*\|\s*`?([A-Za-z_]\w*)(?:\[i\])?`?\s*\|)");
  std::vector<DocRow> rows;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::smatch m;
    if (std::regex_search(line, m, row)) rows.push_back({m[1], m[2], number});
  }
  return rows;
}

}  // namespace

TEST_CASE("ops.hpp parses into the ops we know are there", "[docs]") {
  // A guard for the parser itself: if it found nothing, the tests below would pass vacuously.
  const auto ops = ops_header::differentiable_ops();
  CHECK(ops.size() >= 30);
  REQUIRE(ops.count("add") == 1);
  CHECK(ops.at("add") == std::set<std::string>{"self", "other"});
  REQUIRE(ops.count("pow") == 1);
  CHECK(ops.at("pow") == std::set<std::string>{"self", "exponent"});
  REQUIRE(ops.count("concat") == 1);
  CHECK(ops.at("concat") == std::set<std::string>{"tensors"});
  REQUIRE(ops.count("gather") == 1);
  CHECK(ops.at("gather") == std::set<std::string>{"self"});
  CHECK(ops.count("argmax") == 0);
  CHECK(ops.count("zeros") == 0);
  CHECK(doc_rows().size() >= 40);
}

TEST_CASE("every op in ops.hpp has a line in docs/derivatives.md per input", "[docs]") {
  std::map<std::string, std::set<std::string>> documented;
  for (const DocRow& r : doc_rows()) documented[r.op].insert(r.input);
  for (const auto& [op, params] : ops_header::differentiable_ops()) {
    INFO("op declared in ops.hpp: " << op);
    CHECK(documented.count(op) == 1);
    if (documented.count(op) == 0) continue;
    for (const std::string& p : params) {
      INFO("input: " << p);
      CHECK(documented.at(op).count(p) == 1);
    }
  }
}

TEST_CASE("every line of docs/derivatives.md names an existing op and input", "[docs]") {
  const auto ops = ops_header::differentiable_ops();
  for (const DocRow& r : doc_rows()) {
    INFO("docs/derivatives.md line " << r.line << ": " << r.op << " / " << r.input);
    CHECK(ops.count(r.op) == 1);
    if (ops.count(r.op) == 1) CHECK(ops.at(r.op).count(r.input) == 1);
  }
}

// The rule as text is written once, in each op's entry of the op index (op_info.hpp, defined
// beside the op): ops.hpp's comments must repeat every clause of it word for word (spacing
// aside), so that the header a learner reads and the tooltip a picture shows cannot drift apart.
TEST_CASE("ops.hpp's comments state each op's rule as its op index entry does", "[docs]") {
  auto squeeze = [](const std::string& text) {
    return std::regex_replace(text, std::regex(R"(\s+)"), " ");
  };
  const std::string header = squeeze(ops_header::op_headers_text());  // ops.hpp and conv.hpp
  int checked = 0;
  for (const ag::OpInfo* info : ag::op_infos()) {
    const std::string op = info->name;
    if (op == "leaf" || op == "const") continue;  // inputs, not ops
    const std::string formula = info->formula;
    // Clauses are separated by a comma and two spaces: "d self = grad,  d other = grad".
    size_t start = 0;
    while (start < formula.size()) {
      size_t end = formula.find(",  ", start);
      if (end == std::string::npos) end = formula.size();
      const std::string clause = squeeze(formula.substr(start, end - start));
      INFO("op " << op << ": \"" << clause << "\" is not in ops.hpp or conv.hpp");
      CHECK(header.find(clause) != std::string::npos);
      ++checked;
      start = end + 3;
    }
  }
  CHECK(checked >= 40);
}
