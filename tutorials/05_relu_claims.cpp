// 05_relu_claims — "ReLU is fast, avoids vanishing gradients and makes activations sparse": measured.
//
// A widely read article on "the role of ReLU in LSTM" repeats, about ReLU in general, the three
// reasons textbooks give for it. Each is a claim about numbers, so each is measured here:
//
//   1. fast:        forward + backward time per element of relu, sigmoid and tanh (and LeakyReLU)
//                   on one large tensor, median of several repetitions;
//   2. no vanishing gradients: the weight gradient of every layer of a 20-layer MLP, with
//                   sigmoid and tanh (Xavier init) against ReLU and LeakyReLU (He init), and ReLU
//                   with the "wrong" init (Xavier), because the claim turns out to depend on it;
//   3. sparse:      the fraction of hidden activations that are exactly zero.
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
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/tutorial.hpp"

namespace {

using ag::Tensor;

// A horizontal bar of `fraction` * width characters, in Unicode eighth blocks.
std::string bar(double fraction, int width) {
  static const char* kBlocks[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  const int eighths = static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * width * 8));
  std::string out;
  for (int i = 0; i < eighths / 8; ++i) out += "█";
  out += kBlocks[eighths % 8];
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// ---------------------------------------------------------------------------------------------
// Part 1: time per element. One tape per repetition: x [n] is a leaf, y = f(x) is recorded
// (forward), then y.backward(ones) runs f's backward rule once (the vector-Jacobian product with
// a gradient of ones). Both are timed separately; the first repetition only warms up (page
// faults, caches) and is dropped.
struct Timing {
  double forward_ns = 0.0;   // median, per element
  double backward_ns = 0.0;  // median, per element
};

Timing time_activation(const std::function<Tensor(const Tensor&)>& f, const Tensor& x,
                       const Tensor& ones, int repetitions) {
  std::vector<double> forward, backward;
  const double n = static_cast<double>(x.numel());
  for (int r = 0; r <= repetitions; ++r) {
    Tensor leaf = x.detach().requires_grad_();
    ag::Tape tape;
    const auto t0 = std::chrono::steady_clock::now();
    Tensor y = f(leaf);
    const auto t1 = std::chrono::steady_clock::now();
    y.backward(ones);
    const auto t2 = std::chrono::steady_clock::now();
    if (r == 0) continue;
    forward.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / n);
    backward.push_back(std::chrono::duration<double, std::nano>(t2 - t1).count() / n);
  }
  return {median(forward), median(backward)};
}

// ---------------------------------------------------------------------------------------------
// Parts 2 and 3: a deep MLP. Layer l is Linear(width, width) then the activation, inside the
// scope "mlp/layer<l>", so gradient_flow and the folded view give one number per layer. A linear
// read-out (scope "head") maps the last hidden layer to one number; the loss is the MSE against
// random targets. Biases are 0, weights from the init the activation calls for.
struct Config {
  std::string name;        // "sigmoid", "relu (He)", ...
  std::string activation;  // sigmoid, tanh, relu, leaky_relu
  std::string init;        // xavier, he
};

struct DeepResult {
  std::vector<double> z_grad;       // ||dL/dz_l|| at the pre-activation z_l, l = 1..depth
  std::vector<double> weight_grad;  // ||dL/dW_l||
  std::vector<double> zero_fraction;  // fraction of exactly-zero activations, per layer
  double zeros_total = 0.0;           // over every hidden activation
  std::vector<ag::viz::FlowEntry> flow;
};

constexpr double kLeakySlope = 0.01;  // PyTorch's default

DeepResult run_deep(const Config& c, int depth, int64_t width, const Tensor& x, const Tensor& target,
                    uint64_t seed, const std::string& folded_svg, const std::string& flow_svg,
                    const ag::viz::Options& picture) {
  ag::Generator gen(seed);  // the same seed for every config: same draws, different scalings
  std::vector<std::unique_ptr<ag::nn::Linear>> layers;
  for (int l = 0; l < depth; ++l) {
    auto linear = std::make_unique<ag::nn::Linear>(width, width, gen);
    linear->set_name(fmt::format("layer{}", l + 1));
    if (c.init == "xavier") {
      // Glorot & Bengio (2010), eq. 16 in its normal form: Var(W) = 2 / (fan_in + fan_out).
      ag::nn::init::xavier_normal(linear->weight, gen);
    } else {
      // He et al. (2015), eq. 10: Var(W) = 2 / fan_in, or 2 / ((1 + a^2) fan_in) for slope a.
      ag::nn::init::kaiming_normal(linear->weight, gen, c.activation == "leaky_relu" ? kLeakySlope : 0.0);
    }
    ag::nn::init::zeros(linear->bias);
    layers.push_back(std::move(linear));
  }
  ag::nn::Linear head(width, 1, gen);
  head.set_name("head");

  DeepResult result;
  std::vector<Tensor> pre, hidden;
  ag::Tape tape;
  Tensor h = x;  // [batch, width]
  {
    ag::ScopeGuard mlp("mlp");
    for (int l = 0; l < depth; ++l) {
      ag::ScopeGuard scope(fmt::format("layer{}", l + 1));
      Tensor z = (*layers[l])(h);  // [batch, width]
      pre.push_back(z);
      if (c.activation == "sigmoid") h = ag::sigmoid(z);
      else if (c.activation == "tanh") h = ag::tanh(z);
      else if (c.activation == "relu") h = ag::relu(z);
      else h = ag::maximum(z, z * kLeakySlope);  // LeakyReLU as nn::LeakyReLU writes it
      hidden.push_back(h);
    }
  }
  Tensor out = ag::reshape(head(h), {x.size(0)});  // [batch]
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
    result.z_grad.push_back(norm(pre[l].grad().data()));
    result.weight_grad.push_back(norm(layers[l]->weight.grad_data()));
    const auto a = hidden[l].data();
    const auto zeros = std::count(a.begin(), a.end(), 0.0);
    result.zero_fraction.push_back(static_cast<double>(zeros) / static_cast<double>(a.size()));
    result.zeros_total += result.zero_fraction.back() / depth;
  }
  result.flow = ag::viz::gradient_flow(tape, /*depth=*/2);
  if (!folded_svg.empty()) {
    ag::viz::Options folded = picture;
    folded.view = ag::viz::View::folded;
    folded.fold_depth = 2;
    folded.columns = 10;
    ag::viz::render(tape, folded_svg, folded);
  }
  if (!flow_svg.empty()) ag::viz::render_flow(result.flow, flow_svg, picture);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  tut::Tutorial t("05_relu_claims", "Tutorial 05: is ReLU fast, free of vanishing gradients, sparse?",
                  "The article says of ReLU that it is fast, that it avoids the vanishing gradient "
                  "problem, and that it makes activations sparse. Each of these is a statement "
                  "about numbers an engine can measure: time per element, the size of the "
                  "gradient layer by layer, and the fraction of activations that are exactly "
                  "zero. Here are the numbers, and a verdict on each sentence.");
  int64_t elements = 1 << 21;
  int repetitions = 21;
  int depth = 20;
  int64_t width = 256, batch = 256;
  t.cli.add_option("--elements", elements, "Tensor size for the timing (part 1)")->capture_default_str();
  t.cli.add_option("--reps", repetitions, "Timed repetitions; the median is reported")->capture_default_str();
  t.cli.add_option("--depth", depth, "Hidden layers of the deep MLP (parts 2, 3)")->capture_default_str();
  t.cli.add_option("--width", width, "Width of each hidden layer")->capture_default_str();
  t.cli.add_option("--batch", batch, "Batch of random inputs")->capture_default_str();
  CLI11_PARSE(t.cli, argc, argv);
  if (t.quick) {
    elements = std::min<int64_t>(elements, 1 << 18);
    repetitions = std::min(repetitions, 15);
    width = std::min<int64_t>(width, 64);
    batch = std::min<int64_t>(batch, 64);
  }
  t.begin();
  ag::Generator gen(t.seed);

  // ---------------------------------------------------------------------------------------------
  t.section("1. Fast? Time per element, forward and backward");
  t.paragraph(fmt::format(
      "Each activation runs on a tensor of {} standard-normal numbers: forward records y = f(x), "
      "backward runs f's rule once. Median of {} repetitions (after one warm-up). relu is a "
      "comparison; sigmoid and tanh each need exp or tanh, tens of floating-point operations per "
      "element, which the engine computes four or eight numbers at a time (glibc's vector math "
      "library; autograd/src/vector_math.cpp).",
      elements, repetitions));
  const Tensor x = ag::normal({elements}, 0.0, 1.0, gen);
  const Tensor ones = ag::ones({elements});
  struct Timed {
    const char* name;
    std::function<Tensor(const Tensor&)> f;
    Timing timing;
  };
  std::vector<Timed> timed = {
      {"relu", [](const Tensor& v) { return ag::relu(v); }, {}},
      {"leaky_relu", [](const Tensor& v) { return ag::leaky_relu(v, kLeakySlope); }, {}},
      {"sigmoid", [](const Tensor& v) { return ag::sigmoid(v); }, {}},
      {"tanh", [](const Tensor& v) { return ag::tanh(v); }, {}},
  };
  for (size_t i = 0; i < timed.size(); ++i) {
    timed[i].timing = time_activation(timed[i].f, x, ones, repetitions);
    t.progress(static_cast<int64_t>(i + 1), static_cast<int64_t>(timed.size()), timed[i].name);
  }
  double slowest = 0.0;
  for (const Timed& a : timed) slowest = std::max(slowest, a.timing.forward_ns + a.timing.backward_ns);
  fmt::print("\n  {:<11} {:>9} {:>9} {:>9}   ns per element, forward + backward\n", "", "forward",
             "backward", "total");
  for (const Timed& a : timed) {
    const double total = a.timing.forward_ns + a.timing.backward_ns;
    fmt::print("  {:<11} {:>9.2f} {:>9.2f} {:>9.2f}   {}\n", a.name, a.timing.forward_ns,
               a.timing.backward_ns, total, bar(total / slowest, 40));
  }
  const double relu_total = timed[0].timing.forward_ns + timed[0].timing.backward_ns;
  const double sigmoid_total = timed[2].timing.forward_ns + timed[2].timing.backward_ns;
  const double tanh_total = timed[3].timing.forward_ns + timed[3].timing.backward_ns;
  // For scale: a whole layer, the matmul z = h @ W on a [batch, width] batch and the activation
  // after it, forward and backward (dW = h^T @ grad), against the matmul alone.
  const Tensor h = ag::normal({batch, width}, 0.0, 1.0, gen);
  const Tensor layer_ones = ag::ones({batch, width});
  auto layer_us = [&](const std::function<Tensor(const Tensor&)>& f) {
    std::vector<double> times;
    for (int r = 0; r <= repetitions; ++r) {
      Tensor w = ag::normal({width, width}, 0.0, 0.05, gen, true);
      ag::Tape tape;
      const auto t0 = std::chrono::steady_clock::now();
      Tensor z = ag::matmul(h, w);  // [batch, width] @ [width, width]
      Tensor out = f ? f(z) : z;
      out.backward(layer_ones);
      const auto t1 = std::chrono::steady_clock::now();
      if (r > 0) times.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
    return median(times);
  };
  const double matmul_us = layer_us(nullptr);
  const double relu_layer_us = layer_us(timed[0].f);
  const double sigmoid_layer_us = layer_us(timed[2].f);
  fmt::print("\n  one layer of width {} on a batch of {}, forward + backward:\n", width, batch);
  fmt::print("  {:<18} {:>9.1f} us\n  {:<18} {:>9.1f} us\n  {:<18} {:>9.1f} us\n\n",
             "matmul alone", matmul_us, "matmul + relu", relu_layer_us, "matmul + sigmoid",
             sigmoid_layer_us);
  t.paragraph(fmt::format(
      "Per element, sigmoid takes {:.1f}x relu's time and tanh {:.1f}x here. In a "
      "whole layer the matmul is there too: replacing sigmoid by relu saves {:.0f}% of this "
      "layer's time. (These are timings: they vary between runs and machines, and between tensor "
      "sizes — a tensor larger than the cache makes every op wait for memory and narrows the "
      "gap. They appear only here, never in a picture.)",
      sigmoid_total / relu_total, tanh_total / relu_total,
      100.0 * (sigmoid_layer_us - relu_layer_us) / sigmoid_layer_us));

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
      "section 2.2).",
      depth));
  const Tensor inputs = ag::normal({batch, width}, 0.0, 1.0, gen);
  const Tensor targets = ag::normal({batch}, 0.0, 1.0, gen);
  const std::vector<Config> configs = {
      {"sigmoid (Xavier)", "sigmoid", "xavier"},
      {"tanh (Xavier)", "tanh", "xavier"},
      {"relu (He)", "relu", "he"},
      {"leaky 0.01 (He)", "leaky_relu", "he"},
      {"relu (Xavier)", "relu", "xavier"},
  };
  // One colour scale for every picture, so they compare by eye.
  ag::viz::Options picture;
  picture.log10_min = -14.0;
  picture.log10_max = 0.0;
  std::vector<DeepResult> results;
  for (size_t i = 0; i < configs.size(); ++i) {
    const Config& c = configs[i];
    const bool draw = c.activation != "leaky_relu" && c.name != "relu (Xavier)";
    const std::string stem = c.activation;
    ag::viz::Options options = picture;
    options.title = fmt::format("{} layers, {}: gradient leaving each layer", depth, c.name);
    results.push_back(run_deep(c, depth, width, inputs, targets, t.seed,
                               c.activation == "sigmoid" || c.name == "relu (He)"
                                   ? t.out_path(fmt::format("folded_{}.svg", stem))
                                   : "",
                               draw ? t.out_path(fmt::format("flow_{}.svg", stem)) : "", options));
    t.progress(static_cast<int64_t>(i + 1), static_cast<int64_t>(configs.size()), c.name);
  }
  // Two tables: the back-propagated gradient ||dL/dz_l|| (what Glorot & Bengio 2010 call the
  // gradient with respect to the layer's input s, section 4.2.2), and the weight gradient ||dL/dW_l||.
  auto table = [&](const char* title, auto get) {
    fmt::print("\n  {}\n  {:>6}", title, "layer");
    for (const Config& c : configs) fmt::print(" {:>17}", c.name);
    fmt::print("\n");
    for (int l = 0; l < depth; ++l) {
      if (depth > 12 && l >= 3 && l < depth - 3 && l % 4 != 0) continue;  // every 4th, in the middle
      fmt::print("  {:>6}", l + 1);
      for (const DeepResult& r : results) fmt::print(" {:>17.2e}", get(r)[l]);
      fmt::print("\n");
    }
    std::vector<double> ratio;
    fmt::print("  {:>6}", fmt::format("1/{}", depth));
    for (const DeepResult& r : results) {
      ratio.push_back(get(r).front() / get(r).back());
      fmt::print(" {:>17.2e}", ratio.back());
    }
    fmt::print("\n");
    return ratio;
  };
  const std::vector<double> ratio =
      table("||dL/dz_l||, the back-propagated gradient at layer l's pre-activation",
            [](const DeepResult& r) { return r.z_grad; });
  const std::vector<double> w_ratio =
      table("||dL/dW_l||, the gradient of layer l's weights",
            [](const DeepResult& r) { return r.weight_grad; });
  fmt::print("\n  the gradient leaving each layer (gradient_flow) as a sparkline per network, layer 1 on the left (log scale 1e-14 .. 1):\n");
  for (size_t i = 0; i < configs.size(); ++i) {
    // The flow entries are mlp/layer1 ... mlp/layerN, then the head: keep the layers.
    std::vector<ag::viz::FlowEntry> layers_only;
    for (const auto& e : results[i].flow)
      if (e.scope.starts_with("mlp/")) layers_only.push_back(e);
    fmt::print("  {:<17} {}\n", configs[i].name, ag::viz::flow_sparkline(layers_only, picture));
  }
  fmt::print("\n");
  t.paragraph(fmt::format(
      "Read the last column. With Xavier's init a ReLU layer passes on half the variance, so the "
      "back-propagated gradient shrinks by sqrt(2) per layer: {:.1e} from top to bottom. Yet its "
      "weight gradients stay within a small factor ({:.2f}): dL/dW_l = dL/dz_l^T h_(l-1), and the activations "
      "h shrink going up exactly as fast as dL/dz shrinks going down (Glorot & Bengio 2010 make "
      "the same observation for their linear analysis, section 4.2.2). Level, but all of them "
      "small. With He's init both are level.",
      ratio[4], w_ratio[4]));
  fmt::print("  the sigmoid stack, gradient leaving each layer (gradient_flow):\n");
  fmt::print("{}\n", ag::viz::flow_bars(results[0].flow, picture, 36));
  fmt::print("  the ReLU (He) stack:\n");
  fmt::print("{}\n", ag::viz::flow_bars(results[2].flow, picture, 36));

  // ---------------------------------------------------------------------------------------------
  t.section("3. Sparse? Exactly-zero activations");
  t.paragraph(
      "A ReLU outputs exactly 0 for every negative input; sigmoid and tanh are never exactly 0 "
      "for a finite input (tanh(0) = 0 only at exactly 0); LeakyReLU outputs 0.01 z, not 0. At "
      "initialisation about half of the pre-activations are negative, so about half of a ReLU "
      "network's activations are 0 (Glorot, Bordes & Bengio 2011, 'Deep Sparse Rectifier Neural "
      "Networks', section 3.1, note the same ~50%).");
  for (size_t i = 0; i < configs.size(); ++i) {
    fmt::print("  {:<17} {:>6.1f}%  {}\n", configs[i].name, 100 * results[i].zeros_total,
               bar(results[i].zeros_total, 40));
  }
  double relu_min = 1.0, relu_max = 0.0;
  for (double f : results[2].zero_fraction) {
    relu_min = std::min(relu_min, f);
    relu_max = std::max(relu_max, f);
  }
  fmt::print("\n  relu (He), per layer: from {:.1f}% to {:.1f}% exactly zero\n\n", 100 * relu_min,
             100 * relu_max);

  // ---------------------------------------------------------------------------------------------
  t.section("Pictures");
  fmt::print("  {}\n  {}\n  {}\n  {}\n  {}\n\n", t.out_path("flow_sigmoid.svg"),
             t.out_path("flow_tanh.svg"), t.out_path("flow_relu.svg"),
             t.out_path("folded_sigmoid.svg"), t.out_path("folded_relu.svg"));

  // ---------------------------------------------------------------------------------------------
  t.section("Verdicts on the article's sentences");
  t.timing_claim(
      "'ReLU is fast': relu's forward+backward costs less per element than sigmoid's and tanh's "
      "in this engine",
      fmt::format("relu {:.2f} ns, sigmoid {:.2f} ns, tanh {:.2f} ns per element (sigmoid {:.1f}x "
                  "and tanh {:.1f}x relu's time); a whole layer {:.1f} us with relu vs {:.1f} us "
                  "with sigmoid",
                  relu_total, sigmoid_total, tanh_total, sigmoid_total / relu_total,
                  tanh_total / relu_total, relu_layer_us, sigmoid_layer_us),
      relu_total < sigmoid_total && relu_total < tanh_total);
  t.claim(fmt::format("'Avoids vanishing gradients', with He init: over {} layers the "
                      "back-propagated gradient at layer 1 is below 1e-3 of layer {}'s with "
                      "sigmoid, within a factor 10 with ReLU",
                      depth, depth),
          fmt::format("||dL/dz_1|| / ||dL/dz_{}||: sigmoid {:.1e}, tanh {:.1e}, relu (He) {:.2f}, "
                      "leaky (He) {:.2f}; weights ||dW_1|| / ||dW_{}||: sigmoid {:.1e}, relu (He) "
                      "{:.2f}",
                      depth, ratio[0], ratio[1], ratio[2], ratio[3], depth, w_ratio[0],
                      w_ratio[2]),
          ratio[0] < 1e-3 && ratio[2] > 0.1 && ratio[2] < 10.0);
  const double predicted = std::pow(2.0, -(depth - 1) / 2.0);
  t.claim(fmt::format("...not by itself: with Xavier init the ReLU stack's back-propagated "
                      "gradient shrinks by sqrt(2) per layer, 2^-{:.1f} = {:.1e} over {} layers "
                      "(within 10x)",
                      (depth - 1) / 2.0, predicted, depth),
          fmt::format("||dL/dz_1|| / ||dL/dz_{}|| with relu (Xavier) = {:.1e}", depth, ratio[4]),
          ratio[4] > 0.1 * predicted && ratio[4] < 10.0 * predicted);
  t.claim("'Makes activations sparse': about half (40-60%) of ReLU activations are exactly 0 at "
          "init; sigmoid, tanh and LeakyReLU give no exact zeros",
          fmt::format("relu (He) {:.1f}%, sigmoid {:.1f}%, tanh {:.1f}%, leaky {:.1f}%",
                      100 * results[2].zeros_total, 100 * results[0].zeros_total,
                      100 * results[1].zeros_total, 100 * results[3].zeros_total),
          results[2].zeros_total > 0.4 && results[2].zeros_total < 0.6 &&
              results[0].zeros_total == 0.0 && results[1].zeros_total == 0.0 &&
              results[3].zeros_total == 0.0);
  return t.finish();
}
