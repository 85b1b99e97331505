// 08_lstm_from_primitives — an LSTM cell written out op by op, and checked three ways.
//
// An LSTM is not a new kind of node: it is two matmuls, some adds, four slices, three sigmoids,
// two tanhs and three multiplies. This tutorial writes one step out from those engine ops, one
// op per line, each line with its equation and shape, so that the tape it records reads like
// the equations of Hochreiter & Schmidhuber (1997) in PyTorch's form. Then it checks the result
// three ways: gradcheck against central differences, the one-line fact that explains why LSTMs
// remember (d c_t / d c_{t-1} = f_t), and nn::LSTM given the same weights (equal to 1e-12).
// All three hold for any weights; the weights are random, so each is checked for every seed of
// the run (--seeds N; 10 in full mode, 2 with --quick), each seed with its own weights and data.
// A claim for any weights is refuted by one counterexample, so each is judged by "every seed must
// hold" (tut::Tutorial::claim_for_all), not by the share of seeds a majority claim needs.
//
// What it leaves out: training (tutorials 10 and 11 train LSTMs), stacked layers, and the options
// of nn::LSTMCell (ReLU gates, forget bias: tutorials 09 and 11).
#include <autograd/autograd.hpp>
#include <fmt/format.h>
#include <nn/nn.hpp>
#include <viz/viz.hpp>

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "common/chart.hpp"
#include "common/tutorial.hpp"

namespace {

using ag::Tensor;

// The weights of one LSTM layer, laid out exactly as torch.nn.LSTM (and nn::LSTMCell) keep them.
// The four gates sit side by side along the first axis: rows [0, H) are the input gate i,
// [H, 2H) the forget gate f, [2H, 3H) the candidate g, [3H, 4H) the output gate o.
struct Weights {
  Tensor W_ih;  // [4H, I]
  Tensor W_hh;  // [4H, H]
  Tensor b_ih;  // [4H]
  Tensor b_hh;  // [4H]
};

// The same weights as one step uses them: transposed for x @ W, the two biases summed (nn's
// RecurrentWeights, written out). An unrolled LSTM makes these once and reuses them at every
// step (as nn::LSTM does), so the tape holds one transpose per weight, and every step's gradient
// flows back through it (+=).
struct RecurrentWeights {
  Tensor W_ih_t;  // [I, 4H]
  Tensor W_hh_t;  // [H, 4H]
  Tensor b;       // [4H]   b = b_ih + b_hh (PyTorch keeps two biases; they only appear summed)
};

RecurrentWeights prepare(const Weights& w) {
  RecurrentWeights p;
  p.W_ih_t = ag::transpose(w.W_ih);  // W_ih^T                     [I, 4H]
  p.W_hh_t = ag::transpose(w.W_hh);  // W_hh^T                     [H, 4H]
  p.b = w.b_ih + w.b_hh;             // b = b_ih + b_hh            [4H]
  return p;
}

struct State {
  Tensor h;  // [B, H]  the output, shown to the next layer and to the next step
  Tensor c;  // [B, H]  the cell: the memory, shown to nobody but the next step
};

// What one step returns: the new state, and its gates (kept so that we can look at them).
struct Step {
  State state;
  Tensor i, f, g, o;  // each [B, H]
};

// One LSTM step, one engine op per line (so the tape records them in reading order: C++ does
// not promise to evaluate both sides of `a + b` left to right). B = batch, I = input, H = hidden.
Step lstm_step(const Tensor& x, const State& prev, const RecurrentWeights& w, int64_t H) {
  // All four gates' pre-activations in two matrix products and a bias.
  Tensor gates = ag::matmul(x, w.W_ih_t);        // x_t W_ih^T                [B, 4H]
  Tensor from_h = ag::matmul(prev.h, w.W_hh_t);  // h_{t-1} W_hh^T            [B, 4H]
  gates = gates + from_h;                        // x_t W_ih^T + h_{t-1} W_hh^T
  gates = gates + w.b;                           //   + b   (b broadcasts over B)

  // Cut them apart along the feature axis and squash each part.
  Tensor i_pre = ag::slice(gates, 1, 0 * H, 1 * H);  // gates[:, 0H:1H]           [B, H]
  Tensor i = ag::sigmoid(i_pre).set_name("i");       // i = sigmoid(.)  in (0, 1): how much to write
  Tensor f_pre = ag::slice(gates, 1, 1 * H, 2 * H);  // gates[:, 1H:2H]           [B, H]
  Tensor f = ag::sigmoid(f_pre).set_name("f");       // f = sigmoid(.)  in (0, 1): how much to keep
  Tensor g_pre = ag::slice(gates, 1, 2 * H, 3 * H);  // gates[:, 2H:3H]           [B, H]
  Tensor g = ag::tanh(g_pre).set_name("g");          // g = tanh(.)     in (-1, 1): what to write
  Tensor o_pre = ag::slice(gates, 1, 3 * H, 4 * H);  // gates[:, 3H:4H]           [B, H]
  Tensor o = ag::sigmoid(o_pre).set_name("o");       // o = sigmoid(.)  in (0, 1): how much to show

  // The cell: keep part of the old memory, add part of the candidate.
  Tensor keep = (f * prev.c).set_name("f*c");  // f_t ⊙ c_{t-1}             [B, H]
  Tensor write = (i * g).set_name("i*g");      // i_t ⊙ g_t                 [B, H]
  Tensor c = (keep + write).set_name("c");     // c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t

  // The output: show part of the squashed memory.
  Tensor squashed = ag::tanh(c);            // tanh(c_t)                 [B, H]
  Tensor h = (o * squashed).set_name("h");  // h_t = o_t ⊙ tanh(c_t)     [B, H]
  return {{h, c}, i, f, g, o};
}

// Steps over a sequence x_0, x_1, ... ([B, I] each) from `start`, each step in scope
// "lstm/t=<step>" (the weights are prepared once, in "lstm/weights"). Returns every h_t and the
// final state.
struct Unrolled {
  std::vector<Tensor> hs;  // one [B, H] per step
  State last;
};

Unrolled unroll(const std::vector<Tensor>& xs, const State& start, const Weights& w, int64_t H) {
  ag::ScopeGuard lstm_scope("lstm");
  RecurrentWeights p;
  {
    ag::ScopeGuard weights_scope("weights");
    p = prepare(w);
  }
  Unrolled out{{}, start};
  for (size_t t = 0; t < xs.size(); ++t) {
    ag::ScopeGuard step_scope(fmt::format("t={}", t));
    out.last = lstm_step(xs[t], out.last, p, H).state;
    out.hs.push_back(out.last.h);
  }
  return out;
}

// A sequence of T inputs x_t [B, I], each its own leaf (named "x_0", "x_1", ...).
std::vector<Tensor> random_sequence(int64_t T, int64_t B, int64_t I, ag::Generator& gen) {
  std::vector<Tensor> xs;
  for (int64_t s = 0; s < T; ++s) {
    xs.push_back(ag::normal({B, I}, 0.0, 1.0, gen, true).set_name(fmt::format("x_{}", s)));
  }
  return xs;
}

// The largest |a - b| over two tensors' values (or two gradients) of the same shape.
double max_diff(std::span<const double> a, std::span<const double> b) {
  double worst = 0.0;
  for (size_t k = 0; k < a.size(); ++k) worst = std::max(worst, std::abs(a[k] - b[k]));
  return worst;
}

Weights random_weights(int64_t I, int64_t H, ag::Generator& gen) {
  // PyTorch's LSTM init, uniform(-1/sqrt(H), 1/sqrt(H)), in its order W_ih, W_hh, b_ih, b_hh.
  const double bound = 1.0 / std::sqrt(static_cast<double>(H));
  Weights w;
  w.W_ih = ag::uniform({4 * H, I}, -bound, bound, gen, true).set_name("W_ih");
  w.W_hh = ag::uniform({4 * H, H}, -bound, bound, gen, true).set_name("W_hh");
  w.b_ih = ag::uniform({4 * H}, -bound, bound, gen, true).set_name("b_ih");
  w.b_hh = ag::uniform({4 * H}, -bound, bound, gen, true).set_name("b_hh");
  return w;
}

void copy_values(const Tensor& from, Tensor to) {
  std::copy(from.data().begin(), from.data().end(), to.mutable_data().begin());
}

// Everything one seed draws, in one place and in a fixed order, so that every section can use the
// same numbers: the weights, one step's input and state, a 3-step sequence for gradcheck, a
// gradient v arriving at c_t, and a `long_steps` sequence with a readout R for nn::LSTM.
struct Draw {
  Weights w;
  Tensor x0, h_prev, c_prev;  // one step: x_t [B, I], h_{t-1} and c_{t-1} [B, H]
  std::vector<Tensor> xs;     // 3 x [B, I]
  Tensor v;                   // [B, H]
  std::vector<Tensor> seq;    // long_steps x [B, I]
  Tensor R;                   // [T, B, H]
};

Draw draw(uint64_t seed, int64_t B, int64_t I, int64_t H, int64_t T) {
  ag::Generator gen(seed);
  Draw d;
  d.w = random_weights(I, H, gen);
  d.x0 = ag::normal({B, I}, 0.0, 1.0, gen, true).set_name("x_t");
  d.h_prev = ag::normal({B, H}, 0.0, 0.5, gen, true).set_name("h_{t-1}");
  d.c_prev = ag::normal({B, H}, 0.0, 1.0, gen, true).set_name("c_{t-1}");
  d.xs = random_sequence(3, B, I, gen);
  d.v = ag::normal({B, H}, 0.0, 1.0, gen);
  d.seq = random_sequence(T, B, I, gen);
  d.R = ag::normal({T, B, H}, 0.0, 1.0, gen);
  return d;
}

// "2.2e-10 at worst (seed 4)": the largest of per-seed numbers, and where it was.
std::string worst_of(const std::vector<double>& per_seed, const std::vector<uint64_t>& seeds) {
  const size_t k = static_cast<size_t>(std::max_element(per_seed.begin(), per_seed.end()) -
                                       per_seed.begin());
  return fmt::format("{:.1e} at worst (seed {})", per_seed[k], seeds[k]);
}

}  // namespace

int main(int argc, char** argv) {
  tut::Tutorial t(
      "08_lstm_from_primitives", "Tutorial 08: an LSTM cell from primitive ops",
      "An LSTM step is a handful of ordinary ops: two matmuls, adds, four slices, sigmoid, tanh "
      "and multiplies. Written out one op per line, its tape reads like its equations, its "
      "gradient is the engine's, and nothing about it is special, except one path: the cell "
      "c_t = f_t * c_{t-1} + i_t * g_t, along which the gradient is multiplied only by the "
      "forget gate.");
  int64_t long_steps = 50;
  t.cli.add_option("--steps", long_steps, "Sequence length of the comparison with nn::LSTM")
      ->capture_default_str();
  CLI11_PARSE(t.cli, argc, argv);
  if (t.quick) long_steps = std::min<int64_t>(long_steps, 10);
  t.begin();

  // Small enough that the tape and the graph can be read in full.
  const int64_t B = 2, I = 3, H = 4;

  // The three checks hold for any weights, so one draw would do; but they are cheap, and the
  // weights are random, so every seed of the run draws its own weights and data and is checked:
  // each seed is one more chance for a counterexample, and every one of them must hold.
  // Sections 2 and 4 (the tape and its pictures) show the first seed's.
  const std::vector<uint64_t> seeds = t.seeds();
  std::vector<Draw> draws;
  for (uint64_t seed : seeds) draws.push_back(draw(seed, B, I, H, long_steps));
  const Draw& first = draws.front();

  // -------------------------------------------------------------------------------------------
  t.section("1. The equations (PyTorch's torch.nn.LSTM, gate order i, f, g, o)");
  fmt::print(
      "  gates = x_t W_ih^T + h_{{t-1}} W_hh^T + b_ih + b_hh     [B, 4H]\n"
      "  i = sigmoid(gates[:, 0H:1H])   input gate    f = sigmoid(gates[:, 1H:2H])   forget gate\n"
      "  g = tanh(gates[:, 2H:3H])      candidate     o = sigmoid(gates[:, 3H:4H])   output gate\n"
      "  c_t = f ⊙ c_{{t-1}} + i ⊙ g                             [B, H]\n"
      "  h_t = o ⊙ tanh(c_t)                                    [B, H]\n\n"
      "  Here B = {}, I = {}, H = {}. The code is lstm_step() in\n"
      "  tutorials/08_lstm_from_primitives.cpp.\n",
      B, I, H);

  // -------------------------------------------------------------------------------------------
  t.section(fmt::format("2. One step on the tape (seed {})", seeds.front()));
  t.paragraph(
      "One step from a random (non-zero) state, with the loss L = sum(h_t). Starting from zeros "
      "would hide two paths: with c_{t-1} = 0 the forget gate gets no gradient (f * 0), and with "
      "h_{t-1} = 0 neither does W_hh. Each row below is one node; named rows are the gates and "
      "the cell.");
  {
    ag::Tape tape;
    State next;
    {
      ag::ScopeGuard cell("cell");
      RecurrentWeights p = prepare(first.w);
      next = lstm_step(first.x0, {first.h_prev, first.c_prev}, p, H).state;
    }
    Tensor loss = ag::sum(next.h).set_name("L");
    tape.backward(loss, {.retain_graph = false, .record_edge_grads = true});
    t.table("tape", tape.to_string());
    fmt::print("\n");
    ag::viz::Options pic;
    pic.title = "one LSTM step, L = sum(h_t)";
    ag::viz::render(tape, t.out_path("one_step.svg"), pic);
    t.paragraph(fmt::format(
        "{} is this tape as a graph: {} nodes, the fill is log10 |grad|, the edge width the "
        "gradient that flowed along it. Follow c_{{t-1}}: its only way to L is through 'f*c', "
        "so its gradient is f times the gradient at c.",
        t.out_path("one_step.svg"), tape.size()));
  }

  // -------------------------------------------------------------------------------------------
  t.section("3. gradcheck over three steps");
  t.paragraph(
      "ag::gradcheck nudges every element of every input by +-1e-6 and compares the central "
      "difference with backward() (it passes when |analytic - numeric| <= 1e-5 + 1e-4 |numeric| "
      "for every element). The function is three LSTM steps returning [h_3, c_3], and the inputs "
      "are all of it: x_0, x_1, x_2, h_0, c_0 and the four weight tensors. One run per seed, each "
      "with its own weights and inputs:");
  // in = {x_0, x_1, x_2, h_0, c_0, W_ih, W_hh, b_ih, b_hh}
  auto three_steps = [&](const std::vector<Tensor>& in) {
    Unrolled u = unroll({in[0], in[1], in[2]}, {in[3], in[4]}, {in[5], in[6], in[7], in[8]}, H);
    return ag::concat({u.last.h, u.last.c}, 1);  // [h_3, c_3]   [B, 2H]
  };
  std::vector<tut::SeedResult> gradcheck_results;
  std::vector<double> gradcheck_errors;
  int64_t checked = 0;
  for (size_t k = 0; k < seeds.size(); ++k) {
    const Draw& d = draws[k];
    const std::vector<Tensor> inputs{d.xs[0],  d.xs[1],  d.xs[2],  d.h_prev, d.c_prev,
                                     d.w.W_ih, d.w.W_hh, d.w.b_ih, d.w.b_hh};
    checked = 0;
    for (const Tensor& in : inputs) checked += in.numel();
    const auto check = ag::gradcheck(three_steps, inputs, {.seed = seeds[k]});
    fmt::print("  seed {:<3} {}\n", seeds[k],
               check.ok ? fmt::format("passed, worst |analytic - numeric| {:.1e} (input {}, "
                                      "analytic {:.6f})",
                                      check.abs_error, check.input, check.analytic)
                        : check.message);
    gradcheck_errors.push_back(check.abs_error);
    // (gradcheck's own verdict, entry by entry against atol + rtol |numeric|: no single bound
    // to put a margin on.)
    gradcheck_results.push_back(
        tut::judged(seeds[k], fmt::format("worst |analytic - numeric| {:.1e}", check.abs_error),
                    {tut::exactly(check.ok)}));
  }
  fmt::print("\n");
  t.value("gradcheck_inputs", static_cast<double>(checked), "{:.0f}");
  t.value("gradcheck_worst", *std::max_element(gradcheck_errors.begin(), gradcheck_errors.end()),
          "{:.1e}");
  t.claim_for_all(
      fmt::format("The LSTM written from primitive ops passes gradcheck (central differences, "
                  "3 steps, all {} inputs, atol 1e-5 + rtol 1e-4) for any weights",
                  checked),
      worst_of(gradcheck_errors, seeds), gradcheck_results, tut::Kind::exact);

  // -------------------------------------------------------------------------------------------
  t.section(fmt::format("4. Three steps, clustered by time step (seed {})", seeds.front()));
  {
    ag::Tape tape;
    Tensor zero_h = ag::zeros({B, H}).set_name("h_{-1}");  // constants: need no gradient
    Tensor zero_c = ag::zeros({B, H}).set_name("c_{-1}");
    Unrolled u = unroll(first.xs, {zero_h, zero_c}, first.w, H);
    Tensor loss = ag::sum(u.last.h).set_name("L");
    tape.backward(loss, {.retain_graph = false, .record_edge_grads = true});
    ag::viz::Options pic;
    pic.title = "three LSTM steps from a zero state, L = sum(h_3)";
    pic.prune_constants = true;
    ag::viz::render(tape, t.out_path("three_steps.svg"), pic);
    ag::viz::Options folded;
    folded.view = ag::viz::View::folded;
    folded.fold_depth = 2;
    folded.fold_show_parameters = true;  // the weights, and lstm/weights made from them alone
    folded.title = "the same three steps, folded: one box per scope";
    ag::viz::render(tape, t.out_path("three_steps_folded.svg"), folded);
    t.paragraph(fmt::format(
        "{} draws the {} nodes with one box (cluster) per scope: lstm/weights holds the "
        "transposes made once, lstm/t=0 ... lstm/t=2 one step each. The same weight nodes feed "
        "every step, so their gradient is the sum of three steps' contributions (+=). At t=0 "
        "the state is zero: 'f*c' passes nothing back into f (dashed), and h_{{-1}} W_hh^T is "
        "zero. {} folds each scope into one box; lstm/weights, made from the parameters alone, "
        "is drawn beside them, with one edge into the steps' cluster ('to 3 boxes').",
        t.out_path("three_steps.svg"), tape.size(), t.out_path("three_steps_folded.svg")));
    const auto flow = ag::viz::gradient_flow(tape, 2);
    fmt::print("{}\n", ag::viz::flow_bars(flow, {}, 30));
  }

  // -------------------------------------------------------------------------------------------
  t.section("5. Why the cell path carries gradient: d c_t / d c_{t-1} = f_t");
  t.paragraph(
      "c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t, and f, i, g are computed from x_t and h_{t-1}, not "
      "from c_{t-1}. So within one step the Jacobian of c_t with respect to c_{t-1} is the "
      "diagonal matrix diag(f_t): no weight matrix, no squashing derivative. A gradient v "
      "arriving at c_t leaves for c_{t-1} as f_t ⊙ v. The tape should give exactly that: the "
      "product f_t * v is one rounding, the same one the tape's mul node makes.");
  std::vector<tut::SeedResult> cell_results;
  std::vector<double> cell_diffs;
  size_t entries = 0;
  for (size_t k = 0; k < seeds.size(); ++k) {
    const Draw& d = draws[k];
    ag::Tape tape;
    RecurrentWeights p = prepare(d.w);
    Step next = lstm_step(d.x0, {d.h_prev, d.c_prev}, p, H);
    Tensor loss = ag::sum(next.state.c * d.v);  // L = sum(c_t ⊙ v), so dL/dc_t = v
    Tensor c_prev = d.c_prev;
    c_prev.zero_grad();
    loss.backward();
    const Tensor& f_gate = next.f;
    std::vector<double> f_times_v(static_cast<size_t>(B * H));
    for (size_t e = 0; e < f_times_v.size(); ++e) f_times_v[e] = f_gate.data()[e] * d.v.data()[e];
    const double diff = max_diff(c_prev.grad_data(), f_times_v);
    entries = f_times_v.size();
    if (k == 0) {  // the first seed's numbers, first row of the batch
      const auto row = [&](std::span<const double> values) {
        return fmt::format("[{:.4f}]", fmt::join(values.subspan(0, static_cast<size_t>(H)), ", "));
      };
      std::string rows = fmt::format("  seed {}, first row of the batch:\n", seeds[k]);
      rows += fmt::format("  {:<24} {}\n", "f_t", row(f_gate.data()));
      rows += fmt::format("  {:<24} {}\n", "v = dL/dc_t", row(d.v.data()));
      rows += fmt::format("  {:<24} {}\n", "f_t ⊙ v", row(f_times_v));
      rows += fmt::format("  {:<24} {}\n", "tape: dL/dc_{t-1}", row(c_prev.grad_data()));
      t.table("cell_path", rows);
      fmt::print("\n");
    }
    cell_diffs.push_back(diff);
    cell_results.push_back(tut::judged(seeds[k], fmt::format("max |tape - f_t ⊙ v| {:.1e}", diff),
                                       {tut::below(diff, 1e-15)}));
  }
  t.claim_for_all(
      fmt::format("Within one step the cell path's Jacobian is diag(f_t): dL/dc_{{t-1}} = "
                  "f_t ⊙ dL/dc_t, to 1e-15 in each of the {} entries, for any weights",
                  entries),
      worst_of(cell_diffs, seeds), cell_results, tut::Kind::exact);
  t.paragraph(
      "Across many steps c_{t-1} also reaches c_t through h_{t-1} and the gates, but the direct "
      "path stays a product of forget gates: while f stays near 1 the gradient crosses many "
      "steps intact. Tutorial 09 measures it against a plain tanh RNN.");

  // -------------------------------------------------------------------------------------------
  t.section(fmt::format("6. The same numbers from nn::LSTM ({} steps)", long_steps));
  t.paragraph(
      "nn::LSTM is the library's LSTM (nn/src/lstm.cpp). Copy our four weight tensors into it, "
      "run both on the same sequence and initial state, take the same loss sum(R ⊙ output) + "
      "sum(c_T) with a fixed random R, and compare every output and every gradient. The table "
      "is the first seed's; every seed is compared.");
  const int64_t T = long_steps;
  std::vector<tut::SeedResult> same_results;
  std::vector<double> value_diffs, grad_diffs;
  for (size_t k = 0; k < seeds.size(); ++k) {
    const Draw& d = draws[k];
    const Weights& w = d.w;
    std::vector<double> seq_values;  // nn::LSTM's input: one [T, B, I]
    for (const Tensor& x_t : d.seq) {
      seq_values.insert(seq_values.end(), x_t.data().begin(), x_t.data().end());
    }
    Tensor x = ag::tensor(seq_values, {T, B, I}, true);
    ag::Generator unused(0);  // nn::LSTM draws its own weights; ours overwrite them
    ag::nn::LSTM lstm(I, H, unused);
    ag::nn::LSTMCell& cell = lstm.layer(0);
    copy_values(w.W_ih, cell.W_ih);
    copy_values(w.W_hh, cell.W_hh);
    copy_values(w.b_ih, cell.b_ih);
    copy_values(w.b_hh, cell.b_hh);
    for (Tensor p : {w.W_ih, w.W_hh, w.b_ih, w.b_hh}) p.zero_grad();

    // Ours.
    std::vector<Tensor> ours_h;
    Tensor ours_c;
    std::vector<std::vector<double>> ours_grads;
    {
      ag::Tape tape;
      Unrolled u = unroll(d.seq, {d.h_prev, d.c_prev}, w, H);
      Tensor out = ag::stack(u.hs, 0);  // [T, B, H]
      Tensor weighted = ag::sum(out * d.R);
      Tensor loss = weighted + ag::sum(u.last.c);
      loss.backward();
      ours_h = u.hs;
      ours_c = u.last.c;
      std::vector<double> x_grad;  // the T gradients [B, I] back to back: [T, B, I]
      for (const Tensor& x_t : d.seq) {
        x_grad.insert(x_grad.end(), x_t.grad_data().begin(), x_t.grad_data().end());
      }
      ours_grads.push_back(x_grad);
      for (const Tensor& p : {w.W_ih, w.W_hh, w.b_ih, w.b_hh}) {
        ours_grads.emplace_back(p.grad_data().begin(), p.grad_data().end());
      }
    }

    // nn::LSTM: input [T, B, I], initial state [layers = 1, B, H].
    double worst_value = 0.0, worst_grad = 0.0;
    {
      ag::Tape tape;
      Tensor h0 = ag::reshape(d.h_prev.detach(), {1, B, H});
      Tensor c0 = ag::reshape(d.c_prev.detach(), {1, B, H});
      ag::nn::LSTM::Output out = lstm.forward(x, {h0, c0});
      Tensor weighted = ag::sum(out.output * d.R);
      Tensor loss = weighted + ag::sum(out.state.c);
      loss.backward();
      for (int64_t s = 0; s < T; ++s) {
        const auto row = out.output.data().subspan(static_cast<size_t>(s * B * H),
                                                   static_cast<size_t>(B * H));
        worst_value = std::max(worst_value, max_diff(row, ours_h[static_cast<size_t>(s)].data()));
      }
      worst_value = std::max(worst_value, max_diff(out.state.c.data(), ours_c.data()));
      const std::vector<Tensor> theirs{x, cell.W_ih, cell.W_hh, cell.b_ih, cell.b_hh};
      const char* names[] = {"x", "W_ih", "W_hh", "b_ih", "b_hh"};
      std::string table = fmt::format("  {:<6} {:>14} {:>14} {:>12}\n", "grad", "|ours|",
                                      "|nn::LSTM|", "max |diff|");
      for (size_t n = 0; n < theirs.size(); ++n) {
        double ours_norm = 0.0, their_norm = 0.0;
        for (double v : ours_grads[n]) ours_norm += v * v;
        for (double v : theirs[n].grad_data()) their_norm += v * v;
        const double diff = max_diff(theirs[n].grad_data(), ours_grads[n]);
        worst_grad = std::max(worst_grad, diff);
        table += fmt::format("  {:<6} {:>14.6f} {:>14.6f} {:>12.1e}\n", names[n],
                             std::sqrt(ours_norm), std::sqrt(their_norm), diff);
      }
      table += fmt::format("  outputs (every h_t, and c_T): max |diff| {:.1e}\n", worst_value);
      if (k == 0) {
        fmt::print("  seed {}:\n", seeds[k]);
        t.table("nn_lstm", table);
        fmt::print("\n");
        // The gradient reaching each input x_t, ours and nn::LSTM's, as a chart: two lines that
        // should lie on each other (charts/input_grad.svg).
        auto per_step = [&](std::span<const double> grad) {  // [T, B, I] -> |dL/dx_t| per t
          std::vector<double> norms;
          const size_t per = static_cast<size_t>(B * I);
          for (size_t s = 0; s < static_cast<size_t>(T); ++s) {
            double sq = 0.0;
            for (double v : grad.subspan(s * per, per)) sq += v * v;
            norms.push_back(std::sqrt(sq));
          }
          return norms;
        };
        tut::write_chart({.title = fmt::format("|dL/dx_t| over {} steps, seed {}", T, seeds[k]),
                          .x_label = "time step t",
                          .y_label = "|dL/dx_t|",
                          .x = tut::steps(static_cast<size_t>(T)),
                          .series = {{"op by op (this file)", per_step(ours_grads[0])},
                                     {"nn::LSTM", per_step(x.grad_data()), /*dashed=*/true}},
                          .log_y = true},
                         t.out_path("charts/input_grad"));
        fmt::print("  the gradient at every x_t, both ways: {}\n\n",
                   t.out_path("charts/input_grad.svg"));
      }
    }
    value_diffs.push_back(worst_value);
    grad_diffs.push_back(worst_grad);
    same_results.push_back(tut::judged(
        seeds[k],
        fmt::format("max |diff| outputs {:.1e}, gradients {:.1e}", worst_value, worst_grad),
        {tut::below(worst_value, 1e-12), tut::below(worst_grad, 1e-12)}));
  }
  t.value("steps", static_cast<double>(T), "{:.0f}");
  t.value("worst_output_diff", *std::max_element(value_diffs.begin(), value_diffs.end()), "{:.1e}");
  t.value("worst_grad_diff", *std::max_element(grad_diffs.begin(), grad_diffs.end()), "{:.1e}");
  t.claim_for_all(
      fmt::format("The op-by-op LSTM and nn::LSTM with the same weights give the same outputs "
                  "and gradients to 1e-12 over {} steps, for any weights",
                  T),
      fmt::format("outputs {}, gradients {}", worst_of(value_diffs, seeds),
                  worst_of(grad_diffs, seeds)),
      same_results, tut::Kind::exact);
  return t.finish();
}
