// 06_initialization — Glorot & Bengio (2010) and He et al. (2015): how the first weights decide
// whether the gradient reaches the first layer.
//
// Backprop carries the gradient down one layer at a time:
//     dL/dz_l = (W_(l+1)^T dL/dz_(l+1)) * f'(z_l).
// For random weights of variance Var(W) and fan n, each step multiplies the *variance* of the
// gradient by about n Var(W) E[f'(z)^2] (Glorot & Bengio 2010, §4.2.1, eqs. 2 and 6, with f' ~ 1;
// He et al. 2015, eqs. 13-14). Below 1 it vanishes geometrically with depth, above 1 it
// explodes. The schemes:
//
//   standard    U[-1/sqrt(n), 1/sqrt(n)]: n Var(W) = 1/3      (the "standard" of Glorot's §4.2)
//   normalized  Glorot/Xavier: Var(W) = 2 / (fan_in + fan_out)      (their eq. 16)
//   He          Var(W) = 2 / fan_in, for ReLU, whose E[f'^2] = 1/2  (He et al., eq. 10/14)
//   He, slope a Var(W) = 2 / ((1 + a^2) fan_in), for LeakyReLU, E[f'^2] = (1 + a^2) / 2
//
// Glorot & Bengio derive their scheme "in a linear regime" (f'(z) ~ 1); the tanh part runs it
// there (inputs of standard deviation 0.1) and with unit-variance inputs, where tanh bends.
//
// What is measured: the variance, over a batch of 256 inputs and all units, of the back-propagated
// gradient dL/dz_l at each layer's pre-activation z_l = W_l h_(l-1) + b_l (Glorot & Bengio's
// "back-propagated gradient" dCost/ds of §4.2.2 and Figure 7), the factor each layer applied
// ("step") against n Var(W) E[f'(z_l)^2], and the ratio layer 1 / last layer. The loss is a
// cross-entropy of a linear read-out against random labels; only ratios matter. Every claim is
// judged over seeds: each seed draws its own inputs, labels and weights.
//
// What this tutorial leaves out: training (Glorot & Bengio also follow the gradients during
// training, and measure test error on Shapeset and MNIST), orthogonal init (see nn::init), and
// batch normalisation, which made careful init matter less.
#include <autograd/autograd.hpp>
#include <fmt/format.h>
#include <nn/nn.hpp>
#include <viz/viz.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/chart.hpp"
#include "common/deep_mlp.hpp"
#include "common/tutorial.hpp"

namespace {

using ag::Tensor;

// Variance of every element of a tensor (population variance).
double variance(std::span<const double> v) {
  double mean = 0.0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double sq = 0.0;
  for (double x : v) sq += (x - mean) * (x - mean);
  return sq / static_cast<double>(v.size());
}

struct Net {
  std::string name;                                   // shown in tables and pictures
  std::string file;                                   // picture file stem (empty: not drawn)
  std::string activation;                             // tanh, relu, leaky
  std::function<void(Tensor&, ag::Generator&)> init;  // fills a weight [out, in]
  double n_var_w = 0.0;                               // n Var(W) of the scheme, for a square layer
  double predicted = 0.0;    // the ratio layer 1 / last the variance argument predicts
  double input_scale = 1.0;  // the inputs' standard deviation
};

struct Measured {
  std::vector<double> grad_var;  // Var(dL/dz_l), l = 1..depth
  std::vector<double> slope_sq;  // E[f'(z_l)^2], the activation's share of each step
  double ratio = 0.0;            // layer 1 / layer depth
  // The step Var(dL/dz_l) / Var(dL/dz_(l+1)) against n Var(W) E[f'(z_l)^2], l = 1..depth-1:
  // the largest |step / formula - 1|.
  double worst_step_error = 0.0;
  // The product of the measured E[f'(z_l)^2] over the steps: what the activation took.
  double slope_product = 1.0;
  // |dL/d output| of layer 1 .. depth (gradient_flow): the squares of the gradient-flow strip.
  std::vector<double> flow;
};

constexpr double kSlope = 0.3;       // Keras's LeakyReLU default, where the gain matters most
constexpr int64_t kQuickBatch = 64;  // --quick's batch, which draws the strips docs/ shows

// Builds the MLP (common/deep_mlp.hpp: depth layers of width, then a read-out to 10 classes),
// runs one batch forward and backward, and returns the gradient variance at every layer. Layer l
// runs in the scope "mlp/layer<l>", so the gradient-flow strip has one square per layer; it is
// drawn when flow_svg is not empty.
Measured measure(const Net& net, int depth, int64_t width, const Tensor& x,
                 const std::vector<int64_t>& labels, uint64_t seed, const std::string& flow_svg) {
  ag::Generator gen(seed);  // the same seed for every net: the same draws, differently scaled
  const auto layers = tut::deep_linears(depth, width, gen, net.init);
  ag::nn::Linear head(width, 10, gen);
  head.set_name("head");
  net.init(head.weight, gen);
  ag::nn::init::zeros(head.bias);

  ag::Tape tape;
  auto layer = [&](int l, const Tensor& h) { return (*layers[l - 1])(h); };  // [batch, width]
  auto activation = [&](const Tensor& z) {
    if (net.activation == "tanh") return ag::tanh(z);
    if (net.activation == "relu") return ag::relu(z);
    return ag::leaky_relu(z, kSlope);
  };
  const tut::DeepPass pass = tut::deep_forward("mlp", depth, x, layer, activation);
  const std::vector<Tensor>& pre = pass.pre;
  Tensor logits = head(pass.out);                       // [batch, 10]
  Tensor loss = ag::nn::cross_entropy(logits, labels);  // against random classes
  ag::BackwardOptions options;
  options.record_edge_grads = true;
  tape.backward(loss, options);

  Measured m;
  for (const Tensor& z : pre) {
    const Tensor dz = z.grad();  // named: a view (data()) of a temporary would not compile
    m.grad_var.push_back(variance(dz.data()));
    double sum = 0.0;
    for (double v : z.data()) {
      const double d = net.activation == "tanh"   ? 1.0 - std::tanh(v) * std::tanh(v)
                       : v > 0.0                  ? 1.0
                       : net.activation == "relu" ? 0.0
                                                  : kSlope;
      sum += d * d;
    }
    m.slope_sq.push_back(sum / static_cast<double>(z.numel()));
  }
  m.ratio = m.grad_var.front() / m.grad_var.back();
  for (int l = 0; l + 1 < depth; ++l) {
    const double step = m.grad_var[l] / m.grad_var[l + 1];
    const double formula = net.n_var_w * m.slope_sq[l];
    m.worst_step_error = std::max(m.worst_step_error, std::abs(step / formula - 1.0));
    m.slope_product *= m.slope_sq[l];
  }
  const std::vector<ag::viz::FlowEntry> flow = ag::viz::gradient_flow(tape, 2);
  m.flow = tut::layer_norms(flow, "mlp");
  if (!flow_svg.empty()) {
    // The strip: one square per layer, on the project's default colour scale.
    ag::viz::Options picture;
    picture.title = fmt::format("{} layers, {}", depth, net.name);
    ag::viz::render_flow(flow, flow_svg, picture);
  }
  return m;
}

// One row per layer: the variance, a bar whose length is log10 of it on a fixed scale, and the
// factor one layer applied next to what n Var(W) E[f'^2] says it should be.
std::string variance_table(const std::vector<Net>& nets, const std::vector<Measured>& results) {
  constexpr double kLo = -20.0, kHi = -4.0;  // log10 range of the bars
  constexpr int kBar = 30;                   // characters
  const size_t depth = results[0].grad_var.size();
  std::string out;
  for (size_t n = 0; n < nets.size(); ++n) {
    if (n > 0) out += "\n";
    out += fmt::format("  {}   (n Var(W) = {:.3g})\n", nets[n].name, nets[n].n_var_w);
    for (size_t l = 0; l < depth; ++l) {
      if (depth > 10 && l > 1 && l + 2 < depth && l % 5 != 4) continue;  // every 5th of a deep net
      const double v = results[n].grad_var[l];
      const double frac = std::clamp((std::log10(v) - kLo) / (kHi - kLo), 0.0, 1.0);
      const std::string bar = tut::bar(frac, kBar);
      // (fmt pads by code points, and each block is one: the bars line up.)
      const std::string step = l + 1 < depth
                                   ? fmt::format("step {:.3f}  E[f'^2] {:.3f}  formula {:.3f}",
                                                 v / results[n].grad_var[l + 1],
                                                 results[n].slope_sq[l],
                                                 nets[n].n_var_w * results[n].slope_sq[l])
                                   : "";
      std::string row = fmt::format("    layer {:>2}  {:>8.2e}  {:<{}}  {}", l + 1, v, bar, kBar,
                                    step);
      row.erase(row.find_last_not_of(' ') + 1);  // (the last layer has no step)
      out += row + "\n";
    }
    // The formula step by step, with the E[f'^2] measured at each layer instead of its mean.
    const double with_slopes = std::pow(nets[n].n_var_w, static_cast<double>(depth - 1)) *
                               results[n].slope_product;
    out += fmt::format(
        "    ratio layer 1 / layer {}: {:.3g}   predicted {:.3g}; with the measured "
        "E[f'^2]: {:.3g}\n",
        depth, results[n].ratio, nets[n].predicted, with_slopes);
  }
  return out;
}

// The same variances as a chart, a line per net against the layer, on a log axis: where a table
// shows every 5th layer, the chart shows every layer.
void variance_chart(const std::vector<Net>& nets, const std::vector<Measured>& results,
                    const std::string& title, const std::string& stem) {
  tut::Chart chart{.title = title,
                   .x_label = "layer l",
                   .y_label = "Var(dL/dz_l)",
                   .x = tut::steps(results[0].grad_var.size(), 1.0),
                   .series = {},
                   .log_y = true};
  for (size_t n = 0; n < nets.size(); ++n) {
    chart.series.push_back({nets[n].name, results[n].grad_var});
  }
  tut::write_chart(chart, stem);
}

// The inputs scaled to standard deviation `scale` (a new leaf: no op is recorded).
Tensor scaled(const Tensor& x, double scale) {
  std::vector<double> v(x.data().begin(), x.data().end());
  for (double& e : v) e *= scale;
  return ag::tensor(v, x.shape());
}

}  // namespace

int main(int argc, char** argv) {
  tut::Tutorial t("06_initialization",
                  "Tutorial 06: initialisation, Glorot & Bengio 2010 and He et al. 2015",
                  "Before any training, the size of the first weights decides whether the gradient "
                  "reaches the first layers at all. Each layer multiplies the variance of the "
                  "back-propagated gradient by n Var(W) E[f'(z)^2]; the initialisation schemes of "
                  "Glorot & Bengio (tanh) and He et al. (ReLU) choose Var(W) to make that factor "
                  "1. Here are the measured factors, layer by layer, over several seeds (each "
                  "seed draws its own inputs, labels and weights).");
  int64_t width = 256, batch = 256;
  int tanh_depth = 5, relu_depth = 30;
  t.cli.add_option("--width", width, "Width of every hidden layer")->capture_default_str();
  t.cli.add_option("--batch", batch, "Random inputs per measurement")->capture_default_str();
  t.cli.add_option("--tanh-depth", tanh_depth, "Layers of the tanh MLP")->capture_default_str();
  t.cli.add_option("--relu-depth", relu_depth, "Layers of the ReLU and LeakyReLU MLPs")
      ->capture_default_str();
  t.full_mode_seeds(10);
  CLI11_PARSE(t.cli, argc, argv);
  if (t.quick) batch = std::min<int64_t>(batch, kQuickBatch);
  t.begin();
  const std::vector<uint64_t> seeds = t.seeds();

  const double small = 0.1;  // the inputs' standard deviation in Glorot & Bengio's linear regime
  const std::vector<Net> tanh_nets = {
      {"tanh, standard U[+-1/sqrt(n)]", "tanh_standard", "tanh",
       [](Tensor& w, ag::Generator& g) { ag::nn::init::default_uniform(w, w.size(1), g); },
       1.0 / 3.0, std::pow(1.0 / 3.0, tanh_depth - 1)},
      {"tanh, normalized (Xavier)", "tanh_normalized", "tanh",
       [](Tensor& w, ag::Generator& g) { ag::nn::init::xavier_uniform(w, g); }, 1.0, 1.0},
      {fmt::format("tanh, standard, inputs of std {}", small), "", "tanh",
       [](Tensor& w, ag::Generator& g) { ag::nn::init::default_uniform(w, w.size(1), g); },
       1.0 / 3.0, std::pow(1.0 / 3.0, tanh_depth - 1), small},
      {fmt::format("tanh, normalized, inputs of std {}", small), "", "tanh",
       [](Tensor& w, ag::Generator& g) { ag::nn::init::xavier_uniform(w, g); }, 1.0, 1.0, small},
  };
  const std::vector<Net> relu_nets = {
      {"relu, Xavier", "relu_xavier", "relu",
       [](Tensor& w, ag::Generator& g) { ag::nn::init::xavier_normal(w, g); }, 1.0,
       std::pow(0.5, relu_depth - 1)},
      {"relu, He", "relu_he", "relu",
       [](Tensor& w, ag::Generator& g) { ag::nn::init::kaiming_normal(w, g, 0.0); }, 2.0, 1.0},
      {fmt::format("leaky {}, He without the gain (2/n)", kSlope), "leaky_no_gain", "leaky",
       [](Tensor& w, ag::Generator& g) { ag::nn::init::kaiming_normal(w, g, 0.0); }, 2.0,
       std::pow(1 + kSlope * kSlope, relu_depth - 1)},
      {fmt::format("leaky {}, He with gain 2/(1+a^2)", kSlope), "leaky_gain", "leaky",
       [](Tensor& w, ag::Generator& g) { ag::nn::init::kaiming_normal(w, g, kSlope); },
       2.0 / (1 + kSlope * kSlope), 1.0},
  };

  // Every net, for every seed. Each seed draws its own inputs of unit variance and labels uniform
  // over 10 classes (only the gradient's size matters), and its own weights. The pictures are
  // drawn for the first seed only.
  std::vector<std::vector<Measured>> tanh_runs, relu_runs;  // [seed][net]
  t.section("Measuring");
  for (size_t s = 0; s < seeds.size(); ++s) {
    ag::Generator gen(seeds[s]);
    const Tensor x = ag::normal({batch, width}, 0.0, 1.0, gen);
    std::vector<int64_t> labels;
    for (int64_t i = 0; i < batch; ++i) labels.push_back(gen.randint(10));
    auto run = [&](const std::vector<Net>& nets, int depth) {
      std::vector<Measured> out;
      for (const Net& net : nets) {
        const std::string svg = s == 0 && !net.file.empty()
                                    ? t.out_path(fmt::format("flow_{}.svg", net.file))
                                    : "";
        const Tensor input = net.input_scale == 1.0 ? x : scaled(x, net.input_scale);
        out.push_back(measure(net, depth, width, input, labels, seeds[s], svg));
      }
      return out;
    };
    tanh_runs.push_back(run(tanh_nets, tanh_depth));
    relu_runs.push_back(run(relu_nets, relu_depth));
    t.progress(static_cast<int64_t>(s + 1), static_cast<int64_t>(seeds.size()),
               fmt::format("seed {}", seeds[s]));
  }

  // ---------------------------------------------------------------------------------------------
  t.section(fmt::format("1. A {}-layer tanh MLP, width {}: standard vs normalized init", tanh_depth,
                        width));
  t.paragraph(fmt::format(
      "Glorot & Bengio's 'standard' init, U[-1/sqrt(n), 1/sqrt(n)] (PyTorch's default for Linear "
      "to this day), has variance 1/(3n): each layer multiplies the gradient variance by 1/3 "
      "times E[tanh'^2], so in their linear regime (tanh' ~ 1) layer 1 of {} gets (1/3)^{} = "
      "{:.3f} of layer {}'s. Their normalized init, Var(W) = 2/(fan_in + fan_out) = 1/n for square "
      "layers, leaves only E[tanh'^2]: a ratio of 1 in the linear regime. Below, both with inputs "
      "of standard deviation {} (the linear regime) and 1 (where tanh bends). 'formula' is "
      "n Var(W) E[f'^2] with the E[f'^2] measured at that layer; seed {}:",
      tanh_depth, tanh_depth - 1, std::pow(1.0 / 3.0, tanh_depth - 1), tanh_depth, small,
      seeds[0]));
  t.table("tanh", variance_table(tanh_nets, tanh_runs[0]), tut::Kind::trained);
  variance_chart(tanh_nets, tanh_runs[0],
                 fmt::format("{}-layer tanh MLP: gradient variance per layer, seed {}", tanh_depth,
                             seeds[0]),
                 t.out_path("charts/variance_tanh"));
  fmt::print("\n");
  const Measured& std1 = tanh_runs[0][0];
  const Measured& norm1 = tanh_runs[0][1];
  t.value("tanh_std_slope1", std1.slope_sq[0], "{:.3f}", tut::Kind::trained);
  t.value("tanh_std_formula1", std1.slope_sq[0] / 3.0, "{:.3f}", tut::Kind::trained);
  t.value("tanh_std_step1", std1.grad_var[0] / std1.grad_var[1], "{:.3f}", tut::Kind::trained);
  t.value("tanh_norm_slope1", norm1.slope_sq[0], "{:.2f}", tut::Kind::trained);

  // ---------------------------------------------------------------------------------------------
  t.section(
      fmt::format("2. A {}-layer ReLU MLP: Xavier vs He; LeakyReLU {} with and without "
                  "the gain",
                  relu_depth, kSlope));
  t.paragraph(fmt::format(
      "A ReLU passes back the gradient of half its units, so E[relu'^2] = 1/2. With Xavier's "
      "Var(W) = 1/n each layer halves the gradient variance: 2^-{} = {:.2g} over {} layers. He et "
      "al. double Var(W) to 2/n, and the factor is 1. A LeakyReLU of slope a passes a^2 of the "
      "gradient variance of its negative half: E[f'^2] = (1 + a^2)/2, so He's gain for it is "
      "2/(1 + a^2). Keep the ReLU gain 2 instead and each layer multiplies the variance by "
      "1 + a^2 = {:.2f}: {:.3g} over {} layers. Every 5th layer shown; seed {}:",
      relu_depth - 1, std::pow(0.5, relu_depth - 1), relu_depth, 1 + kSlope * kSlope,
      std::pow(1 + kSlope * kSlope, relu_depth - 1), relu_depth, seeds[0]));
  t.table("relu", variance_table(relu_nets, relu_runs[0]), tut::Kind::trained);
  variance_chart(relu_nets, relu_runs[0],
                 fmt::format("{}-layer ReLU and LeakyReLU MLPs: gradient variance per layer, "
                             "seed {}",
                             relu_depth, seeds[0]),
                 t.out_path("charts/variance_relu"));
  fmt::print("\n  the gradient-flow strips of seed {}, one square per layer: {}/flow_*.svg\n",
             seeds[0], t.out_dir);
  fmt::print("  every layer's variance as a chart: {}/charts/variance_*.svg\n\n", t.out_dir);
  {
    // What the page reads off the strips. The page shows the --quick run's (CTest compares them
    // with the committed ones byte for byte), so every mode measures the first seed's drawn nets
    // at --quick's batch (in --quick, this run's own), undrawn, and reads those. The readings,
    // fixed before they were first computed, on |dL/d output| of each layer (a strip's squares):
    //  * a strip's fall, in decades: log10 of its last layer's square over layer 1's (positive:
    //    it falls towards the input; negative: it rises);
    //  * beside it, the square root of the same run's variance ratio layer 1 / last layer, in
    //    decades, -log10(ratio) / 2: what the page says the fall is "about";
    //  * "steeply with the standard init, gently with the normalized one": the standard init's
    //    tanh strip falls by more decades than the normalized one's;
    //  * "with He it stays level": no layer's square lies more than half a decade (a factor
    //    sqrt(10), the tolerance the claims give a ratio over many layers) from the last layer's;
    //  * "LeakyReLU without its gain rises towards the input": its fall is negative.
    std::vector<Measured> tanh_picture, relu_picture;
    if (t.quick) {
      tanh_picture = tanh_runs[0];
      relu_picture = relu_runs[0];
    } else {
      ag::Generator gen(seeds[0]);  // the draws the first seed's loop makes, at --quick's batch
      const Tensor x = ag::normal({kQuickBatch, width}, 0.0, 1.0, gen);
      std::vector<int64_t> labels;
      for (int64_t i = 0; i < kQuickBatch; ++i) labels.push_back(gen.randint(10));
      for (const Net& net : tanh_nets) {
        const Tensor input = net.input_scale == 1.0 ? x : scaled(x, net.input_scale);
        tanh_picture.push_back(measure(net, tanh_depth, width, input, labels, seeds[0], ""));
      }
      for (const Net& net : relu_nets) {
        relu_picture.push_back(measure(net, relu_depth, width, x, labels, seeds[0], ""));
      }
    }
    auto fall = [](const Measured& m) { return std::log10(m.flow.back() / m.flow.front()); };
    auto sqrt_ratio = [](const Measured& m) { return -std::log10(m.ratio) / 2.0; };
    const double std_fall = fall(tanh_picture[0]), norm_fall = fall(tanh_picture[1]);
    t.value("picture_tanh_std_fall", std_fall, "{:.2f}", tut::Kind::trained);
    t.value("picture_tanh_std_sqrt", sqrt_ratio(tanh_picture[0]), "{:.2f}", tut::Kind::trained);
    t.value("picture_tanh_norm_fall", norm_fall, "{:.2f}", tut::Kind::trained);
    t.value("picture_tanh_norm_sqrt", sqrt_ratio(tanh_picture[1]), "{:.2f}", tut::Kind::trained);
    const std::string tanh_words =
        std_fall > norm_fall
            ? "more steeply with the standard init than with the normalized one"
            : "no more steeply with the standard init than with the normalized one";
    t.value("picture_tanh_steeper", NAN, tanh_words);
    t.value("picture_relu_xavier_fall", fall(relu_picture[0]), "{:.1f}", tut::Kind::trained);
    t.value("picture_relu_xavier_sqrt", sqrt_ratio(relu_picture[0]), "{:.1f}", tut::Kind::trained);
    const std::vector<double>& he_flow = relu_picture[1].flow;
    double farthest = 0.0;
    for (double g : he_flow)
      farthest = std::max(farthest, std::abs(std::log10(g / he_flow.back())));
    t.value("picture_relu_he_farthest", farthest, "{:.2f}", tut::Kind::trained);
    const std::string he_words = farthest < 0.5 ? "stays level" : "does not stay level";
    t.value("picture_relu_he_level", NAN, he_words);
    const double leaky_fall = fall(relu_picture[2]);
    const std::string leaky_words = leaky_fall < 0.0   ? "rises towards the input"
                                    : leaky_fall > 0.0 ? "falls towards the input"
                                                       : "ends where it starts";
    t.value("picture_leaky_direction", NAN, leaky_words);
    t.value("picture_leaky_change", std::abs(leaky_fall), "{:.2f}", tut::Kind::trained);
    t.value("picture_leaky_sqrt", -sqrt_ratio(relu_picture[2]), "{:.2f}", tut::Kind::trained);
    t.paragraph(fmt::format(
        "What the strips show (seed {}, batch {}), |dL/d output| from the last layer to layer 1, "
        "in decades, next to half the decades of the same run's variance ratio: the tanh strips "
        "fall {} ({:.2f} against {:.2f} with the standard init, {:.2f} against {:.2f} with the "
        "normalized one); with Xavier the ReLU strip falls {:.1f} ({:.1f}); with He it {} (no "
        "layer more than {:.2f} decades from layer {}'s); LeakyReLU {} without its gain {} by "
        "{:.2f} ({:.2f}).",
        seeds[0], t.quick ? batch : kQuickBatch, tanh_words, std_fall, sqrt_ratio(tanh_picture[0]),
        norm_fall, sqrt_ratio(tanh_picture[1]), fall(relu_picture[0]), sqrt_ratio(relu_picture[0]),
        he_words, farthest, relu_depth, kSlope, leaky_words, std::abs(leaky_fall),
        -sqrt_ratio(relu_picture[2])));
  }

  // ---------------------------------------------------------------------------------------------
  t.section("3. Over all seeds");
  std::string spread = fmt::format("  {:<40} {:>9}  {:>9} {:>9} {:>9}  {:>6}\n",
                                   "ratio layer 1 / last layer", "predicted", "min", "median",
                                   "max", "step");
  auto spread_rows = [&](const std::vector<Net>& nets,
                         const std::vector<std::vector<Measured>>& runs) {
    for (size_t n = 0; n < nets.size(); ++n) {
      std::vector<double> ratios;
      double worst = 0.0;
      for (const auto& run : runs) {
        ratios.push_back(run[n].ratio);
        worst = std::max(worst, run[n].worst_step_error);
      }
      spread += fmt::format("  {:<40} {:>9.3g}  {:>9.3g} {:>9.3g} {:>9.3g}  {:>5.1f}%\n",
                            nets[n].name, nets[n].predicted,
                            *std::min_element(ratios.begin(), ratios.end()), tut::median(ratios),
                            *std::max_element(ratios.begin(), ratios.end()), 100 * worst);
    }
  };
  spread_rows(tanh_nets, tanh_runs);
  spread_rows(relu_nets, relu_runs);
  t.paragraph(fmt::format(
      "The ratio of every net over seeds {}-{}, and in the last column the largest deviation of "
      "any one layer's step from n Var(W) E[f'^2] over all those seeds:",
      seeds.front(), seeds.back()));
  t.table("spread", spread, tut::Kind::trained);
  fmt::print("\n");

  // ---------------------------------------------------------------------------------------------
  // The claims. Tolerances, stated once: a step is "the formula" when within 10% of it (its first
  // digit, and most of its second); a ratio over many layers is "the prediction" when within a
  // factor sqrt(10), half a decade: the prediction takes E[f'^2] to be exactly its mean (1 in the
  // linear regime, 1/2 for ReLU), while the measured share drifts by a few % from layer to layer
  // (the E[f'^2] column), and 29 such drifts compound (1.04^29 = 3.1).
  const double kStepTolerance = 0.10, kRatioFactor = std::sqrt(10.0);
  auto near = [&](double measured, double predicted) {
    return std::vector<tut::Comparison>{tut::above(measured, predicted / kRatioFactor),
                                        tut::below(measured, predicted * kRatioFactor)};
  };
  auto both = [](std::vector<tut::Comparison> a, const std::vector<tut::Comparison>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  std::vector<tut::SeedResult> tanh_steps, linear, contrast, relu_steps, he, leaky;
  std::vector<double> contrasts;
  for (size_t s = 0; s < seeds.size(); ++s) {
    const auto& tr = tanh_runs[s];
    const auto& rr = relu_runs[s];
    double worst = 0.0;
    for (const Measured& m : tr) worst = std::max(worst, m.worst_step_error);
    tanh_steps.push_back(
        tut::judged(seeds[s], fmt::format("largest |step / formula - 1| {:.1f}%", 100 * worst),
                    {tut::below(worst, kStepTolerance)}));
    linear.push_back(tut::judged(
        seeds[s], fmt::format("standard {:.4f}, normalized {:.3f}", tr[2].ratio, tr[3].ratio),
        both(near(tr[2].ratio, tanh_nets[2].predicted),
             near(tr[3].ratio, tanh_nets[3].predicted))));
    const double c = tr[1].ratio / tr[0].ratio;
    contrasts.push_back(c);
    contrast.push_back(tut::judged(seeds[s],
                                   fmt::format("normalized {:.3f} / standard {:.4f} = {:.1f}x",
                                               tr[1].ratio, tr[0].ratio, c),
                                   {tut::above(c, 10.0)}));
    worst = 0.0;
    for (const Measured& m : rr) worst = std::max(worst, m.worst_step_error);
    relu_steps.push_back(
        tut::judged(seeds[s], fmt::format("largest |step / formula - 1| {:.1f}%", 100 * worst),
                    {tut::below(worst, kStepTolerance)}));
    he.push_back(
        tut::judged(seeds[s], fmt::format("Xavier {:.2e}, He {:.3f}", rr[0].ratio, rr[1].ratio),
                    both(near(rr[0].ratio, relu_nets[0].predicted), near(rr[1].ratio, 1.0))));
    leaky.push_back(tut::judged(
        seeds[s], fmt::format("without the gain {:.3g}, with it {:.3f}", rr[2].ratio, rr[3].ratio),
        both(near(rr[2].ratio, relu_nets[2].predicted), near(rr[3].ratio, 1.0))));
  }
  t.value_over_seeds("contrast_median", tut::median(contrasts), "{:.0f}", tut::Kind::trained);
  t.value("relu_xavier_predicted", relu_nets[0].predicted, "{:.2g}");
  t.value("leaky_no_gain_predicted", relu_nets[2].predicted, "{:.3g}");
  std::vector<double> norm_ratios, norm_slopes;
  for (const auto& tr : tanh_runs) {
    norm_ratios.push_back(tr[1].ratio);
    norm_slopes.push_back(tr[1].slope_product);
  }
  double tanh_worst = 0.0, relu_worst = 0.0;
  for (size_t s = 0; s < seeds.size(); ++s) {
    for (const Measured& m : tanh_runs[s]) tanh_worst = std::max(tanh_worst, m.worst_step_error);
    for (const Measured& m : relu_runs[s]) relu_worst = std::max(relu_worst, m.worst_step_error);
  }
  t.value_over_seeds("tanh_worst_step", 100 * tanh_worst, "{:.0f}%", tut::Kind::trained);
  t.value_over_seeds("relu_worst_step", 100 * relu_worst, "{:.0f}%", tut::Kind::trained);
  t.value_over_seeds("tanh_norm_ratio_median", tut::median(norm_ratios), "{:.2f}",
                     tut::Kind::trained);
  t.value_over_seeds("tanh_norm_slopes_median", tut::median(norm_slopes), "{:.2f}",
                     tut::Kind::trained);

  t.claim(fmt::format("Glorot & Bengio (sec. 4.2.1, eqs. 2, 6): in a {}-layer tanh MLP each layer "
                      "multiplies the gradient variance by n Var(W) E[tanh'(z)^2]: every step of "
                      "the four tanh nets within 10% of it",
                      tanh_depth),
          "the largest deviation of a step from the formula, per seed", tanh_steps);
  t.claim(fmt::format("Glorot & Bengio, in their linear regime (inputs of std {}): the ratio "
                      "layer 1 / layer {} is (1/3)^{} = {:.4f} with the standard init and 1 with "
                      "the normalized init, each within a factor sqrt(10)",
                      small, tanh_depth, tanh_depth - 1, tanh_nets[2].predicted, tanh_depth),
          "Var ratio layer 1 / last layer, inputs of std 0.1", linear);
  t.claim(fmt::format("With unit-variance inputs, where tanh bends, the normalized init still "
                      "gives layer 1 at least 10x the standard init's ratio (an order of "
                      "magnitude; the weights alone give 3^{} = {:.0f}x, tanh's slope takes some)",
                      tanh_depth - 1, std::pow(3.0, tanh_depth - 1)),
          fmt::format("median {:.1f}x", tut::median(contrasts)), contrast);
  t.claim(fmt::format("He et al. (eqs. 13-14): in a {}-layer ReLU or LeakyReLU MLP each step is "
                      "n Var(W) E[f'(z)^2]: every step of the four nets within 10% of it",
                      relu_depth),
          "the largest deviation of a step from the formula, per seed", relu_steps);
  t.claim(fmt::format("He et al.: in a {}-layer ReLU MLP the ratio layer 1 / layer {} is "
                      "2^-{} = {:.2e} with Xavier init and 1 with He init, each within a factor "
                      "sqrt(10)",
                      relu_depth, relu_depth, relu_depth - 1, relu_nets[0].predicted),
          "Var ratio layer 1 / last layer", he);
  t.claim(fmt::format("LeakyReLU {}: without the 2/(1+a^2) gain the ratio is (1+a^2)^{} = {:.3g}, "
                      "with it 1, each within a factor sqrt(10)",
                      kSlope, relu_depth - 1, relu_nets[2].predicted),
          "Var ratio layer 1 / last layer", leaky);
  return t.finish();
}
