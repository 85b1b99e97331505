// chart.hpp — line charts of a tutorial's curves (loss per step, gradient norm per time step):
// the numbers as CSV, and a picture of them drawn by gnuplot as SVG.
//
// One call writes three files beside each other, e.g. for out/09_gradients_through_time/charts/:
//
//     grad_norm.csv   the data: a header row (the x label, then each line's name), one row per x
//     grad_norm.gp    the gnuplot script that draws it; `gnuplot grad_norm.gp` in that folder
//                     draws it again, so a learner can change the picture without C++
//     grad_norm.svg   the chart
//
// The CSV is always written. The SVG needs the program `gnuplot` (Debian: gnuplot-nox, which
// `./run` installs). Where it is missing, the chart says so in one line, once per program, and
// the tutorial goes on without pictures. With TAPEGRAD_REQUIRE_GNUPLOT=1 in the environment (CI
// sets it) a missing gnuplot is an error instead, so the committed charts cannot silently go
// unchecked.
//
// Same data, same bytes: the SVG holds nothing that depends on the time or the machine. gnuplot's
// own line naming its version is replaced by the marker kChartMarker, by which the docs tests
// recognise a chart (tests/viz/docs_img_test.cpp).
//
// Besides line charts: panels of heat maps and of bar charts (write_heat_maps, write_bar_panels),
// for tutorial 12's spectrograms and band energies.
//
// What this file leaves out: scatter plots and histograms, panels of line charts, and styling
// beyond a title, axis labels, a log y axis and a shaded band around a line.
#pragma once

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;  // (POSIX: the environment handed on to gnuplot)

namespace tut {

// The <desc> line of every chart's SVG.
inline constexpr const char* kChartMarker = "<desc>tapegrad chart, drawn by gnuplot</desc>";

// One line of a chart: its name in the key, and one y per x of the chart. A dashed line takes
// the colour of the line before it: a formula drawn beside the measurement it predicts.
//
// A band (low and high, one each per x, or both empty) is shaded in the line's colour behind it:
// the spread of a measurement over seeds, say the median as the line and the smallest to the
// largest seed as the band. A NaN in low or high leaves that x out of the band (as in y).
struct Series {
  std::string name;
  std::vector<double> y;
  bool dashed = false;
  std::vector<double> low{}, high{};

  bool has_band() const { return !low.empty(); }
};

// A line chart: every series over the same x values.
struct Chart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<double> x;
  std::vector<Series> series;
  // A log y axis: for gradients, which shrink or grow by factors. On it, a value <= 0 (or not
  // finite) is left out of its line; in the CSV it stays as it is.
  bool log_y = false;
  // The y axis' range, where gnuplot's own choice would mislead: an accuracy from 0 to 100%,
  // not from the lowest value drawn. NaN: gnuplot chooses.
  double y_min = NAN, y_max = NAN;
};

// 0, 1, ..., n - 1 shifted to start at `first`: the x of a curve with one value per step.
inline std::vector<double> steps(size_t n, double first = 0.0) {
  std::vector<double> x(n);
  for (size_t k = 0; k < n; ++k) x[k] = first + static_cast<double>(k);
  return x;
}

// A line over seeds: at each x, the median of the seeds' values as the line, and the smallest
// to the largest as its band. per_seed holds one curve per seed, each one value per x. Where a
// seed has no value (NaN: a run that stopped early, or diverged), that x is left out of line and
// band alike: the median of the seeds that are left would not be the median of all of them.
inline Series over_seeds(std::string name, const std::vector<std::vector<double>>& per_seed) {
  if (per_seed.empty()) {
    throw std::invalid_argument(fmt::format("over_seeds '{}': no seeds", name));
  }
  const size_t n = per_seed.front().size();
  Series series{.name = std::move(name), .y = {}, .dashed = false, .low = {}, .high = {}};
  for (const std::vector<double>& curve : per_seed) {
    if (curve.size() != n) {
      throw std::invalid_argument(
          fmt::format("over_seeds '{}': curves of {} and {} values", series.name, n, curve.size()));
    }
  }
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> at;
    for (const std::vector<double>& curve : per_seed) at.push_back(curve[i]);
    if (std::any_of(at.begin(), at.end(), [](double v) { return std::isnan(v); })) {
      series.y.push_back(NAN);  // (and before sorting: NaN has no place in an order)
      series.low.push_back(NAN);
      series.high.push_back(NAN);
      continue;
    }
    std::sort(at.begin(), at.end());
    const size_t m = at.size() / 2;
    series.y.push_back(at.size() % 2 == 1 ? at[m] : 0.5 * (at[m - 1] + at[m]));
    series.low.push_back(at.front());
    series.high.push_back(at.back());
  }
  return series;
}

namespace chart_detail {

// The full path of `program` found on PATH, or "" where it is not there.
inline std::string find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) /
                                            program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

// A string in gnuplot's single quotes, where a quote is written twice.
inline std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// A CSV field: in double quotes where it holds a comma or a quote (RFC 4180), as it is otherwise.
inline std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Six significant digits: enough for a picture, and few enough that the committed CSV does not
// change with rounding in the last bits of a training run.
inline std::string number(double v) { return fmt::format("{:.6g}", v); }

// The script that draws `csv` into `svg` (both file names, in the folder gnuplot runs in).
inline std::string script(const Chart& chart, const std::string& csv, const std::string& svg) {
  std::string s;
  s += "# Draws " + svg + " from " + csv + " (written by tutorials/common/chart.hpp).\n";
  // The key sits under the plot, two names a row: the picture grows with it, the plot does not
  // shrink.
  const size_t key_rows = (chart.series.size() + 1) / 2;
  s += fmt::format("set terminal svg size 720,{} font 'sans,13' enhanced background '#ffffff'\n",
                   380 + 20 * key_rows);
  s += "set output " + quoted(svg) + "\n";
  s += "set datafile separator ','\n";
  s += "set title " + quoted(chart.title) + " noenhanced\n";
  s += "set xlabel " + quoted(chart.x_label) + " noenhanced\n";
  s += "set ylabel " + quoted(chart.y_label) + " noenhanced\n";
  s += "set grid\n";
  s += "set key below maxcols 2 noenhanced\n";
  if (!std::isnan(chart.y_min) || !std::isnan(chart.y_max)) {
    auto end = [](double v) { return std::isnan(v) ? std::string("*") : number(v); };
    s += fmt::format("set yrange [{}:{}]\n", end(chart.y_min), end(chart.y_max));
  }
  if (chart.log_y) {
    s += "set logscale y\n";
    s += "set format y '10^{%L}'\n";  // (enhanced text: 10 with the exponent raised)
  }
  // One clause per line of the chart, in the CSV's column order: column 1 is x, then each
  // series' y (and its band's low and high, where it has one). The names come from here, not
  // from the CSV's header (which `skip 1` passes over), so a name may hold a comma. On a log axis
  // a value <= 0 becomes NaN, which gnuplot leaves out of the line instead of warning about it.
  // The bands are drawn first, so that every line lies on top of every band.
  auto column = [&](size_t c) {
    return chart.log_y ? fmt::format("(${0} > 0 ? ${0} : NaN)", c) : fmt::format("{}", c);
  };
  std::vector<std::string> bands, lines;
  int colour = 0;  // gnuplot's line colours 1, 2, ...: a solid line takes the next one
  size_t c = 2;    // the series' first column in the CSV
  for (const Series& series : chart.series) {
    if (!series.dashed || colour == 0) ++colour;
    lines.push_back(
        fmt::format("skip 1 using 1:{} with lines linewidth 2 linecolor {} dashtype {} title {}",
                    column(c), colour, series.dashed ? 2 : 1, quoted(series.name)));
    if (series.has_band()) {
      bands.push_back(fmt::format(
          "skip 1 using 1:{}:{} with filledcurves fillstyle transparent solid 0.2 noborder "
          "linecolor {} notitle",
          column(c + 1), column(c + 2), colour));
      c += 2;
    }
    ++c;
  }
  std::vector<std::string> clauses = bands;
  clauses.insert(clauses.end(), lines.begin(), lines.end());
  for (size_t k = 0; k < clauses.size(); ++k) {
    s += fmt::format("{} {} {}{}\n", k == 0 ? "plot" : "    ", k == 0 ? quoted(csv) : "''",
                     clauses[k], k + 1 < clauses.size() ? ", \\" : "");
  }
  return s;
}

// Runs gnuplot on `script_file` in `dir`; throws if it fails.
inline void run_gnuplot(const std::string& gnuplot, const std::filesystem::path& dir,
                        const std::string& script_file) {
  // gnuplot reads the data file relative to its working directory: `cd` there first.
  const std::string cd = "cd " + quoted(std::filesystem::absolute(dir).string());
  const std::string script_path = std::filesystem::absolute(dir / script_file).string();
  std::vector<std::string> args = {gnuplot, "-e", cd, script_path};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, gnuplot.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error(fmt::format("chart: could not start {}", gnuplot));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(
        fmt::format("chart: gnuplot failed on {} (its message is above)", script_path));
  }
}

// gnuplot's "<desc>Produced by GNUPLOT 5.4 patchlevel 4 </desc>" becomes kChartMarker: the
// picture does not change with gnuplot's patch level, and the docs tests can tell a chart.
inline void mark_svg(const std::filesystem::path& svg) {
  std::ifstream in(svg, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  in.close();
  std::string s = text.str();
  const size_t begin = s.find("<desc>");
  const size_t end = s.find("</desc>", begin);
  if (begin == std::string::npos || end == std::string::npos) {
    throw std::runtime_error(fmt::format("chart: {} has no <desc> line to mark", svg.string()));
  }
  s.replace(begin, end + 7 - begin, kChartMarker);
  std::ofstream(svg, std::ios::binary) << s;
}

// A chart's numbers: a header row (the x label, then each series' name, followed by
// "NAME (low)" and "NAME (high)" where it has a band), one row per x.
inline void write_csv(const Chart& chart, const std::filesystem::path& path) {
  std::ofstream csv(path, std::ios::binary);
  csv << csv_field(chart.x_label);
  for (const Series& s : chart.series) {
    csv << ',' << csv_field(s.name);
    if (s.has_band())
      csv << ',' << csv_field(s.name + " (low)") << ',' << csv_field(s.name + " (high)");
  }
  csv << '\n';
  for (size_t i = 0; i < chart.x.size(); ++i) {
    csv << number(chart.x[i]);
    for (const Series& s : chart.series) {
      csv << ',' << number(s.y[i]);
      if (s.has_band()) csv << ',' << number(s.low[i]) << ',' << number(s.high[i]);
    }
    csv << '\n';
  }
}

// Draws DIR/NAME.svg by running gnuplot on DIR/NAME.gp (written beside NAME.csv), then marks it.
// Returns false where gnuplot is missing (said once, on stderr), unless TAPEGRAD_REQUIRE_GNUPLOT=1,
// which makes that an error.
inline bool draw(const std::filesystem::path& dir, const std::string& name) {
  const std::string gnuplot = find_on_path("gnuplot");
  if (gnuplot.empty()) {
    const char* require = std::getenv("TAPEGRAD_REQUIRE_GNUPLOT");
    if (require != nullptr && std::string(require) == "1") {
      throw std::runtime_error(
          "chart: gnuplot is not installed (Debian: gnuplot-nox) and TAPEGRAD_REQUIRE_GNUPLOT=1");
    }
    static bool said = false;  // (one line per program, not one per chart)
    if (!said) {
      fmt::print(stderr,
                 "chart: gnuplot not found (Debian: apt-get install gnuplot-nox): "
                 "charts are written as CSV only\n");
      said = true;
    }
    return false;
  }
  run_gnuplot(gnuplot, dir, name + ".gp");
  mark_svg(dir / (name + ".svg"));
  return true;
}

// The head of a panels script: an SVG of width x height, a grid of rows x cols panels under one
// title, reading name.csv (write_heat_maps and write_bar_panels).
inline std::string multiplot_head(const std::string& name, const std::string& title, int width,
                                  int height, int rows, int cols) {
  std::string s = "# Draws " + name + ".svg from " + name + ".csv (tutorials/common/chart.hpp).\n";
  s += fmt::format("set terminal svg size {},{} font 'sans,12' background '#ffffff'\n", width,
                   height);
  s += "set output " + quoted(name + ".svg") + "\n";
  s += "set datafile separator ','\n";
  s += fmt::format("set multiplot layout {},{} title {} noenhanced\n", rows, cols, quoted(title));
  return s;
}

}  // namespace chart_detail

// Writes STEM.csv and STEM.gp, then draws STEM.svg with gnuplot; `stem` is a path without an
// extension (e.g. "out/04_moons_mlp/charts/loss"), whose folder is created. Returns whether the
// SVG was drawn: false where gnuplot is missing (said once, on stderr), unless
// TAPEGRAD_REQUIRE_GNUPLOT=1, which makes that an error. Throws on data that is not a chart (a
// series whose length is not x's), and when gnuplot fails.
inline bool write_chart(const Chart& chart, const std::filesystem::path& stem) {
  if (chart.series.empty()) {
    throw std::invalid_argument(fmt::format("write_chart '{}': no series", chart.title));
  }
  for (const Series& s : chart.series) {
    if (s.name.find('\n') != std::string::npos) {
      throw std::invalid_argument(
          fmt::format("write_chart '{}': series name '{}' holds a newline", chart.title, s.name));
    }
    if (s.y.size() != chart.x.size()) {
      throw std::invalid_argument(
          fmt::format("write_chart '{}': series '{}' has {} values for {} x values", chart.title,
                      s.name, s.y.size(), chart.x.size()));
    }
    if ((s.has_band() || !s.high.empty()) &&
        (s.low.size() != chart.x.size() || s.high.size() != chart.x.size())) {
      throw std::invalid_argument(fmt::format(
          "write_chart '{}': the band of series '{}' has {} low and {} high values for {} x "
          "values",
          chart.title, s.name, s.low.size(), s.high.size(), chart.x.size()));
    }
  }
  const std::filesystem::path dir = stem.parent_path().empty() ? "." : stem.parent_path();
  const std::string name = stem.filename().string();
  std::filesystem::create_directories(dir);

  chart_detail::write_csv(chart, dir / (name + ".csv"));
  std::ofstream(dir / (name + ".gp"), std::ios::binary)
      << chart_detail::script(chart, name + ".csv", name + ".svg");

  return chart_detail::draw(dir, name);
}

// ----- panels: heat maps and bar charts side by side (tutorial 12's spectrograms and band
// energies). Same files and rules as write_chart: STEM.csv, STEM.gp, STEM.svg, same data same
// bytes.

// Several matrices of one shape, each drawn as a heat map (row 0 at the bottom) in a grid of
// panels on one colour scale: e.g. one spectrogram per word, bands up, frames across.
struct HeatMaps {
  std::string title, x_label, y_label, colour_label;
  int64_t rows = 0, cols = 0;
  std::vector<std::string> names;           // one per panel
  std::vector<std::vector<double>> values;  // one per panel, rows * cols, row-major
  int panels_per_row = 3;
};

// The CSV holds the matrices one under the other (panel p's row r is line p * rows + r, after a
// comment line naming the panels), which gnuplot reads as one matrix and cuts into panels.
inline bool write_heat_maps(const HeatMaps& maps, const std::filesystem::path& stem) {
  if (maps.names.size() != maps.values.size() || maps.names.empty()) {
    throw std::invalid_argument(fmt::format("write_heat_maps '{}': {} names for {} matrices",
                                            maps.title, maps.names.size(), maps.values.size()));
  }
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& m : maps.values) {
    if (static_cast<int64_t>(m.size()) != maps.rows * maps.cols) {
      throw std::invalid_argument(
          fmt::format("write_heat_maps '{}': a matrix of {} values, not "
                      "{} x {}",
                      maps.title, m.size(), maps.rows, maps.cols));
    }
    for (double v : m) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  const std::filesystem::path dir = stem.parent_path().empty() ? "." : stem.parent_path();
  const std::string name = stem.filename().string();
  std::filesystem::create_directories(dir);
  std::ofstream csv(dir / (name + ".csv"), std::ios::binary);
  csv << "# " << maps.values.size() << " matrices of " << maps.rows << " rows x " << maps.cols
      << " columns, one under the other:";
  for (const std::string& n : maps.names) csv << ' ' << n;
  csv << '\n';
  for (const auto& m : maps.values) {
    for (int64_t r = 0; r < maps.rows; ++r) {
      for (int64_t c = 0; c < maps.cols; ++c) {
        csv << (c == 0 ? "" : ",")
            << chart_detail::number(m[static_cast<size_t>(r * maps.cols + c)]);
      }
      csv << '\n';
    }
  }
  csv.close();
  const int per_row = maps.panels_per_row;
  const auto panel_rows = static_cast<int>((maps.values.size() + per_row - 1) / per_row);
  std::string s = chart_detail::multiplot_head(name, maps.title, 300 * per_row,
                                               60 + 250 * panel_rows, panel_rows, per_row);
  s += "set palette defined (0 '#000004', 1 '#51127c', 2 '#b73779', 3 '#fc8961', 4 '#fcfdbf')\n";
  s += fmt::format("set cbrange [{}:{}]\n", chart_detail::number(lo), chart_detail::number(hi));
  s += "set cblabel " + chart_detail::quoted(maps.colour_label) + " noenhanced\n";
  s += "set xlabel " + chart_detail::quoted(maps.x_label) + " noenhanced\n";
  s += "set ylabel " + chart_detail::quoted(maps.y_label) + " noenhanced\n";
  s += fmt::format("set xrange [-0.5:{}]\nset yrange [-0.5:{}]\n", maps.cols - 0.5,
                   maps.rows - 0.5);
  for (size_t p = 0; p < maps.values.size(); ++p) {
    const int64_t first = static_cast<int64_t>(p) * maps.rows;  // its first line in the matrix
    s += "set title " + chart_detail::quoted(maps.names[p]) + " noenhanced\n";
    s += fmt::format("plot {} matrix every ::0:{}:{}:{} using 1:($2 - {}):3 with image notitle\n",
                     chart_detail::quoted(name + ".csv"), first, maps.cols - 1,
                     first + maps.rows - 1, first);
  }
  s += "unset multiplot\n";
  std::ofstream(dir / (name + ".gp"), std::ios::binary) << s;
  return chart_detail::draw(dir, name);
}

// Bar charts over the same categories, one panel per series (e.g. one per word: 40 bars, one per
// mel band), on one y scale. The CSV is write_chart's: x, then one column per panel.
inline bool write_bar_panels(const Chart& chart, const std::filesystem::path& stem,
                             int panels_per_row = 3) {
  for (const Series& s : chart.series) {
    if (s.y.size() != chart.x.size()) {
      throw std::invalid_argument(
          fmt::format("write_bar_panels '{}': series '{}' has {} values for {} x values",
                      chart.title, s.name, s.y.size(), chart.x.size()));
    }
  }
  double lo = 0.0, hi = 0.0;  // (the bars stand on 0)
  for (const Series& s : chart.series) {
    for (double v : s.y) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  const std::filesystem::path dir = stem.parent_path().empty() ? "." : stem.parent_path();
  const std::string name = stem.filename().string();
  std::filesystem::create_directories(dir);
  chart_detail::write_csv(chart, dir / (name + ".csv"));
  const auto panel_rows = static_cast<int>((chart.series.size() + panels_per_row - 1) /
                                           panels_per_row);
  std::string s = chart_detail::multiplot_head(name, chart.title, 300 * panels_per_row,
                                               60 + 230 * panel_rows, panel_rows, panels_per_row);
  s += "set style fill solid 0.8 noborder\nset boxwidth 0.8 relative\nset grid y\n";
  const double pad = 0.05 * (hi - lo);
  s += fmt::format("set yrange [{}:{}]\n", chart_detail::number(lo - pad),
                   chart_detail::number(hi + pad));
  s += fmt::format("set xrange [{}:{}]\n", chart_detail::number(chart.x.front() - 0.5),
                   chart_detail::number(chart.x.back() + 0.5));
  s += "set xlabel " + chart_detail::quoted(chart.x_label) + " noenhanced\n";
  s += "set ylabel " + chart_detail::quoted(chart.y_label) + " noenhanced\n";
  for (size_t k = 0; k < chart.series.size(); ++k) {
    s += "set title " + chart_detail::quoted(chart.series[k].name) + " noenhanced\n";
    s += fmt::format("plot {} skip 1 using 1:{} with boxes linecolor {} notitle\n",
                     chart_detail::quoted(name + ".csv"), k + 2, k + 1);
  }
  s += "unset multiplot\n";
  std::ofstream(dir / (name + ".gp"), std::ios::binary) << s;
  return chart_detail::draw(dir, name);
}

}  // namespace tut
