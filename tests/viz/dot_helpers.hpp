// dot_helpers.hpp — what the viz tests use to read a picture back: parse the DOT with cgraph's
// agmemread and count nodes, edges and clusters; compare with golden files.
#pragma once

#include <catch2/catch.hpp>
#include <graphviz/cgraph.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace viz_test {

// A DOT text parsed back by cgraph (the same library that wrote it).
class Parsed {
 public:
  explicit Parsed(const std::string& dot) : g_(agmemread(dot.c_str())) { REQUIRE(g_ != nullptr); }
  ~Parsed() { agclose(g_); }
  Parsed(const Parsed&) = delete;
  Parsed& operator=(const Parsed&) = delete;

  int nodes() const { return agnnodes(g_); }
  int edges() const { return agnedges(g_); }
  Agnode_t* node(const std::string& name) const {
    return agnode(g_, const_cast<char*>(name.c_str()), 0);
  }
  bool has_node(const std::string& name) const { return node(name) != nullptr; }
  // An attribute of a node ("" if unset or no such node).
  std::string attr(const std::string& name, const char* key) const {
    Agnode_t* n = node(name);
    if (n == nullptr) return "";
    char* v = agget(n, const_cast<char*>(key));
    return v == nullptr ? "" : v;
  }
  // Names of all subgraphs starting with "cluster", at any depth (an explicit stack, no recursion).
  std::vector<std::string> clusters() const {
    std::vector<std::string> names;
    std::vector<Agraph_t*> todo{g_};
    while (!todo.empty()) {
      Agraph_t* s = todo.back();
      todo.pop_back();
      for (Agraph_t* sub = agfstsubg(s); sub != nullptr; sub = agnxtsubg(sub)) {
        const std::string name = agnameof(sub);
        if (name.rfind("cluster", 0) == 0) names.push_back(name);
        todo.push_back(sub);
      }
    }
    return names;
  }
  Agraph_t* graph() const { return g_; }

 private:
  Agraph_t* g_;
};

inline std::string golden_path(const std::string& name) {
  return std::string(TAPEGRAD_SOURCE_DIR) + "/tests/viz/golden/" + name;
}

// Compares `actual` with the golden file byte for byte; with TAPEGRAD_UPDATE_GOLDEN=1 in the
// environment, rewrites the golden file instead (then review the diff).
inline void check_golden(const std::string& name, const std::string& actual) {
  const std::string path = golden_path(name);
  const char* update = std::getenv("TAPEGRAD_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    WARN("rewrote golden file " << path);
    return;
  }
  std::ifstream in(path, std::ios::binary);
  INFO("golden file " << path << " (regenerate with TAPEGRAD_UPDATE_GOLDEN=1)");
  REQUIRE(in.good());
  std::stringstream expected;
  expected << in.rdbuf();
  if (expected.str() != actual) {
    // Leave what we got in the directory the tests run in, for `diff`.
    std::ofstream(name + ".actual", std::ios::binary) << actual;
    FAIL_CHECK("differs from " << path << "; what was rendered is in " << name << ".actual");
  }
}

}  // namespace viz_test
