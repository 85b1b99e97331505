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
// Files are opened by us, not by gvRenderFilename: Graphviz 2.43 reports a file it cannot open
// on stderr and still returns success, and an unwritable path must be an error a learner sees.
// Graphviz's own messages (agerr) are collected while we call it and put into the exception.
//
// What this file leaves out: layout engines other than dot (neato and friends do not respect the
// left-to-right flow of a computation), and thread safety:
// Graphviz keeps global state (the error handler, agwrite's indentation), so render from one
// thread at a time.
#include <graphviz/gvc.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
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

}  // namespace

std::string graph_data(Agraph_t* g, Format format) {
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
  MessageCapture messages;
  GVC_t* gvc = shared_context();
  Layout layout(gvc, g, messages);
  char* data = nullptr;
  unsigned int length = 0;
  const int rc = gvRenderData(gvc, g, gvc_format(format), &data, &length);
  std::string bytes = data != nullptr ? std::string(data, length) : std::string();
  if (data != nullptr) gvFreeRenderData(data);
  if (rc != 0) {
    throw VizError(fmt::format("viz: Graphviz could not render {}: {}", gvc_format(format),
                               messages.text()));
  }
  return bytes;
}

void graph_file(Agraph_t* g, const std::string& path) {
  const Format format = format_from_path(path);
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    throw VizError(fmt::format("viz: cannot write '{}': {}", path, std::strerror(errno)));
  }
  // Render into the open file; on any failure close it, remove the half-written file, rethrow.
  try {
    int rc = 0;
    std::string what;
    if (format == Format::dot) {
      rc = agwrite(g, file);
      what = "cgraph could not write the DOT text";
    } else {
      MessageCapture messages;
      GVC_t* gvc = shared_context();
      Layout layout(gvc, g, messages);
      rc = gvRender(gvc, g, gvc_format(format), file);
      if (rc != 0) what = fmt::format("Graphviz could not render: {}", messages.text());
    }
    if (rc != 0) throw VizError(fmt::format("viz: writing '{}': {}", path, what));
  } catch (...) {
    std::fclose(file);
    std::remove(path.c_str());
    throw;
  }
  if (std::fclose(file) != 0) {
    std::remove(path.c_str());
    throw VizError(fmt::format("viz: cannot finish writing '{}': {}", path, std::strerror(errno)));
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
  throw VizError(fmt::format(
      "viz: unknown format '.{}' in '{}'; use .svg, .png, .pdf, .dot or .gv", ext, path));
}

namespace {
detail::GraphPtr build(const Tape& tape, const Options& options) {
  return options.view == View::folded ? detail::build_folded(tape, options)
                                      : detail::build_full(tape, options);
}
}  // namespace

void render(const Tape& tape, const std::string& path, const Options& options) {
  format_from_path(path);  // an unknown extension fails before any work
  detail::graph_file(build(tape, options).get(), path);
}

std::string render_data(const Tape& tape, Format format, const Options& options) {
  return detail::graph_data(build(tape, options).get(), format);
}

std::string to_dot(const Tape& tape, const Options& options) {
  return render_data(tape, Format::dot, options);
}

void render_flow(std::span<const FlowEntry> flow, const std::string& path,
                 const Options& options) {
  format_from_path(path);
  detail::graph_file(detail::build_flow(flow, options).get(), path);
}

std::string render_flow_data(std::span<const FlowEntry> flow, Format format,
                             const Options& options) {
  return detail::graph_data(detail::build_flow(flow, options).get(), format);
}

}  // namespace ag::viz
