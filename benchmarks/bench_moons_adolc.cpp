// bench_moons_adolc — bench_moons's step on ADOL-C, the classic C++ taping tool, re-taped each
// step.
//
// ADOL-C (Debian's libadolc-dev) records every operation on `adouble`s between trace_on and
// trace_off onto a tape, and fos_reverse runs that tape backwards: first-order, scalar, reverse
// mode, the same algorithm as tapegrad's scalar engine. ADOL-C is at its fastest when one tape is
// recorded once and replayed for new inputs; a dynamic-graph user (micrograd, PyTorch, tapegrad)
// builds a new graph every step instead. That is what is timed here: each step records its graph
// afresh, as such a user would write it, then sweeps it once:
//
//     trace_on(tag, 1)              keep the forward values for the reverse sweep that follows
//     p_i <<= params[i]             the parameters are the independent variables
//     total = loss(model, points)   moons.hpp's recipe, on adoubles
//     total >>= loss                the one dependent variable
//     trace_off()
//     fos_reverse(tag, 1, P, {1}, grad)     grad = d total / d params
//     params -= lr * grad
//
// Each point's two numbers become adoubles each step (a constant on the tape each, as the demo's
// Value(x)); a number an operation meets, such as the 1 in 1 + margin, stays inside that
// operation on ADOL-C's tape, where tapegrad records it as a node. The model and the data are
// moons.hpp's, drawn from the same seed, so before anything is timed the program runs --check steps
// of tapegrad's step (moons.hpp) beside its own and fails unless every loss agrees to 1e-12: the
// two sides time the same computation.
//
// Last line:  BENCH moons_adolc ms_per_step=<median> ops_per_step=<ADOL-C tape operations>
//             final_loss=<x> accuracy=<x> cpu_ms_per_step=<median CPU time>
//             check_max_loss_diff=<largest |loss difference| over the checked steps>
//
// What this file leaves out: ADOL-C's replay of a recorded tape for new inputs (zos_forward then
// fos_reverse without re-taping), which a static graph allows and this workload's users do not use.
#include <CLI/CLI.hpp>
#include <adolc/adolc.h>
#include <autograd/autograd.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "bench_common.hpp"
#include "moons.hpp"

namespace {

// The model's parameters as plain numbers, in micrograd::MLP::parameters() order: for each layer,
// for each neuron, its weights w0 .. w(nin-1), then its bias.
struct Weights {
  std::vector<int> sizes;      // {2, 16, 16, 1}
  std::vector<double> values;  // [P]
};

Weights weights_of(const micrograd::MLP& model) {
  Weights w{{static_cast<int>(model.layers.front().neurons.front().w.size())}, {}};
  for (const micrograd::Layer& layer : model.layers) w.sizes.push_back(layer.neurons.size());
  for (const ag::Tensor& p : model.parameters()) w.values.push_back(p.item());
  return w;
}

constexpr short kTag = 1;  // ADOL-C names its tapes by a small integer

// One step k of moons.hpp's recipe on ADOL-C: record the graph, sweep it back, update `w`.
moons::StepResult adolc_step(const moons::Data& data, Weights& w, int k,
                             std::vector<double>& grad) {
  const size_t P = w.values.size();
  moons::StepResult result;
  trace_on(kTag, 1);
  std::vector<adouble> p(P);
  for (size_t i = 0; i < P; ++i) p[i] <<= w.values[i];

  // Forward: each point through the MLP. Neuron j of a layer reads its weights from p at
  // `at`, nin of them, then its bias; act = b + w0 x0 + w1 x1 + ..., relu but in the last layer.
  std::vector<adouble> scores(data.points);
  for (int n = 0; n < data.points; ++n) {
    std::vector<adouble> x = {data.xs[2 * n], data.xs[2 * n + 1]};
    size_t at = 0;
    for (size_t l = 1; l < w.sizes.size(); ++l) {
      const bool last = l + 1 == w.sizes.size();
      std::vector<adouble> out(w.sizes[l]);
      for (int j = 0; j < w.sizes[l]; ++j) {
        const size_t nin = x.size();
        adouble act = p[at + nin];  // the bias first, as Python's sum(..., start=b)
        for (size_t i = 0; i < nin; ++i) act += p[at + i] * x[i];
        if (last) {
          out[j] = act;
        } else {
          out[j] = fmax(act, 0.0);  // relu
        }
        at += nin + 1;
      }
      x = std::move(out);
    }
    scores[n] = x[0];
  }
  // data_loss = mean of relu(1 + score * (-y)); reg_loss = alpha * sum of p * p
  adouble data_loss = 0.0;
  for (int n = 0; n < data.points; ++n) data_loss += fmax(1.0 + scores[n] * -data.ys[n], 0.0);
  data_loss = data_loss * (1.0 / data.points);
  adouble reg_loss = 0.0;
  for (size_t i = 0; i < P; ++i) reg_loss += p[i] * p[i];
  reg_loss = moons::kAlpha * reg_loss;
  adouble total = data_loss + reg_loss;
  total >>= result.loss;

  int correct = 0;
  for (int n = 0; n < data.points; ++n) correct += (data.ys[n] > 0) == (scores[n].value() > 0);
  result.accuracy = static_cast<double>(correct) / data.points;
  trace_off();

  double seed = 1.0;  // d total / d total
  fos_reverse(kTag, 1, static_cast<int>(P), &seed, grad.data());
  size_t stats[STAT_SIZE];
  tapestats(kTag, stats);
  result.nodes = stats[NUM_OPERATIONS];

  const double lr = moons::learning_rate(k);
  for (size_t i = 0; i < P; ++i) w.values[i] -= lr * grad[i];
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  bench::single_thread(argv);  // first: it may start the program again
  CLI::App app("bench_moons's step on ADOL-C, re-taped every step: milliseconds per SGD step");
  moons::Options o;
  moons::add_options(app, o);
  int check = 3;
  app.add_option("--check", check, "Steps run beside tapegrad's first, untimed; losses must agree")
      ->capture_default_str();
  app.set_version_flag("--version", ag::version_line("bench_moons_adolc"));
  CLI11_PARSE(app, argc, argv);

  // The check: the same steps on both engines, from the same weights. The loss is the same sum in
  // the same order on both, so it agrees to rounding; the gradients are summed in other orders
  // (ADOL-C's sweep is its own), and the losses of later steps inherit that difference.
  double check_max_diff = 0.0;
  {
    moons::Problem ours = moons::make_problem(o.points, o.seed);
    std::vector<ag::Tensor> params = ours.model.parameters();
    Weights w = weights_of(ours.model);
    std::vector<double> grad(w.values.size());
    for (int k = 0; k < check; ++k) {
      const double theirs = adolc_step(ours.data, w, k, grad).loss;
      const double mine = moons::tapegrad_step(ours.data, ours.model, params, k).loss;
      const double diff = std::fabs(theirs - mine);
      check_max_diff = std::max(check_max_diff, diff);
      fmt::print("check step {}: loss tapegrad {:.17g}  ADOL-C {:.17g}  difference {:.2g}\n", k,
                 mine, theirs, diff);
      if (!(diff <= 1e-12)) {
        fmt::print(stderr,
                   "bench_moons_adolc: step {}'s loss differs from tapegrad's by {:.3g} (more "
                   "than 1e-12): the two programs no longer time the same computation\n",
                   k, diff);
        return 1;
      }
    }
  }

  const moons::Problem problem = moons::make_problem(o.points, o.seed);
  Weights w = weights_of(problem.model);
  std::vector<double> grad(w.values.size());
  std::vector<bench::Sample> times;
  moons::StepResult last;
  for (int k = 0; k < o.steps; ++k) {
    times.push_back(bench::measure([&] { last = adolc_step(problem.data, w, k, grad); }));
    moons::print_progress(k, o.steps, last, times.back().wall_ms);
  }
  // Did the tape stay in memory? (ADOL-C writes a tape longer than its buffers to files.)
  size_t stats[STAT_SIZE];
  tapestats(kTag, stats);
  const bool in_memory = stats[OP_FILE_ACCESS] == 0 && stats[LOC_FILE_ACCESS] == 0 &&
                         stats[VAL_FILE_ACCESS] == 0;

  const bench::Summary t = bench::summarize_wall(times);
  const bench::Summary cpu = bench::summarize_cpu(times);
  fmt::print("\n{} parameters, {} points, {} steps; tape in memory: {}\n", w.values.size(),
             o.points, o.steps, in_memory ? "yes" : "no (written to files)");
  fmt::print("ms per step: median {:.3f}  min {:.3f}  max {:.3f}  (CPU time: median {:.3f})\n",
             t.median, t.min, t.max, cpu.median);
  fmt::print("ADOL-C tape operations per step: {}\n", last.nodes);
  fmt::print(
      "BENCH moons_adolc ms_per_step={:.4f} ops_per_step={} final_loss={:.6f} accuracy={:.4f} "
      "cpu_ms_per_step={:.4f} check_max_loss_diff={:.3g}\n",
      t.median, last.nodes, last.loss, last.accuracy, cpu.median, check_max_diff);
  return 0;
}
