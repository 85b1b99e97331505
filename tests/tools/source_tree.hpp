// source_tree.hpp — what the docs tests share: the source tree's root and reading a file whole.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace source_tree {

namespace fs = std::filesystem;
inline const fs::path kRoot = TAPEGRAD_SOURCE_DIR;

inline std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace source_tree
