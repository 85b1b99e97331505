// 07_dying_relu — deep narrow ReLU nets that are dead before training starts, and LeakyReLU.
//
// A ReLU unit whose input is negative outputs 0 and passes back no gradient. If every unit of one
// layer is off, the layer outputs all zeros, every later layer sees only its biases, and with zero
// biases the network's output no longer depends on its input or on any weight below: it is "born
// dead" (Lu, Shin, Su & Karniadakis 2019, "Dying ReLU and Initialization: Theory and Numerical
// Examples", arXiv:1903.06733; Commun. Comput. Phys. 28, 2020). They prove that a deep ReLU net
// initialised with symmetric weights dies with probability -> 1 as the depth grows.
//
// The setup measured here, and its formula. L hidden layers of width N, biases 0, weights drawn
// from a distribution symmetric about 0 (He normal), one fixed input x != 0. Given a non-zero
// input h >= 0, each unit's pre-activation w . h is symmetric about 0, so it is <= 0 with
// probability 1/2, independently across units (each has its own row of weights): the whole layer
// is off with probability 2^-N. Its weights are fresh, so this holds again at every layer, and a
// zero layer stays zero. So
//
//     P(born dead at x) = 1 - (1 - 2^-N)^L,
//
// exactly, for any symmetric continuous weight distribution. Lu et al. define "born dead" over the
// whole input domain (the network is a constant function); part 1 also measures that version for
// a one-dimensional input on [-1, 1] (by positive homogeneity, bias-free nets then only need the
// two points x = -1 and x = +1), which must be dead at both ends and so is rarer.
//
// Then: LeakyReLU nets never die (a leaky unit outputs 0 only at exactly 0); PyTorch's slope 0.01
// against Keras's 0.3; and the cheap form max(x, a x) that LeakyReLU is often written as.
//
// What this tutorial leaves out: dying *during* training (large learning rates push biases
// negative), Lu et al.'s randomized asymmetric initialisation, and batch normalisation.
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

// One random bias-free MLP: L weight matrices [N, N] (the first [N, d_in]), He normal.
struct Net {
  std::vector<std::vector<double>> W;  // W[l] is row-major [out, in]
  int64_t width = 0, in = 0;
};

Net random_net(int64_t width, int depth, int64_t in, ag::Generator& gen) {
  Net net{{}, width, in};
  for (int l = 0; l < depth; ++l) {
    const int64_t fan_in = l == 0 ? in : width;
    std::vector<double> w(static_cast<size_t>(width * fan_in));
    for (double& v : w) v = gen.normal(0.0, std::sqrt(2.0 / static_cast<double>(fan_in)));
    net.W.push_back(std::move(w));
  }
  return net;
}

// The last hidden layer for input x, with activation max(z, slope z) (slope 0: ReLU). A plain
// loop: the Monte Carlo needs no gradient, and thousands of tiny nets run faster without a tape.
std::vector<double> last_hidden(const Net& net, const std::vector<double>& x, double slope) {
  std::vector<double> h = x;
  for (const auto& w : net.W) {
    const int64_t fan_in = static_cast<int64_t>(h.size());
    std::vector<double> next(static_cast<size_t>(net.width));
    for (int64_t j = 0; j < net.width; ++j) {
      double z = 0.0;
      for (int64_t i = 0; i < fan_in; ++i) z += w[j * fan_in + i] * h[i];
      next[j] = z > 0.0 ? z : slope * z;
    }
    h = std::move(next);
  }
  return h;
}

bool all_zero(const std::vector<double>& h) {
  return std::all_of(h.begin(), h.end(), [](double v) { return v == 0.0; });
}

// The same net on the tape, each layer in its own scope "net/layer<l>", with a linear read-out
// `out = v . h_L + c` and loss = out. Returns ||dL/dW_1||, and draws the folded view.
double gradient_at_layer1(const Net& net, const std::vector<double>& x, double slope,
                          const std::string& svg, const std::string& title) {
  ag::Tape tape;
  std::vector<Tensor> weights;
  Tensor h = ag::tensor(x, {static_cast<int64_t>(x.size()), 1});  // a column [in, 1]
  {
    ag::ScopeGuard scope("net");
    for (size_t l = 0; l < net.W.size(); ++l) {
      ag::ScopeGuard layer(fmt::format("layer{}", l + 1));
      const int64_t fan_in = h.size(0);
      Tensor w = ag::tensor(net.W[l], {net.width, fan_in}, true).set_name(fmt::format("W{}", l + 1));
      weights.push_back(w);
      Tensor z = ag::matmul(w, h);  // [N, in] @ [in, 1] -> [N, 1]
      h = slope == 0.0 ? ag::relu(z) : ag::leaky_relu(z, slope);
    }
  }
  Tensor readout = ag::ones({1, net.width});
  Tensor out = ag::matmul(readout, h) + 0.5;  // [1, 1]: a constant 0.5 when the net is dead
  ag::BackwardOptions options;
  options.record_edge_grads = true;
  tape.backward(out, options);
  double sq = 0.0;
  for (double g : weights[0].grad_data()) sq += g * g;
  if (!svg.empty()) {
    ag::viz::Options picture;
    picture.view = ag::viz::View::folded;
    picture.fold_depth = 2;
    picture.log10_min = -12.0;
    picture.log10_max = 1.0;
    picture.columns = 10;
    picture.title = title;
    ag::viz::render(tape, svg, picture);
  }
  return std::sqrt(sq);
}

}  // namespace

int main(int argc, char** argv) {
  tut::Tutorial t("07_dying_relu", "Tutorial 07: dying ReLU, nets born dead, and LeakyReLU",
                  "A deep, narrow ReLU network can be dead before its first training step: one "
                  "layer whose units are all off zeroes everything above it, and no gradient ever "
                  "reaches the weights below. How likely is that? Monte Carlo against the formula; "
                  "then LeakyReLU, its two popular slopes, and the max(x, a x) trick.");
  int trials = 20000;
  t.cli.add_option("--trials", trials, "Random nets per (width, depth) cell")->capture_default_str();
  CLI11_PARSE(t.cli, argc, argv);
  if (t.quick) trials = std::min(trials, 2000);
  t.begin();
  ag::Generator gen(t.seed);

  // ---------------------------------------------------------------------------------------------
  t.section("1. Born dead: Monte Carlo against 1 - (1 - 2^-N)^L");
  t.paragraph(fmt::format(
      "For each width N and depth L: {} random bias-free He-normal nets with a 1-d input. 'at x' "
      "counts nets whose last hidden layer is all zero at x = 1 (the formula's setup); 'on [-1, 1]' "
      "counts nets dead at both x = -1 and x = +1, i.e. constant on the whole interval (Lu et al.'s "
      "definition). sigma is the Monte Carlo standard error sqrt(p (1 - p) / trials).",
      trials));
  const std::vector<int64_t> widths = {2, 3, 4, 6, 8};
  const std::vector<int> depths = {2, 5, 10, 20, 50};
  std::string table = fmt::format("  {:>3} {:>4}  {:>9} {:>9} {:>8} {:>7}  {:>10}  {}\n", "N", "L",
                                  "formula", "at x", "sigma", "z", "on [-1,1]",
                                  "at x, as a bar (0..1)");
  double worst_z = 0.0;
  int cells = 0, done = 0;
  for (int64_t N : widths) {
    for (int L : depths) {
      int dead_at_x = 0, dead_domain = 0;
      for (int k = 0; k < trials; ++k) {
        const Net net = random_net(N, L, 1, gen);
        const bool plus = all_zero(last_hidden(net, {1.0}, 0.0));
        const bool minus = all_zero(last_hidden(net, {-1.0}, 0.0));
        dead_at_x += plus;
        dead_domain += plus && minus;
      }
      const double p = 1.0 - std::pow(1.0 - std::pow(2.0, -static_cast<double>(N)), L);
      const double measured = static_cast<double>(dead_at_x) / trials;
      const double sigma = std::sqrt(std::max(p * (1 - p), 1e-12) / trials);
      const double z = (measured - p) / sigma;
      worst_z = std::max(worst_z, std::abs(z));
      ++cells;
      const int eighths = static_cast<int>(std::lround(measured * 30 * 8));
      static const char* kBlocks[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
      std::string bar;
      for (int i = 0; i < eighths / 8; ++i) bar += "█";
      bar += kBlocks[eighths % 8];
      table += fmt::format("  {:>3} {:>4}  {:>9.4f} {:>9.4f} {:>8.4f} {:>+7.2f}  {:>10.4f}  {}\n", N,
                           L, p, measured, sigma, z, static_cast<double>(dead_domain) / trials, bar);
    }
    t.progress(++done, static_cast<int64_t>(widths.size()), fmt::format("width {}", N));
  }
  fmt::print("\n{}\n", table);
  // The depth at which half the nets are dead: (1 - 2^-N)^L = 1/2.
  auto half_depth = [](int64_t N) {
    return std::log(0.5) / std::log(1.0 - std::pow(2.0, -static_cast<double>(N)));
  };
  t.paragraph(fmt::format(
      "Narrow and deep dies: by the formula, half of all width-2 nets are dead by depth {:.1f}, "
      "half of all width-4 nets by depth {:.0f}, and at width 8 it takes {:.0f} layers. Dead on "
      "the whole interval is rarer than dead at one point (it must happen at both ends), but it "
      "too goes to 1 with depth, as Lu et al. prove.",
      half_depth(2), half_depth(4), half_depth(8)));

  // ---------------------------------------------------------------------------------------------
  t.section("2. LeakyReLU nets never die");
  t.paragraph(
      "A LeakyReLU unit outputs slope * z for z < 0: zero only when z is exactly 0, which a "
      "continuous weight distribution hits with probability 0. The same Monte Carlo, width 2, "
      "depth 50, where ReLU nets are dead almost surely:");
  int leaky_dead_001 = 0, leaky_dead_03 = 0, relu_dead = 0;
  for (int k = 0; k < trials; ++k) {
    const Net net = random_net(2, 50, 1, gen);
    relu_dead += all_zero(last_hidden(net, {1.0}, 0.0));
    leaky_dead_001 += all_zero(last_hidden(net, {1.0}, 0.01));
    leaky_dead_03 += all_zero(last_hidden(net, {1.0}, 0.3));
  }
  fmt::print("  same {} nets:  ReLU dead {:>6}   LeakyReLU 0.01 dead {:>3}   LeakyReLU 0.3 dead {:>3}\n\n",
             trials, relu_dead, leaky_dead_001, leaky_dead_03);

  // ---------------------------------------------------------------------------------------------
  t.section("3. PyTorch's slope 0.01 against Keras's 0.3");
  t.paragraph(
      "Not dead is not the same as alive and well. Take ReLU nets of width 3 and depth 10 that are "
      "born dead at x, and give the very same weights a LeakyReLU: how much gradient reaches the "
      "first layer's weights now? Every layer whose units are all negative passes on only `slope` "
      "of the gradient: 1% with PyTorch's default, 30% with Keras's.");
  std::vector<double> grad_001, grad_03;
  std::vector<double> x1 = {1.0};
  bool drawn = false;
  int attempts = 0;
  const int wanted = t.quick ? 40 : 200;
  while (static_cast<int>(grad_001.size()) < wanted && attempts < 100 * wanted) {
    ++attempts;
    const Net net = random_net(3, 10, 1, gen);
    if (!all_zero(last_hidden(net, x1, 0.0))) continue;
    const bool draw = !drawn;
    grad_001.push_back(gradient_at_layer1(
        net, x1, 0.01, draw ? t.out_path("dead_net_leaky_001.svg") : "",
        "the same weights with LeakyReLU 0.01: alive, barely"));
    grad_03.push_back(gradient_at_layer1(net, x1, 0.3, draw ? t.out_path("dead_net_leaky_03.svg") : "",
                                         "the same weights with LeakyReLU 0.3"));
    if (draw) {
      const double relu_grad = gradient_at_layer1(
          net, x1, 0.0, t.out_path("dead_net_relu.svg"),
          "a ReLU net born dead (width 3, depth 10): no gradient below the dead layer");
      fmt::print("  the first dead net found: ||dL/dW_1|| = {} with ReLU (pictures: {})\n",
                 relu_grad, t.out_path("dead_net_*.svg"));
      drawn = true;
    }
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::vector<double> ratios;
  for (size_t i = 0; i < grad_001.size(); ++i) ratios.push_back(grad_03[i] / grad_001[i]);
  const double nonzero_001 = static_cast<double>(std::count_if(grad_001.begin(), grad_001.end(),
                                                               [](double g) { return g > 0.0; }));
  const double nonzero_03 = static_cast<double>(std::count_if(grad_03.begin(), grad_03.end(),
                                                              [](double g) { return g > 0.0; }));
  fmt::print("  {} ReLU-dead nets (width 3, depth 10), median ||dL/dW_1||:\n", grad_001.size());
  fmt::print("    LeakyReLU 0.01  {:.2e}   (non-zero in {:.0f} of {})\n", median(grad_001),
             nonzero_001, grad_001.size());
  fmt::print("    LeakyReLU 0.3   {:.2e}   (non-zero in {:.0f} of {})\n", median(grad_03),
             nonzero_03, grad_03.size());
  fmt::print("    median ratio 0.3 / 0.01: {:.0f}x\n\n", median(ratios));
  t.paragraph(
      "Note also the init: these weights are He's for ReLU (Var = 2/n). For slope 0.3 He's gain "
      "would be 2/(1 + 0.09), a 9% difference per layer that tutorial 06 shows compounding to 12x "
      "over 30 layers; for slope 0.01 it does not matter.");

  // ---------------------------------------------------------------------------------------------
  t.section("4. max(x, a x): the branch-free LeakyReLU, and where it breaks");
  t.paragraph(
      "For 0 <= a <= 1, max(x, a x) is x when x > 0 and a x when x < 0: LeakyReLU without a "
      "branch, as Flashlight and many TensorFlow answers write it (nn::LeakyReLU uses it too). For "
      "a > 1 the larger of the two is a x when x > 0: the formula silently computes something else. "
      "Values and gradients of both forms, on 1000 standard normals (no exact zeros; at x = 0 the "
      "two differ in gradient only: maximum splits a tie, giving (1 + a) / 2):");
  const Tensor x = ag::normal({1000}, 0.0, 1.0, gen);
  const Tensor upstream = ag::normal({1000}, 0.0, 1.0, gen);  // a random incoming gradient
  struct Compare {
    double slope, value_diff, grad_diff;
  };
  std::vector<Compare> comparisons;
  for (double a : {0.01, 0.3, 1.0, 1.5, 2.0}) {
    Tensor x_branch = x.detach().requires_grad_();
    Tensor x_max = x.detach().requires_grad_();
    double value_diff = 0.0, grad_diff = 0.0;
    {
      ag::Tape tape;
      Tensor branch = ag::leaky_relu(x_branch, a);         // x > 0 ? x : a x
      Tensor cheap = ag::maximum(x_max, x_max * a);        // max(x, a x)
      ag::sum(branch * upstream).backward(/*retain_graph=*/true);
      ag::sum(cheap * upstream).backward();
      for (int64_t i = 0; i < x.numel(); ++i) {
        value_diff = std::max(value_diff, std::abs(branch.data()[i] - cheap.data()[i]));
        grad_diff = std::max(grad_diff, std::abs(x_branch.grad_data()[i] - x_max.grad_data()[i]));
      }
    }
    comparisons.push_back({a, value_diff, grad_diff});
    fmt::print("  a = {:<4}  max |value difference| {:<8.3g}  max |gradient difference| {:<8.3g} {}\n",
               a, value_diff, grad_diff, value_diff == 0.0 && grad_diff == 0.0 ? "same" : "DIFFERENT");
  }
  fmt::print("\n");

  // ---------------------------------------------------------------------------------------------
  t.section("Verdicts");
  t.claim(fmt::format("A bias-free ReLU net of width N and depth L is born dead at a point with "
                      "probability 1 - (1 - 2^-N)^L: all {} cells within 4 standard errors",
                      cells),
          fmt::format("largest |measured - formula| = {:.2f} standard errors ({} nets per cell)",
                      worst_z, trials),
          worst_z < 4.0);
  t.claim("LeakyReLU nets are never born dead, even where ReLU nets almost always are",
          fmt::format("width 2, depth 50: ReLU {} of {} dead; LeakyReLU 0.01: {}, 0.3: {}",
                      relu_dead, trials, leaky_dead_001, leaky_dead_03),
          relu_dead > trials / 2 && leaky_dead_001 == 0 && leaky_dead_03 == 0);
  t.claim("Through a ReLU-dead net, Keras's slope 0.3 carries far more gradient to layer 1 than "
          "PyTorch's 0.01 (and both carry some)",
          fmt::format("median ||dL/dW_1||: {:.2e} (0.3) vs {:.2e} (0.01), median ratio {:.0f}x over "
                      "{} nets; non-zero in {:.0f} and {:.0f} of them",
                      median(grad_03), median(grad_001), median(ratios), grad_001.size(),
                      nonzero_03, nonzero_001),
          median(ratios) > 10.0 && nonzero_001 == static_cast<double>(grad_001.size()) &&
              nonzero_03 == static_cast<double>(grad_03.size()));
  bool cheap_ok = true, breaks = true;
  std::string summary;
  for (const Compare& c : comparisons) {
    const bool same = c.value_diff == 0.0 && c.grad_diff == 0.0;
    if (c.slope <= 1.0) cheap_ok = cheap_ok && same;
    else breaks = breaks && !same;
    summary += fmt::format("{}a = {}: {}", summary.empty() ? "" : "; ", c.slope,
                           same ? "identical" : fmt::format("values differ by up to {:.2g}", c.value_diff));
  }
  t.claim("max(x, a x) equals the branch form of LeakyReLU (values and gradients) for a <= 1, and "
          "not for a > 1",
          summary, cheap_ok && breaks);
  return t.finish();
}
