// tape_inspect.cpp — looking at a tape: the gradient along each edge, local derivatives, and
// the tape as a table. Nothing here is needed to compute a gradient; pictures and printouts use it.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <cmath>

#include "autograd/op_info.hpp"
#include "autograd/tape.hpp"

namespace ag {

// Recording edge gradients: the inputs' gradients are set aside before a node's rule runs, so
// the rule adds into empty buffers and what they hold afterwards is exactly what flowed along
// each edge. (Subtracting "before" from "after" instead would lose a small contribution added to
// a large sum, e.g. to a weight shared by 100 time steps.) Then the two are added back together.
// An input used twice by one node (a * a) is set aside once; both its edges get the sum.
namespace {
// The first j with inputs[j] == inputs[k]: k itself, unless input k repeats an earlier one.
size_t first_use(std::span<const uint32_t> inputs, size_t k) {
  size_t j = 0;
  while (inputs[j] != inputs[k]) ++j;
  return j;
}
}  // namespace

void Tape::set_aside_input_grads(const Node& n, std::vector<Buffer>& set_aside) const {
  const auto inputs = inputs_of(n);
  set_aside.clear();
  for (size_t k = 0; k < n.input_count; ++k) {
    Buffer* grad = grad_buffer(inputs[k]);
    if (grad == nullptr || first_use(inputs, k) < k) {
      set_aside.emplace_back();
    } else {
      set_aside.push_back(std::move(*grad));
      grad->clear();
    }
  }
}

void Tape::measure_and_restore_input_grads(const Node& n, std::vector<Buffer>& set_aside) {
  const auto inputs = inputs_of(n);
  for (size_t k = 0; k < n.input_count; ++k) {
    if (const size_t j = first_use(inputs, k); j < k) {
      edge_grad_norm_[n.first_input + k] = edge_grad_norm_[n.first_input + j];
      continue;
    }
    Buffer* flowed_into = grad_buffer(inputs[k]);
    if (flowed_into == nullptr) continue;  // takes no gradient
    Buffer& flowed = *flowed_into;         // this edge's contribution alone
    if (!flowed.empty()) {
      double sq = 0.0;
      for (double v : flowed.span()) sq += v * v;
      edge_grad_norm_[n.first_input + k] = std::sqrt(sq);
    }
    Buffer& earlier = set_aside[k];
    if (earlier.empty()) continue;
    if (flowed.empty()) {
      flowed = std::move(earlier);
    } else {
      flowed += earlier;
    }
  }
}

double Tape::edge_grad_norm(size_t i, size_t k) const {
  const Node& n = nodes_[check_node_index(i, "edge_grad_norm")];
  const size_t e = n.first_input + k;
  return k < n.input_count && e < edge_grad_norm_.size() ? edge_grad_norm_[e] : -1.0;
}

// Runs n's own rule with an output gradient of ones and its inputs' gradients set aside, reads
// what reached input k, and puts every gradient back as it was. With any_input, an input that
// takes no gradient is lent one for the moment (a relu of a constant still has a derivative to
// show): grad_buffer hands out probe_ for it. (A parameter's gradient here is this tape's row for
// it, never its .grad, so other threads' tapes may share the parameter while this runs.)
std::vector<double> Tape::rule_with_seed_of_ones(const Node& n, size_t k, bool any_input) const {
  const auto inputs = inputs_of(n);
  std::vector<Buffer> set_aside;
  set_aside_input_grads(n, set_aside);
  if (any_input && grad_buffer(inputs[k]) == nullptr) probe_.node = inputs[k];
  Buffer saved_out = std::move(n.out->grad);
  n.out->grad = Buffer(n.out->value.size(), 1.0);
  n.backward(*this, n);
  std::vector<double> result;
  if (const Buffer* g = grad_buffer(inputs[k]); g != nullptr) {
    result.assign(g->span().begin(), g->span().end());
  }
  probe_ = Probe{};
  for (size_t j = 0; j < n.input_count; ++j) {
    Buffer* grad = grad_buffer(inputs[j]);
    if (grad != nullptr && first_use(inputs, j) == j) *grad = std::move(set_aside[j]);
  }
  n.out->grad = std::move(saved_out);
  return result;
}

std::vector<std::vector<double>> Tape::local_derivatives(size_t i) const {
  const Node& n = nodes_[check_node_index(i, "local_derivatives")];
  std::vector<std::vector<double>> result(n.input_count);
  if (n.backward == nullptr || n.out->value.size() != 1) return result;
  for (size_t k = 0; k < n.input_count; ++k) result[k] = rule_with_seed_of_ones(n, k, false);
  return result;
}

std::vector<double> Tape::elementwise_derivatives(size_t i) const {
  const Node& n = nodes_[check_node_index(i, "elementwise_derivatives")];
  const OpInfo* info = op_info(n.op);
  if (info == nullptr || !info->elementwise || n.input_count != 1) return {};
  return rule_with_seed_of_ones(n, 0, /*any_input=*/true);
}

// ----- the tape as a table -----------------------------------------------------------------------
namespace {
std::string summary(const Buffer& b) {
  if (b.empty()) return "-";
  if (b.size() <= 3) return fmt::format("{:.4g}", fmt::join(b.span(), ", "));
  double sq = 0.0;
  for (double v : b.span()) sq += v * v;
  return fmt::format("|{:.4g}|", std::sqrt(sq));  // the 2-norm, for a tensor
}
}  // namespace

std::string Tape::to_string(size_t max_rows) const {
  // Rows first, then each column as wide as its widest cell (parameter names can be long).
  using Row = std::array<std::string, 7>;
  std::vector<Row> rows = {{"index", "op", "inputs", "scope", "shape", "value", "grad"}};
  const size_t n = nodes_.size();
  size_t skipped_at = 0;
  for (size_t i = 0; i < n; ++i) {
    if (n > max_rows && i == max_rows / 2) {  // long tapes: the first and last rows only
      skipped_at = rows.size();
      i = n - max_rows / 2;
    }
    const Node& node = nodes_[i];
    std::string op = node.op;
    if (node.out->name) op += " " + *node.out->name;
    rows.push_back({fmt::format("{}", i), op, fmt::format("{}", fmt::join(inputs_of(i), ",")),
                    scopes_[node.scope], shape_str(node.out->shape), summary(node.out->value),
                    summary(node.out->grad)});
  }
  std::array<size_t, 7> width{};
  for (const Row& row : rows)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());

  std::string out = fmt::format("Tape #{}: {} nodes\n", id_, n);
  for (size_t r = 0; r < rows.size(); ++r) {
    if (r == skipped_at && skipped_at > 0) {
      out += fmt::format("{:>{}}  ... {} nodes not shown ...\n", "", width[0], n - max_rows);
    }
    const Row& row = rows[r];
    out += fmt::format("{:>{}}  {:<{}}  {:<{}}  {:<{}}  {:<{}}  {:<{}}  {}\n", row[0], width[0],
                       row[1], width[1], row[2], width[2], row[3], width[3], row[4], width[4],
                       row[5], width[5], row[6]);
  }
  return out;
}

void Tape::print(std::FILE* out, size_t max_rows) const {
  fmt::print(out, "{}", to_string(max_rows));
}

}  // namespace ag
