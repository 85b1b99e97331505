// pages.hpp — docs pages that cannot go stale: filled from a tutorial's results.json, and checked
// against a fresh run.
//
// A tutorial page (docs/tutorials/NN_name.md) never types a measured number. It holds markers,
// and between them what the program printed in a full-mode run, whose results.json is committed
// beside the page (docs/tutorials/results/NN_name.json):
//
//     <!-- results: claims -->          every claim: text, measured, per-seed rows, k of N, verdict
//     <!-- /results -->
//     <!-- results: claim 2 -->         the second claim alone (under each claim, and under the
//                                       list of all, what its replication found: "replication"
//                                       below)
//     <!-- results: table tanh -->      a table the program printed with Tutorial::table
//     <!-- results: run -->             "full mode, seeds 1-10, 95 s", the run the page comes from
//     ... is <!-- results: verdict 3 -->MIXED<!-- /results -->, because ...
//                                       a verdict named in prose: the one marker that is not
//                                       filled but checked. The words around it were written for
//                                       that verdict, so when the run's verdict changes, filling
//                                       the page stops with an error that points at it: the
//                                       author rereads the paragraph, rewrites what no longer
//                                       holds, and only then writes the new verdict into it
//     ... in <!-- results: count 3 -->10 of 10<!-- /results --> seeds ...
//                                       the claim's "k of N", inline: prose that would say "in
//                                       every seed" of a claim quotes its count instead
//     ... <!-- results: value ratio -->0.158<!-- /results --> ...   a number, inline in prose
//                                       (a reading of all the seeds adds what the replication
//                                       read, where it reads otherwise: "replication" below)
//     <!-- results: markdown peers -->  a Markdown block the run wrote, rendered as Markdown (a
//                                       table), not shown as text in a fence
//     ... <!-- results: measured viz_fold_bench/lstm_full_s -->1.3<!-- /results --> s ...
//                                       a timing with a bound (a value with "at_most"), inline:
//                                       the marker says that it is measured, not reproduced
//
// docs/performance.md is filled the same way from docs/performance/results.json, which
// benchmarks/compare_peers.py writes; timings are not re-run in CI, so there only check 1 applies
// (benchmarks/check_page.cmake, under CTest).
//
// Any other page (a concept page, the README) cites a tutorial's results with the same markers,
// its argument prefixed by the tutorial's name and a slash; the same works on a tutorial page to
// quote another tutorial:
//
//     <!-- results: value 09_gradients_through_time/first_ratio_tanh -->3.1e-20<!-- /results -->
//     <!-- results: table 09_gradients_through_time/seeds -->
//     <!-- results: claim 09_gradients_through_time/2 -->
//     <!-- results: run 09_gradients_through_time/ -->    (the cited run: its mode and seeds)
//
// The cited results are the committed ones (docs/tutorials/results/NN_name.json), so a concept
// page changes exactly when the tutorial's page does.
//
// Two checks keep a page true (`./run pages --check`, in CI):
//   1. the page is exactly what filling it from the committed results gives (no hand edits);
//   2. a fresh full-mode run agrees with the committed results: every verdict and every "k of N"
//      exactly, every number within the tolerance of its kind (tut::Kind):
//        exact    1e-9 relative, or one unit in the last digit printed (the text was rounded)
//        trained  one unit in the second significant digit (0.94 vs 0.95 agree, 0.94 vs 0.96 not)
//        timing   not compared: speed depends on the machine and its load. A timing that
//                 carries a bound ("at_most", quoted by a `measured` marker) must be measured
//                 again, as a finite number of seconds above 0 and at most its bound: present
//                 and plausible, never equal. Its results say where it was measured
//                 ("measured_on": date, cores, load average), and its `run` marker says so.
//      Runs of the bar characters ▏▎▍▌▋▊▉█ and the spaces after them are ignored: a bar is a
//      picture of a number that is compared itself. (A page that only cites is covered by the
//      check of each tutorial it cites.) A fresh replication on other seeds agrees too: each
//      claim's count and verdict there, exactly.
//
// And one rule keeps numbers from being typed around the markers (stray_numbers below, checked
// by tests/tools over the pages it lists): in a page's prose, every decimal fraction, power of
// ten, percentage, duration and count of what the programs count (378 nodes, nine of ten seeds)
// sits between markers.
//
// And a second rule keeps verdicts from being typed (stray_verdicts below, also checked by
// tests/tools): the words REPRODUCED, NOT REPRODUCED, MIXED, TOO FEW SEEDS (or ROUNDS) and NO
// VERDICT appear in a page's
// prose only inside a `verdict` marker, which fill checks against the run (the pages that define
// the words are the checker's caller's to allow).
//
// What this file leaves out: prose. The words around the markers are the author's; only what
// sits between markers is generated, and a verdict the prose depends on is checked.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace pages {

using Json = nlohmann::ordered_json;

// ----- filling a page
// ------------------------------------------------------------------------------

inline std::string fenced(const std::string& text) { return "\n```text\n" + text + "```\n"; }

// The line (from 1) that byte `at` of `text` is on: for errors and findings that point at a page.
inline int line_at(std::string_view text, size_t at) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

// The results a page's markers read, by tutorial name: "" is the page's own tutorial (a marker
// without a "NN_name/" prefix), any other name a cited tutorial.
using Lookup = std::function<const Json&(const std::string& tutorial)>;

// One marker's words after "results:", e.g. "table tanh" or "value 09_x/ratio", taken apart.
struct Marker {
  std::string kind;      // claims, claim, table, value, run
  std::string tutorial;  // "" for the page's own; the cited tutorial's name otherwise
  std::string name;      // the claim's number, the table's or the value's key; "" for claims, run
};

inline Marker parse_marker(std::string_view what) {
  const size_t space = what.find(' ');
  Marker m{std::string(what.substr(0, space)), "", ""};
  const std::string argument = space == std::string_view::npos
                                   ? ""
                                   : std::string(what.substr(space + 1));
  const size_t slash = argument.find('/');
  m.tutorial = slash == std::string::npos ? "" : argument.substr(0, slash);
  m.name = slash == std::string::npos ? argument : argument.substr(slash + 1);
  return m;
}

// Whether a page has a marker that cites another program's results ("value NN_name/KEY", "table
// viz_gallery/mlp_flow"): a concept page, the README. `pages citing` lists those pages, for
// `./run pages` to fill and for CTest to check (tests/tools/pages_filled.cmake).
inline bool cites_results(std::string_view page) {
  static constexpr std::string_view kOpen = "<!-- results: ", kEnd = " -->";
  for (size_t at = page.find(kOpen); at != std::string_view::npos; at = page.find(kOpen, at)) {
    at += kOpen.size();
    const size_t end = page.find(kEnd, at);
    if (end == std::string_view::npos) return false;
    if (!parse_marker(page.substr(at, end - at)).tutorial.empty()) return true;
  }
  return false;
}

// ----- comparing numbers and texts -----------------------------------------------------------

enum class Kind { exact, trained, timing };

inline Kind kind_of(const Json& j) {
  const std::string k = j.value("kind", "exact");
  return k == "trained" ? Kind::trained : k == "timing" ? Kind::timing : Kind::exact;
}

// Do two numbers agree within `kind`'s tolerance? `digits_unit` is one unit in the last digit
// printed (0 for numbers kept at full precision).
inline bool agree(double a, double b, Kind kind, double digits_unit = 0.0) {
  if (kind == Kind::timing) return true;
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  const double diff = std::fabs(a - b), big = std::max(std::fabs(a), std::fabs(b));
  if (diff <= 1e-9 * big || diff <= digits_unit * (1 + 1e-9)) return true;
  if (kind == Kind::trained) {
    if (big == 0.0) return true;
    return diff <= std::pow(10.0, std::floor(std::log10(big)) - 1) * (1 + 1e-9);
  }
  return false;
}

// A text cut into words and numbers. Bars (U+2580-U+259F, three UTF-8 bytes each) are dropped.
struct Token {
  bool number = false;
  std::string text;
  double value = 0.0;
  double unit = 0.0;  // one unit in the last printed digit
};

inline std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> tokens;
  std::string word;
  auto end_word = [&] {
    if (!word.empty()) tokens.push_back({false, word, 0.0, 0.0});
    word.clear();
  };
  size_t i = 0;
  auto digit = [&](size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '9'; };
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x96 &&
        static_cast<unsigned char>(s[i + 2]) >= 0x80 &&
        static_cast<unsigned char>(s[i + 2]) <= 0x9F) {
      i += 3;  // a bar character
      continue;
    }
    if (c == ' ' || c == '\n' || c == '\t') {
      end_word();
      ++i;
      continue;
    }
    // A number: [-]digits[.digits][e[+-]digits], not glued to a word before it ("t=3" is a word
    // "t=" and a number 3; "W_hh" has none).
    const bool starts = digit(i) || ((c == '-' || c == '.') && digit(i + 1)) ||
                        (c == '-' && s.size() > i + 2 && s[i + 1] == '.' && digit(i + 2));
    const bool glued = !word.empty() && (std::isalpha(static_cast<unsigned char>(word.back())) ||
                                         word.back() == '_');
    if (starts && !glued) {
      end_word();
      size_t j = i + (c == '-' ? 1 : 0);
      int decimals = -1;
      while (digit(j)) ++j;
      if (j < s.size() && s[j] == '.' && digit(j + 1)) {
        const size_t dot = j++;
        while (digit(j)) ++j;
        decimals = static_cast<int>(j - dot - 1);
      }
      int exponent = 0;
      if (j + 1 < s.size() && (s[j] == 'e' || s[j] == 'E') &&
          (digit(j + 1) || ((s[j + 1] == '-' || s[j + 1] == '+') && digit(j + 2)))) {
        const size_t e = j + 1;
        j = e + 1;
        while (digit(j)) ++j;
        exponent = std::atoi(std::string(s.substr(e, j - e)).c_str());
      }
      Token t{true, std::string(s.substr(i, j - i)), 0.0, 0.0};
      t.value = std::strtod(t.text.c_str(), nullptr);
      // (An integer without a point or an exponent, a count or an index, is compared exactly.)
      const bool integer = decimals < 0 && t.text.find_first_of("eE") == std::string::npos;
      t.unit = integer ? 0.0 : std::pow(10.0, exponent - std::max(decimals, 0));
      tokens.push_back(t);
      i = j;
      continue;
    }
    word += static_cast<char>(c);
    ++i;
  }
  end_word();
  return tokens;
}

// Empty when `fresh` agrees with `committed`; else a description of the first difference.
inline std::string compare_text(std::string_view committed, std::string_view fresh, Kind kind) {
  if (kind == Kind::timing) return "";
  const std::vector<Token> a = tokenize(committed), b = tokenize(fresh);
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i].number != b[i].number || (!a[i].number && a[i].text != b[i].text) ||
        (a[i].number && !agree(a[i].value, b[i].value, kind, std::max(a[i].unit, b[i].unit)))) {
      return fmt::format("'{}' is now '{}'", a[i].text, b[i].text);
    }
  }
  if (a.size() != b.size()) {
    return fmt::format("{} words and numbers, now {}", a.size(), b.size());
  }
  return "";
}

// ----- replication ------------------------------------------------------------------------------
// A verdict over seeds 1-10 could be a property of those ten seeds. So `./run pages` runs every
// tutorial a second time on seeds no page uses otherwise (kReplicationSeed on: 1001-1010), and
// `replicate` keeps, beside each claim that a seed decides, what that second run found: the
// count and the verdict, no numbers. A claim's marker shows it under the claim, whether or not it
// agrees; CI reruns both and compares them exactly, like the claims themselves.
//
// The same holds for the page's readings of all its seeds: a median over them, "in 3 seeds",
// "no seed shows ...", each recorded with tut::Tutorial::value_over_seeds ("over_seeds": true in
// results.json) could be a property of seeds 1-10 too. `replicate` keeps the text each of them
// has in the second run, and a `value` marker that quotes one shows, right after it, what the
// second run read where the two differ (by the value's tolerance, as a fresh run is judged):
// "72% *(replication, seeds 1001-1020: 45%)*". A page cannot quote a reading of its seeds and
// hide that other seeds read otherwise. CI compares these texts with a fresh replication like
// any value.

inline constexpr uint64_t kReplicationSeed = 1001;

// Whether a run's verdicts include a timing claim (kind "timing": tut::Tutorial::timing_claim,
// judged over rounds of CPU time). Another program on the same cores moves those rounds, so
// `./run pages` runs such a tutorial alone, its fresh run and its replication one after the
// other (`pages timed`, over the committed results). A timing value without a claim (a printed
// "ms per step") is not compared by CI and is no reason to wait.
inline bool has_timing_claim(const Json& results) {
  if (!results.contains("claims")) return false;  // (not a tutorial's results)
  const Json& claims = results.at("claims");
  return std::any_of(claims.begin(), claims.end(),
                     [](const Json& c) { return c.value("kind", "exact") == "timing"; });
}

// About how many seconds `./run pages` spends on one tutorial, from its results' own time: it runs
// twice (its seeds, then the replication's as many), two programs at a time, so that the pair
// costs about one run's time; a tutorial with a timing claim runs both alone (`pages duration`
// adds these up, for `./run` to say before a first run on a machine).
inline double pages_seconds(const Json& results) {
  const double own = results.at("seconds").get<double>();
  return has_timing_claim(results) ? 2 * own : own;
}

// Which claims a seed decides: not a timing (decided by rounds, and by the machine's load), and
// not a claim judged once (nothing random enters it).
inline bool seed_decides(const Json& claim) {
  return claim.value("kind", "exact") != "timing" && claim.at("of").get<int>() > 1;
}

// Which values read all the run's seeds: those the tutorial marked "over_seeds"
// (tut::Tutorial::value_over_seeds), other than timings (which move with the machine's load).
inline bool reads_all_seeds(const Json& value) {
  return value.value("over_seeds", false) && kind_of(value) != Kind::timing;
}

// `results` with the replication run's counts and verdicts added (results["replication"]): its
// seeds, per claim {holds, of, verdict} or null for a claim no seed decides, and the text of each
// value that reads all the seeds ("values": {key: text}). Throws unless the two runs are the same
// tutorial with the same claims and the same such values.
inline Json replicate(Json results, const Json& replication) {
  const Json &claims = results.at("claims"), &again = replication.at("claims");
  if (results.at("tutorial") != replication.at("tutorial") || claims.size() != again.size() ||
      results.at("mode") != replication.at("mode") ||
      results.at("seeds").size() != replication.at("seeds").size()) {
    throw std::runtime_error(fmt::format(
        "replicate: {} ({} mode, {} claims, {} seeds) is not a replication of {} ({}, {}, {})",
        replication.at("tutorial").dump(), replication.at("mode").dump(), again.size(),
        replication.at("seeds").size(), results.at("tutorial").dump(), results.at("mode").dump(),
        claims.size(), results.at("seeds").size()));
  }
  if (replication.at("seeds").front() != kReplicationSeed) {
    throw std::runtime_error(fmt::format("replicate: the replication starts at seed {}, not at {}",
                                         replication.at("seeds").front().dump(), kReplicationSeed));
  }
  Json r = {{"seeds", replication.at("seeds")}, {"claims", Json::array()}};
  for (size_t k = 0; k < claims.size(); ++k) {
    if (claims[k].at("claim") != again[k].at("claim")) {
      throw std::runtime_error(fmt::format(
          "replicate: claim {} is '{}' in one run and '{}' in the other", k + 1,
          claims[k].at("claim").get<std::string>(), again[k].at("claim").get<std::string>()));
    }
    r["claims"].push_back(seed_decides(claims[k]) ? Json{{"holds", again[k].at("holds")},
                                                         {"of", again[k].at("of")},
                                                         {"verdict", again[k].at("verdict")}}
                                                  : Json(nullptr));
  }
  Json values = Json::object();
  const Json own_values = results.value("values", Json::object()),
             again_values = replication.value("values", Json::object());
  for (const auto& [key, v] : own_values.items()) {
    if (!reads_all_seeds(v)) continue;
    if (!again_values.contains(key)) {
      throw std::runtime_error(fmt::format(
          "replicate: value '{}' reads all the seeds, and the replication did not record it", key));
    }
    values[key] = again_values.at(key).at("text");
  }
  if (!values.empty()) r["values"] = std::move(values);
  // (A tutorial whose claims and values no seed decides has nothing to replicate.)
  if (r.contains("values") || std::any_of(r["claims"].begin(), r["claims"].end(),
                                          [](const Json& c) { return !c.is_null(); })) {
    results["replication"] = std::move(r);
  }
  return results;
}

// A run's seeds as a page names them: "seed 1", "seeds 1001-1010".
inline std::string seed_list(const Json& seeds) {
  return seeds.size() == 1 ? fmt::format("seed {}", seeds[0].get<uint64_t>())
                           : fmt::format("seeds {}-{}", seeds.front().get<uint64_t>(),
                                         seeds.back().get<uint64_t>());
}

// The seeds of the replication: "seeds 1001-1010".
inline std::string replication_seeds(const Json& results) {
  return seed_list(results.at("replication").at("seeds"));
}

// What the replication read for value `key` where it differs from this run's reading (by the
// value's tolerance), or nothing: it reads the same, or the value does not read all the seeds.
inline std::optional<std::string> reads_otherwise(const Json& results, const std::string& key) {
  if (!results.contains("replication") || !results.at("replication").contains("values")) {
    return std::nullopt;
  }
  const Json& again = results.at("replication").at("values");
  const Json& v = results.at("values").at(key);
  if (!reads_all_seeds(v) || !again.contains(key)) return std::nullopt;
  const std::string text = v.at("text").get<std::string>(),
                    other = again.at(key).get<std::string>();
  if (compare_text(text, other, kind_of(v)).empty()) return std::nullopt;
  return other;
}

// What the replication found for one claim: where ("seeds 1001-1010"), what ("holds in 10 of
// 10: REPRODUCED"), and whether its verdict is the page's.
struct Replicated {
  std::string seeds, found;
  bool same = false;
};

// What the replication found for claim k (0-based), or nothing (no replication run, or a claim
// no seed decides).
inline std::optional<Replicated> replication_of(const Json& results, size_t k) {
  if (!results.contains("replication")) return std::nullopt;
  const Json& again = results.at("replication").at("claims").at(k);
  if (again.is_null()) return std::nullopt;
  return Replicated{replication_seeds(results),
                    fmt::format("holds in {} of {}: {}", again.at("holds").get<int>(),
                                again.at("of").get<int>(), again.at("verdict").get<std::string>()),
                    again.at("verdict") == results.at("claims").at(k).at("verdict")};
}

// What goes between one marker's opening and closing comment. `what` is the marker's words after
// "results:", e.g. "table tanh" or "value 09_gradients_through_time/first_ratio_tanh".
inline std::string fill_one(std::string_view what, const Lookup& lookup) {
  const Marker m = parse_marker(what);
  const Json& results = lookup(m.tutorial);
  const std::string& name = m.name;
  auto need = [&](const char* section) -> const Json& {
    const Json& s = results.at(section);
    if (!s.contains(name)) {
      throw std::runtime_error(fmt::format("marker '{}': {} has no {} named '{}'", what,
                                           m.tutorial.empty() ? "results.json" : m.tutorial,
                                           section, name));
    }
    return s.at(name);
  };
  if (m.kind == "claims") {
    std::string text, replicated, seeds;
    const Json& claims = results.at("claims");
    for (size_t k = 0; k < claims.size(); ++k) {
      text += claims[k].at("text").get<std::string>();
      if (const auto r = replication_of(results, k)) {
        replicated += fmt::format("- claim {}: {}{}\n", k + 1, r->found,
                                  r->same ? "" : ", not the verdict above");
        seeds = r->seeds;
      }
    }
    if (!text.empty() && text.ends_with("\n\n")) text.pop_back();
    if (replicated.empty()) return fenced(text);
    // (A blank line after the list: the closing comment would otherwise continue its last item.)
    return fenced(text) +
           fmt::format("\n*Replicated on {}, drawn for nothing else:*\n\n{}\n", seeds, replicated);
  }
  // The claim a "claim N", "verdict N" or "count N" marker names, as an index from 0.
  auto claim_index = [&]() -> size_t {
    const size_t count = results.at("claims").size();
    const size_t k = std::strtoul(name.c_str(), nullptr, 10);
    if (k < 1 || k > count) {
      throw std::runtime_error(fmt::format("marker '{}': there are {} claims", what, count));
    }
    return k - 1;
  };
  auto claim = [&]() -> const Json& { return results.at("claims")[claim_index()]; };
  if (m.kind == "claim") {
    const size_t k = claim_index();
    std::string text = results.at("claims")[k].at("text").get<std::string>();
    if (text.ends_with("\n\n")) text.pop_back();
    const auto r = replication_of(results, k);
    if (!r) return fenced(text);
    return fenced(text) + (r->same
                               ? fmt::format("\n*Replicated on {}, drawn for nothing else: {}.*\n",
                                             r->seeds, r->found)
                               : fmt::format("\n*Not replicated: on {}, drawn for nothing "
                                             "else, it {}.*\n",
                                             r->seeds, r->found));
  }
  // "10 of 10": how many seeds (or rounds) the claim held in, of how many; for prose that would
  // otherwise type "in every seed" beside a claim.
  if (m.kind == "count") {
    return fmt::format("{} of {}", claim().at("holds").get<int>(), claim().at("of").get<int>());
  }
  if (m.kind == "verdict") {
    // A timing's verdict moves with the machine's load, and CI never compares it
    // (tut::Kind::timing): no prose may be written for it.
    if (claim().value("kind", "") == "timing") {
      throw std::runtime_error(fmt::format(
          "marker '{}': claim {} is a timing, whose verdict moves with the machine's load; the "
          "page may show it only through its claim marker, as the committed run printed it",
          what, name));
    }
    return claim().at("verdict").get<std::string>();
  }
  if (m.kind == "table") return fenced(need("tables").at("text").get<std::string>());
  if (m.kind == "value" || m.kind == "measured") {
    // A timing with a bound is quoted as `measured`, and only it: the marker tells the reader,
    // and the checker, that the number is not reproduced but measured again.
    const Json& v = need("values");
    const bool bounded = v.contains("at_most");
    const std::string cited = m.tutorial.empty() ? name : m.tutorial + "/" + name;
    if (bounded && m.kind == "value") {
      throw std::runtime_error(
          fmt::format("marker '{}': '{}' is a timing (it has a bound, at_most): quote it as "
                      "'measured {}', which says that it is measured again, not reproduced",
                      what, name, cited));
    }
    if (!bounded && m.kind == "measured") {
      throw std::runtime_error(fmt::format(
          "marker '{}': '{}' is not a timing with a bound (at_most): quote it as 'value {}'", what,
          name, cited));
    }
    const std::string text = v.at("text").get<std::string>();
    // A reading of all the seeds that other seeds read otherwise says so, where it is quoted.
    if (const auto other = reads_otherwise(results, name)) {
      return fmt::format("{} *(replication, {}: {})*", text, replication_seeds(results), *other);
    }
    return text;
  }
  // (A blank line after the block: a Markdown table would take the closing comment as a row.)
  if (m.kind == "markdown") return "\n" + need("markdown").at("text").get<std::string>() + "\n";
  if (m.kind == "run") {
    const std::string list = seed_list(results.at("seeds"));
    const std::string mode = results.at("mode").get<std::string>() == "quick" ? "`--quick`"
                                                                              : "full-mode";
    if (results.contains("measured_on")) {  // a program that times (viz_fold_bench)
      return fmt::format(
          "\n*The numbers quoted from `{}` come from its run of {},\nfilled in by `./run "
          "pages`. CI runs it again: the counts and sizes must agree exactly, the\ntimings only be "
          "measured again and stay under their bounds, since a timing depends on the\nmachine and "
          "its load.*\n",
          results.at("tutorial").get<std::string>(), results.at("measured_on").get<std::string>());
    }
    if (!m.tutorial.empty()) {  // a citing page: which run its numbers come from
      return fmt::format(
          "\n*The numbers quoted from tutorial {} come from its {} run ({}),\nfilled in by "
          "`./run pages`; CI checks them against a fresh run.*\n",
          m.tutorial, mode, list);
    }
    // (Two significant digits below 10 s, as the tutorial prints it: 0.03 s is not "0 s".)
    const double seconds = results.at("seconds").get<double>();
    const std::string kernels =
        results.value("kernels", "") == "portable"
            ? ", portable kernels: the same numbers on x86-64 CPUs with and without AVX2 and "
              "FMA"
            : "";
    std::string replicated, checked = "it against a fresh run";
    if (results.contains("replication")) {
      replicated = fmt::format(", its verdicts{} replicated on {},",
                               results.at("replication").contains("values")
                                   ? " and its readings of all the seeds"
                                   : "",
                               replication_seeds(results));
      checked = "both against fresh runs";
    }
    return fmt::format(
        "\n*Generated from a {} run ({}, {} s of CPU time on the development "
        "machine{}){} by\n`./run pages`; CI checks {}.*\n",
        mode, list, seconds < 10 ? fmt::format("{:.2g}", seconds) : fmt::format("{:.0f}", seconds),
        kernels, replicated, checked);
  }
  throw std::runtime_error(
      fmt::format("unknown marker 'results: {}' (claims, claim N, verdict N, count N, table NAME, "
                  "value NAME, measured NAME, markdown NAME, run; each may name another "
                  "tutorial: value "
                  "NN_name/NAME)",
                  what));
}

// The page with every marker filled from the results `lookup` gives. Throws on a marker without
// its closing comment or one that names nothing in the results, and on a `verdict` marker whose
// verdict is not the run's: that one is checked, not filled, since the prose around it was
// written for the verdict it holds.
inline std::string fill(std::string_view page, const Lookup& lookup) {
  static constexpr std::string_view kOpen = "<!-- results: ", kEnd = " -->",
                                    kClose = "<!-- /results -->";
  std::string out;
  size_t at = 0;
  while (true) {
    const size_t open = page.find(kOpen, at);
    if (open == std::string_view::npos) break;
    const size_t what_end = page.find(kEnd, open + kOpen.size());
    const size_t close = page.find(kClose, open);
    if (what_end == std::string_view::npos || close == std::string_view::npos || close < what_end) {
      throw std::runtime_error(
          fmt::format("a '{}' marker at byte {} has no '{}' after it", kOpen, open, kClose));
    }
    const std::string_view what = page.substr(open + kOpen.size(), what_end - open - kOpen.size());
    const std::string_view held = page.substr(what_end + kEnd.size(),
                                              close - what_end - kEnd.size());
    const std::string filled = fill_one(what, lookup);
    if (parse_marker(what).kind == "verdict" && held != filled) {
      throw std::runtime_error(fmt::format(
          "line {}: the prose around 'results: {}' was written for a claim that is {}, and the "
          "run says {}: reread the paragraph, rewrite what no longer holds, then write {} in the "
          "marker",
          line_at(page, open), what, held, filled, filled));
    }
    out += page.substr(at, what_end + kEnd.size() - at);
    out += filled;
    out += kClose;
    at = close + kClose.size();
  }
  out += page.substr(at);
  return out;
}

// A tutorial page filled from its own results alone (a marker citing another tutorial throws).
inline std::string fill(std::string_view page, const Json& results) {
  return fill(page, [&](const std::string& tutorial) -> const Json& {
    if (!tutorial.empty()) {
      throw std::runtime_error(
          fmt::format("a marker cites {}, but only this page's own results were given", tutorial));
    }
    return results;
  });
}

// ----- comparing a fresh run with the committed one -------------------------------------------

// Empty when a fresh timing is plausible: a finite number of seconds above 0 and at most
// `at_most` (its committed bound); else what is wrong with it. (Never compared with the committed
// timing: that one was measured on another day, maybe on another machine.)
inline std::string implausible(const Json& fresh, double at_most) {
  if (!fresh.is_number()) return fmt::format("measured as {}, not a number", fresh.dump());
  const double s = fresh.get<double>();
  if (!std::isfinite(s) || s <= 0.0 || s > at_most) {
    return fmt::format("measured {} s, outside (0, {}] s, its bound", s, at_most);
  }
  return "";
}

// Every difference between a fresh results.json and the committed one that the page would show.
inline std::vector<std::string> compare(const Json& committed, const Json& fresh) {
  std::vector<std::string> problems;
  const Json &ca = committed.at("claims"), &fa = fresh.at("claims");
  if (ca.size() != fa.size()) {
    problems.push_back(fmt::format("{} claims, now {}", ca.size(), fa.size()));
  }
  for (size_t i = 0; i < std::min(ca.size(), fa.size()); ++i) {
    const Json &c = ca[i], &f = fa[i];
    const Kind kind = kind_of(c);
    const std::string where = fmt::format("claim {}", i + 1);
    if (kind != Kind::timing && (c.at("verdict") != f.at("verdict") ||
                                 c.at("holds") != f.at("holds") || c.at("of") != f.at("of"))) {
      problems.push_back(fmt::format("{}: {} ({} of {}), now {} ({} of {})", where,
                                     c.at("verdict").get<std::string>(), c.at("holds").get<int>(),
                                     c.at("of").get<int>(), f.at("verdict").get<std::string>(),
                                     f.at("holds").get<int>(), f.at("of").get<int>()));
    }
    const std::string d = compare_text(c.at("text").get<std::string>(),
                                       f.at("text").get<std::string>(), kind);
    if (!d.empty()) problems.push_back(fmt::format("{}: {}", where, d));
  }
  // The replication's counts and verdicts, exactly (it prints no numbers of its own here).
  if (committed.contains("replication") != fresh.contains("replication")) {
    problems.push_back(committed.contains("replication")
                           ? "the fresh results have no replication (./run pages runs it)"
                           : "the committed results have no replication: run ./run pages");
  } else if (committed.contains("replication")) {
    const Json &c = committed.at("replication"), &f = fresh.at("replication");
    for (size_t k = 0; k < std::min(c.at("claims").size(), f.at("claims").size()); ++k) {
      if (c.at("claims")[k] != f.at("claims")[k]) {
        problems.push_back(fmt::format("claim {} replicated: {}, now {}", k + 1,
                                       c.at("claims")[k].dump(), f.at("claims")[k].dump()));
      }
    }
    if (c.at("seeds") != f.at("seeds") || c.at("claims").size() != f.at("claims").size()) {
      problems.push_back(fmt::format("the replication ran seeds {}, now {}", c.at("seeds").dump(),
                                     f.at("seeds").dump()));
    }
    // Its readings of all the seeds: each text as a fresh run's value is judged, by its kind.
    const Json cv = c.value("values", Json::object()), fv = f.value("values", Json::object());
    for (const auto& [key, text] : cv.items()) {
      if (!fv.contains(key)) {
        problems.push_back(fmt::format("value '{}' is no longer replicated", key));
        continue;
      }
      const std::string was = text.get<std::string>(), now = fv.at(key).get<std::string>();
      if (!compare_text(was, now, kind_of(committed.at("values").at(key))).empty()) {
        problems.push_back(fmt::format("value '{}' replicated: '{}' is now '{}'", key, was, now));
      }
    }
    for (const auto& [key, text] : fv.items()) {
      if (!cv.contains(key)) {
        problems.push_back(
            fmt::format("value '{}' is replicated now, not in the committed run", key));
      }
    }
  }
  for (const char* section : {"values", "tables"}) {
    for (const auto& [key, c] : committed.at(section).items()) {
      if (!fresh.at(section).contains(key)) {
        problems.push_back(fmt::format("{} '{}' is no longer printed", section, key));
        continue;
      }
      const Json& f = fresh.at(section).at(key);
      const Kind kind = kind_of(c);
      std::string d;
      if (std::string(section) == "values" && c.contains("at_most")) {
        d = implausible(f.at("value"), c.at("at_most").get<double>());
      } else if (std::string(section) == "values") {
        // (NaN and Inf are written as null in JSON: then the texts must match.)
        const bool numbers = c.at("value").is_number() && f.at("value").is_number();
        if (numbers ? !agree(c.at("value").get<double>(), f.at("value").get<double>(), kind)
                    : c.at("text") != f.at("text")) {
          d = fmt::format("'{}' is now '{}'", c.at("text").get<std::string>(),
                          f.at("text").get<std::string>());
        }
      } else {
        d = compare_text(c.at("text").get<std::string>(), f.at("text").get<std::string>(), kind);
      }
      if (!d.empty()) problems.push_back(fmt::format("{} '{}': {}", section, key, d));
    }
  }
  return problems;
}

// ----- numbers typed outside markers -------------------------------------------------------

// A number in a page's prose that should have come from a run: where it is, and the line it is in.
struct Stray {
  int line = 0;      // 1-based
  std::string text;  // the number as typed, with its % or unit: "0.64", "3.1e-20", "53%", "374 s"
};

// The page with everything that is not prose blanked out (newlines kept, so lines still count):
// what sits between markers (generated), HTML comments, HTML tags (their attributes, such as an
// image's width="100%", are markup), fenced code blocks, code spans, the targets of links and
// images, and bare web addresses.
inline std::string prose_only(std::string_view page) {
  std::string s(page);
  auto blank = [&](size_t from, size_t to) {
    for (size_t k = from; k < to && k < s.size(); ++k) {
      if (s[k] != '\n') s[k] = ' ';
    }
  };
  // Markers with what they hold, then any other comment.
  for (size_t open = s.find("<!-- results: "); open != std::string::npos;
       open = s.find("<!-- results: ", open)) {
    const size_t close = s.find("<!-- /results -->", open);
    const size_t end = close == std::string::npos ? s.size() : close + 17;
    blank(open, end);
    open = end;
  }
  for (size_t open = s.find("<!--"); open != std::string::npos; open = s.find("<!--", open)) {
    const size_t close = s.find("-->", open + 4);
    const size_t end = close == std::string::npos ? s.size() : close + 3;
    blank(open, end);
    open = end;
  }
  // Fenced blocks: from a line starting with ``` to the next such line. Indented blocks: lines
  // indented by four spaces after a blank line, up to the next line that is not.
  size_t line_start = 0;
  bool in_fence = false, in_indented = false, after_blank = true;
  while (line_start < s.size()) {
    size_t line_end = s.find('\n', line_start);
    if (line_end == std::string::npos) line_end = s.size();
    const size_t first = s.find_first_not_of(' ', line_start);
    const bool empty = first >= line_end;
    const bool fence = !empty && s.compare(first, 3, "```") == 0;
    in_indented = !in_fence && !empty && first - line_start >= 4 && (after_blank || in_indented);
    if (fence || in_fence || in_indented) blank(line_start, line_end);
    if (fence) in_fence = !in_fence;
    after_blank = empty;
    line_start = line_end + 1;
  }
  // Code spans (which may go on over a line break, not over a blank line), link targets "](...)",
  // web addresses.
  for (size_t open = s.find('`'); open != std::string::npos; open = s.find('`', open)) {
    const size_t close = s.find('`', open + 1);
    const size_t paragraph_end = s.find("\n\n", open);
    if (close == std::string::npos || close > paragraph_end) {
      open = open + 1;
      continue;
    }
    blank(open, close + 1);
    open = close + 1;
  }
  for (size_t open = s.find("]("); open != std::string::npos; open = s.find("](", open)) {
    const size_t close = s.find_first_of(")\n", open);
    blank(open, close);
    open = close == std::string::npos ? s.size() : close;
  }
  for (size_t open = s.find("http"); open != std::string::npos; open = s.find("http", open)) {
    const size_t end = s.find_first_of(" \n)|>", open);
    blank(open, end);
    open = end == std::string::npos ? s.size() : end;
  }
  // HTML tags, "<img src=... width="100%">", "</td>": markup, not prose. A tag starts with "<"
  // and a letter or "/" (so "x < 0.5" and "x<3" stay prose) and ends at the next ">" in its
  // paragraph. (After the code blocks: a line that a tag starts would look indented once
  // blanked; after the code spans: "a<b" in one is not a tag.)
  for (size_t open = s.find('<'); open != std::string::npos; open = s.find('<', open + 1)) {
    const unsigned char next = open + 1 < s.size() ? static_cast<unsigned char>(s[open + 1]) : 0;
    if (!std::isalpha(next) && next != '/') continue;
    const size_t close = s.find('>', open);
    if (close == std::string::npos || close > s.find("\n\n", open)) continue;
    blank(open, close + 1);
    open = close;
  }
  return s;
}

// The words after which an integer is a count the programs print ("378 nodes", "800 steps",
// "16 of 20 seeds"), or a reading of one ("four decades" of a gradient): a measurement, not prose.
inline bool count_unit(std::string_view word) {
  static constexpr std::string_view kUnits[] = {
      "node",   "nodes", "step",  "steps",      "seed",      "seeds",      "round",
      "rounds", "byte",  "bytes", "KB",         "MB",        "GB",         "pt",
      "run",    "runs",  "epoch", "epochs",     "iteration", "iterations", "edge",
      "edges",  "op",    "ops",   "parameters", "filters",   "decade",     "decades"};
  return std::find(std::begin(kUnits), std::end(kUnits), word) != std::end(kUnits);
}

// A count spelled out ("nine of ten seeds"): its value, or -1 for a word that is not one. ("one"
// is left out: "one step", "one seed" are prose far more often than a measured count, and "one
// of ten" is caught by its "ten".)
inline int count_word(std::string_view word) {
  static constexpr std::string_view kWords[] = {
      "zero",     "",        "two",     "three",     "four",     "five",     "six",
      "seven",    "eight",   "nine",    "ten",       "eleven",   "twelve",   "thirteen",
      "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"};
  std::string lower(word);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (size_t k = 0; k < std::size(kWords); ++k) {
    if (!kWords[k].empty() && lower == kWords[k]) return static_cast<int>(k);
  }
  return -1;
}

// The numbers in a page's prose that the rule forbids outside markers.
//
// Forbidden in prose: a decimal fraction (0.64), a power of ten (3.1e-20, 1e4), a percentage
// (53%) and a duration (374 s, 1.3 ms): what a run measures and prints. And a count of what the
// programs count, in digits or in words: an integer before a unit word (count_unit: "378
// nodes", "800 SGD steps", one word may sit between), a count spelled out before one ("ten
// seeds") and a "k of N", whole: spelled out ("nine of ten"), or in digits before a unit ("8 of
// 10 seeds", where the 10 may be a setting but the 8 is a result). And a number read off a
// picture or a chart, which a hedge gives away: "about 33", "around 40", "roughly 7", "nearly
// 12", "from about layer 25", and "four decades" (decades are counted like seeds). They belong
// between markers, filled from a run's results.
// Allowed in prose, as typed:
//   - integers without such a unit or hedge: sizes, years (2015), tutorial, issue and part
//     numbers (tutorial 11, issue 19, Part 4), thresholds the author fixed (100x), and a ratio
//     written out ("about 1/√6");
//   - a section number after "§" or "section" (§2.1, section 2.1);
//   - anything in a code span or a fenced block: code, formulas and option values (`rho = 0.9`,
//     `f ≈ sigmoid(0) = 0.5`, `log10_min = -8`, `--seeds 10`) the reader could type; and link
//     targets.
// A setting of the code that a page must name in prose (a test's budget of steps) is the
// checker's caller's to allow, with the place in the code that sets it (tests/tools/docs_test.cpp).
inline std::vector<Stray> stray_numbers(std::string_view page) {
  const std::string s = prose_only(page);
  std::vector<Stray> found;
  auto digit = [&](size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '9'; };
  auto letter = [&](size_t k) {
    const unsigned char c = static_cast<unsigned char>(s[k]);
    return c < 0x80 && (std::isalnum(c) || c == '_');
  };
  // The word starting at `from` after spaces (a line break is a space): [start, end), or empty.
  auto word_after = [&](size_t from) {
    size_t a = from;
    while (a < s.size() && (s[a] == ' ' || s[a] == '\n')) ++a;
    size_t b = a;
    while (b < s.size() && (letter(b) || s[b] == '-')) ++b;
    return std::pair{a, b};
  };
  // The text as found, its line breaks and runs of spaces made one space.
  auto one_line = [](const std::string& text) {
    std::string out;
    for (const char c : text) {
      const bool space = c == ' ' || c == '\n';
      if (space && (out.empty() || out.back() == ' ')) continue;
      out += space ? ' ' : c;
    }
    return out;
  };
  // "N unit" or "N word unit" after a count ending at `j`: the text up to the unit, or "".
  auto with_unit = [&](size_t j) -> std::string {
    const auto [a1, b1] = word_after(j);
    if (a1 == b1 || a1 == j) return "";
    if (count_unit(std::string_view(s).substr(a1, b1 - a1))) return s.substr(j, b1 - j);
    const auto [a2, b2] = word_after(b1);
    if (a2 == b2 || a2 == b1) return "";
    if (count_unit(std::string_view(s).substr(a2, b2 - a2))) return s.substr(j, b2 - j);
    return "";
  };
  // "of M" or "of the M" after a count ending at `j`, M a count in digits or in words ("of 20",
  // "of the ten"): where M ends (0 if there is none), and whether it is in digits.
  auto of_count = [&](size_t j) -> std::pair<size_t, bool> {
    const auto [a1, b1] = word_after(j);
    if (a1 == j || std::string_view(s).substr(a1, b1 - a1) != "of") return {0, false};
    auto [a2, b2] = word_after(b1);
    if (std::string_view(s).substr(a2, b2 - a2) == "the") std::tie(a2, b2) = word_after(b2);
    size_t end = a2;
    while (digit(end)) ++end;
    if (end > a2 && end == b2) return {end, true};
    if (b2 > a2 && count_word(std::string_view(s).substr(a2, b2 - a2)) >= 0) return {b2, false};
    return {0, false};
  };
  // The words that hedge a number read off a picture or a chart: "about 33", "around 40", and
  // with a word between, "from about layer 25". Where the hedge starts, or npos.
  auto hedged = [&](size_t at) {
    auto word_before = [&](size_t b) {
      while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\n')) --b;
      size_t a = b;
      while (a > 0 && letter(a - 1)) --a;
      std::string w = s.substr(a, b - a);
      for (char& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return std::pair{a, w};
    };
    auto hedge = [](const std::string& w) {
      return w == "about" || w == "around" || w == "roughly" || w == "nearly" ||
             w == "approximately";
    };
    const auto [a1, w1] = word_before(at);
    if (hedge(w1)) return a1;
    const bool place = w1 == "layer" || w1 == "step" || w1 == "seed" || w1 == "block" ||
                       w1 == "epoch" || w1 == "round";
    if (const auto [a0, w0] = word_before(a1); place && hedge(w0)) return a0;
    return std::string::npos;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    // A spelled-out count: "ten seeds", "nine of ten", "nine of the ten".
    if (std::isalpha(static_cast<unsigned char>(s[i])) && (i == 0 || !letter(i - 1))) {
      size_t j = i;
      while (letter(j)) ++j;
      if (count_word(std::string_view(s).substr(i, j - i)) >= 0) {
        const auto [a1, b1] = word_after(j);
        const std::string_view w1 = std::string_view(s).substr(a1, b1 - a1);
        if (const size_t end = of_count(j).first; end != 0) {
          found.push_back({line_at(s, i), one_line(s.substr(i, end - i))});
          j = end;  // ("nine of ten seeds" is one count, not also "ten seeds")
        } else if (w1 == "seeds" || w1 == "rounds" || w1 == "decades") {
          // what a verdict counts, "ten seeds", and a reading, "fades by four decades"
          found.push_back({line_at(s, i), one_line(s.substr(i, b1 - i))});
        }
      }
      i = j - 1;
      continue;
    }
    if (s[i] == '\n') continue;
    // A number starts at a digit (or ".5") not glued to a word or another number before it.
    const bool starts = digit(i) || (s[i] == '.' && digit(i + 1) && (i == 0 || !letter(i - 1)));
    if (!starts || (i > 0 && (letter(i - 1) || s[i - 1] == '.'))) continue;
    size_t j = i;
    while (digit(j)) ++j;
    bool fraction = false, power = false;
    if (j + 1 < s.size() && s[j] == '.' && digit(j + 1)) {
      fraction = true;
      for (++j; digit(j);) ++j;
    }
    if (j < s.size() && (s[j] == 'e' || s[j] == 'E') &&
        (digit(j + 1) || ((s[j + 1] == '-' || s[j + 1] == '+') && digit(j + 2)))) {
      power = true;
      for (j += 2; digit(j);) ++j;
    }
    std::string text = s.substr(i, j - i);
    bool measured = fraction || power;
    if (j < s.size() && s[j] == '%') {
      text += '%';
      measured = true;
    } else {
      for (std::string_view unit : {" s", " ms", " µs", " min"}) {
        const size_t after = j + unit.size();
        if (s.compare(j, unit.size(), unit) == 0 && (after >= s.size() || !letter(after))) {
          text += unit;
          measured = true;
          break;
        }
      }
    }
    // A section number: "§2.1", "section 2.1", "sections 2.1 and 3.2".
    const std::string before = s.substr(i >= 12 ? i - 12 : 0, i >= 12 ? 12 : i);
    const bool section = before.ends_with("§") || before.ends_with("section ") ||
                         before.ends_with("sections ") || before.ends_with("and ");
    // An integer before a unit word: a count, unless it names a tutorial, an issue, a section or
    // a part of a program ("tutorial 12 runs", "issue 19 steps in", "Part 4 runs").
    const bool named = before.ends_with("tutorial ") || before.ends_with("tutorials ") ||
                       before.ends_with("issue ") || before.ends_with("exercise ") ||
                       before.ends_with("section ") || before.ends_with("§") ||
                       before.ends_with("Part ") || before.ends_with("part ");
    if (!measured && !named) {
      // "8 of 10 seeds", "8 of the 10 seeds": the count of outcomes is a result, whether or not
      // the 10 is a setting. (M in digits needs its unit after it: "100 of 16 units" is prose.)
      if (const auto [end, in_digits] = of_count(j); end != 0) {
        const std::string unit = with_unit(end);
        if (!in_digits || !unit.empty()) {
          found.push_back({line_at(s, i), one_line(s.substr(i, end - i) + unit)});
          i = end + unit.size() - 1;
          continue;
        }
      }
      const std::string unit = with_unit(j);
      // (A ratio written out, "about 1/√6", is a formula, not a reading; "symmetric about 0",
      // "spread around 0" say where something is centred.)
      const bool formula = (j < s.size() && s[j] == '/') || text == "0";
      const size_t hedge = formula ? std::string::npos : hedged(i);
      if (!unit.empty()) {
        text += unit;
        measured = true;
      } else if (hedge != std::string::npos) {
        text = s.substr(hedge, j - hedge);  // "about 33", "about layer 25"
        measured = true;
      }
    }
    if (measured && !(section && fraction && !power && text.back() != '%')) {
      found.push_back({line_at(s, i), one_line(text)});
    }
    i = j - 1;
  }
  return found;
}

// The verdicts typed in a page's prose: REPRODUCED, NOT REPRODUCED, MIXED, TOO FEW SEEDS (or
// ROUNDS) or NO VERDICT as a word of its own, in capitals, outside markers (where a `verdict`
// marker checks it against the run), code spans and code blocks. The words in lower case ("the
// claim was not reproduced") are prose: what a program prints as a verdict is the word in capitals.
inline std::vector<Stray> stray_verdicts(std::string_view page) {
  const std::string s = prose_only(page);
  std::vector<Stray> found;
  auto upper = [&](size_t k) {
    return k < s.size() &&
           ((s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= '0' && s[k] <= '9') || s[k] == '_');
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (!upper(i) || (i > 0 && upper(i - 1))) continue;
    size_t j = i;
    while (upper(j)) ++j;
    std::string word = s.substr(i, j - i);
    // "NOT REPRODUCED", "NO VERDICT", "TOO FEW SEEDS" and "TOO FEW ROUNDS" are one verdict each
    // (a line may break between their words).
    auto then = [&](std::string_view next) {
      if (j < s.size() && (s[j] == ' ' || s[j] == '\n') &&
          std::string_view(s).substr(j + 1, next.size()) == next && !upper(j + 1 + next.size())) {
        word += ' ';
        word += next;
        j += 1 + next.size();
        return true;
      }
      return false;
    };
    if (word == "NOT") {
      then("REPRODUCED");
    } else if (word == "NO") {
      then("VERDICT");
    } else if (word == "TOO" && then("FEW")) {
      if (!then("SEEDS")) then("ROUNDS");
    }
    if (word == "REPRODUCED" || word == "NOT REPRODUCED" || word == "MIXED" ||
        word == "NO VERDICT" || word == "TOO FEW SEEDS" || word == "TOO FEW ROUNDS") {
      found.push_back({line_at(s, i), word});
    }
    i = j - 1;
  }
  return found;
}

}  // namespace pages
