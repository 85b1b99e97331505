// Tests for tools/pages.hpp (pages filled from results, checked against a fresh run) and for the
// verdict rule of tutorials/common/tutorial.hpp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/tutorial.hpp"
#include "pages.hpp"

namespace {

pages::Json results_with(const std::string& verdict, int holds, const std::string& measured) {
  pages::Json r = {
      {"tutorial", "00_test"}, {"mode", "full"}, {"seeds", {1, 2, 3, 4, 5}}, {"seconds", 12.0}};
  r["claims"] = pages::Json::array();
  r["claims"].push_back(
      {{"claim", "x"},
       {"measured", measured},
       {"kind", "trained"},
       {"holds", holds},
       {"of", 5},
       {"verdict", verdict},
       {"seeds", pages::Json::array()},
       {"text", "  claim:    x\n  measured: " + measured + "\n  verdict:  " + verdict + "\n\n"}});
  r["values"] = {{"ratio", {{"value", 0.1581}, {"text", "0.158"}, {"kind", "exact"}}}};
  r["tables"] = {{"t", {{"text", "  layer 1  1.15e-10  ███▏   step 0.219\n"}, {"kind", "exact"}}}};
  return r;
}

}  // namespace

TEST_CASE("the verdict rule: at least 80% of seeds and a sign test at 5%, at most 20% do not") {
  using tut::Verdict;
  CHECK(tut::verdict_of(10, 10) == Verdict::reproduced);
  CHECK(tut::verdict_of(9, 10) == Verdict::reproduced);  // P(>= 9 of 10) = 11/1024
  CHECK(tut::verdict_of(8, 10) == Verdict::mixed);       // P(>= 8 of 10) = 56/1024 > 5%
  CHECK(tut::verdict_of(7, 10) == Verdict::mixed);
  CHECK(tut::verdict_of(3, 10) == Verdict::mixed);
  CHECK(tut::verdict_of(2, 10) == Verdict::not_reproduced);
  CHECK(tut::verdict_of(5, 5) == Verdict::reproduced);  // 1/32
  CHECK(tut::verdict_of(4, 5) == Verdict::mixed);       // 6/32
  CHECK(tut::verdict_of(1, 5) == Verdict::not_reproduced);
  CHECK(tut::verdict_of(5, 6) == Verdict::mixed);  // 7/64
  CHECK(tut::verdict_of(6, 6) == Verdict::reproduced);
  CHECK(tut::verdict_of(16, 20) == Verdict::reproduced);  // 80%, and P = 0.6%
  CHECK(tut::verdict_of(15, 20) == Verdict::mixed);       // 75%
  CHECK(tut::verdict_of(17, 20) == Verdict::reproduced);  // tutorial 04's 17 of 20
  // Two seeds (--quick) can fail a claim but not reproduce one: 2 of 2 heads is a coin's 1/4.
  // Seeds that all hold are too few, not MIXED: MIXED says the seeds disagree.
  CHECK(tut::verdict_of(2, 2) == Verdict::too_few_seeds);
  CHECK(tut::verdict_of(1, 1) == Verdict::too_few_seeds);  // the tour's one seed
  CHECK(tut::verdict_of(4, 4) == Verdict::too_few_seeds);  // 1/16
  CHECK(tut::verdict_of(1, 2) == Verdict::mixed);
  CHECK(tut::verdict_of(3, 4) == Verdict::mixed);
  CHECK(tut::verdict_of(0, 2) == Verdict::not_reproduced);
  CHECK(tut::verdict_of(0, 1) == Verdict::not_reproduced);
  CHECK(tut::verdict_of(0, 0) == Verdict::not_reproduced);
  CHECK(std::string(tut::verdict_name(Verdict::too_few_seeds)) == "TOO FEW SEEDS");
  CHECK(tut::needed_to_reproduce(10) == 9);
  CHECK(tut::needed_to_reproduce(20) == 16);
  CHECK(tut::needed_to_reproduce(6) == 6);
  CHECK(tut::needed_to_reproduce(4) == 0);
  // The margin and the level the README pages state.
  CHECK(tut::kMargin == 0.01);
  CHECK(tut::kEvidence == 0.05);
}

TEST_CASE("a claim for any weights: every seed must hold, and one that fails refutes it") {
  using tut::Verdict;
  CHECK(tut::verdict_for_all(10, 0, 10) == Verdict::reproduced);
  CHECK(tut::verdict_for_all(1, 0, 1) == Verdict::reproduced);       // no count to reach: no coin
  CHECK(tut::verdict_for_all(9, 0, 10) == Verdict::not_reproduced);  // 9 of 10 is REPRODUCED
  CHECK(tut::verdict_of(9, 10) == Verdict::reproduced);              // for a majority claim
  CHECK(tut::verdict_for_all(9, 1, 10) == Verdict::mixed);  // a tie: no counterexample, no proof
  CHECK(tut::verdict_for_all(8, 1, 10) == Verdict::not_reproduced);
  CHECK(tut::verdict_for_all(0, 0, 0) == Verdict::not_reproduced);
}

TEST_CASE("the sign test's tail is the binomial sum, exactly for small n") {
  CHECK(tut::sign_test_tail(0, 10) == 1.0);
  CHECK(tut::sign_test_tail(10, 10) == 1.0 / 1024);
  CHECK(tut::sign_test_tail(9, 10) == 11.0 / 1024);
  CHECK(tut::sign_test_tail(8, 10) == 56.0 / 1024);
  CHECK(tut::sign_test_tail(11, 10) == 0.0);
  CHECK(tut::sign_test_tail(16, 20) == Approx(6196.0 / 1048576).epsilon(1e-12));
}

TEST_CASE("a per-seed comparison counts only beyond the margin: near-ties cannot flip a verdict") {
  using tut::Verdict;
  // Ten seeds of "A ends lower than B": eight clear wins, two where A and B agree to 0.1%. Rounding
  // decides the side of each near-tie; without the margin the count is 8, 9 or 10, and the
  // verdict MIXED or REPRODUCED by that coin. With the margin both are ties, whatever their side.
  auto seeds = [](double tie_a, double tie_b) {
    std::vector<tut::SeedResult> r;
    for (uint64_t s = 1; s <= 8; ++s) r.push_back(tut::judged(s, "", {tut::below(0.5, 1.0)}));
    r.push_back(tut::judged(9, "", {tut::below(tie_a, 1.0)}));
    r.push_back(tut::judged(10, "", {tut::below(tie_b, 1.0)}));
    return r;
  };
  auto count = [](const std::vector<tut::SeedResult>& r) {
    return static_cast<size_t>(std::count_if(r.begin(), r.end(), [](auto& x) { return x.holds; }));
  };
  auto raw_count = [](double tie_a, double tie_b) {  // the same seeds, compared with no margin
    return size_t{8} + (tie_a < 1.0 ? 1 : 0) + (tie_b < 1.0 ? 1 : 0);
  };
  // Without the margin: the last bit decides.
  CHECK(tut::verdict_of(raw_count(0.999, 0.999), 10) == Verdict::reproduced);
  CHECK(tut::verdict_of(raw_count(1.001, 1.001), 10) == Verdict::mixed);
  // With it: the same verdict either way, and the near-ties are reported as ties.
  const auto low = seeds(0.999, 0.999), high = seeds(1.001, 1.001);
  CHECK(count(low) == 8);
  CHECK(count(high) == 8);
  CHECK(low[8].tie);
  CHECK(high[9].tie);
  CHECK_FALSE(low[8].holds);
  CHECK(tut::verdict_of(count(low), 10) == tut::verdict_of(count(high), 10));
  // Beyond the margin a seed is decided: 2% lower holds, 2% higher fails.
  CHECK(tut::judged(1, "", {tut::below(0.98, 1.0)}).holds);
  const tut::SeedResult missed = tut::judged(1, "", {tut::below(1.02, 1.0)});
  CHECK_FALSE(missed.holds);
  CHECK_FALSE(missed.tie);
}

TEST_CASE("a timing round counts only beyond the timing margin, and the verdict line says so") {
  // 21 rounds of "relu's step takes less CPU time than sigmoid's": 16 where relu is 10% faster,
  // 5 where the two differ by 1%, as the load leaves them. Without a margin the load decides
  // those 5 and the verdict (tutorial 11's claim 10 went from 17 to 16 of 21 between two runs);
  // with it they are ties on either side, and the verdict is the same.
  auto rounds = [](double near_relu) {
    std::vector<tut::SeedResult> r;
    for (uint64_t k = 1; k <= 16; ++k) r.push_back(tut::timed_round(k, "", {tut::below(0.9, 1.0)}));
    for (uint64_t k = 17; k <= 21; ++k) {
      r.push_back(tut::timed_round(k, "", {tut::below(near_relu, 1.0)}));
    }
    return r;
  };
  CHECK(tut::kTimingMargin == 0.05);
  for (const double near_relu : {0.99, 1.01}) {
    const auto r = rounds(near_relu);
    CHECK(std::count_if(r.begin(), r.end(), [](auto& x) { return x.holds; }) == 16);
    CHECK(std::count_if(r.begin(), r.end(), [](auto& x) { return x.tie; }) == 5);
  }
  // A seed's margin would have decided a 3% round; the timing margin calls it a tie.
  CHECK(tut::judged(1, "", {tut::below(0.97, 1.0)}).holds);
  CHECK(tut::timed_round(1, "", {tut::below(0.97, 1.0)}).tie);
  CHECK(tut::timed_round(1, "", {tut::below(1.06, 1.0)}).margin == tut::kTimingMargin);
  CHECK_FALSE(tut::timed_round(1, "", {tut::below(1.06, 1.0)}).tie);

  // Printed: the count, the margin and the ties, NO VERDICT for MIXED, no row per round, and
  // never in the exit code (not even NOT REPRODUCED).
  const std::string dir =
      (std::filesystem::temp_directory_path() / "tapegrad_timing_test").string();
  std::filesystem::remove_all(dir);
  tut::Tutorial t("00_test", "Test", "intro");
  const char* argv[] = {"00_test", "--quick", "--out", dir.c_str()};
  t.cli.parse(4, argv);
  t.timing_claim("relu is faster", "median 10%", rounds(0.99));
  t.timing_claim("sigmoid is faster", "never", {tut::timed_round(1, "", {tut::below(2.0, 1.0)})});
  t.timing_claim("relu is faster, briefly", "3 rounds",
                 {tut::timed_round(1, "", {tut::below(0.5, 1.0)}),
                  tut::timed_round(2, "", {tut::below(0.5, 1.0)}),
                  tut::timed_round(3, "", {tut::below(0.5, 1.0)})});
  CHECK(t.finish() == 0);
  std::ifstream in(dir + "/results.json");
  const pages::Json r = pages::Json::parse(in);
  const std::string text = r.at("claims")[0].at("text").get<std::string>();
  INFO(text);
  CHECK(text.find("holds in 16 of 21 rounds by more than 5%, 5 ties; REPRODUCED needs 17") !=
        std::string::npos);
  CHECK(r.at("claims")[0].at("verdict") == "NO VERDICT");
  CHECK(r.at("claims")[0].at("kind") == "timing");
  CHECK(text.find("seed") == std::string::npos);
  CHECK(r.at("claims")[1].at("verdict") == "NOT REPRODUCED");
  CHECK(r.at("claims")[2].at("verdict") == "TOO FEW ROUNDS");  // all 3 agree; 3 are no evidence
  std::filesystem::remove_all(dir);
}

TEST_CASE("a seed holds only when every comparison clears the margin, and NaN fails") {
  // The smallest slack decides: one clear miss fails the seed, one near-tie makes it a tie.
  CHECK(tut::judged(1, "", {tut::above(10.0, 1.0), tut::below(1e-9, 1e-3)}).holds);
  CHECK(tut::judged(1, "", {tut::above(10.0, 1.0), tut::below(0.9995e-3, 1e-3)}).tie);
  const tut::SeedResult r = tut::judged(1, "", {tut::above(10.0, 1.0), tut::below(2e-3, 1e-3)});
  CHECK_FALSE(r.holds);
  CHECK_FALSE(r.tie);
  CHECK(r.slack == Approx(-0.5));
  // Relative to the larger side, whatever the sign: -2 is below -1 by half of 2.
  CHECK(tut::below(-2.0, -1.0).slack() == Approx(0.5));
  CHECK(tut::above(5.0, 0.0).slack() == 1.0);
  CHECK(tut::below(0.0, 0.0).slack() == 0.0);  // equal: a tie
  // Against a bound of 0 the slack relative to the larger side is always +-1, and the margin
  // would decide nothing; in the claim's own unit it does (tutorial 04: y * score against 0, in
  // units of the hinge's margin of 1).
  CHECK(tut::above(0.001, 0.0).slack() == 1.0);
  CHECK(tut::judged(1, "", {tut::above_in_units(0.001, 0.0, 1.0)}).tie);
  CHECK(tut::judged(1, "", {tut::above_in_units(0.02, 0.0, 1.0)}).holds);
  CHECK(tut::above_in_units(-0.5, 0.0, 1.0).slack() == -0.5);
  // A diverged run (NaN) holds nothing, on either side of a comparison; infinity is compared.
  CHECK_FALSE(tut::judged(1, "", {tut::below(NAN, 1.0)}).holds);
  CHECK_FALSE(tut::judged(1, "", {tut::above(1.0, NAN)}).tie);
  CHECK(tut::judged(1, "", {tut::below(1.0, INFINITY)}).holds);
  CHECK_FALSE(tut::judged(1, "", {tut::below(INFINITY, 1.0)}).holds);
}

TEST_CASE("median refuses NaN instead of sorting it into the middle") {
  CHECK(tut::median({3.0, 1.0, 2.0}) == 2.0);
  CHECK(tut::median({4.0, 1.0, 2.0, 3.0}) == 2.5);
  CHECK(std::isnan(tut::median({})));
  // With a NaN std::sort's ordering breaks; {1, NaN, 3, 2} could give any of the values.
  CHECK(std::isnan(tut::median({1.0, NAN, 3.0, 2.0})));
  CHECK(std::isnan(tut::median({NAN})));
}

TEST_CASE("wrap keeps lines within the width and honours forced breaks") {
  const std::string text = tut::wrap("aaa bbb ccc ddd\neee", 8, "  ");
  CHECK(text == "  aaa\n  bbb\n  ccc\n  ddd\n  eee\n");
}

TEST_CASE("fill writes every marker from the results and leaves the prose alone") {
  const pages::Json r = results_with("REPRODUCED", 5, "0.5");
  const std::string page =
      "# T\n\nThe ratio is <!-- results: value ratio -->old<!-- /results -->.\n\n"
      "<!-- results: table t -->\nstale\n<!-- /results -->\n\n<!-- results: claims -->\n"
      "<!-- /results -->\n<!-- results: run --><!-- /results -->\n";
  const std::string filled = pages::fill(page, r);
  CHECK(filled.find("The ratio is <!-- results: value ratio -->0.158<!-- /results -->.") !=
        std::string::npos);
  CHECK(filled.find("```text\n  layer 1  1.15e-10") != std::string::npos);
  CHECK(filled.find("stale") == std::string::npos);
  CHECK(filled.find("verdict:  REPRODUCED") != std::string::npos);
  CHECK(filled.find("seeds 1-5, 12 s of CPU time") != std::string::npos);
  CHECK(pages::fill(filled, r) == filled);  // filling twice changes nothing
}

TEST_CASE("a markdown marker pastes its block unfenced, so a Markdown table renders as one") {
  pages::Json r = {{"values", pages::Json::object()}, {"tables", pages::Json::object()}};
  r["markdown"] = {{"peers", {{"text", "| a | b |\n|---|---|\n| 1 | 2 |\n"}, {"kind", "timing"}}}};
  const std::string page = "Run:\n<!-- results: markdown peers -->\nold\n<!-- /results -->\n";
  const std::string filled = pages::fill(page, r);
  CHECK(filled ==
        "Run:\n<!-- results: markdown peers -->\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "<!-- /results -->\n");
  CHECK(pages::fill(filled, r) == filled);
  CHECK_THROWS_WITH(pages::fill("<!-- results: markdown nope --><!-- /results -->", r),
                    Catch::Contains("no markdown named 'nope'"));
}

TEST_CASE("fill refuses a marker it cannot fill, naming it") {
  const pages::Json r = results_with("REPRODUCED", 5, "0.5");
  CHECK_THROWS_WITH(pages::fill("<!-- results: value nope --><!-- /results -->", r),
                    Catch::Contains("no values named 'nope'"));
  CHECK_THROWS_WITH(pages::fill("<!-- results: claims -->", r), Catch::Contains("has no"));
  CHECK_THROWS_WITH(pages::fill("<!-- results: claim 3 --><!-- /results -->", r),
                    Catch::Contains("there are 1 claims"));
}

TEST_CASE("a verdict named in prose is checked, not filled: a changed verdict stops the fill") {
  const pages::Json mixed = results_with("MIXED", 3, "0.5");
  const std::string page =
      "# T\n\nIntro.\n\n**Why claim 1 is <!-- results: verdict 1 -->MIXED<!-- /results -->.** "
      "Three seeds of five.\n";
  CHECK(pages::fill(page, mixed) == page);  // the verdict it holds is the run's
  // The run's verdict changed: the paragraph was written for the old one, so the fill stops,
  // naming the line, the verdict the prose assumed and the run's.
  const pages::Json reproduced = results_with("REPRODUCED", 5, "0.5");
  CHECK_THROWS_WITH(pages::fill(page, reproduced),
                    Catch::Contains("line 5") &&
                        Catch::Contains("written for a claim that is MIXED") &&
                        Catch::Contains("the run says REPRODUCED"));
  // An empty marker is not a way around it, and a claim that does not exist is named.
  CHECK_THROWS_WITH(pages::fill("<!-- results: verdict 1 --><!-- /results -->", mixed),
                    Catch::Contains("the run says MIXED"));
  CHECK_THROWS_WITH(pages::fill("<!-- results: verdict 2 -->MIXED<!-- /results -->", mixed),
                    Catch::Contains("there are 1 claims"));
  // A claim's count is filled, like a value: prose quotes it instead of typing "in every seed".
  CHECK(pages::fill("in <!-- results: count 1 -->old<!-- /results --> seeds", mixed) ==
        "in <!-- results: count 1 -->3 of 5<!-- /results --> seeds");
  // A timing's verdict moves with the machine's load: no prose may be written for it.
  pages::Json timing = results_with("NO VERDICT", 2, "0.5");
  timing["claims"][0]["kind"] = "timing";
  CHECK_THROWS_WITH(pages::fill("<!-- results: verdict 1 -->NO VERDICT<!-- /results -->", timing),
                    Catch::Contains("claim 1 is a timing"));
}

// `./run pages` runs alone the tutorials whose results hold a timing claim (05 and 11: their
// rounds of CPU time move with whatever else runs), not those that only print a timing.
TEST_CASE("a run is timed when a claim is a timing, not when only a value is") {
  pages::Json r = results_with("REPRODUCED", 5, "x");
  r["values"]["ms_per_step"] = {{"value", 1.5}, {"text", "1.5"}, {"kind", "timing"}};
  CHECK_FALSE(pages::has_timing_claim(r));
  r["claims"][0]["kind"] = "timing";
  CHECK(pages::has_timing_claim(r));
  CHECK_FALSE(pages::has_timing_claim(pages::Json::object()));
}

// `./run` says how long `./run pages` will take before its first run on a machine, from the
// committed results' own times: a tutorial and its replication, two at a time, cost one run's
// time; a timed one's two runs go alone, one after the other.
TEST_CASE("the time ./run pages spends on a tutorial counts a timed one's runs twice") {
  pages::Json r = results_with("REPRODUCED", 5, "x");
  r["seconds"] = 12.5;
  CHECK(pages::pages_seconds(r) == 12.5);
  r["claims"][0]["kind"] = "timing";
  CHECK(pages::pages_seconds(r) == 25.0);
  r.erase("seconds");
  CHECK_THROWS(pages::pages_seconds(r));
}

TEST_CASE("a replication on other seeds is shown under each claim a seed decides, and checked") {
  pages::Json own = results_with("REPRODUCED", 5, "0.5");
  pages::Json again = results_with("MIXED", 3, "0.6");
  again["seeds"] = {1001, 1002, 1003, 1004, 1005};
  const pages::Json merged = pages::replicate(own, again);
  // Only the count and the verdict are kept, not the replication's numbers.
  CHECK(merged.at("replication").at("claims")[0] ==
        pages::Json({{"holds", 3}, {"of", 5}, {"verdict", "MIXED"}}));
  const std::string page = "<!-- results: claim 1 --><!-- /results -->\n";
  CHECK(pages::fill(page, merged)
            .find("*Not replicated: on seeds 1001-1005, drawn for nothing "
                  "else, it holds in 3 of 5: MIXED.*") != std::string::npos);
  CHECK_THROWS_WITH(pages::replicate(own, results_with("REPRODUCED", 5, "0.7")),
                    Catch::Contains("starts at seed 1, not at 1001"));
  pages::Json again_same = results_with("REPRODUCED", 4, "0.7");
  again_same["seeds"] = again["seeds"];
  const pages::Json agreed = pages::replicate(own, again_same);
  CHECK(pages::fill(page, agreed)
            .find("*Replicated on seeds 1001-1005, drawn for nothing else: "
                  "holds in 4 of 5: REPRODUCED.*") != std::string::npos);
  const std::string all = pages::fill("<!-- results: claims --><!-- /results -->\n", agreed);
  CHECK(all.find("*Replicated on seeds 1001-1005, drawn for nothing else:*\n\n- claim 1: holds "
                 "in 4 of 5: REPRODUCED\n\n<!-- /results -->") != std::string::npos);
  // A fresh replication is compared exactly: the count, the verdict, the seeds.
  CHECK(pages::compare(agreed, agreed).empty());
  const std::vector<std::string> moved = pages::compare(agreed, merged);
  REQUIRE(moved.size() == 1);
  CHECK_THAT(moved[0], Catch::Contains("claim 1 replicated") && Catch::Contains("MIXED"));
  CHECK_THAT(pages::compare(agreed, own).at(0),
             Catch::Contains("fresh results have no replication"));
  CHECK_THAT(pages::compare(own, agreed).at(0),
             Catch::Contains("committed results have no replication"));
  // A timing, or a claim judged once, is not replicated; nor is a tutorial with only such claims.
  pages::Json once = own;
  once["claims"][0]["of"] = 1;
  pages::Json once_again = again_same;
  once_again["claims"][0]["of"] = 1;
  CHECK_FALSE(pages::replicate(once, once_again).contains("replication"));
  // The two runs must be the same tutorial, claims and mode.
  pages::Json other = again_same;
  other["claims"][0]["claim"] = "y";
  CHECK_THROWS_WITH(pages::replicate(own, other), Catch::Contains("claim 1 is 'x'"));
  other = again_same;
  other["mode"] = "quick";
  CHECK_THROWS_WITH(pages::replicate(own, other), Catch::Contains("is not a replication"));
}

TEST_CASE("a reading of all the seeds is replicated, and shown where other seeds read otherwise") {
  // A share over the seeds (read again on other seeds), a number of seed 1's picture (not), and a
  // timing over the seeds (never: it moves with the machine's load).
  auto with_values = [](pages::Json r, const std::string& share, const std::string& picture) {
    r["values"]["share"] = {{"value", std::stod(share)},
                            {"text", share + "%"},
                            {"kind", "trained"},
                            {"over_seeds", true}};
    r["values"]["picture"] = {{"value", std::stod(picture)}, {"text", picture}, {"kind", "exact"}};
    r["values"]["seconds"] = {
        {"value", 3.0}, {"text", "3.0"}, {"kind", "timing"}, {"over_seeds", true}};
    return r;
  };
  const pages::Json own = with_values(results_with("REPRODUCED", 5, "0.5"), "72", "0.18");
  pages::Json again = with_values(results_with("REPRODUCED", 5, "0.5"), "45", "0.31");
  again["seeds"] = {1001, 1002, 1003, 1004, 1005};
  const pages::Json merged = pages::replicate(own, again);
  CHECK(merged.at("replication").at("values") == pages::Json({{"share", "45%"}}));
  // Quoted, it says what the other seeds read, where it differs; a value of one seed does not.
  CHECK(pages::fill("buys back <!-- results: value share --><!-- /results --> of it", merged) ==
        "buys back <!-- results: value share -->72% *(replication, seeds 1001-1005: "
        "45%)*<!-- /results --> of it");
  CHECK(pages::fill("<!-- results: value picture --><!-- /results -->", merged) ==
        "<!-- results: value picture -->0.18<!-- /results -->");
  CHECK(pages::fill("<!-- results: run --><!-- /results -->", merged)
            .find("its verdicts and its readings of all the seeds replicated on seeds 1001-1005") !=
        std::string::npos);
  // Within the value's tolerance (trained: one unit in the second digit) it reads the same, and
  // the page shows the run's reading alone.
  pages::Json close = with_values(again, "73", "0.31");
  const pages::Json agreed = pages::replicate(own, close);
  CHECK(pages::fill("<!-- results: value share --><!-- /results -->", agreed) ==
        "<!-- results: value share -->72%<!-- /results -->");
  // CI compares a fresh replication's readings by the same tolerance.
  CHECK(pages::compare(merged, pages::replicate(own, with_values(again, "46", "0"))).empty());
  const std::vector<std::string> moved = pages::compare(
      merged, pages::replicate(own, with_values(again, "30", "0")));
  REQUIRE(moved.size() == 1);
  CHECK(moved[0] == "value 'share' replicated: '45%' is now '30%'");
  CHECK_THAT(
      pages::compare(merged, pages::replicate(results_with("REPRODUCED", 5, "0.5"), again)).at(0),
      Catch::Contains("value 'share' is no longer replicated"));
  // The replication must have read it too.
  pages::Json missing = again;
  missing["values"].erase("share");
  CHECK_THROWS_WITH(pages::replicate(own, missing),
                    Catch::Contains("value 'share' reads all the seeds, and the replication did "
                                    "not record it"));
  // A tutorial whose only seed-decided part is a reading still gets its replication.
  pages::Json once = own, once_again = again;
  once["claims"][0]["of"] = 1;
  once_again["claims"][0]["of"] = 1;
  CHECK(pages::replicate(once, once_again).at("replication").at("values").contains("share"));
}

TEST_CASE("a page cites another tutorial's results with a NN_name/ prefix") {
  const pages::Json own = results_with("REPRODUCED", 5, "0.5");
  pages::Json other = results_with("MIXED", 3, "0.7");
  other["tutorial"] = "09_other";
  other["values"]["ratio"]["text"] = "3.1e-20";
  std::vector<std::string> asked;
  const pages::Lookup lookup = [&](const std::string& tutorial) -> const pages::Json& {
    asked.push_back(tutorial);
    if (tutorial.empty()) return own;
    if (tutorial == "09_other") return other;
    throw std::runtime_error("no results for " + tutorial);
  };
  const std::string page =
      "own <!-- results: value ratio --><!-- /results -->, cited "
      "<!-- results: value 09_other/ratio --><!-- /results -->\n"
      "<!-- results: claim 09_other/1 --><!-- /results -->\n"
      "it is <!-- results: verdict 09_other/1 -->MIXED<!-- /results -->\n"
      "<!-- results: run 09_other/ --><!-- /results -->\n";
  const std::string filled = pages::fill(page, lookup);
  CHECK(filled.find("own <!-- results: value ratio -->0.158<!-- /results -->") !=
        std::string::npos);
  CHECK(filled.find("cited <!-- results: value 09_other/ratio -->3.1e-20<!-- /results -->") !=
        std::string::npos);
  CHECK(filled.find("verdict:  MIXED") != std::string::npos);
  CHECK(filled.find("quoted from tutorial 09_other come from its full-mode run (seeds 1-5)") !=
        std::string::npos);
  CHECK(std::count(asked.begin(), asked.end(), "09_other") == 4);
  CHECK(pages::fill(filled, lookup) == filled);
  // A name the cited results do not have is named in the error, with the tutorial.
  CHECK_THROWS_WITH(pages::fill("<!-- results: value 09_other/nope --><!-- /results -->", lookup),
                    Catch::Contains("09_other has no values named 'nope'"));
  // A page given only its own results cannot cite.
  CHECK_THROWS_WITH(pages::fill("<!-- results: value 09_other/ratio --><!-- /results -->", own),
                    Catch::Contains("cites 09_other"));
}

TEST_CASE("a page cites results when one of its markers names another program's") {
  CHECK(
      pages::cites_results("prose <!-- results: value ratio --><!-- /results --> and "
                           "<!-- results: value 09_other/ratio -->3.1e-20<!-- /results -->"));
  CHECK(pages::cites_results("<!-- results: run 09_other/ --><!-- /results -->"));
  CHECK(pages::cites_results("<!-- results: table viz_gallery/mlp_flow -->\n<!-- /results -->"));
  // Its own results only (a tutorial page, docs/performance.md), or no marker: it does not.
  CHECK_FALSE(pages::cites_results("<!-- results: value ratio -->0.158<!-- /results -->"));
  CHECK_FALSE(pages::cites_results("<!-- results: claims -->\n<!-- /results -->"));
  CHECK_FALSE(pages::cites_results("a page with a / and no marker"));
  // A slash after the marker's end is not the marker's.
  CHECK_FALSE(pages::cites_results("<!-- results: value ratio --> 1/2 <!-- /results -->"));
}

TEST_CASE("a fresh run agrees when verdicts match and numbers are within their kind's tolerance") {
  const pages::Json committed = results_with("REPRODUCED", 5, "MSE 0.094");
  CHECK(pages::compare(committed, committed).empty());
  // trained: one unit in the second significant digit is the same result...
  CHECK(pages::compare(committed, results_with("REPRODUCED", 5, "MSE 0.0949")).empty());
  CHECK(pages::compare(committed, results_with("REPRODUCED", 5, "MSE 0.093")).empty());
  // ... two units are not
  CHECK(pages::compare(committed, results_with("REPRODUCED", 5, "MSE 0.092")).size() == 1);
  // a verdict or a count that moved is always a difference
  CHECK_FALSE(pages::compare(committed, results_with("MIXED", 3, "MSE 0.094")).empty());
  CHECK(pages::compare(committed, results_with("REPRODUCED", 4, "MSE 0.094")).size() == 1);
}

TEST_CASE("exact numbers agree to the last printed digit, and bars are not compared") {
  using pages::Kind;
  CHECK(pages::compare_text("ratio 0.158", "ratio 0.158", Kind::exact).empty());
  CHECK(pages::compare_text("ratio 0.158", "ratio 0.159", Kind::exact).empty());
  CHECK_FALSE(pages::compare_text("ratio 0.158", "ratio 0.160", Kind::exact).empty());
  CHECK(pages::compare_text("1.15e-10  ███▏   x", "1.15e-10  ███▎   x", Kind::exact).empty());
  CHECK_FALSE(pages::compare_text("layer 1 of 5", "layer 2 of 5", Kind::exact).empty());
  CHECK_FALSE(pages::compare_text("REPRODUCED", "NOT REPRODUCED", Kind::exact).empty());
  CHECK(pages::compare_text("t=3 W_hh2 -0.5", "t=3 W_hh2 -0.5", Kind::exact).empty());
  CHECK(pages::compare_text("5.0 s", "9.0 s", Kind::timing).empty());
  CHECK(pages::agree(1700, 1750, Kind::trained));
  CHECK_FALSE(pages::agree(1700, 1900, Kind::trained));
}

namespace {

// A benchmark's results (viz_fold_bench, viz/examples/quoted.hpp): a count, and a timing with a
// bound, measured on a day and a machine it names.
pages::Json bench_with(const pages::Json& seconds) {
  pages::Json r = {{"tutorial", "bench"}, {"mode", "full"}, {"seeds", {3}}, {"seconds", 2.0}};
  r["claims"] = pages::Json::array();
  r["values"] = {{"nodes", {{"value", 1806}, {"text", "1806"}, {"kind", "exact"}}},
                 {"full_s",
                  {{"value", seconds}, {"text", "1.3"}, {"kind", "timing"}, {"at_most", 60.0}}}};
  r["tables"] = pages::Json::object();
  r["measured_on"] = "2026-11-29, 2 cores, load average 1.1";
  return r;
}

}  // namespace

TEST_CASE("a timing with a bound is quoted by a measured marker, which says where it was taken") {
  const pages::Json r = bench_with(1.3);
  const pages::Lookup lookup = [&](const std::string&) -> const pages::Json& { return r; };
  const std::string page =
      "<!-- results: value bench/nodes --><!-- /results --> nodes in "
      "<!-- results: measured bench/full_s --><!-- /results --> s\n"
      "<!-- results: run bench/ --><!-- /results -->\n";
  const std::string filled = pages::fill(page, lookup);
  CHECK(filled.find("-->1806<!-- /results --> nodes in <!-- results: measured bench/full_s -->1.3"
                    "<!-- /results --> s") != std::string::npos);
  CHECK(filled.find("come from its run of 2026-11-29, 2 cores, load average 1.1") !=
        std::string::npos);
  CHECK(filled.find("timings only be measured again and stay under their bounds") !=
        std::string::npos);
  CHECK(pages::fill(filled, lookup) == filled);
  // Each marker kind takes only its own numbers: the page says which numbers are measured.
  CHECK_THROWS_WITH(pages::fill("<!-- results: value bench/full_s --><!-- /results -->", lookup),
                    Catch::Contains("quote it as 'measured bench/full_s'"));
  CHECK_THROWS_WITH(pages::fill("<!-- results: measured bench/nodes --><!-- /results -->", lookup),
                    Catch::Contains("quote it as 'value bench/nodes'"));
}

TEST_CASE("a fresh timing is checked for being measured and under its bound, never for equality") {
  const pages::Json committed = bench_with(1.3);
  CHECK(pages::compare(committed, bench_with(1.3)).empty());
  CHECK(pages::compare(committed, bench_with(45.0)).empty());  // a busy machine: still plausible
  CHECK(pages::compare(committed, bench_with(0.01)).empty());  // a fast one too
  for (const pages::Json& wrong : {pages::Json(61.0), pages::Json(0.0), pages::Json(-1.0),
                                   pages::Json(nullptr), pages::Json("1.3")}) {
    INFO(wrong.dump());
    const std::vector<std::string> problems = pages::compare(committed, bench_with(wrong));
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].starts_with("values 'full_s': measured"));
  }
  pages::Json gone = bench_with(1.3);
  gone["values"].erase("full_s");
  CHECK(pages::compare(committed, gone) ==
        std::vector<std::string>{"values 'full_s' is no longer printed"});
  // The counts beside it are still exact.
  pages::Json moved = bench_with(1.3);
  moved["values"]["nodes"]["value"] = 1807;
  CHECK(pages::compare(committed, moved).size() == 1);
}

// The tour runs every tutorial with --seeds 1: the workload is the full one, the run is not (its
// last line said "full mode, seed 1", read by a newcomer as the full, many-seed run).
TEST_CASE("the last line says full mode only for the full seed count, else which of how many") {
  auto run_text = [](std::vector<const char*> args) {
    tut::Tutorial t("00_test", "Test", "intro");
    t.full_mode_seeds(10);
    args.insert(args.begin(), "00_test");
    t.cli.parse(static_cast<int>(args.size()), args.data());
    t.seeds();  // (a tutorial that judges over seeds asks for them)
    return t.run_text();
  };
  CHECK(run_text({}) == "full mode, seeds 1-10");
  CHECK(run_text({"--seed", "1001"}) == "full mode, seeds 1001-1010");
  CHECK(run_text({"--seeds", "1"}) ==
        "full-size workload, seed 1: 1 of the 10 seeds a full run judges over");
  CHECK(run_text({"--seeds", "3"}) ==
        "full-size workload, seeds 1-3: 3 of the 10 seeds a full run judges over");
  CHECK(run_text({"--quick"}) == "quick mode, seeds 1-2");
  // A tutorial that never asks for seeds runs the same whatever --seeds says: its full run.
  tut::Tutorial once("00_test", "Test", "intro");
  const char* argv[] = {"00_test", "--seeds", "1"};
  once.cli.parse(3, argv);
  CHECK(once.run_text() == "full mode, seed 1");
}

TEST_CASE("a tutorial writes results.json with its claims, values and tables") {
  const std::string dir = (std::filesystem::temp_directory_path() / "tapegrad_pages_test").string();
  std::filesystem::remove_all(dir);
  tut::Tutorial t("00_test", "Test", "intro");
  const char* argv[] = {"00_test", "--quick", "--out", dir.c_str()};
  t.cli.parse(4, argv);
  REQUIRE(t.seeds() == std::vector<uint64_t>{1, 2});
  CHECK(t.value("ratio", 0.1581, "{:.3f}") == "0.158");
  t.table("t", "");
  t.claim("always", "1 = 1", true);
  t.claim("per seed", "half", {{1, "yes", true}, {2, "no", false}});
  t.claim("every seed", "both", {{1, "yes", true}, {2, "yes", true}});
  t.claim_for_all("an identity", "both", {{1, "yes", true}, {2, "yes", true}});
  const int rc = t.finish();  // (prints the verdicts into the test's log)
  CHECK(rc == 0);             // MIXED and TOO FEW SEEDS are reported, not failures
  std::ifstream in(dir + "/results.json");
  const pages::Json r = pages::Json::parse(in);
  CHECK(r.at("mode") == "quick");
  CHECK(r.at("claims").size() == 4);
  CHECK(r.at("claims")[1].at("verdict") == "MIXED");
  CHECK(r.at("claims")[1].at("text").get<std::string>().find("holds in 1 of 2 seeds") !=
        std::string::npos);
  // The verdict line as one line of words (it is wrapped at 96 columns).
  auto line_of = [&](size_t k) {
    std::string words;
    for (const char c : r.at("claims")[k].at("text").get<std::string>()) {
      const bool space = c == ' ' || c == '\n';
      if (!space || (!words.empty() && words.back() != ' ')) words += space ? ' ' : c;
    }
    return words;
  };
  // Two seeds that agree are too few for a verdict, not a disagreement.
  CHECK(r.at("claims")[2].at("verdict") == "TOO FEW SEEDS");
  CHECK(line_of(2).find("2 seeds cannot give REPRODUCED: TOO FEW SEEDS") != std::string::npos);
  // A claim for any weights needs every seed, and says so.
  CHECK(r.at("claims")[3].at("verdict") == "REPRODUCED");
  CHECK(line_of(3).find("every seed must hold, one that fails refutes it: REPRODUCED") !=
        std::string::npos);
  CHECK(r.at("values").at("ratio").at("text") == "0.158");
  std::filesystem::remove_all(dir);
}
