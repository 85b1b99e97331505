// tutorial.hpp — what every tutorial program shares: its command line, its printing, its verdict.
//
// A tutorial is a program a learner runs and reads. It explains, measures, and ends with a claim
// and its verdict: the claim in one sentence, the number that was measured, and REPRODUCED or
// NOT REPRODUCED. The exit code is non-zero when a claim is not reproduced, so CTest (which runs
// every tutorial with --quick) keeps every claim true.
//
// Every tutorial takes:   --quick (a seconds-long version for CTest)   --seed N   --out DIR
// (default out/NN_name/, where it writes its graphs and CSV files), and --help.
#pragma once

#include <CLI/CLI.hpp>
#include <fmt/color.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tut {

class Tutorial {
  // (Declared first because the public members below are initialised from them.)
  std::string name_, title_, intro_;

 public:
  // name: "01_scalar_autodiff"; title: one line; intro: what the learner is about to see.
  Tutorial(std::string name, std::string title, std::string intro)
      : name_(std::move(name)), title_(std::move(title)), intro_(std::move(intro)),
        cli(title_), out_dir("out/" + name_) {
    cli.add_flag("--quick", quick, "Run a small, seconds-long version (used by the test suite)");
    cli.add_option("--seed", seed, "Seed of every random number the tutorial draws")
        ->capture_default_str();
    cli.add_option("--out", out_dir, "Folder for the graphs and data files it writes")
        ->capture_default_str();
  }

  // Call after parsing: prints the title and the introduction.
  void begin() const {
    const std::string rule(title_.size() + 4, '=');
    fmt::print("{}\n  {}\n{}\n\n", rule, title_, rule);
    paragraph(intro_);
  }

  // A heading for one part of the tutorial.
  void section(std::string_view title) const {
    fmt::print("\n--- {} {}\n\n", title, std::string(title.size() < 90 ? 90 - title.size() : 0, '-'));
  }

  // Prose, wrapped at 96 columns. Blank lines in text separate paragraphs.
  static void paragraph(std::string_view text) {
    std::string line;
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find(' ', start);
      if (end == std::string_view::npos) end = text.size();
      std::string_view word = text.substr(start, end - start);
      size_t newline = word.find('\n');
      if (newline != std::string_view::npos) {  // a paragraph break (or a forced line break)
        std::string_view before = word.substr(0, newline);
        if (!line.empty() && line.size() + 1 + before.size() > 96) {
          fmt::print("{}\n", line);
          line.clear();
        }
        if (!before.empty()) line += (line.empty() ? "" : " ") + std::string(before);
        fmt::print("{}\n", line);
        line.clear();
        start += newline + 1;
        continue;
      }
      if (!line.empty() && line.size() + 1 + word.size() > 96) {
        fmt::print("{}\n", line);
        line.clear();
      }
      if (!word.empty()) line += (line.empty() ? "" : " ") + std::string(word);
      start = end + 1;
    }
    if (!line.empty()) fmt::print("{}\n", line);
    fmt::print("\n");
  }

  // A file in the output folder (created on first use), e.g. out/01_scalar_autodiff/graph.svg.
  std::string out_path(std::string_view file) const {
    std::filesystem::create_directories(out_dir);
    return (std::filesystem::path(out_dir) / file).string();
  }

  // One line that rewrites itself: "training  [#####.....]  step 40/100  loss 0.31".
  // In a log file (not a terminal) the rewriting would pile up, so only the finished line is
  // written there.
  static void progress(int64_t done, int64_t total, std::string_view what) {
    if (done < total && isatty(fileno(stdout)) == 0) return;
    constexpr int kWidth = 30;
    const int filled = total > 0 ? static_cast<int>(kWidth * done / total) : kWidth;
    fmt::print("\r  [{}{}] {:>5}/{:<5} {}", std::string(filled, '#'),
               std::string(kWidth - filled, '.'), done, total, what);
    if (done >= total) fmt::print("\n");
    std::fflush(stdout);
  }

  // Records a claim with what was measured; printed again, all together, by finish().
  void claim(std::string claim_text, std::string measured, bool reproduced) {
    claims_.push_back({std::move(claim_text), std::move(measured), reproduced});
    print_claim(claims_.back());
  }

  // A claim about speed. Its verdict is printed like any other, but it does not count in the
  // exit code: a timing depends on the machine and on what else runs beside it, and CTest, which
  // runs every tutorial, must not pass or fail on that (speed is the benchmarks' job:
  // docs/performance.md).
  void timing_claim(std::string claim_text, std::string measured, bool reproduced) {
    claims_.push_back({std::move(claim_text), std::move(measured), reproduced, true});
    print_claim(claims_.back());
  }

  // The closing verdicts; returns the exit code (0 only if every claim but the timing ones
  // reproduced).
  int finish() const {
    section("Claims and verdicts");
    bool all = true;
    for (const Claim& c : claims_) {
      print_claim(c);
      all = all && (c.reproduced || c.timing);
    }
    if (claims_.empty()) {
      fmt::print("  (this tutorial made no claim)\n");
    }
    return all ? 0 : 1;
  }

  bool quick = false;
  uint64_t seed = 1;
  CLI::App cli;
  std::string out_dir;

 private:
  struct Claim {
    std::string text, measured;
    bool reproduced;
    bool timing = false;  // a speed claim: printed, not counted in the exit code
  };
  static void print_claim(const Claim& c) {
    const bool tty = isatty(fileno(stdout)) != 0;
    const char* word = c.reproduced ? "REPRODUCED" : "NOT REPRODUCED";
    const auto colour = c.reproduced ? fmt::fg(fmt::color::green) : fmt::fg(fmt::color::red);
    fmt::print("  claim:    {}\n  measured: {}\n  verdict:  {}{}\n\n", c.text, c.measured,
               tty ? fmt::format(colour | fmt::emphasis::bold, "{}", word) : std::string(word),
               c.timing ? " (a timing: it varies with the machine and its load, so it is not "
                          "part of the exit code)"
                        : "");
  }

  std::vector<Claim> claims_;
};

}  // namespace tut
