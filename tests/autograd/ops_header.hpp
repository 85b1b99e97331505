// ops_header.hpp — the list of differentiable ops, read from autograd/include/autograd/ops.hpp
// and conv.hpp.
//
// Several tests must cover "every op": the gradcheck table, the PyTorch fixtures and the
// derivative table in docs/derivatives.md. Rather than keep a fourth hand-written list that could
// drift, they read the op declarations from the public header itself, as text. A new op added to
// ops.hpp then fails each of those tests until it is covered.
//
// What counts as an op: every free function declared at the start of a line of ops.hpp,
//     Tensor add(const Tensor& self, const Tensor& other);
// except the ones listed in `not_differentiable_ops()` below. Operators (`inline Tensor
// operator+(...)`) do not match the pattern at all: each is a one-line call of a named op.
#pragma once

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace ops_header {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string ops_hpp_path() {
  return std::string(TAPEGRAD_SOURCE_DIR) + "/autograd/include/autograd/ops.hpp";
}

// The headers that declare ops: ops.hpp, and conv.hpp (convolution and pooling, issue 16), read
// as one text.
inline std::string op_headers_text() {
  return read_text(ops_hpp_path()) +
         read_text(std::string(TAPEGRAD_SOURCE_DIR) + "/autograd/include/autograd/conv.hpp");
}

// Declared in ops.hpp but not differentiable ops, so not in the gradcheck table, the fixtures or
// the derivative table:
//   argmax                       returns plain indices (a std::vector), no gradient
//   matmul_reference/_blas       raw-pointer kernels behind matmul (tested in matmul_test.cpp)
//   zeros ... arange             creation functions: they make leaves, they have no inputs
inline const std::set<std::string>& not_differentiable_ops() {
  static const std::set<std::string> names = {
      "argmax",     "matmul_reference", "matmul_blas", "zeros",  "ones",  "full",
      "zeros_like", "ones_like",        "scalar",      "tensor", "arange"};
  return names;
}

// Tensor parameters that carry no gradient (indices stored as numbers).
inline bool is_differentiable_param(const std::string& op, const std::string& param) {
  return !(op == "gather" && param == "index");
}

// op name -> the names of its differentiable Tensor parameters, over all its overloads
// (pow: self and exponent; concat: tensors).
inline std::map<std::string, std::set<std::string>> differentiable_ops() {
  const std::string text = op_headers_text();
  // A declaration starts a line: return type, name, '(' ... up to the first ')'.
  static const std::regex decl(R"(^(?:inline\s+)?[A-Za-z_][\w:<>]*\s+([A-Za-z_]\w*)\(([^)]*)\))",
                               std::regex::multiline);
  static const std::regex tensor_param(
      R"((?:const\s+)?(?:Tensor|std::vector<Tensor>)\s*&\s*(\w+))");
  std::map<std::string, std::set<std::string>> ops;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), decl); it != std::sregex_iterator();
       ++it) {
    const std::string name = (*it)[1];
    if (not_differentiable_ops().count(name) != 0) continue;
    const std::string params = (*it)[2];
    auto& set = ops[name];
    for (auto p = std::sregex_iterator(params.begin(), params.end(), tensor_param);
         p != std::sregex_iterator(); ++p) {
      if (is_differentiable_param(name, (*p)[1])) set.insert((*p)[1]);
    }
  }
  return ops;
}

}  // namespace ops_header
