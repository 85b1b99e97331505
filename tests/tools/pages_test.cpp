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

TEST_CASE("the verdict rule: at least 80% of seeds reproduce, at most 20% do not, else mixed") {
  using tut::Verdict;
  CHECK(tut::verdict_of(10, 10) == Verdict::reproduced);
  CHECK(tut::verdict_of(8, 10) == Verdict::reproduced);
  CHECK(tut::verdict_of(7, 10) == Verdict::mixed);
  CHECK(tut::verdict_of(3, 10) == Verdict::mixed);
  CHECK(tut::verdict_of(2, 10) == Verdict::not_reproduced);
  CHECK(tut::verdict_of(4, 5) == Verdict::reproduced);
  CHECK(tut::verdict_of(1, 5) == Verdict::not_reproduced);
  CHECK(tut::verdict_of(1, 2) == Verdict::mixed);
  CHECK(tut::verdict_of(1, 1) == Verdict::reproduced);
  CHECK(tut::verdict_of(0, 0) == Verdict::not_reproduced);
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
      "<!-- results: run 09_other/ --><!-- /results -->\n";
  const std::string filled = pages::fill(page, lookup);
  CHECK(filled.find("own <!-- results: value ratio -->0.158<!-- /results -->") !=
        std::string::npos);
  CHECK(filled.find("cited <!-- results: value 09_other/ratio -->3.1e-20<!-- /results -->") !=
        std::string::npos);
  CHECK(filled.find("verdict:  MIXED") != std::string::npos);
  CHECK(filled.find("quoted from tutorial 09_other come from its full-mode run (seeds 1-5)") !=
        std::string::npos);
  CHECK(std::count(asked.begin(), asked.end(), "09_other") == 3);
  CHECK(pages::fill(filled, lookup) == filled);
  // A name the cited results do not have is named in the error, with the tutorial.
  CHECK_THROWS_WITH(pages::fill("<!-- results: value 09_other/nope --><!-- /results -->", lookup),
                    Catch::Contains("09_other has no values named 'nope'"));
  // A page given only its own results cannot cite.
  CHECK_THROWS_WITH(pages::fill("<!-- results: value 09_other/ratio --><!-- /results -->", own),
                    Catch::Contains("cites 09_other"));
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
  const int rc = t.finish();  // (prints the verdicts into the test's log)
  CHECK(rc == 0);             // MIXED is reported, not a failure
  std::ifstream in(dir + "/results.json");
  const pages::Json r = pages::Json::parse(in);
  CHECK(r.at("mode") == "quick");
  CHECK(r.at("claims").size() == 2);
  CHECK(r.at("claims")[1].at("verdict") == "MIXED");
  CHECK(r.at("claims")[1].at("text").get<std::string>().find("holds in 1 of 2 seeds") !=
        std::string::npos);
  CHECK(r.at("values").at("ratio").at("text") == "0.158");
  std::filesystem::remove_all(dir);
}
