// tooltip.cpp — what a box says when the pointer rests on it: the numbers behind its colour.
//
// A box has room for a few words; its tooltip (SVG's <title>, shown on hover by every browser)
// has room for the rest. For each tape node:
//
//     #12 tanh in scope 'lstm/t=3/layer0'
//     shape [1, 4]
//     value: norm 1.2, min -0.53, max 0.91, mean 0.11
//     grad: norm 2.1e-05, min -1e-05, max 1.5e-05, mean 2e-06
//     backward: d self = grad * (1 - result^2)
//     d result / d self: norm 1.3, min 0.17, max 0.99, mean 0.61; below 0.001 (saturated): 0 of 4
//
// The "backward" line and the local derivative come from the engine's op index (op_info.hpp):
// nothing here knows a derivative. A scalar edge says what flowed back along it: the local
// derivative times the gradient at the op's result.
//
// What this file leaves out: histograms, and anything that needs more than one pass over a
// node's numbers.
#include <fmt/format.h>

#include <autograd/op_info.hpp>
#include <cmath>
#include <limits>

#include "internal.hpp"

namespace ag::viz::detail {

namespace {

// norm, min, max and mean of a list of numbers, in one pass; how many were NaN or Inf.
struct Stats {
  double sq = 0.0, min = std::numeric_limits<double>::infinity(),
         max = -std::numeric_limits<double>::infinity(), sum = 0.0;
  size_t count = 0, nonfinite = 0;
  void add(double v) {
    ++count;
    if (!std::isfinite(v)) {
      ++nonfinite;
      return;
    }
    sq += v * v;
    sum += v;
    min = std::min(min, v);
    max = std::max(max, v);
  }
  std::string text() const {
    if (count == 1 && nonfinite == 0) return num(sum);
    std::string out = fmt::format("norm {}, min {}, max {}, mean {}", sci(std::sqrt(sq)), num(min),
                                  num(max), num(sum / static_cast<double>(count - nonfinite)));
    if (nonfinite > 0) out += fmt::format(" ({} of {} NaN or Inf, left out)", nonfinite, count);
    return out;
  }
};

Stats stats_of(std::span<const double> values) {
  Stats s;
  for (double v : values) s.add(v);
  return s;
}

}  // namespace

std::string node_tooltip(const Tape& tape, size_t i, const Options& options) {
  const Node& node = tape.node(i);
  const TensorImpl& t = *node.out;
  std::string text = fmt::format("#{} {}", i, node.op);
  if (t.name) text += fmt::format(" '{}'", *t.name);
  const std::string& scope = tape.scope_name(node.scope);
  text += scope.empty() ? " outside every scope" : fmt::format(" in scope '{}'", scope);
  text += "\nshape " + shape_str(t.shape);
  if (!t.value.empty()) text += "\nvalue: " + stats_of(t.value.span()).text();
  if (!t.requires_grad) {
    text += "\ngrad: none (needs no gradient)";
  } else if (t.grad.empty()) {
    text += "\ngrad: none reached it";
  } else {
    text += "\ngrad: " + stats_of(t.grad.span()).text();
  }

  const OpInfo* info = op_info(node.op);
  if (info == nullptr) return text + "\n(no entry in the engine's op index)";
  text += fmt::format("\n{}: {}", node.backward == nullptr ? "input" : "backward", info->formula);
  // The local derivative, element by element, as the backward rule computes it.
  if (info->elementwise && node.input_count == 1) {
    Stats local;
    size_t small = 0;
    for (double d : tape.elementwise_derivatives(i)) {
      local.add(d);
      small += std::abs(d) < options.saturation_threshold ? 1 : 0;
    }
    text += "\nd result / d self: " + local.text();
    text += fmt::format("; below {:g}{}: {} of {}", options.saturation_threshold,
                        info->saturates ? " (saturated)" : "", small, local.count);
  }
  return text;
}

std::string edge_tooltip(const Tape& tape, size_t i, size_t k, double local, bool both,
                         double norm) {
  const Node& node = tape.node(i);
  const uint32_t from = tape.inputs_of(i)[k];
  std::string text = fmt::format("#{} -> #{} {} (input {})", from, i, node.op, k);
  // Where one tensor is both inputs (a * a) the engine gives the two paths' sum.
  const char* which = both ? " (both uses together)" : "";
  if (std::isfinite(local) && node.out->grad.size() == 1) {
    const double grad = node.out->grad[0];
    text += fmt::format("\nd result / d input{} = {}\ngradient that flowed back: {} x {} = {}",
                        which, num(local), num(local), num(grad), num(local * grad));
  } else if (std::isfinite(local)) {
    text += fmt::format("\nd result / d input{} = {}", which, num(local));
  }
  if (norm >= 0.0 || std::isnan(norm)) text += "\n|grad| along this edge: " + sci(norm);
  return text;
}

std::string group_tooltip(const Tape& tape, std::span<const long> group_of, long group,
                          const std::string& heading) {
  // Each op the group holds, with its count, in the order the tape first ran it.
  std::vector<std::string_view> ops;
  std::vector<size_t> counts;
  for (size_t i = 0; i < tape.size(); ++i) {
    if (group_of[i] != group) continue;
    const std::string_view op = tape.node(i).op;
    size_t k = 0;
    while (k < ops.size() && ops[k] != op) ++k;
    if (k == ops.size()) {
      ops.push_back(op);
      counts.push_back(0);
    }
    ++counts[k];
  }
  std::string text = heading;
  for (size_t k = 0; k < ops.size(); ++k) {
    const OpInfo* info = op_info(ops[k]);
    text += fmt::format("\n{} x {}: {}", counts[k], ops[k],
                        info != nullptr ? info->formula : "(no entry in the engine's op index)");
  }
  return text;
}

}  // namespace ag::viz::detail
