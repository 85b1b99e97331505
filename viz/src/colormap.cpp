// colormap.cpp — from a gradient's norm to a colour, a border and a legend.
//
// The one idea of this file: gradients that vanish or explode differ from healthy ones by
// *orders of magnitude*, so the colour encodes log10 |grad|, not |grad|. A linear scale would
// paint 1e-3 and 1e-9 the same colour; on a log scale they are six steps apart.
//
// The colour map is viridis (Smith & van der Walt, 2015; matplotlib's default since 2.0): it is
// perceptually uniform (equal steps in log10 |grad| look like equal steps in colour), still
// ordered when printed in grey, and readable by the common forms of colour blindness. It runs
// from dark purple (small gradients) through green to yellow (large ones). The scale is absolute:
// by default 1e-8 (and below) to 1e2 (and above) in every picture, so that two pictures compare.
//
// Gradients the scale cannot show get marks of their own, outside the colour map:
//   exactly zero   light grey, dashed border (a dead ReLU, a path that multiplies by 0)
//   NaN or Inf     red, double bold border   (an overflow, log of 0, a division by 0)
//   no gradient    white, dotted border      (before backward, or not on the loss's path)
//   constant       pale grey, small text     (needs no gradient: an input, a literal)
//
// What this file leaves out: other colour maps, and any choice of scale from the data (the scale
// is fixed by Options so that two pictures, say before and after a fix, compare by eye).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "internal.hpp"

namespace ag::viz::detail {

// ----- the gradient of one tensor, summarised ----------------------------------------------------

GradSummary summarize_grad(const TensorImpl& t) {
  if (!t.requires_grad) return {GradState::constant, 0.0};
  if (t.grad.empty()) return {GradState::no_gradient, 0.0};
  double sq = 0.0;
  for (double g : t.grad.span()) sq += g * g;
  return summarize_norm(std::sqrt(sq), true);
}

GradSummary summarize_norm(double norm, bool reached) {
  if (!reached) return {GradState::no_gradient, 0.0};
  if (!std::isfinite(norm)) return {GradState::nonfinite, norm};
  if (norm == 0.0) return {GradState::zero, 0.0};
  return {GradState::finite, norm};
}

// ----- the colour scale ------------------------------------------------------------------------

double scale_position(double norm, const Options& options) {
  if (!(norm > 0.0)) return 0.0;
  const double span = options.log10_max - options.log10_min;
  if (!(span > 0.0)) return 0.5;  // a degenerate scale: every norm is "the middle"
  return std::clamp((std::log10(norm) - options.log10_min) / span, 0.0, 1.0);
}

// Viridis at 11 evenly spaced stops, t = 0, 0.1, ..., 1 (matplotlib's table, as sampled by R's
// viridisLite::viridis(11)); between stops we interpolate linearly in RGB, which at this spacing
// differs from the full 256-entry table by less than the eye can tell.
namespace {
constexpr std::array<uint32_t, 11> kViridis = {
    0x440154, 0x482576, 0x414487, 0x35608D, 0x2A788E, 0x21908C,
    0x22A884, 0x43BF71, 0x7AD151, 0xBBDF27, 0xFDE725,
};

int channel(uint32_t rgb, int shift) { return static_cast<int>((rgb >> shift) & 0xFF); }
}  // namespace

std::string viridis(double t) {
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0);
  const double x = t * (kViridis.size() - 1);
  const size_t lo = std::min(static_cast<size_t>(x), kViridis.size() - 2);
  const double f = x - static_cast<double>(lo);
  auto mix = [&](int shift) {
    const double a = channel(kViridis[lo], shift), b = channel(kViridis[lo + 1], shift);
    return static_cast<int>(std::lround(a + f * (b - a)));
  };
  return fmt::format("#{:02x}{:02x}{:02x}", mix(16), mix(8), mix(0));
}

// The marks outside the colour map, used by node_look and by the legend.
namespace {
constexpr const char* kZeroFill = "#d9d9d9";
constexpr const char* kNonfiniteFill = "#d62728";
constexpr const char* kConstantFill = "#f4f4f4";
}  // namespace

NodeLook node_look(const GradSummary& g, const Options& options) {
  switch (g.state) {
    case GradState::constant:
      return {kConstantFill, "#888888", "#bbbbbb", "rounded,filled", 1.0, 1};
    case GradState::no_gradient:
      return {"#ffffff", "#333333", "#666666", "rounded,filled,dotted", 1.2, 1};
    case GradState::zero: return {kZeroFill, "#000000", "#444444", "rounded,filled,dashed", 1.5, 1};
    case GradState::nonfinite:
      return {kNonfiniteFill, "#ffffff", "#7f0000", "rounded,filled,bold", 2.5, 2};
    case GradState::finite: break;
  }
  const double t = scale_position(g.norm, options);
  // White text on the dark (purple, blue) half of viridis, black on the light (green, yellow).
  return {viridis(t), t < 0.55 ? "#ffffff" : "#000000", "#333333", "rounded,filled", 1.0, 1};
}

double edge_penwidth(double norm, const Options& options) {
  if (norm < 0.0 || norm == 0.0) return 0.6;  // not recorded, or nothing flowed
  if (!std::isfinite(norm)) return 6.0;
  // 0.6 for the bottom of the scale up to 6 for the top: wide enough apart to see at a glance.
  return 0.6 + 5.4 * scale_position(norm, options);
}

// ----- the legend ------------------------------------------------------------------------------
// One cell per power of ten on the scale, coloured as a node with that norm would be, and a row
// for the special marks. The legend states its scale in words ("scale 1e-8 to 1e2") and carries
// the Graphviz id "legend_scale_default" or "legend_scale_custom" (the SVG's <g id=...>), so a
// test can check every committed picture against the default.
//
// No words such as "vanished" or "exploding" over parts of the scale: whether 1e-3 is small
// depends on the loss, the tensor's size and the learning rate, so no band would be true on every
// picture. What the picture shows truly is the order of magnitude, and its change along a path.
bool default_scale(const Options& options) {
  const Options defaults;
  return options.log10_min == defaults.log10_min && options.log10_max == defaults.log10_max;
}

std::string scale_text(const Options& options) {
  const Options defaults;
  const std::string scale = fmt::format("scale 1e{:g} to 1e{:g}", options.log10_min,
                                        options.log10_max);
  if (default_scale(options)) return scale + " (the default: every picture compares)";
  return fmt::format("{} (not the default 1e{:g} to 1e{:g}: compare only on this scale)", scale,
                     defaults.log10_min, defaults.log10_max);
}

std::string legend_html(const Options& options, std::string_view fill_meaning, EdgeLegend edges,
                        LegendMarks shapes) {
  // The cells: the scale's two ends, each labelled with its own value ("&le;1e-7.5") and painted
  // with the end colour every norm beyond it takes, and every whole power of ten between them.
  // (With whole-number ends, as by default, that is simply every decade from end to end.)
  std::vector<double> powers{options.log10_min};
  for (double p = std::floor(options.log10_min) + 1; p < options.log10_max; ++p) {
    powers.push_back(p);
  }
  powers.push_back(options.log10_max);
  const int cells = static_cast<int>(powers.size());
  std::string decades;
  for (size_t k = 0; k < powers.size(); ++k) {
    const bool first = k == 0, end = k + 1 == powers.size();
    const double t = first ? 0.0 : end ? 1.0 : scale_position(std::pow(10.0, powers[k]), options);
    const std::string prefix = first ? "&le;" : end ? "&ge;" : "";
    decades += fmt::format(R"(<TD WIDTH="38" BGCOLOR="{}"><FONT COLOR="{}">{}1e{:g}</FONT></TD>)",
                           viridis(t), t < 0.55 ? "#ffffff" : "#000000", prefix, powers[k]);
  }

  // The special marks share the row, spread over the decades' columns. A box draws each with a
  // border of its own (node_look) and can be a constant; a strip's square has one plain border
  // and is never a constant, so its legend names only what a square can show.
  struct Mark {
    std::string_view fill, text, font;  // font: the text's colour, if not the default black
  };
  std::vector<Mark> shown;
  if (shapes == LegendMarks::boxes) {
    shown = {{kZeroFill, "exactly 0 (dashed)", ""},
             {kNonfiniteFill, "NaN / Inf", "#ffffff"},
             {"#ffffff", "no gradient (dotted)", ""},
             {kConstantFill, "constant", "#888888"}};
  } else {
    shown = {{kZeroFill, "exactly 0", ""},
             {kNonfiniteFill, "NaN / Inf", "#ffffff"},
             {"#ffffff", "no gradient", ""}};
  }
  // An equal share of the columns each, the last taking what is left (at least one).
  const int n = static_cast<int>(shown.size());
  const int share = std::max(cells / n, 1);
  std::string marks;
  for (int k = 0; k < n; ++k) {
    const Mark& m = shown[static_cast<size_t>(k)];
    const int span = k + 1 < n ? share : std::max(cells - (n - 1) * share, 1);
    const std::string text = m.font.empty()
                                 ? std::string(m.text)
                                 : fmt::format(R"(<FONT COLOR="{}">{}</FONT>)", m.font, m.text);
    marks += fmt::format(R"(<TD COLSPAN="{}" BGCOLOR="{}">{}</TD>)", span, m.fill, text);
  }
  std::string edge_row;
  if (edges == EdgeLegend::recorded) {
    edge_row = "edge width: |grad| that flowed along the edge (same log scale)";
  } else if (edges == EdgeLegend::not_recorded) {
    edge_row = "edge widths off: run backward with {.record_edge_grads = true}";
  }
  if (!edge_row.empty())
    edge_row = fmt::format(R"(<TR><TD COLSPAN="{}">{}</TD></TR>)", cells, edge_row);
  return fmt::format(R"(<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">)"
                     R"(<TR><TD COLSPAN="{0}"><B>{1}</B>: log10 of the gradient's norm</TD></TR>)"
                     R"(<TR><TD COLSPAN="{0}">{2}</TD></TR>)"
                     R"(<TR>{3}</TR><TR>{4}</TR>{5}</TABLE>)",
                     cells, html_escape(fill_meaning), scale_text(options), decades, marks,
                     edge_row);
}

// ----- small formatting helpers ----------------------------------------------------------------

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string num(double x) { return fmt::format("{:.4g}", x); }
std::string sci(double x) {
  if (!std::isfinite(x)) return std::isnan(x) ? "NaN" : (x > 0 ? "Inf" : "-Inf");
  return fmt::format("{:.2g}", x);
}

}  // namespace ag::viz::detail
