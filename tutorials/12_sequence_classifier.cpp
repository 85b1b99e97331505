// 12_sequence_classifier — an LSTM that classifies sequences, shaped like the Keras example.
//
// The article about "the role of ReLU in LSTM" comes with a Keras example: sequences of 40 steps
// of 80 features, 6 classes, an LSTM, a dense layer with LeakyReLU, softmax and cross-entropy.
// This is that model in tapegrad, on data the program makes itself:
//
//     x [B, 40, 80] -> LSTM(80 -> H) -> last h [B, H] -> Linear(H, 32) -> LeakyReLU(0.3)
//                   -> Linear(32, 6) -> logits [B, 6] -> cross_entropy
//
// The data is built so that the class can only be read by following the sequence in time (see
// make_sequences): two of the 80 channels trace a circle, at 1, 2 or 3 turns per sequence,
// clockwise or anticlockwise (3 x 2 = 6 classes), from a random starting angle, under noise in
// every channel. At any single step the point is at a uniformly random angle whatever the class,
// and the average over time is zero for every class: neither tells the classes apart. Only the
// order of the steps does. Two linear baselines check exactly that before the LSTM is trained,
// and an ideal reader that is told where the signal is (a matched filter) shows how much of the
// task the noise leaves possible.
//
// The first seed is told in full (data, baselines, training curve, confusion matrix, the tape);
// then the same run is repeated for the other seeds, and each claim is judged over all of them.
//
// What this tutorial leaves out: Keras's own initialisers (glorot_uniform / orthogonal, which
// tutorial 06 discusses), dropout, early stopping on a validation split, and real data.
#include <autograd/autograd.hpp>
#include <fmt/format.h>
#include <nn/nn.hpp>
#include <viz/viz.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <complex>
#include <ctime>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "common/tutorial.hpp"

namespace {

using ag::Tensor;

constexpr int64_t kSteps = 40, kFeatures = 80, kClasses = 6;
// Quick mode (CTest, a few seconds) trains 200 steps instead of 1500, and claims what that can
// show: well above chance (40% is 2.4 times 1/6), where full mode claims more than 90%.
constexpr int64_t kQuickSteps = 200;
constexpr double kQuickAccuracy = 0.40, kFullAccuracy = 0.90;
// A linear baseline "tells the classes apart" only above 25%. By construction (see the data) it
// can do no better than chance, 1/6 = 16.7%; on 600 held-out sequences a chance-level score has a
// standard error of sqrt(1/6 * 5/6 / 600) = 1.5 points (2.2 on quick mode's 300), so 25% is more
// than 3.8 standard errors above chance in either mode.
constexpr double kBaselineCeiling = 0.25;
// The four channels that carry the signal: the circle's x on two of them, its y on two (the
// rest, 76 channels, are noise only). Two copies each, so averaging them halves the noise power.
constexpr int64_t kCosChannels[2] = {5, 41};
constexpr int64_t kSinChannels[2] = {23, 67};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// ---------------------------------------------------------------------------------------------
// The data.
//
// Class c in 0..5: turns = 1 + c / 2 (1, 2 or 3 turns over the 40 steps) and direction = +1
// (anticlockwise) for even c, -1 (clockwise) for odd c. With a random start angle phi:
//
//     angle_t = phi + direction * 2 pi * turns * t / 40
//     x[t, cos channels] = amplitude * cos(angle_t) + noise
//     x[t, sin channels] = amplitude * sin(angle_t) + noise
//     x[t, other]        = noise                              noise ~ normal(0, noise_std)
//
// Because phi is uniform, the point at any one step is uniform on the circle for every class,
// and the time-average of a whole number of turns is the centre. So the class is in how the
// angle moves from step to step: its speed (1, 2, 3) and its sign.
struct Sequences {
  Tensor x;                     // [N, 40, 80]
  std::vector<int64_t> labels;  // N classes in 0..5
};

int64_t turns_of(int64_t c) { return 1 + c / 2; }
double direction_of(int64_t c) { return c % 2 == 0 ? 1.0 : -1.0; }

// balanced: example i has class i % 6 (the held-out set); otherwise each class is drawn at
// random (the stream of training batches).
Sequences make_sequences(int64_t n, double amplitude, double noise_std, bool balanced,
                         ag::Generator& gen) {
  std::vector<double> x(static_cast<size_t>(n * kSteps * kFeatures));
  std::vector<int64_t> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = balanced ? i % kClasses : gen.randint(kClasses);
    const double turns = static_cast<double>(turns_of(c));
    const double direction = direction_of(c);
    const double phi = gen.uniform(0.0, 2.0 * std::numbers::pi);
    labels[i] = c;
    for (int64_t t = 0; t < kSteps; ++t) {
      double* row = &x[static_cast<size_t>((i * kSteps + t) * kFeatures)];  // x[i, t, :]
      for (int64_t f = 0; f < kFeatures; ++f) row[f] = gen.normal(0.0, noise_std);
      const double angle = phi + direction * 2.0 * std::numbers::pi * turns *
                                     static_cast<double>(t) / static_cast<double>(kSteps);
      for (int64_t f : kCosChannels) row[f] += amplitude * std::cos(angle);
      for (int64_t f : kSinChannels) row[f] += amplitude * std::sin(angle);
    }
  }
  return {ag::tensor(std::move(x), {n, kSteps, kFeatures}), labels};
}

double accuracy(const std::vector<int64_t>& predicted, const std::vector<int64_t>& labels) {
  int64_t right = 0;
  for (size_t i = 0; i < labels.size(); ++i) right += predicted[i] == labels[i];
  return static_cast<double>(right) / static_cast<double>(labels.size());
}
double accuracy(const Tensor& logits, const std::vector<int64_t>& labels) {
  return accuracy(ag::argmax(logits, 1), labels);
}

// The ideal reader: told which four channels carry the circle and which six angular speeds the
// classes have, it reads the point z_t = mean(cos channels) + i mean(sin channels) and scores
// each class c by |sum_t z_t exp(-i w_c t)|, w_c = direction * 2 pi * turns / 40 (one bin of a
// discrete Fourier transform; the unknown start angle only turns the sum, so its length is
// kept). With the other channels pure noise and the six speeds orthogonal over 40 steps, this is
// the most likely class given the data: no classifier can do better on average, so its score
// is the ceiling the noise leaves. It is computed, not learned.
double ideal_reader(const Sequences& s) {
  const std::span<const double> x = s.x.data();
  const int64_t n = s.x.size(0);
  std::vector<int64_t> predicted(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    double best = -1.0;
    for (int64_t c = 0; c < kClasses; ++c) {
      const double w = direction_of(c) * 2.0 * std::numbers::pi * static_cast<double>(turns_of(c)) /
                       static_cast<double>(kSteps);
      std::complex<double> sum = 0.0;
      for (int64_t t = 0; t < kSteps; ++t) {
        const double* row = &x[static_cast<size_t>((i * kSteps + t) * kFeatures)];
        const std::complex<double> z((row[kCosChannels[0]] + row[kCosChannels[1]]) / 2,
                                     (row[kSinChannels[0]] + row[kSinChannels[1]]) / 2);
        sum += z * std::polar(1.0, -w * static_cast<double>(t));
      }
      if (std::abs(sum) > best) {
        best = std::abs(sum);
        predicted[i] = c;
      }
    }
  }
  return accuracy(predicted, s.labels);
}

// ---------------------------------------------------------------------------------------------
// The classifier: the Keras example's layers, in PyTorch's conventions.
class Classifier {
 public:
  Classifier(int64_t hidden, int64_t dense, ag::Generator& gen)
      : hidden_(hidden),
        lstm_(kFeatures, hidden, gen, options()),
        // Keras's LeakyReLU defaults to alpha = 0.3 (PyTorch's to 0.01); the example uses Keras's.
        head_("head", {std::make_shared<ag::nn::Linear>(hidden, dense, gen),
                       std::make_shared<ag::nn::LeakyReLU>(0.3),
                       std::make_shared<ag::nn::Linear>(dense, kClasses, gen)}) {}

  // x [B, 40, 80] -> logits [B, 6]
  Tensor logits(const Tensor& x) {
    const int64_t B = x.size(0);
    Tensor out = lstm_.forward(x).output;                                            // [B, 40, H]
    Tensor last = ag::reshape(ag::slice(out, 1, kSteps - 1, kSteps), {B, hidden_});  // [B, H]
    return head_(last);
  }

  std::vector<Tensor> parameters() const {
    std::vector<Tensor> params = lstm_.parameters();
    for (const Tensor& p : head_.parameters()) params.push_back(p);
    return params;
  }
  int64_t num_parameters() const { return lstm_.num_parameters() + head_.num_parameters(); }
  std::string to_string() const { return lstm_.to_string() + "\n" + head_.to_string(); }

 private:
  static ag::nn::LSTMOptions options() {
    ag::nn::LSTMOptions o;
    o.batch_first = true;      // Keras's layout: [batch, steps, features]
    o.cell.forget_bias = 1.0;  // Keras's unit_forget_bias = True (Jozefowicz et al. 2015)
    return o;
  }
  int64_t hidden_;
  ag::nn::LSTM lstm_;
  ag::nn::Sequential head_;
};

// A linear softmax classifier on fixed features [N, 80], trained full-batch: the baselines.
double linear_baseline(const Tensor& train_x, const std::vector<int64_t>& train_y,
                       const Tensor& test_x, const std::vector<int64_t>& test_y, int64_t steps,
                       ag::Generator& gen) {
  ag::nn::Linear linear(kFeatures, kClasses, gen);
  ag::nn::Adam adam(linear.parameters(), {.lr = 1e-2});
  for (int64_t step = 0; step < steps; ++step) {
    adam.zero_grad();
    {
      ag::Tape tape;
      ag::nn::cross_entropy(linear(train_x), train_y).backward();
    }
    adam.step();
  }
  ag::NoGradGuard no_grad;
  return accuracy(linear(test_x), test_y);
}

std::string class_name(int64_t c) {
  return fmt::format("{} turn{} {}", turns_of(c), c / 2 == 0 ? " " : "s",
                     c % 2 == 0 ? "acw" : "cw");
}

// A module's description (Module::to_string) with each line longer than 96 columns broken after
// a comma, the rest indented under it: "LSTMCell(input_size=80, ..., forget_bias=1)" fits.
std::string fit_lines(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    const std::string indent(line.find_first_not_of(' ') + 4, ' ');
    while (line.size() > 96) {
      const size_t comma = line.rfind(", ", 96);
      if (comma == std::string::npos || comma < indent.size()) break;
      out += line.substr(0, comma + 1) + "\n";
      line = indent + line.substr(comma + 2);
    }
    out += line + "\n";
    start = end + 1;
  }
  return out;
}

// The command line's settings, one set for every seed.
struct Settings {
  int64_t steps = 1500, eval_every = 100, hidden = 32, batch = 32, test_size = 600,
          baseline_size = 1200, baseline_steps = 300;
  double amplitude = 1.0, noise = 1.0, lr = 1e-2;
};

using Confusion = std::vector<std::vector<int64_t>>;  // [true class][predicted class]

// Everything one seed gives.
struct SeedRun {
  double one_step = 0.0, averaged = 0.0;  // the two linear baselines, held-out accuracy
  double ideal = 0.0;                     // the ideal reader, held-out accuracy
  double lstm = 0.0;                      // the trained LSTM, held-out accuracy
  Confusion confusion;
};

// ---------------------------------------------------------------------------------------------
// One seed, from the data to the held-out test. The first seed is told in full (`t` prints each
// part as it goes: sections 1-5 of the output); the other seeds run the same code quietly
// (`tell` is false). Every random number comes from `seed`: gen draws the data, the baselines'
// and the model's initial weights, in that order; stream draws the training batches.
SeedRun run_seed(uint64_t seed, const Settings& s, tut::Tutorial& t, bool tell) {
  SeedRun run;
  ag::Generator gen(seed);

  // ---------------------------------------------------------------------------------------------
  if (tell) t.section("1. The data");
  const Sequences test = make_sequences(s.test_size, s.amplitude, s.noise, /*balanced=*/true, gen);
  if (tell) {
    t.paragraph(fmt::format(
        "Sequences [N, 40, 80]. Channels {} and {} carry amplitude * cos(angle), channels {} and "
        "{} amplitude * sin(angle), where the angle turns 1, 2 or 3 times over the 40 steps, "
        "anticlockwise (acw) or clockwise (cw), from a random start: 6 classes. Every channel "
        "has normal noise of standard deviation {} (amplitude {}), so at one step the signal is "
        "as large as the noise. Training draws a fresh batch of {} at every step; {} held-out "
        "sequences ({} per class) are never trained on.",
        kCosChannels[0], kCosChannels[1], kSinChannels[0], kSinChannels[1], s.noise, s.amplitude,
        s.batch, s.test_size, s.test_size / kClasses));
  }

  // ---------------------------------------------------------------------------------------------
  if (tell) {
    t.section("2. Two baselines that cannot work, by design, and an ideal reader");
    t.paragraph(fmt::format(
        "A linear softmax classifier (Adam, full batch, {} steps) on {} sequences, once seeing "
        "only the middle step, once seeing the average over all 40 steps. If the data is built "
        "as intended, both stay at chance, 1/6 = 16.7%: the class is in the order of the steps. "
        "The ideal reader is told the answer's shape instead: it reads the four signal channels "
        "and compares the angle's motion with the six classes' (a matched filter). No "
        "classifier can beat it on average, so it shows what the noise leaves possible.",
        s.baseline_steps, s.baseline_size));
  }
  const Sequences base = make_sequences(s.baseline_size, s.amplitude, s.noise, true, gen);
  auto middle = [](const Tensor& x) {  // x[:, 20, :]   [N, 40, 80] -> [N, 80]
    return ag::reshape(ag::slice(x, 1, kSteps / 2, kSteps / 2 + 1), {x.size(0), kFeatures});
  };
  run.one_step = linear_baseline(middle(base.x), base.labels, middle(test.x), test.labels,
                                 s.baseline_steps, gen);
  run.averaged = linear_baseline(ag::mean(base.x, 1), base.labels, ag::mean(test.x, 1), test.labels,
                                 s.baseline_steps, gen);
  run.ideal = ideal_reader(test);
  if (tell) {
    // The 25% bar of the first claim, in standard errors of a chance-level score on this many
    // held-out sequences: sqrt(p (1 - p) / n) with p = 1/6.
    const double chance_se = std::sqrt((1.0 / 6) * (5.0 / 6) / static_cast<double>(s.test_size));
    t.table("baselines",
            fmt::format("  held-out accuracy, linear on step 20 only:         {:6.1f}%\n"
                        "  held-out accuracy, linear on the mean over time:   {:6.1f}%\n"
                        "  held-out accuracy, the ideal reader (not learned): {:6.1f}%\n",
                        100 * run.one_step, 100 * run.averaged, 100 * run.ideal),
            tut::Kind::trained);
    fmt::print("\n");
    t.paragraph(fmt::format(
        "On {} held-out sequences a classifier at chance scores 16.7% give or take {} points "
        "(one standard error), so the first claim's bar of {:.0f}% is {} standard errors above "
        "chance.",
        s.test_size, t.value("chance_se", 100 * chance_se, "{:.1f}"), 100 * kBaselineCeiling,
        t.value("bar_in_se", (kBaselineCeiling - 1.0 / 6) / chance_se, "{:.1f}")));
  }

  // ---------------------------------------------------------------------------------------------
  if (tell) t.section("3. The LSTM classifier");
  Classifier model(s.hidden, 32, gen);
  if (tell) {
    fmt::print("{}  {} parameters\n\n", fit_lines(model.to_string()), model.num_parameters());
    t.paragraph(fmt::format(
        "Adam (lr {}), batch {}, gradient norm clipped at 1, {} steps; held-out accuracy every "
        "{} steps. The LSTM's forget bias is 1, as in Keras (unit_forget_bias = True).",
        s.lr, s.batch, s.steps, s.eval_every));
  }
  const std::vector<Tensor> params = model.parameters();
  ag::nn::Adam adam(params, {.lr = s.lr});
  ag::Generator stream(seed + 1000);  // the training batches
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::pair<int64_t, double>> curve;  // (step, held-out accuracy): told seed only
  double running_loss = std::log(6.0);            // cross-entropy of a uniform guess
  for (int64_t step = 1; step <= s.steps; ++step) {
    const Sequences mini = make_sequences(s.batch, s.amplitude, s.noise, false, stream);
    adam.zero_grad();
    {
      ag::Tape tape;
      Tensor loss = ag::nn::cross_entropy(model.logits(mini.x), mini.labels);  // x [B, 40, 80]
      loss.backward();
      running_loss = 0.95 * running_loss + 0.05 * loss.item();
    }
    ag::nn::clip_grad_norm(params, 1.0);
    adam.step();
    if (!tell) continue;  // (the quiet seeds are tested once, at the end)
    if (step % s.eval_every == 0 || step == s.steps) {
      ag::NoGradGuard no_grad;
      curve.emplace_back(step, accuracy(model.logits(test.x), test.labels));
    }
    t.progress(step, s.steps,
               fmt::format("loss {:.3f}  held-out accuracy {}", running_loss,
                           curve.empty() ? std::string("(not yet measured)")
                                         : fmt::format("{:.1f}%", 100 * curve.back().second)));
  }
  if (tell) {
    const double seconds = seconds_since(start);
    fmt::print("  {} steps in {} s ({} ms per step, evaluation included)\n\n", s.steps,
               t.value("train_seconds", seconds, "{:.1f}", tut::Kind::timing),
               t.value("ms_per_step", 1000 * seconds / static_cast<double>(s.steps), "{:.1f}",
                       tut::Kind::timing));
    std::string table = fmt::format("  held-out accuracy          0%{:>38}\n", "100%");
    for (const auto& [step, acc] : curve) {
      table += fmt::format("  step {:>5} {:5.1f}%  │{:<40}│\n", step, 100 * acc, tut::bar(acc, 40));
    }
    t.table("curve", table, tut::Kind::trained);
    fmt::print("\n");
  }

  // ---------------------------------------------------------------------------------------------
  run.confusion.assign(kClasses, std::vector<int64_t>(kClasses, 0));
  {
    ag::NoGradGuard no_grad;
    const std::vector<int64_t> predicted = ag::argmax(model.logits(test.x), 1);
    run.lstm = accuracy(predicted, test.labels);
    for (size_t i = 0; i < test.labels.size(); ++i) ++run.confusion[test.labels[i]][predicted[i]];
  }
  if (!tell) return run;

  t.section("4. Where it goes wrong: the confusion matrix");
  t.paragraph(fmt::format(
      "Seed {}, after {} steps, on the {} held-out sequences. Rows: the true class; columns: the "
      "predicted one. The diagonal is right.",
      seed, s.steps, s.test_size));
  std::string matrix = fmt::format("  {:<16}", "true \\ predicted");
  for (int64_t c = 0; c < kClasses; ++c) matrix += fmt::format("  {:>11}", class_name(c));
  matrix += "\n";
  // Each mistake is of one of two kinds: the wrong direction, or the right direction at the
  // wrong speed (and then, is it the neighbouring speed?).
  int64_t mistakes = 0, wrong_direction = 0, neighbouring_speed = 0;
  for (int64_t r = 0; r < kClasses; ++r) {
    matrix += fmt::format("  {:<16}", class_name(r));
    for (int64_t c = 0; c < kClasses; ++c) {
      const int64_t count = run.confusion[r][c];
      matrix += fmt::format("  {:>11}",
                            r == c ? fmt::format("[{}]", count) : fmt::format("{}", count));
      if (r == c) continue;
      mistakes += count;
      if (direction_of(r) != direction_of(c)) {
        wrong_direction += count;
      } else if (std::abs(turns_of(r) - turns_of(c)) == 1) {
        neighbouring_speed += count;
      }
    }
    matrix += "\n";
  }
  t.table("confusion", matrix, tut::Kind::trained);
  fmt::print("\n");
  t.paragraph(fmt::format(
      "{} mistakes: {} in the direction, {} between neighbouring speeds (1 and 2 turns, or 2 and "
      "3) in the right direction, the rest between 1 and 3 turns.",
      t.value("mistakes", static_cast<double>(mistakes), "{:.0f}", tut::Kind::trained),
      t.value("wrong_direction", static_cast<double>(wrong_direction), "{:.0f}",
              tut::Kind::trained),
      t.value("neighbouring_speed", static_cast<double>(neighbouring_speed), "{:.0f}",
              tut::Kind::trained)));

  // ---------------------------------------------------------------------------------------------
  t.section("5. The classifier's tape, folded by time step");
  {
    // One backward pass on 8 held-out sequences: the same graph as a training step.
    const int64_t n = std::min<int64_t>(8, s.test_size);
    const std::vector<int64_t> labels(test.labels.begin(), test.labels.begin() + n);
    const Tensor x = ag::slice(test.x, 0, 0, n);  // [8, 40, 80], cut before the tape exists
    ag::Tape tape;
    Tensor loss = ag::nn::cross_entropy(model.logits(x), labels);
    tape.backward(loss, {.record_edge_grads = true});
    ag::viz::Options picture;
    picture.view = ag::viz::View::folded;
    picture.fold_depth = 2;          // "lstm/t=7" is one box; "head/1" (the LeakyReLU) another
    picture.columns = 8;             // 40 time steps in 5 rows of 8, in time order: fits a page
    picture.prune_constants = true;  // the input x and its slices need no gradient
    picture.title = fmt::format(
        "LSTM classifier, one backward pass ({} tape nodes folded by scope)", tape.size());
    const std::string path = t.out_path("classifier_folded.svg");
    ag::viz::render(tape, path, picture);
    const auto flow = ag::viz::gradient_flow(tape, 2);
    std::vector<ag::viz::FlowEntry> steps_only;  // lstm/t=0 ... lstm/t=39, in order
    for (const auto& e : flow) {
      if (e.scope.starts_with("lstm/t=")) steps_only.push_back(e);
    }
    t.paragraph(fmt::format(
        "Seed {}, the model after {} steps. {} tape nodes; the folded view draws one box per "
        "scope at depth 2: the 40 time steps lstm/t=0 ... lstm/t=39 (rows of 8, read like "
        "text), the LSTM's output (lstm, fed by every step, drawn as one edge from the cluster), "
        "the head's three layers (head/0, head/1, head/2) and the loss. The LSTM's prepared "
        "weights (lstm/layer0: transposed and summed once per sequence, from parameters alone) "
        "are drawn with the parameters, which are hidden. Each box is coloured by |dL/d output|, "
        "the gradient at what the scope hands on; hover over one for its ops and their "
        "derivatives. |dL/d output| of each time step, t = 0 to 39:",
        seed, s.steps,
        t.value("tape_nodes", static_cast<double>(tape.size()), "{:.0f}", tut::Kind::exact)));
    t.table("gradient_flow", ag::viz::flow_sparkline(steps_only) + "\n", tut::Kind::trained);
    t.paragraph(fmt::format(
        "\n|dL/d output| at step 0 is {} times the one at step 39.\nPicture: {}",
        t.value("flow_first_over_last", steps_only.front().norm / steps_only.back().norm, "{:.2f}",
                tut::Kind::trained),
        path));
  }
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  tut::Tutorial t(
      "12_sequence_classifier", "Tutorial 12: an LSTM sequence classifier with a LeakyReLU head",
      "The article's companion Keras example classifies sequences of 40 steps of 80 features into "
      "6 classes with an LSTM, a dense layer with LeakyReLU and a softmax. Here is the same model "
      "on synthetic data where the class is hidden in how two of the 80 channels move over time: "
      "no single step, and no average over the steps, tells the classes apart. The first seed is "
      "told in full; then every claim is judged over all the seeds.");
  Settings s;
  t.cli.add_option("--steps", s.steps, "Training steps (a fresh batch each)")
      ->capture_default_str();
  t.cli.add_option("--eval-every", s.eval_every, "Steps between held-out evaluations (first seed)")
      ->capture_default_str();
  t.cli.add_option("--hidden", s.hidden, "LSTM hidden size")->capture_default_str();
  t.cli.add_option("--batch", s.batch, "Sequences per step")->capture_default_str();
  t.cli.add_option("--test-size", s.test_size, "Held-out sequences")->capture_default_str();
  t.cli.add_option("--amplitude", s.amplitude, "Radius of the circle")->capture_default_str();
  t.cli.add_option("--noise", s.noise, "Standard deviation of the noise in every channel")
      ->capture_default_str();
  t.cli.add_option("--lr", s.lr, "Adam learning rate")->capture_default_str();
  // Ten seeds of 1500 steps fit the 3-minute budget on one core (section 6 prints the time).
  t.full_mode_seeds(10);
  CLI11_PARSE(t.cli, argc, argv);
  if (t.quick) {
    // Seconds: a shorter run, a smaller held-out set. Options on the command line still win.
    auto quick = [&](const char* option, int64_t& value, int64_t q) {
      if (t.cli.count(option) == 0) value = q;
    };
    quick("--steps", s.steps, kQuickSteps);
    quick("--eval-every", s.eval_every, 50);
    quick("--test-size", s.test_size, 300);
    s.baseline_size = 600;
    s.baseline_steps = 100;
  }
  t.begin();
  const std::vector<uint64_t> seeds = t.seeds();

  std::vector<SeedRun> runs;
  runs.push_back(run_seed(seeds[0], s, t, /*tell=*/true));

  // ---------------------------------------------------------------------------------------------
  t.section(fmt::format("6. The same run over {} seeds", seeds.size()));
  t.paragraph(fmt::format(
      "Seeds {} to {}: each draws its own data, baselines, initial weights and training "
      "batches, and trains for {} steps. The first is the run above.",
      seeds.front(), seeds.back(), s.steps));
  const auto start = std::chrono::steady_clock::now();
  t.progress(1, static_cast<int64_t>(seeds.size()),
             fmt::format("seed {}: {:.1f}% (above)", seeds[0], 100 * runs[0].lstm));
  for (size_t i = 1; i < seeds.size(); ++i) {
    runs.push_back(run_seed(seeds[i], s, t, /*tell=*/false));
    t.progress(static_cast<int64_t>(i + 1), static_cast<int64_t>(seeds.size()),
               fmt::format("seed {}: {:.1f}%", seeds[i], 100 * runs.back().lstm));
  }
  // CPU time, not wall-clock time, is what the 3-minute budget counts: on a shared machine the
  // wall clock also counts the time other programs had the core.
  const double cpu_seconds = static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
  fmt::print("  {} more seed{} in {} s; the whole run so far, {} s of CPU time\n\n",
             seeds.size() - 1, seeds.size() == 2 ? "" : "s",
             t.value("more_seeds_seconds", seconds_since(start), "{:.0f}", tut::Kind::timing),
             t.value("cpu_seconds", cpu_seconds, "{:.0f}", tut::Kind::timing));

  std::string table = fmt::format("  {:>4}  {:>13}  {:>13}  {:>13}  {:>13}\n", "", "linear on",
                                  "linear on the", "ideal reader", "LSTM after");
  table += fmt::format("  {:>4}  {:>13}  {:>13}  {:>13}  {:>13}\n", "seed", "step 20",
                       "mean over time", "(not learned)", fmt::format("{} steps", s.steps));
  std::vector<double> lstm, ideal;
  for (size_t i = 0; i < seeds.size(); ++i) {
    const SeedRun& r = runs[i];
    table += fmt::format("  {:>4}  {:>12.1f}%  {:>12.1f}%  {:>12.1f}%  {:>12.1f}%\n", seeds[i],
                         100 * r.one_step, 100 * r.averaged, 100 * r.ideal, 100 * r.lstm);
    lstm.push_back(100 * r.lstm);
    ideal.push_back(100 * r.ideal);
  }
  t.paragraph("Held-out accuracy, each seed:");
  t.table("seeds", table, tut::Kind::trained);
  fmt::print("\n");
  std::sort(lstm.begin(), lstm.end());
  std::sort(ideal.begin(), ideal.end());
  const double median = lstm.size() % 2 == 1
                            ? lstm[lstm.size() / 2]
                            : (lstm[lstm.size() / 2 - 1] + lstm[lstm.size() / 2]) / 2;
  const std::string lstm_range = fmt::format(
      "{}-{}%, median {}%", t.value("lstm_min", lstm.front(), "{:.1f}", tut::Kind::trained),
      t.value("lstm_max", lstm.back(), "{:.1f}", tut::Kind::trained),
      t.value("lstm_median", median, "{:.1f}", tut::Kind::trained));
  // (Whether the noise or the learning limits the LSTM is read off the numbers, not assumed.)
  const bool ideal_ahead = std::all_of(runs.begin(), runs.end(),
                                       [](const SeedRun& r) { return r.ideal > r.lstm; });
  t.paragraph(fmt::format(
      "The LSTM: {} over the {} seeds. The ideal reader: {}% at its lowest, {}.", lstm_range,
      seeds.size(), t.value("ideal_min", ideal.front(), "{:.1f}", tut::Kind::trained),
      ideal_ahead ? "ahead of the LSTM on every seed: the LSTM's mistakes are its own, not "
                    "forced by the noise"
                  : "not ahead of the LSTM on every seed: on some seeds the noise, not the "
                    "learning, limits the score"));

  // ---------------------------------------------------------------------------------------------
  // The claims, judged over the seeds (finish() prints them).
  std::vector<tut::SeedResult> baselines, learned;
  double worst_baseline = 0.0;
  for (size_t i = 0; i < seeds.size(); ++i) {
    const SeedRun& r = runs[i];
    worst_baseline = std::max({worst_baseline, r.one_step, r.averaged});
    baselines.push_back({seeds[i],
                         fmt::format("step 20 only {:.1f}%, mean over time {:.1f}%",
                                     100 * r.one_step, 100 * r.averaged),
                         r.one_step < kBaselineCeiling && r.averaged < kBaselineCeiling});
    learned.push_back({seeds[i], fmt::format("{:.1f}%", 100 * r.lstm),
                       r.lstm > (t.quick ? kQuickAccuracy : kFullAccuracy)});
  }
  t.claim(fmt::format("Neither one time step nor the time-average tells the classes apart: linear "
                      "classifiers on them stay below {:.0f}% held-out accuracy (chance is 16.7%; "
                      "{:.0f}% is more than 3.8 standard errors above it)",
                      100 * kBaselineCeiling, 100 * kBaselineCeiling),
          fmt::format("highest of the two baselines over the seeds: {:.1f}% ({} held-out "
                      "sequences per seed)",
                      100 * worst_baseline, s.test_size),
          baselines);
  const double wanted = t.quick ? kQuickAccuracy : kFullAccuracy;
  t.claim(
      fmt::format("The LSTM classifier with a LeakyReLU head reaches more than {:.0f}% held-out "
                  "accuracy after {} steps{}",
                  100 * wanted, s.steps,
                  t.quick ? " (quick mode: a shorter run, a lower bar)"
                          : " (90%: nine in ten right, the effect size this tutorial "
                            "states; chance is 16.7%)"),
      fmt::format("{} on {} held-out sequences per seed", lstm_range, s.test_size), learned);
  return t.finish();
}
