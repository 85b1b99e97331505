// tests for viz/src/colormap.cpp: the log scale, viridis, the special marks, the legend.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "internal.hpp"

using namespace ag;
using namespace ag::viz::detail;

namespace {
// Relative luminance of "#rrggbb" (sRGB weights, without gamma: enough to compare).
double luminance(const std::string& hex) {
  const unsigned v = std::stoul(hex.substr(1), nullptr, 16);
  return 0.2126 * ((v >> 16) & 255) + 0.7152 * ((v >> 8) & 255) + 0.0722 * (v & 255);
}

TensorImpl with_grad(std::vector<double> grad) {
  TensorImpl t;
  t.requires_grad = true;
  t.value = Buffer(grad.size(), 1.0);
  t.grad = Buffer(grad.size());
  for (size_t i = 0; i < grad.size(); ++i) t.grad[i] = grad[i];
  return t;
}
}  // namespace

TEST_CASE("viridis runs from matplotlib's dark purple to its yellow", "[viz][colormap]") {
  CHECK(viridis(0.0) == "#440154");
  CHECK(viridis(0.5) == "#21908c");
  CHECK(viridis(1.0) == "#fde725");
  // Clamped outside [0, 1], and NaN does not crash.
  CHECK(viridis(-3.0) == "#440154");
  CHECK(viridis(7.0) == "#fde725");
  CHECK(viridis(std::nan("")) == "#440154");
}

TEST_CASE("viridis gets lighter all the way: an ordered scale even in grey", "[viz][colormap]") {
  double previous = -1.0;
  for (int k = 0; k <= 100; ++k) {
    const double l = luminance(viridis(k / 100.0));
    CHECK(l > previous);
    previous = l;
  }
}

TEST_CASE("the scale is log10 of the norm, clamped to the Options range", "[viz][colormap]") {
  viz::Options o;  // [-8, 2]
  CHECK(scale_position(1e-8, o) == Approx(0.0));
  CHECK(scale_position(1e-3, o) == Approx(0.5));
  CHECK(scale_position(1e2, o) == Approx(1.0));
  CHECK(scale_position(1e-30, o) == 0.0);
  CHECK(scale_position(1e30, o) == 1.0);
  CHECK(scale_position(0.0, o) == 0.0);
  o.log10_min = -2;
  o.log10_max = 0;
  CHECK(scale_position(0.1, o) == Approx(0.5));
}

TEST_CASE("a gradient is constant, absent, zero, non-finite or finite", "[viz][colormap]") {
  TensorImpl constant;
  constant.value = Buffer(2, 1.0);
  CHECK(summarize_grad(constant).state == GradState::constant);

  TensorImpl absent;
  absent.requires_grad = true;
  absent.value = Buffer(2, 1.0);
  CHECK(summarize_grad(absent).state == GradState::no_gradient);

  CHECK(summarize_grad(with_grad({0.0, 0.0})).state == GradState::zero);
  CHECK(summarize_grad(with_grad({1.0, std::nan("")})).state == GradState::nonfinite);
  CHECK(summarize_grad(with_grad({1.0, std::numeric_limits<double>::infinity()})).state ==
        GradState::nonfinite);
  const GradSummary g = summarize_grad(with_grad({3.0, 4.0}));
  CHECK(g.state == GradState::finite);
  CHECK(g.norm == 5.0);
}

TEST_CASE("zero, NaN, no gradient and constant each look different from the colour map",
          "[viz][colormap]") {
  viz::Options o;
  const NodeLook zero = node_look({GradState::zero, 0.0}, o);
  const NodeLook nan = node_look({GradState::nonfinite, std::nan("")}, o);
  const NodeLook none = node_look({GradState::no_gradient, 0.0}, o);
  const NodeLook constant = node_look({GradState::constant, 0.0}, o);
  const NodeLook tiny = node_look({GradState::finite, 1e-12}, o);
  CHECK(zero.style.find("dashed") != std::string::npos);
  CHECK(none.style.find("dotted") != std::string::npos);
  CHECK(nan.peripheries == 2);
  CHECK(nan.fill == "#d62728");
  // A vanished gradient takes the bottom colour, distinct from an exact zero.
  CHECK(tiny.fill == viridis(0.0));
  CHECK(tiny.fill != zero.fill);
  const std::vector<std::string> fills = {zero.fill, nan.fill, none.fill, constant.fill, tiny.fill};
  for (size_t a = 0; a < fills.size(); ++a) {
    for (size_t b = a + 1; b < fills.size(); ++b) CHECK(fills[a] != fills[b]);
  }
  // Text stays readable: white on dark purple, black on yellow.
  CHECK(tiny.fontcolor == "#ffffff");
  CHECK(node_look({GradState::finite, 50.0}, o).fontcolor == "#000000");
}

TEST_CASE("edge width grows with the gradient along the edge", "[viz][colormap]") {
  viz::Options o;
  CHECK(edge_penwidth(-1.0, o) < edge_penwidth(1e-6, o) + 1e-12);
  CHECK(edge_penwidth(1e-6, o) < edge_penwidth(1e-3, o));
  CHECK(edge_penwidth(1e-3, o) < edge_penwidth(1.0, o));
  CHECK(edge_penwidth(std::numeric_limits<double>::infinity(), o) >= edge_penwidth(1e2, o));
}

TEST_CASE("the legend lists every decade of the scale and the special marks", "[viz][colormap]") {
  viz::Options o;
  const std::string html = legend_html(o, "node fill", EdgeLegend::recorded);
  for (int p = -8; p <= 2; ++p) {
    INFO("decade 1e" << p);
    CHECK(html.find(fmt::format("1e{}<", p)) != std::string::npos);
  }
  CHECK(html.find(viridis(0.0)) != std::string::npos);
  CHECK(html.find(viridis(1.0)) != std::string::npos);
  CHECK(html.find("NaN / Inf") != std::string::npos);
  CHECK(html.find("exactly 0") != std::string::npos);
  CHECK(html.find("no gradient") != std::string::npos);
  CHECK(html.find("edge width") != std::string::npos);
  CHECK(legend_html(o, "x", EdgeLegend::not_recorded).find("record_edge_grads") !=
        std::string::npos);
  CHECK(legend_html(o, "x", EdgeLegend::none).find("edge") == std::string::npos);
}

TEST_CASE("the legend's end cells are the end colours, labelled with the scale's ends",
          "[viz][colormap]") {
  // With ends between two powers of ten, the end cells once showed "<=1e-7" and ">=1e1" in the
  // colours of 1e-7 and 1e1, not those of everything beyond the ends.
  const viz::Options o{.log10_min = -7.5, .log10_max = 1.5};
  const std::string html = legend_html(o, "node fill", EdgeLegend::recorded);
  CHECK(html.find(fmt::format(R"(BGCOLOR="{}"><FONT COLOR="#ffffff">&le;1e-7.5<)", viridis(0.0))) !=
        std::string::npos);
  CHECK(html.find(fmt::format(R"(BGCOLOR="{}"><FONT COLOR="#000000">&ge;1e1.5<)", viridis(1.0))) !=
        std::string::npos);
  for (int p = -7; p <= 1; ++p) {  // the whole decades between the ends, each in its colour
    INFO("decade 1e" << p);
    const double t = scale_position(std::pow(10.0, p), o);
    CHECK(html.find(fmt::format(R"(BGCOLOR="{}"><FONT COLOR="{}">1e{}<)", viridis(t),
                                t < 0.55 ? "#ffffff" : "#000000", p)) != std::string::npos);
  }
  // Whole-number ends: the same cells as before, every decade once.
  const std::string standard = legend_html(viz::Options{}, "node fill", EdgeLegend::recorded);
  CHECK(standard.find("&le;1e-8<") != std::string::npos);
  CHECK(standard.find("&ge;1e2<") != std::string::npos);
}

TEST_CASE("a strip's legend lists only the marks a square can show", "[viz][colormap]") {
  const viz::Options o;
  const std::string boxes = legend_html(o, "x", EdgeLegend::recorded, LegendMarks::boxes);
  CHECK(boxes.find("(dashed)") != std::string::npos);
  CHECK(boxes.find("(dotted)") != std::string::npos);
  CHECK(boxes.find("constant") != std::string::npos);
  const std::string squares = legend_html(o, "x", EdgeLegend::none, LegendMarks::squares);
  for (const char* mark : {"exactly 0", "NaN / Inf", "no gradient"}) {
    INFO(mark);
    CHECK(squares.find(mark) != std::string::npos);
  }
  for (const char* border : {"(dashed)", "(dotted)", "constant"}) {
    INFO(border);
    CHECK(squares.find(border) == std::string::npos);
  }
}

TEST_CASE("the legend states its scale and carries no judgement words", "[viz][colormap]") {
  const viz::Options o;
  const std::string html = legend_html(o, "node fill", EdgeLegend::recorded);
  CHECK(html.find("scale 1e-8 to 1e2 (the default") != std::string::npos);
  for (const char* word : {"vanished", "healthy", "exploding"}) {
    INFO(word);
    CHECK(html.find(word) == std::string::npos);
  }
  // Another range says it is not the default, and still no words.
  const viz::Options wide{.log10_min = -14.0, .log10_max = 0.0};
  const std::string other = legend_html(wide, "node fill", EdgeLegend::recorded);
  CHECK(other.find("scale 1e-14 to 1e0 (not the default 1e-8 to 1e2") != std::string::npos);
  CHECK(other.find("vanished") == std::string::npos);
  CHECK(default_scale(o));
  CHECK_FALSE(default_scale(wide));
}

TEST_CASE("labels escape HTML and print numbers compactly", "[viz][colormap]") {
  CHECK(html_escape("a<b & \"c\">") == "a&lt;b &amp; &quot;c&quot;&gt;");
  CHECK(num(0.70710678) == "0.7071");
  CHECK(num(-3.0) == "-3");
  CHECK(sci(2.1234e-5) == "2.1e-05");
  CHECK(sci(std::nan("")) == "NaN");
  CHECK(sci(std::numeric_limits<double>::infinity()) == "Inf");
}
