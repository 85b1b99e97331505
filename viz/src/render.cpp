// render.cpp — from a built graph to a file: Graphviz's gvc lays it out and renders it.
//
// The pipeline of every picture is: build a cgraph graph (graph.cpp, fold.cpp), then
//   DOT:             cgraph's agwrite writes the graph as it is, before layout, so the text has
//                    no coordinates and is the same on every machine (the golden-file tests);
//   SVG, PNG, PDF:   gvLayout(gvc, g, "dot") places nodes and routes edges, gvRender draws them,
//                    gvFreeLayout frees the layout.
// Everything Graphviz allocates is freed: the graph by GraphPtr (agclose), the layout by
// gvFreeLayout, rendered bytes by gvFreeRenderData, and the one gvc context by gvFreeContext when
// the program exits.
//
// Why one context for the whole program, not one per call: Graphviz 2.43's pango plugin keeps the
// last font name it measured in a static pointer into the context's font table. Free the context,
// make a new one, and the next text measurement reads freed memory (AddressSanitizer reports a
// heap-use-after-free in libgvplugin_pango.so under textspan_size). With a single context that
// table lives until exit and the pointer never dangles.
//
// Before any layout, the graph is measured (check_layout_size): Graphviz has no size limit of its
// own, takes minutes over big graphs and overflows its stack on deep ones (a segfault, not an
// error we could catch), so above kMaxLayoutNodes boxes or kMaxLayoutDepth ranks we refuse with a
// VizError that names a smaller picture of the same tape.
//
// Files are written by us, not by Graphviz: Graphviz 2.43 reports a file it cannot open on stderr
// and still returns success, and calls exit(1) when a write fails; an unwritable path or a full
// disk must be an error a learner sees (and can catch).
// Graphviz's own messages (agerr) are collected while we call it and put into the exception.
//
// What this file leaves out: layout engines other than dot (neato and friends do not respect the
// left-to-right flow of a computation), and thread safety:
// Graphviz keeps global state (the error handler, agwrite's indentation), so render from one
// thread at a time.
#include <graphviz/gvc.h>

#include <fmt/format.h>
#include <io/atomic_file.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "internal.hpp"

namespace ag::viz::detail {
namespace {

// ----- Graphviz's messages -----------------------------------------------------------------------
thread_local std::string g_messages;

int collect_message(char* message) {
  g_messages += message;
  return 0;
}

// While alive, agerr's messages go into g_messages instead of stderr.
class MessageCapture {
 public:
  MessageCapture() : previous_(agseterrf(collect_message)) { g_messages.clear(); }
  ~MessageCapture() { agseterrf(previous_); }
  MessageCapture(const MessageCapture&) = delete;
  MessageCapture& operator=(const MessageCapture&) = delete;
  std::string text() const {
    std::string s = g_messages;
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    return s.empty() ? "no message from Graphviz" : s;
  }

 private:
  agusererrf previous_;
};

// ----- a gvc context and a layout that free themselves -------------------------------------------
class Context {
 public:
  Context() : gvc_(gvContext()) {
    if (gvc_ == nullptr) throw VizError("viz: Graphviz could not create a gvc context");
  }
  ~Context() { gvFreeContext(gvc_); }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  GVC_t* get() const { return gvc_; }

 private:
  GVC_t* gvc_;
};

class Layout {
 public:
  Layout(GVC_t* gvc, Agraph_t* g, const MessageCapture& messages) : gvc_(gvc), g_(g) {
    if (gvLayout(gvc, g, "dot") != 0) {
      throw VizError(fmt::format("viz: Graphviz could not lay out the graph: {}", messages.text()));
    }
  }
  ~Layout() { gvFreeLayout(gvc_, g_); }
  Layout(const Layout&) = delete;
  Layout& operator=(const Layout&) = delete;

 private:
  GVC_t* gvc_;
  Agraph_t* g_;
};

// The program's gvc context, made on first use and freed at exit (see the top of this file).
GVC_t* shared_context() {
  static Context context;
  return context.get();
}

const char* gvc_format(Format format) {
  switch (format) {
    case Format::svg: return "svg";
    case Format::png: return "png";
    case Format::pdf: return "pdf";
    case Format::dot: return "dot";
  }
  return "svg";
}

// The number of boxes on the longest path of g, edges followed forward. Every picture is acyclic
// (edges run in tape order, or along a strip's rows), so Kahn's algorithm visits each node once:
// a node's depth is one more than the deepest of its inputs. A flat loop with a queue, no
// recursion (the point is to avoid exactly that).
size_t longest_path(Agraph_t* g) {
  std::map<Agnode_t*, size_t> waiting, depth;  // inputs not yet visited; boxes up to here
  std::vector<Agnode_t*> ready;
  for (Agnode_t* n = agfstnode(g); n != nullptr; n = agnxtnode(g, n)) {
    size_t inputs = 0;
    for (Agedge_t* e = agfstin(g, n); e != nullptr; e = agnxtin(g, e)) ++inputs;
    waiting[n] = inputs;
    depth[n] = 1;
    if (inputs == 0) ready.push_back(n);
  }
  size_t deepest = 0;
  while (!ready.empty()) {
    Agnode_t* n = ready.back();
    ready.pop_back();
    deepest = std::max(deepest, depth[n]);
    for (Agedge_t* e = agfstout(g, n); e != nullptr; e = agnxtout(g, e)) {
      Agnode_t* head = aghead(e);
      depth[head] = std::max(depth[head], depth[n] + 1);
      if (--waiting[head] == 0) ready.push_back(head);
    }
  }
  return deepest;
}

void check_layout_size(size_t nodes, const Smaller& smaller) {
  if (nodes > kMaxLayoutNodes) {
    throw VizError(fmt::format(
        "viz: this picture has {} boxes, more than the {} (kMaxLayoutNodes) that Graphviz lays "
        "out in a few seconds; {}. (DOT text has no limit: {}, then dot -Tsvg, if you will "
        "wait.)",
        nodes, kMaxLayoutNodes, smaller.fewer_boxes, smaller.dot_call));
  }
}

void check_layout_depth(size_t depth, const Smaller& smaller) {
  if (depth > kMaxLayoutDepth) {
    throw VizError(fmt::format(
        "viz: this picture has a path of {} boxes end to end, deeper than the {} "
        "(kMaxLayoutDepth) that Graphviz's recursive layout handles safely and fast; {}.",
        depth, kMaxLayoutDepth, smaller.shallower));
  }
}

void check_layout_size(Agraph_t* g, const Smaller& smaller) {
  check_layout_size(static_cast<size_t>(agnnodes(g)), smaller);
  check_layout_depth(longest_path(g), smaller);
}

}  // namespace

void check_full_view_size(const Tape& tape, const Options& options, const Smaller& smaller) {
  const std::vector<bool> keep = selected_nodes(tape, options);
  std::vector<size_t> depth(tape.size(), 0);  // boxes on the longest path ending at node i
  size_t nodes = options.legend ? 1 : 0, deepest = 0;
  for (size_t i = 0; i < tape.size(); ++i) {
    if (!keep[i]) continue;
    ++nodes;
    depth[i] = 1;
    for (uint32_t in : tape.inputs_of(i)) {
      if (keep[in]) depth[i] = std::max(depth[i], depth[in] + 1);
    }
    deepest = std::max(deepest, depth[i]);
  }
  check_layout_size(nodes, smaller);
  check_layout_depth(deepest, smaller);
}

void validate(const Options& options) {
  auto fail = [](std::string_view field, const auto& value, std::string_view rule) {
    throw VizError(fmt::format("viz: Options::{} = {} {}", field, value, rule));
  };
  if (!std::isfinite(options.log10_min)) fail("log10_min", options.log10_min, "must be finite");
  if (!std::isfinite(options.log10_max)) fail("log10_max", options.log10_max, "must be finite");
  if (!(options.log10_min < options.log10_max)) {
    fail("log10_min", options.log10_min,
         fmt::format("must be below log10_max = {}", options.log10_max));
  }
  if (options.log10_max - options.log10_min > kMaxScaleDecades) {
    fail("log10_min", options.log10_min,
         fmt::format("is more than {} decades below log10_max = {} (the legend draws one cell "
                     "per decade; kMaxScaleDecades)",
                     kMaxScaleDecades, options.log10_max));
  }
  if (!(options.saturation_threshold > 0.0 && options.saturation_threshold < 1.0)) {
    fail("saturation_threshold", options.saturation_threshold,
         "must be in (0, 1): it compares a local derivative");
  }
  if (options.fold_depth < 1) fail("fold_depth", options.fold_depth, "must be at least 1");
  if (options.columns < 0) fail("columns", options.columns, "must be at least 0 (0: never wrap)");
  const std::string& r = options.rankdir;
  if (r != "LR" && r != "TB" && r != "RL" && r != "BT") {
    fail("rankdir", fmt::format("\"{}\"", r), "must be \"LR\", \"TB\", \"RL\" or \"BT\"");
  }
}

std::string graph_data(Agraph_t* g, Format format, const Smaller& smaller) {
  if (format == Format::dot) {
    // agwrite writes to a FILE*; open_memstream gives one that writes into memory.
    char* buffer = nullptr;
    size_t length = 0;
    std::FILE* memory = open_memstream(&buffer, &length);
    if (memory == nullptr) throw VizError("viz: could not open a memory stream for the DOT text");
    const int rc = agwrite(g, memory);
    std::fclose(memory);
    std::string text(buffer, length);
    std::free(buffer);
    if (rc != 0) throw VizError("viz: cgraph could not write the DOT text");
    return text;
  }
  check_layout_size(g, smaller);
  MessageCapture messages;
  GVC_t* gvc = shared_context();
  Layout layout(gvc, g, messages);
  char* data = nullptr;
  unsigned int length = 0;
  const int rc = gvRenderData(gvc, g, gvc_format(format), &data, &length);
  std::string bytes = data != nullptr ? std::string(data, length) : std::string();
  if (data != nullptr) gvFreeRenderData(data);
  if (rc != 0) {
    throw VizError(
        fmt::format("viz: Graphviz could not render {}: {}", gvc_format(format), messages.text()));
  }
  return bytes;
}

void graph_file(Agraph_t* g, const std::string& path, const Smaller& smaller) {
  // The picture is made in memory first, then written the careful way (io/atomic_file.hpp):
  // a full disk or a file-size limit is a VizError, and the old file, if any, is left as it was.
  // (Handing Graphviz an open file instead, it calls exit(1) when a write fails: the learner's
  // program would end with no exception to catch.)
  const std::string bytes = graph_data(g, format_from_path(path), smaller);
  try {
    write_file_atomically(path, bytes, "viz::render");
  } catch (const IOError& e) {
    throw VizError(e.what());
  }
}

}  // namespace ag::viz::detail

// ----- the public calls --------------------------------------------------------------------------
namespace ag::viz {

Format format_from_path(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) {
    throw VizError(fmt::format(
        "viz: '{}' has no extension; name the file .svg, .png, .pdf, .dot or .gv", path));
  }
  std::string ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (ext == "svg") return Format::svg;
  if (ext == "png") return Format::png;
  if (ext == "pdf") return Format::pdf;
  if (ext == "dot" || ext == "gv") return Format::dot;
  throw VizError(fmt::format("viz: unknown format '.{}' in '{}'; use .svg, .png, .pdf, .dot or .gv",
                             ext, path));
}

namespace {

// What to call instead when a picture is too big to lay out (see check_layout_size).
constexpr const char* kSmallerTapeText =
    "draw one box per scope with {.view = ag::viz::View::folded} (fewer boxes: a smaller "
    "fold_depth), or a part of the tape with path_from / path_to";
constexpr const char* kSmallerFoldedText =
    "fold to fewer boxes with a smaller fold_depth (or open scopes around groups of steps), or "
    "draw the numbers alone with render_flow(gradient_flow(tape))";
constexpr detail::Smaller kSmallerTape{kSmallerTapeText, kSmallerTapeText, "to_dot(tape, options)"};
constexpr detail::Smaller kSmallerFolded{kSmallerFoldedText, kSmallerFoldedText,
                                         "to_dot(tape, options)"};
// A strip has one box per entry however it is wrapped, so only fewer entries make it smaller; its
// depth is about entries / columns + columns (rows down, then along the last row).
constexpr detail::Smaller kSmallerStrip{
    "draw a span of the flow, std::span(flow).subspan(first, count) (a strip has one box per "
    "entry, whatever Options::columns is), or print it with flow_bars(flow) or flow_csv(flow), "
    "which have no limit",
    "wrap it into rows of more even length: a strip of n entries is about n / columns + columns "
    "boxes deep, least with Options::columns near the square root of n (0 puts every entry in one "
    "row)",
    "render_flow_data(flow, ag::viz::Format::dot, options)"};

const detail::Smaller& smaller_picture(const Options& options) {
  return options.view == View::folded ? kSmallerFolded : kSmallerTape;
}

// The tape as a graph, for `format`. A full view to be laid out is measured on the tape first:
// building a 300,000-node graph only to refuse it would take ten seconds.
detail::GraphPtr build(const Tape& tape, const Options& options, Format format) {
  detail::validate(options);
  detail::GraphPtr graph;
  if (options.view == View::folded) {
    graph = detail::build_folded(tape, options);
  } else {
    if (format != Format::dot) detail::check_full_view_size(tape, options, kSmallerTape);
    graph = detail::build_full(tape, options);
  }
  if (!options.tooltips) detail::drop_tooltips(graph.get());
  return graph;
}

// The strip as a graph (its tooltips dropped if the Options say so).
detail::GraphPtr build_strip(std::span<const FlowEntry> flow, const Options& options) {
  detail::validate(options);
  detail::GraphPtr graph = detail::build_flow(flow, options);
  if (!options.tooltips) detail::drop_tooltips(graph.get());
  return graph;
}
}  // namespace

void render(const Tape& tape, const std::string& path, const Options& options) {
  const Format format = format_from_path(path);  // an unknown extension fails before any work
  detail::graph_file(build(tape, options, format).get(), path, smaller_picture(options));
}

std::string render_data(const Tape& tape, Format format, const Options& options) {
  return detail::graph_data(build(tape, options, format).get(), format, smaller_picture(options));
}

std::string to_dot(const Tape& tape, const Options& options) {
  return render_data(tape, Format::dot, options);
}

void render_flow(std::span<const FlowEntry> flow, const std::string& path, const Options& options) {
  format_from_path(path);
  detail::graph_file(build_strip(flow, options).get(), path, kSmallerStrip);
}

std::string render_flow_data(std::span<const FlowEntry> flow, Format format,
                             const Options& options) {
  return detail::graph_data(build_strip(flow, options).get(), format, kSmallerStrip);
}

}  // namespace ag::viz
