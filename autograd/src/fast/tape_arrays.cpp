// fast/tape_arrays.cpp — see fast/tape_arrays.hpp. SPEED CODE: skip on first reading.
#include "fast/tape_arrays.hpp"

namespace ag::detail::fast {

namespace {
thread_local std::vector<Node> g_spare_nodes;
thread_local std::vector<uint32_t> g_spare_inputs;
thread_local std::vector<uint32_t> g_spare_input_versions;
thread_local std::vector<int64_t> g_spare_saved;
}  // namespace

void reuse_tape_arrays(std::vector<Node>& nodes, std::vector<uint32_t>& inputs,
                       std::vector<uint32_t>& input_versions, std::vector<int64_t>& saved) {
  nodes.swap(g_spare_nodes);
  inputs.swap(g_spare_inputs);
  input_versions.swap(g_spare_input_versions);
  saved.swap(g_spare_saved);
}

void recycle_tape_arrays(std::vector<Node>& nodes, std::vector<uint32_t>& inputs,
                         std::vector<uint32_t>& input_versions, std::vector<int64_t>& saved) {
  nodes.clear();  // frees every node's tensor that no handle outside still holds
  inputs.clear();
  input_versions.clear();
  saved.clear();
  constexpr size_t kKeepAtMost = size_t{1} << 20;  // nodes; a giant one-off tape is given back
  if (nodes.capacity() > g_spare_nodes.capacity() && nodes.capacity() <= kKeepAtMost) {
    nodes.swap(g_spare_nodes);
    inputs.swap(g_spare_inputs);
    input_versions.swap(g_spare_input_versions);
    saved.swap(g_spare_saved);
  }
}

}  // namespace ag::detail::fast
