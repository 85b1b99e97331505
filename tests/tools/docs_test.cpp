// Tests that the docs keep three promises without running a tutorial:
//   - "What a page says, the program printed": on every page of docs/ but the benchmarks', and on
//     the README, no measured number is typed in the prose; it sits between results markers (the
//     rule is pages::stray_numbers);
//   - every repository path named by a page under docs/, the README or a tutorial's source exists
//     (a tutorial prints some of them, and a moved file leaves them stale);
//   - every committed verdict that seeds decide is the one its replication on other seeds gives.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "pages.hpp"
#include "source_tree.hpp"

namespace {

namespace fs = std::filesystem;
using source_tree::kRoot;
using source_tree::read;

// Files under `dir` (relative to the root) whose names end in `ext`, sorted, as relative paths.
std::vector<std::string> files_under(const std::string& dir, const std::string& ext) {
  std::vector<std::string> found;
  for (const auto& e : fs::recursive_directory_iterator(kRoot / dir)) {
    if (e.is_regular_file() && e.path().string().ends_with(ext)) {
      found.push_back(fs::relative(e.path(), kRoot).string());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

// A check that `problems` is empty, showing them one a line after the advice on fixing them.
void check_none(const std::vector<std::string>& problems, std::string_view advice) {
  INFO(advice);
  INFO(fmt::format("{}", fmt::join(problems, "\n")));
  CHECK(problems.empty());
}

// What a rule found in a page, as typed: texts<pages::stray_numbers>("it took 374 s") == {"374 s"}.
template <auto rule>
std::vector<std::string> texts(std::string_view page) {
  std::vector<std::string> t;
  for (const pages::Stray& s : rule(page)) t.push_back(s.text);
  return t;
}

}  // namespace

// ----- numbers typed outside markers ------------------------------------------------------------

TEST_CASE("stray_verdicts finds a verdict typed in prose, and only there") {
  const auto texts = &::texts<pages::stray_verdicts>;
  using V = std::vector<std::string>;
  CHECK(texts("**Why claim 3 is MIXED.** It was REPRODUCED once, then NOT\nREPRODUCED; NO "
              "VERDICT") == V{"MIXED", "REPRODUCED", "NOT REPRODUCED", "NO VERDICT"});
  CHECK(pages::stray_verdicts("a\n\nb MIXED").at(0).line == 3);
  // The three-word verdicts, across a line break too; "TOO FEW" alone is prose.
  CHECK(texts("TOO FEW\nSEEDS, TOO FEW ROUNDS, TOO FEW, TOO FEW SEEDSX") ==
        V{"TOO FEW SEEDS", "TOO FEW ROUNDS"});
  // In a verdict marker (checked against the run), code, or lower case, or inside a longer
  // word: not a verdict typed in prose.
  CHECK(texts("is <!-- results: verdict 3 -->MIXED<!-- /results -->, `MIXED`, mixed, not "
              "reproduced, UNMIXED, REPRODUCED_X\n\n```\nverdict: MIXED\n```\n")
            .empty());
}

TEST_CASE("stray_numbers finds measured-looking numbers in prose, and only there") {
  const auto texts = &::texts<pages::stray_numbers>;
  using V = std::vector<std::string>;
  // Decimal fractions, powers of ten, percentages and durations are caught, with their line.
  CHECK(texts("keeps 3.1e-20 of it, a factor 0.64 per step") == V{"3.1e-20", "0.64"});
  CHECK(texts("it grows to 1.4e4; 53% are off; it took 374 s, then 1.3 ms") ==
        V{"1.4e4", "53%", "374 s", "1.3 ms"});
  CHECK(pages::stray_numbers("a\n\nb 0.5").at(0).line == 3);
  // Integers, years, sections, words glued to digits are prose.
  CHECK(
      texts("T = 100 of 16 units (Le et al. 2015, §2.1, section 2.1), log10, W_hh2, x86").empty());
  // ... but not an integer before a word the programs count by: the two numbers that went stale
  // on docs/graphs.md and docs/nn.md ("713 tape nodes", "about 800 steps"), and counts spelled
  // out as a result ("nine of ten seeds", "eight of the ten", "ten seeds").
  CHECK(texts("its classifier has 713 tape nodes, and gets there in about 800\nsteps") ==
        V{"713 tape nodes", "800 steps"});
  // A count of outcomes "k of N unit" is caught whole: the N may be a setting that a page is
  // allowed to type ("20 seeds"), the k is what the run measured.
  CHECK(texts("it held in 16 of 20 seeds, 17 of 21 rounds, a 4096 bytes buffer") ==
        V{"16 of 20 seeds", "17 of 21 rounds", "4096 bytes"});
  CHECK(texts("held in 8 of the 10 seeds; in 7 of\n10 training runs; 3 of ten seeds") ==
        V{"8 of the 10 seeds", "7 of 10 training runs", "3 of ten seeds"});
  CHECK(texts("Nine of ten seeds; eight of the ten; in ten seeds; two of 20") ==
        V{"Nine of ten", "eight of the ten", "ten seeds", "two of 20"});
  // Names with a number are not counts ("tutorial 12 runs", "issue 19"), nor is a count word
  // describing the method ("two steps", "one seed", "three LSTM steps").
  CHECK(texts("tutorial 12 runs it; issue 19 steps in; in two steps; one seed; three LSTM steps")
            .empty());
  CHECK(texts("Part 4 runs it, and part 2 steps in").empty());
  // Numbers read off a picture give themselves away by a hedge, and decades are counted: the
  // readings of tutorial 13's folded pictures that the rule missed.
  CHECK(texts("layers 1 to about 33 get less than that; from about layer\n25 down to layer 1. "
              "LayerNorm fades by four decades in this seed") ==
        V{"about 33", "about layer 25", "four decades"});
  CHECK(texts("Around 40 of them, roughly 7, nearly 12 and 3 decades") ==
        V{"Around 40", "roughly 7", "nearly 12", "3 decades"});
  // ... but not a ratio written out, a hedge before no number, or a number with no hedge.
  CHECK(texts("keeps about 1/√6 per layer, within about a decade, at layer 25 of 50, symmetric "
              "about 0")
            .empty());
  // HTML tags are markup, their attributes not prose; a "<" before a number is a comparison.
  CHECK(texts("<td><img src=\"a.svg\" width=\"100%\" alt=\"0.5\"></td> then 0.7") == V{"0.7"});
  CHECK(texts("where x < 0.5 and y<0.25") == V{"0.5", "0.25"});
  // Markers, code spans, fenced blocks, comments, link targets and addresses are not prose.
  CHECK(texts("ratio <!-- results: value r -->0.158<!-- /results --> and `rho = 0.9`").empty());
  CHECK(texts("```\nloss 0.25\n```\n<!-- 0.5 -->[see](img/v1.5.svg) https://x.org/2.5").empty());
  // ... but the prose after them is.
  CHECK(texts("```\n0.1\n```\nthen 0.2 and `0.3` then 0.4") == V{"0.2", "0.4"});
  // A code span may go on over a line break; an indented block after a blank line is code.
  CHECK(texts("the `-3 x 0.5\n= -1.5` edge\n\n    value: 0.7071\n\nbut 0.9 is prose").at(0) ==
        "0.9");
  // A number after a sign that is not ASCII (−1.5, ×0.5) is still a number.
  CHECK(texts("= −1.5 and ×0.5") == V{"1.5", "0.5"});
}

namespace {

// A number allowed in a page's prose: not a measurement but a setting of the code (or an input
// the page describes), written where the page explains it. Each names where the code fixes it;
// where that is a file, `code` holds `snippet`, and a test below checks that it still does.
// Without a file, the reason says why nothing can move it: a fact from a cited source (a paper's
// arXiv number, a library's default or version), a definition, or the page's history (the
// settings of an earlier version, told as such; never what it measured, which no run can print
// again: a test below).
struct Allowed {
  std::string page, text, why, code = "", snippet = "";
};

// An allowance for the page's history says so in its reason.
bool history(const Allowed& a) { return a.why.find("the page's history") != std::string::npos; }

// What looks like a result rather than a setting: a percentage (an accuracy, a share) or a count of
// outcomes, "8 of 10 seeds", "nine of ten".
bool looks_like_a_result(const std::string& text) {
  return text.ends_with('%') || text.find(" of ") != std::string::npos;
}

// What each allowance says, once.
const std::string kVerdictRule =
    "the verdict rule's thresholds, margin and sign-test level (tut::verdict_of, tut::kMargin, "
    "tut::kEvidence; pinned by 'the verdict rule' in pages_test.cpp)";
const std::string kScale = "viz's one colour scale, Options::log10_min = -8 to log10_max = 2";
const std::vector<Allowed> kAllowed = {
    {"README.md", "80%", kVerdictRule},
    {"README.md", "20%", kVerdictRule},
    {"README.md", "1%", kVerdictRule},
    {"README.md", "5%", kVerdictRule},
    {"README.md", "1e-8", kScale},
    {"README.md", "1e2", kScale},
    {"docs/README.md", "80%", kVerdictRule},
    {"docs/README.md", "20%", kVerdictRule},
    {"docs/README.md", "1%", kVerdictRule},
    {"docs/README.md", "5%", kVerdictRule},
    {"docs/README.md", "1e-9", "pages::agree's tolerance for exact numbers (checked below)"},
    {"docs/concepts/vanishing-and-exploding.md", "1e-8", kScale},
    {"docs/concepts/vanishing-and-exploding.md", "1e2", kScale},
    {"docs/concepts/vanishing-and-exploding.md", "1e-2", "the middle of " + kScale},
    {"docs/concepts/vanishing-and-exploding.md", "1e-30",
     "the scale tutorial 09 draws on (scale.log10_min = -30.0)"},
    {"docs/concepts/vanishing-and-exploding.md", "1e0",
     "the scale tutorial 09 draws on (scale.log10_max = 0.0)"},
    {"docs/concepts/vanishing-and-exploding.md", "1e-12",
     "green on tutorial 09's scale, three fifths of the way up, where 1e-2 is on the default"},
    {"docs/graphs.md", "1e-8", kScale},
    {"docs/graphs.md", "1e2", kScale},
    {"docs/graphs.md", "1e-30", "the scale tutorial 09 draws on (scale.log10_min = -30.0)"},
    // The versions of PyTorch whose defaults differ (a fact about torch, not a measurement).
    {"docs/coming-from-pytorch.md", "2.1", "the last torch version where SGD's lr is required"},
    {"docs/coming-from-pytorch.md", "2.2", "the first torch version with SGD's default lr"},
    {"docs/coming-from-pytorch.md", "1.13", "the torch version Debian 12 ships"},
    {"docs/fuzzing.md", "10 s", "./run fuzz's -timeout (a hang)", "run", "-timeout=10"},
    // The inputs of a fuzz finding, and its regression test.
    {"docs/fuzzing.md", "9.79e19", "a fuzz finding's generator word", "tests/nn/serialize_test.cpp",
     "a generator word of 9.79e19"},
    {"docs/fuzzing.md", "1e300", "a fuzz finding's Adam step", "tests/nn/serialize_test.cpp",
     "load_with(\"step\", 1e300)"},
    {"docs/fuzzing.md", "1.5", "a fuzz finding's Adam step", "tests/nn/serialize_test.cpp",
     "load_with(\"engine\", 1.5)"},
    // What tests/nn assert, as the page describes the tests.
    {"docs/nn.md", "100%", "the moons test's training accuracy", "tests/nn/training_test.cpp",
     "CHECK(acc == 1.0);"},
    {"docs/nn.md", "1e-2", "the adding-problem test's learning rate", "tests/nn/training_test.cpp",
     "Adam adam(params, {.lr = 1e-2});"},
    {"docs/nn.md", "0.01", "the adding-problem test's target MSE, and LeakyReLU's default slope",
     "tests/nn/training_test.cpp", "mse >= 0.01"},
    {"docs/nn.md", "1e-14", "the state-dict test's tolerance", "tests/nn/serialize_test.cpp",
     "l.at(\"output\"), 1e-14);"},
    {"docs/nn.md", "1e-10", "the torch-fixture tests' tolerance", "tests/nn/fixtures.hpp",
     "double tol = 1e-10)"},
    {"docs/nn.md", "100 SGD steps", "the moons test's steps", "tests/nn/training_test.cpp",
     "const int steps = 100;"},
    {"docs/nn.md", "3000 steps", "the adding-problem test's budget", "tests/nn/training_test.cpp",
     "max_steps = 3000"},
    // Counts of seeds: how many each tutorial runs in full mode, and the rule's arithmetic on them.
    {"docs/README.md", "10 seeds", kVerdictRule + "; most tutorials' seeds",
     "tutorials/05_relu_claims.cpp", "t.full_mode_seeds(10);"},
    {"docs/README.md", "20 seeds", kVerdictRule + "; tutorials 04 and 11's seeds",
     "tutorials/11_relu_in_lstm_gates.cpp", "t.full_mode_seeds(20);"},
    {"docs/README.md", "6 seeds", kVerdictRule},
    {"docs/README.md", "2 seeds", "--quick's seeds", "tutorials/common/tutorial.hpp",
     "quick ? 2 : full_seeds_"},
    // Lengths of the sequences the pictures and tutorial 09 unroll (settings, not results).
    {"docs/concepts/the-lstm.md", "100 steps", "tutorial 09's T",
     "tutorials/09_gradients_through_time.cpp", "int64_t T = 100"},
    {"docs/concepts/vanishing-and-exploding.md", "100 steps", "tutorial 09's T",
     "tutorials/09_gradients_through_time.cpp", "int64_t T = 100"},
    {"docs/graphs.md", "100 time steps", "tutorial 09's T",
     "tutorials/09_gradients_through_time.cpp", "int64_t T = 100"},
    {"docs/graphs.md", "30 steps", "the gallery's RNN and LSTM", "viz/examples/viz_gallery.cpp",
     "ex::tanh_rnn(30, 16)"},
    {"docs/graphs.md", "100 steps", "the gallery's long LSTM, viz_fold_bench's too",
     "viz/examples/viz_fold_bench.cpp", "int steps = 100, hidden = 32"},
    {"docs/graphs.md", "1000 steps", "viz_fold_bench's scope per block",
     "viz/examples/viz_fold_bench.cpp", "start += 1000"},
    {"docs/graphs.md", "8 MB", "Linux's default stack size (ulimit -s), a fact about the system"},
    {"docs/graphs.md", "1 pt", "a unit's definition (1 pt = 4/3 px)"},
    {"docs/fuzzing.md", "12 engine ops", "ops_fuzz's longest program", "fuzz/ops_fuzz.cpp",
     "constexpr int kMaxOps = 12;"},

    // ----- the tutorial pages: the settings of each tutorial's code, and facts from its sources
    {"docs/tutorials/04_moons_mlp.md", "0.1", "micrograd's make_moons noise",
     "tutorials/04_moons_mlp.cpp", "e.moons = ag::nn::make_moons(n, 0.1, gen);"},
    {"docs/tutorials/04_moons_mlp.md", "100 steps", "micrograd's steps, the tutorial's default",
     "tutorials/04_moons_mlp.cpp", "int steps = 100;"},
    {"docs/tutorials/04_moons_mlp.md", "1.0", "the schedule's first learning rate",
     "tutorials/04_moons_mlp.cpp", "const double lr = 1.0 - 0.9 * k / 100.0;"},
    // (The claim's target, and what micrograd's notebook printed: a fact about the source.)
    {"docs/tutorials/04_moons_mlp.md", "100%",
     "the accuracy micrograd's notebook ends at, which the third claim asks of every seed",
     "tutorials/04_moons_mlp.cpp", "at_100 += r.scalar_acc == 1.0 ? 1 : 0;"},
    {"docs/tutorials/05_relu_claims.md", "11 rounds", "--quick's rounds",
     "tutorials/05_relu_claims.cpp", "rounds = std::min(rounds, 11);"},
    {"docs/tutorials/05_relu_claims.md", "two seeds", "--quick's seeds",
     "tutorials/common/tutorial.hpp", "quick ? 2 : full_seeds_"},
    {"docs/tutorials/05_relu_claims.md", "1e-8", kScale},
    {"docs/tutorials/05_relu_claims.md", "1e2", kScale},
    {"docs/tutorials/05_relu_claims.md", "50%",
     "Glorot, Bordes & Bengio 2011, §3.1: the sparsity they report at random initialisation (a "
     "fact from the paper the page cites)"},
    {"docs/tutorials/06_initialization.md", "two seeds", "--quick's seeds",
     "tutorials/common/tutorial.hpp", "quick ? 2 : full_seeds_"},
    {"docs/tutorials/06_initialization.md", "0.1",
     "the inputs' standard deviation in the linear regime", "tutorials/06_initialization.cpp",
     "const double small = 0.1;"},
    {"docs/tutorials/06_initialization.md", "10%", "the tolerance of \"a step is the formula\"",
     "tutorials/06_initialization.cpp", "kStepTolerance = 0.10"},
    {"docs/tutorials/06_initialization.md", "1.04",
     "an example of a drift of a few percent per layer (not a measurement; its 29th power is "
     "computed below)"},
    {"docs/tutorials/06_initialization.md", "0.3", "the LeakyReLU's slope",
     "tutorials/06_initialization.cpp", "constexpr double kSlope = 0.3;"},
    {"docs/tutorials/06_initialization.md", "29 steps", "between the 30 layers of the ReLU MLPs",
     "tutorials/06_initialization.cpp", "relu_depth = 30;"},
    {"docs/tutorials/06_initialization.md", "2 each step",
     "He's gain for ReLU (a definition, He et al. 2015)"},
    {"docs/tutorials/06_initialization.md", "0.01",
     "PyTorch's default LeakyReLU slope (a fact about torch)"},
    {"docs/tutorials/07_dying_relu.md", "two seeds", "--quick's seeds",
     "tutorials/common/tutorial.hpp", "quick ? 2 : full_seeds_"},
    {"docs/tutorials/07_dying_relu.md", "1903.06733",
     "the arXiv number of the paper the page cites"},
    {"docs/tutorials/07_dying_relu.md", "0.6007", "RAI's standard deviation, from its public code",
     "tutorials/07_dying_relu.cpp", "const double sigma = 0.6007 / std::sqrt("},
    {"docs/tutorials/07_dying_relu.md", "0.5", "the read-out's constant",
     "tutorials/07_dying_relu.cpp", "+ 0.5;  // [1, 1]: a constant 0.5"},
    {"docs/tutorials/07_dying_relu.md", "10%",
     "the cells where the formula's dying rate is at least 0.1", "tutorials/07_dying_relu.cpp",
     "if (p_dead(c.N, c.L) < 0.1) continue;"},
    {"docs/tutorials/07_dying_relu.md", "0.1",
     "the cells where the formula's dying rate is at least 0.1", "tutorials/07_dying_relu.cpp",
     "if (p_dead(c.N, c.L) < 0.1) continue;"},
    {"docs/tutorials/07_dying_relu.md", "0.01",
     "PyTorch's LeakyReLU slope, the first of the two compared", "tutorials/07_dying_relu.cpp",
     "grad_001.push_back(gradient_at_layer1(net, x1, 0.01,"},
    {"docs/tutorials/07_dying_relu.md", "1%", "PyTorch's slope 0.01 as a share of the gradient",
     "tutorials/07_dying_relu.cpp", "grad_001.push_back(gradient_at_layer1(net, x1, 0.01,"},
    {"docs/tutorials/07_dying_relu.md", "0.3",
     "Keras's LeakyReLU slope, the second of the two compared", "tutorials/07_dying_relu.cpp",
     "grad_03.push_back(gradient_at_layer1(net, x1, 0.3,"},
    {"docs/tutorials/07_dying_relu.md", "30%", "Keras's slope 0.3 as a share of the gradient",
     "tutorials/07_dying_relu.cpp", "grad_03.push_back(gradient_at_layer1(net, x1, 0.3,"},
    {"docs/tutorials/08_lstm_from_primitives.md", "10 seeds", "the default full-mode seeds",
     "tutorials/common/tutorial.hpp", "int full_seeds_ = 10;"},
    {"docs/tutorials/08_lstm_from_primitives.md", "10 steps", "--quick's comparison length",
     "tutorials/08_lstm_from_primitives.cpp", "long_steps = std::min<int64_t>(long_steps, 10);"},
    {"docs/tutorials/08_lstm_from_primitives.md", "1e-6", "ag::gradcheck's step",
     "autograd/include/autograd/gradcheck.hpp", "double eps = 1e-6;"},
    {"docs/tutorials/09_gradients_through_time.md", "10 seeds", "the default full-mode seeds",
     "tutorials/common/tutorial.hpp", "int full_seeds_ = 10;"},
    {"docs/tutorials/09_gradients_through_time.md", "1e-30",
     "the scale tutorial 09 draws on (scale.log10_min = -30.0, checked above)"},
    {"docs/tutorials/09_gradients_through_time.md", "1e-3", "the threshold of \"vanishes\"",
     "tutorials/09_gradients_through_time.cpp", "{tut::below(r[0], 1e-3)}"},
    {"docs/tutorials/10_adding_problem.md", "1e-2", "Adam's learning rate",
     "tutorials/10_adding_problem.cpp", "double lr = 1e-2, clip = 1.0, target = 0.01;"},
    {"docs/tutorials/10_adding_problem.md", "0.01", "the target test MSE",
     "tutorials/10_adding_problem.cpp", "double lr = 1e-2, clip = 1.0, target = 0.01;"},
    {"docs/tutorials/10_adding_problem.md", "50 steps", "the steps between evaluations",
     "tutorials/10_adding_problem.cpp", "eval_every = 50"},
    {"docs/tutorials/10_adding_problem.md", "1500 steps", "the training budget",
     "tutorials/10_adding_problem.cpp", "steps = 1500"},
    {"docs/tutorials/10_adding_problem.md", "2000 steps",
     "an earlier version's budget (the page's history)"},
    {"docs/tutorials/10_adding_problem.md", "ten seeds", "the default full-mode seeds",
     "tutorials/common/tutorial.hpp", "int full_seeds_ = 10;"},
    {"docs/tutorials/10_adding_problem.md", "10 seeds", "the default full-mode seeds",
     "tutorials/common/tutorial.hpp", "int full_seeds_ = 10;"},
    {"docs/tutorials/10_adding_problem.md", "0.1", "the tanh RNN's threshold",
     "tutorials/10_adding_problem.cpp", "tut::above(best(r.rnn), 0.1)"},
    {"docs/tutorials/10_adding_problem.md", "20%", "claim 3's effect size",
     "tutorials/10_adding_problem.cpp", "constexpr int64_t kSoonerPercent = 20;"},
    {"docs/tutorials/10_adding_problem.md", "1%", kVerdictRule},
    {"docs/tutorials/10_adding_problem.md", "two seeds", "--quick's seeds",
     "tutorials/common/tutorial.hpp", "quick ? 2 : full_seeds_"},
    // (Its history: an earlier version's settings and seeds, told as such.)
    {"docs/tutorials/11_relu_in_lstm_gates.md", "50 steps",
     "an earlier version's sequence length (the page's history)"},
    {"docs/tutorials/11_relu_in_lstm_gates.md", "1500 training steps",
     "an earlier version's training (the page's history)"},
    {"docs/tutorials/11_relu_in_lstm_gates.md", "10 seeds",
     "the seeds of an earlier version (the page's history)"},
    {"docs/tutorials/11_relu_in_lstm_gates.md", "300 steps", "--quick's training steps",
     "tutorials/11_relu_in_lstm_gates.cpp", "std::min<int64_t>(train_settings.steps, 300)"},
    {"docs/tutorials/11_relu_in_lstm_gates.md", "two seeds", "--quick's seeds",
     "tutorials/common/tutorial.hpp", "quick ? 2 : full_seeds_"},
    {"docs/tutorials/11_relu_in_lstm_gates.md", "20 seeds", "the tutorial's full-mode seeds",
     "tutorials/11_relu_in_lstm_gates.cpp", "t.full_mode_seeds(20);"},
    {"docs/tutorials/11_relu_in_lstm_gates.md", "80%", kVerdictRule},
    {"docs/tutorials/11_relu_in_lstm_gates.md", "1%", kVerdictRule},
    // (Facts about Keras and TensorFlow: versions, and hard_sigmoid's definition.)
    {"docs/tutorials/11_relu_in_lstm_gates.md", "2.0",
     "the TensorFlow version whose documentation the page quotes"},
    {"docs/tutorials/11_relu_in_lstm_gates.md", "2.3",
     "the Keras version that changed the LSTM's default"},
    {"docs/tutorials/11_relu_in_lstm_gates.md", "1.15",
     "the last TensorFlow 1 version, which kept the old default"},
    {"docs/tutorials/11_relu_in_lstm_gates.md", "0.5",
     "the mean gate the control starts at, a sigmoid's at 0", "tutorials/11_relu_in_lstm_gates.cpp",
     "(mean_gate(mid) < 0.5 ? lo : hi) = mid;"},
    {"docs/tutorials/11_relu_in_lstm_gates.md", "three rounds",
     "the control's rounds of \"run, solve\"", "tutorials/11_relu_in_lstm_gates.cpp",
     "for (int round = 0; round < 3; ++round)"},
    {"docs/tutorials/11_relu_in_lstm_gates.md", "1.2",
     "the scale that makes PyTorch's hard sigmoid Keras's", "tutorials/11_relu_in_lstm_gates.cpp",
     "on_gate_rows(*p, H, 0.0, 1.2);"},
    {"docs/tutorials/11_relu_in_lstm_gates.md", "0.01", "Adam's learning rate",
     "tutorials/11_relu_in_lstm_gates.cpp", "double lr = 1e-2;"},
    {"docs/tutorials/11_relu_in_lstm_gates.md", "0.05",
     "the test MSE under which a run has learned", "tutorials/11_relu_in_lstm_gates.cpp",
     "static constexpr double kLearned = 0.05;"},
    {"docs/tutorials/11_relu_in_lstm_gates.md", "1 per step",
     "the LSTM's bound on the cell: |i·g| < 1 (a definition)"},
    {"docs/tutorials/12_sequence_classifier.md", "0.3",
     "Keras's LeakyReLU slope, which the example uses", "tutorials/12_sequence_classifier.cpp",
     "std::make_shared<ag::nn::LeakyReLU>(0.3)"},
    {"docs/tutorials/12_sequence_classifier.md", "0.01",
     "PyTorch's default LeakyReLU slope (a fact about torch)"},
    {"docs/tutorials/12_sequence_classifier.md", "16 filters", "the second convolution's filters",
     "tutorials/12_sequence_classifier.cpp", "kFilters1 = 8, kFilters2 = 16;"},
    {"docs/tutorials/12_sequence_classifier.md", "1e-2", "Adam's learning rate",
     "tutorials/12_sequence_classifier.cpp", "max_shift = 0.2, lr = 1e-2;"},
    {"docs/tutorials/12_sequence_classifier.md", "0.2 s",
     "the word's largest shift from the clip's middle", "tutorials/12_sequence_classifier.cpp",
     "max_shift = 0.2, lr = 1e-2;"},
    {"docs/tutorials/12_sequence_classifier.md", "300 steps", "the training budget",
     "tutorials/12_sequence_classifier.cpp", "int64_t steps = 300, eval_every = 50"},
    {"docs/tutorials/12_sequence_classifier.md", "50 steps", "the steps between evaluations",
     "tutorials/12_sequence_classifier.cpp", "int64_t steps = 300, eval_every = 50"},
    {"docs/tutorials/12_sequence_classifier.md", "1804.03209",
     "the arXiv number of the dataset's paper"},
    {"docs/tutorials/12_sequence_classifier.md", "12.5 ms", "the frames' hop",
     "tutorials/common/speech.cpp", "std::lround(0.0125 * sample_rate)"},
    {"docs/tutorials/12_sequence_classifier.md", "25 ms", "the frames' length",
     "tutorials/common/speech.cpp", "std::lround(0.025 * sample_rate)"},
    {"docs/tutorials/12_sequence_classifier.md", "40 triangular filters", "the mel bands",
     "tutorials/common/speech.hpp", "inline constexpr int kBands = 40;"},
    {"docs/tutorials/12_sequence_classifier.md", "6 seeds",
     "the seeds the ReLU twin is trained for (and, before, every claim)",
     "tutorials/12_sequence_classifier.cpp", "int relu_seeds = 6;"},
    {"docs/tutorials/12_sequence_classifier.md", "10 seeds", "the tutorial's full-mode seeds",
     "tutorials/12_sequence_classifier.cpp", "t.full_mode_seeds(10);"},
    {"docs/tutorials/12_sequence_classifier.md", "20 time steps",
     "the LSTM's steps, the frames after two 2 x 2 poolings",
     "tutorials/12_sequence_classifier.cpp", "kSteps = kFrames / 4;"},
    {"docs/tutorials/12_sequence_classifier.md", "100 training steps", "--quick's steps",
     "tutorials/12_sequence_classifier.cpp", "quick(\"--steps\", s.steps, int64_t{100});"},
    {"docs/tutorials/12_sequence_classifier.md", "100 steps", "--quick's steps",
     "tutorials/12_sequence_classifier.cpp", "quick(\"--steps\", s.steps, int64_t{100});"},
    {"docs/tutorials/12_sequence_classifier.md", "2 seeds", "--quick's seeds",
     "tutorials/common/tutorial.hpp", "quick ? 2 : full_seeds_"},
    {"docs/tutorials/12_sequence_classifier.md", "90%",
     "the accuracy claims 1-2 ask for in full mode", "tutorials/12_sequence_classifier.cpp",
     "constexpr double kFullAccuracy = 0.90, kQuickAccuracy = 0.40;"},
    {"docs/tutorials/12_sequence_classifier.md", "40%", "the accuracy --quick asks for",
     "tutorials/12_sequence_classifier.cpp",
     "constexpr double kFullAccuracy = 0.90, kQuickAccuracy = 0.40;"},
    {"docs/tutorials/12_sequence_classifier.md", "5%", kVerdictRule},
    {"docs/tutorials/13_making_gradients_propagate.md", "1e-3", "Adam's learning rate",
     "tutorials/13_making_gradients_propagate.cpp", "double lr = 1e-3;"},
    {"docs/tutorials/13_making_gradients_propagate.md", "100 steps", "the training budget",
     "tutorials/13_making_gradients_propagate.cpp", "int steps = 100;"},
    {"docs/tutorials/13_making_gradients_propagate.md", "1e-8", kScale},
    {"docs/tutorials/13_making_gradients_propagate.md", "1e2", kScale},
    {"docs/tutorials/13_making_gradients_propagate.md", "1e-5",
     "PyTorch's eps, the normalizations' default", "tutorials/13_making_gradients_propagate.cpp",
     "double eps = 1e-5)"},
    {"docs/tutorials/13_making_gradients_propagate.md", "1e-12",
     "the BatchNorm eps of the scale test", "tutorials/13_making_gradients_propagate.cpp",
     "constexpr double kTinyEps = 1e-12;"},
    {"docs/tutorials/13_making_gradients_propagate.md", "1e-6", "the threshold of \"vanished\"",
     "tutorials/13_making_gradients_propagate.cpp", "tut::below(r.init[kPlain].ratio, 1e-6)"},
    {"docs/tutorials/13_making_gradients_propagate.md", "1%", "the threshold of \"unaffected\"",
     "tutorials/13_making_gradients_propagate.cpp",
     "tut::below(std::abs(r.scaled_batch_tiny - 1.0), 0.01)"},
};

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// How many of the 2^n sequences of n fair coin tosses have at least k heads: the sum of C(n, j)
// over j = k .. n.
double sequences_with_at_least(int k, int n) {
  double total = 0.0;
  for (int j = k; j <= n; ++j) {
    double choose = 1.0;
    for (int i = 1; i <= j; ++i) choose = choose * (n - j + i) / i;
    total += choose;
  }
  return total;
}

// Where a local derivative falls to `threshold`: the x > 0 with f'(x) = threshold, by bisection
// (f' falls from its peak at 0).
double where_derivative_is(double threshold, double (*derivative)(double)) {
  double lo = 0.0, hi = 100.0;
  for (int k = 0; k < 200; ++k) {
    const double mid = (lo + hi) / 2;
    (derivative(mid) > threshold ? lo : hi) = mid;
  }
  return lo;
}

// Arithmetic a page types: allowed in its prose because this test computes it. The page must hold
// `text` (the number in its words), and the number must be what `value` prints as.
struct Computed {
  std::string page, text, in_words;
  double value;
  std::string format;
};

std::vector<Computed> computed_numbers() {
  const double tanh_prime_1 = 1.0 - std::tanh(1.0) * std::tanh(1.0);
  // micrograd's neuron (viz/examples/example_graphs.hpp): n = x1 w1 + x2 w2 + b, o = tanh(n).
  const double o = std::tanh(2.0 * -3.0 + 0.0 * 1.0 + 6.8813735870195432);
  return {
      {"docs/graphs.md", "6.9", "`1e-3` is about \\|x\\| > 6.9",
       where_derivative_is(1e-3, [](double x) { return sigmoid(x) * (1 - sigmoid(x)); }), "{:.1f}"},
      {"docs/graphs.md", "4.1", "`1e-3` is about \\|x\\| > 4.1",
       where_derivative_is(1e-3, [](double x) { return 1 - std::tanh(x) * std::tanh(x); }),
       "{:.1f}"},
      // fold_test.cpp's worked example: a = x w (x = 0.5, w = 2), b = tanh(a).
      {"docs/graphs.md", "0.42", "`activation`: `one` 0.42", tanh_prime_1, "{:.2f}"},
      {"docs/graphs.md", "0.87", "`parameters`: `one`\n0.87", std::hypot(2.0, 0.5) * tanh_prime_1,
       "{:.2f}"},
      // The neuron's path product: 1 × tanh'(n) × 1 × 1 × w1.
      {"docs/graphs.md", "0.5", "× 0.5 (tanh)", 1.0 - o * o, "{:.1f}"},
      {"docs/graphs.md", "1.5", "= −1.5, which is what its box says", -(1.0 - o * o) * -3.0,
       "{:.1f}"},
      // Tutorial 06's arithmetic: a drift of 4% per step over 29 steps; the per-step factor of a
      // LeakyReLU of slope a with He's gain 2, 2 (1 + a²) / 2 = 1 + a², for a = 0.3 and 0.01.
      {"docs/tutorials/06_initialization.md", "3.1", "(1.04²⁹ ≈ 3.1)", std::pow(1.04, 29.0),
       "{:.1f}"},
      {"docs/tutorials/06_initialization.md", "1.09", "each step is 1.09", 1 + 0.3 * 0.3, "{:.2f}"},
      {"docs/tutorials/06_initialization.md", "1.0001", "the difference is 1.0001²⁹",
       1 + 0.01 * 0.01, "{:.4f}"},
      // Tutorial 07: the variance a LeakyReLU of slope 0.3 passes through its negative half, a².
      {"docs/tutorials/07_dying_relu.md", "0.09", "2/(1 + 0.09)", 0.3 * 0.3, "{:.2f}"},
      // Tutorial 09: a forget gate's value at initialisation, sigmoid of its bias, 0 (PyTorch's)
      // or 1.
      {"docs/tutorials/09_gradients_through_time.md", "0.5", "about σ(0) = 0.5", sigmoid(0.0),
       "{:.1f}"},
      {"docs/tutorials/09_gradients_through_time.md", "0.73", "σ(1) = 0.73", sigmoid(1.0),
       "{:.2f}"},
      // Tutorial 10's baselines: predicting the mean scores Var(u1 + u2) = 1/6; remembering only
      // the later value, Var(u1) = 1/12.
      {"docs/tutorials/10_adding_problem.md", "0.167", "1/6 ≈ 0.167", 1.0 / 6.0, "{:.3f}"},
      {"docs/tutorials/10_adding_problem.md", "0.083", "1/12 ≈ 0.083", 1.0 / 12.0, "{:.3f}"},
      {"docs/tutorials/10_adding_problem.md", "0.5", "z ≈ σ(0) = 0.5", sigmoid(0.0), "{:.1f}"},
      {"docs/tutorials/10_adding_problem.md", "0.73", "σ(1) = 0.73", sigmoid(1.0), "{:.2f}"},
      // Tutorial 11: where Keras's hard sigmoid 0.2 x + 0.5 reaches 0 and 1; the baseline 1/6 and
      // the share of it a test MSE of 0.05 explains.
      {"docs/tutorials/11_relu_in_lstm_gates.md", "2.5", "0 below x = −2.5, 1 above 2.5", 0.5 / 0.2,
       "{:.1f}"},
      {"docs/tutorials/11_relu_in_lstm_gates.md", "0.167", "1/6 ≈ 0.167", 1.0 / 6.0, "{:.3f}"},
      {"docs/tutorials/11_relu_in_lstm_gates.md", "70%", "at least 70% of the",
       100 * (1 - 0.05 * 6), "{:.0f}%"},
      // ... and how often a fair coin gives what an 80% rule asks of 10 seeds, 8 of 10 heads.
      {"docs/tutorials/11_relu_in_lstm_gates.md", "56", "at least 8 of 10\ntosses 56 times in 1024",
       sequences_with_at_least(8, 10), "{:.0f}"},
      {"docs/tutorials/11_relu_in_lstm_gates.md", "1024", "tosses 56 times in 1024",
       std::pow(2.0, 10), "{:.0f}"},
      // Tutorial 12: chance among six words, and the loss of a uniform guess, ln 6.
      {"docs/tutorials/12_sequence_classifier.md", "16.7%", "(1/6 = 16.7%)", 100.0 / 6.0,
       "{:.1f}%"},
      {"docs/tutorials/12_sequence_classifier.md", "1.79", "ln 6 ≈ 1.79", std::log(6.0), "{:.2f}"},
      // Tutorial 13: 1/√6 per layer over 49 layers is (1/6)^24.5, about 1e-19 (its power of ten).
      {"docs/tutorials/13_making_gradients_propagate.md", "24.5", "(1/6)^24.5 ≈ 1e-19", 49 / 2.0,
       "{:.1f}"},
      {"docs/tutorials/13_making_gradients_propagate.md", "1e-19", "(1/6)^24.5 ≈ 1e-19",
       std::pow(10.0, std::round(24.5 * std::log10(1.0 / 6.0))), "{:.0e}"},
      // The adding problem's baseline: predicting 1 (the mean of u1 + u2) scores Var = 1/6.
      {"docs/nn.md", "0.167", "1/6 ≈ 0.167", 1.0 / 6.0, "{:.3f}"},
  };
}

// The pages the rule covers: the concept pages, the tutorial pages, the READMEs, the graph guide
// and every other page at the top of docs/. (A tutorial page names many settings in prose:
// learning rates, thresholds, slopes, each allowed above with the line that sets it;
// docs/performance.md is the benchmarks' page, filled and checked by
// benchmarks/check_page.cmake.)
std::vector<std::string> covered_pages() {
  std::vector<std::string> pages = files_under("docs/concepts", ".md");
  for (const std::string& page : files_under("docs/tutorials", ".md")) pages.push_back(page);
  pages.push_back("README.md");
  for (const auto& e : fs::directory_iterator(kRoot / "docs")) {
    const std::string page = fs::relative(e.path(), kRoot).string();
    if (e.is_regular_file() && page.ends_with(".md") && page != "docs/performance.md") {
      pages.push_back(page);
    }
  }
  std::sort(pages.begin(), pages.end());
  return pages;
}

}  // namespace

TEST_CASE("the settings a page may type are what the code sets") {
  // (The verdict thresholds are pinned by "the verdict rule" in pages_test.cpp.)
  CHECK(pages::agree(1.0, 1.0 + 0.9e-9, pages::Kind::exact));
  CHECK_FALSE(pages::agree(1.0, 1.0 + 1.1e-9, pages::Kind::exact));
  // viz::Options' scale (viz/include/viz/viz.hpp) is read from its source: this test program
  // does not link viz.
  const std::string viz = read(kRoot / "viz/include/viz/viz.hpp");
  CHECK(viz.find("double log10_min = -8.0;") != std::string::npos);
  CHECK(viz.find("double log10_max = 2.0;") != std::string::npos);
  const std::string tutorial_09 = read(kRoot / "tutorials/09_gradients_through_time.cpp");
  CHECK(tutorial_09.find("scale.log10_min = -30.0;") != std::string::npos);
}

TEST_CASE("every setting a page may type is still in the code it names") {
  for (const Allowed& a : kAllowed) {
    if (a.code.empty()) continue;  // pinned elsewhere, as its reason says
    INFO(a.page << " types '" << a.text << "' (" << a.why << "): " << a.code << " should hold '"
                << a.snippet << "'");
    CHECK(read(kRoot / a.code).find(a.snippet) != std::string::npos);
  }
}

TEST_CASE("a history allowance is a setting of an earlier version, never a result") {
  // (What an earlier version measured cannot be printed by any run now: a page tells it without
  // the numbers, or quotes what a current run prints.)
  CHECK(looks_like_a_result("98%"));
  CHECK(looks_like_a_result("8 of 10 seeds"));
  CHECK_FALSE(looks_like_a_result("2000 steps"));
  CHECK_FALSE(looks_like_a_result("0.15 s"));
  size_t histories = 0;
  for (const Allowed& a : kAllowed) {
    if (!history(a)) continue;
    ++histories;
    INFO(a.page << " types '" << a.text << "' as history (" << a.why << ")");
    CHECK_FALSE(looks_like_a_result(a.text));
  }
  CHECK(histories > 0);
}

TEST_CASE("the arithmetic a page types is what it computes to") {
  for (const Computed& c : computed_numbers()) {
    INFO(c.page << ": '" << c.in_words << "'");
    CHECK(read(kRoot / c.page).find(c.in_words) != std::string::npos);
    CHECK(fmt::format(fmt::runtime(c.format), c.value) == c.text);
  }
}

TEST_CASE("no verdict is typed outside a verdict marker on the pages the rule covers") {
  // The two pages that define the verdicts name them as words, not as a claim's result.
  const std::vector<std::string> defining = {"README.md", "docs/README.md"};
  std::vector<std::string> problems;
  for (const std::string& page : covered_pages()) {
    if (std::find(defining.begin(), defining.end(), page) != defining.end()) continue;
    for (const pages::Stray& s : pages::stray_verdicts(read(kRoot / page))) {
      problems.push_back(fmt::format("{}:{}: {}", page, s.line, s.text));
    }
  }
  check_none(problems,
             "prose that names a claim's verdict was written for that verdict: put it in a "
             "marker, <!-- results: verdict N -->MIXED<!-- /results -->, which ./run pages checks "
             "against the run (tools/pages.hpp); a verdict of an earlier version is told in "
             "words, not in capitals");
}

TEST_CASE("no measured number is typed outside markers on the pages the rule covers") {
  std::vector<std::string> problems;
  std::vector<bool> used(kAllowed.size(), false);
  for (const std::string& page : covered_pages()) {
    for (const pages::Stray& s : pages::stray_numbers(read(kRoot / page))) {
      bool allowed = false;
      for (size_t k = 0; k < kAllowed.size(); ++k) {
        if (kAllowed[k].page == page && kAllowed[k].text == s.text) allowed = used[k] = true;
      }
      for (const Computed& c : computed_numbers()) {
        allowed = allowed || (c.page == page && c.text == s.text);
      }
      if (!allowed) problems.push_back(fmt::format("{}:{}: {}", page, s.line, s.text));
    }
  }
  for (size_t k = 0; k < kAllowed.size(); ++k) {
    if (!used[k]) {
      problems.push_back(
          fmt::format("{}: allows '{}', which it no longer types (drop it from kAllowed)",
                      kAllowed[k].page, kAllowed[k].text));
    }
  }
  check_none(problems,
             "a measured number belongs between markers, filled from a tutorial's results: <!-- "
             "results: value NN_name/KEY --><!-- /results --> (tools/pages.hpp); a setting of the "
             "code goes in a code span or in kAllowed with the reason");
}

// ----- paths that exist -------------------------------------------------------------------------

namespace {

// A path is written as it sits in the repository ("autograd/src/fast/pool.hpp") or as it is
// included ("nn/data.hpp", which is nn/include/nn/data.hpp); a generated header exists as its
// template (autograd/version.hpp.in).
bool repository_path_exists(const std::string& path) {
  const std::string top = path.substr(0, path.find('/'));
  return fs::exists(kRoot / path) || fs::exists(kRoot / top / "include" / path) ||
         fs::exists(kRoot / top / "include" / (path + ".in"));
}

// Paths named in the repository's words that are not this repository's.
const std::vector<std::string> kElsewhere = {
    "tools/autograd/derivatives.yaml",  // PyTorch's (docs/derivatives.md)
};

}  // namespace

TEST_CASE("every repository path the docs and the tutorials name exists") {
  std::vector<std::string> files = files_under("docs", ".md");
  files.push_back("README.md");
  for (const std::string& f : files_under("tutorials", ".cpp")) files.push_back(f);
  for (const std::string& f : files_under("tutorials", ".hpp")) files.push_back(f);
  // A path starts at a top-level folder of the tree; placeholders (NN_name, <network>, {}) end it
  // before it could be checked, so those are left out below.
  static const std::regex path(
      R"((^|[^A-Za-z0-9_./-])((autograd|nn|viz|tools|tests|tutorials|benchmarks|docs|fuzz|cmake)/[A-Za-z0-9_./-]*[A-Za-z0-9_]))");
  static const std::regex link(R"(\]\(([^)\s]+)\))");
  std::vector<std::string> missing;
  size_t checked = 0;
  for (const std::string& file : files) {
    std::string text = read(kRoot / file);
    if (file.ends_with(".md")) {
      // Links are relative to the page: checked as such, then blanked, so their targets are not
      // read again as paths from the root.
      for (auto m = std::sregex_iterator(text.begin(), text.end(), link);
           m != std::sregex_iterator(); ++m) {
        std::string target = (*m)[1].str();
        if (target.starts_with("http") || target.starts_with("#") ||
            target.starts_with("mailto:")) {
          continue;
        }
        target = target.substr(0, target.find('#'));
        ++checked;
        if (!fs::exists(kRoot / fs::path(file).parent_path() / target)) {
          missing.push_back(fmt::format("{}:{}: link {}", file,
                                        pages::line_at(text, static_cast<size_t>(m->position(0))),
                                        target));
        }
      }
      text = std::regex_replace(text, link, "]()");
    }
    for (auto m = std::sregex_iterator(text.begin(), text.end(), path); m != std::sregex_iterator();
         ++m) {
      const std::string p = (*m)[2].str();
      const size_t end = static_cast<size_t>(m->position(2) + m->length(2));
      const bool placeholder = p.find("NN_") != std::string::npos ||
                               (end < text.size() &&
                                std::string("<{*").find(text[end]) != std::string::npos);
      if (placeholder || std::find(kElsewhere.begin(), kElsewhere.end(), p) != kElsewhere.end()) {
        continue;
      }
      ++checked;
      if (!repository_path_exists(p)) {
        missing.push_back(fmt::format(
            "{}:{}: {}", file, pages::line_at(text, static_cast<size_t>(m->position(2))), p));
      }
    }
  }
  INFO(fmt::format("{} paths and links checked; missing:\n{}", checked, fmt::join(missing, "\n")));
  CHECK(checked > 100);
  CHECK(missing.empty());
}

// ----- verdicts that hold across seeds ----------------------------------------------------------

TEST_CASE("every committed verdict a seed decides is the verdict its replication gives") {
  // A claim whose verdict other seeds change (REPRODUCED on seeds 1-20, MIXED on 1001-1020) is
  // decided by which seeds were drawn, and a page must not teach that as a result. Tutorial 11's
  // claim 9 was one: it is now stated as what holds on both (git log of that tutorial).
  std::vector<std::string> problems;
  size_t replicated = 0;
  for (const std::string& file : files_under("docs/tutorials/results", ".json")) {
    const pages::Json results = pages::Json::parse(read(kRoot / file));
    if (!results.contains("replication")) continue;
    const pages::Json& claims = results.at("claims");
    const pages::Json& again = results.at("replication").at("claims");
    REQUIRE(again.size() == claims.size());
    for (size_t k = 0; k < claims.size(); ++k) {
      if (again[k].is_null()) continue;  // a timing, or a claim judged once
      ++replicated;
      const std::string was = claims[k].at("verdict"), now = again[k].at("verdict");
      if (was != now) {
        problems.push_back(
            fmt::format("{}: claim {}: {} ({} of {}), on the replication {} ({} of {})", file,
                        k + 1, was, claims[k].at("holds").get<int>(), claims[k].at("of").get<int>(),
                        now, again[k].at("holds").get<int>(), again[k].at("of").get<int>()));
      }
    }
  }
  CHECK(replicated > 50);  // the pages' replications were read (there are more than 50 such)
  check_none(problems,
             "a verdict that other seeds change is not a result: run the claim on more seeds, or "
             "state it as what holds on both sets, and read the rest as a value_over_seeds");
}
