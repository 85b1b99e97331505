// 11_relu_in_lstm_gates — the article's claims about ReLU inside an LSTM, measured.
//
// A widely read article on "the role of ReLU in LSTM" says that the input and forget gates use
// ReLU to open and close, that ReLU in the output gate keeps the output between 0 and 1, and that
// ReLU helps because it is fast and avoids vanishing gradients. The standard LSTM (Hochreiter &
// Schmidhuber 1997, with the forget gate of Gers, Schmidhuber & Cummins 2000) uses sigmoid gates,
// whose values lie in (0, 1), and tanh for the candidate and the cell output. This tutorial builds
// five LSTMs that differ only in those activations — the same weights, the same data — and
// measures what each sentence is about:
//
//   gate values     can a ReLU gate leave [0, 1]? (a gate above 1 amplifies; it does not "open")
//   the output      is h_t = o_t * act(c_t) between 0 and 1?
//   the cell        how large does |c_t| grow over time?
//   gradients       |dL/dh_t| through time at initialisation (tutorial 09's measurement)
//   speed           the time of a training step with sigmoid and with ReLU gates
//   training        the adding problem (T = 50), with and without gradient clipping
//
// The step is written out here (as in tutorial 08) so that it can hand back its gates; it computes
// what nn::LSTMCell::step computes with the matching options (to rounding), which section 1 checks.
//
// What it leaves out: tuning each variant's learning rate (all use the baseline's settings, which
// favours the baseline), other tasks, and peephole connections.
#include <autograd/autograd.hpp>
#include <fmt/format.h>
#include <nn/nn.hpp>
#include <viz/viz.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "common/tutorial.hpp"

namespace {

using ag::Tensor;
using ag::nn::CellActivation;
using ag::nn::GateActivation;

struct Variant {
  std::string name;   // file names
  std::string label;  // tables
  GateActivation gate;
  CellActivation cell;
};

// The gate activation for i, f and o.
Tensor gate_activation(const Tensor& x, GateActivation a) {
  switch (a) {
    case GateActivation::sigmoid: return ag::sigmoid(x);          // (0, 1)
    case GateActivation::relu: return ag::relu(x);                // [0, inf)
    case GateActivation::hard_sigmoid: return ag::nn::hard_sigmoid(x);  // clamp(x/6 + 1/2, 0, 1)
  }
  return x;
}

// The activation of the candidate g and of the cell output.
Tensor cell_activation(const Tensor& x, CellActivation a) {
  return a == CellActivation::tanh ? ag::tanh(x) : ag::relu(x);  // (-1, 1) or [0, inf)
}

struct Step {
  ag::nn::LSTMState state;  // (h_t, c_t), each [B, H]
  Tensor i, f, g, o;        // the gates, each [B, H]
};

// One LSTM step, the maths of nn::LSTMCell::step, handing back the gates. (nn::LSTMCell fuses
// each matmul with an add into one addmm node; here they are written apart, as in tutorial 08.
// The two agree to rounding: the check in section 1 allows 1e-12.)
Step lstm_step(const Tensor& x, const ag::nn::LSTMState& prev, const ag::nn::LSTMCell::Prepared& w,
               const Variant& v, int64_t H) {
  Tensor gates = ag::matmul(x, w.W_ih_t);                   // x_t W_ih^T            [B, 4H]
  gates = gates + ag::matmul(prev.h, w.W_hh_t);             // + h_{t-1} W_hh^T
  gates = gates + w.b;                                      // + b_ih + b_hh
  Tensor i = gate_activation(ag::slice(gates, 1, 0 * H, 1 * H), v.gate);  // input gate  [B, H]
  Tensor f = gate_activation(ag::slice(gates, 1, 1 * H, 2 * H), v.gate);  // forget gate
  Tensor g = cell_activation(ag::slice(gates, 1, 2 * H, 3 * H), v.cell);  // candidate
  Tensor o = gate_activation(ag::slice(gates, 1, 3 * H, 4 * H), v.gate);  // output gate
  Tensor keep = f * prev.c;                                 // f_t ⊙ c_{t-1}
  Tensor write = i * g;                                     // i_t ⊙ g_t
  Tensor c = keep + write;                                  // c_t
  Tensor h = o * cell_activation(c, v.cell);                // h_t = o_t ⊙ act(c_t)
  return {{h, c}, i, f, g, o};
}

// A model: an LSTM cell and a linear readout of the last h. Every variant is made from the same
// seed, and the options do not change what is drawn, so all five start from the same numbers.
struct Model {
  Model(const Variant& v, int64_t H, uint64_t seed)
      : variant(v), gen(seed),
        cell(2, H, gen, {.bias = true, .gate_activation = v.gate, .cell_activation = v.cell,
                         .forget_bias = 0.0}),
        readout(H, 1, gen) {}
  std::vector<Tensor> parameters() const {
    std::vector<Tensor> p = cell.parameters();
    for (const Tensor& r : readout.parameters()) p.push_back(r);
    return p;
  }
  Variant variant;
  ag::Generator gen;
  ag::nn::LSTMCell cell;
  ag::nn::Linear readout;
};

// What one forward pass over a sequence saw.
struct Seen {
  double max_gate = 0.0;         // the largest i, f or o value
  double max_f = 0.0, max_o = 0.0;
  double closed = 0.0;           // fraction of i, f, o entries exactly 0 (a ReLU gate shut)
  double min_h = 0.0, max_h = 0.0;
  bool finite = true;             // every gate, h and c value finite (no overflow to inf/NaN)
  std::vector<double> max_abs_c;  // max |c_t| over the batch, per step t
  std::vector<Tensor> hs;         // h_t, per step (for dL/dh_t)
};

double max_of(const Tensor& t) { return *std::max_element(t.data().begin(), t.data().end()); }
double min_of(const Tensor& t) { return *std::min_element(t.data().begin(), t.data().end()); }

// Runs the model over xs (T tensors [B, 2]) and returns the prediction [B, 1].
Tensor forward(Model& m, const std::vector<Tensor>& xs, Seen* seen = nullptr) {
  const int64_t B = xs.front().size(0), H = m.cell.hidden_size();
  ag::nn::LSTMCell::Prepared w;
  {
    ag::ScopeGuard weights("weights");
    w = m.cell.prepare();
  }
  ag::nn::LSTMState state{ag::zeros({B, H}), ag::zeros({B, H})};
  double zeros = 0, total = 0;
  for (size_t t = 0; t < xs.size(); ++t) {
    ag::ScopeGuard scope(fmt::format("t={}", t));
    Step s = lstm_step(xs[t], state, w, m.variant, H);
    state = s.state;
    if (seen == nullptr) continue;
    for (const Tensor* x : {&s.i, &s.f, &s.o, &state.h, &state.c}) {
      for (double v : x->data()) seen->finite = seen->finite && std::isfinite(v);
    }
    for (const Tensor* gate : {&s.i, &s.f, &s.o}) {
      seen->max_gate = std::max(seen->max_gate, max_of(*gate));
      for (double v : gate->data()) zeros += v == 0.0 ? 1 : 0;
      total += static_cast<double>(gate->numel());
    }
    seen->max_f = std::max(seen->max_f, max_of(s.f));
    seen->max_o = std::max(seen->max_o, max_of(s.o));
    seen->min_h = std::min(seen->min_h, min_of(state.h));
    seen->max_h = std::max(seen->max_h, max_of(state.h));
    double c_max = 0.0;
    for (double v : state.c.data()) c_max = std::max(c_max, std::abs(v));
    seen->max_abs_c.push_back(c_max);
    seen->hs.push_back(state.h);
  }
  if (seen != nullptr) seen->closed = zeros / total;
  return m.readout(state.h);
}

std::vector<Tensor> steps_of(const Tensor& x) {  // x [B, T, 2] -> T tensors [B, 2]
  std::vector<Tensor> xs;
  const int64_t B = x.size(0), T = x.size(1);
  for (int64_t s = 0; s < T; ++s) xs.push_back(ag::reshape(ag::slice(x, 1, s, s + 1), {B, 2}));
  return xs;
}

double norm(std::span<const double> v) {
  double sq = 0.0;
  for (double x : v) sq += x * x;
  return std::sqrt(sq);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The result of one training run.
struct Run {
  std::vector<double> loss;     // training loss per step
  double test_mse = NAN;        // on the held-out batch at the end
  int diverged_at = -1;         // the step where the loss became NaN/Inf, or -1
  int overflow_at = -1;         // the first step where a gate, h or c was inf/NaN, or -1
  double max_grad_norm = 0.0;   // the largest gradient norm before clipping
  Seen seen;                    // gates, h and c on the test batch after training
  double max_gate_training = 0.0;  // the largest i/f/o value on any training batch
};

struct TrainSettings {
  int64_t T = 50, batch = 32, steps = 1500, H = 16;
  double lr = 1e-2;
  double clip = 1.0;  // <= 0: no clipping
};

Run train(const Variant& v, const TrainSettings& s, uint64_t seed, const ag::nn::Dataset& test,
          const std::string& what) {
  Model m(v, s.H, seed);
  ag::nn::Adam adam(m.parameters(), {.lr = s.lr});
  ag::Generator data_gen(seed + 7);  // the same batches for every variant
  const std::vector<Tensor> test_xs = steps_of(test.x);
  Run run;
  for (int64_t step = 0; step < s.steps; ++step) {
    ag::nn::Dataset batch = ag::nn::adding_problem(s.batch, s.T, data_gen);
    const std::vector<Tensor> xs = steps_of(batch.x);  // before the tape: not recorded
    adam.zero_grad();
    double loss_value = 0.0;
    Seen seen;
    {
      ag::Tape tape;
      Tensor prediction = forward(m, xs, &seen);
      Tensor loss = ag::nn::mse_loss(prediction, batch.y);
      loss_value = loss.item();
      if (std::isfinite(loss_value)) loss.backward();
    }
    run.max_gate_training = std::max(run.max_gate_training, seen.max_gate);
    if (!seen.finite && run.overflow_at < 0) run.overflow_at = static_cast<int>(step);
    run.loss.push_back(loss_value);
    if (!std::isfinite(loss_value)) {
      run.diverged_at = static_cast<int>(step);
      break;
    }
    const double g = s.clip > 0 ? ag::nn::clip_grad_norm(m.parameters(), s.clip)
                                : ag::nn::clip_grad_norm(m.parameters(),
                                                         std::numeric_limits<double>::infinity());
    run.max_grad_norm = std::max(run.max_grad_norm, g);
    adam.step();
    if ((step + 1) % 25 == 0 || step + 1 == s.steps) {
      tut::Tutorial::progress(step + 1, s.steps, fmt::format("{:<28} loss {:.4f}", what, loss_value));
    }
  }
  if (run.diverged_at >= 0) {
    tut::Tutorial::progress(s.steps, s.steps, fmt::format("{:<28} diverged at step {}", what, run.diverged_at));
    return run;
  }
  ag::NoGradGuard no_grad;
  Tensor prediction = forward(m, test_xs, &run.seen);
  run.test_mse = ag::nn::mse_loss(prediction, test.y).item();
  return run;
}

std::string sparkline(const std::vector<double>& values, int width = 40) {
  // Training loss on a log scale from 1e-4 to 1, as a line of blocks (the mean of each chunk).
  static const char* blocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  std::string out;
  const size_t n = values.size();
  for (int k = 0; k < width && n > 0; ++k) {
    const size_t a = n * static_cast<size_t>(k) / static_cast<size_t>(width);
    const size_t b = std::max(a + 1, n * static_cast<size_t>(k + 1) / static_cast<size_t>(width));
    double sum = 0.0;
    for (size_t j = a; j < b && j < n; ++j) sum += values[j];
    const double mean = sum / static_cast<double>(b - a);
    if (!std::isfinite(mean)) { out += "!"; continue; }
    const double pos = std::clamp((std::log10(std::max(mean, 1e-12)) + 4.0) / 4.0, 0.0, 0.999);
    out += blocks[static_cast<int>(pos * 8)];
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  tut::Tutorial t(
      "11_relu_in_lstm_gates", "Tutorial 11: ReLU in LSTM gates, measured",
      "The article's sentences: (1) the input and forget gates 'use ReLU to open and close'; "
      "(2) 'ReLU in the output gate keeps the output between 0 and 1'; (3) ReLU is fast and "
      "avoids vanishing gradients. Five LSTMs that differ only in their activations — sigmoid "
      "gates (the standard LSTM), ReLU gates, hard-sigmoid gates, and ReLU for the candidate "
      "and cell output — start from the same weights and see the same data. Each sentence gets "
      "a number.");
  TrainSettings train_settings;
  t.cli.add_option("--steps", train_settings.steps, "Training steps per run")->capture_default_str();
  t.cli.add_option("--length", train_settings.T, "Sequence length T of the adding problem")
      ->capture_default_str();
  t.cli.add_option("--hidden", train_settings.H, "Hidden size")->capture_default_str();
  t.cli.add_option("--lr", train_settings.lr, "Adam learning rate (the same for every variant)")
      ->capture_default_str();
  CLI11_PARSE(t.cli, argc, argv);
  if (t.quick) {  // a shorter problem, and enough steps for the baseline to learn it
    train_settings.T = std::min<int64_t>(train_settings.T, 10);
    train_settings.steps = std::min<int64_t>(train_settings.steps, 300);
  }
  t.begin();
  const int64_t H = train_settings.H, T = train_settings.T;

  const std::vector<Variant> variants{
      {"standard", "sigmoid gates, tanh (standard)", GateActivation::sigmoid, CellActivation::tanh},
      {"relu_gates", "ReLU gates, tanh", GateActivation::relu, CellActivation::tanh},
      {"hard_sigmoid_gates", "hard-sigmoid gates, tanh", GateActivation::hard_sigmoid,
       CellActivation::tanh},
      {"relu_cell", "sigmoid gates, ReLU cell", GateActivation::sigmoid, CellActivation::relu},
      {"all_relu", "ReLU gates, ReLU cell", GateActivation::relu, CellActivation::relu},
  };

  // -------------------------------------------------------------------------------------------
  t.section("1. Five LSTMs, one set of weights");
  t.paragraph(
      "Each variant is an nn::LSTMCell with its gate_activation and cell_activation options, made "
      "from the same seed (the options do not change what is drawn). The step used below is "
      "written out in this file so that it can hand back its gates; first, check that it is "
      "nn::LSTMCell's step, option for option.");
  ag::Generator gen(t.seed);
  ag::nn::Dataset probe = ag::nn::adding_problem(64, T, gen);  // one batch to look at
  const std::vector<Tensor> probe_xs = steps_of(probe.x);
  double worst = 0.0;
  for (const Variant& v : variants) {
    Model m(v, H, t.seed);
    ag::NoGradGuard no_grad;
    const ag::nn::LSTMCell::Prepared w = m.cell.prepare();
    ag::nn::LSTMState a{ag::zeros({64, H}), ag::zeros({64, H})}, b = a;
    for (const Tensor& x : probe_xs) {
      a = lstm_step(x, a, w, v, H).state;
      b = m.cell.step(x, b, w);
    }
    for (size_t k = 0; k < static_cast<size_t>(a.h.numel()); ++k) {
      worst = std::max({worst, std::abs(a.h.data()[k] - b.h.data()[k]),
                        std::abs(a.c.data()[k] - b.c.data()[k])});
    }
  }
  t.claim("The step written here equals nn::LSTMCell's for all five option settings",
          fmt::format("max |h, c difference| over {} steps = {:.1e} (allowed 1e-12)", T, worst),
          worst <= 1e-12);

  // -------------------------------------------------------------------------------------------
  t.section(fmt::format("2. At initialisation: gates, outputs, cells and gradients (T = {})", T));
  t.paragraph(
      "One batch of 64 adding-problem sequences through each untrained variant. 'closed' is the "
      "fraction of gate entries exactly 0 (a ReLU gate shut: it passes no value and no "
      "gradient). dL/dh_0 / dL/dh_{T-1} is how much of the gradient at the last step reaches the "
      "first (loss: MSE of a readout of h_{T-1}, as in tutorial 09).");
  fmt::print("  {:<32} {:>8} {:>8} {:>8} {:>8} {:>8} {:>10} {:>12}\n", "variant", "max gate",
             "closed", "min h", "max h", "max|c|", "|c| growth", "dL/dh_0 / _T");
  struct AtInit {
    Seen seen;
    double ratio = 0.0;
  };
  std::vector<AtInit> init(variants.size());
  ag::viz::Options scale;
  scale.log10_min = -12.0;
  scale.log10_max = 0.0;
  for (size_t k = 0; k < variants.size(); ++k) {
    Model m(variants[k], H, t.seed);
    ag::Tape tape;
    Seen& seen = init[k].seen;
    Tensor prediction = forward(m, probe_xs, &seen);
    Tensor loss = ag::nn::mse_loss(prediction, probe.y);
    loss.backward();
    std::vector<ag::viz::FlowEntry> strip;
    for (size_t s = 0; s < seen.hs.size(); ++s) {
      strip.push_back({.scope = fmt::format("t={}", s), .first_node = 0, .node_count = 0,
                       .norm = norm(seen.hs[s].grad_data()), .has_gradient = true,
                       .from_edges = false});
    }
    init[k].ratio = strip.front().norm / strip.back().norm;
    ag::viz::Options strip_options = scale;
    strip_options.title = fmt::format("{}: |dL/dh_t| at initialisation", variants[k].label);
    ag::viz::render_flow(strip, t.out_path(fmt::format("init_flow_{}.svg", variants[k].name)),
                         strip_options);
    const double c_first = std::max(seen.max_abs_c.front(), 1e-300);
    fmt::print("  {:<32} {:>8.3f} {:>7.0f}% {:>8.3f} {:>8.3f} {:>8.3f} {:>9.1f}x {:>12.1e}\n",
               variants[k].label, seen.max_gate, 100 * seen.closed, seen.min_h, seen.max_h,
               seen.max_abs_c.back(), seen.max_abs_c.back() / c_first, init[k].ratio);
  }
  fmt::print("\n");
  t.paragraph(fmt::format(
      "'|c| growth' is max |c_T-1| / max |c_0|. The strips {}/init_flow_<variant>.svg show "
      "|dL/dh_t| for every t, one square per step.", t.out_dir));

  // -------------------------------------------------------------------------------------------
  t.section(fmt::format("3. Speed: one training step with sigmoid and with ReLU gates"));
  t.paragraph(
      "The article says ReLU is fast. It is cheaper than sigmoid (a comparison against an "
      "exponential), but an LSTM step is dominated by its two matrix products, and the gates "
      "are 3H of the 4H columns those products compute. Time forward + backward of a batch "
      "(best of several repeats, wall clock):");
  double time_sigmoid = 0.0, time_relu = 0.0;
  {
    ag::Generator g(t.seed + 3);
    ag::nn::Dataset batch = ag::nn::adding_problem(train_settings.batch, T, g);
    const std::vector<Tensor> xs = steps_of(batch.x);
    const int repeats = t.quick ? 3 : 7, per = t.quick ? 3 : 10;
    for (int pass = 0; pass < 2; ++pass) {  // pass 0 warms up the caches and the allocator
      for (size_t k : {size_t{0}, size_t{1}}) {
        Model m(variants[k], H, t.seed);
        double best = std::numeric_limits<double>::infinity();
        for (int r = 0; r < repeats; ++r) {
          const auto start = std::chrono::steady_clock::now();
          for (int j = 0; j < per; ++j) {
            ag::Tape tape;
            Tensor loss = ag::nn::mse_loss(forward(m, xs), batch.y);
            loss.backward();
          }
          best = std::min(best, seconds_since(start) / per);
        }
        (k == 0 ? time_sigmoid : time_relu) = best;
      }
    }
    fmt::print("  sigmoid gates {:.3f} ms per step, ReLU gates {:.3f} ms per step (T = {}, batch {}, H = {})\n\n",
               1e3 * time_sigmoid, 1e3 * time_relu, T, train_settings.batch, H);
  }
  const double saved = 1.0 - time_relu / time_sigmoid;

  // -------------------------------------------------------------------------------------------
  t.section(fmt::format("4. Training on the adding problem, T = {}", T));
  t.paragraph(fmt::format(
      "Each variant, with and without gradient clipping (global norm 1), is trained with Adam "
      "(lr {}) for {} steps on batches of {}, the same batches for all; then tested on 512 new "
      "sequences. Predicting the mean always scores MSE 1/6 ~ 0.167. No variant gets its own "
      "settings.",
      train_settings.lr, train_settings.steps, train_settings.batch));
  ag::Generator test_gen(t.seed + 11);
  const ag::nn::Dataset test = ag::nn::adding_problem(512, T, test_gen);
  std::vector<Run> clipped, unclipped;
  for (const Variant& v : variants) {
    TrainSettings s = train_settings;
    clipped.push_back(train(v, s, t.seed, test, v.name + " clip"));
    s.clip = 0.0;
    unclipped.push_back(train(v, s, t.seed, test, v.name + " no clip"));
  }
  t.paragraph(
      "Columns: test MSE (NaN@k: the loss became NaN at step k; inf@k: some gate, h or c "
      "overflowed to inf or NaN at training step k, while the loss stayed finite); the largest gradient norm "
      "before clipping; the largest gate value seen in training; max |c_t| and the range of h_t "
      "on the test set after training; the training loss as a sparkline (log scale).");
  fmt::print("  {:<38} {:>14} {:>9} {:>9} {:>9} {:>11}  {}\n", "variant", "test MSE", "max |g|",
             "max gate", "max|c|", "h range", "training loss, log 1e-4..1");
  auto row = [&](const Variant& v, const Run& r, const char* how) {
    std::string mse = r.diverged_at >= 0 ? fmt::format("NaN@{}", r.diverged_at)
                                         : fmt::format("{:.4f}", r.test_mse);
    if (r.overflow_at >= 0) mse += fmt::format(" inf@{}", r.overflow_at);
    const double c = r.seen.max_abs_c.empty()
                         ? NAN
                         : *std::max_element(r.seen.max_abs_c.begin(), r.seen.max_abs_c.end());
    fmt::print("  {:<38} {:>14} {:>9.1e} {:>9.3g} {:>9.3g} {:>+5.1f}..{:<+4.1f} {}\n",
               fmt::format("{} {}", v.label, how), mse, r.max_grad_norm, r.max_gate_training, c,
               r.seen.min_h, r.seen.max_h, sparkline(r.loss));
  };
  for (size_t k = 0; k < variants.size(); ++k) {
    row(variants[k], clipped[k], "+clip");
    row(variants[k], unclipped[k], "");
  }
  fmt::print("\n");

  // -------------------------------------------------------------------------------------------
  t.section("5. The article's sentences, one by one");
  const AtInit& std_init = init[0];
  const AtInit& relu_init = init[1];
  // The variant the article describes: ReLU gates, tanh candidate and cell output.
  double relu_gate_max = relu_init.seen.max_gate;
  for (const Run& r : {clipped[1], unclipped[1]}) relu_gate_max = std::max(relu_gate_max, r.max_gate_training);
  const double sigmoid_gate_max =
      std::max({std_init.seen.max_gate, clipped[0].max_gate_training, unclipped[0].max_gate_training});

  t.paragraph(
      "(1) 'The input and forget gates use ReLU to open and close.' In the LSTM as published "
      "and as every library ships it, they use the sigmoid: a gate is a number in (0, 1) that "
      "scales what passes. A ReLU gate is not bounded above: past 1 it amplifies the old cell "
      "(f > 1) or the candidate (i > 1) instead of letting it through.");
  t.claim("ReLU gates (tanh cell) leave [0, 1]: the largest i, f or o value seen at init and in "
          "training is above 1; sigmoid gates stay within [0, 1]",
          fmt::format("max ReLU gate value {:.3g}; sigmoid gates max {:.3f}", relu_gate_max,
                      sigmoid_gate_max),
          relu_gate_max > 1.0 && sigmoid_gate_max <= 1.0);
  fmt::print("  Verdict on the article's sentence (1): {}\n\n",
             relu_gate_max > 1.0 ? "FALSE (standard LSTM gates are sigmoids; ReLU gates are not "
                                   "confined to [0, 1])"
                                 : "the ReLU gates stayed within [0, 1] here");

  t.paragraph(
      "(2) 'ReLU in the output gate keeps the output between 0 and 1.' The output is "
      "h_t = o_t * tanh(c_t). A ReLU o is not bounded by 1, and tanh(c_t) is negative whenever "
      "c_t is, so h_t can be negative whatever the gate.");
  double min_h = 0.0, max_h = 0.0;
  for (const Run& r : {clipped[1], unclipped[1]}) {
    if (r.diverged_at >= 0) continue;
    min_h = std::min(min_h, r.seen.min_h);
    max_h = std::max(max_h, r.seen.max_h);
  }
  min_h = std::min(min_h, relu_init.seen.min_h);
  max_h = std::max(max_h, relu_init.seen.max_h);
  const double relu_o_max = std::max(relu_init.seen.max_o, std::max(clipped[1].seen.max_o, unclipped[1].seen.max_o));
  t.claim("With ReLU gates (tanh cell) the output h_t leaves [0, 1]",
          fmt::format("h from {:.3f} to {:.3f}; max output gate {:.2f}", min_h, max_h, relu_o_max),
          min_h < 0.0 || max_h > 1.0);
  fmt::print("  Verdict on the article's sentence (2): {}\n\n",
             min_h < 0.0 || max_h > 1.0 ? "FALSE (h_t = o_t tanh(c_t) is negative where c_t is; "
                                          "a ReLU o can exceed 1)"
                                        : "h_t stayed in [0, 1] here");

  t.paragraph(
      "The cell. With sigmoid gates and tanh, |f| < 1 and |i g| < 1, so |c_t| < |c_{t-1}| + 1: "
      "the cell can grow by at most 1 per step, |c_t| < t + 1. ReLU gates remove that bound.");
  auto c_over_bound = [](const Seen& seen) {  // max over t of max|c_t| / (t + 1)
    double worst = 0.0;
    for (size_t s = 0; s < seen.max_abs_c.size(); ++s) {
      worst = std::max(worst, seen.max_abs_c[s] / static_cast<double>(s + 1));
    }
    return worst;
  };
  double std_c = c_over_bound(std_init.seen), relu_c = c_over_bound(relu_init.seen);
  for (const Run& r : {clipped[0], unclipped[0]}) {
    if (r.diverged_at < 0) std_c = std::max(std_c, c_over_bound(r.seen));
  }
  for (const Run& r : {clipped[1], unclipped[1]}) {
    if (r.diverged_at < 0) relu_c = std::max(relu_c, c_over_bound(r.seen));
  }
  t.claim("Sigmoid gates keep |c_t| <= t + 1; ReLU gates (tanh cell) break that bound",
          fmt::format("max over t of max|c_t| / (t + 1): {:.3f} (sigmoid), {:.1f} (ReLU), at init "
                      "and after training",
                      std_c, relu_c),
          std_c <= 1.0 && relu_c > 1.0);

  t.paragraph(
      "(3a) 'ReLU avoids vanishing gradients.' In an LSTM the gradient's long path is the cell, "
      "multiplied by f_t per step (tutorial 08); a gate's own derivative is not on it. What "
      "matters is the value of f, and a ReLU forget gate is exactly 0 for every unit whose "
      "pre-activation is negative, which cuts the path.");
  t.claim("At initialisation, ReLU gates carry less gradient back through time than sigmoid gates",
          fmt::format("|dL/dh_0| / |dL/dh_{}| = {:.1e} (ReLU gates) vs {:.1e} (sigmoid); {:.0f}% of ReLU gate entries are 0",
                      T - 1, relu_init.ratio, std_init.ratio, 100 * relu_init.seen.closed),
          relu_init.ratio < std_init.ratio);

  t.paragraph(fmt::format(
      "(3b) 'ReLU is fast.' Measured in section 3: a training step took {:.3f} ms with sigmoid "
      "gates and {:.3f} ms with ReLU gates, {:.0f}% {}. That is a wall-clock time on this "
      "machine, so it is printed, not made a claim: CI machines (and the sanitizer build) time "
      "differently. Whatever the saving, it buys a gate that is no longer a gate (sentence 1) "
      "and a cut gradient path (3a).",
      1e3 * time_sigmoid, 1e3 * time_relu, 100 * std::abs(saved), saved >= 0 ? "saved" : "slower"));

  t.paragraph(
      "Training. The standard LSTM is the baseline; the table above shows every variant as it "
      "came out, with and without clipping. Which learned the task (test MSE below 0.05):");
  for (size_t k = 0; k < variants.size(); ++k) {
    for (const auto& [how, r] : {std::pair{"clip   ", &clipped[k]}, std::pair{"no clip", &unclipped[k]}}) {
      const bool learned = r->diverged_at < 0 && r->test_mse < 0.05;
      fmt::print("  {:<32} {}  {}{}\n", variants[k].label, how,
                 learned ? "learned" : "did not learn",
                 r->overflow_at >= 0 ? fmt::format(" (values overflowed to inf at step {})", r->overflow_at)
                 : r->diverged_at >= 0 ? fmt::format(" (loss NaN at step {})", r->diverged_at)
                                       : "");
    }
  }
  fmt::print("\n");
  const Run& base = clipped[0];
  t.claim(fmt::format("The standard LSTM (sigmoid gates, tanh, clipping) learns the adding problem "
                      "at T = {}: test MSE below 0.05 (predicting the mean: 0.167)",
                      T),
          fmt::format("test MSE {:.4f} after {} steps", base.test_mse, train_settings.steps),
          base.diverged_at < 0 && base.test_mse < 0.05);
  return t.finish();
}
