// quoted.hpp — the numbers a docs page quotes from a viz example program, written as a tutorial
// writes its results.json (tutorials/common/tutorial.hpp), so that `./run pages` fills the page's
// markers from them and checks them (tools/pages.hpp).
//
// Two kinds of number:
//   value     exact: a count, a size, a norm. The same program gives the same number on every
//             run, so a fresh run must print it again to the last digit.
//   measured  a timing, in seconds. It depends on the machine and on what else runs beside it,
//             so it is never compared for equality; it carries a bound (`at_most`), and a fresh
//             run must measure it again and stay under it. The file then says when and where the
//             committed timings were measured ("measured_on"), and the page says so beside them.
//
// What this file leaves out: claims and verdicts. The viz examples draw and measure; they judge
// nothing over seeds.
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace ag::viz::examples {

class Quoted {
 public:
  // An exact number, quoted as `format` prints it; returns that text.
  std::string value(const std::string& key, double v, std::string_view format) {
    std::string text = fmt::format(fmt::runtime(format), v);
    values_[key] = {{"value", v}, {"text", text}, {"kind", "exact"}};
    return text;
  }
  // A timing in seconds, quoted as `format` prints it; a fresh run must stay under `at_most`.
  std::string measured(const std::string& key, double seconds, std::string_view format,
                       double at_most) {
    std::string text = fmt::format(fmt::runtime(format), seconds);
    values_[key] = {{"value", seconds}, {"text", text}, {"kind", "timing"}, {"at_most", at_most}};
    any_measured_ = true;
    return text;
  }
  void table(const std::string& key, const std::string& text) {
    tables_[key] = {{"text", text}, {"kind", "exact"}};
  }

  // `seeds`: the seeds the example networks draw their weights from; `seconds`: the run's time.
  void write(const std::string& path, const std::string& program,
             std::initializer_list<uint64_t> seeds, double seconds = 0.0) const {
    nlohmann::ordered_json results = {{"tutorial", program},
                                      {"mode", "full"},
                                      {"seeds", seeds},
                                      {"seconds", seconds},
                                      {"claims", nlohmann::ordered_json::array()},
                                      {"values", values_},
                                      {"tables", tables_}};
    if (any_measured_) results["measured_on"] = machine_now();
    std::FILE* out = std::fopen(path.c_str(), "w");
    if (out == nullptr) throw std::runtime_error(fmt::format("{}: cannot write {}", program, path));
    fmt::print(out, "{}\n", results.dump(2));
    std::fclose(out);
  }

 private:
  // When and on what the timings were taken: the date (UTC), the cores, and the load average
  // (what else was running: on a loaded machine every timing is several times longer).
  static std::string machine_now() {
    const std::time_t now = std::time(nullptr);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
    double load[1] = {0.0};
    const bool known = getloadavg(load, 1) == 1;
    return fmt::format("{}, {} cores, load average {}", date, std::thread::hardware_concurrency(),
                       known ? fmt::format("{:.1f}", load[0]) : std::string("unknown"));
  }

  nlohmann::ordered_json values_ = nlohmann::ordered_json::object();
  nlohmann::ordered_json tables_ = nlohmann::ordered_json::object();
  bool any_measured_ = false;
};

}  // namespace ag::viz::examples
