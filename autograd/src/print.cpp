// print.cpp — the text of print.hpp: a tensor's values in nested brackets, then what it is.
#include "autograd/print.hpp"

#include <algorithm>
#include <ostream>
#include <vector>

#include "autograd/tape.hpp"

namespace ag {

namespace {

constexpr int64_t kSummariseAbove = 1000;  // numbers; PyTorch's threshold
constexpr int64_t kEdgeItems = 3;          // shown at each end of a long axis when summarising
// Axes drawn as nested brackets: the printer recurses once per axis (torch stops at Python's
// recursion limit).
constexpr size_t kNestedAtMost = 64;

// The indices shown along an axis of size n: all of them, or the first and last kEdgeItems with
// a -1 standing for "..." between.
std::vector<int64_t> shown_indices(int64_t n, bool summarise) {
  std::vector<int64_t> shown;
  if (summarise && n > 2 * kEdgeItems) {
    for (int64_t i = 0; i < kEdgeItems; ++i) shown.push_back(i);
    shown.push_back(-1);
    for (int64_t i = n - kEdgeItems; i < n; ++i) shown.push_back(i);
  } else {
    for (int64_t i = 0; i < n; ++i) shown.push_back(i);
  }
  return shown;
}

std::string number(double v) { return fmt::format("{:.6g}", v); }

// Everything the nested printer needs to know, fixed for one tensor.
struct Layout {
  std::span<const double> values;
  Shape shape;
  std::vector<int64_t> strides;  // row-major: strides[a] = product of shape[a+1 ...]
  bool summarise = false;
  size_t width = 0;   // of the widest number shown, so the columns line up
  size_t indent = 0;  // the column after "tensor(": where the outermost '[' sits
};

// Calls f(offset) for every number that will be shown, in order. (Recursive, as nested() below:
// one level per axis.)
template <class F>
void for_each_shown(const Layout& l, size_t axis, int64_t offset,  // NOLINT(misc-no-recursion)
                    F f) {
  if (axis == l.shape.size()) {
    f(offset);
    return;
  }
  for (int64_t i : shown_indices(l.shape[axis], l.summarise)) {
    if (i >= 0) for_each_shown(l, axis + 1, offset + i * l.strides[axis], f);
  }
}

// [a, b, c] along `axis`, starting at `offset`; inner axes nested, one row per line:
//
//     [[1, 2],        a row ends with "," then a newline (and a blank line per axis above the
//      [3, 4]]        last two), and the next row starts one column right of its '['.
// (Recursive, one level per axis: the depth is the tensor's rank, not the size of a graph.)
void nested(std::string& out, const Layout& l, size_t axis,  // NOLINT(misc-no-recursion)
            int64_t offset) {
  out += '[';
  const std::vector<int64_t> shown = shown_indices(l.shape[axis], l.summarise);
  const bool innermost = axis + 1 == l.shape.size();
  for (size_t k = 0; k < shown.size(); ++k) {
    if (k > 0) {
      out += ',';
      if (innermost) {
        out += ' ';
      } else {
        out += std::string(l.shape.size() - axis - 1, '\n');
        out += std::string(l.indent + axis + 1, ' ');
      }
    }
    if (shown[k] < 0) {
      out += "...";
    } else if (innermost) {
      const std::string v = number(l.values[offset + shown[k] * l.strides[axis]]);
      out += std::string(l.width - std::min(l.width, v.size()), ' ') + v;
    } else {
      nested(out, l, axis + 1, offset + shown[k] * l.strides[axis]);
    }
  }
  out += ']';
}

// grad_fn=<mul>: the op on the current tape that made t, if that is where t was recorded.
std::string grad_fn(const Tensor& t) {
  const Tape* tape = Tape::current();
  if (tape != nullptr && tape->id() == t.tape_id() && t.node_index() < tape->size()) {
    const Node& node = tape->node(t.node_index());
    if (node.out.get() == &t.impl()) return fmt::format("grad_fn=<{}>", node.op);
  }
  return fmt::format("grad_fn=<on tape #{}>", t.tape_id());
}

}  // namespace

std::string repr(const Tensor& t) {
  if (!t.defined()) return "tensor(undefined)";
  Layout l;
  l.values = t.data();
  l.shape = t.shape();
  l.summarise = t.numel() > kSummariseAbove;
  l.indent = std::string_view("tensor(").size();
  l.strides.assign(l.shape.size(), 1);
  for (size_t a = l.shape.size(); a-- > 1;) l.strides[a - 1] = l.strides[a] * l.shape[a];

  std::string out = "tensor(";
  if (l.shape.empty()) {
    out += number(l.values[0]);
  } else if (t.numel() == 0) {
    out += "[]";
  } else if (l.shape.size() > kNestedAtMost) {
    out += fmt::format("<{} axes: too many to nest brackets; print t.reshape({{-1}})>",
                       l.shape.size());
  } else {
    for_each_shown(l, 0, 0,
                   [&](int64_t i) { l.width = std::max(l.width, number(l.values[i]).size()); });
    nested(out, l, 0, 0);
  }
  if (!l.shape.empty()) out += fmt::format(", shape={}", shape_str(l.shape));
  if (!t.name().empty()) out += fmt::format(", name=\"{}\"", t.name());
  if (t.requires_grad()) out += t.is_leaf() ? ", requires_grad=true" : ", " + grad_fn(t);
  return out + ")";
}

std::ostream& operator<<(std::ostream& out, const Tensor& t) { return out << repr(t); }

}  // namespace ag
