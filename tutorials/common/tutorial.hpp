// tutorial.hpp — what every tutorial program shares: its command line, its printing, its verdicts
// and the results file its docs page is generated from.
//
// A tutorial is a program a learner runs and reads. It explains, measures, and ends with its
// claims: each claim in one sentence, what was measured, and a verdict. The exit code is non-zero
// when a claim is NOT REPRODUCED, so CTest (which runs every tutorial with --quick) keeps every
// claim true.
//
// One rule for every verdict (issue #12; docs/README.md, "How a verdict is reached"). A claim that
// depends on random initial weights or data is judged over several seeds (--seed S --seeds N runs
// S, S+1, ..., S+N-1). Two steps, each guarding against a verdict that rounding could flip:
//
//   1. Each seed: the claim's comparisons ("the test MSE is lower than the other's", "the ratio is
//      below 1e-3") are made with a margin, kMargin = 1% relative. A seed holds when every
//      comparison clears its bound by more than the margin, fails when one misses it by more, and
//      is a tie otherwise; a tie is no evidence for the claim, so it does not count as holding.
//   2. The count: with k of N seeds holding,
//
//        REPRODUCED       when k >= 80% of N  and  a sign test says k is more than a coin gives:
//                         P(at least k of N | each seed a fair coin) <= 5%,
//        NOT REPRODUCED   when k <= 20% of N,
//        TOO FEW SEEDS    when every seed holds but N is too small for that to be evidence
//                         (N <= 4: the tour's one seed, --quick's two): the seeds agree, and
//                         there are not enough of them to give a verdict,
//        MIXED            in between: the seeds disagree (the docs page explains a MIXED result),
//
//      printed as "holds in k of N seeds by more than 1%, t ties; REPRODUCED needs m: VERDICT"
//      under a per-seed table (holds, fails or tie). Neither MIXED nor TOO FEW SEEDS counts as a
//      failure in the exit code. A claim that does not depend on a seed (an identity, a gradient
//      checked against the chain rule) is judged once.
//
// A claim for any weights is not a majority claim. An identity or a theorem's bound ("the cell
// path's Jacobian is diag(f_t)", "the gradient falls at least as fast as Pascanu's bound"),
// checked on several random draws, is refuted by one counterexample, and every draw holding is
// all the evidence the draws can give. Tutorial::claim_for_all judges it so: REPRODUCED when every
// seed holds, NOT REPRODUCED when any seed fails, MIXED when none fails but one is a tie (within
// the margin of its bound: not a counterexample, not a confirmation either). Its verdict line
// says "every seed must hold" in place of the count REPRODUCED needs.
//
// A timing claim ("a step with ReLU gates takes less CPU time") is judged by the same two steps
// over timing rounds instead of seeds, with a wider margin, kTimingMargin = 5%: what moves a
// timing is the machine's load, not rounding. Its verdict is printed but never part of the exit
// code, and NO VERDICT stands for MIXED (the load, not the claim, decided the rounds).
//
// Why both. The margin keeps a seed whose two numbers agree to rounding from deciding anything.
// The sign test is for what the margin cannot catch: a long training run amplifies rounding until
// a changed summation order is as good as a new seed (tutorial 11's half-open ReLU gates: the same
// seeds moved from 8 to 7 of 10 when nn's LSTM step changed the order of one sum). 8 of 10 is not
// evidence: a fair coin gives at least 8 heads in 10 throws with probability 56/1024 = 5.5%. So
// with 10 seeds REPRODUCED needs 9 (11/1024 = 1.1%), with 6 seeds all 6 (1/64 = 1.6%), and 2 seeds
// (--quick) can never reproduce a claim, only fail it (0 of 2 is NOT REPRODUCED; 2 of 2 is TOO FEW
// SEEDS). NOT REPRODUCED asks for no such evidence: the burden of proof is on the claim.
//
// Every tutorial takes:   --quick (a seconds-long version for CTest)   --seed S   --seeds N
// --out DIR (default out/NN_name/, where it writes its graphs, CSV files and results.json), and
// --help. results.json holds the claims, the named numbers and the named tables the program
// printed; tools/pages.cpp fills the docs page from it, and CI checks that the page still says
// what a fresh full-mode run prints (docs/README.md).
//
// What this file leaves out: statistics beyond the sign test (no confidence intervals, no
// correction for the many claims of one page: a verdict is a reading aid over a handful of seeds).
#pragma once

#include <CLI/CLI.hpp>
#include <autograd/fast/kernels.hpp>
#include <autograd/version.hpp>
#include <fmt/color.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace tut {

// How closely a fresh run must repeat a number for the docs page to stay true (tools/pages.cpp):
//   exact    deterministic arithmetic: to 1e-9 relative (printed text: to its last digit)
//   trained  the end of a training run, where rounding in the last bit can grow: to two
//            significant digits
//   timing   a speed: shown on the page with its spread, never compared (CI asserts no speed)
enum class Kind { exact, trained, timing };

inline const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::exact: return "exact";
    case Kind::trained: return "trained";
    case Kind::timing: return "timing";
  }
  return "exact";
}

// --- The verdict rule ---------------------------------------------------------------------------

// How far a per-seed comparison must clear its bound to count, relative to the larger of the two
// numbers: rounding moves a trained result by far less, so a difference under 1% is a coin flip.
inline constexpr double kMargin = 0.01;
// The sign test's level: REPRODUCED needs P(at least k of N heads from a fair coin) <= 5%.
inline constexpr double kEvidence = 0.05;
// The same rule for a timing claim judged over rounds (tutorials 05 and 11: "a step with ReLU
// gates takes less CPU time"): a round counts only when the two CPU times differ by more than 5%,
// relative to the larger. Rounding is not the noise there, the machine is: the same variant,
// timed round after round in one run, strays from its own median by 1-4% in a typical round (the
// full-mode runs committed at c3a7081, from min to median: tutorial 05's relu 3.64-3.73 ns per
// element, sigmoid 4.02-4.16; tutorial 11's sigmoid step 0.353-0.357 ms, ReLU 0.330-0.337 ms),
// and by far more in a busy one. A difference within that spread is what the load gave, not the
// variants: with no margin tutorial 11's claim went from 17 to 16 of 21 rounds between two runs,
// and from REPRODUCED to no verdict, on rounds that differed by a fraction of a percent.
inline constexpr double kTimingMargin = 0.05;

// One comparison a claim makes for one seed: is `value` below (or above) `bound`? Made with
// tut::below(value, bound) or tut::above(value, bound).
struct Comparison {
  double value = NAN, bound = NAN;
  bool below = true;
  double unit = 0.0;  // > 0: the slack in this unit instead (tut::above_in_units)

  // By how much the comparison holds, relative to the larger magnitude: positive when it holds,
  // negative when it fails; -inf for a NaN (a run that diverged holds nothing).
  //   below: (bound - value) / max(|value|, |bound|)     above: (value - bound) / max(...)
  double slack() const {
    if (std::isnan(value) || std::isnan(bound)) return -INFINITY;
    const double scale = unit > 0.0 ? unit : std::max(std::fabs(value), std::fabs(bound));
    if (scale == 0.0) return 0.0;  // 0 against 0: a tie
    if (std::isinf(scale)) {       // an infinite side: on its side or not, with nothing to scale
      const double diff = below ? bound - value : value - bound;
      return diff > 0 ? 1.0 : diff < 0 ? -1.0 : 0.0;
    }
    return (below ? bound - value : value - bound) / scale;
  }
};
inline Comparison below(double value, double bound) { return {value, bound, true}; }
inline Comparison above(double value, double bound) { return {value, bound, false}; }
// A bound of 0 gives a comparison no size of its own to be relative to ("every point is on its
// side of the boundary": y * score above 0; relative to the larger side the slack is always +-1).
// `unit` gives it one from the claim, e.g. the hinge loss's margin of 1: then the margin asks the
// value to clear the bound by 1% of that unit.
inline Comparison above_in_units(double value, double bound, double unit) {
  return {value, bound, false, unit};
}
// A condition with no near-tie to fear, e.g. a bound no value can cross (a sigmoid never exceeds
// 1, whatever its last digits; it can round to exactly 1.0, from an input of about 37 on), or a
// run that did not diverge: it holds or fails outright.
inline Comparison exactly(bool holds) {
  return holds ? above(INFINITY, 0.0) : below(INFINITY, 0.0);
}

enum class Outcome { holds, tie, fails };

// A seed's (or a round's) outcome from the smallest slack of its comparisons (all of them must
// hold), with the margin its kind of claim uses.
inline Outcome outcome_of(double slack, double margin = kMargin) {
  if (slack > margin) return Outcome::holds;
  if (slack < -margin) return Outcome::fails;
  return Outcome::tie;
}

// What one seed gave for a claim: a short text, and whether the claim held for that seed. Made
// from comparisons (tut::judged: the margin decides), or from a plain bool where the check has no
// near-tie to fear (a count of dead units, an exact identity).
struct SeedResult {
  uint64_t seed = 0;
  std::string measured;
  bool holds = false;
  bool tie = false;         // within kMargin of a bound: neither holds nor fails
  bool compared = false;    // decided by comparisons (tut::judged), with the margin
  double slack = INFINITY;  // the smallest slack of its comparisons
  double margin = kMargin;  // the margin it was judged with (kTimingMargin for a timing round)
};

// One seed's result from every comparison its claim makes; e.g. for "sigmoid gates end with a
// lower test MSE than ReLU gates":  tut::judged(seed, text, {tut::below(mse_sigmoid, mse_relu)}).
inline SeedResult judged(uint64_t seed, std::string measured,
                         const std::vector<Comparison>& comparisons, double margin = kMargin) {
  double slack = INFINITY;
  for (const Comparison& c : comparisons) slack = std::min(slack, c.slack());
  const Outcome o = outcome_of(slack, margin);
  return {seed, std::move(measured), o == Outcome::holds, o == Outcome::tie, true, slack, margin};
}

// One round of a timing claim, judged like a seed but with the timing margin; e.g. for "relu takes
// less CPU time than sigmoid":  tut::timed_round(r, text, {tut::below(relu_ns, sigmoid_ns)}).
// The rounds go to Tutorial::timing_claim.
inline SeedResult timed_round(uint64_t round, std::string measured,
                              const std::vector<Comparison>& comparisons) {
  return judged(round, std::move(measured), comparisons, kTimingMargin);
}

// P(X >= k) for X ~ Binomial(n, 1/2): how often a fair coin gives at least k heads in n throws.
inline double sign_test_tail(size_t k, size_t n) {
  double term = std::ldexp(1.0, -static_cast<int>(n));  // C(n, 0) / 2^n
  double tail = 0.0;
  for (size_t i = 0; i <= n; ++i) {
    if (i >= k) tail += term;
    term = term * static_cast<double>(n - i) / static_cast<double>(i + 1);  // C(n, i+1) / 2^n
  }
  return tail;
}

enum class Verdict { reproduced, mixed, too_few_seeds, not_reproduced };

// The project-wide rule above, as code: k of n seeds held (each by more than the margin).
inline Verdict verdict_of(size_t holds, size_t seeds) {
  if (seeds == 0) return Verdict::not_reproduced;
  if (5 * holds >= 4 * seeds && sign_test_tail(holds, seeds) <= kEvidence) {
    return Verdict::reproduced;  // k >= 80% of N, and more than a coin gives
  }
  if (5 * holds <= seeds) return Verdict::not_reproduced;  // k <= 20% of N
  if (holds == seeds) return Verdict::too_few_seeds;       // all agree, and N <= 4 is no evidence
  return Verdict::mixed;                                   // the seeds disagree
}

// The rule for a claim for any weights (Tutorial::claim_for_all): k of n seeds held, t were ties.
inline Verdict verdict_for_all(size_t holds, size_t ties, size_t seeds) {
  if (seeds == 0) return Verdict::not_reproduced;
  if (holds == seeds) return Verdict::reproduced;    // every draw holds
  if (holds + ties == seeds) return Verdict::mixed;  // no counterexample, but a tie
  return Verdict::not_reproduced;                    // one counterexample refutes it
}

// The smallest count that is REPRODUCED out of n, or 0 when none is (n <= 4: even n of n is
// what a coin gives with probability 1/16 or more).
inline size_t needed_to_reproduce(size_t n) {
  for (size_t k = 1; k <= n; ++k) {
    if (verdict_of(k, n) == Verdict::reproduced) return k;
  }
  return 0;
}

inline const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::reproduced: return "REPRODUCED";
    case Verdict::mixed: return "MIXED";
    case Verdict::too_few_seeds: return "TOO FEW SEEDS";
    case Verdict::not_reproduced: return "NOT REPRODUCED";
  }
  return "NOT REPRODUCED";
}

// Prose wrapped at `width` columns, each line starting with `indent`. Blank lines in text
// separate paragraphs; a single '\n' forces a line break.
inline std::string wrap(std::string_view text, size_t width = 96, std::string_view indent = "") {
  std::string out, line;
  auto flush = [&] {
    out += std::string(indent) + line + "\n";
    line.clear();
  };
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of(" \n", start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(start, end - start);
    if (!line.empty() && indent.size() + line.size() + 1 + word.size() > width) flush();
    if (!word.empty()) line += (line.empty() ? "" : " ") + std::string(word);
    if (end < text.size() && text[end] == '\n') flush();
    start = end + 1;
  }
  if (!line.empty()) flush();
  return out;
}

// A horizontal bar of `fraction` (0..1) of `width` characters, in Unicode eighth blocks.
inline std::string bar(double fraction, int width) {
  static const char* kEighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  const int eighths = static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * width * 8));
  std::string out;
  for (int i = 0; i < eighths / 8; ++i) out += "█";
  out += kEighths[eighths % 8];
  return out;
}

// Names as prose reads a list of them: "a", "a and b", "a, b and c" ("" for none). What the pages
// quote in words lists seeds, words and layers this way.
inline std::string and_list(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  }
  return out;
}

// CPU time of this process, in seconds: what the work costs, whatever else the machine runs beside
// it (wall-clock time would also count the moments another program had the core). The process's,
// not the thread's, so that a matmul OpenBLAS spreads over threads counts whole.
inline double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// The median: the middle value, or the mean of the two middle ones; NaN for no values, and NaN
// when any value is NaN (a diverged run): std::sort with NaN breaks its ordering, and would put
// the NaN anywhere, so a median of numbers that include one would be silently wrong. A caller
// that means "the median of the runs that finished" filters first and says so.
inline double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  if (std::any_of(v.begin(), v.end(), [](double x) { return std::isnan(x); })) return NAN;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

class Tutorial {
  // (Declared first because the public members below are initialised from them.)
  std::string name_, title_, intro_;

 public:
  // name: "01_scalar_autodiff"; title: one line; intro: what the learner is about to see.
  Tutorial(std::string name, std::string title, std::string intro)
      : name_(std::move(name)),
        title_(std::move(title)),
        intro_(std::move(intro)),
        cli(title_),
        out_dir("out/" + name_) {
    // Piped into a file or a CI log, stdout would be block-buffered and a long run would show
    // nothing for minutes: flush every line.
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    cli.add_flag("--quick", quick, "Run a small, seconds-long version (used by the test suite)");
    cli.add_option("--seed", seed, "The first seed of every random number the tutorial draws")
        ->capture_default_str();
    cli.add_option("--seeds", seed_count,
                   "How many seeds (seed, seed+1, ...) judge each seed-dependent claim "
                   "(default: 2 with --quick, else the tutorial's own)");
    cli.add_option("--out", out_dir, "Folder for the graphs, data files and results.json")
        ->capture_default_str();
    // The numbers docs/ shows, bit for bit, on x86-64 CPUs with and without AVX2 and FMA: the
    // portable kernels (the plain matrix product, glibc's SSE exp and tanh; fast/kernels.hpp).
    // The fast ones give the same results to the last few bits, which training then grows into
    // visible differences.
    ag::use_portable_kernels(true);
    cli.add_flag_callback(
        "--fast-kernels", [] { ag::use_portable_kernels(false); },
        "Use this machine's fastest kernels (OpenBLAS, vector exp/tanh): quicker, but the numbers "
        "then differ from docs/ in their last digits, and after training in more");
    cli.set_version_flag("--version", ag::version_line(name_));
  }

  // The tutorial's own seed count for full mode (at least 10 where that keeps it, with the fast
  // kernels, within 3 minutes on one core, else at least 5): call before parsing.
  void full_mode_seeds(int n) { full_seeds_ = n; }

  // The seeds every seed-dependent claim is judged over: seed, seed + 1, ..., in order.
  std::vector<uint64_t> seeds() const {
    uses_seeds_ = true;
    const int n = seed_count > 0 ? seed_count : quick ? 2 : full_seeds_;
    std::vector<uint64_t> s;
    for (int i = 0; i < n; ++i) s.push_back(seed + static_cast<uint64_t>(i));
    return s;
  }

  // Call after parsing: prints the title and the introduction.
  void begin() const {
    const std::string rule(title_.size() + 4, '=');
    fmt::print("{}\n  {}\n{}\n\n", rule, title_, rule);
    paragraph(intro_);
  }

  // A heading for one part of the tutorial.
  void section(std::string_view title) const {
    fmt::print("\n--- {} {}\n\n", title,
               std::string(title.size() < 90 ? 90 - title.size() : 0, '-'));
  }

  // Prose, wrapped at 96 columns. Blank lines in text separate paragraphs.
  static void paragraph(std::string_view text) { fmt::print("{}\n", wrap(text)); }

  // A file in the output folder (created on first use), e.g. out/01_scalar_autodiff/graph.svg.
  std::string out_path(std::string_view file) const {
    std::filesystem::create_directories(out_dir);
    return (std::filesystem::path(out_dir) / file).string();
  }

  // Progress of a long loop: "  [#####.........]   40/100   loss 0.31". In a terminal one line
  // rewrites itself; in a log (not a terminal) a line is written about every tenth of the way
  // and at the end, with no '\r'. Call with done == total when the loop ends, early or not.
  static void progress(int64_t done, int64_t total, std::string_view what) {
    constexpr int kWidth = 30;
    const bool tty = isatty(fileno(stdout)) != 0;
    const bool last = done >= total;
    if (!tty && !last) {
      const int64_t tenth = std::max<int64_t>(1, total / 10);
      if (done % tenth != 0) return;
    }
    const int filled = total > 0 ? static_cast<int>(kWidth * std::min(done, total) / total)
                                 : kWidth;
    fmt::print("{}  [{}{}] {:>5}/{:<5} {}{}", tty ? "\r" : "", std::string(filled, '#'),
               std::string(kWidth - filled, '.'), done, total, what, tty && !last ? "" : "\n");
    std::fflush(stdout);
  }

  // --- what the docs page is generated from -----------------------------------------------------

  // A number the page quotes: recorded under `key` in results.json, returned as the text printed.
  // E.g.  t.value("ratio_normalized", 0.1581, "{:.3f}")  returns "0.158".
  std::string value(const std::string& key, double v, std::string_view format = "{:.3g}",
                    Kind kind = Kind::exact) {
    const std::string text = fmt::format(fmt::runtime(format), v);
    values_[key] = {{"value", v}, {"text", text}, {"kind", kind_name(kind)}};
    return text;
  }

  // A value that reads all the run's seeds (a median over them, "in 3 seeds", "no seed
  // shows..."), not one seed's picture or a number nothing random enters. Recorded as value()
  // does, and marked: the replication on other seeds reads it again, and where it reads
  // otherwise the page shows both (tools/pages.hpp, "replication").
  std::string value_over_seeds(const std::string& key, double v, std::string_view format = "{:.3g}",
                               Kind kind = Kind::exact) {
    std::string text = value(key, v, format, kind);
    values_[key]["over_seeds"] = true;
    return text;
  }

  // A table (or any preformatted text) the page shows: printed here as it is, and recorded under
  // `key` in results.json. Lines should be at most 100 columns.
  void table(const std::string& key, const std::string& text, Kind kind = Kind::exact) {
    fmt::print("{}", text);
    blocks_[key] = {{"text", text}, {"kind", kind_name(kind)}};
  }

  // --- claims
  // -------------------------------------------------------------------------------------

  // A claim that does not depend on a seed: judged once.
  void claim(std::string claim_text, std::string measured, bool reproduced,
             Kind kind = Kind::exact) {
    Claim c{std::move(claim_text), std::move(measured), {}, reproduced ? 1u : 0u, 1, kind};
    c.once = true;
    claims_.push_back(std::move(c));
  }

  // A claim judged over seeds: one result per seed (from seeds()), and a summary of what was
  // measured across them ("ratio 0.15-0.19, median 0.17"). Seeds made by tut::judged are decided
  // with the margin; a tie counts as not holding.
  void claim(std::string claim_text, std::string summary, std::vector<SeedResult> per_seed,
             Kind kind = Kind::trained) {
    size_t holds = 0, ties = 0;
    bool compared = !per_seed.empty();
    for (const SeedResult& r : per_seed) {
      holds += r.holds ? 1 : 0;
      ties += r.tie ? 1 : 0;
      compared = compared && r.compared;
    }
    const size_t n = per_seed.size();
    Claim c{std::move(claim_text), std::move(summary), std::move(per_seed), holds, n, kind};
    c.ties = ties;
    c.compared = compared;
    claims_.push_back(std::move(c));
  }

  // A claim for any weights (an identity, a theorem's bound) checked on each seed's random draw:
  // one result per seed, as above, but judged by "every seed must hold" (verdict_for_all), not by
  // the count: one seed that fails is a counterexample, and refutes it.
  void claim_for_all(std::string claim_text, std::string summary, std::vector<SeedResult> per_seed,
                     Kind kind = Kind::exact) {
    claim(std::move(claim_text), std::move(summary), std::move(per_seed), kind);
    claims_.back().for_all = true;
  }

  // A claim about speed. Its verdict is printed like any other, but it does not count in the exit
  // code and CI never compares it: a timing depends on the machine and on what else runs beside
  // it (speed is the benchmarks' job: docs/performance.md). `measured` should show the spread.
  void timing_claim(std::string claim_text, std::string measured, bool reproduced) {
    Claim c{std::move(claim_text), std::move(measured), {}, reproduced ? 1u : 0u, 1, Kind::timing};
    c.once = true;
    claims_.push_back(std::move(c));
  }
  // The same over repeated timing rounds (one tut::timed_round each), by the verdict rule with
  // the timing margin: a round holds when it clears kTimingMargin, and a near-tie is a tie. Where
  // the rounds disagree (MIXED) the spread allows no verdict: NO VERDICT. The rounds are counted
  // on the verdict line, not listed one by one (the measured text should give their spread).
  void timing_claim(std::string claim_text, std::string measured, std::vector<SeedResult> rounds) {
    claim(std::move(claim_text), std::move(measured), std::move(rounds), Kind::timing);
    claims_.back().unit = "rounds";
    claims_.back().list_rows = false;
  }

  // The closing verdicts, each printed once; writes results.json; returns the exit code (0 unless
  // a claim other than a timing is NOT REPRODUCED).
  int finish() const {
    section("Claims and verdicts");
    bool ok = true;
    std::string text;
    for (const Claim& c : claims_) {
      text += claim_text(c, isatty(fileno(stdout)) != 0);
      ok = ok && (c.kind == Kind::timing || verdict(c) != Verdict::not_reproduced);
    }
    if (claims_.empty()) text = "  (this tutorial made no claim)\n";
    fmt::print("{}", text);
    // Too few seeds for a verdict (the tour's --seeds 1, --quick's 2): say where one is made.
    if (std::any_of(claims_.begin(), claims_.end(),
                    [](const Claim& c) { return verdict(c) == Verdict::too_few_seeds; })) {
      fmt::print("{}", wrap(fmt::format("(TOO FEW SEEDS: held on every seed run here ({}), too "
                                        "few to tell from a coin; a full run judges most claims "
                                        "over {}: {}, or the docs page's.)",
                                        seeds().size(), full_seeds_, "./build/tutorials/" + name_),
                            96, "  "));
    }
    // CPU time, not wall time: what the run costs whatever else the machine is doing.
    const double seconds = static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
    // (Two significant digits below 10 s: a run of 0.03 s does not take "0 s".)
    fmt::print("  ({}, {} s of CPU time{})\n", run_text(),
               seconds < 10 ? fmt::format("{:.2g}", seconds) : fmt::format("{:.0f}", seconds),
               ag::portable_kernels() ? "" : ", fast kernels: not docs/'s numbers");
    write_results(seconds);
    return ok ? 0 : 1;
  }

  // What was run, as the last line says it: "quick mode, seeds 1-2", "full mode, seeds 1-10", or,
  // with fewer seeds than the tutorial's own count (the tour's --seeds 1), "full-size workload,
  // seed 1: 1 of the 10 seeds a full run judges over": the workload is full-size, the run is not
  // the full one. (results.json's "mode" stays "full" for all but --quick.)
  std::string run_text() const {
    if (quick) return fmt::format("quick mode, {}", seed_list());
    const size_t n = uses_seeds_ ? seeds().size() : 0;
    if (n == 0 || n >= static_cast<size_t>(full_seeds_))
      return fmt::format("full mode, {}", seed_list());
    return fmt::format("full-size workload, {}: {} of the {} seeds a full run judges over",
                       seed_list(), n, full_seeds_);
  }

  bool quick = false;
  uint64_t seed = 1;
  int seed_count = 0;  // 0: the default for the mode
  CLI::App cli;
  std::string out_dir;

 private:
  struct Claim {
    std::string text, measured;
    std::vector<SeedResult> per_seed;  // empty: judged once
    size_t holds = 0, n = 1;
    Kind kind = Kind::exact;
    std::string unit = "seeds";  // what "holds in k of N ..." counts
    bool once = false;           // judged once: nothing in it depends on a seed
    size_t ties = 0;             // seeds within the margin of a bound
    bool compared = false;       // every seed decided by comparisons, with the margin
    bool list_rows = true;       // print one row per seed (not for timing rounds: only counted)
    bool for_all = false;        // a claim for any weights: every seed must hold (claim_for_all)
    // The margin its seeds were judged with (the first's: a claim's seeds share one).
    double margin() const { return per_seed.empty() ? kMargin : per_seed.front().margin; }
  };

  // A tie the margin made (a tutorial may also call a seed a tie by its own rule, and says why).
  static bool near_tie(const SeedResult& r) {
    return r.tie && r.compared && std::fabs(r.slack) <= r.margin;
  }

  static Verdict verdict(const Claim& c) {
    if (c.once) return c.holds > 0 ? Verdict::reproduced : Verdict::not_reproduced;
    if (c.for_all) return verdict_for_all(c.holds, c.ties, c.n);
    return verdict_of(c.holds, c.n);
  }

  // "holds in 7 of 10 seeds by more than 1%, 1 tie; REPRODUCED needs 9": the count, the margin
  // and the count the verdict needed, so a reader sees how near the verdict came to another.
  static std::string count_text(const Claim& c) {
    if (c.once)
      return fmt::format("holds in {} of 1 (judged once: nothing in it depends on a seed)",
                         c.holds);
    std::string margin = c.compared ? fmt::format("by more than {:g}%, {} tie{}", 100 * c.margin(),
                                                  c.ties, c.ties == 1 ? "" : "s")
                                    : "(exact checks: no margin)";
    const size_t needed = needed_to_reproduce(c.n);
    const std::string unit = c.n == 1 ? c.unit.substr(0, c.unit.size() - 1) : c.unit;  // "1 seed"
    const std::string needs =
        c.for_all    ? "a claim for any weights: every seed must hold, one that fails refutes it"
        : needed > 0 ? fmt::format("REPRODUCED needs {}", needed)
                     : fmt::format("{} {} cannot give REPRODUCED", c.n, unit);
    return fmt::format("holds in {} of {} {} {}; {}", c.holds, c.n, unit, margin, needs);
  }

  // "seeds 1-10"; "seed 1" for a tutorial that never asked for seeds() (one draw, or none).
  std::string seed_list() const {
    if (!uses_seeds_) return fmt::format("seed {}", seed);
    const std::vector<uint64_t> s = seeds();
    if (s.size() == 1) return fmt::format("seed {}", s[0]);
    return fmt::format("seeds {}-{}", s.front(), s.back());
  }

  // (A timing whose rounds disagree gets no verdict: the machine's load decided it. Too few
  // rounds that agree are counted as rounds, not seeds.)
  static std::string verdict_word(const Claim& c) {
    const Verdict v = verdict(c);
    if (c.kind == Kind::timing && v == Verdict::mixed) return "NO VERDICT";
    if (c.unit == "rounds" && v == Verdict::too_few_seeds) return "TOO FEW ROUNDS";
    return verdict_name(v);
  }

  // One claim as the program prints it and as the page shows it (without colour).
  static std::string claim_text(const Claim& c, bool colour) {
    std::string body;
    for (const SeedResult& r : c.list_rows ? c.per_seed : std::vector<SeedResult>{}) {
      body += fmt::format("            seed {:<3} {:<5}  {}{}\n", r.seed,
                          r.tie     ? "tie"
                          : r.holds ? "holds"
                                    : "fails",
                          r.measured,
                          near_tie(r) ? fmt::format(" (within {:g}%)", 100 * r.margin) : "");
    }
    std::string out = indent_after_first(wrap(c.text, 84), "  claim:    ", "            ");
    out += indent_after_first(wrap(c.measured, 84), "  measured: ", "            ");
    out += body;
    const Verdict v = verdict(c);
    const std::string word = verdict_word(c);
    const auto style = v == Verdict::reproduced ? fmt::fg(fmt::color::green)
                       : v == Verdict::mixed || v == Verdict::too_few_seeds
                           ? fmt::fg(fmt::color::orange)
                           : fmt::fg(fmt::color::red);
    // (Wrapped with a placeholder for the word, so that colour codes do not count as width.)
    const std::string line = fmt::format("{}: {}{}", count_text(c), std::string(word.size(), '#'),
                                         c.kind == Kind::timing
                                             ? " (a timing: not part of the exit code)"
                                             : "");
    std::string wrapped = indent_after_first(wrap(line, 84), "  verdict:  ", "            ");
    const size_t at = wrapped.rfind(std::string(word.size(), '#'));
    wrapped.replace(at, word.size(),
                    colour ? fmt::format(style | fmt::emphasis::bold, "{}", word) : word);
    return out + wrapped + "\n";
  }

  // "  claim:    first line\n            second line\n" from "first line\nsecond line\n".
  static std::string indent_after_first(const std::string& lines, std::string_view first,
                                        std::string_view rest) {
    std::string out;
    size_t start = 0;
    bool first_line = true;
    while (start < lines.size()) {
      const size_t end = lines.find('\n', start);
      out += std::string(first_line ? first : rest) + lines.substr(start, end - start) + "\n";
      first_line = false;
      start = end == std::string::npos ? lines.size() : end + 1;
    }
    return out;
  }

  void write_results(double seconds) const {
    nlohmann::ordered_json claims = nlohmann::ordered_json::array();
    for (const Claim& c : claims_) {
      nlohmann::ordered_json rows = nlohmann::ordered_json::array();
      for (const SeedResult& r : c.per_seed) {
        // (slack: how far the seed's closest comparison cleared its bound, relative; what an
        // audit of near-ties reads. Absent for a seed decided without comparisons.)
        nlohmann::ordered_json row = {
            {"seed", r.seed}, {"measured", r.measured}, {"holds", r.holds}, {"tie", r.tie}};
        if (r.compared && std::isfinite(r.slack)) row["slack"] = r.slack;
        rows.push_back(row);
      }
      claims.push_back({{"claim", c.text},
                        {"measured", c.measured},
                        {"kind", kind_name(c.kind)},
                        {"holds", c.holds},
                        {"of", c.n},
                        {"ties", c.ties},
                        {"verdict", verdict_word(c)},
                        {"seeds", rows},
                        {"text", claim_text(c, false)}});
    }
    nlohmann::ordered_json results = {{"tutorial", name_},
                                      {"mode", quick ? "quick" : "full"},
                                      {"kernels", ag::portable_kernels() ? "portable" : "fast"},
                                      {"seeds",
                                       uses_seeds_ ? seeds() : std::vector<uint64_t>{seed}},
                                      {"seconds", seconds},
                                      {"claims", claims},
                                      {"values", values_},
                                      {"tables", blocks_}};
    std::ofstream file(out_path("results.json"));
    file << results.dump(1) << "\n";
    if (!file) fmt::print(stderr, "could not write {}\n", out_path("results.json"));
  }

  int full_seeds_ = 10;
  mutable bool uses_seeds_ = false;  // seeds() was asked for: the tutorial judges over seeds
  std::vector<Claim> claims_;
  nlohmann::ordered_json values_ = nlohmann::ordered_json::object();
  nlohmann::ordered_json blocks_ = nlohmann::ordered_json::object();
};

}  // namespace tut
