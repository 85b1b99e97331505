// 08_lstm_from_primitives — an LSTM cell written out op by op, and checked three ways.
//
// An LSTM is not a new kind of node: it is two matmuls, some adds, four slices, three sigmoids,
// two tanhs and three multiplies. This tutorial writes one step out from those engine ops, one
// op per line, each line with its equation and shape, so that the tape it records reads like
// the equations of Hochreiter & Schmidhuber (1997) in PyTorch's form. Then it checks the result
// three ways: gradcheck against central differences, the one-line fact that explains why LSTMs
// remember (d c_t / d c_{t-1} = f_t), and nn::LSTM given the same weights (equal to 1e-12).
//
// What it leaves out: training (tutorials 10 and 11 train LSTMs), stacked layers, and the options
// of nn::LSTMCell (ReLU gates, forget bias: tutorials 09 and 11).
#include <autograd/autograd.hpp>
#include <fmt/format.h>
#include <nn/nn.hpp>
#include <viz/viz.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

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

// The same weights as one step uses them: transposed for x @ W, the two biases summed.
// An unrolled LSTM makes these once and reuses them at every step (as nn::LSTM does), so the
// tape holds one transpose per weight, and every step's gradient flows back through it (+=).
struct Prepared {
  Tensor W_ih_t;  // [I, 4H]
  Tensor W_hh_t;  // [H, 4H]
  Tensor b;       // [4H]   b = b_ih + b_hh (PyTorch keeps two biases; they only appear summed)
};

Prepared prepare(const Weights& w) {
  Prepared p;
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
Step lstm_step(const Tensor& x, const State& prev, const Prepared& w, int64_t H) {
  // All four gates' pre-activations in two matrix products and a bias.
  Tensor gates = ag::matmul(x, w.W_ih_t);               // x_t W_ih^T                [B, 4H]
  Tensor from_h = ag::matmul(prev.h, w.W_hh_t);         // h_{t-1} W_hh^T            [B, 4H]
  gates = gates + from_h;                               // x_t W_ih^T + h_{t-1} W_hh^T
  gates = gates + w.b;                                  //   + b   (b broadcasts over B)

  // Cut them apart along the feature axis and squash each part.
  Tensor i_pre = ag::slice(gates, 1, 0 * H, 1 * H);     // gates[:, 0H:1H]           [B, H]
  Tensor i = ag::sigmoid(i_pre).set_name("i");          // i = sigmoid(.)  in (0, 1): how much to write
  Tensor f_pre = ag::slice(gates, 1, 1 * H, 2 * H);     // gates[:, 1H:2H]           [B, H]
  Tensor f = ag::sigmoid(f_pre).set_name("f");          // f = sigmoid(.)  in (0, 1): how much to keep
  Tensor g_pre = ag::slice(gates, 1, 2 * H, 3 * H);     // gates[:, 2H:3H]           [B, H]
  Tensor g = ag::tanh(g_pre).set_name("g");             // g = tanh(.)     in (-1, 1): what to write
  Tensor o_pre = ag::slice(gates, 1, 3 * H, 4 * H);     // gates[:, 3H:4H]           [B, H]
  Tensor o = ag::sigmoid(o_pre).set_name("o");          // o = sigmoid(.)  in (0, 1): how much to show

  // The cell: keep part of the old memory, add part of the candidate.
  Tensor keep = (f * prev.c).set_name("f*c");           // f_t ⊙ c_{t-1}             [B, H]
  Tensor write = (i * g).set_name("i*g");               // i_t ⊙ g_t                 [B, H]
  Tensor c = (keep + write).set_name("c");              // c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t

  // The output: show part of the squashed memory.
  Tensor squashed = ag::tanh(c);                       // tanh(c_t)                 [B, H]
  Tensor h = (o * squashed).set_name("h");              // h_t = o_t ⊙ tanh(c_t)     [B, H]
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
  Prepared p;
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
  ag::Generator gen(t.seed);

  // Small enough that the tape and the graph can be read in full.
  const int64_t B = 2, I = 3, H = 4;

  // -------------------------------------------------------------------------------------------
  t.section("1. The equations (PyTorch's torch.nn.LSTM, gate order i, f, g, o)");
  fmt::print(
      "  gates = x_t W_ih^T + h_{{t-1}} W_hh^T + b_ih + b_hh     [B, 4H]\n"
      "  i = sigmoid(gates[:, 0H:1H])   input gate    f = sigmoid(gates[:, 1H:2H])   forget gate\n"
      "  g = tanh(gates[:, 2H:3H])      candidate     o = sigmoid(gates[:, 3H:4H])   output gate\n"
      "  c_t = f ⊙ c_{{t-1}} + i ⊙ g                             [B, H]\n"
      "  h_t = o ⊙ tanh(c_t)                                    [B, H]\n\n"
      "  Here B = {}, I = {}, H = {}. The code is lstm_step() in tutorials/08_lstm_from_primitives.cpp.\n",
      B, I, H);

  // -------------------------------------------------------------------------------------------
  t.section("2. One step on the tape");
  t.paragraph(
      "One step from a random (non-zero) state, with the loss L = sum(h_t). Starting from zeros "
      "would hide two paths: with c_{t-1} = 0 the forget gate gets no gradient (f * 0), and with "
      "h_{t-1} = 0 neither does W_hh. Each row below is one node; named rows are the gates and "
      "the cell.");
  Weights w = random_weights(I, H, gen);
  Tensor x0 = ag::normal({B, I}, 0.0, 1.0, gen, true).set_name("x_t");
  Tensor h_prev = ag::normal({B, H}, 0.0, 0.5, gen, true).set_name("h_{t-1}");
  Tensor c_prev = ag::normal({B, H}, 0.0, 1.0, gen, true).set_name("c_{t-1}");
  {
    ag::Tape tape;
    State next;
    {
      ag::ScopeGuard cell("cell");
      Prepared p = prepare(w);
      next = lstm_step(x0, {h_prev, c_prev}, p, H).state;
    }
    Tensor loss = ag::sum(next.h).set_name("L");
    tape.backward(loss, {.retain_graph = false, .record_edge_grads = true});
    tape.print();
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
      "difference with backward(). The function is three LSTM steps returning [h_3, c_3], and "
      "the inputs are all of it: x_0, x_1, x_2, h_0, c_0 and the four weight tensors.");
  const std::vector<Tensor> xs = random_sequence(3, B, I, gen);
  // in = {x_0, x_1, x_2, h_0, c_0, W_ih, W_hh, b_ih, b_hh}
  auto three_steps = [&](const std::vector<Tensor>& in) {
    Unrolled u = unroll({in[0], in[1], in[2]}, {in[3], in[4]}, {in[5], in[6], in[7], in[8]}, H);
    return ag::concat({u.last.h, u.last.c}, 1);  // [h_3, c_3]   [B, 2H]
  };
  const std::vector<Tensor> inputs{xs[0], xs[1], xs[2], h_prev, c_prev,
                                   w.W_ih, w.W_hh, w.b_ih, w.b_hh};
  int64_t checked = 0;
  for (const Tensor& in : inputs) checked += in.numel();
  const auto check = ag::gradcheck(three_steps, inputs);
  fmt::print("  {} numbers checked\n  {}\n\n", checked, check.message);
  t.claim("The LSTM written from primitive ops passes gradcheck (central differences, 3 steps)",
          fmt::format("worst |analytic - numeric| = {:.1e} ({})", check.abs_error,
                      check.ok ? "within atol 1e-5 + rtol 1e-4" : "outside the tolerance"),
          check.ok);

  // -------------------------------------------------------------------------------------------
  t.section("4. Three steps, clustered by time step");
  {
    ag::Tape tape;
    Tensor zero_h = ag::zeros({B, H}).set_name("h_{-1}");  // constants: need no gradient
    Tensor zero_c = ag::zeros({B, H}).set_name("c_{-1}");
    Unrolled u = unroll(xs, {zero_h, zero_c}, w, H);
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
      "arriving at c_t leaves for c_{t-1} as f_t ⊙ v. The tape should give exactly that.");
  {
    ag::Tape tape;
    Prepared p = prepare(w);
    Step next = lstm_step(x0, {h_prev, c_prev}, p, H);
    Tensor v = ag::normal({B, H}, 0.0, 1.0, gen);    // any gradient arriving at c_t   [B, H]
    Tensor loss = ag::sum(next.state.c * v);         // L = sum(c_t ⊙ v), so dL/dc_t = v
    c_prev.zero_grad();
    loss.backward();
    const Tensor& f_gate = next.f;
    std::vector<double> f_times_v(static_cast<size_t>(B * H));
    for (size_t k = 0; k < f_times_v.size(); ++k) f_times_v[k] = f_gate.data()[k] * v.data()[k];
    const double diff = max_diff(c_prev.grad_data(), f_times_v);
    fmt::print("  {:<24} [{:.4f}]\n", "f_t (first row)",
               fmt::join(f_gate.data().subspan(0, static_cast<size_t>(H)), ", "));
    fmt::print("  {:<24} [{:.4f}]\n", "v = dL/dc_t (first row)",
               fmt::join(v.data().subspan(0, static_cast<size_t>(H)), ", "));
    fmt::print("  {:<24} [{:.4f}]\n", "f_t ⊙ v",
               fmt::join(std::span<const double>(f_times_v).subspan(0, static_cast<size_t>(H)), ", "));
    fmt::print("  {:<24} [{:.4f}]\n\n", "tape: dL/dc_{t-1}",
               fmt::join(c_prev.grad_data().subspan(0, static_cast<size_t>(H)), ", "));
    t.claim("Within one step the cell path's Jacobian is diag(f_t): dL/dc_{t-1} = f_t ⊙ dL/dc_t",
            fmt::format("max |tape - f_t ⊙ v| = {:.1e} over {} entries (allowed 1e-15)", diff,
                        f_times_v.size()),
            diff <= 1e-15);
    t.paragraph(
        "Across many steps c_{t-1} also reaches c_t through h_{t-1} and the gates, but the direct "
        "path stays a product of forget gates: while f stays near 1 the gradient crosses many "
        "steps intact. Tutorial 09 measures it against a plain tanh RNN.");
  }

  // -------------------------------------------------------------------------------------------
  t.section(fmt::format("6. The same numbers from nn::LSTM ({} steps)", long_steps));
  t.paragraph(
      "nn::LSTM is the library's LSTM (nn/src/lstm.cpp). Copy our four weight tensors into it, "
      "run both on the same sequence and initial state, take the same loss sum(R ⊙ output) + "
      "sum(c_T) with a fixed random R, and compare every output and every gradient.");
  {
    const int64_t T = long_steps;
    const std::vector<Tensor> seq = random_sequence(T, B, I, gen);  // ours: T leaves [B, I]
    std::vector<double> seq_values;                                 // nn::LSTM's: one [T, B, I]
    for (const Tensor& x_t : seq) seq_values.insert(seq_values.end(), x_t.data().begin(), x_t.data().end());
    Tensor x = ag::tensor(seq_values, {T, B, I}, true);
    Tensor R = ag::normal({T, B, H}, 0.0, 1.0, gen);
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
      Unrolled u = unroll(seq, {h_prev, c_prev}, w, H);
      Tensor out = ag::stack(u.hs, 0);  // [T, B, H]
      Tensor weighted = ag::sum(out * R);
      Tensor loss = weighted + ag::sum(u.last.c);
      loss.backward();
      ours_h = u.hs;
      ours_c = u.last.c;
      std::vector<double> x_grad;  // the T gradients [B, I] back to back: [T, B, I]
      for (const Tensor& x_t : seq) x_grad.insert(x_grad.end(), x_t.grad_data().begin(), x_t.grad_data().end());
      ours_grads.push_back(x_grad);
      for (const Tensor& p : {w.W_ih, w.W_hh, w.b_ih, w.b_hh}) {
        ours_grads.emplace_back(p.grad_data().begin(), p.grad_data().end());
      }
    }

    // nn::LSTM: input [T, B, I], initial state [layers = 1, B, H].
    double worst_value = 0.0, worst_grad = 0.0;
    {
      ag::Tape tape;
      Tensor h0 = ag::reshape(h_prev.detach(), {1, B, H});
      Tensor c0 = ag::reshape(c_prev.detach(), {1, B, H});
      ag::nn::LSTMOutput out = lstm.forward(x, {h0, c0});
      Tensor weighted = ag::sum(out.output * R);
      Tensor loss = weighted + ag::sum(out.c);
      loss.backward();
      for (int64_t s = 0; s < T; ++s) {
        const auto row = out.output.data().subspan(static_cast<size_t>(s * B * H),
                                                   static_cast<size_t>(B * H));
        worst_value = std::max(worst_value, max_diff(row, ours_h[static_cast<size_t>(s)].data()));
      }
      worst_value = std::max(worst_value, max_diff(out.c.data(), ours_c.data()));
      const std::vector<Tensor> theirs{x, cell.W_ih, cell.W_hh, cell.b_ih, cell.b_hh};
      const char* names[] = {"x", "W_ih", "W_hh", "b_ih", "b_hh"};
      fmt::print("  {:<6} {:>14} {:>14} {:>12}\n", "grad", "|ours|", "|nn::LSTM|", "max |diff|");
      for (size_t k = 0; k < theirs.size(); ++k) {
        double ours_norm = 0.0, their_norm = 0.0;
        for (double v : ours_grads[k]) ours_norm += v * v;
        for (double v : theirs[k].grad_data()) their_norm += v * v;
        const double d = max_diff(theirs[k].grad_data(), ours_grads[k]);
        worst_grad = std::max(worst_grad, d);
        fmt::print("  {:<6} {:>14.6f} {:>14.6f} {:>12.1e}\n", names[k], std::sqrt(ours_norm),
                   std::sqrt(their_norm), d);
      }
      fmt::print("  outputs (every h_t, and c_T): max |diff| {:.1e}\n\n", worst_value);
    }
    t.claim("The op-by-op LSTM and nn::LSTM with the same weights give the same outputs and "
            "gradients (to 1e-12)",
            fmt::format("max |diff| outputs {:.1e}, gradients {:.1e} over {} steps", worst_value,
                        worst_grad, T),
            worst_value <= 1e-12 && worst_grad <= 1e-12);
  }
  return t.finish();
}
