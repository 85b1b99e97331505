// 05_relu_claims — ReLU is fast to compute, avoids vanishing gradients and makes activations
// sparse: measured.
//
// A widely read article on "the role of ReLU in LSTM" repeats (in the related answers on its
// page), about ReLU in general, the three
// reasons textbooks give for it. Each is a claim about numbers, so each is measured here:
//
//   1. fast:        forward + backward CPU time per element of relu, sigmoid and tanh (and
//                   LeakyReLU) on one large tensor, in rounds that interleave them, with the spread
//                   over the rounds; a verdict only where that spread allows one;
//   2. no vanishing gradients: the weight gradient of every layer of a 20-layer MLP, with
//                   sigmoid and tanh (Xavier init) against ReLU and LeakyReLU (He init), and ReLU
//                   with the "wrong" init (Xavier), because the claim turns out to depend on it;
//   3. sparse:      the fraction of hidden activations that are exactly zero.
//
// Parts 2 and 3 depend on the random weights and inputs, so each claim there is judged over seeds
// (each seed draws its own batch and its own weights); part 1 is a timing, shown with its spread
// and never part of the exit code.
//
// What this tutorial leaves out: training (everything is measured at initialisation, where these
// arguments are usually made; tutorial 07 shows what happens to ReLU units during training), the
// speed of a whole network (where the matmuls, not the activations, take the time: part 1 shows
// that too), and GPUs.
#include <autograd/autograd.hpp>
#include <fmt/format.h>
#include <nn/nn.hpp>
#include <viz/viz.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/deep_mlp.hpp"
#include "common/tutorial.hpp"

namespace {

using ag::Tensor;

// ---------------------------------------------------------------------------------------------
// Part 1: time per element, in CPU time of this process (tut::cpu_seconds).

// The smallest, the middle and the largest of a set of measurements.
struct Spread {
  double min = 0.0, median = 0.0, max = 0.0;
};
Spread spread_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v.front(), v[v.size() / 2], v.back()};
}

// One activation, timed once per round: x [n] is a leaf, y = f(x) is recorded (forward), then
// y.backward(ones) runs f's backward rule once (the vector-Jacobian product with a gradient of
// ones). Each is timed on its own, in ns per element.
struct Timed {
  const char* name;
  std::function<Tensor(const Tensor&)> f;
  std::vector<double> forward_ns, backward_ns, total_ns;  // one entry per round
};

void time_once(Timed& a, const Tensor& x, const Tensor& ones) {
  const double n = static_cast<double>(x.numel());
  Tensor leaf = x.detach().requires_grad_();
  ag::Tape tape;
  const double t0 = tut::cpu_seconds();
  Tensor y = a.f(leaf);
  const double t1 = tut::cpu_seconds();
  y.backward(ones);
  const double t2 = tut::cpu_seconds();
  a.forward_ns.push_back(1e9 * (t1 - t0) / n);
  a.backward_ns.push_back(1e9 * (t2 - t1) / n);
  a.total_ns.push_back(1e9 * (t2 - t0) / n);
}

// "saves 12%" or, for a negative saving, "costs 12% more (a slowdown)".
std::string saving_words(double percent) {
  return percent >= 0.0 ? fmt::format("saves {:.0f}%", percent)
                        : fmt::format("costs {:.0f}% more (a slowdown)", -percent);
}

// ---------------------------------------------------------------------------------------------
// Parts 2 and 3: a deep MLP (common/deep_mlp.hpp). Layer l is Linear(width, width) then the
// activation, inside the scope "mlp/layer<l>", so gradient_flow and the folded view give one
// number per layer. A linear read-out (scope "head") maps the last hidden layer to one number;
// the loss is the MSE against random targets. Biases are 0, weights from the init the activation
// calls for.
struct Config {
  std::string name;        // "sigmoid (Xavier)", "relu (He)", ...
  std::string short_name;  // for table columns: "sigmoid X", "relu He", ...
  std::string activation;  // sigmoid, tanh, relu, leaky_relu
  std::string init;        // xavier, he
};

struct DeepResult {
  std::vector<double> z_grad;         // ||dL/dz_l|| at the pre-activation z_l, l = 1..depth
  std::vector<double> weight_grad;    // ||dL/dW_l||
  std::vector<double> zero_fraction;  // fraction of exactly-zero activations, per layer
  // Per layer, the share of units whose activation is 0 for every input of the batch: what the
  // folded view marks in red, "dead N% of units" (viz.hpp: a unit is a column of [batch, width]).
  std::vector<double> dead_fraction;
  double zeros_total = 0.0;  // over every hidden activation
  std::vector<ag::viz::FlowEntry> flow;
};

constexpr double kLeakySlope = 0.01;  // PyTorch's default
// --quick's deep MLP, which draws the pictures docs/ shows (parts 2 and 3).
constexpr int64_t kQuickWidth = 64, kQuickBatch = 64;

DeepResult run_deep(const Config& c, int depth, int64_t width, const Tensor& x,
                    const Tensor& target, uint64_t seed, const std::string& folded_svg,
                    const std::string& flow_svg, const ag::viz::Options& picture) {
  ag::Generator gen(seed);  // the same seed for every config: same draws, different scalings
  // Glorot & Bengio (2010), eq. 16 in its normal form: Var(W) = 2 / (fan_in + fan_out).
  // He et al. (2015), eq. 10: Var(W) = 2 / fan_in, or 2 / ((1 + a^2) fan_in) for slope a.
  const auto layers = tut::deep_linears(depth, width, gen, [&](Tensor& w, ag::Generator& g) {
    if (c.init == "xavier")
      ag::nn::init::xavier_normal(w, g);
    else
      ag::nn::init::kaiming_normal(w, g, c.activation == "leaky_relu" ? kLeakySlope : 0.0);
  });
  ag::nn::Linear head(width, 1, gen);
  head.set_name("head");

  DeepResult result;
  ag::Tape tape;
  auto layer = [&](int l, const Tensor& h) { return (*layers[l - 1])(h); };  // [batch, width]
  auto activation = [&](const Tensor& z) {
    if (c.activation == "sigmoid") return ag::sigmoid(z);
    if (c.activation == "tanh") return ag::tanh(z);
    if (c.activation == "relu") return ag::relu(z);
    return ag::maximum(z, z * kLeakySlope);  // LeakyReLU in its branch-free form, max(z, a z)
  };
  const tut::DeepPass pass = tut::deep_forward("mlp", depth, x, layer, activation);
  const std::vector<Tensor>& pre = pass.pre;
  const std::vector<Tensor>& hidden = pass.hidden;
  Tensor out = ag::reshape(head(pass.out), {x.size(0)});  // [batch]
  Tensor loss = ag::nn::mse_loss(out, target);
  ag::BackwardOptions backward;
  backward.record_edge_grads = true;
  tape.backward(loss, backward);

  auto norm = [](std::span<const double> v) {
    double sq = 0.0;
    for (double g : v) sq += g * g;
    return std::sqrt(sq);
  };
  for (int l = 0; l < depth; ++l) {
    const ag::Tensor dz = pre[l].grad();  // named: data() of a temporary would not compile
    result.z_grad.push_back(norm(dz.data()));
    result.weight_grad.push_back(norm(layers[l]->weight.grad_data()));
    const auto a = hidden[l].data();
    const auto zeros = std::count(a.begin(), a.end(), 0.0);
    result.zero_fraction.push_back(static_cast<double>(zeros) / static_cast<double>(a.size()));
    const size_t units = static_cast<size_t>(width), rows = a.size() / units;
    size_t dead = 0;
    for (size_t u = 0; u < units; ++u) {
      bool off = rows >= 2;  // viz marks no unit dead in a batch of one
      for (size_t r = 0; r < rows && off; ++r) off = a[r * units + u] == 0.0;
      dead += off ? 1 : 0;
    }
    result.dead_fraction.push_back(static_cast<double>(dead) / static_cast<double>(units));
    result.zeros_total += result.zero_fraction.back() / depth;
  }
  result.flow = ag::viz::gradient_flow(tape, /*depth=*/2);
  if (!folded_svg.empty()) {
    ag::viz::render(tape, folded_svg, tut::folded_by_layer(picture));
  }
  if (!flow_svg.empty()) ag::viz::render_flow(result.flow, flow_svg, picture);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  tut::Tutorial t("05_relu_claims",
                  "Tutorial 05: is ReLU fast, free of vanishing gradients, sparse?",
                  "The related answers on the article's page say of ReLU that it is fast to "
                  "compute, that it avoids the vanishing gradient "
                  "problem, and that it makes activations sparse. Each of these is a statement "
                  "about numbers an engine can measure: time per element, the size of the "
                  "gradient layer by layer, and the fraction of activations that are exactly "
                  "zero. Here are the numbers, and a verdict on each sentence.");
  t.full_mode_seeds(10);
  int64_t elements = 1 << 21;
  int rounds = 21;
  int depth = 20;
  int64_t width = 256, batch = 256;
  t.cli.add_option("--elements", elements, "Tensor size for the timing (part 1)")
      ->capture_default_str();
  t.cli.add_option("--rounds", rounds, "Timed rounds (part 1); the spread over them is reported")
      ->capture_default_str();
  t.cli.add_option("--depth", depth, "Hidden layers of the deep MLP (parts 2, 3)")
      ->capture_default_str();
  t.cli.add_option("--width", width, "Width of each hidden layer")->capture_default_str();
  t.cli.add_option("--batch", batch, "Batch of random inputs")->capture_default_str();
  CLI11_PARSE(t.cli, argc, argv);
  if (t.quick) {
    elements = std::min<int64_t>(elements, 1 << 18);
    rounds = std::min(rounds, 11);
    width = std::min<int64_t>(width, kQuickWidth);
    batch = std::min<int64_t>(batch, kQuickBatch);
  }
  t.begin();
  const std::vector<uint64_t> seeds = t.seeds();

  // ---------------------------------------------------------------------------------------------
  t.section("1. Fast? CPU time per element, forward and backward");
  t.paragraph(fmt::format(
      "Each activation runs on a tensor of {} standard-normal numbers: forward records y = f(x), "
      "backward runs f's rule once. Times are CPU time of this process, in {} rounds after one "
      "warm-up; within a round the four activations run one after another, in an order that "
      "rotates from round to round, so that a busy moment on the machine hits all of them. "
      "relu is a comparison; sigmoid and tanh each need exp or tanh, tens of floating-point "
      "operations per element, which the engine computes four or eight numbers at a time "
      "(glibc's vector math library; autograd/src/fast/vector_math.cpp).",
      elements, rounds));
  ag::Generator timing_gen(seeds.front());
  const Tensor x = ag::normal({elements}, 0.0, 1.0, timing_gen);
  // Timed as a user's program runs: with this machine's fastest kernels (OpenBLAS, vector
  // exp/tanh), not the portable ones this tutorial computes its numbers with.
  std::optional<ag::PortableKernelsGuard> fast(std::in_place, false);
  const Tensor ones = ag::ones({elements});
  std::vector<Timed> timed = {
      {"relu", [](const Tensor& v) { return ag::relu(v); }, {}, {}, {}},
      {"leaky_relu", [](const Tensor& v) { return ag::leaky_relu(v, kLeakySlope); }, {}, {}, {}},
      {"sigmoid", [](const Tensor& v) { return ag::sigmoid(v); }, {}, {}, {}},
      {"tanh", [](const Tensor& v) { return ag::tanh(v); }, {}, {}, {}},
  };
  for (Timed& a : timed) {
    time_once(a, x, ones);  // warm-up (page faults, caches): dropped
    a.forward_ns.clear();
    a.backward_ns.clear();
    a.total_ns.clear();
  }
  for (int r = 0; r < rounds; ++r) {
    for (size_t j = 0; j < timed.size(); ++j) time_once(timed[(j + r) % timed.size()], x, ones);
    t.progress(r + 1, rounds, "rounds, per element");
  }
  fast.reset();  // back to the portable kernels for everything that is not a time
  const Timed &relu_t = timed[0], &sigmoid_t = timed[2], &tanh_t = timed[3];
  // Round by round: how much longer sigmoid and tanh took than relu, and whether relu was the
  // fastest of the three, by the timing margin (tut::kTimingMargin: a round whose times differ by
  // less is what the load gave).
  std::vector<double> sigmoid_ratio, tanh_ratio;
  std::vector<tut::SeedResult> relu_fastest;
  for (int r = 0; r < rounds; ++r) {
    sigmoid_ratio.push_back(sigmoid_t.total_ns[r] / relu_t.total_ns[r]);
    tanh_ratio.push_back(tanh_t.total_ns[r] / relu_t.total_ns[r]);
    relu_fastest.push_back(
        tut::timed_round(static_cast<uint64_t>(r + 1),
                         fmt::format("ns per element relu {:.2f}, sigmoid {:.2f}, tanh {:.2f}",
                                     relu_t.total_ns[r], sigmoid_t.total_ns[r], tanh_t.total_ns[r]),
                         {tut::below(relu_t.total_ns[r], sigmoid_t.total_ns[r]),
                          tut::below(relu_t.total_ns[r], tanh_t.total_ns[r])}));
  }
  {
    double slowest = 0.0;
    for (const Timed& a : timed) slowest = std::max(slowest, spread_of(a.total_ns).median);
    std::string table = fmt::format("  {:<11} {:>8} {:>8}   {:>7} {:>7} {:>7}\n", "", "forward",
                                    "backward", "total", "total", "total") +
                        fmt::format("  {:<11} {:>8} {:>8}   {:>7} {:>7} {:>7}\n", "", "median",
                                    "median", "min", "median", "max");
    for (const Timed& a : timed) {
      const Spread total = spread_of(a.total_ns);
      table += fmt::format("  {:<11} {:>8.2f} {:>8.2f}   {:>7.2f} {:>7.2f} {:>7.2f}   {}\n", a.name,
                           spread_of(a.forward_ns).median, spread_of(a.backward_ns).median,
                           total.min, total.median, total.max,
                           tut::bar(total.median / slowest, 30));
    }
    table += "  (ns per element, CPU time, over the rounds)\n";
    fmt::print("\n");
    t.table("timing", table, tut::Kind::timing);
  }
  const Spread sig_r = spread_of(sigmoid_ratio), tanh_r = spread_of(tanh_ratio);

  // For scale: a whole layer, the matmul z = h @ W on a [batch, width] batch and the activation
  // after it, forward and backward (dW = h^T @ grad), against the matmul alone; in rounds too.
  ag::Generator layer_gen(seeds.front() + 1);
  const Tensor h = ag::normal({batch, width}, 0.0, 1.0, layer_gen);
  const Tensor layer_ones = ag::ones({batch, width});
  const std::function<Tensor(const Tensor&)> layer_activation[3] = {
      nullptr, timed[0].f, timed[2].f};  // matmul alone, + relu, + sigmoid
  const char* layer_name[3] = {"matmul alone", "matmul + relu", "matmul + sigmoid"};
  std::vector<double> layer_us[3], layer_saving;
  auto time_layer = [&](const std::function<Tensor(const Tensor&)>& f) {
    Tensor w = ag::normal({width, width}, 0.0, 0.05, layer_gen, true);
    ag::Tape tape;
    const double t0 = tut::cpu_seconds();
    Tensor z = ag::matmul(h, w);  // [batch, width] @ [width, width]
    Tensor out = f ? f(z) : z;
    out.backward(layer_ones);
    return 1e6 * (tut::cpu_seconds() - t0);
  };
  for (const auto& f : layer_activation) time_layer(f);  // warm-up
  for (int r = 0; r < rounds; ++r) {
    double us[3] = {};
    for (int j = 0; j < 3; ++j) {
      const int k = (j + r) % 3;
      us[k] = time_layer(layer_activation[k]);
    }
    for (int k = 0; k < 3; ++k) layer_us[k].push_back(us[k]);
    layer_saving.push_back(100.0 * (1.0 - us[1] / us[2]));  // relu instead of sigmoid
  }
  const Spread saving = spread_of(layer_saving);
  {
    std::string table = fmt::format(
        "  one layer of width {} on a batch of {}, forward + backward, CPU time:\n"
        "  {:<18} {:>9} {:>9} {:>9}\n",
        width, batch, "", "min us", "median", "max");
    for (int k = 0; k < 3; ++k) {
      const Spread s = spread_of(layer_us[k]);
      table += fmt::format("  {:<18} {:>9.1f} {:>9.1f} {:>9.1f}\n", layer_name[k], s.min, s.median,
                           s.max);
    }
    table += fmt::format(
        "  relu instead of sigmoid: per round from {:+.0f}% to {:+.0f}%, median {:+.0f}%\n"
        "  (the share of the layer's time saved; negative: the relu layer took longer)\n",
        saving.min, saving.max, saving.median);
    fmt::print("\n");
    t.table("layer_timing", table, tut::Kind::timing);
    fmt::print("\n");
  }
  t.value("sigmoid_per_relu", sig_r.median, "{:.1f}", tut::Kind::timing);
  t.value("tanh_per_relu", tanh_r.median, "{:.1f}", tut::Kind::timing);
  t.paragraph(fmt::format(
      "Per element, sigmoid took {:.1f}x relu's time (median over the rounds; from {:.1f}x to "
      "{:.1f}x) and tanh {:.1f}x (from {:.1f}x to {:.1f}x). In a whole layer the matmul is there "
      "too: relu instead of sigmoid {} of this layer's CPU time (the median round). These are "
      "timings: they vary between runs, machines and tensor sizes (a tensor larger than the "
      "cache makes every op wait for memory, which narrows the gap). They appear on the page "
      "with their spread, never in a picture, and never decide the exit code.",
      sig_r.median, sig_r.min, sig_r.max, tanh_r.median, tanh_r.min, tanh_r.max,
      saving_words(saving.median)));

  // ---------------------------------------------------------------------------------------------
  t.section(fmt::format("2. No vanishing gradients? A {}-layer MLP, width {}", depth, width));
  t.paragraph(fmt::format(
      "The same random batch goes through five {}-layer MLPs that differ only in their "
      "activation and its initialisation (biases 0); the loss is the MSE of a linear read-out "
      "against random targets. Listed per layer: ||dL/dz||, the gradient that backprop carries "
      "down to the layer's pre-activation z = W h + b, and ||dL/dW||, how much the layer's "
      "weights would learn. Going down, every layer multiplies the gradient by f'(z) and by W^T: "
      "sigmoid' is at most 1/4, so the sigmoid stack shrinks it at every layer; relu' is 0 or 1, "
      "and He's init doubles the weight variance to make up for the zeros (He et al. 2015, "
      "section 2.2). Each seed draws its own batch, targets and weights; the tables show seed "
      "{}, the claims all {} seeds.",
      depth, seeds.front(), seeds.size()));
  const std::vector<Config> configs = {
      {"sigmoid (Xavier)", "sigmoid X", "sigmoid", "xavier"},
      {"tanh (Xavier)", "tanh X", "tanh", "xavier"},
      {"relu (He)", "relu He", "relu", "he"},
      {"leaky 0.01 (He)", "leaky He", "leaky_relu", "he"},
      {"relu (Xavier)", "relu X", "relu", "xavier"},
  };
  constexpr size_t kSigmoid = 0, kTanh = 1, kReluHe = 2, kLeakyHe = 3, kReluXavier = 4;
  // The default colour scale (1e-8 to 1e2), the one every picture shares, so they compare by eye.
  const ag::viz::Options picture;
  std::vector<std::vector<DeepResult>> per_seed;  // [seed][config]
  const int64_t total_runs = static_cast<int64_t>(seeds.size() * configs.size());
  for (size_t si = 0; si < seeds.size(); ++si) {
    ag::Generator gen(seeds[si]);
    const Tensor inputs = ag::normal({batch, width}, 0.0, 1.0, gen);
    const Tensor targets = ag::normal({batch}, 0.0, 1.0, gen);
    std::vector<DeepResult> results;
    for (size_t i = 0; i < configs.size(); ++i) {
      const Config& c = configs[i];
      // Pictures for the first seed only (the docs show those of the --quick run, seed 1).
      const bool first = si == 0;
      const bool flow = first && i != kLeakyHe && i != kReluXavier;
      const bool folded = first && (i == kSigmoid || i == kReluHe);
      ag::viz::Options options = picture;
      options.title = fmt::format("{} layers, {}: |dL/d output| of each layer", depth, c.name);
      results.push_back(
          run_deep(c, depth, width, inputs, targets, seeds[si],
                   folded ? t.out_path(fmt::format("folded_{}.svg", c.activation)) : "",
                   flow ? t.out_path(fmt::format("flow_{}.svg", c.activation)) : "", options));
      t.progress(static_cast<int64_t>(si * configs.size() + i + 1), total_runs,
                 fmt::format("seed {}, {}", seeds[si], c.name));
    }
    per_seed.push_back(std::move(results));
  }
  const std::vector<DeepResult>& results = per_seed.front();
  auto first_over_last = [](const std::vector<double>& v) { return v.front() / v.back(); };

  // Two tables: the back-propagated gradient ||dL/dz_l|| (what Glorot & Bengio 2010 call the
  // gradient with respect to the layer's input s, section 4.2.2), and the weight gradient
  // ||dL/dW_l||.
  auto table = [&](const std::string& key, const char* title, auto get) {
    std::string text = fmt::format("  {}\n  {:>6}", title, "layer");
    for (const Config& c : configs) text += fmt::format(" {:>12}", c.short_name);
    text += "\n";
    for (int l = 0; l < depth; ++l) {
      if (depth > 12 && l >= 3 && l < depth - 3 && l % 4 != 0)
        continue;  // every 4th, in the middle
      text += fmt::format("  {:>6}", l + 1);
      for (const DeepResult& r : results) text += fmt::format(" {:>12.2e}", get(r)[l]);
      text += "\n";
    }
    text += fmt::format("  {:>6}", fmt::format("1/{}", depth));
    for (const DeepResult& r : results) text += fmt::format(" {:>12.2e}", first_over_last(get(r)));
    text += "\n";
    fmt::print("\n");
    t.table(key, text, tut::Kind::trained);
  };
  table("z_grad", "||dL/dz_l||, the back-propagated gradient at layer l's pre-activation",
        [](const DeepResult& r) { return r.z_grad; });
  table("w_grad", "||dL/dW_l||, the gradient of layer l's weights",
        [](const DeepResult& r) { return r.weight_grad; });
  {
    std::string legend =
        "  X: Xavier's init, He: He's init\n\n  |dL/d output| of each layer "
        "(gradient_flow), layer 1 on the left (log scale 1e-8 .. 1e2):\n";
    for (size_t i = 0; i < configs.size(); ++i) {
      // The flow entries are mlp/layer1 ... mlp/layerN, then the head: keep the layers.
      std::vector<ag::viz::FlowEntry> layers_only;
      for (const auto& e : results[i].flow)
        if (e.scope.starts_with("mlp/")) layers_only.push_back(e);
      legend += fmt::format("  {:<17} {}\n", configs[i].name,
                            ag::viz::flow_sparkline(layers_only, picture));
    }
    t.table("sparklines", legend, tut::Kind::trained);
    fmt::print("\n");
  }
  // Seed 1's numbers the prose quotes.
  const double predicted = std::pow(2.0, -(depth - 1) / 2.0);
  double xavier_vs_he = 0.0;  // geometric mean over layers of ||dW_l|| Xavier / ||dW_l|| He
  for (int l = 0; l < depth; ++l) {
    xavier_vs_he += std::log(results[kReluXavier].weight_grad[l] / results[kReluHe].weight_grad[l]);
  }
  xavier_vs_he = std::exp(xavier_vs_he / depth);
  t.value("depth", depth, "{:.0f}");
  t.value("width", static_cast<double>(width), "{:.0f}");
  t.value("sigmoid_orders", -std::log10(first_over_last(results[kSigmoid].z_grad)), "{:.0f}",
          tut::Kind::trained);
  t.value("relu_he_ratio", first_over_last(results[kReluHe].z_grad), "{:.2f}", tut::Kind::trained);
  t.value("tanh_ratio", first_over_last(results[kTanh].z_grad), "{:.2f}", tut::Kind::trained);
  t.value("predicted_xavier", predicted, "{:.1e}");
  t.value("predicted_exponent", (depth - 1) / 2.0, "{:.1f}");
  t.value("relu_xavier_ratio", first_over_last(results[kReluXavier].z_grad), "{:.2e}",
          tut::Kind::trained);
  t.value("relu_xavier_w_ratio", first_over_last(results[kReluXavier].weight_grad), "{:.2f}",
          tut::Kind::trained);
  t.value("xavier_vs_he", 1.0 / xavier_vs_he, "{:.0f}", tut::Kind::trained);
  t.paragraph(fmt::format(
      "Read the last row. With Xavier's init a ReLU layer passes on half the variance, so the "
      "back-propagated gradient shrinks by sqrt(2) per layer: {:.1e} from top to bottom "
      "(predicted 2^-{:.1f} = {:.1e}). Yet its weight gradients stay within a small factor "
      "({:.2f}): dL/dW_l = dL/dz_l^T h_(l-1), and the activations h shrink going up exactly as "
      "fast as dL/dz shrinks going down (Glorot & Bengio 2010 make the same observation for "
      "their linear analysis, section 4.2.2). Level, but all of them small: {:.0f} times smaller "
      "than with He's init (geometric mean over the layers). With He's init both are level.",
      first_over_last(results[kReluXavier].z_grad), (depth - 1) / 2.0, predicted,
      first_over_last(results[kReluXavier].weight_grad), 1.0 / xavier_vs_he));
  fmt::print("  the sigmoid stack, |dL/d output| of each layer (gradient_flow):\n");
  fmt::print("{}\n", ag::viz::flow_bars(results[kSigmoid].flow, picture, 36));
  fmt::print("  the ReLU (He) stack:\n");
  fmt::print("{}\n", ag::viz::flow_bars(results[kReluHe].flow, picture, 36));

  // ---------------------------------------------------------------------------------------------
  t.section("3. Sparse? Exactly-zero activations");
  t.paragraph(
      "A ReLU outputs exactly 0 for every negative input; sigmoid and tanh are 0 only where "
      "doubles round them to it (tanh(0) = 0 only at exactly 0; sigmoid only for inputs hundreds "
      "below 0: sigmoid(-800) is 0.0); LeakyReLU outputs 0.01 z, not 0. At "
      "initialisation about half of the pre-activations are negative, so about half of a ReLU "
      "network's activations are 0 (Glorot, Bordes & Bengio 2011, 'Deep Sparse Rectifier Neural "
      "Networks', section 3.1, note the same ~50%).");
  {
    std::string text;
    for (size_t i = 0; i < configs.size(); ++i) {
      text += fmt::format("  {:<17} {:>6.1f}%  {}\n", configs[i].name, 100 * results[i].zeros_total,
                          tut::bar(results[i].zeros_total, 40));
    }
    const auto [lo, hi] = std::minmax_element(results[kReluHe].zero_fraction.begin(),
                                              results[kReluHe].zero_fraction.end());
    text += fmt::format("\n  relu (He), per layer: from {:.1f}% to {:.1f}% exactly zero\n",
                        100 * *lo, 100 * *hi);
    t.table("sparsity", text, tut::Kind::trained);
    fmt::print("\n");
  }

  // ---------------------------------------------------------------------------------------------
  t.section("Pictures");
  fmt::print("  {}\n  {}\n  {}\n  {}\n  {}\n\n", t.out_path("flow_sigmoid.svg"),
             t.out_path("flow_tanh.svg"), t.out_path("flow_relu.svg"),
             t.out_path("folded_sigmoid.svg"), t.out_path("folded_relu.svg"));
  {
    // What the page reads off the folded pictures. The page shows the --quick run's (CTest
    // compares them with the committed ones byte for byte), so every mode measures the first
    // seed's sigmoid and ReLU (He) stacks at --quick's width and batch (in --quick, this run's
    // own), undrawn, and reads those. The readings, fixed before they were first computed:
    //  * the sigmoid stack: the layers, counted from layer 1, whose |dL/d output| (the box's
    //    fill) is below the colour scale's bottom, 10^log10_min: "layers 1 to N";
    //  * the ReLU stack: the decades its layers span, log10(largest / smallest |dL/d output|);
    //    "nearly one colour" when that is under one decade, a tenth of the scale;
    //  * its dead units (the red "dead N% of units", DeepResult::dead_fraction): the first layer
    //    that has any, how many of the layers from there to the last have some, the largest
    //    share, and the mean share over layers 1 .. depth/2 and over the rest (does it grow as
    //    the stack gets deeper?).
    const int64_t picture_width = t.quick ? width : kQuickWidth;
    const int64_t picture_batch = t.quick ? batch : kQuickBatch;
    DeepResult sigmoid_picture, relu_picture;
    if (t.quick) {
      sigmoid_picture = results[kSigmoid];
      relu_picture = results[kReluHe];
    } else {
      ag::Generator gen(seeds.front());  // the draws the first seed's loop makes, at that size
      const Tensor inputs = ag::normal({picture_batch, picture_width}, 0.0, 1.0, gen);
      const Tensor targets = ag::normal({picture_batch}, 0.0, 1.0, gen);
      sigmoid_picture = run_deep(configs[kSigmoid], depth, picture_width, inputs, targets,
                                 seeds.front(), "", "", picture);
      relu_picture = run_deep(configs[kReluHe], depth, picture_width, inputs, targets,
                              seeds.front(), "", "", picture);
    }
    const std::vector<double> sigmoid_flow = tut::layer_norms(sigmoid_picture.flow, "mlp");
    const std::vector<double> relu_flow = tut::layer_norms(relu_picture.flow, "mlp");
    const double bottom = std::pow(10.0, picture.log10_min);
    int dark = 0;
    while (dark < depth && sigmoid_flow[static_cast<size_t>(dark)] < bottom) ++dark;
    const auto [relu_lo, relu_hi] = std::minmax_element(relu_flow.begin(), relu_flow.end());
    const double relu_span = std::log10(*relu_hi / *relu_lo);
    const std::vector<double>& dead = relu_picture.dead_fraction;
    int first_dead = 0;  // 1-based; 0: no layer has a dead unit
    int dead_layers = 0;
    double most_dead = 0.0, lower_half = 0.0, upper_half = 0.0;
    for (int l = 0; l < depth; ++l) {
      const double d = dead[static_cast<size_t>(l)];
      if (d > 0.0 && first_dead == 0) first_dead = l + 1;
      dead_layers += d > 0.0 ? 1 : 0;
      most_dead = std::max(most_dead, d);
      (2 * l < depth ? lower_half : upper_half) += d;
    }
    lower_half /= (depth + 1) / 2;
    upper_half /= depth / 2;
    const std::string dark_text = t.value("picture_sigmoid_bottom_to", dark, "{:.0f}");
    const std::string span_text = t.value("picture_relu_decades", relu_span, "{:.2f}",
                                          tut::Kind::trained);
    const double scale_decades = picture.log10_max - picture.log10_min;
    t.value("picture_relu_colour", NAN,
            relu_span < 1.0 ? "keeps nearly one colour all the way to layer 1"
                            : "changes colour on its way down to layer 1");
    // Where the dead units are, in words (NaN: the text is compared).
    std::string dead_text;
    if (first_dead == 0) {
      dead_text = "no layer has a dead unit";
    } else {
      const int from_first = depth - first_dead + 1;  // layers first_dead .. depth
      dead_text = first_dead == 1 ? "layer 1 already has some"
                                  : fmt::format("none in layers 1 to {}", first_dead - 1);
      dead_text += fmt::format(
          "; from layer {} on, {} of the {} layers have some, at most {:.0f}% of a layer's units",
          first_dead,
          dead_layers == from_first ? std::string("all") : fmt::format("{}", dead_layers),
          from_first, 100 * most_dead);
    }
    t.value("picture_relu_dead", NAN, dead_text);
    t.value("picture_relu_dead_lower", 100 * lower_half, "{:.0f}%", tut::Kind::trained);
    t.value("picture_relu_dead_upper", 100 * upper_half, "{:.0f}%", tut::Kind::trained);
    t.paragraph(fmt::format(
        "What the folded pictures show (seed {}, width {}, batch {}), on the shared colour scale "
        "(1e{:.0f} and below to 1e{:.0f} and above, {:.0f} decades): the sigmoid stack's layers 1 "
        "to {} are below its bottom; the ReLU (He) stack's layers span {} decades. Its dead units: "
        "{}; on average {:.0f}% of a layer's units in layers 1 to {}, {:.0f}% in layers {} to {}.",
        seeds.front(), picture_width, picture_batch, picture.log10_min, picture.log10_max,
        scale_decades, dark_text, span_text, dead_text, 100 * lower_half, (depth + 1) / 2,
        100 * upper_half, (depth + 1) / 2 + 1, depth));
  }

  // ---------------------------------------------------------------------------------------------
  // The verdicts on the article's sentences (printed by finish()).
  {
    const Spread relu_s = spread_of(relu_t.total_ns), sig_s = spread_of(sigmoid_t.total_ns),
                 tanh_s = spread_of(tanh_t.total_ns);
    t.timing_claim(
        "ReLU is 'fast to compute': relu's forward+backward takes less CPU time per element than "
        "sigmoid's "
        "and tanh's (the project's verdict rule, applied to rounds with a timing margin)",
        fmt::format("median ns per element relu {:.2f}, sigmoid {:.2f}, tanh {:.2f}; per round "
                    "sigmoid/relu {:.1f}x ({:.1f}x-{:.1f}x), tanh/relu {:.1f}x ({:.1f}x-{:.1f}x); "
                    "a whole layer with relu instead of sigmoid {} (median round; from {:+.0f}% "
                    "to {:+.0f}%)",
                    relu_s.median, sig_s.median, tanh_s.median, sig_r.median, sig_r.min, sig_r.max,
                    tanh_r.median, tanh_r.min, tanh_r.max, saving_words(saving.median), saving.min,
                    saving.max),
        relu_fastest);
  }
  std::vector<tut::SeedResult> he_level, xavier_shrinks, sparse;
  Spread sig_over, he_over, xavier_over, zeros_over;
  {
    std::vector<double> sig_all, he_all, xavier_all, zeros_all;
    for (size_t si = 0; si < seeds.size(); ++si) {
      const std::vector<DeepResult>& r = per_seed[si];
      const double sig = first_over_last(r[kSigmoid].z_grad);
      const double tanh_ratio = first_over_last(r[kTanh].z_grad);
      const double he = first_over_last(r[kReluHe].z_grad);
      const double leaky = first_over_last(r[kLeakyHe].z_grad);
      const double xavier = first_over_last(r[kReluXavier].z_grad);
      sig_all.push_back(sig);
      he_all.push_back(he);
      xavier_all.push_back(xavier);
      zeros_all.push_back(r[kReluHe].zeros_total);
      he_level.push_back(tut::judged(
          seeds[si],
          fmt::format("sigmoid {:.1e}, tanh {:.2f}, relu (He) {:.2f}, leaky (He) {:.2f}", sig,
                      tanh_ratio, he, leaky),
          {tut::below(sig, 1e-3), tut::above(he, 0.1), tut::below(he, 10.0)}));
      xavier_shrinks.push_back(
          tut::judged(seeds[si], fmt::format("relu (Xavier) {:.2e}", xavier),
                      {tut::above(xavier, 0.1 * predicted), tut::below(xavier, 10.0 * predicted)}));
      const bool none_elsewhere = r[kSigmoid].zeros_total == 0.0 && r[kTanh].zeros_total == 0.0 &&
                                  r[kLeakyHe].zeros_total == 0.0;
      sparse.push_back(tut::judged(
          seeds[si],
          fmt::format("relu (He) {:.1f}%; sigmoid, tanh, leaky {}", 100 * r[kReluHe].zeros_total,
                      none_elsewhere ? "0%" : "not all 0%"),
          {tut::above(r[kReluHe].zeros_total, 0.4), tut::below(r[kReluHe].zeros_total, 0.6),
           tut::exactly(none_elsewhere)}));
    }
    sig_over = spread_of(sig_all);
    he_over = spread_of(he_all);
    xavier_over = spread_of(xavier_all);
    zeros_over = spread_of(zeros_all);
  }
  t.claim(fmt::format("'Avoids vanishing gradients': over {} layers the back-propagated "
                      "gradient ||dL/dz_1|| / ||dL/dz_{}|| is below 1e-3 (three orders of "
                      "magnitude) with sigmoid (Xavier init), and within a factor 10 of 1 (level) "
                      "with ReLU (He init)",
                      depth, depth),
          fmt::format("over the seeds: sigmoid {:.1e} to {:.1e}, relu (He) {:.2f} to {:.2f}",
                      sig_over.min, sig_over.max, he_over.min, he_over.max),
          he_level);
  t.claim(fmt::format("...not by itself: with Xavier init the ReLU stack's back-propagated "
                      "gradient shrinks by sqrt(2) per layer, 2^-{:.1f} = {:.1e} over {} layers "
                      "(He et al. 2015's variance argument; within a factor 10)",
                      (depth - 1) / 2.0, predicted, depth),
          fmt::format("||dL/dz_1|| / ||dL/dz_{}|| with relu (Xavier): {:.2e} to {:.2e} over the "
                      "seeds",
                      depth, xavier_over.min, xavier_over.max),
          xavier_shrinks);
  t.claim(
      "Sparsity, 'only part of the neurons are active': about half (40-60%, around the 50% a "
      "symmetric "
      "pre-activation gives) of ReLU activations are exactly 0 at init; sigmoid, tanh and "
      "LeakyReLU give no exact zeros",
      fmt::format("relu (He) {:.1f}% to {:.1f}% over the seeds", 100 * zeros_over.min,
                  100 * zeros_over.max),
      sparse);
  return t.finish();
}
