// 06_initialization — Glorot & Bengio (2010) and He et al. (2015): how the first weights decide
// whether the gradient reaches the first layer.
//
// Backprop carries the gradient down one layer at a time: dL/dz_l = (W_(l+1)^T dL/dz_(l+1)) * f'(z_l).
// For random weights of variance Var(W) and fan n, each step multiplies the *variance* of the
// gradient by about n Var(W) E[f'(z)^2] (Glorot & Bengio 2010, eqs. 5-7 and 14; He et al. 2015,
// eqs. 13-14). Below 1 it vanishes geometrically with depth, above 1 it explodes. The schemes:
//
//   standard    U[-1/sqrt(n), 1/sqrt(n)]: n Var(W) = 1/3           (the "standard" of Glorot's §4.2)
//   normalized  Glorot/Xavier: Var(W) = 2 / (fan_in + fan_out)      (their eq. 16)
//   He          Var(W) = 2 / fan_in, for ReLU, whose E[f'^2] = 1/2  (He et al., eq. 10/14)
//   He, slope a Var(W) = 2 / ((1 + a^2) fan_in), for LeakyReLU, E[f'^2] = (1 + a^2) / 2
//
// What is measured: the variance, over a batch of 256 inputs and all units, of the back-propagated
// gradient dL/dz_l at each layer's pre-activation z_l = W_l h_(l-1) + b_l (Glorot & Bengio's
// "back-propagated gradient" dCost/ds of §4.2.2 and Figure 7), and the ratio layer 1 / last layer.
// The loss is a cross-entropy of a linear read-out against random labels; only ratios matter.
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
#include <string>
#include <vector>

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
  std::string name;        // shown in tables and pictures
  std::string file;        // picture file stem
  std::string activation;  // tanh, relu, leaky
  std::function<void(Tensor&, ag::Generator&)> init;  // fills a weight [out, in]
  double predicted = 0.0;  // the ratio the variance argument predicts
};

struct Measured {
  std::vector<double> grad_var;  // Var(dL/dz_l), l = 1..depth
  std::vector<double> slope_sq;  // E[f'(z_l)^2], the activation's share of each step
  double ratio = 0.0;            // layer 1 / layer depth
};

constexpr double kSlope = 0.3;  // Keras's LeakyReLU default, where the gain matters most

// Builds the MLP (depth layers of width, then a read-out to 10 classes), runs one batch forward
// and backward, and returns the gradient variance at every layer. Layer l runs in the scope
// "mlp/layer<l>", so the gradient-flow strip has one square per layer.
Measured measure(const Net& net, int depth, int64_t width, const Tensor& x,
                 const std::vector<int64_t>& labels, uint64_t seed, const std::string& flow_svg) {
  ag::Generator gen(seed);  // the same seed for every net: the same draws, differently scaled
  std::vector<std::unique_ptr<ag::nn::Linear>> layers;
  for (int l = 0; l < depth; ++l) {
    layers.push_back(std::make_unique<ag::nn::Linear>(width, width, gen));
    layers.back()->set_name(fmt::format("layer{}", l + 1));
    net.init(layers.back()->weight, gen);
    ag::nn::init::zeros(layers.back()->bias);  // Glorot & Bengio and He et al. start biases at 0
  }
  ag::nn::Linear head(width, 10, gen);
  head.set_name("head");
  net.init(head.weight, gen);
  ag::nn::init::zeros(head.bias);

  ag::Tape tape;
  std::vector<Tensor> pre;
  Tensor h = x;  // [batch, width]
  {
    ag::ScopeGuard mlp("mlp");
    for (int l = 0; l < depth; ++l) {
      ag::ScopeGuard scope(fmt::format("layer{}", l + 1));
      Tensor z = (*layers[l])(h);  // [batch, width]
      pre.push_back(z);
      if (net.activation == "tanh") h = ag::tanh(z);
      else if (net.activation == "relu") h = ag::relu(z);
      else h = ag::leaky_relu(z, kSlope);
    }
  }
  Tensor loss = ag::nn::cross_entropy(head(h), labels);  // [batch, 10] against random classes
  ag::BackwardOptions options;
  options.record_edge_grads = true;
  tape.backward(loss, options);

  Measured m;
  for (const Tensor& z : pre) {
    m.grad_var.push_back(variance(z.grad().data()));
    double sum = 0.0;
    for (double v : z.data()) {
      const double d = net.activation == "tanh" ? 1.0 - std::tanh(v) * std::tanh(v)
                       : v > 0.0                ? 1.0
                       : net.activation == "relu" ? 0.0
                                                  : kSlope;
      sum += d * d;
    }
    m.slope_sq.push_back(sum / static_cast<double>(z.numel()));
  }
  m.ratio = m.grad_var.front() / m.grad_var.back();
  ag::viz::Options picture;
  picture.log10_min = -10.0;
  picture.log10_max = 0.0;
  picture.title = fmt::format("{} layers, {}: gradient leaving each layer", depth, net.name);
  ag::viz::render_flow(ag::viz::gradient_flow(tape, 2), flow_svg, picture);
  return m;
}

// One row per layer: the variance, and a bar whose length is log10 of it on a fixed scale.
void print_variances(const std::vector<Net>& nets, const std::vector<Measured>& results) {
  constexpr double kLo = -20.0, kHi = -4.0;  // log10 range of the bars
  const size_t depth = results[0].grad_var.size();
  fmt::print("  Var(dL/dz_l), log10 of it as a bar from 1e{} to 1e{}; 'step' is Var(dL/dz_l) / "
             "Var(dL/dz_(l+1)),\n  the factor one layer applied, next to E[f'(z_l)^2]:\n\n",
             kLo, kHi);
  for (size_t n = 0; n < nets.size(); ++n) {
    fmt::print("  {}\n", nets[n].name);
    for (size_t l = 0; l < depth; ++l) {
      if (depth > 10 && l > 1 && l + 2 < depth && l % 5 != 4) continue;  // every 5th of a deep net
      const double v = results[n].grad_var[l];
      const double frac = std::clamp((std::log10(v) - kLo) / (kHi - kLo), 0.0, 1.0);
      const int eighths = static_cast<int>(std::lround(frac * 40 * 8));
      static const char* kBlocks[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
      std::string bar;
      for (int i = 0; i < eighths / 8; ++i) bar += "█";
      bar += kBlocks[eighths % 8];
      const std::string step =
          l + 1 < depth ? fmt::format("step {:.3f}  E[f'^2] {:.3f}", v / results[n].grad_var[l + 1],
                                      results[n].slope_sq[l])
                        : "";
      fmt::print("    layer {:>2}  {:>9.2e}  {:<40}  {}\n", l + 1, v, bar, step);
    }
    fmt::print("    ratio layer 1 / layer {}: {:.3g}   (the variance argument predicts {:.3g})\n\n",
               depth, results[n].ratio, nets[n].predicted);
  }
}

}  // namespace

int main(int argc, char** argv) {
  tut::Tutorial t("06_initialization", "Tutorial 06: initialisation, Glorot & Bengio 2010 and He et al. 2015",
                  "Before any training, the size of the first weights decides whether the gradient "
                  "reaches the first layers at all. Each layer multiplies the variance of the "
                  "back-propagated gradient by n Var(W) E[f'(z)^2]; the initialisation schemes of "
                  "Glorot & Bengio (tanh) and He et al. (ReLU) choose Var(W) to make that factor 1. "
                  "Here are the measured factors, layer by layer.");
  int64_t width = 256, batch = 256;
  int tanh_depth = 5, relu_depth = 30;
  t.cli.add_option("--width", width, "Width of every hidden layer")->capture_default_str();
  t.cli.add_option("--batch", batch, "Random inputs per measurement")->capture_default_str();
  t.cli.add_option("--tanh-depth", tanh_depth, "Layers of the tanh MLP")->capture_default_str();
  t.cli.add_option("--relu-depth", relu_depth, "Layers of the ReLU and LeakyReLU MLPs")
      ->capture_default_str();
  CLI11_PARSE(t.cli, argc, argv);
  if (t.quick) batch = std::min<int64_t>(batch, 64);
  t.begin();
  ag::Generator gen(t.seed);
  // Inputs of unit variance; labels uniform over 10 classes (only the gradient's size matters).
  const Tensor x = ag::normal({batch, width}, 0.0, 1.0, gen);
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < batch; ++i) labels.push_back(gen.randint(10));

  // ---------------------------------------------------------------------------------------------
  t.section(fmt::format("1. A {}-layer tanh MLP, width {}: standard vs normalized init", tanh_depth,
                        width));
  t.paragraph(
      "Glorot & Bengio's 'standard' init, U[-1/sqrt(n), 1/sqrt(n)] (PyTorch's default for Linear "
      "to this day), has variance 1/(3n): each layer multiplies the gradient variance by about "
      "1/3 (tanh' is near 1 for the small pre-activations it produces), so layer 1 of 5 gets "
      "(1/3)^4 = 0.012 of layer 5's. Their normalized init, Var(W) = 2/(fan_in + fan_out) = 1/n "
      "for square layers, makes the factor E[tanh'^2], a little below 1.");
  const std::vector<Net> tanh_nets = {
      {"tanh, standard U[+-1/sqrt(n)]", "tanh_standard", "tanh",
       [](Tensor& w, ag::Generator& g) { ag::nn::init::default_uniform(w, w.size(1), g); },
       std::pow(1.0 / 3.0, tanh_depth - 1)},
      {"tanh, normalized (Xavier)", "tanh_normalized", "tanh",
       [](Tensor& w, ag::Generator& g) { ag::nn::init::xavier_uniform(w, g); }, 1.0},
  };
  std::vector<Measured> tanh_results;
  for (size_t i = 0; i < tanh_nets.size(); ++i) {
    tanh_results.push_back(measure(tanh_nets[i], tanh_depth, width, x, labels, t.seed,
                                   t.out_path(fmt::format("flow_{}.svg", tanh_nets[i].file))));
    t.progress(static_cast<int64_t>(i + 1), static_cast<int64_t>(tanh_nets.size()), tanh_nets[i].name);
  }
  fmt::print("\n");
  print_variances(tanh_nets, tanh_results);

  // ---------------------------------------------------------------------------------------------
  t.section(fmt::format("2. A {}-layer ReLU MLP: Xavier vs He; LeakyReLU {} with and without the gain",
                        relu_depth, kSlope));
  t.paragraph(fmt::format(
      "A ReLU passes back the gradient of half its units, so E[relu'^2] = 1/2. With Xavier's "
      "Var(W) = 1/n each layer halves the gradient variance: 2^-{} = {:.2g} over {} layers. He et "
      "al. double Var(W) to 2/n, and the factor is 1. A LeakyReLU of slope a passes a^2 of the "
      "gradient variance of its negative half: E[f'^2] = (1 + a^2)/2, so He's gain for it is "
      "2/(1 + a^2). Keep the ReLU gain 2 instead and each layer multiplies the variance by "
      "1 + a^2 = {:.2f}: {:.3g} over {} layers.",
      relu_depth - 1, std::pow(0.5, relu_depth - 1), relu_depth, 1 + kSlope * kSlope,
      std::pow(1 + kSlope * kSlope, relu_depth - 1), relu_depth));
  const std::vector<Net> relu_nets = {
      {"relu, Xavier", "relu_xavier", "relu",
       [](Tensor& w, ag::Generator& g) { ag::nn::init::xavier_normal(w, g); },
       std::pow(0.5, relu_depth - 1)},
      {"relu, He", "relu_he", "relu",
       [](Tensor& w, ag::Generator& g) { ag::nn::init::kaiming_normal(w, g, 0.0); }, 1.0},
      {fmt::format("leaky {}, He without the gain (2/n)", kSlope), "leaky_no_gain", "leaky",
       [](Tensor& w, ag::Generator& g) { ag::nn::init::kaiming_normal(w, g, 0.0); },
       std::pow(1 + kSlope * kSlope, relu_depth - 1)},
      {fmt::format("leaky {}, He with gain 2/(1+a^2)", kSlope), "leaky_gain", "leaky",
       [](Tensor& w, ag::Generator& g) { ag::nn::init::kaiming_normal(w, g, kSlope); }, 1.0},
  };
  std::vector<Measured> relu_results;
  for (size_t i = 0; i < relu_nets.size(); ++i) {
    relu_results.push_back(measure(relu_nets[i], relu_depth, width, x, labels, t.seed,
                                   t.out_path(fmt::format("flow_{}.svg", relu_nets[i].file))));
    t.progress(static_cast<int64_t>(i + 1), static_cast<int64_t>(relu_nets.size()), relu_nets[i].name);
  }
  fmt::print("\n");
  print_variances(relu_nets, relu_results);
  fmt::print("  the gradient-flow strips, one square per layer: {}/flow_*.svg\n\n", t.out_dir);

  // ---------------------------------------------------------------------------------------------
  t.section("Verdicts");
  const double ts = tanh_results[0].ratio, tn = tanh_results[1].ratio;
  t.claim(fmt::format("Glorot & Bengio: with the standard init the gradient variance at layer 1 "
                      "of a {}-layer tanh MLP is below 0.03 of layer {}'s; with the normalized "
                      "init above 0.15",
                      tanh_depth, tanh_depth),
          fmt::format("Var ratio layer 1 / layer {}: standard {:.4f} (predicted (1/3)^{} = {:.4f}), "
                      "normalized {:.3f}",
                      tanh_depth, ts, tanh_depth - 1, tanh_nets[0].predicted, tn),
          ts < 0.03 && tn > 0.15);
  const double rx = relu_results[0].ratio, rh = relu_results[1].ratio;
  t.claim(fmt::format("He et al.: in a {}-layer ReLU MLP the gradient variance ratio layer 1 / "
                      "layer {} is below 1e-7 with Xavier init, within [0.1, 10] with He init",
                      relu_depth, relu_depth),
          fmt::format("Xavier {:.2e} (predicted 2^-{} = {:.2e}), He {:.3f}", rx, relu_depth - 1,
                      relu_nets[0].predicted, rh),
          rx < 1e-7 && rh >= 0.1 && rh <= 10.0);
  const double ln = relu_results[2].ratio, lg = relu_results[3].ratio;
  t.claim(fmt::format("LeakyReLU {}: without the 2/(1+a^2) gain the variance grows by (1+a^2) per "
                      "layer, {:.3g} over {} layers (within 2x); with it the ratio is within "
                      "[0.1, 10]",
                      kSlope, relu_nets[2].predicted, relu_depth),
          fmt::format("without the gain {:.3g}, with the gain {:.3f}", ln, lg),
          ln > relu_nets[2].predicted / 2 && ln < relu_nets[2].predicted * 2 && lg >= 0.1 &&
              lg <= 10.0);
  return t.finish();
}
