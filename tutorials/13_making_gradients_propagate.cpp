// 13_making_gradients_propagate — residual connections and normalization, measured side by side.
//
// Tutorials 05-07 showed the gradient of a deep stack fading layer by layer, and tutorial 06 one
// cure, the initialisation. Deep networks today use two others: identity shortcuts (He et al.
// 2016, "Deep Residual Learning" and "Identity Mappings in Deep Residual Networks") and
// normalization layers (Ioffe & Szegedy 2015, BatchNorm; Ba et al. 2016, LayerNorm). Here one
// stack of 50 Linear layers is built six ways and measured: the gradient that reaches layer 1 at
// initialisation, as a ratio to layer 50's (and, for the forward pass, how alike the samples
// leave the stack), whether the stack trains, and whether the normalized stacks' gradient ignores
// the scale of the weights, as the two normalization papers derive.
//
//     layer l (scope "net/layer<l>"):   u = norm(h)   a = relu(u)   z = W_l a + b_l
//     block b = layers 2b-1 and 2b:     h_out = z_2b             (plain)
//                                       h_out = h_in + z_2b      (residual: an identity shortcut)
//     norm:  nothing, BatchNorm1d(width) or LayerNorm(width)
//
// The order norm -> relu -> Linear is He et al.'s "pre-activation" unit (Identity Mappings,
// figure 1b and 4e): the shortcut adds the block's input unchanged, so eq. 5 of that paper holds
// exactly, and the plain stack is the same 50 layers without the additions. Every weight is
// nn::Linear's own, PyTorch's default uniform(-1/sqrt(n), 1/sqrt(n)): the initialisation tutorial
// 06 showed vanishing in a ReLU stack (n Var(W) E[relu'^2] = 1/3 * 1/2 = 1/6 per layer). He's
// initialisation would level the plain stack at the start; the question here is what the
// architecture does with the default.
//
// What this tutorial leaves out: convolutions and images (the papers' setting; the stacks here
// are fully connected), the original ResNet unit with its ReLU after the addition, projection
// shortcuts, test accuracy (the training loss is the question: He et al.'s "degradation" is a
// training-error effect), learning-rate schedules, and any search over hyperparameters: Adam
// with lr 1e-3 for a fixed number of steps, fixed before the first run and the same for all six.
#include <autograd/autograd.hpp>
#include <fmt/format.h>
#include <nn/nn.hpp>
#include <viz/viz.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/chart.hpp"
#include "common/deep_mlp.hpp"
#include "common/tutorial.hpp"

namespace {

using ag::Tensor;

enum class Norm { none, batch, layer };

struct Variant {
  std::string name;        // in tables: "plain", "residual + BatchNorm", ...
  std::string short_name;  // a column heading: "plain", "res+BN", ...
  std::string file;        // picture file stem
  bool residual = false;
  Norm norm = Norm::none;
};

// ---------------------------------------------------------------------------------------------
// The stack: `depth` layers of width `width`, then a Linear read-out to one number.
class Stack {
 public:
  // Draws the Linear layers (layer1 .. layer<depth>, then the head) from `gen` in that order,
  // whatever the variant: with the same seed every variant starts from the very same weights.
  // `scale` multiplies every layer's weight and bias but the last (1: PyTorch's draw); `eps` is
  // the normalization's, PyTorch's default unless given.
  Stack(const Variant& v, int depth, int64_t width, ag::Generator& gen, double scale = 1.0,
        double eps = 1e-5)
      : variant_(v) {
    for (int l = 1; l <= depth; ++l) {
      layers_.push_back(std::make_unique<ag::nn::Linear>(width, width, gen));
      layers_.back()->set_name(fmt::format("layer{}", l));
      if (l < depth && scale != 1.0) {
        for (Tensor* p : {&layers_.back()->weight, &layers_.back()->bias}) {
          for (double& w : p->mutable_data()) w *= scale;
        }
      }
      if (v.norm == Norm::batch) {
        norms_.push_back(
            std::make_unique<ag::nn::BatchNorm1d>(width, ag::nn::BatchNormOptions{.eps = eps}));
      }
      if (v.norm == Norm::layer) {
        norms_.push_back(std::make_unique<ag::nn::LayerNorm>(ag::Shape{width}, eps));
      }
      if (v.norm != Norm::none) norms_.back()->set_name(fmt::format("norm{}", l));
    }
    head_ = std::make_unique<ag::nn::Linear>(width, 1, gen);
    head_->set_name("head");
  }

  // x [B, width] -> h [B, width], what the last layer hands to the head. Layer l in the scope
  // "net/layer<l>": the folded view and gradient_flow give one box, one number per layer. The
  // residual addition is made in the scope of the block's second layer, so that layer hands on
  // h_in + z.
  // With `received`, also keeps what each layer received, h before its normalization (section
  // 4 measures it against eps).
  Tensor hidden(const Tensor& x, std::vector<Tensor>* received = nullptr) const {
    ag::ScopeGuard net("net");
    Tensor h = x, block_input = x;
    for (size_t i = 0; i < layers_.size(); ++i) {
      ag::ScopeGuard scope(fmt::format("layer{}", i + 1));
      if (received != nullptr) received->push_back(h);
      Tensor u = variant_.norm == Norm::none ? h : (*norms_[i])(h);
      Tensor z = (*layers_[i])(ag::relu(u));  // [B, width]
      const bool closes_block = i % 2 == 1;
      h = variant_.residual && closes_block ? block_input + z : z;
      if (closes_block) block_input = h;
    }
    return h;
  }

  // x [B, width] -> prediction [B, 1]
  Tensor forward(const Tensor& x) const { return head(hidden(x)); }
  Tensor head(const Tensor& h) const { return (*head_)(h); }

  std::vector<Tensor> parameters() const {
    std::vector<Tensor> params;
    auto add = [&](const ag::nn::Module& m) {
      for (const Tensor& p : m.parameters()) params.push_back(p);
    };
    for (const auto& l : layers_) add(*l);
    for (const auto& n : norms_) add(*n);
    add(*head_);
    return params;
  }

 private:
  Variant variant_;
  std::vector<std::unique_ptr<ag::nn::Linear>> layers_;
  std::vector<std::unique_ptr<ag::nn::UnaryModule>> norms_;
  std::unique_ptr<ag::nn::Linear> head_;
};

// The gradient at initialisation: one forward and backward pass over the training set.
struct AtInit {
  std::vector<double> flow;  // |dL/d output| of layer 1 .. depth (viz::gradient_flow)
  double ratio = 0.0;        // layer 1 / layer depth
  // The mean cosine between two samples' h at the last layer, over all pairs: near 1, every
  // input leaves the stack pointing the same way and the head cannot tell them apart.
  double cosine = 0.0;
};

// The mean of cos(h_i, h_j) over the pairs i < j of the rows of h [B, width].
double mean_pairwise_cosine(const Tensor& h) {
  const int64_t n = h.size(0), w = h.size(1);
  const std::span<const double> v = h.data();
  std::vector<double> norm(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    double sq = 0.0;
    for (int64_t k = 0; k < w; ++k) sq += v[i * w + k] * v[i * w + k];
    norm[i] = std::sqrt(sq);
  }
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = i + 1; j < n; ++j) {
      double dot = 0.0;
      for (int64_t k = 0; k < w; ++k) dot += v[i * w + k] * v[j * w + k];
      sum += dot / (norm[i] * norm[j]);
    }
  }
  return sum / (0.5 * static_cast<double>(n * (n - 1)));
}

AtInit measure(const Stack& stack, const ag::nn::Dataset& data, const std::string& svg,
               const std::string& title) {
  ag::Tape tape;
  const Tensor h = stack.hidden(data.x);
  Tensor loss = ag::nn::mse_loss(stack.head(h), data.y);
  ag::BackwardOptions options;
  options.record_edge_grads = !svg.empty();  // edge widths in the picture
  tape.backward(loss, options);
  AtInit m;
  m.cosine = mean_pairwise_cosine(h);
  m.flow = tut::layer_norms(ag::viz::gradient_flow(tape, 2), "net");
  m.ratio = m.flow.front() / m.flow.back();
  if (!svg.empty()) {
    // One box per layer on the default colour scale (1e-8 to 1e2), the one every picture of the
    // project shares, so the six pictures compare by eye. No hover text: each box already says
    // its layer and |dL/d output|, and its tooltip would only list the same few ops fifty times
    // over, in six pictures on one page.
    ag::viz::render(tape, svg, tut::folded_by_layer({.tooltips = false, .title = title}));
  }
  return m;
}

// |dL/dx| at initialisation: the gradient that crossed every layer, down to the input. (Its own
// pass: an input that requires a gradient is a leaf like a parameter, and the folded view would
// draw the whole stack, computed from "parameters" alone, beside the parameters.)
double input_gradient(const Stack& stack, const ag::nn::Dataset& data) {
  ag::Tape tape;
  const Tensor x = ag::tensor(std::vector<double>(data.x.data().begin(), data.x.data().end()),
                              data.x.shape(), /*requires_grad=*/true);
  ag::nn::mse_loss(stack.forward(x), data.y).backward();
  double sq = 0.0;
  for (double g : x.grad_data()) sq += g * g;
  return std::sqrt(sq);
}

// Why eps breaks BN((aW)u) = BN(Wu) (section 4): BatchNorm divides by sqrt(var + eps), where var
// is each unit's variance over the batch. With the weights x a, var is a^2 times larger, so eps's
// share of the denominator, eps / (var + eps), is a^2 times smaller: the two stacks' normalized
// outputs differ by about eps / (2 var) at the first scaled layer. This follows that difference
// down the stack (drift: |h_scaled / a - h_drawn| / |h_drawn| for what layer l receives; both
// stacks' input is the same data, and a layer whose weights are x a hands on a times its output
// when the normalization after it absorbs the scale), next to the smallest var it met.
struct EpsTrace {
  std::vector<double> smallest_var;  // per layer: the smallest unit's batch variance, as drawn
  std::vector<double> drift;         // per layer: relative difference, scaled / a vs as drawn
};

EpsTrace eps_trace(const Stack& drawn, const Stack& scaled, double scale, const Tensor& x) {
  ag::NoGradGuard no_grad;
  std::vector<Tensor> a, b;
  drawn.hidden(x, &a);
  scaled.hidden(x, &b);
  EpsTrace out;
  for (size_t l = 0; l < a.size(); ++l) {
    const int64_t batch = a[l].size(0), width = a[l].size(1);
    const auto ha = a[l].data(), hb = b[l].data();  // spans over [batch, width], row-major
    double smallest = INFINITY, diff = 0.0, norm = 0.0;
    for (int64_t j = 0; j < width; ++j) {  // h [batch, width]: unit j is column j
      double mean = 0.0, sq = 0.0;
      for (int64_t i = 0; i < batch; ++i) mean += ha[i * width + j];
      mean /= static_cast<double>(batch);
      for (int64_t i = 0; i < batch; ++i)
        sq += (ha[i * width + j] - mean) * (ha[i * width + j] - mean);
      smallest = std::min(smallest, sq / static_cast<double>(batch));  // BatchNorm's biased var
    }
    // (Layer 1 receives the data itself in both stacks; from layer 2 on, the scaled stack's h is
    // a times the drawn one's, up to what eps changed.)
    const double a_l = l == 0 ? 1.0 : scale;
    for (size_t k = 0; k < ha.size(); ++k) {
      diff += (hb[k] / a_l - ha[k]) * (hb[k] / a_l - ha[k]);
      norm += ha[k] * ha[k];
    }
    out.smallest_var.push_back(smallest);
    out.drift.push_back(std::sqrt(diff / norm));
  }
  return out;
}

// Full-batch Adam for `steps` steps; the training loss before the first step and after the last,
// and before every step in between (the chart of the losses).
struct Trained {
  double start = 0.0, end = 0.0;
  std::vector<double> loss;  // steps + 1 values: start, ..., end
};

Trained train(const Stack& stack, const ag::nn::Dataset& data, int steps, double lr) {
  const std::vector<Tensor> params = stack.parameters();
  ag::nn::Adam adam(params, {.lr = lr});
  Trained r;
  for (int step = 0; step <= steps; ++step) {
    adam.zero_grad();
    ag::Tape tape;  // this step's graph, freed at the end of the iteration
    Tensor loss = ag::nn::mse_loss(stack.forward(data.x), data.y);
    r.loss.push_back(loss.item());
    if (step == 0) r.start = loss.item();
    if (step == steps) {
      r.end = loss.item();  // the loss the last step left: measured, not stepped on
      break;
    }
    ag::BackwardOptions options;
    options.keep_grads = false;  // only the parameters' gradients are needed
    tape.backward(loss, options);
    adam.step();
  }
  return r;
}

// The data: inputs x ~ N(0, 1) [N, width], targets from a random teacher
// y = sum_k v_k tanh(a_k . x / sqrt(width)) with 16 hidden units, standardised to mean 0 and
// variance 1 over the set. Predicting the mean, 0, gives MSE 1 (kMeanMse): a stack that learns
// nothing stays near it.
constexpr double kMeanMse = 1.0;
ag::nn::Dataset teacher_data(int64_t n, int64_t width, ag::Generator& gen) {
  constexpr int64_t kTeacherUnits = 16;
  const Tensor x = ag::normal({n, width}, 0.0, 1.0, gen);
  const Tensor a = ag::normal({width, kTeacherUnits}, 0.0, 1.0 / std::sqrt(width), gen);
  const Tensor v = ag::normal({kTeacherUnits, 1}, 0.0, 1.0, gen);
  ag::NoGradGuard no_grad;
  const Tensor raw = ag::matmul(ag::tanh(ag::matmul(x, a)), v);  // [n, 1]
  std::vector<double> y(raw.data().begin(), raw.data().end());
  double mean = 0.0, sq = 0.0;
  for (double t : y) mean += t;
  mean /= static_cast<double>(n);
  for (double t : y) sq += (t - mean) * (t - mean);
  const double sd = std::sqrt(sq / static_cast<double>(n));
  for (double& t : y) t = (t - mean) / sd;
  return {x, ag::tensor(y, {n, 1})};
}

struct SeedRun {
  uint64_t seed = 0;
  std::vector<AtInit> init;      // per variant
  std::vector<Trained> trained;  // per variant
  // The scale test: |dL/dx| with every weight and bias x kScale (all but the last layer), as a
  // ratio to |dL/dx| with the weights as drawn, for the plain, BatchNorm and LayerNorm stacks
  // with PyTorch's eps (1e-5), and for BatchNorm with eps kTinyEps.
  double scaled_plain = 0.0, scaled_batch = 0.0, scaled_layer = 0.0, scaled_batch_tiny = 0.0;
  EpsTrace eps, eps_tiny;  // the BatchNorm stack's, with PyTorch's eps and with kTinyEps
};

constexpr double kScale = 10.0;
// An eps that leaves BN(aWu) = BN(Wu) exact to rounding, where the variance is not ~0.
constexpr double kTinyEps = 1e-12;

// --quick's stacks (the docs show its pictures): width 16 and 64 samples.
constexpr int64_t kQuickWidth = 16, kQuickSamples = 64;

// The seed of the weights' own stream for a seed: shared by all six stacks, apart from the data's.
uint64_t weight_seed(uint64_t seed) { return seed + 1000; }

// How many layers, from layer 1 up, have an |dL/d output| for which `at` holds: "layers 1 to n"
// sit at one end of the colour scale.
int layers_from_first(const std::vector<double>& flow, auto at) {
  int n = 0;
  while (n < static_cast<int>(flow.size()) && at(flow[static_cast<size_t>(n)])) ++n;
  return n;
}

std::string range_text(const std::vector<double>& v, const char* format) {
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return fmt::format("median {}, {} to {}", fmt::format(fmt::runtime(format), tut::median(v)),
                     fmt::format(fmt::runtime(format), *lo),
                     fmt::format(fmt::runtime(format), *hi));
}

}  // namespace

int main(int argc, char** argv) {
  tut::Tutorial t(
      "13_making_gradients_propagate", "Tutorial 13: making gradients propagate",
      "A deep stack of Linear + ReLU layers (50 by default) with PyTorch's default "
      "initialisation loses its gradient on the way down, as tutorials 05 and 06 measured. Two "
      "ideas made networks of that depth and deeper trainable: identity shortcuts (He et al. "
      "2016) and normalization layers (Ioffe & Szegedy 2015; Ba et al. 2016). The same layers "
      "are built six ways, plain or residual, with no normalization, BatchNorm or LayerNorm, and "
      "each is measured over several seeds: how much gradient reaches layer 1, and whether it "
      "trains.");
  int depth = 50;
  int64_t width = 32, samples = 64;
  int steps = 100;
  double lr = 1e-3;
  t.cli.add_option("--depth", depth, "Linear layers in the stack (even: blocks of two)")
      ->capture_default_str();
  t.cli.add_option("--width", width, "Width of every layer")->capture_default_str();
  t.cli.add_option("--samples", samples, "Training set size (full-batch training)")
      ->capture_default_str();
  t.cli.add_option("--steps", steps, "Adam steps per stack")->capture_default_str();
  t.cli.add_option("--lr", lr, "Adam learning rate")->capture_default_str();
  t.full_mode_seeds(10);
  CLI11_PARSE(t.cli, argc, argv);
  if (t.quick) {
    auto quick = [&](const char* option, auto& value, auto q) {
      if (t.cli.count(option) == 0) value = q;
    };
    quick("--width", width, kQuickWidth);
    quick("--samples", samples, kQuickSamples);
    quick("--steps", steps, 100);
  }
  if (depth < 2 || depth % 2 != 0) {
    fmt::print(stderr, "--depth must be even and at least 2 (blocks of two layers), not {}\n",
               depth);
    return 2;
  }
  t.begin();
  const std::vector<uint64_t> seeds = t.seeds();

  const std::vector<Variant> variants = {
      {"plain", "plain", "plain", false, Norm::none},
      {"residual", "residual", "residual", true, Norm::none},
      {"BatchNorm", "BN", "batchnorm", false, Norm::batch},
      {"LayerNorm", "LN", "layernorm", false, Norm::layer},
      {"residual + BatchNorm", "res+BN", "residual_batchnorm", true, Norm::batch},
      {"residual + LayerNorm", "res+LN", "residual_layernorm", true, Norm::layer},
  };
  constexpr size_t kPlain = 0, kResidual = 1, kBatch = 2, kLayer = 3, kResBatch = 4, kResLayer = 5;

  t.section("1. Measuring");
  t.paragraph(fmt::format(
      "{} layers of width {}, in {} blocks of two; {} training samples from a random teacher "
      "(targets standardised: predicting their mean gives MSE 1); full-batch Adam, lr {}, {} "
      "steps. For each seed: its own data and weights, the same for all six stacks.",
      depth, width, depth / 2, samples, lr, steps));
  std::vector<SeedRun> runs;
  const int64_t total = static_cast<int64_t>(seeds.size() * variants.size());
  for (size_t s = 0; s < seeds.size(); ++s) {
    SeedRun run;
    run.seed = seeds[s];
    ag::Generator data_gen(seeds[s]);
    const ag::nn::Dataset data = teacher_data(samples, width, data_gen);
    for (size_t v = 0; v < variants.size(); ++v) {
      const Variant& variant = variants[v];
      ag::Generator gen(weight_seed(seeds[s]));
      const Stack stack(variant, depth, width, gen);
      run.init.push_back(measure(stack, data, "", ""));  // (the pictures are drawn below)
      run.trained.push_back(train(stack, data, steps, lr));
      t.progress(static_cast<int64_t>(s * variants.size() + v + 1), total,
                 fmt::format("seed {}, {}", seeds[s], variant.name));
    }
    // The scale test (no training): the same weights, every one but the last layer's x kScale.
    auto input_grad = [&](size_t v, double scale, double eps) {
      ag::Generator gen(weight_seed(seeds[s]));
      const Stack stack(variants[v], depth, width, gen, scale, eps);
      return input_gradient(stack, data);
    };
    auto scaled = [&](size_t v, double eps) {
      return input_grad(v, kScale, eps) / input_grad(v, 1.0, eps);
    };
    run.scaled_plain = scaled(kPlain, 1e-5);
    run.scaled_batch = scaled(kBatch, 1e-5);
    run.scaled_layer = scaled(kLayer, 1e-5);
    run.scaled_batch_tiny = scaled(kBatch, kTinyEps);
    auto trace = [&](double eps) {
      ag::Generator drawn_gen(weight_seed(seeds[s])), scaled_gen(weight_seed(seeds[s]));
      const Stack drawn(variants[kBatch], depth, width, drawn_gen, 1.0, eps);
      const Stack scaled_stack(variants[kBatch], depth, width, scaled_gen, kScale, eps);
      return eps_trace(drawn, scaled_stack, kScale, data.x);
    };
    run.eps = trace(1e-5);
    run.eps_tiny = trace(kTinyEps);
    runs.push_back(std::move(run));
  }

  // ---------------------------------------------------------------------------------------------
  t.section("2. The gradient at initialisation");
  t.paragraph(fmt::format(
      "|dL/d output| of every layer (viz::gradient_flow: the norm of the gradient at what the "
      "layer hands on), every 5th layer shown, for seed {}; the last row is layer 1 / layer "
      "{}, the ratio the claims judge.",
      seeds.front(), depth));
  {
    std::string text = fmt::format("  {:>6}", "layer");
    for (const Variant& v : variants) text += fmt::format(" {:>10}", v.short_name);
    text += "\n";
    const SeedRun& r = runs.front();
    for (int l = 0; l < depth; ++l) {
      if (l != 0 && (l + 1) % 5 != 0) continue;
      text += fmt::format("  {:>6}", l + 1);
      for (const AtInit& m : r.init) text += fmt::format(" {:>10.2e}", m.flow[l]);
      text += "\n";
    }
    text += fmt::format("  {:>6}", fmt::format("1/{}", depth));
    for (const AtInit& m : r.init) text += fmt::format(" {:>10.2e}", m.ratio);
    text += "\n";
    t.table("flow", text, tut::Kind::trained);
    fmt::print("\n");
  }
  t.paragraph(fmt::format(
      "Over all {} seeds: layer 1 / layer {}, and, for the forward pass, the mean cosine between "
      "two samples' outputs of layer {} (1: every input leaves the stack pointing the same way):",
      seeds.size(), depth, depth));
  std::vector<std::vector<double>> ratios(variants.size()), ends(variants.size()),
      starts(variants.size()), cosines(variants.size());
  for (const SeedRun& r : runs) {
    for (size_t v = 0; v < variants.size(); ++v) {
      ratios[v].push_back(r.init[v].ratio);
      cosines[v].push_back(r.init[v].cosine);
      starts[v].push_back(r.trained[v].start);
      ends[v].push_back(r.trained[v].end);
    }
  }
  {
    std::string text = fmt::format("  {:<22} {:>32}   {}\n  {:<22} {:>10} {:>10} {:>10}   {}\n", "",
                                   "gradient, layer 1 / layer " + std::to_string(depth), "cosine",
                                   "", "median", "min", "max", "median");
    for (size_t v = 0; v < variants.size(); ++v) {
      const auto [lo, hi] = std::minmax_element(ratios[v].begin(), ratios[v].end());
      text += fmt::format("  {:<22} {:>10.2e} {:>10.2e} {:>10.2e}   {:>6.3f}\n", variants[v].name,
                          tut::median(ratios[v]), *lo, *hi, tut::median(cosines[v]));
    }
    t.table("ratios", text, tut::Kind::trained);
    fmt::print("\n");
    // How far apart the seeds' LayerNorm ratios lie, in decades (the page reads the spread).
    const auto [lo, hi] = std::minmax_element(ratios[kLayer].begin(), ratios[kLayer].end());
    t.value_over_seeds("ratio_layernorm_spread", std::log10(*hi / *lo), "{:.1f}",
                       tut::Kind::trained);
  }

  // ---------------------------------------------------------------------------------------------
  t.section("3. Training");
  t.paragraph(fmt::format(
      "The training loss (MSE) before the first step and after {} steps, median over the seeds, "
      "and in how many seeds it trained: ended at most half its start and at most half of what "
      "predicting the mean scores (MSE {:g}). (A residual stack can start far above {:g}; "
      "shrinking its output to 0 would halve such a start without learning anything.)",
      steps, kMeanMse, kMeanMse));
  // "Trains": the loss ends at or below this bar, half the smaller of the start and the mean's MSE.
  auto bar_of = [](const Trained& tr) { return 0.5 * std::min(tr.start, kMeanMse); };
  auto trains = [&](const Trained& tr) { return tr.end <= bar_of(tr); };
  {
    std::string text = fmt::format("  {:<22} {:>10} {:>10} {:>10}\n", "", "start", "end",
                                   "trains in");
    for (size_t v = 0; v < variants.size(); ++v) {
      size_t k = 0;
      for (const SeedRun& r : runs) k += trains(r.trained[v]) ? 1 : 0;
      text += fmt::format("  {:<22} {:>10.3f} {:>10.3f} {:>10}\n", variants[v].name,
                          tut::median(starts[v]), tut::median(ends[v]),
                          fmt::format("{} of {}", k, runs.size()));
    }
    t.table("training", text, tut::Kind::trained);
    fmt::print("\n");
  }
  {
    // How far the stacks with shortcuts bring their loss down, in decades: the least over the
    // three stacks and the seeds (the training-loss chart shows each stack's band).
    double fall = INFINITY;
    for (const SeedRun& r : runs) {
      for (const size_t v : {kResidual, kResBatch, kResLayer}) {
        fall = std::min(fall, std::log10(r.trained[v].start / r.trained[v].end));
      }
    }
    t.paragraph(fmt::format(
        "The three stacks with shortcuts bring their loss down by at least {} decades over the {} "
        "steps, in every seed and stack.",
        t.value_over_seeds("shortcut_loss_decades", fall, "{:.1f}", tut::Kind::trained), steps));
  }

  // ---------------------------------------------------------------------------------------------
  t.section("4. The scale of the weights");
  {
    std::vector<double> p, b, bt, l;
    for (const SeedRun& r : runs) {
      p.push_back(r.scaled_plain);
      b.push_back(r.scaled_batch);
      bt.push_back(r.scaled_batch_tiny);
      l.push_back(r.scaled_layer);
    }
    t.paragraph(fmt::format(
        "Every weight and bias but the last layer's multiplied by {}: |dL/dx|, the gradient that "
        "crossed all {} layers, as a ratio to the one with the weights as drawn (1: the scale "
        "changed nothing), over the seeds:",
        kScale, depth));
    const std::string text = fmt::format(
        "  plain                     {}\n  LayerNorm, eps 1e-5       {}\n"
        "  BatchNorm, eps 1e-5       {}\n  BatchNorm, eps {:.0e}      {}\n",
        range_text(p, "{:.2e}"), range_text(l, "{:.4f}"), range_text(b, "{:.4f}"), kTinyEps,
        range_text(bt, "{:.4f}"));
    t.table("scale", text, tut::Kind::trained);
    fmt::print("\n");
    // The largest distance from 1 of a ratio, over the seeds: how far the scale moved |dL/dx|.
    auto off_one = [](const std::vector<double>& v) {
      double most = 0.0;
      for (double r : v) most = std::max(most, std::abs(r - 1.0));
      return most;
    };
    t.value_over_seeds("scale_layernorm_off", off_one(l), "{:.1e}", tut::Kind::trained);
    // How many orders of magnitude the scale adds to the plain stack's |dL/dx|: the seeds'
    // smallest and largest ratio, in decades.
    const auto [p_lo, p_hi] = std::minmax_element(p.begin(), p.end());
    t.value_over_seeds("scale_plain_decades_low", std::log10(*p_lo), "{:.0f}", tut::Kind::trained);
    t.value_over_seeds("scale_plain_decades_high", std::log10(*p_hi), "{:.0f}", tut::Kind::trained);
    t.value_over_seeds("scale_batchnorm_tiny_off", off_one(bt), "{:.0e}", tut::Kind::trained);
  }
  {
    // Why eps matters (eps_trace): per layer, over the seeds, the smallest unit's batch variance
    // as drawn, and how far the x10 stack's h (divided by 10) has drifted from the drawn one's.
    t.paragraph(fmt::format(
        "Why eps breaks the invariance. BatchNorm divides by sqrt(var + eps), var being each "
        "unit's variance over the batch; with the weights x{0} var is {1} times larger and eps's "
        "share {1} times smaller, so the two stacks' normalized outputs differ by about "
        "eps / (2 var) at the first scaled layer. Per layer of the BatchNorm stack, over the "
        "seeds: the smallest unit variance as drawn, and the drift, |h_scaled / {0} - h_drawn| / "
        "|h_drawn|, of what the layer receives, with eps 1e-5 and with eps {2:.0e}:",
        kScale, kScale * kScale, kTinyEps));
    auto at_layer = [&](size_t l, auto member) {
      std::vector<double> v;
      for (const SeedRun& r : runs) v.push_back(member(r)[l]);
      return v;
    };
    std::string text = fmt::format("  {:>5}  {:>28}  {:>22}  {:>22}\n", "layer",
                                   "smallest unit var, as drawn", "drift, eps 1e-5",
                                   fmt::format("drift, eps {:.0e}", kTinyEps));
    std::vector<size_t> shown = {1, 2, 3, 5, 10, 20, 30, 40, static_cast<size_t>(depth)};
    shown.erase(std::remove_if(shown.begin(), shown.end(),
                               [&](size_t l) { return l > static_cast<size_t>(depth); }),
                shown.end());
    auto med = [](const std::vector<double>& v) { return tut::median(v); };
    auto low = [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); };
    auto high = [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); };
    for (const size_t l : shown) {
      const auto var = at_layer(l - 1, [](const SeedRun& r) { return r.eps.smallest_var; });
      const auto drift = at_layer(l - 1, [](const SeedRun& r) { return r.eps.drift; });
      const auto tiny = at_layer(l - 1, [](const SeedRun& r) { return r.eps_tiny.drift; });
      text += fmt::format("  {:>5}  {:>28}  {:>22}  {:>22}\n", l,
                          fmt::format("{:.2g} ({:.2g} to {:.2g})", med(var), low(var), high(var)),
                          fmt::format("{:.1e} (max {:.1e})", med(drift), high(drift)),
                          fmt::format("{:.1e} (max {:.1e})", med(tiny), high(tiny)));
    }
    text +=
        "  (median over the seeds, and the smallest to the largest; layer 1 receives the data)\n";
    t.table("eps_trace", text, tut::Kind::trained);
    fmt::print("\n");
    // (Layer 2's normalization is the first to receive the scaled h, so layer 3 is the first
    // whose input eps can have moved: the drift starts there.)
    std::vector<double> all_var, first, last, last_tiny, growth;
    const size_t third = std::min<size_t>(2, static_cast<size_t>(depth) - 1);  // (--depth 2)
    for (const SeedRun& r : runs) {
      all_var.insert(all_var.end(), r.eps.smallest_var.begin() + 1, r.eps.smallest_var.end());
      first.push_back(r.eps.drift[third]);
      last.push_back(r.eps.drift.back());
      last_tiny.push_back(r.eps_tiny.drift.back());
      growth.push_back(r.eps.drift.back() / r.eps.drift[third]);
    }
    t.value_over_seeds("eps_smallest_var", low(all_var), "{:.2g}", tut::Kind::trained);
    t.value_over_seeds("eps_over_var", 1e-5 / low(all_var), "{:.1e}", tut::Kind::trained);
    t.value_over_seeds("eps_drift_layer3", med(first), "{:.1e}", tut::Kind::trained);
    t.value_over_seeds("eps_drift_growth", med(growth), "{:.1e}", tut::Kind::trained);
    t.value_over_seeds("eps_drift_last", med(last), "{:.2g}", tut::Kind::trained);
    t.value_over_seeds("eps_drift_last_max", high(last), "{:.2g}", tut::Kind::trained);
    t.value_over_seeds("eps_tiny_drift_last", high(last_tiny), "{:.1e}", tut::Kind::trained);
  }

  // ---------------------------------------------------------------------------------------------
  // The same numbers as charts, median over the seeds, with the smallest to the largest seed as a
  // band: the gradient per layer at initialisation, and the training loss per step.
  {
    const std::string seed_range = fmt::format("seeds {}-{}", seeds.front(), seeds.back());
    tut::Chart flow{.title = fmt::format("|dL/d output| of each layer at initialisation: median "
                                         "over {} (band: smallest to largest)",
                                         seed_range),
                    .x_label = "layer",
                    .y_label = "|dL/d output| of the layer",
                    .x = tut::steps(static_cast<size_t>(depth), 1.0),
                    .series = {},
                    .log_y = true};
    tut::Chart loss{.title = fmt::format("training loss (MSE) per Adam step: median over {} "
                                         "(band: smallest to largest)",
                                         seed_range),
                    .x_label = "Adam step (full batch)",
                    .y_label = "training loss (MSE)",
                    .x = tut::steps(static_cast<size_t>(steps) + 1),
                    .series = {},
                    .log_y = true};
    for (size_t v = 0; v < variants.size(); ++v) {
      std::vector<std::vector<double>> flows, losses;
      for (const SeedRun& r : runs) {
        flows.push_back(r.init[v].flow);
        losses.push_back(r.trained[v].loss);
      }
      flow.series.push_back(tut::over_seeds(variants[v].name, flows));
      loss.series.push_back(tut::over_seeds(variants[v].name, losses));
    }
    tut::write_chart(flow, t.out_path("charts/grad_per_layer"));
    tut::write_chart(loss, t.out_path("charts/training_loss"));
    // What the captions read off the median lines. The four stacks whose gradient neither
    // vanishes nor explodes: the farthest any layer's median lies from layer depth's, in decades.
    double farthest = 0.0;
    for (const size_t v : {kResidual, kLayer, kResBatch, kResLayer}) {
      const std::vector<double>& line = flow.series[v].y;
      for (double g : line) farthest = std::max(farthest, std::abs(std::log10(g / line.back())));
    }
    t.value_over_seeds("flow_others_decades", farthest, "{:.1f}", tut::Kind::trained);
    // The plain stack's median line against a straight line on the log axis. The definitions:
    // the straight line is the least-squares fit of log10(median) on the layer, over all the
    // layers; its factor per layer is what one layer keeps of the gradient of the layer above
    // (theory: 1/sqrt(6)); the median "falls on a straight line" when every layer's median lies
    // within half a decade of the fitted line. Also: the farthest the median lies from the
    // theory's own line, the one through layer depth's median with 1/sqrt(6) per layer.
    {
      const std::vector<double>& line = flow.series[kPlain].y;
      const size_t n = line.size();
      double mean_x = 0.0, mean_y = 0.0;
      for (size_t i = 0; i < n; ++i) {
        mean_x += static_cast<double>(i) / static_cast<double>(n);
        mean_y += std::log10(line[i]) / static_cast<double>(n);
      }
      double sxy = 0.0, sxx = 0.0;
      for (size_t i = 0; i < n; ++i) {
        const double dx = static_cast<double>(i) - mean_x;
        sxy += dx * (std::log10(line[i]) - mean_y);
        sxx += dx * dx;
      }
      const double slope = sxy / sxx;  // decades per layer, going up the stack
      const double per_layer_theory = std::log10(std::sqrt(6.0));
      double off_fit = 0.0, off_theory = 0.0;
      for (size_t i = 0; i < n; ++i) {
        const double dx = static_cast<double>(i) - mean_x;
        const double up = static_cast<double>(n - 1 - i);  // layers between i and the top
        off_fit = std::max(off_fit, std::abs(std::log10(line[i]) - (mean_y + slope * dx)));
        off_theory = std::max(off_theory, std::abs(std::log10(line[i]) - (std::log10(line.back()) -
                                                                          up * per_layer_theory)));
      }
      // (A sentence with no one number: NaN, so that a fresh run's text is compared instead.)
      t.value_over_seeds("flow_plain_line", NAN,
                         slope > 0 && off_fit <= 0.5
                             ? "falls on a straight line, the same factor per layer"
                         : slope > 0 ? "falls, but not on a straight line"
                                     : "does not fall",
                         tut::Kind::trained);
      t.value_over_seeds("flow_plain_line_off", off_fit, "{:.2f}", tut::Kind::trained);
      t.value_over_seeds("flow_plain_factor", std::pow(10.0, -slope), "{:.3f}", tut::Kind::trained);
      t.value("flow_plain_factor_theory", 1.0 / std::sqrt(6.0), "{:.3f}");
      t.value_over_seeds("flow_plain_theory_off", off_theory, "{:.2f}", tut::Kind::trained);
    }
    // The stacks without shortcuts: the lowest and highest median loss over all the steps, the
    // plain and LayerNorm stacks together, BatchNorm on its own.
    auto loss_range = [&](std::initializer_list<size_t> stacks) {
      double lo = INFINITY, hi = -INFINITY;
      for (const size_t v : stacks) {
        for (double l : loss.series[v].y) lo = std::min(lo, l), hi = std::max(hi, l);
      }
      return std::pair{lo, hi};
    };
    const auto [flat_lo, flat_hi] = loss_range({kPlain, kLayer});
    const auto [batch_lo, batch_hi] = loss_range({kBatch});
    t.value_over_seeds("loss_flat_low", flat_lo, "{:.3f}", tut::Kind::trained);
    t.value_over_seeds("loss_flat_high", flat_hi, "{:.3f}", tut::Kind::trained);
    t.value_over_seeds("loss_batchnorm_low", batch_lo, "{:.3f}", tut::Kind::trained);
    t.value_over_seeds("loss_batchnorm_high", batch_hi, "{:.3f}", tut::Kind::trained);
  }

  // ---------------------------------------------------------------------------------------------
  // The folded pictures: each stack at initialisation, for the first seed. The docs page shows
  // the --quick run's (CTest compares them with the committed ones byte for byte), so every mode
  // draws those stacks, at --quick's width and samples (in --quick, this run's own), and measures
  // what the page reads off them into the results the page is filled from.
  t.section("Pictures");
  const int64_t picture_width = t.quick ? width : kQuickWidth;
  const int64_t picture_samples = t.quick ? samples : kQuickSamples;
  std::vector<std::vector<double>> picture_flow;  // per variant: |dL/d output| of layer 1 .. depth
  {
    ag::Generator data_gen(seeds.front());
    const ag::nn::Dataset data = teacher_data(picture_samples, picture_width, data_gen);
    for (const Variant& v : variants) {
      ag::Generator gen(weight_seed(seeds.front()));
      const Stack stack(v, depth, picture_width, gen);
      const std::string svg = t.out_path(fmt::format("folded_{}.svg", v.file));
      picture_flow.push_back(
          measure(stack, data, svg, fmt::format("{}, {} layers at initialisation", v.name, depth))
              .flow);
      fmt::print("  {}\n", svg);
    }
  }
  fmt::print("  {}\n  {}\n", t.out_path("charts/grad_per_layer.svg"),
             t.out_path("charts/training_loss.svg"));
  fmt::print("\n");
  {
    // On the colour scale every picture shares (viz::Options: 10^log10_min and below is the
    // bottom colour, 10^log10_max and above the top one).
    const ag::viz::Options scale;
    const double bottom = std::pow(10.0, scale.log10_min), top = std::pow(10.0, scale.log10_max);
    const std::vector<double>& layer = picture_flow[kLayer];
    const int dark = layers_from_first(picture_flow[kPlain], [&](double g) { return g < bottom; });
    const int bright = layers_from_first(picture_flow[kBatch], [&](double g) { return g >= top; });
    const double decades = std::log10(layer.back() / layer.front());
    // The three residual stacks: the most decades any one spans, from its smallest layer to its
    // largest (the colour scale spans log10_max - log10_min).
    double residual_span = 0.0;
    for (const size_t v : {kResidual, kResBatch, kResLayer}) {
      const auto [lo, hi] = std::minmax_element(picture_flow[v].begin(), picture_flow[v].end());
      residual_span = std::max(residual_span, std::log10(*hi / *lo));
    }
    t.value("picture_residual_decades", residual_span, "{:.1f}", tut::Kind::trained);
    const std::string dark_text = t.value("picture_plain_bottom_to", dark, "{:.0f}");
    const std::string bright_text = t.value("picture_batchnorm_top_to", bright, "{:.0f}");
    const std::string decades_text = t.value("picture_layernorm_decades", decades, "{:.1f}",
                                             tut::Kind::trained);
    t.paragraph(fmt::format(
        "What the pictures show (seed {}, width {}), on the shared colour scale (1e{:.0f} and "
        "below to 1e{:.0f} and above): the plain stack's layers 1 to {} are below its bottom; the "
        "BatchNorm stack's layers 1 to {} at its top; the LayerNorm stack's |dL/d output| falls "
        "{} decades from layer {} to layer 1.",
        seeds.front(), picture_width, scale.log10_min, scale.log10_max, dark_text, bright_text,
        decades_text, depth));
  }

  // ---------------------------------------------------------------------------------------------
  // The claims. Thresholds fixed before the first run: "the gradient propagates" when layer 1
  // gets between 1/10 and 10 times layer depth's (within one order of magnitude either way);
  // "vanished" below 1e-6; "trains" when the loss after the budget is at most half the start
  // and at most half the MSE of predicting the mean (bar_of: a stack that starts far above that
  // MSE cannot pass by shrinking its output to 0);
  // "unaffected by the scale" when |dL/dx| moves by less than 1%.
  // Each seed's comparisons are decided with the margin of the verdict rule (tutorial.hpp).
  using Comparisons = std::vector<tut::Comparison>;
  auto propagates = [](double ratio) {
    return Comparisons{tut::above(ratio, 0.1), tut::below(ratio, 10.0)};
  };
  auto halves = [&](const Trained& tr) { return tut::below(tr.end, bar_of(tr)); };
  auto does_not_halve = [&](const Trained& tr) { return tut::above(tr.end, bar_of(tr)); };
  auto per_seed = [&](auto comparisons_and_text) {
    std::vector<tut::SeedResult> out;
    for (const SeedRun& r : runs) {
      std::string m;
      const Comparisons comparisons = comparisons_and_text(r, m);
      out.push_back(tut::judged(r.seed, m, comparisons));
    }
    return out;
  };
  auto loss_text = [](const Trained& tr) {
    return fmt::format("{:.3f} -> {:.3f}", tr.start, tr.end);
  };
  for (size_t v = 0; v < variants.size(); ++v) {
    t.value_over_seeds(fmt::format("ratio_{}", variants[v].file), tut::median(ratios[v]), "{:.2g}",
                       tut::Kind::trained);
    t.value_over_seeds(fmt::format("cosine_{}", variants[v].file), tut::median(cosines[v]),
                       "{:.3f}", tut::Kind::trained);
    t.value_over_seeds(fmt::format("end_{}", variants[v].file), tut::median(ends[v]), "{:.3f}",
                       tut::Kind::trained);
  }

  t.claim(fmt::format("Without shortcuts or normalization, PyTorch's default init loses the "
                      "gradient: layer 1 gets less than 1e-6 of layer {}'s (each layer keeps "
                      "about 1/sqrt(6) of it: (1/6)^({}/2) = {:.1e})",
                      depth, depth - 1, std::pow(1.0 / 6.0, (depth - 1) / 2.0)),
          fmt::format("layer 1 / layer {}, plain: {}", depth, range_text(ratios[kPlain], "{:.1e}")),
          per_seed([&](const SeedRun& r, std::string& m) {
            m = fmt::format("plain {:.1e}", r.init[kPlain].ratio);
            return Comparisons{tut::below(r.init[kPlain].ratio, 1e-6)};
          }));
  t.claim(fmt::format("He et al. 2016 (Identity Mappings): with identity shortcuts 'the forward "
                      "and backward signals can be directly propagated from one block to any "
                      "other block': the same layers and weights with shortcuts give layer 1 "
                      "between 1/10 and 10 times layer {}'s gradient",
                      depth),
          fmt::format("layer 1 / layer {}, residual: {}", depth,
                      range_text(ratios[kResidual], "{:.2f}")),
          per_seed([&](const SeedRun& r, std::string& m) {
            m = fmt::format("residual {:.2f}", r.init[kResidual].ratio);
            return propagates(r.init[kResidual].ratio);
          }));
  t.claim(fmt::format("He et al. 2016 (Deep Residual Learning): residual networks 'are easier "
                      "to optimize': in {} steps the residual stack's loss falls to at most half "
                      "of its start and of the MSE of predicting the mean ({:g}), the plain "
                      "stack's does not",
                      steps, kMeanMse),
          "training loss, start -> end: residual / plain",
          per_seed([&](const SeedRun& r, std::string& m) {
            m = fmt::format("residual {}, plain {}", loss_text(r.trained[kResidual]),
                            loss_text(r.trained[kPlain]));
            return Comparisons{halves(r.trained[kResidual]), does_not_halve(r.trained[kPlain])};
          }));
  t.claim(fmt::format("He et al. 2016 (Deep Residual Learning), with BatchNorm in both as in "
                      "their plain and residual nets: the residual stack ends with a lower "
                      "training loss than the plain one after {} steps",
                      steps),
          "training loss after the budget: residual + BatchNorm / BatchNorm",
          per_seed([&](const SeedRun& r, std::string& m) {
            m = fmt::format("{:.4f} / {:.4f}", r.trained[kResBatch].end, r.trained[kBatch].end);
            return Comparisons{tut::below(r.trained[kResBatch].end, r.trained[kBatch].end)};
          }));
  t.claim(
      fmt::format("BatchNorm alone makes the gradient explode in this stack, as Yang et al. 2019 "
                  "predict for deep BatchNorm nets at initialisation: layer 1 gets more than 100 "
                  "times layer {}'s; with shortcuts added it gets between 1/10 and 10 times",
                  depth),
      fmt::format("layer 1 / layer {}: BatchNorm {}; residual + BatchNorm {}", depth,
                  range_text(ratios[kBatch], "{:.1e}"), range_text(ratios[kResBatch], "{:.2f}")),
      per_seed([&](const SeedRun& r, std::string& m) {
        m = fmt::format("BatchNorm {:.1e}, residual + BatchNorm {:.2f}", r.init[kBatch].ratio,
                        r.init[kResBatch].ratio);
        Comparisons c = propagates(r.init[kResBatch].ratio);
        c.push_back(tut::above(r.init[kBatch].ratio, 100.0));
        return c;
      }));
  t.claim(fmt::format("Ioffe & Szegedy 2015 write that BatchNorm lets us 'be less careful about "
                      "initialization'. Not alone at this depth and budget: with the default init "
                      "the {}-layer BatchNorm stack does not bring its loss to half of its start "
                      "and of the mean's MSE ({:g}) in {} steps, while the same stack with "
                      "shortcuts does",
                      depth, kMeanMse, steps),
          "training loss, start -> end: BatchNorm / residual + BatchNorm",
          per_seed([&](const SeedRun& r, std::string& m) {
            m = fmt::format("BatchNorm {}, residual + BatchNorm {}", loss_text(r.trained[kBatch]),
                            loss_text(r.trained[kResBatch]));
            return Comparisons{does_not_halve(r.trained[kBatch]), halves(r.trained[kResBatch])};
          }));
  t.claim(fmt::format("Ioffe & Szegedy 2015, section 3.3: BN((aW)u) = BN(Wu), so the scale of "
                      "the weights does not change the gradient through a normalized layer: with "
                      "every weight x{}, |dL/dx| of the BatchNorm stack moves by less than 1%, "
                      "once eps is too small to matter ({:.0e})",
                      kScale, kTinyEps),
          "|dL/dx| with weights x10 / as drawn: BatchNorm with eps 1e-12, and with PyTorch's "
          "eps 1e-5",
          per_seed([&](const SeedRun& r, std::string& m) {
            m = fmt::format("eps 1e-12: {:.6f}; eps 1e-5: {:.4f}", r.scaled_batch_tiny,
                            r.scaled_batch);
            return Comparisons{tut::below(std::abs(r.scaled_batch_tiny - 1.0), 0.01)};
          }));
  t.claim(fmt::format("Ba et al. 2016, section 5.1: layer normalization is invariant to "
                      "re-scaling the weight matrix: with every weight x{}, |dL/dx| of the "
                      "LayerNorm stack (PyTorch's eps 1e-5) moves by less than 1%",
                      kScale),
          "|dL/dx| with weights x10 / as drawn: LayerNorm",
          per_seed([&](const SeedRun& r, std::string& m) {
            m = fmt::format("LayerNorm {:.6f}", r.scaled_layer);
            return Comparisons{tut::below(std::abs(r.scaled_layer - 1.0), 0.01)};
          }));
  t.claim(fmt::format("Ba et al. 2016 write that 'layer normalization can substantially reduce "
                      "the training time'. Not alone at this depth: the {}-layer LayerNorm stack "
                      "without shortcuts does not bring its loss to half of its start and of the "
                      "mean's MSE ({:g}) in {} steps, its samples leave layer {} pointing the "
                      "same way (mean cosine above 0.9); with shortcuts it does",
                      depth, kMeanMse, steps, depth),
          "training loss, start -> end, and the cosine at init: LayerNorm / residual + LayerNorm",
          per_seed([&](const SeedRun& r, std::string& m) {
            m = fmt::format("LayerNorm {} (cos {:.3f}), residual + LayerNorm {}",
                            loss_text(r.trained[kLayer]), r.init[kLayer].cosine,
                            loss_text(r.trained[kResLayer]));
            return Comparisons{does_not_halve(r.trained[kLayer]),
                               tut::above(r.init[kLayer].cosine, 0.9),
                               halves(r.trained[kResLayer])};
          }));
  return t.finish();
}
