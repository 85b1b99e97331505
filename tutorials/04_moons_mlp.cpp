// 04_moons_mlp — micrograd's demo, twice: one number at a time, and one tensor at a time.
//
// Karpathy's micrograd ends with a demo (demo.ipynb): an MLP 2-16-16-1 with ReLU learns to
// separate 100 "two moons" points with a hinge loss, in 100 steps of plain gradient descent. Here
// it is written twice on the same engine:
//
//   * scalar style: Neuron, Layer and MLP copied one-to-one from micrograd's nn.py, every weight
//     its own 0-d leaf tensor, every multiply and add its own node on the tape (65818 per step);
//   * tensor style: nn::Linear, nn::ReLU and nn::Sequential, one matmul per layer for the whole
//     batch (47 nodes per step).
//
// Both start from the same numbers (the tensor model's weights are copied from the scalar one),
// follow micrograd's schedule, and are compared step by step: the loss curves agree to rounding,
// the two styles end classifying every point alike, and the tensor style is much faster. The
// decision boundary is drawn in the terminal. micrograd's notebook ends at 100% training accuracy;
// whether that is the rule is judged over seeds (each draws its own moons and initial weights):
// with the default seed, 1, one point stays on the wrong side, and the run ends at 99%.
//
// What this tutorial leaves out: a test set (micrograd's demo reports training accuracy only),
// mini-batches (micrograd's demo uses the whole batch: `batch_size=None`), and momentum.
#include <autograd/autograd.hpp>
#include <fmt/format.h>
#include <nn/nn.hpp>
#include <viz/viz.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "common/chart.hpp"
#include "common/micrograd.hpp"
#include "common/tutorial.hpp"

namespace {

using ag::Tensor;

// ---------------------------------------------------------------------------------------------
// Scalar style: micrograd's nn.py, line for line (common/micrograd.hpp, which bench_moons times
// too). A Value there is a 0-d tensor here; each neuron's nodes are in the scope mlp/layer0/n3.
using micrograd::MLP;
using micrograd::Neuron;

// ---------------------------------------------------------------------------------------------
// micrograd's training loop, shared by both styles through two small functions: `forward`
// records the total loss (and counts correct signs), `params` lists what SGD updates.
//
//     losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
//     data_loss = sum(losses) * (1.0 / len(losses))
//     reg_loss = alpha * sum((p*p for p in model.parameters()))       alpha = 1e-4
//     learning_rate = 1.0 - 0.9*k/100
//     for p in model.parameters(): p.data -= learning_rate * p.grad
constexpr double kAlpha = 1e-4;

struct Run {
  std::vector<double> loss;      // per step, before the update
  std::vector<double> accuracy;  // per step, before the update
  double seconds = 0.0;          // CPU time of the whole run
  size_t tape_nodes = 0;         // nodes on the tape of one step
};

// Runs `steps` steps of micrograd's loop. step(tape) must record the loss on `tape` and return it
// with the number of correctly classified points.
template <class StepFn>
Run train(const char* label, int steps, int64_t n, const std::vector<Tensor>& params, StepFn step,
          bool show_progress = true) {
  Run run;
  const double start = tut::cpu_seconds();
  for (int k = 0; k < steps; ++k) {
    for (Tensor p : params) p.zero_grad();
    double loss = 0.0;
    int64_t correct = 0;
    {
      ag::Tape tape;
      auto [total, right] = step();
      total.backward();
      loss = total.item();
      correct = right;
      run.tape_nodes = tape.size();
    }
    // Plain SGD with micrograd's decaying learning rate (nn::SGD would do the same; here the
    // update is spelled out because the scalar style has 337 separate parameters).
    const double lr = 1.0 - 0.9 * k / 100.0;
    for (Tensor p : params) {
      auto value = p.mutable_data();
      auto grad = p.grad_data();
      for (size_t i = 0; i < value.size(); ++i) value[i] -= lr * grad[i];
    }
    run.loss.push_back(loss);
    run.accuracy.push_back(static_cast<double>(correct) / static_cast<double>(n));
    if (show_progress && ((k + 1) % 10 == 0 || k + 1 == steps)) {
      tut::Tutorial::progress(k + 1, steps,
                              fmt::format("{:<7} loss {:.4f}  accuracy {:3.0f}%", label, loss,
                                          100.0 * run.accuracy.back()));
    }
  }
  run.seconds = tut::cpu_seconds() - start;
  return run;
}

// The tensor model: nn::Linear, nn::ReLU, nn::Sequential. (A Module cannot be moved, so it lives
// behind a shared_ptr.)
std::shared_ptr<ag::nn::Sequential> tensor_mlp() {
  // Linear draws PyTorch's initial weights from a generator; they are overwritten right after,
  // so a throwaway generator keeps the caller's random stream untouched.
  ag::Generator unused(0);
  return std::make_shared<ag::nn::Sequential>(
      "mlp", std::initializer_list<std::shared_ptr<ag::nn::UnaryModule>>{
                 std::make_shared<ag::nn::Linear>(2, 16, unused), std::make_shared<ag::nn::ReLU>(),
                 std::make_shared<ag::nn::Linear>(16, 16, unused), std::make_shared<ag::nn::ReLU>(),
                 std::make_shared<ag::nn::Linear>(16, 1, unused)});
}

// The Linear layers of the tensor model: modules 0, 2 and 4.
ag::nn::Linear& linear(ag::nn::Sequential& mlp, size_t layer) {
  return dynamic_cast<ag::nn::Linear&>(mlp[2 * layer]);
}

// One tensor model score per point of a grid, drawn as characters: the decision boundary.
std::string draw_boundary(ag::nn::UnaryModule& model, const Tensor& x,
                          const std::vector<double>& y) {
  constexpr int kCols = 72, kRows = 26;
  constexpr double kX0 = -1.6, kX1 = 2.6, kY0 = -1.1, kY1 = 1.6;
  std::vector<double> grid;
  for (int r = 0; r < kRows; ++r)
    for (int c = 0; c < kCols; ++c) {
      grid.push_back(kX0 + (kX1 - kX0) * (c + 0.5) / kCols);
      grid.push_back(kY1 - (kY1 - kY0) * (r + 0.5) / kRows);  // row 0 at the top
    }
  Tensor scores;
  {
    ag::NoGradGuard no_grad;  // evaluation only: nothing to record
    scores = model(ag::tensor(grid, {kRows * kCols, 2}));
  }
  std::vector<std::string> cell(kRows * kCols);
  for (int i = 0; i < kRows * kCols; ++i) cell[i] = scores.data()[i] > 0 ? "░" : " ";
  for (int64_t p = 0; p < x.size(0); ++p) {
    const int c = static_cast<int>((x.at({p, 0}) - kX0) / (kX1 - kX0) * kCols);
    const int r = static_cast<int>((kY1 - x.at({p, 1})) / (kY1 - kY0) * kRows);
    if (c < 0 || c >= kCols || r < 0 || r >= kRows) continue;
    cell[r * kCols + c] = y[p] > 0 ? "●" : "○";
  }
  std::string out = fmt::format("  +{}+\n", std::string(kCols, '-'));
  for (int r = 0; r < kRows; ++r) {
    std::string line;
    for (int c = 0; c < kCols; ++c) line += cell[r * kCols + c];
    out += fmt::format("  |{}|\n", line);
  }
  out += fmt::format("  +{}+\n", std::string(kCols, '-'));
  out += fmt::format(
      "  x from {} to {}, y from {} to {}.  ● label +1 (lower moon)  ○ label -1\n"
      "  (upper moon)  ░ where the model says +1\n",
      kX0, kX1, kY0, kY1);
  return out;
}

// ---------------------------------------------------------------------------------------------
// One seed's experiment: the moons and the initial weights it draws, both styles trained from
// those weights, and what they ended with.
struct Experiment {
  uint64_t seed = 0;
  ag::nn::Dataset moons;
  Tensor labels;                        // [n] in {-1, +1}
  std::vector<double> y;                // the same labels, as numbers
  std::vector<std::vector<Tensor>> xs;  // scalar style: each point's two coordinates, 0-d
  std::unique_ptr<MLP> scalar_model;
  std::shared_ptr<ag::nn::Sequential> tensor_model;
  Run scalar_run, tensor_run;
  double worst_loss_diff = 0.0;       // largest |scalar loss - tensor loss| over the steps
  double param_diff = 0.0;            // largest |scalar parameter - tensor parameter| at the end
  int64_t disagreements = 0;          // points the two trained styles classify differently
  double score_diff = 0.0;            // largest |scalar score - tensor score| over the points
  double nearest_score = INFINITY;    // smallest |score| of either style: the point nearest the
                                      // boundary, which a score difference that large could flip
  double smallest_margin = INFINITY;  // smallest y * score (scalar style): < 0 for a wrong point
  double scalar_acc = 0.0, tensor_acc = 0.0;  // training accuracy after the last update
  std::vector<int64_t> wrong;                 // the points the scalar style gets wrong
  Tensor final_scores;                        // the tensor style's scores after training, [n, 1]
};

Experiment run_both_styles(uint64_t seed, int steps, int64_t n, bool show_progress) {
  Experiment e;
  e.seed = seed;
  ag::Generator gen(seed);
  // micrograd: X, y = make_moons(n_samples=100, noise=0.1); y = y*2 - 1
  e.moons = ag::nn::make_moons(n, 0.1, gen);
  e.labels = e.moons.y * 2.0 - 1.0;
  e.y = e.labels.to_vector();

  // The scalar model draws its weights as micrograd does: uniform(-1, 1), biases 0.
  e.scalar_model = std::make_unique<MLP>(2, std::vector<int64_t>{16, 16, 1}, gen);
  e.tensor_model = tensor_mlp();
  const MLP& scalar_model = *e.scalar_model;
  ag::nn::Sequential& tensor_model = *e.tensor_model;
  // Copy the scalar weights into the Linear layers: neuron j of a layer is row j of its weight
  // [out, in], and its bias is bias[j].
  for (size_t l = 0; l < scalar_model.layers.size(); ++l) {
    auto weight = linear(tensor_model, l).weight.mutable_data();
    auto bias = linear(tensor_model, l).bias.mutable_data();
    const int64_t in = linear(tensor_model, l).in_features();
    for (size_t j = 0; j < scalar_model.layers[l].neurons.size(); ++j) {
      const Neuron& neuron = scalar_model.layers[l].neurons[j];
      for (int64_t i = 0; i < in; ++i) weight[j * in + i] = neuron.w[i].item();
      bias[j] = neuron.b.item();
    }
  }
  const std::vector<Tensor> scalar_params = scalar_model.parameters();
  const std::vector<Tensor> tensor_params = tensor_model.parameters();

  // Scalar style: every input coordinate is a 0-d constant, made once.
  e.xs.resize(n);
  for (int64_t p = 0; p < n; ++p) {
    e.xs[p] = {ag::scalar(e.moons.x.at({p, 0})), ag::scalar(e.moons.x.at({p, 1}))};
  }
  const std::vector<double>& y = e.y;
  auto scalar_step = [&]() {
    std::vector<Tensor> scores;
    for (int64_t p = 0; p < n; ++p) scores.push_back(scalar_model(e.xs[p]));
    Tensor data_loss = 0.0;  // sum(losses) starts from 0
    int64_t correct = 0;
    for (int64_t p = 0; p < n; ++p) {
      Tensor margin = -y[p] * scores[p];
      Tensor hinge = (1.0 + margin).relu();
      data_loss = data_loss + hinge;
      correct += (y[p] > 0) == (scores[p].item() > 0);
    }
    data_loss = data_loss * (1.0 / static_cast<double>(n));
    Tensor reg = 0.0;
    for (const Tensor& p : scalar_params) reg = reg + p * p;
    Tensor total = data_loss + kAlpha * reg;
    return std::pair{total, correct};
  };
  auto tensor_step = [&]() {
    Tensor scores = ag::reshape(tensor_model(e.moons.x), {n});  // [n, 1] -> [n]
    Tensor data_loss = ag::nn::hinge_loss(scores, e.labels);    // mean(relu(1 - y * score))
    Tensor reg = 0.0;
    for (const Tensor& p : tensor_params) reg = reg + ag::sum(p * p);
    Tensor total = data_loss + kAlpha * reg;
    int64_t correct = 0;
    for (int64_t p = 0; p < n; ++p) correct += (y[p] > 0) == (scores.data()[p] > 0);
    return std::pair{total, correct};
  };
  e.scalar_run = train("scalar", steps, n, scalar_params, scalar_step, show_progress);
  e.tensor_run = train("tensor", steps, n, tensor_params, tensor_step, show_progress);
  for (int k = 0; k < steps; ++k) {
    e.worst_loss_diff = std::max(e.worst_loss_diff,
                                 std::abs(e.scalar_run.loss[k] - e.tensor_run.loss[k]));
  }

  // After the last update, evaluated once more.
  {
    ag::NoGradGuard no_grad;
    e.final_scores = tensor_model(e.moons.x);
  }
  int64_t scalar_correct = 0, tensor_correct = 0;
  for (int64_t p = 0; p < n; ++p) {
    ag::NoGradGuard no_grad;
    const double scalar_score = scalar_model(e.xs[p]).item();
    const double tensor_score = e.final_scores.data()[p];
    const bool scalar_says = scalar_score > 0;
    const bool tensor_says = tensor_score > 0;
    e.score_diff = std::max(e.score_diff, std::abs(scalar_score - tensor_score));
    e.nearest_score = std::min({e.nearest_score, std::abs(scalar_score), std::abs(tensor_score)});
    e.smallest_margin = std::min(e.smallest_margin, y[p] * scalar_score);
    e.disagreements += scalar_says != tensor_says;
    scalar_correct += scalar_says == (y[p] > 0);
    tensor_correct += tensor_says == (y[p] > 0);
    if (scalar_says != (y[p] > 0)) e.wrong.push_back(p);
  }
  e.scalar_acc = static_cast<double>(scalar_correct) / static_cast<double>(n);
  e.tensor_acc = static_cast<double>(tensor_correct) / static_cast<double>(n);
  for (size_t l = 0; l < scalar_model.layers.size(); ++l) {
    const ag::nn::Linear& layer = linear(tensor_model, l);
    const int64_t in = layer.in_features();
    for (size_t j = 0; j < scalar_model.layers[l].neurons.size(); ++j) {
      const Neuron& neuron = scalar_model.layers[l].neurons[j];
      for (int64_t i = 0; i < in; ++i) {
        e.param_diff = std::max(e.param_diff,
                                std::abs(layer.weight.data()[j * in + i] - neuron.w[i].item()));
      }
      e.param_diff = std::max(e.param_diff, std::abs(layer.bias.data()[j] - neuron.b.item()));
    }
  }
  return e;
}

// The hidden neurons of `model` that are off (ReLU output exactly 0) for one point, per layer.
std::vector<int> inactive_per_layer(const MLP& model, const std::vector<Tensor>& x) {
  ag::NoGradGuard no_grad;
  std::vector<int> off;
  std::vector<Tensor> h = x;
  for (size_t l = 0; l + 1 < model.layers.size(); ++l) {
    h = model.layers[l](h);
    off.push_back(static_cast<int>(
        std::count_if(h.begin(), h.end(), [](const Tensor& v) { return v.item() == 0.0; })));
  }
  return off;
}

}  // namespace

int main(int argc, char** argv) {
  tut::Tutorial t("04_moons_mlp",
                  "Tutorial 04: micrograd's moons demo, scalar style and tensor style",
                  "An MLP 2-16-16-1 learns to separate two interleaving half moons: micrograd's "
                  "demo, with its data size, loss, regulariser and learning-rate schedule. It is "
                  "trained twice from the same initial weights: once with one scalar per weight "
                  "(micrograd's Neuron/Layer/MLP), once with tensors (nn::Linear). The engine and "
                  "the reverse loop are the same; only the size of the nodes differs. Then the "
                  "same pair of runs for other seeds: other moons, other initial weights.");
  t.full_mode_seeds(20);  // a pair of runs costs about a second of CPU, nearly all scalar style
  int steps = 100;
  int64_t points = 100;
  t.cli.add_option("--steps", steps, "Training steps (micrograd: 100)")->capture_default_str();
  t.cli.add_option("--points", points, "Number of moons points (micrograd: 100)")
      ->capture_default_str();
  CLI11_PARSE(t.cli, argc, argv);
  t.begin();
  const std::vector<uint64_t> seeds = t.seeds();
  const int64_t n = points;

  // ---------------------------------------------------------------------------------------------
  t.section(fmt::format("1. The same network, twice (seed {})", seeds[0]));
  {
    // Only to print the models: run_both_styles builds its own from the same seed.
    ag::Generator gen(seeds[0]);
    ag::nn::make_moons(n, 0.1, gen);
    const MLP scalar_model(2, {16, 16, 1}, gen);
    auto tensor_model = tensor_mlp();
    fmt::print("{}\n", tensor_model->to_string());
    fmt::print("  scalar style: {} parameters, each a 0-d leaf tensor\n",
               scalar_model.parameters().size());
    fmt::print(
        "  tensor style: {} parameter tensors holding {} numbers (weights copied from the "
        "scalar model)\n",
        tensor_model->parameters().size(), tensor_model->num_parameters());
  }

  // ---------------------------------------------------------------------------------------------
  t.section(fmt::format("2. Training: {} steps of micrograd's loop in each style", steps));
  std::vector<Experiment> runs;
  runs.push_back(run_both_styles(seeds[0], steps, n, /*show_progress=*/true));
  Experiment& e = runs.front();
  {
    std::string table = fmt::format("  {:>5}  {:>14} {:>14} {:>10}  {:>9}\n", "step", "scalar loss",
                                    "tensor loss", "|diff|", "accuracy");
    for (int k = 0; k < steps; ++k) {
      if (k % 10 == 0 || k == steps - 1) {
        table += fmt::format("  {:>5}  {:>14.10f} {:>14.10f} {:>10.1e}  {:>8.0f}%\n", k,
                             e.scalar_run.loss[k], e.tensor_run.loss[k],
                             std::abs(e.scalar_run.loss[k] - e.tensor_run.loss[k]),
                             100.0 * e.tensor_run.accuracy[k]);
      }
    }
    fmt::print("\n");
    // (Compared to two significant digits: |diff| is rounding, which a different libm moves.)
    t.table("losses", table, tut::Kind::trained);
  }
  {
    // The loss curve as a chart: the first steps (where lr = 1.0 overshoots) and every 10th.
    std::string chart = fmt::format(
        "  the loss curve (tensor style; the scalar one differs by at most {:.1e}):\n",
        e.worst_loss_diff);
    std::vector<int> shown;
    for (int k = 0; k < steps; ++k)
      if (k < 4 || k % 10 == 0 || k == steps - 1) shown.push_back(k);
    double top = 0.0;
    for (int k : shown) top = std::max(top, e.tensor_run.loss[k]);
    for (int k : shown) {
      chart += fmt::format("  {:>5} {:<51} {:.4f}\n", k, tut::bar(e.tensor_run.loss[k] / top, 50),
                           e.tensor_run.loss[k]);
    }
    fmt::print("\n");
    t.table("loss_curve", chart, tut::Kind::trained);
    fmt::print("\n");
    // Every step, both styles, as a picture (charts/loss.svg): the two lines lie on each other.
    tut::write_chart({.title = fmt::format("training loss per step, seed {}", e.seed),
                      .x_label = "step",
                      .y_label = "loss (hinge + L2)",
                      .x = tut::steps(static_cast<size_t>(steps)),
                      .series = {{"scalar style", e.scalar_run.loss},
                                 {"tensor style", e.tensor_run.loss}},
                      .log_y = false},
                     t.out_path("charts/loss"));
  }
  t.paragraph(fmt::format(
      "Each step is one tape. The scalar style records {} nodes per step (a mul and an add per "
      "weight per point, a relu per neuron, the loss); the tensor style records {}: one "
      "transpose, matmul and add per layer, two relus, the loss. The numbers are the same "
      "because the arithmetic is the same; only the order of some sums differs (the matmul adds "
      "up w*x in another order than micrograd's loop), so the two curves differ by rounding.",
      t.value("scalar_nodes", static_cast<double>(e.scalar_run.tape_nodes), "{:.0f}"),
      t.value("tensor_nodes", static_cast<double>(e.tensor_run.tape_nodes), "{:.0f}")));
  {
    std::string final = fmt::format(
        "  after the last update: scalar style {:.0f}%, tensor style {:.0f}% of the {} points\n",
        100 * e.scalar_acc, 100 * e.tensor_acc, n);
    for (int64_t p : e.wrong) {
      final += fmt::format(
          "  misclassified: point {} at ({:+.3f}, {:+.3f}), label {:+.0f}, "
          "score {:+.3f}\n",
          p, e.moons.x.at({p, 0}), e.moons.x.at({p, 1}), e.y[p], e.final_scores.data()[p]);
    }
    t.table("final", final, tut::Kind::trained);
    fmt::print("\n");
  }

  // ---------------------------------------------------------------------------------------------
  t.section("3. Time");
  {
    const Run& s = e.scalar_run;
    const Run& v = e.tensor_run;
    // A timing: shown with the run it comes from, never compared (it depends on the machine's
    // load). The node counts are in the text above, where they are compared.
    t.table("time",
            fmt::format("  {:<14} {:>12} {:>12} {:>14}\n", "", "nodes/step", "CPU seconds",
                        "ms per step") +
                fmt::format("  {:<14} {:>12} {:>12.3f} {:>14.2f}\n", "scalar style", s.tape_nodes,
                            s.seconds, 1e3 * s.seconds / steps) +
                fmt::format("  {:<14} {:>12} {:>12.3f} {:>14.2f}\n", "tensor style", v.tape_nodes,
                            v.seconds, 1e3 * v.seconds / steps),
            tut::Kind::timing);
    fmt::print("\n");
    t.paragraph(fmt::format(
        "The tensor style is {} times faster here. The arithmetic is the same (the same "
        "multiplies and adds for every point); what the scalar style pays for is bookkeeping: a "
        "tape "
        "node, a tensor object and a backward call for every single multiply. This is why real "
        "frameworks work on tensors. (Timings vary from run to run and machine to machine; they "
        "are printed here and never drawn into a picture.)",
        t.value("speedup", s.seconds / v.seconds, "{:.0f}", tut::Kind::timing)));
  }

  // ---------------------------------------------------------------------------------------------
  t.section("4. The decision boundary");
  t.table("boundary", draw_boundary(*e.tensor_model, e.moons.x, e.y), tut::Kind::trained);
  fmt::print("\n");

  // ---------------------------------------------------------------------------------------------
  t.section("5. One sample's forward and backward, drawn");
  {
    // A full view of one point through 2-16-16-1 would hold a box per tape node, nearly a thousand
    // (the count is printed below). The same classes shrunk to
    // 2-3-1 show every piece of micrograd's graph: each weight a leaf, each box `data | grad`, each
    // edge labelled with its local derivative.
    ag::Generator small_gen(e.seed);
    MLP small(2, {3, 1}, small_gen);
    ag::Tape tape;
    Tensor score = small(e.xs[0]);
    Tensor margin = -e.y[0] * score;
    Tensor hinge = (1.0 + margin).relu();
    tape.backward(hinge, {.record_edge_grads = true});
    const std::string path = t.out_path("one_sample_2_3_1.svg");
    ag::viz::Options options;
    options.cluster_scopes = false;
    options.title = fmt::format("relu(1 - y * mlp(x)) for one point, MLP 2-3-1, y = {:+.0f}",
                                e.y[0]);
    ag::viz::render(tape, path, options);
    fmt::print("  MLP 2-3-1, one point, {} tape nodes: {}\n", tape.size(), path);
    // Which hidden neurons pass a gradient back for this point: those whose ReLU input is > 0.
    std::string hidden;
    for (size_t j = 0; j < small.layers[0].neurons.size(); ++j) {
      const Neuron& neuron = small.layers[0].neurons[j];
      double act = neuron.b.item();
      for (size_t i = 0; i < neuron.w.size(); ++i) act += neuron.w[i].item() * e.xs[0][i].item();
      hidden += fmt::format("  hidden neuron n{}: ReLU input {:+.4f}, {}\n", j, act,
                            act > 0 ? "on: passes the gradient back"
                                    : "off: passes back 0, its weights learn nothing here");
    }
    t.table("small_mlp", hidden);
    fmt::print("\n");
  }
  {
    // The trained 2-16-16-1 on one point, folded: one box per neuron (scope mlp/layerL/nJ),
    // coloured by the gradient leaving it. The point is the first one inside the margin, so a
    // gradient flows (a point with y * score >= 1 pulls on nothing: its whole graph would be grey).
    int64_t p = 0;
    for (int64_t q = 0; q < n; ++q) {
      ag::NoGradGuard no_grad;
      if (e.y[q] * (*e.scalar_model)(e.xs[q]).item() < 1.0) {
        p = q;
        break;
      }
    }
    ag::Tape tape;
    Tensor score = (*e.scalar_model)(e.xs[p]);
    Tensor margin = -e.y[p] * score;
    Tensor hinge = (1.0 + margin).relu();
    tape.backward(hinge, {.record_edge_grads = true});
    const std::string path = t.out_path("one_sample_folded_by_neuron.svg");
    ag::viz::Options options;
    options.view = ag::viz::View::folded;
    options.fold_depth = 3;  // mlp/layer1/n7: one box per neuron
    options.title = fmt::format(
        "the trained MLP 2-16-16-1 on point {} ({} tape nodes), one box per neuron", p,
        tape.size());
    ag::viz::render(tape, path, options);
    const std::vector<int> off = inactive_per_layer(*e.scalar_model, e.xs[p]);
    t.paragraph(fmt::format(
        "The trained MLP 2-16-16-1 on point {} (the first inside the margin, y * score = {}), "
        "{} tape nodes, folded by neuron: {}. For this point {} of the 16 neurons of the first "
        "layer and {} of the second are off (ReLU input <= 0): they pass back nothing.",
        t.value("folded_point", static_cast<double>(p), "{:.0f}"),
        t.value("folded_margin", e.y[p] * e.final_scores.data()[p], "{:+.2f}", tut::Kind::trained),
        t.value("folded_nodes", static_cast<double>(tape.size()), "{:.0f}"), path,
        t.value("folded_off_1", off[0], "{:.0f}", tut::Kind::trained),
        t.value("folded_off_2", off[1], "{:.0f}", tut::Kind::trained)));
  }

  // ---------------------------------------------------------------------------------------------
  t.section("6. The other seeds");
  t.paragraph(fmt::format(
      "micrograd's notebook shows one run, with its own random seed, ending at 100%. A different "
      "seed draws other moons (the noise) and other initial weights. Here is the same recipe, "
      "unchanged, in both styles, for seeds {} to {}; the claims below are judged over all of "
      "them.",
      seeds.front(), seeds.back()));
  for (size_t i = 1; i < seeds.size(); ++i) {
    runs.push_back(run_both_styles(seeds[i], steps, n, /*show_progress=*/false));
    Experiment& r = runs.back();
    r.scalar_model.reset();  // (the models of the other seeds are not needed any more)
    r.tensor_model.reset();
    t.progress(static_cast<int64_t>(i), static_cast<int64_t>(seeds.size() - 1),
               fmt::format("seed {}: {:.0f}%", r.seed, 100 * r.scalar_acc));
  }
  if (seeds.size() == 1) t.paragraph("(Only one seed was asked for.)");
  fmt::print("\n");
  {
    // Every seed's loss curve (tensor style) on one chart: charts/loss_per_seed.svg.
    tut::Chart chart{.title = "training loss per step, one line per seed (tensor style)",
                     .x_label = "step",
                     .y_label = "loss (hinge + L2)",
                     .x = tut::steps(static_cast<size_t>(steps)),
                     .series = {},
                     .log_y = false};
    for (const Experiment& r : runs) {
      chart.series.push_back({fmt::format("seed {}", r.seed), r.tensor_run.loss});
    }
    tut::write_chart(chart, t.out_path("charts/loss_per_seed"));
    t.paragraph(fmt::format("Their loss curves, one line per seed: {}.",
                            t.out_path("charts/loss_per_seed.svg")));
  }

  std::vector<tut::SeedResult> same_curve, same_labels, perfect;
  double worst_curve = 0.0, lowest_acc = 1.0;
  int64_t total_disagreements = 0;
  size_t at_100 = 0;
  for (const Experiment& r : runs) {
    worst_curve = std::max({worst_curve, r.worst_loss_diff, r.param_diff});
    total_disagreements += r.disagreements;
    lowest_acc = std::min(lowest_acc, r.scalar_acc);
    at_100 += r.scalar_acc == 1.0 ? 1 : 0;
    // Each seed by the project's rule (tutorial.hpp): a comparison counts when it clears its
    // bound by more than the margin, and a near-tie is a tie.
    same_curve.push_back(tut::judged(
        r.seed,
        fmt::format("|loss diff| {:.1e}, |parameter diff| {:.1e}", r.worst_loss_diff, r.param_diff),
        {tut::below(r.worst_loss_diff, 1e-9), tut::below(r.param_diff, 1e-9)}));
    // The same labels, with room to spare: the two styles' scores differ by less than any score's
    // distance from the boundary, so no point is near enough it for their difference to flip it.
    // (A point the two styles label differently has scores of opposite signs, whose difference is
    // at least the nearest score: that seed fails, or ties.)
    same_labels.push_back(
        tut::judged(r.seed,
                    fmt::format("{} disagreements; scores within {:.1e}, the nearest {:.2g} from 0",
                                r.disagreements, r.score_diff, r.nearest_score),
                    {tut::below(r.score_diff, r.nearest_score)}));
    // Every point on its side: y * score above 0 by more than the margin, in units of the hinge
    // loss's own margin of 1 (a point at y * score = 0.001 is right by rounding, not by training).
    perfect.push_back(
        tut::judged(r.seed,
                    fmt::format("{:.0f}% ({} of {} points wrong; smallest y * score {:+.3f})",
                                100 * r.scalar_acc, r.wrong.size(), n, r.smallest_margin),
                    {tut::above_in_units(r.smallest_margin, 0.0, /*unit=*/1.0)}));
  }
  t.value_over_seeds("seeds_at_100", static_cast<double>(at_100), "{:.0f}");
  t.value_over_seeds("lowest_accuracy", 100 * lowest_acc, "{:.0f}%", tut::Kind::trained);
  t.claim(
      "Scalar style and tensor style, from the same initial weights, follow the same loss "
      "curve and end at the same parameters (to 1e-9: they differ only in the order of some "
      "sums)",
      fmt::format("largest difference over all seeds and steps {:.1e}", worst_curve), same_curve,
      tut::Kind::trained);  // rounding: the order of sums, grown by training
  t.claim("After training, the two styles classify every training point the same way",
          fmt::format("{} disagreements in all, over {} points per seed", total_disagreements, n),
          same_labels, tut::Kind::trained);  // the scores are trained results
  t.claim(fmt::format("micrograd's recipe reaches 100% training accuracy in {} steps, as in its "
                      "notebook",
                      steps),
          fmt::format("{} of {} seeds at 100%; the lowest {:.0f}%", at_100, runs.size(),
                      100 * lowest_acc),
          perfect);
  return t.finish();
}
