// 12_sequence_classifier — spoken words classified by a CNN + LSTM: the article's Keras model.
//
// The article about "the role of ReLU in LSTM" links a Keras example, "CNN joined with LSTM for
// classification". Its visible code shows n_classes = 6, Input(shape=(40, 80)),
// Reshape((1, 40, 80)), a commented-out ZeroPadding2D(padding=(1, 1)) and, after the cut, one
// LeakyReLU (l1=LeakyReLU, no alpha shown). No convolution, LSTM or softmax is in the visible
// code: the convolutions and the LSTM come from the example's title. Its data is not shown; 40 x 80
// is the usual shape of a spoken word as a log-mel spectrogram (40 mel bands x 80 time frames). So
// this tutorial makes such words itself: "yes", "no", "up", "down", "left" and "right" (from Speech
// Commands, Warden 2018), said by the speech synthesizer espeak-ng in 14 voice variants at 3 speeds
// and 3 pitches, each placed at a random time in a noisy one-second clip, and turned into 40
// log-mel bands x 80 frames (common/speech.hpp says how, and what a mel band is).
//
// The model (Classifier below): the reshape to 1 x 40 x 80 is the example's, and so is LeakyReLU
// (Keras's default alpha, 0.3, since none is shown). The rest is this project's reconstruction:
// two 3 x 3 convolutions of 8 and 16 filters, each followed by LeakyReLU, 2 x 2 max pooling to
// 10 x 20, the LSTM (H = 32, from the title) reading the 20 pooled frames in time order, and a
// linear layer to the 6 classes on its last state.
//
// The model is trained on 10 voice variants and tested on 4 others it never heard: held-out
// accuracy says whether it learned the words or the voices. A linear classifier on the bands'
// average over time (a word's spectrum, without its order in time) is the baseline. The same
// model with ReLU instead of LeakyReLU, from the same initial weights, counts the dead filters
// that ReLU leaves (as tutorial 07 counts dead units).
//
// The first seed is told in full (data, pictures, baseline, training curve, confusion matrix,
// ReLU against LeakyReLU, the tape); then the same run is repeated for the other seeds, and each
// claim is judged over all of them.
//
// What this tutorial leaves out: the example's other layers that its visible code does not show,
// Keras's own initialisers (glorot_uniform / orthogonal, which tutorial 06 discusses), dropout,
// early stopping, and real recordings (common/speech.hpp reads your own: 16-bit mono WAV files in
// a folder per word; --recordings DIR tests on them).
#include <autograd/autograd.hpp>
#include <fmt/format.h>
#include <nn/nn.hpp>
#include <viz/viz.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <sys/resource.h>

#include "common/chart.hpp"
#include "common/speech.hpp"
#include "common/tutorial.hpp"

namespace {

using ag::Tensor;

constexpr int64_t kBands = speech::kBands, kFrames = speech::kFrames, kClasses = speech::kClasses;

// The voices: espeak-ng's English in these variants (espeak-ng-data/voices/!v), each at every
// speed (words per minute) and pitch below. The model trains on the first list and is tested on
// the second: voices it never heard.
// The bars of the claims: held-out accuracy after full training (nine in ten right, an effect
// size this tutorial states) and after quick mode's 100 steps (well above chance, 1/6); and how
// far the classifier must beat the baseline, in accuracy (quick mode: a lower bar).
constexpr double kFullAccuracy = 0.90, kQuickAccuracy = 0.40;
constexpr double kMargin = 0.10, kQuickMargin = 0.05;

const std::vector<std::string> kTrainVariants = {"m1", "m2", "m3", "m4",    "m5",
                                                 "f1", "f2", "f3", "klatt", "klatt2"};
const std::vector<std::string> kTestVariants = {"m6", "m7", "f4", "klatt3"};
constexpr int kSpeeds[] = {140, 175, 210};
constexpr int kPitches[] = {30, 50, 70};

std::vector<speech::Voice> voices_of(const std::vector<std::string>& variants) {
  std::vector<speech::Voice> voices;
  for (const std::string& v : variants) {
    for (int wpm : kSpeeds) {
      for (int pitch : kPitches) voices.push_back({v, wpm, pitch});
    }
  }
  return voices;
}

// CPU time so far, this process's and its finished children's (espeak-ng's, gnuplot's), which
// its own clock does not count. The page's timings are CPU time, not wall-clock: on a shared
// machine the wall clock also counts the time other programs had the core.
double cpu_seconds_with_children() {
  rusage children{};
  getrusage(RUSAGE_CHILDREN, &children);
  return tut::cpu_seconds() +
         static_cast<double>(children.ru_utime.tv_sec + children.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(children.ru_utime.tv_usec + children.ru_stime.tv_usec);
}
double seconds_since(double start) { return cpu_seconds_with_children() - start; }

// ---------------------------------------------------------------------------------------------
// The data: features as tensors, standardized.
struct Words {
  Tensor x;                     // [N, 40, 80]: bands x frames
  std::vector<int64_t> labels;  // N words in 0..5
};

// One scale for every feature: (x - mean) / std over the training set's values, so the model
// sees numbers around 0 and 1 (log energies are around -10). The test set gets the training
// set's mean and std: nothing is measured on it.
struct Standardize {
  double mean = 0.0, std = 1.0;
  explicit Standardize(const std::vector<double>& v) {
    double sum = 0.0, squares = 0.0;
    for (double x : v) sum += x;
    mean = sum / static_cast<double>(v.size());
    for (double x : v) squares += (x - mean) * (x - mean);
    std = std::sqrt(squares / static_cast<double>(v.size()));
  }
  Words operator()(speech::FeatureSet set) const {
    for (double& x : set.values) x = (x - mean) / std;
    const int64_t n = set.size();
    return {ag::tensor(std::move(set.values), {n, kBands, kFrames}), std::move(set.labels)};
  }
};

// Rows `index` of the set: a training batch.
Words batch_of(const Words& all, const std::vector<int64_t>& index) {
  const std::span<const double> x = all.x.data();
  const size_t row = static_cast<size_t>(kBands * kFrames);
  std::vector<double> out;
  std::vector<int64_t> labels;
  out.reserve(index.size() * row);
  for (int64_t i : index) {
    out.insert(out.end(), x.begin() + static_cast<std::ptrdiff_t>(i * row),
               x.begin() + static_cast<std::ptrdiff_t>((i + 1) * row));
    labels.push_back(all.labels[static_cast<size_t>(i)]);
  }
  const auto n = static_cast<int64_t>(index.size());
  return {ag::tensor(std::move(out), {n, kBands, kFrames}), std::move(labels)};
}

double accuracy(const std::vector<int64_t>& predicted, const std::vector<int64_t>& labels) {
  int64_t right = 0;
  for (size_t i = 0; i < labels.size(); ++i) right += predicted[i] == labels[i];
  return static_cast<double>(right) / static_cast<double>(labels.size());
}
double accuracy(const Tensor& logits, const std::vector<int64_t>& labels) {
  return accuracy(ag::argmax(logits, 1), labels);
}

// ---------------------------------------------------------------------------------------------
// The classifier: the Keras example's reshape to 1 x 40 x 80 and its LeakyReLU, in PyTorch's
// conventions. The example's visible code is cut off after one LeakyReLU, so the convolutions and
// the LSTM (named in its title), the filters, the pooling, how the LSTM reads the maps and the
// linear head are this project's reconstruction.
//
//   x [B, 40, 80] -> [B, 1, 40, 80]
//     conv/0 Conv2d(1 -> 8, 3 x 3, padding 1)   [B, 8, 40, 80]    conv/1 LeakyReLU(0.3)
//     conv/2 MaxPool2d(2)                       [B, 8, 20, 40]
//     conv/3 Conv2d(8 -> 16, 3 x 3, padding 1)  [B, 16, 20, 40]   conv/4 LeakyReLU(0.3)
//     conv/5 MaxPool2d(2)                       [B, 16, 10, 20]
//   -> time first: [B, 20, 16, 10] -> [B, 20, 160]: 20 steps, each the 16 maps' 10 bands
//   -> LSTM(160 -> 32) -> last h [B, 32] -> head Linear(32, 6) -> logits [B, 6]
enum class Activation { leaky_relu, relu };

class Classifier {
 public:
  static constexpr int64_t kFilters1 = 8, kFilters2 = 16;
  static constexpr int64_t kMapBands = kBands / 4, kSteps = kFrames / 4;  // after two 2x2 pools

  Classifier(Activation activation, int64_t hidden, ag::Generator& gen)
      : hidden_(hidden),
        conv_("conv", {conv(1, kFilters1, gen), act(activation), pool(),
                       conv(kFilters1, kFilters2, gen), act(activation), pool()}),
        lstm_(kFilters2 * kMapBands, hidden, gen, options()),
        head_(hidden, kClasses, gen) {
    head_.set_name("head");
  }

  // x [B, 40, 80] -> logits [B, 6]
  Tensor logits(const Tensor& x) {
    const int64_t B = x.size(0);
    Tensor maps = conv_(ag::reshape(x, {B, 1, kBands, kFrames}));    // [B, 16, 10, 20]
    Tensor steps = ag::reshape(ag::permute(maps, {0, 3, 1, 2}),      // [B, 20, 16, 10]
                               {B, kSteps, kFilters2 * kMapBands});  // [B, 20, 160]
    Tensor out = lstm_.forward(steps).output;                        // [B, 20, H]
    Tensor last = ag::reshape(ag::slice(out, 1, kSteps - 1, kSteps), {B, hidden_});  // [B, H]
    return head_(last);
  }

  // How many of each conv layer's filters are never positive before their activation, over
  // the clips x: under ReLU such a filter outputs 0 for every clip and passes no gradient back
  // (dead, as tutorial 07 counts units); under LeakyReLU it still passes 0.3 x the gradient.
  std::pair<int64_t, int64_t> never_positive(const Tensor& x) const {
    ag::NoGradGuard no_grad;
    const int64_t B = x.size(0);
    const Tensor pre1 = conv_[0](ag::reshape(x, {B, 1, kBands, kFrames}));  // [B, 8, 40, 80]
    const Tensor pre2 = conv_[3](conv_[2](conv_[1](pre1)));                 // [B, 16, 20, 40]
    auto count = [](const Tensor& pre) {
      // The largest value of each filter's map over the clips and positions: [C]
      const Tensor most = ag::max(ag::max(ag::max(pre, 3), 2), 0);
      int64_t off = 0;
      for (double v : most.data()) off += v <= 0.0;
      return off;
    };
    return {count(pre1), count(pre2)};
  }

  std::vector<Tensor> parameters() const {
    std::vector<Tensor> params = conv_.parameters();
    for (const Tensor& p : lstm_.parameters()) params.push_back(p);
    for (const Tensor& p : head_.parameters()) params.push_back(p);
    return params;
  }
  int64_t num_parameters() const {
    return conv_.num_parameters() + lstm_.num_parameters() + head_.num_parameters();
  }
  std::string to_string() const {
    return conv_.to_string() + "\n" + lstm_.to_string() + "\n" + head_.to_string();
  }

 private:
  static std::shared_ptr<ag::nn::UnaryModule> conv(int64_t in, int64_t out, ag::Generator& gen) {
    return std::make_shared<ag::nn::Conv2d>(in, out, 3, gen,
                                            ag::nn::Conv2dModuleOptions{.padding = 1});
  }
  static std::shared_ptr<ag::nn::UnaryModule> act(Activation a) {
    // Keras's LeakyReLU defaults to alpha = 0.3 (PyTorch's to 0.01); the example uses Keras's.
    if (a == Activation::leaky_relu) return std::make_shared<ag::nn::LeakyReLU>(0.3);
    return std::make_shared<ag::nn::ReLU>();
  }
  static std::shared_ptr<ag::nn::UnaryModule> pool() {
    ag::MaxPool2dOptions two_by_two{.kernel_size = 2, .stride = std::nullopt, .padding = 0};
    return std::make_shared<ag::nn::MaxPool2d>(two_by_two);  // (stride: the kernel's, 2)
  }
  static ag::nn::LSTMOptions options() {
    ag::nn::LSTMOptions o;
    o.batch_first = true;      // Keras's layout: [batch, steps, features]
    o.cell.forget_bias = 1.0;  // Keras's unit_forget_bias = True (Jozefowicz et al. 2015)
    return o;
  }
  int64_t hidden_;
  ag::nn::Sequential conv_;
  ag::nn::LSTM lstm_;
  ag::nn::Linear head_;
};

// The baseline: a linear softmax classifier on each band's average over the 80 frames [N, 40]
// (the word's average spectrum: what it sounds like, without the order of its sounds), trained
// full-batch on the training voices, tested on the held-out ones.
double linear_baseline(const Words& train, const Words& test, int64_t steps, ag::Generator& gen) {
  ag::nn::Linear linear(kBands, kClasses, gen);
  ag::nn::Adam adam(linear.parameters(), {.lr = 1e-2});
  const Tensor train_x = ag::mean(train.x, 2), test_x = ag::mean(test.x, 2);  // [N, 40]
  for (int64_t step = 0; step < steps; ++step) {
    adam.zero_grad();
    {
      ag::Tape tape;
      ag::nn::cross_entropy(linear(train_x), train.labels).backward();
    }
    adam.step();
  }
  ag::NoGradGuard no_grad;
  return accuracy(linear(test_x), test.labels);
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
  int64_t steps = 300, eval_every = 50, hidden = 32, batch = 32, baseline_steps = 300;
  int train_copies = 3, test_copies = 2;  // clips made of each spoken word
  // The seeds (the first ones) whose ReLU twin is trained too, for claim 3. The twin doubles a
  // seed's cost (two models of about 10 s of CPU time each: training is nearly all of it, the
  // clips and the baseline about 2 s), so 10 seeds for claims 1-2 fit about 1.3 times the budget
  // of the 6 seeds that used to judge every claim, with claim 3 still judged over 6.
  int relu_seeds = 6;
  // The difficulty, set before ReLU and LeakyReLU were compared (the page says how): noise as
  // loud as the word (0 dB), and the word anywhere within 0.2 s of the clip's middle.
  double snr_db = 0.0, max_shift = 0.2, lr = 1e-2;
  std::string recordings;  // a folder of the learner's own words, tested on at the end
};

// The spoken words, said once (they do not depend on the seed).
struct Spoken {
  std::vector<speech::Utterance> train, test;
};

using Confusion = std::vector<std::vector<int64_t>>;  // [true word][predicted word]

// Everything one seed gives.
struct SeedRun {
  double baseline = 0.0;  // linear on the time-average, held-out accuracy
  double leaky = 0.0;     // the classifier with LeakyReLU (the example's), held-out accuracy
  double relu = 0.0;      // the same with ReLU
  bool has_relu = false;  // the ReLU twin was trained (Settings::relu_seeds)
  int64_t born_off = 0;   // filters never positive at initialisation (both models)
  std::pair<int64_t, int64_t> leaky_off, relu_dead;  // after training, per conv layer
  Confusion confusion;                               // of the LeakyReLU model
  // Each training step's loss (its batch's cross-entropy), and, for the seed told in full, the
  // held-out accuracy every eval_every steps: the charts.
  std::vector<double> leaky_loss, relu_loss;
  std::vector<std::pair<int64_t, double>> leaky_curve, relu_curve;  // (step, accuracy)
};

// What training leaves besides the trained model.
struct Fit {
  std::vector<double> loss;                       // each step's, on its batch
  std::vector<std::pair<int64_t, double>> curve;  // (step, held-out accuracy), if evaluated
};

// Trains the model for s.steps on batches drawn by a generator of its own (seed + 1000: every
// model of one seed sees the same batches). With `evaluate`, measures the held-out accuracy
// every s.eval_every steps; with `t`, also says how it goes; quiet otherwise.
Fit fit(Classifier& model, const Words& train, const Words& test, const Settings& s, uint64_t seed,
        bool evaluate, tut::Tutorial* t) {
  const std::vector<Tensor> params = model.parameters();
  ag::nn::Adam adam(params, {.lr = s.lr});
  ag::Generator stream(seed + 1000);  // the training batches
  Fit out;
  std::vector<std::pair<int64_t, double>>& curve = out.curve;
  double running_loss = std::log(6.0);  // cross-entropy of a uniform guess
  std::vector<int64_t> index(static_cast<size_t>(s.batch));
  for (int64_t step = 1; step <= s.steps; ++step) {
    for (int64_t& i : index) i = stream.randint(train.x.size(0));
    const Words mini = batch_of(train, index);
    adam.zero_grad();
    {
      ag::Tape tape;
      Tensor loss = ag::nn::cross_entropy(model.logits(mini.x), mini.labels);  // x [B, 40, 80]
      loss.backward();
      out.loss.push_back(loss.item());
      running_loss = 0.95 * running_loss + 0.05 * loss.item();
    }
    ag::nn::clip_grad_norm(params, 1.0);
    adam.step();
    if (!evaluate) continue;  // (the quiet runs are tested once, at the end)
    if (step % s.eval_every == 0 || step == s.steps) {
      ag::NoGradGuard no_grad;
      curve.emplace_back(step, accuracy(model.logits(test.x), test.labels));
    }
    if (t == nullptr) continue;
    t->progress(step, s.steps,
                fmt::format("loss {:.3f}  held-out accuracy {}", running_loss,
                            curve.empty() ? std::string("(not yet measured)")
                                          : fmt::format("{:.1f}%", 100 * curve.back().second)));
  }
  return out;
}

// What the page reads off the band-energy bars, one sentence compared as text. The definitions:
// - a word is above (below) the average word "in every band" when its bar is > 0 (< 0) in all
//   kBands bands; otherwise the page gives how many bands it is above in;
// - a word is "close to the average" when its largest |bar| is at most a quarter of the largest
//   |bar| of any word in any band (then nothing more is said of it);
// - where a word stands out most: the bands around its largest |bar| whose bars have the same
//   sign and are at least 3/4 of it (one contiguous run, the bands numbered from 0 as on the
//   chart's axis).
void read_bands(const std::vector<tut::Series>& bars, tut::Tutorial& t) {
  double largest = 0.0;
  for (const tut::Series& word : bars) {
    for (double v : word.y) largest = std::max(largest, std::abs(v));
  }
  std::vector<std::string> every_above, every_below, close, mixed, peaks;
  for (const tut::Series& word : bars) {
    const std::vector<double>& y = word.y;
    const std::string name = fmt::format("\"{}\"", word.name);
    const auto n_above = std::count_if(y.begin(), y.end(), [](double v) { return v > 0; });
    const auto n_below = std::count_if(y.begin(), y.end(), [](double v) { return v < 0; });
    const size_t peak = static_cast<size_t>(
        std::max_element(y.begin(), y.end(),
                         [](double a, double b) { return std::abs(a) < std::abs(b); }) -
        y.begin());
    if (std::abs(y[peak]) <= largest / 4) {
      close.push_back(name);
      continue;
    }
    if (n_above == kBands) {
      every_above.push_back(name);
    } else if (n_below == kBands) {
      every_below.push_back(name);
    } else {
      mixed.push_back(fmt::format("{} above it in {} of the {} bands", name, n_above, kBands));
    }
    const auto strong = [&](size_t b) { return y[b] * y[peak] >= 0.75 * y[peak] * y[peak]; };
    size_t first = peak, last = peak;
    while (first > 0 && strong(first - 1)) --first;
    while (last + 1 < y.size() && strong(last + 1)) ++last;
    const std::string bands = first == last ? fmt::format("band {}", first)
                                            : fmt::format("bands {}-{}", first, last);
    peaks.push_back(fmt::format("{} {} ({})", name, bands, y[peak] > 0 ? "above" : "below"));
  }
  std::vector<std::string> parts;
  const auto stand = [](const std::vector<std::string>& names) {
    return names.size() == 1 ? " stands" : " stand";
  };
  if (!every_above.empty()) {
    parts.push_back(tut::and_list(every_above) + stand(every_above) + " above it in every band");
  }
  if (!every_below.empty()) {
    parts.push_back(tut::and_list(every_below) + stand(every_below) + " below it in every band");
  }
  for (const std::string& m : mixed) parts.push_back(m);
  if (!close.empty()) {
    parts.push_back(tut::and_list(close) + (close.size() == 1 ? " stays" : " stay") +
                    " close to it (no bar beyond a quarter of the tallest)");
  }
  std::string text;
  for (size_t i = 0; i < parts.size(); ++i) text += (i == 0 ? "" : "; ") + parts[i];
  text += close.empty() ? ". Where each stands out most"
                        : ". Where each of the others stands out most";
  text += " (the bands around its tallest bar with bars at least 3/4 as tall): ";
  text += tut::and_list(peaks);
  // (Several numbers and words: NaN, so that a fresh run's text is compared instead.)
  t.value("band_reading", NAN, text, tut::Kind::trained);
}

// The pictures of the data (full and quick mode alike): the spectrogram of one training clip
// per word, as the model reads it, and each word's average band energies as bar charts.
void draw_data(const Words& train, tut::Tutorial& t) {
  const std::span<const double> x = train.x.data();
  const size_t row = static_cast<size_t>(kBands * kFrames);
  tut::HeatMaps maps;
  maps.title = "What the model reads: one training clip per word";
  maps.x_label = "frame (12.5 ms)";
  maps.y_label = "mel band";
  maps.colour_label = "log energy, standardized";
  maps.rows = kBands;
  maps.cols = kFrames;
  // Band energies: each word's mean over its clips and frames, minus the mean over all words:
  // which bands are louder (> 0) or quieter (< 0) in this word than in the average word.
  std::vector<std::vector<double>> mean(kClasses, std::vector<double>(kBands, 0.0));
  std::vector<int64_t> count(kClasses, 0);
  std::vector<double> overall(kBands, 0.0);
  for (int64_t i = 0; i < train.x.size(0); ++i) {
    const int64_t w = train.labels[static_cast<size_t>(i)];
    ++count[w];
    for (int64_t b = 0; b < kBands; ++b) {
      double sum = 0.0;
      for (int64_t f = 0; f < kFrames; ++f) sum += x[i * row + b * kFrames + f];
      mean[w][b] += sum / kFrames;
    }
  }
  tut::Chart bars;
  bars.title = "Band energies per word: each word's average minus all words' (training clips)";
  bars.x_label = "mel band (low to high)";
  bars.y_label = "standardized log energy";
  bars.x = tut::steps(kBands);
  for (int64_t w = 0; w < kClasses; ++w) {
    for (int64_t b = 0; b < kBands; ++b) {
      mean[w][b] /= static_cast<double>(count[w]);
      overall[b] += mean[w][b] / kClasses;
    }
  }
  for (int64_t w = 0; w < kClasses; ++w) {
    // The first clip of word w (the training set starts with one voice's six words).
    const auto first = std::find(train.labels.begin(), train.labels.end(), w) -
                       train.labels.begin();
    maps.names.emplace_back(speech::kWords[w]);
    maps.values.emplace_back(x.begin() + static_cast<std::ptrdiff_t>(first * row),
                             x.begin() + static_cast<std::ptrdiff_t>((first + 1) * row));
    std::vector<double> above(kBands);
    for (int64_t b = 0; b < kBands; ++b) above[b] = mean[w][b] - overall[b];
    bars.series.push_back({std::string(speech::kWords[w]), std::move(above)});
  }
  tut::write_heat_maps(maps, t.out_path("charts/spectrograms"));
  tut::write_bar_panels(bars, t.out_path("charts/band_energies"));
  read_bands(bars.series, t);
}

// The training charts, LeakyReLU against ReLU: each step's training loss, median over the seeds
// with the smallest to the largest as a band, and the first seed's held-out accuracy.
// Also records what the charts' captions read off them: the first step's median loss, and which
// model is ahead on the first seed's held-out clips.
void draw_training(const std::vector<SeedRun>& runs, const std::vector<uint64_t>& seeds,
                   const Settings& s, tut::Tutorial& t) {
  tut::Chart loss{.title = fmt::format("training loss per step: median over seeds {}-{} (band: "
                                       "smallest to largest)",
                                       seeds.front(), seeds.back()),
                  .x_label = "training step",
                  .y_label = "cross-entropy of the step's batch",
                  .x = tut::steps(static_cast<size_t>(s.steps), 1.0),
                  .series = {},
                  .log_y = true};
  std::vector<std::vector<double>> leaky, relu;
  for (const SeedRun& r : runs) {
    leaky.push_back(r.leaky_loss);
    if (r.has_relu) relu.push_back(r.relu_loss);
  }
  loss.series = {tut::over_seeds("LeakyReLU (0.3)", leaky), tut::over_seeds("ReLU", relu)};
  tut::write_chart(loss, t.out_path("charts/training_loss"));
  auto first_step = [](const std::vector<std::vector<double>>& losses) {
    std::vector<double> v;
    for (const auto& l : losses) v.push_back(l.front());
    return tut::median(v);
  };
  t.value_over_seeds("loss_start_leaky", first_step(leaky), "{:.2f}", tut::Kind::trained);
  t.value_over_seeds("loss_start_relu", first_step(relu), "{:.2f}", tut::Kind::trained);

  const SeedRun& first = runs.front();
  tut::Chart accuracy{.title = fmt::format("held-out accuracy (voices never heard), seed {}",
                                           seeds.front()),
                      .x_label = "training step",
                      .y_label = "held-out accuracy (%)",
                      .x = {},
                      .series = {{"LeakyReLU (0.3)", {}}, {"ReLU", {}}},
                      .log_y = false,
                      .y_min = 0.0,
                      .y_max = 100.0};
  for (size_t i = 0; i < first.leaky_curve.size(); ++i) {
    accuracy.x.push_back(static_cast<double>(first.leaky_curve[i].first));
    accuracy.series[0].y.push_back(100 * first.leaky_curve[i].second);
    accuracy.series[1].y.push_back(100 * first.relu_curve[i].second);
  }
  tut::write_chart(accuracy, t.out_path("charts/accuracy"));
  // Which of the two is ahead at each evaluation, counted (a tie counts for neither).
  const size_t evaluations = first.leaky_curve.size();
  size_t leaky_ahead = 0, relu_ahead = 0;
  for (size_t i = 0; i < evaluations; ++i) {
    leaky_ahead += first.leaky_curve[i].second > first.relu_curve[i].second ? 1 : 0;
    relu_ahead += first.relu_curve[i].second > first.leaky_curve[i].second ? 1 : 0;
  }
  // (No one number says which sentence: NaN, so that a fresh run's text is compared instead.)
  t.value("accuracy_ahead", NAN,
          leaky_ahead == evaluations ? std::string("LeakyReLU is ahead at every evaluation")
          : relu_ahead == evaluations
              ? std::string("ReLU is ahead at every evaluation")
              : fmt::format("which of the two is ahead changes along the way (LeakyReLU at {} of "
                            "the {} evaluations, ReLU at {})",
                            leaky_ahead, evaluations, relu_ahead));
}

// ---------------------------------------------------------------------------------------------
// One seed, from the data to the held-out test. The first seed is told in full (`tell`); the
// other seeds run the same code quietly. Every random number comes from `seed`: gen places and
// noises the clips (training, then held-out), then draws the baseline's and the model's initial
// weights, in that order; stream draws the training batches.
SeedRun run_seed(uint64_t seed, const Spoken& spoken, const Settings& s, tut::Tutorial& t,
                 bool tell, bool with_relu) {
  SeedRun run;
  run.has_relu = with_relu || tell;  // (the seed told in full shows both)
  ag::Generator gen(seed);
  const speech::Placement placement{.max_shift_seconds = s.max_shift, .snr_db = s.snr_db};

  // ---------------------------------------------------------------------------------------------
  const double start_features = cpu_seconds_with_children();
  speech::FeatureSet train_set = speech::featurize(spoken.train, s.train_copies, placement, gen);
  speech::FeatureSet test_set = speech::featurize(spoken.test, s.test_copies, placement, gen);
  const Standardize standardize(train_set.values);
  const Words train = standardize(std::move(train_set));
  const Words test = standardize(std::move(test_set));
  if (tell) {
    fmt::print(
        "  {} training clips and {} held-out clips, 40 x 80 features each, in {} s of CPU time\n\n",
        train.x.size(0), test.x.size(0),
        t.value("feature_seconds", seconds_since(start_features), "{:.1f}", tut::Kind::timing));
    // ("1 training clip" with --quick's one copy of each word.)
    auto clips = [](int n, std::string_view kind) {
      return fmt::format("{} {} clip{}", n, kind, n == 1 ? "" : "s");
    };
    t.paragraph(fmt::format(
        "Each spoken word became {} (or {}): placed at a random time (its middle within {} s of "
        "the clip's), with white noise {} dB below the word's power, then 40 log-mel bands x 80 "
        "frames of 12.5 ms. The features are standardized with the training set's mean ({:.2f}) "
        "and standard deviation ({:.2f}).",
        clips(s.train_copies, "training"), clips(s.test_copies, "held-out"), s.max_shift, s.snr_db,
        standardize.mean, standardize.std));
    draw_data(train, t);
    t.paragraph(
        fmt::format("Pictures: {} (the spectrogram of one training clip per word) and {} "
                    "(each word's band energies against the average word).",
                    t.out_path("charts/spectrograms.svg"), t.out_path("charts/band_energies.svg")));
  }

  // ---------------------------------------------------------------------------------------------
  if (tell) {
    t.section("2. A baseline: the average spectrum, without time");
    t.paragraph(fmt::format(
        "A linear softmax classifier (Adam, full batch, {} steps) on each band's average over "
        "the 80 frames: 40 numbers per clip, what the word sounds like on average, with the "
        "order of its sounds thrown away. Trained on the training voices, tested on the "
        "held-out ones. Chance is 1/6 = 16.7%.",
        s.baseline_steps));
  }
  run.baseline = linear_baseline(train, test, s.baseline_steps, gen);
  if (tell) {
    t.table("baseline",
            fmt::format("  held-out accuracy, linear on the average spectrum: {:5.1f}%\n",
                        100 * run.baseline),
            tut::Kind::trained);
    fmt::print("\n");
  }

  // ---------------------------------------------------------------------------------------------
  if (tell) t.section("3. The classifier: convolutions, LeakyReLU, an LSTM, a softmax");
  // The two models of the comparison start from the same weights (the activation has none) and
  // see the same batches: the activation is the only difference.
  const ag::Generator init = gen;
  Classifier model(Activation::leaky_relu, s.hidden, gen);
  ag::Generator relu_init = init;
  Classifier relu_model(Activation::relu, s.hidden, relu_init);
  if (tell) {
    fmt::print("{}  {} parameters\n\n", fit_lines(model.to_string()), model.num_parameters());
    t.paragraph(fmt::format(
        "Adam (lr {}), batches of {} drawn at random from the training clips, gradient norm "
        "clipped at 1, {} steps; held-out accuracy every {} steps. The LSTM's forget bias is 1, "
        "as in Keras (unit_forget_bias = True).",
        s.lr, s.batch, s.steps, s.eval_every));
  }
  const auto [leaky_off_1, leaky_off_2] = model.never_positive(test.x);
  run.born_off = leaky_off_1 + leaky_off_2;  // (the same weights in both models, so far)
  const double start = cpu_seconds_with_children();
  const Fit leaky_fit = fit(model, train, test, s, seed, tell, tell ? &t : nullptr);
  const auto& curve = leaky_fit.curve;
  if (tell) {
    const double seconds = seconds_since(start);
    fmt::print("  {} steps in {} s of CPU time ({} ms per step, evaluation included)\n\n", s.steps,
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
  // (Told in full, the ReLU model's held-out accuracy is measured as it trains too, for the
  // chart: evaluation draws no random numbers and changes no weight.)
  const Fit relu_fit = run.has_relu ? fit(relu_model, train, test, s, seed, tell, nullptr) : Fit{};
  run.leaky_loss = leaky_fit.loss;
  run.relu_loss = relu_fit.loss;
  run.leaky_curve = leaky_fit.curve;
  run.relu_curve = relu_fit.curve;

  // ---------------------------------------------------------------------------------------------
  run.confusion.assign(kClasses, std::vector<int64_t>(kClasses, 0));
  {
    ag::NoGradGuard no_grad;
    const std::vector<int64_t> predicted = ag::argmax(model.logits(test.x), 1);
    run.leaky = accuracy(predicted, test.labels);
    for (size_t i = 0; i < test.labels.size(); ++i) ++run.confusion[test.labels[i]][predicted[i]];
    if (run.has_relu) run.relu = accuracy(relu_model.logits(test.x), test.labels);
  }
  run.leaky_off = model.never_positive(test.x);
  if (run.has_relu) run.relu_dead = relu_model.never_positive(test.x);
  if (!tell) return run;

  t.section("4. Where it goes wrong: the confusion matrix");
  t.paragraph(fmt::format(
      "Seed {}, after {} steps, on the {} held-out clips (voices {}). Rows: the word said; "
      "columns: the word heard. The diagonal is right.",
      seed, s.steps, test.x.size(0), fmt::join(kTestVariants, ", ")));
  std::string matrix = fmt::format("  {:<10}", "said \\ heard");
  for (int64_t c = 0; c < kClasses; ++c) matrix += fmt::format("  {:>6}", speech::kWords[c]);
  matrix += "\n";
  int64_t mistakes = 0, worst = 0, worst_r = 0, worst_c = 1;
  for (int64_t r = 0; r < kClasses; ++r) {
    matrix += fmt::format("  {:<12}", speech::kWords[r]);
    for (int64_t c = 0; c < kClasses; ++c) {
      const int64_t count = run.confusion[r][c];
      matrix += fmt::format("  {:>6}",
                            r == c ? fmt::format("[{}]", count) : fmt::format("{}", count));
      if (r == c) continue;
      mistakes += count;
      if (count > worst) worst = count, worst_r = r, worst_c = c;
    }
    matrix += "\n";
  }
  t.table("confusion", matrix, tut::Kind::trained);
  fmt::print("\n");
  t.paragraph(fmt::format(
      "{} mistakes; the most common: '{}' heard as '{}', {} times.",
      t.value("mistakes", static_cast<double>(mistakes), "{:.0f}", tut::Kind::trained),
      speech::kWords[worst_r], speech::kWords[worst_c],
      t.value("worst_confusion", static_cast<double>(worst), "{:.0f}", tut::Kind::trained)));

  if (!s.recordings.empty()) {
    // Your own words (common/speech.hpp: DIR/yes/*.wav, DIR/no/*.wav, ...), each centred in its
    // clip with the training clips' noise added (the model never heard a clean clip: a clean
    // recording is far from everything it learned on), standardized like the training set.
    const std::vector<speech::Utterance> yours = speech::read_word_folder(s.recordings);
    if (yours.empty()) throw std::runtime_error("--recordings: no .wav files in " + s.recordings);
    const Words mine = standardize(
        speech::featurize(yours, 1, {.max_shift_seconds = 0.0, .snr_db = s.snr_db}, gen));
    ag::NoGradGuard no_grad;
    const std::vector<int64_t> heard = ag::argmax(model.logits(mine.x), 1);
    fmt::print("  your recordings ({}):\n", s.recordings);
    for (size_t i = 0; i < yours.size(); ++i) {
      fmt::print("    {:<40} said '{}', heard '{}'\n", yours[i].voice,
                 speech::kWords[mine.labels[i]], speech::kWords[heard[i]]);
    }
    fmt::print("  {:.1f}% right\n\n", 100 * accuracy(heard, mine.labels));
  }

  // ---------------------------------------------------------------------------------------------
  t.section("5. LeakyReLU or ReLU in the conv stack");
  t.paragraph(fmt::format(
      "The same classifier with ReLU in place of both LeakyReLUs, from the same initial weights, "
      "trained on the same batches. A filter whose output before its activation is never "
      "positive, on any of the {} held-out clips at any position, outputs 0 everywhere under "
      "ReLU and passes no gradient back to its weights: it is dead, as tutorial 07 counts dead "
      "units. Under LeakyReLU the same filter still outputs 0.3 x its input and passes 0.3 x the "
      "gradient back.",
      test.x.size(0)));
  t.table("activations",
          fmt::format("  {:<12} {:>10}  {:>28}  {:>28}\n"
                      "  {:<12} {:>9.1f}%  {:>17} + {:<8}  {:>17} + {:<8}\n"
                      "  {:<12} {:>9.1f}%  {:>17} + {:<8}  {:>17} + {:<8}\n",
                      "", "held-out", "never > 0 at initialisation", "never > 0 after training",
                      "LeakyReLU", 100 * run.leaky, leaky_off_1, leaky_off_2, run.leaky_off.first,
                      run.leaky_off.second, "ReLU", 100 * run.relu, leaky_off_1, leaky_off_2,
                      run.relu_dead.first, run.relu_dead.second),
          tut::Kind::trained);
  fmt::print("\n");
  t.paragraph(fmt::format("(Filters of the first layer + of the second, of {} + {}.)",
                          Classifier::kFilters1, Classifier::kFilters2));

  // ---------------------------------------------------------------------------------------------
  t.section("6. The classifier's tape, folded: conv -> LSTM -> head");
  {
    // One backward pass on 8 held-out clips: the same graph as a training step.
    const int64_t n = std::min<int64_t>(8, test.x.size(0));
    const std::vector<int64_t> labels(test.labels.begin(), test.labels.begin() + n);
    const Tensor x = ag::slice(test.x, 0, 0, n);  // [8, 40, 80], cut before the tape exists
    // |dL/d output| of each layer of the conv stack, the LSTM's last step and the head.
    std::string tape_nodes;
    auto layers = [&](Classifier& m, bool draw) {
      ag::Tape tape;
      Tensor loss = ag::nn::cross_entropy(m.logits(x), labels);
      tape.backward(loss, {.record_edge_grads = true});
      if (draw) {
        ag::viz::Options picture;
        picture.view = ag::viz::View::folded;
        picture.fold_depth = 2;          // "conv/0" is one box, "lstm/t=7" another
        picture.columns = 5;             // 20 time steps in 4 rows of 5, in time order
        picture.prune_constants = true;  // the input x and its slices need no gradient
        picture.title = fmt::format(
            "CNN + LSTM classifier, one backward pass ({} tape nodes folded by scope)",
            tape.size());
        ag::viz::render(tape, t.out_path("classifier_folded.svg"), picture);
        tape_nodes = t.value("tape_nodes", static_cast<double>(tape.size()), "{:.0f}",
                             tut::Kind::exact);
      }
      std::vector<ag::viz::FlowEntry> out;
      for (const auto& e : ag::viz::gradient_flow(tape, 2)) {
        if (e.scope.starts_with("conv/") || e.scope == "lstm/t=19" || e.scope == "head") {
          out.push_back(e);
        }
      }
      return out;
    };
    const auto leaky_flow = layers(model, true);
    const auto relu_flow = layers(relu_model, false);
    t.paragraph(fmt::format(
        "Seed {}, after {} steps: one backward pass on 8 held-out clips, {} tape nodes. The "
        "folded view draws one box per scope at depth 2: the conv stack's six layers conv/0 ... "
        "conv/5, the LSTM's 20 time steps lstm/t=0 ... lstm/t=19 (rows of 5, read like text), "
        "its output (lstm), the head and the loss; each box coloured by |dL/d output|, the "
        "gradient at what the scope hands on. The same numbers, from the head back to the first "
        "convolution, for both activations:",
        seed, s.steps, tape_nodes));
    std::string table = fmt::format("  {:<12} {:>12} {:>12}\n", "|dL/d output|", "LeakyReLU",
                                    "ReLU");
    for (size_t i = leaky_flow.size(); i-- > 0;) {
      table += fmt::format("  {:<12} {:>12.2e} {:>12.2e}\n", leaky_flow[i].scope,
                           leaky_flow[i].norm, relu_flow[i].norm);
    }
    t.table("layer_flow", table, tut::Kind::trained);
    // How far apart the rows of the table are, for each activation: the largest |dL/d output|
    // over the smallest (the page says the gradient stays within that factor).
    auto spread = [](const std::vector<ag::viz::FlowEntry>& flow) {
      const auto [lo, hi] = std::minmax_element(
          flow.begin(), flow.end(), [](const auto& a, const auto& b) { return a.norm < b.norm; });
      return hi->norm / lo->norm;
    };
    t.value("flow_spread_leaky", spread(leaky_flow), "{:.2g}", tut::Kind::trained);
    t.value("flow_spread_relu", spread(relu_flow), "{:.2g}", tut::Kind::trained);
    fmt::print("\nPicture: {}\n\n", t.out_path("classifier_folded.svg"));
  }
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  tut::Tutorial t(
      "12_sequence_classifier", "Tutorial 12: spoken words, a CNN + LSTM with LeakyReLU",
      "The article's companion Keras example, \"CNN joined with LSTM for classification\", shows "
      "inputs of 40 x 80, 6 classes and one LeakyReLU before its code is cut off; the "
      "convolutions and the LSTM come from its title, and the rest is reconstructed here. The "
      "inputs are spoken words: six words said by the "
      "speech synthesizer espeak-ng in many voices, in noise, as 40 mel bands x 80 time frames. "
      "The model learns on some voices and is tested on voices it never heard. The first seed is "
      "told in full; then every claim is judged over all the seeds.");
  Settings s;
  t.cli.add_option("--steps", s.steps, "Training steps")->capture_default_str();
  t.cli.add_option("--eval-every", s.eval_every, "Steps between held-out evaluations (first seed)")
      ->capture_default_str();
  t.cli.add_option("--hidden", s.hidden, "LSTM hidden size")->capture_default_str();
  t.cli.add_option("--batch", s.batch, "Clips per step")->capture_default_str();
  t.cli.add_option("--train-copies", s.train_copies, "Training clips made of each spoken word")
      ->capture_default_str();
  t.cli.add_option("--test-copies", s.test_copies, "Held-out clips made of each spoken word")
      ->capture_default_str();
  t.cli.add_option("--snr", s.snr_db, "Signal-to-noise ratio of the clips, in dB")
      ->capture_default_str();
  t.cli.add_option("--shift", s.max_shift, "Largest time shift of a word in its clip, seconds")
      ->capture_default_str();
  t.cli.add_option("--lr", s.lr, "Adam learning rate")->capture_default_str();
  t.cli
      .add_option("--relu-seeds", s.relu_seeds,
                  "How many seeds (the first ones) also train the ReLU twin (claim 3)")
      ->capture_default_str();
  t.cli.add_option("--recordings", s.recordings,
                   "A folder of your own words (DIR/yes/*.wav, ...: 16-bit mono WAV), tested on "
                   "after the first seed's training");
  std::string save_wavs;
  t.cli.add_option("--save-wavs", save_wavs,
                   "Write the synthetic words as WAV files in this folder (DIR/yes/m1_140_30.wav, "
                   "...) and go on");
  // A seed's LeakyReLU model costs about 10 s of CPU time, its ReLU twin as much (the first
  // relu_seeds only): 10 seeds fit about 3 minutes on one core (section 7 prints the time).
  t.full_mode_seeds(10);
  CLI11_PARSE(t.cli, argc, argv);
  if (t.quick) {
    // Seconds: a shorter run on fewer clips. Options on the command line still win.
    auto quick = [&](const char* option, auto& value, auto q) {
      if (t.cli.count(option) == 0) value = q;
    };
    quick("--steps", s.steps, int64_t{100});
    quick("--eval-every", s.eval_every, int64_t{25});
    quick("--train-copies", s.train_copies, 1);
    quick("--test-copies", s.test_copies, 1);
    s.baseline_steps = 100;
  }
  t.begin();
  const std::vector<uint64_t> seeds = t.seeds();

  // ---------------------------------------------------------------------------------------------
  t.section("1. The words");
  const double start_speaking = cpu_seconds_with_children();
  Spoken spoken{speech::speak(voices_of(kTrainVariants)), speech::speak(voices_of(kTestVariants))};
  fmt::print("  espeak-ng said {} words in {} s of CPU time\n\n",
             spoken.train.size() + spoken.test.size(),
             t.value("speak_seconds", seconds_since(start_speaking), "{:.1f}", tut::Kind::timing));
  t.paragraph(fmt::format(
      "The six words in espeak-ng's English voice, in {} variants for training ({}) and {} "
      "held out for testing ({}), each at {} words per minute and at pitch {}: {} training "
      "utterances and {} held-out ones, all at 22050 Hz. The same on every run (speech.hpp).",
      kTrainVariants.size(), fmt::join(kTrainVariants, ", "), kTestVariants.size(),
      fmt::join(kTestVariants, ", "), fmt::join(kSpeeds, ", "), fmt::join(kPitches, ", "),
      spoken.train.size(), spoken.test.size()));
  if (!save_wavs.empty()) {
    for (const auto* set : {&spoken.train, &spoken.test}) {
      for (const speech::Utterance& u : *set) {
        const auto dir = std::filesystem::path(save_wavs) / std::string(speech::kWords[u.label]);
        std::filesystem::create_directories(dir);
        std::string file = u.voice;  // "m3 175wpm pitch 50" -> "m3_175wpm_pitch_50.wav"
        std::replace(file.begin(), file.end(), ' ', '_');
        speech::write_wav(dir / (file + ".wav"), u.sound);
      }
    }
    fmt::print("  wrote them as WAV files under {}\n\n", save_wavs);
  }

  std::vector<SeedRun> runs;
  runs.push_back(run_seed(seeds[0], spoken, s, t, /*tell=*/true, /*with_relu=*/true));

  // ---------------------------------------------------------------------------------------------
  t.section(fmt::format("7. The same run over {} seeds", seeds.size()));
  t.paragraph(fmt::format(
      "Seeds {} to {}: each places and noises its own clips, draws its own initial weights and "
      "training batches, and trains for {} steps. The spoken words are the same. The first seed "
      "is the run above.",
      seeds.front(), seeds.back(), s.steps));
  const double start = cpu_seconds_with_children();
  t.progress(1, static_cast<int64_t>(seeds.size()),
             fmt::format("seed {}: {:.1f}% (above)", seeds[0], 100 * runs[0].leaky));
  for (size_t i = 1; i < seeds.size(); ++i) {
    runs.push_back(run_seed(seeds[i], spoken, s, t, /*tell=*/false,
                            /*with_relu=*/static_cast<int>(i) < s.relu_seeds));
    t.progress(static_cast<int64_t>(i + 1), static_cast<int64_t>(seeds.size()),
               fmt::format("seed {}: {:.1f}%", seeds[i], 100 * runs.back().leaky));
  }
  // (CPU time is also what the 3-minute budget counts.)
  fmt::print(
      "  {} more seed{} in {} s; the whole run so far, {} s (CPU time, child processes "
      "included)\n\n",
      seeds.size() - 1, seeds.size() == 2 ? "" : "s",
      t.value("more_seeds_seconds", seconds_since(start), "{:.0f}", tut::Kind::timing),
      t.value("cpu_seconds", cpu_seconds_with_children(), "{:.0f}", tut::Kind::timing));

  std::string table = fmt::format("  {:>4}  {:>16}  {:>10}  {:>10}  {:>11}  {:>11}\n", "",
                                  "linear on the", "LeakyReLU", "ReLU", "LeakyReLU", "ReLU");
  table += fmt::format("  {:>4}  {:>16}  {:>10}  {:>10}  {:>11}  {:>11}\n", "seed",
                       "average spectrum", "accuracy", "accuracy", "never > 0", "dead");
  std::vector<double> leaky, relu, baseline;
  for (size_t i = 0; i < seeds.size(); ++i) {
    const SeedRun& r = runs[i];
    const std::string relu_accuracy = r.has_relu ? fmt::format("{:.1f}%", 100 * r.relu)
                                                 : std::string("-");
    const std::string relu_dead = r.has_relu ? fmt::format("{:>5} + {:<3}", r.relu_dead.first,
                                                           r.relu_dead.second)
                                             : "-";
    table += fmt::format("  {:>4}  {:>15.1f}%  {:>9.1f}%  {:>10}  {:>5} + {:<3}  {:>11}\n",
                         seeds[i], 100 * r.baseline, 100 * r.leaky, relu_accuracy,
                         r.leaky_off.first, r.leaky_off.second, relu_dead);
    leaky.push_back(100 * r.leaky);
    if (r.has_relu) relu.push_back(100 * r.relu);
    baseline.push_back(100 * r.baseline);
  }
  t.paragraph(fmt::format(
      "Held-out accuracy (voices never heard in training) after {} steps, and the conv filters "
      "never positive on the held-out clips (first layer + second layer, of {} + {}), each seed:",
      s.steps, Classifier::kFilters1, Classifier::kFilters2));
  t.table("seeds", table, tut::Kind::trained);
  fmt::print("\n");
  // A range of held-out accuracies over the seeds, as the page quotes it: "81.0-96.5%, median
  // 90.6%". (Three numbers in one reading: NaN, so that a fresh run's text is compared instead.)
  const auto range = [&](const std::string& key, std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return t.value_over_seeds(key + "_range", NAN,
                              fmt::format("{:.1f}-{:.1f}%, median {:.1f}%", v.front(), v.back(),
                                          tut::median(v)),
                              tut::Kind::trained);
  };
  // What the dead filters cost, read off the seeds with both models. It would be clear if one
  // activation ended ahead of its twin in every such seed AND the two ranges were apart (the
  // worse one's best below the better one's worst); anything else is "less clear". Ties count
  // for neither.
  size_t twins = 0, leaky_ahead = 0, relu_ahead = 0;
  for (const SeedRun& r : runs) {
    if (!r.has_relu) continue;
    ++twins;
    leaky_ahead += r.leaky > r.relu ? 1 : 0;
    relu_ahead += r.relu > r.leaky ? 1 : 0;
  }
  {
    const auto [leaky_lo, leaky_hi] = std::minmax_element(leaky.begin(), leaky.end());
    const auto [relu_lo, relu_hi] = std::minmax_element(relu.begin(), relu.end());
    const bool apart = *relu_hi < *leaky_lo || *leaky_hi < *relu_lo;
    const bool one_way = leaky_ahead == twins || relu_ahead == twins;
    // (A sentence with no one number: NaN, so that a fresh run's text is compared instead.)
    t.value_over_seeds("dead_cost", NAN,
                       apart && one_way
                           ? std::string("What the dead filters cost looks plain in these seeds: "
                                         "one activation ends ahead in every seed, and the two "
                                         "ranges do not overlap")
                       : apart ? std::string("What the dead filters cost is less clear: the two "
                                             "ranges do not overlap, but neither activation ends "
                                             "ahead of its twin in every seed")
                       : one_way
                           ? std::string("What the dead filters cost is less clear: one "
                                         "activation ends ahead of its twin in every seed, but "
                                         "the two ranges overlap")
                           : std::string("What the dead filters cost is less clear: the two "
                                         "ranges overlap, and neither activation ends ahead of "
                                         "its twin in every seed"),
                       tut::Kind::trained);
    t.value_over_seeds(
        "twins_ahead", NAN,
        fmt::format("LeakyReLU ends ahead of its ReLU twin in {} of the {} seeds with both, "
                    "ReLU in {}",
                    leaky_ahead, twins, relu_ahead),
        tut::Kind::trained);
  }
  const std::string leaky_range = range("leaky", leaky);
  const std::string relu_range = range("relu", relu);
  const std::string baseline_range = range("baseline", baseline);
  t.paragraph(fmt::format("With LeakyReLU: {}. With ReLU: {}. The baseline: {}.", leaky_range,
                          relu_range, baseline_range));
  draw_training(runs, seeds, s, t);
  t.paragraph(fmt::format(
      "Charts: {} (each step's training loss, median over the seeds) and {} (seed {}'s "
      "held-out accuracy as it trained), LeakyReLU against ReLU.",
      t.out_path("charts/training_loss.svg"), t.out_path("charts/accuracy.svg"), seeds.front()));

  // ---------------------------------------------------------------------------------------------
  // The claims, judged over the seeds (finish() prints them).
  const double wanted = t.quick ? kQuickAccuracy : kFullAccuracy;
  const double margin = t.quick ? kQuickMargin : kMargin;
  std::vector<tut::SeedResult> learned, beats, dead;
  for (size_t i = 0; i < seeds.size(); ++i) {
    const SeedRun& r = runs[i];
    learned.push_back(tut::judged(seeds[i], fmt::format("{:.1f}%", 100 * r.leaky),
                                  {tut::above(r.leaky, wanted)}));
    beats.push_back(tut::judged(seeds[i],
                                fmt::format("CNN + LSTM {:.1f}%, baseline {:.1f}%", 100 * r.leaky,
                                            100 * r.baseline),
                                {tut::above(r.leaky - r.baseline, margin)}));
    if (!r.has_relu) continue;
    const int64_t relu_dead = r.relu_dead.first + r.relu_dead.second;
    const int64_t leaky_off = r.leaky_off.first + r.leaky_off.second;
    dead.push_back(tut::judged(
        seeds[i], fmt::format("ReLU {} dead, LeakyReLU {} never positive", relu_dead, leaky_off),
        {tut::above(static_cast<double>(relu_dead), static_cast<double>(leaky_off))}));
  }
  t.claim(fmt::format("The CNN + LSTM classifier with LeakyReLU recognises the six words, said "
                      "by voices it never heard, with more than {:.0f}% accuracy after {} "
                      "steps{}",
                      100 * wanted, s.steps,
                      t.quick ? " (quick mode: a shorter run, a lower bar)" : ""),
          fmt::format("{} on {} held-out clips per seed", leaky_range,
                      spoken.test.size() * static_cast<size_t>(s.test_copies)),
          learned);
  t.claim(fmt::format("The CNN + LSTM classifier beats a linear classifier on the average "
                      "spectrum by more than {:.0f} points (whole model against baseline: how "
                      "much of it is the time order, the convolutions or the capacity, this "
                      "does not tell){}",
                      100 * margin, t.quick ? " (quick mode: a lower bar)" : ""),
          fmt::format("baseline {}", baseline_range), beats);
  t.claim(
      "Trained the same way from the same weights, the ReLU conv stack ends with more dead "
      "filters than the LeakyReLU stack has filters that are never positive",
      fmt::format("accuracy with ReLU {} (the ReLU twin trained for the first {} seeds)",
                  relu_range, dead.size()),
      dead);
  return t.finish();
}
