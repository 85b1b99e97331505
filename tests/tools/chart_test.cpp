// Tests for tutorials/common/chart.hpp: the CSV it writes, the SVG gnuplot draws from it (the same
// bytes for the same data, marked as a chart), and what happens without gnuplot.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/chart.hpp"

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fresh, empty folder in the system's temporary directory (one per test process).
fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() /
                       ("tapegrad_chart_test_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

tut::Chart gradient_chart() {
  tut::Chart c;
  c.title = "gradient norm per time step";
  c.x_label = "time step";
  c.y_label = "|dL/dh_t|";
  c.x = {0, 1, 2, 3};
  c.series = {{"tanh RNN", {1e-6, 1e-4, 1e-2, 1}}, {"LSTM, forget bias 1", {0.5, 0.6, 0.8, 1}}};
  c.log_y = true;
  return c;
}

// Sets an environment variable for one scope, and puts back what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (had_) {
      setenv(name_.c_str(), old_.c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_, old_;
  bool had_ = false;
};

}  // namespace

TEST_CASE("write_chart writes the data as CSV: a header of names, one row per x", "[chart]") {
  const tut::Chart c = gradient_chart();
  const fs::path dir = scratch("csv");
  ScopedEnv no_gnuplot("PATH", "");  // (the CSV is written with or without gnuplot)
  ScopedEnv lenient("TAPEGRAD_REQUIRE_GNUPLOT", nullptr);
  CHECK_FALSE(tut::write_chart(c, dir / "grad"));
  CHECK(read_text(dir / "grad.csv") ==
        "time step,tanh RNN,\"LSTM, forget bias 1\"\n"
        "0,1e-06,0.5\n"
        "1,0.0001,0.6\n"
        "2,0.01,0.8\n"
        "3,1,1\n");
  CHECK(fs::exists(dir / "grad.gp"));
}

TEST_CASE("the script draws each series in its own colour, a dashed one in its forerunner's",
          "[chart]") {
  tut::Chart c = gradient_chart();
  c.series.push_back({"formula", {1, 1, 1, 1}, /*dashed=*/true});
  const fs::path dir = scratch("dashed");
  ScopedEnv no_gnuplot("PATH", "");
  ScopedEnv lenient("TAPEGRAD_REQUIRE_GNUPLOT", nullptr);
  tut::write_chart(c, dir / "grad");
  const std::string script = read_text(dir / "grad.gp");
  CHECK(script.find("linecolor 1 dashtype 1 title 'tanh RNN'") != std::string::npos);
  CHECK(script.find("linecolor 2 dashtype 1 title 'LSTM, forget bias 1'") != std::string::npos);
  CHECK(script.find("linecolor 2 dashtype 2 title 'formula'") != std::string::npos);
  CHECK(script.find("set logscale y") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "grad.svg"));
}

TEST_CASE("without gnuplot, TAPEGRAD_REQUIRE_GNUPLOT=1 makes a chart an error", "[chart]") {
  const fs::path dir = scratch("required");
  ScopedEnv no_gnuplot("PATH", "");
  ScopedEnv strict("TAPEGRAD_REQUIRE_GNUPLOT", "1");
  CHECK_THROWS_WITH(tut::write_chart(gradient_chart(), dir / "grad"),
                    Catch::Contains("gnuplot is not installed"));
}

TEST_CASE("a series that is not a line of the chart is refused, saying why", "[chart]") {
  tut::Chart c = gradient_chart();
  c.series[0].y.pop_back();
  CHECK_THROWS_WITH(tut::write_chart(c, scratch("lengths") / "grad"),
                    Catch::Contains("'tanh RNN' has 3 values for 4 x values"));
  c = gradient_chart();
  c.series[1].name = "LSTM\nforget bias 1";
  CHECK_THROWS_WITH(tut::write_chart(c, scratch("newline") / "grad"),
                    Catch::Contains("holds a newline"));
}

TEST_CASE("gnuplot draws the same bytes from the same data, marked as a chart", "[chart]") {
  if (tut::chart_detail::find_on_path("gnuplot").empty()) {
    // (CI installs gnuplot and sets TAPEGRAD_REQUIRE_GNUPLOT=1: there this cannot be skipped.)
    const char* require = std::getenv("TAPEGRAD_REQUIRE_GNUPLOT");
    REQUIRE_FALSE((require != nullptr && std::string(require) == "1"));
    WARN("gnuplot is not installed: the SVG is not checked");
    return;
  }
  const fs::path first = scratch("first"), second = scratch("second");
  REQUIRE(tut::write_chart(gradient_chart(), first / "grad"));
  REQUIRE(tut::write_chart(gradient_chart(), second / "grad"));
  const std::string svg = read_text(first / "grad.svg");
  CHECK(svg == read_text(second / "grad.svg"));
  CHECK(svg.find(tut::kChartMarker) != std::string::npos);
  CHECK(svg.find("GNUPLOT") == std::string::npos);              // (gnuplot's version line is gone)
  CHECK(svg.find("tanh RNN") != std::string::npos);             // the key names the lines,
  CHECK(svg.find("LSTM, forget bias 1") != std::string::npos);  // commas and all
  // Other data, another picture.
  tut::Chart other = gradient_chart();
  other.series[0].y[0] = 1e-3;
  REQUIRE(tut::write_chart(other, second / "grad"));
  CHECK(read_text(second / "grad.svg") != svg);
}

TEST_CASE("heat maps: the matrices one under the other in the CSV, one panel each", "[chart]") {
  tut::HeatMaps maps;
  maps.title = "two spectrograms";
  maps.x_label = "frame";
  maps.y_label = "band";
  maps.colour_label = "log energy";
  maps.rows = 2;
  maps.cols = 3;
  maps.names = {"yes", "no"};
  maps.values = {{1, 2, 3, 4, 5, 6}, {-1, -2, -3, -4, -5, -6.5}};
  const fs::path dir = scratch("heat");
  {
    ScopedEnv no_gnuplot("PATH", "");
    ScopedEnv lenient("TAPEGRAD_REQUIRE_GNUPLOT", nullptr);
    CHECK_FALSE(tut::write_heat_maps(maps, dir / "maps"));
  }
  CHECK(read_text(dir / "maps.csv") ==
        "# 2 matrices of 2 rows x 3 columns, one under the other: yes no\n"
        "1,2,3\n4,5,6\n-1,-2,-3\n-4,-5,-6.5\n");
  const std::string script = read_text(dir / "maps.gp");
  CHECK(script.find("set cbrange [-6.5:6]") != std::string::npos);  // one scale for all panels
  CHECK(script.find("every ::0:2:2:3 using 1:($2 - 2):3") != std::string::npos);  // panel 2
  tut::HeatMaps wrong = maps;
  wrong.values[1].pop_back();
  CHECK_THROWS_WITH(tut::write_heat_maps(wrong, dir / "wrong"),
                    Catch::Contains("a matrix of 5 values, not 2 x 3"));
  if (tut::chart_detail::find_on_path("gnuplot").empty()) return;  // (the SVG: see above)
  REQUIRE(tut::write_heat_maps(maps, dir / "maps"));
  const std::string svg = read_text(dir / "maps.svg");
  CHECK(svg.find(tut::kChartMarker) != std::string::npos);
  REQUIRE(tut::write_heat_maps(maps, dir / "again"));
  CHECK(read_text(dir / "again.svg") == svg);
}

TEST_CASE("bar panels: write_chart's CSV, one panel of bars per series", "[chart]") {
  tut::Chart bars;
  bars.title = "band energies";
  bars.x_label = "band";
  bars.y_label = "energy";
  bars.x = {0, 1, 2};
  bars.series = {{"yes", {0.5, -0.25, 0}}, {"no", {-1, 0, 2}}};
  const fs::path dir = scratch("bars");
  {
    ScopedEnv no_gnuplot("PATH", "");
    ScopedEnv lenient("TAPEGRAD_REQUIRE_GNUPLOT", nullptr);
    CHECK_FALSE(tut::write_bar_panels(bars, dir / "bars"));
  }
  CHECK(read_text(dir / "bars.csv") == "band,yes,no\n0,0.5,-1\n1,-0.25,0\n2,0,2\n");
  const std::string script = read_text(dir / "bars.gp");
  CHECK(script.find("using 1:2 with boxes") != std::string::npos);
  CHECK(script.find("using 1:3 with boxes") != std::string::npos);
  bars.series[1].y.pop_back();
  CHECK_THROWS_WITH(tut::write_bar_panels(bars, dir / "wrong"),
                    Catch::Contains("series 'no' has 2 values for 3 x values"));
}

TEST_CASE("over seeds: the median as the line, smallest to largest as its band", "[chart]") {
  // Three seeds, four x; the third seed stopped after x = 1 (NaN after).
  const tut::Series s = tut::over_seeds(
      "LSTM", {{1.0, 0.5, 0.2, 0.1}, {3.0, 0.7, 0.4, 0.3}, {2.0, 0.6, NAN, NAN}});
  CHECK(s.name == "LSTM");
  CHECK(s.y[0] == 2.0);
  CHECK(s.low[0] == 1.0);
  CHECK(s.high[0] == 3.0);
  CHECK(s.y[1] == 0.6);
  // Where a seed has no value, neither has the line nor the band: the median of two seeds
  // would not be the median of three.
  CHECK(std::isnan(s.y[2]));
  CHECK(std::isnan(s.low[3]));
  CHECK(std::isnan(s.high[3]));
  // An even count: the mean of the two middle values.
  CHECK(tut::over_seeds("two", {{1.0}, {4.0}}).y[0] == 2.5);
  CHECK_THROWS_WITH(tut::over_seeds("ragged", {{1.0, 2.0}, {1.0}}),
                    Catch::Contains("curves of 2 and 1 values"));
}

TEST_CASE("a band: two more columns in the CSV, shaded behind every line", "[chart]") {
  tut::Chart c = gradient_chart();
  c.series[1].low = {0.4, 0.5, 0.7, 0.9};
  c.series[1].high = {0.6, 0.7, 0.9, 1.1};
  const fs::path dir = scratch("band");
  ScopedEnv no_gnuplot("PATH", "");
  ScopedEnv lenient("TAPEGRAD_REQUIRE_GNUPLOT", nullptr);
  tut::write_chart(c, dir / "grad");
  CHECK(read_text(dir / "grad.csv") ==
        "time step,tanh RNN,\"LSTM, forget bias 1\",\"LSTM, forget bias 1 (low)\","
        "\"LSTM, forget bias 1 (high)\"\n"
        "0,1e-06,0.5,0.4,0.6\n"
        "1,0.0001,0.6,0.5,0.7\n"
        "2,0.01,0.8,0.7,0.9\n"
        "3,1,1,0.9,1.1\n");
  const std::string script = read_text(dir / "grad.gp");
  // The band reads columns 4 and 5, in the colour of its line (column 3), and comes first.
  const size_t band = script.find(
      "using 1:($4 > 0 ? $4 : NaN):($5 > 0 ? $5 : NaN) with "
      "filledcurves fillstyle transparent solid 0.2 noborder "
      "linecolor 2 notitle");
  const size_t line = script.find("using 1:($3 > 0 ? $3 : NaN) with lines linewidth 2 linecolor 2");
  REQUIRE(band != std::string::npos);
  REQUIRE(line != std::string::npos);
  CHECK(band < line);
  c.series[1].high.pop_back();
  CHECK_THROWS_WITH(tut::write_chart(c, dir / "wrong"),
                    Catch::Contains("has 4 low and 3 high values for 4 x values"));
}

TEST_CASE("a y range is set only where the chart asks for one", "[chart]") {
  tut::Chart c = gradient_chart();
  const fs::path dir = scratch("range");
  ScopedEnv no_gnuplot("PATH", "");
  ScopedEnv lenient("TAPEGRAD_REQUIRE_GNUPLOT", nullptr);
  tut::write_chart(c, dir / "auto");
  CHECK(read_text(dir / "auto.gp").find("set yrange") == std::string::npos);
  c.log_y = false;
  c.y_min = 0.0;
  c.y_max = 100.0;
  tut::write_chart(c, dir / "percent");
  CHECK(read_text(dir / "percent.gp").find("set yrange [0:100]\n") != std::string::npos);
  c.y_max = NAN;  // (only a floor: gnuplot chooses the top)
  tut::write_chart(c, dir / "floor");
  CHECK(read_text(dir / "floor.gp").find("set yrange [0:*]\n") != std::string::npos);
}
